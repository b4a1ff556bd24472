// /proc and /sys are windows onto the kernel, and a few of their files look at the whole machine rather than at
// the container's namespaces: /proc/kcore is physical memory, /proc/keys the keyrings of every user,
// /proc/timer_list every timer with the process that set it, /proc/sys/kernel/core_pattern a program the kernel
// runs as root on the host when anything crashes. docker hides them in two ways, and glassbox does the same:
//   masked     a file gets the host's /dev/null bound over it (reads as empty, writes vanish); a directory gets
//              an empty read-only tmpfs over it;
//   read-only  bound onto itself and remounted read-only, so it can be read but every write fails with EROFS.
// Paths this kernel does not have are left out (a bind needs something to bind onto).

import { statSync } from 'node:fs';
import { MASKED_PATHS, READONLY_PATHS, type KernelPaths } from './defaults.ts';

export { ALL_KERNEL_PATHS, DEVICE_RULES, MASKED_PATHS, READONLY_PATHS, type KernelPaths } from './defaults.ts';

// Reads the host's /proc and /sys: the container sees the same kernel, so the same paths exist there.
export function kernelPaths(stat: (p: string) => { isDirectory(): boolean } | undefined = statOrUndefined): KernelPaths {
  const masked = MASKED_PATHS.flatMap((path) => {
    const s = stat(path);
    return s ? [{ path, dir: s.isDirectory() }] : [];
  });
  return { masked, readOnly: READONLY_PATHS.filter((p) => stat(p) !== undefined) };
}

function statOrUndefined(p: string): { isDirectory(): boolean } | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}
