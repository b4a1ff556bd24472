// lib/util/crypto.ts: random bytes from /dev/urandom (the length asked for, not all the same) and hashes that
// agree with node:crypto's.

import assert from 'node:assert/strict';
import { createHash as nodeHash } from 'node:crypto';
import { test } from 'node:test';
import { createHash, randomBytes } from '../../lib/util/crypto.ts';

test('crypto: randomBytes gives the length asked for, and two draws differ', () => {
  for (const n of [1, 6, 32, 4096]) assert.equal(randomBytes(n).length, n);
  assert.notEqual(randomBytes(32).toString('hex'), randomBytes(32).toString('hex'));
  assert.equal(randomBytes(0).length, 0);
});

test('crypto: createHash is node:crypto\'s (sha256 of the same bytes)', () => {
  const data = Buffer.from('glassbox\n');
  assert.equal(createHash('sha256').update(data).digest('hex'), nodeHash('sha256').update(data).digest('hex'));
});
