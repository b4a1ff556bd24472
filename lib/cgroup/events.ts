// Where a container's memory events are counted: the cgroup file the kernel updates (memory.events on v2,
// memory.oom_control on v1) and the copy of it the teardown keeps in the state directory, which `glassbox ps`
// and `inspect` read for the OOM report after the group is gone. Pure: lib/cgroup/stats.ts reads the files.

import type { PlanCgroup } from '../plan/types.ts';

/** The copy of the memory events file the teardown keeps in the state directory (the cgroup-record block). */
export const MEMORY_EVENTS = 'memory.events';

/** The file that counts OOM kills: memory.oom_control in the v1 memory group, memory.events in the v2 group. */
export function memoryEventsFile(cg: PlanCgroup): string | undefined {
  if (cg.version === 'v2') {
    const dir = cg.dirs.unified ?? cg.dirs.memory;
    return dir ? `${dir}/memory.events` : undefined;
  }
  return cg.dirs.memory ? `${cg.dirs.memory}/memory.oom_control` : undefined;
}
