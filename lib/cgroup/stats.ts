// Reading a container's cgroup files: what `glassbox stats` shows, and the counters that tell, after the
// container ended, whether the OOM killer struck or forks were refused. Reads only; nothing is written.
//
//   figure          v1 (one file per tree)                         v2 (one directory)
//   memory used     memory.usage_in_bytes − total_inactive_file    memory.current − inactive_file (memory.stat)
//   memory limit    memory.limit_in_bytes (huge = none)            memory.max ("max" = none)
//   CPU time        cpuacct.usage (nanoseconds)                    cpu.stat usage_usec
//   processes       pids.current / pids.max                        the same
//   OOM kills       memory.oom_control "oom_kill N" (Linux 4.13+)  memory.events "oom_kill N"
//   refused forks   pids.events "max N"                            the same
// Memory used leaves out inactive page cache, as docker stats does: the kernel drops it first under pressure.

import { readFileSync } from 'node:fs';
import type { PlanCgroup } from '../plan/types.ts';
import { memoryEventsFile } from './events.ts';

export { memoryEventsFile } from './events.ts';

export interface CgroupUsage {
  /** Bytes in use (inactive page cache left out). */
  memory: number;
  /** Bytes, or undefined when unlimited. */
  memoryLimit?: number;
  /** CPU time used since the group was made, in nanoseconds. */
  cpuNs: number;
  pids: number;
  pidsLimit?: number;
}

export interface CgroupEvents {
  oomKills: number;
  /** Forks refused because the pids limit was reached. */
  pidsMax: number;
}

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};
/** The oom_kill count in the text of either file (undefined when it is not there). */
export function oomKills(text: string | undefined): number | undefined {
  return field(text, 'oom_kill');
}

// "key value" lines (memory.stat, memory.events, cpu.stat …) → one value.
const field = (text: string | undefined, key: string): number | undefined => {
  const m = text && new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};
const num = (text: string | undefined): number | undefined => {
  const t = text?.trim();
  return t === undefined || t === '' || t === 'max' ? undefined : Number(t);
};
/** v1 writes "no limit" as the largest page-aligned 64-bit number; anything this large is no limit. */
const UNLIMITED = 2 ** 60;

// The current figures of a container's groups (zeros for what cannot be read).
export function readUsage(cg: PlanCgroup): CgroupUsage {
  if (cg.version === 'v2') {
    const d = cg.dirs.unified!;
    const stat = read(`${d}/memory.stat`);
    return {
      memory: Math.max(0, (num(read(`${d}/memory.current`)) ?? 0) - (field(stat, 'inactive_file') ?? 0)),
      memoryLimit: num(read(`${d}/memory.max`)),
      cpuNs: (field(read(`${d}/cpu.stat`), 'usage_usec') ?? 0) * 1000,
      pids: num(read(`${d}/pids.current`)) ?? 0,
      pidsLimit: num(read(`${d}/pids.max`)),
    };
  }
  const { memory, cpuacct, pids } = cg.dirs;
  const limit = memory ? num(read(`${memory}/memory.limit_in_bytes`)) : undefined;
  const usage = memory ? (num(read(`${memory}/memory.usage_in_bytes`)) ?? 0) - (field(read(`${memory}/memory.stat`), 'total_inactive_file') ?? 0) : 0;
  return {
    memory: Math.max(0, usage),
    memoryLimit: limit !== undefined && limit < UNLIMITED ? limit : undefined,
    cpuNs: cpuacct ? (num(read(`${cpuacct}/cpuacct.usage`)) ?? 0) : 0,
    pids: pids ? (num(read(`${pids}/pids.current`)) ?? 0) : 0,
    pidsLimit: pids ? num(read(`${pids}/pids.max`)) : undefined,
  };
}

// The OOM-kill and refused-fork counters, read before the groups are removed.
export function readEvents(cg: PlanCgroup): CgroupEvents {
  const events = memoryEventsFile(cg);
  const oom = events ? oomKills(read(events)) : undefined;
  const pidsDir = cg.version === 'v2' ? cg.dirs.unified : cg.dirs.pids;
  return { oomKills: oom ?? 0, pidsMax: pidsDir ? (field(read(`${pidsDir}/pids.events`), 'max') ?? 0) : 0 };
}

/** One container's figures for `glassbox stats`: two readings about a second apart give the CPU share. */
export interface StatsRow {
  id: string;
  name: string;
  /** CPU time used per wall-clock time, in percent of one CPU (200 % = two CPUs busy). */
  cpuPercent: number;
  memory: number;
  /** The group's limit, or the host's memory when it has none (as docker shows it). */
  memoryLimit: number;
  memoryPercent: number;
  pids: number;
  pidsLimit?: number;
}

// Combines two readings taken `wallNs` apart into a row.
export function statsRow(id: string, name: string, before: CgroupUsage, after: CgroupUsage, wallNs: number, hostMemory: number): StatsRow {
  const limit = after.memoryLimit ?? hostMemory;
  return {
    id,
    name,
    cpuPercent: wallNs > 0 ? (Math.max(0, after.cpuNs - before.cpuNs) / wallNs) * 100 : 0,
    memory: after.memory,
    memoryLimit: limit,
    memoryPercent: limit > 0 ? (after.memory / limit) * 100 : 0,
    pids: after.pids,
    ...(after.pidsLimit !== undefined ? { pidsLimit: after.pidsLimit } : {}),
  };
}

// docker stats' table: ID, name, CPU %, memory used / limit, memory %, processes (current / limit).
export function formatStatsTable(rows: StatsRow[], bytes: (n: number) => string): string {
  const table = [['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'PIDS']];
  for (const r of rows) {
    table.push([
      r.id.slice(0, 12),
      r.name,
      `${r.cpuPercent.toFixed(2)}%`,
      `${bytes(r.memory)} / ${bytes(r.memoryLimit)}`,
      `${r.memoryPercent.toFixed(2)}%`,
      r.pidsLimit !== undefined ? `${r.pids} / ${r.pidsLimit}` : String(r.pids),
    ]);
  }
  const w = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  return table.map((row) => row.map((v, c) => v.padEnd(w[c]!)).join('   ').trimEnd()).join('\n') + '\n';
}
