// A recipe's ulimits:, devices:, sysctls: and shm_size: (compose's syntax) into the model's fields.

import type { ContainerSpec } from './model.ts';
import type { Recipe } from './schema.ts';
import { parseDevice, parseShmSize, parseSysctl, ULIMIT_NAMES, ulimitOf, type Ulimit, type UlimitName } from './run-extras.ts';

type Extras = Pick<ContainerSpec, 'ulimits' | 'devices' | 'sysctls' | 'shmSize'>;

export function recipeExtras(r: Recipe, problem: (message: string, path: (string | number)[]) => void): Extras {
  const out: Extras = {};
  if (r.ulimits) {
    const list: Ulimit[] = [];
    for (const [name, v] of Object.entries(r.ulimits)) {
      if (!(ULIMIT_NAMES as readonly string[]).includes(name)) {
        problem(`invalid ulimit type: ${name}`, ['ulimits', name]);
        continue;
      }
      const u = typeof v === 'number' ? ulimitOf(name as UlimitName, v, v) : ulimitOf(name as UlimitName, v.soft, v.hard);
      if (typeof u === 'string') problem(u, ['ulimits', name]);
      else list.push(u);
    }
    out.ulimits = list;
  }
  if (r.devices) {
    out.devices = [];
    r.devices.forEach((text, i) => {
      const d = parseDevice(text);
      if (typeof d === 'string') problem(d, ['devices', i]);
      else out.devices!.push(d);
    });
  }
  if (r.sysctls) {
    const sysctls: Record<string, string> = {};
    const entries: Array<[string, (string | number)[]]> = Array.isArray(r.sysctls)
      ? r.sysctls.map((t, i) => [t, ['sysctls', i]])
      : Object.entries(r.sysctls).map(([k, v]) => [`${k}=${v}`, ['sysctls', k]]);
    for (const [text, path] of entries) {
      const kv = parseSysctl(text);
      if (typeof kv === 'string') problem(kv.replace(/^invalid argument "[^"]*" for "--sysctl" flag: /, ''), path);
      else sysctls[kv[0]] = kv[1];
    }
    out.sysctls = sysctls;
  }
  if (r.shm_size !== undefined) {
    const n = parseShmSize(r.shm_size);
    if (typeof n === 'string') problem(n, ['shm_size']);
    else out.shmSize = n;
  }
  return out;
}
