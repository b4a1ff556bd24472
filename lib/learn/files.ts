// What a step did to files: learn mode lists the container's state and run directories (and so the lesson's own
// directory, which is the state directory of its run) right before and right after each step, and compares the
// two lists. A copy, a mkdir, an unpacked layer or a written fstab then shows up under the step that made it,
// even when the step has no observe command. Only lstat is used, nothing is read, and a walk stays on one file
// system (a mount point below is listed, not entered): cheap enough for every step.

import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { DiffLine } from './diff.ts';

/** Path → a short description of what is there (kind, size, mode, link target). */
export type FileSnapshot = Map<string, string>;

const LIMIT = 20_000;

// Lists everything below the directories (those that do not exist are simply empty), except `ignore` (paths).
export function snapshot(dirs: readonly string[], ignore: ReadonlySet<string> = new Set()): FileSnapshot {
  const out: FileSnapshot = new Map();
  for (const top of dirs) {
    let dev: number;
    try {
      dev = lstatSync(top).dev;
    } catch {
      continue;
    }
    const walk = (dir: string) => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const name of names.sort()) {
        if (out.size >= LIMIT) return;
        const p = join(dir, name);
        if (ignore.has(p)) continue;
        let st;
        try {
          st = lstatSync(p);
        } catch {
          continue;
        }
        const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
        if (st.isDirectory()) {
          out.set(p, `directory ${mode}`);
          if (st.dev === dev) walk(p);
        } else if (st.isSymbolicLink()) {
          let to = '?';
          try {
            to = readlinkSync(p);
          } catch {}
          out.set(p, `link → ${to}`);
        } else if (st.isFile()) out.set(p, `file ${mode} ${size(st.size)}`);
        else out.set(p, st.isFIFO() ? `fifo ${mode}` : st.isCharacterDevice() ? `char device ${mode}` : st.isSocket() ? 'socket' : 'other');
      }
    };
    walk(top);
  }
  return out;
}

// "1.2 MB", "512 B": sizes as a person reads them.
function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// The files a step added (+), removed (-) or changed (~, shown as - then +), in path order; `show` renders a path.
export function fileChanges(before: FileSnapshot, after: FileSnapshot, show: (path: string) => string = (p) => p): DiffLine[] {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: DiffLine[] = [];
  for (const p of paths) {
    const a = before.get(p);
    const b = after.get(p);
    if (a === b) continue;
    if (a !== undefined) out.push({ op: '-', line: `${show(p)}  (${a})` });
    if (b !== undefined) out.push({ op: '+', line: `${show(p)}  (${b})` });
  }
  return out;
}
