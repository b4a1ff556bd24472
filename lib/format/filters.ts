// docker's --filter for ps and images: `KEY=VALUE` given any number of times. As in docker, values of one key
// match when any does (status=exited --filter status=created), different keys must all match, and label filters
// are the exception: every label asked for must be there (docker's MatchKVList). Pure: the facts are given.

import { GlassboxError } from '../errors.ts';
import { parseReference, tagKey } from '../image/reference.ts';

export type Filters = Map<string, string[]>;

// Parses the --filter values, refusing keys this list does not know (docker: "invalid filter 'KEY'").
export function parseFilters(values: string[] | undefined, known: readonly string[], flag = '--filter'): Filters {
  const out: Filters = new Map();
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new GlassboxError(`bad format of filter (expected name=value): "${v}"`, { field: flag });
    const key = v.slice(0, eq).trim().toLowerCase();
    if (!known.includes(key)) throw new GlassboxError(`invalid filter '${key}'`, { field: flag, hint: `known filters: ${known.join(', ')}` });
    out.set(key, [...(out.get(key) ?? []), v.slice(eq + 1)]);
  }
  return out;
}

// label=KEY or label=KEY=VALUE, every one of them.
export function labelsMatch(wanted: string[] | undefined, labels: Record<string, string> | undefined): boolean {
  return (wanted ?? []).every((w) => {
    const eq = w.indexOf('=');
    const k = eq < 0 ? w : w.slice(0, eq);
    if (!labels || !(k in labels)) return false;
    return eq < 0 || labels[k] === w.slice(eq + 1);
  });
}

// An image reference in its familiar `name:tag` form, or the text itself when it is no reference.
function normalRef(s: string): string {
  try {
    return tagKey(parseReference(s));
  } catch {
    return s;
  }
}

export const PS_FILTERS = ['label', 'name', 'status', 'health', 'ancestor', 'id', 'network', 'volume', 'exited'] as const;
export const PS_STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
const HEALTHS = ['starting', 'healthy', 'unhealthy', 'none'];

/** What ps's filters look at, for one container. */
export interface ContainerFacts {
  id: string;
  name: string;
  /** docker's State.Status (created, running, paused, restarting, removing, exited, dead). */
  state: string;
  exitCode?: number;
  labels?: Record<string, string>;
  health?: string;
  /** The reference it was run from, and the image's ID when known. */
  image: string;
  imageId?: string;
  /** Network names: none, host, bridge, a user network, container:NAME. */
  networks: string[];
  mounts: Array<{ Source?: string; Destination: string; Name?: string }>;
}

// Checks the values ps's filters take, before any container is looked at (docker refuses a bad status at once).
export function checkPsFilters(f: Filters): void {
  for (const s of f.get('status') ?? []) if (!PS_STATUSES.includes(s)) throw new GlassboxError(`invalid filter 'status=${s}'`, { field: '--filter', hint: `status is one of ${PS_STATUSES.join(', ')}` });
  for (const s of f.get('health') ?? []) if (!HEALTHS.includes(s)) throw new GlassboxError(`invalid filter 'health=${s}'`, { field: '--filter', hint: `health is one of ${HEALTHS.join(', ')}` });
  for (const s of f.get('exited') ?? []) if (!/^-?\d+$/.test(s)) throw new GlassboxError(`invalid filter 'exited=${s}'`, { field: '--filter', hint: 'exited takes an exit code' });
  for (const s of f.get('name') ?? []) {
    try {
      new RegExp(s);
    } catch {
      throw new GlassboxError(`invalid filter 'name=${s}': not a regular expression`, { field: '--filter' });
    }
  }
}

// True when the container passes every filter.
export function containerMatches(f: Filters, c: ContainerFacts): boolean {
  const any = (key: string, test: (v: string) => boolean) => {
    const vs = f.get(key);
    return !vs || vs.some(test);
  };
  return (
    labelsMatch(f.get('label'), c.labels) &&
    // docker matches the regular expression against "/NAME".
    any('name', (v) => new RegExp(v).test(`/${c.name}`)) &&
    any('status', (v) => v === c.state) &&
    any('health', (v) => v === (c.health ?? 'none')) &&
    any('id', (v) => c.id.startsWith(v)) &&
    any('exited', (v) => c.state === 'exited' && c.exitCode === Number(v)) &&
    any('ancestor', (v) => normalRef(v) === normalRef(c.image) || (!!c.imageId && /^(sha256:)?[0-9a-f]+$/.test(v) && c.imageId.replace(/^sha256:/, '').startsWith(v.replace(/^sha256:/, '')))) &&
    any('network', (v) => c.networks.includes(v)) &&
    any('volume', (v) => c.mounts.some((m) => m.Name === v || m.Source === v || m.Destination.replace(/\/+$/, '') === (v.replace(/\/+$/, '') || '/')))
  );
}

export const IMAGE_FILTERS = ['reference', 'label', 'dangling'] as const;

// Go's path.Match for reference=: `*` and `?` within one path segment, [classes].
export function globMatch(pattern: string, s: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return false;
      re += `[${pattern.slice(i + 1, end).replace(/^\^/, '^').replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  try {
    return new RegExp(re + '$').test(s);
  } catch {
    return false;
  }
}

/** What images' filters look at, for one image. */
export interface ImageFacts {
  tags: string[];
  labels?: Record<string, string>;
}

// images --filter: reference= matches a tag (name:tag, or the name alone), label= as for containers, dangling=
// true for an image without any tag.
export function imageMatches(f: Filters, i: ImageFacts): boolean {
  for (const d of f.get('dangling') ?? []) if (!['true', 'false', '1', '0'].includes(d)) throw new GlassboxError(`invalid filter 'dangling=${d}'`, { field: '--filter', hint: 'dangling=true or dangling=false' });
  const dangling = f.get('dangling');
  if (dangling && !dangling.some((d) => (d === 'true' || d === '1') === (i.tags.length === 0))) return false;
  if (!labelsMatch(f.get('label'), i.labels)) return false;
  const refs = f.get('reference');
  if (refs && !refs.some((p) => i.tags.some((t) => globMatch(p, t) || globMatch(p, t.slice(0, t.lastIndexOf(':')))))) return false;
  return true;
}
