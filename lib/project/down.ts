// `compose down`: the project's containers stopped and removed (one-offs of `compose run` too), then its networks
// (a network's bridge and iptables chains go with its record, as `glassbox network rm` removes them), and with
// `-v` its named volumes and the containers' anonymous ones. Nothing that is not the project's is touched: an
// external network or volume stays, and so does a network another container still holds an address on.
// Containers of services no longer in the files (orphans) go only with --remove-orphans.

import { readdirSync, rmSync } from 'node:fs';
import { loadCatalog } from '../blocks/catalog.ts';
import type { ComposeProject } from '../compose/model.ts';
import { startOrder } from '../compose/graph.ts';
import { runSteps } from '../exec/steps.ts';
import { readHostFacts } from '../host/facts.ts';
import { planNetworkRemoval } from '../net/plan.ts';
import { networkLeft, probeNetwork } from '../net/probe.ts';
import { leasesDir, networkDir, readNetwork } from '../net/store.ts';
import { roots, type Roots } from '../state/paths.ts';
import { removeVolumes } from '../volume/remove.ts';
import { readVolume } from '../volume/store.ts';
import { projectMembers, type Member } from './members.ts';
import { removeMember, stopMember } from './remove.ts';
import type { UpEvent } from './up.ts';

export interface DownOptions {
  volumes?: boolean;
  removeOrphans?: boolean;
  /** -t: seconds of grace before SIGKILL. */
  timeout?: number;
  event?: (e: UpEvent) => void;
  warn?: (msg: string) => void;
}

// True when a container still holds an address on the network (its lease file).
function networkInUse(r: Roots, name: string): boolean {
  try {
    return readdirSync(leasesDir(r, name)).some((f) => !f.startsWith('.'));
  } catch {
    return false;
  }
}

// Removes networks (their bridge and iptables chains, then their record), as `glassbox network rm` does; one that is
// not there is skipped, one a container still holds an address on is kept (with a warning). compose down and
// kube down both end with it.
export async function removeNetworks(r: Roots, names: string[], opts: { event?: (e: UpEvent) => void; warn?: (msg: string) => void } = {}): Promise<void> {
  const defs = names.map((n) => readNetwork(r, n)).filter((d) => d !== undefined);
  if (!defs.length) return;
  const k = await probeNetwork();
  const catalog = await loadCatalog();
  for (const def of defs) {
    if (networkInUse(r, def.name)) {
      opts.warn?.(`network ${def.name} is still in use by another container: kept`);
      continue;
    }
    opts.event?.({ object: 'Network', name: def.name, state: 'Removing' });
    if (networkLeft(k, def.bridge)) await runSteps(planNetworkRemoval(catalog, def));
    rmSync(networkDir(r, def.name), { recursive: true, force: true });
    opts.event?.({ object: 'Network', name: def.name, state: 'Removed' });
  }
}

// compose down: see the module comment.
export async function downProject(project: ComposeProject, opts: DownOptions = {}): Promise<void> {
  const r = roots();
  const { bootId } = await readHostFacts();
  const event = opts.event ?? (() => {});
  const members = projectMembers(r, bootId, project.name);
  const known = (m: Member) => !!(project.services[m.service] ?? project.disabledServices[m.service]);
  const orphans = members.filter((m) => !known(m));
  if (orphans.length && !opts.removeOrphans) {
    opts.warn?.(`Found orphan containers ([${orphans.map((m) => m.name).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
  }
  const going = members.filter((m) => known(m) || opts.removeOrphans);
  // Dependents first: the waves of the start order, reversed; the containers of one wave side by side, each
  // stopped (its stop signal, SIGKILL after the grace period) and removed. Orphans and one-offs go first.
  const take = async (m: Member) => {
    if (m.view.status === 'running') {
      event({ object: 'Container', name: m.name, state: 'Stopping' });
      await stopMember(r, bootId, m.id, opts.timeout);
      event({ object: 'Container', name: m.name, state: 'Stopped' });
    }
    event({ object: 'Container', name: m.name, state: 'Removing' });
    const { keptVolumes } = await removeMember(r, bootId, m.id, { volumes: !!opts.volumes, ...(opts.timeout !== undefined ? { secs: opts.timeout } : {}) });
    for (const v of keptVolumes) opts.warn?.(`volume ${v} is still in use by another container: kept`);
    event({ object: 'Container', name: m.name, state: 'Removed' });
  };
  const services = [...new Set(going.filter((m) => known(m) && !m.oneoff).map((m) => m.service))];
  const waves = services.length ? startOrder(project, services, { noDeps: true }).reverse() : [];
  await Promise.all(going.filter((m) => !known(m) || m.oneoff).map(take));
  for (const wave of waves) await Promise.all(going.filter((m) => known(m) && !m.oneoff && wave.includes(m.service)).map(take));
  await removeNetworks(r, Object.values(project.networks).filter((n) => !n.external).map((n) => n.name), { event, ...(opts.warn ? { warn: opts.warn } : {}) });
  if (opts.volumes) {
    const names = Object.values(project.volumes).filter((v) => !v.external && readVolume(r.root, v.name)).map((v) => v.name);
    const { removed, errors } = await removeVolumes(r.root, names, false);
    for (const n of removed) event({ object: 'Volume', name: n, state: 'Removed' });
    for (const e of errors) opts.warn?.(e.message);
  }
}
