// Resource limits on this machine's cgroup v1 trees, with real containers: the OOM killer inside the memory
// limit, a fork bomb against the pids limit while the host keeps forking, the CPU quota measured from
// cpuacct.usage, `glassbox stats` against the cgroup files, the teardown and gc killing what is left in a group,
// bad limits refused before anything is made, and no group left behind. Runs as root, serially.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processDead, REPO, Sandbox, waitFor, type Background } from './helpers.ts';

const sb = new Sandbox('cgroup');
const T = { timeout: 90_000 };
const CG = '/sys/fs/cgroup';

before(() => sb.setup(), { timeout: 180_000 });
after(() => sb.cleanup(), { timeout: 120_000 });

const group = (tree: string, id: string) => `${CG}/${tree}/glassbox/${id}`;
const read = (file: string) => readFileSync(file, 'utf8').trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const groupsOf = (id: string) => ['memory', 'pids', 'freezer', 'cpuacct', 'cpu', 'cpuset'].map((t) => group(t, id)).filter(existsSync);

// Starts a container in the background and waits until it runs; returns its ID, PID 1 and the glassbox process.
async function background(args: string[]): Promise<{ bg: Background; id: string; pid: number }> {
  const known = sb.containerIds();
  const bg = sb.gbStart(args);
  try {
    const { id, pid } = await bg.running(known);
    return { bg, id, pid };
  } catch (e) {
    bg.stop();
    throw e;
  }
}

// A host process that joins the container's groups, as a later `exec` would: teardown and gc must kill it too.
function strayIn(id: string): ChildProcess {
  const stray = spawn('sleep', ['1000'], { stdio: 'ignore' });
  for (const dir of groupsOf(id)) writeFileSync(`${dir}/cgroup.procs`, String(stray.pid));
  return stray;
}
const killedBySignal = (p: ChildProcess) => waitFor('the stray process to be killed', () => p.signalCode ?? undefined, 10_000);

// ---- memory -------------------------------------------------------------------------------------------------

test('memory: a memory hog is killed by the OOM killer inside its 16 MiB → 137, reported with the limit', T, async () => {
  const r = await sb.gb(['run', '--memory', '16m', sb.rootdir, '/bin/tail', '/dev/zero']);
  assert.equal(r.code, 137, r.stderr);
  assert.match(r.stderr, /^glassbox: the container was killed by the OOM killer \(memory limit 16 MiB\)$/m);
  // The same program without the OOM: a container that exits 0 says nothing about limits.
  const ok = await sb.gb(['run', '--memory', '16m', sb.rootdir, '/bin/true']);
  assert.equal(ok.code, 0);
  assert.equal(ok.stderr, '');
});

test('memory: state.json records oomKilled: true when the container ends', T, async () => {
  const known = sb.containerIds();
  const bg = sb.gbStart(['run', '--memory', '8m', sb.rootdir, '/bin/tail', '/dev/zero']);
  // The state lives only until the foreground run has cleaned up: watch it closely.
  let last: { status?: string; oomKilled?: boolean; exitCode?: number } | undefined;
  let ended = false;
  void bg.done.then(() => (ended = true));
  while (!ended) {
    for (const id of sb.containerIds().filter((i) => !known.includes(i))) {
      try {
        const s = JSON.parse(readFileSync(join(sb.root, 'containers', id, 'state.json'), 'utf8'));
        if (s.status === 'exited') last = s;
      } catch {}
    }
    await new Promise((r) => setImmediate(r));
  }
  assert.equal((await bg.done).code, 137);
  assert.equal(last?.status, 'exited', 'the exited state was seen');
  assert.equal(last?.oomKilled, true);
  assert.equal(last?.exitCode, 137);
});

test('memory: a detached container ended by the OOM killer shows OOMKilled in ps and inspect, with its limits', T, async () => {
  const up = await sb.gb(['run', '-d', '--name', 'oom', '--memory', '8m', sb.rootdir, '/bin/tail', '/dev/zero']);
  assert.equal(up.code, 0, up.stderr);
  const id = up.stdout.trim();
  let row: { state: string; exitCode: number; oomKilled: boolean } | undefined;
  for (let i = 0; i < 100 && row?.state !== 'exited'; i++) {
    if (i) await sleep(100);
    const line = (await sb.gb(['ps', '-a', '--format', 'json'])).stdout.split('\n').find((l) => l.includes(id));
    row = line ? JSON.parse(line) : undefined;
  }
  assert.ok(row, 'ps lists it');
  assert.deepEqual([row.state, row.exitCode, row.oomKilled], ['exited', 137, true]);
  assert.match((await sb.gb(['ps', '-a'])).stdout, /Exited \(137\) .* ago \(OOM killed\)/);
  const [c] = JSON.parse((await sb.gb(['inspect', 'oom'])).stdout) as Array<{ State: { OOMKilled: boolean; ExitCode: number }; HostConfig: { Memory: number; PidsLimit: number; CgroupPaths: string[] } }>;
  assert.equal(c!.State.OOMKilled, true);
  assert.equal(c!.HostConfig.Memory, 8 * 1024 * 1024);
  assert.equal(c!.HostConfig.PidsLimit, 2048);
  assert.ok(c!.HostConfig.CgroupPaths.some((p) => p === group('memory', id)), JSON.stringify(c!.HostConfig.CgroupPaths));
  // The control: a container that exits 137 because it was killed, not by the OOM killer.
  const other = (await sb.gb(['run', '-d', '--name', 'killed', sb.rootdir, '/bin/sleep', '100'])).stdout.trim();
  assert.equal((await sb.gb(['kill', 'killed'])).code, 0);
  const [k] = JSON.parse((await sb.gb(['inspect', other])).stdout) as Array<{ State: { OOMKilled: boolean; ExitCode: number } }>;
  assert.deepEqual([k!.State.ExitCode, k!.State.OOMKilled], [137, false]);
  assert.equal((await sb.gb(['rm', 'oom', 'killed'])).code, 0);
});

// ---- pids ---------------------------------------------------------------------------------------------------

test('pids: recipes/forkbomb.yaml stays within 64 processes while the host keeps forking; the limit is reported', T, async (t) => {
  const { bg, id } = await background(['run', 'recipes/forkbomb.yaml']);
  try {
    const current = () => Number(read(`${group('pids', id)}/pids.current`));
    assert.equal(read(`${group('pids', id)}/pids.max`), '64');
    await waitFor('the bomb to reach the wall', () => current() >= 60, 5_000);
    let peak = 0;
    const forks: number[] = [];
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      peak = Math.max(peak, current());
      const t0 = performance.now();
      const r = spawnSync('true');
      forks.push(performance.now() - t0);
      assert.equal(r.status, 0, 'the host can still fork and run a program');
      await sleep(20);
    }
    forks.sort((a, b) => a - b);
    const median = forks[Math.floor(forks.length / 2)]!;
    t.diagnostic(`pids.current peaked at ${peak} of 64; ${forks.length} host forks of \`true\`, median ${median.toFixed(1)} ms`);
    assert.ok(peak <= 64 && peak >= 60, `peak ${peak}`);
    assert.ok(median < 100, `the host stays responsive (median ${median} ms to run true)`);
    const r = await bg.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /5 seconds later this shell still runs/);
    assert.match(r.stderr, /^glassbox: the container reached its process limit \(64 processes\): the kernel refused \d+ forks$/m);
    assert.deepEqual(groupsOf(id), [], 'every group removed');
  } finally {
    bg.stop();
  }
});

// ---- cpu ----------------------------------------------------------------------------------------------------

// The share of one CPU a container's group used over 2 s, from cpuacct.usage (nanoseconds of CPU time).
async function cpuShare(id: string): Promise<number> {
  const usage = () => Number(read(`${group('cpuacct', id)}/cpuacct.usage`));
  await sleep(300);
  const [u0, t0] = [usage(), process.hrtime.bigint()];
  await sleep(2000);
  const [u1, t1] = [usage(), process.hrtime.bigint()];
  return (u1 - u0) / Number(t1 - t0);
}

test('cpus: a busy loop with --cpus 0.5 uses about half a CPU over 2 s (and a whole one without)', T, async (t) => {
  const loop = [sb.rootdir, '/bin/sh', '-c', 'while :; do :; done'];
  const limited = await background(['run', '--cpus', '0.5', ...loop]);
  let half: number;
  try {
    assert.equal(read(`${group('cpu', limited.id)}/cpu.cfs_quota_us`), '50000');
    half = await cpuShare(limited.id);
    process.kill(limited.pid, 'SIGKILL');
    assert.equal((await limited.bg.done).code, 137);
  } finally {
    limited.bg.stop();
  }
  const free = await background(['run', ...loop]);
  let whole: number;
  try {
    whole = await cpuShare(free.id);
    process.kill(free.pid, 'SIGKILL');
    await free.bg.done;
  } finally {
    free.bg.stop();
  }
  t.diagnostic(`busy loop: ${(half * 100).toFixed(1)} % of a CPU with --cpus 0.5, ${(whole * 100).toFixed(1)} % without`);
  assert.ok(half >= 0.25 && half <= 0.75, `--cpus 0.5 gave ${half}`);
  // The control run shows the loop can use more than the quota allows (a shared machine may not give it all of one).
  assert.ok(whole >= 0.7, `without a limit the loop should have (nearly) a whole CPU, got ${whole}`);
});

// ---- stats --------------------------------------------------------------------------------------------------

test('cgroup namespace: inside, /proc/self/cgroup shows "/" in every tree; outside, PID 1 is in glassbox/ID', T, async () => {
  const { bg, id, pid } = await background(['run', '--memory', '32m', sb.rootdir, '/bin/sh', '-c', 'cat /proc/self/cgroup; exec sleep 100']);
  try {
    // The host sees the real groups…
    const host = read(`/proc/${pid}/cgroup`);
    for (const tree of ['memory', 'pids']) assert.match(host, new RegExp(`:${tree}:/glassbox/${id}$`, 'm'), host);
    // …and PID 1 has a cgroup namespace of its own, unlike the host.
    assert.notEqual(readlinkSync(`/proc/${pid}/ns/cgroup`), readlinkSync('/proc/self/ns/cgroup'));
    // Inside, each of its groups is the root.
    const inside = await waitFor('the container to print its groups', () => (bg.stdout.includes(':memory:') ? bg.stdout : undefined));
    for (const line of inside.split('\n').filter((l) => /^\d+:/.test(l))) assert.match(line, /:\/$/, `not at the root: ${line}`);
  } finally {
    // Ending PID 1 ends the run; glassbox then undoes everything itself.
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
    await bg.done;
  }
});

test('stats: --no-stream --format json and the table show what the cgroup files say', T, async () => {
  const { bg, id, pid } = await background(['run', '--name', 'statsbox', '--memory', '32m', '--pids-limit', '50', sb.rootdir, '/bin/sh', '-c', 'sleep 1000 & sleep 1000 & wait']);
  try {
    await waitFor('three processes in the group', () => read(`${group('pids', id)}/pids.current`) === '3');
    const r = await sb.gb(['stats', '--no-stream', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const row = rows.find((x) => x.id === id);
    assert.ok(row, r.stdout);
    assert.equal(row.name, 'statsbox');
    assert.equal(row.pids, Number(read(`${group('pids', id)}/pids.current`)));
    assert.equal(row.pids_limit, 50);
    assert.equal(row.memory_limit_bytes, Number(read(`${group('memory', id)}/memory.limit_in_bytes`)));
    assert.equal(row.memory_limit_bytes, 32 * 1024 * 1024);
    const inactive = Number(/^total_inactive_file (\d+)$/m.exec(read(`${group('memory', id)}/memory.stat`))![1]);
    const used = Number(read(`${group('memory', id)}/memory.usage_in_bytes`)) - inactive;
    assert.ok(Math.abs(row.memory_bytes - used) < 512 * 1024, `stats ${row.memory_bytes} vs files ${used}`);
    assert.ok(row.cpu_percent >= 0 && row.cpu_percent < 5, `an idle container: ${row.cpu_percent} %`);
    const table = await sb.gb(['stats', '--no-stream']);
    const line = table.stdout.split('\n').find((l) => l.startsWith(id.slice(0, 12)));
    assert.match(table.stdout, /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +PIDS$/m);
    assert.match(line ?? '', /statsbox .* \/ 32MiB .* 3 \/ 50$/);
  } finally {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
    await bg.done;
  }
});

// ---- teardown and gc ----------------------------------------------------------------------------------------

test('teardown: every process in the group is killed (freeze, kill, thaw), not only the container\'s, then the groups go', T, async () => {
  const { bg, id, pid } = await background(['run', sb.rootdir, '/probe', 'sleep', '0']);
  const stray = strayIn(id);
  try {
    assert.ok(read(`${group('freezer', id)}/cgroup.procs`).split('\n').includes(String(stray.pid)));
    process.kill(pid, 'SIGKILL');
    assert.equal((await bg.done).code, 137);
    assert.equal(await killedBySignal(stray), 'SIGKILL');
    assert.deepEqual(groupsOf(id), []);
  } finally {
    stray.kill('SIGKILL');
    bg.stop();
  }
});

test('gc: the groups of a killed glassbox are removed, with the processes still in them', T, async () => {
  const { bg, id, pid } = await background(['run', sb.rootdir, '/probe', 'sleep', '0']);
  const stray = strayIn(id);
  try {
    bg.child.kill('SIGKILL');
    await bg.done;
    await waitFor('PID 1 to die with glassbox', () => processDead(pid));
    assert.ok(groupsOf(id).length > 0, 'the groups are still there, holding the stray process');
    const r = await sb.gb(['gc']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^removed cgroup glassbox/${id.slice(0, 12)}$`, 'm'));
    assert.equal(await killedBySignal(stray), 'SIGKILL');
    assert.deepEqual(groupsOf(id), []);
    assert.equal((await sb.gb(['gc'])).stdout, 'nothing to clean up\n');
  } finally {
    stray.kill('SIGKILL');
    bg.stop();
  }
});

// ---- bad input ----------------------------------------------------------------------------------------------

// The container groups that exist now, in every tree (other people's containers on this machine included).
const allGroups = () => ['memory', 'pids', 'cpu'].flatMap((t) => {
  try {
    return readdirSync(`${CG}/${t}/glassbox`).filter((e) => /^[0-9a-f]{64}$/.test(e)).map((e) => `${t}/${e}`);
  } catch {
    return [];
  }
});

test('bad limits: clear errors, exit 125, nothing created', T, async () => {
  const before = sb.containerIds();
  const groupsBefore = allGroups();
  const cases: Array<[string[], RegExp]> = [
    [['--memory', '64q'], /^glassbox: --memory: invalid size "64q"/m],
    [['--memory', '0'], /^glassbox: --memory: must be greater than 0/m],
    [['--memory', '4m'], /^glassbox: --memory: must be at least 6 MiB, got 4 MiB/m],
    [['--pids-limit', '-1'], /^glassbox: --pids-limit: must be greater than 0, got -1/m],
    [['--cpus', '999'], /^glassbox: --cpus: must be at most \d+ \(this host has \d+ CPUs?\), got 999$/m],
    [['--cpuset-cpus', '999'], /^glassbox: --cpuset-cpus: CPU 999 is not online on this host \(online CPUs: [0-9,-]+\)$/m],
  ];
  for (const [flags, want] of cases) {
    const r = await sb.gb(['run', ...flags, sb.rootdir, '/bin/true']);
    assert.equal(r.code, 125, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, want);
  }
  const recipe = join(sb.dir, 'tiny.yaml');
  writeFileSync(recipe, `image: glassbox/base\ncommand: [/bin/true]\nresources:\n  memory: 1m\n`);
  const r = await sb.gb(['run', recipe], { cwd: REPO });
  assert.equal(r.code, 125);
  assert.equal(r.stderr.trim(), `glassbox: ${recipe}:4:11: resources.memory: must be at least 6 MiB, got 1 MiB (like docker, glassbox refuses limits too small for a process to start)`);
  assert.deepEqual(sb.containerIds(), before);
  // No group was made for any of them. Another glassbox on this machine may start containers meanwhile, so a new
  // group counts as ours only when no process is in it (a live container elsewhere always has its PID 1 there).
  const empty = (g: string) => readFileSync(`${CG}/${g.split('/')[0]}/glassbox/${g.split('/')[1]}/cgroup.procs`, 'utf8').trim() === '';
  assert.deepEqual(allGroups().filter((g) => !groupsBefore.includes(g) && empty(g)), []);
});

test('no leaks: no cgroups, mounts, links or processes left by this file', T, async () => {
  sb.assertNoLeaks();
});
