// Images made by real tools, imported and run: podman (import a root file system, a layer that deletes files made
// with podman commit, save as docker-archive and oci-archive), skopeo (copies between formats, zstd layers); a
// plain root tar and directory (like docker import); commit of a container (opaque directory and deletions back
// to OCI form), export, save loaded by podman and inspected by skopeo; rmi, tag, prune; hostile archives refused
// with nothing written outside the store; bad input exits 125.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tar } from '../tarwriter.ts';
import { Sandbox, run } from './helpers.ts';
import { must, podman, removeSkopeoCache, sha, tarDir, writeDockerArchiveDir, writeOciLayout } from './image-helpers.ts';

const sb = new Sandbox('image');
const T = { timeout: 180_000 };
let pm: ReturnType<typeof podman>;
let A = ''; // where the archives go

before(async () => {
  await sb.setup();
  A = join(sb.dir, 'archives');
  mkdirSync(A);
  pm = podman(join(sb.dir, 'podman'));
}, { timeout: 180_000 });
after(async () => {
  removeSkopeoCache();
  await sb.cleanup();
}, { timeout: 120_000 });

const layersInStore = () => (existsSync(join(sb.root, 'layers', 'sha256')) ? readdirSync(join(sb.root, 'layers', 'sha256')).sort() : []);
const scratch = () => (existsSync(join(sb.root, 'layers')) ? readdirSync(join(sb.root, 'layers')).filter((n) => n.startsWith('tmp-')) : []);

// The check every imported image must pass: the files the upper layer deleted are gone, its new ones are there.
async function checkDeleted(image: string): Promise<void> {
  const r = await sb.gb(['run', image, 'sh', '-c', 'test -e /etc/gone && echo gone-present; ls /etc/dir; cat /etc/keep']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'new\nkept\n');
}

test('podman: import a rootfs, commit a layer deleting files, save both formats; skopeo copies; glassbox imports each', T, async () => {
  const rootfs = join(sb.dir, 'rootfs-src');
  cpSync(sb.rootdir, rootfs, { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(rootfs, 'etc', 'dir'), { recursive: true });
  writeFileSync(join(rootfs, 'etc', 'gone'), 'to be deleted\n');
  writeFileSync(join(rootfs, 'etc', 'keep'), 'kept\n');
  writeFileSync(join(rootfs, 'etc', 'dir', 'old'), 'old\n');
  await must(['tar', '--create', `--file=${A}/rootfs.tar`, '--numeric-owner', `--directory=${rootfs}`, '.']);
  await pm(['import', `${A}/rootfs.tar`, 'localhost/gb/base:1']);
  const c = (await pm(['create', 'localhost/gb/base:1', '/bin/sh'])).stdout.trim();
  const mnt = (await pm(['mount', c])).stdout.trim();
  await must(['rm', '-rf', `${mnt}/etc/gone`, `${mnt}/etc/dir`]);
  mkdirSync(`${mnt}/etc/dir`);
  writeFileSync(`${mnt}/etc/dir/new`, 'new\n');
  await pm(['umount', c]);
  await pm(['commit', c, 'localhost/gb/img:1']);
  await pm(['save', '--format', 'docker-archive', '-o', `${A}/docker.tar`, 'localhost/gb/img:1']);
  await pm(['save', '--format', 'oci-archive', '-o', `${A}/oci.tar`, 'localhost/gb/img:1']);
  await must(['skopeo', 'copy', '-q', `docker-archive:${A}/docker.tar`, `oci:${A}/oci-dir:img`]);
  await must(['skopeo', 'copy', '-q', `oci-archive:${A}/oci.tar`, `docker-archive:${A}/skopeo-docker.tar:localhost/gb/img:1`]);
  await must(['skopeo', 'copy', '-q', '--dest-compress', '--dest-compress-format', 'zstd', `docker-archive:${A}/docker.tar`, `oci:${A}/zstd-dir:img`]);
  await must(['skopeo', 'copy', '-q', '--dest-compress', `docker-archive:${A}/docker.tar`, `oci-archive:${A}/gzip-oci.tar:img`]);
  const inputs = ['docker.tar', 'oci.tar', 'oci-dir', 'skopeo-docker.tar', 'zstd-dir', 'gzip-oci.tar'];
  for (const [i, f] of inputs.entries()) {
    const r = await sb.gb(['image', 'import', join(A, f), `test/podman-${i}:1`]);
    assert.equal(r.code, 0, `${f}: ${r.stderr}`);
    assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
    await checkDeleted(`test/podman-${i}:1`);
  }
  const zstd = readdirSync(join(A, 'zstd-dir', 'blobs', 'sha256')).map((b) => readFileSync(join(A, 'zstd-dir', 'blobs', 'sha256', b)).subarray(0, 4).toString('hex'));
  assert.ok(zstd.includes('28b52ffd'), 'skopeo wrote zstd layers');
  // The docker-archive's own tag came along.
  const ls = await sb.gb(['images', '--format', 'json']);
  assert.match(ls.stdout, /"localhost\/gb\/img:1"/);
  // The whiteout is overlayfs's kind in the store: a character device 0/0.
  const gone = layersInStore().map((l) => join(sb.root, 'layers', 'sha256', l, 'etc', 'gone')).find((p) => existsSync(p) && statSync(p).isCharacterDevice());
  assert.ok(gone, 'a layer holds /etc/gone as a whiteout device');
  assert.equal(statSync(gone).rdev, 0);
});

test('importing the same image again extracts nothing and shares the layers', T, async () => {
  const before = layersInStore();
  const r = await sb.gb(['image', 'import', join(A, 'docker.tar'), 'test/again:1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.match(/already exists/g)?.length, 2, r.stderr);
  assert.deepEqual(layersInStore(), before);
  assert.deepEqual(scratch(), []);
});

test('a plain root file system, as a tar and as a directory (like docker import)', T, async () => {
  const t = await sb.gb(['image', 'import', join(A, 'rootfs.tar'), 'test/rootfs-tar:1']);
  assert.equal(t.code, 0, t.stderr);
  const d = await sb.gb(['image', 'import', sb.rootdir, 'test/rootfs-dir:1']);
  assert.equal(d.code, 0, d.stderr);
  for (const img of ['test/rootfs-tar:1', 'test/rootfs-dir:1']) {
    const r = await sb.gb(['run', img, '/probe', 'pid']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '1');
  }
});

test('the image config is honoured: Env, Cmd, Entrypoint, WorkingDir, User, ExposedPorts', T, async () => {
  const layer = await tarDir(sb.rootdir, join(A, 'cfg-layer.tar'));
  const dir = join(A, 'cfg-archive');
  writeDockerArchiveDir(dir, 'test/cfg:1', [{ name: 'layer.tar', tar: layer.tar }], {
    Env: ['PATH=/bin', 'GREETING=hello'], Entrypoint: ['/bin/sh', '-c'], Cmd: ['echo $GREETING from $(pwd) as $(id -u)'], WorkingDir: '/tmp', User: 'nobody', ExposedPorts: { '8080/tcp': {} },
  });
  const r = await sb.gb(['image', 'import', dir]);
  assert.equal(r.code, 0, r.stderr);
  const out = await sb.gb(['run', 'test/cfg:1']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, 'hello from /tmp as 65534\n');
  const inspect = JSON.parse((await sb.gb(['image', 'inspect', 'test/cfg:1'])).stdout) as Array<{ Config: { ExposedPorts: object; User: string } }>;
  assert.deepEqual(inspect[0]!.Config.ExposedPorts, { '8080/tcp': {} });
  assert.equal(inspect[0]!.Config.User, 'nobody');
});

test('an opaque directory (.wh..wh..opq) hides the lower layer, and commit writes one back', T, async () => {
  const upper = join(sb.dir, 'opaque-layer');
  mkdirSync(join(upper, 'etc', 'dir'), { recursive: true });
  writeFileSync(join(upper, 'etc', 'dir', '.wh..wh..opq'), '');
  writeFileSync(join(upper, 'etc', 'dir', 'fresh'), 'fresh\n');
  const base = { name: 'base.tar', tar: readFileSync(join(A, 'rootfs.tar')) };
  const top = await tarDir(upper, join(A, 'opaque-top.tar'));
  writeDockerArchiveDir(join(A, 'opaque'), 'test/opaque:1', [base, { name: 'top.tar', tar: top.tar }], { Cmd: ['/bin/sh'] });
  assert.equal((await sb.gb(['image', 'import', join(A, 'opaque')])).code, 0);
  const r = await sb.gb(['run', 'test/opaque:1', 'ls', '/etc/dir']);
  assert.equal(r.stdout, 'fresh\n', r.stderr);

  // A container replaces a directory and deletes a file: overlayfs marks both in its upper dir; commit turns them
  // into .wh..wh..opq and .wh.keep, and the new image shows the same.
  const c = await sb.gb(['run', '-d', '--name', 'committer', 'test/rootfs-tar:1', 'sh', '-c', 'rm -rf /etc/dir && mkdir /etc/dir && echo mine > /etc/dir/mine && rm /etc/keep']);
  assert.equal(c.code, 0, c.stderr);
  await waitExited('committer');
  const made = await sb.gb(['commit', 'committer', 'test/committed:1']);
  assert.equal(made.code, 0, made.stderr);
  const check = await sb.gb(['run', 'test/committed:1', 'sh', '-c', 'ls /etc/dir; test -e /etc/keep || echo keep-gone']);
  assert.equal(check.stdout, 'mine\nkeep-gone\n', check.stderr);
  const insp = JSON.parse((await sb.gb(['image', 'inspect', 'test/committed:1'])).stdout) as Array<{ RootFS: { Layers: string[] }; Parent: string }>;
  assert.equal(insp[0]!.RootFS.Layers.length, 2);
  assert.ok(insp[0]!.Parent.startsWith('sha256:'));

  // save, in both formats: podman loads them, skopeo inspects them, and glassbox imports them back.
  for (const format of ['docker-archive', 'oci-archive']) {
    const file = join(A, `saved-${format}.tar`);
    const s = await sb.gb(['save', 'test/committed:1', '-o', file, '--format', format]);
    assert.equal(s.code, 0, s.stderr);
    const loaded = await pm(['load', '-i', file]);
    assert.match(loaded.stdout, /Loaded image/);
    const si = JSON.parse((await must(['skopeo', 'inspect', `${format}:${file}`])).stdout) as { Layers: string[] };
    assert.equal(si.Layers.length, 2);
    const back = await sb.gb(['image', 'import', file, `test/back-${format}:1`]);
    assert.equal(back.code, 0, back.stderr);
    const again = await sb.gb(['run', `test/back-${format}:1`, 'sh', '-c', 'ls /etc/dir; test -e /etc/keep || echo keep-gone']);
    assert.equal(again.stdout, 'mine\nkeep-gone\n', again.stderr);
  }
  // A layer that podman extracted from glassbox's save, read back through podman: the whiteouts held.
  const pc = (await pm(['create', 'localhost/test/committed:1', '/bin/sh'])).stdout.trim();
  const pmnt = (await pm(['mount', pc])).stdout.trim();
  assert.deepEqual(readdirSync(join(pmnt, 'etc', 'dir')), ['mine']);
  assert.equal(existsSync(join(pmnt, 'etc', 'keep')), false);
  await pm(['umount', pc]);

  // export: the merged file system as one flat tar.
  const ex = await sb.gb(['export', 'committer', '-o', join(A, 'export.tar')]);
  assert.equal(ex.code, 0, ex.stderr);
  const names = (await must(['tar', '-tf', join(A, 'export.tar')])).stdout.split('\n');
  assert.ok(names.includes('./etc/dir/mine') && names.includes('./bin/busybox'), 'export holds the merged tree');
  assert.ok(!names.includes('./etc/keep') && !names.some((n) => n.includes('.wh.')), 'deleted files are absent');
  assert.equal(sb.sandboxMounts().length, 0, 'export left no mount behind');
});

// Waits until a detached container has exited.
async function waitExited(name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ps = await sb.gb(['ps', '-a', '--format', 'json']);
    if (ps.stdout.split('\n').some((l) => l.includes(`"${name}"`) && /exited/.test(l))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${name} did not exit`);
}

test('rmi refuses an image a container uses (unless -f), tag adds names, prune removes unused layers', T, async () => {
  assert.equal((await sb.gb(['tag', 'test/rootfs-tar:1', 'test/other:2'])).code, 0);
  assert.equal((await sb.gb(['rmi', 'test/other:2'])).stdout, 'Untagged: test/other:2\n');
  const refused = await sb.gb(['rmi', 'test/rootfs-tar:1']);
  assert.equal(refused.code, 125);
  assert.match(refused.stderr, /used by container committer/);
  // An image with a layer of its own, used by a container: rmi -f deletes the image but keeps the layer the
  // container mounts; once the container is gone, prune removes it. (The saved archives carried the tag
  // test/committed:1, so the images imported back from them hold it now: their other tags go first.)
  for (const t of ['test/back-docker-archive:1', 'test/back-oci-archive:1']) assert.equal((await sb.gb(['rmi', t])).code, 0);
  const user = await sb.gb(['run', '-d', '--name', 'user', 'test/committed:1', 'true']);
  assert.equal(user.code, 0, user.stderr);
  await waitExited('user');
  const top = (JSON.parse((await sb.gb(['image', 'inspect', 'test/committed:1'])).stdout) as Array<{ RootFS: { Layers: string[] } }>)[0]!.RootFS.Layers.at(-1)!;
  assert.equal((await sb.gb(['rmi', 'test/committed:1'])).code, 125);
  const forced = await sb.gb(['rmi', '-f', 'test/committed:1']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /Deleted: sha256:/);
  assert.ok(layersInStore().includes(top.slice(7)), 'the layer a container mounts stays');
  assert.equal((await sb.gb(['image', 'prune'])).stdout, 'no unused layers\n');
  assert.equal((await sb.gb(['rm', 'user'])).code, 0);
  const p = await sb.gb(['image', 'prune']);
  assert.equal(p.code, 0, p.stderr);
  assert.ok(p.stdout.split('\n').includes(`deleted layer ${top}`), p.stdout);
  assert.match(p.stdout, /\d+ layers? removed\n$/);
  assert.ok(!layersInStore().includes(top.slice(7)));
  assert.equal((await sb.gb(['rm', 'committer'])).code, 0);
});

test('hostile archives are refused and nothing is written outside the store', T, async () => {
  const outside = join(sb.dir, 'outside');
  mkdirSync(outside);
  chmodSync(outside, 0o777);
  const cases: Array<[string, Buffer, RegExp]> = [
    ['traversal', tar([{ name: 'ok', data: 'x' }, { name: '../../../../outside/pwned', data: 'x' }]), /climbs out/],
    ['absolute', tar([{ name: `${outside}/pwned`, data: 'x' }]), /absolute member name/],
    ['symlink escape', tar([{ name: 'etc', type: '2', link: outside }, { name: 'etc/pwned', data: 'x' }]), /goes through the symbolic link etc/],
    ['symlink out', tar([{ name: 'up', type: '2', link: '../../../../../../outside' }]), /points outside/],
    ['hardlink escape', tar([{ name: 'link', type: '1', link: '../../../../../../etc/shadow' }]), /hard link points outside/],
    ['device', tar([{ name: 'sda', type: '4', major: 8, minor: 0 }]), /block device 8:0/],
  ];
  const layersBefore = layersInStore();
  for (const [what, bytes, re] of cases) {
    const file = join(A, `evil-${what.replace(' ', '-')}.tar`);
    writeFileSync(file, bytes);
    const r = await sb.gb(['image', 'import', file, 'test/evil:1']);
    assert.equal(r.code, 125, `${what}: ${r.stderr}`);
    assert.match(r.stderr, /unsafe archive/, what);
    assert.match(r.stderr, re, what);
    // The same layer inside a docker-archive is refused too.
    const dir = join(A, `evil-${what.replace(' ', '-')}-archive`);
    writeDockerArchiveDir(dir, 'test/evil:2', [{ name: 'l.tar', tar: bytes }]);
    const r2 = await sb.gb(['image', 'import', dir]);
    assert.equal(r2.code, 125, `${what} in an archive: ${r2.stderr}`);
    assert.match(r2.stderr, re);
  }
  // A docker-archive whose manifest names a file outside the archive.
  const dir = join(A, 'evil-manifest');
  writeDockerArchiveDir(dir, 'test/evil:3', [{ name: 'l.tar', tar: tar([{ name: 'a', data: 'x' }]) }]);
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  m[0].Layers = ['../../../../etc/passwd'];
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  const r3 = await sb.gb(['image', 'import', dir]);
  assert.equal(r3.code, 125, r3.stderr);
  assert.match(r3.stderr, /climbs out/);
  assert.deepEqual(readdirSync(outside), [], 'nothing was written outside');
  assert.equal(existsSync('/etc/pwned'), false);
  assert.deepEqual(layersInStore(), layersBefore, 'no layer was stored');
  assert.deepEqual(scratch(), [], 'no scratch directory was left');
  assert.doesNotMatch((await sb.gb(['images'])).stdout, /test\/evil/);
});

test('bad input: a missing file, a bad tag, a truncated archive, a corrupt layer — exit 125, nothing stored', T, async () => {
  const layersBefore = layersInStore();
  const missing = await sb.gb(['image', 'import', join(A, 'nope.tar')]);
  assert.equal(missing.code, 125);
  assert.match(missing.stderr, /no such file or directory/);
  const badTag = await sb.gb(['image', 'import', join(A, 'docker.tar'), 'Bad:Tag:x']);
  assert.equal(badTag.code, 125);
  assert.match(badTag.stderr, /invalid image reference/);
  const whole = readFileSync(join(A, 'docker.tar'));
  writeFileSync(join(A, 'truncated.tar'), whole.subarray(0, Math.floor(whole.length / 2) + 100));
  const trunc = await sb.gb(['image', 'import', join(A, 'truncated.tar')]);
  assert.equal(trunc.code, 125, trunc.stderr);
  // One byte changed in a layer blob of an OCI layout: its digest no longer matches.
  cpSync(join(A, 'oci-dir'), join(A, 'corrupt-dir'), { recursive: true });
  const blobs = join(A, 'corrupt-dir', 'blobs', 'sha256');
  const big = readdirSync(blobs).map((b) => join(blobs, b)).sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
  const bytes = readFileSync(big);
  bytes[bytes.length - 2000] ^= 0xff;
  writeFileSync(big, bytes);
  const bad = await sb.gb(['image', 'import', join(A, 'corrupt-dir'), 'test/corrupt:1']);
  assert.equal(bad.code, 125, bad.stderr);
  assert.match(bad.stderr, /does not match its digest|mismatch/);
  assert.deepEqual(layersInStore(), layersBefore);
  assert.deepEqual(scratch(), []);
  const none = await sb.gb(['run', '--pull', 'never', 'test/nothing:1', 'true']);
  assert.equal(none.code, 125);
  assert.match(none.stderr, /image not found/);
  const hub = await sb.gb(['rmi', 'sha256:nothex']);
  assert.equal(hub.code, 125);
  void run;
  void sha;
  void writeOciLayout;
});

test('no leaks after the image tests', T, () => sb.assertNoLeaks());
