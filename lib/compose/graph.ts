// The order services start in: depends_on as a graph, cut into waves — every service of a wave depends only on
// services of earlier waves, so the services of one wave can start side by side (docker compose starts
// independent services concurrently too). A cycle is refused, naming it. Pure: no file, no process.

import { GlassboxError } from '../errors.ts';
import type { ComposeProject, ComposeService } from './model.ts';

export interface StartOrderOptions {
  /** `--no-deps`: only the services asked for, without their dependencies. */
  noDeps?: boolean;
}

// The waves for `services` (default: every enabled service) and, unless noDeps, everything they depend on. A
// service named explicitly may be one that its profiles disabled (docker compose starts a targeted service).
export function startOrder(project: ComposeProject, services?: string[], opts: StartOrderOptions = {}): string[][] {
  const find = (n: string): ComposeService | undefined => project.services[n] ?? project.disabledServices[n];
  const wanted = new Set<string>();
  const todo = [...(services?.length ? services : Object.keys(project.services))];
  for (const n of todo) {
    if (!find(n)) {
      throw new GlassboxError(`no such service: ${n}`, { hint: `services: ${Object.keys(project.services).join(', ') || '(none)'}` });
    }
  }
  while (todo.length) {
    const n = todo.shift()!;
    if (wanted.has(n)) continue;
    wanted.add(n);
    if (!opts.noDeps) for (const dep of Object.keys(find(n)!.depends_on)) if (find(dep)) todo.push(dep);
  }
  const cycle = findCycle([...wanted], (n) => Object.keys(find(n)!.depends_on).filter((d) => wanted.has(d)));
  if (cycle) {
    throw new GlassboxError(`dependency cycle: ${cycle.join(' → ')}`, { pos: project.origins[`services.${cycle[0]}.depends_on`], field: `services.${cycle[0]}.depends_on`, hint: 'a service cannot wait for a service that waits for it' });
  }
  // Declaration order inside a wave, so the result is stable.
  const order = [...Object.keys(project.services), ...Object.keys(project.disabledServices)].filter((n) => wanted.has(n));
  const waves: string[][] = [];
  const done = new Set<string>();
  while (done.size < order.length) {
    const wave = order.filter((n) => !done.has(n) && Object.keys(find(n)!.depends_on).every((d) => !wanted.has(d) || done.has(d)));
    for (const n of wave) done.add(n);
    waves.push(wave);
  }
  return waves;
}

// A cycle among the nodes, as [a, b, …, a], or undefined (depth-first search, iterative order of declaration).
export function findCycle(nodes: string[], edges: (n: string) => string[]): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of edges(n)) {
      if (state.get(m) === 'open') return [...stack.slice(stack.indexOf(m)), m];
      if (!state.has(m)) {
        const found = visit(m);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of nodes) {
    if (state.has(n)) continue;
    const found = visit(n);
    if (found) return found;
  }
  return undefined;
}
