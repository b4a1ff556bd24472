// The undo journal. Before a plan changes anything, every undo command it may need is written to disk
// durably, in the order the steps run. If glassbox is killed (even with SIGKILL), `glassbox gc` reads the journal
// and runs the undos newest first; every undo only touches objects that belong to this container, and one that
// fails because its object is already gone is harmless.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan, RetryPolicy } from '../plan/types.ts';
import { writeFileAtomic } from './atomic.ts';
import type { Owner } from './containers.ts';

export interface JournalEntry {
  step: string;
  undo: string[];
  mayFail: boolean;
  /**
   * The undo's retry policy (the step's undoRetry): `while-busy` retries it while it fails with EBUSY. A journal
   * written before the field existed has none, and gc then runs each undo once.
   */
  retry?: RetryPolicy;
}

export interface Journal {
  version: 1;
  container: string;
  /** The process that runs the plan; when it is gone, gc may finish the undo. */
  owner?: Owner;
  entries: JournalEntry[];
  /**
   * A start step that waits itself at its barrier (exec's chain), recorded as soon as it is spawned: if glassbox
   * dies before opening the barrier (`released` unset), gc kills it and everything under it; after, it is the
   * user's command and is left alone.
   */
  started?: Owner;
  released?: boolean;
}

export const journalFile = (stateDir: string) => join(stateDir, 'journal.json');
/** The journal of one `glassbox exec`, beside its container's (gc finishes it when its glassbox is gone). */
export const execJournalFile = (stateDir: string, token: string) => join(stateDir, `exec-${token}.journal.json`);
/** Which files of a container's state directory are exec journals. */
export const EXEC_JOURNAL = /^exec-[0-9a-f]+\.journal\.json$/;

// Lists the undos a plan can need, in execution order.
export function journalFor(plan: Plan, owner?: Owner): Journal {
  return {
    version: 1,
    container: plan.info.id,
    owner,
    entries: plan.steps.filter((s) => s.undo).map(entryFor),
  };
}

// One step's journal entry: its undo and how to run it. A plan stored by an earlier version (config.json, read by
// gc when the journal is unreadable) has `undoRetry: true`; any set value means the one policy there is.
function entryFor(s: Plan['steps'][number]): JournalEntry {
  return {
    step: s.id,
    undo: s.undo!,
    mayFail: !!s.undoMayFail,
    ...(s.undoRetry ? { retry: 'while-busy' as const } : {}),
  };
}

// Adds the spawned start process to a journal already on disk (the executor is its only writer).
export function recordStarted(file: string, started: Owner): void {
  const j = readJournal(file);
  if (j) writeJournal(file, { ...j, started });
}

// A detached run's journal passes to its monitor once the container runs (the executor writes it); an unreadable
// one is written anew from the plan.
export function handJournalTo(file: string, plan: Plan, owner: Owner): void {
  const j = readJournal(file);
  writeJournal(file, j ? { ...j, owner } : journalFor(plan, owner));
}

// The barrier of the journal's self-waiting start has opened.
export function recordReleased(file: string): void {
  const j = readJournal(file);
  if (j) writeJournal(file, { ...j, released: true });
}

// Writes the journal before the first step runs.
export function writeJournal(file: string, journal: Journal): void {
  writeFileAtomic(file, JSON.stringify(journal, null, 1) + '\n');
}

// Reads a journal, if there is one that can be trusted: a truncated, garbled or foreign-version file counts as
// none (gc then takes the undos from the container's plan, config.json).
export function readJournal(f: string): Journal | undefined {
  if (!existsSync(f)) return undefined;
  try {
    const j = JSON.parse(readFileSync(f, 'utf8')) as Journal;
    const ok = j && j.version === 1 && Array.isArray(j.entries) && j.entries.every((e) => e && Array.isArray(e.undo) && e.undo.every((a) => typeof a === 'string'));
    return ok ? j : undefined;
  } catch {
    return undefined;
  }
}
