// docker's words for time and state in `ps`: go-units' HumanDuration ("Less than a second", "About a minute",
// "3 hours", "2 weeks"), STATUS ("Up 2 seconds", "Up 5 minutes (Paused)", "Exited (0) 3 minutes ago", "Created",
// "Restarting (1) 2 seconds ago", "Removal In Progress", "Dead") and CREATED ("3 minutes ago"). Pure: the clock
// is a parameter.

/** go-units' HumanDuration of a span in milliseconds. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** What the STATUS column needs to know of a container. */
export interface StatusFacts {
  /** docker's State.Status: created, running, paused, restarting, removing, exited, dead (glassbox: damaged). */
  state: string;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  /** starting | healthy | unhealthy, when the container has a health check. */
  health?: string;
}

const since = (iso: string | undefined, now: number) => humanDuration(Math.max(0, now - (iso ? Date.parse(iso) : now)));

// docker ps's STATUS for one container.
export function psStatus(f: StatusFacts, now = Date.now()): string {
  const health = f.health ? ` (${f.health === 'starting' ? 'health: starting' : f.health})` : '';
  switch (f.state) {
    case 'running':
      return `Up ${since(f.startedAt, now)}${health}`;
    case 'paused':
      return `Up ${since(f.startedAt, now)} (Paused)`;
    case 'restarting':
      return `Restarting (${f.exitCode ?? 0}) ${since(f.finishedAt, now)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'exited':
      return f.finishedAt ? `Exited (${f.exitCode ?? 0}) ${since(f.finishedAt, now)} ago` : `Exited (${f.exitCode ?? 0})`;
    case 'created':
      return 'Created';
    case 'dead':
      return 'Dead';
    default:
      return f.state.charAt(0).toUpperCase() + f.state.slice(1);
  }
}

// docker ps's CREATED ("3 minutes ago").
export function runningFor(created: string, now = Date.now()): string {
  return `${since(created, now)} ago`;
}

// docker's CreatedAt: Go's time.String() of the local time, "2026-12-03 16:44:25 +0000 UTC".
export function goTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000 UTC`;
}
