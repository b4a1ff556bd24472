// `glassbox build`: a BuildFile (a Dockerfile, or a recipe's build: section) run stage by stage, step by step, the
// way buildah shows a build is made — `from`, `run`, `copy`, `config`, `commit` — with glassbox's own pieces:
//
//   FROM     the base image's layers and config (the store; pulled if missing), `scratch`, or an earlier stage
//   RUN      a detached container on those layers (`glassbox run -d`'s plan: namespaces, overlay, cgroups), its
//            output streamed, its exit status awaited; its overlay upper directory becomes the next layer
//   COPY/ADD the context's files (minus .dockerignore, never outside the context) packed by tar with the owner
//            and mode asked for and unpacked into a new layer directory (the build-copy block)
//   others   the image config: ENV, ARG, LABEL, WORKDIR, USER, CMD, ENTRYPOINT, EXPOSE, VOLUME, STOPSIGNAL,
//            HEALTHCHECK, SHELL — no container, no layer
//
// Every intermediate result is an image record in the store (untagged), and the layer cache maps (the image a
// step starts from, the step as substituted, and for COPY the digest of the files copied) to the image it made:
// a repeated build with nothing changed runs no container. Nothing is printed here: events go to callbacks.

import { createHash, randomBytes } from '../util/crypto.ts';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GlassboxError, type SourcePos } from '../errors.ts';
import { readHostFacts } from '../host/facts.ts';
import { planFor } from '../container/plan.ts';
import { runPlan, withClaims } from '../container/run.ts';
import { importLayer, packLayer } from '../image/layers.ts';
import { addImage, canonicalJson, layerDir, resolveImage, tagImage, type HistoryEntry, type ImageConfig, type ImageRecord } from '../image/store.ts';
import { resolveUser } from '../image/users.ts';
import { StoreWork } from '../image/work.ts';
import { selfOwner } from '../state/containers.ts';
import { parseDuration } from '../health/model.ts';
import { rm } from 'node:fs/promises';
import { roots, type Roots } from '../state/paths.ts';
import type { Lang } from '../plan/types.ts';
import type { BuildFile, BuildPlan, BuildStep, CopyStep, PlannedHead, PlannedStep, Stage } from './model.ts';
import { expandBlock } from '../blocks/expand.ts';
import { loadCatalog } from '../blocks/catalog.ts';
import type { ResolvedImage } from '../image/store.ts';
import type { Plan, Step } from '../plan/types.ts';
import type { PreparedContainer } from '../plan/planner.ts';
import { substitute } from './substitute.ts';
import { loadDockerignore } from './dockerignore.ts';

export type BuildEvent =
  | { kind: 'step'; stage: number; stages: number; n: number; total: number; text: string; cached: boolean }
  | { kind: 'step-done'; ms: number }
  | { kind: 'output'; stream: 'stdout' | 'stderr'; text: string };

export interface BuildRequest {
  file: BuildFile;
  /** The context directory: COPY's sources are relative to it. */
  context: string;
  /** The Dockerfile's path (its own NAME.dockerignore wins over the context's). */
  dockerfile?: string;
  tags: string[];
  buildArgs: Record<string, string>;
  /** --target: the stage to stop at (its name or index). */
  target?: string;
  noCache?: boolean;
  lang: Lang;
  pull?: (ref: string, missing: boolean) => Promise<void>;
  event?: (e: BuildEvent) => void;
  /** Learn mode: runs each RUN's container (one command at a time) instead of the foreground run. */
  runContainer?: ContainerRunner;
}

/** What learn mode needs to run a RUN step's container itself. */
export interface ContainerRunner {
  /** Plan one mount command per mount (learn mode shows each). */
  oneMountPerStep?: boolean;
  /**
   * Runs the plan (its container claimed already) and returns its exit code, 130 when the learner quit. afterExit
   * must be called once PID 1 has ended, before the teardown: it packs the writable layer.
   */
  run(c: { plan: Plan; prepared: PreparedContainer; head: PlannedHead; afterExit: (exitCode: number) => Promise<void> }): Promise<number>;
}

// build --plan: each instruction's work is collected instead of done. Nothing is written (no image record, no
// cache entry, no layer), no container runs; layers that earlier steps would make are stand-in directories.
/** The instruction the walk is at (learn mode's headings name it). */
interface Cursor {
  head?: PlannedHead;
}

interface Planning {
  steps: PlannedStep[];
  /** Stand-in DiffID → the directory name shown for that layer. */
  pending: Map<string, string>;
  head?: PlannedHead;
}

/** docker's default SHELL. */
const DEFAULT_SHELL = ['/bin/sh', '-c'];
/** docker's predefined ARGs: usable without a declaration's default, never in the image. */
const PREDEFINED = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

interface StageState {
  layers: string[];
  config: ImageConfig;
  shell: string[];
  /** ARG values in force (for substitution and RUN's environment). */
  args: Record<string, string>;
  /** The image these layers and config are, once written. */
  image?: ImageRecord;
  /** The key chain of the cache: what this state was made from. */
  key: string;
  /** The config's history, a step an entry. */
  history: HistoryEntry[];
  /** The file's escape character (substitution honours it). */
  escape: '\\' | '`';
  cmdSet: boolean;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const envMap = (env: string[] | undefined) => Object.fromEntries((env ?? []).map((e) => [e.slice(0, e.indexOf('=') < 0 ? e.length : e.indexOf('=')), e.includes('=') ? e.slice(e.indexOf('=') + 1) : '']));
const at = (pos: SourcePos) => ({ pos });

// Runs fn with a scratch directory of the store, removed afterwards whatever happens.
async function withWork<T>(root: string, fn: (w: StoreWork) => Promise<T>): Promise<T> {
  const facts = await readHostFacts();
  const work = await StoreWork.open(root, selfOwner(facts.bootId));
  try {
    return await fn(work);
  } finally {
    await work.close();
  }
}

// The cache's file for a key: the image ID the step made.
const cacheFile = (root: string, key: string) => path.join(root, 'build-cache', key);

function cached(root: string, key: string): string | undefined {
  try {
    return readFileSync(cacheFile(root, key), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function remember(root: string, key: string, id: string): void {
  mkdirSync(path.join(root, 'build-cache'), { recursive: true });
  writeFileSync(cacheFile(root, key), `${id}\n`);
}

// The variables an instruction is substituted with: the ARGs in force, then ENV (ENV wins, as in docker).
const varsOf = (s: StageState) => ({ ...s.args, ...envMap(s.config.Env) });

// The image a state is, written to the store (untagged) when it is not yet.
async function imageOf(root: string, s: StageState): Promise<ImageRecord> {
  s.image ??= await addImage(root, { layers: s.layers, config: s.config, source: 'build', history: s.history }, []);
  return s.image;
}

// The stage to start from: scratch, an earlier stage, or an image (pulled when the store lacks it).
async function fromState(root: string, stage: Stage, done: Map<string, StageState>, globals: Record<string, string>, pull: BuildRequest['pull'], escape: StageState['escape'], planning?: Planning): Promise<StageState> {
  const ref = substitute(stage.from, globals, { escape, pos: stage.pos });
  const args = {};
  if (ref === 'scratch') return { layers: [], config: {}, shell: DEFAULT_SHELL, args, key: sha('scratch'), cmdSet: false, history: [], escape };
  const earlier = done.get(ref.toLowerCase());
  if (earlier) return { ...earlier, config: structuredClone(earlier.config), args, cmdSet: false, history: [...earlier.history], escape };
  let img;
  try {
    img = await resolveImage(root, ref);
  } catch {
    if (!pull) throw new GlassboxError(`FROM ${ref}: no such image in the store`, { ...at(stage.pos), hint: planning ? (ref === 'glassbox/base' ? 'the plan reads its layers: glassbox image from-host makes it' : 'the plan reads its layers: glassbox pull it first') : 'glassbox pull it, or glassbox images to see what there is' });
    await pull(ref, true);
    img = await resolveImage(root, ref);
  }
  const r = img.record;
  const history = r.history ?? r.layers.map(() => ({ created: r.created, created_by: `glassbox (${r.source ?? 'image'})` }));
  return { layers: [...r.layers], config: structuredClone(r.config), shell: DEFAULT_SHELL, args, image: r, key: sha(`image:${r.id}`), cmdSet: false, history, escape };
}

// Builds the file's stages up to the target; returns the final image, tagged.
export async function buildImage(req: BuildRequest): Promise<ImageRecord> {
  return (await walk(req))!;
}

// build --plan: the same walk through the stages, each instruction's commands collected instead of run. Steps the
// layer cache holds are shown as cached (nothing runs for them); the rest as the build would run them.
export async function planBuild(req: BuildRequest): Promise<BuildPlan> {
  const planning: Planning = { steps: [], pending: new Map() };
  await walk({ ...req, planning } as BuildRequest & { planning: Planning });
  return { steps: planning.steps, pending: Object.fromEntries(planning.pending) };
}

// The build itself: every stage up to the target, step by step (or, planning, their commands collected).
async function walk(req: BuildRequest & { planning?: Planning; cursor?: Cursor }): Promise<ImageRecord | undefined> {
  const r = roots();
  const root = r.root;
  const planning = req.planning;
  const cursor = req.cursor ?? {};
  const event = (e: BuildEvent) => {
    if (e.kind === 'step') cursor.head = { stage: e.stage, stages: e.stages, n: e.n, total: e.total, text: e.text };
    if (planning && e.kind === 'step') planning.head = cursor.head;
    req.event?.(e);
  };
  req = { ...req, cursor };
  const stages = req.file.stages;
  const targetIndex = req.target === undefined ? stages.length - 1 : stages.findIndex((s) => s.name === req.target!.toLowerCase() || String(s.index) === req.target);
  if (targetIndex < 0) throw new GlassboxError(`--target ${req.target}: no stage of that name`, { field: '--target', hint: `stages: ${stages.map((s) => s.name ?? s.index).join(', ')}` });
  const globals: Record<string, string> = {};
  for (const a of req.file.globalArgs) {
    const v = req.buildArgs[a.name] ?? (a.default !== undefined ? substitute(a.default, globals, { escape: req.file.escape }) : undefined);
    if (v !== undefined) globals[a.name] = v;
  }
  const done = new Map<string, StageState>();
  const total = stages.slice(0, targetIndex + 1).reduce((n, s) => n + s.steps.length + 1, 0);
  let n = 0;
  let last: StageState | undefined;
  for (const stage of stages.slice(0, targetIndex + 1)) {
    n++;
    event({ kind: 'step', stage: stage.index + 1, stages: targetIndex + 1, n, total, text: `FROM ${stage.from}${stage.name ? ` AS ${stage.name}` : ''}`, cached: false });
    const t0 = Date.now();
    const s = await fromState(root, stage, done, globals, planning ? undefined : req.pull, req.file.escape, planning);
    planning?.steps.push({ ...planning.head!, kind: 'from', image: s.image?.id ?? (done.has(substitute(stage.from, globals, { escape: req.file.escape }).toLowerCase()) ? `stage ${stage.from}` : 'scratch') });
    event({ kind: 'step-done', ms: Date.now() - t0 });
    for (const step of stage.steps) {
      n++;
      await runStep(r, req, stage, step, s, done, globals, (isCached) => event({ kind: 'step', stage: stage.index + 1, stages: targetIndex + 1, n, total, text: step.text, cached: isCached }));
    }
    if (stage.name) done.set(stage.name, s);
    done.set(String(stage.index), s);
    last = s;
  }
  if (planning) {
    if (req.tags.length) planning.steps.push({ ...planning.head!, kind: 'tag', tags: req.tags });
    return undefined;
  }
  const img = await imageOf(root, last!);
  for (const t of req.tags) await tagImage(root, img.id, t);
  return img;
}

// One step: the config changes at once; RUN and COPY through the cache, else a container or a copy.
async function runStep(r: Roots, req: BuildRequest & { planning?: Planning; cursor?: Cursor }, stage: Stage, step: BuildStep, s: StageState, done: Map<string, StageState>, globals: Record<string, string>, announce: (cached: boolean) => void): Promise<void> {
  const sub = (w: string) => substitute(w, varsOf(s), { escape: s.escape, pos: step.pos });
  const t0 = Date.now();
  const finish = () => req.event?.({ kind: 'step-done', ms: Date.now() - t0 });
  const configStep = (change: () => void) => {
    announce(false);
    const before = JSON.stringify({ ...s.config, shell: s.shell, args: s.args });
    change();
    if (req.planning) {
      const after: Record<string, unknown> = { ...s.config, shell: s.shell, args: s.args };
      const was = JSON.parse(before) as Record<string, unknown>;
      const changed = Object.fromEntries(Object.entries(after).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(was[k])));
      req.planning.steps.push({ ...req.planning.head!, kind: 'config', changed });
    }
    s.history = [...s.history, { created: new Date().toISOString(), created_by: step.text, empty_layer: true }];
    s.image = undefined;
    const { pos: _pos, ...what } = step;
    s.key = sha(`${s.key}\n${canonicalJson(what)}\n${canonicalJson(s.args)}`);
    finish();
  };
  const c = s.config;
  switch (step.kind) {
    case 'arg':
      return configStep(() => {
        for (const a of step.args) {
          const v = req.buildArgs[a.name] ?? (a.default !== undefined ? sub(a.default) : globals[a.name]);
          if (v !== undefined) s.args[a.name] = v;
          else if (PREDEFINED.includes(a.name) && process.env[a.name] !== undefined) s.args[a.name] = process.env[a.name]!;
        }
      });
    case 'env':
      return configStep(() => {
        const env = envMap(c.Env);
        for (const [k, v] of step.pairs) env[sub(k)] = sub(v);
        c.Env = Object.entries(env).map(([k, v]) => `${k}=${v}`);
      });
    case 'label':
      return configStep(() => {
        c.Labels = { ...c.Labels };
        for (const [k, v] of step.pairs) c.Labels[sub(k)] = sub(v);
      });
    case 'workdir':
      return configStep(() => {
        const p = sub(step.path);
        c.WorkingDir = path.posix.resolve(c.WorkingDir || '/', p);
      });
    case 'user':
      return configStep(() => (c.User = sub(step.user)));
    case 'cmd':
    case 'entrypoint':
      return configStep(() => {
        const argv = step.exec ?? [...s.shell, step.shell!];
        if (step.kind === 'cmd') {
          c.Cmd = argv;
          s.cmdSet = true;
        } else {
          c.Entrypoint = argv;
          // docker: an ENTRYPOINT of the Dockerfile drops the CMD inherited from the base image.
          if (!s.cmdSet) delete c.Cmd;
        }
      });
    case 'expose':
      return configStep(() => {
        c.ExposedPorts = { ...c.ExposedPorts };
        for (const p of step.ports.map(sub)) c.ExposedPorts[p.includes('/') ? p : `${p}/tcp`] = {};
      });
    case 'volume':
      return configStep(() => {
        c.Volumes = { ...c.Volumes };
        for (const p of step.paths.map(sub)) c.Volumes[p] = {};
      });
    case 'stopsignal':
      return configStep(() => (c.StopSignal = sub(step.signal)));
    case 'shell':
      return configStep(() => (s.shell = step.exec));
    case 'healthcheck':
      return configStep(() => {
        if (step.none) {
          c.Healthcheck = { Test: ['NONE'] };
          return;
        }
        const ns = (v: string | undefined, what: string) => {
          if (v === undefined) return undefined;
          const ms = parseDuration(v);
          if (typeof ms === 'string') throw new GlassboxError(`HEALTHCHECK --${what}: ${ms}`, at(step.pos));
          return ms * 1e6;
        };
        const h: NonNullable<ImageConfig['Healthcheck']> = { Test: step.test ? ['CMD', ...step.test] : ['CMD-SHELL', step.shell!] };
        const interval = ns(step.interval, 'interval');
        const timeout = ns(step.timeout, 'timeout');
        const start = ns(step.startPeriod, 'start-period');
        if (interval !== undefined) h.Interval = interval;
        if (timeout !== undefined) h.Timeout = timeout;
        if (start !== undefined) h.StartPeriod = start;
        const startInterval = ns(step.startInterval, 'start-interval');
        if (startInterval !== undefined) (h as Record<string, unknown>).StartInterval = startInterval;
        if (step.retries !== undefined) h.Retries = Number(step.retries);
        c.Healthcheck = h;
      });
    case 'run':
      return runRun(r, req, step, s, announce, finish);
    case 'copy':
    case 'add':
      return runCopy(r, req, step, s, done, announce, finish);
  }
}

// A step the cache knows (and --no-cache does not skip): its image becomes the state, and nothing runs.
async function fromCache(root: string, key: string, s: StageState, req: BuildRequest & { planning?: Planning; cursor?: Cursor }, announce: (cached: boolean) => void, finish: () => void): Promise<boolean> {
  const hit = req.noCache ? undefined : cached(root, key);
  const img = hit ? await resolveImage(root, hit).catch(() => undefined) : undefined;
  // The image must still stand on this state's layers (a record replaced meanwhile is not a hit).
  if (!img || img.record.layers.slice(0, s.layers.length).join() !== s.layers.join()) {
    announce(false);
    return false;
  }
  announce(true);
  req.planning?.steps.push({ ...req.planning.head!, kind: 'cached', image: img.record.id });
  s.layers = [...img.record.layers];
  s.history = img.record.history ?? s.history;
  s.image = img.record;
  s.key = key;
  finish();
  return true;
}

// A step's new layer on top of the state, its history entry, and the cache entry naming the image it makes.
async function addLayer(root: string, key: string, s: StageState, layer: string, text: string, planning?: Planning): Promise<void> {
  s.layers = [...s.layers, layer];
  s.history = [...s.history, { created: new Date().toISOString(), created_by: text }];
  s.image = undefined;
  s.key = key;
  if (!planning) remember(root, key, (await imageOf(root, s)).id);
}

// build --plan: a stand-in for the layer a step will make (its DiffID is known only once it ran), shown as
// LAYERS/made-by-step-N; the state moves on as if it were made.
function pendingLayer(root: string, planning: Planning, key: string): string {
  const id = `sha256:${key}`;
  planning.pending.set(id, path.join(root, 'layers', `made-by-step-${planning.head!.n}`));
  return id;
}

// The layer directories of a state, top first, stand-ins included.
const lowerDirsOf = (root: string, layers: string[], planning?: Planning) => [...layers].reverse().map((l) => planning?.pending.get(l) ?? layerDir(root, l));

// build --plan: the state so far as an image to plan a container on, without writing it to the store.
function plannedImage(root: string, s: StageState, planning: Planning): ResolvedImage {
  if (s.image) return { id: s.image.id, ref: s.image.id.replace(/^sha256:/, '').slice(0, 12), record: s.image, lowerDirs: lowerDirsOf(root, s.image.layers) };
  const id = `sha256:${s.key}`;
  const record: ImageRecord = { id, layers: s.layers, config: s.config, created: new Date().toISOString(), source: 'build', history: s.history } as ImageRecord;
  return { id, ref: `the-image-after-step-${planning.head!.n - 1}`, record, lowerDirs: lowerDirsOf(root, s.layers, planning) };
}

// A scratch directory's names as the plan shows them: mkdtemp's own template (the real name is random).
function plannedScratch(root: string): Scratch {
  const dir = path.join(root, 'layers', 'tmp-XXXXXX');
  let n = 0;
  return { file: (...names) => path.join(dir, ...names), fresh: (prefix) => path.join(dir, `${prefix}-${++n}`) };
}

/** What a step needs of its scratch directory: names inside it. */
interface Scratch {
  file(...names: string[]): string;
  fresh(prefix: string): string;
}

// build --plan: a new layer's commands after its directory is filled — the layer packer (opaque directories found,
// tar with OCI whiteouts), then the packed tar unpacked into the store (renamed to its DiffID afterwards). The
// whiteouts and markers depend on what the directory holds, known only once the step ran: planned as none.
async function plannedLayerSteps(root: string, scratch: Scratch, dir: string, as: string): Promise<Step[]> {
  const catalog = await loadCatalog();
  const tar = scratch.fresh(`${as}.tar`);
  return [
    ...expandBlock(catalog, { block: 'layer-find-opaque', as: `${as}-opaque`, params: { dir } }),
    ...expandBlock(catalog, { block: 'layer-pack', as: `${as}-pack`, params: { dir, out: tar, exclude_file: scratch.fresh('exclude'), exclude_text: '', markers_dir: scratch.fresh('markers'), markers: [], marker_dirs: [] } }),
    ...expandBlock(catalog, { block: 'layer-unpack', as: `${as}-unpack`, params: { dir: path.join(root, 'layers', 'tmp-YYYYYY'), tarfile: tar, gzip: false, whiteouts: [], opaque: [], parents: [] } }),
  ];
}

// RUN: a container on the layers so far; its writable layer, packed, is the next layer.
async function runRun(r: Roots, req: BuildRequest & { planning?: Planning; cursor?: Cursor }, step: Extract<BuildStep, { kind: 'run' }>, s: StageState, announce: (cached: boolean) => void, finish: () => void): Promise<void> {
  const root = r.root;
  const planning = req.planning;
  const argv = step.exec ?? [...s.shell, step.shell!];
  const key = sha(`${s.key}\nRUN ${JSON.stringify(argv)}\n${canonicalJson(s.args)}`);
  if (await fromCache(root, key, s, req, announce, finish)) return;
  const planned = planning ? plannedImage(root, s, planning) : undefined;
  const base = planned?.record ?? (await imageOf(root, s));
  const facts = await readHostFacts();
  // The ARGs are the command's environment (not the image's), as docker gives them to RUN.
  const env = Object.entries(s.args).filter(([k]) => !(k in envMap(s.config.Env))).map(([k, v]) => `${k}=${v}`);
  const name = `build-${randomBytes(6).toString('hex')}`;
  const target = planned?.ref ?? base.id.replace(/^sha256:/, '');
  const learn = req.runContainer;
  const { plan, prepared } = await planFor(target, argv, { name, entrypoint: '', env }, planned ? { buildBase: false, image: planned } : { buildBase: true, ...(learn?.oneMountPerStep ? { oneMountPerStep: true } : {}) }).catch((e) => {
    throw e instanceof GlassboxError && !e.pos ? new GlassboxError(`RUN: ${e.message}`, { pos: step.pos, ...(e.hint ? { hint: e.hint } : {}) }) : e;
  });
  if (planning) {
    planning.steps.push({ ...planning.head!, kind: 'run', plan, layer: await plannedLayerSteps(root, plannedScratch(root), plan.info.paths.upper, 'upper') });
    await addLayer(root, key, s, pendingLayer(root, planning, key), step.text, planning);
    return;
  }
  // A foreground run, as `glassbox run` makes one: Ctrl-C and SIGTERM undo it, gc finishes it after a kill -9.
  // Its writable layer is packed once PID 1 has ended, before the teardown removes it.
  let layer: string | undefined;
  let cancelled: string | undefined;
  const pack = async (exit: number) => {
    if (exit === 0) layer = await withWork(root, (w) => upperLayer(w, plan.info.paths.upper, name));
  };
  const code = await withClaims(prepared, plan, () =>
    learn ? learn.run({ plan, prepared, head: req.cursor?.head ?? { stage: 1, stages: 1, n: 1, total: 1, text: step.text }, afterExit: pack }).then((c) => {
      if (c === 130) cancelled = 'the learner';
      return c;
    }) : runPlan(plan, r, facts, {
      stdin: 'ignore',
      forward: 'kill',
      interrupted: (sig) => (cancelled = sig),
      output: { write: (stream, text) => req.event?.({ kind: 'output', stream, text }), end: () => {} },
      afterExit: pack,
    }),
  );
  if (cancelled) throw new GlassboxError(`build cancelled by ${cancelled} during ${step.text}`, { exitCode: 130, pos: step.pos });
  if (code !== 0 || !layer) throw new GlassboxError(`RUN ${step.text.replace(/^RUN\s+/i, '')}: exit code ${code}`, { pos: step.pos, hint: "the build stops here; the output above is the command's" });
  await addLayer(root, key, s, layer, step.text);
  finish();
}

// The container's writable layer (its overlay upper directory) as a layer of the store (its DiffID).
async function upperLayer(work: StoreWork, upper: string, name: string): Promise<string> {
  const tar = work.fresh('upper.tar');
  await packLayer(work, upper, tar);
  return (await importLayer(work, { file: tar, label: `the writable layer of ${name}` })).diffId;
}

/** A COPY source resolved: where tar reads it from and what it lists. */
interface Source {
  dir: string;
  members: string[];
  /** A directory: its contents are copied (for --from, tar recurses into it from `.`). */
  isDir: boolean;
  /** --from: tar recurses (the members are not listed one by one). */
  recursive?: boolean;
  digest: string;
}

// COPY and ADD: see the module comment. Sources stay inside the context (or the stage's root for --from).
async function runCopy(r: Roots, req: BuildRequest & { planning?: Planning; cursor?: Cursor }, step: CopyStep & { pos: SourcePos; text: string }, s: StageState, done: Map<string, StageState>, announce: (cached: boolean) => void, finish: () => void): Promise<void> {
  const root = r.root;
  const planning = req.planning;
  const vars = varsOf(s);
  const sub = (w: string) => substitute(w, vars, { escape: s.escape, pos: step.pos });
  const sources = step.sources.map(sub);
  let dest = sub(step.dest);
  if (!dest.startsWith('/')) dest = path.posix.join(s.config.WorkingDir || '/', dest) + (dest.endsWith('/') ? '/' : '');
  if (sources.some((x) => /^[a-z][a-z0-9+.-]*:\/\//i.test(x))) {
    throw new GlassboxError(`${step.kind.toUpperCase()}: remote URLs are not supported`, { pos: step.pos, hint: 'glassbox builds without network: download the file into the context first' });
  }
  let from: StageState | undefined;
  if (step.from !== undefined) {
    const ref = sub(step.from).toLowerCase();
    from = done.get(ref);
    if (!from) {
      const img = await resolveImage(root, ref).catch(() => undefined);
      if (!img) throw new GlassboxError(`COPY --from=${step.from}: no such stage or image`, { pos: step.pos, hint: 'name an earlier stage (FROM … AS NAME) or an image in the store' });
      from = { layers: img.record.layers, config: img.record.config, shell: DEFAULT_SHELL, args: {}, key: sha(`image:${img.record.id}`), cmdSet: false, history: [], escape: s.escape };
    }
  }
  const ignore = from ? undefined : loadDockerignore(req.context, req.dockerfile);
  const resolved: Source[] = [];
  const toDir = dest.endsWith('/') || sources.length > 1;
  for (const src of sources) {
    for (const m of from ? [src] : expandGlob(req.context, src, step.pos)) {
      resolved.push(from ? stageSource(root, from, m, step.pos, planning) : contextSource(req.context, m, ignore!, step.pos));
    }
  }
  if (!resolved.length) throw new GlassboxError(`${step.kind.toUpperCase()}: no source files were specified`, { pos: step.pos });
  let chown: { uid: number; gid: number } | undefined;
  if (step.chown !== undefined) {
    const spec = sub(step.chown);
    const layers = s.layers;
    const readEtc = async (p: '/etc/passwd' | '/etc/group') => {
      for (const l of [...layers].reverse()) {
        try {
          return readFileSync(path.join(layerDir(root, l), p), 'utf8');
        } catch {}
      }
      return undefined;
    };
    const u = await resolveUser(spec.includes(':') || /^\d+$/.test(spec) ? spec : spec, readEtc).catch((e: Error) => {
      throw new GlassboxError(`--chown=${spec}: ${e.message}`, { pos: step.pos });
    });
    chown = { uid: u.uid, gid: u.gid };
  }
  const { pos: _pos, ...what } = step;
  const key = sha(`${s.key}\n${canonicalJson({ ...what, sources, dest, chown: chown ?? null })}\n${resolved.map((x) => x.digest).join(',')}`);
  if (await fromCache(root, key, s, req, announce, finish)) return;
  // The build-copy block's values: the scratch names, each source's list, tar and destination in the new layer.
  const copyParams = (w: Scratch) => {
    const dirTmp = w.fresh('layer');
    const lists: Array<{ file: string; text: string }> = [];
    const copies = resolved.map((x, i) => {
      const list = w.file(`copy-${i}.list`);
      lists.push({ file: list, text: x.members.map((m) => `${m}\0`).join('') });
      // A single file to a file path is renamed; a directory's contents go into the destination.
      const single = !toDir && !x.isDir;
      const destDir = path.join(dirTmp, single ? path.posix.dirname(dest) : dest);
      const transform = single && path.posix.basename(dest) !== x.members[0] ? `s,^${escapeSed(x.members[0]!)}$,${escapeSed(path.posix.basename(dest))},` : undefined;
      return { dir: from ? path.join(w.file('from-root'), x.dir) : x.dir, list, tar: w.fresh('copy.tar'), dest: destDir, ...(transform ? { transform } : {}), ...(x.recursive ? { recursive: true } : {}) };
    });
    const extract = step.kind === 'add' && !from ? resolved.filter((x) => x.members.length === 1 && /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz)$/i.test(x.members[0]!)) : [];
    const params: Record<string, unknown> = {
      layer: dirTmp,
      copies: copies.filter((_, i) => !extract.includes(resolved[i]!)),
      extract: extract.map((x) => ({ file: path.join(x.dir, x.members[0]!), dest: path.join(dirTmp, toDir || dest.endsWith('/') ? dest : path.posix.dirname(dest)) })),
      ...(chown ? { owner: String(chown.uid), group: String(chown.gid) } : {}),
      ...(step.chmod ? { mode: step.chmod } : {}),
    };
    if (from) Object.assign(params, { ns_file: w.file('from-ns'), mnt: w.file('from-root'), lower: lowerDirsOf(root, from.layers, planning).join(':') });
    return { dirTmp, params, lists };
  };
  if (planning) {
    const w = plannedScratch(root);
    const { dirTmp, params, lists } = copyParams(w);
    const steps = expandBlock(await loadCatalog(), { block: 'build-copy', as: 'build-copy', params: params as never });
    const members = lists.map((l) => ({ file: l.file, members: l.text.split('\0').filter(Boolean) }));
    planning.steps.push({ ...planning.head!, kind: 'copy', lists: members, steps, layer: await plannedLayerSteps(root, w, dirTmp, 'copy') });
    await addLayer(root, key, s, pendingLayer(root, planning, key), step.text, planning);
    return;
  }
  const layer = await withWork(root, async (w) => {
    const { dirTmp, params, lists } = copyParams(w);
    for (const l of lists) writeFileSync(l.file, l.text);
    mkdirSync(dirTmp);
    for (const e of params.extract as Array<{ dest: string }>) mkdirSync(e.dest, { recursive: true });
    await w.run([{ block: 'build-copy', as: 'build-copy', params: params as never }], `${step.kind.toUpperCase()} ${sources.join(' ')}`, { undo: true });
    const tar = w.fresh('copy-layer.tar');
    try {
      await packLayer(w, dirTmp, tar);
    } finally {
      await rm(dirTmp, { recursive: true, force: true });
    }
    return (await importLayer(w, { file: tar, label: `the layer of ${step.text}` })).diffId;
  });
  await addLayer(root, key, s, layer, step.text);
  finish();
}

const escapeSed = (s: string) => s.replace(/[\\,.*[\]^$]/g, (c) => `\\${c}`);

// COPY --from: a path in an earlier stage, found in its layers top first (a file, or a directory whose contents
// are copied); the digest is the stage's key and the path, since the stage's content is what its key says.
function stageSource(root: string, from: StageState, p: string, pos: SourcePos, planning?: Planning): Source {
  const abs = path.posix.resolve('/', p);
  for (const l of [...from.layers].reverse()) {
    // build --plan: a layer still to be made may hold it; whether it is a file or a directory shows once it ran.
    if (planning?.pending.has(l)) return { dir: path.posix.dirname(abs), members: [path.posix.basename(abs)], isDir: false, digest: sha(`from:${from.key}:${abs}`) };
    let st;
    try {
      st = lstatSync(path.join(layerDir(root, l), abs));
    } catch {
      continue;
    }
    const digest = sha(`from:${from.key}:${abs}`);
    if (st.isDirectory()) return { dir: abs, members: ['.'], isDir: true, recursive: true, digest };
    return { dir: path.posix.dirname(abs), members: [path.posix.basename(abs)], isDir: false, digest };
  }
  throw new GlassboxError(`COPY --from: ${p} does not exist in that stage`, { pos });
}

// A context path (no glob) checked to stay inside the context, with the members tar lists and a content digest.
function contextSource(context: string, rel: string, ignore: { ignored(p: string): boolean }, pos: SourcePos): Source {
  const clean = path.posix.normalize(rel.replace(/^\/+/, ''));
  if (clean === '..' || clean.startsWith('../')) throw new GlassboxError(`COPY ${rel}: the source is outside the build context`, { pos, hint: 'sources are relative to the context directory' });
  const abs = path.join(context, clean);
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    throw new GlassboxError(`COPY ${rel}: no such file or directory in the build context`, { pos, hint: `looked for ${abs}` });
  }
  const ctxReal = realpathSync(context);
  if (real !== ctxReal && !real.startsWith(ctxReal + path.sep)) throw new GlassboxError(`COPY ${rel}: the source leaves the build context through a symbolic link (${real})`, { pos });
  const st = statSync(real);
  const h = createHash('sha256');
  if (st.isDirectory()) {
    const members: string[] = [];
    const walk = (dir: string, prefix: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const relMember = prefix ? `${prefix}/${e.name}` : e.name;
        const ctxRel = path.posix.join(clean === '.' ? '' : clean, relMember);
        if (ignore.ignored(ctxRel)) continue;
        members.push(relMember);
        const full = path.join(dir, e.name);
        const l = lstatSync(full);
        h.update(`${relMember}\0${l.mode}\0`);
        if (l.isSymbolicLink()) h.update(readlinkSync(full));
        else if (l.isFile()) h.update(readFileSync(full));
        if (e.isDirectory()) walk(full, relMember);
      }
    };
    walk(real, '');
    return { dir: real, members, isDir: true, digest: h.digest('hex') };
  }
  if (ignore.ignored(clean)) throw new GlassboxError(`COPY ${rel}: the file is excluded by .dockerignore`, { pos });
  h.update(`${st.mode}\0`).update(readFileSync(real));
  return { dir: path.dirname(real), members: [path.basename(real)], isDir: false, digest: h.digest('hex') };
}

// Expands Go-style globs (* ? [...]) in a COPY source, path segment by path segment, inside the context.
function expandGlob(context: string, pattern: string, pos: SourcePos): string[] {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const segs = path.posix.normalize(pattern.replace(/^\/+/, '')).split('/');
  let found = [''];
  for (const seg of segs) {
    if (!/[*?[]/.test(seg)) {
      found = found.map((f) => (f ? `${f}/${seg}` : seg));
      continue;
    }
    const re = new RegExp(`^${seg.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
    found = found.flatMap((f) => {
      try {
        return readdirSync(path.join(context, f)).filter((n) => re.test(n)).sort().map((n) => (f ? `${f}/${n}` : n));
      } catch {
        return [];
      }
    });
  }
  if (!found.length) throw new GlassboxError(`COPY ${pattern}: no file matches`, { pos });
  return found;
}
