// `glassbox plan --brief`: the plan in about a screen. One line per step — its number, its title and its command
// with long values named (names.ts) — under a heading per section, after the lines that define the names. The
// full annotated plan (script.ts) stays the default; this is the table of contents.

import { sectionRuns, SECTION_TITLES } from '../plan/sections.ts';
import type { Lang, Plan } from '../plan/types.ts';
import { planNames } from './names.ts';
import { nameDefinitions, shJoin } from './quote.ts';
import { renderStepCommand } from './script.ts';

const HEAD = {
  en: (name: string, image: string, n: number) => `# ${name} · ${image} · ${n} steps (glassbox plan without --brief explains each)`,
  zh: (name: string, image: string, n: number) => `# ${name} · ${image} · 共 ${n} 步（去掉 --brief 的 glassbox plan 会逐步解释）`,
};

// The brief text: names, then each section's steps, one line each (a multi-line command shows its first line).
export function renderBrief(plan: Plan, lang: Lang): string {
  const names = planNames(plan);
  const total = plan.steps.length;
  const width = String(total).length;
  const out = [HEAD[lang](plan.info.name, plan.info.image, total), `# ${shJoin(plan.info.command).split('\n')[0]}${plan.info.command.join(' ').includes('\n') ? ' …' : ''}`];
  out.push(...nameDefinitions(names));
  for (const run of sectionRuns(plan.steps)) {
    out.push(`# ── ${(SECTION_TITLES[run.id] ?? SECTION_TITLES.other!)[lang]} ──`);
    for (let i = run.from; i < run.to; i++) {
      const s = plan.steps[i]!;
      const cmd = renderStepCommand(s, names).split('\n');
      out.push(`${String(i + 1).padStart(width)}  ${s.title[lang]}  $ ${cmd[0]}${cmd.length > 1 ? ' …' : ''}`);
    }
  }
  return out.join('\n') + '\n';
}
