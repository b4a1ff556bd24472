// The planner: a pure function from a prepared container (spec + image + resolved values + host facts) to the
// list of steps that make it. It reads no file and starts no process, so it is tested with golden transcripts.
// It only decides WHICH blocks apply and WHAT values they get; the blocks hold the commands.

import { expandBlock, type Instance } from '../blocks/expand.ts';
import type { Catalog } from '../blocks/load.ts';
import type { Namespace } from '../recipe/model.ts';
import { runtimeRef, type ContainerPaths, type Plan, type Step } from './types.ts';

export interface PreparedContainer {
  id: string;
  name: string;
  imageRef: string;
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
  user: { uid: number; gid: number; groups: number[] };
  /** Volumes with targets already resolved inside the root (container paths). */
  volumes: Array<{ type: 'bind'; source: string; target: string; readOnly: boolean } | { type: 'tmpfs'; target: string; size?: string; mode?: string }>;
  paths: ContainerPaths;
}

export interface PlanContext {
  runRoot: string;
  /** The run root is already a private mount (no need to make it one). */
  runRootReady: boolean;
}

const BARRIER = '/dev/.glassbox-start';
const DEV_LINKS = [
  { name: 'fd', target: '/proc/self/fd' },
  { name: 'stdin', target: '/proc/self/fd/0' },
  { name: 'stdout', target: '/proc/self/fd/1' },
  { name: 'stderr', target: '/proc/self/fd/2' },
  { name: 'ptmx', target: 'pts/ptmx' },
];

// Builds the whole plan for one container.
export function planContainer(catalog: Catalog, c: PreparedContainer, ctx: PlanContext): Plan {
  const p = c.paths;
  const nsFile = (ns: Namespace) => `${p.nsDir}/${ns}`;
  const held = c.namespaces.filter((ns) => ns !== 'pid');
  const has = (ns: Namespace) => c.namespaces.includes(ns);
  const inRoot = (path: string) => (path === '/' ? p.rootfs : p.rootfs + path);
  const chroot = c.root === 'chroot';
  const instances: Instance[] = [];
  const add = (inst: Instance) => instances.push(inst);

  if (!ctx.runRootReady) add({ block: 'runroot', as: 'runroot', params: { run_root: ctx.runRoot } });
  add({
    block: 'namespaces',
    as: 'ns',
    params: { run_dir: p.run, ns_dir: p.nsDir, rootfs: p.rootfs, state_dir: p.state, upper: p.upper, work: p.work, namespaces: held },
  });
  add({
    block: 'rootfs',
    as: 'rootfs',
    params: {
      mount_ns: nsFile('mount'),
      rootfs: p.rootfs,
      lower: c.overlay ? c.lowerDirs.join(':') : c.lowerDirs[0]!,
      upper: p.upper,
      work: p.work,
      overlay: c.overlay,
      read_only: c.readOnly,
    },
  });
  add({
    block: 'dev',
    as: 'dev',
    params: { mount_ns: nsFile('mount'), ipc_ns: has('ipc') ? nsFile('ipc') : undefined, rootfs: p.rootfs, links: DEV_LINKS },
  });
  add({ block: 'sys', as: 'sys', params: { mount_ns: nsFile('mount'), net_ns: has('net') ? nsFile('net') : undefined, rootfs: p.rootfs } });
  if (c.hostname !== undefined && has('uts')) add({ block: 'hostname', as: 'hostname', params: { uts_ns: nsFile('uts'), hostname: c.hostname } });
  if (c.volumes.length) {
    const binds = c.volumes.flatMap((v) =>
      v.type === 'bind' ? [{ source: v.source, target: inRoot(v.target), options: `bind,nodev${v.readOnly ? ',ro' : ''}` }] : [],
    );
    const tmpfs = c.volumes.flatMap((v) =>
      v.type === 'tmpfs' ? [{ target: inRoot(v.target), options: ['nosuid', 'nodev', `mode=${v.mode ?? '1777'}`, ...(v.size ? [`size=${v.size}`] : [])].join(',') }] : [],
    );
    add({ block: 'volumes', as: 'volumes', params: { mount_ns: nsFile('mount'), binds, tmpfs, targets: c.volumes.map((v) => inRoot(v.target)) } });
  }
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
      chroot,
      barrier_open: chroot ? BARRIER : p.rootfs + BARRIER,
      uid: String(c.user.uid),
      gid: String(c.user.gid),
      groups: c.user.groups.length ? c.user.groups.join(',') : undefined,
      command: c.command,
      barrier: BARRIER,
      pid1: runtimeRef('pid1'),
      read_only: c.readOnly,
    },
  });

  // Blocks run in the order listed; each instance's first steps wait for everything before them to be in
  // place where it matters (the namespaces, then the root), while independent mounts may run side by side.
  const steps: Step[] = [];
  const idsOf = (as: string) => steps.filter((s) => s.block === as).map((s) => s.id);
  for (const inst of instances) {
    const after =
      inst.as === 'runroot' ? []
      : inst.as === 'ns' ? idsOf('runroot')
      : inst.as === 'rootfs' ? idsOf('ns')
      : inst.as === 'hostname' ? idsOf('ns')
      : inst.as === 'start' ? steps.filter((s) => s.phase === 'setup').map((s) => s.id)
      : idsOf('rootfs');
    steps.push(...expandBlock(catalog, { ...inst, after: lastOnly(steps, after) }));
  }
  const start = steps.find((s) => s.kind === 'start');
  if (start) start.env = c.env;
  return {
    version: 1,
    info: { id: c.id, name: c.name, image: c.imageRef, command: c.command, env: c.env, paths: p },
    steps,
  };
}

// Keeps only the ids no other listed step depends on: the same ordering with shorter `needs` lists.
function lastOnly(steps: Step[], ids: string[]): string[] {
  const set = new Set(ids);
  const covered = new Set<string>();
  for (const s of steps) if (set.has(s.id)) for (const n of s.needs) covered.add(n);
  return ids.filter((id) => !covered.has(id));
}
