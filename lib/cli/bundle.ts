// glassbox bundle: the command-line side of lib/container/bundle.ts. Flags in (run's own), the bundle's directory
// and the commands that run it out.

import { requireRoot } from '../host/privilege.ts';
import { writeBundle } from '../container/bundle.ts';
import type { RunFlags } from '../recipe/flags.ts';
import type { Global } from './global.ts';
import { pullForRun } from './container.ts';
import { enableTrace, withSpinner } from './output.ts';

// `-o DIR` may also be the last two words (glassbox bundle IMAGE CMD… -o DIR): run's flags end at the image, so
// commander hands them over as part of the command. Taken only when -o was not given before the image.
export function trailingOutput(command: string[], output: string | undefined): { command: string[]; output?: string } {
  if (output !== undefined) return { command, output };
  const n = command.length;
  if (n >= 2 && (command[n - 2] === '-o' || command[n - 2] === '--output')) return { command: command.slice(0, -2), output: command[n - 1]! };
  const last = command[n - 1];
  if (last?.startsWith('--output=')) return { command: command.slice(0, -1), output: last.slice('--output='.length) };
  return { command };
}

// glassbox bundle IMAGE|RECIPE [COMMAND…] -o DIR: prints the directory and how to run it.
export async function cmdBundle(target: string, words: string[], flags: RunFlags & { output?: string }, g: Global): Promise<number> {
  requireRoot('glassbox bundle');
  enableTrace(g.verbose);
  const { command, output } = trailingOutput(words, flags.output);
  const b = await writeBundle(target, command, flags, output, { progress: withSpinner, pull: pullForRun });
  const how = b.config.process.terminal ? ' (the config asks for a terminal: run it from one, or with --console-socket)' : '';
  process.stdout.write(`${b.dir}\n`);
  process.stderr.write(`glassbox: run it with: runc run --bundle ${b.dir} ${b.name}${how}\n`);
  return 0;
}
