// Everything the CLI prints about itself goes through here: errors (one clear line, no stack), warnings, the
// --verbose command trace and the spinner for long waits. Colour (chalk) follows NO_COLOR, --no-color and whether
// stderr is a terminal; the spinner (ora) only ever runs on a terminal's stderr, never while a container has it.

import { Chalk } from 'chalk';
import { GlassboxError, GlassboxErrors } from '../errors.ts';
import { onCommand, type CommandResult } from '../exec/spawn.ts';
import type { ShortNames } from '../render/names.ts';
import { nameDefinitions, shellVar, shJoin } from '../render/quote.ts';

let chalk = new Chalk({ level: !process.env.NO_COLOR && process.stderr.isTTY ? 1 : 0 });
export const setColour = (on: boolean) => (chalk = new Chalk({ level: on && !process.env.NO_COLOR && process.stderr.isTTY ? 1 : 0 }));
export const useColour = () => chalk.level > 0;

export const red = (s: string) => chalk.red(s);
export const dim = (s: string) => chalk.dim(s);
export const bold = (s: string) => chalk.bold(s);
export const yellow = (s: string) => chalk.yellow(s);

// A message may quote what the user typed: control characters are shown escaped (a value must not move the
// cursor or change the terminal's colours) and a very long line is shortened in the middle.
export function printable(line: string): string {
  const clean = line.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return clean.length <= 2000 ? clean : `${clean.slice(0, 1000)}…(${clean.length - 1500} characters left out)…${clean.slice(-500)}`;
}

// Prints an error the way a person wants to read it and returns its exit code. Anything that is not a
// GlassboxError is a bug in glassbox: one line saying so, and the stack only with GLASSBOX_DEBUG=1.
export function reportError(e: unknown): number {
  const line = (s: string) => process.stderr.write(`${red('glassbox:')} ${printable(s)}\n`);
  if (e instanceof GlassboxErrors) {
    for (const one of e.errors) line(one.format());
    return e.exitCode;
  }
  if (e instanceof GlassboxError) {
    line(e.format());
    if (e.detail) process.stderr.write(dim(e.detail.replace(/^/gm, '  ')) + '\n');
    return e.exitCode;
  }
  // A full file system (ENOSPC, or a quota: EDQUOT) is the machine's state, not a bug: said plainly, no stack.
  const errno = e as NodeJS.ErrnoException;
  if (errno?.code === 'ENOSPC' || errno?.code === 'EDQUOT') {
    const where = errno.path ?? process.env.GLASSBOX_ROOT ?? '/var/lib/glassbox';
    process.stderr.write(`${red('glassbox:')} no space left on the file system holding ${where} (${errno.code})\n  hint: free some space there (glassbox gc, glassbox image prune), then run again; nothing was left half-made\n`);
    return 125;
  }
  const err = e as NodeJS.ErrnoException | undefined;
  const what = err instanceof Error ? `${err.message}` : String(e);
  if (process.env.GLASSBOX_DEBUG) process.stderr.write(`${red('glassbox: internal error:')} ${err?.stack ?? what}\n`);
  else line(`internal error: ${what} (a bug in glassbox: please report it with the command line; GLASSBOX_DEBUG=1 shows where it happened)`);
  return 125;
}

export function warn(msg: string): void {
  process.stderr.write(`${yellow('glassbox: warning:')} ${msg}\n`);
}

let traceNames: ShortNames | undefined;
// --verbose of a container's run: its long values are named once (ID=…, RUN=…), as in its plan and learn mode.
export function setTraceNames(names: ShortNames): void {
  traceNames = names;
  if (tracing && names.length) process.stderr.write(dim(nameDefinitions(names).map((l) => `${' '.repeat(11)} ${l}`).join('\n')) + '\n');
}

// --verbose: one line per command with its duration and exit status.
export function traceCommand(r: CommandResult): void {
  const status = r.exitCode === 0 ? '' : red(` → exit ${r.exitCode}`);
  process.stderr.write(`${dim(`[${r.durationMs.toFixed(1).padStart(6)} ms]`)} ${shJoin(r.argv, shellVar, traceNames)}${status}\n`);
  if (r.exitCode !== 0 && r.stderr.trim()) process.stderr.write(dim(r.stderr.trim().replace(/^/gm, '    ')) + '\n');
}

let tracing = false;
// Turns the --verbose trace on for every command that follows.
export function enableTrace(on: boolean | undefined): void {
  if (!on || tracing) return;
  tracing = true;
  onCommand(traceCommand);
}

// Runs a long, quiet task with a spinner on a terminal (a plain line otherwise).
export async function withSpinner<T>(text: string, task: () => Promise<T>): Promise<T> {
  if (!process.stderr.isTTY || tracing) {
    process.stderr.write(dim(`glassbox: ${text}\n`));
    return task();
  }
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: process.stderr, discardStdin: false }).start();
  try {
    const out = await task();
    spinner.succeed();
    return out;
  } catch (e) {
    spinner.fail();
    throw e;
  }
}
