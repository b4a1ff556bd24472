// Where this host keeps its cgroups, and which generation glassbox writes to.
//
// A cgroup ("control group") is a directory in a special file system: making a group is mkdir, moving a process
// into it is writing its PID to the group's cgroup.procs, and a limit is a line written to one of its files. Its
// children inherit the group at fork, so a process placed in a group takes every descendant along.
//
//   v1: one tree ("hierarchy") per controller, each mounted on its own: /sys/fs/cgroup/memory holds only memory
//       files, /sys/fs/cgroup/pids only pids files. A container is a directory in EACH tree it needs, and its
//       processes are written into each of them. Some hosts mount two controllers as one tree (cpu,cpuacct).
//   v2: one unified tree, usually /sys/fs/cgroup. A controller works in a group only when the parent lists it in
//       cgroup.subtree_control, so glassbox enables what it needs on the way down; one directory holds every file.
//
// A hybrid host (like the one glassbox grew up on) mounts both: the v1 trees own the controllers and the cgroup2
// mount beside them has none, so the limits go through v1. GLASSBOX_CGROUP_ROOT moves everything below another
// directory, so tests run against a temporary tree standing in for /sys/fs/cgroup.

import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseCgroupMounts, type CgroupFacts } from '../host/facts.ts';
import { readDelegation } from './delegation.ts';
import type { CgroupLayout } from './types.ts';

export type { CgroupLayout, CgroupVersion } from './types.ts';

/** The usual mount point; a stand-in root replaces this prefix. */
export const SYS_CGROUP = '/sys/fs/cgroup';

// Chooses the generation and finds the directories; undefined when the host has no usable cgroups.
export function cgroupLayout(cg: CgroupFacts, standIn = process.env.GLASSBOX_CGROUP_ROOT || undefined): CgroupLayout | undefined {
  const rebase = (p: string) => {
    if (!standIn) return p;
    if (p === SYS_CGROUP) return standIn;
    return p.startsWith(`${SYS_CGROUP}/`) ? standIn + p.slice(SYS_CGROUP.length) : `${standIn}/${basename(p)}`;
  };
  const hierarchies: Record<string, string> = {};
  for (const [controller, mount] of Object.entries(cg.v1Controllers)) {
    if (!controller.startsWith('name=')) hierarchies[controller] = rebase(mount);
  }
  if (Object.keys(hierarchies).length > 0) {
    const cpuset = hierarchies.cpuset;
    return {
      version: 'v1',
      hierarchies,
      controllers: [],
      swapAccounting: !!hierarchies.memory && existsSync(`${hierarchies.memory}/memory.memsw.limit_in_bytes`),
      ...(cpuset ? { cpusetCpus: readTrim(`${cpuset}/cpuset.cpus`), cpusetMems: readTrim(`${cpuset}/cpuset.mems`) } : {}),
    };
  }
  if (cg.v2Mount) {
    const root = rebase(cg.v2Mount);
    const controllers = cg.v2Controllers.length ? [...cg.v2Controllers] : (readTrim(`${root}/cgroup.controllers`) ?? '').split(/\s+/).filter(Boolean);
    if (controllers.length) return { version: 'v2', hierarchies: {}, root, controllers, swapAccounting: true, delegation: readDelegation(root, cg.v2Options ?? []) };
  }
  return undefined;
}

// This host's layout, read synchronously from /proc/self/mountinfo (planning needs it and reads nothing else async).
export function hostCgroupLayout(mountinfo = readTrim('/proc/self/mountinfo') ?? ''): CgroupLayout | undefined {
  return cgroupLayout(parseCgroupMounts(mountinfo));
}

function readTrim(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}
