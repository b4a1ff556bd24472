// One resource model, compiled to the cgroup version this host uses. TypeScript computes the values (bytes,
// quotas, weights, which trees) and picks the block; the blocks (recipes/blocks/cgroup-v1.yaml, cgroup-v2.yaml and
// their -kill companions) hold every mkdir, file name and command.
//
// Why the barrier makes joining race-free: the container's PID 1 is blocked opening the start-barrier FIFO while
// the boot steps run (see start.yaml). Writing its host PID into cgroup.procs at that moment moves a process that
// has not run one instruction of the container's command yet; everything it later forks is born inside the group.
// So there is no window in which a fast fork bomb could escape the limits, and no process to chase afterwards.
//
// v1 ↔ v2, file by file:
//   memory.limit_in_bytes         ↔ memory.max               (bytes)
//   memory.memsw.limit_in_bytes   ↔ memory.swap.max          (v1: memory + swap; v2: swap alone)
//   cpu.cfs_quota_us + _period_us ↔ cpu.max                  ("50000 100000" = half a CPU)
//   cpu.shares                    ↔ cpu.weight               (converted as runc does)
//   cpuset.cpus + cpuset.mems     ↔ cpuset.cpus
//   pids.max                      ↔ pids.max
//   cgroup.procs in each tree     ↔ cgroup.procs
//   freezer + kill each PID       ↔ cgroup.kill

import { expandBlock, type Instance } from '../blocks/expand.ts';
import type { Catalog } from '../blocks/schema.ts';
import { GlassboxError } from '../errors.ts';
import type { PlanCgroup, Step } from '../plan/types.ts';
import type { CgroupLayout } from './types.ts';
import { internalProcessProblem } from './internal-process.ts';
import { formatBytes } from './units.ts';
import { CPU_PERIOD_US, DEFAULT_PIDS, cpuQuota, memoryPlusSwap, sharesToWeight, type Resources } from './resources.ts';

/** The directory below each tree (or the v2 root) that holds every glassbox container's group. */
export const GROUP = 'glassbox';

export interface CompiledCgroup {
  record: PlanCgroup;
  /** Makes the groups, writes the limits (setup) and moves PID 1 in (boot). */
  setup: Instance;
  /** Kills whatever is left in the group, before its directory is removed (teardown). */
  kill: Instance;
}

// The container's limits with glassbox's defaults filled in (a pids limit unless one was given).
export function effectiveLimits(r: Resources | undefined): PlanCgroup['limits'] {
  return { ...r, pids: r?.pids ?? DEFAULT_PIDS };
}

// Compiles the limits for one container; `pid1` is the runtime reference to PID 1's host PID.
// `devices` is the v1 device allow-list (lib/security/paths.ts); undefined leaves every device allowed.
// `deviceFilter` (v2) is glassbox-device-filter, which attaches `devices` as an eBPF program; without it v2 gets none.
export function compileCgroup(layout: CgroupLayout, resources: Resources | undefined, id: string, pid1: string, devices?: string[], deviceFilter?: string): CompiledCgroup {
  return layout.version === 'v1' ? compileV1(layout, resources ?? {}, id, pid1, devices) : compileV2(layout, resources ?? {}, id, pid1, devices, deviceFilter);
}

// Controllers a spec needs (required: it asked for their limits) and would like (stats, the default pids limit,
// killing): freezer to stop every process at once, cpuacct to measure CPU time.
function wanted(r: Resources): { required: string[]; optional: string[] } {
  const required: string[] = [];
  if (r.memory !== undefined) required.push('memory');
  if (r.cpus !== undefined || r.cpuShares !== undefined) required.push('cpu');
  if (r.cpusetCpus !== undefined) required.push('cpuset');
  if (r.pids !== undefined) required.push('pids');
  return { required, optional: ['memory', 'pids', 'freezer', 'cpuacct'].filter((c) => !required.includes(c)) };
}

const missing = (c: string, version: string) =>
  new GlassboxError(`this host's cgroups (${version}) have no ${c} controller, so that limit cannot be enforced`, {
    hint: 'run glassbox doctor, or leave the limit out',
  });

function compileV1(layout: CgroupLayout, r: Resources, id: string, pid1: string, devices?: string[]): CompiledCgroup {
  const { required, optional } = wanted(r);
  if (devices && layout.hierarchies.devices) optional.push('devices');
  for (const c of required) if (!layout.hierarchies[c]) throw missing(c, 'v1');
  const controllers = [...required, ...optional.filter((c) => layout.hierarchies[c])];
  // Trees mounted together (cpu,cpuacct) are one directory: made once, joined once.
  const trees = new Map<string, string[]>();
  for (const c of controllers) trees.set(layout.hierarchies[c]!, [...(trees.get(layout.hierarchies[c]!) ?? []), c]);
  const dirOf = (c: string) => `${layout.hierarchies[c]}/${GROUP}/${id}`;
  const dirs: Record<string, string> = {};
  for (const c of controllers) dirs[c] = dirOf(c);
  const limits = effectiveLimits(r);
  const pids = layout.hierarchies.pids ? limits.pids : undefined;
  const memsw = layout.swapAccounting ? memoryPlusSwap(r) : undefined;
  const has = (c: string) => controllers.includes(c);
  const setup: Instance = {
    block: 'cgroup-v1',
    as: 'cgroup',
    params: {
      id,
      trees: [...trees].map(([tree, names]) => ({ name: names.join(','), parent: `${tree}/${GROUP}`, dir: `${tree}/${GROUP}/${id}`, procs: `${tree}/${GROUP}/${id}/cgroup.procs` })),
      memory_dir: has('memory') ? dirOf('memory') : undefined,
      memory_limit: r.memory !== undefined ? String(r.memory) : undefined,
      memory_text: r.memory !== undefined ? formatBytes(r.memory) : undefined,
      memsw_limit: memsw !== undefined ? String(memsw) : undefined,
      cpu_dir: has('cpu') ? dirOf('cpu') : undefined,
      cpu_period: r.cpus !== undefined ? String(CPU_PERIOD_US) : undefined,
      cpu_quota: r.cpus !== undefined ? String(cpuQuota(r.cpus)) : undefined,
      cpus_text: r.cpus !== undefined ? String(r.cpus) : undefined,
      cpu_shares: r.cpuShares !== undefined ? String(r.cpuShares) : undefined,
      cpuset_parent: has('cpuset') ? `${layout.hierarchies.cpuset}/${GROUP}` : undefined,
      cpuset_dir: has('cpuset') ? dirOf('cpuset') : undefined,
      parent_cpus: has('cpuset') ? (layout.cpusetCpus ?? '') : undefined,
      parent_mems: has('cpuset') ? (layout.cpusetMems ?? '') : undefined,
      cpuset_cpus: r.cpusetCpus,
      pids_dir: pids !== undefined ? dirOf('pids') : undefined,
      pids_max: pids !== undefined ? String(pids) : undefined,
      devices_dir: has('devices') ? dirOf('devices') : undefined,
      device_rules: has('devices') ? (devices ?? []) : [],
      pid1,
    },
  };
  // Freeze first when the freezer is there, so nothing can fork between reading the list and the kill.
  const procsOf = dirs.freezer ?? Object.values(dirs)[0];
  const kill: Instance = {
    block: 'cgroup-v1-kill',
    as: 'cgroup-kill',
    params: { freezer_dir: dirs.freezer, procs: procsOf ? [`${procsOf}/cgroup.procs`] : [], remove: [], remove_parents: [] },
  };
  return { record: { version: 'v1', dirs, limits: { ...limits, pids } }, setup, kill };
}

function compileV2(layout: CgroupLayout, r: Resources, id: string, pid1: string, devices?: string[], deviceFilter?: string): CompiledCgroup {
  const { required, optional } = wanted(r);
  for (const c of required) if (!layout.controllers.includes(c)) throw missing(c, 'v2');
  // v2 has no freezer or cpuacct controllers: freezing is built in (cgroup.freeze), CPU time is in cpu.stat.
  const controllers = [...required, ...optional.filter((c) => layout.controllers.includes(c))];
  // Refused before anything is made, rather than failing halfway with EBUSY from cgroup.subtree_control.
  const problem = layout.delegation && internalProcessProblem(layout.delegation, controllers);
  if (problem) throw new GlassboxError(`cgroup v2: ${problem.reason}`, { hint: `move them into a leaf group first, as docker-in-docker does: ${problem.fix}` });
  const root = layout.root!;
  const dir = `${root}/${GROUP}/${id}`;
  const dirs: Record<string, string> = { unified: dir };
  for (const c of controllers) dirs[c] = dir;
  const limits = effectiveLimits(r);
  const pids = controllers.includes('pids') ? limits.pids : undefined;
  const memsw = memoryPlusSwap(r);
  const setup: Instance = {
    block: 'cgroup-v2',
    as: 'cgroup',
    params: {
      root,
      parent: `${root}/${GROUP}`,
      dir,
      controllers: controllers.map((c) => `+${c}`).join(' '),
      memory_max: r.memory !== undefined ? String(r.memory) : undefined,
      memory_text: r.memory !== undefined ? formatBytes(r.memory) : undefined,
      swap_max: memsw === undefined ? undefined : memsw === -1 ? 'max' : String(memsw - r.memory!),
      cpu_max: r.cpus !== undefined ? `${cpuQuota(r.cpus)} ${CPU_PERIOD_US}` : undefined,
      cpus_text: r.cpus !== undefined ? String(r.cpus) : undefined,
      cpu_weight: r.cpuShares !== undefined ? String(sharesToWeight(r.cpuShares)) : undefined,
      cpuset_cpus: r.cpusetCpus,
      pids_max: pids !== undefined ? String(pids) : undefined,
      device_filter: devices && deviceFilter ? deviceFilter : undefined,
      device_rules: devices && deviceFilter ? devices : [],
      pid1,
    },
  };
  const kill: Instance = { block: 'cgroup-v2-kill', as: 'cgroup-kill', params: { dirs: [dir], remove: [], remove_parents: [] } };
  return { record: { version: 'v2', dirs, limits: { ...limits, pids } }, setup, kill };
}

// Expands a compiled cgroup into plan steps: setup steps, boot steps (joining PID 1) and teardown steps. Removing
// a group's directory is retried while the kernel says it is busy (its last process is still being reaped: the
// block's `undo_retry: while-busy`); removing the shared glassbox/ parent may fail for good and is not retried.
// The kill runs after the steps that made the container's groups.
export function cgroupSteps(catalog: Catalog, cg: CompiledCgroup): { setup: Step[]; boot: Step[]; teardown: Step[] } {
  const made = expandBlock(catalog, cg.setup);
  const dirSteps = made.filter((s) => s.undoRetry).map((s) => s.id);
  const teardown = expandBlock(catalog, { ...cg.kill, after: dirSteps });
  return { setup: made.filter((s) => s.phase === 'setup'), boot: made.filter((s) => s.phase === 'boot'), teardown };
}
