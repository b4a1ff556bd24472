// Where a container's fields came from. A spec is checked twice: once when it is read (schema and rules, where
// the YAML is at hand), and again while it is prepared (the image exists, the user is in its /etc/passwd, the
// volume's source exists, the address lies in the network's subnet) — long after the YAML is gone. So the spec
// carries a small map, field path → origin (a recipe's file:line:col, or the flag that set the value), and
// every later check asks it where to point. Paths use the recipe's keys (`volumes.1.source`, `network.ip`); a
// path without an entry takes the entry of its nearest parent. (A recipe's positions are read in load.ts, with the
// YAML: this module stays free of the parser, which plans of an image never load.)

import type { Place } from '../errors.ts';
import type { ContainerSpec, Origin, Origins } from './model.ts';

type Path = readonly (string | number)[];
const key = (path: Path) => path.map(String).join('.');

// The place to report a problem with the field at `path` (a recipe position, or the flag's name).
export function placeOf(spec: Pick<ContainerSpec, 'origins'>, path: Path): Place {
  const field = key(path) || '(top level)';
  for (let n = path.length; n >= 0; n--) {
    const o = spec.origins?.[key(path.slice(0, n))];
    if (!o) continue;
    return 'flag' in o ? { field: o.flag } : { pos: o, field };
  }
  return { field };
}

// Records that `path` (and everything below it) now comes from `origin`: a flag replacing a recipe's value.
export function setOrigin(origins: Origins, path: Path, origin: Origin): void {
  const k = key(path);
  for (const old of Object.keys(origins)) if (old.startsWith(`${k}.`)) delete origins[old];
  origins[k] = origin;
}

