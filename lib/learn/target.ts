// What `glassbox learn X` steps through: the plan of a recipe (made with one mount command per mount, so each mount
// is a step of its own), or a lesson's plan — its blocks and its container, in order — together with what the
// screen needs around the steps: headings, the lesson's "how to check your work" steps, and steps that cannot be
// skipped. This module reads what the plans need (the lesson or recipe file, the host, the base image); the plans
// themselves come from the planners (lib/plan/planner.ts, lib/plan/lesson.ts).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ParamValue } from '../blocks/expand.ts';
import { defaultBlocksDir, loadCatalog } from '../blocks/catalog.ts';
import { GlassboxError } from '../errors.ts';
import { readHostFacts } from '../host/facts.ts';
import { planLesson, type ShellPlace } from '../plan/lesson.ts';
import { planContainer, type PreparedContainer } from '../plan/planner.ts';
import { prepareContainer } from '../plan/prepare.ts';
import { runtimeRef, type ContainerPaths, type Plan, type Text } from '../plan/types.ts';
import { loadRecipe } from '../recipe/load.ts';
import { newId, randomName, stateDir } from '../state/containers.ts';
import { containerPaths, type Roots } from '../state/paths.ts';
import { ensureBaseImage, type Progress } from '../container/base-image.ts';
import { BASE_IMAGE } from '../image/fromhost.ts';
import { resolveImage } from '../image/store.ts';
import { planContext } from '../container/context.ts';
import { prepareExec, type PreparedExec } from '../container/exec.ts';
import type { DetachOptions } from '../container/detach.ts';
import { lessonNetworkVars } from './bridge.ts';
import { glassboxLauncher, lessonRegistryVars } from './registry.ts';
import { hostRootFiles, staticBusybox } from './hostroot.ts';
import { comingLesson, findLesson, loadLesson, type LessonDef, type RecipeContainerDef } from './lesson.ts';

export interface LearnTarget {
  kind: 'lesson' | 'recipe' | 'exec' | 'service' | 'build';
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
  /** An exec into a running container: how it runs (its journal, its barrier), and whose namespaces `s` enters. */
  exec?: PreparedExec;
  /** A compose service: started detached, under its monitor, as `compose up` starts it. */
  detached?: DetachOptions;
  /** A build's RUN: called once the container's PID 1 has ended, before the undos (it packs the writable layer). */
  afterExit?: (exitCode: number) => Promise<void>;
}

export type { ShellPlace } from '../plan/lesson.ts';

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
    if (/^services:/m.test(text)) throw new GlassboxError(`${arg} describes services: a compose project`, { hint: `glassbox compose -f ${arg} learn steps through its up, service by service` });
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

// One more command in a running container (learn --exec NAME CMD): the exec's plan, as `glassbox exec` makes it.
// Every step of it is needed: skipping a cgroup join would leave the command outside the container's limits.
export async function execTarget(ref: string, command: string[], r: Roots, bootId: string): Promise<LearnTarget> {
  const exec = await prepareExec(r, bootId, { ref, command });
  const { plan } = exec;
  return {
    kind: 'exec',
    label: `--exec ${ref}`,
    plan,
    headings: new Map(),
    checks: new Set(),
    required: new Set(plan.steps.filter((s) => s.phase !== 'setup').map((s) => s.id)),
    container: { paths: plan.info.paths, chroot: false },
    nsDirs: [],
    shells: new Map(),
    exec,
  };
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

// A lesson: what it needs from the host and the files it names read here, its plan made by the lesson planner
// (lib/plan/lesson.ts).
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
  if (JSON.stringify(lesson.parts).includes('{{registry.')) Object.assign(vars, lessonRegistryVars(r, id));
  if (JSON.stringify(lesson.parts).includes('{{glassbox}}')) vars.glassbox = glassboxLauncher();
  // A lesson whose commands build on glassbox/base (lessons 8 and 9): made when missing, as `run` makes it.
  if (lesson.base_image && opts.buildBase) await ensureBaseImage(r, await readHostFacts(), 'glassbox/base', opts.progress);
  if (JSON.stringify(lesson.parts).includes('{{image.')) Object.assign(vars, await baseImageVars(r, opts));
  vars.lesson_dir = dirname(resolve(file));
  // A container part that names a recipe: read and prepared here (the file, the host, the base image).
  const recipeContainers = new Map<number, PreparedContainer>();
  for (const [k, part] of lesson.parts.entries()) {
    if ('container' in part && 'recipe' in part.container) recipeContainers.set(k, await recipeContainer(part.container, file, id, name, r, opts));
  }
  const planned = planLesson(catalog, { file, lesson, id, name, paths, vars, recipeContainers, context: planContext(r, false) });
  const nsDirs = [paths.nsDir, dir];
  return { kind: 'lesson', label, lesson, ...planned, nsDirs };
}

// The base image's layer directories, top first and joined by ':' as overlayfs's lowerdir wants them (lesson 10
// stacks them into an OCI bundle's rootfs); the image is made first when it is missing and the caller may build it.
async function baseImageVars(r: Roots, opts: TargetOptions): Promise<Record<string, ParamValue>> {
  if (opts.buildBase) await ensureBaseImage(r, await readHostFacts(), BASE_IMAGE, opts.progress);
  const img = await resolveImage(r.root, BASE_IMAGE);
  return { 'image.ref': img.ref, 'image.lowerdir': img.lowerDirs.join(':') };
}

// A container from a recipe file next to the lesson (lesson 7), optionally with another command.
async function recipeContainer(c: RecipeContainerDef, lessonFile: string, id: string, name: string, r: Roots, opts: TargetOptions): Promise<PreparedContainer> {
  const spec = loadRecipe(resolve(dirname(lessonFile), c.recipe));
  if (c.command) spec.command = c.command;
  const facts = await readHostFacts();
  if (opts.buildBase && spec.image !== undefined) await ensureBaseImage(r, facts, spec.image, opts.progress);
  return prepareContainer({ spec, id, name, roots: r, facts });
}


