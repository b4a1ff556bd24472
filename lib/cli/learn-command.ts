// `glassbox learn` and `glassbox lessons`: commander wiring only. The work lives in lib/learn and is imported when
// one of these commands runs, so the rest of the CLI starts as fast as before.

import { Command, InvalidArgumentError, Option } from 'commander';
import type { LearnFlags, LearnGlobal } from '../learn/flags.ts';
import type * as VerbsModule from './verbs.ts';

export type { LearnFlags, LearnGlobal } from '../learn/flags.ts';

const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a step number, 1 or more');
  return n;
};

type Verbs = typeof VerbsModule;

// Adds `learn` and `lessons` to the program; `verbs` loads the code behind them (lib/cli/verbs.ts, then learn.ts).
// Only the ones `want` names are added.
export function registerLearn(program: Command, want: (name: string) => boolean, global: () => LearnGlobal, verbs: () => Promise<Verbs>): void {
  const learn = (want('learn') ? program.command('learn') : undefined)
    ?.description('run a lesson or a recipe one plain command at a time, explained (Enter runs, h shows the keys)')
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
      const { learnOrExit } = await (await verbs()).learn();
      await learnOrExit(target, command, flags, global());
    });
  const lessons = (want('lessons') ? program.command('lessons') : undefined)
    ?.description('list the lessons: the history of containers, one step of it each')
    .addOption(new Option('--format <format>', 'table or json').choices(['table', 'json']).default('table'))
    .option('--timeline', 'the history from chroot (1979) to Kubernetes, with the lesson that shows each step')
    .action(async (flags: { format: string; timeline?: boolean }) => {
      const { cmdLessons, cmdTimeline } = await (await verbs()).learn();
      await (flags.timeline ? cmdTimeline(flags.format, global()) : cmdLessons(flags.format, global()));
    });
  for (const c of [learn, lessons]) c?.helpOption('--help', 'show help').exitOverride();
}
