// `glassbox kube generate`: containers' validated models (ContainerSpec, what a recipe, the run flags or a compose
// service turn into) written as one Kubernetes Pod — the manifest `podman kube play`, `kubectl apply` and
// `glassbox kube play` run. Each spec field has its Pod field; a field the Pod API cannot say (a health check, a
// stop signal, devices, ulimits…) is refused with its name, never dropped. Pure: specs in, an object and YAML out.
//
//   image, entrypoint, command      image, command, args
//   env, workdir                    env, workingDir
//   network ports (-p)              ports (containerPort, hostPort, hostIP, protocol)
//   volumes: bind / volume / anon / tmpfs   volumeMounts + volumes: hostPath / persistentVolumeClaim / emptyDir /
//                                   emptyDir medium Memory
//   resources memory, cpus, shares  resources.limits memory, cpu; requests.cpu
//   security, read_only, user       securityContext (capabilities, privileged, allowPrivilegeEscalation,
//                                   readOnlyRootFilesystem, runAsUser/runAsGroup)
//   restart, hostname, add_hosts, dns, stop timeout   restartPolicy, hostname, hostAliases, dnsConfig,
//                                   terminationGracePeriodSeconds (one for the pod: the containers must agree)

import { stringify } from 'yaml';
import { GlassboxError, GlassboxErrors } from '../errors.ts';
import type { ContainerSpec } from '../recipe/model.ts';
import { coresOfShares, formatCpu, formatMemory } from './quantity.ts';

/** One container of the pod to write: its name in the pod and its model. */
export interface GenerateMember {
  name: string;
  spec: ContainerSpec;
}

export interface GenerateInput {
  pod: string;
  members: GenerateMember[];
  /** Names that must resolve to the pod itself (a compose project's service names: they share localhost now). */
  localNames?: string[];
  /** Labels that are glassbox's own bookkeeping (compose's com.docker.compose.*), not the user's. */
  ownLabel?: (key: string) => boolean;
}

type Obj = Record<string, unknown>;

const K8S_RESTART = { no: 'Never', 'on-failure': 'OnFailure', always: 'Always', 'unless-stopped': 'Always' } as const;

// A name Kubernetes accepts for a volume or container (DNS-1123 label).
export function dnsLabel(s: string): string {
  const out = s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return out || 'x';
}

// The pod object: see the module comment.
export function generatePod(input: GenerateInput): Obj {
  const errors: GlassboxError[] = [];
  const bad = (who: string, field: string, message: string, hint?: string) => errors.push(new GlassboxError(`${who}: ${message}`, { field, ...(hint ? { hint } : {}) }));
  const volumes: Obj[] = [];
  const volumeName = new Map<string, string>();
  const takeVolume = (key: string, wanted: string, source: Obj): string => {
    const have = volumeName.get(key);
    if (have) return have;
    let name = dnsLabel(wanted);
    for (let n = 1; volumes.some((v) => v.name === name); n++) name = dnsLabel(`${wanted}-${n}`);
    volumeName.set(key, name);
    volumes.push({ name, ...source });
    return name;
  };
  const one = <T>(what: string, values: Array<T | undefined>): T | undefined => {
    const set = [...new Set(values.filter((v) => v !== undefined).map((v) => JSON.stringify(v)))];
    if (set.length > 1) bad(input.pod, what, `the containers disagree (${set.join(' vs ')}); a pod has one`, 'make them the same, or generate one pod per container');
    return set.length ? (JSON.parse(set[0]!) as T) : undefined;
  };
  const annotations: Record<string, string> = {};
  const containers = input.members.map(({ name, spec }) => {
    const who = `container ${name}`;
    if (spec.image === undefined) bad(who, 'image', 'a container on a root directory has no image a pod could name', 'run it from an image');
    const c: Obj = { name, image: spec.image ?? '' };
    if (spec.entrypoint !== undefined) c.command = spec.entrypoint;
    if (spec.command !== undefined) c.args = spec.command;
    // An entrypoint cleared with --entrypoint '' and no command cannot be written: Kubernetes reads an empty
    // command as "the image's".
    if (spec.entrypoint?.length === 0 && !spec.command?.length) bad(who, 'entrypoint', 'an empty entrypoint without a command', 'give the command');
    const env = Object.entries(spec.env);
    if (env.length) c.env = env.map(([k, v]) => ({ name: k, value: v }));
    if (spec.workdir !== undefined) c.workingDir = spec.workdir;
    const n = spec.network;
    if (n?.mode === 'container') bad(who, 'network', `it shares container ${n.target}'s network, which a pod cannot name`, 'put both containers in one pod: they share its network');
    if (n?.mode === 'none' && input.members.length === 1 && n.ports.length) bad(who, 'network', 'ports without a network');
    if (n?.ports.length) {
      c.ports = n.ports.map((p) => ({
        containerPort: p.containerPort,
        ...(p.hostPort !== undefined ? { hostPort: p.hostPort } : {}),
        ...(p.hostIp !== undefined ? { hostIP: p.hostIp } : {}),
        ...(p.proto === 'udp' ? { protocol: 'UDP' } : {}),
      }));
      if (n.ports.some((p) => p.hostPort === undefined)) bad(who, 'ports', 'a port published on a host port chosen at run time (-p CONTAINER) has no hostPort to write', 'publish it on a fixed host port: -p HOST:CONTAINER');
    }
    const mounts: Obj[] = [];
    for (const v of spec.volumes) {
      if (v.type === 'bind') {
        if (v.propagation !== undefined) bad(who, 'volumes', `the bind propagation ${v.propagation} of ${v.target} has no Pod field here`, 'drop bind-propagation');
        const vol = takeVolume(`bind:${v.source}:${v.createHostPath ? 1 : 0}`, `${v.source.split('/').filter(Boolean).join('-') || 'root'}-host`, { hostPath: { path: v.source, ...(v.createHostPath ? { type: 'DirectoryOrCreate' } : {}) } });
        mounts.push({ name: vol, mountPath: v.target, ...(v.readOnly ? { readOnly: true } : {}) });
      } else if (v.type === 'volume') {
        if (v.noCopy) bad(who, 'volumes', `volume-nocopy on ${v.target} has no Pod field`, 'drop volume-nocopy');
        const vol = v.source !== undefined
          ? takeVolume(`pvc:${v.source}`, `${v.source}-pvc`, { persistentVolumeClaim: { claimName: v.source } })
          : takeVolume(`anon:${name}:${v.target}`, `${name}-${v.target.split('/').filter(Boolean).join('-')}`, { emptyDir: {} });
        mounts.push({ name: vol, mountPath: v.target, ...(v.readOnly ? { readOnly: true } : {}) });
      } else {
        if (v.mode !== undefined) bad(who, 'volumes', `the tmpfs mode of ${v.target} has no Pod field`, 'drop mode=');
        const vol = takeVolume(`tmpfs:${name}:${v.target}`, `${name}-${v.target.split('/').filter(Boolean).join('-')}-tmpfs`, { emptyDir: { medium: 'Memory', ...(v.size !== undefined ? { sizeLimit: sizeLimit(v.size) } : {}) } });
        mounts.push({ name: vol, mountPath: v.target });
      }
    }
    if (mounts.length) c.volumeMounts = mounts;
    const r = spec.resources;
    if (r) {
      const limits: Obj = {};
      const requests: Obj = {};
      if (r.cpus !== undefined) limits.cpu = formatCpu(r.cpus);
      if (r.memory !== undefined) limits.memory = formatMemory(r.memory);
      if (r.cpuShares !== undefined) requests.cpu = formatCpu(coresOfShares(r.cpuShares));
      if (r.memorySwap !== undefined) bad(who, 'resources.memory_swap', 'a swap limit has no Pod field', 'drop --memory-swap');
      if (r.cpusetCpus !== undefined) bad(who, 'resources.cpuset_cpus', 'pinning to CPUs has no Pod field', 'drop --cpuset-cpus');
      if (r.pids !== undefined) bad(who, 'resources.pids', 'a per-container process limit has no Pod field (the kubelet sets it for the node)', 'drop --pids-limit');
      if (Object.keys(limits).length || Object.keys(requests).length) c.resources = { ...(Object.keys(limits).length ? { limits } : {}), ...(Object.keys(requests).length ? { requests } : {}) };
    }
    const sc: Obj = {};
    const sec = spec.security;
    const caps: Obj = {};
    if (sec?.capAdd?.length) caps.add = sec.capAdd.map((x) => x.replace(/^CAP_/i, '').toUpperCase());
    if (sec?.capDrop?.length) caps.drop = sec.capDrop.map((x) => x.replace(/^CAP_/i, '').toUpperCase());
    if (Object.keys(caps).length) sc.capabilities = caps;
    if (sec?.privileged) sc.privileged = true;
    // glassbox sets no_new_privs unless told not to (Kubernetes' default is the opposite): say it.
    else sc.allowPrivilegeEscalation = sec?.noNewPrivileges === false;
    if (sec?.seccomp === 'unconfined') bad(who, 'security.seccomp', 'seccomp=unconfined has no field glassbox plays', 'drop it');
    if (spec.readOnly) sc.readOnlyRootFilesystem = true;
    if (spec.user !== undefined) {
      const m = /^(\d+)(?::(\d+))?$/.exec(spec.user);
      if (!m) bad(who, 'user', `the user "${spec.user}" is a name; a pod gives numeric IDs`, 'give --user UID[:GID]');
      else {
        sc.runAsUser = Number(m[1]);
        if (m[2] !== undefined) sc.runAsGroup = Number(m[2]);
      }
    }
    c.securityContext = sc;
    if (spec.init) annotations[`io.podman.annotations.init/${name}`] = 'TRUE';
    // What the Pod API has no field for.
    const none: Array<[unknown, string, string]> = [
      [spec.healthcheck, 'healthcheck', 'a health check'],
      [spec.stopSignal, 'stop_signal', 'a stop signal'],
      [spec.ulimits?.length ? spec.ulimits : undefined, 'ulimits', 'ulimits'],
      [spec.devices?.length ? spec.devices : undefined, 'devices', 'devices'],
      [spec.sysctls && Object.keys(spec.sysctls).length ? spec.sysctls : undefined, 'sysctls', 'sysctls'],
      [spec.shmSize, 'shm_size', 'a /dev/shm size'],
      [spec.logOpts && Object.keys(spec.logOpts).length ? spec.logOpts : undefined, 'logging', 'log rotation'],
      [spec.volumesFrom?.length ? spec.volumesFrom : undefined, 'volumes_from', 'volumes from another container'],
      [spec.tty ? true : undefined, 'tty', 'a terminal'],
      [spec.network?.aliases?.some((a) => !(input.localNames ?? []).includes(a)) ? spec.network.aliases : undefined, 'network.aliases', 'network aliases'],
      [spec.network?.ip, 'network.ip', 'a fixed address'],
      [spec.restart && spec.restart.maxRetries > 0 ? spec.restart.maxRetries : undefined, 'restart', 'a restart count (on-failure:N)'],
    ];
    for (const [v, field, what] of none) if (v !== undefined) bad(who, field, `${what} has no Pod field glassbox writes`, `drop ${field} to generate a pod`);
    for (const [k, v] of Object.entries(spec.labels ?? {})) if (!input.ownLabel?.(k)) annotations[k] = v;
    return c;
  });
  const specs = input.members.map((m) => m.spec);
  const restart = one('restart', specs.map((s) => K8S_RESTART[s.restart?.name ?? 'no']));
  const hostname = one('hostname', specs.map((s) => s.hostname));
  const grace = one('stop_timeout', specs.map((s) => s.stopTimeout));
  const host = specs.some((s) => s.network?.mode === 'host');
  if (host && !specs.every((s) => s.network?.mode === 'host')) bad(input.pod, 'network', 'some containers use the host\'s network and some do not; a pod has one', 'make them the same');
  const aliases = new Map<string, string[]>();
  for (const s of specs) for (const h of s.network?.addHosts ?? []) if (!aliases.get(h.ip)?.includes(h.host)) aliases.set(h.ip, [...(aliases.get(h.ip) ?? []), h.host]);
  const local = (input.localNames ?? []).filter((n) => !aliases.get('127.0.0.1')?.includes(n));
  if (local.length) aliases.set('127.0.0.1', [...(aliases.get('127.0.0.1') ?? []), ...local]);
  const dns = [...new Set(specs.flatMap((s) => s.network?.dns ?? []))];
  if (errors.length) throw errors.length === 1 ? errors[0]! : new GlassboxErrors(errors);
  const podSpec: Obj = {
    ...(restart ? { restartPolicy: restart } : {}),
    ...(hostname ? { hostname } : {}),
    ...(host ? { hostNetwork: true } : {}),
    ...(aliases.size ? { hostAliases: [...aliases].map(([ip, hostnames]) => ({ ip, hostnames })) } : {}),
    ...(dns.length ? { dnsConfig: { nameservers: dns } } : {}),
    ...(grace !== undefined ? { terminationGracePeriodSeconds: grace } : {}),
    containers,
    ...(volumes.length ? { volumes } : {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: input.pod, labels: { app: input.pod }, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: podSpec,
  };
}

// A tmpfs size ("64m", bytes) as a Kubernetes quantity.
function sizeLimit(size: string): string {
  const m = /^(\d+)([kmg]?)$/i.exec(size.trim());
  if (!m) return size;
  const mult = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return formatMemory(Number(m[1]) * mult);
}

// The manifest's text: a comment saying where it came from, then the Pod.
export function renderPod(pod: Obj, source: string, version: string): string {
  return `# Generated by glassbox ${version} from ${source}.\n# Run it with: glassbox kube play FILE (or podman kube play FILE, kubectl apply -f FILE)\n${stringify(pod, { lineWidth: 0 })}`;
}
