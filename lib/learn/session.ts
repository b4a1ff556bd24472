// Learn mode: a plan run one step at a time in a real terminal. Before each step: its number and title, the exact
// command (copyable: runtime values filled in), why it is needed and what it touches; then a key decides. After
// it: exit status, time, output, and what changed — each of the step's observe commands runs before and after it,
// and the two outputs are diffed. The executor (lib/exec/runner.ts) still does the running, the undo journal and
// the cleanup: learn mode only answers its beforeStep question and watches afterStep. It starts no process itself:
// the observe commands go through lib/exec/observe.ts, and the `s` key's shell is a learn-shell block step
// (lib/plan/shell.ts) opened by lib/exec/shell.ts.
//
// Output goes to stdout (to stderr with --format json, where stdout carries one JSON object per line).

import { existsSync, writeFileSync, chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Chalk, type ChalkInstance } from 'chalk';
import { GlassboxError } from '../errors.ts';
import { Executor, type StepResult } from '../exec/runner.ts';
import { loadCatalog } from '../blocks/catalog.ts';
import { observe } from '../exec/observe.ts';
import { openShell } from '../exec/shell.ts';
import { signalNumber } from '../exec/signals.ts';
import { onCommand, type CommandResult } from '../exec/spawn.ts';
import { findOnPathSync } from '../host/programs.ts';
import { resolveCommandInRoot } from '../image/command.ts';
import { RT_CLOSE, RT_OPEN, type Lang, type Plan, type Step, type Text } from '../plan/types.ts';
import { planShell, type ShellWhere } from '../plan/shell.ts';
import { sectionRuns, SECTION_TITLES, type SectionRun } from '../plan/sections.ts';
import { planNames, type ShortNames } from '../render/names.ts';
import { nameDefinitions, renderArg, shellVar, shJoin } from '../render/quote.ts';
import { renderStepCommand, renderUndo } from '../render/script.ts';
import { openRun } from '../container/run.ts';
import { prepareDetached } from '../container/detach.ts';
import { execRunOptions } from '../container/exec.ts';
import { execJournalFile } from '../state/journal.ts';
import type { Roots } from '../state/paths.ts';
import { changed, diffLines, observedText, type DiffLine, type Observed } from './diff.ts';
import { explainArgv, formatExplain } from './explain.ts';
import { fileChanges, snapshot, type FileSnapshot } from './files.ts';
import { actionOf, KeyReader } from './keys.ts';
import { undoVerdict } from './cleanup.ts';
import { alive, boundNamespaceFiles, mountsBelow } from './procs.ts';
import type { LearnTarget, ShellPlace } from './target.ts';
import { T, wrapText } from './text.ts';
import { renderTranscript, type StepStatus } from './transcript.ts';
import { readTrace, xrayArgv } from './xray.ts';

export interface LearnOptions {
  lang: Lang;
  /** Run every step without asking. */
  yes: boolean;
  /** Ask from this step on (1-based); earlier steps run without asking. */
  from: number;
  /** Write a runnable transcript here. */
  record?: string;
  /** JSON lines on stdout instead of text. */
  json: boolean;
  /** Trace each command's system calls with strace. */
  xray: boolean;
  colour: boolean;
  bootId: string;
}

/** What one step did, as learn mode saw it. */
interface Seen {
  status: StepStatus;
  result?: StepResult;
  observe: Array<{ argv: string[]; before?: Observed; after?: Observed; diff?: DiffLine[] }>;
  /** The files below the watched directories, before the step; and what it added, removed or changed. */
  filesBefore?: FileSnapshot;
  files?: DiffLine[];
  xray?: string[];
}

const REF = new RegExp(`${RT_OPEN.replace('{', '\\{')}(\\w+)${RT_CLOSE.replace('}', '\\}')}`, 'g');
const SHORT_OUTPUT = 20;
const SHORT_DIFF = 14;

// Runs a learn session; returns the exit code (0, the container's, or 130 after q).
export async function runLearn(target: LearnTarget, r: Roots, opts: LearnOptions): Promise<number> {
  const session = new Session(target, r, opts);
  return session.run();
}

// Prints the steps without running anything (--list).
export function listSteps(target: LearnTarget, opts: Pick<LearnOptions, 'lang' | 'json' | 'colour'>): void {
  const { lang } = opts;
  const c = new Chalk({ level: opts.colour ? 1 : 0 });
  const total = target.plan.steps.length;
  const out: string[] = [];
  const names = planNames(target.plan);
  const runs = sectionRuns(target.plan.steps);
  if (target.lesson && !opts.json) out.push(c.bold(T.lessonLine(target.lesson.lesson, target.lesson.year, target.lesson.title[lang])[lang]), '');
  if (!opts.json && names.length) out.push(c.dim(T.namesIntro[lang]), ...nameDefinitions(names).map((l) => c.dim(`        ${l}`)));
  target.plan.steps.forEach((s, i) => {
    if (opts.json) {
      out.push(JSON.stringify({ type: 'step', n: i + 1, total, id: s.id, phase: s.phase, section: s.section, title: s.title, why: s.why, command: renderStepCommand(s), check: target.checks.has(s.id) || undefined }));
      return;
    }
    const h = target.headings.get(s.id);
    if (h) out.push('', c.bold(`── ${h[lang]} ──`));
    const run = runs.find((r) => r.from === i);
    if (run?.folded) out.push('', c.bold(`── ${T.foldHeading(run.to - run.from, [...new Set(target.plan.steps.slice(run.from, run.to).map((x) => (SECTION_TITLES[x.section ?? 'other'] ?? SECTION_TITLES.other!)[lang].toLowerCase()))].join(', '))[lang]} ──`));
    else if (run && !h) out.push('', c.bold(`── ${sectionTitle(run, target)[lang]} ──`));
    out.push(`${c.bold(`[${i + 1}/${total}]`)} ${s.title[lang]}`, c.dim(`        ${renderStepCommand(s, names).split('\n').join('\n        ')}`));
  });
  process.stdout.write(out.join('\n') + '\n');
}

// A section's heading: a lesson part's block summary, or the container section's title.
function sectionTitle(run: SectionRun, target: LearnTarget): Text {
  return target.headings.get(target.plan.steps[run.from]!.id) ?? SECTION_TITLES[run.id] ?? SECTION_TITLES.other!;
}

class Session {
  private readonly target: LearnTarget;
  private readonly plan: Plan;
  private readonly r: Roots;
  private readonly opts: LearnOptions;
  private readonly lang: Lang;
  private readonly c: ChalkInstance;
  private readonly ui: NodeJS.WriteStream;
  private readonly width: number;
  private readonly keys?: KeyReader;
  private readonly seen = new Map<string, Seen>();
  private readonly vars: Record<string, string> = {};
  private pending: Promise<void> = Promise.resolve();
  private continueAll = false;
  private quitAsked = false;
  private cleaning = false;
  private cleanupShown = false;
  private shellRunning = false;
  private signalled?: NodeJS.Signals;
  private rootSwitched = false;
  private xrayDir?: string;
  private strace?: string;
  private readonly ran: Step[] = [];
  private teardownNext = 0;
  /** Long values named once (ID=…, RUN=…): every command is shown with them. */
  private readonly names: ShortNames;
  private readonly runs: SectionRun[];
  /** Steps before this index run without asking (j: the rest of a section; a folded section run on one key). */
  private runUntil = 0;
  private foldRun?: SectionRun;
  private lastRan?: { n: number; step: Step };
  private executor?: Executor;
  /** The container's output, framed; held while a prompt waits, so it never runs through the question. */
  private prompting = false;
  private held: string[] = [];
  private readonly partialOut: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  private outputClosed!: Promise<void>;
  private closeOutput!: () => void;

  constructor(target: LearnTarget, r: Roots, opts: LearnOptions) {
    this.target = target;
    this.plan = target.plan;
    this.r = r;
    this.opts = opts;
    this.lang = opts.lang;
    this.ui = opts.json ? process.stderr : process.stdout;
    this.c = new Chalk({ level: opts.colour && this.ui.isTTY ? 1 : 0 });
    this.width = Math.max(60, Math.min(this.ui.columns || 100, 120));
    if (!opts.yes) this.keys = new KeyReader(process.stdin);
    this.names = planNames(this.plan);
    this.runs = sectionRuns(this.plan.steps);
    this.outputClosed = new Promise((resolve) => (this.closeOutput = resolve));
    // With --format json the container's output is not framed (it goes nowhere): there is no end of it to wait for.
    if (opts.json) this.closeOutput();
  }

  // ---- the container's output, framed --------------------------------------------------------------------------

  // One chunk of the container's stdout or stderr: whole lines get the gutter; a prompt holds them back.
  private containerOutput(stream: 'stdout' | 'stderr', text: string): void {
    const lines = (this.partialOut[stream] + text).split('\n');
    this.partialOut[stream] = lines.pop()!;
    for (const l of lines) this.frame(stream, l);
  }

  private frame(stream: 'stdout' | 'stderr', line: string): void {
    const gutter = stream === 'stdout' ? this.c.cyan('  ┃ ') : this.c.yellow('  ┃ ');
    const shown = `${gutter}${line}`;
    if (this.prompting) this.held.push(shown);
    else this.say(shown);
  }

  // The end of the container's output: what is left of a line without its newline.
  private endOutput(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partialOut[stream]) this.frame(stream, this.partialOut[stream]);
      this.partialOut[stream] = '';
    }
    this.closeOutput();
  }

  private releaseHeld(): void {
    const lines = this.held;
    this.held = [];
    if (lines.length) this.say(this.c.dim(`  ${this.label(T.containerOutput)}`), ...lines);
  }

  private say(...lines: string[]): void {
    this.ui.write(lines.join('\n') + '\n');
  }

  private emit(event: Record<string, unknown>): void {
    if (this.opts.json) process.stdout.write(JSON.stringify(event) + '\n');
  }

  private tr(t: Text): string {
    return t[this.lang];
  }

  // "why:" / "为什么：" — Chinese takes the full-width colon.
  private label(t: Text): string {
    return t[this.lang] + (this.lang === 'zh' ? '：' : ':');
  }

  // ---- runtime values -------------------------------------------------------------------------------------------

  // Replaces runtime references with their values where known (unknown ones stay, and render as "$gb_pid1").
  private bindText(s: string): string {
    return s.includes(RT_OPEN) ? s.replace(REF, (all, name: string) => this.vars[name] ?? all) : s;
  }

  private bound(argv: string[]): string[] | undefined {
    const out = argv.map((a) => this.bindText(a));
    return out.some((a) => a.includes(RT_OPEN)) ? undefined : out;
  }

  // A copy of the step with every known runtime value filled in: what is shown is what runs.
  private boundStep(step: Step): Step {
    const b = (a?: string[]) => a?.map((x) => this.bindText(x));
    return {
      ...step,
      argv: b(step.argv),
      undo: b(step.undo),
      paths: b(step.paths),
      write: step.write ? { path: this.bindText(step.write.path), value: this.bindText(step.write.value) } : undefined,
    };
  }

  // The PIDs the executor found (the main process, and the one at the barrier): later commands are shown with them.
  private learnPids(): void {
    if (this.vars.pid1) return;
    const found = this.executor?.runtimeValues();
    if (found?.pid1 && found.pid) {
      this.vars.pid = found.pid;
      this.vars.pid1 = found.pid1;
      if (this.target.container?.chroot) this.rootSwitched = true;
    }
  }

  // ---- the run --------------------------------------------------------------------------------------------------

  async run(): Promise<number> {
    const { plan, target, opts } = this;
    if (opts.xray) {
      this.strace = findOnPathSync('strace');
      if (!this.strace) throw new GlassboxError('--xray runs every command under strace, which is not installed', { hint: 'apt-get install strace' });
      this.xrayDir = mkdtempSync(join(tmpdir(), 'glassbox-xray-'));
    }
    const execPlan = this.execPlan();
    // The application layer records the container (a lesson's or a recipe's), or says how an exec runs beside one.
    // A compose service starts detached: its state claimed and its monitor written as run -d does (prepareDetached).
    const detached = target.detached ? await prepareDetached(plan, this.r, { bootId: opts.bootId }, target.detached) : undefined;
    const record = target.exec || detached ? undefined : openRun(plan, this.r, opts.bootId);
    const how = target.exec ? execRunOptions(this.r, opts.bootId, target.exec) : detached ? detached.options : { journal: record!.journal, owner: record!.owner };

    this.intro();
    let missing: GlassboxError | undefined;
    const exec = new Executor(execPlan, {
      ...how,
      stdio: opts.json || detached ? 'ignore' : 'inherit',
      // The keys are read from the terminal: the container gets /dev/null as its input (like run without -i).
      stdin: 'ignore',
      output: opts.json || detached ? undefined : { write: (stream, text) => this.containerOutput(stream, text), end: () => this.endOutput() },
      // --xray runs the start chain under strace too: the chain is strace's child.
      wrapped: !!opts.xray,
      handleSignals: false,
      hooks: {
        beforeStep: (step, index, total) => this.beforeStep(step, index, total),
        afterStep: (step, result) => {
          this.pending = this.pending.then(() => this.afterStep(step, result)).catch((e) => this.say(this.c.red(String(e))));
          // The executor waits for it before the cleanup, so the last step's report is not cut by the undos.
          return this.pending;
        },
        beforeRelease: async (pid1) => {
          // An exec's waiting process is still on the host: its command is looked up in the container's root.
          missing = await resolveCommandInRoot(`/proc/${target.exec?.pid1 ?? pid1}/root`, plan.info.command[0]!, plan.info.env.PATH ?? '');
          if (missing) throw missing;
        },
        afterExit: async (exit) => {
          this.say('', this.tr(target.exec ? T.commandExited(exit.exitCode) : T.containerExited(exit.exitCode)));
          this.emit({ type: 'exit', exitCode: exit.exitCode, signal: exit.signal });
          record?.exited(exit.exitCode);
          if (target.afterExit) {
            if (exit.exitCode === 0) this.say(this.c.dim(this.tr(T.packingLayer)));
            await target.afterExit(exit.exitCode);
          }
        },
        onRunning: (pid1) => {
          this.cleaning = true;
          record?.running(pid1);
          detached?.hooks.onRunning(pid1);
        },
      },
    });
    this.executor = exec;
    const stopListening = onCommand((c) => this.maybeCleanup(c));
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const onSignal = (sig: NodeJS.Signals) => {
      if (this.shellRunning && sig === 'SIGINT') return; // Ctrl-C in the shell belongs to the shell
      this.signalled ??= sig;
      exec.signal(sig);
      this.keys?.cancel(); // a prompt waiting for a key answers "quit"
    };
    const handlers = signals.map((s) => [s, () => onSignal(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);

    let code = 0;
    let failure: unknown;
    try {
      const out = await exec.run();
      await this.pending;
      for (const f of out.undoFailures) this.say(this.c.yellow(`glassbox: warning: cleanup command failed: ${shJoin(f.argv)}: ${f.stderr.trim()}`));
      if (out.exitCode !== undefined && target.kind !== 'lesson') code = out.exitCode;
    } catch (e) {
      await this.pending;
      detached?.failed();
      if (this.quitAsked && e instanceof GlassboxError && e.exitCode === 130) code = this.signalled ? 128 + signalNumber(this.signalled) : 130;
      else if (e === missing && missing) failure = missing;
      else failure = e;
    } finally {
      for (const [s, h] of handlers) process.off(s, h);
      stopListening();
      this.keys?.close();
      record?.release();
      if (this.xrayDir) rmSync(this.xrayDir, { recursive: true, force: true });
    }
    this.finish(code, failure);
    if (failure) throw failure;
    return code;
  }

  // The plan the executor runs: the same steps, with commands wrapped in strace for --xray.
  private execPlan(): Plan {
    if (!this.opts.xray) return this.plan;
    const steps = this.plan.steps.map((s, i) =>
      (s.kind === 'run' || s.kind === 'start') && s.argv ? { ...s, argv: xrayArgv(this.strace!, join(this.xrayDir!, `${i + 1}.trace`), s.argv) } : s,
    );
    return { ...this.plan, steps };
  }

  private intro(): void {
    const { target, lang, c } = this;
    const total = this.plan.steps.length;
    if (target.lesson) {
      const l = target.lesson;
      this.say(c.bold(`━━ ${this.tr(T.lessonLine(l.lesson, l.year, l.title[lang]))} ━━`), '', ...wrapText(l.story[lang], this.width - 2));
    } else {
      this.say(c.bold(`━━ glassbox learn ${target.label} ━━`));
      if (target.exec) this.say('', ...wrapText(this.tr(T.execIntro(target.exec.plan.info.name, shJoin(target.exec.plan.info.command))), this.width - 2));
    }
    const extra = this.opts.from > 1 ? ` ${this.tr(T.fromNote(this.opts.from))}` : '';
    this.say('', `${this.tr(T.stepsCount(total))}${extra}${this.opts.yes ? '' : `  ${c.dim(this.tr(T.keysLine))}`}`);
    if (this.names.length) this.say('', c.dim(this.tr(T.namesIntro)), ...nameDefinitions(this.names).map((l) => `  ${l}`));
    this.emit({ type: 'start', target: target.label, kind: target.kind, lesson: target.lesson?.lesson, id: this.plan.info.id, steps: total, lang });
  }

  // ---- before a step --------------------------------------------------------------------------------------------

  private async beforeStep(step: Step, index: number, total: number): Promise<'run' | 'skip' | 'quit'> {
    await this.pending;
    this.releaseHeld();
    const orig = this.plan.steps[index] ?? step;
    const n = index + 1;
    if (orig.phase === 'boot') this.learnPids();
    const run = this.runOf(index);
    if (run.from === index) this.sectionHeading(run);
    let asking = !(this.opts.yes || this.continueAll || n < this.opts.from || index < this.runUntil);
    let answer: 'run' | 'skip' | 'quit' = 'run';
    try {
      if (asking && run.folded && run.from === index) {
        const fold = await this.askFold(run);
        if (fold === 'quit') answer = 'quit';
        else if (fold === 'all') {
          this.runUntil = run.to;
          this.foldRun = run;
          asking = false;
        }
      }
      const brief = this.foldRun === run && index < run.to;
      if (answer !== 'quit') {
        if (brief) this.showBrief(orig, n, total);
        else this.showStep(orig, n, total);
        if (asking) answer = await this.ask(orig, run);
      }
    } catch (e) {
      this.cleaning = true;
      throw e;
    }
    if (answer === 'quit') {
      this.quitAsked = true;
      this.cleaning = true;
      this.emit({ type: 'quit', n, id: orig.id });
      return 'quit';
    }
    if (answer === 'run') {
      await this.observe(orig, 'before');
      this.seenOf(orig).filesBefore = snapshot(this.watched(), this.bookkeeping);
    }
    return answer;
  }

  // glassbox's own records in the state directory: they change as learn mode goes, not because of a step.
  private get bookkeeping(): Set<string> {
    const { state } = this.plan.info.paths;
    const exec = this.target.exec ? [basename(execJournalFile(state, this.target.exec.token))] : [];
    return new Set(['state.json', 'config.json', 'journal.json', 'journal.json.tmp', 'state.json.tmp', ...exec.flatMap((f) => [f, `${f}.tmp`])].map((f) => join(state, f)));
  }

  // The directories whose files learn mode lists around every step: the container's (and lesson's) own.
  private watched(): string[] {
    const { paths } = this.plan.info;
    return [...new Set([paths.state, paths.run])];
  }

  private seenOf(step: Step): Seen {
    const seen = this.seen.get(step.id) ?? { status: 'ran' as StepStatus, observe: [] };
    this.seen.set(step.id, seen);
    return seen;
  }

  // The files a step made, removed or changed, with long values named.
  private printFiles(lines: DiffLine[], max: number): void {
    const { c } = this;
    this.say(`  ${c.dim(this.label(T.filesChanged))}`);
    for (const d of lines.slice(0, max)) this.say(d.op === '+' ? c.green(`    + ${d.line}`) : c.red(`    - ${d.line}`));
    if (lines.length > max) this.say(c.dim(`    ${this.tr(T.moreChanges(lines.length - max))}`));
  }

  // The section run a step belongs to.
  private runOf(index: number): SectionRun {
    return this.runs.find((r) => index >= r.from && index < r.to)!;
  }

  // "section 3/8 · step 12/43": where a step is, in the sections and in the steps (the cleanup is the last section).
  private where(n: number): string {
    const k = this.runs.indexOf(this.runOf(n - 1)) + 1;
    return `${this.tr(T.section(k, this.runs.length + 1))} · ${this.tr(T.stepOf(n, this.plan.steps.length))}`;
  }

  private sectionHeading(run: SectionRun): void {
    const { c } = this;
    const k = this.runs.indexOf(run) + 1;
    const here = `${this.tr(T.section(k, this.runs.length + 1))}`;
    if (run.folded) {
      const parts = [...new Set(this.plan.steps.slice(run.from, run.to).map((s) => this.tr(SECTION_TITLES[s.section ?? 'other'] ?? SECTION_TITLES.other!).toLowerCase()))];
      const heading = this.target.headings.get(this.plan.steps[run.from]!.id);
      if (heading) this.say('', c.bold(`── ${this.tr(heading)} ──`));
      this.say('', c.bold(`━━ ${here} ━━`), ...wrapText(this.tr(T.foldHeading(run.to - run.from, parts.join(this.lang === 'zh' ? '、' : ', '))), this.width - 4).map((l) => `  ${l}`));
      return;
    }
    this.say('', c.bold(`── ${this.tr(sectionTitle(run, this.target))} ──  `) + c.dim(here));
  }

  // One line for a step of a folded section that runs on one key.
  private showBrief(step: Step, n: number, total: number): void {
    const { c } = this;
    const cmd = renderStepCommand(this.boundStep(step), this.names).split('\n');
    this.say(`${c.cyan(`[${this.where(n)}]`)} ${step.title[this.lang]}  ${c.dim(`$ ${cmd[0]}${cmd.length > 1 ? ' …' : ''}`)}`);
    this.emit({ type: 'step', n, total, id: step.id, phase: step.phase, section: step.section, folded: true, title: step.title, command: renderStepCommand(this.boundStep(step)), argv: this.boundStep(step).argv });
  }

  private showStep(step: Step, n: number, total: number): void {
    const { c, lang } = this;
    const heading = this.target.headings.get(step.id);
    const run = this.runOf(n - 1);
    if (heading && run.from !== n - 1) this.say('', c.bold(`── ${this.tr(heading)} ──`));
    const b = this.boundStep(step);
    const cmd = renderStepCommand(b, this.names);
    const undo = renderUndo(b, this.names);
    this.say('', `${c.bold.cyan(`[${this.where(n)}]`)} ${c.bold(step.title[lang])}`);
    this.say(...cmd.split('\n').map((l, i) => (i === 0 ? `  ${c.green('$')} ${l}` : `    ${l}`)));
    const why = wrapText(step.why[lang], this.width - 8);
    this.say(`  ${c.dim(this.label(T.why))} ${why[0] ?? ''}`, ...why.slice(1).map((l) => `       ${l}`));
    const touches = step.touches.length ? step.touches.map((k) => (T.touch[k] ? this.tr(T.touch[k]) : k)).join(this.lang === 'zh' ? '、' : ', ') : '—';
    this.say(`  ${c.dim(this.label(T.touches))} ${touches}${undo ? `   ${c.dim(this.label(T.undo))} ${undo}` : ''}`);
    if (step.role === 'release' && this.target.kind !== 'lesson') this.say(`  ${c.dim(this.tr(this.target.exec ? T.execReleaseNote : T.releaseNote))}`);
    this.emit({
      type: 'step',
      n,
      total,
      id: step.id,
      phase: step.phase,
      section: step.section,
      title: step.title,
      why: step.why,
      touches: step.touches,
      command: renderStepCommand(b),
      short: cmd,
      argv: b.argv,
      undo: renderUndo(b),
      check: this.target.checks.has(step.id) || undefined,
    });
  }

  // Reads one answer; typed lines that came while no prompt waited are dropped and said so.
  private async answer(keys: string): Promise<string> {
    const { c } = this;
    this.prompting = true;
    try {
      this.ui.write(`${c.yellow('›')} ${keys} `);
      const line = await this.keys!.read();
      return line;
    } finally {
      this.prompting = false;
      this.releaseHeld();
    }
  }

  // At the first step of a folded section: run all of it on one key, or go through it one step at a time.
  private async askFold(run: SectionRun): Promise<'all' | 'one' | 'quit'> {
    for (;;) {
      const line = await this.answer(`${this.tr(T.foldPrompt(run.to - run.from))} ${this.c.dim(`[${this.tr(T.foldKeys)}]`)}`);
      const action = actionOf(line);
      if (action === 'run' || action === 'continue' || action === 'next') return 'all';
      if (action === 'one') return 'one';
      if (action === 'quit') return 'quit';
      if (action === 'help') this.say('', ...this.tr(T.help).split('\n').map((l) => `  ${l}`), '');
      else this.say(this.c.dim(`  ${this.tr(T.unknownKey)}`));
    }
  }

  // The prompt: answers until one of them runs, skips or quits.
  private async ask(step: Step, run: SectionRun): Promise<'run' | 'skip' | 'quit'> {
    const { c } = this;
    for (;;) {
      const dropped = this.keys!.dropped;
      if (dropped) this.say(c.dim(`  ${this.tr(T.droppedLines(dropped))}`));
      const line = await this.answer(`${this.tr(T.prompt)} ${c.dim(`[${this.tr(T.promptKeys)}]`)}`);
      const action = actionOf(line);
      switch (action) {
        case 'run':
        case 'one':
          return 'run';
        case 'continue':
          this.continueAll = true;
          return 'run';
        case 'next':
          this.runUntil = run.to;
          return 'run';
        case 'quit':
          return 'quit';
        case 'skip':
          if (this.target.required.has(step.id)) {
            this.say(c.yellow(`  ${this.tr(T.cannotSkip)}`));
            continue;
          }
          return 'skip';
        case 'explain':
          this.explain(step);
          continue;
        case 'diff':
          await this.showDiff(step);
          continue;
        case 'values':
          this.showValues(step);
          continue;
        case 'shell':
          await this.shell(step);
          continue;
        case 'help':
          this.say('', ...this.tr(T.help).split('\n').map((l) => `  ${l}`), '');
          continue;
        default:
          this.say(c.dim(`  ${this.tr(T.unknownKey)}`));
      }
    }
  }

  // v: the step with every value in full (what "$ID", "$RUN"… stand for), and the names' definitions.
  private showValues(step: Step): void {
    const b = this.boundStep(step);
    const undo = renderUndo(b);
    this.say(this.c.bold(`  ${this.tr(T.fullValues)}`), ...renderStepCommand(b).split('\n').map((l, i) => (i === 0 ? `  $ ${l}` : `    ${l}`)));
    if (undo) this.say(`  ${this.c.dim(this.label(T.undo))} ${undo}`);
    if (this.names.length) this.say(...nameDefinitions(this.names).map((l) => this.c.dim(`  ${l}`)));
  }

  private explain(step: Step): void {
    const b = this.boundStep(step);
    const show = (w: string) => renderArg(w);
    const lines: string[] = [];
    if ((step.kind === 'run' || step.kind === 'start') && b.argv) {
      lines.push(...formatExplain(explainArgv(b.argv, this.lang, { userCommand: this.plan.info.command, show }), this.width - 4));
    } else if (step.kind === 'write' && b.write) {
      lines.push(...wrapText(this.tr(b.write.value === '' ? T.explainEmptyWrite(b.write.path) : T.explainWrite(b.write.path)), this.width - 4));
    } else if (step.kind === 'mkdir' || step.kind === 'remove') {
      lines.push(...wrapText(this.tr(step.kind === 'mkdir' ? T.explainMkdir : T.explainRemove), this.width - 4));
      const argv = step.kind === 'mkdir' ? ['mkdir', '-p', ...(b.paths ?? [])] : ['rm', '-f', ...(b.paths ?? [])];
      lines.push(...formatExplain(explainArgv(argv, this.lang, { show }), this.width - 4));
    }
    if (b.undo) {
      lines.push('', this.label(T.explainUndo), ...formatExplain(explainArgv(b.undo, this.lang, { show }), this.width - 4));
    }
    this.say(this.c.bold(`  ${this.tr(T.explainHeading)}`), ...lines.map((l) => `  ${l}`));
  }

  // d: the full diff of the last step with observe commands, and this step's observe commands as they are now.
  // d: what the step just before changed — its observe commands' diffs and its files, taken around it alone.
  private async showDiff(step: Step): Promise<void> {
    const { c } = this;
    if (this.lastRan) {
      const { n, step: last } = this.lastRan;
      const seen = this.seen.get(last.id);
      const observed = (seen?.observe ?? []).filter((o) => o.after);
      const files = seen?.files ?? [];
      if (!observed.length && !files.length) this.say(c.bold(`  ${this.tr(T.nothingChanged(n, last.title[this.lang]))}`));
      else {
        this.say(c.bold(`  ${this.tr(T.lastDiff(n, last.title[this.lang]))}`));
        for (const o of observed) this.printObserve(o, false);
        if (files.length) this.printFiles(files, 400);
      }
    } else this.say(c.dim(`  ${this.tr(T.noDiffYet)}`));
    if (step.observe.length) {
      this.say(c.bold(`  ${this.tr(T.willLook)}`));
      for (const argv of step.observe) {
        const b = this.bound(argv);
        this.say(c.dim(`  $ ${b ? shJoin(b) : shJoin(argv)}`));
        if (!b) {
          this.say(c.dim(`    ${this.tr(T.notYet)}`));
          continue;
        }
        const o = await observe(b);
        this.printLines(observedText(o), SHORT_OUTPUT * 2, '    ');
      }
    }
  }

  // ---- after a step ---------------------------------------------------------------------------------------------

  private async afterStep(step: Step, result: StepResult): Promise<void> {
    const index = this.plan.steps.findIndex((s) => s.id === step.id);
    const orig = this.plan.steps[index] ?? step;
    const n = index + 1;
    const { c } = this;
    const seen = this.seen.get(orig.id) ?? { status: 'ran' as StepStatus, observe: [] };
    this.seen.set(orig.id, seen);
    if (result.skipped) {
      seen.status = 'skipped';
      this.say(c.yellow(`  ↷ ${this.tr(T.skipped)}`));
      this.emit({ type: 'result', n, id: orig.id, skipped: true });
      if (n === this.plan.steps.length) this.cleaning = true;
      return;
    }
    seen.result = result;
    seen.status = result.exitCode === 0 ? 'ran' : 'failed';
    this.ran.push(orig);
    if (orig.kind === 'start') this.learnPids();
    if (orig.role === 'detach') this.rootSwitched = true;
    if (result.exitCode !== 0) this.cleaning = true;

    // Opening the barrier lets a recipe's command run: its output (framed) comes first, then this step's status.
    const release = orig.role === 'release' && this.target.kind !== 'lesson' && !this.target.detached;
    if (release) await Promise.race([this.outputClosed, new Promise((r) => setTimeout(r, 2000).unref())]);
    const brief = !!this.foldRun && index >= this.foldRun.from && index < this.foldRun.to;
    if (orig.kind === 'start') {
      const started = !this.vars.pid1 ? undefined : this.target.exec ? T.execStarted(Number(this.vars.pid1)) : T.started(Number(this.vars.pid1), Number(this.vars.pid));
      this.say(c.green(`  ✓ ${started ? this.tr(started) : 'started'}`));
    } else if (brief && result.exitCode === 0) {
      // A folded section: one line per step, the status only.
    } else {
      const ms = result.durationMs < 10 ? `${result.durationMs.toFixed(1)} ms` : `${Math.round(result.durationMs)} ms`;
      const line = `${result.exitCode === 0 ? '✓' : '✗'} ${this.tr(T.ok(result.exitCode, ms))}`;
      this.say(result.exitCode === 0 ? c.green(`  ${line}`) : c.red(`  ${line}`));
      const out = result.stdout + (result.stderr && result.stdout && !result.stdout.endsWith('\n') ? '\n' : '') + result.stderr;
      if (out.trim()) {
        this.say(c.dim(`  ${this.label(T.output)}`));
        this.printLines(out, SHORT_OUTPUT, `  ${c.dim('│')} `);
      }
    }
    if (this.opts.xray) {
      // The start step's trace is read when PID 1 waits at its barrier: the calls that made it, up to there.
      seen.xray = orig.kind === 'run' || orig.kind === 'start' ? readTrace(join(this.xrayDir!, `${n}.trace`)) : [];
      if (orig.kind !== 'run' && orig.kind !== 'start') this.say(`  ${c.magenta(this.label(T.xray))} ${c.dim(this.tr(T.xrayInProcess))}`);
      else if (!seen.xray.length) this.say(`  ${c.magenta(this.label(T.xray))} ${c.dim(this.tr(T.xrayNone))}`);
      else {
        this.say(c.magenta(`  ${this.label(T.xray)}`));
        for (const l of seen.xray.slice(0, 24)) this.say(`    ${l.length > this.width - 6 ? l.slice(0, this.width - 7) + '…' : l}`);
        if (seen.xray.length > 24) this.say(c.dim(`    ${this.tr(T.xrayMore(seen.xray.length - 24))}`));
      }
    }

    await this.observe(orig, 'after');
    if (seen.filesBefore) seen.files = fileChanges(seen.filesBefore, snapshot(this.watched(), this.bookkeeping), (p) => renderArg(p, shellVar, this.names));
    seen.filesBefore = undefined;
    this.lastRan = { n, step: orig };
    if (!brief) {
      for (const o of seen.observe) this.printObserve(o, true);
      if (seen.files?.length) this.printFiles(seen.files, SHORT_DIFF);
    }
    this.emit({
      type: 'result',
      n,
      id: orig.id,
      exitCode: result.exitCode,
      durationMs: Math.round(result.durationMs * 10) / 10,
      stdout: result.stdout,
      stderr: result.stderr,
      pid1: orig.kind === 'start' && this.vars.pid1 ? Number(this.vars.pid1) : undefined,
      observe: seen.observe.map((o) => ({ command: shJoin(o.argv), before: o.before && observedText(o.before), after: o.after && observedText(o.after), diff: o.diff?.filter((d) => d.op !== ' ').map((d) => `${d.op} ${d.line}`) })),
      xray: seen.xray,
      files: seen.files?.map((d) => `${d.op} ${d.line}`),
    });
    if (n === this.plan.steps.length) this.cleaning = true;
  }

  // Runs the step's observe commands; "before" starts a fresh record, "after" completes it with a diff.
  private async observe(step: Step, when: 'before' | 'after'): Promise<void> {
    if (!step.observe.length) return;
    const seen = this.seen.get(step.id) ?? { status: 'ran' as StepStatus, observe: [] };
    this.seen.set(step.id, seen);
    for (const [k, argv] of step.observe.entries()) {
      const b = this.bound(argv);
      const entry = (seen.observe[k] ??= { argv: b ?? argv });
      if (!b) continue;
      entry.argv = b;
      const o = await observe(b);
      if (when === 'before') entry.before = o;
      else {
        entry.after = o;
        if (entry.before) entry.diff = diffLines(observedText(entry.before), observedText(o));
      }
    }
  }

  // One observe command's result: the diff when there was a "before", else what it shows now.
  private printObserve(o: Seen['observe'][number], short: boolean): void {
    const { c } = this;
    const head = `  ${c.dim(this.label({ en: `${T.changed.en} (${shJoin(o.argv, shellVar, this.names)})`, zh: `${T.changed.zh} (${shJoin(o.argv, shellVar, this.names)})` }))}`;
    if (!o.after) return;
    if (!o.diff) {
      this.say(`  ${c.dim(this.label({ en: `${T.nowLooks.en} (${shJoin(o.argv, shellVar, this.names)})`, zh: `${T.nowLooks.zh} (${shJoin(o.argv, shellVar, this.names)})` }))}`);
      this.printLines(observedText(o.after), short ? SHORT_OUTPUT : 400, '    ');
      return;
    }
    if (!changed(o.diff)) {
      this.say(`  ${c.dim(this.label({ en: `${T.unchanged.en} (${shJoin(o.argv, shellVar, this.names)})`, zh: `${T.unchanged.zh} (${shJoin(o.argv, shellVar, this.names)})` }))}`);
      this.printLines(observedText(o.after), short ? 6 : 400, `    ${c.dim(' ')}`);
      return;
    }
    this.say(head);
    const lines = short ? o.diff.filter((d) => d.op !== ' ') : o.diff;
    const shown = short ? lines.slice(0, SHORT_DIFF) : lines;
    for (const d of shown) {
      const l = this.shortText(d.line);
      this.say(d.op === '+' ? c.green(`    + ${l}`) : d.op === '-' ? c.red(`    - ${l}`) : c.dim(`      ${l}`));
    }
    if (short && lines.length > SHORT_DIFF) this.say(c.dim(`    ${this.tr(T.moreChanges(lines.length - SHORT_DIFF))}`));
  }

  // Output as shown on screen: the long values written as $NAME, like the commands (JSON events keep them whole).
  private shortText(text: string): string {
    return [...this.names].sort((a, b) => b.value.length - a.value.length).reduce((t, n) => t.replaceAll(n.value, `$${n.name}`), text);
  }

  private printLines(text: string, max: number, prefix: string): void {
    const all = this.shortText(text).replace(/\n$/, '').split('\n');
    for (const l of all.slice(0, max)) this.say(`${prefix}${l}`);
    if (all.length > max) this.say(this.c.dim(`${prefix}${this.tr(T.moreLines(all.length - max))}`));
  }

  // ---- s: a shell in the namespaces as they are now -----------------------------------------------------------

  // The lesson's own place for this step (its latest part with `shell:` up to here), before the container runs.
  private lessonPlace(step: Step): ShellPlace | undefined {
    const at = this.plan.steps.indexOf(step);
    let place: ShellPlace | undefined;
    for (const [id, p] of this.target.shells) {
      const i = this.plan.steps.findIndex((s) => s.id === id);
      if (i >= 0 && i <= at && this.seen.get(id)?.status === 'ran') place = p;
    }
    return place;
  }

  // Opens a shell where the steps have got to: the lesson's own place, the running container, the namespaces
  // bound so far, or the directory of the steps' files. The learn-shell block says the command (lib/plan/shell.ts).
  private async shell(step: Step): Promise<void> {
    const { c } = this;
    const container = this.target.container;
    let argv: string[] | undefined;
    let where: ShellWhere | undefined;
    let note: string;
    // An exec's container runs from the first step on: `s` always enters it (its PID 1, not the exec's process).
    const pid1 = this.target.exec?.pid1 ?? (this.vars.pid1 ? Number(this.vars.pid1) : undefined);
    const place = pid1 === undefined ? this.lessonPlace(step) : undefined;
    if (place) {
      argv = place.argv;
      note = this.shortText(this.tr(place.note));
      this.say(...wrapText(note, this.width - 4).map((l) => `  ${l}`));
      // What the place still sees of the host, shown by plain commands run there.
      for (const cmd of place.show) {
        this.say(c.dim(`  $ ${shJoin(cmd, shellVar, this.names)}`));
        this.printLines(observedText(await observe(cmd)), SHORT_OUTPUT, `  ${c.dim('│')} `);
      }
      note = '';
    } else if (pid1 !== undefined && !alive(pid1)) note = this.tr(T.shellGone);
    else if (pid1 !== undefined) {
      // nsenter forks into the container's PID namespace: the container's read-only mount of it, when there is one.
      const bound = container ? `${container.paths.run}/bin/nsenter` : '';
      where = { container: { pid1, nsenter: bound && existsSync(bound) ? bound : undefined } };
      note = this.rootSwitched || this.target.exec ? this.tr(T.shellInside) : this.tr(T.shellBarrier(container?.paths.rootfs ?? '?'));
    } else {
      const files = boundNamespaceFiles(this.target.nsDirs);
      const dir = this.plan.info.paths.state;
      if (files.size === 0 && existsSync(dir)) {
        // Nothing to enter yet: the most useful place is where the steps are putting their files.
        where = { dir };
        note = this.tr(T.shellHere(this.shortText(dir)));
      } else if (files.size === 0) note = this.tr(T.shellNothing);
      else {
        where = { namespaces: [...files].map(([kind, file]) => ({ kind, file })) };
        note = this.tr(T.shellNamespaces([...files.keys()].join(', '), files.has('mount') ? container?.paths.rootfs : undefined));
      }
    }
    const planned = where ? planShell(await loadCatalog(), where) : undefined;
    argv ??= planned?.step.argv;
    if (note) this.say(...wrapText(note, this.width - 4).map((l) => `  ${l}`));
    if (!argv) return;
    this.say(c.dim(`  $ ${shJoin(argv, shellVar, this.names)}`));
    this.shellRunning = true;
    this.keys?.suspend();
    try {
      await openShell(argv, { cwd: planned?.cwd, env: { PS1: '(glassbox learn) # ', SHELL: '/bin/sh' } });
    } finally {
      this.shellRunning = false;
      this.keys?.resume();
    }
    this.say(c.dim(`  ${this.tr(T.shellBack)}`));
  }

  // ---- cleanup and the end --------------------------------------------------------------------------------------

  // The executor's teardown (the plan's teardown steps, then each undo) goes through the spawner: show it as it
  // happens. An undo retried while the kernel says "busy" shows once, with its last answer.
  private maybeCleanup(cmd: CommandResult): void {
    if (!this.cleaning) return;
    const key = JSON.stringify(cmd.argv);
    // Teardown steps run in order; two writes to one file (FROZEN, then THAWED) look alike, so search onwards.
    const steps = this.plan.teardown ?? [];
    const at = steps.findIndex((s, k) => {
      if (k < this.teardownNext) return false;
      const b = this.boundStep(s);
      return JSON.stringify(s.kind === 'write' ? ['write', b.write!.path] : (b.argv ?? [])) === key;
    });
    const teardown = at >= 0 ? steps[at] : undefined;
    if (teardown) this.teardownNext = at + 1;
    const i = teardown ? -1 : this.plan.steps.findIndex((s) => s.undo && JSON.stringify(s.undo.map((a) => this.bindText(a))) === key);
    if (!teardown && i < 0) return;
    const step = teardown ?? this.plan.steps[i]!;
    if (!teardown && step.undoRetry === 'while-busy' && cmd.exitCode !== 0 && /busy/i.test(cmd.stderr)) return;
    if (!this.cleanupShown) {
      this.cleanupShown = true;
      this.releaseHeld();
      const n = this.runs.length + 1;
      this.say('', this.c.bold(`── ${this.tr(SECTION_TITLES.cleanup!)} ──  `) + this.c.dim(this.tr(T.section(n, n))), this.c.bold(`  ${this.tr(T.cleanupHeading)}`));
    }
    // Meaning travels as fields: the step says why its undo may fail, the kernel's answer says which case it is.
    const verdict = undoVerdict(teardown ? { undoMayFail: true } : step, cmd.exitCode, cmd.stderr);
    const firstLine = cmd.stderr.trim().split('\n')[0] ?? '';
    const status = {
      ok: this.c.green('✓'),
      gone: this.c.dim(`✓ ${this.tr(T.undoGone)}`),
      shared: this.c.dim(`✓ ${this.tr(T.undoShared)}`),
      allowed: this.c.dim(`(${this.tr(T.undoMayFail(cmd.exitCode, firstLine))})`),
      failed: this.c.red(`✗ exit ${cmd.exitCode}${firstLine ? `: ${firstLine}` : ''}`),
    }[verdict];
    const shown = teardown ? renderStepCommand(this.boundStep(teardown), this.names) : shJoin(cmd.argv, shellVar, this.names);
    this.say(`  ${this.c.dim(teardown ? '[·]' : `[${i + 1}]`)} ${shown}  ${status}`);
    this.emit({ type: 'undo', n: teardown ? undefined : i + 1, id: step.id, teardown: teardown ? true : undefined, command: teardown ? renderStepCommand(this.boundStep(teardown)) : shJoin(cmd.argv), exitCode: cmd.exitCode, verdict, stderr: cmd.stderr || undefined });
  }

  private finish(code: number, failure: unknown): void {
    const { c, target, plan } = this;
    if (!this.cleanupShown && !this.ran.some((s) => s.undo) && !target.detached) this.say('', c.dim(this.tr(T.cleanupNone)));
    // An exec leaves the container's own mounts where they are: only a container's run is checked for leftovers.
    const left = target.exec || target.detached ? [] : mountsBelow([this.plan.info.paths.run, this.plan.info.paths.state]);
    if (left.length) this.say(c.red(this.tr(T.leftovers(left.join(', ')))));
    if (!failure) {
      if (this.quitAsked) this.say('', c.bold(this.tr(T.quitDone)));
      else {
        this.say('', c.bold(this.tr(target.kind === 'lesson' ? T.finishedLesson : target.kind === 'build' ? T.finishedBuildStep : target.exec ? T.finishedExec : target.detached ? T.finishedService(plan.info.name) : T.finishedRecipe)));
        if (target.lesson) this.say('', c.bold(this.tr(T.tryIt)), ...wrapText(target.lesson.closing[this.lang], this.width - 2));
      }
    }
    if (this.opts.record) {
      const status = (s: Step): StepStatus => this.seen.get(s.id)?.status ?? 'not-reached';
      const about = target.lesson ? [this.tr(T.lessonLine(target.lesson.lesson, target.lesson.year, target.lesson.title[this.lang]))] : [];
      const text = renderTranscript({ plan: this.plan, lang: this.lang, what: target.label, when: new Date().toISOString(), about, status });
      writeFileSync(this.opts.record, text);
      chmodSync(this.opts.record, 0o755);
      this.say(c.dim(this.tr(T.recordWritten(this.opts.record))));
    }
    this.emit({ type: 'end', exitCode: failure ? (failure instanceof GlassboxError ? failure.exitCode : 125) : code, quit: this.quitAsked || undefined, leftovers: left.length ? left : undefined });
  }
}

