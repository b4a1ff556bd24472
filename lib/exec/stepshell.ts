// The step shell: one long-lived /bin/sh per run that the executor feeds its commands, one at a time. Spawning a
// program from Node costs a fork of a large process and a good deal of JavaScript (several ms each); a shell
// forks a small process. So the executor starts one shell (through spawn.ts, once) and sends it each `run` step,
// teardown step and undo as the very line `glassbox plan` shows for it: its argv rendered by the tested quoting
// module (shJoin), after the runtime values are bound — a shell splits that line back into exactly that argv.
// The only text around it is the transport: the command's standard input (/dev/null, or its `stdin` text through
// `printf '%s' TEXT |`, as the plan writes it), then one marker on stderr and one with the exit status on stdout.
// Everything before a marker is the command's own output. The marker carries a random word of this shell, which
// no command prints.
//
// Dying with glassbox: the shell reads its commands from a pipe glassbox holds. If glassbox is killed (SIGKILL),
// the pipe closes; the shell finishes the one command in flight (as a spawned command would have) and exits at
// the end of its input. It is sent one command at a time, so nothing queued runs after glassbox is gone. It shares
// glassbox's process group like any spawned command (a Ctrl-C on the terminal reaches the command in flight), but
// traps the terminal's signals itself, so it stays to run the undos: a trapped signal is reset to its default in
// the commands it starts.

import { randomBytes } from '../util/crypto.ts';
import { shJoin, shQuote } from '../render/quote.ts';
import { emitCommand, runCommand, startFed, type CommandResult, type Fed } from './spawn.ts';

/** The shell's program (absolute: the run's PATH never chooses it). */
export const STEP_SHELL = '/bin/sh';

/** Runs one command to completion and captures its output; never throws for a non-zero exit. */
export type CommandRunner = (argv: string[], opts?: { stdin?: string }) => Promise<CommandResult>;

// The line the shell is sent for one command: the plan's line, its standard input, then the two markers.
export function stepLine(argv: string[], mark: string, stdin?: string): string {
  const cmd = shJoin(argv);
  const line = stdin === undefined ? `${cmd} </dev/null` : `printf '%s' ${shQuote(stdin)} | ${cmd}`;
  return `${line}\ngb_s=$?; printf '%s\\n' ${mark} >&2; printf '%s %s\\n' ${mark} "$gb_s"\n`;
}

interface Pending {
  argv: string[];
  started: number;
  resolve(r: CommandResult): void;
}

/** One shell, fed one command at a time; started on the first command, again if it ended. */
export class StepShell {
  private fed?: Promise<Fed>;
  private readonly mark = `gb-step-${randomBytes(8).toString('hex')}`;
  private out = '';
  private err = '';
  private pending?: Pending;
  private queue: Promise<unknown> = Promise.resolve();
  /** Commands given and not yet done (the one in flight and those queued behind it). */
  busy = 0;

  // Runs argv in the shell, after the commands sent before it; reports it to the command listeners.
  run: CommandRunner = (argv, opts = {}) => {
    this.busy++;
    const r = this.queue.then(() => this.send(argv, opts.stdin)).finally(() => this.busy--);
    this.queue = r.catch(() => {});
    return r;
  };

  private async send(argv: string[], stdin?: string): Promise<CommandResult> {
    let fed: Fed;
    try {
      fed = await this.start();
    } catch {
      // No shell to start: the command is spawned on its own, as it would be without the step shell.
      this.fed = undefined;
      return runCommand(argv, { stdin });
    }
    const result = new Promise<CommandResult>((resolve) => {
      this.pending = { argv, started: performance.now(), resolve };
    });
    fed.hold(true);
    fed.write(stepLine(argv, this.mark, stdin));
    const r = await result;
    fed.hold(false);
    emitCommand(r);
    return r;
  }

  /** Starts the shell ahead of its first command, so its start overlaps glassbox's own work (the journal). */
  prepare(): void {
    this.start().catch(() => {
      this.fed = undefined;
    });
  }

  // Starts the shell unless it runs: its terminal signals trapped (so it outlives a Ctrl-C to run the undos).
  private start(): Promise<Fed> {
    if (this.fed) return this.fed;
    const fed = startFed([STEP_SHELL], (s) => this.stdout(s), (s) => this.stderr(s)).then((f) => {
      f.hold(false);
      f.write('trap : INT QUIT HUP TERM\n');
      void f.exited.then((e) => {
        // What the shell left behind (a command still holding its pipes) must not keep glassbox waiting.
        f.hold(false);
        if (this.fed === fed) this.ended(e);
      });
      return f;
    });
    this.fed = fed;
    return fed;
  }

  // The markers end their streams (a shell runs one command at a time), so only the tail is looked at: a command
  // with megabytes of output costs no rescans.
  private readonly status = new RegExp(`${this.mark} (\\d+)\\n$`);

  private stdout(s: string): void {
    this.out += s;
    this.check();
  }

  private stderr(s: string): void {
    this.err += s;
    this.check();
  }

  // A command is done once both markers came; what precedes them is its output.
  private check(): void {
    const p = this.pending;
    if (!p) return;
    if (!this.err.endsWith(`${this.mark}\n`)) return;
    const tail = this.out.slice(-(this.mark.length + 16));
    const m = this.status.exec(tail);
    if (!m) return;
    const stdout = this.out.slice(0, this.out.length - m[0].length);
    const stderr = this.err.slice(0, this.err.length - this.mark.length - 1);
    this.out = this.err = '';
    this.pending = undefined;
    p.resolve({ argv: p.argv, exitCode: Number(m[1]), stdout, stderr, durationMs: performance.now() - p.started });
  }

  // The shell ended (killed from outside, or closed): the command in flight fails, the next one starts a new shell.
  private ended(e: { exitCode: number; signal?: string }): void {
    this.fed = undefined;
    const p = this.pending;
    const out = this.out;
    const err = this.err;
    this.out = this.err = '';
    this.pending = undefined;
    p?.resolve({
      argv: p.argv,
      exitCode: 125,
      stdout: out,
      stderr: `${err}glassbox: the step shell ended (${e.signal ?? `exit ${e.exitCode}`}) before this command was done`,
      durationMs: performance.now() - p.started,
    });
  }

  /**
   * Closes the shell's input and resolves once the shell has exited (after the command in flight, if any). Between
   * commands the shell holds no reference on glassbox's event loop.
   */
  close(): Promise<void> {
    const fed = this.fed;
    if (!fed) return Promise.resolve();
    const closed = this.queue.then(async () => {
      if (this.fed !== fed) return;
      this.fed = undefined;
      const f = await fed;
      f.end();
      // The shell exits at once (end of its input); waiting for it means no process of the run outlives glassbox.
      f.hold(true);
      await f.exited;
      f.hold(false);
    });
    this.queue = closed.catch(() => {});
    return this.queue as Promise<void>;
  }
}

/**
 * The executor's shells: up to `most` (setup steps that do not need each other run side by side, as many as the
 * scheduler allows at once), each started when a command finds every shell busy. A command goes to an idle shell.
 */
export class StepShells {
  private readonly shells: StepShell[] = [];
  private readonly most: number;

  constructor(most = 2) {
    this.most = Math.max(1, most);
  }

  /** Starts the first shell ahead of its first command. */
  prepare(): void {
    this.shell().prepare();
  }

  private shell(): StepShell {
    const idle = this.shells.find((s) => s.busy === 0);
    if (idle) return idle;
    if (this.shells.length < this.most) {
      const s = new StepShell();
      this.shells.push(s);
      return s;
    }
    return this.shells.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  run: CommandRunner = (argv, opts) => this.shell().run(argv, opts);

  /** Closes every shell's input (each exits once its command in flight is done). */
  async close(): Promise<void> {
    await Promise.all(this.shells.map((s) => s.close()));
  }
}
