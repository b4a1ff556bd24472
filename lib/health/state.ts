// The health state a container's monitor keeps on disk, read back for ps and inspect: `health/status` holds
// "STATE STREAK", and each recent result is a file named by its sequence number whose first line is
// "START END EXITCODE" and the rest the check's output (at most 4096 bytes). Reading only.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** docker's State.Health. */
export interface HealthState {
  Status: HealthStatus;
  FailingStreak: number;
  Log: Array<{ Start: string; End: string; ExitCode: number; Output: string }>;
}

// The state in `dir`, or undefined when the monitor has not written one (no check, or not started yet).
export function readHealth(dir: string, withLog = true): HealthState | undefined {
  let status: string;
  try {
    status = readFileSync(join(dir, 'status'), 'utf8').trim();
  } catch {
    return undefined;
  }
  const [state, streak] = status.split(' ');
  if (state !== 'starting' && state !== 'healthy' && state !== 'unhealthy') return undefined;
  const log: HealthState['Log'] = [];
  if (withLog) {
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(a) - Number(b)).slice(-5);
    } catch {}
    for (const n of names) {
      try {
        const text = readFileSync(join(dir, n), 'utf8');
        const nl = text.indexOf('\n');
        const [start = '', end = '', code = ''] = text.slice(0, nl < 0 ? undefined : nl).split(' ');
        log.push({ Start: start, End: end, ExitCode: Number(code), Output: nl < 0 ? '' : text.slice(nl + 1) });
      } catch {}
    }
  }
  return { Status: state, FailingStreak: Number(streak) || 0, Log: log };
}
