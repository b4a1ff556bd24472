// Answers typed at learn mode's prompt, one line each. The terminal stays in its normal (cooked) mode: a letter
// does nothing until Enter, so a word typed at the prompt cannot fire d, e, c… one letter at a time, and Enter
// alone runs the step. Lines typed while no prompt waits (during a step) are dropped, not kept for the next
// prompt: a stray Enter then never runs a step nobody saw. Ctrl-C is a real SIGINT (learn mode quits and undoes);
// Ctrl-D, the end of input, also quits. While a shell opened with `s` runs, nothing is read here.

export type Action = 'run' | 'skip' | 'explain' | 'diff' | 'shell' | 'continue' | 'next' | 'values' | 'one' | 'quit' | 'help';

const WORDS: Record<string, Action> = {
  '': 'run', y: 'run', yes: 'run', run: 'run',
  n: 'skip', no: 'skip', skip: 'skip',
  e: 'explain', explain: 'explain',
  d: 'diff', diff: 'diff',
  s: 'shell', shell: 'shell',
  c: 'continue', continue: 'continue',
  j: 'next', next: 'next', jump: 'next',
  v: 'values', values: 'values',
  o: 'one', one: 'one',
  q: 'quit', quit: 'quit', exit: 'quit',
  h: 'help', help: 'help', '?': 'help',
};

/** What the end of input (Ctrl-D) reads as. */
export const END = '\x04';

// Maps one typed line to what it asks for (undefined: not an answer learn mode knows).
export function actionOf(line: string): Action | undefined {
  if (line === END) return 'quit';
  if (line.includes('\x1b')) return undefined; // arrows and other escape sequences
  return WORDS[line.trim().toLowerCase()];
}

/** Reads answers, a line at a time, from a terminal's input stream. */
export class KeyReader {
  private readonly input: NodeJS.ReadStream;
  private ended = false;
  private partial = '';
  private waiting?: (line: string) => void;
  private suspended = false;
  /** Lines typed while no prompt waited, dropped since the last read. */
  dropped = 0;

  constructor(input: NodeJS.ReadStream = process.stdin) {
    this.input = input;
    try {
      if (input.isTTY) input.setRawMode(false);
    } catch {}
    input.setEncoding('utf8');
    input.on('data', (d: string) => this.onData(d));
    input.once('end', () => {
      this.ended = true;
      this.deliver(END);
    });
    input.resume();
  }

  private onData(d: string): void {
    const lines = (this.partial + d).split('\n');
    this.partial = lines.pop()!;
    for (const l of lines) {
      if (this.waiting) this.deliver(l.replace(/\r$/, ''));
      else this.dropped++;
    }
  }

  private deliver(line: string): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.(line);
  }

  // Waits for the next line typed (without its newline); the end of input reads as END.
  read(): Promise<string> {
    if (this.ended) return Promise.resolve(END);
    this.dropped = 0;
    this.partial = '';
    return new Promise((resolve) => (this.waiting = resolve));
  }

  // Stops reading while another program owns the terminal (the shell of `s`); resume() reads again.
  suspend(): void {
    this.suspended = true;
    this.input.pause();
  }

  resume(): void {
    if (!this.suspended) return;
    this.suspended = false;
    this.input.resume();
  }

  // Ends a pending read as if the input had ended (a signal arrived while learn mode waited).
  cancel(): void {
    this.deliver(END);
  }

  // Lets the process exit: no more reading.
  close(): void {
    this.input.pause();
    this.input.removeAllListeners('data');
  }
}
