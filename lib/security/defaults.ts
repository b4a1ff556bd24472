// The fixed values of a default container's security, the same on every host: docker's masked and read-only paths
// (lib/security/paths.ts explains them and finds which ones this kernel has), runc's device allow-list, and the
// name of the static seccomp loader (lib/security/loader.ts finds the built copy). Pure constants: the planner
// reads them without importing the modules that look at the host.

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

/** The static seccomp loader's file name (lib/security/seccomp-load.c, built into dist/ by npm run build). */
export const LOADER_NAME = 'glassbox-seccomp-load';
