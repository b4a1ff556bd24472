// The pure parts of glassbox push: chunk ranges, upload Location joining, the manifest, mount sources, and the
// registry client's scopes and credentials (against a small HTTP server on 127.0.0.1 that speaks the upload API).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BlobUploader, buildManifest, bufferSource, chunkRanges, joinLocation, withDigest } from '../../lib/image/upload.ts';
import { mountSources } from '../../lib/image/push.ts';
import { RegistryClient } from '../../lib/image/registry.ts';
import type { ImageRecord } from '../../lib/image/store.ts';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

test('chunkRanges: inclusive ranges that cover the blob exactly, in order', () => {
  assert.deepEqual(chunkRanges(0, 4), []);
  assert.deepEqual(chunkRanges(1, 4), [[0, 0]]);
  assert.deepEqual(chunkRanges(4, 4), [[0, 3]]);
  assert.deepEqual(chunkRanges(10, 4), [[0, 3], [4, 7], [8, 9]]);
  assert.throws(() => chunkRanges(10, 0), /must be positive/);
});

test('joinLocation and withDigest: relative and absolute Locations, an upload query kept', () => {
  const req = 'http://127.0.0.1:5000/v2/a/b/blobs/uploads/';
  assert.equal(joinLocation(req, '/v2/a/b/blobs/uploads/u1?_state=xyz'), 'http://127.0.0.1:5000/v2/a/b/blobs/uploads/u1?_state=xyz');
  assert.equal(joinLocation(req, 'http://other:9/up/1'), 'http://other:9/up/1');
  assert.equal(joinLocation(req, 'u2'), 'http://127.0.0.1:5000/v2/a/b/blobs/uploads/u2');
  const d = `sha256:${'a'.repeat(64)}`;
  assert.equal(withDigest('http://h/v2/x/blobs/uploads/u?_state=s%2B1', d), `http://h/v2/x/blobs/uploads/u?_state=s%2B1&digest=sha256%3A${'a'.repeat(64)}`);
  assert.equal(new URL(withDigest('http://h/u', d)).searchParams.get('digest'), d);
});

test('buildManifest: an OCI image manifest, gzip layers, compact and stable', () => {
  const c = { digest: `sha256:${'c'.repeat(64)}`, size: 10 };
  const l = { digest: `sha256:${'1'.repeat(64)}`, size: 20 };
  const text = buildManifest(c, [l]);
  assert.deepEqual(JSON.parse(text), {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...c },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...l }],
  });
  assert.equal(text, buildManifest(c, [l]));
  assert.doesNotMatch(text, /\n| {2}/);
});

test('mountSources: other repositories of the same registry, from repoDigests', () => {
  const rec = (repoDigests: string[]) => ({ repoDigests }) as unknown as ImageRecord;
  const d = `@sha256:${'e'.repeat(64)}`;
  const records = [rec([`127.0.0.1:5000/gb/a${d}`, `127.0.0.1:5000/gb/b${d}`, `busybox${d}`]), rec([`127.0.0.1:6000/gb/c${d}`, `127.0.0.1:5000/gb/a${d}`])];
  assert.deepEqual(mountSources(records, '127.0.0.1:5000', 'gb/b'), ['gb/a']);
  assert.deepEqual(mountSources(records, 'docker.io', 'library/x'), ['library/busybox']);
});

interface Seen {
  method: string;
  url: string;
  range?: string;
  auth?: string;
  body: Buffer;
}

// A tiny upload API: sessions whose Location changes with each PATCH; a Bearer token service that records scopes.
async function fakeRegistry(): Promise<{ base: string; seen: Seen[]; blobs: Map<string, Buffer>; scopes: string[][]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const blobs = new Map<string, Buffer>();
  const sessions = new Map<string, Buffer>();
  const scopes: string[][] = [];
  let n = 0;
  const read = (req: IncomingMessage) => new Promise<Buffer>((r) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => r(Buffer.concat(parts)));
  });
  const server = createServer(async (req, res) => {
    const body = await read(req);
    const u = new URL(req.url!, 'http://x');
    seen.push({ method: req.method!, url: req.url!, range: req.headers['content-range'], auth: req.headers.authorization, body });
    if (u.pathname === '/token') {
      scopes.push(u.searchParams.getAll('scope'));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'T0K' }));
      return;
    }
    if (req.headers.authorization !== 'Bearer T0K') {
      const port = (server.address() as AddressInfo).port;
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="fake",scope="repository:gb/x:pull"` }).end();
      return;
    }
    let m: RegExpExecArray | null;
    if (req.method === 'HEAD' && (m = /^\/v2\/gb\/x\/blobs\/(.+)$/.exec(u.pathname))) return void res.writeHead(blobs.has(m[1]!) ? 200 : 404).end();
    if (req.method === 'POST' && u.pathname === '/v2/gb/x/blobs/uploads/') {
      const mount = u.searchParams.get('mount');
      if (mount && blobs.has(mount)) return void res.writeHead(201).end();
      const id = `s${++n}`;
      sessions.set(id, Buffer.alloc(0));
      return void res.writeHead(202, { location: `/v2/gb/x/blobs/uploads/${id}?_state=0` }).end();
    }
    if ((m = /^\/v2\/gb\/x\/blobs\/uploads\/(s\d+)$/.exec(u.pathname))) {
      const id = m[1]!;
      const have = sessions.get(id)!;
      if (req.method === 'PATCH') {
        const [start] = String(req.headers['content-range']).split('-').map(Number);
        if (start !== have.length) return void res.writeHead(416).end();
        sessions.delete(id);
        const next = `s${++n}`;
        sessions.set(next, Buffer.concat([have, body]));
        return void res.writeHead(202, { location: `/v2/gb/x/blobs/uploads/${next}?_state=${have.length + body.length}`, range: `0-${have.length + body.length - 1}` }).end();
      }
      if (req.method === 'PUT') {
        const all = Buffer.concat([have, body]);
        const digest = u.searchParams.get('digest')!;
        if (sha(all) !== digest) return void res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'DIGEST_INVALID', message: 'digest did not match' }] }));
        blobs.set(digest, all);
        return void res.writeHead(201).end();
      }
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { base: `127.0.0.1:${port}`, seen, blobs, scopes, close: () => new Promise((r) => server.close(() => r())) };
}

test('BlobUploader: bearer token with push and mount scopes; monolithic and chunked uploads; mount', async () => {
  const f = await fakeRegistry();
  try {
    const ref = { registry: f.base, endpoint: f.base, repository: 'gb/x' };
    const client = new RegistryClient(ref, { insecure: true, scopes: ['repository:gb/x:pull,push', 'repository:gb/a:pull'] });
    const up = new BlobUploader(client, ref);
    const small = Buffer.from('hello');
    assert.equal(await up.exists(sha(small)), false);
    assert.deepEqual(f.scopes, [['repository:gb/x:pull,push', 'repository:gb/a:pull']]);
    const loc = await up.start();
    assert.equal(typeof loc, 'string');
    await up.upload(loc as string, sha(small), bufferSource(small), { chunkSize: 100 });
    assert.equal(await up.exists(sha(small)), true);
    // Chunked: 10 bytes in chunks of 4, each PATCH at the Location the last answer gave.
    const big = Buffer.from('0123456789');
    const sent: number[] = [];
    await up.upload((await up.start()) as string, sha(big), bufferSource(big), { chunkSize: 4, onBytes: (s) => sent.push(s) });
    assert.deepEqual(f.blobs.get(sha(big)), big);
    assert.deepEqual(f.seen.filter((s) => s.method === 'PATCH').map((s) => s.range), ['0-3', '4-7', '8-9']);
    assert.deepEqual(sent, [4, 8, 10]);
    const patches = f.seen.filter((s) => s.method === 'PATCH').map((s) => new URL(s.url, 'http://x').pathname);
    assert.equal(new Set(patches).size, 3, 'each chunk went to the newest Location');
    // A digest that does not match: the registry's error code is in the message.
    await assert.rejects(up.upload((await up.start()) as string, sha('other'), bufferSource(small)), /HTTP 400 \(DIGEST_INVALID: digest did not match\)/);
    // Mount: 201 for a blob the registry has, an upload session (202) otherwise.
    assert.equal(await up.start({ digest: sha(small), from: 'gb/a' }), 'mounted');
    assert.match(String(await up.start({ digest: sha('nope'), from: 'gb/a' })), /^http:\/\/127\.0\.0\.1:\d+\/v2\/gb\/x\/blobs\/uploads\/s\d+\?_state=0$/);
    assert.ok(f.seen.filter((s) => s.url !== '/token' && s.url.startsWith('/v2')).slice(1).every((s) => s.auth === 'Bearer T0K'));
  } finally {
    await f.close();
  }
});
