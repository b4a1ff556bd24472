// pause / unpause: a container's processes stopped where they stand by the cgroup freezer — v1's freezer.state
// (FROZEN / THAWED) or v2's built-in cgroup.freeze (1 / 0) — as file writes of the cgroup-freeze block. ps reads
// the same files to show a container as Paused.

import { readFileSync } from 'node:fs';
import { expandBlock, type Instance } from '../blocks/expand.ts';
import type { Catalog } from '../blocks/schema.ts';
import type { PlanCgroup, Step } from '../plan/types.ts';
import { GROUP as CGROUP_GROUP } from './compile.ts';

// The group whose freezer file pauses the container: v1's freezer tree, or the v2 group.
function freezerDir(cg: PlanCgroup | undefined): { v1?: string; v2?: string } | undefined {
  if (!cg) return undefined;
  if (cg.version === 'v2') return cg.dirs.unified ? { v2: cg.dirs.unified } : undefined;
  return cg.dirs.freezer ? { v1: cg.dirs.freezer } : undefined;
}

/** True when the container's cgroups can freeze it. */
export const canFreeze = (cg: PlanCgroup | undefined) => freezerDir(cg) !== undefined;

// True while the container's group is frozen (or freezing).
export function isFrozen(cg: PlanCgroup | undefined): boolean {
  const d = freezerDir(cg);
  try {
    if (d?.v1) return readFileSync(`${d.v1}/freezer.state`, 'utf8').trim() !== 'THAWED';
    if (d?.v2) return readFileSync(`${d.v2}/cgroup.freeze`, 'utf8').trim() === '1';
  } catch {}
  return false;
}

// The step that freezes (pause) or thaws (unpause) the container's group.
export function planFreeze(catalog: Catalog, cg: PlanCgroup, freeze: boolean): Step[] {
  const d = freezerDir(cg)!;
  const params = d.v1 ? { v1_dir: d.v1, v1_state: freeze ? 'FROZEN' : 'THAWED' } : { v2_dir: d.v2!, v2_value: freeze ? '1' : '0' };
  return expandBlock(catalog, { block: 'cgroup-freeze', as: freeze ? 'pause' : 'unpause', params });
}

// The step that freezes the container for one operation (glassbox cp) and whose journaled undo thaws it: a
// killed glassbox leaves the thaw to gc instead of a container frozen for good.
export function planHold(cg: PlanCgroup, id: string): Instance {
  const d = freezerDir(cg)!;
  return { block: 'cgroup-freeze', as: 'hold', params: { ...(d.v1 ? { hold_v1_dir: d.v1 } : { hold_v2_dir: d.v2! }), group: `${CGROUP_GROUP}/${id}` } };
}
