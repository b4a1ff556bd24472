// Whether a container is alive, judged only by who answers for it: the process that owns it (glassbox in the
// foreground, or the monitor of a detached container), identified by PID, start time and boot ID so a recycled PID
// or a reboot never counts. Never by age. state.json says who the owner is; when it cannot be read (damaged,
// missing), the undo journal does (it names the same owner, and the monitor once a detached container runs).

import { existsSync } from 'node:fs';
import { ownerAlive, readState, stateDir } from './containers.ts';
import { journalFile, readJournal } from './journal.ts';
import { monitorFiles } from './lifecycle.ts';
import type { Roots } from './paths.ts';

// True while some living process answers for the container.
export function containerLive(r: Roots, id: string, bootId: string): boolean {
  const s = readState(r, id);
  if (s) return ownerAlive(s.owner, bootId) || (s.status === 'running' && ownerAlive(s.monitor, bootId));
  return ownerAlive(readJournal(journalFile(stateDir(r, id)))?.owner, bootId);
}

// A stopped detached container whose monitor released everything: kept (with its state) until `glassbox rm`.
export function keptStopped(r: Roots, id: string): boolean {
  return existsSync(monitorFiles(stateDir(r, id)).done);
}
