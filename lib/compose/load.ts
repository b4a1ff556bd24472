// Loading a compose project the way docker compose does (compose-go's cli and loader packages):
//   1. the files: `-f` as given (repeatable, `-` is standard input), else COMPOSE_FILE, else the first of
//      compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml in the working directory or the nearest
//      parent that has one, with compose.override.yaml (or its other spellings) beside it;
//   2. the project directory: the first file's directory; `.env` there (or --env-file) feeds interpolation, the
//      process environment winning over it;
//   3. each file: YAML with positions → interpolation (values only; `:?` errors at file:line:col) → strings cast
//      where compose expects a number or boolean → `x-` extensions taken out → the zod schema (schema.ts) →
//      canonical long forms (normalise.ts);
//   4. the files merged in order (merge.ts), the project name chosen (-p, COMPOSE_PROJECT_NAME, `name:`, the
//      directory's name normalised), env files read, profiles applied, references checked (dependencies,
//      networks, volumes).
// Nothing is started and nothing is written: the result is a ComposeProject (model.ts).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { isCollection, isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import { GlassboxError, GlassboxErrors, type SourcePos } from '../errors.ts';
import { stringProblems } from '../recipe/limits.ts';
import { fieldPath, parseYaml, positionOf, type ParsedYaml } from '../recipe/yamlpos.ts';
import { parseDotenv } from './dotenv.ts';
import { findCycle } from './graph.ts';
import { composeZodErrors } from './errors.ts';
import { interpolateString, InterpolationError, type Lookup } from './interpolate.ts';
import { mergeFiles, type Tag, type Tags } from './merge.ts';
import type { ComposeNetwork, ComposeProject, ComposeService, ComposeVolume, ServiceDependency } from './model.ts';
import { hostPath, normaliseService, type FileModel, type NormaliseContext, type PartialService, type Path } from './normalise.ts';
import { ComposeFileSchema, type ComposeFileInput, type ServiceInput } from './schema.ts';

export const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];
export const OVERRIDE_FILES = ['compose.override.yml', 'compose.override.yaml', 'docker-compose.override.yml', 'docker-compose.override.yaml'];

export interface LoadOptions {
  /** `-f` values, in order (`-` reads standard input). */
  files?: string[];
  /** `-p`. */
  projectName?: string;
  /** The directory compose runs in (relative `-f` and --env-file are resolved against it). */
  workdir: string;
  /** The process environment. */
  env: Record<string, string | undefined>;
  /** `--env-file` values (instead of the project directory's `.env`). */
  envFiles?: string[];
  /** `--profile` values (default: COMPOSE_PROFILES, comma-separated); `*` enables every profile. */
  profiles?: string[];
  /** Reads `-f -` (default: file descriptor 0). */
  readStdin?: () => string;
}

/** The project name rule of docker compose: lowercase letters, digits, `_` and `-`, starting with a letter or digit. */
export const PROJECT_NAME_RE = /^[a-z0-9][a-z0-9_-]*$/;

// compose-go's NormalizeProjectName: lowercase, keep [a-z0-9_-], trim leading `_` and `-`.
export function normaliseProjectName(s: string): string {
  return (s.toLowerCase().match(/[a-z0-9_-]/g) ?? []).join('').replace(/^[_-]+/, '');
}

const badName = (name: string, field: string) =>
  new GlassboxError(`invalid project name "${name}"`, { field, hint: 'use lowercase letters, digits, _ and -, starting with a letter or digit' });

// Which files to read and the project directory (step 1 and 2 above).
export function discoverFiles(opts: Pick<LoadOptions, 'files' | 'workdir' | 'env'>): { files: string[]; workingDir: string } {
  const cwd = resolve(opts.workdir);
  let files = opts.files?.length ? opts.files : undefined;
  if (!files && opts.env.COMPOSE_FILE) files = opts.env.COMPOSE_FILE.split(opts.env.COMPOSE_PATH_SEPARATOR || ':').filter(Boolean);
  if (files) {
    const abs = files.map((f) => (f === '-' ? '-' : resolve(cwd, f)));
    for (const f of abs) if (f !== '-' && !existsSync(f)) throw new GlassboxError(`compose file ${f} not found`, { field: '-f', hint: 'check the path' });
    const first = abs.find((f) => f !== '-');
    return { files: abs, workingDir: first ? dirname(first) : cwd };
  }
  for (let dir = cwd; ; dir = dirname(dir)) {
    const found = DEFAULT_FILES.map((n) => join(dir, n)).filter((f) => isFile(f));
    if (found.length) {
      const override = OVERRIDE_FILES.map((n) => join(dir, n)).find((f) => isFile(f));
      return { files: override ? [found[0]!, override] : [found[0]!], workingDir: dir };
    }
    if (dirname(dir) === dir) break;
  }
  throw new GlassboxError(`no compose file found in ${cwd} or its parent directories`, { hint: `add ${DEFAULT_FILES[0]}, or name one with -f FILE` });
}

const isFile = (f: string) => {
  try {
    return statSync(f).isFile();
  } catch {
    return false;
  }
};

// The variables interpolation sees: the env files', then the process environment's over them.
function interpolationEnv(opts: LoadOptions, workingDir: string): { lookup: Lookup; envFiles: string[]; values: Record<string, string> } {
  let files = opts.envFiles?.map((f) => resolve(opts.workdir, f));
  if (!files) {
    const disabled = /^(1|true)$/i.test(opts.env.COMPOSE_DISABLE_ENV_FILE ?? '');
    const dotenv = join(workingDir, '.env');
    files = !disabled && isFile(dotenv) ? [dotenv] : [];
  }
  const values: Record<string, string> = {};
  const processLookup: Lookup = (k) => opts.env[k];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      throw new GlassboxError(`cannot read env file ${f}: ${(e as NodeJS.ErrnoException).code ?? e}`, { field: '--env-file', hint: 'check the path' });
    }
    const parsed = parseDotenv(text, (k) => values[k] ?? processLookup(k));
    if (parsed.problems.length) throw new GlassboxErrors(parsed.problems.map((p) => new GlassboxError(p.message, { pos: { file: f, line: p.line, col: 1 } })));
    Object.assign(values, parsed.values);
  }
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) values[k] = v;
  return { lookup: (k) => values[k], envFiles: files, values };
}

// Where compose expects a number or a boolean, an interpolated string is turned into one (compose-go's
// interpolateTypeCastMapping, for the keys glassbox reads). `*` matches any key or index.
const CASTS: [string[], 'bool' | 'int' | 'float'][] = [
  [['services', '*', 'read_only'], 'bool'],
  [['services', '*', 'init'], 'bool'],
  [['services', '*', 'cpus'], 'float'],
  [['services', '*', 'pids_limit'], 'int'],
  [['services', '*', 'depends_on', '*', 'required'], 'bool'],
  [['services', '*', 'depends_on', '*', 'restart'], 'bool'],
  [['services', '*', 'healthcheck', 'retries'], 'int'],
  [['services', '*', 'healthcheck', 'disable'], 'bool'],
  [['services', '*', 'ports', '*', 'target'], 'int'],
  [['services', '*', 'ulimits', '*'], 'int'],
  [['services', '*', 'ulimits', '*', 'soft'], 'int'],
  [['services', '*', 'ulimits', '*', 'hard'], 'int'],
  [['services', '*', 'volumes', '*', 'read_only'], 'bool'],
  [['services', '*', 'volumes', '*', 'bind', 'create_host_path'], 'bool'],
  [['services', '*', 'volumes', '*', 'volume', 'nocopy'], 'bool'],
  [['services', '*', 'deploy', 'resources', 'limits', 'pids'], 'int'],
  [['networks', '*', 'external'], 'bool'],
  [['networks', '*', 'internal'], 'bool'],
  [['volumes', '*', 'external'], 'bool'],
];

function cast(path: Path, s: string): unknown {
  const rule = CASTS.find(([p]) => p.length === path.length && p.every((seg, i) => seg === '*' || seg === String(path[i])));
  if (!rule) return s;
  const t = s.trim();
  if (rule[1] === 'bool') {
    const l = t.toLowerCase();
    return ['true', 'y', 'yes', 'on'].includes(l) ? true : ['false', 'n', 'no', 'off'].includes(l) ? false : s;
  }
  if (t === '' || !Number.isFinite(Number(t))) return s;
  return rule[1] === 'int' && !Number.isInteger(Number(t)) ? s : Number(t);
}

// Maps whose keys are the user's (service names, variables, labels): an `x-` key there is an ordinary key.
const FREE_MAPS: string[][] = [
  ['services'], ['networks'], ['volumes'],
  ['services', '*', 'environment'], ['services', '*', 'labels'], ['services', '*', 'depends_on'], ['services', '*', 'networks'],
  ['services', '*', 'sysctls'], ['services', '*', 'ulimits'], ['services', '*', 'extra_hosts'], ['services', '*', 'build', 'args'],
  ['networks', '*', 'labels'], ['volumes', '*', 'labels'],
];
const isFree = (path: Path) => FREE_MAPS.some((p) => p.length === path.length && p.every((seg, i) => seg === '*' || seg === String(path[i])));

// YAML merge keys (`<<: *defaults`, `<<: [*a, *b]`): the mapping's own keys win, then the first merged map's.
function applyMergeKeys(v: Record<string, unknown>): Record<string, unknown> {
  if (!('<<' in v)) return v;
  const { '<<': from, ...own } = v;
  const sources = (Array.isArray(from) ? from : [from]).filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x));
  const out: Record<string, unknown> = {};
  for (const src of sources.reverse()) Object.assign(out, src);
  return Object.assign(out, own);
}

interface Prepared {
  value: unknown;
  extensions: Record<string, unknown>;
  serviceExtensions: Record<string, Record<string, unknown>>;
}

// Interpolates every string value, applies merge keys and casts, and takes `x-` keys out (step 3).
function prepare(y: ParsedYaml, tags: Tags, lookup: Lookup, warn: (w: string) => void): Prepared {
  const errors: GlassboxError[] = [];
  const extensions: Record<string, unknown> = {};
  const serviceExtensions: Record<string, Record<string, unknown>> = {};
  const walk = (v: unknown, path: Path): unknown => {
    if (typeof v === 'string') {
      try {
        const unset = (name: string) => {
          const at = positionOf(y, path);
          warn(`${at.file}:${at.line}:${at.col}: ${fieldPath(path)}: the "${name}" variable is not set, so it is an empty string`);
        };
        return cast(path, interpolateString(v, lookup, unset));
      } catch (e) {
        if (!(e instanceof InterpolationError)) throw e;
        errors.push(new GlassboxError(e.message, { pos: positionOf(y, path), field: fieldPath(path), hint: e.kind === 'invalid' ? 'write a literal $ as $$' : 'set it in the environment or in .env' }));
        return v;
      }
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v && typeof v === 'object') {
      const free = isFree(path);
      const m = applyMergeKeys(v as Record<string, unknown>);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(m)) {
        if (!free && k.startsWith('x-')) {
          if (path.length === 0) extensions[k] = walk(x, [k]);
          else if (path.length === 2 && path[0] === 'services') (serviceExtensions[String(path[1])] ??= {})[k] = walk(x, [...path, k]);
          continue;
        }
        // A !reset value only clears what earlier files said (merge.ts): the file itself does not have it.
        if (tags.get([...path, k].join('.')) === 'reset') continue;
        out[k] = walk(x, [...path, k]);
      }
      return out;
    }
    return v;
  };
  const value = walk(y.value, []);
  if (errors.length) throw new GlassboxErrors(errors);
  return { value, extensions, serviceExtensions };
}

// The !reset and !override tags of a file, by dotted path.
function tagsOf(y: ParsedYaml): Tags {
  const tags: Tags = new Map();
  const visit = (n: Node | null | undefined, path: string[]) => {
    if (!n) return;
    const tag = (n as { tag?: string }).tag;
    if ((tag === '!reset' || tag === '!override') && path.length) tags.set(path.join('.'), tag.slice(1) as Tag);
    if (isMap(n)) for (const p of n.items) isPair(p) && isScalar(p.key) && visit(p.value as Node, [...path, String(p.key.value)]);
    else if (isSeq(n)) n.items.forEach((x, i) => visit(x as Node, [...path, String(i)]));
  };
  visit(y.doc.contents as Node, []);
  return tags;
}

// Positions worth keeping after the merge: each service, its keys, and each of its dependencies by name.
function originsOf(y: ParsedYaml, into: Record<string, SourcePos>): void {
  const pos = (n: unknown): SourcePos => {
    const p = y.lines.linePos((n as { range?: number[] } | null)?.range?.[0] ?? 0);
    return { file: y.file, line: p.line, col: p.col };
  };
  const root = y.doc.contents;
  if (!isMap(root)) return;
  for (const top of root.items) {
    if (!isScalar(top.key)) continue;
    const section = String(top.key.value);
    into[section] = pos(top.key);
    if (!isMap(top.value)) continue;
    for (const item of top.value.items) {
      if (!isScalar(item.key)) continue;
      const name = `${section}.${String(item.key.value)}`;
      into[name] = pos(item.key);
      if (section !== 'services' || !isMap(item.value)) continue;
      for (const attr of item.value.items) {
        if (!isScalar(attr.key)) continue;
        const at = `${name}.${String(attr.key.value)}`;
        into[at] = pos(attr.value ?? attr.key);
        const v = attr.value;
        if (!['depends_on', 'networks', 'volumes'].includes(String(attr.key.value))) continue;
        if (isScalar(v)) into[`${at}.${String(v.value)}`] = pos(v);
        if (!isCollection(v)) continue;
        if (isSeq(v)) v.items.forEach((x, i) => {
          into[`${at}.${i}`] = pos(x);
          if (isScalar(x)) into[`${at}.${String(x.value)}`] = pos(x);
        });
        else for (const p of v.items) if (isPair(p) && isScalar(p.key)) into[`${at}.${String(p.key.value)}`] = pos(p.key);
      }
    }
  }
}

// One file: read, parsed, interpolated, validated and normalised.
function loadFile(file: string, shown: string, text: string, lookup: Lookup, ctx: NormaliseContext, warn: (w: string) => void, origins: Record<string, SourcePos>): { model: FileModel; tags: Tags; y: ParsedYaml } {
  const y = parseYaml(text, shown);
  if (y.value === null || y.value === undefined) throw new GlassboxError('the compose file is empty', { pos: { file: shown, line: 1, col: 1 }, hint: 'a compose file starts with `services:`' });
  if (typeof y.value !== 'object' || Array.isArray(y.value)) throw new GlassboxError('a compose file must be a YAML mapping', { pos: { file: shown, line: 1, col: 1 }, hint: 'a compose file starts with `services:`' });
  const strings = stringProblems(y.value);
  if (strings.length) throw new GlassboxErrors(strings.map((p) => new GlassboxError(p.message, { pos: positionOf(y, p.path), field: fieldPath(p.path) || '(top level)', hint: p.hint })));
  const tags = tagsOf(y);
  const { value, extensions, serviceExtensions } = prepare(y, tags, lookup, warn);
  const parsed = ComposeFileSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw new GlassboxErrors(composeZodErrors(y, ComposeFileSchema, parsed.error));
  const f: ComposeFileInput = parsed.data;
  if (f.version !== undefined) warn(`${shown}: the attribute "version" is obsolete and ignored`);
  originsOf(y, origins);
  const model: FileModel = { file, services: {}, networks: {}, volumes: {}, extensions };
  if (f.name !== undefined) model.name = f.name;
  const problems = ctx.problems;
  const before = problems.length;
  for (const [name, s] of Object.entries(f.services ?? {})) {
    const service = s === null ? null : normaliseService(name, s as ServiceInput, ctx);
    if (service && serviceExtensions[name]) service.extensions = serviceExtensions[name];
    model.services[name] = service;
  }
  for (const [name, n] of Object.entries(f.networks ?? {})) {
    const net: Partial<ComposeNetwork> = {};
    if (n) {
      const { labels, ...rest } = n;
      Object.assign(net, rest);
      if (labels) net.labels = Object.fromEntries(Object.entries(listOrDictStrings(labels)));
    }
    model.networks[name] = net;
  }
  for (const [name, v] of Object.entries(f.volumes ?? {})) {
    const vol: Partial<ComposeVolume> = {};
    if (v) {
      const { labels, ...rest } = v;
      Object.assign(vol, rest);
      if (labels) vol.labels = listOrDictStrings(labels);
    }
    model.volumes[name] = vol;
  }
  if (problems.length > before) {
    const errs = problems.splice(before).map((p) => new GlassboxError(p.message, { pos: positionOf(y, p.path), field: fieldPath(p.path), hint: p.hint }));
    errs.sort((a, b) => a.pos!.line - b.pos!.line || a.pos!.col - b.pos!.col);
    throw new GlassboxErrors(errs);
  }
  return { model, tags, y };
}

function listOrDictStrings(v: Record<string, unknown> | string[]): Record<string, string> {
  if (Array.isArray(v)) return Object.fromEntries(v.map((kv) => (kv.includes('=') ? [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] : [kv, ''])));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x === null || x === undefined ? '' : String(x)]));
}

// Loads, merges and checks a compose project.
export function loadComposeProject(opts: LoadOptions): ComposeProject {
  const { files, workingDir } = discoverFiles(opts);
  const { lookup, envFiles, values } = interpolationEnv(opts, workingDir);
  const warnings: string[] = [];
  const warn = (w: string) => warnings.includes(w) || warnings.push(w);
  const origins: Record<string, SourcePos> = {};
  const ctx: NormaliseContext = { workingDir, home: values.HOME, problems: [] };
  const shown = (f: string) => {
    const rel = relative(resolve(opts.workdir), f);
    return f === '-' ? '(stdin)' : rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : f;
  };
  const loaded = files.map((f) => {
    let text: string;
    try {
      text = f === '-' ? (opts.readStdin ?? (() => readFileSync(0, 'utf8')))() : readFileSync(f, 'utf8');
    } catch (e) {
      throw new GlassboxError(`cannot read compose file ${f}: ${(e as NodeJS.ErrnoException).code ?? e}`, { hint: 'check the path' });
    }
    return loadFile(f, shown(f), text, lookup, ctx, warn, origins);
  });
  const merged = mergeFiles(loaded.map(({ model, tags }) => ({ model, tags })));
  const name = projectName(opts, values, merged.name, workingDir, origins);
  const errors: GlassboxError[] = [];
  const place = (path: string, message: string, hint?: string) => errors.push(new GlassboxError(message, { pos: origins[path] ?? origins[path.split('.').slice(0, 2).join('.')], field: path, hint }));

  const all: Record<string, ComposeService> = {};
  for (const [svc, partial] of Object.entries(merged.services)) all[svc] = finishService(svc, partial ?? {}, lookup, place);
  const networks: Record<string, ComposeNetwork> = {};
  for (const [n, net] of Object.entries(merged.networks)) networks[n] = { ...net, name: net.name ?? (net.external ? n : `${name}_${n}`) };
  const volumes: Record<string, ComposeVolume> = {};
  for (const [n, vol] of Object.entries(merged.volumes)) volumes[n] = { ...vol, name: vol.name ?? (vol.external ? n : `${name}_${n}`) };

  // Profiles: a service without any is always on; `*` turns every profile on.
  const profiles = (opts.profiles ?? (values.COMPOSE_PROFILES ?? '').split(',')).map((p) => p.trim()).filter(Boolean);
  const services: Record<string, ComposeService> = {};
  const disabledServices: Record<string, ComposeService> = {};
  for (const [n, s] of Object.entries(all)) {
    const on = s.profiles.length === 0 || profiles.includes('*') || s.profiles.some((p) => profiles.includes(p));
    (on ? services : disabledServices)[n] = s;
  }
  const usesDefault = Object.values(services).some((s) => !s.network_mode && !s.networks);
  if (usesDefault && !networks.default) networks.default = { name: `${name}_default` };
  for (const [n, s] of Object.entries(all)) {
    const enabled = n in services;
    for (const [dep, d] of Object.entries(s.depends_on)) {
      const at = `services.${n}.depends_on.${dep}`;
      if (dep === n) place(at, `service "${n}" depends on itself`);
      else if (!(dep in all)) {
        if (d.required) place(at, `service "${n}" depends on undefined service "${dep}"`, hintFor(dep, Object.keys(all)) ?? `services: ${Object.keys(all).join(', ')}`);
        else (delete s.depends_on[dep], enabled && warn(`service "${n}" depends on undefined service "${dep}" (required: false: ignored)`));
      } else if (enabled && !(dep in services)) {
        if (d.required) place(at, `service "${n}" depends on "${dep}", which is not enabled by the active profiles`, `enable one of its profiles: ${all[dep]!.profiles.join(', ')}`);
        else (delete s.depends_on[dep], warn(`service "${n}" depends on "${dep}", not enabled by the active profiles (required: false: ignored)`));
      }
    }
    if (!enabled) continue;
    if (s.image === undefined && s.build === undefined) place(`services.${n}`, `service "${n}" has neither an image nor a build context`, 'add `image: NAME`');
    if (s.network_mode !== undefined && s.networks) place(`services.${n}.network_mode`, `service "${n}" has both network_mode and networks`, 'give one of them');
    if (s.network_mode?.startsWith('service:') && !(s.network_mode.slice(8) in all)) place(`services.${n}.network_mode`, `network_mode refers to undefined service "${s.network_mode.slice(8)}"`);
    for (const net of Object.keys(s.networks ?? {})) {
      if (!(net in networks) && net !== 'default') place(`services.${n}.networks.${net}`, `service "${n}" refers to undefined network "${net}"`, hintFor(net, Object.keys(networks)) ?? 'declare it under the top-level networks:');
    }
    if (s.networks && 'default' in s.networks && !networks.default) networks.default = { name: `${name}_default` };
    s.volumes.forEach((v, i) => {
      if (v.type === 'volume' && v.source !== undefined && !(v.source in volumes)) place(`services.${n}.volumes`, `service "${n}" refers to undefined volume "${v.source}" (volumes.${i})`, hintFor(v.source, Object.keys(volumes)) ?? 'declare it under the top-level volumes:');
    });
  }
  // A cycle is refused when the file is read, as docker compose does (startOrder refuses it too).
  const cycle = errors.length ? undefined : findCycle(Object.keys(all), (n) => Object.keys(all[n]!.depends_on).filter((d) => d in all));
  if (cycle) place(`services.${cycle[0]}.depends_on`, `dependency cycle: ${cycle.join(' → ')}`, 'a service cannot wait for a service that waits for it');
  if (errors.length) throw new GlassboxErrors(errors);
  return {
    name,
    workingDir,
    composeFiles: files,
    envFiles,
    profiles,
    services,
    disabledServices,
    networks,
    volumes,
    ...(Object.keys(merged.extensions).length ? { extensions: merged.extensions } : {}),
    warnings,
    origins,
  };
}

function hintFor(name: string, known: string[]): string | undefined {
  const near = known.find((k) => k.toLowerCase() === name.toLowerCase()) ?? known.find((k) => k.startsWith(name) || name.startsWith(k));
  return near ? `did you mean "${near}"?` : undefined;
}

// -p, then COMPOSE_PROJECT_NAME, then the files' `name:` (normalised), then the project directory's name.
function projectName(opts: LoadOptions, env: Record<string, string>, fromFile: string | undefined, workingDir: string, origins: Record<string, SourcePos>): string {
  if (opts.projectName !== undefined) {
    if (!PROJECT_NAME_RE.test(opts.projectName)) throw badName(opts.projectName, '-p');
    return opts.projectName;
  }
  const fromEnv = env.COMPOSE_PROJECT_NAME;
  if (fromEnv) {
    if (!PROJECT_NAME_RE.test(fromEnv)) throw badName(fromEnv, 'COMPOSE_PROJECT_NAME');
    return fromEnv;
  }
  if (fromFile) {
    const n = normaliseProjectName(fromFile);
    if (!n) throw new GlassboxError(`the project name "${fromFile}" has no usable character`, { pos: origins.name, field: 'name', hint: 'use lowercase letters, digits, _ and -' });
    return n;
  }
  const n = normaliseProjectName(basename(workingDir));
  if (!n) throw new GlassboxError(`the directory name "${basename(workingDir)}" gives no project name`, { hint: 'name the project with -p NAME or `name:` in the file' });
  return n;
}

// A merged service with its defaults, env files read and `- KEY` variables taken from the environment.
function finishService(name: string, p: PartialService, lookup: Lookup, place: (path: string, message: string, hint?: string) => void): ComposeService {
  const environment: Record<string, string> = {};
  for (const ef of p.env_file ?? []) {
    if (!isFile(ef.path)) {
      if (ef.required) place(`services.${name}.env_file`, `env file ${ef.path} not found`, 'create it, or mark it `required: false`');
      continue;
    }
    let text: string;
    try {
      text = readFileSync(ef.path, 'utf8');
    } catch (e) {
      place(`services.${name}.env_file`, `cannot read env file ${ef.path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
      continue;
    }
    const parsed = parseDotenv(text, lookup);
    for (const pr of parsed.problems) place(`services.${name}.env_file`, `${ef.path}:${pr.line}: ${pr.message}`);
    Object.assign(environment, parsed.values);
  }
  for (const [k, v] of Object.entries(p.environment ?? {})) {
    if (v !== null) environment[k] = v;
    else {
      const x = lookup(k);
      if (x !== undefined) environment[k] = x;
    }
  }
  return {
    ...p,
    name,
    environment,
    ports: p.ports ?? [],
    expose: p.expose ?? [],
    volumes: p.volumes ?? [],
    tmpfs: p.tmpfs ?? [],
    labels: p.labels ?? {},
    cap_add: p.cap_add ?? [],
    cap_drop: p.cap_drop ?? [],
    sysctls: p.sysctls ?? {},
    extra_hosts: p.extra_hosts ?? [],
    dns: p.dns ?? [],
    profiles: p.profiles ?? [],
    security_opt: p.security_opt ?? [],
    volumes_from: p.volumes_from ?? [],
    devices: p.devices ?? [],
    depends_on: { ...implicitDependencies(p), ...(p.depends_on ?? {}) },
  };
}

// The services a service needs besides depends_on, as compose-go counts them: network_mode service:NAME and
// volumes_from NAME (not container:NAME) — both need the other service's container to exist first.
function implicitDependencies(p: PartialService): Record<string, ServiceDependency> {
  const names = [
    ...(p.network_mode?.startsWith('service:') ? [p.network_mode.slice('service:'.length)] : []),
    ...(p.volumes_from ?? []).filter((v) => !v.startsWith('container:')).map((v) => v.split(':')[0]!),
  ];
  return Object.fromEntries(names.map((n) => [n, { condition: 'service_started', restart: false, required: true }]));
}

