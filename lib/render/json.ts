// Plan → JSON, for `--json` output and for tools that want the plan as data. Runtime references are stored as
// RT_OPEN + name + RT_CLOSE (NUL-delimited, see lib/plan/types.ts); JSON would show those NULs as \u0000, so they
// are written as ${name} instead, the way a person would write a variable. The result is display text: it is
// valid JSON, but a literal "${pid1}" in a user's value would read back the same as a reference.

import { RT_CLOSE, RT_OPEN, type Lang, type Plan } from '../plan/types.ts';
import { planNames } from './names.ts';
import { renderStepCommand } from './script.ts';

const REF = new RegExp(`${escape(RT_OPEN)}([A-Za-z_][A-Za-z0-9_]*)${escape(RT_CLOSE)}`, 'g');

// Pretty-prints the plan (two-space indent, trailing newline) with runtime references as ${name}.
export function renderPlanJson(plan: Plan): string {
  const json = JSON.stringify(plan, (_key, value: unknown) =>
    typeof value === 'string' ? value.replace(REF, (_m, name: string) => `\${${name}}`) : value,
  2);
  return json + '\n';
}

// The compact form (plan --brief --format json): the names, and per step only its number, id, section, title, the
// short command and the exact argv; one step per line.
export function renderPlanJsonBrief(plan: Plan, lang: Lang): string {
  const names = planNames(plan);
  const plain = (v: unknown) => JSON.stringify(v, (_key, value: unknown) => (typeof value === 'string' ? value.replace(REF, (_m, name: string) => `\${${name}}`) : value));
  const { id, name, image, command } = plan.info;
  const steps = plan.steps.map((s, i) =>
    plain({ n: i + 1, id: s.id, section: s.section, title: s.title[lang], command: renderStepCommand(s, names), argv: s.argv, undo: s.undo }),
  );
  const head = plain({ version: plan.version, brief: true, info: { id, name, image, command }, names: Object.fromEntries(names.map((n) => [n.name, n.value])) });
  return `${head.slice(0, -1)},"steps":[\n${steps.join(',\n')}\n]}\n`;
}

// Makes a literal string usable inside a RegExp.
function escape(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}
