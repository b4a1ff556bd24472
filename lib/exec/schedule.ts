// Scheduling the setup steps. Each step lists the steps it needs (`needs`, from the blocks' order and their
// explicit dependencies); steps that do not need each other — the mounts of different volumes, a veth pair and a
// cgroup — may run side by side. This is a small topological scheduler: a step starts as soon as every step it
// needs has finished (a need on a step that is not in this set, such as one left out of the plan, counts as met),
// at most `limit` at once. Among the steps that are ready, a command (`run`) starts before the file operations
// glassbox does in-process: those take a fraction of a millisecond, a command several, and the commands are the
// setup's critical path. The first failure stops new steps from starting; the ones in flight are awaited, so
// every step that ran is known to the teardown. A signal (`stopped`) does the same without a failure.

import type { Step } from '../plan/types.ts';

export interface ScheduleOptions {
  /** Steps allowed to run at once (1 in learn mode, where each step is asked for). */
  limit: number;
  /** True once glassbox was asked to stop: no new step starts. */
  stopped(): boolean;
  /** Does one step; throws to fail the run. */
  run(step: Step): Promise<void>;
}

// Runs the steps as a graph, each once all it needs has finished, so independent work overlaps; throws the first failure.
export async function runGraph(steps: Step[], opts: ScheduleOptions): Promise<void> {
  const finished = new Set<string>();
  const known = new Set(steps.map((s) => s.id));
  const pending = [...steps];
  const inflight = new Map<string, Promise<void>>();
  let failure: unknown;
  while ((pending.length || inflight.size) && !failure) {
    if (opts.stopped() && !inflight.size) break;
    while (!opts.stopped() && inflight.size < opts.limit) {
      const ready = (s: Step) => s.needs.every((n) => finished.has(n) || !known.has(n));
      let i = pending.findIndex((s) => s.kind === 'run' && ready(s));
      if (i < 0) i = pending.findIndex(ready);
      if (i < 0) break;
      const step = pending.splice(i, 1)[0]!;
      const p = (async () => {
        await opts.run(step);
        finished.add(step.id);
      })()
        .catch((e) => {
          failure ??= e;
        })
        .finally(() => inflight.delete(step.id));
      inflight.set(step.id, p);
    }
    if (inflight.size) await Promise.race(inflight.values());
    else if (pending.length && !opts.stopped()) throw new Error(`plan has a dependency cycle at ${pending[0]!.id}`);
  }
  await Promise.all(inflight.values());
  if (failure) throw failure;
}
