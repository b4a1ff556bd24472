// `volume ls --filter` and `volume prune --filter`, docker's keys: name (part of the name), label (KEY or
// KEY=VALUE), dangling (true/false, 1/0: no container mounts it), driver (local). The same key given twice
// matches either value; different keys must all match. Pure.

import type { VolumeRecord } from './store.ts';

export const VOLUME_FILTER_KEYS = ['name', 'label', 'dangling', 'driver'] as const;
export type VolumeFilters = Map<string, string[]>;

// KEY=VALUE strings into a map, or docker's message for a key it does not know.
export function parseVolumeFilters(list: readonly string[], keys: readonly string[] = VOLUME_FILTER_KEYS): VolumeFilters | string {
  const out: VolumeFilters = new Map();
  for (const f of list) {
    const eq = f.indexOf('=');
    if (eq <= 0) return `bad format of filter (expected name=value)`;
    const key = f.slice(0, eq).toLowerCase();
    const value = f.slice(eq + 1);
    if (!keys.includes(key)) return `invalid filter '${key}'`;
    if (key === 'dangling' && !/^(true|false|1|0)$/i.test(value)) return `invalid filter 'dangling=${value}'`;
    out.set(key, [...(out.get(key) ?? []), value]);
  }
  return out;
}

// True when a label filter value (KEY or KEY=VALUE) matches these labels.
export function labelMatches(labels: Record<string, string>, want: string): boolean {
  const eq = want.indexOf('=');
  if (eq < 0) return want in labels;
  return labels[want.slice(0, eq)] === want.slice(eq + 1);
}

export function volumeMatches(v: VolumeRecord, filters: VolumeFilters, dangling: boolean): boolean {
  const any = (key: string, test: (value: string) => boolean) => !filters.has(key) || filters.get(key)!.some(test);
  return (
    any('name', (n) => v.Name.includes(n)) &&
    any('driver', (d) => d === v.Driver) &&
    // docker: several label filters must all match.
    (filters.get('label') ?? []).every((l) => labelMatches(v.Labels, l)) &&
    any('dangling', (d) => /^(true|1)$/i.test(d) === dangling)
  );
}
