// The executor: runs a plan's steps for real. Setup steps run as a dependency graph (independent mounts side by
// side), then the container's main process starts and waits at its start barrier, the boot steps switch its root,
// the barrier opens and the container runs. Whatever happens after the first step — a failing step, Ctrl-C,
// SIGTERM, the container's exit — the undos of the steps that ran are run newest first (after the plan's teardown
// steps, which kill whatever is left in the container's cgroup). Before the first step, every undo is in the
// journal on disk, so `glassbox gc` can finish the job after a SIGKILL.

import { readFileSync, readlinkSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { GlassboxError } from '../errors.ts';
import { RT_CLOSE, RT_OPEN, type Plan, type RuntimeVar, type Step } from '../plan/types.ts';
import type { Owner } from '../state/containers.ts';
import { journalFor, writeJournal } from '../state/journal.ts';
import { emitCommand, runCommand, startCommand, type CommandResult, type Detached, type Started } from './spawn.ts';
import { failedByFailpoint, failpoint, failpointFails } from './failpoint.ts';

export type StdioMode = 'inherit' | 'ignore';

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

export interface StepResult {
  step: Step;
  argv?: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  skipped?: boolean;
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

// The first child of a process (0 when it has none yet).
export function firstChildOf(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0]) || 0;
  } catch {
    return 0;
  }
}

// Replaces runtime references (the PID of PID 1…) with their values.
function bind(s: string, vars: Partial<Record<RuntimeVar, string>>): string {
  if (!s.includes(RT_OPEN)) return s;
  return s.replace(new RegExp(`${RT_OPEN.replace(/[{]/g, '\\{')}(\\w+)${RT_CLOSE.replace(/[}]/g, '\\}')}`, 'g'), (_, name: RuntimeVar) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`runtime value ${name} is not known yet`);
    return v;
  });
}

const stepFailed = (r: StepResult) =>
  new GlassboxError(`step "${r.step.title.en}" failed (exit ${r.exitCode})`, {
    detail: `$ ${(r.argv ?? []).join(' ')}\n${r.stderr.trim()}`,
    hint: hintForFailure(r),
  });

// Common failures of the plain commands glassbox runs, and what to do about them.
function hintForFailure(r: StepResult): string {
  const e = r.stderr;
  if (/Operation not permitted|Permission denied/.test(e)) return 'glassbox needs root: run it with sudo';
  if (/unknown filesystem type 'overlay'/.test(e)) return 'load the overlay module: modprobe overlay';
  if (/No such file or directory/.test(e) && r.exitCode === 127) return 'a tool is missing: run glassbox doctor';
  if (/failed to execute|command not found/.test(e)) return 'a tool is missing: run glassbox doctor';
  return 'run with --verbose to see every command, or glassbox doctor to check the host';
}

/** Passes the container's standard error through line by line, holding back util-linux's SIGKILL message. */
class StderrFilter {
  private readonly write: (s: string) => void;
  constructor(write: (s: string) => void = (s) => process.stderr.write(s)) {
    this.write = write;
  }
  private partial = '';
  private timer?: NodeJS.Timeout;
  private sawSigkill = false;
  private static readonly MARK = /^unshare: sigprocmask unblock failed/;

  push(s: string): void {
    const lines = (this.partial + s).split('\n');
    this.partial = lines.pop()!;
    for (const l of lines) this.emit(l + '\n');
    clearTimeout(this.timer);
    // A partial line (a prompt, a progress bar) is shown after a moment even without its newline.
    if (this.partial) this.timer = setTimeout(() => this.flush(), 20);
  }

  private flush(): void {
    if (this.partial && !'unshare: sigprocmask unblock failed'.startsWith(this.partial) && !StderrFilter.MARK.test(this.partial)) {
      this.write(this.partial);
      this.partial = '';
    }
  }

  private emit(line: string): void {
    if (StderrFilter.MARK.test(line)) this.sawSigkill = true;
    else this.write(line);
  }

  /** Flushes what is left; true when the SIGKILL message was seen. */
  end(): boolean {
    clearTimeout(this.timer);
    if (this.partial) this.emit(this.partial);
    this.partial = '';
    return this.sawSigkill;
  }
}

// True when the process is blocked in open(2) of a FIFO, waiting for a writer.
export function atBarrier(pid: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/wchan`, 'utf8').trim() === 'wait_for_partner';
  } catch {
    return false;
  }
}

// Does what one run, write, mkdir or remove step says, exactly as its rendered line would. File operations run
// in-process (printf > F, mkdir -p, rm -f); commands are spawned. Never throws for a failure: it is in the result.
export async function performStep(step: Step, vars: Partial<Record<RuntimeVar, string>> = {}): Promise<StepResult> {
  if (step.kind === 'write' || step.kind === 'mkdir' || step.kind === 'remove') {
    const paths = step.kind === 'write' ? [bind(step.write!.path, vars)] : step.paths!.map((p) => bind(p, vars));
    const argv = step.kind === 'write' ? ['write', ...paths] : step.kind === 'mkdir' ? ['mkdir', '-p', ...paths] : ['rm', '-f', ...paths];
    const started = performance.now();
    let r: StepResult;
    try {
      if (step.kind === 'write') await writeFile(paths[0]!, step.write!.value === '' ? '' : bind(step.write!.value, vars) + '\n');
      else if (step.kind === 'mkdir') for (const p of paths) await mkdir(p, { recursive: true });
      else {
        for (const p of paths) {
          // ESRCH: a path through /proc/PID of a process that has just ended (a container whose command was done
          // before its start barrier was removed): the file went with the process, as rm -f wants.
          await rm(p, { force: true }).catch((e: NodeJS.ErrnoException) => {
            if (e.code !== 'ESRCH') throw e;
          });
        }
      }
      r = { step, argv, exitCode: 0, stdout: '', stderr: '', durationMs: performance.now() - started };
    } catch (e) {
      r = { step, argv, exitCode: 1, stdout: '', stderr: String((e as Error).message), durationMs: performance.now() - started };
    }
    emitCommand({ argv: r.argv!, exitCode: r.exitCode, stdout: '', stderr: r.stderr, durationMs: r.durationMs });
    return r;
  }
  const argv = step.argv!.map((a) => bind(a, vars));
  const c = await runCommand(argv, { stdin: step.stdin });
  // A shared object another container made first ("File exists", "Chain already exists"): the work is done.
  const exitCode = step.existsOk && c.exitCode !== 0 && EXISTS.test(c.stderr) ? 0 : c.exitCode;
  return { step, argv, exitCode, stdout: c.stdout, stderr: c.stderr, durationMs: c.durationMs };
}

/** What ip and iptables say when the object a step makes is already there. */
export const EXISTS = /File exists|already exists|already assigned/i;

/** How often, and how far apart, an undo is tried while the kernel says busy (the rendered sh does the same). */
export const BUSY_TRIES = 50;
export const BUSY_DELAY_MS = 100;

// Runs a command again while it fails saying "busy" (EBUSY): removing a cgroup succeeds only once the kernel has
// let go of its last process, which can take a moment after that process has exited. Bounded.
export async function runWhileBusy(argv: string[]): Promise<CommandResult> {
  for (let i = 1; ; i++) {
    const r = await runCommand(argv);
    if (r.exitCode === 0 || !/busy/i.test(r.stderr) || i >= BUSY_TRIES) return r;
    await new Promise((res) => setTimeout(res, BUSY_DELAY_MS));
  }
}

/** Runs plan steps for real and always cleans up what it made. */
export class Executor {
  private readonly plan: Plan;
  private readonly opts: ExecOptions;
  private readonly vars: Partial<Record<RuntimeVar, string>> = {};
  private readonly done: Step[] = [];
  private readonly results: StepResult[] = [];
  private main?: Started;
  private aborted?: string;
  private signalCount = 0;
  private cleaned = false;

  constructor(plan: Plan, opts: ExecOptions) {
    this.plan = plan;
    this.opts = opts;
  }

  /** Ctrl-C or SIGTERM: before the container runs, stop and undo; while it runs, pass the signal on. */
  signal(sig: NodeJS.Signals): void {
    const pid1 = this.vars.pid1 ? Number(this.vars.pid1) : undefined;
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

  // Runs everything: setup, start, boot, wait, teardown.
  async run(): Promise<ExecOutcome> {
    writeJournal(this.opts.journal, journalFor(this.plan, this.opts.owner));
    const listeners: Array<[NodeJS.Signals, () => void]> = [];
    if (this.opts.handleSignals) {
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as NodeJS.Signals[]) {
        const fn = () => this.signal(sig);
        process.on(sig, fn);
        listeners.push([sig, fn]);
      }
    }
    let error: unknown;
    let outcome: { exitCode?: number; signal?: string; detached?: ExecOutcome['detached'] } = {};
    try {
      outcome = this.opts.detach ? await this.runDetached(this.opts.detach) : await this.runSteps();
    } catch (e) {
      error = e;
    }
    const undoFailures = error || (!this.opts.keepOnSuccess && !outcome.detached) ? await this.teardown() : [];
    for (const [sig, fn] of listeners) process.off(sig, fn);
    if (error) throw error;
    return { ...outcome, results: this.results, undoFailures };
  }

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
    const filter = this.opts.stdio === 'inherit' && !this.opts.terminal;
    this.main = await startCommand(argv, {
      stdio: this.opts.stdio,
      stdin: this.opts.stdin,
      onStderr: filter || out ? (s) => stderr.push(s) : undefined,
      ...(out ? { onStdout: (s: string) => out.write('stdout', s), onStdoutEnd: () => out.end() } : {}),
    });
    void failpoint(this.plan.steps, start, 'during');
    const main = this.main.pid;
    this.vars.pid = String(main);
    // Under a wrapper (script for -t, strace for learn --xray) the chain is the wrapper's child.
    const chain = this.opts.terminal || this.opts.wrapped ? () => firstChildOf(main) : main;
    const early = await Promise.race([this.waitForPid1(chain), this.main.done]);
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
    let chain = 0;
    for (let i = 0; !chain; i++) {
      if (this.monitorEnded) throw new GlassboxError("the container's monitor ended before the container started", { hint: 'see monitor.log in its state directory' });
      this.checkAbort();
      if (i > 20000) throw new GlassboxError('the container did not start within 20 s');
      try {
        const pid = Number(readFileSync(detach.chainFile, 'utf8').trim()) || 0;
        const children = readFileSync(`/proc/${monitorPid}/task/${monitorPid}/children`, 'utf8').trim().split(' ');
        if (pid && children.includes(String(pid))) chain = pid;
      } catch {}
      if (!chain) await new Promise((res) => setTimeout(res, i < 50 ? 0 : 1));
    }
    this.vars.pid = String(chain);
    const ended = this.monitor.exited.then(() => ({ exitCode: 125 }));
    const early = await Promise.race([this.waitForPid1(chain), ended]);
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
    this.opts.hooks?.onRunning?.(early);
    return { detached: { monitor: monitorPid, chain, pid1: early } };
  }

  private checkAbort(): void {
    if (this.aborted) throw new GlassboxError(`interrupted by ${this.aborted}`, { exitCode: this.aborted === 'SIGINT' ? 130 : 143 });
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

  // Runs the setup steps as a graph: a step starts when the steps it needs have finished.
  private async runSetup(steps: Step[], total: number): Promise<void> {
    const limit = this.opts.hooks?.beforeStep ? 1 : (this.opts.concurrency ?? 4);
    const finished = new Set<string>();
    const known = new Set(steps.map((s) => s.id));
    const pending = [...steps];
    const inflight = new Map<string, Promise<void>>();
    let failure: unknown;
    while ((pending.length || inflight.size) && !failure) {
      if (this.aborted && !inflight.size) break;
      while (!this.aborted && inflight.size < limit) {
        const i = pending.findIndex((s) => s.needs.every((n) => finished.has(n) || !known.has(n)));
        if (i < 0) break;
        const step = pending.splice(i, 1)[0]!;
        const p = (async () => {
          if (await this.ask(step, total)) {
            const r = await this.runOne(step);
            if (r.exitCode !== 0) throw stepFailed(r);
          }
          finished.add(step.id);
        })()
          .catch((e) => {
            failure ??= e;
          })
          .finally(() => inflight.delete(step.id));
        inflight.set(step.id, p);
      }
      if (inflight.size) await Promise.race(inflight.values());
      else if (pending.length && !this.aborted) throw new Error(`plan has a dependency cycle at ${pending[0]!.id}`);
    }
    await Promise.all(inflight.values());
    if (failure) throw failure;
    this.checkAbort();
  }

  // Runs one run or write step, remembering it for teardown before it starts.
  private async runOne(step: Step): Promise<StepResult> {
    await failpoint(this.plan.steps, step, 'before');
    this.done.push(step);
    const work = failpointFails(this.plan.steps, step) ? Promise.resolve(failedByFailpoint(step)) : performStep(step, this.vars);
    void failpoint(this.plan.steps, step, 'during');
    const r = await work;
    this.record(r);
    await failpoint(this.plan.steps, step, 'after');
    return r;
  }

  private record(r: StepResult): void {
    this.results.push(r);
    void this.opts.hooks?.afterStep?.(r.step, r);
  }

  // `pid` may be a function: the chain under a wrapper is read anew each time (strace forks a short-lived test
  // child of its own before the real one).
  private async waitForPid1(chain: number | (() => number)): Promise<number> {
    const exe = (p: number | string) => {
      try {
        return readlinkSync(`/proc/${p}/exe`);
      } catch {
        return undefined;
      }
    };
    for (let i = 0; ; i++) {
      const pid = typeof chain === 'number' ? chain : chain();
      let children = '';
      try {
        if (pid) children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
      } catch {}
      const child = children.split(' ')[0];
      if (child && atBarrier(child) && exe(child) !== exe(pid)) return Number(child);
      if (this.aborted) throw new GlassboxError(`interrupted by ${this.aborted}`, { exitCode: 130 });
      if (i > 20000) throw new GlassboxError('the container did not start within 20 s');
      await new Promise((res) => setTimeout(res, i < 50 ? 0 : 1));
    }
  }

  // Stops what still runs and undoes every step that ran, newest first. Safe to call twice.
  async teardown(): Promise<CommandResult[]> {
    if (this.cleaned) return [];
    this.cleaned = true;
    const failures: CommandResult[] = [];
    if (this.monitor) {
      // Detached: the monitor owns the cleanup. Ending the start chain (SIGKILL; --kill-child takes PID 1 along)
      // makes it record the exit and run the undos; glassbox waits for it to finish.
      const chain = Number(this.vars.pid ?? 0);
      if (chain) {
        try {
          process.kill(chain, 'SIGKILL');
        } catch {}
      } else {
        try {
          process.kill(this.monitor.pid, 'SIGKILL');
        } catch {}
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.monitor.exited, new Promise((res) => (timer = setTimeout(res, 15_000)))]);
      clearTimeout(timer);
      if (!chain) return this.undoAll(failures);
      return failures;
    }
    if (this.main && !this.mainEnded) {
      // Our own unreaped child cannot have a reused PID; --kill-child passes the SIGKILL on to PID 1.
      try {
        process.kill(this.main.pid, 'SIGKILL');
      } catch {}
      await this.main.done;
    }
    // Teardown steps (kill what is left in the container's cgroup) run when the steps they need ran; their failures
    // are expected (nothing left to kill) and ignored.
    const ran = new Set(this.done.map((s) => s.id));
    for (const step of this.plan.teardown ?? []) {
      if (!step.needs.every((n) => ran.has(n))) continue;
      await performStep(step, this.vars);
      ran.add(step.id);
    }
    return this.undoAll(failures);
  }

  private async undoAll(failures: CommandResult[]): Promise<CommandResult[]> {
    for (const step of [...this.done].reverse()) {
      if (!step.undo) continue;
      const argv = step.undo.map((a) => bind(a, this.vars));
      const r = step.undoRetry === 'while-busy' ? await runWhileBusy(argv) : await runCommand(argv);
      if (r.exitCode !== 0 && !step.undoMayFail) failures.push(r);
    }
    return failures;
  }
}
