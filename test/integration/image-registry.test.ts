// glassbox pull against real registries: Debian's docker-registry started on 127.0.0.1 (a free port, config and
// storage in the test's temp dir), filled with skopeo copy — a single-platform image and a two-platform index —
// pulled by tag and by digest, pulled twice (the second downloads nothing), a corrupted blob refused, and an
// htpasswd-protected registry used through glassbox login. glassbox push: the base image pushed under two names
// (the second mounts the blobs), pulled back into a clean store with the same digests, a chunked upload to the
// htpasswd registry after login.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
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
  // rmi takes the config blob the pull cached with the image; a pull after it fetches the blob again.
  const blobs = join(sb.root, 'blobs', 'sha256');
  const cached = readdirSync(blobs);
  assert.ok(cached.length > 0, 'the pull cached the config blob');
  assert.equal((await sb.gb(['rmi', `${reg.host}/gb/img:1`])).code, 0);
  assert.deepEqual(readdirSync(blobs).filter((b) => cached.includes(b)).length, cached.length - 1, 'the config blob went with the image');
  assert.equal((await sb.gb(['pull', `${reg.host}/gb/img:1`])).code, 0);
  assert.deepEqual(readdirSync(blobs).sort(), [...cached].sort());
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

// The manifest and config a registry holds for NAME:TAG, fetched directly (and the manifest's digest).
async function remote(host: string, nameTag: string, auth?: string): Promise<{ digest: string; manifest: { config: { digest: string }; layers: Array<{ digest: string; size: number; mediaType: string }> }; config: { rootfs: { diff_ids: string[] } } }> {
  const [name, tag] = nameTag.split(':');
  const m = await fetch(`http://${host}/v2/${name}/manifests/${tag}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json', ...(auth ? { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {}) } });
  assert.equal(m.status, 200);
  const bytes = Buffer.from(await m.arrayBuffer());
  const manifest = JSON.parse(String(bytes));
  const c = await fetch(`http://${host}/v2/${name}/blobs/${manifest.config.digest}`, auth ? { headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } } : {});
  assert.equal(c.status, 200);
  return { digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, manifest, config: JSON.parse(await c.text()) };
}

test('push glassbox/base under two names (the second mounts its blobs), pull it into a clean store, run it', T, async () => {
  const first = `${reg.host}/gb/pushed:1`;
  assert.equal((await sb.gb(['tag', 'glassbox/base', first])).code, 0);
  const p1 = await sb.gb(['push', first]);
  assert.equal(p1.code, 0, p1.stderr);
  const m1 = /^1: digest: (sha256:[0-9a-f]{64}) size: \d+\n$/.exec(p1.stdout);
  assert.ok(m1, p1.stdout);
  assert.match(p1.stderr, /: pushed\n/);
  const r1 = await remote(reg.host, 'gb/pushed:1');
  assert.equal(r1.digest, m1[1]);
  assert.equal(r1.manifest.layers[0]!.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
  // Another client reads it: skopeo sees the same digest.
  const sk = await must(['skopeo', 'inspect', '--format', '{{.Digest}}', '--tls-verify=false', `docker://${first}`]);
  assert.equal(sk.stdout.trim(), m1[1]);

  const second = `${reg.host}/gb/second:2`;
  assert.equal((await sb.gb(['tag', 'glassbox/base', second])).code, 0);
  const p2 = await sb.gb(['push', second]);
  assert.equal(p2.code, 0, p2.stderr);
  assert.match(p2.stderr, new RegExp(`mounted from ${reg.host.replace(/[.]/g, '\\.')}/gb/pushed`));
  assert.doesNotMatch(p2.stderr, /: pushed\n/);
  assert.equal(p2.stdout, `2: digest: ${m1[1]} size: ${/size: (\d+)/.exec(p1.stdout)![1]}\n`);
  // Pushed again under the first name: every blob is there already; -q prints NAME@DIGEST.
  const p3 = await sb.gb(['push', '-q', first]);
  assert.equal(p3.code, 0, p3.stderr);
  assert.equal(p3.stdout, `${reg.host}/gb/pushed@${m1[1]}\n`);
  const local = await inspect('glassbox/base');
  assert.ok(local.RepoDigests.includes(`${reg.host}/gb/pushed@${m1[1]}`) && local.RepoDigests.includes(`${reg.host}/gb/second@${m1[1]}`), local.RepoDigests.join());

  // A clean store (its own root) pulls it back: same manifest, config and layer DiffIDs; it runs.
  const env = { GLASSBOX_ROOT: join(sb.dir, 'root2') };
  const pulled = await sb.gb(['pull', second], { env });
  assert.equal(pulled.code, 0, pulled.stderr);
  const i = await sb.gb(['image', 'inspect', second], { env });
  assert.equal(i.code, 0, i.stderr);
  const img = JSON.parse(i.stdout)[0] as { RepoDigests: string[]; RootFS: { Layers: string[] } };
  assert.deepEqual(img.RepoDigests, [`${reg.host}/gb/second@${m1[1]}`]);
  assert.deepEqual(img.RootFS.Layers, r1.config.rootfs.diff_ids);
  assert.ok(existsSync(join(sb.dir, 'root2', 'blobs', 'sha256', r1.manifest.config.digest.slice(7))), 'the same config digest');
  const run = await sb.gb(['run', '--rm', second, 'sh', '-c', 'echo pushed-and-pulled'], { env });
  assert.equal(run.stdout, 'pushed-and-pulled\n', run.stderr);
});

test('push to the htpasswd registry: refused without login; after login, a chunked upload gives the same digest', T, async () => {
  assert.ok(authReg, 'the htpasswd registry runs (started by the login test)');
  const name = `${authReg.host}/gb/chunked:1`;
  assert.equal((await sb.gb(['tag', 'glassbox/base', name])).code, 0);
  const anon = await sb.gb(['push', name]);
  assert.equal(anon.code, 125);
  assert.match(anon.stderr, /authentication required|access denied/);
  assert.match(anon.stderr, /glassbox login/);
  const ok = await sb.gb(['login', authReg.host, '-u', 'alice', '--password-stdin'], { input: 's3cret\n' });
  assert.equal(ok.code, 0, ok.stderr);
  const chunk = 64 * 1024;
  const p = await sb.gb(['push', '--chunk-size', String(chunk), name]);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stderr, /: pushed\n/);
  const first = await remote(reg.host, 'gb/pushed:1');
  assert.equal(p.stdout, `1: digest: ${first.digest} size: ${/size: (\d+)/.exec(p.stdout)![1]}\n`);
  assert.ok(first.manifest.layers[0]!.size > 2 * chunk, 'the layer took several chunks');
  // The registry holds the same manifest and config (it checked each blob's digest on the closing PUT).
  const stored = await remote(authReg.host, 'gb/chunked:1', 'alice:s3cret');
  assert.equal(stored.digest, first.digest);
  assert.deepEqual(stored.config.rootfs.diff_ids, first.config.rootfs.diff_ids);
  const bad = await sb.gb(['push', '--chunk-size', 'lots', name]);
  assert.equal(bad.code, 125);
  assert.equal((await sb.gb(['logout', authReg.host])).code, 0);
});

test('push: bad references, a digest reference and an image the store lacks exit 125', T, async () => {
  for (const [ref, why] of [['Bad/Name', /invalid image reference/], [`${reg.host}/gb/x@sha256:${'a'.repeat(64)}`, /cannot push a digest reference/], [`${reg.host}/gb/nothere:1`, /image not found: .*nothere:1[\s\S]*glassbox tag/]] as const) {
    const r = await sb.gb(['push', ref]);
    assert.equal(r.code, 125, `${ref}: ${r.stderr}`);
    assert.match(r.stderr, why);
  }
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
