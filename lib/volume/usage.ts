// Who uses a volume: pure functions over the mounts each container's plan recorded (PlanInfo.mounts, docker's
// Mounts form). `volume rm` and `volume prune` refuse or skip a volume some existing container (running or not)
// mounts; `ps --filter volume=X` keeps the containers that mount a volume named X or mount anything at the
// destination X, as docker's filter does.

import type { PlanMount } from '../plan/types.ts';

export interface ContainerMounts {
  id: string;
  name?: string;
  mounts: PlanMount[];
  /** The anonymous volumes the container made (rm -v removes them). */
  anonymous?: string[];
}

// True when one of these mounts is the volume `name`.
export function mountsVolume(mounts: readonly PlanMount[], name: string): boolean {
  return mounts.some((m) => m.Type === 'volume' && m.Name === name);
}

// The IDs of the containers that mount the volume `name`, in the order given.
export function containersUsingVolume(containers: readonly ContainerMounts[], name: string): string[] {
  return containers.filter((c) => mountsVolume(c.mounts, name)).map((c) => c.id);
}

// docker ps --filter volume=VALUE: a volume's name, or a mount's destination in the container (a trailing slash
// does not matter).
export function matchesVolumeFilter(mounts: readonly PlanMount[], value: string): boolean {
  const dest = (p: string) => p.replace(/\/+$/, '') || '/';
  return mounts.some((m) => (m.Type === 'volume' && m.Name === value) || dest(m.Destination) === dest(value));
}

// The volumes no container mounts (volume ls --filter dangling=true, volume prune).
export function danglingVolumes(names: readonly string[], containers: readonly ContainerMounts[]): string[] {
  const used = new Set(containers.flatMap((c) => c.mounts.filter((m) => m.Type === 'volume').map((m) => m.Name)));
  return names.filter((n) => !used.has(n));
}
