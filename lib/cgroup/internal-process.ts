// cgroup v2's "no internal processes" rule, judged on facts read elsewhere (lib/cgroup/delegation.ts explains the
// rule and reads the facts): a group that passes a controller down may not hold processes itself, the kernel's
// root group excepted. Pure, so the compiler and doctor can ask it without reading the tree.

import type { V2Delegation } from './types.ts';

// Why enabling `controllers` for glassbox's groups would break the no-internal-process rule; undefined when it
// would not. Pure: the unit tests and doctor feed it facts.
export function internalProcessProblem(d: V2Delegation, controllers: string[]): { reason: string; fix: string } | undefined {
  const missing = controllers.filter((c) => !d.subtreeControl.includes(c));
  if (!d.trueRoot && d.rootProcs.length > 0 && missing.length > 0) {
    return {
      reason:
        `${d.root} is not the kernel's root group (a cgroup namespace or a delegated subtree) and holds ${d.rootProcs.length} process(es), ` +
        `so cgroup v2's no-internal-process rule forbids enabling ${missing.join(' ')} for groups below it`,
      fix: `mkdir ${d.root}/init && for p in $(cat ${d.root}/cgroup.procs); do echo $p > ${d.root}/init/cgroup.procs; done`,
    };
  }
  if (d.parent && d.parent.procs.length > 0) {
    return {
      reason: `glassbox's own group ${d.parent.dir} holds processes (${d.parent.procs.join(' ')}), so it cannot pass controllers to the containers' groups (cgroup v2's no-internal-process rule)`,
      fix: `for p in $(cat ${d.parent.dir}/cgroup.procs); do echo $p > ${d.root}/cgroup.procs; done`,
    };
  }
  return undefined;
}
