// Observe commands: the read-only looks at the kernel's state that a step's block lists (`ip link`, `ls -l
// /proc/self/ns`, `cat` of a cgroup file). Learn mode runs them before and after the step and diffs the two
// outputs; a lesson's shell place runs them to show what it still sees of the host. They change nothing, so they
// are not journaled; each is bounded in time, because a look must not hang the lesson.

import { runCommand } from './spawn.ts';

/** What an observe command showed: its exit status and its output (stdout, then stderr). */
export interface Observation {
  exitCode: number;
  text: string;
}

/** How long one look may take. */
export const OBSERVE_TIMEOUT_MS = 10_000;

// Runs one observe command and returns what it printed.
export async function observe(argv: string[]): Promise<Observation> {
  const r = await runCommand(argv, { timeoutMs: OBSERVE_TIMEOUT_MS });
  return { exitCode: r.exitCode, text: r.stdout + r.stderr };
}
