// What `kube generate` writes a pod from, as validated models: a container glassbox recorded (the spec its
// config.json keeps), a recipe file (lib/recipe: the spec it loads into), or a compose project (a directory, or a
// compose file: every service's run request applied over its base spec, as `compose up` would run it). Reading only.

import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { recordedPlan } from '../container/describe.ts';
import { GlassboxError } from '../errors.ts';
import { readHostFacts } from '../host/facts.ts';
import { isRecipeArg, specFromFlags } from '../recipe/flags.ts';
import { resolveContainer } from '../state/lifecycle.ts';
import { roots } from '../state/paths.ts';
import { dnsLabel, type GenerateInput } from './generate.ts';

/** What the pod is made from, for the manifest's first comment. */
export interface Source {
  input: GenerateInput;
  what: string;
}

// True when a YAML file is a compose file (it has services:) rather than a recipe.
function isComposeFile(file: string): boolean {
  try {
    const v = parse(readFileSync(file, 'utf8')) as unknown;
    return !!v && typeof v === 'object' && 'services' in v;
  } catch {
    return false;
  }
}

// Resolves TARGET: a directory or compose file → PROJECT, another YAML file → RECIPE, otherwise a CONTAINER.
export async function generateSource(target: string, opts: { name?: string } = {}): Promise<Source> {
  let dir = false;
  try {
    dir = statSync(target).isDirectory();
  } catch {}
  if (dir || (isRecipeArg(target) && isComposeFile(target))) return projectSource(target, dir, opts.name);
  if (isRecipeArg(target)) return recipeSource(target, opts.name);
  return containerSource(target, opts.name);
}

// A container's recorded model (containers made before glassbox recorded it have none: say so).
function containerSource(ref: string, name?: string): Source {
  const r = roots();
  const id = resolveContainer(r, ref);
  const plan = recordedPlan(r, id);
  if (!plan) throw new GlassboxError(`container ${ref}: its plan cannot be read`, { hint: 'glassbox inspect it' });
  if (!plan.spec) throw new GlassboxError(`container ${plan.info.name} was made by a glassbox that did not record its model`, { hint: 'make it again (glassbox rm, run), or generate from its recipe' });
  return { input: { pod: name ?? `${dnsLabel(plan.info.name)}-pod`, members: [{ name: dnsLabel(plan.info.name), spec: plan.spec }], localNames: plan.spec.network?.aliases ?? [], ownLabel: (k) => k.startsWith('com.docker.compose.') }, what: `container ${plan.info.name}` };
}

// A recipe file's model.
async function recipeSource(file: string, name?: string): Promise<Source> {
  const facts = await readHostFacts();
  const { loadRecipe } = await import('../recipe/load.ts');
  const spec = loadRecipe(file, { host: { cpus: facts.cpus, onlineCpus: facts.onlineCpus } });
  const member = dnsLabel(spec.name ?? path.basename(file).replace(/\.ya?ml$/i, ''));
  return { input: { pod: name ?? member, members: [{ name: member, spec }] }, what: `recipe ${file}` };
}

// A compose project's services, in start order: one container each, in one pod named after the project. Their
// service names (and aliases) resolve to the pod itself, since they now share its localhost.
async function projectSource(target: string, dir: boolean, name?: string): Promise<Source> {
  const { loadComposeProject, startOrder } = await import('../compose/index.ts');
  const { runsFor, checkProject } = await import('../project/up.ts');
  const project = loadComposeProject(dir ? { workdir: target, env: process.env } : { files: [target], workdir: path.dirname(target), env: process.env });
  checkProject(project);
  const facts = await readHostFacts();
  const host = { cpus: facts.cpus, onlineCpus: facts.onlineCpus };
  const services = startOrder(project).flat();
  const runs = runsFor(project, services);
  const members = runs.map((x) => {
    const s = project.services[x.service] ?? project.disabledServices[x.service]!;
    if (s.build && s.image === undefined) throw new GlassboxError(`service ${x.service}: a pod names an image, and this service only has build:`, { pos: project.origins[`services.${x.service}`], field: `services.${x.service}.image`, hint: `give it image: NAME (glassbox compose build tags it)` });
    return { name: dnsLabel(x.service), spec: specFromFlags(x.base, undefined, x.command, x.flags, host) };
  });
  const localNames = [...new Set(runs.flatMap((x) => [x.service, ...(x.flags.networkAlias ?? [])]))];
  return { input: { pod: name ?? dnsLabel(project.name), members, localNames, ownLabel: (k) => k.startsWith('com.docker.compose.') }, what: `compose project ${project.name}` };
}
