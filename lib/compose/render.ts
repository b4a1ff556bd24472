// `docker compose config`: the merged, interpolated model printed back as a compose file, in the canonical long
// forms (ports and volumes as mappings, depends_on as a map, environment as a map), durations in Go's spelling
// (1m30s), sizes in bytes and a literal `$` as `$$`, as compose-go prints them. Reading the output back gives the same project.

import { stringify } from 'yaml';
import type { ComposeProject, ComposeService } from './model.ts';
import { formatDuration } from './units.ts';

const empty = (v: unknown) => v === undefined || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
const sorted = <T>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

// One service as the file would spell it.
export function serviceConfig(s: ComposeService): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => {
    if (!empty(v)) out[k] = v;
  };
  put('image', s.image);
  put('build', s.build);
  if (s.command !== undefined) out.command = s.command;
  if (s.entrypoint !== undefined) out.entrypoint = s.entrypoint;
  put('environment', sorted(s.environment));
  put('env_file', s.env_file);
  put('ports', s.ports);
  put('expose', s.expose);
  put('volumes', s.volumes);
  put('tmpfs', s.tmpfs);
  put('working_dir', s.working_dir);
  put('user', s.user);
  put('hostname', s.hostname);
  put('depends_on', sorted(s.depends_on));
  if (s.healthcheck) {
    const h: Record<string, unknown> = { ...s.healthcheck };
    for (const k of ['interval', 'timeout', 'start_period', 'start_interval'] as const) if (s.healthcheck[k] !== undefined) h[k] = formatDuration(s.healthcheck[k]!);
    out.healthcheck = h;
  }
  put('restart', s.restart);
  put('labels', sorted(s.labels));
  if (s.networks) out.networks = Object.fromEntries(Object.entries(s.networks).map(([k, v]) => [k, v ?? null]));
  put('network_mode', s.network_mode);
  put('cap_add', s.cap_add);
  put('cap_drop', s.cap_drop);
  put('read_only', s.read_only);
  put('init', s.init);
  put('stop_signal', s.stop_signal);
  if (s.stop_grace_period !== undefined) out.stop_grace_period = formatDuration(s.stop_grace_period);
  if (s.limits) out.deploy = { resources: { limits: s.limits } };
  put('ulimits', s.ulimits);
  put('sysctls', sorted(s.sysctls));
  put('extra_hosts', s.extra_hosts);
  put('dns', s.dns);
  put('profiles', s.profiles);
  put('container_name', s.container_name);
  put('privileged', s.privileged);
  put('security_opt', s.security_opt);
  put('shm_size', s.shm_size);
  put('volumes_from', s.volumes_from);
  put('pull_policy', s.pull_policy);
  put('devices', s.devices);
  put('logging', s.logging);
  for (const [k, v] of Object.entries(s.extensions ?? {})) out[k] = v;
  return out;
}

// Every string with its `$` written `$$`, so that the printed file, read again, means the same (as compose does).
function escapeDollars(v: unknown): unknown {
  if (typeof v === 'string') return v.replaceAll('$', '$$$$');
  if (Array.isArray(v)) return v.map(escapeDollars);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, escapeDollars(x)]));
  return v;
}

// The whole project as YAML.
export function renderConfig(project: ComposeProject): string {
  const doc: Record<string, unknown> = { name: project.name };
  doc.services = Object.fromEntries(Object.entries(sorted(project.services)).map(([n, s]) => [n, serviceConfig(s)]));
  if (!empty(project.networks)) doc.networks = sorted(project.networks);
  if (!empty(project.volumes)) doc.volumes = sorted(project.volumes);
  for (const [k, v] of Object.entries(project.extensions ?? {})) doc[k] = v;
  return stringify(escapeDollars(doc), { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' });
}
