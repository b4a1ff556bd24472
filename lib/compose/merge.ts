// Merging several compose files (`-f a.yaml -f b.yaml`, or compose.yaml with compose.override.yaml) by the
// specification's rules (13-merge.md, compose-go's override package), on the canonical forms of each file:
// mappings merge key by key (environment, labels, sysctls, depends_on, networks, ulimits, healthcheck, build,
// limits), the later file's scalar wins, `command`, `entrypoint` and `healthcheck.test` are replaced, sequences
// are appended keeping each entry once — ports by {host_ip, published, target, protocol}, volumes by target,
// env files by path, expose/dns/cap_add/cap_drop/tmpfs/extra_hosts/profiles by value (a later duplicate replaces
// the earlier in place). `!reset` on a value removes it; `!override` replaces it without merging.

import type { ServicePort, ServiceVolume } from './model.ts';
import type { FileModel, PartialService } from './normalise.ts';

export type Tag = 'reset' | 'override';
/** Tagged values of one file, by dotted path (`services.web.ports`, `services.web.environment.FOO`). */
export type Tags = Map<string, Tag>;

const REPLACE = new Set(['command', 'entrypoint']);
const portKey = (p: ServicePort) => `${p.host_ip ?? ''}:${p.published ?? ''}:${p.target}/${p.protocol}`;
const KEYS: Record<string, (x: never) => string> = {
  ports: portKey as (x: never) => string,
  volumes: ((v: ServiceVolume) => v.target) as (x: never) => string,
  env_file: ((e: { path: string }) => e.path) as (x: never) => string,
};

// Appends `more` to `base`, an entry with a key already present replacing it where it stands.
export function appendUnique<T>(base: T[], more: T[], key: (x: T) => string = (x) => JSON.stringify(x)): T[] {
  const out = [...base];
  const at = new Map(out.map((x, i) => [key(x), i]));
  for (const x of more) {
    const k = key(x);
    const i = at.get(k);
    if (i === undefined) at.set(k, out.push(x) - 1);
    else out[i] = x;
  }
  return out;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// Merges two values of the same attribute (`name` is the service attribute, for the sequence and replace rules).
function mergeValue(name: string, a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (REPLACE.has(name) || a === undefined || a === null) return b;
  // A null in a later file changes nothing (compose-go's merge keeps the earlier value; !reset removes it).
  if (b === null) return a;
  if (Array.isArray(a) && Array.isArray(b)) return appendUnique(a, b, KEYS[name] as ((x: unknown) => string) | undefined);
  if (isMap(a) && isMap(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) {
      if (name === 'healthcheck' && k === 'test') out[k] = v;
      else out[k] = mergeValue(`${name}.${k}`, out[k], v);
    }
    return out;
  }
  return b;
}

// One service of a later file over the merged one.
export function mergeService(a: PartialService | null | undefined, b: PartialService | null | undefined): PartialService {
  const out: Record<string, unknown> = { ...(a ?? {}) };
  for (const [k, v] of Object.entries(b ?? {})) out[k] = mergeValue(k, out[k], v);
  return out as PartialService;
}

// Applies one file's !reset and !override tags to what the earlier files gave: the tagged value is removed from
// the merged model (and, for !reset, from the file too), so the file's own value, if any, is then taken as it is.
function applyTags(merged: FileModel, file: FileModel, tags: Tags): void {
  for (const [path, tag] of tags) {
    const segs = path.split('.');
    for (const target of tag === 'reset' ? [merged, file] : [merged]) {
      let node: unknown = target;
      for (const s of segs.slice(0, -1)) node = isMap(node) ? node[s] : undefined;
      if (isMap(node)) delete node[segs.at(-1)!];
    }
  }
}

// Merges the files in order; each FileModel is consumed.
export function mergeFiles(files: { model: FileModel; tags: Tags }[]): FileModel {
  const merged: FileModel = { file: files[0]?.model.file ?? '', services: {}, networks: {}, volumes: {}, extensions: {} };
  for (const { model, tags } of files) {
    applyTags(merged, model, tags);
    if (model.name !== undefined) merged.name = model.name;
    for (const [name, s] of Object.entries(model.services)) merged.services[name] = mergeService(merged.services[name], s);
    for (const [name, n] of Object.entries(model.networks)) merged.networks[name] = mergeValue('network', merged.networks[name], n) as FileModel['networks'][string];
    for (const [name, v] of Object.entries(model.volumes)) merged.volumes[name] = mergeValue('volume', merged.volumes[name], v) as FileModel['volumes'][string];
    merged.extensions = mergeValue('x', merged.extensions, model.extensions) as Record<string, unknown>;
  }
  return merged;
}
