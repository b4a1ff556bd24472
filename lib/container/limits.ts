// A container that hit a limit usually just fails (137, or a fork error in its output) and leaves the user
// guessing. The kernel counts those events in the container's cgroups (memory's oom_kill, pids' max), so once the
// main process has ended, while the groups still exist, they are read and turned into sentences.

import { readEvents } from '../cgroup/stats.ts';
import { formatBytes } from '../cgroup/units.ts';
import type { PlanCgroup } from '../plan/types.ts';

// After the container's main process ended: whether the OOM killer ended it, and what to tell the user.
export function limitsHit(cg: PlanCgroup, exitCode: number): { oomKilled: boolean; notices: string[] } {
  const ev = readEvents(cg);
  const notices: string[] = [];
  const memory = cg.limits.memory !== undefined ? `memory limit ${formatBytes(cg.limits.memory)}` : 'no memory limit';
  const oomKilled = exitCode === 137 && ev.oomKills > 0;
  if (oomKilled) notices.push(`the container was killed by the OOM killer (${memory})`);
  else if (ev.oomKills > 0) notices.push(`the OOM killer killed ${ev.oomKills} process${ev.oomKills === 1 ? '' : 'es'} in the container (${memory})`);
  if (ev.pidsMax > 0) notices.push(`the container reached its process limit (${cg.limits.pids} processes): the kernel refused ${ev.pidsMax} fork${ev.pidsMax === 1 ? '' : 's'}`);
  return { oomKilled, notices };
}
