// docker's smaller run flags with real containers: --ulimit seen by `ulimit -n`, --shm-size by df, --sysctl in
// the container's own namespaces (and docker's refusals), --device (a node that works, one whose write is not
// allowed, paths that are not devices), --cidfile, /sys/fs/cgroup showing the container's own limit read-only,
// and `tty` naming the terminal under -t. Each is checked against the same container without the flag.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GLASSBOX, Sandbox } from './helpers.ts';
import { Tmux } from './tmux.ts';

const sb = new Sandbox('flags');
const T = { timeout: 120_000 };

before(() => sb.setup(), { timeout: 180_000 });
after(async () => {
  Tmux.killAll();
  await sb.cleanup();
}, { timeout: 120_000 });

async function out(args: string[]): Promise<string> {
  const r = await sb.gb(args);
  assert.equal(r.code, 0, `glassbox ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

// Refused with exit 125 and the message, before any container is made.
async function refused(args: string[], message: RegExp): Promise<void> {
  const r = await sb.gb(args);
  assert.equal(r.code, 125, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, message);
  assert.deepEqual(sb.containerIds(), []);
}

test('--ulimit nofile=1024:2048: ulimit -n and -Hn inside; without it, the default', T, async () => {
  assert.equal(await out(['run', '--ulimit', 'nofile=1024:2048', sb.rootdir, '/bin/sh', '-c', 'ulimit -n; ulimit -Hn']), '1024\n2048\n');
  assert.equal(await out(['run', '--ulimit', 'nproc=77', sb.rootdir, '/bin/sh', '-c', 'ulimit -u']), '77\n');
  assert.notEqual(await out(['run', sb.rootdir, '/bin/sh', '-c', 'ulimit -n']), '1024\n');
  await refused(['run', '--ulimit', 'nofile=3:2', sb.rootdir, '/bin/true'], /soft limit must be less than or equal to hard limit/);
  await refused(['run', '--ulimit', 'bogus=1', sb.rootdir, '/bin/true'], /invalid ulimit type: bogus/);
});

test('--shm-size 128m: /dev/shm is 128 MiB (df); docker\'s default 64 MiB without it', T, async () => {
  const size = async (extra: string[]) => (await out(['run', ...extra, sb.rootdir, '/bin/sh', '-c', 'df -k /dev/shm | tail -n 1'])).trim().split(/\s+/)[1];
  assert.equal(await size(['--shm-size', '128m']), '131072');
  assert.equal(await size([]), '65536');
});

test('--sysctl: allowed namespaced ones visible inside, the host\'s unchanged; others refused with 125', T, async () => {
  const hostShm = readFileSync('/proc/sys/kernel/shmmax', 'utf8');
  const got = await out(['run', '--sysctl', 'kernel.shmmax=1234567', '--sysctl', 'net.ipv4.ip_unprivileged_port_start=80', sb.rootdir, '/bin/sh', '-c', 'cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_unprivileged_port_start']);
  assert.equal(got, '1234567\n80\n');
  assert.equal(readFileSync('/proc/sys/kernel/shmmax', 'utf8'), hostShm);
  await refused(['run', '--sysctl', 'kernel.hostname=x', sb.rootdir, '/bin/true'], /sysctl 'kernel.hostname=x' is not allowed/);
  await refused(['run', '--network', 'host', '--sysctl', 'net.ipv4.ip_forward=1', sb.rootdir, '/bin/true'], /not allowed in host network namespace/);
});

test('--device: /dev/null:/dev/x works; a device allowed only r cannot be written; not allowed at all cannot be opened; non-devices refused', T, async () => {
  assert.equal(await out(['run', '--device', '/dev/null:/dev/x', sb.rootdir, '/bin/sh', '-c', 'echo hi > /dev/x && cat /dev/x && echo ok']), 'ok\n');
  // /dev/loop-control is not on the default allow-list: with :r it opens for reading only.
  const r = await sb.gb(['run', '--device', '/dev/loop-control:/dev/lc:r', sb.rootdir, '/bin/sh', '-c', 'exec 3</dev/lc && echo read-ok; exec 4>/dev/lc']);
  assert.equal(r.stdout, 'read-ok\n', r.stderr);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Operation not permitted/);
  // Without --device the same node, made by hand inside, cannot be opened.
  const no = await sb.gb(['run', sb.rootdir, '/bin/sh', '-c', 'mknod /dev/lc c 10 237; exec 3</dev/lc']);
  assert.notEqual(no.code, 0);
  assert.match(no.stderr, /Operation not permitted/);
  await refused(['run', '--device', '/etc/passwd', sb.rootdir, '/bin/true'], /adding custom device "\/etc\/passwd": not a device node/);
  await refused(['run', '--device', '/nonexistent', sb.rootdir, '/bin/true'], /adding custom device "\/nonexistent": no such file or directory/);
});

test('--cidfile: the container\'s ID is written; an existing file is refused', T, async () => {
  const file = join(sb.dir, 'cid');
  rmSync(file, { force: true });
  const id = (await out(['run', '-d', '--cidfile', file, sb.rootdir, '/bin/sleep', '300'])).trim();
  assert.equal(readFileSync(file, 'utf8'), id);
  await out(['rm', '-f', id]);
  await refused(['run', '--cidfile', file, sb.rootdir, '/bin/true'], /Container ID file found/);
  rmSync(file);
  assert.ok(!existsSync(file));
});

test('/sys/fs/cgroup: the container\'s own memory limit, read-only', T, async () => {
  const got = await out(['run', '-m', '64m', sb.rootdir, '/bin/sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; cat /sys/fs/cgroup/pids/pids.max; touch /sys/fs/cgroup/memory/x 2>&1; mkdir /sys/fs/cgroup/y 2>&1; true']);
  const lines = got.trim().split('\n');
  assert.equal(lines[0], String(64 * 1024 * 1024));
  assert.equal(lines[1], '2048');
  assert.match(lines[2]!, /Read-only file system/);
  assert.match(lines[3]!, /Read-only file system/);
  sb.assertNoLeaks();
});

test('run -t: tty names the terminal (/dev/console), not "not a tty"', T, async () => {
  const t = new Tmux('run-tty');
  try {
    t.start([process.execPath, GLASSBOX, 'run', '-t', sb.rootdir, '/bin/sh', '-c', 'echo "tty=$(tty)"'], sb.env);
    const s = await t.until('the end', (x) => /\[exited \d+\]/.test(x));
    assert.match(s, /tty=\/dev\/console/);
    assert.match(s, /\[exited 0\]/);
  } finally {
    await t.stop();
  }
  sb.assertNoLeaks();
});
