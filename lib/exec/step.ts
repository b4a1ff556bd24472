// Performing one step. A plan's step is data: either a command (argv, spawned through lib/exec/spawn.ts) or a file
// operation glassbox does in its own process — write a value to a file, make directories, remove files — which is
// shown as its shell line (lib/render/inprocess.ts) and does exactly what that line would. A step may name values
// that exist only while the plan runs (the host PID of the container's PID 1): they are bound here, at the last
// moment. A failed step is not an exception here but a result; the executor decides what a failure means. This
// module also holds the two ways a step tolerates the kernel's answers: an object that already exists (EXISTS, for
// shared bridges and chains) and a cgroup still busy for a moment after its last process ended (runWhileBusy).

import { closeSync, constants, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { GlassboxError } from '../errors.ts';
import { RT_CLOSE, RT_OPEN, type RuntimeVar, type Step } from '../plan/types.ts';
import { inProcessArgv, isInProcess } from '../render/inprocess.ts';
import { emitCommand, runCommand, type CommandResult } from './spawn.ts';
import type { CommandRunner } from './stepshell.ts';

/** The values known only at run time (pid: the start chain, pid1: the container's PID 1), as text. */
export type RuntimeValues = Partial<Record<RuntimeVar, string>>;

export interface StepResult {
  step: Step;
  argv?: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  skipped?: boolean;
}

// Replaces runtime references (the PID of PID 1…) with their values, so a step names a process that did not exist
// when the plan was made.
export function bind(s: string, vars: RuntimeValues): string {
  if (!s.includes(RT_OPEN)) return s;
  return s.replace(new RegExp(`${RT_OPEN.replace(/[{]/g, '\\{')}(\\w+)${RT_CLOSE.replace(/[}]/g, '\\}')}`, 'g'), (_, name: RuntimeVar) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`runtime value ${name} is not known yet`);
    return v;
  });
}

// The user's error for a step that failed: its command, its stderr and a hint at the likely cause.
export const stepFailed = (r: StepResult): GlassboxError =>
  new GlassboxError(`step "${r.step.title.en}" failed (exit ${r.exitCode})`, {
    detail: `$ ${(r.argv ?? []).join(' ')}\n${r.stderr.trim()}`,
    hint: hintForFailure(r),
  });

// Common failures of the plain commands glassbox runs, and what to do about them.
function hintForFailure(r: StepResult): string {
  const e = r.stderr;
  if (/Operation not permitted|Permission denied/.test(e)) return 'glassbox needs root: run it with sudo';
  if (/unknown filesystem type 'overlay'/.test(e)) return 'load the overlay module: modprobe overlay';
  if (/No such file or directory/.test(e) && r.exitCode === 127) return 'a tool is missing: run glassbox doctor';
  if (/failed to execute|command not found/.test(e)) return 'a tool is missing: run glassbox doctor';
  return 'run with --verbose to see every command, or glassbox doctor to check the host';
}

// Does what one run, write, mkdir or remove step says, exactly as its rendered line would. File operations run
// in-process (printf > F, mkdir -p, rm -f); commands are spawned, or sent to the executor's step shell (`run`). Never throws for a failure: it is in the result.
export async function performStep(step: Step, vars: RuntimeValues = {}, run: CommandRunner = runCommand): Promise<StepResult> {
  if (isInProcess(step)) {
    const paths = step.kind === 'write' ? [bind(step.write!.path, vars)] : step.paths!.map((p) => bind(p, vars));
    const argv = inProcessArgv(step.kind === 'write' ? { ...step, write: { ...step.write!, path: paths[0]! } } : { ...step, paths });
    const started = performance.now();
    let r: StepResult;
    try {
      // Done with synchronous calls: each is a system call or two that returns at once (a round trip through
      // libuv's thread pool cost more than the call), and none can block: a write opens its file non-blocking.
      if (step.kind === 'write') writeNow(paths[0]!, step.write!.value === '' ? '' : bind(step.write!.value, vars) + '\n');
      else if (step.kind === 'mkdir') for (const p of paths) mkdirSync(p, { recursive: true });
      else {
        for (const p of paths) {
          // ESRCH: a path through /proc/PID of a process that has just ended (a container whose command was done
          // before its start barrier was removed): the file went with the process, as rm -f wants.
          try {
            rmSync(p, { force: true });
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
          }
        }
      }
      r = { step, argv, exitCode: 0, stdout: '', stderr: '', durationMs: performance.now() - started };
    } catch (e) {
      r = { step, argv, exitCode: 1, stdout: '', stderr: String((e as Error).message), durationMs: performance.now() - started };
    }
    emitCommand({ argv: r.argv!, exitCode: r.exitCode, stdout: '', stderr: r.stderr, durationMs: r.durationMs });
    return r;
  }
  const argv = step.argv!.map((a) => bind(a, vars));
  // `… > PATH`: spawned with its standard output opened on the file (bytes, not text: a layer tar passes through).
  const c =
    step.stdout === undefined
      ? await run(argv, step.stdin === undefined ? {} : { stdin: step.stdin })
      : await runCommand(argv, { ...(step.stdin === undefined ? {} : { stdin: step.stdin }), stdoutFile: bind(step.stdout, vars) });
  // A shared object another container made first ("File exists", "Chain already exists"): the work is done.
  const exitCode = step.existsOk && c.exitCode !== 0 && EXISTS.test(c.stderr) ? 0 : c.exitCode;
  // What went to the file is not output, as in sh (it may be a whole layer tar); observe commands show it.
  return { step, argv, exitCode, stdout: step.stdout === undefined ? c.stdout : '', stderr: c.stderr, durationMs: c.durationMs };
}

// `printf '%s\n' VALUE > FILE`: open (create, truncate), write, close. Non-blocking, so that the start barrier (a
// FIFO) is opened at once when PID 1 waits at it — a reader blocked in open(2) counts as one — and fails (ENXIO)
// instead of hanging glassbox when nobody is there to read it; for any other file O_NONBLOCK changes nothing.
function writeNow(file: string, text: string): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NONBLOCK, 0o666);
  try {
    if (text) writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** What ip and iptables say when the object a step makes is already there. */
export const EXISTS = /File exists|already exists|already assigned/i;

/** How often, and how far apart, an undo is tried while the kernel says busy (the rendered sh does the same). */
export const BUSY_TRIES = 50;
export const BUSY_DELAY_MS = 100;

// Runs a command again while it fails saying "busy" (EBUSY): removing a cgroup succeeds only once the kernel has
// let go of its last process, which can take a moment after that process has exited. Bounded.
export async function runWhileBusy(argv: string[], run: CommandRunner = runCommand): Promise<CommandResult> {
  for (let i = 1; ; i++) {
    const r = await run(argv);
    if (r.exitCode === 0 || !/busy/i.test(r.stderr) || i >= BUSY_TRIES) return r;
    await new Promise((res) => setTimeout(res, BUSY_DELAY_MS));
  }
}
