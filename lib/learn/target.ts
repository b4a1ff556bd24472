// What `glassbox learn X` steps through: the plan of a recipe (made with one mount command per mount, so each mount
// is a step of its own), or a lesson's plan — its blocks and its container, in order — together with what the
// screen needs around the steps: headings, the lesson's "how to check your work" steps, and steps that cannot be
// skipped.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { expandBlock, type ParamValue, type Params } from '../blocks/expand.ts';
import { loadCatalog } from '../blocks/catalog.ts';
import { GlassboxError } from '../errors.ts';
import { readHostFacts } from '../host/facts.ts';
import { planContainer, type PreparedContainer } from '../plan/planner.ts';
import { DEFAULT_PATH, prepareContainer } from '../plan/prepare.ts';
import { runtimeRef, type ContainerPaths, type Plan, type Step, type Text } from '../plan/types.ts';
import { loadRecipe } from '../recipe/load.ts';
import { newId, randomName, stateDir } from '../state/containers.ts';
import { containerPaths, type Roots } from '../state/paths.ts';
import { ensureBaseImage, type Progress } from '../container/base-image.ts';
import { planContext } from '../container/context.ts';
import { lessonNetworkVars } from './bridge.ts';
import { hostRootFiles, staticBusybox } from './hostroot.ts';
import { comingLesson, findLesson, loadLesson, type BlockPartDef, type InlineContainerDef, type LessonDef, type RecipeContainerDef } from './lesson.ts';
import { T } from './text.ts';

export interface LearnTarget {
  kind: 'lesson' | 'recipe';
  /** What the user asked for, for headers ("1", "recipes/hello.yaml"). */
  label: string;
  plan: Plan;
  lesson?: Pick<LessonDef, 'lesson' | 'name' | 'year' | 'title' | 'story' | 'closing'>;
  /** A heading shown before the step with this id. */
  headings: Map<string, Text>;
  /** Steps of the "how to check your work" parts. */
  checks: Set<string>;
  /** Steps that cannot be skipped (the container's start, a lesson's required parts). */
  required: Set<string>;
  /** The container, when the plan makes one. */
  container?: { paths: ContainerPaths; chroot: boolean };
  /** Directories whose bound namespace files the `s` key may enter. */
  nsDirs: string[];
  /** Where `s` opens a shell from the step with this id on, until the container runs (a lesson's `shell:`). */
  shells: Map<string, ShellPlace>;
}

/** A place for `s`: the command, what the learner finds there, and commands that show it first. */
export interface ShellPlace {
  argv: string[];
  note: Text;
  show: string[][];
}

export interface TargetOptions {
  /** Build glassbox/base when a recipe needs it and it is missing (only when running, as root). */
  buildBase: boolean;
  /** Shown while the base image is made (the CLI's spinner). */
  progress?: Progress;
}

// Resolves the argument of `learn`: a lesson number or name, a lesson file, or a recipe file.
export async function resolveTarget(arg: string, r: Roots, opts: TargetOptions): Promise<LearnTarget> {
  if (existsSync(arg) && !statSync(arg).isFile()) throw new GlassboxError(`${arg} is a directory, not a lesson or a recipe file`, { hint: 'glassbox lessons lists the lessons; a recipe is a .yaml file' });
  if (existsSync(arg)) {
    const text = readFileSync(arg, 'utf8');
    return /^lesson:/m.test(text) ? lessonTarget(arg, arg, r, opts) : recipeTarget(arg, r, opts);
  }
  const file = findLesson(arg);
  if (file) return lessonTarget(file, arg, r, opts);
  const coming = comingLesson(arg);
  if (coming) throw new GlassboxError(`lesson ${coming.lesson} (${coming.name}) is not written yet: ${coming.coming!.en}`, { hint: 'glassbox lessons lists the lessons there are' });
  // A path (it has a slash or a file extension) that is not there: say so, from the current directory.
  if (/[/\\]|\.[a-z]+$/i.test(arg)) throw new GlassboxError(`${arg}: no such file`, { hint: `looked in ${process.cwd()}; glassbox lessons lists the lessons` });
  throw new GlassboxError(`"${arg}" is neither a lesson nor a recipe file`, { hint: 'glassbox lessons lists the lessons (by number or name); a recipe is a .yaml file' });
}

// A recipe, planned with one mount command per mount.
async function recipeTarget(file: string, r: Roots, opts: TargetOptions): Promise<LearnTarget> {
  const spec = loadRecipe(file);
  const facts = await readHostFacts();
  if (opts.buildBase && spec.image !== undefined) await ensureBaseImage(r, facts, spec.image, opts.progress);
  const id = newId();
  const prepared = await prepareContainer({ spec, id, name: spec.name ?? randomName(), roots: r, facts });
  const plan = planContainer(await loadCatalog(), prepared, planContext(r, false));
  const start = plan.steps.find((s) => s.kind === 'start');
  return {
    kind: 'recipe',
    label: file,
    plan,
    headings: new Map(),
    checks: new Set(),
    required: new Set(start ? [start.id] : []),
    container: { paths: prepared.paths, chroot: prepared.root === 'chroot' },
    nsDirs: [prepared.paths.nsDir],
    shells: new Map(),
  };
}

// A lesson: its parts expanded in order, the container's plan in the middle.
async function lessonTarget(file: string, label: string, r: Roots, opts: TargetOptions): Promise<LearnTarget> {
  const lesson = loadLesson(file);
  const catalog = await loadCatalog();
  const id = newId();
  const name = `lesson${lesson.lesson}-${id.slice(0, 6)}`;
  const dir = stateDir(r, id);
  const paths = containerPaths(r, id);
  const vars: Record<string, ParamValue> = { dir, id, name, run_root: r.run, pid1: runtimeRef('pid1') };
  const hasContainer = lesson.parts.some((p) => 'container' in p);
  if (hasContainer) Object.assign(vars, { rootfs: paths.rootfs, ns_dir: paths.nsDir, run_dir: paths.run });
  if (lesson.host_programs) {
    const files = await hostRootFiles(lesson.host_programs);
    vars.programs = Object.values(files.programs);
    vars.libraries = files.libraries;
    for (const [k, v] of Object.entries(files.programs)) vars[`programs.${k}`] = v;
  }
  if (JSON.stringify(lesson.parts).includes('{{busybox}}')) vars.busybox = await staticBusybox();
  if (JSON.stringify(lesson.parts).includes('{{net.')) Object.assign(vars, lessonNetworkVars(r, id));

  const steps: Step[] = [];
  const headings = new Map<string, Text>();
  const checks = new Set<string>();
  const required = new Set<string>();
  const used = new Set<string>();
  const shells = new Map<string, ShellPlace>();
  let container: LearnTarget['container'];
  let info: Plan['info'] | undefined;
  let checkShown = false;
  let afterContainer = false;

  for (const [k, part] of lesson.parts.entries()) {
    if ('container' in part) {
      const prepared = 'recipe' in part.container
        ? await recipeContainer(part.container, file, id, name, r, opts)
        : inlineContainer(part.container, vars, id, name, paths);
      const cplan = planContainer(catalog, prepared, planContext(r, false));
      const last = steps.filter((s) => s.phase === 'setup').at(-1);
      for (const s of cplan.steps) if (s.phase === 'setup' && s.needs.length === 0 && last) s.needs = [last.id];
      if (cplan.steps[0]) headings.set(cplan.steps[0].id, T.containerHeading);
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
      const sub = (x: string) => lessonParams({ ...part, params: { shell: x } }, vars, file, k).shell as string;
      shells.set(made[0].id, { argv: part.shell.argv.map(sub), note: { en: sub(part.shell.note.en), zh: sub(part.shell.note.zh) }, show: part.shell.show.map((a) => a.map(sub)) });
    }
    made.forEach((s, i) => {
      s.section = as;
      s.phase = afterContainer ? 'boot' : 'setup';
      s.needs = i === 0 ? (prev && !afterContainer ? [prev.id] : []) : [made[i - 1]!.id];
    });
    if (made[0]) {
      const heading = part.check && !checkShown ? { en: `${T.checkHeading.en}: ${block.summary.en}`, zh: `${T.checkHeading.zh}：${block.summary.zh}` } : block.summary;
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
  const nsDirs = [paths.nsDir, dir];
  return { kind: 'lesson', label, plan, lesson, headings, checks, required, container, nsDirs, shells };
}

// Substitutes the lesson's variables into a part's parameters. A value that is exactly "{{name}}" of a list
// variable becomes that list.
function lessonParams(part: BlockPartDef, vars: Record<string, ParamValue>, file: string, k: number): Params {
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
function inlineContainer(c: InlineContainerDef, vars: Record<string, ParamValue>, id: string, name: string, paths: ContainerPaths): PreparedContainer {
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

// A container from a recipe file next to the lesson (lesson 7), optionally with another command.
async function recipeContainer(c: RecipeContainerDef, lessonFile: string, id: string, name: string, r: Roots, opts: TargetOptions): Promise<PreparedContainer> {
  const spec = loadRecipe(resolve(dirname(lessonFile), c.recipe));
  if (c.command) spec.command = c.command;
  const facts = await readHostFacts();
  if (opts.buildBase && spec.image !== undefined) await ensureBaseImage(r, facts, spec.image, opts.progress);
  return prepareContainer({ spec, id, name, roots: r, facts });
}


