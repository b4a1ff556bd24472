// `glassbox run` in the foreground: the container lives exactly as long as this process. Its state directory is
// claimed first (with the plan in it), the executor (lib/exec/runner.ts) journals each undo before it runs its
// step, boots PID 1 and waits for it; the exit status is recorded, then every undo runs and the state is released.
// Messages for the user (a limit that was hit, an undo that failed) go to the caller's callbacks.

import { Executor, type ExecOptions } from '../exec/runner.ts';
import type { HostFacts } from '../host/facts.ts';
import type { PreparedContainer } from '../plan/planner.ts';
import type { Plan } from '../plan/types.ts';
import { dropClaims } from '../net/release.ts';
import { shJoin } from '../render/quote.ts';
import { claimContainer, releaseContainer, selfOwner, stateText, writeState, type Owner } from '../state/containers.ts';
import { journalFile } from '../state/journal.ts';
import type { Roots } from '../state/paths.ts';
import { limitsHit } from './limits.ts';
import { lookUpCommand } from './lookup.ts';
import { createdState, planText, type RunState } from './record.ts';

export interface RunOptions {
  /** The container's standard input: the caller's (-i, -t) or /dev/null (the default). */
  stdin?: 'inherit' | 'ignore';
  /** -t: the container gets a new pseudo-terminal, copied to and from the caller's. */
  terminal?: boolean;
  /** Something the user should know about how the container ended (a limit it hit). */
  notice?: (message: string) => void;
  /** Something went wrong that did not stop the run (an undo command failed). */
  warn?: (message: string) => void;
  /** build's RUN: once PID 1 has ended, before anything is torn down (the writable layer still intact). */
  afterExit?: (exitCode: number) => Promise<void>;
  /** The container's output, line by line, instead of the terminal (build's quiet mode). */
  output?: ExecOptions['output'];
  /** build's RUN: a signal kills the container at once (the step is cancelled), instead of going to PID 1. */
  forward?: ExecOptions['forward'];
  /** The run ended because of this signal (build's RUN: the build is cancelled). */
  interrupted?: (sig: string) => void;
}

/** A container's record while one process runs it in the foreground: claimed with its plan, then marked as it goes. */
export interface RunRecord {
  /** The undo journal's file, in the container's state directory. */
  journal: string;
  owner: Owner;
  /** The container runs: its PID 1 goes into state.json. */
  running(pid1: number): void;
  /** PID 1 ended (with what the limits say about how). */
  exited(exitCode: number, oomKilled?: boolean): void;
  /** Gives the name and the claim back (the directory goes with the last undo). */
  release(): void;
}

// Claims a container's state directory with its state and plan in it (one rename: gc never finds it ownerless).
// run and learn mode both record a container through here, so ps and gc see them alike.
export function openRun(plan: Plan, r: Roots, bootId: string): RunRecord {
  const { id, name } = plan.info;
  const owner = selfOwner(bootId);
  const state = createdState(plan, owner);
  const dir = claimContainer(r, id, name, { 'state.json': stateText(state), 'config.json': planText(plan) });
  return {
    journal: journalFile(dir),
    owner,
    running: (pid1) => {
      state.status = 'running';
      state.pid = pid1;
      state.startedAt = new Date().toISOString();
      writeState(r, state);
    },
    exited: (exitCode, oomKilled = false) => {
      const { pid: _gone, ...rest } = state;
      writeState(r, { ...rest, status: 'exited', exitCode, oomKilled, finishedAt: new Date().toISOString() } as RunState);
    },
    release: () => releaseContainer(r, id, name),
  };
}

// Executes a container plan with state on disk, so ps and gc can see it; returns the container's exit code.
export async function runPlan(plan: Plan, r: Roots, facts: HostFacts, opts: RunOptions = {}): Promise<number> {
  const { notice, warn, afterExit, interrupted, ...io } = opts;
  const cgroup = plan.info.cgroup;
  const record = openRun(plan, r, facts.bootId);
  const exec = new Executor(plan, {
    journal: record.journal,
    owner: record.owner,
    stdio: 'inherit',
    ...io,
    handleSignals: true,
    hooks: {
      beforeRelease: lookUpCommand(plan),
      onRunning: (pid1) => record.running(pid1),
      afterExit: ({ exitCode }) => {
        const { oomKilled, notices } = cgroup ? limitsHit(cgroup, exitCode) : { oomKilled: false, notices: [] };
        for (const n of notices) notice?.(n);
        record.exited(exitCode, oomKilled);
        return afterExit?.(exitCode);
      },
    },
  });
  try {
    const out = await exec.run();
    if (exec.abortedBy) interrupted?.(exec.abortedBy);
    for (const f of out.undoFailures) warn?.(`cleanup command failed: ${shJoin(f.argv)}: ${f.stderr.trim()}`);
    return out.exitCode ?? 125;
  } finally {
    record.release();
  }
}

// Runs a freshly planned container (foreground or detached). Its address and ports were claimed while it was
// prepared, before the plan ran; a failure before the plan's undos took them over gives them back.
export async function withClaims<T>(prepared: PreparedContainer, plan: Plan, task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (e) {
    await dropClaims(prepared.network?.claims ?? [], plan.info.id);
    throw e;
  }
}
