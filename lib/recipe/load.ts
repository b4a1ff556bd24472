// Loads a recipe file: YAML → zod structure check → normalised ContainerSpec → semantic checks. Every error
// carries file:line:col; nothing on the system is touched.

import { recipeExtras } from './recipe-extras.ts';
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { resolve } from 'node:path';
import { parseResources, type ResourceHost } from '../cgroup/resources.ts';
import { healthFromRecipe, parseDuration } from '../health/model.ts';
import { parseLogOpts, parseRestart, parseStopSignal } from '../restart/policy.ts';
import { GlassboxError, GlassboxErrors, type SourcePos } from '../errors.ts';
import { DEFAULT_NAMESPACES, type ContainerSpec, type Origins, type Volume } from './model.ts';
import { RecipeSchema, type Recipe } from './schema.ts';
import { stringProblems } from './limits.ts';
import { parseVolumeShort, validateSpec } from './validate.ts';
import { fieldPath, parseYaml, positionOf, type ParsedYaml } from './yamlpos.ts';
import { zodToErrors } from './zoderrors.ts';
import { parseNetwork } from '../net/model.ts';
import { parseVolumesFrom } from '../volume/spec.ts';

export interface RecipeOptions {
  /** The host, for the checks that depend on it (CPU count, online CPUs); without it they are skipped. */
  host?: ResourceHost;
}

// Reads, checks and normalises a recipe file.
export function loadRecipe(file: string, opts: RecipeOptions = {}): ContainerSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new GlassboxError(`cannot read recipe ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`, { hint: 'check the path' });
  }
  return parseRecipe(text, file, opts);
}

// The same from text (tests and stdin use it).
export function parseRecipe(text: string, file: string, opts: RecipeOptions = {}): ContainerSpec {
  const y = parseYaml(text, file);
  if (y.value === null || typeof y.value !== 'object' || Array.isArray(y.value)) {
    throw new GlassboxError('a recipe must be a YAML mapping (key: value lines)', { pos: { file, line: 1, col: 1 }, hint: 'start with `name:` and `image:`' });
  }
  // A recipe with `services:` is a compose project (one schema covers both forms): compose runs it.
  if ('services' in (y.value as Record<string, unknown>)) {
    throw new GlassboxError(`${file} describes services: it is a project of several containers`, { pos: positionOf(y, [], 'services'), field: 'services', hint: `run it with glassbox compose -f ${file} up, or plan, config` });
  }
  // NUL bytes and over-long values, at their exact place (before the schema, which would echo them).
  const strings = stringProblems(y.value);
  if (strings.length) throw new GlassboxErrors(strings.map((p) => new GlassboxError(p.message, { pos: positionOf(y, p.path), field: fieldPath(p.path) || '(top level)', hint: p.hint })));
  const parsed = RecipeSchema.safeParse(y.value, { reportInput: true });
  if (!parsed.success) throw zodToErrors(y, RecipeSchema, parsed.error, 'recipe');
  const errors: GlassboxError[] = [];
  const spec = normalise(parsed.data, y, errors);
  spec.source = resolve(file);
  spec.origins = { ...recipeOrigins(y), ...envOrigins(parsed.data, y) };
  for (const p of validateSpec(spec, opts.host)) {
    errors.push(new GlassboxError(p.message, { pos: positionOf(y, p.path), field: fieldPath(p.path) || '(top level)', hint: p.hint }));
  }
  if (errors.length) throw new GlassboxErrors(errors);
  return spec;
}

// A list-form env (`- KEY=VALUE`) is found by its index in the file but by its key in the spec.
function envOrigins(recipe: Recipe, y: ParsedYaml): Record<string, SourcePos> {
  if (!Array.isArray(recipe.env)) return {};
  return Object.fromEntries(recipe.env.map((kv, i) => [`env.${kv.slice(0, Math.max(kv.indexOf('='), 0))}`, positionOf(y, ['env', i])]));
}

// Turns the file's convenient forms (command as a string, env as a list, short volumes) into the one model.
function normalise(r: Recipe, y: ParsedYaml, errors: GlassboxError[]): ContainerSpec {
  const env: Record<string, string> = {};
  if (Array.isArray(r.env)) {
    r.env.forEach((kv, i) => {
      const eq = kv.indexOf('=');
      if (eq <= 0) errors.push(new GlassboxError(`expected KEY=VALUE, got "${kv}"`, { pos: positionOf(y, ['env', i]), field: `env.${i}` }));
      else env[kv.slice(0, eq)] = kv.slice(eq + 1);
    });
  } else for (const [k, v] of Object.entries(r.env ?? {})) env[k] = String(v);
  let labels: Record<string, string> | undefined;
  if (r.labels !== undefined) {
    labels = {};
    if (Array.isArray(r.labels)) {
      for (const [i, kv] of r.labels.entries()) {
        const eq = kv.indexOf('=');
        if (eq === 0) errors.push(new GlassboxError(`expected KEY=VALUE, got "${kv}"`, { pos: positionOf(y, ['labels', i]), field: `labels.${i}` }));
        else labels[eq < 0 ? kv : kv.slice(0, eq)] = eq < 0 ? '' : kv.slice(eq + 1);
      }
    } else for (const [k, v] of Object.entries(r.labels)) labels[k] = String(v);
  }
  const volumes: Volume[] = [];
  r.volumes.forEach((v, i) => {
    if (typeof v === 'string') {
      const parsed = parseVolumeShort(v);
      if (typeof parsed === 'string') errors.push(new GlassboxError(parsed, { pos: positionOf(y, ['volumes', i]), field: `volumes.${i}` }));
      else volumes.push(parsed);
    } else if (v.type === 'bind') volumes.push({ type: 'bind', source: v.source, target: v.target, readOnly: v.readonly || !!v.read_only, ...(v.bind?.propagation ? { propagation: v.bind.propagation } : {}) });
    else if (v.type === 'volume') volumes.push({ type: 'volume', ...(v.source !== undefined ? { source: v.source } : {}), target: v.target, readOnly: v.read_only, ...(v.volume?.nocopy ? { noCopy: true } : {}) });
    else volumes.push({ type: 'tmpfs', target: v.target, size: v.size, mode: v.mode, ...(v.read_only ? { readOnly: true } : {}) });
  });
  const volumesFrom: NonNullable<ContainerSpec['volumesFrom']> = [];
  r.volumes_from?.forEach((f, i) => {
    const parsed = parseVolumesFrom(f);
    if (typeof parsed === 'string') errors.push(new GlassboxError(parsed, { pos: positionOf(y, ['volumes_from', i]), field: `volumes_from.${i}` }));
    else volumesFrom.push(parsed);
  });
  const shell = (c: string | string[] | undefined) => (typeof c === 'string' ? ['/bin/sh', '-c', c] : c);
  let resources: ContainerSpec['resources'];
  if (r.resources) {
    const parsed = parseResources(r.resources);
    for (const p of parsed.problems) errors.push(new GlassboxError(p.message, { pos: positionOf(y, p.path), field: fieldPath(p.path), hint: p.hint }));
    resources = parsed.resources;
  }
  let network: ContainerSpec['network'];
  if (r.network !== undefined) {
    const n = typeof r.network === 'string' ? { mode: r.network } : { mode: r.network.mode, ports: r.network.ports, ip: r.network.ip, dns: r.network.dns, addHosts: r.network.add_hosts };
    const parsed = parseNetwork(n);
    for (const p of parsed.problems) {
      const path = typeof r.network === 'string' ? ['network'] : p.path;
      errors.push(new GlassboxError(p.message, { pos: positionOf(y, path), field: fieldPath(path), hint: p.hint }));
    }
    network = parsed.spec;
  }
  const life = lifecycleOf(r, (message, path) => errors.push(new GlassboxError(message, { pos: positionOf(y, path), field: fieldPath(path) })));
  const extras = recipeExtras(r, (message, path) => errors.push(new GlassboxError(message, { pos: positionOf(y, path), field: fieldPath(path) })));
  return {
    ...life,
    ...extras,
    name: r.name,
    image: r.image,
    rootdir: r.rootdir,
    command: shell(r.command),
    entrypoint: r.entrypoint === '' ? [] : shell(r.entrypoint),
    env,
    workdir: r.workdir,
    hostname: r.hostname,
    user: r.user,
    namespaces: r.namespaces ?? [...DEFAULT_NAMESPACES],
    root: r.root,
    rootfs: r.rootfs,
    readOnly: r.read_only,
    volumes,
    ...(volumesFrom.length ? { volumesFrom } : {}),
    ...(resources ? { resources } : {}),
    ...(r.init ? { init: true } : {}),
    ...(network ? { network } : {}),
    ...(labels ? { labels } : {}),
    ...(r.security
      ? { security: { privileged: r.security.privileged, capAdd: r.security.cap_add, capDrop: r.security.cap_drop, noNewPrivileges: r.security.no_new_privileges, seccomp: r.security.seccomp } }
      : {}),
  };
}

// The position of every node of a recipe, by path (each map value, each list item; the document itself is '').
export function recipeOrigins(y: ParsedYaml): Origins {
  const out: Origins = {};
  const pos = (n: Node | null | undefined) => {
    const p = y.lines.linePos(n?.range?.[0] ?? 0);
    return { file: y.file, line: p.line, col: p.col };
  };
  out[''] = { file: y.file, line: 1, col: 1 };
  // Iterative, so a deeply nested document cannot exhaust the stack here.
  const todo: Array<[Node, string]> = [];
  if (y.doc.contents) todo.push([y.doc.contents as Node, '']);
  while (todo.length) {
    const [node, at] = todo.pop()!;
    const child = (k: string | number, n: Node | null | undefined, keyNode?: Node | null) => {
      const p = at ? `${at}.${k}` : String(k);
      out[p] = pos(n ?? keyNode);
      if (n) todo.push([n, p]);
    };
    if (isMap(node)) {
      for (const pair of node.items) {
        const k = isScalar(pair.key) ? pair.key.value : undefined;
        if (typeof k === 'string' || typeof k === 'number') child(k, pair.value as Node | null, pair.key as Node | null);
      }
    } else if (isSeq(node)) node.items.forEach((n, i) => child(i, n as Node | null));
  }
  return out;
}

// restart:, healthcheck:, stop_signal:, stop_grace_period:, logging: → the spec's lifecycle fields.
function lifecycleOf(r: Recipe, problem: (message: string, path: (string | number)[]) => void): Partial<ContainerSpec> {
  const out: Partial<ContainerSpec> = {};
  if (r.restart !== undefined) {
    const p = parseRestart(r.restart);
    if (typeof p === 'string') problem(p, ['restart']);
    else out.restart = p;
  }
  if (r.healthcheck) {
    const h = healthFromRecipe(r.healthcheck);
    for (const p of h.problems) problem(p.message, ['healthcheck', p.key]);
    out.healthcheck = h.spec;
  }
  if (r.stop_signal !== undefined) {
    const s = parseStopSignal(r.stop_signal);
    if (typeof s === 'string') out.stopSignal = s;
    else problem(s.error, ['stop_signal']);
  }
  if (r.stop_grace_period !== undefined) {
    const d = parseDuration(r.stop_grace_period);
    if (typeof d === 'string') problem(d, ['stop_grace_period']);
    else out.stopTimeout = Math.ceil(d / 1000);
  }
  const o = r.logging?.options;
  if (o) {
    const parsed = parseLogOpts(Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`));
    for (const p of parsed.problems) problem(p, ['logging', 'options']);
    out.logOpts = parsed.opts;
  }
  return out;
}
