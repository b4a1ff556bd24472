// Named volumes on disk, docker's `local` driver: GLASSBOX_ROOT/volumes/NAME/_data is the directory containers
// see, volume.json beside it holds what `volume inspect` shows (docker's fields), `lock` serialises the copy of an
// image's files into a new volume (the volume-copy block). A volume is created atomically: a temporary directory
// filled, then renamed onto its name (rename onto an existing, non-empty directory fails), so two runs that name
// the same new volume at once both end up using one volume, made once.

import { randomBytes } from '../util/crypto.ts';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlassboxError } from '../errors.ts';
import type { Plan } from '../plan/types.ts';
import { listIds, stateDir } from '../state/containers.ts';
import { volumeNameProblem } from './spec.ts';
import type { ContainerMounts } from './usage.ts';

/** docker's label for the volumes it makes for a container (an image's VOLUME, -v /path). */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

/** What `volume inspect` prints: docker's fields for the local driver. */
export interface VolumeRecord {
  CreatedAt: string;
  Driver: 'local';
  Labels: Record<string, string>;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: 'local';
}

export const volumesDir = (root: string) => join(root, 'volumes');

export function volumePaths(root: string, name: string) {
  const dir = join(volumesDir(root), name);
  return { dir, data: join(dir, '_data'), meta: join(dir, 'volume.json'), lock: join(dir, 'lock') };
}

// docker's CreatedAt: RFC 3339 to the second.
export const createdAt = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

// A new anonymous volume's name: 64 hex digits, like docker's.
export const anonymousName = () => randomBytes(32).toString('hex');

// The record a new volume gets (also written by the plan for anonymous volumes: volume-dirs block).
export function newRecord(root: string, name: string, labels: Record<string, string>, now = new Date()): VolumeRecord {
  return { CreatedAt: createdAt(now), Driver: 'local', Labels: labels, Mountpoint: volumePaths(root, name).data, Name: name, Options: null, Scope: 'local' };
}

export const recordText = (v: VolumeRecord) => JSON.stringify(v);

// A volume's record, or undefined when there is no such volume. A directory without volume.json (made by a plan
// run by hand, up.sh) is a volume too, created when its directory was.
export function readVolume(root: string, name: string): VolumeRecord | undefined {
  if (volumeNameProblem(name)) return undefined;
  const p = volumePaths(root, name);
  let st;
  try {
    st = statSync(p.data);
  } catch {
    return undefined;
  }
  if (!st.isDirectory()) return undefined;
  try {
    const j = JSON.parse(readFileSync(p.meta, 'utf8')) as Partial<VolumeRecord>;
    return { ...newRecord(root, name, {}, st.birthtime), ...j, Name: name, Mountpoint: p.data, Driver: 'local', Scope: 'local', Labels: j.Labels && typeof j.Labels === 'object' ? j.Labels : {} };
  } catch {
    return newRecord(root, name, {}, st.mtime);
  }
}

export interface Created {
  record: VolumeRecord;
  /** False when the volume existed already (or another run made it at the same moment). */
  created: boolean;
}

// Creates a volume unless it exists; atomic against other glassbox runs (see the module comment).
export function createVolume(root: string, name: string, labels: Record<string, string> = {}): Created {
  const bad = volumeNameProblem(name);
  if (bad) throw new GlassboxError(`create ${name}: ${bad}`);
  const have = readVolume(root, name);
  if (have) return { record: have, created: false };
  mkdirSync(volumesDir(root), { recursive: true, mode: 0o701 });
  const tmp = join(volumesDir(root), `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const record = newRecord(root, name, labels);
  try {
    mkdirSync(join(tmp, '_data'), { recursive: true, mode: 0o755 });
    writeFileSync(join(tmp, 'volume.json'), recordText(record), { mode: 0o600 });
    renameSync(tmp, volumePaths(root, name).dir);
    return { record, created: true };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') {
      const other = readVolume(root, name);
      if (other) return { record: other, created: false };
    }
    throw e;
  }
}

// Every volume, by name.
export function listVolumes(root: string): VolumeRecord[] {
  let names: string[];
  try {
    names = readdirSync(volumesDir(root));
  } catch {
    return [];
  }
  return names
    .filter((n) => !n.startsWith('.'))
    .sort()
    .flatMap((n) => readVolume(root, n) ?? []);
}

// True when a volume's _data holds nothing (a new volume, or one emptied): docker then copies the image's files in.
export function isEmptyVolume(root: string, name: string): boolean {
  try {
    return readdirSync(volumePaths(root, name).data).length === 0;
  } catch {
    return true;
  }
}

// Every container of this root with the mounts its plan recorded (config.json), for the in-use checks.
export function containerMounts(root: string): ContainerMounts[] {
  return listIds({ root, run: '' }).map((id) => {
    try {
      const plan = JSON.parse(readFileSync(join(stateDir({ root, run: '' }, id), 'config.json'), 'utf8')) as Plan;
      return { id, name: plan.info.name, mounts: plan.info.mounts ?? [], anonymous: plan.info.anonymousVolumes ?? [] };
    } catch {
      // A container half-made by a crash has no plan yet: it uses nothing we can see.
      return { id, mounts: [], anonymous: [] };
    }
  });
}

// Temporary volume directories a create was still filling when it was killed (`.tmp-PID-…`): gc removes those
// whose process is gone and returns their paths.
export function removeStaleTemps(root: string): string[] {
  let names: string[];
  try {
    names = readdirSync(volumesDir(root)).filter((n) => n.startsWith('.tmp-'));
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const pid = Number(n.split('-')[1]);
    if (pid && existsSync(`/proc/${pid}`)) return [];
    rmSync(join(volumesDir(root), n), { recursive: true, force: true });
    return [join(volumesDir(root), n)];
  });
}
