// `glassbox learn` and `glassbox lessons`: commander wiring only. The work lives in lib/learn and is imported when
// one of these commands runs, so the rest of the CLI starts as fast as before.

import { Command, InvalidArgumentError, Option } from 'commander';
import { GlassboxError, GlassboxErrors } from '../errors.ts';
import type { LearnFlags, LearnGlobal, LearnWhat } from '../learn/flags.ts';

export type { LearnFlags, LearnGlobal } from '../learn/flags.ts';

/** Ends the command with an exit code and no message (reportError prints nothing for an empty GlassboxErrors). */
export class ExitCode extends GlassboxErrors {
  override readonly exitCode: number;
  constructor(code: number) {
    super([]);
    this.exitCode = code;
  }
}

const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a step number, 1 or more');
  return n;
};

// What learn steps through: a lesson or recipe, or (--exec) a command for a running container.
function learnWhat(target: string | undefined, command: string[], flags: LearnFlags): LearnWhat {
  if (flags.exec !== undefined) {
    const cmd = target === undefined ? [] : [target, ...command];
    if (!cmd.length) throw new GlassboxError('--exec needs a command to run in the container', { field: '--exec', hint: 'glassbox learn --exec NAME -- COMMAND [ARG...]' });
    return { exec: flags.exec, command: cmd };
  }
  if (target === undefined) throw new GlassboxError('learn needs a lesson or a recipe file', { hint: 'glassbox lessons lists the lessons; glassbox learn 1 starts the first' });
  if (command.length) throw new GlassboxError(`unexpected argument "${command[0]}" after ${target}`, { hint: 'a command goes with --exec NAME: glassbox learn --exec NAME -- COMMAND' });
  return { target };
}

// Adds `learn` and `lessons` to the program.
export function registerLearn(program: Command, global: () => LearnGlobal): void {
  const learn = program
    .command('learn')
    .description('run a lesson or a recipe one plain command at a time, explained (Enter runs, h shows the keys)')
    .argument('[lesson|recipe.yaml]', 'a lesson (its number or name: see glassbox lessons) or a recipe file')
    .argument('[command...]', 'with --exec: the command to run in the container (put -- before it when it has options)')
    .option('--exec <container>', 'step through an exec instead: run COMMAND in this running container, one plain command at a time')
    .addOption(new Option('--lang <lang>', 'language of the explanations (default: from LANG)').choices(['en', 'zh']))
    .option('-y, --yes', 'run every step without asking (for demos and CI)')
    .option('--list', 'list the steps and exit')
    .option('--from <n>', 'ask from step N on; the steps before it run without asking', positive)
    .option('--record <file>', 'write the session as a runnable sh script: each step with its why, skipped steps as comments, cleanup at the end')
    .addOption(new Option('--format <format>', 'text, or json: one JSON object per line on stdout').choices(['text', 'json']).default('text'))
    .option('--xray', 'also show the system calls each command makes (needs strace)')
    .action(async (target: string | undefined, command: string[], flags: LearnFlags) => {
      const { cmdLearn } = await import('./learn.ts');
      const code = await cmdLearn(learnWhat(target, command, flags), flags, global());
      if (code !== 0) throw new ExitCode(code);
    });
  const lessons = program
    .command('lessons')
    .description('list the lessons: the history of containers, one step of it each')
    .addOption(new Option('--format <format>', 'table or json').choices(['table', 'json']).default('table'))
    .action(async (flags: { format: string }) => {
      const { cmdLessons } = await import('./learn.ts');
      await cmdLessons(flags.format, global());
    });
  for (const c of [learn, lessons]) c.helpOption('--help', 'show help').exitOverride();
}
