// Garbage collection: finishes what a killed glassbox left half-done. A container whose owning process is gone
// (killed, or the machine rebooted) has its journal's undos run newest first; failures are expected (the object
// may already be gone) and ignored. Live containers are never touched: their owner still runs. Running gc twice
// does nothing the second time.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expandBlock } from '../blocks/expand.ts';
import { loadCatalog } from '../blocks/catalog.ts';
import { runCommand } from '../exec/spawn.ts';
import { danglingNames, listIds, ownerAlive, readState, releaseContainer, removeName, stateDir } from './containers.ts';
import { journalFile, readJournal, type Journal } from './journal.ts';
import type { Roots } from './paths.ts';

export interface GcReport {
  containers: string[];
  names: string[];
  runDirs: string[];
  builds: string[];
}

// Runs a journal's undos newest first, ignoring failures.
async function undoJournal(j: Journal | undefined): Promise<void> {
  for (const e of [...(j?.entries ?? [])].reverse()) await runCommand(e.undo);
}

// Cleans up everything no living glassbox process owns.
export async function collectGarbage(roots: Roots, bootId: string): Promise<GcReport> {
  const report: GcReport = { containers: [], names: [], runDirs: [], builds: [] };
  for (const id of listIds(roots)) {
    const state = readState(roots, id);
    if (state && ownerAlive(state.owner, bootId)) continue;
    const journal = readJournal(journalFile(stateDir(roots, id)));
    if (!state && journal?.owner && ownerAlive(journal.owner, bootId)) continue;
    await undoJournal(journal);
    releaseContainer(roots, id, state?.name);
    report.containers.push(id);
  }
  for (const name of danglingNames(roots)) {
    removeName(roots, name);
    report.names.push(name);
  }
  await collectRunDirs(roots, report);
  await collectBuilds(roots, bootId, report);
  return report;
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
    const nsDir = join(runDir, 'ns');
    const nsFiles = existsSync(nsDir) ? readdirSync(nsDir).map((f) => join(nsDir, f)) : [];
    const steps = expandBlock(await loadCatalog(), { block: 'orphan', as: 'orphan', params: { run_dir: runDir, ns_files: nsFiles } });
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
