// The planner is pure: it reads no file. What it must know about the host's current state — is the run root
// mounted privately yet, does the start barrier exist, which cgroup layout, where the helper programs live, are we
// rootless — is read here, once per plan, from files and $PATH (nothing is spawned), and handed to it as a
// PlanContext. The same context serves `run`, `plan`, `script`, learn mode and restart.

import { readlinkSync, statSync } from 'node:fs';
import { GlassboxError } from '../errors.ts';
import { hostCgroupLayout } from '../cgroup/layout.ts';
import { findDeviceFilter } from '../cgroup/device-filter.ts';
import { isPrivateMountPoint } from '../host/facts.ts';
import { findOnPathSync } from '../host/programs.ts';
import { DEV_LINKS, HELPER_TOOLS, type PlanContext } from '../plan/planner.ts';
import { CPU_ENV, rootlessActive } from '../rootless/mode.ts';
import { findSeccompLoader } from '../security/loader.ts';
import { kernelPaths } from '../security/paths.ts';
import { markPlanning } from '../state/planning.ts';
import type { Roots } from '../state/paths.ts';

// What the planner needs to know about the host's current state (read from files, nothing spawned).
export function planContext(r: Roots, batchMounts = true, flock = findOnPathSync('flock')): PlanContext {
  const isLink = (p: string, target: string) => {
    try {
      return readlinkSync(p) === target;
    } catch {
      return false;
    }
  };
  let barrierReady = false;
  try {
    barrierReady = statSync(`${r.run}/.glassbox-start`).isFIFO();
  } catch {}
  const rootless = rootlessActive();
  const cgroup = rootless ? undefined : hostCgroupLayout();
  // cgroup v2 only: the program that attaches the device allow-list (v1 has the devices controller instead).
  const deviceFilter = cgroup?.version === 'v2' ? findDeviceFilter() : undefined;
  // Marked before the mount is looked at: gc leaves the run root mounted while this process may count on it.
  markPlanning(r.run);
  return {
    runRoot: r.run,
    runRootReady: isPrivateMountPoint(r.run),
    barrierReady,
    hostDevLinks: DEV_LINKS.every((l) => isLink(`/dev/${l.name}`, l.target)),
    batchMounts,
    flock: flock ?? missingTool('flock', 'util-linux'),
    // Rootless: this host delegates no cgroup subtree to users (lib/rootless/mode.ts), so there are none.
    cgroup,
    kernelPaths: kernelPaths(),
    seccompLoader: findSeccompLoader(rootless),
    ...(deviceFilter ? { deviceFilter } : {}),
    // The chain's host programs, by absolute path: the helpers block binds each read-only for the container.
    tools: Object.fromEntries(HELPER_TOOLS.filter((t) => t !== 'flock').map((t) => [t, findOnPathSync(t) ?? missingTool(t, t === 'env' ? 'coreutils' : 'util-linux')])),
    ...(rootless ? { rootless, ...(process.env[CPU_ENV] ? { pinCpu: process.env[CPU_ENV] } : {}) } : {}),
  };
}

// A host program the start chain needs is not installed: say which package has it.
function missingTool(name: string, pkg: string): never {
  throw new GlassboxError(`${name} is not installed`, { hint: `apt-get install ${pkg}` });
}
