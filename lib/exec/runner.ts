// The executor: runs a plan's steps for real, tying together the modules beside it. Setup steps run as a
// dependency graph (schedule.ts: independent mounts side by side), then the container's main process starts and
// waits at its start barrier (pid1.ts), the boot steps switch its root, the barrier opens and the container runs.
// Each step is performed by step.ts. Whatever happens after the first step — a failing step, Ctrl-C, SIGTERM
// (signals.ts), the container's exit — the undos of the steps that ran are run newest first, after the plan's
// teardown steps, which kill whatever is left in the container's cgroup (teardown.ts). Before the first step,
// every undo is in the journal on disk, so `glassbox gc` can finish the job after a SIGKILL. A detached run
// (`run -d`) hands the start to a monitor process, which then owns the wait and the teardown.

import { GlassboxError } from '../errors.ts';
import type { Plan, Step } from '../plan/types.ts';
import { processStart, type Owner } from '../state/containers.ts';
import { handJournalTo, recordReleased, recordStarted } from '../state/journal.ts';
import { failedByFailpoint, failpoint, failpointFails } from './failpoint.ts';
import { firstChildOf, waitAtBarrier, waitForChain, waitForPid1 } from './pid1.ts';
import { runGraph } from './schedule.ts';
import { catchSignals, interruptedBy } from './signals.ts';
import { startCommand, type CommandResult, type Detached, type Started } from './spawn.ts';
import { StderrFilter } from './stderr-filter.ts';
import { StepShells } from './stepshell.ts';
import { bind, performStep, stepFailed, type RuntimeValues, type StepResult } from './step.ts';
import { dropJournal, handOverToMonitor, journalUndos, runTeardownSteps, undoSteps } from './teardown.ts';

export type { StepResult } from './step.ts';

export type StdioMode = 'inherit' | 'ignore';

/** At most this many step shells per run (setup's independent commands side by side). */
const SHELLS = 2;

export interface ExecHooks {
  /** Learn mode: asked before each step; 'skip' leaves it out, 'quit' stops and undoes. */
  beforeStep?(step: Step, index: number, total: number): Promise<'run' | 'skip' | 'quit'>;
  afterStep?(step: Step, result: StepResult): Promise<void> | void;
  /** Called with PID 1's host PID once the root is switched, before the barrier opens; may throw to abort. */
  beforeRelease?(pid1: number): Promise<void>;
  /** Called once the container runs. */
  onRunning?(pid1: number): void;
  /** Called when the container's main process has ended, before anything is torn down (its cgroup still exists). */
  afterExit?(exit: { exitCode: number; signal?: string }): Promise<void> | void;
}

export interface ExecOptions {
  /** The undo journal's file, written before the first step. */
  journal: string;
  /** Who runs the plan (recorded in the journal for gc). */
  owner?: Owner;
  stdio: StdioMode;
  hooks?: ExecHooks;
  /** Steps allowed to run at once during setup. */
  concurrency?: number;
  /** Pass Ctrl-C and SIGTERM to the container, or stop and undo before it runs. */
  handleSignals?: boolean;
  /**
   * The main process writes to glassbox's stderr itself, not through a pipe (exec: there is no unshare message to
   * hold back, and a command that outlives glassbox, or leaves a daemon behind, must not hold glassbox's pipe).
   */
  directStderr?: boolean;
  /** Remove the journal once every undo ran without a failure (exec: its journal lives beside the container's). */
  dropJournal?: boolean;
  /** Keep what the steps made when all went well (image builds); undo only on failure. */
  keepOnSuccess?: boolean;
  /**
   * Detached run: instead of starting the start step itself, the executor calls this to start the monitor (the
   * parent of the start chain, which waits for it and runs the undos), finds PID 1 under it, runs the boot steps
   * and returns while the container runs. From the moment the monitor exists, the monitor owns the cleanup.
   */
  detach?: { startMonitor(): Promise<Detached>; /** The file the monitor writes the start chain's PID to. */ chainFile: string };
  /** The container's standard input, when it differs from stdio (`run` without -i gets /dev/null). */
  stdin?: 'inherit' | 'ignore';
  /** -t: the start step is util-linux `script`, and the start chain is its child (PID 1 one level further down). */
  terminal?: boolean;
  /** The start step runs the chain under a wrapper (learn --xray: strace): the chain is the wrapper's first child. */
  wrapped?: boolean;
  /**
   * Where Ctrl-C and SIGTERM go while the main process runs. `pid1` (run): PID 1, and after the third signal a
   * SIGKILL of the start process. `child` (exec): the process that waited at the barrier has forked the command
   * into the container's PID namespace (nsenter); the signal goes to that child, as often as it comes, never
   * escalated: the command decides. `kill` (build's RUN): the step is cancelled, the container killed at once.
   */
  forward?: 'pid1' | 'child' | 'kill';
  /**
   * exec without -t: the start chain gets a session of its own. Ctrl-C at the terminal signals glassbox's whole
   * process group; nsenter, which waits for the command, would die of it and glassbox would return while the
   * command runs on. In a session of its own only glassbox gets it, and passes it to the command (`forward`).
   * Ignored with -t: `script` stays in the terminal's group, where SIGWINCH reaches it.
   */
  ownSession?: boolean;
  /** The container's output goes here instead of the terminal (learn mode frames it); end() once stdout closed. */
  output?: { write(stream: 'stdout' | 'stderr', text: string): void; end(): void };
}

export interface ExecOutcome {
  /** The container's exit code (docker's convention), or undefined when it never ran. */
  exitCode?: number;
  signal?: string;
  results: StepResult[];
  /** Undos that failed and were not allowed to. */
  undoFailures: CommandResult[];
  /** Detached runs: the monitor, the start chain under it and PID 1, once the container runs. */
  detached?: { monitor: number; chain: number; pid1: number };
}

/** Runs plan steps for real and always cleans up what it made. */
export class Executor {
  private readonly plan: Plan;
  private readonly opts: ExecOptions;
  private readonly vars: RuntimeValues = {};
  private readonly done: Step[] = [];
  private readonly results: StepResult[] = [];
  private main?: Started;
  private aborted?: string;
  private signalCount = 0;
  private cleaned = false;
  /** The newest afterStep hook still at work (learn mode's report of a step: its observe diff, its files). */
  private reported: Promise<void> = Promise.resolve();
  /** Every command of the run (its steps, teardown steps and undos) goes to a step shell (stepshell.ts). */
  private readonly shell: StepShells;

  constructor(plan: Plan, opts: ExecOptions) {
    this.plan = plan;
    this.opts = opts;
    this.shell = new StepShells(opts.hooks?.beforeStep ? 1 : Math.min(opts.concurrency ?? 4, SHELLS));
  }

  // Ctrl-C or SIGTERM: before the container runs, stop and undo; while it runs, pass the signal on.
  signal(sig: NodeJS.Signals): void {
    const pid1 = this.vars.pid1 ? Number(this.vars.pid1) : undefined;
    if (this.main && pid1 && this.running && this.opts.forward === 'child') {
      const target = firstChildOf(pid1);
      try {
        if (target) process.kill(target, sig);
      } catch {}
      return;
    }
    // A build's RUN: Ctrl-C cancels the step: the container is killed at once, the run then undone.
    if (this.main && pid1 && this.running && this.opts.forward === 'kill') {
      this.aborted ??= sig;
      try {
        process.kill(this.main.pid, 'SIGKILL');
      } catch {}
      return;
    }
    if (this.main && pid1 && this.running) {
      this.signalCount++;
      // PID 1 ignores signals it has no handler for; after the third, glassbox stops asking and kills it.
      // SIGKILL goes to the unshare process, glassbox's own child (its PID cannot have been reused), and
      // --kill-child takes PID 1 down with it.
      try {
        if (this.signalCount >= 3) process.kill(this.main.pid, 'SIGKILL');
        else process.kill(pid1, sig);
      } catch {}
      return;
    }
    this.aborted ??= sig;
  }

  private running = false;
  private mainEnded = false;

  /** The signal that asked the run to stop, if one did. */
  get abortedBy(): string | undefined {
    return this.aborted;
  }

  // The values found while running (the main process's PID, PID 1's): learn mode shows commands with them filled in.
  runtimeValues(): Readonly<RuntimeValues> {
    return this.vars;
  }

  // Runs everything: journal, setup, start, boot, wait, teardown.
  async run(): Promise<ExecOutcome> {
    this.shell.prepare();
    journalUndos(this.plan, this.opts.journal, this.opts.owner);
    const stopCatching = this.opts.handleSignals ? catchSignals((sig) => this.signal(sig)) : () => {};
    let error: unknown;
    let outcome: { exitCode?: number; signal?: string; detached?: ExecOutcome['detached'] } = {};
    try {
      outcome = this.opts.detach ? await this.runDetached(this.opts.detach) : await this.runSteps();
    } catch (e) {
      error = e;
    }
    const undoFailures = error || (!this.opts.keepOnSuccess && !outcome.detached) ? await this.teardown() : [];
    if (this.opts.dropJournal && this.cleaned && undoFailures.length === 0) dropJournal(this.opts.journal);
    await this.shell.close();
    stopCatching();
    if (error) throw error;
    return { ...outcome, results: this.results, undoFailures };
  }

  // A foreground run: setup, then the start step as glassbox's own child, its boot steps, and the wait for its end.
  private async runSteps(): Promise<{ exitCode?: number; signal?: string }> {
    const steps = this.plan.steps;
    const total = steps.length;
    await this.runSetup(steps.filter((s) => s.phase === 'setup'), total);
    const start = steps.find((s) => s.phase === 'start');
    if (!start) return {};
    this.checkAbort();
    if (!(await this.ask(start, total))) return {};
    const argv = start.argv!.map((a) => bind(a, this.vars));
    await failpoint(this.plan.steps, start, 'before');
    if (failpointFails(this.plan.steps, start)) throw stepFailed(failedByFailpoint(start));
    this.done.push(start);
    const out = this.opts.output;
    const stderr = new StderrFilter(out ? (s) => out.write('stderr', s) : undefined);
    // With a terminal, all output goes through the pseudo-terminal: there is no separate stderr to read.
    const filter = this.opts.stdio === 'inherit' && !this.opts.terminal && !this.opts.directStderr;
    // The step's files (exec's loader and filter) are opened read-only here and handed down as descriptors 3, 4, ….
    const fds = await openReadOnly(start.fds ?? []);
    try {
      this.main = await startCommand(argv, {
        stdio: this.opts.stdio,
        stdin: this.opts.stdin,
        ...(fds.length ? { fds } : {}),
        onStderr: filter || out ? (s) => stderr.push(s) : undefined,
        ...(this.opts.ownSession && !this.opts.terminal ? { ownSession: true } : {}),
        ...(out ? { onStdout: (s: string) => out.write('stdout', s), onStdoutEnd: () => out.end() } : {}),
      });
    } finally {
      await closeAll(fds);
    }
    void failpoint(this.plan.steps, start, 'during');
    const main = this.main.pid;
    this.vars.pid = String(main);
    // A chain that parks itself at the barrier (exec) would wait there forever if glassbox died now: the journal
    // names it, so gc can end it (and all it has started) until the barrier has opened.
    if (start.waits === 'self') recordStarted(this.opts.journal, { pid: main, start: processStart(main) ?? '', boot: this.opts.owner?.boot ?? '' });
    // Under a wrapper (script for -t, strace for learn --xray) the chain is the wrapper's child.
    const chain = this.opts.terminal || this.opts.wrapped ? () => firstChildOf(main) : main;
    // `waits: self`: the chain itself waits at the barrier (exec); otherwise its child, PID 1, does.
    const waiting = start.waits === 'self' ? waitAtBarrier(chain, () => this.aborted) : waitForPid1(chain, () => this.aborted);
    const early = await Promise.race([waiting, this.main.done]);
    if (typeof early !== 'number') {
      throw new GlassboxError(`the container's first process ended before it started (exit ${early.exitCode})`, {
        hint: 'run with --verbose to see the command',
      });
    }
    this.vars.pid1 = String(early);
    this.record({ step: start, argv, exitCode: 0, stdout: '', stderr: '', durationMs: 0 });
    await failpoint(this.plan.steps, start, 'after');
    for (const step of steps.filter((s) => s.phase === 'boot')) {
      this.checkAbort();
      if (step.role === 'release' && this.opts.hooks?.beforeRelease) {
        await this.opts.hooks.beforeRelease(early);
      }
      if (!(await this.ask(step, total))) continue;
      const r = await this.runOne(step);
      if (r.exitCode !== 0) throw stepFailed(r);
      // Past its barrier a self-waiting chain (exec) is the user's command: gc must no longer end it.
      if (step.role === 'release' && start.waits === 'self') recordReleased(this.opts.journal);
    }
    this.running = true;
    this.opts.hooks?.onRunning?.(early);
    // A signal that came during the last boot step (the barrier opening) found no step left to stop: the container
    // runs now, so it is passed on like any later one.
    if (this.aborted) this.signal(this.aborted as NodeJS.Signals);
    const end = await this.main.done;
    this.mainEnded = true;
    this.running = false;
    // util-linux 2.38's `unshare --fork` cannot pass on a SIGKILL that ended its child (it fails to reset the
    // signal's handler, says so, and exits 1; fixed in 2.40). Its message is recognised and turned into 137.
    const exit = stderr.end() && end.exitCode === 1 ? { exitCode: 137, signal: 'SIGKILL' } : { exitCode: end.exitCode, signal: end.signal };
    await this.opts.hooks?.afterExit?.(exit);
    return exit;
  }

  private monitor?: Detached;
  private monitorEnded = false;

  // A detached run: setup as usual, then the monitor starts the chain; PID 1 is found under it and booted.
  private async runDetached(detach: NonNullable<ExecOptions['detach']>): Promise<{ detached: NonNullable<ExecOutcome['detached']> }> {
    const steps = this.plan.steps;
    const total = steps.length;
    await this.runSetup(steps.filter((s) => s.phase === 'setup'), total);
    const start = steps.find((s) => s.phase === 'start');
    if (!start) throw new Error('a detached run needs a start step');
    this.checkAbort();
    await failpoint(this.plan.steps, start, 'before');
    if (failpointFails(this.plan.steps, start)) throw stepFailed(failedByFailpoint(start));
    this.done.push(start);
    this.monitor = await detach.startMonitor();
    void failpoint(this.plan.steps, start, 'during');
    void this.monitor.exited.then(() => (this.monitorEnded = true));
    const monitorPid = this.monitor.pid;
    // The monitor writes the start chain's PID (setpriv → nsenter → unshare: one PID, each execs the next) to a
    // file; it must be the monitor's own child (a stale file from an earlier run is not).
    const chain = await waitForChain(monitorPid, detach.chainFile, () => {
      if (this.monitorEnded) throw new GlassboxError("the container's monitor ended before the container started", { hint: 'see monitor.log in its state directory' });
      this.checkAbort();
    });
    this.vars.pid = String(chain);
    const ended = this.monitor.exited.then(() => ({ exitCode: 125 }));
    const early = await Promise.race([waitForPid1(chain, () => this.aborted), ended]);
    if (typeof early !== 'number') throw new GlassboxError("the container's first process ended before it started", { hint: 'see its log: glassbox logs' });
    this.vars.pid1 = String(early);
    this.record({ step: start, argv: start.argv!.map((a) => bind(a, this.vars)), exitCode: 0, stdout: '', stderr: '', durationMs: 0 });
    await failpoint(this.plan.steps, start, 'after');
    for (const step of steps.filter((s) => s.phase === 'boot')) {
      this.checkAbort();
      if (step.role === 'release' && this.opts.hooks?.beforeRelease) await this.opts.hooks.beforeRelease(early);
      const r = await this.runOne(step);
      if (r.exitCode !== 0) throw stepFailed(r);
    }
    this.checkAbort();
    // From now on the monitor answers for the container: the journal names it, and gc leaves it alone while it lives.
    handJournalTo(this.opts.journal, this.plan, { pid: monitorPid, start: processStart(monitorPid) ?? '', boot: this.opts.owner?.boot ?? '' });
    this.opts.hooks?.onRunning?.(early);
    return { detached: { monitor: monitorPid, chain, pid1: early } };
  }

  // Stops the run with docker's exit code when a signal asked for it before the container ran.
  private checkAbort(): void {
    if (this.aborted) throw interruptedBy(this.aborted);
  }

  // Learn mode's question; true means run the step.
  private async ask(step: Step, total: number): Promise<boolean> {
    const hook = this.opts.hooks?.beforeStep;
    if (!hook) return true;
    const answer = await hook(step, this.plan.steps.indexOf(step), total);
    if (answer === 'quit') {
      this.aborted = 'quit';
      throw new GlassboxError('stopped; undoing what was done', { exitCode: 130 });
    }
    if (answer === 'skip') this.record({ step, exitCode: 0, stdout: '', stderr: '', durationMs: 0, skipped: true });
    return answer === 'run';
  }

  // Runs the setup steps as a graph (one at a time in learn mode, which asks before each).
  private async runSetup(steps: Step[], total: number): Promise<void> {
    await runGraph(steps, {
      limit: this.opts.hooks?.beforeStep ? 1 : (this.opts.concurrency ?? 4),
      stopped: () => !!this.aborted,
      run: async (step) => {
        if (!(await this.ask(step, total))) return;
        const r = await this.runOne(step);
        if (r.exitCode !== 0) throw stepFailed(r);
      },
    });
    this.checkAbort();
  }

  // Runs one run or write step, remembering it for teardown before it starts.
  private async runOne(step: Step): Promise<StepResult> {
    await failpoint(this.plan.steps, step, 'before');
    this.done.push(step);
    const work = failpointFails(this.plan.steps, step) ? Promise.resolve(failedByFailpoint(step)) : performStep(step, this.vars, this.shell.run);
    void failpoint(this.plan.steps, step, 'during');
    const r = await work;
    this.record(r);
    await failpoint(this.plan.steps, step, 'after');
    return r;
  }

  // Keeps a step's result for the outcome and tells learn mode.
  private record(r: StepResult): void {
    this.results.push(r);
    const hook = this.opts.hooks?.afterStep;
    if (hook) this.reported = Promise.all([this.reported, hook(r.step, r)]).then(() => {});
  }

  // Stops what still runs and undoes every step that ran, newest first. Safe to call twice.
  async teardown(): Promise<CommandResult[]> {
    if (this.cleaned) return [];
    this.cleaned = true;
    try {
      // The last step's report comes before the cleanup's first line (a plan without a container undoes at once).
      await this.reported.catch(() => {});
      return await this.undoAll();
    } finally {
      await this.shell.close();
    }
  }

  private async undoAll(): Promise<CommandResult[]> {
    if (this.monitor) {
      // Detached: the monitor owns the cleanup once it has the chain; before that, glassbox undoes itself.
      const chain = Number(this.vars.pid ?? 0);
      await handOverToMonitor(this.monitor, chain);
      return chain ? [] : undoSteps(this.done, this.vars, this.shell.run);
    }
    if (this.main && !this.mainEnded) {
      // Our own unreaped child cannot have a reused PID; --kill-child passes the SIGKILL on to PID 1.
      try {
        process.kill(this.main.pid, 'SIGKILL');
      } catch {}
      await this.main.done;
    }
    await runTeardownSteps(this.plan.teardown ?? [], this.done, this.vars, this.shell.run);
    return undoSteps(this.done, this.vars, this.shell.run);
  }
}

// Opens each file read-only for a child's descriptors 3, 4, …; a file that cannot be opened fails the start.
async function openReadOnly(files: string[]): Promise<number[]> {
  const { openSync } = await import('node:fs');
  const fds: number[] = [];
  try {
    for (const f of files) fds.push(openSync(f, 'r'));
  } catch (e) {
    await closeAll(fds);
    throw new GlassboxError(`cannot open ${files[fds.length]} for the start step: ${(e as Error).message}`);
  }
  return fds;
}

// Closes glassbox's copies once the child has its own.
async function closeAll(fds: number[]): Promise<void> {
  const { closeSync } = await import('node:fs');
  for (const fd of fds) closeSync(fd);
}
