// The application side of the verbs for containers that exist already (stop, kill, rm, restart, exec). A
// container's state comes from disk only (lib/state/lifecycle.ts); a signal may go to PID 1 only after checking it
// is still the process state.json names (same PID and start time: a recycled PID never gets one). A detached
// container's monitor notices the end, records the exit status and runs the undos, so these functions wait for
// its `done` marker rather than undoing anything themselves — except for a container whose monitor is gone.
// Signals are steps too (the signal block, planned by lib/plan/signal.ts, run by the executor); restart is in
// restart.ts (it plans and runs, so the reading verbs do not load that code).

import { readFileSync } from 'node:fs';
import { GlassboxError } from '../errors.ts';
import { ownerAlive, processStart, readState, releaseContainer, stateDir } from '../state/containers.ts';
import { undoJournal } from '../state/gc.ts';
import { journalFile, readJournal } from '../state/journal.ts';
import { monitorFiles, readView, viewOf, type ContainerView } from '../state/lifecycle.ts';
import { writeFileAtomic } from '../state/atomic.ts';
import type { Plan } from '../plan/types.ts';
import type { Roots } from '../state/paths.ts';
import { loadCatalog } from '../blocks/catalog.ts';
import { planSignal } from '../plan/signal.ts';
import { runSteps } from '../exec/steps.ts';
import { isFrozen, planFreeze } from '../cgroup/freeze.ts';
import type { PlanCgroup } from '../plan/types.ts';
import type { RunState } from './record.ts';

// The running container's PID 1, checked to be the same process state.json names (a recycled PID never gets a signal).
export function runningPid1(r: Roots, id: string, bootId: string): { view: ContainerView; pid1?: number } {
  const view = readView(r, id, bootId);
  if (view.status !== 'running' || !view.pid) return { view };
  if (view.pidStart && processStart(view.pid) !== view.pidStart) return { view };
  return { view, pid1: view.pid };
}

// Waits until a detached container's monitor has released everything (or the monitor is gone).
export async function waitReleased(r: Roots, id: string, bootId: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    const s = readState(r, id);
    if (!s) return true; // --rm: the monitor removed the container
    const v = viewOf(r, s, bootId);
    if (v.released || !ownerAlive(v.monitor ?? v.owner, bootId)) return true;
    if (Date.now() > until) return false;
    await new Promise((res) => setTimeout(res, 20));
  }
}

// Waits until PID 1 has ended.
async function waitExit(pid1: number, start: string | undefined, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    const s = processStart(pid1);
    let zombie = false;
    try {
      zombie = /\) [ZX] /.test(readFileSync(`/proc/${pid1}/stat`, 'utf8'));
    } catch {}
    if (s === undefined || s !== start || zombie) return true;
    if (Date.now() > until) return false;
    await new Promise((res) => setTimeout(res, 20));
  }
}

// rm's last part, once nothing of the container runs: the undos its monitor did not get to (it was killed), then
// its state directory and name.
export async function removeEnded(r: Roots, id: string, bootId: string, name: string): Promise<void> {
  const now = readView(r, id, bootId);
  if (!now.released) await undoJournal(readJournal(journalFile(stateDir(r, id))));
  releaseContainer(r, id, name);
}

// The container's stop signal and grace period, as its plan recorded them (--stop-signal, --stop-timeout, the
// image's StopSignal): SIGTERM and 10 s unless given.
export function stopSettings(r: Roots, id: string): { signal: NodeJS.Signals; timeout: number } {
  let life: Plan['info']['lifecycle'];
  try {
    life = (JSON.parse(readFileSync(`${stateDir(r, id)}/config.json`, 'utf8')) as Plan).info.lifecycle;
  } catch {}
  return { signal: (life?.stopSignal ?? 'SIGTERM') as NodeJS.Signals, timeout: life?.stopTimeout ?? 10 };
}

// Before stop, kill or rm -f signals a detached container: the marker its monitor checks, so the restart policy
// does not start it again; a monitor waiting out its back-off is woken (SIGUSR1) to find it.
export async function markStopped(r: Roots, id: string, bootId: string): Promise<void> {
  const view = readView(r, id, bootId);
  if (!view.detached) return;
  writeFileAtomic(monitorFiles(stateDir(r, id)).stopped, '');
  if (view.restarting && view.monitor && ownerAlive(view.monitor, bootId)) await sendSignal(view.monitor.pid, 'SIGUSR1');
}

// The stop signal (SIGTERM unless the container says otherwise) to PID 1, then SIGKILL once the grace period is
// over (PID 1's death ends its whole PID namespace). `secs` undefined: the container's own --stop-timeout, else 10.
export async function terminate(r: Roots, id: string, bootId: string, secs?: number): Promise<ReturnType<typeof runningPid1>['view']> {
  await markStopped(r, id, bootId);
  const { view, pid1 } = runningPid1(r, id, bootId);
  const settings = stopSettings(r, id);
  const grace = secs ?? settings.timeout;
  if (pid1) {
    await sendSignal(pid1, grace === 0 ? 'SIGKILL' : settings.signal);
    // A paused container takes the signal once it is thawed (a frozen process handles none).
    await thawAfterSignal((view as RunState).cgroup);
    if (grace !== 0 && (grace < 0 || !(await waitExit(pid1, view.pidStart, grace * 1000)))) {
      if (grace > 0) await sendSignal(pid1, 'SIGKILL');
    }
  }
  return view;
}

// A signal is a visible step too (the signal block: `kill -s NAME PID`, shown by --verbose). A process that ended
// meanwhile is not an error: the caller waits for the release anyway.
export async function sendSignal(pid: number, sig: NodeJS.Signals): Promise<void> {
  await runSteps([planSignal(await loadCatalog(), pid, sig)]);
}

// stop's work for one container: SIGTERM, SIGKILL after `secs`, then the wait for the monitor's release.
export async function stopContainer(r: Roots, id: string, bootId: string, secs?: number): Promise<void> {
  await terminate(r, id, bootId, secs);
  if (!(await waitStopped(r, id, bootId, 15_000))) throw new GlassboxError(`container ${id.slice(0, 12)} did not stop in time`);
}

// waitReleased for a container that was asked to stop: a PID 1 its monitor started again in the moment before it
// saw the stop marker is killed as soon as it shows up.
export async function waitStopped(r: Roots, id: string, bootId: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await waitReleased(r, id, bootId, 100)) return true;
    const { pid1 } = runningPid1(r, id, bootId);
    if (pid1) await sendSignal(pid1, 'SIGKILL');
    if (Date.now() > until) return false;
  }
}

// A signal to a paused container's PID 1 waits until its group thaws (a frozen process cannot even die): stop,
// kill and rm thaw it after sending theirs, as docker does. Returns true when it was frozen.
export async function thawAfterSignal(cg: PlanCgroup | undefined): Promise<boolean> {
  if (!cg || !isFrozen(cg)) return false;
  await runSteps(planFreeze(await loadCatalog(), cg, false));
  return true;
}
