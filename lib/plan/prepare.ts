// Prepares a container for the planner: resolves the image, merges its config with the spec the way docker does
// (Entrypoint + Cmd, Env, WorkingDir, User), looks users up in the image's /etc/passwd and resolves paths inside
// the image, following its symbolic links as the container would. It reads files; it changes nothing.

import { fromImage, mergeHealth, resolveHealth, type PlanHealth } from '../health/model.ts';
import { parseStopSignal, type PlanLifecycle } from '../restart/policy.ts';
import { existsSync, statSync } from 'node:fs';
import { GlassboxError, placed, type Place } from '../errors.ts';
import type { HostFacts } from '../host/facts.ts';
import { findOnPathSync, isStaticElf } from '../host/programs.ts';
import { readFileFromLayers, resolveInLayers } from '../image/rootpath.ts';
import { resolveImage, type ImageConfig, type ResolvedImage } from '../image/store.ts';
import { resolveUser } from '../image/users.ts';
import type { ContainerSpec } from '../recipe/model.ts';
import { placeOf } from '../recipe/origins.ts';
import { isReservedTarget, OVERLAY_UNSAFE } from '../recipe/validate.ts';
import { resolveSecurity } from '../security/model.ts';
import { containerPaths, type Roots } from '../state/paths.ts';
import type { PreparedContainer } from './planner.ts';
import { etcTargets, prepareNetwork, type PlannedNetworks } from '../net/prepare.ts';
import { probeNetwork } from '../net/probe.ts';
import { prepareVolumes } from '../volume/prepare.ts';
import { prepareExtras } from './prepare-extras.ts';

import { DEFAULT_PATH } from './types.ts';
export { DEFAULT_PATH };

export interface PrepareInput {
  spec: ContainerSpec;
  id: string;
  name: string;
  roots: Roots;
  facts: HostFacts;
  /** Extra environment set by the CLI (TERM with -t…), below the spec's own. */
  envDefaults?: Record<string, string>;
  /** glassbox plan and script: choose an address and ports without claiming them. */
  dryNetwork?: boolean;
  /** compose plan: the networks and addresses of the project's containers planned before this one. */
  plannedNetworks?: PlannedNetworks;
  /** build --plan: the image as the build will have made it (layers of earlier steps not made yet), not the store's. */
  image?: ResolvedImage;
}

/** Static init programs docker and podman use, in order of preference (Debian: tini, catatonit). */
const INIT_PROGRAMS = ['tini-static', 'catatonit', 'tini'];

// --init needs a static init: a dynamic one would look for its libraries in the container's root.
async function findInit(): Promise<string> {
  for (const name of INIT_PROGRAMS) {
    const file = findOnPathSync(name);
    if (file && (await isStaticElf(file))) return file;
  }
  throw new GlassboxError('--init needs a static init program, and none is installed', { hint: 'apt-get install tini (it has tini-static) or catatonit' });
}

// Turns a validated spec into everything the planner needs. Every error found here is about one field of the
// input, and says so: the recipe's file:line:col or the flag (lib/recipe/origins.ts).
export async function prepareContainer(input: PrepareInput): Promise<PreparedContainer & { imageConfig: ImageConfig }> {
  const { spec, id, name, roots } = input;
  const at = (...path: (string | number)[]): Place => placeOf(spec, path);
  // A value the image supplies (its User, WorkingDir) is the image's fault when it is wrong.
  const image = at(spec.image !== undefined ? 'image' : 'rootdir');
  let lowerDirs: string[];
  let config: ImageConfig = {};
  let imageRef: string;
  let imageId: string | undefined;
  if (spec.image !== undefined) {
    const img = input.image ?? (await placed(image, () => resolveImage(roots.root, spec.image!)));
    lowerDirs = img.lowerDirs;
    config = img.record.config;
    imageRef = img.ref;
    imageId = img.record.id;
  } else {
    const dir = spec.rootdir!;
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new GlassboxError(`rootdir ${dir} is not a directory`, { ...image, hint: 'give an existing directory holding a root file system' });
    }
    lowerDirs = [dir];
    imageRef = dir;
  }
  for (const d of lowerDirs) {
    if (OVERLAY_UNSAFE.test(d)) throw new GlassboxError(`layer path ${d} contains "," ":" "\\" or white space`, { ...image, hint: 'these would change the overlay mount options' });
  }

  const entrypoint = spec.entrypoint ?? config.Entrypoint ?? [];
  const cmd = spec.command ?? (spec.entrypoint !== undefined ? [] : (config.Cmd ?? []));
  const command = [...entrypoint, ...cmd];
  if (command.length === 0) {
    throw new GlassboxError('no command specified', { ...at('command'), hint: 'give a command after the image, or `command:` in the recipe' });
  }

  const readEtc = (p: '/etc/passwd' | '/etc/group') => readFileFromLayers(lowerDirs, p);
  const userSpec = spec.user ?? config.User ?? '';
  const user = userSpec
    ? await placed(spec.user !== undefined ? at('user') : image, () => resolveUser(userSpec, readEtc))
    : { uid: 0, gid: 0, groups: [] as number[], home: '/root' };

  const env: Record<string, string> = { PATH: DEFAULT_PATH };
  for (const kv of config.Env ?? []) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const hostname = spec.hostname ?? id.slice(0, 12);
  // With a terminal, TERM says what it understands (docker sets xterm too); the spec's own value wins.
  Object.assign(env, { HOSTNAME: hostname, HOME: ('home' in user && user.home) || '/root' }, spec.tty ? { TERM: 'xterm' } : {}, input.envDefaults ?? {}, spec.env);

  const workdirWanted = spec.workdir ?? (config.WorkingDir || '/');
  const workdirAt = spec.workdir !== undefined ? at('workdir') : image;
  const wd = await placed(workdirAt, () => resolveInLayers(lowerDirs, workdirWanted));
  if (wd.kind === 'file' || wd.kind === 'other') throw new GlassboxError(`the working directory ${workdirWanted} is not a directory in the image`, workdirAt);
  const workdir = wd.path;
  const vols = await prepareVolumes(spec, roots, lowerDirs, config, at, image, !!input.dryNetwork);
  const volumes = vols.volumes;
  // The mount points glassbox itself uses must be real directories (or missing), never links out of the image.
  let makeProc = false;
  for (const p of ['/dev', '/proc', '/sys']) {
    const r = await placed(image, () => resolveInLayers(lowerDirs, p));
    if (r.path !== p || r.kind === 'file' || r.kind === 'other') {
      throw new GlassboxError(`the image's ${p} is not a directory (it leads to ${r.path})`, { ...image, hint: 'a safe image has plain directories there' });
    }
    if (p === '/proc') makeProc = r.kind === 'missing';
  }

  const paths = containerPaths(roots, id);
  const overlay = spec.rootfs === 'overlay';
  // Networking last: it claims an address and ports (files), which must not happen for input that fails above.
  // A bridge network: what the kernel has is read from the namespace the steps will act in (lib/net/probe.ts).
  const kernel = spec.network && !['none', 'host', 'container'].includes(spec.network.mode) ? await probeNetwork() : undefined;
  vols.create();
  const network = await prepareNetwork(roots, spec.network, { id, name, hostname }, { dry: !!input.dryNetwork, bootId: input.facts.bootId, at: (path) => at('network', ...path), ...(kernel ? { kernel } : {}), ...(input.plannedNetworks ? { planned: input.plannedNetworks } : {}) });
  const etc = network.mode === 'none' ? undefined : await placed(image, () => etcTargets((p) => resolveInLayers(lowerDirs, p), paths.rootfs, overlay ? paths.upper : undefined));
  const extras = prepareExtras(spec, network.mode);
  return {
    ...extras,
    id,
    name,
    imageRef,
    ...(imageId ? { imageId } : {}),
    ...(config.Labels || spec.labels ? { labels: { ...config.Labels, ...spec.labels } } : {}),
    lowerDirs,
    overlay,
    root: spec.root,
    readOnly: spec.readOnly,
    // A cgroup namespace where the kernel has them (4.6 and later), except for --privileged: like docker on cgroup
    // v1, a privileged container sees the host's cgroup tree (and may write release_agent, which the kernel refuses
    // from inside a cgroup namespace).
    namespaces: spec.namespaces.filter((ns) => ns !== 'cgroup' || (existsSync('/proc/self/ns/cgroup') && !resolveSecurity(spec.security).choice.privileged)),
    hostname: spec.namespaces.includes('uts') ? hostname : undefined,
    command,
    env,
    workdir,
    makeWorkdir: wd.kind === 'missing',
    makeProc,
    user: { uid: user.uid, gid: user.gid, groups: user.groups },
    volumes,
    ...(vols.setup ? { volumeSetup: vols.setup } : {}),
    mounts: vols.mounts,
    ...(vols.setup?.anonymous.length ? { anonymousVolumes: vols.setup.anonymous.map((a) => a.name) } : {}),
    paths,
    ...(spec.resources ? { resources: spec.resources } : {}),
    ...(spec.init ? { init: await placed(at('init'), findInit) } : {}),
    ...(spec.tty ? { tty: true } : {}),
    ...(network.mode !== 'none' || network.claims.length ? { network } : {}),
    ...(etc ? { etc } : {}),
    security: resolveSecurity(spec.security).choice,
    ...lifecycleOf(spec, config),
    imageConfig: config,
  };
}

// The restart policy, stop signal and timeout, log rotation and health check: the spec's over the image's.
function lifecycleOf(spec: ContainerSpec, config: ImageConfig): { lifecycle?: PlanLifecycle; health?: PlanHealth } {
  const lifecycle: PlanLifecycle = {};
  if (spec.restart && spec.restart.name !== 'no') lifecycle.restart = spec.restart;
  const imageSignal = config.StopSignal ? parseStopSignal(config.StopSignal) : undefined;
  const stopSignal = spec.stopSignal ?? (typeof imageSignal === 'string' ? imageSignal : undefined);
  if (stopSignal && stopSignal !== 'SIGTERM') lifecycle.stopSignal = stopSignal;
  if (spec.stopTimeout !== undefined) lifecycle.stopTimeout = spec.stopTimeout;
  if (spec.logOpts?.maxSize) lifecycle.log = spec.logOpts;
  const health = resolveHealth(mergeHealth(fromImage(config.Healthcheck), spec.healthcheck));
  return { ...(Object.keys(lifecycle).length ? { lifecycle } : {}), ...(health ? { health } : {}) };
}
