// `glassbox restart`: a detached container started again from the plan it was made from (config.json), in the
// same state directory — same ID, name, writable layer, log files appended — under a new monitor, through the same
// runDetachedPlan as `run -d`. The run root's one-time steps (its private mount, the start barrier) are left out of
// the plan: they must still be in place, so after a reboot restart refuses and the container is run anew. Stopping
// it first is the caller's (stop's SIGTERM, then SIGKILL), between restartable and startAgain.

import { readFileSync, rmSync } from 'node:fs';
import { GlassboxError } from '../errors.ts';
import type { HostFacts } from '../host/facts.ts';
import type { Lang, Plan } from '../plan/types.ts';
import { readState, stateDir } from '../state/containers.ts';
import { monitorFiles, readView, type ContainerView } from '../state/lifecycle.ts';
import type { Roots } from '../state/paths.ts';
import { planContext } from './context.ts';
import { runDetachedPlan } from './detach.ts';
import type { RunState } from './record.ts';

const short = (id: string) => id.slice(0, 12);

// restart's refusals, before anything is stopped: only a detached container that is not damaged or dead, and only
// while the run root's one-time steps (its private mount, the start barrier) are still in place.
export function restartable(r: Roots, id: string, bootId: string): ContainerView {
  const view = readView(r, id, bootId);
  if (view.status === 'damaged') throw new GlassboxError(`cannot restart container ${short(id)}: its state is damaged`, { hint: 'remove it with glassbox rm -f and run it anew' });
  if (!view.detached) throw new GlassboxError(`cannot restart container ${view.name}: only detached containers (run -d) can be restarted`);
  if (view.status === 'dead') throw new GlassboxError(`cannot restart container ${view.name}: it is dead`, { hint: 'glassbox gc, then run it anew' });
  const ctx = planContext(r);
  if (!ctx.runRootReady || !ctx.barrierReady) throw new GlassboxError(`cannot restart container ${view.name}: the run root was reset (a reboot?)`, { hint: 'remove it and run it anew' });
  return view;
}

// restart's start, once the container has stopped: the same plan again, under a new monitor, in the same state
// directory (same ID, name, writable layer, log files appended). The run root's one-time steps are left out.
export async function startAgain(r: Roots, facts: HostFacts, id: string, lang: Lang): Promise<void> {
  const dir = stateDir(r, id);
  const f = monitorFiles(dir);
  for (const file of [f.exit, f.done, f.pid1, f.chain, f.stopped, f.restarts, f.backoff, f.health]) rmSync(file, { force: true, recursive: true });
  const plan = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')) as Plan;
  plan.steps = plan.steps.filter((s) => s.block !== 'runroot');
  const state = readState(r, id) as RunState;
  await runDetachedPlan(plan, r, facts, { remove: !!state.autoRemove, lang, restart: state });
}
