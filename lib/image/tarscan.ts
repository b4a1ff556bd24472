// Reading tar archives without extracting them. A tar file is a sequence of 512-byte headers, each followed by
// its member's data rounded up to 512 bytes, and ends with two zero blocks. A header holds the name, mode,
// owner, size, type (0 file, 1 hard link, 2 symlink, 3/4 char/block device, 5 directory, 6 FIFO) and, for links,
// the link target. Long names come in an extra member before the real one: GNU's `L` (long name) and `K` (long
// link target), or a POSIX pax `x` header with `path=`/`linkpath=` records.
//
// glassbox reads every layer this way BEFORE `tar -x` writes anything: the listing is checked for paths that
// would escape the layer directory (lib/image/layersafety.ts), and it tells which OCI whiteouts need converting.
// Reading is done here; writing is always done by plain `tar`.

import type { Hash } from 'node:crypto';
import { createHash } from '../util/crypto.ts';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { GlassboxError } from '../errors.ts';

export type EntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo' | 'other';

export interface TarEntry {
  /** The member name as stored (pax/GNU long names applied). */
  name: string;
  type: EntryType;
  /** Link target for symlinks and hard links. */
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  devmajor: number;
  devminor: number;
}

const TYPES: Record<string, EntryType> = { '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo' };

// A NUL-terminated string field of a header.
function str(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('utf8', off, end === -1 || end > off + len ? off + len : end);
}

// A numeric field: octal text, or GNU's base-256 form (high bit set) for values too big for octal.
function num(b: Buffer, off: number, len: number): number {
  if (b[off]! & 0x80) {
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + b[i]!;
    return v;
  }
  const s = str(b, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

// True when a header's checksum matches (the sum of its bytes with the checksum field counted as spaces).
function checksumOk(b: Buffer): boolean {
  const want = num(b, 148, 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : b[i]!;
  return sum === want;
}

// pax extended header records: "LEN key=value\n".
function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp === -1) break;
    const len = parseInt(data.toString('ascii', i, sp), 10);
    if (!len || len < 0) break;
    const rec = data.toString('utf8', sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/** Parses a tar stream fed chunk by chunk; collects the entries. */
export class TarParser {
  readonly entries: TarEntry[] = [];
  private buf: Buffer[] = [];
  private buffered = 0;
  /** Bytes of member data (plus padding) still to skip. */
  private skip = 0;
  /** Data of a meta member (pax or GNU long name) being collected. */
  private meta?: { kind: string; size: number; parts: Buffer[]; got: number; pad: number };
  private pending: { path?: string; linkpath?: string; size?: number } = {};
  private ended = false;
  private zeroBlocks = 0;

  // Feeds bytes of the archive.
  push(chunk: Buffer): void {
    let c = chunk;
    while (c.length > 0 && !this.ended) {
      if (this.meta) {
        const want = this.meta.size - this.meta.got;
        if (want > 0) {
          const take = c.subarray(0, want);
          this.meta.parts.push(take);
          this.meta.got += take.length;
          c = c.subarray(take.length);
          continue;
        }
        this.skip = this.meta.pad;
        this.finishMeta();
        continue;
      }
      if (this.skip > 0) {
        const n = Math.min(this.skip, c.length);
        this.skip -= n;
        c = c.subarray(n);
        continue;
      }
      const need = 512 - this.buffered;
      const take = c.subarray(0, need);
      this.buf.push(take);
      this.buffered += take.length;
      c = c.subarray(take.length);
      if (this.buffered === 512) {
        const header = Buffer.concat(this.buf);
        this.buf = [];
        this.buffered = 0;
        this.header(header);
      }
    }
  }

  // Called when the whole archive was fed: checks it did not stop in the middle of a member.
  end(): TarEntry[] {
    if (this.meta && this.meta.got === this.meta.size) this.finishMeta();
    if (this.skip > 0 || this.meta || (this.buffered > 0 && !this.ended)) {
      throw new GlassboxError('the tar archive is truncated (it ends in the middle of a member)', { hint: 'the file is damaged or incomplete: make or download it again' });
    }
    return this.entries;
  }

  private finishMeta(): void {
    const m = this.meta!;
    this.meta = undefined;
    const data = Buffer.concat(m.parts);
    if (m.kind === 'x') {
      const rec = parsePax(data);
      if (rec.path !== undefined) this.pending.path = rec.path;
      if (rec.linkpath !== undefined) this.pending.linkpath = rec.linkpath;
      if (rec.size !== undefined) this.pending.size = Number(rec.size);
    } else if (m.kind === 'L') this.pending.path = str(data, 0, data.length);
    else if (m.kind === 'K') this.pending.linkpath = str(data, 0, data.length);
    // 'g' (global pax header) carries nothing glassbox uses.
  }

  private header(h: Buffer): void {
    if (h.every((x) => x === 0)) {
      if (++this.zeroBlocks >= 2) this.ended = true;
      return;
    }
    this.zeroBlocks = 0;
    if (!checksumOk(h)) {
      throw new GlassboxError(`not a valid tar archive (bad header checksum after ${this.entries.length} members)`, { hint: 'the file is damaged, or not a tar archive' });
    }
    const flag = String.fromCharCode(h[156]!);
    let size = num(h, 124, 12);
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      this.meta = { kind: flag, size, parts: [], got: 0, pad: (512 - (size % 512)) % 512 };
      if (size === 0) this.finishMeta();
      return;
    }
    const magic = h.toString('ascii', 257, 262);
    let name = str(h, 0, 100);
    if (magic === 'ustar') {
      const prefix = str(h, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    const p = this.pending;
    this.pending = {};
    if (p.size !== undefined) size = p.size;
    const type = TYPES[flag] ?? 'other';
    const entry: TarEntry = {
      name: p.path ?? name,
      type,
      linkname: p.linkpath ?? str(h, 157, 100),
      mode: num(h, 100, 8),
      uid: num(h, 108, 8),
      gid: num(h, 116, 8),
      size,
      devmajor: num(h, 329, 8),
      devminor: num(h, 337, 8),
    };
    this.entries.push(entry);
    // Only regular files (and unknown types, to stay in step) carry data; links and dirs store size 0 anyway.
    const dataSize = type === 'file' || type === 'other' ? size : 0;
    this.skip = dataSize + ((512 - (dataSize % 512)) % 512);
  }
}

export type Compression = 'gzip' | 'zstd' | 'none';

// Tells a compressed blob from a plain tar by its first bytes.
export function compressionOf(head: Buffer): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

export interface ScanResult {
  entries: TarEntry[];
  /** sha256 of the file's bytes as stored (the blob digest). */
  digest: string;
  /** sha256 of the uncompressed tar (the DiffID); equal to digest for an uncompressed tar. */
  diffId: string;
  compression: Compression;
  size: number;
}

// Reads the first bytes of a file (for compressionOf).
export async function readHead(file: string, n = 8): Promise<Buffer> {
  const { open } = await import('node:fs/promises');
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(n);
    const { bytesRead } = await fh.read(b, 0, n, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

// Reads a (possibly gzip-compressed) tar file once: both digests and the listing, in one pass. A zstd file
// cannot be read here (Node 20 has no zstd): decompress it with the zstd program first and scan the result.
export async function scanTarFile(file: string, range?: { start: number; end: number }): Promise<ScanResult> {
  const head = await readHead(file);
  const compression = head.length >= 4 ? compressionOf(head) : 'none';
  if (compression === 'zstd') throw new Error('scanTarFile: decompress zstd first');
  const raw = createHash('sha256');
  const plain: Hash = compression === 'none' ? raw : createHash('sha256');
  const parser = new TarParser();
  let size = 0;
  const input = createReadStream(file, range ? { start: range.start, end: range.end - 1, highWaterMark: 1 << 20 } : { highWaterMark: 1 << 20 });
  await new Promise<void>((res, rej) => {
    const fail = (e: unknown) =>
      rej(e instanceof GlassboxError ? e : new GlassboxError(`cannot read ${file}: ${(e as Error).message}`, { hint: 'the file is damaged or not a (gzip) tar archive' }));
    input.on('error', fail);
    const feedPlain = (d: Buffer) => {
      try {
        if (plain !== raw) plain.update(d);
        parser.push(d);
      } catch (e) {
        input.destroy();
        fail(e);
      }
    };
    if (compression === 'gzip') {
      const gunzip = createGunzip();
      gunzip.on('error', fail);
      gunzip.on('data', feedPlain);
      gunzip.on('end', () => res());
      input.on('data', (chunk: string | Buffer) => {
        const d = chunk as Buffer;
        raw.update(d);
        size += d.length;
      });
      input.pipe(gunzip);
    } else {
      input.on('data', (chunk: string | Buffer) => {
        const d = chunk as Buffer;
        raw.update(d);
        size += d.length;
        feedPlain(d);
      });
      input.on('end', () => res());
    }
  });
  const entries = parser.end();
  const digest = `sha256:${raw.digest('hex')}`;
  return { entries, digest, diffId: compression === 'none' ? digest : `sha256:${plain.digest('hex')}`, compression, size };
}

// sha256 of a file, streamed.
export function sha256File(file: string): Promise<string> {
  return new Promise((res, rej) => {
    const h = createHash('sha256');
    createReadStream(file, { highWaterMark: 1 << 20 })
      .on('data', (d) => h.update(d))
      .on('end', () => res(`sha256:${h.digest('hex')}`))
      .on('error', rej);
  });
}
