// Planning markers: a glassbox process that plans a container on the run root's private bind mount (the plan then
// has no step to make it) says so with a file in the run root, `.planning-PID`, naming itself as an owner (PID,
// start time, boot ID). gc unmounts the run root only when no living process holds such a marker, so it never
// pulls the mount from under a run that counted on it. Judged by owners, like every claim: never by age, and never
// by guessing from other processes' command lines.

import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ownerAlive, selfOwner, type Owner } from './containers.ts';

const PREFIX = '.planning-';
let held: string | undefined;

// The boot this process runs in (the third part of an owner).
function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

// Marks this process as planning on the run root (once per process; removed when the process exits).
export function markPlanning(runRoot: string): void {
  if (held) return;
  const file = join(runRoot, `${PREFIX}${process.pid}`);
  try {
    writeFileSync(file, JSON.stringify(selfOwner(bootId())) + '\n');
  } catch {
    return; // no run root yet: the plan makes it itself, and there is nothing for gc to unmount
  }
  held = file;
  process.once('exit', () => {
    try {
      unlinkSync(file);
    } catch {}
  });
}

// True when a living process holds a planning marker in the run root; the markers of dead ones are removed.
export function planningAlive(runRoot: string, boot = bootId()): boolean {
  let alive = false;
  let names: string[] = [];
  try {
    names = readdirSync(runRoot).filter((n) => n.startsWith(PREFIX));
  } catch {
    return false;
  }
  for (const name of names) {
    const file = join(runRoot, name);
    let owner: Owner | undefined;
    try {
      owner = JSON.parse(readFileSync(file, 'utf8')) as Owner;
    } catch {}
    if (file === held || ownerAlive(owner, boot)) alive = true;
    else {
      try {
        unlinkSync(file);
      } catch {}
    }
  }
  return alive;
}
