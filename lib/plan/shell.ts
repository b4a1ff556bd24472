// Where learn mode's `s` key opens a shell, as a step of the learn-shell block: in the running container (nsenter
// --target PID 1 --all), in the namespace files the steps have bound so far (nsenter --KIND=FILE …), or, with
// nothing to enter yet, in the directory where the steps put their files. Learn mode decides which place it is
// (it watches the kernel); the block says the command; the executor's openShell (lib/exec/shell.ts) runs it.

import { expandBlock } from '../blocks/expand.ts';
import type { Catalog } from '../blocks/schema.ts';
import type { Step } from './types.ts';

/** The place for the shell, as learn mode found it. */
export type ShellWhere =
  | { container: { pid1: number; /** The container's read-only mount of the host's nsenter, when it has one. */ nsenter?: string } }
  | { namespaces: Array<{ kind: string; file: string }> }
  | { dir: string };

/** The shell's step, and the directory it starts in (the dir place). */
export interface PlannedShell {
  step: Step;
  cwd?: string;
}

// Plans the shell for one place: a single step whose argv is the command to open on the terminal.
export function planShell(catalog: Catalog, where: ShellWhere): PlannedShell {
  const params =
    'container' in where ? { ...(where.container.nsenter ? { nsenter: where.container.nsenter } : {}), target: String(where.container.pid1) }
    : 'namespaces' in where ? { ns_files: where.namespaces }
    : { dir: where.dir };
  const [step] = expandBlock(catalog, { block: 'learn-shell', as: 'shell', params });
  return { step: step!, cwd: 'dir' in where ? where.dir : undefined };
}
