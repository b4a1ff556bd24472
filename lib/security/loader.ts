// Finds the static seccomp loader that `npm run build` compiles (lib/security/seccomp-load.c →
// dist/glassbox-seccomp-load). It runs as root at the start of every container, so a copy that someone else could
// have replaced (not owned by root, or writable by group or others) is not used.

import { readFileSync } from 'node:fs';
import { findBuiltProgram } from '../host/programs.ts';
import { LOADER_NAME } from './defaults.ts';

export { LOADER_NAME } from './defaults.ts';

// The loader's absolute path, or undefined when it is missing, unsafe, or the host is not x86_64 (the filter
// speaks x86_64 system call numbers). GLASSBOX_SECCOMP_LOADER names another copy.
// Rootless (inside glassbox's user namespace), the host's root shows as the overflow ID (65534) and the user as
// 0; the loader then runs with the user's rights only, so either owner will do.
export function findSeccompLoader(rootless = false): string | undefined {
  if (process.arch !== 'x64') return undefined;
  return findBuiltProgram(LOADER_NAME, process.env.GLASSBOX_SECCOMP_LOADER, (uid) => uid === 0 || (rootless && uid === overflowUid()));
}

// The ID a user namespace shows for owners it does not map.
function overflowUid(): number {
  try {
    return Number(readFileSync('/proc/sys/kernel/overflowuid', 'utf8').trim());
  } catch {
    return 65534;
  }
}
