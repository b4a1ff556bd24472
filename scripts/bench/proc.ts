// Running one command for the benchmark: argv arrays only (no shell), timed with the monotonic clock around
// spawnSync, so what is measured is fork + exec + the program's whole life + reaping it.

import { spawnSync } from 'node:child_process';

export interface Cmd {
  argv: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface Outcome {
  ok: boolean;
  ms: number;
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  error?: string;
}

// Runs a command to its end. stdin is /dev/null; stdout is kept only when asked (timed runs discard it).
export function run(cmd: Cmd, opts: { stdout?: boolean; timeoutMs?: number } = {}): Outcome {
  const [file, ...args] = cmd.argv;
  if (file === undefined) throw new Error('empty argv');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, args, {
    env: cmd.env ?? process.env,
    cwd: cmd.cwd,
    stdio: ['ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return {
    ok: !r.error && r.status === 0,
    ms,
    status: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    error: r.error?.message,
  };
}

// One line saying why a command failed: its exit status and the end of its stderr.
export function why(o: Outcome): string {
  const tail = o.stderr.trim().split('\n').slice(-3).join(' | ');
  const how = o.error ? o.error : o.signal ? `killed by ${o.signal}` : `exit status ${o.status}`;
  return tail ? `${how}: ${tail}` : how;
}

// Runs a command that must succeed and returns its stdout; throws with the reason otherwise.
export function must(cmd: Cmd, what: string): string {
  const o = run(cmd, { stdout: true });
  if (!o.ok) throw new Error(`${what} failed (${cmd.argv.join(' ')}): ${why(o)}`);
  return o.stdout;
}

// The first line a program prints for --version (or "" when it is not there).
export function versionOf(argv: string[]): string {
  const o = run({ argv }, { stdout: true, timeoutMs: 10_000 });
  return o.ok ? (o.stdout.trim().split('\n')[0] ?? '') : '';
}
