// Failpoints: a testing aid (like etcd's gofail or TiKV's fail-rs). A named point in the executor where a test
// can make glassbox die, or a step fail, at a chosen moment, so every "killed half-way" case can be walked
// through on purpose instead of hoping a timer lands there. Switched on only by an environment variable:
//
//   GLASSBOX_FAILPOINT=step:N:before:SIGNAL   glassbox sends itself SIGNAL just before step N runs
//   GLASSBOX_FAILPOINT=step:N:during:SIGNAL   … while step N's command is in flight
//   GLASSBOX_FAILPOINT=step:N:after:SIGNAL    … just after step N finished
//   GLASSBOX_FAILPOINT=step:N:fail            step N fails (exit 1) without running its command
//
// N counts plan steps from 1, in the order `glassbox plan --format json` lists them. SIGKILL leaves the work to
// `glassbox gc` (the journal on disk has every undo); SIGTERM and SIGINT go through glassbox's own signal
// handling (undo and exit). Without the variable every call here returns at once.

import type { Step } from '../plan/types.ts';

export const FAILPOINT_ENV = 'GLASSBOX_FAILPOINT';

export type FailMoment = 'before' | 'during' | 'after';

export interface Failpoint {
  step: number;
  moment: FailMoment | 'fail';
  signal?: NodeJS.Signals;
}

// Reads the failpoint from the environment; undefined when none (or a malformed one: a testing aid never breaks a run).
export function parseFailpoint(text: string | undefined): Failpoint | undefined {
  const m = /^step:(\d+):(?:(before|during|after):(SIG[A-Z0-9]+)|(fail))$/.exec(text ?? '');
  if (!m) return undefined;
  return m[4] ? { step: Number(m[1]), moment: 'fail' } : { step: Number(m[1]), moment: m[2] as FailMoment, signal: m[3] as NodeJS.Signals };
}

let cached: Failpoint | undefined | null = null;
const active = (): Failpoint | undefined => (cached === null ? (cached = parseFailpoint(process.env[FAILPOINT_ENV])) : cached);

// True when step `index` (0-based in the plan) is to fail without running.
export function failpointFails(steps: Step[], step: Step): boolean {
  const fp = active();
  return !!fp && fp.moment === 'fail' && steps.indexOf(step) + 1 === fp.step;
}

// Fires the failpoint at this moment of this step, if it is the chosen one. `during` is sent once the step's
// command has been started (the caller calls it right after starting the work, before awaiting it).
export async function failpoint(steps: Step[], step: Step, moment: FailMoment): Promise<void> {
  const fp = active();
  if (!fp || fp.moment !== moment || steps.indexOf(step) + 1 !== fp.step) return;
  process.stderr.write(`glassbox: failpoint: ${fp.signal} ${moment} step ${fp.step} (${step.id})\n`);
  if (moment === 'during') {
    // Let the spawn start first: two turns of the event loop.
    await new Promise((res) => setImmediate(res));
    await new Promise((res) => setImmediate(res));
  }
  process.kill(process.pid, fp.signal!);
  // A handled signal (SIGTERM, SIGINT) runs its handler on the next turn; give it that turn before going on.
  await new Promise((res) => setImmediate(res));
}

// The result of a step the failpoint made fail: as if its command had exited 1.
export function failedByFailpoint(step: Step): { step: Step; argv?: string[]; exitCode: number; stdout: string; stderr: string; durationMs: number } {
  process.stderr.write(`glassbox: failpoint: step ${step.id} fails\n`);
  return { step, ...(step.argv ? { argv: step.argv } : {}), exitCode: 1, stdout: '', stderr: 'failed by GLASSBOX_FAILPOINT', durationMs: 0 };
}
