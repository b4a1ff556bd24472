// `compose up`: a whole project brought to what its files say, in depends_on order. First everything is checked
// and planned as data (every service's run request, before anything changes: a bad file changes nothing), then
// the project's networks and named volumes are made (store records: the bridge itself is a step of the first
// container's plan), then the services start wave by wave (lib/compose/graph.ts), the services of one wave side by
// side, each once its dependencies meet their conditions (wait.ts). A service's container is `glassbox run -d`'s:
// planFor with the service's run request, runDetachedPlan under its monitor. `up` twice changes nothing that has
// not changed: a container whose configuration hash (a label) still matches is left running, or started again
// if it stopped; one whose hash differs (or --force-recreate) is stopped, removed and made anew.

import { collectErrors, GlassboxError, GlassboxErrors } from '../errors.ts';
import type { ComposeProject } from '../compose/model.ts';
import { startOrder } from '../compose/graph.ts';
import { serviceErrorPos, serviceRun, LABEL, type ServiceRun, type ServiceRunOptions } from '../compose/service-run.ts';
import { recordedPlan } from '../container/describe.ts';
import { runDetachedPlan } from '../container/detach.ts';
import { startContainer } from '../container/everyday.ts';
import { planFor } from '../container/plan.ts';
import { withClaims } from '../container/run.ts';
import { readHostFacts, type HostFacts } from '../host/facts.ts';
import { createNetwork, readNetwork } from '../net/store.ts';
import type { Lang } from '../plan/types.ts';
import { readView } from '../state/lifecycle.ts';
import { roots, type Roots } from '../state/paths.ts';
import { createVolume, readVolume } from '../volume/store.ts';
import { projectMembers, serviceMembers, type Member } from './members.ts';
import { removeMember } from './remove.ts';
import { waitCondition } from './wait.ts';
import { buildServices } from './build.ts';
import type { BuildEvent } from '../build/build.ts';

import type { UpEvent } from './events.ts';
export type { UpEvent } from './events.ts';

export interface UpOptions {
  services?: string[];
  noDeps?: boolean;
  forceRecreate?: boolean;
  noRecreate?: boolean;
  /** --remove-orphans: containers of the project whose service is no longer in the files. */
  removeOrphans?: boolean;
  /** --wait: return only once every service runs (and is healthy, if it has a health check). */
  wait?: boolean;
  lang: Lang;
  version?: string;
  /** --build: build every build: service's image again (without it, only the missing ones are built). */
  build?: boolean;
  /** The builder's progress (STEP lines, RUN output), by service. */
  buildEvent?: (service: string, e: BuildEvent) => void;
  /** Pulls an image the store lacks (the CLI's pull, with its progress). */
  pull?: (ref: string, missing: boolean) => Promise<void>;
  event?: (e: UpEvent) => void;
  warn?: (msg: string) => void;
  signal?: AbortSignal;
}

/** What up made or found, service by service. */
export interface UpResult {
  started: Array<{ service: string; id: string; name: string }>;
}

// The project's networks and volumes the services use: made unless they exist; external ones must exist.
export function ensureShared(r: Roots, project: ComposeProject, runs: ServiceRun[], event: (e: UpEvent) => void): void {
  const netNames = new Set(runs.map((x) => x.flags.network).filter((n): n is string => n !== undefined));
  for (const [key, net] of Object.entries(project.networks)) {
    if (!netNames.has(net.name)) continue;
    if (readNetwork(r, net.name)) continue;
    if (net.external) throw new GlassboxError(`network ${net.name} declared as external, but could not be found`, { pos: project.origins[`networks.${key}`], field: `networks.${key}`, hint: `glassbox network create ${net.name}` });
    const ipam = net.ipam?.config?.[0];
    createNetwork(r, net.name, { ...(ipam?.subnet ? { subnet: ipam.subnet } : {}), ...(ipam?.gateway ? { gateway: ipam.gateway } : {}) });
    event({ object: 'Network', name: net.name, state: 'Created' });
  }
  const used = new Set(runs.flatMap((x) => project.services[x.service]?.volumes ?? project.disabledServices[x.service]?.volumes ?? []).filter((v) => v.type === 'volume' && v.source).map((v) => v.source!));
  for (const key of used) {
    const vol = project.volumes[key];
    if (!vol) continue;
    if (readVolume(r.root, vol.name)) continue;
    if (vol.external) throw new GlassboxError(`external volume "${vol.name}" not found`, { pos: project.origins[`volumes.${key}`], field: `volumes.${key}`, hint: `glassbox volume create ${vol.name}` });
    const made = createVolume(r.root, vol.name, { [LABEL.project]: project.name, 'com.docker.compose.volume': key, ...vol.labels });
    if (made.created) event({ object: 'Volume', name: vol.name, state: 'Created' });
  }
}

// The project-level refusals glassbox makes before anything changes: keys it reads but cannot honour here.
export function checkProject(project: ComposeProject): void {
  const errors: GlassboxError[] = [];
  for (const [key, net] of Object.entries(project.networks)) {
    const at = { pos: project.origins[`networks.${key}`], field: `networks.${key}` };
    if (net.driver !== undefined && net.driver !== 'bridge') errors.push(new GlassboxError(`network ${key}: driver ${net.driver} is not supported`, { ...at, hint: 'glassbox networks are bridges: drop driver:' }));
    if (net.internal) errors.push(new GlassboxError(`network ${key}: internal networks are not supported yet`, { ...at, hint: 'drop internal: (the network then has NAT to the outside)' }));
    if ((net.ipam?.config?.length ?? 0) > 1) errors.push(new GlassboxError(`network ${key}: one ipam config (one subnet) per network`, at));
    if (net.ipam?.config?.[0]?.ip_range !== undefined) errors.push(new GlassboxError(`network ${key}: ipam ip_range is not supported`, { ...at, hint: 'give the subnet alone' }));
  }
  for (const [key, vol] of Object.entries(project.volumes)) {
    if (vol.driver !== undefined && vol.driver !== 'local') errors.push(new GlassboxError(`volume ${key}: driver ${vol.driver} is not supported`, { pos: project.origins[`volumes.${key}`], field: `volumes.${key}`, hint: 'glassbox volumes are local directories' }));
  }
  if (errors.length) throw errors.length === 1 ? errors[0]! : new GlassboxErrors(errors);
}

// Every service's run request, built before anything is made: an error in any of them changes nothing.
export function runsFor(project: ComposeProject, services: string[], opts: ServiceRunOptions = {}, imageIds: Map<string, string> = new Map()): ServiceRun[] {
  return collectErrors(services, (s) => {
    const imageId = imageIds.get(s);
    return serviceRun(project, s, { ...opts, ...(imageId ? { imageId } : {}) });
  });
}

// An error the run pipeline raised about a flag, pointed at the service's key in the compose file instead.
export function atService(project: ComposeProject, service: string, e: unknown): unknown {
  const one = (x: GlassboxError) => {
    if (x.pos) return x;
    const at = serviceErrorPos(project, service, x.field);
    return new GlassboxError(`service ${service}: ${x.message}`, { ...(at.pos ? { pos: at.pos } : {}), field: at.field, ...(x.hint ? { hint: x.hint } : {}), exitCode: x.exitCode });
  };
  if (e instanceof GlassboxErrors) return new GlassboxErrors(e.errors.map(one));
  if (e instanceof GlassboxError) return one(e);
  return e;
}

// Starts one service's container as `run -d` would, from its run request. Returns its ID.
export async function startService(r: Roots, facts: HostFacts, project: ComposeProject, run: ServiceRun, opts: Pick<UpOptions, 'lang' | 'pull'> & { remove?: boolean }): Promise<string> {
  try {
    const { plan, prepared } = await planFor(run.image, run.command, run.flags, { buildBase: true, base: run.base, ...(opts.pull ? { pull: opts.pull } : {}) });
    return await withClaims(prepared, plan, () => runDetachedPlan(plan, r, facts, { remove: !!opts.remove, lang: opts.lang }));
  } catch (e) {
    throw atService(project, run.service, e);
  }
}

// compose up: see the module comment.
export async function upProject(project: ComposeProject, opts: UpOptions): Promise<UpResult> {
  const r = roots();
  const facts = await readHostFacts();
  const event = opts.event ?? (() => {});
  const waves = startOrder(project, opts.services, { noDeps: !!opts.noDeps });
  const names = waves.flat();
  checkProject(project);
  const runOpts = { ...(opts.version ? { version: opts.version } : {}) };
  // Checked first (a bad file builds nothing), then the build: services' images, then the requests with their IDs.
  runsFor(project, names, runOpts);
  const built = await buildServices(project, names, { force: !!opts.build, lang: opts.lang, ...(opts.pull ? { pull: opts.pull } : {}), event, ...(opts.buildEvent ? { build: opts.buildEvent } : {}) });
  const runs = new Map(runsFor(project, names, runOpts, built).map((x) => [x.service, x]));
  const members = projectMembers(r, facts.bootId, project.name);
  const orphans = members.filter((m) => !m.oneoff && !project.services[m.service] && !project.disabledServices[m.service]);
  if (orphans.length && opts.removeOrphans) {
    for (const m of orphans) {
      event({ object: 'Container', name: m.name, state: 'Removing' });
      await removeMember(r, facts.bootId, m.id);
      event({ object: 'Container', name: m.name, state: 'Removed' });
    }
  } else if (orphans.length) {
    opts.warn?.(`Found orphan containers ([${orphans.map((m) => m.name).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
  }
  ensureShared(r, project, [...runs.values()], event);
  const started: UpResult['started'] = [];
  const ids = new Map<string, string>();
  for (const m of serviceMembers(members)) ids.set(m.service, m.id);
  for (const wave of waves) {
    await Promise.all(
      wave.map(async (service) => {
        const s = project.services[service] ?? project.disabledServices[service]!;
        for (const [dep, d] of Object.entries(s.depends_on)) {
          const depId = ids.get(dep);
          if (!depId) {
            if (!d.required || opts.noDeps) continue;
            throw new GlassboxError(`service ${service} depends on ${dep}, which is not running`, { hint: `start it too: compose up ${dep} ${service}` });
          }
          if (d.condition !== 'service_started') event({ object: 'Container', name: runs.get(dep)?.name ?? dep, state: 'Waiting' });
          await waitCondition(r, facts.bootId, depId, d.condition, { service: dep, ...(opts.signal ? { signal: opts.signal } : {}) });
          if (d.condition === 'service_healthy') event({ object: 'Container', name: runs.get(dep)?.name ?? dep, state: 'Healthy' });
          if (d.condition === 'service_completed_successfully') event({ object: 'Container', name: runs.get(dep)?.name ?? dep, state: 'Exited' });
        }
        const id = await ensureService(r, facts, project, runs.get(service)!, members, opts, event);
        ids.set(service, id);
        started.push({ service, id, name: runs.get(service)!.name });
      }),
    );
  }
  if (opts.wait) {
    // A one-shot that others wait for with service_completed_successfully may have ended (with 0); any other
    // container that is not running (or healthy, when it has a check) fails --wait, as in docker compose.
    const oneShots = new Set(Object.values(project.services).flatMap((s) => Object.entries(s.depends_on).filter(([, d]) => d.condition === 'service_completed_successfully').map(([n]) => n)));
    for (const x of started) {
      const healthy = !!recordedHealth(r, x.id);
      await waitCondition(r, facts.bootId, x.id, healthy ? 'service_healthy' : 'service_started', { service: x.service, ...(opts.signal ? { signal: opts.signal } : {}) });
      const v = readView(r, x.id, facts.bootId);
      if (v.status !== 'running') {
        if (oneShots.has(x.service) && v.exitCode === 0) {
          event({ object: 'Container', name: x.name, state: 'Exited' });
          continue;
        }
        throw new GlassboxError(`container ${x.name} exited (${v.exitCode ?? '?'})`, { exitCode: 1, hint: `glassbox compose logs ${x.service}` });
      }
      event({ object: 'Container', name: x.name, state: healthy ? 'Healthy' : 'Running' });
    }
  }
  return { started };
}

const recordedHealth = (r: Roots, id: string) => recordedPlan(r, id)?.info.health;

// One service brought to what its run request says: left, started again, recreated or made.
async function ensureService(r: Roots, facts: HostFacts, project: ComposeProject, run: ServiceRun, members: Member[], opts: UpOptions, event: (e: UpEvent) => void): Promise<string> {
  const have = serviceMembers(members, [run.service])[0];
  if (have) {
    const same = have.hash === run.hash && have.view.status !== 'dead' && have.view.status !== 'damaged';
    if ((same && !opts.forceRecreate) || opts.noRecreate) {
      if (have.view.status === 'running') {
        event({ object: 'Container', name: have.name, state: 'Running' });
        return have.id;
      }
      event({ object: 'Container', name: have.name, state: 'Starting' });
      await startContainer(r, facts, have.id, opts.lang);
      event({ object: 'Container', name: have.name, state: 'Started' });
      return have.id;
    }
    event({ object: 'Container', name: have.name, state: 'Recreate' });
    await removeMember(r, facts.bootId, have.id);
    const id = await startService(r, facts, project, run, opts);
    event({ object: 'Container', name: run.name, state: 'Recreated' });
    return id;
  }
  event({ object: 'Container', name: run.name, state: 'Creating' });
  const id = await startService(r, facts, project, run, opts);
  event({ object: 'Container', name: run.name, state: 'Started' });
  return id;
}
