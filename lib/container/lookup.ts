// docker's 126 and 127: a command that is not in the container, or cannot be run, is an exit status of its own,
// not a failed step. PID 1 waits at the start barrier with the container's root already in place, so the command
// is looked up there (through /proc/PID/root) before it is let go.

import { resolveCommandInRoot } from '../image/command.ts';
import type { Plan } from '../plan/types.ts';

// The executor's beforeRelease hook: throws the 126/127 error when the plan's command cannot be run in its root.
export function lookUpCommand(plan: Plan): (pid1: number) => Promise<void> {
  return async (pid1) => {
    const missing = await resolveCommandInRoot(`/proc/${pid1}/root`, plan.info.command[0]!, plan.info.env.PATH ?? '');
    if (missing) throw missing;
  };
}
