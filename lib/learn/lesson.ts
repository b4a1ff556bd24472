// Lessons: recipes/lessons/NN-name.yaml. A lesson is a story (from the seeds), an ordered list of parts — building
// blocks with parameters, and at most one container — and a closing "try it yourself". Parts before the container
// run as setup steps; parts after it run while the container lives (its PID 1 is known as {{pid1}}). Parts marked
// `check: true` are the lesson's "how to check your work"; everything the lesson makes is undone at the end.
//
// Lesson parameters may use these variables:
//   {{dir}}        the lesson's own directory (the state directory of its run: removed at the end)
//   {{id}} {{name}} {{run_root}}
//   {{pid1}}       the container's PID 1 (a runtime value, known once it started)
//   {{rootfs}} {{ns_dir}} {{run_dir}}   the container's paths (lessons with a container)
//   {{cgroup.CONTROLLER}}              the container's group in that controller's tree ({{cgroup.memory}},
//                                      {{cgroup.pids}}, {{cgroup.cpu}} …; v2: the one group), for parts after the
//                                      container, when the host has cgroups
//   {{programs}} {{libraries}}          the host programs listed in host_programs, and what ldd says they need
//   {{programs.NAME}}                   one program's path on this host
//   {{busybox}}    a static busybox (lessons that need one fail with a hint when the host has none)
//   {{net.bridge}} {{net.host_if}} {{net.subnet}} {{net.gateway}} {{net.gateway_cidr}} {{net.ip}} {{net.address}}
//   {{net.mac}} {{net.host_port}} {{net.dnat_chain}} {{net.nat_chain}} {{net.tag}}
//                  lesson 6's own network: a subnet no host route overlaps, a free host port (lib/learn/bridge.ts)
//   {{registry.port}} {{registry.host}}   a loopback port nobody listens on, for the lesson's own registry
//   {{glassbox}}   this program's launcher, for the steps that show the same work done by glassbox itself
//                  (lib/learn/registry.ts)
//   {{image.lowerdir}} {{image.ref}}   glassbox/base's layer directories (top first, ':'-joined for an overlay's
//                                      lowerdir) and its reference: lesson 10's OCI bundle rootfs
//   {{lesson_dir}} the lesson file's directory (files that come with a lesson: lesson 11's compose file)

import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { defaultBlocksDir } from '../blocks/catalog.ts';
import { unfoldCjk } from '../blocks/load.ts';
import { TextSchema } from '../blocks/schema.ts';
import { GlassboxError, GlassboxErrors } from '../errors.ts';
import type { Text } from '../plan/types.ts';
import { NAMESPACES } from '../recipe/model.ts';
import { parseYaml, positionOf } from '../recipe/yamlpos.ts';
import { zodToErrors } from '../recipe/zoderrors.ts';
import { T } from './text.ts';

const ParamValue = z.union([z.string(), z.boolean(), z.number(), z.array(z.string())]);

/**
 * Where `s` opens a shell from this part on (until the container runs): a command (lesson variables allowed), a
 * note that says what the learner finds there, and commands run first whose output shows it (what the place
 * still sees of the host).
 */
const ShellPlace = z.strictObject({
  argv: z.array(z.string()).min(1),
  note: TextSchema,
  show: z.array(z.array(z.string()).min(1)).default([]),
});

const BlockPart = z.strictObject({
  block: z.string().min(1),
  as: z.string().regex(/^[a-z0-9][a-z0-9-]*$/).optional(),
  params: z.record(z.string(), ParamValue).default({}),
  check: z.boolean().optional(),
  required: z.boolean().optional(),
  shell: ShellPlace.optional(),
});

const InlineContainer = z.strictObject({
  rootdir: z.string().min(1),
  root: z.enum(['pivot_root', 'chroot']).default('pivot_root'),
  rootfs: z.enum(['overlay', 'bind']).default('bind'),
  hostname: z.string().optional(),
  namespaces: z.array(z.enum(NAMESPACES)).default(['mount', 'uts', 'ipc', 'pid', 'net']),
  command: z.array(z.string()).min(1),
});

const RecipeContainer = z.strictObject({
  recipe: z.string().min(1),
  command: z.array(z.string()).min(1).optional(),
});

// `fold: true`: the container's steps that are not what the lesson teaches (every section but start) are folded
// into sections that run on one key.
const ContainerPart = z.strictObject({ container: z.union([RecipeContainer, InlineContainer]), fold: z.boolean().optional() });

export const LessonSchema = z.strictObject({
  lesson: z.number().int().min(1).max(99),
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  year: z.string().min(1),
  title: TextSchema,
  story: TextSchema,
  closing: TextSchema,
  host_programs: z.array(z.string().regex(/^[a-z0-9_.+-]+$/)).optional(),
  /** The lesson's commands use the image glassbox/base (glassbox build FROM it, glassbox save of it): made when missing. */
  base_image: z.boolean().optional(),
  parts: z.array(z.union([BlockPart, ContainerPart])).min(1),
});

export type LessonDef = z.output<typeof LessonSchema> & { file: string };
export type BlockPartDef = z.output<typeof BlockPart>;
export type InlineContainerDef = z.output<typeof InlineContainer>;
export type RecipeContainerDef = z.output<typeof RecipeContainer>;
export type ShellPlaceDef = z.output<typeof ShellPlace>;

/** One line of `glassbox lessons`. */
export interface LessonEntry {
  lesson: number;
  name: string;
  year: string;
  title: Text;
  /** The lesson file; undefined for lessons still to come. */
  file?: string;
  coming?: Text;
}

// Lessons that belong to later issues, listed so the numbering of the story reads right (none today: every lesson
// of the story is written).
const COMING: LessonEntry[] = [];

// recipes/lessons, found next to the blocks (or GLASSBOX_LESSONS).
export function lessonsDir(): string {
  return process.env.GLASSBOX_LESSONS || join(dirname(defaultBlocksDir()), 'lessons');
}

const LESSON_FILE = /^(\d+)-[a-z0-9-]+\.yaml$/;

// The lesson files, by number.
export function lessonFiles(dir = lessonsDir()): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((f) => LESSON_FILE.test(f) && !f.endsWith('.recipe.yaml'))
    .sort((a, b) => Number(LESSON_FILE.exec(a)![1]) - Number(LESSON_FILE.exec(b)![1]))
    .map((f) => join(dir, f));
}

// Reads and checks one lesson file: schema errors carry file:line:col, like recipes.
export function loadLesson(file: string): LessonDef {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new GlassboxError(`cannot read lesson ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  const y = parseYaml(text, file);
  const parsed = LessonSchema.safeParse(y.value, { reportInput: true });
  if (!parsed.success) throw zodToErrors(y, LessonSchema, parsed.error, 'lesson');
  const lesson = parsed.data;
  const errors: GlassboxError[] = [];
  const containers = lesson.parts.filter((p) => 'container' in p);
  if (containers.length > 1) errors.push(new GlassboxError('a lesson has at most one container', { pos: positionOf(y, ['parts']) }));
  lesson.parts.forEach((p, i) => {
    if ('container' in p && 'namespaces' in p.container && (!p.container.namespaces.includes('mount') || !p.container.namespaces.includes('pid'))) {
      errors.push(new GlassboxError('a container needs the mount and pid namespaces', { pos: positionOf(y, ['parts', i, 'container', 'namespaces']) }));
    }
  });
  const m = LESSON_FILE.exec(basename(file));
  if (m && Number(m[1]) !== lesson.lesson) {
    errors.push(new GlassboxError(`the file name says lesson ${Number(m[1])}, the file says ${lesson.lesson}`, { pos: positionOf(y, ['lesson']) }));
  }
  if (errors.length) throw new GlassboxErrors(errors);
  for (const t of [lesson.title, lesson.story, lesson.closing]) t.zh = unfoldCjk(t.zh);
  return { ...lesson, file };
}

// Every lesson for `glassbox lessons`, with the ones still to come in their places.
export function listLessons(dir = lessonsDir()): LessonEntry[] {
  const found = lessonFiles(dir).map((file) => {
    const l = loadLesson(file);
    return { lesson: l.lesson, name: l.name, year: l.year, title: l.title, file };
  });
  const have = new Set(found.map((l) => l.lesson));
  return [...found, ...COMING.filter((c) => !have.has(c.lesson))].sort((a, b) => a.lesson - b.lesson);
}

// Finds a lesson by number ("1"), name ("chroot") or "lesson-1"; undefined when none matches.
export function findLesson(arg: string, dir = lessonsDir()): string | undefined {
  const want = arg.replace(/^lesson-?/, '');
  for (const file of lessonFiles(dir)) {
    const n = Number(LESSON_FILE.exec(basename(file))![1]);
    if (/^\d+$/.test(want) && Number(want) === n) return file;
    if (basename(file).replace(/^\d+-/, '').replace(/\.yaml$/, '') === want) return file;
  }
  return undefined;
}

// The lesson that is announced but not written yet, if the argument names one.
export function comingLesson(arg: string): LessonEntry | undefined {
  const want = arg.replace(/^lesson-?/, '');
  return COMING.find((c) => String(c.lesson) === want || c.name === want);
}
