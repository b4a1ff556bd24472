// Garbage collection: finishes what a killed glassbox left half-done. A container whose owning process is gone
// (killed, or the machine rebooted) has its journal's undos run newest first; failures are expected (the object
// may already be gone) and ignored. Live containers are never touched: their owner still runs. Running gc twice
// does nothing the second time.
//
// cgroups first: every glassbox/<id> group (in each v1 tree, or under the v2 root) whose container this state root
// knows and whose owner is gone has its processes killed (the cgroup-v1-kill / cgroup-v2-kill blocks: freeze, kill
// each PID, thaw; or cgroup.kill) and is removed, so the journal's own rmdir undos find nothing left to do. cgroups
// are shared by the whole host while state lives under GLASSBOX_ROOT, so a group this root does not know may belong
// to a live container of another root (tests run several): it is removed only when it is empty and a minute old.

import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { GROUP } from '../cgroup/compile.ts';
import { isPrivateMountPoint, mountPointsBelow } from '../host/facts.ts';
import { planningAlive } from './planning.ts';
import { hostCgroupLayout, type CgroupLayout } from '../cgroup/layout.ts';
import { performStep, runWhileBusy } from '../exec/step.ts';
import { descendantsOf } from '../exec/pid1.ts';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expandBlock } from '../blocks/expand.ts';
import { loadCatalog } from '../blocks/catalog.ts';
import { runCommand } from '../exec/spawn.ts';
import { removeStaleTemps } from '../volume/store.ts';
import { CLAIM_DIR_TMP, danglingNames, listIds, nameOf, ownerAlive, processStart, readState, releaseContainer, removeName, stateDir } from './containers.ts';
import { containerLive } from './liveness.ts';
import { monitorFiles } from './lifecycle.ts';
import { EXEC_JOURNAL, journalFile, journalFor, readJournal, type Journal } from './journal.ts';
import type { Roots } from './paths.ts';
import type { Plan, Step } from '../plan/types.ts';
import { collectNetwork } from '../net/gc.ts';

export interface GcReport {
  /** glassbox/<id> cgroups removed (with their processes killed). */
  cgroups: string[];
  containers: string[];
  names: string[];
  runDirs: string[];
  builds: string[];
  /** Network objects: rules, leases, idle bridges (lib/net/gc.ts). */
  network?: string[];
  /** Container directories a killed run was still filling. */
  unfinished?: string[];
  /** Exec journals of a killed `glassbox exec`, finished (container ID prefix / exec-TOKEN). */
  execs?: string[];
  /** The run root, unmounted once no container was left. */
  runRoot?: string;
}

// Runs a journal's undos newest first, ignoring failures. An entry whose retry policy is while-busy (removing a
// container's own cgroup) is tried again while the kernel says busy. An entry without the field (every entry of a
// journal written before it existed) runs once: gc reads the policy from the journal, never from the command.
export async function undoJournal(j: Journal | undefined, run: UndoRunners = { once: runCommand, whileBusy: runWhileBusy }): Promise<void> {
  for (const e of [...(j?.entries ?? [])].reverse()) await (e.retry === 'while-busy' ? run.whileBusy(e.undo) : run.once(e.undo));
}

/** How undoJournal runs one undo: once, or again while busy (a seam for unit tests). */
export interface UndoRunners {
  once: (argv: string[]) => Promise<unknown>;
  whileBusy: (argv: string[]) => Promise<unknown>;
}

// Cleans up everything no living glassbox process owns.
export async function collectGarbage(roots: Roots, bootId: string, layout: CgroupLayout | undefined = hostCgroupLayout()): Promise<GcReport> {
  const report: GcReport = { cgroups: [], containers: [], names: [], runDirs: [], builds: [] };
  // A monitor whose glassbox died while booting the container: its PID 1 would wait at the barrier forever. It is
  // killed first (its start chain dies with it: parent-death signal), so nothing below races with its own undos.
  // The monitor is found by its command line (`sh …/monitor.sh`), so one started just before glassbox died, before
  // state.json recorded it, is found as well.
  // A container whose state cannot be read is judged by its journal's owner: when that is gone, its monitor too.
  for (const id of listIds(roots)) {
    const s = readState(roots, id);
    const orphanMonitor = s ? s.detached && s.status !== 'running' && !ownerAlive(s.owner, bootId) : !containerLive(roots, id, bootId);
    if (orphanMonitor) {
      for (const pid of processesRunning(['sh', monitorFiles(stateDir(roots, id)).script])) await killAndWait(pid);
    }
  }
  await collectExecs(roots, bootId, report);
  if (layout) await collectCgroups(roots, bootId, layout, report);
  for (const id of listIds(roots)) {
    const state = readState(roots, id);
    if (state && ownerAlive(state.owner, bootId)) continue;
    // Made by `glassbox create` and not started: only its state directory exists, kept until `glassbox rm`.
    if (state?.status === 'created' && !state.owner) continue;
    // A stopped detached container whose monitor released everything is kept until `glassbox rm`.
    if (state?.detached && existsSync(monitorFiles(stateDir(roots, id)).done)) continue;
    if (state?.monitor && state.status === 'running' && ownerAlive(state.monitor, bootId)) continue;
    const journal = readJournal(journalFile(stateDir(roots, id)));
    if (!state && journal?.owner && ownerAlive(journal.owner, bootId)) continue;
    await undoJournal(journal ?? journalFromPlan(roots, id));
    releaseContainer(roots, id, state?.name ?? nameOf(roots, id));
    report.containers.push(id);
  }
  report.network = await collectNetwork(roots, bootId);
  for (const name of danglingNames(roots)) {
    removeName(roots, name);
    report.names.push(name);
  }
  collectClaimDirs(roots, report);
  // Volumes a killed create left half-made (lib/volume/store.ts).
  for (const d of removeStaleTemps(roots.root)) (report.unfinished ??= []).push(d);
  await collectRunDirs(roots, report);
  await collectBuilds(roots, bootId, report);
  await collectRunRoot(roots, report);
  return report;
}

// The journals of `glassbox exec`s whose glassbox is gone (killed mid-exec): their undos (the barrier FIFO, the
// terminal wrapper) run, then the journal goes. One whose glassbox still runs is left alone, in a live container too.
async function collectExecs(roots: Roots, bootId: string, report: GcReport): Promise<void> {
  for (const id of listIds(roots)) {
    const dir = stateDir(roots, id);
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((f) => EXEC_JOURNAL.test(f));
    } catch {}
    for (const f of files) {
      const journal = readJournal(join(dir, f));
      if (journal?.owner && ownerAlive(journal.owner, bootId)) continue;
      // A chain whose barrier never opened would wait there forever (or, with its FIFO gone, run outside the
      // cgroups): it is ended with all it started, before the undos remove the FIFO. Once released, it is the
      // user's command and stays.
      const started = journal?.started;
      if (started && !journal.released && ownerAlive(started, bootId)) {
        for (const pid of [...descendantsOf(started.pid), started.pid]) await killAndWait(pid);
      }
      if (journal) await undoJournal(journal);
      rmSync(join(dir, f), { force: true });
      (report.execs ??= []).push(`${id.slice(0, 12)}/${f.replace(/\.journal\.json$/, '')}`);
    }
  }
}

// The run root's private bind mount, once nothing uses it: no container of this root, no container directory in
// the run root, no claim, and no living glassbox process planning on it (lib/state/planning.ts).
async function collectRunRoot(roots: Roots, report: GcReport): Promise<void> {
  const planning = planningAlive(roots.run); // first: it also removes the markers of processes that died
  if (planning || !isPrivateMountPoint(roots.run) || listIds(roots).length) return;
  const entries = (d: string) => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  };
  if (entries(roots.run).some((e) => /^[0-9a-f]{64}$/.test(e)) || entries(join(roots.root, 'ports')).length) return;
  const steps = expandBlock(await loadCatalog(), { block: 'runroot-gc', as: 'gc-runroot', params: { run_root: roots.run } });
  for (const s of steps) if ((await performStep(s)).exitCode === 0) report.runRoot = roots.run;
}

// The undos of a container whose journal cannot be read, from its plan (config.json); none without one either.
export function journalFromPlan(roots: Roots, id: string): Journal | undefined {
  try {
    return journalFor(JSON.parse(readFileSync(join(stateDir(roots, id), 'config.json'), 'utf8')) as Plan);
  } catch {
    return undefined;
  }
}

// rm -f of a container whose state cannot be read: its monitor and every process in its cgroups are killed, its
// undos run (from the journal, or the plan), its directory and name go. What gc does for a dead one, without
// asking whether it lives.
export async function removeDamaged(roots: Roots, id: string, layout: CgroupLayout | undefined = hostCgroupLayout()): Promise<void> {
  for (const pid of processesRunning(['sh', monitorFiles(stateDir(roots, id)).script])) await killAndWait(pid);
  if (layout) await killGroups(layout, new Map([[id, groupDirs(layout, id)]]));
  await undoJournal(readJournal(journalFile(stateDir(roots, id))) ?? journalFromPlan(roots, id));
  releaseContainer(roots, id, nameOf(roots, id));
}

// The container's glassbox/<id> groups that exist, in each tree.
function groupDirs(layout: CgroupLayout, id: string): string[] {
  const trees = layout.version === 'v2' ? [layout.root!] : [...new Set(Object.values(layout.hierarchies))];
  return trees.map((t) => join(t, GROUP, id)).filter((d) => existsSync(d));
}

// PIDs of the living processes whose argv is exactly this.
function processesRunning(argv: string[]): number[] {
  const want = argv.join('\0') + '\0';
  const out: number[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8') === want) out.push(Number(p));
    } catch {}
  }
  return out;
}

// SIGKILL to a process and wait (up to 5 s) until it is gone.
async function killAndWait(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {}
  const owner = { pid, start: processStart(pid) ?? '', boot: '' };
  // Gone, or a zombie its new parent has not reaped yet (ownerAlive counts neither as alive).
  for (let i = 0; i < 250 && owner.start && ownerAlive(owner, ''); i++) await new Promise((res) => setTimeout(res, 20));
}

// Whose a group is: a container of this root with a living owner, one whose owner is gone, or one this root
// does not know.
function ownership(roots: Roots, id: string, bootId: string): 'live' | 'dead' | 'unknown' {
  if (!existsSync(stateDir(roots, id))) return 'unknown';
  const state = readState(roots, id);
  const journal = readJournal(journalFile(stateDir(roots, id)));
  if (state?.monitor && state.status === 'running' && ownerAlive(state.monitor, bootId)) return 'live';
  return ownerAlive(state?.owner ?? journal?.owner, bootId) ? 'live' : 'dead';
}

// True when a group holds no process and was made over a minute ago.
function emptyAndOld(dir: string): boolean {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim() === '' && Date.now() - statSync(dir).mtimeMs > 60_000;
  } catch {
    return false;
  }
}

// glassbox/<id> groups no live container owns: kill what is in them, remove them, then remove glassbox/ itself
// where it has become empty.
async function collectCgroups(roots: Roots, bootId: string, layout: CgroupLayout, report: GcReport): Promise<void> {
  const trees = layout.version === 'v2' ? [layout.root!] : [...new Set(Object.values(layout.hierarchies))];
  const orphans = new Map<string, string[]>();
  for (const tree of trees) {
    let ids: string[] = [];
    try {
      ids = readdirSync(join(tree, GROUP)).filter((d) => /^[0-9a-f]{64}$/.test(d) && statSync(join(tree, GROUP, d)).isDirectory());
    } catch {
      continue;
    }
    for (const id of ids) {
      const dir = join(tree, GROUP, id);
      const whose = ownership(roots, id, bootId);
      if (whose === 'dead' || (whose === 'unknown' && emptyAndOld(dir))) orphans.set(id, [...(orphans.get(id) ?? []), dir]);
    }
  }
  await killGroups(layout, orphans);
  for (const id of orphans.keys()) report.cgroups.push(`${GROUP}/${id}`);
}

// Kills the processes of each container's groups and removes the groups, then glassbox/ itself where it is empty.
async function killGroups(layout: CgroupLayout, orphans: Map<string, string[]>): Promise<void> {
  const trees = layout.version === 'v2' ? [layout.root!] : [...new Set(Object.values(layout.hierarchies))];
  const catalog = await loadCatalog();
  // A container's group is removed as soon as the kernel lets go of it (retried while busy); glassbox/ only once.
  const runAll = async (steps: Step[]) => {
    for (const s of steps) await (s.retry === 'while-busy' ? runWhileBusy(s.argv!) : performStep(s));
  };
  for (const dirs of orphans.values()) {
    if (!dirs.length) continue;
    const freezer = layout.version === 'v1' && layout.hierarchies.freezer ? dirs.find((d) => d.startsWith(`${layout.hierarchies.freezer}/`)) : undefined;
    const params =
      layout.version === 'v1'
        ? { freezer_dir: freezer, procs: dirs.map((d) => `${d}/cgroup.procs`), remove: dirs, remove_parents: [] }
        : { dirs, remove: dirs, remove_parents: [] };
    await runAll(expandBlock(catalog, { block: `cgroup-${layout.version}-kill`, as: 'gc-cgroup', params }));
  }
  const parents = trees.map((t) => join(t, GROUP)).filter((p) => existsSync(p) && !readdirSync(p).some((d) => /^[0-9a-f]{64}$/.test(d)));
  if (parents.length) {
    const params = layout.version === 'v1' ? { procs: [], remove: [], remove_parents: parents } : { dirs: [], remove: [], remove_parents: parents };
    await runAll(expandBlock(catalog, { block: `cgroup-${layout.version}-kill`, as: 'gc-cgroup', params }));
  }
}

// Container directories a run was still filling when it was killed (`.tmp-PID-ID`, lib/state/containers.ts).
function collectClaimDirs(roots: Roots, report: GcReport): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(join(roots.root, 'containers')).filter((d) => d.startsWith(CLAIM_DIR_TMP));
  } catch {
    return;
  }
  for (const d of entries) {
    const pid = Number(d.slice(CLAIM_DIR_TMP.length).split('-')[0]);
    if (pid && existsSync(`/proc/${pid}`)) continue;
    rmSync(join(roots.root, 'containers', d), { recursive: true, force: true });
    (report.unfinished ??= []).push(join(roots.root, 'containers', d));
  }
}

// Runtime directories whose container no longer exists at all (its state is gone but the teardown was not done).
async function collectRunDirs(roots: Roots, report: GcReport): Promise<void> {
  let entries: string[] = [];
  try {
    entries = readdirSync(roots.run).filter((d) => /^[0-9a-f]{64}$/.test(d));
  } catch {
    return;
  }
  for (const id of entries) {
    if (existsSync(stateDir(roots, id))) continue;
    const runDir = join(roots.run, id);
    const steps = expandBlock(await loadCatalog(), { block: 'orphan', as: 'orphan', params: { run_dir: runDir, mounts: mountPointsBelow(runDir) } });
    for (const s of steps) await runCommand(s.argv!);
    report.runDirs.push(runDir);
  }
}

// Half-built image layers whose builder died.
async function collectBuilds(roots: Roots, bootId: string, report: GcReport): Promise<void> {
  const layers = join(roots.root, 'layers');
  let entries: string[] = [];
  try {
    entries = readdirSync(layers).filter((d) => d.startsWith('tmp-'));
  } catch {
    return;
  }
  for (const e of entries.filter((d) => d.endsWith('.journal.json'))) {
    const j = readJournal(join(layers, e));
    if (j?.owner && ownerAlive(j.owner, bootId)) continue;
    await undoJournal(j);
    await rm(join(layers, e), { force: true });
    report.builds.push(e.replace(/\.journal\.json$/, ''));
  }
  // A directory made just before its journal was written: old enough means its builder is long gone.
  for (const d of entries.filter((x) => !x.includes('.'))) {
    const p = join(layers, d);
    if (existsSync(`${p}.journal.json`)) continue;
    try {
      if (Date.now() - statSync(p).mtimeMs > 10 * 60_000) {
        await rm(p, { recursive: true, force: true });
        report.builds.push(d);
      }
    } catch {}
  }
}
