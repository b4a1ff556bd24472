// Layers without root: tar listing (tarscan), path-safety checks and the whiteout conversion plan (layersafety),
// Docker Hub name normalisation (reference), platform selection in indexes (platform), WWW-Authenticate parsing,
// image configs, and the registry client's Bearer flow against a small HTTP server on 127.0.0.1.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { GlassboxError } from '../../lib/errors.ts';
import { checkLayer, memberPath, ociMarkers, symlinkLands } from '../../lib/image/layersafety.ts';
import { parseGetfattr } from '../../lib/image/layers.ts';
import { parseImageConfig } from '../../lib/image/imageconfig.ts';
import { parsePlatform, selectManifest, isIndex, MEDIA, type Descriptor } from '../../lib/image/platform.ts';
import { familiarName, parseReference, remoteReference, tagKey } from '../../lib/image/reference.ts';
import { parseChallenge, RegistryClient } from '../../lib/image/registry.ts';
import { scanTarFile, TarParser, type TarEntry } from '../../lib/image/tarscan.ts';
import { tar } from '../tarwriter.ts';

const entry = (name: string, type: TarEntry['type'] = 'file', linkname = '', dev: [number, number] = [0, 0]): TarEntry => ({
  name, type, linkname, mode: 0o644, uid: 0, gid: 0, size: 0, devmajor: dev[0], devminor: dev[1],
});

const unsafe = (re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof GlassboxError, String(e));
  assert.match(e.message, /^unsafe archive/);
  assert.match(e.message, re);
  assert.equal(e.exitCode, 125);
  return true;
};

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

// ---- tar listing ---------------------------------------------------------------------------------------------

test('TarParser lists names, types, links and device numbers, fed in odd-sized chunks', () => {
  const t = tar([
    { name: 'etc/', type: '5' },
    { name: 'etc/hosts', data: 'x'.repeat(700) },
    { name: 'bin/sh', type: '2', link: 'busybox' },
    { name: 'bin/ln', type: '1', link: 'etc/hosts' },
    { name: 'dev/null', type: '3', major: 1, minor: 3 },
    { name: `deep/${'d'.repeat(120)}/file`, data: 'long' },
  ], { paxLong: true });
  const p = new TarParser();
  for (let i = 0; i < t.length; i += 37) p.push(t.subarray(i, i + 37));
  const got = p.end().map((e) => [e.name, e.type, e.linkname, e.devmajor, e.devminor, e.size]);
  assert.deepEqual(got, [
    ['etc/', 'dir', '', 0, 0, 0],
    ['etc/hosts', 'file', '', 0, 0, 700],
    ['bin/sh', 'symlink', 'busybox', 0, 0, 0],
    ['bin/ln', 'hardlink', 'etc/hosts', 0, 0, 0],
    ['dev/null', 'char', '', 1, 3, 0],
    [`deep/${'d'.repeat(120)}/file`, 'file', '', 0, 0, 4],
  ]);
});

test('TarParser refuses a damaged header and a truncated archive', () => {
  const t = tar([{ name: 'a', data: 'hello' }]);
  const bad = Buffer.from(t);
  bad[10] = 0x41;
  assert.throws(() => new TarParser().push(bad), /bad header checksum/);
  const p = new TarParser();
  p.push(t.subarray(0, 600));
  assert.throws(() => p.end(), /truncated/);
});

test('scanTarFile: blob digest and DiffID of a plain and a gzip layer, in one read', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gb-scan-'));
  try {
    const plain = tar([{ name: 'a', data: 'A' }]);
    const gz = gzipSync(plain);
    await writeFile(path.join(dir, 'p.tar'), plain);
    await writeFile(path.join(dir, 'g.tgz'), gz);
    const p = await scanTarFile(path.join(dir, 'p.tar'));
    assert.equal(p.compression, 'none');
    assert.equal(p.digest, sha(plain));
    assert.equal(p.diffId, sha(plain));
    const g = await scanTarFile(path.join(dir, 'g.tgz'));
    assert.equal(g.compression, 'gzip');
    assert.equal(g.digest, sha(gz));
    assert.equal(g.diffId, sha(plain));
    assert.deepEqual(g.entries.map((e) => e.name), ['a']);
    await writeFile(path.join(dir, 'bad.tgz'), gz.subarray(0, gz.length - 12));
    await assert.rejects(scanTarFile(path.join(dir, 'bad.tgz')), GlassboxError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// ---- path safety -----------------------------------------------------------------------------------------------

test('memberPath cleans ./ and // and refuses absolute names and ..', () => {
  assert.deepEqual(memberPath('./a//b/'), ['a', 'b']);
  assert.deepEqual(memberPath('.'), []);
  assert.throws(() => memberPath('/etc/passwd'), unsafe(/absolute/));
  assert.throws(() => memberPath('a/../../etc'), unsafe(/\.\./));
});

test('symlinkLands: absolute targets stay in the image, climbing above the root does not', () => {
  assert.deepEqual(symlinkLands(['bin'], '/bin/busybox'), ['bin', 'busybox']);
  assert.deepEqual(symlinkLands(['usr', 'bin'], '../../bin'), ['bin']);
  assert.equal(symlinkLands(['usr'], '../../etc'), undefined);
});

test('checkLayer accepts a normal layer (absolute symlink, hard link to an earlier file, whiteout device 0/0)', () => {
  const plan = checkLayer([
    entry('./', 'dir'),
    entry('bin/', 'dir'),
    entry('bin/busybox'),
    entry('bin/sh', 'symlink', '/bin/busybox'),
    entry('bin/ash', 'hardlink', 'bin/busybox'),
    entry('etc/gone', 'char', '', [0, 0]),
    entry('tmp/fifo', 'fifo'),
  ]);
  assert.deepEqual(plan, { whiteouts: [], opaque: [], parents: [] });
});

test('checkLayer refuses path traversal, symlink and hard-link escapes, and device nodes', () => {
  assert.throws(() => checkLayer([entry('../evil')]), unsafe(/\.\./));
  assert.throws(() => checkLayer([entry('/etc/cron.d/x')]), unsafe(/absolute/));
  assert.throws(() => checkLayer([entry('up', 'symlink', '../../../../etc')]), unsafe(/points outside/));
  assert.throws(() => checkLayer([entry('etc', 'symlink', '/etc'), entry('etc/passwd')]), unsafe(/goes through the symbolic link etc/));
  assert.throws(() => checkLayer([entry('a', 'symlink', 'b'), entry('a/b/c', 'dir')]), unsafe(/through the symbolic link a/));
  assert.throws(() => checkLayer([entry('shadow', 'hardlink', '../../etc/shadow')]), unsafe(/hard link points outside/));
  assert.throws(() => checkLayer([entry('l', 'symlink', '/etc'), entry('x', 'hardlink', 'l/shadow')]), unsafe(/hard link goes through/));
  assert.throws(() => checkLayer([entry('x', 'hardlink', 'not/here')]), unsafe(/not earlier in the archive/));
  assert.throws(() => checkLayer([entry('dev/sda', 'block', '', [8, 0])]), unsafe(/block device 8:0/));
  assert.throws(() => checkLayer([entry('dev/mem', 'char', '', [1, 1])]), unsafe(/character device 1:1/));
  assert.throws(() => checkLayer([entry('a/.wh.b', 'symlink', '/x')]), unsafe(/whiteout marker that is not a plain file/));
  // A symlink replaced by a directory later is no longer a way out.
  assert.doesNotThrow(() => checkLayer([entry('d', 'symlink', 'x'), entry('d', 'dir'), entry('d/f')]));
});

test('checkLayer: the whiteout conversion plan', () => {
  const plan = checkLayer([
    entry('etc/', 'dir'),
    entry('etc/.wh.gone'),
    entry('etc/dir/', 'dir'),
    entry('etc/dir/.wh..wh..opq'),
    entry('etc/dir/new'),
    entry('.wh.top'),
    entry('only/markers/.wh.x'),
  ]);
  assert.deepEqual(plan, { whiteouts: ['etc/gone', 'top', 'only/markers/x'], opaque: ['etc/dir'], parents: ['etc', 'etc/dir', 'only/markers'] });
  assert.throws(() => checkLayer([entry('a/.wh...')]), unsafe(/invalid name/));
});

test('ociMarkers turns overlay whiteouts back into OCI markers; parseGetfattr finds opaque dirs', () => {
  assert.deepEqual(ociMarkers(['etc/gone', 'top'], ['etc/dir']), ['.wh.top', 'etc/.wh.gone', 'etc/dir/.wh..wh..opq']);
  const out = '# file: /s/upper/etc/dir\ntrusted.overlay.opaque="y"\n\n# file: /s/upper/a\\040b\ntrusted.overlay.opaque="y"\n';
  assert.deepEqual(parseGetfattr(out, '/s/upper'), ['a b', 'etc/dir']);
});

// ---- references, platforms, configs ----------------------------------------------------------------------------

test('remoteReference normalises Docker Hub names like docker', () => {
  const b = remoteReference('busybox');
  assert.deepEqual([b.registry, b.endpoint, b.repository, b.reference, b.canonical, b.storeTag], ['docker.io', 'registry-1.docker.io', 'library/busybox', 'latest', 'docker.io/library/busybox:latest', 'busybox:latest']);
  const t = remoteReference('team/app:2');
  assert.deepEqual([t.repository, t.storeTag], ['team/app', 'team/app:2']);
  const l = remoteReference('127.0.0.1:5000/a/b@sha256:' + 'c'.repeat(64));
  assert.deepEqual([l.registry, l.endpoint, l.repository, l.reference, l.storeTag], ['127.0.0.1:5000', '127.0.0.1:5000', 'a/b', 'sha256:' + 'c'.repeat(64), undefined]);
  assert.equal(remoteReference('localhost/x').registry, 'localhost');
  assert.equal(remoteReference('index.docker.io/library/alpine:3').storeTag, 'alpine:3');
  assert.equal(familiarName('docker.io/library/busybox'), 'busybox');
  assert.equal(tagKey(parseReference('docker.io/library/busybox')), 'busybox:latest');
  assert.throws(() => remoteReference('Busybox'), GlassboxError);
  assert.throws(() => remoteReference('a:b:c'), GlassboxError);
});

const desc = (digit: string, os: string, architecture: string, variant?: string): Descriptor => ({
  mediaType: MEDIA.ociManifest, digest: `sha256:${digit.repeat(64)}`, platform: { os, architecture, ...(variant ? { variant } : {}) },
});

test('selectManifest picks the platform: linux/amd64 by default, variants, aliases, clear error', () => {
  const list = [desc('1', 'linux', 'arm', 'v6'), desc('2', 'linux', 'arm', 'v7'), desc('3', 'linux', 'arm64', 'v8'), desc('4', 'linux', 'amd64'), { ...desc('5', 'unknown', 'unknown') }];
  assert.equal(selectManifest(list, parsePlatform('linux/amd64')).digest, list[3]!.digest);
  assert.equal(selectManifest(list, parsePlatform('linux/arm/v7')).digest, list[1]!.digest);
  assert.equal(selectManifest(list, parsePlatform('linux/arm64')).digest, list[2]!.digest);
  assert.equal(selectManifest(list, { os: 'linux', architecture: 'aarch64' }).digest, list[2]!.digest);
  assert.throws(() => selectManifest(list, parsePlatform('linux/s390x')), (e: unknown) => e instanceof GlassboxError && /linux\/s390x/.test(e.message) && /linux\/arm\/v6, linux\/arm\/v7, linux\/arm64, linux\/amd64/.test(e.hint ?? ''));
  assert.throws(() => parsePlatform('linux/amd64/v1/x'), GlassboxError);
  assert.equal(isIndex(MEDIA.dockerList, {}), true);
  assert.equal(isIndex(undefined, { manifests: [] }), true);
  assert.equal(isIndex(MEDIA.dockerManifest, { manifests: [] }), false);
});

test('parseImageConfig keeps Env, Cmd, Entrypoint, WorkingDir, User, ExposedPorts and the DiffIDs', () => {
  const d = `sha256:${'a'.repeat(64)}`;
  const c = parseImageConfig(JSON.stringify({ architecture: 'arm64', os: 'linux', config: { Env: ['A=1'], Cmd: ['sh'], Entrypoint: ['/init'], WorkingDir: '/w', User: 'nobody', ExposedPorts: { '80/tcp': {} }, Volumes: null }, rootfs: { type: 'layers', diff_ids: [d] } }), 'x');
  assert.deepEqual(c.config, { Env: ['A=1'], Cmd: ['sh'], Entrypoint: ['/init'], WorkingDir: '/w', User: 'nobody', ExposedPorts: { '80/tcp': {} } });
  assert.deepEqual([c.diffIds, c.architecture], [[d], 'arm64']);
  assert.throws(() => parseImageConfig('{"rootfs":{"type":"layers","diff_ids":["md5:x"]}}', 'x'), GlassboxError);
  assert.throws(() => parseImageConfig('not json', 'x'), GlassboxError);
});

// ---- registry authentication -----------------------------------------------------------------------------------

test('parseChallenge reads Bearer and Basic challenges, quoted commas included', () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push"'), {
    scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull,push' },
  });
  assert.deepEqual(parseChallenge('Basic realm="basic-realm"'), { scheme: 'basic', params: { realm: 'basic-realm' } });
});

test('RegistryClient: Bearer token flow with Basic credentials, manifest and verified blobs (a local server on 127.0.0.1)', async () => {
  const blob = Buffer.from('layer bytes');
  const digest = sha(blob);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { digest }, layers: [] }));
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    seen.push(`${url.pathname} ${req.headers.authorization ?? '-'}`);
    if (url.pathname === '/token') {
      const ok = req.headers.authorization === `Basic ${Buffer.from('u:p').toString('base64')}` && url.searchParams.get('scope') === 'repository:team/app:pull' && url.searchParams.get('service') === 'test';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? JSON.stringify({ token: 'T0K' }) : '{}');
      return;
    }
    if (req.headers.authorization !== 'Bearer T0K') {
      const { port } = server.address() as { port: number };
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="test",scope="repository:team/app:pull"` }).end();
      return;
    }
    if (url.pathname === '/v2/team/app/manifests/1') res.writeHead(200, { 'content-type': MEDIA.ociManifest, 'docker-content-digest': sha(manifest) }).end(manifest);
    else if (url.pathname === `/v2/team/app/blobs/${digest}`) res.writeHead(200).end(blob);
    else if (url.pathname === `/v2/team/app/blobs/${sha('other')}`) res.writeHead(200).end(blob); // wrong content
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gb-reg-'));
  try {
    const ref = { registry: `127.0.0.1:${port}`, endpoint: `127.0.0.1:${port}`, repository: 'team/app' };
    const client = new RegistryClient(ref, { insecure: true, credentials: { username: 'u', password: 'p' } });
    const m = await client.manifest('1');
    assert.equal(m.digest, sha(manifest));
    assert.equal(m.mediaType, MEDIA.ociManifest);
    assert.equal(await client.download(digest, path.join(dir, 'b')), blob.length);
    assert.deepEqual(await readFile(path.join(dir, 'b')), blob);
    await assert.rejects(client.download(sha('other'), path.join(dir, 'c')), /does not match its digest/);
    await assert.rejects(readFile(path.join(dir, 'c')), /ENOENT/);
    assert.ok(seen.includes('/token Basic dTpw'), seen.join('\n'));
    const anon = new RegistryClient(ref, { insecure: true });
    await assert.rejects(anon.manifest('1'), /token service .* refused/);
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
