// A container's file system as layers: its writable upper dir on top of the lower dirs its plan mounted. The plan
// is stored with the container (containers/ID/config.json), and its overlay mount says exactly which directories
// were used: `lowerdir=TOP:…:BOTTOM,upperdir=…`. commit, export and `rmi` (is an image in use?) read it there.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { GlassboxError } from '../errors.ts';
import { listIds, readState } from '../state/containers.ts';
import { containerPaths, type Roots } from '../state/paths.ts';

export interface ContainerFs {
  id: string;
  name: string;
  /** The image reference the container was run from (as shown). */
  image: string;
  upper: string;
  /** Lower dirs, top first (store layer dirs, or a rootdir). */
  lowerDirs: string[];
}

// The overlay lower dirs a stored plan mounted, top first; undefined when the plan has no overlay root.
export function lowerDirsOfPlan(planText: string): string[] | undefined {
  const m = /lowerdir=([^,\s"]+)/.exec(planText);
  return m ? m[1]!.split(':') : undefined;
}

// Reads a container's layers from its stored plan.
export function containerFs(r: Roots, id: string): ContainerFs {
  const dir = containerPaths(r, id);
  const file = path.join(dir.state, 'config.json');
  if (!existsSync(file)) throw new GlassboxError(`container ${id.slice(0, 12)} has no stored plan`, { hint: 'only containers run with -d keep their file system after they end' });
  const text = readFileSync(file, 'utf8');
  const lower = lowerDirsOfPlan(text);
  if (!lower) throw new GlassboxError(`container ${id.slice(0, 12)} has no overlay root (it ran with its root directory bound directly)`, { hint: 'only overlay containers have a writable layer to commit or export' });
  const plan = JSON.parse(text) as { info?: { name?: string; image?: string } };
  if (!existsSync(dir.upper)) throw new GlassboxError(`container ${id.slice(0, 12)}'s writable layer ${dir.upper} is gone`);
  return { id, name: plan.info?.name ?? readState(r, id)?.name ?? id.slice(0, 12), image: plan.info?.image ?? '', upper: dir.upper, lowerDirs: lower };
}

// Every container of this root with the lower dirs it uses (containers without a stored plan are skipped).
export function containersUsingLayers(r: Roots): Array<{ id: string; name: string; lowerDirs: string[] }> {
  const out: Array<{ id: string; name: string; lowerDirs: string[] }> = [];
  for (const id of listIds(r)) {
    try {
      const text = readFileSync(path.join(containerPaths(r, id).state, 'config.json'), 'utf8');
      const lower = lowerDirsOfPlan(text);
      if (lower) out.push({ id, name: readState(r, id)?.name ?? id.slice(0, 12), lowerDirs: lower });
    } catch {}
  }
  return out;
}
