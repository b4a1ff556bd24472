// The planner: a pure function from a prepared container (spec + image + resolved values + host facts) to the
// list of steps that make it. It reads no file and starts no process, so it is tested with golden transcripts.
// It only decides WHICH blocks apply and WHAT values they get; the blocks hold the commands.

import { expandBlock, type Instance } from '../blocks/expand.ts';
import type { Catalog } from '../blocks/schema.ts';
import { cgroupSteps, compileCgroup, GROUP as CGROUP_GROUP } from '../cgroup/compile.ts';
import { MEMORY_EVENTS, memoryEventsFile } from '../cgroup/events.ts';
import type { CgroupLayout } from '../cgroup/types.ts';
import { hasLimits, type Resources } from '../cgroup/resources.ts';
import { GlassboxError } from '../errors.ts';
import type { Namespace } from '../recipe/model.ts';
import { shJoin } from '../render/quote.ts';
import { networkInstances, planNetwork } from '../net/plan.ts';
import type { EtcTarget, PreparedNetwork } from '../net/types.ts';
import { resolveSecurity, type SecurityChoice } from '../security/model.ts';
import type { KernelPaths } from '../security/defaults.ts';
import { planSecurity, securitySteps, type SecurityPlan } from '../security/plan.ts';
import { LOADER_NAME } from '../security/defaults.ts';
import { checkRootlessPlan, rootlessDev, rootlessEnter } from '../rootless/plan.ts';
import { runtimeRef, type ContainerPaths, type Plan, type PlanCgroup, type PlanMount, type PlanProcess, type Step, type StepRole } from './types.ts';
import type { VolumeSetup } from '../volume/types.ts';
import { volumeCopySteps, volumeDirSteps } from '../volume/plan.ts';

export interface PreparedContainer {
  id: string;
  name: string;
  imageRef: string;
  /** The image's ID (sha256:…), when it came from the store. */
  imageId?: string;
  /** The image's labels with the container's over them. */
  labels?: Record<string, string>;
  /** overlay lowerdir list, top layer first (or the single directory to bind). */
  lowerDirs: string[];
  overlay: boolean;
  root: 'pivot_root' | 'chroot';
  readOnly: boolean;
  namespaces: Namespace[];
  hostname?: string;
  command: string[];
  env: Record<string, string>;
  /** The working directory inside the container, symlinks already resolved. */
  workdir: string;
  /** The image lacks the working directory, or /proc. */
  makeWorkdir: boolean;
  makeProc: boolean;
  user: { uid: number; gid: number; groups: number[] };
  /** Volumes with targets already resolved inside the root (container paths). */
  volumes: Array<
    | { type: 'bind'; source: string; target: string; readOnly: boolean; /** The source is a file. */ file?: boolean; /** The image lacks the target file: made empty first (container path). */ placeholder?: string; propagation?: string }
    | { type: 'tmpfs'; target: string; size?: string; mode?: string; readOnly?: boolean }
  >;
  /** Named and anonymous volumes: directories to make, and the image's files to copy into new, empty ones. */
  volumeSetup?: VolumeSetup;
  /** The user mounts in docker's Mounts form (plan.info.mounts). */
  mounts?: PlanMount[];
  /** The anonymous volumes this container makes (plan.info.anonymousVolumes). */
  anonymousVolumes?: string[];
  paths: ContainerPaths;
  /** Resource limits; the default pids limit applies whenever the host has cgroups. */
  resources?: Resources;
  /** --init: the host's static init program, bound at /dev/init and started in front of the command. */
  init?: string;
  /** -t: PID 1 gets a pseudo-terminal of its own (util-linux script makes it). */
  tty?: boolean;
  /** Networking (lib/net/prepare.ts); absent: its own network namespace with only lo, brought up. */
  network?: PreparedNetwork;
  /** Where /etc/hosts, /etc/resolv.conf and /etc/hostname are bound in the root (lib/net/prepare.ts etcTargets). */
  etc?: { hosts?: EtcTarget; resolv?: EtcTarget; hostname?: EtcTarget };
  /** Capabilities, no_new_privs, seccomp, --privileged (lib/security); absent means docker's defaults. */
  security?: SecurityChoice;
  /** Restart policy, stop signal and timeout, log rotation. */
  lifecycle?: import('../restart/policy.ts').PlanLifecycle;
  /** The health check the monitor runs. */
  health?: import('../health/model.ts').PlanHealth;
  /** --ulimit: prlimit's options, like --nofile=1024:2048. */
  ulimits?: string[];
  /** --device: host device nodes (type, numbers and mode read from the host) to make in the container's /dev. */
  devices?: PreparedDevice[];
  /** --sysctl: each parameter with the namespace it belongs to. */
  sysctls?: Array<{ key: string; value: string; ns: 'ipc' | 'net' }>;
  /** --shm-size in bytes (absent: docker's 64 MiB). */
  shmSize?: number;
}

export interface PreparedDevice {
  host: string;
  /** The path inside the container (under /dev). */
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  /** The host node's permission bits, octal (0666). */
  mode: string;
  /** r, w, m letters for the device group. */
  permissions: string;
}

export interface PlanContext {
  runRoot: string;
  /** The run root is already a private mount (no need to make it one). */
  runRootReady: boolean;
  /** The shared start-barrier FIFO exists in the run root. */
  barrierReady: boolean;
  /** The host has /dev/fd, /dev/stdin… links to copy (otherwise each is made with ln -s). */
  hostDevLinks: boolean;
  /** One fstab and one mount --all for all mounts (false: one mount command each, for learn mode). */
  batchMounts?: boolean;
  /** The host's flock by absolute path: it is started after `env -i`, when PATH is already the container's. */
  flock: string;
  /** Where and how this host keeps cgroups (lib/cgroup/layout.ts); without it, no limits are planned. */
  cgroup?: CgroupLayout;
  /** Which of docker's masked and read-only paths this kernel has (lib/security/paths.ts); all when absent. */
  kernelPaths?: KernelPaths;
  /** The built static seccomp loader; without it only --security-opt seccomp=unconfined can be planned. */
  seccompLoader?: string;
  /** cgroup v2: glassbox-device-filter, which attaches the device allow-list as an eBPF program (lib/cgroup/device-filter.c). */
  deviceFilter?: string;
  /** Rootless: the plan runs as root of a user namespace (lib/rootless): no cgroups, host device nodes bound in. */
  rootless?: boolean;
  /** Rootless: the CPU the user namespace's mount namespace was made on; the container's are made there too. */
  pinCpu?: string;
  /** The host's programs that run inside the container's namespaces, by absolute path (default /usr/bin/NAME). */
  tools?: Partial<Record<HelperTool, string>>;
  /** --ulimit: the host's prlimit (default /usr/bin/prlimit). */
  prlimit?: string;
}

/** The host programs of the start chain and of exec, each bound read-only into the container's run directory. */
export const HELPER_TOOLS = ['setpriv', 'nsenter', 'unshare', 'setsid', 'env', 'flock'] as const;
export type HelperTool = (typeof HELPER_TOOLS)[number];

// The container's directory of read-only host programs (the helpers block): the chain and exec run them from here.
export function helpersDir(runDir: string): string {
  return `${runDir}/bin`;
}

export const BARRIER = '/dev/.glassbox-start';
/** Where --init's program appears inside the container (on the container's own /dev tmpfs). */
export const INIT = '/dev/init';
const DEV_NODES = ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/ptmx'];
export const DEV_LINKS = [
  { name: 'fd', target: '/proc/self/fd' },
  { name: 'stdin', target: '/proc/self/fd/0' },
  { name: 'stdout', target: '/proc/self/fd/1' },
  { name: 'stderr', target: '/proc/self/fd/2' },
];

// Builds the whole plan for one container.
export function planContainer(catalog: Catalog, c: PreparedContainer, ctx: PlanContext): Plan {
  const p = c.paths;
  const nsFile = (ns: Namespace) => `${p.nsDir}/${ns}`;
  // --network host keeps the host's network namespace; container:NAME joins that container's instead of a new one.
  const netMode = c.network?.mode ?? 'none';
  const held = c.namespaces.filter((ns) => ns !== 'pid' && !(ns === 'net' && (netMode === 'host' || netMode === 'container')));
  const joinNet = netMode === 'container' ? c.network!.join!.ns : undefined;
  const net = c.namespaces.includes('net') || netMode !== 'none'
    ? networkInstances({ id: c.id, net: c.network ?? { mode: 'none', ports: [], ipForward: true, claims: [] }, paths: p, netNs: nsFile('net'), etc: c.etc ?? {} })
    : undefined;
  const has = (ns: Namespace) => c.namespaces.includes(ns);
  // With cgroups, the namespaces are made from inside the container's groups (cgexec in front of unshare): a cgroup
  // namespace's root is its creator's group.
  const cgroupNs = has('cgroup') && ctx.cgroup !== undefined;
  const inRoot = (path: string) => (path === '/' ? p.rootfs : p.rootfs + path);
  const chroot = c.root === 'chroot';
  const steps: Step[] = [];
  const idsOf = (as: string) => steps.filter((s) => s.block === as).map((s) => s.id);
  const add = (inst: Instance) => {
    const made = expandBlock(catalog, inst);
    steps.push(...made);
    return made;
  };

  if (ctx.rootless) checkRootlessPlan(c, ctx);
  if (ctx.rootless && c.devices?.length) throw new GlassboxError('--device needs root: in a user namespace the kernel refuses to make device nodes', { field: 'devices', hint: 'run glassbox as root' });
  const sec = containerSecurity(c, ctx);
  // The cgroups come first: they depend on nothing else, so they are made alongside the namespaces, and their
  // undos (removing the groups) come last, when the container's processes are surely gone.
  let cgroup: ReturnType<typeof cgroupSteps> | undefined;
  let cgroupInfo: Plan['info']['cgroup'];
  if (ctx.cgroup) {
    const deviceRules = sec.deviceRules && c.devices?.length ? [...sec.deviceRules, ...c.devices.map(deviceRule)] : sec.deviceRules;
    const compiled = compileCgroup(ctx.cgroup, c.resources, c.id, runtimeRef('pid1'), deviceRules, ctx.deviceFilter);
    cgroup = cgroupSteps(catalog, compiled);
    cgroupInfo = compiled.record;
    steps.push(...cgroup.setup);
  } else if (hasLimits(c.resources)) {
    throw new GlassboxError('this host has no cgroups mounted, so resource limits cannot be enforced', { field: 'resources', hint: 'run glassbox doctor' });
  }
  // The network's shared objects (bridge, chains) depend on nothing: they are made alongside everything else.
  let sharedPrev: string[] = [];
  for (const inst of net?.shared ?? []) sharedPrev = add({ ...inst, after: sharedPrev }).map((s) => s.id).slice(-1);
  if (!ctx.runRootReady || !ctx.barrierReady) {
    add({ block: 'runroot', as: 'runroot', params: { run_root: ctx.runRoot, make_private: !ctx.runRootReady, make_barrier: !ctx.barrierReady, tmp_name: c.id.slice(0, 12) } });
  }
  // The file systems: each concern's block lists its mounts as fstab entries; its other steps come after them.
  const concern = fileSystemInstances(c, ctx, sec, cgroupNs ? cgroupInfo : undefined);
  const expanded = concern.flatMap((inst) => expandBlock(catalog, inst));
  // The network's files: written before the namespaces exist; their bind mounts join the fstab after the others.
  const netBefore = (net?.before ?? []).flatMap((inst) => expandBlock(catalog, inst));
  const entries = [...expanded.filter((s) => s.kind === 'mount'), ...netBefore.filter((s) => s.kind === 'mount')];
  const batch = ctx.batchMounts ?? true;

  // The namespaces; in batch mode the process that creates them is the one that mounts the fstab.
  const nsSteps = add({
    block: 'namespaces',
    as: 'ns',
    params: {
      run_dir: p.run,
      ns_dir: p.nsDir,
      rootfs: p.rootfs,
      state_dir: p.state,
      bin_dir: helpersDir(p.run),
      upper: p.upper,
      work: p.work,
      namespaces: held,
      ...(cgroupNs && cgroupInfo ? { cgroup_groups: cgroupGroups(cgroupInfo, c.id) } : {}),
      ...(ctx.rootless && ctx.pinCpu ? { pin_cpu: ctx.pinCpu } : {}),
      ...(batch ? { fstab_file: `${p.run}/fstab`, fstab: renderFstab(entries) } : {}),
      ...(joinNet ? { join_net: joinNet } : {}),
    },
    after: idsOf('runroot'),
  });
  const dirsId = byRole(nsSteps, 'dirs').id;
  // cgexec needs the container's groups made and their limits written.
  if (cgroupNs && cgroup) {
    const hold = byRole(nsSteps, 'hold');
    hold.needs = [...new Set([...hold.needs, ...lastOnly(steps, cgroup.setup.map((s) => s.id))])];
  }
  // The network's files go between the directories and the unshare that mounts them.
  // Empty files for file volumes the image lacks: in the writable layer (or the root directory), before it is mounted.
  const holders = c.volumes.flatMap((v) => (v.type === 'bind' && v.placeholder ? [(c.overlay ? p.upper : c.lowerDirs[0]!) + v.placeholder] : []));
  const volumeFiles = holders.length ? expandBlock(catalog, { block: 'volume-files', as: 'volume-files', params: { dirs: [...new Set(holders.map((h) => h.slice(0, h.lastIndexOf('/')) || '/'))], files: holders } }) : [];
  const netFiles = [...volumeDirSteps(catalog, c.volumeSetup), ...volumeFiles, ...netBefore.filter((s) => s.kind !== 'mount')];
  if (netFiles.length) {
    const dirs = dirsId;
    const unshare = byRole(nsSteps, 'hold');
    for (const s of netFiles) if (s.needs.length === 0) s.needs = [dirs];
    unshare.needs = [...unshare.needs, ...lastOnly(netFiles, netFiles.map((s) => s.id))];
    steps.splice(steps.indexOf(unshare), 0, ...netFiles);
  }
  let mounted = nsSteps.map((s) => s.id);
  if (c.hostname !== undefined && has('uts')) {
    add({ block: 'hostname', as: 'hostname', params: { uts_ns: nsFile('uts'), hostname: c.hostname }, after: mounted });
  }
  if (!batch) {
    const nsArgs = { mount_ns: nsFile('mount'), ipc_ns: has('ipc') ? nsFile('ipc') : undefined, net_ns: held.includes('net') ? nsFile('net') : undefined };
    const cgroupNsArg = (m: { type: string }) => (m.type === 'cgroup2' && cgroupNs ? { cgroup_ns: nsFile('cgroup') } : {});
    entries.forEach((e, i) => {
      const m = e.mount!;
      const made = add({ block: 'mount-one', as: `mount-${i}`, params: { ...nsArgs, ...cgroupNsArg(m), ...m }, after: lastOnly(steps, mounted) });
      made[0]!.title = e.title;
      made[0]!.why = e.why;
      mounted = made.map((s) => s.id);
    });
  }
  // What needs the network namespace (and the bridge, when this run makes it): lo, the veth pair, port rules.
  const netNsReady = byRole(nsSteps, 'hold').id;
  let netPrev = [netNsReady, ...idsOf('net-bridge').slice(-1)];
  for (const inst of net?.after ?? []) netPrev = add({ ...inst, after: netPrev }).map((s) => s.id).slice(-1);
  // --sysctl: written in the container's ipc and network namespaces once they exist (and its interfaces do).
  if (c.sysctls?.length) {
    const of = (ns: 'ipc' | 'net') => c.sysctls!.filter((x) => x.ns === ns).map((x) => ({ key: x.key, value: x.value, file: nsFile(ns) }));
    add({ block: 'sysctl', as: 'sysctl', params: { ipc: of('ipc'), net: of('net') }, after: netPrev });
  }
  const mountIds = new Set(entries.map((e) => e.id));
  for (const s of expanded.filter((x) => x.kind !== 'mount')) {
    s.needs = [...new Set([...s.needs.filter((n) => !mountIds.has(n)), ...lastOnly(steps, mounted)])];
    steps.push(s);
  }
  // New, empty volumes get the image's files, once everything is mounted and before the container starts.
  steps.push(...volumeCopySteps(catalog, c.volumeSetup, { mountNs: nsFile('mount'), rootfs: p.rootfs, source: `${p.run}/volume-src`, flock: ctx.flock, after: lastOnly(steps, mounted) }));
  if (c.init) add({ block: 'init', as: 'init', params: { mount_ns: nsFile('mount'), init: c.init, target: inRoot(INIT) }, after: idsOf('dev') });

  // The host programs that run inside the container's namespaces are reached through read-only bind mounts, made
  // before the namespaces (whose mount table is a copy of the host's) and undone after them.
  const bin = helpersDir(p.run);
  const loader = ctx.seccompLoader && !chroot ? ctx.seccompLoader : undefined;
  const helperPrograms = [
    ...HELPER_TOOLS.map((name) => ({ name, source: name === 'flock' ? ctx.flock : (ctx.tools?.[name] ?? `/usr/bin/${name}`) })),
    ...(loader ? [{ name: LOADER_NAME, source: loader }] : []),
    ...(c.ulimits?.length ? [{ name: 'prlimit', source: ctx.prlimit ?? '/usr/bin/prlimit' }] : []),
  ];
  const helperParams = { dir: bin, programs: helperPrograms, ...(batch ? { fstab_file: `${p.run}/helpers.fstab` } : {}) };
  const helperEntries = expandBlock(catalog, { block: 'helpers', as: 'helpers', params: helperParams }).filter((s) => s.kind === 'mount');
  const helpers = expandBlock(catalog, { block: 'helpers', as: 'helpers', params: { ...helperParams, ...(batch ? { fstab: renderFstab(helperEntries) } : {}) }, after: [dirsId] }).filter((s) => s.kind !== 'mount');
  {
    const unshare = byRole(steps, 'hold');
    unshare.needs = [...unshare.needs, ...helpers.filter((s) => s.role === 'helpers').map((s) => s.id)];
    steps.splice(steps.indexOf(unshare), 0, ...helpers);
  }
  // In chroot mode the programs after unshare --root come from the image, at the host's paths (lesson 1 copies them).
  const inner = (name: HelperTool) => (chroot ? helperPrograms.find((h) => h.name === name)!.source : `${bin}/${name}`);

  const secSteps = securitySteps(catalog, sec, { runDir: p.run, rootfs: p.rootfs, pid1: runtimeRef('pid1'), batch, kernelPaths: ctx.kernelPaths, after: [dirsId] });
  steps.push(...secSteps.setup);
  add({
    block: 'start',
    as: 'start',
    params: {
      mount_ns: nsFile('mount'),
      ns_dir: p.nsDir,
      namespaces: held,
      rootfs: p.rootfs,
      workdir: chroot ? c.workdir : inRoot(c.workdir),
      host_workdir: inRoot(c.workdir),
      make_workdir: c.makeWorkdir,
      chroot,
      barrier_open: chroot ? BARRIER : p.rootfs + BARRIER,
      uid: String(c.user.uid),
      gid: String(c.user.gid),
      groups: c.user.groups.length && !ctx.rootless ? c.user.groups.join(',') : undefined,
      clear_groups: !c.user.groups.length && !ctx.rootless,
      keep_groups: !!ctx.rootless,
      command: c.init ? [INIT, '--', ...c.command] : c.command,
      barrier: BARRIER,
      pid1: runtimeRef('pid1'),
      read_only: c.readOnly,
      environment: Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
      flock: inner('flock'),
      bin,
      setsid: inner('setsid'),
      setpriv: inner('setpriv'),
      env: inner('env'),
      own_session: !c.tty && !chroot,
      session_first: !c.tty && chroot,
      ...(loader ? { barrier_loader: `${bin}/${LOADER_NAME}` } : {}),
      tty: !!c.tty,
      ...(joinNet ? { join_net: joinNet } : {}),
      ...sec.start,
      ...(sec.start.seccomp_loader ? { seccomp_loader: `${bin}/${LOADER_NAME}` } : {}),
      ulimits: c.ulimits ?? [],
      prlimit: chroot ? (ctx.prlimit ?? '/usr/bin/prlimit') : `${bin}/prlimit`,
    },
    after: lastOnly(steps, steps.filter((s) => s.phase === 'setup').map((s) => s.id)),
  });
  if (c.tty) onTerminal(catalog, steps, `${p.run}/tty.sh`, consoleOf(c, ctx) ? { mount_ns: nsFile('mount'), rootfs: p.rootfs } : undefined);
  // PID 1 joins its groups while it waits at the barrier, just before the barrier opens.
  if (cgroup) steps.splice(steps.indexOf(byRole(steps, 'release')), 0, ...cgroup.boot);
  // The masks go on while PID 1's /proc exists and its root is still the host's (before pivot_root).
  const firstBoot = steps.findIndex((s) => s.phase === 'boot');
  steps.splice(firstBoot < 0 ? steps.length : firstBoot, 0, ...secSteps.boot);
  return {
    version: 1,
    info: { id: c.id, name: c.name, image: c.imageRef, ...(c.imageId ? { imageId: c.imageId } : {}), ...(c.labels && Object.keys(c.labels).length ? { labels: c.labels } : {}), command: c.command, env: c.env, paths: p, layers: c.lowerDirs, ...(cgroupInfo ? { cgroup: cgroupInfo } : {}), ...(c.network ? { network: planNetwork(c.network) } : {}), security: sec.info, process: processInfo(c, sec.start), ...(ctx.rootless ? { rootless: { enter: rootlessEnter(catalog) } } : {}), ...(c.mounts ? { mounts: c.mounts } : {}), ...(c.anonymousVolumes?.length ? { anonymousVolumes: c.anonymousVolumes } : {}), ...(c.lifecycle && Object.keys(c.lifecycle).length ? { lifecycle: c.lifecycle } : {}), ...(c.health ? { health: c.health } : {}) },
    steps,
    ...(cgroup?.teardown.length ? { teardown: [...recordEvents(catalog, cgroupInfo!, p.state, cgroup.setup), ...cgroup.teardown] } : {}),
  };
}

// The container's security plan, decided once from its choice and the host (the plan and an OCI bundle share it).
export function containerSecurity(c: PreparedContainer, ctx: PlanContext): SecurityPlan {
  return planSecurity({ choice: c.security ?? resolveSecurity(undefined).choice, cgroup: ctx.cgroup, kernelPaths: ctx.kernelPaths, seccompLoader: ctx.seccompLoader, deviceFilter: ctx.deviceFilter, chroot: c.root === 'chroot' }, c.paths.run);
}

// The blocks of the container's file systems (root, /dev, /sys, its cgroups when it has a cgroup namespace,
// volumes), each listing its mounts as fstab entries: the plan batches them, an OCI bundle translates them.
export function fileSystemInstances(c: PreparedContainer, ctx: PlanContext, sec: SecurityPlan, cgroupInfo?: PlanCgroup): Instance[] {
  const p = c.paths;
  const nsFile = (ns: Namespace) => `${p.nsDir}/${ns}`;
  const has = (ns: Namespace) => c.namespaces.includes(ns);
  const inRoot = (path: string) => (path === '/' ? p.rootfs : p.rootfs + path);
  const concern: Instance[] = [
    {
      block: 'rootfs',
      as: 'rootfs',
      params: {
        mount_ns: nsFile('mount'),
        rootfs: p.rootfs,
        lower: c.overlay ? c.lowerDirs.join(':') : c.lowerDirs[0]!,
        upper: p.upper,
        work: p.work,
        overlay: c.overlay,
        make_proc: c.makeProc,
      },
    },
    {
      block: 'dev',
      as: 'dev',
      params: {
        mount_ns: nsFile('mount'),
        ipc: has('ipc'),
        rootfs: p.rootfs,
        nodes: [...DEV_NODES, ...(ctx.hostDevLinks ? DEV_LINKS.map((l) => `/dev/${l.name}`) : []), `${ctx.runRoot}/.glassbox-start`],
        links: ctx.hostDevLinks ? [] : DEV_LINKS,
        host_devices: !!sec.info.privileged && !ctx.rootless,
        shm_size: c.shmSize !== undefined ? String(c.shmSize) : '65536k',
        ...devParams(c, ctx),
        ...(ctx.rootless ? rootlessDev(DEV_NODES, DEV_LINKS, `${ctx.runRoot}/.glassbox-start`) : {}),
      },
    },
    { block: 'sys', as: 'sys', params: { rootfs: p.rootfs, options: sec.sysOptions } },
  ];
  // /sys/fs/cgroup: the container's own groups, read-only (only with a cgroup namespace, whose root they are).
  if (cgroupInfo) concern.push({ block: 'cgroup-fs', as: 'cgroup-fs', params: { rootfs: p.rootfs, mount_ns: nsFile('mount'), ...cgroupFsParams(cgroupInfo) } });
  if (c.volumes.length) {
    const opts = (extra: string[]) => [...extra, 'X-mount.mkdir'].join(',');
    concern.push({
      block: 'volumes',
      as: 'volumes',
      params: {
        binds: c.volumes.flatMap((v) => (v.type === 'bind' ? [{ source: v.source, target: inRoot(v.target), options: (v.file ? (x: string[]) => x.join(',') : opts)(['bind', 'nodev', ...(v.readOnly ? ['ro'] : []), ...(v.propagation ? [v.propagation] : [])]) }] : [])),
        tmpfs: c.volumes.flatMap((v) =>
          v.type === 'tmpfs' ? [{ target: inRoot(v.target), options: opts(['nosuid', 'nodev', `mode=${v.mode ?? '1777'}`, ...(v.size ? [`size=${v.size}`] : []), ...(v.readOnly ? ['ro'] : [])]) }] : [],
        ),
      },
    });
  }
  return concern;
}

// A device cgroup rule for one --device: "c 1:3 rwm".
function deviceRule(d: PreparedDevice): string {
  return `${d.type} ${d.major}:${d.minor} ${d.permissions}`;
}

// run -t: the terminal is shown at /dev/console (not rootless: a user namespace's mount of it is another story;
// not chroot mode, whose lessons keep the old way).
function consoleOf(c: PreparedContainer, ctx: PlanContext): boolean {
  return !!c.tty && !ctx.rootless && c.root !== 'chroot';
}

// The dev block's --device and console values.
function devParams(c: PreparedContainer, ctx: PlanContext): Record<string, unknown> {
  // A standard node is there already; with --privileged every host node is copied in at its own path.
  const standard = (d: PreparedDevice) => d.host === d.path && (DEV_NODES.includes(d.path) || !!c.security?.privileged);
  const made = (c.devices ?? []).filter((d) => !standard(d));
  const dirs = [...new Set(made.map((d) => d.path.slice(0, d.path.lastIndexOf('/'))).filter((d) => d !== '/dev'))];
  return {
    ...(made.length ? { devices: made.map((d) => ({ host: d.host, path: d.path, type: d.type, major: String(d.major), minor: String(d.minor), mode: d.mode })) } : {}),
    ...(dirs.length ? { device_dirs: dirs } : {}),
    ...(consoleOf(c, ctx) ? { console: true } : {}),
  };
}

// /sys/fs/cgroup inside: v1, each tree the container has a group in (trees shared by several controllers once);
// v2, the cgroup2 mount of its namespace.
function cgroupFsParams(record: PlanCgroup): Record<string, unknown> {
  if (record.version === 'v2') return { unified: true };
  const byDir = new Map<string, string[]>();
  for (const [controller, dir] of Object.entries(record.dirs)) byDir.set(dir, [...(byDir.get(dir) ?? []), controller]);
  return { trees: [...byDir].map(([source, names]) => ({ name: names.join(','), source })) };
}

// What the start chain gives PID 1, recorded for exec (lib/plan/exec.ts) so it never reads it back out of argv.
function processInfo(c: PreparedContainer, start: { bounding_set?: string; no_new_privs: boolean; seccomp_filter?: string }): PlanProcess {
  return {
    uid: c.user.uid,
    gid: c.user.gid,
    groups: c.user.groups,
    ...(start.bounding_set ? { boundingSet: start.bounding_set } : {}),
    noNewPrivs: start.no_new_privs,
    ...(start.seccomp_filter ? { seccompFilter: start.seccomp_filter } : {}),
  };
}

// The first teardown step: the memory events copied to the state directory (for ps and inspect: OOMKilled).
function recordEvents(catalog: Catalog, record: PlanCgroup, state: string, setup: Step[]): Step[] {
  // Only a group with the memory controller has the file (on v2 the group exists without it).
  const events = record.dirs.memory ? memoryEventsFile(record) : undefined;
  if (!events) return [];
  return expandBlock(catalog, { block: 'cgroup-record', as: 'cgroup-record', params: { events, out: `${state}/${MEMORY_EVENTS}` }, after: lastOnly(setup, setup.map((s) => s.id)) });
}

// cgexec's -g value: every controller the container has a group in, and the group's path inside each tree.
function cgroupGroups(record: PlanCgroup, id: string): string {
  const controllers = Object.keys(record.dirs).filter((c) => c !== 'unified');
  return `${controllers.length ? controllers.join(',') : '*'}:${CGROUP_GROUP}/${id}`;
}

// -t: the start chain moves into a one-line script that util-linux `script` runs on a new pseudo-terminal
// (`run -t`, and `exec -t` with the exec block's start step).
export function onTerminal(catalog: Catalog, steps: Step[], wrapper: string, console?: { mount_ns: string; rootfs: string }): void {
  const process = byRole(steps, 'start');
  const at = steps.indexOf(process);
  // run -t: first the terminal (the script's standard input) is bound at /dev/console (the console block).
  const bind = console ? expandBlock(catalog, { block: 'console', as: 'console', params: console })[0]!.argv! : undefined;
  const [write, chmod, start] = expandBlock(catalog, {
    block: 'terminal',
    as: 'terminal',
    params: { wrapper, chain: `#!/bin/sh\n${bind ? `${shJoin(bind)} || exit 125\n` : ''}exec ${shJoin(process.argv!)}` },
    after: process.needs,
  });
  process.argv = start!.argv;
  process.needs = [chmod!.id];
  process.title = start!.title;
  process.why = { en: `${process.why.en} ${start!.why.en}`, zh: `${process.why.zh}${start!.why.zh}` };
  process.touches = [...new Set([...process.touches, ...start!.touches])];
  steps.splice(at, 0, write!, chmod!);
}

// fstab(5) fields cannot hold white space or backslashes: the kernel's octal escapes stand in for them.
function fstabField(s: string): string {
  return s.replace(/[\\ \t\n]/g, (ch) => `\\${ch.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

// One commented line per mount entry, in order.
export function renderFstab(entries: Step[]): string {
  return entries
    .map((e) => {
      const m = e.mount!;
      const comment = (t: string) => `# ${t.replace(/[\x00-\x1f\x7f]+/g, ' ')}`; // one line, whatever the title holds
      return `${comment(e.title.en)}\n${comment(e.title.zh)}\n${[m.source, m.target, m.type, m.options].map(fstabField).join(' ')} 0 0`;
    })
    .join('\n');
}

// The one step of a block's expansion with this role (the planner places steps around it); a block without it is
// a glassbox bug.
export function byRole(steps: Step[], role: StepRole): Step {
  const found = steps.filter((s) => s.role === role);
  if (found.length !== 1) throw new GlassboxError(`internal: the plan has ${found.length} steps with the role ${role}, not one`);
  return found[0]!;
}

// Keeps only the ids no other listed step depends on: the same ordering with shorter `needs` lists.
function lastOnly(steps: Step[], ids: string[]): string[] {
  const set = new Set(ids);
  const covered = new Set<string>();
  for (const s of steps) if (set.has(s.id)) for (const n of s.needs) covered.add(n);
  return ids.filter((id) => !covered.has(id));
}
