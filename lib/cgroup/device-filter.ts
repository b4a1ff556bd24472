// Finds glassbox's cgroup v2 device filter (lib/cgroup/device-filter.c → dist/glassbox-device-filter, compiled by
// `npm run build`). cgroup v2 has no devices controller: a device allow-list is an eBPF program attached to the
// group, and this small static program compiles runc's list into one and attaches it. It runs as root, so a copy
// someone else could have replaced (not owned by root, or writable by group or others) is not used.

import { findBuiltProgram } from '../host/programs.ts';

export const DEVICE_FILTER_NAME = 'glassbox-device-filter';

// The program's absolute path, or undefined when it is missing or unsafe. GLASSBOX_DEVICE_FILTER names another copy.
export function findDeviceFilter(): string | undefined {
  return findBuiltProgram(DEVICE_FILTER_NAME, process.env.GLASSBOX_DEVICE_FILTER);
}
