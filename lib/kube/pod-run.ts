// A Pod as glassbox containers, the way podman runs one: an infra ("pause") container holds the pod's network
// namespace — its network `kube-<pod>`, its published host ports, its /etc/hosts (hostAliases) and resolv.conf
// (dnsConfig) — and every container of the pod joins it with `--network container:<pod>-infra`, so they share one
// localhost and one address, as containers of a Kubernetes pod do. Each container keeps its own mount, PID, UTS
// and IPC namespaces (hostname: the pod's). Names are podman's: `<pod>-<container>`; labels tell `kube down`
// which containers are the pod's. Pure: a checked Pod in, run requests (a base spec and run flags, what
// `glassbox run -d` takes) out; every field is turned into a flag or refused with its position.

import { GlassboxError, GlassboxErrors, type SourcePos } from '../errors.ts';
import { BASE_IMAGE } from '../image/fromhost.ts';
import type { RunFlags } from '../recipe/flags.ts';
import { DEFAULT_NAMESPACES, type ContainerSpec } from '../recipe/model.ts';
import type { KubePod } from './load.ts';
import { cpuCores, memoryBytes, sharesOf } from './quantity.ts';
import type { ContainerT } from './schema.ts';

/** The labels glassbox puts on a pod's containers (and finds them by). */
export const KUBE_LABEL = {
  pod: 'io.glassbox.kube.pod',
  container: 'io.glassbox.kube.container',
  infra: 'io.glassbox.kube.infra',
  /** On an emptyDir's volume: the pod it belongs to (kube down removes it). */
  volume: 'io.glassbox.kube.volume',
} as const;

/** One container of the pod as `glassbox run -d` takes it. */
export interface MemberRun {
  /** The container's name in the pod (`infra` for the infra container). */
  container: string;
  /** Its glassbox name: `<pod>-<container>`. */
  name: string;
  image: string;
  base: ContainerSpec;
  command: string[];
  flags: RunFlags;
  /** Where it is in the manifest, for the errors the run pipeline finds later. */
  pos: SourcePos;
}

export interface PodRun {
  pod: string;
  /** The pod's network (made by play, removed by down); undefined with hostNetwork. */
  network?: string;
  /** The infra container; undefined with hostNetwork (the containers then use the host's network). */
  infra?: MemberRun;
  containers: MemberRun[];
  /** emptyDir volumes: glassbox named volumes play makes and down removes. */
  emptyDirs: string[];
  /** persistentVolumeClaim volumes: named volumes play makes when missing; down keeps them (their data). */
  claims: string[];
}

/** The command of the infra container: it only has to stay alive (tini as PID 1 passes it SIGTERM). */
export const INFRA_COMMAND = ['sleep', 'infinity'];

// The network a pod's infra container is on.
export const podNetwork = (pod: string) => `kube-${pod}`;

const RESTART = { Always: 'always', OnFailure: 'on-failure', Never: 'no' } as const;

// podman's per-container annotations (io.podman.annotations.KEY/CONTAINER) that change how it runs.
function podmanAnnotation(pod: KubePod, key: string, container: string): boolean | undefined {
  const v = pod.annotations[`io.podman.annotations.${key}/${container}`] ?? (key === 'tty' ? pod.annotations[`io.kubernetes.cri-o.TTY/${container}`] : undefined);
  return v === undefined ? undefined : /^true$/i.test(v);
}

// A capability as glassbox spells it (Kubernetes writes NET_ADMIN, podman CAP_NET_ADMIN).
const capName = (c: string) => c.replace(/^CAP_/i, '').toUpperCase();

// The Pod's run requests: see the module comment. Every problem is collected, each at its field.
export function podRun(pod: KubePod): PodRun {
  const errors: GlassboxError[] = [];
  const bad = (path: (string | number)[], message: string, hint?: string) =>
    errors.push(new GlassboxError(message, { pos: pod.at(path), field: [pod.specPath, ...path].join('.'), ...(hint ? { hint } : {}) }));
  const s = pod.spec;
  const hostNet = !!s.hostNetwork;
  const infraName = `${pod.name}-infra`;
  const labels = (container: string, infra = false) => [
    ...Object.entries(pod.labels).map(([k, v]) => `${k}=${v}`),
    ...Object.entries(pod.annotations).map(([k, v]) => `${k}=${v}`),
    `${KUBE_LABEL.pod}=${pod.name}`,
    `${KUBE_LABEL.container}=${container}`,
    ...(infra ? [`${KUBE_LABEL.infra}=true`] : []),
  ];
  const seen = new Set<string>();
  s.containers.forEach((c, i) => {
    if (seen.has(c.name)) bad(['containers', i, 'name'], `two containers are named ${c.name}`);
    if (c.name === 'infra' && !hostNet) bad(['containers', i, 'name'], 'the name infra is the infra container\'s', 'rename the container');
    seen.add(c.name);
    if (`${pod.name}-${c.name}`.length > 63) bad(['containers', i, 'name'], `${pod.name}-${c.name} is longer than 63 characters`, 'shorten the pod or container name');
  });
  // Volumes: what each one is, and who mounts it.
  const volumes = new Map<string, { index: number; kind: 'hostPath' | 'emptyDir' | 'memory' | 'claim' }>();
  const emptyDirs: string[] = [];
  const claims: string[] = [];
  (s.volumes ?? []).forEach((v, i) => {
    const kinds = (['hostPath', 'emptyDir', 'persistentVolumeClaim'] as const).filter((k) => v[k] !== undefined);
    if (kinds.length !== 1) return bad(['volumes', i], `volume ${v.name}: give exactly one of hostPath, emptyDir, persistentVolumeClaim`, 'these are the volume sources glassbox supports');
    if (volumes.has(v.name)) return bad(['volumes', i, 'name'], `two volumes are named ${v.name}`);
    const kind = kinds[0] === 'hostPath' ? 'hostPath' : kinds[0] === 'persistentVolumeClaim' ? 'claim' : v.emptyDir?.medium === 'Memory' ? 'memory' : 'emptyDir';
    if (kind === 'emptyDir' && v.emptyDir?.sizeLimit !== undefined) bad(['volumes', i, 'emptyDir', 'sizeLimit'], 'a sizeLimit needs medium: Memory (a tmpfs)', 'a directory volume has no size limit here');
    volumes.set(v.name, { index: i, kind });
    if (kind === 'emptyDir') emptyDirs.push(`${pod.name}-${v.name}`);
    if (kind === 'claim' && !claims.includes(v.persistentVolumeClaim!.claimName)) claims.push(v.persistentVolumeClaim!.claimName);
  });
  for (const [vname, v] of volumes) {
    if (v.kind !== 'memory') continue;
    const users = s.containers.filter((c) => c.volumeMounts?.some((m) => m.name === vname));
    if (users.length > 1) bad(['volumes', v.index, 'emptyDir', 'medium'], `volume ${vname}: a Memory emptyDir is a tmpfs of one container here, and ${users.length} containers mount it`, 'give each container its own, or drop medium: Memory');
  }
  const hostname = s.hostname ?? pod.name;
  const restart = RESTART[s.restartPolicy ?? 'Always'];
  const containers = s.containers.map((c, i) => containerRun(pod, c, i, { bad, volumes, hostname, restart, hostNet, infraName, labels: labels(c.name) }));
  let infra: MemberRun | undefined;
  if (!hostNet) {
    const publish = s.containers.flatMap((c) => (c.ports ?? []).filter((p) => p.hostPort !== undefined).map((p) => `${p.hostIP ? `${p.hostIP}:` : ''}${p.hostPort}:${p.containerPort}/${(p.protocol ?? 'TCP').toLowerCase()}`));
    const flags: RunFlags = { name: infraName, detach: true, init: true, network: podNetwork(pod.name), hostname, label: labels('infra', true) };
    if (publish.length) flags.publish = publish;
    const hosts = (s.hostAliases ?? []).flatMap((a) => a.hostnames.map((h) => `${h}:${a.ip}`));
    if (hosts.length) flags.addHost = hosts;
    if (s.dnsConfig?.nameservers?.length) flags.dns = s.dnsConfig.nameservers;
    infra = { container: 'infra', name: infraName, image: BASE_IMAGE, base: baseSpec(BASE_IMAGE, pod.at([])), command: INFRA_COMMAND, flags, pos: pod.at([]) };
  } else {
    if (s.hostAliases?.length) bad(['hostAliases'], 'hostAliases with hostNetwork: the containers use the host\'s /etc/hosts', 'drop one of them');
    if (s.dnsConfig?.nameservers?.length) bad(['dnsConfig'], 'dnsConfig with hostNetwork: the containers use the host\'s resolv.conf', 'drop one of them');
  }
  errors.sort((a, b) => (a.pos?.line ?? 0) - (b.pos?.line ?? 0) || (a.pos?.col ?? 0) - (b.pos?.col ?? 0));
  if (errors.length) throw errors.length === 1 ? errors[0]! : new GlassboxErrors(errors);
  return { pod: pod.name, ...(hostNet ? {} : { network: podNetwork(pod.name), infra }), containers, emptyDirs, claims };
}

// The spec the flags apply over: the image, and (for Kubernetes' `command`) the entrypoint in its list form.
function baseSpec(image: string, pos: SourcePos, entrypoint?: string[]): ContainerSpec {
  return {
    env: {},
    namespaces: [...DEFAULT_NAMESPACES],
    root: 'pivot_root',
    rootfs: 'overlay',
    readOnly: false,
    volumes: [],
    image,
    ...(entrypoint ? { entrypoint } : {}),
    origins: { image: pos, command: pos },
  };
}

interface Ctx {
  bad: (path: (string | number)[], message: string, hint?: string) => void;
  volumes: Map<string, { index: number; kind: 'hostPath' | 'emptyDir' | 'memory' | 'claim' }>;
  hostname: string;
  restart: string;
  hostNet: boolean;
  infraName: string;
  labels: string[];
}

// One container of the pod: command/args, env, workingDir, volume mounts, limits and its security context.
function containerRun(pod: KubePod, c: ContainerT, i: number, x: Ctx): MemberRun {
  const at = (...path: (string | number)[]) => ['containers', i, ...path];
  const s = pod.spec;
  const flags: RunFlags = {
    name: `${pod.name}-${c.name}`,
    detach: true,
    network: x.hostNet ? 'host' : `container:${x.infraName}`,
    label: x.labels,
    restart: x.restart,
  };
  if (!x.hostNet) flags.hostname = x.hostname;
  if (c.env?.length) flags.env = c.env.map((e) => `${e.name}=${e.value ?? ''}`);
  if (c.workingDir !== undefined) flags.workdir = c.workingDir;
  if (s.terminationGracePeriodSeconds !== undefined) flags.stopTimeout = String(s.terminationGracePeriodSeconds);
  if (c.imagePullPolicy !== undefined) flags.pull = { Always: 'always', IfNotPresent: 'missing', Never: 'never' }[c.imagePullPolicy];
  if (podmanAnnotation(pod, 'init', c.name)) flags.init = true;
  if (podmanAnnotation(pod, 'privileged', c.name)) flags.privileged = true;
  if (podmanAnnotation(pod, 'tty', c.name)) x.bad(['containers', i], `container ${c.name}: a terminal (the TTY annotation) is not supported for a pod's containers`, 'they run detached: drop the annotation or set it to false');
  if (podmanAnnotation(pod, 'autoremove', c.name)) x.bad(['containers', i], `container ${c.name}: autoremove (podman's --rm) is not supported for a pod's containers`, 'glassbox kube down removes them');
  if (podmanAnnotation(pod, 'publish-all', c.name)) x.bad(['containers', i], `container ${c.name}: publish-all (podman's -P) is not supported`, 'give each port a hostPort');
  if (x.hostNet && c.ports?.some((p) => p.hostPort !== undefined && p.hostPort !== p.containerPort)) x.bad(at('ports'), 'with hostNetwork a hostPort must equal its containerPort', 'the container listens on the host itself');
  // Limits: cpu and memory limits become --cpus and --memory; a cpu request becomes CPU shares (the kubelet's).
  const lim = c.resources?.limits;
  if (lim?.memory !== undefined) {
    const b = memoryBytes(lim.memory);
    if (typeof b === 'string') x.bad(at('resources', 'limits', 'memory'), b);
    else flags.memory = String(b);
  }
  if (lim?.cpu !== undefined) {
    const n = cpuCores(lim.cpu);
    if (typeof n === 'string') x.bad(at('resources', 'limits', 'cpu'), n);
    else flags.cpus = String(n);
  }
  const req = c.resources?.requests;
  if (req?.cpu !== undefined) {
    const n = cpuCores(req.cpu);
    if (typeof n === 'string') x.bad(at('resources', 'requests', 'cpu'), n);
    else flags.cpuShares = String(sharesOf(n));
  }
  if (req?.memory !== undefined) x.bad(at('resources', 'requests', 'memory'), 'a memory request (a reservation) is not supported', 'give a limit instead: resources.limits.memory');
  // Security context: the container's over the pod's (runAsUser, runAsGroup).
  const sc = c.securityContext;
  const uid = sc?.runAsUser ?? s.securityContext?.runAsUser;
  const gid = sc?.runAsGroup ?? s.securityContext?.runAsGroup;
  if (gid !== undefined && uid === undefined) x.bad(at('securityContext', 'runAsGroup'), 'runAsGroup without runAsUser is not supported', 'give runAsUser too (glassbox takes --user UID:GID)');
  else if (uid !== undefined) flags.user = gid !== undefined ? `${uid}:${gid}` : String(uid);
  if (sc?.capabilities?.add?.length) flags.capAdd = sc.capabilities.add.map(capName);
  if (sc?.capabilities?.drop?.length) flags.capDrop = sc.capabilities.drop.map(capName);
  if (sc?.privileged) flags.privileged = true;
  if (sc?.readOnlyRootFilesystem) flags.readOnly = true;
  if (sc?.allowPrivilegeEscalation !== undefined) flags.securityOpt = [`no-new-privileges=${sc.allowPrivilegeEscalation ? 'false' : 'true'}`];
  // Volume mounts: a hostPath is a bind, an emptyDir the pod's named volume (or a tmpfs), a claim a named volume.
  const base = baseSpec(c.image, pod.at(at('image')), c.command);
  const mounts: string[] = [];
  const tmpfs: string[] = [];
  const targets = new Set<string>();
  (c.volumeMounts ?? []).forEach((m, j) => {
    const where = at('volumeMounts', j);
    if (targets.has(m.mountPath)) x.bad([...where, 'mountPath'], `two volumes are mounted at ${m.mountPath}`);
    targets.add(m.mountPath);
    const v = x.volumes.get(m.name);
    if (!v) return x.bad([...where, 'name'], `no volume named ${m.name}`, `declare it under spec.volumes${x.volumes.size ? ` (there: ${[...x.volumes.keys()].join(', ')})` : ''}`);
    const vol = s.volumes![v.index]!;
    const ro = !!m.readOnly || !!vol.persistentVolumeClaim?.readOnly;
    if (v.kind === 'hostPath') {
      if (vol.hostPath!.type === 'DirectoryOrCreate') base.volumes.push({ type: 'bind', source: vol.hostPath!.path, target: m.mountPath, readOnly: ro, createHostPath: true });
      else mounts.push(`type=bind,source=${vol.hostPath!.path},target=${m.mountPath}${ro ? ',readonly' : ''}`);
    } else if (v.kind === 'emptyDir') mounts.push(`type=volume,source=${pod.name}-${vol.name},target=${m.mountPath}${ro ? ',readonly' : ''}`);
    else if (v.kind === 'claim') mounts.push(`type=volume,source=${vol.persistentVolumeClaim!.claimName},target=${m.mountPath}${ro ? ',readonly' : ''}`);
    else {
      if (ro) x.bad([...where, 'readOnly'], 'a read-only Memory emptyDir is always empty', 'drop readOnly');
      let size = '';
      if (vol.emptyDir!.sizeLimit !== undefined) {
        const b = memoryBytes(vol.emptyDir!.sizeLimit);
        if (typeof b === 'string') x.bad(['volumes', v.index, 'emptyDir', 'sizeLimit'], b);
        else size = `:size=${b}`;
      }
      tmpfs.push(`${m.mountPath}${size}`);
    }
  });
  if (mounts.length) flags.mount = mounts;
  if (tmpfs.length) flags.tmpfs = tmpfs;
  return { container: c.name, name: flags.name!, image: c.image, base, command: c.args ?? [], flags, pos: pod.at(at()) };
}
