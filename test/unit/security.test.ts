// Security without root: capability sets computed as docker does, the seccomp filter checked against the
// kernel's own x86_64 system call numbers (the libc headers) and run on sample calls, the flags and the recipe
// section, and what the planner makes of them (setpriv options, masks, device rules, --privileged).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { loadCatalog } from '../../lib/blocks/catalog.ts';
import type { CgroupLayout } from '../../lib/cgroup/layout.ts';
import { specFromFlags } from '../../lib/recipe/flags.ts';
import { planContainer, type PlanContext, type PreparedContainer } from '../../lib/plan/planner.ts';
import { parseRecipe } from '../../lib/recipe/load.ts';
import { ALL_CAPS, boundingSetArg, capMask, containerCaps, DEFAULT_CAPS, type CapChoice } from '../../lib/security/caps.ts';
import { resolveSecurity, type SecuritySpec } from '../../lib/security/model.ts';
import { kernelPaths } from '../../lib/security/paths.ts';
import {
  AUDIT_ARCH_X86_64, BLOCKED, compileDefaultFilter, renderFilter, runFilter, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, X86_64,
} from '../../lib/security/seccomp.ts';
import { containerPaths } from '../../lib/state/paths.ts';

const EPERM = SECCOMP_RET_ERRNO | 1;
const ENOSYS = SECCOMP_RET_ERRNO | 38;

test('caps: docker defaults are the 14 of moby, mask 00000000a80425fb as docker shows in CapBnd', () => {
  assert.equal(DEFAULT_CAPS.length, 14);
  assert.equal(capMask(DEFAULT_CAPS), '00000000a80425fb');
  assert.equal(ALL_CAPS.length, 41);
  assert.equal(ALL_CAPS.indexOf('CHECKPOINT_RESTORE'), 40);
});

test('caps: add, drop, ALL and the v2 rule for MKNOD', () => {
  const base: CapChoice = { privileged: false, add: [], drop: [], dropMknod: false };
  assert.deepEqual(containerCaps({ ...base }).length, 14);
  assert.ok(!containerCaps({ ...base, dropMknod: true }).includes('MKNOD'));
  assert.ok(containerCaps({ ...base, dropMknod: true, add: ['MKNOD'] }).includes('MKNOD'), 'asked for by name, it stays');
  assert.deepEqual(containerCaps({ ...base, drop: ['ALL'], add: ['NET_BIND_SERVICE'] }), ['NET_BIND_SERVICE']);
  assert.equal(containerCaps({ ...base, add: ['ALL'], drop: ['SYS_ADMIN'] }).length, 40);
  const c = containerCaps({ ...base, add: ['NET_ADMIN'], drop: ['CHOWN'] });
  assert.ok(c.includes('NET_ADMIN') && !c.includes('CHOWN') && c.length === 14);
  assert.equal(containerCaps({ ...base, privileged: true, drop: ['ALL'] }).length, 41);
  assert.equal(boundingSetArg(['CHOWN', 'NET_RAW']), '-all,+chown,+net_raw');
  assert.equal(boundingSetArg([...ALL_CAPS]), '+all');
});

test('security: names are checked (CAP_ prefix and case ignored), defaults follow --privileged', () => {
  const r = resolveSecurity({ capAdd: ['cap_net_admin', 'Sys_Time', 'nope'] });
  assert.deepEqual(r.choice.capAdd, ['NET_ADMIN', 'SYS_TIME']);
  assert.deepEqual(r.problems.map((p) => p.path), [['security', 'cap_add', 2]]);
  assert.equal(resolveSecurity(undefined).choice.noNewPrivileges, true);
  assert.equal(resolveSecurity(undefined).choice.seccomp, 'default');
  const p = resolveSecurity({ privileged: true }).choice;
  assert.equal(p.noNewPrivileges, false);
  assert.equal(p.seccomp, 'unconfined');
});

// Reads the kernel's numbers from the libc headers (libc6-dev, installed by scripts/setup.sh).
const HEADER = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';
test('seccomp: every x86_64 number the filter uses is the kernel\'s (asm/unistd_64.h)', () => {
  assert.ok(existsSync(HEADER), `${HEADER} is missing: apt-get install libc6-dev`);
  const text = readFileSync(HEADER, 'utf8');
  for (const [name, nr] of Object.entries(X86_64)) {
    const m = new RegExp(`#define __NR_${name} (\\d+)`).exec(text);
    assert.ok(m, `no __NR_${name} in the header`);
    assert.equal(Number(m[1]), nr, name);
  }
});

test('seccomp: the filter blocks what it names, allows the rest, refuses other ABIs', () => {
  const prog = compileDefaultFilter();
  const call = (nr: number, args: number[] = [], arch = AUDIT_ARCH_X86_64) => runFilter(prog, { nr, arch, args });
  for (const g of BLOCKED) for (const c of g.calls) assert.equal(call(X86_64[c]!), EPERM, c);
  for (const nr of [0, 1, 2, 57, 59, 60, 101 /* ptrace, as docker on kernels ≥ 4.8 */, 161 /* chroot */, 231]) assert.equal(call(nr), SECCOMP_RET_ALLOW, String(nr));
  // clone: a plain fork (SIGCHLD) and a thread are fine, any CLONE_NEW* flag is not.
  assert.equal(call(56, [17]), SECCOMP_RET_ALLOW);
  assert.equal(call(56, [0x3d0f00]), SECCOMP_RET_ALLOW);
  for (const flag of [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000]) assert.equal(call(56, [flag | 17]), EPERM, flag.toString(16));
  assert.equal(call(435), ENOSYS, 'clone3');
  assert.equal(call(0x40000000 + 165), ENOSYS, 'x32 mount');
  assert.equal(call(21 /* i386 mount */, [], 0x40000003), SECCOMP_RET_KILL_PROCESS, 'i386');
  // The text form: one "code jt jf k" line per instruction after the header, 8-bit jumps.
  const lines = renderFilter(prog).split('\n');
  assert.equal(lines.length, prog.length + 1);
  for (const l of lines.slice(1)) assert.match(l, /^\d+ \d{1,3} \d{1,3} \d+ # \S/);
});

test('paths: only what this kernel has is masked; files and directories told apart', () => {
  const have: Record<string, boolean> = { '/proc/keys': false, '/proc/acpi': true, '/proc/sys': true };
  const k = kernelPaths((p) => (p in have ? { isDirectory: () => have[p]! } : undefined));
  assert.deepEqual(k.masked, [{ path: '/proc/acpi', dir: true }, { path: '/proc/keys', dir: false }]);
  assert.deepEqual(k.readOnly, ['/proc/sys']);
});

test('flags: --cap-add, --cap-drop, --privileged, --security-opt', () => {
  const spec = specFromFlags(undefined, 'glassbox/base', ['true'], { capAdd: ['NET_ADMIN'], capDrop: ['ALL'], securityOpt: ['no-new-privileges=false', 'seccomp=unconfined'] });
  assert.deepEqual(spec.security, { capAdd: ['NET_ADMIN'], capDrop: ['ALL'], noNewPrivileges: false, seccomp: 'unconfined' } satisfies SecuritySpec);
  assert.equal(specFromFlags(undefined, 'glassbox/base', ['true'], { privileged: true }).security?.privileged, true);
  assert.throws(() => specFromFlags(undefined, 'glassbox/base', ['true'], { securityOpt: ['seccomp=/tmp/profile.json'] }), /--security-opt.*seccomp/);
  assert.throws(() => specFromFlags(undefined, 'glassbox/base', ['true'], { capAdd: ['NET_ADMN'] }), /--cap-add: unknown capability "NET_ADMN"/);
});

test('recipe: security section, with positions for bad names', () => {
  const spec = parseRecipe('image: glassbox/base\nsecurity:\n  cap_drop: [NET_RAW]\n  no_new_privileges: false\n', 'r.yaml');
  assert.deepEqual(spec.security?.capDrop, ['NET_RAW']);
  assert.equal(spec.security?.noNewPrivileges, false);
  assert.throws(() => parseRecipe('image: glassbox/base\nsecurity:\n  cap_add:\n    - CHOWN\n    - WIZARD\n', 'r.yaml'), /r\.yaml:5:7: security\.cap_add\.1: unknown capability "WIZARD"/);
  assert.throws(() => parseRecipe('image: glassbox/base\nsecurity:\n  seccomp: off\n', 'r.yaml'), /r\.yaml:3:/);
});

// --- the planner --------------------------------------------------------------------------------------------

const ID = 'abcdef0123456789'.repeat(4);
const catalog = await loadCatalog();
const V1: CgroupLayout = { version: 'v1', hierarchies: Object.fromEntries(['memory', 'pids', 'freezer', 'cpuacct', 'devices'].map((c) => [c, `/sys/fs/cgroup/${c}`])), controllers: [], swapAccounting: false };
const V2: CgroupLayout = { version: 'v2', hierarchies: {}, root: '/sys/fs/cgroup', controllers: ['memory', 'pids'], swapAccounting: true };
const CTX: PlanContext = { runRoot: '/run/glassbox', runRootReady: true, barrierReady: true, hostDevLinks: true, flock: '/usr/bin/flock', seccompLoader: '/opt/gb/glassbox-seccomp-load', cgroup: V1 };
function box(security: SecuritySpec | undefined, over: Partial<PreparedContainer> = {}): PreparedContainer {
  return {
    id: ID, name: 's', imageRef: 'glassbox/base:latest', lowerDirs: ['/l'], overlay: true, root: 'pivot_root', readOnly: false,
    namespaces: ['mount', 'uts', 'ipc', 'pid', 'net'], command: ['/bin/true'], env: { PATH: '/bin' }, workdir: '/', makeWorkdir: false, makeProc: false,
    user: { uid: 0, gid: 0, groups: [] }, volumes: [], paths: containerPaths({ root: '/var/lib/glassbox', run: '/run/glassbox' }, ID),
    security: resolveSecurity(security).choice, ...over,
  };
}
const startOf = (plan: ReturnType<typeof planContainer>) => plan.steps.find((s) => s.kind === 'start')!.argv!;

test('planner: the default chain loads the filter, then setpriv keeps 14 capabilities with no_new_privs', () => {
  const plan = planContainer(catalog, box(undefined), CTX);
  const argv = startOf(plan);
  const bin = `${plan.info.paths.run}/bin`;
  const loader = argv.indexOf(`${bin}/glassbox-seccomp-load`);
  assert.ok(loader > argv.indexOf(`${bin}/unshare`) && loader < argv.lastIndexOf(`${bin}/setpriv`), 'the loader runs after unshare, before the capabilities go');
  // The host's loader is reached through the container's read-only mount of it.
  assert.ok(plan.steps.find((s) => s.id === 'helpers.fstab')!.write!.value.includes(`/opt/gb/glassbox-seccomp-load ${bin}/glassbox-seccomp-load none bind,ro,nosuid,nodev 0 0`));
  assert.equal(argv[loader + 1], `${plan.info.paths.run}/seccomp.filter`);
  assert.ok(argv.includes(`--bounding-set=${boundingSetArg(DEFAULT_CAPS)}`), argv.join(' '));
  for (const a of ['--inh-caps=-all', '--ambient-caps=-all', '--no-new-privs']) assert.ok(argv.includes(a), a);
  assert.equal(plan.info.security?.capMask, '00000000a80425fb');
  const filter = plan.steps.find((s) => s.id === 'seccomp.filter')!;
  assert.equal(filter.write!.value, renderFilter(compileDefaultFilter()));
  // The masks: one fstab written at setup, mounted at boot before pivot_root.
  const ids = plan.steps.map((s) => s.id);
  assert.ok(ids.indexOf('masks.mount') >= 0 && ids.indexOf('masks.mount') < ids.indexOf('start.pivot'), ids.join(' '));
  assert.equal(plan.steps.find((s) => s.id === 'masks.mount')!.phase, 'boot');
  // The device cgroup: deny all, then runc's list.
  assert.equal(plan.steps.find((s) => s.id === 'cgroup.devices-deny')!.write!.value, 'a');
  assert.deepEqual(plan.steps.filter((s) => s.id.startsWith('cgroup.devices-allow-')).map((s) => s.write!.value).slice(0, 3), ['c *:* m', 'b *:* m', 'c 1:3 rwm']);
  assert.ok(plan.info.cgroup?.dirs.devices, JSON.stringify(plan.info.cgroup));
});

test('planner: learn mode mounts each mask on its own; cgroup v2 drops MKNOD and says so', () => {
  const plan = planContainer(catalog, box(undefined), { ...CTX, batchMounts: false, kernelPaths: { masked: [{ path: '/proc/keys', dir: false }], readOnly: ['/proc/sys'] } });
  const ones = plan.steps.filter((s) => s.id.startsWith('masks.one-'));
  assert.deepEqual(ones.map((s) => s.argv!.slice(-2)), [['/dev/null', `${plan.info.paths.rootfs}/proc/keys`], [`${plan.info.paths.rootfs}/proc/sys`, `${plan.info.paths.rootfs}/proc/sys`]]);
  assert.ok(!plan.steps.some((s) => s.id === 'masks.fstab'));
  const v2 = planContainer(catalog, box(undefined), { ...CTX, cgroup: V2 });
  assert.ok(!v2.info.security!.capabilities.includes('MKNOD'));
  assert.match(v2.info.security!.devices, /CAP_MKNOD dropped/);
  assert.ok(!v2.steps.some((s) => s.id.startsWith('cgroup.devices')));
});

test('planner: --privileged and unconfined leave the protections out; without the loader only unconfined plans', () => {
  const p = planContainer(catalog, box({ privileged: true }), CTX);
  const argv = startOf(p);
  assert.ok(!argv.some((a) => a.startsWith('--bounding-set') || a === '--no-new-privs' || a.includes('seccomp.filter')));
  // The loader still waits at the start barrier, with no filter.
  assert.deepEqual(argv.slice(argv.indexOf(`${p.info.paths.run}/bin/glassbox-seccomp-load`) + 1).slice(0, 2), [`--barrier=${p.info.paths.rootfs}/dev/.glassbox-start`, '-']);
  assert.ok(!p.steps.some((s) => s.block === 'masks' || s.block === 'seccomp' || s.id.startsWith('cgroup.devices')));
  assert.ok(p.steps.find((s) => s.id === 'ns.fstab')!.write!.value.includes('sysfs rw,nosuid,nodev,noexec'));
  // As docker's --privileged: the host's device nodes are copied into the container's /dev.
  assert.ok(p.steps.find((s) => s.id === 'dev.host-nodes')!.argv!.includes('--parents'));
  assert.ok(!planContainer(catalog, box(undefined), CTX).steps.some((s) => s.id === 'dev.host-nodes'));
  const u = planContainer(catalog, box({ seccomp: 'unconfined', noNewPrivileges: false }), { ...CTX, seccompLoader: undefined });
  assert.ok(!startOf(u).includes('--no-new-privs'));
  assert.ok(u.steps.some((s) => s.block === 'masks'));
  assert.throws(() => planContainer(catalog, box(undefined), { ...CTX, seccompLoader: undefined }), /seccomp loader/);
});
