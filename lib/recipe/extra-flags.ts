// --ulimit, --device, --sysctl, --shm-size and --pull over a spec (lib/recipe/flags.ts calls this; the values
// are parsed in lib/recipe/run-extras.ts, the same functions the recipe loader uses).

import { GlassboxError } from '../errors.ts';
import type { ContainerSpec } from './model.ts';
import { parseDevice, parseShmSize, parseSysctl, parseUlimit } from './run-extras.ts';

export const PULL_POLICIES = ['missing', 'always', 'never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

interface ExtraFlags {
  ulimit?: string[];
  device?: string[];
  sysctl?: string[];
  shmSize?: string;
  pull?: string;
}

export function applyExtraFlags(spec: ContainerSpec, f: ExtraFlags, from: (path: (string | number)[], flag: string) => void): GlassboxError[] {
  const problems: GlassboxError[] = [];
  if (f.ulimit?.length) {
    const byName = new Map((spec.ulimits ?? []).map((u) => [u.name, u]));
    for (const text of f.ulimit) {
      const u = parseUlimit(text);
      if (typeof u === 'string') problems.push(new GlassboxError(u, { field: '--ulimit', hint: 'NAME=SOFT[:HARD], like nofile=1024:2048' }));
      else (byName.set(u.name, u), from(['ulimits', u.name], '--ulimit'));
    }
    spec.ulimits = [...byName.values()];
  }
  if (f.device?.length) {
    const devices = [...(spec.devices ?? [])];
    for (const text of f.device) {
      const d = parseDevice(text);
      if (typeof d === 'string') problems.push(new GlassboxError(d, { field: '--device', hint: 'HOST[:CONTAINER[:rwm]], like /dev/fuse or /dev/null:/dev/x:rw' }));
      else from(['devices', devices.push(d) - 1], '--device');
    }
    spec.devices = devices;
  }
  if (f.sysctl?.length) {
    const sysctls = { ...spec.sysctls };
    for (const text of f.sysctl) {
      const kv = parseSysctl(text);
      if (typeof kv === 'string') problems.push(new GlassboxError(kv, { field: '--sysctl', hint: 'docker allows kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.* and net.* (with a network namespace of its own)' }));
      else (sysctls[kv[0]] = kv[1]), from(['sysctls', kv[0]], '--sysctl');
    }
    spec.sysctls = sysctls;
  }
  if (f.shmSize !== undefined) {
    const n = parseShmSize(f.shmSize);
    if (typeof n === 'string') problems.push(new GlassboxError(n, { field: '--shm-size', hint: 'a size like 128m' }));
    else (spec.shmSize = n), from(['shm_size'], '--shm-size');
  }
  if (f.pull !== undefined && !(PULL_POLICIES as readonly string[]).includes(f.pull)) {
    problems.push(new GlassboxError(`invalid pull option: '${f.pull}': must be one of "always", "missing", "never"`, { field: '--pull' }));
  }
  return problems;
}
