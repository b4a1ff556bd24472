// One compose service as one `glassbox run -d`: docker compose turns every service into a container-create call of
// the engine; glassbox turns it into the same typed run request `glassbox run` builds from its flags (RunFlags),
// plus the few values flags cannot carry (an entrypoint of several words, a health test in exec form). From there
// the container goes through the one pipeline every container takes — spec, prepare, pure planner, executor — so a
// service's plan is exactly what `glassbox plan` would print for the equivalent `run`. What compose adds is
// naming and wiring: the container `<project>-<service>-1`, the labels `com.docker.compose.*` that `ps --filter`
// and `compose down` find it by, the project network with the service's name as an alias (how services reach
// each other by name), the project's named volumes under their full names `<project>_<volume>`.
// Pure: nothing here reads a file or starts a process.

import { GlassboxError, type SourcePos } from '../errors.ts';
import { createHash } from '../util/crypto.ts';
import type { RunFlags } from '../recipe/flags.ts';
import { DEFAULT_NAMESPACES, type ContainerSpec, type Propagation } from '../recipe/model.ts';
import type { HealthSpec } from '../health/model.ts';
import type { ComposeProject, ComposeService, ServicePort, ServiceVolume } from './model.ts';

/** The labels docker compose puts on a project's containers (and that glassbox finds them by). */
export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  hash: 'com.docker.compose.config-hash',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  dependsOn: 'com.docker.compose.depends_on',
  image: 'com.docker.compose.image',
  version: 'com.docker.compose.version',
} as const;

/** What `up` runs for a service: a base spec and run options, as `glassbox run -d` takes them. */
export interface ServiceRun {
  service: string;
  /** `<project>-<service>-1` (a one-off of `compose run`: `<project>-<service>-run-<id>`). */
  name: string;
  image: string;
  /** The spec the flags apply over: the image, the entrypoint and the health check in their list forms. */
  base: ContainerSpec;
  command: string[];
  flags: RunFlags;
  /** A hash of the service's configuration: `up` recreates a container whose label differs. */
  hash: string;
}

// The container name of a service's (first and only) container, as docker compose v2 spells it.
export const containerName = (project: string, service: string, n = 1) => `${project}-${service}-${n}`;

// A service's container name in this project: its container_name, or compose's.
const nameIn = (project: ComposeProject, service: string) => (project.services[service] ?? project.disabledServices[service])?.container_name ?? containerName(project.name, service);

// A service's configuration hash: what `up` compares to decide whether a container is still what the file says.
// depends_on and profiles change the order and the selection, not the container, as in docker compose.
export function serviceHash(s: ComposeService): string {
  const { depends_on: _d, profiles: _p, ...rest } = s;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

// -p's form of a compose port: [HOST_IP:][PUBLISHED:]TARGET/PROTO.
function publishOf(p: ServicePort, service: string): string {
  if (p.protocol === 'sctp') throw new GlassboxError(`services.${service}.ports: sctp is not supported`, { hint: 'glassbox publishes tcp and udp ports' });
  if (p.published !== undefined && p.published.includes('-')) {
    throw new GlassboxError(`services.${service}.ports: a range of host ports (${p.published}) is not supported yet`, { hint: 'publish each port on its own line' });
  }
  const host = [p.host_ip, p.published].filter((x) => x !== undefined);
  return `${p.host_ip !== undefined ? `${p.host_ip}:` : ''}${p.published ?? ''}${host.length ? ':' : ''}${p.target}/${p.protocol}`;
}

// --mount's form of a compose volume; a named volume by its full name (`<project>_<name>` unless external or named).
function mountOf(v: ServiceVolume, project: ComposeProject, service: string): string {
  const parts = [`type=${v.type}`];
  if (v.type === 'volume' && v.source !== undefined) parts.push(`source=${project.volumes[v.source]?.name ?? v.source}`);
  if (v.type === 'bind') parts.push(`source=${v.source}`);
  parts.push(`target=${v.target}`);
  if (v.read_only) parts.push('readonly');
  if (v.bind?.propagation) parts.push(`bind-propagation=${v.bind.propagation}`);
  if (v.bind?.selinux) throw new GlassboxError(`services.${service}.volumes: the SELinux relabel option (${v.bind.selinux}) is not supported`, { hint: 'this host has no SELinux labels for glassbox to set: drop :z / :Z' });
  if (v.volume?.nocopy) parts.push('volume-nocopy');
  if (v.volume?.subpath !== undefined) throw new GlassboxError(`services.${service}.volumes: volume.subpath is not supported yet`, { hint: 'mount the whole volume' });
  if (v.tmpfs?.size !== undefined) parts.push(`tmpfs-size=${v.tmpfs.size}`);
  if (v.tmpfs?.mode !== undefined) parts.push(`tmpfs-mode=${v.tmpfs.mode.toString(8)}`);
  return parts.join(',');
}

// The network options: network_mode, or the one network of `networks:` with the service name and aliases.
function networkFlags(s: ComposeService, project: ComposeProject): Pick<RunFlags, 'network' | 'networkAlias' | 'ip'> {
  const where = `services.${s.name}`;
  if (s.network_mode !== undefined) {
    const m = s.network_mode;
    if (m.startsWith('service:')) return { network: `container:${nameIn(project, m.slice('service:'.length))}` };
    return { network: m };
  }
  const nets = Object.entries(s.networks ?? { default: null });
  if (nets.length > 1) {
    throw new GlassboxError(`${where}.networks: ${s.name} is on ${nets.length} networks; a glassbox container joins one network`, {
      hint: `keep one of ${nets.map(([n]) => n).join(', ')}: services on another network reach it through its published ports`,
    });
  }
  const [key, opts] = nets[0]!;
  const net = project.networks[key];
  if (!net) throw new GlassboxError(`${where}.networks: network ${key} is not declared`, { hint: 'declare it under the top-level networks:' });
  if (opts?.ipv6_address !== undefined) throw new GlassboxError(`${where}.networks.${key}.ipv6_address: IPv6 is not supported yet`);
  return {
    network: net.name,
    networkAlias: [...new Set([s.name, ...(opts?.aliases ?? [])])],
    ...(opts?.ipv4_address !== undefined ? { ip: opts.ipv4_address } : {}),
  };
}

// A compose health check as a spec (the exec form kept: flags only carry the shell form).
function healthOf(s: ComposeService): HealthSpec | undefined {
  const h = s.healthcheck;
  if (!h) return undefined;
  if (h.disable) return { test: ['NONE'] };
  const out: HealthSpec = {};
  if (h.test) out.test = h.test;
  if (h.interval !== undefined) out.intervalMs = h.interval;
  if (h.timeout !== undefined) out.timeoutMs = h.timeout;
  if (h.start_period !== undefined) out.startPeriodMs = h.start_period;
  if (h.retries !== undefined) out.retries = h.retries;
  if (h.start_interval !== undefined) out.startIntervalMs = h.start_interval;
  return out;
}

/** The flags' names against the compose keys they come from, to point an error at the file. */
export const FLAG_KEYS: Record<string, string> = {
  '--publish': 'ports', '--mount': 'volumes', '--tmpfs': 'tmpfs', '--env': 'environment', '--workdir': 'working_dir',
  '--user': 'user', '--hostname': 'hostname', '--restart': 'restart', '--label': 'labels', '--network': 'networks',
  '--network-alias': 'networks', '--ip': 'networks', '--cap-add': 'cap_add', '--cap-drop': 'cap_drop', '--read-only': 'read_only',
  '--init': 'init', '--stop-signal': 'stop_signal', '--stop-timeout': 'stop_grace_period', '--memory': 'mem_limit',
  '--cpus': 'cpus', '--pids-limit': 'pids_limit', '--ulimit': 'ulimits', '--sysctl': 'sysctls', '--add-host': 'extra_hosts',
  '--dns': 'dns', '--privileged': 'privileged', '--security-opt': 'security_opt', '--shm-size': 'shm_size', '--device': 'devices',
  '--volumes-from': 'volumes_from', '--log-opt': 'logging', '--pull': 'pull_policy', '--name': 'container_name', IMAGE: 'image', COMMAND: 'command',
};

// Where in the compose file an error about a service's run option belongs.
export function serviceErrorPos(project: ComposeProject, service: string, field: string | undefined): { pos?: SourcePos; field: string } {
  const key = field === undefined ? undefined : (FLAG_KEYS[field] ?? field.split('.')[0]);
  const path = key ? `services.${service}.${key}` : `services.${service}`;
  return { pos: project.origins[path] ?? project.origins[`services.${service}`], field: path };
}

export interface ServiceRunOptions {
  /** compose run: a one-off container's name and command, and its extra options. */
  name?: string;
  command?: string[];
  oneoff?: boolean;
  /** glassbox's version, for the com.docker.compose.version label. */
  version?: string;
  /** The ID of the image built for the service (build:), folded into its hash. */
  imageId?: string;
}

// The image a service runs: its image:, or for build: without one, compose's `<project>-<service>`.
export function serviceImage(project: ComposeProject, service: string): string {
  const s = project.services[service] ?? project.disabledServices[service];
  if (!s) throw new GlassboxError(`no such service: ${service}`);
  if (s.image !== undefined) return s.image;
  if (!s.build) throw new GlassboxError(`service ${service} has neither image nor build`, { pos: project.origins[`services.${service}`], field: `services.${service}`, hint: 'give it image: NAME, or build: DIR' });
  return `${project.name}-${service}`;
}

// The run request for one service: everything the file says, as `glassbox run -d` options.
export function serviceRun(project: ComposeProject, service: string, opts: ServiceRunOptions = {}): ServiceRun {
  const s = project.services[service] ?? project.disabledServices[service];
  if (!s) throw new GlassboxError(`no such service: ${service}`, { hint: `services: ${Object.keys(project.services).join(', ')}` });
  const at = (key: string) => ({ pos: project.origins[`services.${service}.${key}`] ?? project.origins[`services.${service}`], field: `services.${service}.${key}` });
  const image = serviceImage(project, service);
  const place = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof GlassboxError && !e.pos) {
        const key = e.message.match(/^services\.[^.:\s]+\.([a-z_]+)/)?.[1];
        if (key) throw new GlassboxError(e.message.replace(/^services\.[^:\s]+:\s*/, ''), { ...at(key), ...(e.hint ? { hint: e.hint } : {}) });
      }
      throw e;
    }
  };
  // A built image's ID is part of the hash: a rebuild that changed it recreates the container, as in docker compose.
  const hash = opts.imageId ? createHash('sha256').update(`${serviceHash(s)}\n${opts.imageId}`).digest('hex') : serviceHash(s);
  const dependsOn = Object.entries(s.depends_on).map(([n, d]) => `${n}:${d.condition}:${d.restart}`).join(',');
  const labels: Record<string, string> = {
    ...s.labels,
    [LABEL.project]: project.name,
    [LABEL.service]: service,
    [LABEL.number]: '1',
    [LABEL.oneoff]: opts.oneoff ? 'True' : 'False',
    [LABEL.hash]: hash,
    [LABEL.workingDir]: project.workingDir,
    [LABEL.configFiles]: project.composeFiles.join(','),
    [LABEL.dependsOn]: dependsOn,
    [LABEL.image]: image,
    ...(opts.version ? { [LABEL.version]: opts.version } : {}),
  };
  const flags: RunFlags = {
    name: opts.name ?? s.container_name ?? containerName(project.name, service),
    detach: true,
    env: Object.entries(s.environment).map(([k, v]) => `${k}=${v}`),
    label: Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    ...place(() => networkFlags(s, project)),
  };
  const ports = place(() => s.ports.map((p) => publishOf(p, service)));
  if (ports.length) flags.publish = ports;
  // A bind of the short syntax (create_host_path) makes its missing source: a volume of the base spec, as --mount
  // has no such key; the others are --mount's.
  const made = s.volumes.filter((v) => v.type === 'bind' && v.bind?.create_host_path && !v.bind.selinux);
  const mounts = place(() => s.volumes.filter((v) => !made.includes(v)).map((v) => mountOf(v, project, service)));
  if (mounts.length) flags.mount = mounts;
  if (s.tmpfs.length) flags.tmpfs = s.tmpfs;
  if (s.working_dir !== undefined) flags.workdir = s.working_dir;
  if (s.user !== undefined) flags.user = s.user;
  if (s.hostname !== undefined) flags.hostname = s.hostname;
  if (s.restart !== undefined) flags.restart = s.restart;
  if (s.cap_add.length) flags.capAdd = s.cap_add;
  if (s.cap_drop.length) flags.capDrop = s.cap_drop;
  if (s.read_only) flags.readOnly = true;
  if (s.init) flags.init = true;
  if (s.stop_signal !== undefined) flags.stopSignal = s.stop_signal;
  if (s.stop_grace_period !== undefined) flags.stopTimeout = String(Math.ceil(s.stop_grace_period / 1000));
  if (s.limits?.memory !== undefined) flags.memory = String(s.limits.memory);
  if (s.limits?.cpus !== undefined) flags.cpus = String(s.limits.cpus);
  if (s.limits?.pids !== undefined) flags.pidsLimit = String(s.limits.pids);
  const ulimits = Object.entries(s.ulimits ?? {}).map(([k, u]) => `${k}=${u.soft}:${u.hard}`);
  if (ulimits.length) flags.ulimit = ulimits;
  const sysctls = Object.entries(s.sysctls).map(([k, v]) => `${k}=${v}`);
  if (sysctls.length) flags.sysctl = sysctls;
  if (s.extra_hosts.length) flags.addHost = s.extra_hosts;
  if (s.dns.length) flags.dns = s.dns;
  if (s.privileged) flags.privileged = true;
  if (s.security_opt.length) flags.securityOpt = s.security_opt;
  if (s.shm_size !== undefined) flags.shmSize = String(s.shm_size);
  if (s.devices.length) flags.device = s.devices;
  if (s.pull_policy !== undefined) flags.pull = s.pull_policy;
  // volumes_from SERVICE[:ro] is that service's container; container:NAME[:ro] a container by name.
  if (s.volumes_from.length) flags.volumesFrom = s.volumes_from.map((v) => (v.startsWith('container:') ? v.slice('container:'.length) : `${nameIn(project, v.split(':')[0]!)}${v.includes(':') ? v.slice(v.indexOf(':')) : ''}`));
  if (s.logging) {
    if (s.logging.driver !== undefined && s.logging.driver !== 'json-file') throw new GlassboxError(`logging driver ${s.logging.driver} is not supported`, { ...at('logging'), hint: 'glassbox keeps json-file\'s files: leave driver out, or json-file' });
    const opts = Object.entries(s.logging.options ?? {}).map(([k, v]) => `${k}=${v}`);
    if (opts.length) flags.logOpt = opts;
  }
  const base: ContainerSpec = {
    env: {},
    namespaces: [...DEFAULT_NAMESPACES],
    root: 'pivot_root',
    rootfs: 'overlay',
    readOnly: false,
    volumes: [],
    image,
    origins: { image: at('image').pos ? { ...at('image').pos! } : { flag: 'image' }, command: project.origins[`services.${service}.command`] ?? { flag: 'command' } },
  };
  for (const v of made) base.volumes.push({ type: 'bind', source: v.source!, target: v.target, readOnly: v.read_only, createHostPath: true, ...(v.bind?.propagation ? { propagation: v.bind.propagation as Propagation } : {}) });
  if (s.entrypoint !== undefined && s.entrypoint !== null) base.entrypoint = s.entrypoint;
  const health = place(() => healthOf(s));
  if (health) base.healthcheck = health;
  const command = opts.command?.length ? opts.command : (s.command ?? []);
  return { service, name: flags.name!, image, base, command, flags, hash };
}
