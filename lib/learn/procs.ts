// Small reads of /proc that learn mode needs and the executor keeps to itself: the container's PID 1 (a grandchild
// of this process), whether a process still lives, and which namespace files are bound where.

import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

// This process's children (the kernel lists them per thread that forked them).
function childrenOf(pid: number | 'self'): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/)) if (c) out.push(Number(c));
    } catch {}
  }
  return out;
}

// The last PID in /proc/PID/status's NSpid line: the process's number in its own PID namespace.
function innermostPid(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('NSpid:'));
    const ids = line?.split(/\s+/).slice(1).filter(Boolean);
    return ids && ids.length > 1 ? Number(ids.at(-1)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds the container started by this process: its main process (unshare, our child) and PID 1 (unshare's child,
 * number 1 in a PID namespace of its own).
 */
export function findContainerPids(): { pid: number; pid1: number } | undefined {
  for (const c of childrenOf('self')) {
    for (const g of childrenOf(c)) if (innermostPid(g) === 1) return { pid: c, pid1: g };
  }
  return undefined;
}

// True while the process exists and is not a zombie.
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

const NS_KINDS = new Set(['mount', 'uts', 'ipc', 'net', 'pid', 'cgroup', 'user', 'time']);

/** Namespace files bound below one of `dirs`, by kind (mount, uts…), read from this process's mount table. */
export function boundNamespaceFiles(dirs: string[]): Map<string, string> {
  const out = new Map<string, string>();
  let info = '';
  try {
    info = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return out;
  }
  for (const line of info.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post || post.split(' ')[0] !== 'nsfs') continue;
    const mp = unescapeMount(pre.split(' ')[4] ?? '');
    const kind = basename(mp);
    if (NS_KINDS.has(kind) && dirs.some((d) => mp.startsWith(d.endsWith('/') ? d : d + '/'))) out.set(kind, mp);
  }
  return out;
}

/** Mount points at or below one of `dirs` (what a cleanup must not leave behind). */
export function mountsBelow(dirs: string[]): string[] {
  let info = '';
  try {
    info = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of info.split('\n')) {
    const mp = unescapeMount(line.split(' ')[4] ?? '');
    if (mp && dirs.some((d) => mp === d || mp.startsWith(d + '/'))) out.push(mp);
  }
  return out;
}

// mountinfo writes space, tab, newline and backslash as octal escapes.
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
