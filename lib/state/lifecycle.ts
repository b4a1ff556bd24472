// A container's life after `run -d`, read from disk: state.json (written by glassbox), the exit-status file and the
// `done` marker (written by the container's monitor, a plain sh script), and whether the process responsible for
// the container (owner: PID + start time + boot ID) still lives. Nothing here spawns a process.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MEMORY_EVENTS } from '../cgroup/events.ts';
import { oomKills } from '../cgroup/stats.ts';
import { GlassboxError } from '../errors.ts';
import { listIds, nameOf, nameOwner, ownerAlive, processStart, readState, stateDir, type ContainerState, type Status } from './containers.ts';
import { readHealth, type HealthStatus } from '../health/state.ts';
import type { Roots } from './paths.ts';

export { MEMORY_EVENTS } from '../cgroup/events.ts';

/** The files of a detached container, all in its state directory (outside the container's root). */
export function monitorFiles(dir: string) {
  return {
    script: join(dir, 'monitor.sh'),
    monitorLog: join(dir, 'monitor.log'),
    stdout: join(dir, 'stdout.log'),
    stderr: join(dir, 'stderr.log'),
    /** FIFOs between the container and the time-stamping awk of each stream (present while the monitor runs). */
    stdoutFifo: join(dir, 'stdout.fifo'),
    stderrFifo: join(dir, 'stderr.fifo'),
    pid1: join(dir, 'pid1'),
    /** The start chain's PID, written by the monitor as soon as it started it (glassbox finds PID 1 under it). */
    chain: join(dir, 'chain'),
    exit: join(dir, 'exit'),
    done: join(dir, 'done'),
    /** Written by stop, kill and rm -f before their signal: the restart policy does not undo them. */
    stopped: join(dir, 'stopped'),
    /** The restart count, written by the monitor (State.RestartCount). */
    restarts: join(dir, 'restarts'),
    /** Present while the monitor waits to restart the container: the last exit status. */
    backoff: join(dir, 'backoff'),
    /** The health check's state: status (STATE STREAK) and the last five results (files named by sequence). */
    health: join(dir, 'health'),
    healthOut: join(dir, 'health.out'),
  };
}

// True when the kept memory events count an OOM kill.
function oomKilledFrom(dir: string): boolean {
  try {
    return (oomKills(readFileSync(join(dir, MEMORY_EVENTS), 'utf8')) ?? 0) > 0;
  } catch {
    return false;
  }
}

export interface ContainerView extends ContainerState {
  /** The OOM killer ended it (exit 137 and an oom_kill in its memory group). */
  oomKilled?: boolean;
  /** The status as it is now (state.json may say running after the container ended). */
  status: Status;
  /** True once the monitor ran every undo (a stopped detached container: only its state directory is left). */
  released: boolean;
  /** The monitor waits to start it again (its restart policy's back-off); exitCode and finishedAt are the last run's. */
  restarting?: boolean;
  /** How often its monitor started it again. */
  restartCount?: number;
  /** The health check's status and failing streak (without the log: readHealth has it). */
  health?: { status: HealthStatus; failingStreak: number };
}

// A number in a small file the monitor writes, or undefined.
function readNumber(file: string): number | undefined {
  try {
    const t = readFileSync(file, 'utf8').trim();
    return /^\d+$/.test(t) ? Number(t) : undefined;
  } catch {
    return undefined;
  }
}

// The parent PID of a process (field 4 of /proc/PID/stat), or undefined.
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

// A running detached container as its monitor sees it now: a restart policy may have started a new PID 1 (named in
// the pid1 file, accepted only as a grandchild of the monitor: its chain's child), or be waiting to (backoff).
function monitorView(f: ReturnType<typeof monitorFiles>, s: ContainerState, released: boolean): ContainerView {
  const v: ContainerView = { ...s, released };
  const count = readNumber(f.restarts);
  if (count !== undefined) v.restartCount = count;
  const h = readHealth(f.health, false);
  if (h) v.health = { status: h.Status, failingStreak: h.FailingStreak };
  if (!s.monitor) return v;
  const backoff = readNumber(f.backoff);
  const pid1 = readNumber(f.pid1);
  if (backoff !== undefined || pid1 === undefined) {
    delete v.pid;
    delete v.pidStart;
    delete v.health;
    if (backoff !== undefined) {
      v.restarting = true;
      v.exitCode = backoff;
      try {
        v.finishedAt = statSync(f.backoff).mtime.toISOString();
      } catch {}
    }
    return v;
  }
  if (pid1 !== s.pid) {
    const chain = parentOf(pid1);
    if (chain !== undefined && parentOf(chain) === s.monitor.pid) {
      v.pid = pid1;
      const start = processStart(pid1);
      if (start) v.pidStart = start;
    } else delete v.pid;
  }
  return v;
}

// state.json corrected by what is true now: the monitor's exit file, and whether the owner still lives.
export function viewOf(r: Roots, s: ContainerState, bootId: string): ContainerView {
  const dir = stateDir(r, s.id);
  const f = monitorFiles(dir);
  const released = existsSync(f.done);
  let exit: string | undefined;
  try {
    exit = readFileSync(f.exit, 'utf8').trim();
  } catch {}
  if (exit !== undefined && /^\d+$/.test(exit)) {
    const { pid: _gone, ...rest } = s;
    const oomKilled = Number(exit) === 137 && oomKilledFrom(dir);
    const restartCount = readNumber(f.restarts);
    return { ...rest, status: released ? 'exited' : 'removing', exitCode: Number(exit), finishedAt: statSync(f.exit).mtime.toISOString(), released, ...(oomKilled ? { oomKilled } : {}), ...(restartCount ? { restartCount } : {}) };
  }
  if ((s.status === 'running' || s.status === 'created') && ownerAlive(s.owner, bootId)) return s.detached && s.status === 'running' ? monitorView(f, s, released) : { ...s, released };
  // Made by `glassbox create`: recorded, nothing of it exists on the host yet (no owner, no journal).
  if (s.status === 'created' && !s.owner) return { ...s, released: true };
  if (s.status === 'exited') return { ...s, released };
  // The owner is gone without recording an exit (killed with -9, or the machine rebooted): gc finishes it.
  const { pid: _gone, ...rest } = s;
  return { ...rest, status: 'dead', released };
}

/** Every container this root knows, as it is now, newest first. */
export function listViews(r: Roots, bootId: string): ContainerView[] {
  const out: ContainerView[] = [];
  for (const id of listIds(r)) {
    const s = readState(r, id);
    out.push(s ? viewOf(r, s, bootId) : damagedView(r, id));
  }
  return out.sort((a, b) => b.created.localeCompare(a.created));
}

// A container named by its full ID, its name, or a unique prefix of its ID (docker's rules).
export function resolveContainer(r: Roots, ref: string): string {
  const ids = listIds(r);
  if (ids.includes(ref)) return ref;
  const byName = nameOwner(r, ref);
  if (byName && ids.includes(byName)) return byName;
  const matches = /^[0-9a-f]+$/.test(ref) ? ids.filter((id) => id.startsWith(ref)) : [];
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new GlassboxError(`multiple IDs found with provided prefix: ${ref}`, { hint: 'give more digits of the ID, or the name' });
  throw new GlassboxError(`No such container: ${ref}`);
}

export function readView(r: Roots, id: string, bootId: string): ContainerView {
  const s = readState(r, id);
  if (!s) {
    if (listIds(r).includes(id)) return damagedView(r, id);
    throw new GlassboxError(`No such container: ${id}`);
  }
  return viewOf(r, s, bootId);
}

// A container whose state.json cannot be read: what its directory and name still say.
export function damagedView(r: Roots, id: string): ContainerView {
  let created = new Date(0).toISOString();
  try {
    created = statSync(stateDir(r, id)).mtime.toISOString();
  } catch {}
  return { id, name: nameOf(r, id) ?? '', image: '', command: [], created, status: 'damaged', released: existsSync(monitorFiles(stateDir(r, id)).done) };
}
