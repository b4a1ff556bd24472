// glassbox pull against real registries: Debian's docker-registry started on 127.0.0.1 (a free port, config and
// storage in the test's temp dir), filled with skopeo copy — a single-platform image and a two-platform index —
// pulled by tag and by digest, pulled twice (the second downloads nothing), a corrupted blob refused, and an
// htpasswd-protected registry used through glassbox login.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Sandbox } from './helpers.ts';
import { must, Registry, removeSkopeoCache, tarDir, writeOciLayout } from './image-helpers.ts';

const sb = new Sandbox('image-registry');
const T = { timeout: 180_000 };
let reg: Registry;
let authReg: Registry;
let oci = '';
let multiDigest = '';

before(async () => {
  await sb.setup();
  reg = new Registry(join(sb.dir, 'registry'));
  await reg.start();
  // Two images from the same root: amd64 and an arm64 one that differs in its config (and an extra layer).
  const layer = await tarDir(sb.rootdir, join(sb.dir, 'base-layer.tar'));
  const extraDir = join(sb.dir, 'extra');
  mkdirSync(join(extraDir, 'etc'), { recursive: true });
  writeFileSync(join(extraDir, 'etc', 'arch'), 'arm64\n');
  const extra = await tarDir(extraDir, join(sb.dir, 'extra-layer.tar'));
  oci = join(sb.dir, 'oci');
  writeOciLayout(join(oci, 'single'), 'img', [{ platform: { os: 'linux', architecture: 'amd64' }, layers: [layer], config: { Env: ['WHICH=single'], Cmd: ['/bin/sh'] } }]);
  writeOciLayout(join(oci, 'multi'), 'multi', [
    { platform: { os: 'linux', architecture: 'amd64' }, layers: [layer], config: { Env: ['WHICH=amd64'], Cmd: ['/bin/sh'] } },
    { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, layers: [layer, extra], config: { Env: ['WHICH=arm64'], Cmd: ['/bin/sh'] } },
  ]);
  await must(['skopeo', 'copy', '-q', '--dest-tls-verify=false', '--dest-compress', `oci:${join(oci, 'single')}:img`, `docker://${reg.host}/gb/img:1`]);
  await must(['skopeo', 'copy', '-q', '--all', '--dest-tls-verify=false', `oci:${join(oci, 'multi')}:multi`, `docker://${reg.host}/gb/multi:1`]);
  const insp = JSON.parse((await must(['skopeo', 'inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/gb/multi:1`])).stdout) as { manifests?: unknown[] };
  assert.equal(insp.manifests?.length, 2, 'the registry holds an index with two manifests');
  multiDigest = (await must(['skopeo', 'inspect', '--format', '{{.Digest}}', '--tls-verify=false', `docker://${reg.host}/gb/multi:1`])).stdout.trim();
}, { timeout: 180_000 });

after(async () => {
  await reg?.stop();
  await authReg?.stop();
  removeSkopeoCache();
  await sb.cleanup();
}, { timeout: 120_000 });

// The Env and Architecture of a stored image.
async function inspect(ref: string): Promise<{ Config: { Env?: string[] }; Architecture: string; RepoDigests: string[]; RootFS: { Layers: string[] } }> {
  const r = await sb.gb(['image', 'inspect', ref]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout)[0];
}

test('pull an image from a registry on 127.0.0.1, run it; a second pull downloads nothing', T, async () => {
  const r = await sb.gb(['pull', '--insecure', `${reg.host}/gb/img:1`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${reg.host}/gb/img:1\n`);
  assert.match(r.stderr, /pull complete/);
  assert.match(r.stderr, /downloaded [\d.]+ MB/);
  const run = await sb.gb(['run', `${reg.host}/gb/img:1`, 'sh', '-c', 'echo $WHICH']);
  assert.equal(run.stdout, 'single\n', run.stderr);
  const again = await sb.gb(['pull', `${reg.host}/gb/img:1`]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /already exists/);
  assert.match(again.stderr, /nothing downloaded/);
  const i = await inspect(`${reg.host}/gb/img:1`);
  assert.match(i.RepoDigests[0]!, new RegExp(`^${reg.host}/gb/img@sha256:[0-9a-f]{64}$`));
});

test('a multi-platform index: linux/amd64 by default, --platform linux/arm64, and pull by digest', T, async () => {
  const amd = await sb.gb(['pull', `${reg.host}/gb/multi:1`]);
  assert.equal(amd.code, 0, amd.stderr);
  assert.deepEqual((await inspect(`${reg.host}/gb/multi:1`)).Config.Env, ['WHICH=amd64']);
  const arm = await sb.gb(['pull', '--platform', 'linux/arm64', `${reg.host}/gb/multi:1`]);
  assert.equal(arm.code, 0, arm.stderr);
  const a = await inspect(`${reg.host}/gb/multi:1`);
  assert.deepEqual([a.Config.Env, a.Architecture, a.RootFS.Layers.length], [['WHICH=arm64'], 'arm64', 2]);
  const none = await sb.gb(['pull', '--platform', 'linux/s390x', `${reg.host}/gb/multi:1`]);
  assert.equal(none.code, 125);
  assert.match(none.stderr, /no image for linux\/s390x.*linux\/amd64, linux\/arm64/);
  const byDigest = await sb.gb(['pull', `${reg.host}/gb/multi@${multiDigest}`]);
  assert.equal(byDigest.code, 0, byDigest.stderr);
  assert.match(byDigest.stdout, /^sha256:[0-9a-f]{64}\n$/);
  assert.ok((await inspect(byDigest.stdout.trim())).RepoDigests.includes(`${reg.host}/gb/multi@${multiDigest}`));
});

test('a corrupted blob in the registry is refused and nothing is stored', T, async () => {
  // A fresh image whose layer only this test has, so the store cannot already hold it.
  const dir = join(sb.dir, 'corrupt-src');
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'data', 'payload'), 'x'.repeat(100_000));
  const layer = await tarDir(dir, join(sb.dir, 'corrupt-layer.tar'));
  const base = await tarDir(sb.rootdir, join(sb.dir, 'base2.tar'));
  writeOciLayout(join(oci, 'corrupt'), 'c', [{ platform: { os: 'linux', architecture: 'amd64' }, layers: [base, layer], config: {} }]);
  await must(['skopeo', 'copy', '-q', '--dest-tls-verify=false', `oci:${join(oci, 'corrupt')}:c`, `docker://${reg.host}/gb/corrupt:1`]);
  // The registry keeps blobs as .../blobs/sha256/XX/HEX/data: change a byte of the largest one (the payload layer).
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : e.name === 'data' && files.push(join(d, e.name));
  };
  walk(join(reg.dir, 'data', 'docker', 'registry', 'v2', 'blobs'));
  // skopeo gzips layers on their way to a registry: look inside each gzip blob for the payload.
  const plain = (b: Buffer) => (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b);
  const wanted = files.map((f) => ({ f, b: readFileSync(f) })).find(({ b }) => plain(b).includes('x'.repeat(1000)));
  assert.ok(wanted, 'found the payload layer blob');
  wanted.b[Math.floor(wanted.b.length / 2)] ^= 0xff;
  writeFileSync(wanted.f, wanted.b);
  const layersBefore = readdirSync(join(sb.root, 'layers', 'sha256')).sort();
  const r = await sb.gb(['pull', `${reg.host}/gb/corrupt:1`]);
  assert.equal(r.code, 125, r.stderr);
  assert.match(r.stderr, /does not match its digest/);
  assert.deepEqual(readdirSync(join(sb.root, 'layers', 'sha256')).sort(), layersBefore);
  assert.deepEqual(readdirSync(join(sb.root, 'layers')).filter((n) => n.startsWith('tmp-')), []);
  assert.doesNotMatch((await sb.gb(['images'])).stdout, /corrupt/);
});

test('an htpasswd registry: refused without login, glassbox login (0600), pull, logout', T, async () => {
  const pw = join(sb.dir, 'htpasswd');
  writeFileSync(pw, (await must(['htpasswd', '-Bbn', 'alice', 's3cret'])).stdout);
  authReg = new Registry(join(sb.dir, 'auth-registry'));
  await authReg.start(pw);
  await must(['skopeo', 'copy', '-q', '--dest-tls-verify=false', '--dest-creds', 'alice:s3cret', `oci:${join(oci, 'single')}:img`, `docker://${authReg.host}/gb/private:1`]);
  const anon = await sb.gb(['pull', `${authReg.host}/gb/private:1`]);
  assert.equal(anon.code, 125);
  assert.match(anon.stderr, /authentication required|access denied/);
  const wrong = await sb.gb(['login', authReg.host, '-u', 'alice', '--password-stdin'], { input: 'nope\n' });
  assert.equal(wrong.code, 125, wrong.stderr);
  assert.equal(existsSync(join(sb.root, 'auth.json')), false);
  const ok = await sb.gb(['login', authReg.host, '-u', 'alice', '--password-stdin'], { input: 's3cret\n' });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, 'Login Succeeded\n');
  assert.equal(statSync(join(sb.root, 'auth.json')).mode & 0o777, 0o600);
  const pulled = await sb.gb(['pull', `${authReg.host}/gb/private:1`]);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.equal((await sb.gb(['logout', authReg.host])).code, 0);
  assert.doesNotMatch(readFileSync(join(sb.root, 'auth.json'), 'utf8'), /alice|YWxpY2U/);
});

test('run --pull: never refuses an image the store lacks; missing (the default) pulls it once; always pulls again', T, async () => {
  await must(['skopeo', 'copy', '-q', '--dest-tls-verify=false', `oci:${join(oci, 'single')}:img`, `docker://${reg.host}/gb/run:1`]);
  const ref = `${reg.host}/gb/run:1`;
  const never = await sb.gb(['run', '--pull', 'never', ref, 'true']);
  assert.equal(never.code, 125);
  assert.match(never.stderr, new RegExp(`image not found: ${ref.replace(/[.]/g, "\\.")}`));
  const first = await sb.gb(['run', ref, 'sh', '-c', 'echo $WHICH']);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, 'single\n');
  assert.match(first.stderr, new RegExp(`Unable to find image '${ref}' locally`));
  assert.match(first.stderr, /pull complete|already exists/);
  const second = await sb.gb(['run', '--pull', 'never', ref, 'true']);
  assert.equal(second.code, 0, second.stderr);
  assert.doesNotMatch(second.stderr, /pulling/);
  const always = await sb.gb(['run', '--pull', 'always', ref, 'true']);
  assert.equal(always.code, 0, always.stderr);
  assert.match(always.stderr, /pulling/);
  assert.doesNotMatch(always.stderr, /Unable to find/);
});

test('bad references exit 125 before any network use', T, async () => {
  for (const ref of ['Bad/Name', 'a:b:c', 'x@sha256:123']) {
    const r = await sb.gb(['pull', ref]);
    assert.equal(r.code, 125, ref);
    assert.match(r.stderr, /invalid image reference/);
  }
});

test('no leaks after the registry tests (the registries stopped)', T, async () => {
  await reg.stop();
  await authReg?.stop();
  sb.assertNoLeaks();
});
