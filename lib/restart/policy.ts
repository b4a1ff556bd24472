// What happens when a detached container ends, and how it is asked to end: docker's --restart policies, the stop
// signal and grace period, and the log rotation its monitor does (--log-opt max-size/max-file). Pure values and
// their parsing; the monitor script (lib/render/script.ts, renderMonitor) acts on them.

import { parseSize } from '../cgroup/units.ts';
import { parseSignal } from '../exec/signals.ts';

export const RESTART_NAMES = ['no', 'on-failure', 'always', 'unless-stopped'] as const;
export type RestartName = (typeof RESTART_NAMES)[number];

/** --restart: docker's policy; maxRetries only with on-failure (0: no limit). */
export interface RestartPolicy {
  name: RestartName;
  maxRetries: number;
}

/** docker's back-off: 100 ms before the first restart, doubled each time up to a minute, reset after 10 s up. */
export const BACKOFF = { firstMs: 100, maxMs: 60_000, resetAfterS: 10 };

// "on-failure:3" → {on-failure, 3}; a string saying what is wrong otherwise.
export function parseRestart(s: string): RestartPolicy | string {
  const [name, count, ...more] = s.split(':');
  if (!(RESTART_NAMES as readonly string[]).includes(name!) || more.length) return `invalid restart policy "${s}": one of no, on-failure[:MAX-RETRIES], always, unless-stopped`;
  if (count === undefined) return { name: name as RestartName, maxRetries: 0 };
  if (name !== 'on-failure') return `invalid restart policy "${s}": only on-failure takes a maximum retry count`;
  const n = Number(count);
  if (!/^\d+$/.test(count) || !Number.isSafeInteger(n)) return `invalid restart policy "${s}": the retry count must be a whole number`;
  return { name: 'on-failure', maxRetries: n };
}

// A stop signal's canonical name (SIGTERM), or what is wrong.
export function parseStopSignal(s: string): string | { error: string } {
  try {
    return parseSignal(s);
  } catch {
    return { error: `invalid stop signal "${s}": a name like TERM, SIGINT, or a number` };
  }
}

/** --log-opt: the monitor rotates a log file once it reaches maxSize bytes, keeping maxFile files in all. */
export interface LogOpts {
  maxSize?: number;
  maxFile?: number;
}

// --log-opt KEY=VALUE (several, or comma-separated): max-size and max-file, as docker's json-file driver has them.
export function parseLogOpts(opts: string[]): { opts: LogOpts; problems: string[] } {
  const out: LogOpts = {};
  const problems: string[] = [];
  for (const kv of opts.flatMap((o) => o.split(','))) {
    const eq = kv.indexOf('=');
    const [k, v] = eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)];
    if (k === 'max-size') {
      const p = parseSize(v);
      if ('error' in p || p.value < 1) problems.push(`max-size: invalid size "${v}" (like 10m)`);
      else out.maxSize = p.value;
    } else if (k === 'max-file') {
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < 1) problems.push(`max-file: expected a whole number of at least 1, got "${v}"`);
      else out.maxFile = n;
    } else problems.push(`unknown log option "${kv}" (max-size and max-file are supported)`);
  }
  if (out.maxFile !== undefined && out.maxSize === undefined) problems.push('max-file needs max-size (docker refuses it alone too)');
  return { opts: out, problems };
}

/** Everything about a container's life after its start, as its plan records it (PlanInfo.lifecycle). */
export interface PlanLifecycle {
  restart?: RestartPolicy;
  stopSignal?: string;
  /** Seconds between the stop signal and SIGKILL (docker's default 10). */
  stopTimeout?: number;
  log?: LogOpts;
}
