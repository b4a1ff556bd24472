// `kube play`, `kube down` and `kube play --plan`: the application layer that runs a manifest's pods as glassbox
// containers (pod-run.ts says which), through the same code `compose up` and `glassbox run -d` use: planFor →
// withClaims → runDetachedPlan under each container's monitor, the one executor. Per pod, in order: its network
// `kube-<pod>` (a record; the infra container's plan makes the bridge), its emptyDir volumes, the infra container
// (the pod's network namespace, ports published there), then the pod's containers joining it. Everything is checked
// and turned into run requests before anything is made; a pod that fails half way is taken down again. `down`
// removes exactly that, found by the pod labels: the containers (the infra last), the emptyDir volumes, the
// network; a second down finds nothing and does nothing. Claimed volumes (persistentVolumeClaim) keep their data.

import { runDetachedPlan } from '../container/detach.ts';
import { recordedPlan } from '../container/describe.ts';
import { planFor } from '../container/plan.ts';
import { withClaims } from '../container/run.ts';
import { collectErrors, GlassboxError, GlassboxErrors } from '../errors.ts';
import { readHostFacts, type HostFacts } from '../host/facts.ts';
import type { PlannedNetworks } from '../net/prepare.ts';
import { createNetwork, readNetwork, type NetworkDef } from '../net/store.ts';
import type { Lang, Plan } from '../plan/types.ts';
import { removeNetworks } from '../project/down.ts';
import type { UpEvent } from '../project/events.ts';
import { removeMember } from '../project/remove.ts';
import { listViews, type ContainerView } from '../state/lifecycle.ts';
import { roots, type Roots } from '../state/paths.ts';
import { removeVolumes } from '../volume/remove.ts';
import { createVolume, listVolumes, readVolume } from '../volume/store.ts';
import type { KubePod } from './load.ts';
import { KUBE_LABEL, podNetwork, podRun, type MemberRun, type PodRun } from './pod-run.ts';

export interface PlayOptions {
  lang: Lang;
  pull?: (ref: string, missing: boolean) => Promise<void>;
  /** --pull: over each container's imagePullPolicy. */
  pullPolicy?: string;
  event?: (e: UpEvent) => void;
  warn?: (msg: string) => void;
}

/** A container of a pod that exists. */
export interface PodMember {
  id: string;
  name: string;
  infra: boolean;
  view: ContainerView;
}

// The pod's containers that exist, oldest first (the infra container first).
export function podMembers(r: Roots, bootId: string, pod: string): PodMember[] {
  const out: PodMember[] = [];
  for (const view of listViews(r, bootId)) {
    const labels = recordedPlan(r, view.id)?.info.labels ?? {};
    if (labels[KUBE_LABEL.pod] !== pod) continue;
    out.push({ id: view.id, name: view.name, infra: labels[KUBE_LABEL.infra] === 'true', view });
  }
  return out.reverse();
}

// Every pod's run requests, before anything is made: one bad pod changes nothing.
export function podRuns(pods: KubePod[]): PodRun[] {
  return collectErrors(pods, podRun);
}

// An error the run pipeline raised about a flag (no position), pointed at the container in the manifest.
function atMember(m: MemberRun, e: unknown): unknown {
  const one = (x: GlassboxError) => (x.pos ? x : new GlassboxError(`container ${m.container}: ${x.message}`, { pos: m.pos, ...(x.field ? { field: x.field } : {}), ...(x.hint ? { hint: x.hint } : {}), exitCode: x.exitCode }));
  if (e instanceof GlassboxErrors) return new GlassboxErrors(e.errors.map(one));
  if (e instanceof GlassboxError) return one(e);
  return e;
}

// Starts one container of the pod as `run -d` would. Returns its ID.
async function startMember(r: Roots, facts: HostFacts, m: MemberRun, opts: PlayOptions): Promise<string> {
  try {
    const flags = opts.pullPolicy !== undefined ? { ...m.flags, pull: opts.pullPolicy } : m.flags;
    const { plan, prepared } = await planFor(m.image, m.command, flags, { buildBase: true, base: m.base, ...(opts.pull ? { pull: opts.pull } : {}) });
    return await withClaims(prepared, plan, () => runDetachedPlan(plan, r, facts, { remove: false, lang: opts.lang }));
  } catch (e) {
    throw atMember(m, e);
  }
}

// kube play: see the module comment. Returns the pods started, with their containers' names.
export async function playPods(pods: KubePod[], opts: PlayOptions): Promise<Array<{ pod: string; containers: string[] }>> {
  const r = roots();
  const facts = await readHostFacts();
  const event = opts.event ?? (() => {});
  const runs = podRuns(pods);
  for (const p of runs) {
    const have = podMembers(r, facts.bootId, p.pod);
    if (have.length) throw new GlassboxError(`pod ${p.pod} exists already (${have.map((m) => m.name).join(', ')})`, { hint: 'glassbox kube down FILE first' });
  }
  const out: Array<{ pod: string; containers: string[] }> = [];
  for (const p of runs) {
    try {
      if (p.network && !readNetwork(r, p.network)) {
        createNetwork(r, p.network, {});
        event({ object: 'Network', name: p.network, state: 'Created' });
      }
      for (const v of p.emptyDirs) if (createVolume(r.root, v, { [KUBE_LABEL.volume]: p.pod }).created) event({ object: 'Volume', name: v, state: 'Created' });
      for (const v of p.claims) if (!readVolume(r.root, v) && createVolume(r.root, v, {}).created) event({ object: 'Volume', name: v, state: 'Created' });
      for (const m of [...(p.infra ? [p.infra] : []), ...p.containers]) {
        event({ object: 'Container', name: m.name, state: 'Creating' });
        await startMember(r, facts, m, opts);
        event({ object: 'Container', name: m.name, state: 'Started' });
      }
      event({ object: 'Pod', name: p.pod, state: 'Started' });
      out.push({ pod: p.pod, containers: p.containers.map((c) => c.name) });
    } catch (e) {
      // Half a pod is no pod: what this play made of it goes again, and the error is the user's to read.
      await downPod(r, facts.bootId, p.pod, { event, warn: opts.warn ?? (() => {}) }).catch(() => undefined);
      throw e;
    }
  }
  return out;
}

// kube down for one pod: its containers (the infra last), its emptyDir volumes, its network. Returns whether
// anything of it was there.
export async function downPod(r: Roots, bootId: string, pod: string, opts: { event?: (e: UpEvent) => void; warn?: (msg: string) => void; timeout?: number } = {}): Promise<boolean> {
  const event = opts.event ?? (() => {});
  const members = podMembers(r, bootId, pod);
  const take = async (m: PodMember) => {
    event({ object: 'Container', name: m.name, state: 'Removing' });
    await removeMember(r, bootId, m.id, { volumes: true, ...(opts.timeout !== undefined ? { secs: opts.timeout } : {}) });
    event({ object: 'Container', name: m.name, state: 'Removed' });
  };
  await Promise.all(members.filter((m) => !m.infra).map(take));
  for (const m of members.filter((x) => x.infra)) await take(m);
  const vols = listVolumes(r.root).filter((v) => v.Labels?.[KUBE_LABEL.volume] === pod).map((v) => v.Name);
  if (vols.length) {
    const { removed, errors } = await removeVolumes(r.root, vols, false);
    for (const n of removed) event({ object: 'Volume', name: n, state: 'Removed' });
    for (const e of errors) opts.warn?.(e.message);
  }
  const net = readNetwork(r, podNetwork(pod));
  if (net) await removeNetworks(r, [net.name], { event, ...(opts.warn ? { warn: opts.warn } : {}) });
  return members.length > 0 || vols.length > 0 || !!net;
}

// kube down FILE: every pod the manifest names. A pod that is not there is skipped.
export async function downPods(pods: KubePod[], opts: { event?: (e: UpEvent) => void; warn?: (msg: string) => void; timeout?: number } = {}): Promise<string[]> {
  const r = roots();
  const { bootId } = await readHostFacts();
  const gone: string[] = [];
  for (const p of pods) if (await downPod(r, bootId, p.name, opts)) gone.push(p.name);
  return gone;
}

/** What `kube play` would run for one pod. */
export interface PodPlan {
  pod: string;
  /** The network play would make (not there yet), as its record would be written. */
  newNetwork?: NetworkDef;
  newVolumes: string[];
  members: Array<{ container: string; name: string; plan: Plan }>;
}

// kube play --plan: every container's plan, made without changing anything (the pod's network exists only in
// this planning, and the containers join the infra container's planned network namespace).
export async function planPods(pods: KubePod[]): Promise<PodPlan[]> {
  const r = roots();
  const runs = podRuns(pods);
  const out: PodPlan[] = [];
  const planned: PlannedNetworks = { networks: [], addresses: new Set(), bridges: new Set(), joins: new Map() };
  for (const p of runs) {
    let newNetwork: NetworkDef | undefined;
    if (p.network && !readNetwork(r, p.network)) {
      newNetwork = createNetwork(r, p.network, { dry: true, planned: planned.networks });
      planned.networks.push(newNetwork);
    }
    const members: PodPlan['members'] = [];
    for (const m of [...(p.infra ? [p.infra] : []), ...p.containers]) {
      let made: Awaited<ReturnType<typeof planFor>>;
      try {
        made = await planFor(m.image, m.command, m.flags, { buildBase: false, base: m.base, plannedNetworks: planned });
      } catch (e) {
        throw atMember(m, e);
      }
      const bridge = made.prepared.network?.bridge?.def.bridge;
      if (bridge) planned.bridges.add(bridge);
      if (m === p.infra) {
        const ns = made.plan.steps.find((s) => s.kind === 'start')?.argv?.find((a) => a.startsWith('--net='))?.slice('--net='.length);
        if (ns) planned.joins!.set(m.name, { ns, name: m.name, hosts: `${made.plan.info.paths.run}/hosts`, resolv: `${made.plan.info.paths.run}/resolv.conf` });
      }
      members.push({ container: m.container, name: m.name, plan: made.plan });
    }
    out.push({ pod: p.pod, ...(newNetwork ? { newNetwork } : {}), newVolumes: [...p.emptyDirs, ...p.claims.filter((c) => !readVolume(r.root, c))], members });
  }
  return out;
}
