// docker's three ways to ask for a mount, parsed into the one Volume model (lib/recipe/model.ts): the short
// `-v SRC:DST[:MODE]` form (a source without a slash is a volume's name, no source an anonymous volume), the long
// `--mount type=…,source=…,target=…` form with docker's keys, and `--volumes-from CONTAINER[:ro|rw]`. Pure: the
// messages are docker's own wording, so a docker user recognises them.

import type { Propagation, Volume } from '../recipe/model.ts';

/** docker's rule for a local volume's name (at least two characters). */
export const VOLUME_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
export const PROPAGATIONS: readonly Propagation[] = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

// docker's message for a volume name it refuses (it also guesses that a relative path was meant).
export function volumeNameProblem(name: string): string | undefined {
  if (VOLUME_NAME_RE.test(name)) return undefined;
  return `"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`;
}

const MODES = new Set(['ro', 'rw', 'z', 'Z', 'nocopy', ...PROPAGATIONS]);
const isMode = (s: string) => s !== '' && s.split(',').every((m) => MODES.has(m));

// -v SRC:DST[:MODE], -v DST[:MODE] (anonymous). MODE: ro|rw, nocopy, a propagation, z|Z (SELinux labels: this
// host has none, so they are accepted and change nothing, as docker does without SELinux).
export function parseVolumeShort(s: string): Volume | string {
  const parts = s.split(':');
  if (parts.length > 3) return `invalid spec: ${s}: too many colons`;
  let source: string | undefined;
  let target: string;
  let mode = '';
  if (parts.length === 1) target = parts[0]!;
  else if (parts.length === 2 && !parts[1]!.startsWith('/') && isMode(parts[1]!)) [target, mode] = parts as [string, string];
  else [source, target, mode = ''] = parts as [string, string, string?];
  if (source === '') return `invalid spec: ${s}: empty section between colons`;
  if (!target) return `invalid spec: ${s}: empty section between colons`;
  if (parts.length === 3 && !mode) return `invalid spec: ${s}: empty section between colons`;
  const modes = mode ? mode.split(',') : [];
  for (const m of modes) if (!MODES.has(m)) return `invalid mode: ${mode}`;
  if (modes.includes('ro') && modes.includes('rw')) return `invalid mode: ${mode}`;
  const readOnly = modes.includes('ro');
  const propagation = modes.find((m): m is Propagation => (PROPAGATIONS as readonly string[]).includes(m));
  if (source !== undefined && source.includes('/')) {
    if (modes.includes('nocopy')) return `invalid mode: ${mode}`;
    return { type: 'bind', source, target, readOnly, ...(propagation ? { propagation } : {}) };
  }
  if (propagation) return `invalid mode: ${mode}`;
  return { type: 'volume', ...(source !== undefined ? { source } : {}), target, readOnly, ...(modes.includes('nocopy') ? { noCopy: true } : {}) };
}

// A CSV field list as docker reads it (encoding/csv: a field may be double-quoted, "" is a quote inside it).
function csvFields(s: string): string[] | string {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) return 'extraneous or missing " in quoted-field';
        if (s[i] === '"') {
          if (s[i + 1] === '"') (field += '"'), (i += 2);
          else {
            i++;
            break;
          }
        } else field += s[i++];
      }
      if (i < s.length && s[i] !== ',') return 'extraneous or missing " in quoted-field';
    } else {
      const end = s.indexOf(',', i);
      field = s.slice(i, end < 0 ? s.length : end);
      if (field.includes('"')) return 'bare " in non-quoted-field';
      i = end < 0 ? s.length : end;
    }
    out.push(field);
    if (i >= s.length) return out;
    i++; // the comma
  }
}

const bool = (v: string): boolean | undefined => (/^(1|t|true)$/i.test(v) ? true : /^(0|f|false)$/i.test(v) ? false : undefined);

/** A --mount value's size and mode checks need the units module; its result is a Volume or docker's message. */
export interface ParsedMount {
  volume?: Volume;
  problem?: string;
}

// --mount type=bind|volume|tmpfs,source|src=…,target|dst|destination=…,readonly|ro[=BOOL],volume-nocopy[=BOOL],
// tmpfs-size=…,tmpfs-mode=…,bind-propagation=… — docker's keys and, for what it refuses, docker's messages.
export function parseMount(value: string): ParsedMount {
  const fields = csvFields(value);
  if (typeof fields === 'string') return { problem: fields };
  let type = 'volume';
  let source: string | undefined;
  let target: string | undefined;
  let readOnly = false;
  let noCopy: boolean | undefined;
  let propagation: string | undefined;
  let size: string | undefined;
  let mode: string | undefined;
  const families = new Set<'volume' | 'bind' | 'tmpfs'>();
  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? undefined : field.slice(eq + 1);
    if (val === undefined) {
      if (key === 'readonly' || key === 'ro') readOnly = true;
      else if (key === 'volume-nocopy') (noCopy = true), families.add('volume');
      else return { problem: `invalid field '${field}' must be a key=value pair` };
      continue;
    }
    switch (key) {
      case 'type':
        type = val.toLowerCase();
        break;
      case 'source':
      case 'src':
        source = val;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        target = val;
        break;
      case 'readonly':
      case 'ro': {
        const b = bool(val);
        if (b === undefined) return { problem: `invalid value for ${key}: ${val}` };
        readOnly = b;
        break;
      }
      case 'volume-nocopy': {
        const b = bool(val);
        if (b === undefined) return { problem: `invalid value for volume-nocopy: ${val}` };
        noCopy = b;
        families.add('volume');
        break;
      }
      case 'bind-propagation':
        propagation = val.toLowerCase();
        families.add('bind');
        break;
      case 'tmpfs-size':
        if (!/^[0-9]+(\.[0-9]+)?\s*([kmgtp]i?b?|b)?$/i.test(val)) return { problem: `invalid value for ${key}: ${val}` };
        size = val;
        families.add('tmpfs');
        break;
      case 'tmpfs-mode':
        if (!/^[0-7]{1,11}$/.test(val)) return { problem: `invalid value for ${key}: ${val}` };
        mode = val;
        families.add('tmpfs');
        break;
      default:
        return { problem: `unexpected key '${key}' in '${field}'` };
    }
  }
  if (!type) return { problem: 'type is required' };
  if (!target) return { problem: 'target is required' };
  for (const f of families) if (f !== type) return { problem: `cannot mix '${f}-*' options with mount type '${type}'` };
  const config = (why: string) => ({ problem: `invalid mount config for type "${type}": ${why}` });
  if (type === 'bind') {
    if (!source) return config('field Source must not be empty');
    if (propagation !== undefined && !(PROPAGATIONS as readonly string[]).includes(propagation)) return config(`invalid propagation mode: ${propagation}`);
    return { volume: { type: 'bind', source, target, readOnly, ...(propagation ? { propagation: propagation as Propagation } : {}) } };
  }
  if (type === 'volume') {
    if (source) {
      const bad = volumeNameProblem(source);
      if (bad) return config(bad);
    }
    return { volume: { type: 'volume', ...(source ? { source } : {}), target, readOnly, ...(noCopy ? { noCopy } : {}) } };
  }
  if (type === 'tmpfs') {
    if (source) return config('field Source must not be specified');
    return { volume: { type: 'tmpfs', target, ...(readOnly ? { readOnly } : {}), ...(size ? { size: tmpfsSize(size) } : {}), ...(mode ? { mode: mode.replace(/^0+(?=[0-7]{3,4}$)/, '').padStart(3, '0') } : {}) } };
  }
  return config('mount type unknown');
}

// docker's tmpfs-size takes bytes or a unit (64m, 1g, 512k, 64MiB); the tmpfs mount option wants k, m or g.
function tmpfsSize(v: string): string {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([kmgtp]?)/i.exec(v)!;
  const n = Number(m[1]);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[m[2]!.toLowerCase() as '' | 'k'];
  const bytes = Math.floor(n * mult);
  return bytes % 1024 ** 3 === 0 ? `${bytes / 1024 ** 3}g` : bytes % 1024 ** 2 === 0 ? `${bytes / 1024 ** 2}m` : bytes % 1024 === 0 ? `${bytes / 1024}k` : String(bytes);
}

// --volumes-from CONTAINER[:ro|rw].
export function parseVolumesFrom(s: string): { container: string; readOnly?: boolean } | string {
  const [container = '', mode, extra] = s.split(':');
  if (!container || extra !== undefined) return `invalid volumes-from spec: ${s}`;
  if (mode === undefined) return { container };
  if (mode !== 'ro' && mode !== 'rw') return `invalid mode for volumes-from: ${mode}`;
  return { container, readOnly: mode === 'ro' };
}
