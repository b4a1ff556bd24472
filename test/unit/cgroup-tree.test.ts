// cgroup writers against a temporary directory standing in for /sys/fs/cgroup (the youki way): the plan's
// cgroup steps for both versions are executed for real — mkdir and file writes, exactly as the executor does
// them — and the files are read back. v2 is covered here because this host (a v1 hybrid) cannot run its
// controllers. A fake kernel tree has no automatic control files, so only what the steps write is checked.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../lib/blocks/catalog.ts';
import { cgroupSteps, compileCgroup } from '../../lib/cgroup/compile.ts';
import { cgroupLayout, type CgroupLayout } from '../../lib/cgroup/layout.ts';
import { readEvents, readUsage, statsRow, formatStatsTable } from '../../lib/cgroup/stats.ts';
import { formatBytes } from '../../lib/cgroup/units.ts';
import { performStep } from '../../lib/exec/step.ts';
import { parseCgroupMounts } from '../../lib/host/facts.ts';
import { runtimeRef, type Step } from '../../lib/plan/types.ts';
import { writeTree } from './fixtures.ts';

const catalog = await loadCatalog();
const ID = 'c0ffee'.padEnd(64, '0');
const PID1 = '4242';
const tmp = mkdtempSync(join(tmpdir(), 'glassbox-cgroup-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const HEAD = '28 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n';
// This machine: v1 trees (cpu and cpuacct apart) and an empty cgroup2 at unified.
const HYBRID = `${HEAD}${['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids']
  .map((c, i) => `${32 + i} 31 0:${29 + i} / /sys/fs/cgroup/${c} rw,relatime - cgroup cgroup rw,${c}`)
  .join('\n')}
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
// A classic v1 host with cpu and cpuacct mounted as one tree.
const SHARED = `${HEAD}32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
33 31 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
34 31 0:31 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
`;
const V2 = `${HEAD}30 22 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate
`;

// Makes a fake tree: each file given (relative to the stand-in root) with its content.
const fakeTree = (name: string, files: Record<string, string>) => writeTree(tmp, name, files);

// Runs setup steps then boot steps, as the executor would (PID 1 known as 4242); fails on the first failure.
async function apply(steps: Step[]): Promise<void> {
  for (const s of steps) {
    const r = await performStep(s, { pid1: PID1 });
    assert.equal(r.exitCode, 0, `${s.id}: ${r.stderr}`);
  }
}

const read = (p: string) => readFileSync(p, 'utf8');

test('cgroup layout: a hybrid host uses v1; the stand-in root replaces /sys/fs/cgroup; memsw and cpuset root values are read', () => {
  const root = fakeTree('layout', { 'memory/memory.memsw.limit_in_bytes': '9223372036854771712\n', 'cpuset/cpuset.cpus': '0-3\n', 'cpuset/cpuset.mems': '0\n' });
  const layout = cgroupLayout(parseCgroupMounts(HYBRID), root)!;
  assert.equal(layout.version, 'v1');
  assert.equal(layout.hierarchies.memory, `${root}/memory`);
  assert.equal(layout.hierarchies['name=systemd'], undefined, 'named trees hold no controller');
  assert.equal(layout.swapAccounting, true);
  assert.equal(layout.cpusetCpus, '0-3');
  assert.equal(layout.cpusetMems, '0');
  const bare = cgroupLayout(parseCgroupMounts(HYBRID), fakeTree('layout-bare', { 'memory/x': '' }))!;
  assert.equal(bare.swapAccounting, false, 'no memory.memsw.limit_in_bytes: no swap accounting');
});

test('cgroup layout: v2 reads the controllers of the stand-in root; no cgroups at all gives undefined', () => {
  const root = fakeTree('layout-v2', { 'cgroup.controllers': 'cpuset cpu io memory pids\n' });
  const layout = cgroupLayout(parseCgroupMounts(V2), root)!;
  assert.equal(layout.version, 'v2');
  assert.equal(layout.root, root);
  assert.deepEqual(layout.controllers, ['cpuset', 'cpu', 'io', 'memory', 'pids']);
  assert.equal(cgroupLayout(parseCgroupMounts(HEAD), root), undefined);
  // A cgroup2 mount with no controllers (hybrid without v1 trees) cannot limit anything.
  assert.equal(cgroupLayout(parseCgroupMounts(V2), fakeTree('layout-v2-empty', { 'cgroup.controllers': '\n' })), undefined);
});

test('cgroup v1: every limit lands in its file in its tree; PID 1 joins each tree; dirs are undone by rmdir, retried while busy', async () => {
  const root = fakeTree('v1', { 'memory/memory.memsw.limit_in_bytes': '0\n', 'cpuset/cpuset.cpus': '0-3\n', 'cpuset/cpuset.mems': '0\n' });
  const layout = cgroupLayout(parseCgroupMounts(HYBRID), root)!;
  const compiled = compileCgroup(layout, { memory: 64 * 1024 ** 2, cpus: 0.5, cpuShares: 512, cpusetCpus: '1-2', pids: 64 }, ID, runtimeRef('pid1'));
  const { setup, boot, teardown } = cgroupSteps(catalog, compiled);
  await apply([...setup, ...boot]);
  const g = (tree: string, file: string) => read(`${root}/${tree}/glassbox/${ID}/${file}`);
  assert.equal(g('memory', 'memory.limit_in_bytes'), '67108864\n');
  assert.equal(g('memory', 'memory.memsw.limit_in_bytes'), '134217728\n', 'swap defaults to as much as memory: memsw = 2 × memory');
  assert.equal(g('cpu', 'cpu.cfs_period_us'), '100000\n');
  assert.equal(g('cpu', 'cpu.cfs_quota_us'), '50000\n');
  assert.equal(g('cpu', 'cpu.shares'), '512\n');
  assert.equal(read(`${root}/cpuset/glassbox/cpuset.cpus`), '0-3\n', "glassbox's own cpuset group gets the root's CPUs");
  assert.equal(read(`${root}/cpuset/glassbox/cpuset.mems`), '0\n');
  assert.equal(g('cpuset', 'cpuset.cpus'), '1-2\n');
  assert.equal(g('cpuset', 'cpuset.mems'), '0\n');
  assert.equal(g('pids', 'pids.max'), '64\n');
  for (const tree of ['memory', 'cpu', 'cpuset', 'pids', 'freezer', 'cpuacct']) assert.equal(g(tree, 'cgroup.procs'), `${PID1}\n`, `PID 1 joins ${tree}`);
  assert.ok(!existsSync(`${root}/devices/glassbox`) && !existsSync(`${root}/blkio/glassbox`), 'trees glassbox does not need stay untouched');
  // Undo: one rmdir of the container's dir in every tree (retried while busy), then of glassbox/ (may fail: shared).
  const dirs = setup.filter((s) => s.undoRetry);
  assert.deepEqual(dirs.map((s) => s.undo), [['rmdir', ...['memory', 'cpu', 'cpuset', 'pids', 'freezer', 'cpuacct'].map((t) => `${root}/${t}/glassbox/${ID}`)]]);
  const parents = setup.filter((s) => s.undo && !s.undoRetry);
  assert.ok(parents.every((s) => s.undoMayFail && s.undo![1]!.endsWith('/glassbox')));
  // Teardown: freeze, kill each PID listed, thaw — only once every group exists.
  assert.deepEqual(teardown.map((s) => s.kind === 'write' ? `${s.write!.value} > ${s.write!.path}` : s.argv!.join(' ')), [
    `FROZEN > ${root}/freezer/glassbox/${ID}/freezer.state`,
    `xargs --no-run-if-empty --arg-file=${root}/freezer/glassbox/${ID}/cgroup.procs kill -s KILL`,
    `THAWED > ${root}/freezer/glassbox/${ID}/freezer.state`,
  ]);
  assert.deepEqual(teardown[0]!.needs, dirs.map((s) => s.id));
  assert.deepEqual(compiled.record.limits, { memory: 67108864, cpus: 0.5, cpuShares: 512, cpusetCpus: '1-2', pids: 64 });
});

test('cgroup v1: shared trees (cpu,cpuacct) are made and joined once; no memsw without swap accounting; default pids 2048', async () => {
  const root = fakeTree('v1-shared', { 'memory/x': '' });
  const layout = cgroupLayout(parseCgroupMounts(SHARED), root)!;
  const { setup, boot } = cgroupSteps(catalog, compileCgroup(layout, { memory: 32 * 1024 ** 2, cpus: 1 }, ID, runtimeRef('pid1')));
  await apply([...setup, ...boot]);
  const joins = boot.map((s) => s.write!.path);
  assert.deepEqual(joins, [`${root}/memory`, `${root}/cpu,cpuacct`, `${root}/pids`].map((t) => `${t}/glassbox/${ID}/cgroup.procs`));
  assert.equal(read(`${root}/cpu,cpuacct/glassbox/${ID}/cpu.cfs_quota_us`), '100000\n');
  assert.ok(!existsSync(`${root}/memory/glassbox/${ID}/memory.memsw.limit_in_bytes`));
  assert.equal(read(`${root}/pids/glassbox/${ID}/pids.max`), '2048\n');
  // No freezer tree here: the teardown lists and kills without freezing.
  const { teardown } = cgroupSteps(catalog, compileCgroup(layout, {}, ID, runtimeRef('pid1')));
  assert.deepEqual(teardown.map((s) => s.id), ['cgroup-kill.kill-0']);
});

test('cgroup v2: controllers enabled on the way down, one directory with memory.max, memory.swap.max, cpu.max, cpu.weight, cpuset.cpus, pids.max', async () => {
  const root = fakeTree('v2', { 'cgroup.controllers': 'cpuset cpu io memory pids\n' });
  const layout = cgroupLayout(parseCgroupMounts(V2), root)!;
  const compiled = compileCgroup(layout, { memory: 64 * 1024 ** 2, memorySwap: 96 * 1024 ** 2, cpus: 1.5, cpuShares: 1024, cpusetCpus: '0', pids: 100 }, ID, runtimeRef('pid1'));
  const { setup, boot, teardown } = cgroupSteps(catalog, compiled);
  await apply([...setup, ...boot]);
  const dir = `${root}/glassbox/${ID}`;
  assert.equal(read(`${root}/cgroup.subtree_control`), '+memory +cpu +cpuset +pids\n');
  assert.equal(read(`${root}/glassbox/cgroup.subtree_control`), '+memory +cpu +cpuset +pids\n');
  assert.equal(read(`${dir}/memory.max`), '67108864\n');
  assert.equal(read(`${dir}/memory.swap.max`), '33554432\n', 'v2 counts swap alone: 96m − 64m');
  assert.equal(read(`${dir}/cpu.max`), '150000 100000\n');
  assert.equal(read(`${dir}/cpu.weight`), '39\n', 'shares 1024 → weight 39, as runc converts');
  assert.equal(read(`${dir}/cpuset.cpus`), '0\n');
  assert.equal(read(`${dir}/pids.max`), '100\n');
  assert.equal(read(`${dir}/cgroup.procs`), `${PID1}\n`);
  assert.deepEqual(setup.filter((s) => s.undoRetry).map((s) => s.undo), [['rmdir', dir]]);
  assert.deepEqual(teardown.map((s) => [s.write?.path, s.write?.value]), [[`${dir}/cgroup.kill`, '1']]);
  assert.equal(compiled.record.dirs.unified, dir);
});

test('cgroup v2: unlimited swap is "max"; without limits only memory and pids are enabled (pids.max 2048)', async () => {
  const root = fakeTree('v2-min', { 'cgroup.controllers': 'cpu memory pids\n' });
  const layout = cgroupLayout(parseCgroupMounts(V2), root)!;
  const { setup } = cgroupSteps(catalog, compileCgroup(layout, { memory: 8 * 1024 ** 2, memorySwap: -1 }, ID, runtimeRef('pid1')));
  await apply(setup);
  assert.equal(read(`${root}/glassbox/${ID}/memory.swap.max`), 'max\n');
  const root2 = fakeTree('v2-none', { 'cgroup.controllers': 'cpu memory pids\n' });
  const { setup: s2 } = cgroupSteps(catalog, compileCgroup(cgroupLayout(parseCgroupMounts(V2), root2)!, undefined, ID, runtimeRef('pid1')));
  await apply(s2);
  assert.equal(read(`${root2}/cgroup.subtree_control`), '+memory +pids\n');
  assert.equal(read(`${root2}/glassbox/${ID}/pids.max`), '2048\n');
  assert.ok(!existsSync(`${root2}/glassbox/${ID}/memory.max`), 'no memory limit unless asked');
});

test('cgroup: a limit whose controller the host lacks is refused before anything happens', () => {
  const root = fakeTree('v2-nocpuset', { 'cgroup.controllers': 'memory pids\n' });
  assert.throws(() => compileCgroup(cgroupLayout(parseCgroupMounts(V2), root)!, { cpusetCpus: '0' }, ID, runtimeRef('pid1')), /have no cpuset controller/);
  const v1 = cgroupLayout(parseCgroupMounts(SHARED), fakeTree('v1-nocpuset', { 'memory/x': '' }))!;
  assert.throws(() => compileCgroup(v1, { cpusetCpus: '0' }, ID, runtimeRef('pid1')), /\(v1\) have no cpuset controller/);
});

test('cgroup stats: usage and events are read from v1 and v2 files the way docker stats reads them', () => {
  const v1 = fakeTree('stats-v1', {
    'memory/memory.usage_in_bytes': '10485760\n',
    'memory/memory.stat': 'cache 1\ntotal_inactive_file 2097152\n',
    'memory/memory.limit_in_bytes': '67108864\n',
    'memory/memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n',
    'cpuacct/cpuacct.usage': '1500000000\n',
    'pids/pids.current': '3\n',
    'pids/pids.max': '64\n',
    'pids/pids.events': 'max 17\n',
  });
  const cg1 = { version: 'v1' as const, dirs: { memory: `${v1}/memory`, cpuacct: `${v1}/cpuacct`, pids: `${v1}/pids` }, limits: { pids: 64 } };
  assert.deepEqual(readUsage(cg1), { memory: 8388608, memoryLimit: 67108864, cpuNs: 1_500_000_000, pids: 3, pidsLimit: 64 });
  assert.deepEqual(readEvents(cg1), { oomKills: 2, pidsMax: 17 });
  const v2 = fakeTree('stats-v2', {
    'memory.current': '4194304\n',
    'memory.stat': 'anon 1\ninactive_file 1048576\n',
    'memory.max': 'max\n',
    'memory.events': 'low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n',
    'cpu.stat': 'usage_usec 250000\nuser_usec 1\n',
    'pids.current': '1\n',
    'pids.max': 'max\n',
  });
  const cg2 = { version: 'v2' as const, dirs: { unified: v2 }, limits: {} };
  assert.deepEqual(readUsage(cg2), { memory: 3145728, memoryLimit: undefined, cpuNs: 250_000_000, pids: 1, pidsLimit: undefined });
  assert.deepEqual(readEvents(cg2), { oomKills: 1, pidsMax: 0 });
  // Half a CPU second over one wall second is 50 %; no limit shows the host's memory.
  const row = statsRow(ID, 'box', { memory: 0, cpuNs: 0, pids: 1 }, { memory: 1048576, cpuNs: 500_000_000, pids: 2, pidsLimit: 64 }, 1e9, 4 * 1024 ** 3);
  assert.equal(row.cpuPercent, 50);
  assert.equal(row.memoryLimit, 4 * 1024 ** 3);
  assert.equal(
    formatStatsTable([row], (n) => formatBytes(n, '')),
    'CONTAINER ID   NAME   CPU %    MEM USAGE / LIMIT   MEM %   PIDS\n' + 'c0ffee000000   box    50.00%   1MiB / 4GiB         0.02%   2 / 64\n',
  );
});

test('host facts: the online CPUs come from <sys>/devices/system/cpu/online', async () => {
  const { readHostFacts } = await import('../../lib/host/facts.ts');
  const sysRoot = fakeTree('sys', { 'devices/system/cpu/online': '0-1,4\n' });
  const facts = await readHostFacts({ procRoot: fakeTree('proc', { 'self/mountinfo': HYBRID }), sysRoot });
  assert.deepEqual(facts.onlineCpus, [0, 1, 4]);
  const none = await readHostFacts({ procRoot: join(tmp, 'proc'), sysRoot: join(tmp, 'nothing') });
  assert.deepEqual(none.onlineCpus, Array.from({ length: none.cpus }, (_, i) => i), 'without the file: CPUs 0 … n-1');
});
