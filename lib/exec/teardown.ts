// Teardown: undoing what a run made. Every step that changes the host may carry its undo (umount for a mount,
// ip link del for a veth, rmdir for a cgroup). The rule is undo-before-do: all the undos a plan can need are in
// the journal on disk (lib/state/journal.ts) before its first step runs, so a glassbox killed at any moment —
// even by SIGKILL, which no program can catch — leaves a list that `glassbox gc` can finish. While glassbox lives
// it does the work itself: first the plan's teardown steps (kill whatever is left in the container's cgroup, since
// a cgroup with processes cannot be removed), then the undo of each step that began, newest first, so each thing
// is undone while what it sits on still exists (the overlay is unmounted before its directories are removed).
// A step counts from the moment it began, not when it finished: a half-done mount is undone too, and an undo
// whose object is already gone fails harmlessly. A detached container's monitor runs the same teardown in sh.

import { rmSync } from 'node:fs';
import { goneOnly, type Plan, type Step } from '../plan/types.ts';
import type { Owner } from '../state/containers.ts';
import { journalFor, writeJournal } from '../state/journal.ts';
import { runCommand, type CommandResult, type Detached } from './spawn.ts';
import { bind, performStep, runWhileBusy, type RuntimeValues } from './step.ts';
import type { CommandRunner } from './stepshell.ts';

// Writes every undo the plan may need to the journal, before the first step changes anything (undo-before-do).
export function journalUndos(plan: Plan, file: string, owner?: Owner): void {
  writeJournal(file, journalFor(plan, owner));
}

// A journal whose every undo has run (exec's: nothing of an exec outlives its command) has nothing left to say.
export function dropJournal(file: string): void {
  rmSync(file, { force: true });
}

// Runs the teardown steps (kill what is left in the container's cgroup) whose needs began; their failures are
// expected (nothing left to kill) and ignored.
export async function runTeardownSteps(teardown: Step[], begun: Step[], vars: RuntimeValues, run?: CommandRunner): Promise<void> {
  const ran = new Set(begun.map((s) => s.id));
  for (const step of teardown) {
    if (!step.needs.every((n) => ran.has(n))) continue;
    await performStep(step, vars, run);
    ran.add(step.id);
  }
}

// Runs the undo of every step that began, newest first; returns the failures of undos that were not allowed to fail.
export async function undoSteps(begun: Step[], vars: RuntimeValues, run: CommandRunner = runCommand): Promise<CommandResult[]> {
  const failures: CommandResult[] = [];
  for (const step of [...begun].reverse()) {
    if (!step.undo) continue;
    const argv = step.undo.map((a) => bind(a, vars));
    const r = step.undoRetry === 'while-busy' ? await runWhileBusy(argv, run) : await run(argv);
    // A while-busy undo's objects that an earlier try removed answer "No such file or directory": done (goneOnly).
    if (r.exitCode !== 0 && !step.undoMayFail && !(step.undoRetry === 'while-busy' && goneOnly(r.stderr))) failures.push(r);
  }
  return failures;
}

// Detached: the monitor owns the cleanup. Ending the start chain (SIGKILL; --kill-child takes PID 1 along) makes it
// record the exit and run the undos; without a chain yet, the monitor is ended with every subshell it has forked
// (setsid made it the leader of its own process group: -PID reaches them all, where PID alone left a subshell
// blocked on its log FIFO forever). Waits up to 15 s for it.
export async function handOverToMonitor(monitor: Detached, chain: number): Promise<void> {
  const targets = chain ? [chain] : [-monitor.pid, monitor.pid];
  for (const target of targets) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {}
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([monitor.exited, new Promise((res) => (timer = setTimeout(res, 15_000)))]);
  clearTimeout(timer);
}
