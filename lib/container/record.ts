// What a container leaves on disk while it exists, so that ps, logs, stop, inspect and gc can find it without
// asking any process: its state directory (lib/state/containers.ts) holds state.json — status, PIDs, owner,
// cgroups, exit code — and config.json, the plan it was made from. A new container's directory appears with
// both in it at once (one rename), so gc never meets one without an owner.

import type { Plan, PlanCgroup } from '../plan/types.ts';
import { releaseContainer, type ContainerState, type Owner } from '../state/containers.ts';
import type { Roots } from '../state/paths.ts';

/** state.json as `run` writes it: the container's cgroups (for stats and gc) and whether the OOM killer ended it. */
export type RunState = ContainerState & { cgroup?: PlanCgroup; oomKilled?: boolean };

// A container's first state, before anything of it runs: made from its plan, owned by the process that runs it.
export function createdState(plan: Plan, owner: Owner, extra: Partial<RunState> = {}): RunState {
  const { id, name, image, command, cgroup } = plan.info;
  return { id, name, image, command, created: new Date().toISOString(), status: 'created', owner, ...extra, ...(cgroup ? { cgroup } : {}) };
}

// config.json: the plan, as restart and inspect read it back.
export function planText(plan: Plan): string {
  return JSON.stringify(plan, null, 1) + '\n';
}

// Writes a new container's files; if that fails (a full disk: ENOSPC), nothing of it is left: no directory, no name.
export function recordOrRelease(r: Roots, id: string, name: string, write: () => void): void {
  try {
    write();
  } catch (e) {
    releaseContainer(r, id, name);
    throw e;
  }
}
