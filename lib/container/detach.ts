// `glassbox run -d`: the container outlives the command that made it. Its monitor — a plain sh script rendered
// from the plan (lib/render/script.ts, renderMonitor) — becomes the parent of the start chain: glassbox boots PID 1
// under it, records the state and returns; no Node process stays. The monitor waits for PID 1, writes its exit
// status, runs the plan's undos and marks itself done (the files named by monitorFiles). From the moment PID 1
// runs, the journal names the monitor as its owner, so gc leaves the container alone while the monitor lives.
// restart comes through here too, reusing the container's state directory (logs, writable layer) and name.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog } from '../blocks/catalog.ts';
import { Executor, type ExecHooks, type ExecOptions } from '../exec/runner.ts';
import { startDetached } from '../exec/spawn.ts';
import type { HostFacts } from '../host/facts.ts';
import type { Lang, Plan } from '../plan/types.ts';
import { expandDuties, expandMonitor, monitorLaunch } from '../render/monitor-steps.ts';
import { renderMonitor } from '../render/script.ts';
import { writeFileAtomic } from '../state/atomic.ts';
import { claimContainer, processStart, releaseContainer, selfOwner, stateDir, stateText, writeState, type Owner } from '../state/containers.ts';
import { journalFile } from '../state/journal.ts';
import { monitorFiles } from '../state/lifecycle.ts';
import type { Roots } from '../state/paths.ts';
import { VERSION } from '../version.ts';
import { lookUpCommand } from './lookup.ts';
import { createdState, planText, recordOrRelease, type RunState } from './record.ts';

export interface DetachOptions {
  /** --rm: the monitor removes the container (state directory and name) once its undos are done. */
  remove: boolean;
  /** The language of the monitor script's comments. */
  lang: Lang;
  /** restart: the container's state as it was; its directory and name exist already. */
  restart?: RunState;
}

/** What an executor needs to start a plan detached: its options and hooks, and what to do if it fails. */
export interface DetachedRun {
  options: Pick<ExecOptions, 'journal' | 'owner' | 'detach'>;
  hooks: Required<Pick<ExecHooks, 'beforeRelease' | 'onRunning'>>;
  /** After a failed run: the state is released unless a monitor may still have undos to do (gc judges it). */
  failed(): void;
}

// Claims the container's state, writes its monitor script and returns how an executor starts it detached: run -d
// runs it at once (runDetachedPlan); learn mode runs the same options one step at a time.
export async function prepareDetached(plan: Plan, r: Roots, facts: Pick<HostFacts, 'bootId'>, opts: DetachOptions): Promise<DetachedRun> {
  const { id, name } = plan.info;
  const owner = selfOwner(facts.bootId);
  const state = createdState(plan, owner, { ...(opts.restart ? { created: opts.restart.created } : {}), detached: true, ...(opts.remove ? { autoRemove: true } : {}) });
  const dir = opts.restart ? stateDir(r, id) : claimContainer(r, id, name, { 'state.json': stateText(state), 'config.json': planText(plan) });
  const files = monitorFiles(dir);
  const remove = opts.remove ? { nameLink: join(r.root, 'names', name), linkTarget: join('..', 'containers', id) } : undefined;
  const catalog = await loadCatalog();
  const monitorSteps = expandMonitor(catalog, files, remove?.nameLink);
  const duties = expandDuties(catalog, plan, files);
  recordOrRelease(r, id, name, () => {
    // A new container's claim already holds its state and plan; a restart's directory holds the old ones.
    if (opts.restart) {
      writeFileSync(join(dir, 'config.json'), planText(plan));
      writeState(r, state);
    }
    writeFileSync(files.script, renderMonitor(plan, { lang: opts.lang, glassboxVersion: VERSION, files, steps: monitorSteps, remove, duties }), { mode: 0o600 });
  });
  let monitor: Owner | undefined;
  return {
    options: {
      journal: journalFile(dir),
      owner,
      detach: {
        chainFile: files.chain,
        startMonitor: async () => {
          const m = await startDetached(monitorLaunch(monitorSteps), files.monitorLog);
          monitor = { pid: m.pid, start: processStart(m.pid) ?? '', boot: facts.bootId };
          state.monitor = monitor;
          writeState(r, state);
          return m;
        },
      },
    },
    hooks: {
      beforeRelease: lookUpCommand(plan),
      onRunning: (pid1) => {
        writeFileAtomic(files.pid1, `${pid1}\n`);
        Object.assign(state, { status: 'running', pid: pid1, pidStart: processStart(pid1), startedAt: new Date().toISOString(), owner: monitor });
        writeState(r, state);
      },
    },
    // Released only when nothing is left to undo: no monitor ever started (the executor undid it all), or the
    // monitor finished its undos. A monitor still at work, or one that died half-way, leaves the state to gc,
    // which judges it by its owners at once (a state directory removed too early left objects only age could clear).
    failed: () => {
      if (!monitor || existsSync(files.done)) releaseContainer(r, id, name);
    },
  };
}

// Starts the container under its monitor and returns its ID once PID 1 runs.
export async function runDetachedPlan(plan: Plan, r: Roots, facts: HostFacts, opts: DetachOptions): Promise<string> {
  const d = await prepareDetached(plan, r, facts, opts);
  const exec = new Executor(plan, { ...d.options, stdio: 'ignore', handleSignals: true, hooks: d.hooks });
  try {
    await exec.run();
  } catch (e) {
    d.failed();
    throw e;
  }
  return plan.info.id;
}

// The monitor script run -d would write for a plan (glassbox plan --monitor): the same rendering, nothing written.
export async function monitorScript(plan: Plan, r: Roots, opts: Pick<DetachOptions, 'remove' | 'lang'>): Promise<string> {
  const { id, name } = plan.info;
  const files = monitorFiles(stateDir(r, id));
  const remove = opts.remove ? { nameLink: join(r.root, 'names', name), linkTarget: join('..', 'containers', id) } : undefined;
  const catalog = await loadCatalog();
  const steps = expandMonitor(catalog, files, remove?.nameLink);
  return renderMonitor(plan, { lang: opts.lang, glassboxVersion: VERSION, files, steps, remove, duties: expandDuties(catalog, plan, files) });
}
