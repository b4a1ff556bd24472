// Small reads of /proc that learn mode needs beside the executor's own: whether a process still lives, which
// namespace files are bound where, and what is still mounted below a directory.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

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
