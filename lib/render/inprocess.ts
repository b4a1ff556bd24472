// In-process steps and their shell lines. Three kinds of step need no program: writing a value to a file (a cgroup
// limit, a uid_map, the fstab), making directories and removing files. glassbox does them with its own system
// calls — spawning printf or mkdir would only add a process — but a plan must stay readable and runnable as a
// shell script, so each of them has exactly one shell line, and glassbox does exactly what that line does:
//
//   write  printf '%s\n' VALUE > PATH   (an empty value: : > PATH, which opens the file and closes it)
//   mkdir  mkdir -p PATH…
//   remove rm -f PATH…
//
// This module is the one place that turns such a step into words: the shell line for scripts, plans and learn
// mode, and the short argv the executor reports to --verbose and learn mode's cleanup view (a write is reported
// as `write PATH`: its value can be a whole file).

import type { Step } from '../plan/types.ts';
import type { ShortNames } from './names.ts';
import { renderArg, shellVar, shJoin } from './quote.ts';

/** The kinds of step glassbox performs in its own process. */
export type InProcessKind = 'write' | 'mkdir' | 'remove';

// True for the steps glassbox does itself instead of spawning a command.
export function isInProcess(step: Step): step is Step & { kind: InProcessKind } {
  return step.kind === 'write' || step.kind === 'mkdir' || step.kind === 'remove';
}

// The words an in-process step is reported as (mkdir -p P…, rm -f P…, write P): its shell line's words, but for a
// write only the file, so a trace line stays one line.
export function inProcessArgv(step: Step): string[] {
  switch (step.kind) {
    case 'write':
      if (!step.write) throw new Error(`step ${step.id}: a write step needs write.path and write.value`);
      return ['write', step.write.path];
    case 'mkdir':
      return ['mkdir', '-p', ...(step.paths ?? [])];
    case 'remove':
      return ['rm', '-f', ...(step.paths ?? [])];
    default:
      throw new Error(`step ${step.id}: a ${step.kind} step is not done in-process`);
  }
}

// The shell line that does what glassbox does for an in-process step; long values written as their names.
export function inProcessLine(step: Step, names?: ShortNames): string {
  if (step.kind !== 'write') return shJoin(inProcessArgv(step), shellVar, names);
  if (!step.write) throw new Error(`step ${step.id}: a write step needs write.path and write.value`);
  const path = renderArg(step.write.path, shellVar, names);
  return step.write.value === '' ? `: > ${path}` : `printf '%s\\n' ${renderArg(step.write.value, shellVar, names)} > ${path}`;
}
