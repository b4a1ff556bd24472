// A lesson's plan: its parts in order — each block part expanded with the lesson's variables, the container's plan
// in the middle — together with what learn mode shows around the steps: a heading before each part, the "how to
// check your work" steps, the steps that cannot be skipped, and the places where `s` opens a shell before the
// container runs. Pure: the lesson file, the host's programs and a recipe container are read by the caller
// (lib/learn/target.ts) and come in as values; nothing is read or run here.
//
// Parts before the container run as setup steps, one after another; parts after it run as boot steps, while the
// container lives (its PID 1 is known as {{pid1}}), and may use its groups ({{cgroup.memory}} …).

import { expandBlock, type ParamValue, type Params } from '../blocks/expand.ts';
import type { Catalog } from '../blocks/schema.ts';
import { GlassboxError } from '../errors.ts';
import type { Namespace } from '../recipe/model.ts';
import { planContainer, type PlanContext, type PreparedContainer } from './planner.ts';
import { DEFAULT_PATH, type ContainerPaths, type Plan, type Step, type Text } from './types.ts';

/** A lesson part's `shell:` — the command (lesson variables allowed), what the learner finds there, and commands that show it first. */
export interface LessonShellDef {
  argv: string[];
  note: Text;
  show: string[][];
}

/** A part that is a block with parameters (lib/learn/lesson.ts reads and checks the file). */
export interface LessonBlockPart {
  block: string;
  as?: string;
  params: Record<string, string | boolean | number | string[]>;
  check?: boolean;
  required?: boolean;
  shell?: LessonShellDef;
}

/** A container described in the lesson itself, on a root the lesson builds. */
export interface LessonInlineContainer {
  rootdir: string;
  root: 'pivot_root' | 'chroot';
  rootfs: 'overlay' | 'bind';
  hostname?: string;
  namespaces: Namespace[];
  command: string[];
}

/** The container part: inline, or a recipe file next to the lesson (prepared by the caller). */
export interface LessonContainerPart {
  container: LessonInlineContainer | { recipe: string; command?: string[] };
  fold?: boolean;
}

export type LessonPart = LessonBlockPart | LessonContainerPart;

/** A place for `s`: the command, what the learner finds there, and commands that show it first. */
export interface ShellPlace {
  argv: string[];
  note: Text;
  show: string[][];
}

export interface LessonPlanInput {
  /** The lesson file, for error messages. */
  file: string;
  lesson: { lesson: number; parts: LessonPart[] };
  id: string;
  name: string;
  paths: ContainerPaths;
  /** The lesson's variables ({{dir}}, {{pid1}}, {{programs}} …), as lib/learn/lesson.ts lists them. */
  vars: Record<string, ParamValue>;
  /** The prepared container of each container part that names a recipe, by part index. */
  recipeContainers: Map<number, PreparedContainer>;
  context: PlanContext;
}

export interface LessonPlan {
  plan: Plan;
  /** A heading shown before the step with this id. */
  headings: Map<string, Text>;
  /** Steps of the "how to check your work" parts. */
  checks: Set<string>;
  /** Steps that cannot be skipped (the container's start, a lesson's required parts). */
  required: Set<string>;
  /** The container, when the lesson has one. */
  container?: { paths: ContainerPaths; chroot: boolean };
  /** Where `s` opens a shell from the step with this id on, until the container runs. */
  shells: Map<string, ShellPlace>;
}

/** The headings learn mode shows before the container's steps and before the first check part. */
export const LESSON_HEADINGS = {
  container: { en: 'The container, step by step', zh: '容器，一步一步来' },
  check: { en: 'How to check your work', zh: '检查你的成果' },
} satisfies Record<string, Text>;

// Plans a lesson: its parts expanded in order, the container's plan in the middle.
export function planLesson(catalog: Catalog, x: LessonPlanInput): LessonPlan {
  const { file, lesson, id, name, paths } = x;
  const vars = { ...x.vars };
  const steps: Step[] = [];
  const headings = new Map<string, Text>();
  const checks = new Set<string>();
  const required = new Set<string>();
  const used = new Set<string>();
  const shells = new Map<string, ShellPlace>();
  let container: LessonPlan['container'];
  let info: Plan['info'] | undefined;
  let checkShown = false;
  let afterContainer = false;

  for (const [k, part] of lesson.parts.entries()) {
    if ('container' in part) {
      const prepared = 'recipe' in part.container ? x.recipeContainers.get(k) : inlineContainer(part.container, vars, id, name, paths);
      if (!prepared) throw new GlassboxError(`${file}: parts.${k}: the recipe container was not prepared`);
      const cplan = planContainer(catalog, prepared, x.context);
      const last = steps.filter((s) => s.phase === 'setup').at(-1);
      for (const s of cplan.steps) if (s.phase === 'setup' && s.needs.length === 0 && last) s.needs = [last.id];
      if (cplan.steps[0]) headings.set(cplan.steps[0].id, LESSON_HEADINGS.container);
      const start = cplan.steps.find((s) => s.kind === 'start');
      if (start) required.add(start.id);
      // Folded: what the lesson does not teach runs on one key; the start stays a step of its own.
      if (part.fold) for (const s of cplan.steps) if (s.section !== 'start') s.folded = true;
      steps.push(...cplan.steps);
      container = { paths: prepared.paths, chroot: prepared.root === 'chroot' };
      info = cplan.info;
      // The container's groups, for the parts after it: {{cgroup.memory}}, {{cgroup.pids}} …
      for (const [controller, d] of Object.entries(cplan.info.cgroup?.dirs ?? {})) vars[`cgroup.${controller}`] = d;
      afterContainer = true;
      continue;
    }
    const block = catalog.get(part.block);
    if (!block) throw new GlassboxError(`${file}: parts.${k}: no block named ${part.block}`, { hint: `blocks: ${[...catalog.keys()].join(', ')}` });
    let as = part.as ?? part.block.replace(/^lesson-/, '');
    for (let n = 2; used.has(as); n++) as = `${part.as ?? part.block.replace(/^lesson-/, '')}-${n}`;
    used.add(as);
    const made = expandBlock(catalog, { block: part.block, as, params: lessonParams(part, vars, file, k) });
    const prev = steps.at(-1);
    if (part.shell && made[0]) {
      const sub = (s: string) => lessonParams({ ...part, params: { shell: s } }, vars, file, k).shell as string;
      shells.set(made[0].id, { argv: part.shell.argv.map(sub), note: { en: sub(part.shell.note.en), zh: sub(part.shell.note.zh) }, show: part.shell.show.map((a) => a.map(sub)) });
    }
    made.forEach((s, i) => {
      s.section = as;
      s.phase = afterContainer ? 'boot' : 'setup';
      s.needs = i === 0 ? (prev && !afterContainer ? [prev.id] : []) : [made[i - 1]!.id];
    });
    if (made[0]) {
      const c = LESSON_HEADINGS.check;
      const heading = part.check && !checkShown ? { en: `${c.en}: ${block.summary.en}`, zh: `${c.zh}：${block.summary.zh}` } : block.summary;
      headings.set(made[0].id, heading);
      if (part.check) checkShown = true;
    }
    for (const s of made) {
      if (part.check) checks.add(s.id);
      if (part.required) required.add(s.id);
    }
    steps.push(...made);
  }
  const plan: Plan = {
    version: 1,
    info: info ? { ...info, name } : { id, name, image: `lesson ${lesson.lesson}`, command: [], env: {}, paths },
    steps,
  };
  return { plan, headings, checks, required, container, shells };
}

// Substitutes the lesson's variables into a part's parameters. A value that is exactly "{{name}}" of a list
// variable becomes that list.
function lessonParams(part: LessonBlockPart, vars: Record<string, ParamValue>, file: string, k: number): Params {
  const out: Params = {};
  const one = (s: string, key: string): string =>
    s.replace(/\{\{\s*([a-z_][a-z0-9_]*(?:\.[a-z0-9_.+-]+)?)\s*\}\}/gi, (_, v: string) => {
      const value = vars[v];
      if (value === undefined) throw new GlassboxError(`${file}: parts.${k}.params.${key}: no lesson variable {{${v}}}`, { hint: `variables: ${Object.keys(vars).join(', ')}` });
      if (Array.isArray(value)) throw new GlassboxError(`${file}: parts.${k}.params.${key}: {{${v}}} is a list: give it as the whole value`);
      return String(value);
    });
  for (const [key, v] of Object.entries(part.params)) {
    if (typeof v === 'string') {
      const whole = /^\{\{\s*([a-z_][a-z0-9_.+-]*)\s*\}\}$/i.exec(v);
      const listVar = whole ? vars[whole[1]!] : undefined;
      out[key] = Array.isArray(listVar) ? listVar : one(v, key);
    } else if (Array.isArray(v)) out[key] = v.map((s) => one(s, key));
    else out[key] = v;
  }
  return out;
}

// A container described in the lesson itself, on a root the lesson builds: its facts are known without reading it
// (the lesson made /dev, /proc and /sys, runs as root in /).
function inlineContainer(c: LessonInlineContainer, vars: Record<string, ParamValue>, id: string, name: string, paths: ContainerPaths): PreparedContainer {
  const sub = (s: string) =>
    s.replace(/\{\{\s*([a-z_][a-z0-9_.]*)\s*\}\}/gi, (_, v: string) => {
      const value = vars[v];
      if (value === undefined || Array.isArray(value)) throw new GlassboxError(`lesson container: no lesson variable {{${v}}}`);
      return String(value);
    });
  const hostname = c.namespaces.includes('uts') ? (c.hostname ?? name) : undefined;
  const rootdir = sub(c.rootdir);
  return {
    id,
    name,
    imageRef: rootdir,
    lowerDirs: [rootdir],
    overlay: c.rootfs === 'overlay',
    root: c.root,
    readOnly: false,
    namespaces: c.namespaces,
    hostname,
    command: c.command.map(sub),
    env: { PATH: DEFAULT_PATH, ...(hostname ? { HOSTNAME: hostname } : {}), HOME: '/root' },
    workdir: '/',
    makeWorkdir: false,
    makeProc: false,
    user: { uid: 0, gid: 0, groups: [] },
    volumes: [],
    paths,
  };
}
