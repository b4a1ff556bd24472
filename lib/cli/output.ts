// Everything the CLI prints about itself goes through here: errors (one clear line, no stack), warnings and the
// --verbose command trace. Colour follows NO_COLOR, --no-color and whether stderr is a terminal.

import { GlassboxError, GlassboxErrors } from '../errors.ts';
import type { CommandResult } from '../exec/spawn.ts';

let colour = !process.env.NO_COLOR && process.stderr.isTTY === true;
export const setColour = (on: boolean) => (colour = on && !process.env.NO_COLOR && process.stderr.isTTY === true);
export const useColour = () => colour;

const paint = (code: string, s: string) => (colour ? `\u001b[${code}m${s}\u001b[0m` : s);
export const red = (s: string) => paint('31', s);
export const dim = (s: string) => paint('2', s);
export const bold = (s: string) => paint('1', s);
export const yellow = (s: string) => paint('33', s);

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

// --verbose: one line per command with its duration and exit status.
export function traceCommand(r: CommandResult, render: (argv: string[]) => string): void {
  const status = r.exitCode === 0 ? '' : red(` → exit ${r.exitCode}`);
  process.stderr.write(`${dim(`[${r.durationMs.toFixed(1).padStart(6)} ms]`)} ${render(r.argv)}${status}\n`);
  if (r.exitCode !== 0 && r.stderr.trim()) process.stderr.write(dim(r.stderr.trim().replace(/^/gm, '    ')) + '\n');
}
