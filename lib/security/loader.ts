// Finds the static seccomp loader that `npm run build` compiles (lib/security/seccomp-load.c →
// dist/glassbox-seccomp-load). It runs as root at the start of every container, so a copy that someone else could
// have replaced (not owned by root, or writable by group or others) is not used.

import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LOADER_NAME = 'glassbox-seccomp-load';

// The loader's absolute path, or undefined when it is missing, unsafe, or the host is not x86_64 (the filter
// speaks x86_64 system call numbers). GLASSBOX_SECCOMP_LOADER names another copy.
// Rootless (inside glassbox's user namespace), the host's root shows as the overflow ID (65534) and the user as
// 0; the loader then runs with the user's rights only, so either owner will do.
export function findSeccompLoader(rootless = false): string | undefined {
  if (process.arch !== 'x64') return undefined;
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = process.env.GLASSBOX_SECCOMP_LOADER
    ? [process.env.GLASSBOX_SECCOMP_LOADER]
    : [here, join(here, '..'), join(here, '..', '..')].flatMap((d) => [join(d, LOADER_NAME), join(d, 'dist', LOADER_NAME)]);
  for (const c of candidates) {
    try {
      const st = statSync(c);
      if (st.isFile() && (st.uid === 0 || (rootless && st.uid === overflowUid())) && (st.mode & 0o022) === 0 && (st.mode & 0o100) !== 0) return c;
    } catch {}
  }
  return undefined;
}

// The ID a user namespace shows for owners it does not map.
function overflowUid(): number {
  try {
    return Number(readFileSync('/proc/sys/kernel/overflowuid', 'utf8').trim());
  } catch {
    return 65534;
  }
}
