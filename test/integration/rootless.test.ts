// Rootless mode on this machine: a temporary ordinary user (useradd, removed with its files afterwards) makes its
// own base image in its own GLASSBOX_ROOT and runs containers with glassbox as itself (runuser), which makes
// glassbox run itself again as root of a user namespace. Checked: hello, a bind volume, the exit status, the
// capability masks and seccomp filter of PID 1, the uid map, the losses (refusals with their reasons, doctor), and
// that nothing is left: no mount in the host's table, no process of the user, no user.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GLASSBOX, run, type Result } from './helpers.ts';

const T = { timeout: 90_000 };
const USER = `gbrl${process.pid.toString(16)}`.slice(0, 16);
const top = mkdtempSync(join(tmpdir(), 'glassbox-rootless-'));
const HOME = join(top, 'home');
let uid = -1;
const mountsBefore = readFileSync('/proc/self/mountinfo', 'utf8');

// glassbox as the temporary user, with its state in the user's home (no --rootless: not being root is enough).
const gb = (args: string[], env: Record<string, string> = {}): Promise<Result> =>
  run(['runuser', '-u', USER, '--', 'env', `HOME=${HOME}`, `GLASSBOX_ROOT=${HOME}/root`, `GLASSBOX_RUN=${HOME}/run`, ...Object.entries(env).map(([k, v]) => `${k}=${v}`), GLASSBOX, ...args], { cwd: top });
const asUser = (argv: string[]) => run(['runuser', '-u', USER, '--', ...argv], { cwd: top });

before(async () => {
  chmodSync(top, 0o755);
  const r = await run(['useradd', '--create-home', '--home-dir', HOME, '--shell', '/bin/sh', '--user-group', USER]);
  assert.equal(r.code, 0, r.stderr);
  uid = Number((await run(['id', '-u', USER])).stdout.trim());
  const img = await gb(['image', 'from-host']);
  assert.equal(img.code, 0, `image from-host as ${USER}: ${img.stderr}`);
}, { timeout: 180_000 });

after(async () => {
  // Nothing of the user may be left running; then the user and its home go.
  const ps = await run(['ps', '-u', String(uid), '-o', 'pid=,args=']);
  await run(['userdel', '--remove', USER]);
  rmSync(top, { recursive: true, force: true });
  assert.equal(ps.stdout.trim(), '', `processes of ${USER} left behind`);
  assert.ok(!existsSync(HOME));
  assert.equal((await run(['id', USER])).code !== 0, true, `user ${USER} still exists`);
}, { timeout: 60_000 });

test('rootless hello: echo as an ordinary user, root of its own user namespace', T, async () => {
  const r = await gb(['run', 'glassbox/base', 'echo', 'hello rootless']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hello rootless\n');
});

test('rootless: PID 1 is root inside, mapped to the user outside, with docker\'s capabilities (less MKNOD), no_new_privs and the filter', T, async () => {
  const r = await gb(['--rootless', 'run', 'glassbox/base', 'sh', '-c', 'cat /proc/self/uid_map; id -u; grep -E "^(CapBnd|CapEff|NoNewPrivs|Seccomp):" /proc/1/status; ls /dev']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^\\s*0\\s+${uid}\\s+1$`, 'm'));
  assert.match(r.stdout, /^0$/m);
  // docker's 14 less CAP_MKNOD (no device cgroup): 00000000a80425fb without bit 27.
  assert.match(r.stdout, /^CapBnd:\s+00000000a00425fb$/m);
  assert.match(r.stdout, /^CapEff:\s+00000000a00425fb$/m);
  assert.match(r.stdout, /^NoNewPrivs:\s+1$/m);
  assert.match(r.stdout, /^Seccomp:\s+2$/m);
  const dev = r.stdout.split('\n').filter((l) => /^[a-z]+$/.test(l) && !['0'].includes(l));
  for (const n of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'ptmx', 'pts', 'shm', 'mqueue', 'fd', 'stdin', 'stdout', 'stderr']) assert.ok(dev.includes(n), `/dev/${n} missing: ${dev}`);
  // The filter works: mount fails inside even for root of the user namespace.
  const m = await gb(['run', 'glassbox/base', 'sh', '-c', 'mount -t tmpfs x /mnt; echo rc=$?']);
  assert.match(m.stdout, /rc=[1-9]/);
});

test('rootless: a bind volume from the user\'s home is written through, the file owned by the user; exit status passed on', T, async () => {
  assert.equal((await asUser(['mkdir', '-p', join(HOME, 'data')])).code, 0);
  const r = await gb(['run', '-v', `${HOME}/data:/data`, 'glassbox/base', 'sh', '-c', 'echo through > /data/f; rm /bin/ls; exit 3']);
  assert.equal(r.code, 3, r.stderr);
  assert.equal(readFileSync(join(HOME, 'data', 'f'), 'utf8'), 'through\n');
  assert.equal(statSync(join(HOME, 'data', 'f')).uid, uid);
  // The container's own changes went to its upper dir, which is gone with it; the image still has ls.
  const again = await gb(['run', 'glassbox/base', 'ls', '/bin/ls']);
  assert.equal(again.code, 0, again.stderr);
});

test('rootless losses: limits, networks and another user are refused with the reason; doctor lists them', T, async () => {
  const refused = async (args: string[], re: RegExp) => {
    const r = await gb(['run', ...args, 'glassbox/base', 'true']);
    assert.equal(r.code, 125, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, re);
  };
  // Each names the flag that asked for it.
  await refused(['-m', '64m'], /^glassbox: --memory: .*no cgroups/m);
  await refused(['--network', 'bridge'], /^glassbox: --network: .*slirp4netns.*not installed/m);
  await refused(['-u', '1000'], /^glassbox: --user: .*can only run as root/m);
  const d = await gb(['doctor']);
  for (const name of ['rootless cgroups', 'rootless network', 'rootless users', 'rootless devices']) assert.match(d.stdout, new RegExp(`warn\\s+${name}`));
  assert.match(d.stdout, /ok\s+rootless\s+ordinary users may make user namespaces/);
});

test('rootless run -d: the container outlives glassbox; ps, logs, exec (joining its namespaces), stop and rm work', T, async () => {
  const up = await gb(['run', '-d', '--name', 'bg', 'glassbox/base', 'sh', '-c', 'echo started; exec sleep 300']);
  assert.equal(up.code, 0, up.stderr);
  const id = up.stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  try {
    const ps = await gb(['ps', '--format', 'json']);
    assert.equal(ps.code, 0, ps.stderr);
    assert.equal((JSON.parse(ps.stdout.trim().split('\n').find((l) => l.includes(id))!) as { state: string }).state, 'running');
    // exec: in the container's PID namespace (PID 1 is its sleep), as its root, with its restrictions.
    const ex = await gb(['exec', 'bg', 'sh', '-c', 'cat /proc/1/comm; id -u; grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status; exit 4']);
    assert.equal(ex.code, 4, ex.stderr);
    assert.match(ex.stdout, /^sleep\n0\n/);
    assert.match(ex.stdout, /^CapEff:\s+00000000a00425fb$/m);
    assert.match(ex.stdout, /^NoNewPrivs:\s+1$/m);
    assert.match(ex.stdout, /^Seccomp:\s+2$/m);
    let logs = '';
    for (let i = 0; i < 50 && !logs.includes('started'); i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      logs = (await gb(['logs', 'bg'])).stdout;
    }
    assert.equal(logs, 'started\n');
    const stop = await gb(['stop', '-t', '1', 'bg']);
    assert.equal(stop.code, 0, stop.stderr);
    const after = await gb(['ps', '-a', '--format', 'json']);
    assert.equal((JSON.parse(after.stdout.trim().split('\n').find((l) => l.includes(id))!) as { state: string }).state, 'exited');
  } finally {
    const rm = await gb(['rm', '-f', 'bg']);
    assert.equal(rm.code, 0, rm.stderr);
  }
});

test('rootless: nothing is left on the host: no mount in its table, no container state, no process of the user', T, async () => {
  const count = (s: string) => s.split('\n').filter((l) => l.includes(top)).length;
  assert.equal(count(readFileSync('/proc/self/mountinfo', 'utf8')), count(mountsBefore));
  const containers = join(HOME, 'root', 'containers');
  assert.deepEqual(existsSync(containers) ? (await asUser(['ls', '-A', containers])).stdout.trim() : '', '');
  // A detached container's monitor writes `done` (which rm waits for) just before it exits; its parent is then the
  // host's init, which reaps it a moment later.
  let left = '';
  for (let i = 0; i < 50; i++) {
    left = (await run(['ps', '-u', String(uid), '-o', 'pid=,stat=,args='])).stdout.trim();
    if (!left) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(left, '');
});
