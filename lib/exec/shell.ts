// An interactive shell on this terminal (learn mode's `s` key). The shell gets a pseudo-terminal of its own
// through script(1): its job control (and Ctrl-C) then stays inside, and this terminal comes back as it was. A
// job-control shell in another PID namespace cannot hand the terminal back by itself: the process group it would
// give it to has no number in its namespace. Without script(1), the shell runs with job control off (+m).

import { findOnPathSync } from '../host/programs.ts';
import { shJoin } from '../render/quote.ts';
import { startCommand } from './spawn.ts';

export interface ShellOptions {
  /** The directory the shell starts in. */
  cwd?: string;
  /** Added to glassbox's environment (a prompt, SHELL). */
  env?: Record<string, string>;
}

// Opens argv (a command that ends in a shell) on this terminal and waits until the learner leaves it.
export async function openShell(argv: string[], opts: ShellOptions = {}): Promise<number> {
  const script = findOnPathSync('script');
  const run = script ? [script, '-q', '-e', '-c', shJoin(argv), '/dev/null'] : [...argv, '+m'];
  const s = await startCommand(run, { stdio: 'inherit', cwd: opts.cwd, env: opts.env });
  return (await s.done).exitCode;
}
