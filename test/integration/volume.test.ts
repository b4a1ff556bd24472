// Volumes with real containers: a named volume keeps data from one container to the next; a new, empty volume gets
// the image's files (owner and mode too) on first use, and only then; a volume in use is refused removal (-f too);
// an image's VOLUME gets an anonymous volume that rm -v, --rm and a foreground run remove and plain rm keeps;
// --mount readonly is really read-only; --volumes-from sees the same data; two runs creating one volume at once
// share it; prune; and nothing is left behind.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, waitFor } from './helpers.ts';
import { tarDir, writeDockerArchiveDir } from './image-helpers.ts';

const sb = new Sandbox('volume');
const T = { timeout: 120_000 };
const IMG = 'test/vol:1';
const HEX = /^[0-9a-f]{64}$/;

before(async () => {
  await sb.setup();
  // An image whose /srv/seed holds a file, owned by 1234:1234 with mode 750, and is declared a VOLUME.
  const tree = join(sb.dir, 'vol-image');
  cpSync(sb.rootdir, tree, { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(tree, 'srv', 'seed'), { recursive: true });
  writeFileSync(join(tree, 'srv', 'seed', 'hello'), 'seed\n');
  chownSync(join(tree, 'srv', 'seed'), 1234, 1234);
  chmodSync(join(tree, 'srv', 'seed'), 0o750);
  const layer = await tarDir(tree, join(sb.dir, 'vol-layer.tar'));
  const dir = join(sb.dir, 'vol-archive');
  writeDockerArchiveDir(dir, IMG, [{ name: 'layer.tar', tar: layer.tar }], { Cmd: ['/bin/sh'], Volumes: { '/srv/seed': {} } });
  const r = await sb.gb(['image', 'import', dir]);
  assert.equal(r.code, 0, r.stderr);
}, { timeout: 180_000 });
after(() => sb.cleanup(), { timeout: 120_000 });

async function ok(args: string[]): Promise<string> {
  const r = await sb.gb(args);
  assert.equal(r.code, 0, `glassbox ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
const volumeNames = async () => (await ok(['volume', 'ls', '-q'])).split('\n').filter(Boolean);
const volDir = (name: string) => join(sb.root, 'volumes', name);
type Mount = { Type: string; Name?: string; Source: string; Destination: string; RW: boolean };
// The user mounts (docker's form); glassbox's own fstab entries follow them.
const mountsOf = async (ref: string) => (JSON.parse(await ok(['inspect', ref])) as Array<{ Mounts: Mount[] }>)[0]!.Mounts.filter((m) => ['volume', 'bind'].includes(m.Type));
const waitExited = (name: string) =>
  waitFor(`${name} to exit`, () => {
    const r = JSON.parse(readFileSync(join(sb.root, 'names', name, 'state.json'), 'utf8')) as { status: string };
    return existsSync(join(sb.root, 'names', name, 'done')) || r.status === 'exited';
  }, 30_000);

test('a named volume keeps what one container wrote for the next; inspect shows where it lives', T, async () => {
  assert.equal((await ok(['run', '-v', 'keep:/data', IMG, 'sh', '-c', 'echo one > /data/f'])), '');
  assert.equal(await ok(['run', '-v', 'keep:/data:ro', IMG, 'cat', '/data/f']), 'one\n');
  const [v] = JSON.parse(await ok(['volume', 'inspect', 'keep'])) as Array<Record<string, unknown>>;
  assert.deepEqual(Object.keys(v!).sort(), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
  assert.equal(v!.Mountpoint, join(volDir('keep'), '_data'));
  assert.equal(v!.Driver, 'local');
  assert.equal(v!.Scope, 'local');
  assert.match(String(v!.CreatedAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(readFileSync(join(volDir('keep'), '_data', 'f'), 'utf8'), 'one\n');
  // volume create with labels; ls filters and formats.
  assert.equal(await ok(['volume', 'create', '--label', 'tier=db', 'made']), 'made\n');
  assert.deepEqual((JSON.parse(await ok(['volume', 'inspect', 'made'])) as Array<{ Labels: object }>)[0]!.Labels, { 'tier': 'db' });
  assert.equal(await ok(['volume', 'ls', '-q', '--filter', 'label=tier=db']), 'made\n');
  assert.equal(await ok(['volume', 'ls', '-q', '--filter', 'name=kee']), 'keep\n');
  const json = (await ok(['volume', 'ls', '--format', 'json', '--filter', 'name=made'])).trim();
  assert.deepEqual(JSON.parse(json), { Availability: 'N/A', Driver: 'local', Group: 'N/A', Labels: 'tier=db', Links: 'N/A', Mountpoint: join(volDir('made'), '_data'), Name: 'made', Scope: 'local', Size: 'N/A', Status: 'N/A' });
  const bad = await sb.gb(['volume', 'ls', '--filter', 'colour=red']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /invalid filter 'colour'/);
  const missing = await sb.gb(['volume', 'inspect', 'nope']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /get nope: no such volume/);
  assert.equal(await ok(['volume', 'rm', 'keep', 'made']), 'keep\nmade\n');
  assert.ok(!existsSync(volDir('keep')));
});

test("a new volume gets the image's files (owner, mode) on first use, never again; nocopy gets none", T, async () => {
  const plan = await ok(['plan', '-v', 'seeded:/srv/seed', IMG, 'true']);
  assert.match(plan, /cp -a --no-clobber "\$RUN"\/volume-src\/srv\/seed\/\. /);
  assert.ok(!existsSync(volDir('seeded')), 'plan creates no volume');
  assert.equal(await ok(['run', '-v', 'seeded:/srv/seed', IMG, 'sh', '-c', 'cat /srv/seed/hello; stat -c "%u:%g %a" /srv/seed; echo changed > /srv/seed/hello']), 'seed\n1234:1234 750\n');
  assert.equal(await ok(['run', '-v', 'seeded:/srv/seed', IMG, 'cat', '/srv/seed/hello']), 'changed\n');
  // Not empty any more: the next plan has no copy.
  assert.doesNotMatch(await ok(['plan', '-v', 'seeded:/srv/seed', IMG, 'true']), /volume-src/);
  assert.equal(await ok(['run', '--mount', 'type=volume,src=bare,dst=/srv/seed,volume-nocopy', IMG, 'ls', '-A', '/srv/seed']), '');
  assert.equal(await ok(['run', '-v', 'bare2:/srv/seed:nocopy', IMG, 'ls', '-A', '/srv/seed']), '');
  assert.equal(await ok(['volume', 'rm', 'seeded', 'bare', 'bare2']), 'seeded\nbare\nbare2\n');
});

test('restart does not copy the image\'s files again (docker copies only into an empty volume)', T, async () => {
  // Each start notes whether the image's file is there, then removes it.
  const cmd = 'if [ -e /srv/seed/hello ]; then echo seen >> /srv/seed/starts; else echo none >> /srv/seed/starts; fi; rm -f /srv/seed/hello; sleep 100';
  await ok(['run', '-d', '--name', 'rs', '-v', 'rsv:/srv/seed', IMG, 'sh', '-c', cmd]);
  const starts = join(volDir('rsv'), '_data', 'starts');
  await waitFor('the first start', () => existsSync(starts));
  await ok(['restart', '-t', '1', 'rs']);
  await waitFor('the second start', () => readFileSync(starts, 'utf8').split('\n').filter(Boolean).length === 2);
  assert.equal(readFileSync(starts, 'utf8'), 'seen\nnone\n');
  await ok(['rm', '-f', '-v', 'rs']);
  await ok(['volume', 'rm', 'rsv']);
});

test('a volume in use by a running or stopped container is refused removal, -f too; free once it is gone', T, async () => {
  const id = (await ok(['run', '-d', '--name', 'busy', '-v', 'busy:/b', IMG, 'sleep', '100'])).trim();
  for (const args of [['volume', 'rm', 'busy'], ['volume', 'rm', '-f', 'busy']]) {
    const r = await sb.gb(args);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`remove busy: volume is in use - \\[${id}\\]`));
  }
  await ok(['stop', '-t', '1', 'busy']);
  const stopped = await sb.gb(['volume', 'rm', 'busy']);
  assert.equal(stopped.code, 1);
  assert.match(stopped.stderr, /volume is in use/);
  // prune leaves it alone too.
  await ok(['volume', 'prune', '-f', '-a']);
  assert.ok((await volumeNames()).includes('busy'));
  const mounts = await mountsOf('busy');
  assert.deepEqual(mounts.map((m) => [m.Type, m.Destination, m.RW]), [['volume', '/b', true], ['volume', '/srv/seed', true]]);
  assert.equal(mounts[0]!.Name, 'busy');
  assert.match(mounts[1]!.Name!, HEX, "the image's VOLUME");
  await ok(['rm', '-v', 'busy']);
  assert.ok(!existsSync(volDir(mounts[1]!.Name!)));
  assert.equal(await ok(['volume', 'rm', 'busy']), 'busy\n');
  assert.equal((await sb.gb(['volume', 'rm', 'busy'])).code, 1);
  assert.equal((await sb.gb(['volume', 'rm', '-f', 'busy'])).code, 0);
});

test("an image's VOLUME gets an anonymous volume: rm keeps it, rm -v, --rm and a foreground run remove it", T, async () => {
  await ok(['run', '-d', '--name', 'anon1', IMG, 'sh', '-c', 'cp /srv/seed/hello /srv/seed/copy']);
  await ok(['run', '-d', '--name', 'anon2', '-v', '/extra', IMG, 'true']);
  await waitExited('anon1');
  await waitExited('anon2');
  const [m1] = await mountsOf('anon1');
  assert.equal(m1!.Type, 'volume');
  assert.match(m1!.Name!, HEX);
  assert.equal(m1!.Destination, '/srv/seed');
  assert.equal(readFileSync(join(volDir(m1!.Name!), '_data', 'copy'), 'utf8'), 'seed\n');
  const labels = (JSON.parse(await ok(['volume', 'inspect', m1!.Name!])) as Array<{ Labels: object }>)[0]!.Labels;
  assert.deepEqual(labels, { 'com.docker.volume.anonymous': '' });
  const anon2 = (await mountsOf('anon2')).map((m) => m.Name!);
  assert.equal(anon2.length, 2);
  await ok(['rm', 'anon1']);
  assert.ok(existsSync(volDir(m1!.Name!)), 'rm without -v keeps the anonymous volume');
  await ok(['rm', '-v', 'anon2']);
  for (const n of anon2) assert.ok(!existsSync(volDir(n)), `rm -v removed ${n}`);
  // prune (anonymous ones only) removes the one anon1 left.
  await ok(['volume', 'create', 'named-left']);
  assert.match(await ok(['volume', 'prune', '-f']), new RegExp(`Deleted Volumes:\\n${m1!.Name!}\\n`));
  assert.deepEqual(await volumeNames(), ['named-left']);
  assert.match(await ok(['volume', 'prune', '-f', '-a']), /named-left/);
  // --rm (detached) and a foreground run take theirs with them.
  await ok(['run', '-d', '--rm', '--name', 'anon3', IMG, 'true']);
  await waitFor('anon3 to be removed', () => !existsSync(join(sb.root, 'names', 'anon3')), 30_000);
  assert.equal(await ok(['run', IMG, 'cat', '/srv/seed/hello']), 'seed\n');
  assert.deepEqual(await volumeNames(), []);
});

test('--mount readonly is really read-only; --mount tmpfs; bad keys are refused naming --mount, exit 125', T, async () => {
  const r = await sb.gb(['run', '--mount', 'type=volume,source=rov,target=/r,readonly', IMG, 'sh', '-c', 'grep " /r " /proc/self/mountinfo | cut -d" " -f6; touch /r/x']);
  assert.notEqual(r.code, 0);
  assert.match(r.stdout, /^ro,/);
  assert.match(r.stderr, /Read-only file system/);
  assert.deepEqual(readdirSync(join(volDir('rov'), '_data')), []);
  const bind = join(sb.dir, 'bindsrc');
  mkdirSync(bind);
  writeFileSync(join(bind, 'b'), 'bound\n');
  assert.equal(await ok(['run', '--mount', `type=bind,src=${bind},dst=/mnt/b,ro`, '--mount', 'type=tmpfs,dst=/t,tmpfs-size=1m', IMG, 'sh', '-c', 'cat /mnt/b/b; grep " /t " /proc/self/mountinfo | grep -c size=1024k']), 'bound\n1\n');
  for (const [value, msg] of [
    ['type=volume,dst=/x,bogus=1', "unexpected key 'bogus' in 'bogus=1'"],
    ['type=bind,dst=/x', 'invalid mount config for type "bind": field Source must not be empty'],
    ['type=tmpfs,src=a,dst=/x', 'field Source must not be specified'],
    ['src=v', 'target is required'],
  ]) {
    const bad = await sb.gb(['run', '--mount', value!, IMG, 'true']);
    assert.equal(bad.code, 125, value);
    assert.ok(bad.stderr.includes(`--mount: invalid argument "${value}" for "--mount" flag: `) && bad.stderr.includes(msg!), bad.stderr);
  }
  const missing = await sb.gb(['run', '--mount', `type=bind,src=${bind}/nope,dst=/x`, IMG, 'true']);
  assert.equal(missing.code, 125);
  assert.match(missing.stderr, /--mount: volume source .* does not exist/);
  await ok(['volume', 'rm', 'rov']);
});

test('--volumes-from sees the same data (and :ro makes it read-only); rm -v keeps a volume another container uses', T, async () => {
  await ok(['run', '-d', '--name', 'src', '-v', 'shared:/s', '-v', '/anon', IMG, 'sh', '-c', 'echo hi > /s/f; echo a > /anon/g; sleep 100']);
  const srcMounts = await mountsOf('src');
  const anon = srcMounts.find((m) => m.Destination === '/anon')!.Name!;
  const imageAnon = srcMounts.find((m) => m.Destination === '/srv/seed')!.Name!;
  await waitFor('src to write', () => existsSync(join(volDir(anon), '_data', 'g')));
  const r = await sb.gb(['run', '--volumes-from', 'src:ro', IMG, 'sh', '-c', 'cat /s/f /anon/g; touch /s/z']);
  assert.equal(r.stdout, 'hi\na\n');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Read-only file system/);
  assert.equal(await ok(['run', '--volumes-from', 'src', IMG, 'sh', '-c', 'echo back > /s/back']), '');
  assert.equal(readFileSync(join(volDir('shared'), '_data', 'back'), 'utf8'), 'back\n');
  // A stopped user of src's anonymous volume keeps it when src goes with -v.
  await ok(['run', '-d', '--name', 'user', '--volumes-from', 'src', IMG, 'true']);
  await waitExited('user');
  const rm = await sb.gb(['rm', '-f', '-v', 'src']);
  assert.equal(rm.code, 0, rm.stderr);
  assert.match(rm.stderr, new RegExp(`volume ${anon} is still in use by another container: kept`));
  assert.ok(existsSync(volDir(anon)));
  await ok(['rm', 'user']);
  const none = await sb.gb(['run', '--volumes-from', 'gone', IMG, 'true']);
  assert.equal(none.code, 125);
  assert.match(none.stderr, /--volumes-from: No such container: gone/);
  await ok(['volume', 'rm', 'shared', anon, imageAnon]);
});

test('two runs that create the same new volume at once share one volume, each sees the image\'s files', T, async () => {
  const runs = await Promise.all([0, 1, 2].map(() => sb.gb(['run', '-v', 'race:/srv/seed', IMG, 'cat', '/srv/seed/hello'])));
  for (const r of runs) {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'seed\n');
  }
  assert.deepEqual(await volumeNames(), ['race']);
  assert.deepEqual(readdirSync(join(sb.root, 'volumes')).filter((n) => n.startsWith('.')), [], 'no temporary directory left');
  await ok(['volume', 'rm', 'race']);
});

test('recipes: volumes in the short and long forms', T, async () => {
  const recipe = join(sb.dir, 'vol.yaml');
  writeFileSync(recipe, `image: ${IMG}\ncommand: [sh, -c, "cat /srv/seed/hello; echo r > /w/x; touch /ro/y"]\nvolumes:\n  - rec:/srv/seed\n  - type: volume\n    source: recw\n    target: /w\n  - type: volume\n    source: recro\n    target: /ro\n    read_only: true\n`);
  const r = await sb.gb(['run', recipe]);
  assert.equal(r.stdout, 'seed\n');
  assert.match(r.stderr, /Read-only file system/);
  assert.equal(readFileSync(join(volDir('recw'), '_data', 'x'), 'utf8'), 'r\n');
  await ok(['volume', 'rm', 'rec', 'recw', 'recro']);
});

test('nothing is left behind', T, async () => {
  await ok(['gc']);
  assert.deepEqual(await volumeNames(), []);
  assert.deepEqual(sb.containerIds(), []);
  assert.deepEqual(sb.sandboxMounts(), []);
  sb.assertNoLeaks();
});
