// depends_on's conditions, as docker compose waits for them before starting a dependent service:
//   service_started                 the dependency's container runs (its PID 1 exists);
//   service_healthy                 its health check (run by its monitor) reports healthy; unhealthy is a failure;
//   service_completed_successfully  it ran to its end with exit code 0 (a one-shot: migrations, seeding).
// The state is the one `ps` and `inspect` read: state.json, the exit file and the health status the monitor
// writes. Reading only; polled.

import { recordedPlan as recorded } from '../container/describe.ts';
import { GlassboxError } from '../errors.ts';
import type { DependsCondition } from '../compose/model.ts';
import { readView } from '../state/lifecycle.ts';
import type { Roots } from '../state/paths.ts';

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

// Resolves once the container meets the condition; a condition that can no longer be met is an error, as in
// docker compose ("dependency failed to start: container db is unhealthy"; a failed one-shot is named by its
// service, as docker compose names it: service "migrate" didn't complete successfully).
export async function waitCondition(r: Roots, bootId: string, id: string, condition: DependsCondition, opts: { poll?: number; signal?: AbortSignal; service?: string } = {}): Promise<void> {
  for (;;) {
    if (opts.signal?.aborted) throw new GlassboxError('interrupted while waiting for a dependency');
    const v = readView(r, id, bootId);
    const ended = v.status === 'exited' || v.status === 'dead' || v.status === 'damaged';
    if (condition === 'service_started') {
      if (v.status === 'running' || ended) return;
    } else if (condition === 'service_healthy') {
      if (v.health?.status === 'healthy') return;
      if (v.health?.status === 'unhealthy') throw new GlassboxError(`dependency failed to start: container ${v.name} is unhealthy`, { exitCode: 1 });
      if (ended && !v.restarting) throw new GlassboxError(`dependency failed to start: container ${v.name} exited (${v.exitCode ?? '?'})`, { exitCode: 1 });
      if (v.status === 'running' && !v.health && !hasHealthcheck(r, id)) throw new GlassboxError(`dependency failed to start: container ${v.name} has no healthcheck configured`, { exitCode: 1 });
    } else {
      if (ended && !v.restarting) {
        if (v.exitCode === 0) return;
        throw new GlassboxError(`service "${opts.service ?? v.name}" didn't complete successfully: exit ${v.exitCode ?? '?'}`, { exitCode: 1 });
      }
    }
    await sleep(opts.poll ?? 100);
  }
}

// True when the container's plan has a health check (its monitor may not have written a status yet).
function hasHealthcheck(r: Roots, id: string): boolean {
  return !!recorded(r, id)?.info.health;
}
