// Removing volumes: refused while any container of this root (running or stopped) mounts them, as docker does
// (`volume rm -f` only makes a missing volume no error). The removal itself is a visible step (the volume-remove
// block: rm -rf --one-file-system DIR), run through the executor's runSteps so --verbose shows it.

import { expandBlock } from '../blocks/expand.ts';
import { loadCatalog } from '../blocks/catalog.ts';
import { GlassboxError } from '../errors.ts';
import { runSteps } from '../exec/steps.ts';
import { stepFailed } from '../exec/step.ts';
import { containerMounts, readVolume, volumePaths } from './store.ts';
import { containersUsingVolume, type ContainerMounts } from './usage.ts';

// docker's message for a volume some container mounts.
export function inUseError(name: string, ids: string[]): GlassboxError {
  return new GlassboxError(`remove ${name}: volume is in use - [${ids.join(', ')}]`, { exitCode: 1, hint: 'remove those containers first (glassbox rm), or keep the volume' });
}

export const noSuchVolume = (name: string) => new GlassboxError(`get ${name}: no such volume`, { exitCode: 1 });

// Removes the volumes (their directories), none of which may be in use; `users` defaults to this root's containers.
export async function removeVolumeDirs(root: string, names: string[]): Promise<void> {
  if (!names.length) return;
  const catalog = await loadCatalog();
  const steps = expandBlock(catalog, { block: 'volume-remove', as: 'volume-remove', params: { dirs: names.map((n) => volumePaths(root, n).dir) } });
  for (const r of await runSteps(steps)) if (r.exitCode !== 0) throw stepFailed(r);
}

// `volume rm [-f] NAME…`: each volume is checked and removed on its own; the problems come back (docker goes on
// with the next name).
export async function removeVolumes(root: string, names: string[], force: boolean): Promise<{ removed: string[]; errors: GlassboxError[] }> {
  const users = containerMounts(root);
  const removed: string[] = [];
  const errors: GlassboxError[] = [];
  for (const name of names) {
    if (!readVolume(root, name)) {
      if (force) removed.push(name);
      else errors.push(noSuchVolume(name));
      continue;
    }
    const ids = containersUsingVolume(users, name);
    if (ids.length) {
      errors.push(inUseError(name, ids));
      continue;
    }
    await removeVolumeDirs(root, [name]);
    removed.push(name);
  }
  return { removed, errors };
}

// rm -v: the anonymous volumes a removed container made, except those another container still mounts
// (--volumes-from); those are left and named.
export async function removeAnonymousOf(root: string, gone: ContainerMounts): Promise<{ kept: string[] }> {
  const users = containerMounts(root).filter((c) => c.id !== gone.id);
  const names = (gone.anonymous ?? []).filter((n) => readVolume(root, n));
  const kept = names.filter((n) => containersUsingVolume(users, n).length);
  await removeVolumeDirs(root, names.filter((n) => !kept.includes(n)));
  return { kept };
}
