// Signals: the one table of their names and numbers, and the set glassbox passes on. A signal is a number the
// kernel delivers to a process (15 is SIGTERM on Linux x86 and arm); a process that dies of signal N exits, as a
// shell and docker report it, with 128+N (137 for SIGKILL, 143 for SIGTERM). People name signals three ways, and
// `docker kill -s` accepts all three: KILL, SIGKILL and 9. glassbox reads them here, reports exit codes from the
// same table, and listens for the same six signals wherever it passes a signal on to a process it started
// (the container's PID 1, an exec'd command, the glassbox inside a user namespace).

import { GlassboxError } from '../errors.ts';

/** Linux's signal numbers (x86 and arm), the ones a container's process may be sent or die of. */
const SIGNALS: Readonly<Partial<Record<NodeJS.Signals, number>>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGCHLD: 17, SIGCONT: 18,
  SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGXCPU: 24, SIGXFSZ: 25, SIGSYS: 31,
};
const NAMES = Object.keys(SIGNALS) as NodeJS.Signals[];

/**
 * The signals a terminal or a supervisor sends to ask a program to stop or to act (Ctrl-C, kill, a closed
 * terminal, the two user signals): glassbox catches these to pass them on to the process it runs, or (before the
 * container runs) to stop and undo. SIGKILL and SIGSTOP cannot be caught; the others are errors of a process itself.
 */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

// A signal's number, for the 128+N exit code of a process it killed; 0 for a name the table does not know.
export function signalNumber(name: string): number {
  return SIGNALS[name as NodeJS.Signals] ?? 0;
}

// glassbox stopped (and undid what it made) because a signal asked it to before the container ran: the error
// exits with 128+N, as if the signal had ended glassbox (130 for Ctrl-C, 143 for SIGTERM); `quit` is learn mode's q.
export function interruptedBy(sig: string): GlassboxError {
  return new GlassboxError(`interrupted by ${sig}`, { exitCode: 128 + (signalNumber(sig) || signalNumber('SIGINT')) });
}

// Reads a signal as docker does (`KILL`, `SIGKILL`, `kill`, `9`) into its name; anything else is the user's error (125).
export function parseSignal(s: string): NodeJS.Signals {
  const up = s.toUpperCase();
  if (/^\d+$/.test(up)) {
    const n = Number(up);
    for (const name of NAMES) if (SIGNALS[name] === n) return name;
  } else {
    const name = (up.startsWith('SIG') ? up : `SIG${up}`) as NodeJS.Signals;
    if (NAMES.includes(name)) return name;
  }
  throw new GlassboxError(`invalid signal: ${s}`, { hint: 'a name like TERM, SIGKILL, HUP, or a number' });
}

// Calls `handler` for each forwarded signal glassbox receives, instead of dying of it; returns the way to stop.
export function catchSignals(handler: (sig: NodeJS.Signals) => void): () => void {
  const listeners = FORWARDED_SIGNALS.map((sig) => [sig, () => handler(sig)] as const);
  for (const [sig, fn] of listeners) process.on(sig, fn);
  return () => {
    for (const [sig, fn] of listeners) process.off(sig, fn);
  };
}
