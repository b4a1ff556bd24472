// The volume steps of a container's plan (pure): the volume-dirs block (named volumes' directories, the anonymous
// volumes this container makes, with their records) and the volume-copy block (the image's files copied into
// new, empty volumes through a non-recursive bind of the root, before the container starts).

import { expandBlock } from '../blocks/expand.ts';
import type { Catalog } from '../blocks/schema.ts';
import type { Step } from '../plan/types.ts';
import type { VolumeSetup } from './types.ts';

export function volumeDirSteps(catalog: Catalog, setup: VolumeSetup | undefined): Step[] {
  if (!setup || (!setup.named.length && !setup.anonymous.length && !setup.binds?.length)) return [];
  return expandBlock(catalog, {
    block: 'volume-dirs',
    as: 'volume-dirs',
    params: {
      named: setup.named,
      binds: setup.binds ?? [],
      anonymous: setup.anonymous.map((a) => a.dir),
      anonymous_data: setup.anonymous.map((a) => a.data),
      anonymous_meta: setup.anonymous.map((a) => ({ path: a.meta, value: a.value })),
    },
  });
}

export function volumeCopySteps(catalog: Catalog, setup: VolumeSetup | undefined, o: { mountNs: string; rootfs: string; source: string; flock: string; after: string[] }): Step[] {
  if (!setup?.copies.length) return [];
  return expandBlock(catalog, {
    block: 'volume-copy',
    as: 'volume-copy',
    params: {
      mount_ns: o.mountNs,
      rootfs: o.rootfs,
      source: o.source,
      flock: o.flock,
      copies: setup.copies.map((c) => ({ from: c.target === '/' ? o.source : o.source + c.target, to: c.data, lock: c.lock })),
    },
    after: o.after,
  });
}
