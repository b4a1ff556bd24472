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

// Prints an error the way a person wants to read it and returns its exit code.
export function reportError(e: unknown): number {
  if (e instanceof GlassboxErrors) {
    for (const one of e.errors) process.stderr.write(`${red('glassbox:')} ${one.format()}\n`);
    return e.exitCode;
  }
  if (e instanceof GlassboxError) {
    process.stderr.write(`${red('glassbox:')} ${e.format()}\n`);
    if (e.detail) process.stderr.write(dim(e.detail.replace(/^/gm, '  ')) + '\n');
    return e.exitCode;
  }
  const err = e as Error;
  process.stderr.write(`${red('glassbox: internal error:')} ${err?.stack ?? String(e)}\n`);
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
