// cgroup v2's no-internal-process rule and delegation facts, against temporary trees standing in for
// /sys/fs/cgroup: the kernel's root (no cgroup.type) may hold processes and still pass controllers down; a cgroup
// namespace's root with processes and no controllers enabled may not, and glassbox refuses before making
// anything; doctor says which case the host is in. The real kernel's answer (EBUSY) is checked in test/v2.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCgroup } from '../../lib/cgroup/compile.ts';
import { internalProcessProblem, readDelegation } from '../../lib/cgroup/delegation.ts';
import { cgroupLayout } from '../../lib/cgroup/layout.ts';
import { parseCgroupMounts } from '../../lib/host/facts.ts';
import { v2DelegationCheck } from '../../lib/host/doctor.ts';
import { runtimeRef } from '../../lib/plan/types.ts';
import { rootlessChecks } from '../../lib/rootless/doctor.ts';
import { writeTree } from './fixtures.ts';

const tmp = mkdtempSync(join(tmpdir(), 'glassbox-delegation-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const ID = 'ab'.repeat(32);
const V2 = '28 1 8:1 / / rw - ext4 /dev/sda1 rw\n30 22 0:26 / /sys/fs/cgroup rw,nosuid,relatime - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n';

const tree = (name: string, files: Record<string, string>) => writeTree(tmp, name, files);

test('facts: the cgroup2 mount options are kept (nsdelegate, memory_recursiveprot)', () => {
  assert.deepEqual(parseCgroupMounts(V2).v2Options, ['rw', 'nosuid', 'relatime', 'nsdelegate', 'memory_recursiveprot']);
});

test('the kernel\'s root group (no cgroup.type) with processes may pass controllers down: no problem, doctor ok', () => {
  const root = tree('host', { 'cgroup.controllers': 'cpu memory pids\n', 'cgroup.procs': '1\n77\n', 'cgroup.subtree_control': '\n', 'user.slice/s.scope/cgroup.procs': '500\n' });
  const d = readDelegation(root, ['rw', 'nsdelegate'], 'glassbox', '0::/user.slice/s.scope\n');
  assert.deepEqual([d.trueRoot, d.rootProcs, d.subtreeControl, d.nsdelegate, d.self, d.selfChildren], [true, [1, 77], [], true, '/user.slice/s.scope', 0]);
  assert.equal(internalProcessProblem(d, ['memory', 'pids']), undefined);
  const check = v2DelegationCheck(d, ['cpu', 'memory', 'pids']);
  assert.equal(check.status, 'ok');
  assert.match(check.detail, /the root passes down no controller yet .*glassbox enables memory pids cpu\b/);
  assert.match(check.detail, /nsdelegate on; this process: \/user.slice\/s.scope \(a leaf\)/);
});

test('a cgroup namespace\'s root holding processes: enabling is refused before anything is made, with the fix; doctor fails', () => {
  const files = { 'cgroup.controllers': 'cpu memory pids\n', 'cgroup.type': 'domain\n', 'cgroup.procs': '1\n12\n', 'cgroup.subtree_control': '\n' };
  const root = tree('nested', files);
  const layout = cgroupLayout(parseCgroupMounts(V2), root)!;
  assert.equal(layout.delegation?.trueRoot, false);
  assert.throws(
    () => compileCgroup(layout, { memory: 64 << 20 }, ID, runtimeRef('pid1')),
    (e: Error) => /no-internal-process rule forbids enabling memory pids/.test(e.message) && /holds 2 process/.test(e.message),
  );
  const check = v2DelegationCheck(layout.delegation!, layout.controllers);
  assert.equal(check.status, 'fail');
  assert.equal(check.fix, `mkdir ${root}/init && for p in $(cat ${root}/cgroup.procs); do echo $p > ${root}/init/cgroup.procs; done`);
  // Once the controllers are enabled there (or the processes moved), the same layout compiles.
  const enabled = cgroupLayout(parseCgroupMounts(V2), tree('nested-enabled', { ...files, 'cgroup.subtree_control': 'cpu memory pids\n' }))!;
  assert.doesNotThrow(() => compileCgroup(enabled, { memory: 64 << 20 }, ID, runtimeRef('pid1')));
  const moved = cgroupLayout(parseCgroupMounts(V2), tree('nested-moved', { ...files, 'cgroup.procs': '', 'init/cgroup.procs': '1\n12\n' }))!;
  assert.doesNotThrow(() => compileCgroup(moved, { memory: 64 << 20 }, ID, runtimeRef('pid1')));
});

test('glassbox\'s own group holding a process is refused too (it must stay empty to pass controllers on)', () => {
  const root = tree('parent-busy', { 'cgroup.controllers': 'memory pids\n', 'cgroup.procs': '1\n', 'glassbox/cgroup.procs': '4242\n', 'glassbox/cgroup.subtree_control': 'memory pids\n' });
  const layout = cgroupLayout(parseCgroupMounts(V2), root)!;
  assert.throws(() => compileCgroup(layout, undefined, ID, runtimeRef('pid1')), /glassbox's own group .*glassbox holds processes \(4242\)/);
  assert.match(v2DelegationCheck(layout.delegation!, layout.controllers).detail, /glassbox passes memory pids and holds 1 process/);
});

test('doctor\'s rootless cgroups line names the generation: v1 cannot delegate safely; v2 could, glassbox does not use it yet', () => {
  const line = (mode: string) => rootlessChecks(mode).find((c) => c.name === 'rootless cgroups')!.detail;
  assert.match(line('hybrid'), /cgroup v1 cannot delegate safely/);
  assert.match(line('v2'), /^no cgroups: cgroup v2 can delegate a subtree to a user .*Delegate=yes.*does not use one yet/);
});
