// Health checks as docker has them: a test command run in the container every `interval`, allowed `timeout`,
// `retries` failures in a row before the container is unhealthy, failures during `start_period` not counted (and,
// while it is still starting in that period, a check every `start_interval` instead of every interval). Three
// inputs give one: the image's config (Healthcheck, durations in nanoseconds), the recipe's `healthcheck:` in
// docker-compose's syntax, and the run flags (--health-cmd …, --no-healthcheck). Later ones override field by field;
// a test of ["NONE"] (or disable: true, --no-healthcheck) turns the check off. Pure: nothing here runs anything.

/** A health check as far as one input sets it; durations in milliseconds. `test: ['NONE']` disables. */
export interface HealthSpec {
  test?: string[];
  intervalMs?: number;
  timeoutMs?: number;
  startPeriodMs?: number;
  startIntervalMs?: number;
  retries?: number;
}

/** The check the monitor runs: every field decided. */
export interface PlanHealth {
  /** The command as argv (CMD-SHELL becomes /bin/sh -c TEXT). */
  command: string[];
  /** The test as given (["CMD", …] or ["CMD-SHELL", "…"]), for inspect. */
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  /** Time between checks while it is starting within the start period (no effect without one). */
  startIntervalMs: number;
  retries: number;
}

/** docker's defaults: every 30 s, 30 s allowed, 3 failures in a row, no start period (every 5 s within one). */
export const HEALTH_DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, startIntervalMs: 5000, retries: 3 };

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

// A Go duration ("30s", "1m30s", "500ms", "1.5h") in milliseconds; a string saying what is wrong otherwise.
export function parseDuration(s: string): number | string {
  const t = s.trim();
  if (t === '0') return 0;
  const re = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let ms = 0;
  let end = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    end = re.lastIndex;
  }
  if (!t || end !== t.length) return `"${s}" is not a duration (like 30s, 1m30s, 500ms)`;
  return Math.round(ms);
}

// The test in docker's list form from a compose value: a string is CMD-SHELL, a list starts with NONE, CMD or
// CMD-SHELL. A string saying what is wrong otherwise.
export function normalizeTest(test: string | string[]): string[] | string {
  if (typeof test === 'string') return test.trim() === '' ? 'the test is empty' : ['CMD-SHELL', test];
  const [kind, ...rest] = test;
  if (kind === 'NONE') return ['NONE'];
  if (kind === 'CMD' && rest.length) return test;
  if (kind === 'CMD-SHELL' && rest.length === 1) return test;
  if (kind === 'CMD-SHELL') return 'CMD-SHELL takes exactly one string, the shell command';
  return 'a test list starts with "CMD" (then the argv), "CMD-SHELL" (then one shell command) or is ["NONE"]';
}

// Overlays `over` on `base` field by field (the image's, then the recipe's, then the flags').
export function mergeHealth(base: HealthSpec | undefined, over: HealthSpec | undefined): HealthSpec | undefined {
  if (!base) return over;
  if (!over) return base;
  return { ...base, ...Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)) };
}

// The check to run, or undefined: none given, or disabled (NONE).
export function resolveHealth(h: HealthSpec | undefined): PlanHealth | undefined {
  if (!h?.test || h.test[0] === 'NONE' || h.test.length < 2) return undefined;
  const command = h.test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', h.test[1]!] : h.test.slice(1);
  // 0 means "the default" in docker's config, as for the other durations.
  const pick = (v: number | undefined, d: number) => (v === undefined || v <= 0 ? d : v);
  return {
    command,
    test: h.test,
    intervalMs: pick(h.intervalMs, HEALTH_DEFAULTS.intervalMs),
    timeoutMs: pick(h.timeoutMs, HEALTH_DEFAULTS.timeoutMs),
    startPeriodMs: h.startPeriodMs ?? HEALTH_DEFAULTS.startPeriodMs,
    startIntervalMs: pick(h.startIntervalMs, HEALTH_DEFAULTS.startIntervalMs),
    retries: pick(h.retries, HEALTH_DEFAULTS.retries),
  };
}

// A plan's start interval: plans recorded before glassbox had start_interval lack it, so docker's default stands in.
export function startIntervalOf(h: PlanHealth): number {
  return h.startIntervalMs ?? HEALTH_DEFAULTS.startIntervalMs;
}

/** The image config's Healthcheck (docker: durations in nanoseconds). */
export interface ImageHealthcheck {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export function fromImage(h: ImageHealthcheck | undefined): HealthSpec | undefined {
  if (!h) return undefined;
  const ms = (ns: number | undefined) => (ns === undefined ? undefined : Math.round(ns / 1e6));
  const out: HealthSpec = {};
  if (h.Test) out.test = h.Test;
  if (h.Interval) out.intervalMs = ms(h.Interval);
  if (h.Timeout) out.timeoutMs = ms(h.Timeout);
  if (h.StartPeriod) out.startPeriodMs = ms(h.StartPeriod);
  if (h.StartInterval) out.startIntervalMs = ms(h.StartInterval);
  if (h.Retries) out.retries = h.Retries;
  return out;
}

// Reads an image config's Healthcheck defensively (pulled JSON): only well-typed fields are kept.
export function readImageHealthcheck(v: unknown): ImageHealthcheck | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const out: ImageHealthcheck = {};
  if (Array.isArray(o.Test) && o.Test.every((x) => typeof x === 'string')) out.Test = o.Test as string[];
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) {
    const n = o[k];
    if (typeof n === 'number' && Number.isFinite(n) && n >= 0) out[k] = n;
  }
  return Object.keys(out).length ? out : undefined;
}

/** The flags of `run` that set a health check (docker's names). */
export interface HealthFlags {
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthRetries?: string;
  healthStartPeriod?: string;
  healthStartInterval?: string;
  noHealthcheck?: boolean;
}

// The flags as a HealthSpec, with the problems by flag.
export function healthFromFlags(f: HealthFlags): { spec?: HealthSpec; problems: Array<{ flag: string; message: string }> } {
  const problems: Array<{ flag: string; message: string }> = [];
  const spec: HealthSpec = {};
  const dur = (flag: string, v: string | undefined, key: 'intervalMs' | 'timeoutMs' | 'startPeriodMs' | 'startIntervalMs') => {
    if (v === undefined) return;
    const d = parseDuration(v);
    if (typeof d === 'string') problems.push({ flag, message: d });
    else spec[key] = d;
  };
  if (f.noHealthcheck) {
    if (f.healthCmd !== undefined) problems.push({ flag: '--no-healthcheck', message: '--no-healthcheck conflicts with --health-cmd' });
    return { spec: { test: ['NONE'] }, problems };
  }
  if (f.healthCmd !== undefined) {
    if (f.healthCmd.trim() === '') problems.push({ flag: '--health-cmd', message: 'the command is empty' });
    else spec.test = ['CMD-SHELL', f.healthCmd];
  }
  dur('--health-interval', f.healthInterval, 'intervalMs');
  dur('--health-timeout', f.healthTimeout, 'timeoutMs');
  dur('--health-start-period', f.healthStartPeriod, 'startPeriodMs');
  dur('--health-start-interval', f.healthStartInterval, 'startIntervalMs');
  if (f.healthRetries !== undefined) {
    const n = Number(f.healthRetries);
    if (!Number.isInteger(n) || n < 0) problems.push({ flag: '--health-retries', message: `expected a whole number, got "${f.healthRetries}"` });
    else spec.retries = n;
  }
  return { ...(Object.keys(spec).length ? { spec } : {}), problems };
}

// A recipe's `healthcheck:` (compose syntax, already schema-checked) as a HealthSpec, with problems by key.
export function healthFromRecipe(h: { test?: string | string[]; interval?: string; timeout?: string; start_period?: string; start_interval?: string; retries?: number; disable?: boolean }): { spec: HealthSpec; problems: Array<{ key: string; message: string }> } {
  const problems: Array<{ key: string; message: string }> = [];
  if (h.disable) return { spec: { test: ['NONE'] }, problems };
  const spec: HealthSpec = {};
  if (h.test !== undefined) {
    const t = normalizeTest(h.test);
    if (typeof t === 'string') problems.push({ key: 'test', message: t });
    else spec.test = t;
  }
  for (const [key, field] of [['interval', 'intervalMs'], ['timeout', 'timeoutMs'], ['start_period', 'startPeriodMs'], ['start_interval', 'startIntervalMs']] as const) {
    const v = h[key];
    if (v === undefined) continue;
    const d = parseDuration(v);
    if (typeof d === 'string') problems.push({ key, message: d });
    else spec[field] = d;
  }
  if (h.retries !== undefined) spec.retries = h.retries;
  return { spec, problems };
}
