// Finding the container's PID 1 and knowing when it waits at its barrier. The start step runs a chain of programs
// (setpriv → nsenter → unshare, each exec'ing the next, so the chain is one PID); `unshare --fork` makes the
// container's first process, PID 1 in its new PID namespace, as the chain's child. That child must not run the
// user's command yet: its root is still the host's, and the boot steps (pivot_root, mounts, the cgroup) need its
// host PID to act on it. So it first opens a FIFO for reading — the start barrier. open(2) of a FIFO blocks until
// a writer opens the other end, and while it blocks the kernel shows the process's wait channel
// (/proc/PID/wchan) as `wait_for_partner`. glassbox waits for that, knows PID 1's host PID and that it is parked,
// runs the boot steps, then opens the barrier (the release step writes the FIFO) and the command runs.
// Everything here reads /proc; nothing is started or signalled.

import { readFileSync, readlinkSync } from 'node:fs';
import { GlassboxError } from '../errors.ts';
import { interruptedBy } from './signals.ts';

// The PIDs of a process's children, as the kernel lists them (empty when it has none or has ended).
function childrenOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ');
  } catch {
    return [];
  }
}

// The first child of a process (0 when it has none yet): the chain under a wrapper, PID 1 under the chain.
export function firstChildOf(pid: number): number {
  return Number(childrenOf(pid)[0]) || 0;
}

// True when the process is blocked in open(2) of a FIFO, waiting for a writer: PID 1 parked at its barrier.
export function atBarrier(pid: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/wchan`, 'utf8').trim() === 'wait_for_partner';
  } catch {
    return false;
  }
}

// The program a process runs, to tell PID 1 (which has exec'd its barrier program) from a fork of the chain that
// has not exec'd yet.
function exeOf(pid: number | string): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

// Waits until the chain's child is parked at the barrier, and returns its host PID. `chain` may be a function: the
// chain under a wrapper is read anew each time (strace forks a short-lived test child of its own before the real
// one). `interrupted` names the signal that asked glassbox to stop meanwhile. Gives up after about 20 s.
export async function waitForPid1(chain: number | (() => number), interrupted: () => string | undefined): Promise<number> {
  for (let i = 0; ; i++) {
    const pid = typeof chain === 'number' ? chain : chain();
    const child = pid ? childrenOf(pid)[0] : undefined;
    if (child && atBarrier(child) && exeOf(child) !== exeOf(pid)) return Number(child);
    const sig = interrupted();
    if (sig) throw interruptedBy(sig);
    if (i > 20000) throw new GlassboxError('the container did not start within 20 s');
    await new Promise((res) => setTimeout(res, i < 50 ? 0 : 1));
  }
}

// Waits until the chain itself is parked at the barrier (a start step that `waits: self`: exec's flock, before
// nsenter forks into the container) and returns its PID. `chain` may be a function, as for waitForPid1.
export async function waitAtBarrier(chain: number | (() => number), interrupted: () => string | undefined): Promise<number> {
  for (let i = 0; ; i++) {
    const pid = typeof chain === 'number' ? chain : chain();
    if (pid && atBarrier(String(pid))) return pid;
    const sig = interrupted();
    if (sig) throw interruptedBy(sig);
    if (i > 20000) throw new GlassboxError('the process did not reach its barrier within 20 s');
    await new Promise((res) => setTimeout(res, i < 50 ? 0 : 1));
  }
}

// Every process under `pid`, deepest first (an unreleased exec's chain: script, the wrapper, flock …).
export function descendantsOf(pid: number): number[] {
  return childrenOf(pid).filter(Boolean).flatMap((c) => [...descendantsOf(Number(c)), Number(c)]);
}

// A detached run: the monitor starts the chain and writes its PID to `chainFile`; waits until that PID is the
// monitor's own child (a stale file from an earlier run is not) and returns it. `check` throws to stop waiting
// (the monitor ended, a signal came). Gives up after about 20 s.
export async function waitForChain(monitorPid: number, chainFile: string, check: () => void): Promise<number> {
  let chain = 0;
  for (let i = 0; !chain; i++) {
    check();
    if (i > 20000) throw new GlassboxError('the container did not start within 20 s');
    try {
      const pid = Number(readFileSync(chainFile, 'utf8').trim()) || 0;
      if (pid && childrenOf(monitorPid).includes(String(pid))) chain = pid;
    } catch {}
    if (!chain) await new Promise((res) => setTimeout(res, i < 50 ? 0 : 1));
  }
  return chain;
}
