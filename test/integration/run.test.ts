// `glassbox run` with real containers, checked from inside with the static probe (test/probe/probe.c) and from the
// host with plain reads of /proc. Every probe that checks isolation is also run once on the host, where it must
// show the opposite, so a broken probe cannot make a test pass. Runs as root, serially, in a temp dir.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname as hostHostname } from 'node:os';
import { join } from 'node:path';
import { parseMountinfo, processDead, REPO, run, Sandbox, waitFor } from './helpers.ts';

const sb = new Sandbox('run');
const T = { timeout: 90_000 };

before(() => sb.setup(), { timeout: 180_000 });
after(() => sb.cleanup(), { timeout: 120_000 });

const lines = (s: string) => s.split('\n').filter(Boolean);
const probeIn = (args: string[], flags: string[] = []) => sb.gb(['run', ...flags, sb.rootdir, '/probe', ...args]);
const probeOnHost = (args: string[]) => run([sb.probe, ...args]);

// Asserts a glassbox run succeeded and returns its stdout.
async function ok(args: string[], flags: string[] = []): Promise<string> {
  const r = await probeIn(args, flags);
  assert.equal(r.code, 0, `glassbox run ${[...flags, '/probe', ...args].join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

// ---- the first container ----------------------------------------------------------------------------------------

test('recipes/hello.yaml: exits 0, prints the greeting, PID 1 and the host name glassbox', T, async () => {
  const r = await sb.gb(['run', 'recipes/hello.yaml'], { cwd: REPO });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^hello from inside a glass box$/m);
  assert.match(r.stdout, /I am PID 1 on glassbox;/);
});

// ---- isolation, seen from inside ------------------------------------------------------------------------------

test('pid: the command is PID 1 inside, not on the host', T, async () => {
  assert.equal((await ok(['pid'])).trim(), '1');
  const host = await probeOnHost(['pid']);
  assert.equal(host.code, 0);
  assert.notEqual(host.stdout.trim(), '1');
  assert.equal(Number(host.stdout.trim()) > 1, true);
});

test('ps: only PID 1 is visible inside; the host shows many processes', T, async () => {
  assert.deepEqual(lines(await ok(['ps'])), ['1']);
  const host = lines((await probeOnHost(['ps'])).stdout);
  assert.ok(host.length > 2, `the probe sees only ${host.length} processes on the host`);
});

test('hostname: --hostname box1 is the container host name, and the host keeps its own', T, async () => {
  assert.equal((await ok(['hostname'], ['--hostname', 'box1'])).trim(), 'box1');
  const host = await probeOnHost(['hostname']);
  assert.equal(host.stdout.trim(), hostHostname());
  assert.notEqual(host.stdout.trim(), 'box1');
});

test('hostname: defaults to the first 12 hex digits of the container ID', T, async () => {
  // The ID is known only once the container exists: run the probe in the background and read it from the state.
  const known = sb.containerIds();
  const bg = sb.gbStart(['run', sb.rootdir, '/bin/sh', '-c', '/probe hostname; exec /probe sleep 0']);
  try {
    const { id, pid } = await bg.running(known);
    const name = await waitFor('the host name on stdout', () => lines(bg.stdout)[0]);
    assert.match(name, /^[0-9a-f]{12}$/);
    assert.equal(name, id.slice(0, 12));
    process.kill(pid, 'SIGKILL');
    await bg.done;
  } finally {
    bg.stop();
  }
});

test('ifaces: the container has only lo; the host probe sees the host interfaces', T, async () => {
  // A veth pair on the host guarantees the host has an interface besides lo, even on a bare CI machine.
  const tag = (process.pid % 100000).toString(36);
  const a = `itp${tag}a`;
  const b = `itp${tag}b`;
  const add = await run(['ip', 'link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
  assert.equal(add.code, 0, `ip link add: ${add.stderr}`);
  try {
    assert.deepEqual(lines(await ok(['ifaces'])), ['lo']);
    const host = lines((await probeOnHost(['ifaces'])).stdout);
    assert.ok(host.includes('lo') && host.includes(a) && host.includes(b), `the probe on the host saw only: ${host.join(' ')}`);
  } finally {
    await run(['ip', 'link', 'del', a]);
  }
});

test("root: / holds exactly the image's top-level entries", T, async () => {
  const inside = lines(await ok(['root']));
  assert.deepEqual(inside, readdirSync(sb.rootdir).sort());
  const host = lines((await probeOnHost(['root'])).stdout);
  assert.notDeepEqual(host, inside);
});

test('mountinfo: no host mount and no host path is visible inside', T, async () => {
  const inside = parseMountinfo(await ok(['mountinfo']));
  assert.ok(inside.some((m) => m.mountPoint === '/'), 'no root mount in the container');
  // Mount points: only the container's own kernel file systems (and the files docker binds into /etc).
  const allowed = /^\/(dev|proc|sys)(\/|$)|^\/$|^\/etc\/(hosts|hostname|resolv\.conf)$/;
  const strange = inside.filter((m) => !allowed.test(m.mountPoint));
  assert.deepEqual(strange.map((m) => m.line), [], 'mount points that are not the container kernel file systems');
  // Where a mount comes from (its root in the source file system, its source) must not name a host path. The
  // overlay's own options do name its host directories (lowerdir=…): the kernel shows them, as with docker.
  const hostish = [sb.dir, '/tmp/', '/var/lib', '/run/glassbox', REPO];
  const leaks = inside.filter((m) => hostish.some((h) => m.root.startsWith(h) || m.mountPoint.startsWith(h) || m.source.startsWith(h)));
  assert.deepEqual(leaks.map((m) => m.line), []);
  // The same probe on the host does see the host's mounts, including this sandbox's run root.
  const host = parseMountinfo((await probeOnHost(['mountinfo'])).stdout);
  // (Counts are no measure: a lean CI host can have fewer mounts than a container with its cgroup v1 hierarchies.)
  assert.ok(host.some((m) => m.mountPoint === sb.run), `the probe on the host did not see ${sb.run}`);
  assert.ok(!inside.some((m) => m.mountPoint === sb.run), `${sb.run} is a mount point inside too`);
});

// ---- exit codes (docker's convention) ---------------------------------------------------------------------------

test("exit codes: the container's own code comes back (exit 3 → 3, exit 0 → 0)", T, async () => {
  assert.equal((await probeIn(['exit', '3'])).code, 3);
  assert.equal((await probeIn(['exit', '0'])).code, 0);
});

test('exit codes: PID 1 survives signals it raises at itself (the kernel shields init, as in docker without --init)', T, async () => {
  for (const sig of ['TERM', 'KILL']) {
    const r = await probeIn(['signal', sig]);
    assert.equal(r.code, 0, `signal ${sig}: ${r.stderr}`);
    assert.equal(r.stdout.trim(), `survived SIG${sig}`);
  }
  // The probe really raises it: on the host (not an init) it dies of it.
  const host = await probeOnHost(['signal', 'TERM']);
  assert.equal(host.signal, 'SIGTERM');
  assert.equal(host.code, 143);
});

test('exit codes: PID 1 killed by a fault gives 128+N (segmentation fault → 139)', T, async () => {
  const r = await probeIn(['segv']);
  assert.equal(r.code, 139, r.stderr);
});

test('exit codes: SIGKILL sent to PID 1 from the host (docker kill) → 137, and everything is undone', T, async () => {
  const known = sb.containerIds();
  const bg = sb.gbStart(['run', sb.rootdir, '/probe', 'sleep', '0']);
  try {
    const { id, pid } = await bg.running(known);
    process.kill(pid, 'SIGKILL');
    const r = await bg.done;
    assert.ok(!sb.containerIds().includes(id), 'the state directory is left');
    assert.ok(!sb.runEntries().includes(id), 'the runtime directory is left');
    assert.deepEqual(sb.sandboxMounts(), []);
    assert.equal(r.code, 137, `glassbox exited ${r.code}\nstderr: ${r.stderr}`);
  } finally {
    bg.stop();
  }
});

test('exit codes: SIGTERM to glassbox is passed to PID 1; a PID 1 that ignores it is killed at the third → 137', T, async () => {
  const known = sb.containerIds();
  const bg = sb.gbStart(['run', sb.rootdir, '/probe', 'sleep', '0']);
  try {
    const { id, pid } = await bg.running(known);
    bg.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!processDead(pid), 'PID 1 died of a SIGTERM it has no handler for');
    bg.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    bg.child.kill('SIGTERM');
    const r = await bg.done;
    assert.ok(processDead(pid), 'PID 1 still runs');
    assert.ok(!sb.containerIds().includes(id), 'the state directory is left');
    assert.deepEqual(sb.sandboxMounts(), []);
    assert.equal(r.code, 137, `glassbox exited ${r.code}\nstderr: ${r.stderr}`);
  } finally {
    bg.stop();
  }
});

test('exit codes: a command that is not found → 127, "executable file not found"', T, async () => {
  const r = await sb.gb(['run', sb.rootdir, 'no-such-command']);
  assert.equal(r.code, 127, r.stderr);
  assert.match(r.stderr, /executable file not found/);
  const abs = await sb.gb(['run', sb.rootdir, '/no/such/file']);
  assert.equal(abs.code, 127, abs.stderr);
  assert.match(abs.stderr, /no such file or directory/);
});

test('exit codes: a file that is not executable → 126', T, async () => {
  const r = await sb.gb(['run', sb.rootdir, '/etc/passwd']);
  assert.equal(r.code, 126, r.stderr);
  assert.match(r.stderr, /permission denied/);
});

test('exit codes: 126 and 127 print glassbox\'s message only (no noise from the tools it runs)', T, async () => {
  for (const cmd of ['no-such-command', '/etc/passwd']) {
    const r = await sb.gb(['run', sb.rootdir, cmd]);
    const foreign = lines(r.stderr).filter((l) => !/^glassbox: |^ {2}/.test(l));
    assert.deepEqual(foreign, [], `glassbox run ROOT ${cmd} printed:\n${r.stderr}`);
  }
});

test('exit codes: a bad recipe → 125 with file:line:col, and nothing is created', T, async () => {
  const file = join(sb.dir, 'bad.yaml');
  writeFileSync(file, 'name: bad\nimage: glassbox/base\ncommand: [echo, hi]\nhostnme: box\n');
  const containers = sb.containerIds();
  const runs = sb.runEntries();
  const mounts = sb.sandboxMounts();
  const names = readdirSync(join(sb.root, 'names')).sort();
  const r = await sb.gb(['run', file]);
  assert.equal(r.code, 125);
  assert.ok(r.stderr.includes(`${file}:4:1`), `no ${file}:4:1 in:\n${r.stderr}`);
  assert.match(r.stderr, /hostnme/);
  assert.equal(r.stdout, '');
  assert.deepEqual(sb.containerIds(), containers);
  assert.deepEqual(sb.runEntries(), runs);
  assert.deepEqual(sb.sandboxMounts(), mounts);
  assert.deepEqual(readdirSync(join(sb.root, 'names')).sort(), names);
});

// ---- docker's run flags ---------------------------------------------------------------------------------------

test("-e: sets variables; the host's environment does not leak in", T, async () => {
  const r = await sb.gb(['run', '-e', 'FOO=bar', '-e', 'SPACED=a b  c', sb.rootdir, '/probe', 'env'], { env: { GLASSBOX_TEST_SECRET: 'host-only' } });
  assert.equal(r.code, 0, r.stderr);
  const env = lines(r.stdout);
  assert.ok(env.includes('FOO=bar'), env.join('\n'));
  assert.ok(env.includes('SPACED=a b  c'), env.join('\n'));
  assert.ok(env.some((l) => l.startsWith('PATH=')), 'no PATH');
  assert.ok(!env.some((l) => l.includes('GLASSBOX_TEST_SECRET') || l.startsWith('GLASSBOX_ROOT=')), env.join('\n'));
});

test('-w: the working directory, created when missing (in the container, not in the image)', T, async () => {
  assert.equal((await ok(['cwd'], ['-w', '/tmp/x/y'])).trim(), '/tmp/x/y');
  assert.equal((await ok(['cwd'])).trim(), '/');
  assert.ok(!existsSync(join(sb.rootdir, 'tmp', 'x')), 'the working directory was created in the image');
});

test('-u 65534: runs as that user and group', T, async () => {
  assert.match((await ok(['id'], ['-u', '65534'])).trim(), /^uid=65534 gid=65534 groups=/);
  assert.match((await ok(['id'])).trim(), /^uid=0 gid=0 /);
});

test('-v HOSTDIR:/data:ro: the host directory is visible and read-only', T, async () => {
  const host = join(sb.dir, 'volume-ro');
  mkdirSync(host);
  writeFileSync(join(host, 'f'), 'from the host\n');
  const flags = ['-v', `${host}:/data:ro`];
  assert.equal(await ok(['cat', '/data/f'], flags), 'from the host\n');
  const w = await probeIn(['write', '/data/new'], flags);
  assert.equal(w.code, 1, w.stdout);
  assert.match(w.stderr, /Read-only file system/);
  assert.ok(!existsSync(join(host, 'new')));
});

test('-v HOSTDIR:/data: a writable volume writes through to the host', T, async () => {
  const host = join(sb.dir, 'volume-rw');
  mkdirSync(host);
  chmodSync(host, 0o755);
  assert.equal((await ok(['write', '/data/new'], ['-v', `${host}:/data`])).trim(), 'wrote /data/new');
  assert.equal(readFileSync(join(host, 'new'), 'utf8'), 'ok\n');
});

test('--read-only: writing to / fails; a --tmpfs /tmp is writable', T, async () => {
  const flags = ['--read-only', '--tmpfs', '/tmp'];
  const w = await probeIn(['write', '/x'], flags);
  assert.equal(w.code, 1, w.stdout);
  assert.match(w.stderr, /Read-only file system/);
  assert.equal((await ok(['write', '/tmp/x'], flags)).trim(), 'wrote /tmp/x');
  assert.ok(!existsSync(join(sb.rootdir, 'x')) && !existsSync(join(sb.rootdir, 'tmp', 'x')));
  // Without --read-only the same write works (into the container's own layer, not the image).
  assert.equal((await ok(['write', '/x'])).trim(), 'wrote /x');
  assert.ok(!existsSync(join(sb.rootdir, 'x')));
});

// ---- glassbox script --------------------------------------------------------------------------------------------

// Removes state directories that appeared since `known` (a up.sh leaves one: reported by the test below; removed
// here so later tests and the final leak check report only their own findings).
function dropNewStateDirs(known: string[]): void {
  for (const id of sb.containerIds().filter((i) => !known.includes(i))) rmSync(join(sb.root, 'containers', id), { recursive: true, force: true });
}

test('script -o DIR: sh up.sh runs the same container as run (output and exit code)', T, async (t) => {
  const known = sb.containerIds();
  t.after(() => dropNewStateDirs(known));
  const dir = join(sb.dir, 'script-hostname');
  const s = await sb.gb(['script', '--hostname', 'box1', '-o', dir, sb.rootdir, '/probe', 'hostname']);
  assert.equal(s.code, 0, s.stderr);
  assert.deepEqual(lines(s.stdout), [join(dir, 'up.sh'), join(dir, 'down.sh')]);
  const viaRun = await probeIn(['hostname'], ['--hostname', 'box1']);
  const up = await run(['sh', join(dir, 'up.sh')], { env: sb.env });
  assert.equal(up.code, 0, up.stderr);
  assert.equal(up.stdout, viaRun.stdout);
  assert.equal(up.stdout, 'box1\n');

  const dir3 = join(sb.dir, 'script-exit');
  assert.equal((await sb.gb(['script', '-o', dir3, sb.rootdir, '/probe', 'exit', '3'])).code, 0);
  assert.equal((await run(['sh', join(dir3, 'up.sh')], { env: sb.env })).code, 3);
});

test('script -o DIR: up.sh leaves nothing behind, and down.sh afterwards is harmless', T, async () => {
  const dir = join(sb.dir, 'script-clean');
  assert.equal((await sb.gb(['script', '-o', dir, sb.rootdir, '/probe', 'pid'])).code, 0);
  const containers = sb.containerIds();
  const runs = sb.runEntries();
  try {
    const up = await run(['sh', join(dir, 'up.sh')], { env: sb.env });
    assert.equal(up.code, 0, up.stderr);
    assert.equal(up.stdout, '1\n');
    assert.deepEqual(sb.sandboxMounts(), [], 'mounts left by up.sh');
    assert.deepEqual(sb.runEntries(), runs, 'runtime directories left by up.sh');
    const down = await run(['sh', join(dir, 'down.sh')], { env: sb.env });
    assert.equal(down.code, 0, `down.sh after up.sh exited ${down.code}: ${down.stderr}`);
    assert.deepEqual(sb.sandboxMounts(), []);
    assert.deepEqual(sb.runEntries(), runs);
    assert.deepEqual(sb.containerIds(), containers, 'state directories left by up.sh');
  } finally {
    dropNewStateDirs(containers);
  }
});

// ---- a killed glassbox, and gc ----------------------------------------------------------------------------------

test('kill -9 glassbox: PID 1 dies with it (parent-death signal); gc removes everything; a second gc has nothing to do', T, async () => {
  const known = sb.containerIds();
  const bg = sb.gbStart(['run', sb.rootdir, '/probe', 'sleep', '0']);
  try {
    const { id, pid } = await bg.running(known);
    assert.ok(!processDead(pid));
    bg.child.kill('SIGKILL');
    await bg.done;
    await waitFor(`PID 1 (${pid}) to die after glassbox was killed`, () => processDead(pid), 5_000);
    // glassbox had no chance to clean up: the state, the namespace files and their mounts are still there.
    assert.ok(sb.containerIds().includes(id), 'the state directory vanished before gc');
    assert.ok(existsSync(join(sb.run, id, 'ns')), 'the namespace files vanished before gc');
    assert.notDeepEqual(sb.sandboxMounts(), []);

    const gc = await sb.gb(['gc']);
    assert.equal(gc.code, 0, gc.stderr);
    assert.match(gc.stdout + gc.stderr, new RegExp(id.slice(0, 12)));
    assert.deepEqual(sb.sandboxMounts(), [], 'mounts left after gc');
    assert.ok(!sb.runEntries().includes(id), 'runtime directory (namespace files) left after gc');
    assert.ok(!sb.containerIds().includes(id), 'state directory left after gc');

    const again = await sb.gb(['gc']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /nothing to clean up/);
  } finally {
    bg.stop();
  }
});

// ---- the end: nothing leaked ------------------------------------------------------------------------------------

test('no leaks: no mounts, links, netns, iptables rules, cgroups or processes left by this file', T, async () => {
  const gc = await sb.gb(['gc']);
  assert.equal(gc.code, 0, gc.stderr);
  // The run root's private bind mount is undone once no container is left; nothing else may be found.
  assert.match(gc.stdout, /^(nothing to clean up|unmounted the run root \S+)\n$/, 'gc found something after all the runs ended');
  assert.deepEqual(sb.runEntries(), []);
  assert.deepEqual(sb.containerIds(), []);
  sb.assertNoLeaks();
});
