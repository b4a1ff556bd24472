// Where glassbox stands in a cgroup v2 tree, and whether it may hand controllers down from there.
//
// v2 has one rule v1 never had, the "no internal processes" rule: a group that passes a controller down to its
// children (lists it in cgroup.subtree_control) may not hold processes itself — a write of "+memory" to the
// subtree_control of a group with processes fails with EBUSY. Only the kernel's root group is exempt. So:
//   - on an ordinary host the root of the mount IS the kernel's root (it has no cgroup.type file): glassbox may
//     enable controllers there whoever sits in it, then in its own group ROOT/glassbox, which it makes and which
//     never holds a process (only the containers' groups below it do);
//   - in a cgroup namespace (glassbox inside a container, a delegated subtree), the root of the mount is an
//     ordinary group: if processes sit in it and the controllers are not enabled yet, nothing below it can get
//     them. docker-in-docker's entrypoint first moves every process into a leaf (ROOT/init); glassbox refuses with
//     that hint rather than moving processes it does not own.
// `nsdelegate` (a mount option, systemd sets it) makes every cgroup namespace a delegation boundary: from inside,
// only cgroup.procs, cgroup.threads and cgroup.subtree_control of the namespace's root may be written.
//
// /proc/self/cgroup on v2 is one line, "0::/PATH": the group of the reading process, relative to its cgroup
// namespace's root ("0::/" inside a container with a cgroup namespace of its own).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { V2Delegation } from './types.ts';

export type { V2Delegation } from './types.ts';
export { internalProcessProblem } from './internal-process.ts';

// Reads the facts above from the tree (synchronously: planning needs them and reads nothing else async).
export function readDelegation(root: string, mountOptions: string[], parentName = 'glassbox', selfCgroup = read('/proc/self/cgroup')): V2Delegation {
  const self = /^0::(\/.*)$/m.exec(selfCgroup ?? '')?.[1];
  const parentDir = `${root}/${parentName}`;
  return {
    root,
    trueRoot: !existsSync(`${root}/cgroup.type`),
    rootProcs: pids(read(`${root}/cgroup.procs`)),
    subtreeControl: words(read(`${root}/cgroup.subtree_control`)),
    nsdelegate: mountOptions.includes('nsdelegate'),
    ...(self !== undefined ? { self } : {}),
    selfChildren: self === undefined ? 0 : childGroups(self === '/' ? root : root + self),
    ...(existsSync(parentDir) ? { parent: { dir: parentDir, subtreeControl: words(read(`${parentDir}/cgroup.subtree_control`)), procs: pids(read(`${parentDir}/cgroup.procs`)) } } : {}),
  };
}

function childGroups(dir: string): number {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).length;
  } catch {
    return 0;
  }
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const words = (s: string | undefined) => (s ?? '').split(/\s+/).filter(Boolean);
// A process outside the reader's cgroup namespace is listed as 0: still a process.
const pids = (s: string | undefined) => words(s).map(Number).filter((n) => Number.isInteger(n));
