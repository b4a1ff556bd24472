// A container as docker's ps and inspect name things: State.Status (created, running, paused, exited, dead…),
// STATUS ("Up 2 seconds"), Labels, Networks, Mounts, from the state on disk, the recorded plan (config.json) and
// the freezer file. Read only; the CLI prints.

import { readFileSync } from 'node:fs';
import { isFrozen } from '../cgroup/freeze.ts';
import type { ContainerFacts } from '../format/filters.ts';
import { goTime, psStatus, runningFor } from '../format/status.ts';
import type { Plan } from '../plan/types.ts';
import { stateDir } from '../state/containers.ts';
import type { ContainerView } from '../state/lifecycle.ts';
import type { Roots } from '../state/paths.ts';
import type { RunState } from './record.ts';

export interface Described {
  view: ContainerView;
  plan?: Plan;
  /** docker's State.Status. */
  state: string;
  labels: Record<string, string>;
  networks: string[];
  mounts: Array<{ Type: string; Source: string; Destination: string; Options: string; Name?: string }>;
  health?: string;
}

// The container's recorded plan, if it can be read.
export function recordedPlan(r: Roots, id: string): Plan | undefined {
  try {
    return JSON.parse(readFileSync(`${stateDir(r, id)}/config.json`, 'utf8')) as Plan;
  } catch {
    return undefined;
  }
}

// The mounts of a container, from the fstab its plan writes (one line per mount; fstab escapes as octal). The
// first lines are glassbox's own (root, /dev, /proc…); a volume is a line whose target is not one of them.
export function mountsOf(plan: Plan | undefined): Described['mounts'] {
  const fstab = plan?.steps.find((s) => s.kind === 'write' && s.write?.path.endsWith('/fstab'))?.write?.value ?? '';
  const un = (x: string) => x.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return fstab
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => {
      const [src = '', dst = '', type = '', opts = ''] = l.split(/\s+/);
      const source = un(src);
      // A named volume lives in ROOT/volumes/NAME/_data: its name is the directory's.
      const named = /\/volumes\/([^/]+)\/_data$/.exec(source);
      return { Type: type, Source: source, Destination: un(dst), Options: opts, ...(named ? { Name: named[1] } : {}) };
    });
}

// The mounts a user asked for: volumes, binds and tmpfs (not glassbox's own). The plan lists them in docker's
// form (info.mounts); a container recorded before it did is read from its fstab, the lines under its root.
export function userMounts(plan: Plan | undefined): Described['mounts'] {
  if (plan?.info.mounts) return plan.info.mounts.map((m) => ({ Type: m.Type, Source: m.Source, Destination: m.Destination, Options: m.RW ? 'rw' : 'ro', ...(m.Name ? { Name: m.Name } : {}) }));
  const rootfs = plan?.info.paths.rootfs;
  if (!rootfs) return [];
  const own = ['/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/proc', ''];
  return mountsOf(plan)
    .filter((m) => m.Destination.startsWith(`${rootfs}/`) || m.Destination === rootfs)
    .map((m) => ({ ...m, Destination: m.Destination.slice(rootfs.length) || '/' }))
    .filter((m) => !own.includes(m.Destination) && m.Type !== 'overlay');
}

// docker's network names for a container's network.
function networksOf(plan: Plan | undefined): string[] {
  const n = plan?.info.network;
  if (!n || n.mode === 'none') return ['none'];
  if (n.mode === 'host') return ['host'];
  if (n.mode === 'container') return [`container:${n.name ?? ''}`];
  return [n.name ?? 'bridge'];
}

export function describe(r: Roots, view: ContainerView): Described {
  const plan = recordedPlan(r, view.id);
  const s = view as RunState;
  let state: string = view.status;
  if (state === 'removing') state = 'exited';
  if (state === 'damaged') state = 'dead';
  if (state === 'running' && isFrozen(s.cgroup)) state = 'paused';
  if (view.restarting) state = 'restarting';
  const health = view.health?.status;
  return { view, plan, state, labels: plan?.info.labels ?? {}, networks: networksOf(plan), mounts: userMounts(plan), ...(health ? { health } : {}) };
}

// What ps's --filter looks at.
export function filterFacts(d: Described): ContainerFacts {
  return {
    id: d.view.id,
    name: d.view.name,
    state: d.state,
    ...(d.view.exitCode !== undefined ? { exitCode: d.view.exitCode } : {}),
    labels: d.labels,
    ...(d.health ? { health: d.health } : {}),
    image: d.view.image,
    ...(d.plan?.info.imageId ? { imageId: d.plan.info.imageId } : {}),
    networks: d.networks,
    mounts: d.mounts,
  };
}

/** The headers of ps's columns, by field (docker's). */
export const PS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Names: 'NAMES',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  Networks: 'NETWORKS',
  LocalVolumes: 'LOCAL VOLUMES',
};

// docker ps's row for one container ({{json .}} prints exactly this): strings, as docker's formatter gives them.
export function psRow(d: Described, now = Date.now(), trunc = true): Record<string, string> {
  const v = d.view;
  const cmd = v.command.join(' ');
  const n = d.plan?.info.network;
  const ports = (n?.ports ?? []).map((p) => `${p.hostIp ?? '0.0.0.0'}:${p.hostPort}->${p.containerPort}/${p.proto}`).join(', ');
  return {
    Command: JSON.stringify(trunc && [...cmd].length > 20 ? [...cmd].slice(0, 19).join('') + '…' : cmd),
    CreatedAt: goTime(v.created),
    ID: trunc ? v.id.slice(0, 12) : v.id,
    Image: v.image,
    Labels: Object.entries(d.labels).map(([k, val]) => `${k}=${val}`).join(','),
    LocalVolumes: String(d.mounts.filter((m) => m.Name).length),
    Mounts: d.mounts.map((m) => m.Name ?? m.Source).join(','),
    Names: v.name,
    Networks: d.networks.join(','),
    Ports: ports,
    RunningFor: runningFor(v.created, now),
    Size: '0B',
    State: d.state,
    // damaged is glassbox's own: state.json cannot be read (docker's nearest is dead).
    Status: v.status === 'damaged' ? 'Dead (damaged state)' : psStatus({ state: d.state, ...(v.exitCode !== undefined ? { exitCode: v.exitCode } : {}), ...(v.startedAt ? { startedAt: v.startedAt } : {}), ...(v.finishedAt ? { finishedAt: v.finishedAt } : {}), ...(d.health ? { health: d.health } : {}) }, now),
  };
}
