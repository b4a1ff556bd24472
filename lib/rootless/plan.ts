// Rootless mode, the planner's half (pure): what changes in a container's plan when it is made by root of a user
// namespace. The namespaces, overlay, /proc, sysfs, masks, pivot_root, capabilities and seccomp filter stay as
// they are (root of a user namespace may do all of that to the namespaces it owns). What changes:
// - /dev: mknod(2) of a device is refused in a user namespace, so the host's standard nodes are bound onto empty
//   files instead of copied; /dev/ptmx becomes a link to the container's own pts/ptmx;
// - groups: the kernel denies setgroups(2) once an unprivileged process has written its gid_map, so PID 1 keeps
//   its groups (setpriv --keep-groups) instead of clearing them;
// - no cgroups (the context has none), so no limits, no device group, no cgroup joins;
// - only root is mapped, so only root can be the container's user.

import type { Catalog } from '../blocks/schema.ts';
import { expandBlock } from '../blocks/expand.ts';
import { GlassboxError } from '../errors.ts';
import { hasLimits, type Resources } from '../cgroup/resources.ts';
import { ROOTLESS_LOSSES } from './losses.ts';

/** The parts of a prepared container and context the rootless checks read. */
export interface RootlessCheckInput {
  user: { uid: number; gid: number; groups: number[] };
  resources?: Resources;
  network?: { mode: string };
}

// Refuses what a rootless plan cannot do, with the reason (thrown before any step exists).
export function checkRootlessPlan(c: RootlessCheckInput, ctx: { cgroup?: unknown }): void {
  if (hasLimits(c.resources) && !ctx.cgroup) {
    throw new GlassboxError(`rootless containers cannot have resource limits here: ${ROOTLESS_LOSSES.cgroups}`, { field: 'resources', hint: 'drop --memory/--cpus/--pids-limit…, or run glassbox as root' });
  }
  if ((c.network?.mode ?? 'none') !== 'none') {
    throw new GlassboxError(`rootless containers have no --network ${c.network!.mode}: ${ROOTLESS_LOSSES.network}`, { field: 'network.mode', hint: 'use --network none' });
  }
  if (c.user.uid !== 0 || c.user.gid !== 0 || c.user.groups.some((g) => g !== 0)) {
    throw new GlassboxError(`rootless containers can only run as root (uid 0, gid 0), not ${c.user.uid}:${c.user.gid}: ${ROOTLESS_LOSSES.users}`, { field: 'user', hint: 'drop --user (or the image\'s USER), or run glassbox as root' });
  }
}

// The dev block's rootless parameters: the barrier FIFO (the user's own) is copied, the links are made one by one
// (the host's belong to its root, which is not mapped), the device nodes are bound.
export function rootlessDev<L>(devNodes: string[], links: L[], barrier: string): { nodes: string[]; links: L[]; binds: string[]; rootless: boolean } {
  return { nodes: [barrier], links, binds: devNodes.filter((n) => n !== '/dev/ptmx'), rootless: true };
}

// The userns block's argv up to the program it runs: what puts a person where the plan's commands run.
export function rootlessEnter(catalog: Catalog): string[] {
  const [step] = expandBlock(catalog, { block: 'userns', as: 'userns', params: { command: [] } });
  return step!.argv!;
}
