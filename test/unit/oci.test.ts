// The OCI runtime config of a bundle (lib/oci): a golden config.json for a container with limits, a user with
// groups, a bind volume and a tmpfs, --init, --ulimit and a --device, validated against the runtime-spec's JSON
// Schema; the seccomp translation checked against glassbox's own BPF filter call by call (run by
// lib/security/seccomp.ts's interpreter, as the kernel would); the refusals; the 64-bit rlimit; -o at the end.
// Regenerate the golden with: UPDATE_GOLDEN=1 node --import tsx --test test/unit/oci.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../lib/blocks/catalog.ts';
import type { CgroupLayout } from '../../lib/cgroup/layout.ts';
import { trailingOutput } from '../../lib/cli/bundle.ts';
import { GlassboxError } from '../../lib/errors.ts';
import { deviceRule, ociConfig, renderOciConfig } from '../../lib/oci/config.ts';
import { ociSeccomp, type OciSyscall } from '../../lib/oci/seccomp.ts';
import { planContainer, type PlanContext, type PreparedContainer } from '../../lib/plan/planner.ts';
import { AUDIT_ARCH_X86_64, CLONE_NAMESPACE_FLAGS, compileDefaultFilter, runFilter, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, X86_64 } from '../../lib/security/seccomp.ts';
import { helloContainer } from './fixtures.ts';

const ROOTS = { root: '/var/lib/glassbox', run: '/run/glassbox' };
const catalog = await loadCatalog();
const GOLDEN = join(import.meta.dirname, 'golden', 'oci-config.json');
const SCHEMA = '/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema';
const VALIDATE = join(import.meta.dirname, '..', 'oci', 'validate.py');

const V1: CgroupLayout = {
  version: 'v1',
  hierarchies: Object.fromEntries(['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids'].map((c) => [c, `/sys/fs/cgroup/${c}`])),
  controllers: [],
  swapAccounting: true,
  cpusetCpus: '0-3',
  cpusetMems: '0',
};
const CTX: PlanContext = { runRoot: '/run/glassbox', runRootReady: true, barrierReady: true, hostDevLinks: true, flock: '/usr/bin/flock', seccompLoader: '/usr/lib/glassbox/glassbox-seccomp-load', cgroup: V1 };
const MiB = 1024 * 1024;

// The container of the golden: what a recipe with most of glassbox's fields would prepare.
function boxed(over: Partial<PreparedContainer> = {}): PreparedContainer {
  return helloContainer(ROOTS, {
    namespaces: ['mount', 'uts', 'ipc', 'pid', 'net', 'cgroup'],
    user: { uid: 1000, gid: 1000, groups: [2000, 3000] },
    env: { PATH: '/usr/bin:/bin', HOSTNAME: 'glassbox', GREETING: 'hello' },
    workdir: '/srv',
    readOnly: true,
    volumes: [
      { type: 'bind', source: '/srv/data', target: '/data', readOnly: true },
      { type: 'tmpfs', target: '/scratch', size: '16m' },
    ],
    resources: { memory: 64 * MiB, cpus: 1.5, cpuShares: 512, cpusetCpus: '0-1', pids: 77 },
    init: '/usr/bin/tini-static',
    ulimits: ['--nofile=1024:2048'],
    devices: [{ host: '/dev/fuse', path: '/dev/fuse', type: 'c', major: 10, minor: 229, mode: '0666', permissions: 'rwm' }],
    sysctls: [{ key: 'net.ipv4.ip_unprivileged_port_start', value: '0', ns: 'net' }],
    ...over,
  });
}

const configOf = (c: PreparedContainer, ctx = CTX, ulimits = [{ name: 'nofile' as const, soft: 1024, hard: 2048 }, { name: 'core' as const, soft: -1, hard: -1 }]) => ociConfig(catalog, c, planContainer(catalog, c, ctx), ctx, { ulimits });

test('golden config.json, and it validates against the runtime-spec schema', () => {
  const text = renderOciConfig(configOf(boxed()));
  if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, text);
  assert.equal(text, readFileSync(GOLDEN, 'utf8'));
  const v = spawnSync('python3', [VALIDATE, SCHEMA, GOLDEN], { encoding: 'utf8' });
  assert.equal(v.status, 0, `python3 ${VALIDATE}: ${v.stdout}${v.stderr}`);
});

test('the validator refuses a config the schema forbids (so its pass means something)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-oci-'));
  try {
    const bad = JSON.parse(readFileSync(GOLDEN, 'utf8'));
    bad.process.user.uid = 'root';
    bad.linux.seccomp.defaultAction = 'SCMP_ACT_MAYBE';
    writeFileSync(join(dir, 'config.json'), JSON.stringify(bad));
    const v = spawnSync('python3', [VALIDATE, SCHEMA, join(dir, 'config.json')], { encoding: 'utf8' });
    assert.equal(v.status, 1);
    assert.match(v.stdout, /process\/user\/uid/);
    assert.match(v.stdout, /linux\/seccomp\/defaultAction/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the config says what the plan does: capabilities, limits, masks, mounts, namespaces', () => {
  const c = boxed();
  const plan = planContainer(catalog, c, CTX);
  const cfg = configOf(c);
  const sec = plan.info.security!;
  assert.deepEqual(cfg.process.capabilities.bounding, sec.capabilities.map((x) => `CAP_${x}`));
  assert.deepEqual(cfg.process.capabilities.ambient, []);
  assert.equal(cfg.process.noNewPrivileges, true);
  assert.deepEqual(cfg.linux.maskedPaths, sec.maskedPaths);
  assert.deepEqual(cfg.linux.readonlyPaths, sec.readonlyPaths);
  assert.deepEqual(cfg.linux.resources.memory, { limit: 64 * MiB, swap: 128 * MiB });
  assert.deepEqual(cfg.linux.resources.cpu, { shares: 512, quota: 150000, period: 100000, cpus: '0-1' });
  assert.deepEqual(cfg.linux.resources.pids, { limit: 77 });
  assert.deepEqual(cfg.process.user, { uid: 1000, gid: 1000, additionalGids: [2000, 3000] });
  assert.deepEqual(cfg.process.args, ['/dev/init', '--', '/bin/sh', '-c', 'echo hi']);
  assert.deepEqual(cfg.linux.namespaces.map((n) => n.type), ['mount', 'uts', 'ipc', 'pid', 'network', 'cgroup']);
  const at = (d: string) => cfg.mounts.find((m) => m.destination === d);
  assert.deepEqual(at('/data'), { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'nodev', 'ro'] });
  assert.equal(at('/scratch')?.type, 'tmpfs');
  assert.ok(at('/scratch')?.options?.includes('size=16m'));
  assert.ok(cfg.mounts.every((m) => !m.options?.includes('X-mount.mkdir')));
  assert.ok(!cfg.mounts.some((m) => m.destination === '/'), 'the root is root.path, not a mount');
  assert.deepEqual(at('/sys')?.options?.[0], 'ro');
  // Without a default pids limit asked for, glassbox's own (2048) is the bundle's too.
  assert.deepEqual(configOf(helloContainer(ROOTS)).linux.resources.pids, { limit: 2048 });
  // --network host: no network namespace; unconfined: no seccomp.
  const host = configOf(helloContainer(ROOTS, { network: { mode: 'host', ports: [], ipForward: true, claims: [] }, security: { privileged: false, capAdd: [], capDrop: [], noNewPrivileges: true, seccomp: 'unconfined' } }));
  assert.ok(!host.linux.namespaces.some((n) => n.type === 'network'));
  assert.equal(host.linux.seccomp, undefined);
});

test('unlimited rlimits are written as the exact 64-bit RLIM_INFINITY', () => {
  const text = renderOciConfig(configOf(boxed()));
  assert.match(text, /"type": "RLIMIT_CORE",\n\s+"soft": 18446744073709551615,\n\s+"hard": 18446744073709551615/);
  assert.match(text, /"type": "RLIMIT_NOFILE",\n\s+"soft": 1024,\n\s+"hard": 2048/);
});

test('what a bundle cannot carry is refused with the field it is about', () => {
  // The plan of a plain container; the prepared one carries the field (refused before the plan is read).
  const plan = planContainer(catalog, helloContainer(ROOTS), CTX);
  const refused = (over: Partial<PreparedContainer>, field: string) =>
    assert.throws(() => ociConfig(catalog, helloContainer(ROOTS, over), plan, CTX), (e: unknown) => e instanceof GlassboxError && e.field === field);
  const bridge = { mode: 'bridge' as const, ports: [], ipForward: true, claims: [] };
  refused({ network: bridge }, 'network.mode');
  refused({ network: { ...bridge, mode: 'container' } }, 'network.mode');
  refused({ security: { privileged: true, capAdd: [], capDrop: [], noNewPrivileges: false, seccomp: 'unconfined' } }, 'security.privileged');
  refused({ volumeSetup: { named: ['/var/lib/glassbox/volumes/v/_data'], anonymous: [], copies: [] } }, 'volumes');
  refused({ root: 'chroot' }, 'root');
});

test('device rules: the cgroup v1 allow-list lines in the spec form', () => {
  assert.deepEqual(deviceRule('c *:* m'), { allow: true, type: 'c', access: 'm' });
  assert.deepEqual(deviceRule('c 136:* rwm'), { allow: true, type: 'c', major: 136, access: 'rwm' });
  assert.deepEqual(deviceRule('b 7:0 r'), { allow: true, type: 'b', major: 7, minor: 0, access: 'r' });
  assert.throws(() => deviceRule('c 1:3'), GlassboxError);
});

// linux.seccomp's verdict for one call, as libseccomp's filter decides it: the first matching rule's action (all
// of a rule's argument checks must hold; rules of one call are alternatives), else the default.
function ociVerdict(rules: OciSyscall[], name: string, args: number[]): number {
  for (const r of rules) {
    if (!r.names.includes(name)) continue;
    const holds = (r.args ?? []).every((a) => (a.op === 'SCMP_CMP_MASKED_EQ' ? ((args[a.index] ?? 0) & a.value) >>> 0 === a.valueTwo : false));
    if (holds) return r.action === 'SCMP_ACT_ERRNO' ? (SECCOMP_RET_ERRNO | r.errnoRet!) >>> 0 : SECCOMP_RET_ALLOW;
  }
  return SECCOMP_RET_ALLOW;
}

test('linux.seccomp gives every named call the verdict of glassbox\'s BPF filter', () => {
  const prog = compileDefaultFilter();
  const oci = ociSeccomp();
  assert.equal(oci.defaultAction, 'SCMP_ACT_ALLOW');
  assert.deepEqual(oci.architectures, ['SCMP_ARCH_X86_64']);
  // Every call the filter knows a number for, plus a few it does not name (read, write, openat, getpid).
  const calls: Array<[string, number]> = [...Object.entries(X86_64), ['read', 0], ['write', 1], ['openat', 257], ['getpid', 39]];
  let denied = 0;
  for (const [name, nr] of calls) {
    if (name === 'clone') continue;
    const want = runFilter(prog, { nr, arch: AUDIT_ARCH_X86_64 });
    assert.equal(ociVerdict(oci.syscalls, name, []).toString(16), want.toString(16), name);
    if (want !== SECCOMP_RET_ALLOW) denied++;
  }
  assert.ok(denied > 50, `only ${denied} calls denied`);
  // clone: every namespace flag alone, all of them, none, and flags that are not namespaces.
  const flagSets = [0, 0x11 /* SIGCHLD */, 0x100 | 0x200 | 0x400 | 0x800 | 0x11, CLONE_NAMESPACE_FLAGS, ...Array.from({ length: 32 }, (_, b) => (1 << b) >>> 0)];
  for (const flags of flagSets) {
    const want = runFilter(prog, { nr: X86_64.clone!, arch: AUDIT_ARCH_X86_64, args: [flags] });
    assert.equal(ociVerdict(oci.syscalls, 'clone', [flags]), want, `clone flags 0x${flags.toString(16)}`);
  }
});

test('-o DIR may come last, after the command', () => {
  assert.deepEqual(trailingOutput(['/bin/ls', '-o', 'out'], undefined), { command: ['/bin/ls'], output: 'out' });
  assert.deepEqual(trailingOutput(['/bin/ls', '--output=out'], undefined), { command: ['/bin/ls'], output: 'out' });
  assert.deepEqual(trailingOutput(['/bin/ls', '-o', 'x'], 'given'), { command: ['/bin/ls', '-o', 'x'], output: 'given' });
  assert.deepEqual(trailingOutput(['/bin/ls'], undefined), { command: ['/bin/ls'] });
});
