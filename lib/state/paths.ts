// Where glassbox keeps things on the host. Persistent state (images, containers' upper dirs, journals) lives
// under GLASSBOX_ROOT (/var/lib/glassbox); runtime state that a reboot should wipe (namespace files, mount points)
// under GLASSBOX_RUN (/run/glassbox). Tests always point both at temporary directories.

import { join } from 'node:path';
import { GlassboxError } from '../errors.ts';
import type { ContainerPaths } from '../plan/types.ts';

export interface Roots {
  root: string;
  run: string;
}

// Reads the two roots from the environment, refusing paths that would break overlay mount options.
export function roots(): Roots {
  const r = { root: process.env.GLASSBOX_ROOT || '/var/lib/glassbox', run: process.env.GLASSBOX_RUN || '/run/glassbox' };
  for (const [k, v] of Object.entries(r)) {
    if (!v.startsWith('/') || /[,:\\\s]/.test(v)) {
      throw new GlassboxError(`GLASSBOX_${k.toUpperCase()} must be an absolute path without "," ":" "\\" or spaces, got "${v}"`);
    }
  }
  return r;
}

// The host paths that belong to one container.
export function containerPaths(r: Roots, id: string): ContainerPaths {
  const state = join(r.root, 'containers', id);
  const run = join(r.run, id);
  return {
    state,
    run,
    nsDir: join(run, 'ns'),
    rootfs: join(run, 'rootfs'),
    upper: join(state, 'upper'),
    work: join(state, 'work'),
  };
}
