// Taking a project's containers away, as `compose stop`, `rm` and `down` do: each is stopped the way
// `glassbox stop` stops it (its stop signal to PID 1, SIGKILL after the grace period, the monitor's teardown
// awaited) and removed the way `glassbox rm` removes it (its journal's last undos, its state and name), with
// `-v` its anonymous volumes too. Every signal is a step of the signal block.

import { removeEnded, stopContainer, runningPid1 } from '../container/lifecycle.ts';
import { removeAnonymousOf } from '../volume/remove.ts';
import { containerMounts } from '../volume/store.ts';
import { readView } from '../state/lifecycle.ts';
import type { Roots } from '../state/paths.ts';

// Stops the container if it runs (nothing to do otherwise). Returns true when it was running.
export async function stopMember(r: Roots, bootId: string, id: string, secs?: number): Promise<boolean> {
  const { view, pid1 } = runningPid1(r, id, bootId);
  if (!pid1 && view.status !== 'running') return false;
  await stopContainer(r, id, bootId, secs);
  return true;
}

// Stops and removes the container; `volumes`: its anonymous volumes go too (those no other container uses).
export async function removeMember(r: Roots, bootId: string, id: string, opts: { volumes?: boolean; secs?: number } = {}): Promise<{ keptVolumes: string[] }> {
  await stopMember(r, bootId, id, opts.secs);
  const own = opts.volumes ? containerMounts(r.root).find((c) => c.id === id) : undefined;
  await removeEnded(r, id, bootId, readView(r, id, bootId).name);
  return own ? { keptVolumes: (await removeAnonymousOf(r.root, own)).kept } : { keptVolumes: [] };
}
