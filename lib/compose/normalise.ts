// One validated compose file → its canonical long forms (the model's shapes, every field optional: an override
// file may say only `ports:`). Short ports become one entry per port, short volumes mappings with absolute bind
// sources, list-form environment/labels/sysctls maps, depends_on lists maps with service_started, command strings
// argv, durations milliseconds and sizes bytes. Problems are collected with the path they are about.

import { isAbsolute, resolve } from 'node:path';
import type { ComposeNetwork, ComposeService, ComposeVolume, EnvFile, Healthcheck, ServiceDependency, ServicePort, ServiceVolume } from './model.ts';
import type { ServiceInput } from './schema.ts';
import { parseBytes, parseDuration, parsePortShort, parseVolumeShort, splitShellWords } from './units.ts';

export type Path = (string | number)[];
export interface Problem {
  path: Path;
  message: string;
  hint?: string;
}

/** A service as one file describes it; environment values are null for `- KEY` (taken from the environment). */
export type PartialService = Omit<Partial<ComposeService>, 'environment'> & { environment?: Record<string, string | null> };

export interface FileModel {
  file: string;
  name?: string;
  services: Record<string, PartialService | null>;
  networks: Record<string, Partial<ComposeNetwork>>;
  volumes: Record<string, Partial<ComposeVolume>>;
  extensions: Record<string, unknown>;
}

export interface NormaliseContext {
  workingDir: string;
  home?: string;
  problems: Problem[];
}

const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

// `KEY=VALUE` lists or maps → a map (null for a KEY without value).
export function listOrDict(v: Record<string, unknown> | string[] | undefined, sep = '='): Record<string, string | null> | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, str(x)]));
  const out: Record<string, string | null> = {};
  for (const kv of v) {
    const at = kv.indexOf(sep);
    if (at < 0) out[kv] = null;
    else out[kv.slice(0, at)] = kv.slice(at + 1);
  }
  return out;
}

const strings = (m: Record<string, string | null> | undefined) => (m ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v ?? ''])) : undefined);

// A host path of the file (a bind source, an env file, a build context) made absolute against the project.
export function hostPath(p: string, ctx: NormaliseContext): string {
  if (p === '~' || p.startsWith('~/')) return resolve(ctx.home ?? '/', p.slice(2));
  return isAbsolute(p) ? resolve(p) : resolve(ctx.workingDir, p);
}

function command(v: string | (string | number)[] | null | undefined, path: Path, ctx: NormaliseContext): string[] | null | undefined {
  if (v === undefined || v === null) return v;
  if (Array.isArray(v)) return v.map(String);
  const words = splitShellWords(v);
  if (typeof words === 'string') {
    ctx.problems.push({ path, message: words });
    return undefined;
  }
  return words;
}

function duration(v: string | undefined, path: Path, ctx: NormaliseContext): number | undefined {
  if (v === undefined) return undefined;
  const ms = parseDuration(v);
  if (typeof ms === 'string') ctx.problems.push({ path, message: ms, hint: 'write it like 1m30s, 10s or 500ms' });
  return typeof ms === 'number' ? ms : undefined;
}

function bytes(v: string | number | undefined, path: Path, ctx: NormaliseContext): number | undefined {
  if (v === undefined) return undefined;
  const n = parseBytes(v);
  if (typeof n === 'string') ctx.problems.push({ path, message: n, hint: 'a number of bytes, or with a unit: 512m, 1g' });
  return typeof n === 'number' ? n : undefined;
}

function number(v: string | number | undefined, path: Path, ctx: NormaliseContext): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n) || n < 0 || (typeof v === 'string' && v.trim() === '')) {
    ctx.problems.push({ path, message: `expected a number, got "${v}"` });
    return undefined;
  }
  return n;
}

function healthcheck(h: NonNullable<ServiceInput['healthcheck']>, base: Path, ctx: NormaliseContext): Healthcheck {
  const out: Healthcheck = {};
  if (h.test !== undefined) {
    if (typeof h.test === 'string') out.test = ['CMD-SHELL', h.test];
    else if (!['CMD', 'CMD-SHELL', 'NONE'].includes(h.test[0]!)) ctx.problems.push({ path: [...base, 'test', 0], message: `a test list starts with CMD, CMD-SHELL or NONE, got "${h.test[0]}"`, hint: 'write ["CMD", "curl", "-f", "http://localhost"], or give the line as a string' });
    else out.test = h.test;
  }
  for (const k of ['interval', 'timeout', 'start_period', 'start_interval'] as const) {
    const ms = duration(h[k], [...base, k], ctx);
    if (ms !== undefined) out[k] = ms;
  }
  if (h.retries !== undefined) out.retries = h.retries;
  if (h.disable !== undefined) out.disable = h.disable;
  return out;
}

function port(p: NonNullable<ServiceInput['ports']>[number], path: Path, ctx: NormaliseContext): ServicePort[] {
  if (typeof p === 'string' || typeof p === 'number') {
    const r = parsePortShort(String(p));
    if (typeof r === 'string') {
      ctx.problems.push({ path, message: r, hint: 'PORT, HOST:CONTAINER or IP:HOST:CONTAINER, with /tcp or /udp; ranges like 8000-8001:80-81' });
      return [];
    }
    return r;
  }
  const target = Number(p.target);
  if (!Number.isInteger(target) || target < 1 || target > 65535) {
    ctx.problems.push({ path: [...path, 'target'], message: `invalid container port "${p.target}"` });
    return [];
  }
  const published = p.published === undefined ? undefined : String(p.published);
  if (published !== undefined && !/^\d+(-\d+)?$/.test(published)) ctx.problems.push({ path: [...path, 'published'], message: `invalid published port "${published}"` });
  return [
    {
      ...(p.name !== undefined ? { name: p.name } : {}),
      mode: p.mode ?? 'ingress',
      ...(p.host_ip !== undefined ? { host_ip: p.host_ip } : {}),
      target,
      ...(published !== undefined ? { published } : {}),
      protocol: p.protocol ?? 'tcp',
      ...(p.app_protocol !== undefined ? { app_protocol: p.app_protocol } : {}),
    },
  ];
}

function volume(v: NonNullable<ServiceInput['volumes']>[number], path: Path, ctx: NormaliseContext): ServiceVolume | undefined {
  let out: ServiceVolume;
  if (typeof v === 'string') {
    const r = parseVolumeShort(v);
    if (typeof r === 'string') {
      ctx.problems.push({ path, message: r });
      return undefined;
    }
    out = r;
  } else {
    out = { type: v.type, ...(v.source !== undefined ? { source: v.source } : {}), target: v.target, read_only: v.read_only ?? false };
    if (v.bind) out.bind = { ...v.bind };
    if (v.volume) out.volume = { ...v.volume };
    if (v.tmpfs) {
      out.tmpfs = {};
      const size = bytes(v.tmpfs.size, [...path, 'tmpfs', 'size'], ctx);
      if (size !== undefined) out.tmpfs.size = size;
      if (v.tmpfs.mode !== undefined) {
        const mode = typeof v.tmpfs.mode === 'number' ? v.tmpfs.mode : parseInt(v.tmpfs.mode, 8);
        if (Number.isNaN(mode)) ctx.problems.push({ path: [...path, 'tmpfs', 'mode'], message: `invalid mode "${v.tmpfs.mode}"`, hint: 'an octal mode like 1777' });
        else out.tmpfs.mode = mode;
      }
    }
    if (v.type === 'bind' && v.source === undefined) ctx.problems.push({ path, message: 'a bind volume needs a source' });
    if (v.type === 'tmpfs' && v.source !== undefined) ctx.problems.push({ path: [...path, 'source'], message: 'a tmpfs volume has no source' });
    if (!v.target.startsWith('/')) ctx.problems.push({ path: [...path, 'target'], message: `the target must be an absolute path, got "${v.target}"` });
  }
  if (out.type === 'bind' && out.source !== undefined) out.source = hostPath(out.source, ctx);
  return out;
}

function extraHosts(v: NonNullable<ServiceInput['extra_hosts']>): string[] {
  if (!Array.isArray(v)) return Object.entries(v).flatMap(([host, ip]) => (Array.isArray(ip) ? ip : [ip]).map((x) => `${host}:${x}`));
  // HOST=IP is compose's newer spelling; HOST:IP the older one. Keep the older one, as compose-go prints it.
  return v.map((line) => (line.includes('=') ? line.replace('=', ':') : line));
}

const listOf = (v: string | string[] | undefined) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

// One service of one file.
export function normaliseService(name: string, s: ServiceInput, ctx: NormaliseContext): PartialService {
  const base: Path = ['services', name];
  const at = (...p: Path): Path => [...base, ...p];
  const out: PartialService = {};
  const set = <K extends keyof PartialService>(k: K, v: PartialService[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('image', s.image);
  if (s.build !== undefined) {
    const b = typeof s.build === 'string' ? { context: s.build } : s.build;
    out.build = { context: hostPath(b.context ?? '.', ctx) };
    if (b.dockerfile !== undefined) out.build.dockerfile = b.dockerfile;
    if (b.args !== undefined) out.build.args = strings(listOrDict(b.args));
    if (b.target !== undefined) out.build.target = b.target;
  }
  set('command', command(s.command, at('command'), ctx));
  set('entrypoint', command(s.entrypoint, at('entrypoint'), ctx));
  set('environment', listOrDict(s.environment));
  if (s.env_file !== undefined) {
    out.env_file = (Array.isArray(s.env_file) ? s.env_file : [s.env_file]).map((e): EnvFile => (typeof e === 'string' ? { path: hostPath(e, ctx), required: true } : { path: hostPath(e.path, ctx), required: e.required ?? true, ...(e.format ? { format: e.format } : {}) }));
  }
  if (s.ports !== undefined) out.ports = s.ports.flatMap((p, i) => port(p, at('ports', i), ctx));
  if (s.expose !== undefined) out.expose = s.expose.map(String);
  if (s.volumes !== undefined) out.volumes = s.volumes.flatMap((v, i) => volume(v, at('volumes', i), ctx) ?? []);
  set('tmpfs', listOf(s.tmpfs));
  set('working_dir', s.working_dir);
  set('user', s.user);
  set('hostname', s.hostname);
  if (s.depends_on !== undefined) {
    const d: Record<string, ServiceDependency> = {};
    const list = typeof s.depends_on === 'string' ? [s.depends_on] : s.depends_on;
    if (Array.isArray(list)) for (const n of list) d[n] = { condition: 'service_started', restart: false, required: true };
    else for (const [n, x] of Object.entries(list)) d[n] = { condition: x.condition, restart: x.restart ?? false, required: x.required ?? true };
    out.depends_on = d;
  }
  if (s.healthcheck !== undefined) out.healthcheck = healthcheck(s.healthcheck, at('healthcheck'), ctx);
  set('restart', s.restart);
  set('labels', strings(listOrDict(s.labels)));
  if (s.networks !== undefined) {
    out.networks = Array.isArray(s.networks) ? Object.fromEntries(s.networks.map((n) => [n, null])) : Object.fromEntries(Object.entries(s.networks).map(([n, x]) => [n, x ? { ...x } : null]));
  }
  set('network_mode', s.network_mode);
  set('cap_add', s.cap_add);
  set('cap_drop', s.cap_drop);
  set('read_only', s.read_only);
  set('init', s.init);
  set('stop_signal', s.stop_signal);
  set('stop_grace_period', duration(s.stop_grace_period, at('stop_grace_period'), ctx));
  const limits: NonNullable<ComposeService['limits']> = {};
  const dl = s.deploy?.resources?.limits;
  const cpus = number(dl?.cpus ?? s.cpus, dl?.cpus !== undefined ? at('deploy', 'resources', 'limits', 'cpus') : at('cpus'), ctx);
  const memory = bytes(dl?.memory ?? s.mem_limit, dl?.memory !== undefined ? at('deploy', 'resources', 'limits', 'memory') : at('mem_limit'), ctx);
  const pids = dl?.pids ?? s.pids_limit;
  if (cpus !== undefined) limits.cpus = cpus;
  if (memory !== undefined) limits.memory = memory;
  if (pids !== undefined) limits.pids = pids;
  if (Object.keys(limits).length) out.limits = limits;
  if (s.ulimits !== undefined) out.ulimits = Object.fromEntries(Object.entries(s.ulimits).map(([k, v]) => [k, typeof v === 'number' ? { soft: v, hard: v } : { soft: v.soft, hard: v.hard }]));
  set('sysctls', strings(listOrDict(s.sysctls)));
  if (s.extra_hosts !== undefined) out.extra_hosts = extraHosts(s.extra_hosts);
  set('dns', listOf(s.dns));
  set('profiles', s.profiles);
  set('container_name', s.container_name);
  set('privileged', s.privileged);
  set('security_opt', s.security_opt);
  set('shm_size', bytes(s.shm_size, at('shm_size'), ctx));
  set('volumes_from', s.volumes_from);
  // if_not_present is compose's older spelling of missing.
  set('pull_policy', s.pull_policy === 'if_not_present' ? 'missing' : s.pull_policy);
  set('devices', s.devices);
  if (s.logging !== undefined) out.logging = { ...(s.logging.driver ? { driver: s.logging.driver } : {}), ...(s.logging.options ? { options: Object.fromEntries(Object.entries(s.logging.options).map(([k, v]) => [k, String(v)])) } : {}) };
  return out;
}
