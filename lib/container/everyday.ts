// docker's everyday verbs for containers that exist (or are about to): create and start, wait, rename, pause and
// unpause, top. What touches the kernel is a step of a block (cgroup-freeze, container-top, the container's own
// plan); the rest reads and writes glassbox's state files. Nothing is printed here.

import { readFileSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog } from '../blocks/catalog.ts';
import { canFreeze, isFrozen, planFreeze } from '../cgroup/freeze.ts';
import { GlassboxError } from '../errors.ts';
import { expandBlock } from '../blocks/expand.ts';
import { runSteps } from '../exec/steps.ts';
import { descendantsOf } from '../exec/pid1.ts';
import type { HostFacts } from '../host/facts.ts';
import type { Lang, Plan } from '../plan/types.ts';
import type { RunFlags } from '../recipe/flags.ts';
import { NAME_RE } from '../recipe/validate.ts';
import { writeFileAtomic } from '../state/atomic.ts';
import { claimContainer, nameOwner, readState, stateDir, stateText, writeState } from '../state/containers.ts';
import { readView, type ContainerView } from '../state/lifecycle.ts';
import type { Roots } from '../state/paths.ts';
import { runDetachedPlan } from './detach.ts';
import { runningPid1 } from './lifecycle.ts';
import { planFor } from './plan.ts';
import { createdState, planText, type RunState } from './record.ts';
import { restartable, startAgain } from './restart.ts';
import { withClaims } from './run.ts';

const short = (id: string) => id.slice(0, 12);

/** What `create` was asked, kept as create.json so that `start` plans the same container again. */
export interface CreateRequest {
  target: string;
  command: string[];
  flags: RunFlags;
  /** The directory relative paths (recipe, volume sources, env files) were given from. */
  cwd: string;
}

/** True for a container `create` made and nothing started yet. */
export const createdOnly = (v: Pick<ContainerView, 'status' | 'owner'>) => v.status === 'created' && !v.owner;

// glassbox create: the container's plan and config recorded in state `created`; nothing is made on the host and
// no address or port is claimed (start plans it again, with the same ID and name, and claims them).
export async function createContainer(req: CreateRequest, pull?: (ref: string, missing: boolean) => Promise<void>): Promise<{ id: string; name: string; plan: Plan }> {
  const { plan, roots: r } = await planFor(req.target, req.command, { ...req.flags, detach: true }, { buildBase: true, dryNetwork: true, ...(pull ? { pull } : {}) });
  const { id, name } = plan.info;
  const state: RunState = { ...createdState(plan, { pid: 0, start: '', boot: '' }, { detached: true, ...(req.flags.rm ? { autoRemove: true } : {}) }) };
  delete state.owner;
  claimContainer(r, id, name, { 'state.json': stateText(state), 'config.json': planText(plan), 'create.json': JSON.stringify(req, null, 1) + '\n' });
  return { id, name, plan };
}

// glassbox start: a created container is planned again from its request and started under its monitor (as run -d
// does, in its own state directory); a stopped detached one starts again as restart would; a running one is left.
export async function startContainer(r: Roots, facts: HostFacts, id: string, lang: Lang): Promise<'started' | 'running'> {
  const view = readView(r, id, facts.bootId);
  if (view.status === 'running') return 'running';
  if (!createdOnly(view)) {
    restartable(r, id, facts.bootId);
    await startAgain(r, facts, id, lang);
    return 'started';
  }
  const dir = stateDir(r, id);
  const req = JSON.parse(readFileSync(join(dir, 'create.json'), 'utf8')) as CreateRequest;
  const here = process.cwd();
  let planned: Awaited<ReturnType<typeof planFor>>;
  try {
    process.chdir(req.cwd);
    planned = await planFor(req.target, req.command, { ...req.flags, detach: true }, { buildBase: true, id, name: view.name });
  } finally {
    process.chdir(here);
  }
  const state = readState(r, id) as RunState;
  await withClaims(planned.prepared, planned.plan, () => runDetachedPlan(planned.plan, r, facts, { remove: !!req.flags.rm, lang, restart: state }));
  return 'started';
}

// glassbox wait: blocks until the container has stopped and returns its exit code (docker wait).
export async function waitContainer(r: Roots, id: string, bootId: string, poll = 50): Promise<number> {
  for (;;) {
    const s = readState(r, id);
    if (!s) throw new GlassboxError(`No such container: ${short(id)}`, { hint: 'it was removed (--rm) before its exit code could be read' });
    const v = readView(r, id, bootId);
    if ((v.status === 'exited' || v.status === 'removing') && v.exitCode !== undefined) return v.exitCode;
    if (v.status === 'dead' || v.status === 'damaged') return v.exitCode ?? 255;
    await new Promise((res) => setTimeout(res, poll));
  }
}

// glassbox rename OLD NEW: the new name is claimed first (atomic; taken → refused), then the state, the plan and
// the create request say it, then the old name is released.
export function renameContainer(r: Roots, id: string, name: string): void {
  if (!NAME_RE.test(name)) throw new GlassboxError(`invalid container name "${name}"`, { hint: 'lowercase letters, digits, _ . - (starting with a letter or digit), at most 63' });
  const s = readState(r, id);
  if (!s) throw new GlassboxError(`cannot rename container ${short(id)}: its state is damaged`);
  const old = s.name;
  if (old === name) throw new GlassboxError(`renaming a container with the same name as its current name`, { hint: name });
  try {
    symlinkSync(join('..', 'containers', id), join(r.root, 'names', name));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new GlassboxError(`the container name "${name}" is already in use by container ${short(nameOwner(r, name) ?? '')}`, { hint: 'remove that container or choose another name' });
    throw e;
  }
  writeState(r, { ...s, name });
  const dir = stateDir(r, id);
  for (const file of ['config.json', 'create.json']) {
    try {
      const j = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Plan & CreateRequest;
      if (file === 'config.json') j.info.name = name;
      else j.flags = { ...j.flags, name };
      writeFileAtomic(join(dir, file), JSON.stringify(j, null, 1) + '\n');
    } catch {}
  }
  try {
    if (nameOwner(r, old) === id) unlinkSync(join(r.root, 'names', old));
  } catch {}
}

// pause / unpause: the freezer write of the cgroup-freeze block (v1 freezer.state, v2 cgroup.freeze).
export async function setPaused(r: Roots, id: string, bootId: string, pause: boolean): Promise<void> {
  const { view, pid1 } = runningPid1(r, id, bootId);
  if (!pid1) throw new GlassboxError(`container ${short(id)} is not running`);
  const cg = (view as RunState).cgroup;
  if (!cg || !canFreeze(cg)) throw new GlassboxError(`cannot ${pause ? 'pause' : 'unpause'} container ${view.name}: it has no freezer cgroup`, { hint: 'this host has no freezer controller (cgroup v1) and no cgroup v2 group for it' });
  const frozen = isFrozen(cg);
  if (pause && frozen) throw new GlassboxError(`container ${short(id)} is already paused`);
  if (!pause && !frozen) throw new GlassboxError(`container ${short(id)} is not paused`);
  const results = await runSteps(planFreeze(await loadCatalog(), cg, pause));
  const bad = results.find((x) => x.exitCode !== 0);
  if (bad) throw new GlassboxError(`${pause ? 'pause' : 'unpause'} failed: ${bad.stderr.trim() || `exit ${bad.exitCode}`}`);
  // v1 may say FREEZING for a moment: wait until every task is stopped, as docker does.
  for (let i = 0; pause && i < 200; i++) {
    const v1 = cg.version === 'v1' && cg.dirs.freezer;
    if (!v1 || readFileSync(`${v1}/freezer.state`, 'utf8').trim() === 'FROZEN') break;
    await new Promise((res) => setTimeout(res, 10));
  }
}

// The host PIDs of a running container's processes: its cgroup's procs file, or PID 1 and its descendants.
export function containerPids(view: ContainerView & { cgroup?: RunState['cgroup'] }, pid1: number): Set<number> {
  const cg = view.cgroup;
  const dir = cg ? (cg.version === 'v2' ? cg.dirs.unified : (cg.dirs.pids ?? cg.dirs.memory ?? Object.values(cg.dirs)[0])) : undefined;
  if (dir) {
    try {
      return new Set(readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number));
    } catch {}
  }
  return new Set([pid1, ...descendantsOf(pid1)]);
}

// glassbox top NAME [ps options]: the host's ps (a step of the container-top block), only the lines of the
// container's processes, found by the PID column.
export async function topContainer(r: Roots, id: string, bootId: string, psArgs: string[]): Promise<{ header: string; lines: string[] }> {
  const { view, pid1 } = runningPid1(r, id, bootId);
  if (!pid1) throw new GlassboxError(`container ${short(id)} is not running`);
  const [step] = expandBlock(await loadCatalog(), { block: 'container-top', as: 'top', params: { options: psArgs.length ? psArgs : ['-ef'] } });
  const [res] = await runSteps([step!]);
  if (res!.exitCode !== 0) throw new GlassboxError(`ps failed: ${res!.stderr.trim()}`, { hint: 'ps options, as for the host ps (docker top NAME -o pid,cmd)' });
  const [header = '', ...rows] = res!.stdout.split('\n').filter((l) => l.trim());
  const col = header.trim().split(/\s+/).indexOf('PID');
  if (col < 0) throw new GlassboxError("couldn't find PID field in ps output", { hint: 'give ps options that print a PID column' });
  const pids = containerPids(view, pid1);
  return { header, lines: rows.filter((l) => pids.has(Number(l.trim().split(/\s+/)[col]))) };
}

