// Where every container verb (run, run -d, plan, script) starts: what the user asked for becomes a plan, in the
// order of the data path —
//
//   recipe file and/or run options  → ContainerSpec      (lib/recipe/load.ts, lib/recipe/flags.ts)
//   spec + image + host facts       → PreparedContainer  (lib/plan/prepare.ts: image config, users, paths, IP)
//   prepared + host state (context) → Plan               (lib/plan/planner.ts, pure: blocks and their values)
//
// The container gets its ID and name here. Nothing is printed: the caller renders the plan or executes it.

import { loadCatalog } from '../blocks/catalog.ts';
import { GlassboxError, placed } from '../errors.ts';
import { readHostFacts } from '../host/facts.ts';
import { planContainer } from '../plan/planner.ts';
import { prepareContainer } from '../plan/prepare.ts';
import { isRecipeArg, specFromFlags, type RunFlags } from '../recipe/flags.ts';
import { placeOf } from '../recipe/origins.ts';
import { checkRootlessSpec, rootlessActive } from '../rootless/mode.ts';
import { newId, randomName } from '../state/containers.ts';
import { roots } from '../state/paths.ts';
import { ensureBaseImage, type Progress } from './base-image.ts';
import { planContext } from './context.ts';
import { applyPullPolicy } from './pull-policy.ts';
import { BASE_IMAGE } from '../image/fromhost.ts';
import type { PullPolicy } from '../recipe/extra-flags.ts';
import type { ContainerSpec } from '../recipe/model.ts';
import type { PlannedNetworks } from '../net/prepare.ts';
import type { ResolvedImage } from '../image/store.ts';

export interface PlanForOptions {
  /** Make glassbox/base when the spec asks for it and it is missing (run does; plan and script never do). */
  buildBase: boolean;
  /** Shown while the base image is made. */
  progress?: Progress;
  /** create: plan without claiming an address or ports (start plans again and claims them). */
  dryNetwork?: boolean;
  /** start of a created container: its ID and name, given at create. */
  id?: string;
  name?: string;
  /** run: pulls an image (--pull missing, the default, or always); without it nothing is pulled. */
  pull?: (ref: string, missing: boolean) => Promise<void>;
  /** compose: the spec the flags apply over (a service's image, entrypoint and health check), instead of a recipe. */
  base?: ContainerSpec;
  /** compose plan: the project's containers are planned dry together (networks up would make, addresses taken). */
  plannedNetworks?: PlannedNetworks;
  /** Learn mode: one mount command per mount (each a step of its own) instead of the batched fstab. */
  oneMountPerStep?: boolean;
  /** build --plan: plan on this image (a build's state, its newest layers still to be made) instead of the store's. */
  image?: ResolvedImage;
}

// Builds the plan for `run`/`plan`/`script` arguments: TARGET is an image, a root directory or a recipe file.
export async function planFor(target: string, command: string[], flags: RunFlags, opts: PlanForOptions) {
  const r = roots();
  const facts = await readHostFacts();
  const host = { cpus: facts.cpus, onlineCpus: facts.onlineCpus };
  // The recipe loader (YAML parser and schemas) is only loaded when a recipe file is given.
  const base = opts.base ?? (isRecipeArg(target) ? (await import('../recipe/load.ts')).loadRecipe(target, { host }) : undefined);
  const spec = specFromFlags(base, base ? undefined : target, command, flags, host);
  if (rootlessActive()) await placed(placeOf(spec, ['network', 'mode']), () => checkRootlessSpec(spec));
  if (opts.pull && spec.image !== undefined) {
    const builtIn = spec.image === BASE_IMAGE || spec.image === 'glassbox/base';
    await applyPullPolicy(r.root, spec.image, (flags.pull ?? 'missing') as PullPolicy, builtIn, opts.pull);
  }
  if (opts.buildBase && spec.image !== undefined) await ensureBaseImage(r, facts, spec.image, opts.progress);
  const id = opts.id ?? newId();
  const name = opts.name ?? spec.name ?? randomName();
  // Planning only (no base image made) also means no address is claimed: the network is prepared dry.
  const prepared = await prepareContainer({ spec, id, name, roots: r, facts, dryNetwork: !opts.buildBase || !!opts.dryNetwork, ...(opts.plannedNetworks ? { plannedNetworks: opts.plannedNetworks } : {}), ...(opts.image ? { image: opts.image } : {}) });
  const catalog = await loadCatalog();
  const ctx = planContext(r, !opts.oneMountPerStep);
  // The planner's refusals name the field they are about (resources, network.mode, user): point at its input.
  const plan = await placed(
    (e) => {
      const path = e instanceof GlassboxError && !e.pos && e.field ? e.field.split('.') : [];
      return path[0] === 'resources' ? placeOf(spec, ['resources', Object.keys(spec.resources ?? {})[0] ?? '']) : path.length ? placeOf(spec, path) : {};
    },
    () => planContainer(catalog, prepared, ctx),
  );
  plan.spec = spec;
  return { plan, prepared, roots: r, facts, spec, ctx };
}
