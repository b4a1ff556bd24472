// A container as the OCI runtime spec describes it. An OCI bundle is a directory with a root file system and a
// config.json; runc, crun (and containerd, through its shim) read the config and do what it says: make the
// namespaces, mount what `mounts` lists, write the cgroup limits, drop the capabilities, set no_new_privs, load
// the seccomp filter and execute `process.args`. This module turns the PreparedContainer that `glassbox run`
// plans from (and the security plan it makes) into that config, so a bundle does what `glassbox run` would:
//
//   process     args, env, cwd, user (uid, gid, additionalGids), terminal, the five capability sets (docker's:
//               bounding = effective = permitted, inheritable and ambient empty), rlimits from --ulimit,
//               noNewPrivileges
//   root        the bundle's "rootfs", readonly as --read-only says
//   mounts      /proc, then the fstab entries of glassbox's own blocks (/dev's tmpfs, devpts, shm, mqueue, /sys,
//               volumes as rbind, tmpfs), the cgroup tree, --init's program
//   linux       namespaces, resources (memory and swap, CPU quota, period and shares, cpuset, pids, the device
//               allow-list), cgroupsPath (glassbox/<id>, where glassbox's own groups live), maskedPaths,
//               readonlyPaths, sysctl, devices (--device), seccomp (lib/oci/seccomp.ts)
//
// Pure: the same inputs give the same text (test/unit/oci.test.ts keeps a golden). What a bundle cannot carry is
// refused here with the field it is about: bridge and container networks (the runtime's caller owns networking:
// containerd's CNI, podman's netavark), named volumes (glassbox's store), --privileged (the host's device nodes
// copied in), rootless and chroot mode.

import { expandBlock } from '../blocks/expand.ts';
import type { Catalog } from '../blocks/schema.ts';
import { CPU_PERIOD_US, cpuQuota, memoryPlusSwap } from '../cgroup/resources.ts';
import { GlassboxError } from '../errors.ts';
import { containerSecurity, fileSystemInstances, INIT, type PlanContext, type PreparedContainer } from '../plan/planner.ts';
import type { Plan } from '../plan/types.ts';
import type { Namespace } from '../recipe/model.ts';
import type { Ulimit } from '../recipe/run-extras.ts';
import { ociSeccomp, type OciSeccomp } from './seccomp.ts';

/** The runtime spec version the config is written for (Debian's runc 1.1 and crun 1.8 read it). */
export const OCI_VERSION = '1.0.2';

/** RLIM_INFINITY, a 64-bit all-ones: more than a JavaScript number holds exactly, so written as a BigInt. */
export const RLIM_INFINITY = 2n ** 64n - 1n;

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export interface OciDeviceRule {
  allow: boolean;
  type?: 'c' | 'b' | 'a';
  major?: number;
  minor?: number;
  access: string;
}

export interface OciConfig {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: Record<'bounding' | 'effective' | 'permitted' | 'inheritable' | 'ambient', string[]>;
    rlimits?: Array<{ type: string; soft: number | bigint; hard: number | bigint }>;
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: OciMount[];
  annotations: Record<string, string>;
  linux: {
    namespaces: Array<{ type: string }>;
    cgroupsPath: string;
    resources: {
      devices: OciDeviceRule[];
      memory?: { limit: number; swap?: number };
      cpu?: { shares?: number; quota?: number; period?: number; cpus?: string };
      pids?: { limit: number };
    };
    devices?: Array<{ path: string; type: 'c' | 'b'; major: number; minor: number; fileMode: number; uid: number; gid: number }>;
    sysctl?: Record<string, string>;
    maskedPaths: string[];
    readonlyPaths: string[];
    seccomp?: OciSeccomp;
  };
}

export interface OciOptions {
  /** --ulimit values, as parsed (-1 is unlimited). */
  ulimits?: Ulimit[];
}

/** glassbox's namespace names → the spec's. */
const NS_TYPE: Record<Namespace, string> = { mount: 'mount', uts: 'uts', ipc: 'ipc', pid: 'pid', net: 'network', cgroup: 'cgroup' };

// The cgroup parent the bundle's container gets: the same glassbox/<id> glassbox's own containers use, so gc,
// the leak checks and a person looking at /sys/fs/cgroup find it where they find glassbox's.
export function ociCgroupsPath(id: string): string {
  return `/glassbox/${id}`;
}

// Refuses what an OCI config cannot say, naming the field (and so the flag or recipe line).
function refuse(c: PreparedContainer, ctx: PlanContext): void {
  const no = (field: string, message: string, hint: string) => {
    throw new GlassboxError(message, { field, hint });
  };
  const mode = c.network?.mode ?? 'none';
  if (mode === 'bridge') no('network.mode', 'glassbox bundle: a bridge network (or -p) is not part of an OCI bundle: the runtime\'s caller owns networking', 'give --network none (a new network namespace with lo up) and let the caller attach it (containerd: CNI; podman: netavark), or --network host; glassbox run does the bridge itself');
  if (mode === 'container') no('network.mode', 'glassbox bundle: --network container:NAME joins a running glassbox container, which an OCI bundle cannot name', 'give --network none or host');
  if (c.security?.privileged) no('security.privileged', 'glassbox bundle: --privileged copies the host\'s device nodes into /dev, which a bundle does not do', 'give the capabilities it needs with --cap-add, or use glassbox run --privileged');
  if (c.root === 'chroot') no('root', 'glassbox bundle: root: chroot is for the chroot lesson; a runtime always uses pivot_root', 'drop `root: chroot` from the recipe');
  if (ctx.rootless) no('rootless', 'glassbox bundle needs root: a rootless bundle needs user namespace mappings glassbox does not write', 'run glassbox bundle as root');
  if (c.volumeSetup || c.mounts?.some((m) => m.Type === 'volume')) no('volumes', 'glassbox bundle: named and anonymous volumes live in glassbox\'s store, which a bundle cannot reach', 'bind a host directory instead: -v /host/dir:/target');
}

// One line of cgroup v1's devices.allow ("c 1:3 rwm", "c *:* m") as a rule of linux.resources.devices.
export function deviceRule(line: string): OciDeviceRule {
  const m = /^([abc]) (\*|\d+):(\*|\d+) ([rwm]+)$/.exec(line);
  if (!m) throw new GlassboxError(`internal: device rule "${line}" is not TYPE MAJOR:MINOR ACCESS`);
  const num = (s: string) => (s === '*' ? {} : { n: Number(s) });
  const major = num(m[2]!);
  const minor = num(m[3]!);
  return { allow: true, type: m[1] as 'a' | 'b' | 'c', ...('n' in major ? { major: major.n } : {}), ...('n' in minor ? { minor: minor.n } : {}), access: m[4]! };
}

// The mounts of glassbox's own blocks (their fstab entries), in the spec's form: the root itself is root.path;
// X-mount.mkdir is mount(8)'s (a runtime makes mount points itself); a bind becomes an rbind, as docker's are.
function blockMounts(catalog: Catalog, c: PreparedContainer, ctx: PlanContext): OciMount[] {
  const sec = containerSecurity(c, ctx);
  const rootfs = c.paths.rootfs;
  const entries = fileSystemInstances(c, ctx, sec).flatMap((inst) => expandBlock(catalog, inst)).filter((s) => s.kind === 'mount');
  return entries.flatMap((s) => {
    const m = s.mount!;
    if (m.target === rootfs) return [];
    if (!m.target.startsWith(`${rootfs}/`)) throw new GlassboxError(`internal: mount target ${m.target} is outside the container's root`);
    const opts = m.options.split(',').filter((o) => o !== '' && o !== 'X-mount.mkdir');
    const bind = opts.includes('bind');
    return [{ destination: m.target.slice(rootfs.length), type: bind ? 'bind' : m.type, source: m.source, options: bind ? opts.map((o) => (o === 'bind' ? 'rbind' : o)) : opts }];
  });
}

// PreparedContainer (+ the plan glassbox made for it) → the OCI runtime configuration.
export function ociConfig(catalog: Catalog, c: PreparedContainer, plan: Plan, ctx: PlanContext, o: OciOptions = {}): OciConfig {
  refuse(c, ctx);
  const sec = plan.info.security;
  if (!sec) throw new GlassboxError('internal: the plan has no security decisions');
  const caps = sec.capabilities.map((cap) => `CAP_${cap}`);
  const has = (ns: Namespace) => c.namespaces.includes(ns);
  const hostNet = c.network?.mode === 'host';
  const limits = plan.info.cgroup?.limits;
  const swap = limits && ctx.cgroup?.swapAccounting ? memoryPlusSwap(limits) : undefined;
  const cpu = {
    ...(limits?.cpuShares !== undefined ? { shares: limits.cpuShares } : {}),
    ...(limits?.cpus !== undefined ? { quota: cpuQuota(limits.cpus), period: CPU_PERIOD_US } : {}),
    ...(limits?.cpusetCpus !== undefined ? { cpus: limits.cpusetCpus } : {}),
  };
  // The device allow-list glassbox writes to its device group (runc's defaults) and one rule per --device, after
  // a first rule that denies everything.
  const allowed = containerSecurity(c, ctx).deviceRules ?? [];
  const rules: OciDeviceRule[] = [{ allow: false, access: 'rwm' }, ...allowed.map(deviceRule), ...(c.devices ?? []).map((d) => deviceRule(`${d.type} ${d.major}:${d.minor} ${d.permissions}`))];
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    ...blockMounts(catalog, c, ctx),
    ...(has('cgroup') && ctx.cgroup ? [{ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] }] : []),
    ...(c.init ? [{ destination: INIT, type: 'bind', source: c.init, options: ['rbind', 'ro', 'nosuid', 'nodev'] }] : []),
  ];
  const rlimits = (o.ulimits ?? []).map((u) => ({ type: `RLIMIT_${u.name.toUpperCase()}`, soft: u.soft === -1 ? RLIM_INFINITY : u.soft, hard: u.hard === -1 ? RLIM_INFINITY : u.hard }));
  return {
    ociVersion: OCI_VERSION,
    process: {
      terminal: !!c.tty,
      user: { uid: c.user.uid, gid: c.user.gid, ...(c.user.groups.length ? { additionalGids: c.user.groups } : {}) },
      args: c.init ? [INIT, '--', ...c.command] : c.command,
      env: Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
      cwd: c.workdir,
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      ...(rlimits.length ? { rlimits } : {}),
      noNewPrivileges: sec.noNewPrivileges,
    },
    root: { path: 'rootfs', readonly: c.readOnly },
    ...(c.hostname !== undefined && has('uts') ? { hostname: c.hostname } : {}),
    mounts,
    annotations: { 'org.glassbox.name': c.name, 'org.glassbox.image': c.imageRef },
    linux: {
      namespaces: c.namespaces.filter((ns) => !(ns === 'net' && hostNet)).map((ns) => ({ type: NS_TYPE[ns] })),
      cgroupsPath: ociCgroupsPath(c.id),
      resources: {
        devices: rules,
        ...(limits?.memory !== undefined ? { memory: { limit: limits.memory, ...(swap !== undefined ? { swap } : {}) } } : {}),
        ...(Object.keys(cpu).length ? { cpu } : {}),
        ...(limits?.pids !== undefined ? { pids: { limit: limits.pids } } : {}),
      },
      ...(c.devices?.length ? { devices: c.devices.map((d) => ({ path: d.path, type: d.type, major: d.major, minor: d.minor, fileMode: parseInt(d.mode, 8), uid: 0, gid: 0 })) } : {}),
      ...(c.sysctls?.length ? { sysctl: Object.fromEntries(c.sysctls.map((s) => [s.key, s.value])) } : {}),
      maskedPaths: sec.maskedPaths,
      readonlyPaths: sec.readonlyPaths,
      ...(sec.seccomp === 'default' ? { seccomp: ociSeccomp() } : {}),
    },
  };
}

// config.json's text: two-space JSON, with 64-bit values (RLIM_INFINITY) written as the exact integers they are.
export function renderOciConfig(config: OciConfig): string {
  const marks: string[] = [];
  const text = JSON.stringify(config, (_k, v: unknown) => (typeof v === 'bigint' ? `\u0000big${marks.push(v.toString()) - 1}` : v), 2);
  return text.replace(/"\\u0000big(\d+)"/g, (_m, i: string) => marks[Number(i)]!);
}
