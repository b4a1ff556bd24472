// Random bytes and hashes without loading node:crypto at start-up. Node's crypto module pulls in some fifteen
// internal modules (ciphers, keys, X.509…), ≈ 3 ms of every command when the bundle evaluates it, and most
// glassbox commands need only a few random bytes for a name or a marker. Those come from /dev/urandom — the
// kernel's getrandom pool, the one crypto.randomBytes draws from too; hashing (image digests) loads node:crypto
// on its first use. test/unit/imports.test.ts keeps every other module off node:crypto's values.

import type { Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';

// n random bytes from the kernel's pool (blocks only before the pool is first seeded at boot, like getrandom(2)).
export function randomBytes(n: number): Buffer {
  const out = Buffer.alloc(n);
  const fd = openSync('/dev/urandom', 'r');
  try {
    for (let got = 0; got < n; ) got += readSync(fd, out, got, n - got, null);
  } finally {
    closeSync(fd);
  }
  return out;
}

let crypto: typeof import('node:crypto') | undefined;

// A hash object (sha256 for image digests), node:crypto loaded the first time one is asked for.
export function createHash(algorithm: string): Hash {
  crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return crypto.createHash(algorithm);
}
