// --record FILE: the session as a runnable POSIX sh script. It is `glassbox script`'s up.sh of the same plan
// (renderScript: the same quoting, the same PID 1 loop, the same cleanup function and traps), with a header that
// says where it came from, and every step the session skipped or never reached turned into comments — its command,
// its step counter and its line in the cleanup — so running it does what the session did, then undoes it.
//
// The steps are found in the rendered text by the exact strings renderScript produced for them (renderStepCommand,
// renderUndo, shJoin), never by parsing shell.

import type { Lang, Plan, Step } from '../plan/types.ts';
import { renderScript, renderStepCommand, renderUndo } from '../render/script.ts';
import { planNames, type ShortNames } from '../render/names.ts';
import { VERSION } from '../version.ts';
import { T } from './text.ts';

export type StepStatus = 'ran' | 'failed' | 'skipped' | 'not-reached';

export interface TranscriptInput {
  plan: Plan;
  lang: Lang;
  /** What was asked of `glassbox learn` (a lesson number, a recipe path). */
  what: string;
  /** When it was recorded (ISO time). */
  when: string;
  /** Extra comment lines for the header (the lesson's title…). */
  about?: string[];
  status: (step: Step) => StepStatus;
}

const commented = (text: string, label: string) => [`# ${label}`, ...text.split('\n').map((l) => `# ${l}`)].join('\n');

// Renders the transcript.
export function renderTranscript(input: TranscriptInput): string {
  const { plan, lang } = input;
  let text = renderScript(plan, { lang, mode: 'up', glassboxVersion: VERSION });
  const total = plan.steps.length;
  const names = planNames(plan);
  plan.steps.forEach((step, i) => {
    const status = input.status(step);
    if (status === 'ran' || status === 'failed') return;
    const label = status === 'skipped' ? T.transcript.skipped[lang] : T.transcript.notReached[lang];
    text = commentOutStep(text, step, i + 1, total, label, names);
  });
  const start = plan.steps.find((s) => s.kind === 'start');
  if (start && input.status(start) === 'not-reached') {
    text = replaceOnce(text, '\nwait "$gb_pid" || gb_status=$?\n', `\n# wait "$gb_pid" || gb_status=$?\n`);
  }
  const head = [
    ...(input.about ?? []).map((l) => `# ${l}`),
    `# ${T.transcript.head(input.what, input.when)[lang]}`,
    `# ${T.transcript.skippedNote[lang]}`,
    '#',
  ];
  return text.replace(/^#!\/bin\/sh\n/, `#!/bin/sh\n${head.join('\n')}\n`);
}

// Turns one step's command (and its step counter and cleanup line) into comments.
function commentOutStep(text: string, step: Step, n: number, total: number, label: string, names: ShortNames): string {
  const at = text.indexOf(`\n# [${n}/${total}] `);
  if (at < 0) throw new Error(`transcript: step ${n} not found in the rendered script`);
  const next = text.indexOf(`\n# [${n + 1}/${total}] `, at + 1);
  const end = next < 0 ? text.length : next;
  let section = text.slice(at, end);
  if (step.kind === 'start') {
    // The start block runs from `exec 3<&0` to the `done` that closes its PID 1 loop.
    const from = section.indexOf('\nexec 3<&0\n');
    const to = section.indexOf('\ndone\n', from);
    if (from < 0 || to < 0) throw new Error('transcript: the start block was not found');
    section = section.slice(0, from + 1) + commented(section.slice(from + 1, to + 5), label) + section.slice(to + 5);
  } else {
    section = replaceOnce(section, `\ngb_step=${n}\n`, `\n# gb_step=${n}\n`, true);
    const cmd = renderStepCommand(step, names);
    section = replaceOnce(section, `\n${cmd}\n`, `\n${commented(cmd, label)}\n`);
  }
  text = text.slice(0, at) + section + text.slice(end);
  const undo = renderUndo(step, names);
  if (undo !== undefined) {
    const line = `  [ "$gb_step" -lt ${n} ] || ${step.undoRetry === 'while-busy' ? 'gb_retry_busy ' : ''}${undo}${step.undoMayFail ? ' || true' : ''}`;
    text = replaceOnce(text, `\n${line}\n`, `\n${line.split('\n').map((l) => `  # ${l.trimStart()}`).join('\n')}\n`, true);
  }
  return text;
}

// Replaces the first occurrence; a missing one is a bug in the transcript, unless it is optional.
function replaceOnce(text: string, find: string, by: string, optional = false): string {
  const i = text.indexOf(find);
  if (i < 0) {
    if (optional) return text;
    throw new Error(`transcript: expected text not found: ${JSON.stringify(find.slice(0, 80))}`);
  }
  return text.slice(0, i) + by + text.slice(i + find.length);
}

