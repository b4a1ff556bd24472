// Containers' state on disk. A container is a directory <root>/containers/<id> (its ID is 64 random hex digits,
// like docker's) holding config.json, state.json and the undo journal; its name is claimed by creating the symbolic
// link <root>/names/<name> → ../containers/<id>, which the kernel creates atomically or refuses (EEXIST: taken).
// Every write goes through writeFileAtomic, so two glassbox processes never see a half-written file.

import { randomBytes } from '../util/crypto.ts';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlassboxError } from '../errors.ts';
import { writeFileAtomic } from './atomic.ts';
import type { Roots } from './paths.ts';

/** `damaged`: state.json cannot be read (never written as such; ps shows it, rm -f and gc remove it). */
export type Status = 'created' | 'running' | 'exited' | 'dead' | 'removing' | 'damaged';

/** The process responsible for a container's teardown, identified across PID reuse and reboots. */
export interface Owner {
  pid: number;
  /** Start time of the process in clock ticks since boot (field 22 of /proc/PID/stat). */
  start: string;
  boot: string;
}

export interface ContainerState {
  id: string;
  name: string;
  image: string;
  command: string[];
  created: string;
  status: Status;
  owner?: Owner;
  /** Host PID of the container's PID 1 while it runs. */
  pid?: number;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  /** Detached runs (run -d): the monitor that waits for the container and runs its undos. */
  detached?: boolean;
  monitor?: Owner;
  /** Start time of PID 1 (field 22 of /proc/PID/stat), so a signal never reaches a recycled PID. */
  pidStart?: string;
  /** --rm: the monitor removes the container when it ends. */
  autoRemove?: boolean;
}

// A new random container ID.
export function newId(): string {
  return randomBytes(32).toString('hex');
}

const ADJ = ['brave', 'calm', 'clear', 'eager', 'fair', 'glassy', 'keen', 'lucid', 'merry', 'neat', 'plain', 'quiet', 'sharp', 'sunny', 'swift', 'tidy', 'vivid', 'wise'];
const NOUN = ['chroot', 'pivot', 'overlay', 'veth', 'bridge', 'cgroup', 'unshare', 'nsenter', 'tmpfs', 'devpts', 'procfs', 'sysfs', 'inode', 'socket', 'signal', 'fork', 'pipe', 'prism'];

// A readable default name, like docker's adjective_noun names.
export function randomName(): string {
  const pick = <T>(a: T[]) => a[randomBytes(1)[0]! % a.length]!;
  return `${pick(ADJ)}_${pick(NOUN)}_${randomBytes(2).toString('hex')}`;
}

export const stateDir = (r: Roots, id: string) => join(r.root, 'containers', id);
const namesDir = (r: Roots) => join(r.root, 'names');

/** Prefix of a container directory being filled (then `.tmp-PID-ID`): gc removes one whose PID is gone. */
export const CLAIM_DIR_TMP = '.tmp-';

// Creates the state directory and claims the name; fails cleanly when the name is taken. With `files` (state.json
// and config.json), the directory is filled under a hidden temporary name and renamed into place, so gc never sees
// a container directory without its state (and the owner it names): it would take it for a damaged, dead one.
export function claimContainer(r: Roots, id: string, name: string, files?: Record<string, string>): string {
  mkdirSync(join(r.root, 'containers'), { recursive: true, mode: 0o700 });
  mkdirSync(namesDir(r), { recursive: true, mode: 0o700 });
  const dir = stateDir(r, id);
  if (files) {
    const tmp = join(r.root, 'containers', `${CLAIM_DIR_TMP}${process.pid}-${id}`);
    try {
      mkdirSync(tmp, { mode: 0o700 });
      for (const [f, text] of Object.entries(files)) writeFileSync(join(tmp, f), text, { mode: 0o600 });
      renameSync(tmp, dir);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  } else mkdirSync(dir, { mode: 0o700 });
  try {
    symlinkSync(join('..', 'containers', id), join(namesDir(r), name));
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      const other = nameOwner(r, name);
      throw new GlassboxError(`the container name "${name}" is already in use${other ? ` by container ${other.slice(0, 12)}` : ''}`, {
        hint: 'remove that container or choose another name with --name',
      });
    }
    throw e;
  }
  return dir;
}

// The ID a name points to, if the name is claimed.
export function nameOwner(r: Roots, name: string): string | undefined {
  try {
    return readlinkSync(join(namesDir(r), name)).split('/').pop();
  } catch {
    return undefined;
  }
}

export function writeState(r: Roots, s: ContainerState): void {
  writeFileAtomic(join(stateDir(r, s.id), 'state.json'), stateText(s));
}

/** state.json's text. */
export const stateText = (s: ContainerState) => JSON.stringify(s, null, 1) + '\n';

const STATUSES: Status[] = ['created', 'running', 'exited', 'dead', 'removing'];

// Reads state.json defensively: a truncated, garbled, missing or foreign file (another version's, another
// container's) is no state at all; ps shows such a container as damaged (lib/state/lifecycle.ts).
export function readState(r: Roots, id: string): ContainerState | undefined {
  try {
    const s = JSON.parse(readFileSync(join(stateDir(r, id), 'state.json'), 'utf8')) as ContainerState & { version?: unknown };
    const ok = s && s.id === id && typeof s.name === 'string' && typeof s.created === 'string' && STATUSES.includes(s.status) && Array.isArray(s.command) && (s.version === undefined || s.version === 1);
    return ok ? s : undefined;
  } catch {
    return undefined;
  }
}

// The name a container holds (found from the names directory: its state may be unreadable).
export function nameOf(r: Roots, id: string): string | undefined {
  try {
    return readdirSync(namesDir(r)).find((n) => nameOwner(r, n) === id);
  } catch {
    return undefined;
  }
}

// Every container directory's ID (including ones whose state file is missing: half-made by a crash).
export function listIds(r: Roots): string[] {
  try {
    return readdirSync(join(r.root, 'containers')).filter((d) => /^[0-9a-f]{64}$/.test(d));
  } catch {
    return [];
  }
}

// Deletes a container's state directory and releases its name.
export function releaseContainer(r: Roots, id: string, name?: string): void {
  if (name && nameOwner(r, name) === id) {
    try {
      unlinkSync(join(namesDir(r), name));
    } catch {}
  }
  rmSync(stateDir(r, id), { recursive: true, force: true });
}

// The names whose link points at a container that no longer exists.
export function danglingNames(r: Roots): string[] {
  try {
    const ids = new Set(listIds(r));
    return readdirSync(namesDir(r)).filter((n) => !ids.has(nameOwner(r, n) ?? ''));
  } catch {
    return [];
  }
}

export function removeName(r: Roots, name: string): void {
  try {
    unlinkSync(join(namesDir(r), name));
  } catch {}
}

// Identifies the current process so a later glassbox can tell whether it still runs.
export function selfOwner(bootId: string): Owner {
  return { pid: process.pid, start: processStart(process.pid) ?? '', boot: bootId };
}

// Field 22 of /proc/PID/stat: when the process started. A recycled PID has a different value.
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

// True when the owner process is still the same living process on the same boot.
export function ownerAlive(o: Owner | undefined, bootId: string): boolean {
  if (!o || o.boot !== bootId) return false;
  if (processStart(o.pid) !== o.start) return false;
  // A zombie (ended, not yet reaped by its new parent) is not alive.
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${o.pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
