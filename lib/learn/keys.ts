// Single keypresses from the terminal. The terminal is put in raw mode only while a key is awaited, and given back
// in its normal mode in between: then Ctrl-C during a step is a real SIGINT, a shell opened with `s` gets a normal
// terminal, and the container's own output is not mangled.

export type Action = 'run' | 'skip' | 'explain' | 'diff' | 'shell' | 'continue' | 'quit' | 'help';

// Maps a key to what it asks for (undefined: not a key learn mode knows).
export function actionOf(key: string): Action | undefined {
  if (key.startsWith('\x1b')) return undefined; // arrows and other escape sequences
  const k = key[0];
  switch (k) {
    case '\r':
    case '\n':
    case 'y':
    case 'Y':
      return 'run';
    case 'n':
    case 'N':
      return 'skip';
    case 'e':
    case 'E':
      return 'explain';
    case 'd':
    case 'D':
      return 'diff';
    case 's':
    case 'S':
      return 'shell';
    case 'c':
    case 'C':
      return 'continue';
    case 'q':
    case 'Q':
    case '\x03': // Ctrl-C arrives as a byte in raw mode
    case '\x04': // Ctrl-D
      return 'quit';
    case 'h':
    case 'H':
    case '?':
      return 'help';
    default:
      return undefined;
  }
}

/** Reads keys from a terminal's input stream. */
export class KeyReader {
  private readonly input: NodeJS.ReadStream;
  private ended = false;
  private cancelPending?: () => void;

  constructor(input: NodeJS.ReadStream = process.stdin) {
    this.input = input;
    input.once('end', () => (this.ended = true));
  }

  // Waits for one keypress; the end of input reads as Ctrl-D (quit).
  read(): Promise<string> {
    const input = this.input;
    if (this.ended) return Promise.resolve('\x04');
    return new Promise((resolve) => {
      const done = (key: string) => {
        this.cancelPending = undefined;
        input.off('data', onData);
        input.off('end', onEnd);
        try {
          if (input.isTTY) input.setRawMode(false);
        } catch {}
        input.pause();
        resolve(key);
      };
      this.cancelPending = () => done('\x04');
      const onData = (d: Buffer | string) => done(typeof d === 'string' ? d : d.toString('utf8'));
      const onEnd = () => {
        this.ended = true;
        done('\x04');
      };
      input.on('data', onData);
      input.once('end', onEnd);
      try {
        if (input.isTTY) input.setRawMode(true);
      } catch {
        // The terminal is gone, or no longer ours (EIO): there is no one left to ask.
        this.ended = true;
        return done('\x04');
      }
      input.resume();
    });
  }

  // Ends a pending read as if the input had ended (a signal arrived while learn mode waited for a key).
  cancel(): void {
    this.cancelPending?.();
  }
}
