// The history the lessons tell, as one list: `glassbox lessons --timeline`. Containers were not invented at once:
// chroot (1979) hid files, jails and zones partitioned a kernel, namespaces and cgroups (2002–2013) gave Linux the
// pieces, LXC and Docker put them together, the OCI (2015) wrote the runtime and the image down as specifications,
// and orchestrators run them across machines. Each step names the lesson that does it with plain commands. The
// entries are data (recipes/lessons/timeline.yaml, next to the lessons), checked here with file:line:col errors.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { unfoldCjk } from '../blocks/load.ts';
import { TextSchema } from '../blocks/schema.ts';
import { GlassboxError } from '../errors.ts';
import type { Lang } from '../plan/types.ts';
import { parseYaml } from '../recipe/yamlpos.ts';
import { zodToErrors } from '../recipe/zoderrors.ts';
import { displayWidth } from './text.ts';
import { lessonsDir, type LessonEntry } from './lesson.ts';

const EntrySchema = z.strictObject({
  year: z.string().regex(/^\d{4}(–\d{4})?$/, 'a year, or a span like 2002–2013'),
  lesson: z.number().int().min(1).max(99),
  what: TextSchema,
});
export const TimelineSchema = z.array(EntrySchema).min(1);
export type TimelineEntry = z.output<typeof EntrySchema>;

// recipes/lessons/timeline.yaml.
export function timelineFile(dir = lessonsDir()): string {
  return join(dir, 'timeline.yaml');
}

// Reads and checks the timeline: schema errors carry file:line:col, like lessons.
export function loadTimeline(file = timelineFile()): TimelineEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new GlassboxError(`cannot read the timeline ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  const y = parseYaml(text, file);
  const parsed = TimelineSchema.safeParse(y.value, { reportInput: true });
  if (!parsed.success) throw zodToErrors(y, TimelineSchema, parsed.error, 'timeline');
  for (const e of parsed.data) e.what.zh = unfoldCjk(e.what.zh);
  return parsed.data;
}

// The timeline as lines: year, the step of history, and the lesson that shows it (its name, or "coming" when the
// lesson file is not there yet), in the file's order: the order of the story.
export function formatTimeline(entries: TimelineEntry[], lessons: LessonEntry[], lang: Lang): string[] {
  const byNumber = new Map(lessons.map((l) => [l.lesson, l]));
  const sorted = entries;
  const yearWidth = Math.max(...sorted.map((e) => displayWidth(e.year)));
  const label = (n: number): string => {
    const l = byNumber.get(n);
    if (!l) return lang === 'zh' ? `→ 第 ${n} 课（尚未写好）` : `→ lesson ${n} (not written yet)`;
    return lang === 'zh' ? `→ 第 ${n} 课 ${l.name}` : `→ lesson ${n} ${l.name}`;
  };
  return sorted.map((e) => `${e.year}${' '.repeat(yearWidth - displayWidth(e.year))}  ${e.what[lang]}  ${label(e.lesson)}`);
}
