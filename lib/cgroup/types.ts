// The shape of the host's cgroup tree as the planner sees it: which version, which hierarchies, and where glassbox
// stands in a v2 tree. Pure types: lib/cgroup/layout.ts and lib/cgroup/delegation.ts read them from the host,
// the planner and the compiler (lib/cgroup/compile.ts) only read these values.

export interface V2Delegation {
  /** The cgroup2 mount as glassbox sees it (/sys/fs/cgroup). */
  root: string;
  /** The root has no cgroup.type: it is the kernel's root group, exempt from the no-internal-process rule. */
  trueRoot: boolean;
  /** Processes directly in the root (cgroup.procs). */
  rootProcs: number[];
  /** Controllers the root passes down (its cgroup.subtree_control). */
  subtreeControl: string[];
  /** The mount carries nsdelegate. */
  nsdelegate: boolean;
  /** This process's group, from /proc/self/cgroup ("/" for the root). */
  self?: string;
  /** How many child groups this process's group has (0: it sits in a leaf). */
  selfChildren: number;
  /** glassbox's own group ROOT/glassbox, when it exists. */
  parent?: { dir: string; subtreeControl: string[]; procs: number[] };
}

export type CgroupVersion = 'v1' | 'v2';

export interface CgroupLayout {
  version: CgroupVersion;
  /** v1: controller → its hierarchy's directory (several controllers may share one). Empty for v2. */
  hierarchies: Record<string, string>;
  /** v2: the unified tree's root directory. */
  root?: string;
  /** v2: the controllers the root offers (its cgroup.controllers). */
  controllers: string[];
  /** v1: the memory tree has memory.memsw.* (swap accounting is on). v2 always has memory.swap.max. */
  swapAccounting: boolean;
  /** v1: the cpuset tree's root values; a new v1 cpuset group starts empty and needs both before it takes a process. */
  cpusetCpus?: string;
  cpusetMems?: string;
  /** v2: where glassbox stands in the tree (the no-internal-process rule decides whether it may enable controllers). */
  delegation?: V2Delegation;
}
