// The world the fuzz and injection tests send input through: the whole pipeline a `glassbox plan` runs —
// recipe parser, validator, flags, prepare (against a small root directory and an empty image store, both in a
// temp dir: prepare only reads files) and the pure planner with a hand-written host — plus the renderers. It
// also holds the seeded PRNG and a small POSIX sh lexer that finds where a marker lands in a rendered script.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog, type Catalog } from '../../lib/blocks/catalog.ts';
import type { CgroupLayout } from '../../lib/cgroup/layout.ts';
import { specFromFlags, type RunFlags } from '../../lib/recipe/flags.ts';
import { GlassboxError, GlassboxErrors } from '../../lib/errors.ts';
import type { HostFacts } from '../../lib/host/facts.ts';
import { planContainer, type PlanContext } from '../../lib/plan/planner.ts';
import { prepareContainer } from '../../lib/plan/prepare.ts';
import type { Plan } from '../../lib/plan/types.ts';
import { parseRecipe } from '../../lib/recipe/load.ts';
import type { ContainerSpec } from '../../lib/recipe/model.ts';
import { renderPlanJson } from '../../lib/render/json.ts';
import { renderScript } from '../../lib/render/script.ts';
import { ID } from './fixtures.ts';

// mulberry32: a tiny seeded PRNG, so a failing case can be made again from the seed the test prints.
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]!, chance: (p: number) => next() < p };
}
export type Rng = ReturnType<typeof prng>;

/** The seed: GLASSBOX_FUZZ_SEED to repeat a run, otherwise a new one each run (printed by the tests). */
export const SEED = process.env.GLASSBOX_FUZZ_SEED ? Number(process.env.GLASSBOX_FUZZ_SEED) : (Date.now() ^ (process.pid << 16)) >>> 0;

const V1_LAYOUT: CgroupLayout = {
  version: 'v1',
  hierarchies: Object.fromEntries(['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids'].map((c) => [c, `/sys/fs/cgroup/${c}`])),
  controllers: [],
  swapAccounting: true,
  cpusetCpus: '0-1',
  cpusetMems: '0',
};

export interface World {
  dir: string;
  /** A root directory with /etc/passwd (root, nobody), /etc/group, /bin, /tmp, /dev, /proc, /sys. */
  rootfs: string;
  /** A directory that exists, for bind volumes. */
  src: string;
  roots: { root: string; run: string };
  catalog: Catalog;
  ctx: PlanContext;
  facts: HostFacts;
  host: { cpus: number; onlineCpus: number[] };
  cleanup: () => void;
}

// Makes the temp dir with its root directory, the empty store and the run dir.
export async function makeWorld(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-fuzz-'));
  const rootfs = join(dir, 'rootfs');
  for (const d of ['etc', 'bin', 'tmp', 'dev', 'proc', 'sys', 'data']) mkdirSync(join(rootfs, d), { recursive: true });
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(join(rootfs, 'etc/hosts'), '127.0.0.1 localhost\n');
  const src = join(dir, 'src');
  mkdirSync(src);
  const roots = { root: join(dir, 'store'), run: join(dir, 'run') };
  mkdirSync(roots.root);
  mkdirSync(roots.run);
  const ctx: PlanContext = {
    runRoot: roots.run,
    runRootReady: false,
    barrierReady: false,
    hostDevLinks: true,
    flock: '/usr/bin/flock',
    seccompLoader: '/usr/lib/glassbox/glassbox-seccomp-load',
    cgroup: V1_LAYOUT,
  };
  const facts = { bootId: '00000000-0000-0000-0000-000000000000', cpus: 2, onlineCpus: [0, 1] } as HostFacts;
  return { dir, rootfs, src, roots, catalog: await loadCatalog(), ctx, facts, host: { cpus: 2, onlineCpus: [0, 1] }, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export type Outcome = { kind: 'planned'; plan: Plan; scripts: { up: string; plan: string } } | { kind: 'rejected'; errors: GlassboxError[] };

// The user errors a rejection consists of, or undefined when `e` is anything else (a crash).
export function userErrors(e: unknown): GlassboxError[] | undefined {
  if (e instanceof GlassboxErrors) return e.errors.flatMap((x) => userErrors(x) ?? [x]);
  if (e instanceof GlassboxError) return [e];
  return undefined;
}

// Spec → prepared container → plan → up.sh, JSON and (unless `quick`) the annotated plan in Chinese. Throws
// whatever a stage throws.
async function planSpec(w: World, spec: ContainerSpec, quick: boolean): Promise<Outcome & { kind: 'planned' }> {
  const prepared = await prepareContainer({ spec, id: ID, name: spec.name ?? 'fuzz', roots: w.roots, facts: w.facts, dryNetwork: true });
  const plan = planContainer(w.catalog, prepared, w.ctx);
  renderPlanJson(plan);
  const up = renderScript(plan, { lang: 'en', mode: 'up', glassboxVersion: '0.0.0' });
  return { kind: 'planned', plan, scripts: { up, plan: quick ? '' : renderScript(plan, { lang: 'zh', mode: 'plan', glassboxVersion: '0.0.0' }) } };
}

// A recipe text through everything `glassbox plan FILE` does; user errors are returned, anything else thrown.
export async function throughRecipe(w: World, text: string, file: string, flags: RunFlags = {}, quick = false): Promise<Outcome> {
  try {
    const base = parseRecipe(text, file, { host: w.host });
    return await planSpec(w, specFromFlags(base, undefined, [], flags, w.host), quick);
  } catch (e) {
    const errors = userErrors(e);
    if (!errors) throw e;
    return { kind: 'rejected', errors };
  }
}

// `glassbox plan [FLAGS] IMAGE COMMAND…` the same way.
export async function throughFlags(w: World, image: string, command: string[], flags: RunFlags, quick = false): Promise<Outcome> {
  try {
    return await planSpec(w, specFromFlags(undefined, image, command, flags, w.host), quick);
  } catch (e) {
    const errors = userErrors(e);
    if (!errors) throw e;
    return { kind: 'rejected', errors };
  }
}

/** Where a marker was found in a script: in single quotes (inert), in a comment, or somewhere the shell reads. */
export type Context = 'single' | 'double' | 'comment' | 'code';

// Lexes a POSIX sh script just far enough to say in which context each occurrence of `marker` begins: single
// quotes, double quotes, a comment, or plain code. (Here-documents are not used by the renderer.)
export function markerContexts(script: string, marker: string): Context[] {
  const out: Context[] = [];
  let state: Context = 'code';
  let wordStart = true; // a # starts a comment only at the start of a word
  for (let i = 0; i < script.length; i++) {
    if (script.startsWith(marker, i)) out.push(state);
    const c = script[i]!;
    if (state === 'single') {
      if (c === "'") state = 'code';
      continue;
    }
    if (state === 'comment') {
      if (c === '\n') (state = 'code'), (wordStart = true);
      continue;
    }
    if (state === 'double') {
      if (c === '\\') i++;
      else if (c === '"') state = 'code';
      continue;
    }
    if (c === '\\') {
      i++;
      wordStart = false;
    } else if (c === "'") state = 'single';
    else if (c === '"') state = 'double';
    else if (c === '#' && wordStart) state = 'comment';
    wordStart = c === ' ' || c === '\t' || c === '\n' || c === ';' || c === '&' || c === '|' || c === '(' || c === ')';
  }
  return out;
}
