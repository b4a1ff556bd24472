// The only module in glassbox that starts processes. Every command is an argv array handed to execa — a command run
// to completion (runCommand), the executor's step shell (startFed), the container's start chain (startCommand), a
// detached monitor (startDetached) — never with shell: true, so no shell parses a string of ours and a value can
// never turn into two arguments or a shell construct. The step shell (stepshell.ts) is fed only lines the quoting
// module renders. execa is imported lazily; verbs that will spawn start loading it early (preloadSpawner).

import type { ChildProcess } from 'node:child_process';
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
  /** Standard output goes to this file, created or truncated (`> FILE` in sh), byte for byte; stdout is then ''. */
  stdoutFile?: string;
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

// Starts loading execa early, so its load overlaps with planning instead of delaying the first step.
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
    ...(opts.stdoutFile !== undefined ? { stdout: { file: opts.stdoutFile } } : {}),
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
  const started = performance.now();
  const { child } = await spawnChild(argv, {
    stdio: [opts.stdin ?? opts.stdio, opts.onStdout ? 'pipe' : opts.stdio, opts.onStderr ? 'pipe' : opts.stdio, ...(opts.fds ?? [])],
    cwd: opts.cwd,
    env: environment(opts),
    ownSession: !!opts.ownSession,
  });
  if (opts.onStderr) {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => opts.onStderr!(d));
  }
  if (opts.onStdout) {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => opts.onStdout!(d));
    child.stdout!.on('close', () => opts.onStdoutEnd?.());
  }
  const done = closed(child).then((e) => {
    const result: CommandResult = { argv, ...e, stdout: '', stderr: '', durationMs: performance.now() - started };
    for (const l of listeners) l(result);
    return result;
  });
  return { pid: child.pid!, done };
}

export interface Fed {
  pid: number;
  /** Sends text to the process's standard input (a pipe). */
  write(text: string): void;
  /** Closes its standard input: a shell reading commands from it then exits. */
  end(): void;
  /** Whether glassbox's event loop waits for the process and its pipes (while a command is in flight) or not. */
  hold(on: boolean): void;
  /** Resolves when the process has ended, with its exit code (128+N for signal N). */
  exited: Promise<{ exitCode: number; signal?: string }>;
}

// Starts a process that reads what glassbox writes to its standard input (the step shell, stepshell.ts) and hands
// its standard output and error, as text, to the callbacks. Not reported to the command listeners: it is a
// transport, and each command it is given is reported on its own. Spawned like startCommand's.
export async function startFed(argv: string[], onStdout: (s: string) => void, onStderr: (s: string) => void): Promise<Fed> {
  const { child } = await spawnChild(argv, { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => onStdout(d));
  child.stderr!.on('data', (d: string) => onStderr(d));
  // A write after the shell has gone (EPIPE) is answered by `exited`, not by an uncaught error.
  child.stdin!.on('error', () => {});
  const streams = [child.stdin, child.stdout, child.stderr] as unknown as { ref(): void; unref(): void }[];
  return {
    pid: child.pid!,
    write: (text) => void child.stdin!.write(text),
    end: () => child.stdin!.end(),
    hold: (on) => {
      if (on) child.ref();
      else child.unref();
      for (const s of streams) (on ? s.ref : s.unref).call(s);
    },
    // 'exit', not 'close': a command the killed shell left behind may hold its pipes open a while.
    exited: closed(child, 'exit'),
  };
}

type Stdio = 'inherit' | 'ignore' | 'pipe' | number;

// The child's environment: glassbox's, extended by opts.env, or opts.env alone (extendEnv false).
function environment(opts: RunOptions): NodeJS.ProcessEnv {
  if (opts.extendEnv === false) return opts.env ?? {};
  return opts.env ? { ...process.env, ...opts.env } : process.env;
}

// Spawns argv through execa (never through a shell); throws when it cannot be started (no such program). execa's
// cleanup sends a child still running when glassbox exits SIGTERM. Output is not buffered: the callers read the
// pipes themselves. The result is execa's subprocess, a ChildProcess, whose events the callers wait on; it comes
// wrapped, because the subprocess is also a promise of its end, which an async function's result would wait for.
async function spawnChild(argv: string[], opts: { stdio: Stdio[]; cwd?: string; env: NodeJS.ProcessEnv; ownSession?: boolean }): Promise<{ child: ChildProcess }> {
  const { execa } = await loadExeca();
  const child = execa(argv[0]!, argv.slice(1), {
    // Extra descriptor numbers are passed as they are; execa's types spell them out as literals, hence the cast.
    stdio: opts.stdio as ['pipe', 'pipe', 'pipe'],
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: false,
    buffer: false,
    reject: false,
    // Node's detached is setsid(2) in the child; the child is still waited for (never unref'd here).
    detached: !!opts.ownSession,
  });
  if (child.pid === undefined) {
    const r = await child;
    throw new Error(`could not start ${argv[0]}: ${r.message}`);
  }
  return { child: child as unknown as ChildProcess };
}

// Resolves once the child has ended and (for 'close') its pipes are closed: its exit code, or 128+N for signal N.
function closed(child: ChildProcess, event: 'close' | 'exit' = 'close'): Promise<{ exitCode: number; signal?: string }> {
  return new Promise((res) => {
    child.once(event, (code: number | null, signal: NodeJS.Signals | null) => res(signal ? { exitCode: 128 + signalNumber(signal), signal } : { exitCode: code ?? 125 }));
  });
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
