// glassbox on a pure cgroup v2 host, with real containers. This file runs only inside the QEMU guest of test/vm
// (`npm run test:v2`): Debian's kernel with cgroup2 alone on /sys/fs/cgroup (mounted nsdelegate, as systemd does),
// zram swap, two CPUs — this machine's own cgroups are a v1 hybrid. Node is much slower in the guest (TCG), so
// every test runs few glassbox commands and reads the cgroup files itself rather than asking glassbox twice.
// What is checked: the OOM killer inside memory.max (137 + OOMKilled), memory.swap.max deciding whether a program
// fits, pids.max against a fork bomb, cpu.max throttling a busy loop (the kernel's own nr_throttled counter), cpuset,
// stats against the files, the cgroup namespace, what /sys/fs/cgroup shows inside, exec joining the group, the
// cgroup.kill teardown of a foreground run and of the detached monitor, gc after kill -9, device rules, doctor,
// and no group left behind.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GLASSBOX, processDead, run, Sandbox, waitFor, type Background } from '../integration/helpers.ts';

const CG = '/sys/fs/cgroup';
const T = { timeout: 240_000 };
const read = (file: string) => readFileSync(file, 'utf8').trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const group = (id: string) => `${CG}/glassbox/${id}`;
const keyed = (file: string, key: string) => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(read(file))?.[1]);

// A sandbox whose root directory is busybox plus the probe: `image from-host` would cost minutes in the guest.
class GuestSandbox extends Sandbox {
  override async makeRootdir(name: string): Promise<string> {
    const dir = join(this.dir, name);
    for (const d of ['bin', 'dev', 'proc', 'sys', 'tmp', 'etc']) mkdirSync(join(dir, d), { recursive: true });
    chmodSync(dir, 0o755);
    copyFileSync('/bin/busybox', join(dir, 'bin', 'busybox'));
    chmodSync(join(dir, 'bin', 'busybox'), 0o755);
    for (const a of ['sh', 'true', 'cat', 'sleep', 'tail', 'head', 'grep', 'ls', 'echo', 'mknod', 'stat', 'tr', 'wc']) symlinkSync('busybox', join(dir, 'bin', a));
    writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/sh\n');
    writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\n');
    copyFileSync(this.probe, join(dir, 'probe'));
    chmodSync(join(dir, 'probe'), 0o755);
    return dir;
  }
}

const sb = new GuestSandbox('v2');

before(async () => {
  const mount = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => / - cgroup2? /.test(l));
  assert.ok(mount.length === 1 && / \/sys\/fs\/cgroup .* - cgroup2 /.test(mount[0]!), `this suite needs a pure cgroup v2 host (run it with npm run test:v2):\n${mount.join('\n')}`);
  await sb.setup();
}, { timeout: 180_000 });
after(() => sb.cleanup(), { timeout: 180_000 });

// Starts a foreground container in the background and waits until it runs.
async function background(args: string[]): Promise<{ bg: Background; id: string; pid: number }> {
  const known = sb.containerIds();
  const bg = sb.gbStart(args);
  try {
    const { id, pid } = await bg.running(known, 60_000);
    return { bg, id, pid };
  } catch (e) {
    bg.stop();
    throw e;
  }
}

// A host process put into a container's group, as a later exec would be: teardown and gc must kill it too.
function strayIn(id: string): ChildProcess {
  const stray = spawn('sleep', ['1000'], { stdio: 'ignore' });
  writeFileSync(`${group(id)}/cgroup.procs`, String(stray.pid));
  return stray;
}
const killedBySignal = (p: ChildProcess) => waitFor('the stray process to be killed', () => p.signalCode ?? undefined, 30_000);
const groupLeft = (id: string) => existsSync(group(id));

// ---- memory and swap ----------------------------------------------------------------------------------------

test('memory.max: a memory hog is killed by the OOM killer → 137, reported with the limit (from memory.events\' oom_kill)', T, async () => {
  const r = await sb.gb(['run', '--memory', '16m', '--memory-swap', '16m', sb.rootdir, '/bin/tail', '/dev/zero'], { timeoutMs: 120_000 });
  assert.equal(r.code, 137, r.stderr);
  assert.match(r.stderr, /^glassbox: the container was killed by the OOM killer \(memory limit 16 MiB\)$/m);
});

test('memory.swap.max: 48 MiB fit in 16 MiB of memory with 64 MiB of swap, and are OOM-killed with no swap', T, async () => {
  const fits = await sb.gb(['run', '--memory', '16m', '--memory-swap', '80m', sb.rootdir, '/probe', 'alloc', '48'], { timeoutMs: 120_000 });
  assert.equal(fits.code, 0, `with swap: ${fits.stderr}`);
  assert.equal(fits.stdout, 'allocated 48 MiB\n');
  const noSwap = await sb.gb(['run', '--memory', '16m', '--memory-swap', '16m', sb.rootdir, '/probe', 'alloc', '48'], { timeoutMs: 120_000 });
  assert.equal(noSwap.code, 137, `without swap: ${noSwap.stdout}${noSwap.stderr}`);
  assert.match(noSwap.stderr, /killed by the OOM killer \(memory limit 16 MiB\)/);
});

test('the files: memory.max, memory.swap.max, pids.max, cpu.max, cpu.weight and cpuset.cpus hold the values; inside, the CPU list is the cpuset', T, async () => {
  const { bg, id, pid } = await background(['run', '--memory', '32m', '--memory-swap', '48m', '--pids-limit', '40', '--cpus', '1.5', '--cpu-shares', '512', '--cpuset-cpus', '1', sb.rootdir, '/bin/sh', '-c', 'grep Cpus_allowed_list /proc/self/status; exec sleep 1000']);
  try {
    const g = group(id);
    assert.deepEqual(
      ['memory.max', 'memory.swap.max', 'pids.max', 'cpu.max', 'cpu.weight', 'cpuset.cpus', 'cpuset.cpus.effective'].map((f) => `${f}=${read(`${g}/${f}`)}`),
      [`memory.max=${32 << 20}`, `memory.swap.max=${16 << 20}`, 'pids.max=40', 'cpu.max=150000 100000', 'cpu.weight=20', 'cpuset.cpus=1', 'cpuset.cpus.effective=1'],
    );
    // glassbox's own group passes exactly the controllers on that the container's group uses.
    assert.deepEqual(read(`${CG}/glassbox/cgroup.subtree_control`).split(' ').sort(), ['cpu', 'cpuset', 'memory', 'pids']);
    const inside = await waitFor('the container to print its CPUs', () => (/Cpus_allowed_list:\s*(\S+)/.exec(bg.stdout)?.[1]));
    assert.equal(inside, '1');
  } finally {
    process.kill(pid, 'SIGKILL');
    await bg.done;
  }
  assert.equal(groupLeft(id), false);
});

// ---- pids ---------------------------------------------------------------------------------------------------

test('pids.max: a fork bomb stays within 32 processes, the host keeps forking, pids.events counts the refusals', T, async (t) => {
  const bomb = 'bomb() { while :; do bomb & i=0; while [ $i -lt 50 ]; do i=$((i + 1)); done; done; }; sleep 8 & timer=$!; bomb 2>/dev/null & wait $timer; echo still here';
  const { bg, id } = await background(['run', '--pids-limit', '32', sb.rootdir, '/bin/sh', '-c', bomb]);
  let peak = 0;
  let refused = 0;
  try {
    await waitFor('the bomb to reach the wall', () => Number(read(`${group(id)}/pids.current`)) >= 30, 60_000);
    for (let i = 0; i < 10; i++) {
      peak = Math.max(peak, Number(read(`${group(id)}/pids.current`)));
      refused = keyed(`${group(id)}/pids.events`, 'max');
      assert.equal(spawnSync('true').status, 0, 'the host can still fork and run a program');
      await sleep(100);
    }
  } finally {
    const r = await bg.done;
    t.diagnostic(`pids.current peaked at ${peak} of 32; ${refused} forks refused while watching`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /still here/);
    assert.match(r.stderr, /^glassbox: the container reached its process limit \(32 processes\): the kernel refused \d+ forks$/m);
  }
  assert.ok(peak <= 32 && peak >= 30, `peak ${peak}`);
  assert.ok(refused > 0, 'pids.events max counts refused forks');
  assert.equal(groupLeft(id), false);
});

// ---- cpu ----------------------------------------------------------------------------------------------------

// Watches a busy container's cpu.stat over a few seconds: the share of one CPU it used, and how often the kernel
// throttled it (nr_throttled only grows when cpu.max stopped the group in a period).
async function cpuWatch(id: string): Promise<{ share: number; throttled: number }> {
  const stat = () => ({ usage: keyed(`${group(id)}/cpu.stat`, 'usage_usec'), throttled: keyed(`${group(id)}/cpu.stat`, 'nr_throttled') || 0, at: performance.now() });
  await sleep(1000);
  const a = stat();
  await sleep(4000);
  const b = stat();
  return { share: (b.usage - a.usage) / ((b.at - a.at) * 1000), throttled: b.throttled - a.throttled };
}

test('cpu.max: --cpus 0.5 throttles a busy loop (nr_throttled grows, usage ≤ about half a CPU); without it, no throttling and more CPU', T, async (t) => {
  const loop = [sb.rootdir, '/bin/sh', '-c', 'while :; do :; done'];
  const limited = await background(['run', '--cpus', '0.5', ...loop]);
  let half;
  try {
    assert.equal(read(`${group(limited.id)}/cpu.max`), '50000 100000');
    half = await cpuWatch(limited.id);
  } finally {
    process.kill(limited.pid, 'SIGKILL');
    await limited.bg.done;
  }
  const free = await background(['run', ...loop]);
  let whole;
  try {
    // Not asked for, the cpu controller is not even enabled for the group (cpu.stat's usage is always there).
    assert.equal(existsSync(`${group(free.id)}/cpu.max`), false);
    whole = await cpuWatch(free.id);
  } finally {
    process.kill(free.pid, 'SIGKILL');
    await free.bg.done;
  }
  t.diagnostic(`busy loop: ${(half.share * 100).toFixed(0)} % of a CPU with --cpus 0.5 (throttled ${half.throttled} times in 4 s), ${(whole.share * 100).toFixed(0)} % without (throttled ${whole.throttled} times)`);
  assert.ok(half.throttled >= 10, `the kernel throttled the limited loop (${half.throttled} periods)`);
  assert.ok(half.share <= 0.65, `--cpus 0.5 gave ${half.share} of a CPU`);
  assert.equal(whole.throttled, 0, 'an unlimited group is never throttled');
  assert.ok(whole.share > half.share, 'the same loop used more CPU without the limit');
});

// ---- stats --------------------------------------------------------------------------------------------------

test('stats: --no-stream --format json shows what memory.current, memory.stat, memory.max and pids.* say', T, async () => {
  const { bg, id, pid } = await background(['run', '--name', 'statsbox', '--memory', '32m', '--pids-limit', '50', sb.rootdir, '/bin/sh', '-c', 'sleep 1000 & sleep 1000 & wait']);
  try {
    await waitFor('three processes in the group', () => read(`${group(id)}/pids.current`) === '3', 30_000);
    const r = await sb.gb(['stats', '--no-stream', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const row = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((x) => x.id === id);
    assert.ok(row, r.stdout);
    assert.equal(row.name, 'statsbox');
    assert.equal(row.pids, 3);
    assert.equal(row.pids_limit, 50);
    assert.equal(row.memory_limit_bytes, Number(read(`${group(id)}/memory.max`)));
    const used = Number(read(`${group(id)}/memory.current`)) - keyed(`${group(id)}/memory.stat`, 'inactive_file');
    assert.ok(row.memory_bytes > 0 && Math.abs(row.memory_bytes - used) < 1024 * 1024, `stats ${row.memory_bytes} vs files ${used}`);
    assert.ok(row.cpu_percent >= 0 && row.cpu_percent < 20, `an idle container: ${row.cpu_percent} %`);
  } finally {
    process.kill(pid, 'SIGKILL');
    await bg.done;
  }
});

// ---- namespaces and what the container sees -----------------------------------------------------------------

test('cgroup namespace: inside, /proc/self/cgroup is "0::/"; the host sees 0::/glassbox/ID; /sys/fs/cgroup is the container\'s own group, read-only', T, async () => {
  const script = 'cat /proc/self/cgroup; cat /sys/fs/cgroup/memory.max; grep -c " - cgroup2 " /proc/self/mountinfo; touch /sys/fs/cgroup/x 2>/dev/null || echo read-only; exec sleep 1000';
  const { bg, id, pid } = await background(['run', '-m', '64m', sb.rootdir, '/bin/sh', '-c', script]);
  try {
    assert.equal(read(`/proc/${pid}/cgroup`), `0::/glassbox/${id}`);
    assert.notEqual(readlinkSync(`/proc/${pid}/ns/cgroup`), readlinkSync('/proc/self/ns/cgroup'));
    const out = await waitFor('the container to print', () => (/^read-only$/m.test(bg.stdout) ? bg.stdout : undefined));
    // cgroup2 mounted inside the cgroup namespace: its root is the container's group, with its memory.max.
    assert.equal(out, `0::/\n${64 * 1024 * 1024}\n1\nread-only\n`);
  } finally {
    process.kill(pid, 'SIGKILL');
    await bg.done;
  }
});

// ---- the detached monitor, exec, stop -----------------------------------------------------------------------

test('run -d: exec joins the group, its namespace and its device program; stop\'s cgroup.kill teardown ends everything in it; the group goes; restart brings it back', T, async () => {
  const up = await sb.gb(['run', '-d', '--name', 'box', '--memory', '24m', sb.rootdir, '/bin/sleep', '1000']);
  assert.equal(up.code, 0, up.stderr);
  const id = up.stdout.trim();
  assert.equal(read(`${group(id)}/pids.current`), '1');
  const ex = await sb.gb(['exec', 'box', '/bin/cat', '/proc/self/cgroup']);
  assert.deepEqual([ex.code, ex.stdout], [0, '0::/\n'], ex.stderr);
  // An exec'd process is in the group, so the device program judges it too.
  const exDev = await sb.gb(['exec', 'box', '/probe', 'escape', 'mknod', read('/sys/block/zram0/dev')]);
  assert.match(exDev.stdout, /^BLOCKED: open of the new block device/m, exDev.stdout + exDev.stderr);
  // A long exec: while it runs, its process is counted by the container's group.
  const long = sb.gbStart(['exec', 'box', '/bin/sleep', '1000']);
  const stray = strayIn(id);
  try {
    await waitFor('the exec to join the group', () => Number(read(`${group(id)}/pids.current`)) >= 3, 60_000);
    const stop = await sb.gb(['stop', '-t', '1', 'box']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(await killedBySignal(stray), 'SIGKILL');
    const ended = await long.done;
    assert.notEqual(ended.code, 0, 'the exec ended with the container');
    assert.equal(groupLeft(id), false, 'the monitor removed the group');
    const ps = await sb.gb(['ps', '-a', '--format', 'json']);
    const row = JSON.parse(ps.stdout.split('\n').find((l) => l.includes(id))!);
    assert.equal(row.state, 'exited');
  } finally {
    stray.kill('SIGKILL');
    long.stop();
  }
  // restart runs the stored plan again: the same group comes back with its limits and only the new PID 1.
  const again = await sb.gb(['restart', '-t', '1', 'box']);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual([read(`${group(id)}/memory.max`), read(`${group(id)}/pids.current`)], [String(24 << 20), '1']);
  assert.equal((await sb.gb(['rm', '-f', 'box'])).code, 0);
  assert.equal(groupLeft(id), false);
});

test('run -d: a detached container killed by the OOM killer shows OOMKilled and 137 in inspect (the monitor kept memory.events)', T, async () => {
  const up = await sb.gb(['run', '-d', '--name', 'oom', '--memory', '8m', '--memory-swap', '8m', sb.rootdir, '/bin/tail', '/dev/zero']);
  assert.equal(up.code, 0, up.stderr);
  const id = up.stdout.trim();
  await waitFor('the monitor to finish', () => existsSync(join(sb.root, 'containers', id, 'done')), 120_000);
  const [c] = JSON.parse((await sb.gb(['inspect', 'oom'])).stdout) as Array<{ State: { OOMKilled: boolean; ExitCode: number }; HostConfig: { Memory: number; CgroupPaths: string[] } }>;
  assert.deepEqual([c!.State.ExitCode, c!.State.OOMKilled, c!.HostConfig.Memory], [137, true, 8 << 20]);
  assert.deepEqual(c!.HostConfig.CgroupPaths, [group(id)]);
  assert.equal(groupLeft(id), false);
  assert.equal((await sb.gb(['rm', 'oom'])).code, 0);
});

// ---- teardown and gc ----------------------------------------------------------------------------------------

test('teardown: cgroup.kill ends every process in the group, not only the container\'s, then the group goes', T, async () => {
  const { bg, id, pid } = await background(['run', sb.rootdir, '/probe', 'sleep', '0']);
  const stray = strayIn(id);
  try {
    process.kill(pid, 'SIGKILL');
    assert.equal((await bg.done).code, 137);
    assert.equal(await killedBySignal(stray), 'SIGKILL');
    assert.equal(groupLeft(id), false);
  } finally {
    stray.kill('SIGKILL');
    bg.stop();
  }
});

test('gc: after kill -9 of glassbox, gc kills what is left in the group and removes it; a second gc does nothing', T, async () => {
  const { bg, id, pid } = await background(['run', sb.rootdir, '/probe', 'sleep', '0']);
  const stray = strayIn(id);
  try {
    bg.child.kill('SIGKILL');
    await bg.done;
    await waitFor('PID 1 to die with glassbox', () => processDead(pid), 30_000);
    assert.ok(groupLeft(id), 'the group is still there, holding the stray process');
    const r = await sb.gb(['gc']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^removed cgroup glassbox/${id.slice(0, 12)}$`, 'm'));
    assert.equal(await killedBySignal(stray), 'SIGKILL');
    assert.equal(groupLeft(id), false);
    assert.equal((await sb.gb(['gc'])).stdout, 'nothing to clean up\n');
  } finally {
    stray.kill('SIGKILL');
    bg.stop();
  }
});

// ---- devices ------------------------------------------------------------------------------------------------

// cgroup v2 has no devices controller: runc and crun attach an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) to the
// group, and so does glassbox (dist/glassbox-device-filter, the `devices` step of the cgroup-v2 block) with runc's
// allow-list: any node may be made, only the standard ones opened. Like docker, a default container then keeps
// CAP_MKNOD. The control: --privileged attaches no program, and the same probe opens the device.
test('devices on v2: the eBPF device program lets mknod through but refuses to open a block device; /dev/zero works; --privileged opens it', T, async () => {
  const dev = read('/sys/block/zram0/dev'); // a block device this guest has (its swap)
  const img = join(sb.dir, 'devroot');
  spawnSync('cp', ['-a', `${sb.rootdir}/.`, img]);
  spawnSync('mknod', [join(img, 'blk'), 'b', ...dev.split(':')]);
  const script = `/probe escape mknod ${dev}; head -c 1 /blk >/dev/null 2>&1 && echo image-node-opened || echo image-node-refused; head -c 4 /dev/zero | wc -c`;
  const def = await sb.gb(['run', img, '/bin/sh', '-c', script]);
  assert.equal(def.code, 0, def.stderr);
  assert.match(def.stdout, /^BLOCKED: open of the new block device/m, def.stdout + def.stderr);
  assert.match(def.stdout, /^image-node-refused$/m);
  assert.match(def.stdout, /^4$/m, 'an allowed device (/dev/zero) still works');
  const priv = await sb.gb(['run', '--privileged', img, '/probe', 'escape', 'mknod', dev]);
  assert.match(priv.stdout, new RegExp(`^ALLOWED: made block device ${dev} and opened it`, 'm'), priv.stdout + priv.stderr);
  // --device adds the node's rule to the program: the same block device, given with :r, opens for reading.
  const node = join(sb.dir, 'zblk');
  spawnSync('mknod', [node, 'b', ...dev.split(':')]);
  const given = await sb.gb(['run', '--device', `${node}:/dev/z:r`, sb.rootdir, '/bin/sh', '-c', 'head -c 1 /dev/z >/dev/null && echo device-opened']);
  assert.equal(given.stdout, 'device-opened\n', given.stderr);
  const doctor = await sb.gb(['doctor']);
  assert.match(doctor.stdout, /^ok +devices +cgroup v2 eBPF device program/m);
});

// ---- doctor -------------------------------------------------------------------------------------------------

test('doctor: reports cgroup v2 facts — the controllers passed down, nsdelegate, where glassbox runs and the no-internal-process rule', T, async () => {
  const r = await sb.gb(['doctor']);
  assert.match(r.stdout, /^ok +cgroups +v2 at \/sys\/fs\/cgroup; controllers: cpuset cpu io memory hugetlb pids rdma misc$/m, r.stdout);
  assert.match(r.stdout, /^ok +cgroup v2 +/m, r.stdout);
  assert.match(r.stdout, /nsdelegate/);
  assert.match(r.stdout, /this process: \/ \(the root group/);
});

// ---- the no-internal-process rule, for real ------------------------------------------------------------------

// glassbox inside a cgroup namespace whose root holds processes (as inside a container): the kernel refuses to
// enable a controller there (EBUSY), so glassbox refuses first, with docker-in-docker's fix; after that fix (every
// process moved into a leaf, ROOT/init) the same run works, in the namespace's own glassbox/ group.
test('no internal processes: in a cgroup namespace whose root holds processes, run is refused (125) with the fix; after it, it runs', T, async () => {
  const nest = `${CG}/gbtest-nest`;
  const gb = `${process.execPath} ${GLASSBOX}`;
  const script = [
    'umount /sys/fs/cgroup && mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || exit 9',
    'echo "self=$(cat /proc/self/cgroup)"',
    'echo +memory > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; echo "kernel=$?"',
    `${gb} doctor | grep "cgroup v2"`,
    `${gb} run --memory 32m ${sb.rootdir} /bin/true; echo "run=$?"`,
    'mkdir /sys/fs/cgroup/init && for p in $(cat /sys/fs/cgroup/cgroup.procs); do echo $p > /sys/fs/cgroup/init/cgroup.procs; done',
    `${gb} run --memory 32m ${sb.rootdir} /bin/cat /proc/self/cgroup; echo "fixed=$?"`,
  ].join('\n');
  mkdirSync(nest);
  try {
    // The shell moves itself into the nest, then makes the cgroup namespace (rooted there) and a mount namespace.
    const r = await run(['sh', '-c', `echo $$ > ${nest}/cgroup.procs && exec unshare --cgroup --mount --propagation private sh -c "$0"`, script], { env: sb.env, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^self=0::\/$/m);
    assert.match(r.stdout, /^kernel=[1-9]\d*$/m, 'the kernel itself refuses +memory in a populated non-root group');
    assert.match(r.stdout, /^FAIL +cgroup v2 +.*not the kernel's root group .*this process: \/ \(the root of its cgroup namespace\)/m);
    assert.match(r.stdout, /^run=125$/m);
    assert.match(r.stderr, /^glassbox: cgroup v2: \/sys\/fs\/cgroup is not the kernel's root group .* holds \d+ process\(es\), so cgroup v2's no-internal-process rule forbids enabling memory/m);
    assert.match(r.stdout, /^0::\/\nfixed=0$/m);
  } finally {
    for (const d of [`${nest}/glassbox`, `${nest}/init`, nest]) spawnSync('rmdir', [d]);
  }
  assert.equal(existsSync(nest), false);
});

// ---- no leaks -----------------------------------------------------------------------------------------------

test('no leaks: no group under /sys/fs/cgroup/glassbox, no mounts or processes left by this file', T, async () => {
  const gc = await sb.gb(['gc']);
  assert.equal(gc.code, 0, gc.stderr);
  const left = existsSync(`${CG}/glassbox`) ? readdirSync(`${CG}/glassbox`, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : [];
  assert.deepEqual(left, []);
  sb.assertNoLeaks();
});
