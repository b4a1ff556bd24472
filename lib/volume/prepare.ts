// The container's mounts as docker assembles them: the mounts of --volumes-from containers first, the run's own
// volumes over them (same destination: the run's wins), then an anonymous volume for each of the image's VOLUMEs
// nothing else covers. Every target is resolved inside the image; a volume becomes a bind of its _data directory.
// A new, empty volume (not nocopy) whose target is a directory in the image gets the image's files copied in by
// the plan (volume-copy block). Named volumes are created here, atomically, once every check has passed
// (`create()`, skipped when only planning); anonymous ones are made by the plan itself (volume-dirs block).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GlassboxError, placed, type Place } from '../errors.ts';
import { resolveInLayers } from '../image/rootpath.ts';
import type { ImageConfig } from '../image/store.ts';
import type { PreparedContainer } from '../plan/planner.ts';
import type { Plan, PlanMount } from '../plan/types.ts';
import type { ContainerSpec, Volume } from '../recipe/model.ts';
import { isReservedTarget } from '../recipe/validate.ts';
import { stateDir } from '../state/containers.ts';
import { resolveContainer } from '../state/lifecycle.ts';
import type { Roots } from '../state/paths.ts';
import type { VolumeSetup } from './types.ts';
import { ANONYMOUS_LABEL, anonymousName, createVolume, isEmptyVolume, newRecord, readVolume, recordText, volumePaths } from './store.ts';

export type { VolumeSetup };

type Wanted = { v: Volume; where: (string | number)[] };

// A mount's target for comparing destinations (docker compares cleaned paths).
const clean = (p: string) => p.replace(/\/+$/, '') || '/';

// The mounts of another container (--volumes-from), from the plan it recorded.
function mountsOf(r: Roots, ref: string): PlanMount[] {
  const id = resolveContainer(r, ref);
  try {
    const plan = JSON.parse(readFileSync(join(stateDir(r, id), 'config.json'), 'utf8')) as Plan;
    return plan.info.mounts ?? [];
  } catch {
    throw new GlassboxError(`container ${ref} has no readable plan`, { hint: 'its state is damaged' });
  }
}

export async function prepareVolumes(spec: ContainerSpec, r: Roots, lowerDirs: string[], config: ImageConfig, at: (...p: (string | number)[]) => Place, image: Place, dry: boolean) {
  const wanted: Wanted[] = [];
  for (const [i, f] of (spec.volumesFrom ?? []).entries()) {
    const mounts = await placed(at('volumes_from', i), () => mountsOf(r, f.container));
    for (const m of mounts) {
      const readOnly = f.readOnly ?? !m.RW;
      if (m.Type === 'volume' && m.Name) wanted.push({ v: { type: 'volume', source: m.Name, target: m.Destination, readOnly, noCopy: true }, where: ['volumes_from', i] });
      else if (m.Type === 'bind') wanted.push({ v: { type: 'bind', source: m.Source, target: m.Destination, readOnly }, where: ['volumes_from', i] });
    }
  }
  const own = spec.volumes.map((v, i): Wanted => ({ v, where: ['volumes', i] }));
  const ownTargets = new Set(own.map((w) => clean(w.v.target)));
  const all = [...wanted.filter((w) => !ownTargets.has(clean(w.v.target))), ...own];
  const taken = new Set(all.map((w) => clean(w.v.target)));
  for (const t of Object.keys(config.Volumes ?? {})) {
    if (!t.startsWith('/') || taken.has(clean(t))) continue;
    taken.add(clean(t));
    all.push({ v: { type: 'volume', target: t, readOnly: false }, where: [] });
  }

  const volumes: PreparedContainer['volumes'] = [];
  const mounts: PlanMount[] = [];
  const setup: VolumeSetup = { named: [], anonymous: [], copies: [] };
  const toCreate = new Set<string>();
  for (const { v, where } of all) {
    const place = (key: string) => (where.length ? at(...where, ...(where[0] === 'volumes' ? [key] : [])) : image);
    const resolved = await placed(place('target'), () => resolveInLayers(lowerDirs, v.target));
    const target = resolved.path;
    if (isReservedTarget(target)) {
      throw new GlassboxError(`volume target ${v.target} resolves to ${target} inside the image`, { ...place('target'), hint: 'choose another mount point' });
    }
    if (v.type === 'bind') {
      // compose's short syntax makes a missing source directory (create_host_path); -v and --mount refuse it.
      const make = !existsSync(v.source) && !!v.createHostPath;
      if (make) setup.binds = [...new Set([...(setup.binds ?? []), v.source])];
      else if (!existsSync(v.source)) throw new GlassboxError(`volume source ${v.source} does not exist`, { ...place('source'), hint: 'create it first, or fix the path' });
      const mount: PlanMount = { Type: 'bind', Source: v.source, Destination: target, Mode: v.readOnly ? 'ro' : '', RW: !v.readOnly, Propagation: v.propagation ?? 'rprivate' };
      mounts.push(mount);
      const prop = v.propagation ? { propagation: v.propagation } : {};
      // A file is bound onto a file (docker's -v /etc/resolv.conf:…): the target must not be a directory, and an
      // empty one is made when the image lacks it (X-mount.mkdir would make a directory).
      if (!make && !statSync(v.source).isDirectory()) {
        if (resolved.kind === 'dir') throw new GlassboxError(`volume ${v.source} is a file but its target ${v.target} is a directory in the image`, { ...place('target'), hint: 'bind a file onto a file path' });
        volumes.push({ ...v, ...prop, target, file: true, ...(resolved.kind === 'missing' ? { placeholder: target } : {}) });
      } else volumes.push({ ...v, ...prop, target });
    } else if (v.type === 'volume') {
      if (resolved.kind === 'file' || resolved.kind === 'other') throw new GlassboxError(`cannot mount volume over existing file, file exists ${target}`, { ...place('target'), hint: 'a volume is a directory: choose a directory or a new path' });
      const anonymous = v.source === undefined;
      const name = v.source ?? anonymousName();
      const p = volumePaths(r.root, name);
      const existing = anonymous ? undefined : readVolume(r.root, name);
      if (anonymous) {
        setup.anonymous.push({ name, dir: p.dir, data: p.data, meta: p.meta, value: recordText(newRecord(r.root, name, { [ANONYMOUS_LABEL]: '' })) });
      } else {
        if (!existing) toCreate.add(name);
        if (!setup.named.includes(p.data)) setup.named.push(p.data);
      }
      // docker copies the image's files into a volume that is empty when it is mounted (nocopy: never).
      if (!v.noCopy && resolved.kind === 'dir' && (!existing || isEmptyVolume(r.root, name)) && !setup.copies.some((c) => c.data === p.data)) {
        setup.copies.push({ target, data: p.data, lock: p.lock });
      }
      volumes.push({ type: 'bind', source: p.data, target, readOnly: v.readOnly });
      mounts.push({ Type: 'volume', Name: name, Source: p.data, Destination: target, Driver: 'local', Mode: v.readOnly ? 'ro' : '', RW: !v.readOnly, Propagation: '' });
    } else {
      volumes.push({ ...v, target });
      mounts.push({ Type: 'tmpfs', Source: '', Destination: target, Mode: '', RW: !v.readOnly, Propagation: '' });
    }
  }
  const any = setup.named.length || setup.anonymous.length || setup.binds?.length;
  return {
    volumes,
    mounts,
    setup: any ? setup : undefined,
    // Named volumes a run creates on first use, like docker; `glassbox plan` and `script` create nothing.
    create: () => {
      if (!dry) for (const n of toCreate) createVolume(r.root, n);
    },
  };
}
