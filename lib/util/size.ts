// How many bytes a directory tree holds, as `du --apparent-size` counts them: every file's size once (hard links
// and files seen twice count once), symlinks not followed. system df, system prune and volume prune report it.

import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// The apparent size of everything under dir (0 when it cannot be read).
export function treeSize(dir: string): number {
  let total = 0;
  const seen = new Set<string>();
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      try {
        const st = lstatSync(p);
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (st.isDirectory()) walk(p);
        else total += st.size;
      } catch {}
    }
  };
  walk(dir);
  return total;
}
