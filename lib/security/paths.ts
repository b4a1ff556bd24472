// /proc and /sys are windows onto the kernel, and a few of their files look at the whole machine rather than at
// the container's namespaces: /proc/kcore is physical memory, /proc/keys the keyrings of every user,
// /proc/timer_list every timer with the process that set it, /proc/sys/kernel/core_pattern a program the kernel
// runs as root on the host when anything crashes. docker hides them in two ways, and glassbox does the same:
//   masked     a file gets the host's /dev/null bound over it (reads as empty, writes vanish); a directory gets
//              an empty read-only tmpfs over it;
//   read-only  bound onto itself and remounted read-only, so it can be read but every write fails with EROFS.
// Paths this kernel does not have are left out (a bind needs something to bind onto).

import { statSync } from 'node:fs';

/** docker's masked paths (moby's oci/defaults.go), in its order. */
export const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** docker's read-only paths. */
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Which of them this kernel has, and whether each is a directory. */
export interface KernelPaths {
  masked: Array<{ path: string; dir: boolean }>;
  readOnly: string[];
}

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

/** Every path as it would be on a kernel that has them all (planner tests, and plans made without host facts). */
export const ALL_KERNEL_PATHS: KernelPaths = {
  masked: MASKED_PATHS.map((path) => ({ path, dir: ['/proc/asound', '/proc/acpi', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap'].includes(path) })),
  readOnly: READONLY_PATHS,
};

/** The device nodes a default container may use, as runc's default allow-list writes them to devices.allow. */
export const DEVICE_RULES = [
  'c *:* m', // make any character device node (opening it is another matter)
  'b *:* m', // make any block device node
  'c 1:3 rwm', // /dev/null
  'c 1:5 rwm', // /dev/zero
  'c 1:7 rwm', // /dev/full
  'c 1:8 rwm', // /dev/random
  'c 1:9 rwm', // /dev/urandom
  'c 5:0 rwm', // /dev/tty
  'c 5:2 rwm', // /dev/ptmx
  'c 136:* rwm', // /dev/pts/N
];
