// cgroup v2 device rules: with glassbox-device-filter built, the cgroup-v2 block attaches runc's allow-list to the
// container's group as an eBPF program (one `devices` step: the filter, the group, one argument per rule), before
// PID 1 joins; the container then keeps CAP_MKNOD as on v1 (and as docker). Without the program, or privileged, no
// step and MKNOD dropped. The kernel's verdicts are checked in test/v2 (a real v2 guest).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCatalog } from '../../lib/blocks/catalog.ts';
import type { CgroupLayout } from '../../lib/cgroup/layout.ts';
import { planContainer, type PlanContext, type PreparedContainer } from '../../lib/plan/planner.ts';
import { resolveSecurity, type SecuritySpec } from '../../lib/security/model.ts';
import { DEVICE_RULES } from '../../lib/security/paths.ts';
import { containerPaths } from '../../lib/state/paths.ts';

const ID = '0123456789abcdef'.repeat(4);
const catalog = await loadCatalog();
const V2: CgroupLayout = { version: 'v2', hierarchies: {}, root: '/sys/fs/cgroup', controllers: ['memory', 'pids'], swapAccounting: true };
const FILTER = '/opt/gb/glassbox-device-filter';
const CTX: PlanContext = { runRoot: '/run/glassbox', runRootReady: true, barrierReady: true, hostDevLinks: true, flock: '/usr/bin/flock', seccompLoader: '/opt/gb/glassbox-seccomp-load', cgroup: V2, deviceFilter: FILTER };
function box(security?: SecuritySpec): PreparedContainer {
  return {
    id: ID, name: 'd', imageRef: 'glassbox/base:latest', lowerDirs: ['/l'], overlay: true, root: 'pivot_root', readOnly: false,
    namespaces: ['mount', 'uts', 'ipc', 'pid', 'net'], command: ['/bin/true'], env: { PATH: '/bin' }, workdir: '/', makeWorkdir: false, makeProc: false,
    user: { uid: 0, gid: 0, groups: [] }, volumes: [], paths: containerPaths({ root: '/var/lib/glassbox', run: '/run/glassbox' }, ID),
    security: resolveSecurity(security).choice,
  };
}

test('v2 with the device filter: one step attaches runc\'s allow-list to the group before PID 1 joins; MKNOD is kept', () => {
  const plan = planContainer(catalog, box(), CTX);
  const ids = plan.steps.map((s) => s.id);
  const step = plan.steps.find((s) => s.id === 'cgroup.devices');
  assert.ok(step, ids.join(' '));
  assert.deepEqual(step.argv, [FILTER, `/sys/fs/cgroup/glassbox/${ID}`, ...DEVICE_RULES]);
  assert.equal(step.phase, 'setup');
  assert.ok(ids.indexOf('cgroup.dir') < ids.indexOf('cgroup.devices') && ids.indexOf('cgroup.devices') < ids.indexOf('cgroup.join'));
  assert.equal(step.undo, undefined, 'the kernel drops the program with the group');
  assert.ok(plan.info.security!.capabilities.includes('MKNOD'));
  assert.match(plan.info.security!.devices, /^cgroup v2 eBPF device program/);
});

test('v2 without the filter, or --privileged: no device step; MKNOD dropped without it', () => {
  const none = planContainer(catalog, box(), { ...CTX, deviceFilter: undefined });
  assert.ok(!none.steps.some((s) => s.id === 'cgroup.devices'));
  assert.ok(!none.info.security!.capabilities.includes('MKNOD'));
  assert.match(none.info.security!.devices, /CAP_MKNOD dropped/);
  const priv = planContainer(catalog, box({ privileged: true }), CTX);
  assert.ok(!priv.steps.some((s) => s.id === 'cgroup.devices'));
});
