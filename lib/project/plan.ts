// `compose plan` and `compose script`: the plans `compose up` would run, service by service in start order, made
// without changing anything. Each service is planned as `glassbox plan` plans a container (dry: no address or
// port claimed), and the project's containers are planned together: the networks up would make exist only in
// this planning (PlannedNetworks), every container gets its own address, and only the first container on a
// network makes its bridge — as it happens when up starts them one after the other.

import type { ComposeProject, DependsCondition } from '../compose/model.ts';
import { GlassboxError } from '../errors.ts';
import { startOrder } from '../compose/graph.ts';
import type { ServiceRun } from '../compose/service-run.ts';
import { planFor } from '../container/plan.ts';
import type { PlannedNetworks } from '../net/prepare.ts';
import { createNetwork, readNetwork, type NetworkDef } from '../net/store.ts';
import type { Plan } from '../plan/types.ts';
import { roots } from '../state/paths.ts';
import { readHostFacts } from '../host/facts.ts';
import { projectMembers } from './members.ts';
import { readVolume } from '../volume/store.ts';
import { resolveImage } from '../image/store.ts';
import { atService, checkProject, runsFor } from './up.ts';

export interface ServicePlan {
  service: string;
  /** 1 for the services that depend on none of the others, and so on. */
  wave: number;
  run: ServiceRun;
  plan: Plan;
  /** What must hold before it starts: depends_on, in the file's order. */
  after: Array<{ service: string; condition: DependsCondition }>;
}

export interface ProjectPlan {
  project: string;
  /** Networks up would make (not there yet): their records, as they would be written. */
  newNetworks: NetworkDef[];
  /** Every network the services use, by name (made now or existing). */
  networks: NetworkDef[];
  /** Named volumes up would make. */
  newVolumes: string[];
  services: ServicePlan[];
}

// Plans the project's services (all, or the ones named and what they depend on) in start order.
export async function planProject(project: ComposeProject, services: string[] = [], opts: { version?: string } = {}): Promise<ProjectPlan> {
  const r = roots();
  const waves = startOrder(project, services.length ? services : undefined);
  checkProject(project);
  const runs = new Map(runsFor(project, waves.flat(), opts.version ? { version: opts.version } : {}).map((x) => [x.service, x]));
  const used = new Set([...runs.values()].map((x) => x.flags.network));
  const { bootId } = await readHostFacts();
  const planned: PlannedNetworks = { networks: [], addresses: new Set(), bridges: new Set(), reusable: new Set(projectMembers(r, bootId, project.name).map((m) => m.id)) };
  const networks: NetworkDef[] = [];
  for (const [key, net] of Object.entries(project.networks)) {
    if (!used.has(net.name)) continue;
    const have = readNetwork(r, net.name);
    if (have) {
      networks.push(have);
      continue;
    }
    // An external network must exist already: up refuses it, and so does its plan.
    if (net.external) throw new GlassboxError(`network ${net.name} declared as external, but could not be found`, { pos: project.origins[`networks.${key}`], field: `networks.${key}`, hint: `glassbox network create ${net.name}` });
    const ipam = net.ipam?.config?.[0];
    const def = createNetwork(r, net.name, { dry: true, planned: planned.networks, ...(ipam?.subnet ? { subnet: ipam.subnet } : {}), ...(ipam?.gateway ? { gateway: ipam.gateway } : {}) });
    planned.networks.push(def);
    networks.push(def);
  }
  const newVolumes = [...new Set([...runs.values()].flatMap((x) => (project.services[x.service] ?? project.disabledServices[x.service])!.volumes))]
    .filter((v) => v.type === 'volume' && v.source && project.volumes[v.source] && !project.volumes[v.source]!.external)
    .map((v) => project.volumes[v.source!]!.name)
    .filter((n, i, all) => all.indexOf(n) === i && !readVolume(r.root, n));
  // A build: service's image must be there to be planned: planning builds nothing.
  for (const x of runs.values()) {
    const s = project.services[x.service] ?? project.disabledServices[x.service]!;
    if (s.build && !(await resolveImage(r.root, x.image).catch(() => undefined))) {
      throw new GlassboxError(`service ${x.service}: its image ${x.image} is not built yet`, { pos: project.origins[`services.${x.service}.build`], field: `services.${x.service}.build`, hint: 'glassbox compose build (up builds it too)' });
    }
  }
  const out: ServicePlan[] = [];
  for (const [i, wave] of waves.entries()) {
    for (const service of wave) {
      const run = runs.get(service)!;
      let made: Awaited<ReturnType<typeof planFor>>;
      try {
        made = await planFor(run.image, run.command, run.flags, { buildBase: false, base: run.base, plannedNetworks: planned });
      } catch (e) {
        throw atService(project, service, e);
      }
      const bridge = made.prepared.network?.bridge?.def.bridge;
      if (bridge) planned.bridges.add(bridge);
      const s = project.services[service] ?? project.disabledServices[service]!;
      out.push({ service, wave: i + 1, run, plan: made.plan, after: Object.entries(s.depends_on).filter(([d]) => runs.has(d)).map(([d, x]) => ({ service: d, condition: x.condition })) });
    }
  }
  return { project: project.name, newNetworks: planned.networks, networks, newVolumes, services: out };
}
