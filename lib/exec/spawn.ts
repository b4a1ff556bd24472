// The only module in glassbox that starts processes. Every command is an argv array handed to execa: no shell
// ever parses a string of ours, so a value can never turn into two arguments or a shell construct.
// execa is imported lazily so commands that spawn nothing (plan, script, ps) start faster.

import type { ResultPromise } from 'execa';
import { signalNumber } from './signals.ts';

export interface CommandResult {
  argv: string[];
  exitCode: number;
  /** Signal name when the process was killed by one. */
  signal?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface RunOptions {
  stdin?: string;
  cwd?: string;
  /** Environment; with extendEnv false it is the whole environment. */
  env?: Record<string, string>;
  extendEnv?: boolean;
  timeoutMs?: number;
}

/** Called once for every finished command: feeds --verbose and the learn-mode printer. */
export type CommandListener = (r: CommandResult) => void;
const listeners: CommandListener[] = [];
export function onCommand(fn: CommandListener): () => void {
  listeners.push(fn);
  return () => listeners.splice(listeners.indexOf(fn), 1);
}

// Reports an operation glassbox did in-process (a file write, mkdir -p, rm -f) to the same listeners.
export function emitCommand(r: CommandResult): void {
  for (const l of listeners) l(r);
}

let execaModule: typeof import('execa') | undefined;
async function loadExeca(): Promise<typeof import('execa')> {
  execaModule ??= await import('execa');
  return execaModule;
}

// Starts loading execa early, so its parse and compile overlap with planning instead of delaying the first step.
export function preloadSpawner(): void {
  void loadExeca();
}

// Loads execa now and waits for it (the build's code cache is made after this: scripts/build-cli.mjs).
export async function loadSpawner(): Promise<void> {
  await loadExeca();
}

// Runs argv to completion and captures its output; never throws for a non-zero exit.
export async function runCommand(argv: string[], opts: RunOptions = {}): Promise<CommandResult> {
  const { execa } = await loadExeca();
  const started = performance.now();
  const r = await execa(argv[0]!, argv.slice(1), {
    reject: false,
    input: opts.stdin ?? '',
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: opts.extendEnv ?? true,
    timeout: opts.timeoutMs,
    stripFinalNewline: false,
    encoding: 'utf8',
  });
  const result: CommandResult = {
    argv,
    exitCode: r.exitCode ?? (r.signal ? 128 + signalNumber(r.signal) : 125),
    signal: r.signal ?? undefined,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? (r.failed && r.exitCode === undefined ? r.message : '')),
    durationMs: performance.now() - started,
  };
  if (r.exitCode === undefined && !r.signal) result.stderr ||= String(r.shortMessage ?? r.message ?? "");
  for (const l of listeners) l(result);
  return result;
}

export interface Started {
  pid: number;
  /** Resolves when the process ends: its exit code, or 128+N for signal N. */
  done: Promise<CommandResult>;
}

// Starts a long-running process with the terminal attached (the container's main process).
export async function startCommand(
  argv: string[],
  opts: RunOptions & {
    stdio: 'inherit' | 'ignore';
    /** Standard input alone, when it differs from stdio (`run` without -i: /dev/null, like docker). */
    stdin?: 'inherit' | 'ignore';
    /** Open descriptors handed to the child as its 3, 4, … (`3<FILE` in sh). */
    fds?: number[];
    /** Receives the process's standard error instead of the terminal (stdin and stdout stay attached). */
    onStderr?: (chunk: string) => void;
    /** Receives the process's standard output instead of the terminal (learn mode frames it); onEnd when it closes. */
    onStdout?: (chunk: string) => void;
    onStdoutEnd?: () => void;
    /** A session (and process group) of its own: a signal the terminal sends to glassbox's group does not reach it. */
    ownSession?: boolean;
  },
): Promise<Started> {
  const { execa } = await loadExeca();
  const started = performance.now();
  const child: ResultPromise = execa(argv[0]!, argv.slice(1), {
    reject: false,
    // Extra descriptor numbers are passed as they are; execa's types spell them out as literals, hence the cast.
    stdio: [opts.stdin ?? opts.stdio, opts.onStdout ? 'pipe' : opts.stdio, opts.onStderr ? 'pipe' : opts.stdio, ...((opts.fds ?? []) as 3[])],
    buffer: false,
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: opts.extendEnv ?? true,
    encoding: 'utf8',
    // Node's detached is setsid(2) in the child; the child is still waited for (never unref'd).
    detached: !!opts.ownSession,
  });
  if (opts.onStderr) child.stderr?.on('data', (d: Buffer | string) => opts.onStderr!(String(d)));
  if (opts.onStdout) {
    child.stdout?.on('data', (d: Buffer | string) => opts.onStdout!(String(d)));
    child.stdout?.on('close', () => opts.onStdoutEnd?.());
  }
  const pid = child.pid;
  if (pid === undefined) {
    const r = await child;
    throw new Error(`could not start ${argv[0]}: ${r.message}`);
  }
  const done = child.then((r) => {
    const result: CommandResult = {
      argv,
      exitCode: r.exitCode ?? (r.signal ? 128 + signalNumber(r.signal) : 125),
      signal: r.signal ?? undefined,
      stdout: typeof r.stdout === 'string' ? r.stdout : '',
      stderr: typeof r.stderr === 'string' ? r.stderr : '',
      durationMs: performance.now() - started,
    };
    for (const l of listeners) l(result);
    return result;
  });
  return { pid, done };
}

export interface Detached {
  pid: number;
  /** Resolves when the process ends (while glassbox still runs). */
  exited: Promise<void>;
}

// Starts a process that outlives glassbox (the monitor of a detached container): no stdin, its stdout and stderr
// appended to a file, not waited for. The process is still glassbox's child until glassbox exits.
export async function startDetached(argv: string[], logFile: string): Promise<Detached> {
  const { execa } = await loadExeca();
  const { openSync, closeSync } = await import('node:fs');
  // A descriptor number is handed to the child as it is (no pipe through glassbox, which is about to exit); execa's
  // types spell descriptor numbers out as literals, hence the cast.
  const fd = openSync(logFile, 'a', 0o600) as 3;
  const started = performance.now();
  try {
    // cleanup: false — execa must not kill the monitor when glassbox exits; that is the point of it.
    const child = execa(argv[0]!, argv.slice(1), { stdin: 'ignore', stdout: fd, stderr: fd, reject: false, cleanup: false });
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${argv[0]}: ${(await child).message}`);
    const exited = child.then(() => undefined);
    child.unref();
    for (const l of listeners) l({ argv, exitCode: 0, stdout: '', stderr: '', durationMs: performance.now() - started });
    return { pid, exited };
  } finally {
    closeSync(fd);
  }
}
