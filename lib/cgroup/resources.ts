// The resource model: what a container may use, in one shape whatever the input (recipe `resources:` or docker's
// flags) and whatever the kernel (cgroup v1 or v2). Values are plain numbers here; lib/cgroup/compile.ts turns
// them into the files and values of one cgroup version.
//
//   memory       bytes of RAM (page cache included) before the kernel reclaims, then OOM-kills, inside the group
//   memory_swap  memory PLUS swap, docker's way; -1 means unlimited swap; unset means as much swap as memory
//   cpus         CPU time per wall-clock time: 0.5 is half of one CPU, 2 is two CPUs' worth (a quota per period)
//   cpu_shares   a relative weight when CPUs are contended (1024 is the default), not a limit
//   cpuset_cpus  which CPUs the processes may run on at all ("0-1,3")
//   pids         how many processes (and threads) may exist at once: what stops a fork bomb

import type { Problem } from '../recipe/problem.ts';
import { formatBytes, formatCpuList, parseCpuList, parseSize } from './units.ts';

export interface Resources {
  memory?: number;
  /** Memory plus swap in bytes; -1 for unlimited swap. */
  memorySwap?: number;
  cpus?: number;
  cpuShares?: number;
  cpusetCpus?: string;
  pids?: number;
}

/** The recipe's keys, in the order they are documented. */
export const RESOURCE_KEYS = ['memory', 'memory_swap', 'cpus', 'cpu_shares', 'cpuset_cpus', 'pids'] as const;
export type ResourceKey = (typeof RESOURCE_KEYS)[number];
export type RawResources = Partial<Record<ResourceKey, string | number>>;

/** docker's flag for each key, for error messages about flags. */
export const RESOURCE_FLAGS: Record<ResourceKey, string> = {
  memory: '--memory',
  memory_swap: '--memory-swap',
  cpus: '--cpus',
  cpu_shares: '--cpu-shares',
  cpuset_cpus: '--cpuset-cpus',
  pids: '--pids-limit',
};

/** What the host offers, for the checks that depend on it. */
export interface ResourceHost {
  /** CPUs glassbox may use (the --cpus ceiling). */
  cpus: number;
  /** CPU numbers from /sys/devices/system/cpu/online. */
  onlineCpus: number[];
}

/** docker's floor: below this a container cannot even start its first process reliably. */
export const MIN_MEMORY = 6 * 1024 * 1024;
/** podman's default pids limit: generous for any real program, fatal to a fork bomb. */
export const DEFAULT_PIDS = 2048;
/** The CFS period glassbox uses (docker's): quota = cpus × period. */
export const CPU_PERIOD_US = 100_000;
export const MIN_CPUS = 0.01;
export const MAX_SHARES = 262_144;

const SIZE_HINT = 'a number with an optional unit b, k, m or g; binary: 64m = 64 MiB';
const at = (key: ResourceKey): Problem['path'] => ['resources', key];

// Turns what the user wrote into numbers; syntax problems only (ranges are checkResources' job).
export function parseResources(raw: RawResources): { resources: Resources; problems: Problem[] } {
  const out: Resources = {};
  const problems: Problem[] = [];
  const bad = (key: ResourceKey, message: string, hint?: string) => problems.push({ path: at(key), message, hint });
  const whole = (key: ResourceKey, v: string | number): number | undefined => {
    const n = typeof v === 'number' ? v : /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n)) bad(key, `must be a whole number, got "${v}"`);
    return Number.isInteger(n) ? n : undefined;
  };
  if (raw.memory !== undefined) {
    const p = parseSize(raw.memory);
    if ('error' in p) bad('memory', p.error, SIZE_HINT);
    else out.memory = p.value;
  }
  // A memory_swap without a valid memory would only add a confusing second message.
  if (raw.memory_swap !== undefined && (raw.memory === undefined || out.memory !== undefined)) {
    const p = String(raw.memory_swap).trim() === '-1' ? { value: -1 } : parseSize(raw.memory_swap);
    if ('error' in p) bad('memory_swap', p.error, `${SIZE_HINT}; -1 for unlimited swap`);
    else out.memorySwap = p.value;
  }
  if (raw.cpus !== undefined) {
    const n = typeof raw.cpus === 'number' ? raw.cpus : /^\s*-?(\d+\.?\d*|\.\d+)\s*$/.test(raw.cpus) ? Number(raw.cpus) : NaN;
    if (!Number.isFinite(n)) bad('cpus', `invalid number of CPUs "${raw.cpus}"`, 'a decimal number, like 0.5 or 2');
    else out.cpus = n;
  }
  if (raw.cpu_shares !== undefined) {
    const n = whole('cpu_shares', raw.cpu_shares);
    if (n !== undefined) out.cpuShares = n;
  }
  if (raw.cpuset_cpus !== undefined) out.cpusetCpus = String(raw.cpuset_cpus).trim();
  if (raw.pids !== undefined) {
    const n = whole('pids', raw.pids);
    if (n !== undefined) out.pids = n;
  }
  return { resources: out, problems };
}

// Checks ranges, and with `host` what this machine can give. Every problem names its recipe key.
export function checkResources(r: Resources, host?: ResourceHost): Problem[] {
  const problems: Problem[] = [];
  const bad = (key: ResourceKey, message: string, hint?: string) => problems.push({ path: at(key), message, hint });
  if (r.memory !== undefined) {
    if (r.memory <= 0) bad('memory', `must be greater than 0, got ${formatBytes(r.memory)}`, SIZE_HINT);
    else if (r.memory < MIN_MEMORY) {
      bad('memory', `must be at least ${formatBytes(MIN_MEMORY)}, got ${formatBytes(r.memory)}`, 'like docker, glassbox refuses limits too small for a process to start');
    }
  }
  if (r.memorySwap !== undefined && r.memorySwap !== -1) {
    if (r.memorySwap <= 0) bad('memory_swap', `must be greater than 0, or -1 for unlimited swap, got ${formatBytes(r.memorySwap)}`);
    else if (r.memory === undefined) bad('memory_swap', 'needs a memory limit as well', 'memory_swap counts memory plus swap');
    else if (r.memorySwap < r.memory) {
      bad('memory_swap', `must be at least the memory limit (${formatBytes(r.memory)}), got ${formatBytes(r.memorySwap)}`, 'memory_swap counts memory plus swap; -1 allows unlimited swap');
    }
  }
  if (r.cpus !== undefined) {
    if (r.cpus <= 0) bad('cpus', `must be greater than 0, got ${r.cpus}`, 'a decimal number, like 0.5 or 2');
    else if (r.cpus < MIN_CPUS) bad('cpus', `must be at least ${MIN_CPUS}, got ${r.cpus}`, 'the kernel needs a quota of at least 1 ms per 100 ms period');
    else if (host && r.cpus > host.cpus) bad('cpus', `must be at most ${host.cpus} (this host has ${host.cpus} CPU${host.cpus === 1 ? '' : 's'}), got ${r.cpus}`);
  }
  if (r.cpuShares !== undefined && (r.cpuShares < 2 || r.cpuShares > MAX_SHARES)) {
    bad('cpu_shares', `must be between 2 and ${MAX_SHARES}, got ${r.cpuShares}`, 'a relative weight; 1024 is the default');
  }
  if (r.cpusetCpus !== undefined) {
    const p = parseCpuList(r.cpusetCpus);
    if ('error' in p) bad('cpuset_cpus', `invalid CPU list "${r.cpusetCpus}"`, 'CPU numbers and ranges, like 0-2,4');
    else if (host) {
      const off = p.value.filter((c) => !host.onlineCpus.includes(c));
      if (off.length) {
        const which = off.length === 1 ? `CPU ${off[0]} is` : `CPUs ${formatCpuList(off)} are`;
        bad('cpuset_cpus', `${which} not online on this host (online CPUs: ${formatCpuList(host.onlineCpus)})`);
      }
    }
  }
  if (r.pids !== undefined && r.pids <= 0) bad('pids', `must be greater than 0, got ${r.pids}`, 'the most processes the container may hold at once, like 64');
  return problems;
}

// True when the spec asks for any limit at all (the default pids limit aside).
export function hasLimits(r: Resources | undefined): boolean {
  return !!r && Object.values(r).some((v) => v !== undefined);
}

// memory + swap as the kernel's v1 file wants it: docker's default is as much swap as memory; -1 unlimited.
export function memoryPlusSwap(r: Resources): number | undefined {
  if (r.memory === undefined) return undefined;
  if (r.memorySwap === -1) return -1;
  return r.memorySwap ?? 2 * r.memory;
}

// cpus → CFS quota in microseconds per CPU_PERIOD_US.
export function cpuQuota(cpus: number): number {
  return Math.round(cpus * CPU_PERIOD_US);
}

// v1 cpu.shares (2…262144, default 1024) → v2 cpu.weight (1…10000, default 100), the formula runc uses.
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}
