// `glassbox restart`: a detached container started again from the plan it was made from (config.json), in the
// same state directory — same ID, name, writable layer, log files appended — under a new monitor, through the same
// runDetachedPlan as `run -d`. The run root's one-time steps (its private mount, the start barrier) are left out of
// the plan: they must still be in place, so after a reboot restart refuses and the container is run anew. Stopping
// it first is the caller's (stop's SIGTERM, then SIGKILL), between restartable and startAgain.

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { undoJournal } from '../state/gc.ts';
import { journalFile, readJournal } from '../state/journal.ts';
import { GlassboxError } from '../errors.ts';
import type { HostFacts } from '../host/facts.ts';
import type { Lang, Plan } from '../plan/types.ts';
import { readState, stateDir } from '../state/containers.ts';
import { listViews, monitorFiles, readView, type ContainerView } from '../state/lifecycle.ts';
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
  // The run root's one-time steps are left out while they are in place; after a reboot (restartDead) they run again.
  const ctx = planContext(r);
  if (ctx.runRootReady && ctx.barrierReady) plan.steps = plan.steps.filter((s) => s.block !== 'runroot');
  // The image's files were copied into the new volumes on the first start; docker copies only into empty ones.
  plan.steps = plan.steps.filter((s) => s.block !== 'volume-copy');
  const state = readState(r, id) as RunState;
  await runDetachedPlan(plan, r, facts, { remove: !!state.autoRemove, lang, restart: state });
}

// Host boot, or a monitor that was killed: a detached container whose monitor is gone is `dead`. With a restart
// policy (and no stop asked for), it is started again from its stored plan in its kept state directory — same ID,
// name, writable layer and logs — once what its old run left is undone from its journal (all but the state
// directory itself). `glassbox gc --restart` runs this before the cleanup; a oneshot unit at boot runs that.
export async function restartDead(r: Roots, facts: HostFacts, lang: Lang): Promise<string[]> {
  const started: string[] = [];
  for (const v of listViews(r, facts.bootId)) {
    if (v.status !== 'dead' || !v.detached) continue;
    const dir = stateDir(r, v.id);
    let plan: Plan;
    try {
      plan = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')) as Plan;
    } catch {
      continue;
    }
    if (!plan.info.lifecycle?.restart || existsSync(monitorFiles(dir).stopped)) continue;
    const j = readJournal(journalFile(dir));
    await undoJournal(j && { ...j, entries: j.entries.filter((e) => !e.undo.includes(dir)) });
    await startAgain(r, facts, v.id, lang);
    started.push(v.id);
  }
  return started;
}
