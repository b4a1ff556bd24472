// The second way to write a ContainerSpec, next to a recipe file: `run`-style options with docker's names
// (`--memory 64m`, `-p 8080:80`, …) as a typed object. A recipe file may stand in for the image; the options then
// override its fields. Problems are reported against the flag that caused them. Commander's parsing stays in
// lib/cli/; this module only turns the parsed values into a spec, so the TypeScript API can use it too.

import { readFileSync } from 'node:fs';
import { parseResources, RESOURCE_FLAGS, type RawResources, type ResourceHost, type ResourceKey } from '../cgroup/resources.ts';
import { GlassboxError, GlassboxErrors } from '../errors.ts';
import { stringProblems } from './limits.ts';
import { DEFAULT_NAMESPACES, type ContainerSpec, type Origins, type Volume } from './model.ts';
import { placeOf, setOrigin } from './origins.ts';
import { parseVolumeShort, validateSpec } from './validate.ts';
import { parseNetwork } from '../net/model.ts';
import { applySecurityOpt } from '../security/model.ts';
import { parseMount, parseVolumesFrom } from '../volume/spec.ts';
import { healthFromFlags, mergeHealth, type HealthFlags } from '../health/model.ts';
import { parseLogOpts, parseRestart, parseStopSignal } from '../restart/policy.ts';
import { applyExtraFlags } from './extra-flags.ts';

/** run's flags; the health-check ones are lib/health/model.ts's HealthFlags. */
export interface RunFlags extends HealthFlags {
  name?: string;
  env?: string[];
  envFile?: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  volume?: string[];
  /** --mount type=bind|volume|tmpfs,… (docker's keys, lib/volume/spec.ts). */
  mount?: string[];
  /** --volumes-from CONTAINER[:ro|rw]. */
  volumesFrom?: string[];
  tmpfs?: string[];
  readOnly?: boolean;
  init?: boolean;
  interactive?: boolean;
  tty?: boolean;
  entrypoint?: string;
  rm?: boolean;
  detach?: boolean;
  network?: string;
  /** --network-alias: another name on a named network (compose gives every service its name). */
  networkAlias?: string[];
  publish?: string[];
  ip?: string;
  dns?: string[];
  addHost?: string[];
  memory?: string;
  memorySwap?: string;
  cpus?: string;
  cpuShares?: string;
  cpusetCpus?: string;
  pidsLimit?: string;
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  securityOpt?: string[];
  /** -l/--label KEY=VALUE (KEY alone: an empty value) and --label-file (lines of the same). */
  label?: string[];
  labelFile?: string[];
  restart?: string;
  /** commander's form of --no-healthcheck: false when given. */
  healthcheck?: boolean;
  stopSignal?: string;
  stopTimeout?: string;
  logOpt?: string[];
  ulimit?: string[];
  device?: string[];
  sysctl?: string[];
  shmSize?: string;
  pull?: string;
  cidfile?: string;
}

/** Each resource flag's value, by the recipe key it sets. */
function resourceFlags(f: RunFlags): RawResources {
  const raw: RawResources = {
    memory: f.memory,
    memory_swap: f.memorySwap,
    cpus: f.cpus,
    cpu_shares: f.cpuShares,
    cpuset_cpus: f.cpusetCpus,
    pids: f.pidsLimit,
  };
  for (const k of Object.keys(raw) as ResourceKey[]) if (raw[k] === undefined) delete raw[k];
  return raw;
}

// True when the first argument names a recipe file rather than an image.
export function isRecipeArg(arg: string): boolean {
  return /\.ya?ml$/i.test(arg);
}

// A flag's name from its option key (addHost → --add-host).
const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

// NUL bytes and over-long values in any flag or argument, reported against the flag before anything reads them.
function flagStringProblems(image: string | undefined, command: string[], f: RunFlags): GlassboxError[] {
  const named: Array<[string, unknown]> = [['IMAGE', image], ['COMMAND', command], ...Object.entries(f).map(([k, v]): [string, unknown] => [flagName(k), v])];
  return named.flatMap(([flag, v]) => stringProblems(v).slice(0, 1).map((p) => new GlassboxError(p.message, { field: flag, hint: p.hint })));
}

// Applies flags over a base spec (a recipe's, or an empty one for `run IMAGE`). With `host`, the limits are also
// checked against this machine (CPU count, online CPUs).
export function specFromFlags(base: ContainerSpec | undefined, image: string | undefined, command: string[], f: RunFlags, host?: ResourceHost): ContainerSpec {
  const spec: ContainerSpec = base
    ? { ...base, env: { ...base.env }, volumes: [...base.volumes], ...(base.volumesFrom ? { volumesFrom: [...base.volumesFrom] } : {}), ...(base.resources ? { resources: { ...base.resources } } : {}) }
    : { env: {}, namespaces: [...DEFAULT_NAMESPACES], root: 'pivot_root', rootfs: 'overlay', readOnly: false, volumes: [] };
  const early = flagStringProblems(image, command, f);
  if (early.length) throw new GlassboxErrors(early);
  // Where each value came from: the recipe's positions, then every flag that replaces one (lib/recipe/origins.ts).
  const origins: Origins = base?.origins ? { ...base.origins } : { image: { flag: 'IMAGE' }, rootdir: { flag: 'IMAGE' }, command: { flag: 'COMMAND' }, network: { flag: '--network' } };
  spec.origins = origins;
  const from = (path: (string | number)[], flag: string) => setOrigin(origins, path, { flag });
  const problems: GlassboxError[] = [];
  if (image !== undefined) {
    if (image.startsWith('/')) spec.rootdir = image;
    else spec.image = image;
  }
  if (command.length) (spec.command = command), from(['command'], 'COMMAND');
  if (f.entrypoint !== undefined) (spec.entrypoint = f.entrypoint === '' ? [] : [f.entrypoint]), from(['entrypoint'], '--entrypoint');
  if (f.name !== undefined) (spec.name = f.name), from(['name'], '--name');
  if (f.workdir !== undefined) (spec.workdir = f.workdir), from(['workdir'], '--workdir');
  if (f.user !== undefined) (spec.user = f.user), from(['user'], '--user');
  if (f.hostname !== undefined) (spec.hostname = f.hostname), from(['hostname'], '--hostname');
  if (f.readOnly) (spec.readOnly = true), from(['read_only'], '--read-only');
  if (f.init) (spec.init = true), from(['init'], '--init');
  if (f.tty) spec.tty = true;
  for (const file of f.envFile ?? []) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new GlassboxError(`cannot read ${file}`, { field: '--env-file', hint: 'check the path' });
    }
    text.split('\n').forEach((line, i) => {
      const t = line.trim();
      if (!t || t.startsWith('#')) return;
      const kv = parseEnv(t);
      if (typeof kv === 'string') problems.push(new GlassboxError(kv, { pos: { file, line: i + 1, col: 1 } }));
      else if (kv[1] !== undefined) (spec.env[kv[0]] = kv[1]), setOrigin(origins, ['env', kv[0]], { file, line: i + 1, col: 1 });
    });
  }
  for (const e of f.env ?? []) {
    const kv = parseEnv(e);
    if (typeof kv === 'string') problems.push(new GlassboxError(kv, { field: '--env' }));
    else if (kv[1] !== undefined) (spec.env[kv[0]] = kv[1]), from(['env', kv[0]], '--env');
  }
  for (const v of f.volume ?? []) {
    const parsed = parseVolumeShort(v);
    if (typeof parsed === 'string') problems.push(new GlassboxError(parsed, { field: '--volume' }));
    else from(['volumes', spec.volumes.push(parsed) - 1], '--volume');
  }
  for (const m of f.mount ?? []) {
    const parsed = parseMount(m);
    if (parsed.problem) problems.push(new GlassboxError(`invalid argument "${m}" for "--mount" flag: ${parsed.problem}`, { field: '--mount' }));
    else from(['volumes', spec.volumes.push(parsed.volume!) - 1], '--mount');
  }
  for (const v of f.volumesFrom ?? []) {
    const parsed = parseVolumesFrom(v);
    if (typeof parsed === 'string') problems.push(new GlassboxError(parsed, { field: '--volumes-from' }));
    else {
      spec.volumesFrom = [...(spec.volumesFrom ?? []), parsed];
      from(['volumes_from', spec.volumesFrom.length - 1], '--volumes-from');
    }
  }
  for (const t of f.tmpfs ?? []) {
    const [target, opts] = splitOnce(t, ':');
    const v: Volume = { type: 'tmpfs', target };
    for (const o of opts ? opts.split(',') : []) {
      const [k, val] = splitOnce(o, '=');
      if (k === 'size' && val) v.size = val;
      else if (k === 'mode' && val) v.mode = val;
      else problems.push(new GlassboxError(`unknown tmpfs option "${o}"`, { field: '--tmpfs', hint: 'size=64m and mode=1777 are supported' }));
    }
    from(['volumes', spec.volumes.push(v) - 1], '--tmpfs');
  }
  if (f.label?.length || f.labelFile?.length) {
    const labels = { ...spec.labels };
    for (const file of f.labelFile ?? []) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        throw new GlassboxError(`cannot read ${file}`, { field: '--label-file', hint: 'check the path' });
      }
      for (const line of text.split('\n')) {
        const t = line.trim();
        if (t && !t.startsWith('#')) {
          const [k, v] = splitOnce(t, '=');
          labels[k] = v ?? '';
        }
      }
    }
    for (const l of f.label ?? []) {
      const [k, v] = splitOnce(l, '=');
      if (!k) problems.push(new GlassboxError(`invalid label "${l}"`, { field: '--label', hint: 'KEY=VALUE' }));
      else labels[k] = v ?? '';
    }
    spec.labels = labels;
    from(['labels'], f.label?.length ? '--label' : '--label-file');
  }
  const raw = resourceFlags(f);
  const fromFlags = new Set(Object.keys(raw));
  if (fromFlags.size) {
    const parsed = parseResources(raw);
    for (const p of parsed.problems) problems.push(new GlassboxError(p.message, { field: RESOURCE_FLAGS[p.path[1] as ResourceKey], hint: p.hint }));
    spec.resources = { ...spec.resources, ...parsed.resources };
    for (const k of fromFlags) from(['resources', k], RESOURCE_FLAGS[k as ResourceKey]);
  }
  if (f.privileged || f.capAdd || f.capDrop || f.securityOpt) {
    const sec = { ...spec.security };
    if (f.privileged) (sec.privileged = true), from(['security', 'privileged'], '--privileged');
    const caps = (key: 'cap_add' | 'cap_drop', had: string[] | undefined, added: string[]) => {
      added.forEach((_, i) => from(['security', key, (had?.length ?? 0) + i], flagName(key === 'cap_add' ? 'capAdd' : 'capDrop')));
      return [...(had ?? []), ...added];
    };
    if (f.capAdd) sec.capAdd = caps('cap_add', sec.capAdd, f.capAdd);
    if (f.capDrop) sec.capDrop = caps('cap_drop', sec.capDrop, f.capDrop);
    if (f.securityOpt) (from(['security', 'no_new_privileges'], '--security-opt'), from(['security', 'seccomp'], '--security-opt'));
    for (const o of f.securityOpt ?? []) {
      const bad = applySecurityOpt(sec, o);
      if (bad) problems.push(new GlassboxError(bad, { field: '--security-opt' }));
    }
    spec.security = sec;
  }
  // Network flags replace the recipe's network settings field by field (ports, dns and hosts are added to).
  if (f.network !== undefined || f.publish?.length || f.ip !== undefined || f.dns?.length || f.addHost?.length || f.networkAlias?.length) {
    const b = spec.network;
    const keep = f.network === undefined || (b && f.network === (b.mode === 'container' ? `container:${b.target}` : (b.target ?? b.mode)));
    if (f.network !== undefined || !b) from(['network'], '--network');
    if (f.ip !== undefined) from(['network', 'ip'], '--ip');
    const added = (key: string, had: number, list: string[] | undefined, flag: string) => list?.forEach((_, i) => from(['network', key, had + i], flag));
    added('ports', keep && b ? b.ports.length : 0, f.publish, '--publish');
    added('dns', keep && b ? b.dns.length : 0, f.dns, '--dns');
    added('add_hosts', keep && b ? b.addHosts.length : 0, f.addHost, '--add-host');
    added('aliases', keep && b ? (b.aliases?.length ?? 0) : 0, f.networkAlias, '--network-alias');
    const parsed = parseNetwork({
      mode: f.network ?? (b ? (b.mode === 'container' ? `container:${b.target}` : (b.target ?? b.mode)) : undefined),
      ports: [...(keep && b ? b.ports.map((p) => `${p.hostIp ? `${p.hostIp}:` : ''}${p.hostPort ?? ''}${p.hostIp || p.hostPort ? ':' : ''}${p.containerPort}/${p.proto}`) : []), ...(f.publish ?? [])],
      ip: f.ip ?? (keep ? b?.ip : undefined),
      dns: [...(keep && b ? b.dns : []), ...(f.dns ?? [])],
      addHosts: [...(keep && b ? b.addHosts.map((h) => `${h.host}:${h.ip}`) : []), ...(f.addHost ?? [])],
      aliases: [...(keep && b ? (b.aliases ?? []) : []), ...(f.networkAlias ?? [])],
    });
    for (const p of parsed.problems) problems.push(new GlassboxError(p.message, { field: p.flag, hint: p.hint }));
    if (parsed.spec) spec.network = parsed.spec;
  }
  problems.push(...lifecycleFlags(spec, f, from));
  problems.push(...applyExtraFlags(spec, f, from));
  problems.push(...validateSpec(spec, host).map((p) => new GlassboxError(p.message, { ...placeOf(spec, p.path), hint: p.hint })));
  if (problems.length) throw new GlassboxErrors(problems);
  return spec;
}

// KEY=VALUE, or KEY alone to pass the host's value (docker's -e KEY; left out when the host has none).
function parseEnv(s: string): [string, string | undefined] | string {
  const eq = s.indexOf('=');
  if (eq === 0) return `invalid environment variable "${s}"`;
  if (eq < 0) return [s, process.env[s]];
  return [s.slice(0, eq), s.slice(eq + 1)];
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

// --restart, --health-*, --stop-signal, --stop-timeout, --log-opt over the recipe's values.
function lifecycleFlags(spec: ContainerSpec, f: RunFlags, from: (path: (string | number)[], flag: string) => void): GlassboxError[] {
  const problems: GlassboxError[] = [];
  if (f.restart !== undefined) {
    const p = parseRestart(f.restart);
    if (typeof p === 'string') problems.push(new GlassboxError(p, { field: '--restart' }));
    else (spec.restart = p), from(['restart'], '--restart');
  }
  const h = healthFromFlags({ ...f, noHealthcheck: f.noHealthcheck || f.healthcheck === false });
  for (const p of h.problems) problems.push(new GlassboxError(p.message, { field: p.flag }));
  if (h.spec) (spec.healthcheck = mergeHealth(spec.healthcheck, h.spec)), from(['healthcheck'], f.noHealthcheck ? '--no-healthcheck' : '--health-cmd');
  if (f.stopSignal !== undefined) {
    const s = parseStopSignal(f.stopSignal);
    if (typeof s === 'string') (spec.stopSignal = s), from(['stop_signal'], '--stop-signal');
    else problems.push(new GlassboxError(s.error, { field: '--stop-signal' }));
  }
  if (f.stopTimeout !== undefined) {
    const n = Number(f.stopTimeout);
    if (!/^-?\d+$/.test(f.stopTimeout) || n < -1) problems.push(new GlassboxError(`expected a whole number of seconds, got "${f.stopTimeout}"`, { field: '--stop-timeout' }));
    else (spec.stopTimeout = n), from(['stop_grace_period'], '--stop-timeout');
  }
  if (f.logOpt?.length) {
    const parsed = parseLogOpts(f.logOpt);
    for (const p of parsed.problems) problems.push(new GlassboxError(p, { field: '--log-opt' }));
    spec.logOpts = { ...spec.logOpts, ...parsed.opts };
    from(['logging'], '--log-opt');
  }
  return problems;
}
