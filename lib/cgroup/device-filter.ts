// Finds glassbox's cgroup v2 device filter (lib/cgroup/device-filter.c → dist/glassbox-device-filter, compiled by
// `npm run build`). cgroup v2 has no devices controller: a device allow-list is an eBPF program attached to the
// group, and this small static program compiles runc's list into one and attaches it. It runs as root, so a copy
// someone else could have replaced (not owned by root, or writable by group or others) is not used.

import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEVICE_FILTER_NAME = 'glassbox-device-filter';

// The program's absolute path, or undefined when it is missing or unsafe. GLASSBOX_DEVICE_FILTER names another copy.
export function findDeviceFilter(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = process.env.GLASSBOX_DEVICE_FILTER
    ? [process.env.GLASSBOX_DEVICE_FILTER]
    : [here, join(here, '..'), join(here, '..', '..')].flatMap((d) => [join(d, DEVICE_FILTER_NAME), join(d, 'dist', DEVICE_FILTER_NAME)]);
  for (const c of candidates) {
    try {
      const st = statSync(c);
      if (st.isFile() && st.uid === 0 && (st.mode & 0o022) === 0 && (st.mode & 0o100) !== 0) return c;
    } catch {}
  }
  return undefined;
}
