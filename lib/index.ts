// glassbox as a library: the same pieces the CLI uses, for ops scripts (zx) and programs.
//
//   import { loadRecipe, prepareContainer, planContainer, loadCatalog, renderScript } from 'glassbox';
//   const spec = loadRecipe('recipes/hello.yaml');
//   const prepared = await prepareContainer({ spec, id, name, roots: roots(), facts: await readHostFacts() });
//   const plan = planContainer(await loadCatalog(), prepared, planContext(roots()));
//   console.log(renderScript(plan, { lang: 'en', mode: 'plan', glassboxVersion: VERSION }));
//
// Or through the application layer (lib/container/), as the CLI's verbs do: `planFor(target, command, runOptions,
// { buildBase: true })` then `runPlan(plan, roots, facts, { notice, warn })` (as root). The application layer
// prints nothing: what the CLI would print comes to the notice/warn/progress callbacks you pass.

export { GlassboxError, GlassboxErrors } from './errors.ts';
export type { ContainerSpec, Volume, Namespace } from './recipe/model.ts';
export { loadRecipe, parseRecipe } from './recipe/load.ts';
export { validateSpec } from './recipe/validate.ts';
export { loadCatalog, type Catalog } from './blocks/catalog.ts';
export { expandBlock, type Instance, type Params } from './blocks/expand.ts';
export { prepareContainer } from './plan/prepare.ts';
export { planContainer, type PreparedContainer, type PlanContext } from './plan/planner.ts';
export type { Plan, PlanCgroup, PlanMount, Step, Text, Lang } from './plan/types.ts';
export { containersUsingVolume, danglingVolumes, matchesVolumeFilter, mountsVolume, type ContainerMounts } from './volume/usage.ts';
export { renderScript, renderStepCommand } from './render/script.ts';
export { renderPlanJson } from './render/json.ts';
export { shQuote, shJoin } from './render/quote.ts';
export { Executor, type ExecHooks, type ExecOutcome } from './exec/runner.ts';
export { readHostFacts, type HostFacts } from './host/facts.ts';
export { runDoctor } from './host/doctor.ts';
export { roots, containerPaths } from './state/paths.ts';
export { parseResources, checkResources, type Resources } from './cgroup/resources.ts';
export { cgroupLayout, hostCgroupLayout, type CgroupLayout } from './cgroup/layout.ts';
export { compileCgroup, cgroupSteps } from './cgroup/compile.ts';
export { readUsage, readEvents } from './cgroup/stats.ts';
export { parseSize, formatBytes } from './cgroup/units.ts';
export { collectGarbage } from './state/gc.ts';
export { specFromFlags, type RunFlags } from './recipe/flags.ts';
export { VERSION } from './version.ts';
export { planFor } from './container/plan.ts';
export { planContext } from './container/context.ts';
export { ensureBaseImage, type Progress } from './container/base-image.ts';
export { runPlan, type RunOptions } from './container/run.ts';
export { runDetachedPlan, type DetachOptions } from './container/detach.ts';
export type { RunState } from './container/record.ts';
