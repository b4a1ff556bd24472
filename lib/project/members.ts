// Which containers belong to a compose project: docker compose keeps no project database either — a project is
// the set of containers labelled com.docker.compose.project=NAME, each with its service's name in
// com.docker.compose.service. The labels are read from each container's recorded plan. Reading only.

import { recordedPlan } from '../container/describe.ts';
import { listViews, type ContainerView } from '../state/lifecycle.ts';
import type { Roots } from '../state/paths.ts';
import { LABEL } from '../compose/service-run.ts';

export interface Member {
  id: string;
  name: string;
  service: string;
  /** A container of `compose run` (com.docker.compose.oneoff=True). */
  oneoff: boolean;
  /** The configuration hash it was made from. */
  hash?: string;
  view: ContainerView;
  labels: Record<string, string>;
}

// The project's containers, oldest first (the order they were made in).
export function projectMembers(r: Roots, bootId: string, project: string): Member[] {
  const out: Member[] = [];
  for (const view of listViews(r, bootId)) {
    const labels = recordedPlan(r, view.id)?.info.labels ?? {};
    if (labels[LABEL.project] !== project) continue;
    out.push({
      id: view.id,
      name: view.name,
      service: labels[LABEL.service] ?? '',
      oneoff: labels[LABEL.oneoff] === 'True',
      ...(labels[LABEL.hash] ? { hash: labels[LABEL.hash] } : {}),
      view,
      labels,
    });
  }
  return out.reverse();
}

// The service containers (no one-offs) of the services asked for (all when none is named).
export function serviceMembers(members: Member[], services: string[] = []): Member[] {
  return members.filter((m) => !m.oneoff && (!services.length || services.includes(m.service)));
}
