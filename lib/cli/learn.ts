// The two commands behind lib/cli/learn-command.ts, loaded only when one of them runs: they check the terminal
// and root, turn on the --verbose trace, and hand the lesson or recipe to learn mode (lib/learn/), which steps
// through its plan.

import { GlassboxError, GlassboxErrors } from '../errors.ts';
import { readHostFacts } from '../host/facts.ts';
import { preloadSpawner } from '../exec/spawn.ts';
import { requireRoot } from '../host/privilege.ts';
import type { LearnFlags, LearnGlobal, LearnWhat } from '../learn/flags.ts';
import { listLessons } from '../learn/lesson.ts';
import { formatTimeline, loadTimeline } from '../learn/timeline.ts';
import { listSteps, runLearn } from '../learn/session.ts';
import { execTarget, resolveTarget, type TargetOptions } from '../learn/target.ts';
import { T } from '../learn/text.ts';
import { planNames } from '../render/names.ts';
import { roots } from '../state/paths.ts';
import { enableTrace, setTraceNames, useColour, withSpinner } from './output.ts';

/** Ends the command with an exit code and no message (reportError prints nothing for an empty GlassboxErrors). */
export class ExitCode extends GlassboxErrors {
  override readonly exitCode: number;
  constructor(code: number) {
    super([]);
    this.exitCode = code;
  }
}

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

// glassbox learn as the command line gives it (lib/cli/learn-command.ts): a non-zero exit code ends the program
// with that code.
export async function learnOrExit(target: string | undefined, command: string[], flags: LearnFlags, g: LearnGlobal): Promise<void> {
  const code = await cmdLearn(learnWhat(target, command, flags), flags, g);
  if (code !== 0) throw new ExitCode(code);
}

// glassbox learn TARGET, or learn --exec NAME COMMAND
export async function cmdLearn(what: LearnWhat, flags: LearnFlags, g: LearnGlobal): Promise<number> {
  const lang = flags.lang ?? g.lang;
  const json = flags.format === 'json';
  const r = roots();
  // An exec is planned against the running container (its recorded plan, its PID 1), without building anything.
  const resolve = async (opts: TargetOptions) => ('exec' in what ? execTarget(what.exec, what.command, r, (await readHostFacts()).bootId) : resolveTarget(what.target, r, opts));
  if (flags.list) {
    const target = await resolve({ buildBase: false });
    listSteps(target, { lang, json, colour: useColour() && process.stdout.isTTY === true });
    return 0;
  }
  const ui = json ? process.stderr : process.stdout;
  if (!flags.yes && !(process.stdin.isTTY && ui.isTTY)) {
    throw new GlassboxError(T.needTerminal[lang], { hint: T.needTerminalHint[lang] });
  }
  requireRoot('glassbox learn');
  preloadSpawner();
  enableTrace(g.verbose);
  const target = await resolve({ buildBase: true, progress: withSpinner });
  setTraceNames(planNames(target.plan));
  const total = target.plan.steps.length;
  if (flags.from !== undefined && flags.from > total) {
    throw new GlassboxError(`--from ${flags.from}: there are only ${total} steps`, { hint: 'glassbox learn --list shows them' });
  }
  const facts = await readHostFacts();
  return runLearn(target, r, {
    lang,
    yes: !!flags.yes,
    from: flags.from ?? 1,
    record: flags.record,
    json,
    xray: !!flags.xray,
    colour: useColour(),
    bootId: facts.bootId,
  });
}

// glassbox lessons --timeline
export async function cmdTimeline(format: string, g: LearnGlobal): Promise<number> {
  const entries = loadTimeline();
  const lessons = listLessons();
  if (format === 'json') {
    const names = new Map(lessons.map((l) => [l.lesson, l.name]));
    for (const e of entries) process.stdout.write(JSON.stringify({ year: e.year, what: e.what, lesson: e.lesson, name: names.get(e.lesson) }) + '\n');
    return 0;
  }
  const hint = g.lang === 'zh' ? '每一步都可以亲手做一遍：glassbox learn N' : 'Do any step yourself: glassbox learn N';
  process.stdout.write(formatTimeline(entries, lessons, g.lang).join('\n') + `\n\n${hint}\n`);
  return 0;
}

// glassbox lessons
export async function cmdLessons(format: string, g: LearnGlobal): Promise<number> {
  const list = listLessons();
  if (format === 'json') {
    for (const l of list) process.stdout.write(JSON.stringify({ lesson: l.lesson, name: l.name, year: l.year, title: l.title, coming: l.coming }) + '\n');
    return 0;
  }
  const other = g.lang === 'zh' ? 'en' : 'zh';
  const yearWidth = Math.max(...list.map((l) => l.year.length));
  const lines: string[] = [];
  for (const l of list) {
    const left = `${String(l.lesson).padStart(2)}  ${l.year.padEnd(yearWidth)}  `;
    const coming = l.coming ? `  (${l.coming[g.lang]})` : '';
    lines.push(`${left}${l.name.padEnd(11)} ${l.title[g.lang]}${coming}`);
    lines.push(`${' '.repeat(left.length)}${' '.repeat(12)}${l.title[other]}`);
  }
  const hint = g.lang === 'zh' ? '开始学习：glassbox learn 1（加 --lang en 看英文）' : 'Start with: glassbox learn 1   (add --lang zh for Chinese)';
  process.stdout.write(lines.join('\n') + `\n\n${hint}\n`);
  return 0;
}
