// The container commands that share one pipeline: spec → prepared container → plan, then either print it
// (plan), write it as scripts (script) or execute it (run).

import { chmodSync, existsSync, mkdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCatalog } from '../blocks/catalog.ts';
import { GlassboxError, placed } from '../errors.ts';
import { Executor } from '../exec/runner.ts';
import { preloadSpawner, startDetached } from '../exec/spawn.ts';
import { hostCgroupLayout } from '../cgroup/layout.ts';
import { isPrivateMountPoint, readHostFacts, type HostFacts } from '../host/facts.ts';
import { findOnPathSync } from '../host/programs.ts';
import { findSeccompLoader } from '../security/loader.ts';
import { findDeviceFilter } from '../cgroup/device-filter.ts';
import { checkRootlessSpec, CPU_ENV, rootlessActive } from '../rootless/mode.ts';
import { kernelPaths } from '../security/paths.ts';
import { resolveCommandInRoot } from '../image/command.ts';
import { BASE_IMAGE, buildHostImage } from '../image/fromhost.ts';
import { resolveImage } from '../image/store.ts';
import { DEV_LINKS, HELPER_TOOLS, planContainer, type PlanContext } from '../plan/planner.ts';
import { prepareContainer } from '../plan/prepare.ts';
import { placeOf } from '../recipe/origins.ts';
import type { Lang, Plan, PlanCgroup } from '../plan/types.ts';
import { readEvents } from '../cgroup/stats.ts';
import { formatBytes } from '../cgroup/units.ts';
import { renderPlanJson, renderPlanJsonBrief } from '../render/json.ts';
import { shJoin } from '../render/quote.ts';
import { renderMonitor, renderScript } from '../render/script.ts';
import { expandMonitor, monitorLaunch } from '../render/monitor-steps.ts';
import { markPlanning } from '../state/planning.ts';
import { claimContainer, newId, processStart, randomName, releaseContainer, selfOwner, stateDir, stateText, writeState, type ContainerState, type Owner } from '../state/containers.ts';
import { writeFileAtomic } from '../state/atomic.ts';
import { monitorFiles } from '../state/lifecycle.ts';
import { journalFile, journalFor, writeJournal } from '../state/journal.ts';
import { roots, type Roots } from '../state/paths.ts';
import { isRecipeArg, specFromFlags, type RunFlags } from './flags.ts';
import { dropClaims } from '../net/release.ts';
import { portsText } from '../net/rules.ts';
import { enableTrace, setTraceNames, warn, withSpinner } from './output.ts';
import { planNames } from '../render/names.ts';

export { VERSION } from './version.ts';
import { VERSION } from './version.ts';

export interface Global {
  verbose?: boolean;
  lang: Lang;
}

// Refuses to go on without root, before anything is changed.
export function requireRoot(what: string): void {
  if (process.geteuid?.() !== 0) throw new GlassboxError(`${what} needs root`, { hint: `run it with sudo` });
}

// Builds the plan for `run`/`plan`/`script` arguments; makes the base image on the spot when asked (never for plan).
async function planFor(target: string, command: string[], flags: RunFlags, opts: { buildBase: boolean; verbose?: boolean }) {
  const r = roots();
  const facts = await readHostFacts();
  const host = { cpus: facts.cpus, onlineCpus: facts.onlineCpus };
  // The recipe loader (YAML parser and schemas) is only loaded when a recipe file is given.
  const base = isRecipeArg(target) ? (await import('../recipe/load.ts')).loadRecipe(target, { host }) : undefined;
  const spec = specFromFlags(base, base ? undefined : target, command, flags, host);
  if (rootlessActive()) await placed(placeOf(spec, ['network', 'mode']), () => checkRootlessSpec(spec));
  if (opts.buildBase && spec.image !== undefined) await ensureBaseImage(r, facts, spec.image);
  const id = newId();
  const name = spec.name ?? randomName();
  const prepared = await prepareContainer({ spec, id, name, roots: r, facts, dryNetwork: !opts.buildBase });
  const catalog = await loadCatalog();
  const ctx = planContext(r);
  // The planner's refusals name the field they are about (resources, network.mode, user): point at its input.
  const plan = await placed(
    (e) => {
      const path = e instanceof GlassboxError && !e.pos && e.field ? e.field.split('.') : [];
      return path[0] === 'resources' ? placeOf(spec, ['resources', Object.keys(spec.resources ?? {})[0] ?? '']) : path.length ? placeOf(spec, path) : {};
    },
    () => planContainer(catalog, prepared, ctx),
  );
  return { plan, prepared, roots: r, facts, spec };
}

// What the planner needs to know about the host's current state (read from files, nothing spawned).
export function planContext(r: Roots, batchMounts = true, flock = findOnPathSync('flock')): PlanContext {
  const isLink = (p: string, target: string) => {
    try {
      return readlinkSync(p) === target;
    } catch {
      return false;
    }
  };
  let barrierReady = false;
  try {
    barrierReady = statSync(`${r.run}/.glassbox-start`).isFIFO();
  } catch {}
  const rootless = rootlessActive();
  const cgroup = rootless ? undefined : hostCgroupLayout();
  // cgroup v2 only: the program that attaches the device allow-list (v1 has the devices controller instead).
  const deviceFilter = cgroup?.version === 'v2' ? findDeviceFilter() : undefined;
  // Marked before the mount is looked at: gc leaves the run root mounted while this process may count on it.
  markPlanning(r.run);
  return {
    runRoot: r.run,
    runRootReady: isPrivateMountPoint(r.run),
    barrierReady,
    hostDevLinks: DEV_LINKS.every((l) => isLink(`/dev/${l.name}`, l.target)),
    batchMounts,
    flock: flock ?? missingTool('flock', 'util-linux'),
    // Rootless: this host delegates no cgroup subtree to users (lib/rootless/mode.ts), so there are none.
    cgroup,
    kernelPaths: kernelPaths(),
    seccompLoader: findSeccompLoader(rootless),
    ...(deviceFilter ? { deviceFilter } : {}),
    // The chain's host programs, by absolute path: the helpers block binds each read-only for the container.
    tools: Object.fromEntries(HELPER_TOOLS.filter((t) => t !== 'flock').map((t) => [t, findOnPathSync(t) ?? missingTool(t, t === 'env' ? 'coreutils' : 'util-linux')])),
    ...(rootless ? { rootless, ...(process.env[CPU_ENV] ? { pinCpu: process.env[CPU_ENV] } : {}) } : {}),
  };
}

function missingTool(name: string, pkg: string): never {
  throw new GlassboxError(`${name} is not installed`, { hint: `apt-get install ${pkg}` });
}

// The built-in base image is made from the host the first time a recipe asks for it (docker pulls; we build).
export async function ensureBaseImage(r: Roots, facts: HostFacts, image: string): Promise<void> {
  if (image !== BASE_IMAGE && image !== 'glassbox/base') return;
  try {
    await resolveImage(r.root, image);
  } catch {
    await withSpinner(`making the base image ${BASE_IMAGE} from this host's programs`, () => buildHostImage(r, selfOwner(facts.bootId)));
  }
}

// glassbox plan: the plan as an annotated shell script, or as JSON.
export async function cmdPlan(target: string, command: string[], flags: RunFlags & { format?: string; brief?: boolean }, g: Global): Promise<number> {
  const { plan } = await planFor(target, command, flags, { buildBase: false });
  const json = flags.format === 'json';
  if (flags.brief) {
    const { renderBrief } = await import('../render/brief.ts');
    process.stdout.write(json ? renderPlanJsonBrief(plan, g.lang) : renderBrief(plan, g.lang));
    return 0;
  }
  process.stdout.write(json ? renderPlanJson(plan) : renderScript(plan, { lang: g.lang, mode: 'plan', glassboxVersion: VERSION }));
  return 0;
}

// glassbox script -o DIR: up.sh and down.sh that do what `run` does, with plain sh.
export async function cmdScript(target: string, command: string[], flags: RunFlags & { output: string }, g: Global): Promise<number> {
  const { plan } = await planFor(target, command, flags, { buildBase: false });
  const dir = resolve(flags.output);
  // A directory that cannot be made (too long a name, a file in the way, no permission) is the flag's problem.
  await placed({ field: '--output' }, () => {
    mkdirSync(dir, { recursive: true });
    for (const mode of ['up', 'down'] as const) {
      const file = join(dir, `${mode}.sh`);
      writeFileSync(file, renderScript(plan, { lang: g.lang, mode, glassboxVersion: VERSION }));
      chmodSync(file, 0o755);
    }
  });
  process.stdout.write(`${join(dir, 'up.sh')}\n${join(dir, 'down.sh')}\n`);
  return 0;
}

// glassbox run: make the container, run it in the foreground, undo everything, return its exit code.
export async function cmdRun(target: string, command: string[], flags: RunFlags, g: Global): Promise<number> {
  requireRoot('glassbox run');
  preloadSpawner();
  enableTrace(g.verbose);
  if (flags.tty && flags.detach) {
    throw new GlassboxError('-t with -d is not supported: glassbox has no attach, so nobody could use the terminal', { hint: 'run in the foreground with -it, or use glassbox exec -it on a detached container' });
  }
  // docker's check: a terminal for the container needs one to copy from.
  if (flags.tty && !process.stdin.isTTY) throw new GlassboxError('the input device is not a TTY', { hint: 'drop -t, or run glassbox from a terminal' });
  const { plan, roots: r, facts, prepared } = await planFor(target, command, flags, { buildBase: true, verbose: g.verbose });
  setTraceNames(planNames(plan));
  if (plan.info.security?.privileged) {
    warn('PRIVILEGED container: every capability, no seccomp filter, no no_new_privs, no masked /proc paths, /sys writable, every device allowed. Root in it is root on this host.');
  }
  if (plan.info.network?.ports.length && !flags.detach) process.stderr.write(`glassbox: ${portsText(plan.info.network.ports)}\n`);
  try {
    if (flags.detach) return await runDetachedPlan(plan, r, facts, { remove: !!flags.rm, lang: g.lang });
    return await runPlan(plan, r, facts, { stdin: flags.interactive || flags.tty ? 'inherit' : 'ignore', terminal: !!flags.tty });
  } catch (e) {
    // The address and ports were claimed before the plan ran; a failure before its undos took over gives them back.
    await dropClaims(prepared.network?.claims ?? [], plan.info.id);
    throw e;
  }
}

// run -d: the container's monitor (a plain sh script, see renderMonitor) becomes the parent of its start chain;
// glassbox boots PID 1 under it, records the state, prints the ID and exits. No Node process stays.
// With `restart`, the container exists already: its state directory (logs, writable layer) and name are reused.
export async function runDetachedPlan(plan: Plan, r: Roots, facts: HostFacts, opts: { remove: boolean; lang: Lang; restart?: RunState }): Promise<number> {
  const { id, name } = plan.info;
  const owner = selfOwner(facts.bootId);
  const cgroup = plan.info.cgroup;
  const state: RunState = {
    id, name, image: plan.info.image, command: plan.info.command, created: opts.restart?.created ?? new Date().toISOString(), status: 'created', owner,
    detached: true, ...(opts.remove ? { autoRemove: true } : {}), ...(cgroup ? { cgroup } : {}),
  };
  const dir = opts.restart ? stateDir(r, id) : claimContainer(r, id, name, { 'state.json': stateText(state), 'config.json': JSON.stringify(plan, null, 1) + '\n' });
  const files = monitorFiles(dir);
  const remove = opts.remove ? { nameLink: join(r.root, 'names', name), linkTarget: join('..', 'containers', id) } : undefined;
  const monitorSteps = expandMonitor(await loadCatalog(), files, remove?.nameLink);
  recordOrRelease(r, id, name, () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify(plan, null, 1) + '\n');
    writeState(r, state);
    writeFileSync(files.script, renderMonitor(plan, { lang: opts.lang, glassboxVersion: VERSION, files, steps: monitorSteps, remove }), { mode: 0o600 });
  });
  let monitor: Owner | undefined;
  const exec = new Executor(plan, {
    journal: journalFile(dir),
    owner,
    stdio: 'ignore',
    handleSignals: true,
    detach: {
      chainFile: files.chain,
      startMonitor: async () => {
        const m = await startDetached(monitorLaunch(monitorSteps), files.monitorLog);
        monitor = { pid: m.pid, start: processStart(m.pid) ?? '', boot: facts.bootId };
        state.monitor = monitor;
        writeState(r, state);
        return m;
      },
    },
    hooks: {
      beforeRelease: lookUpCommand(plan),
      onRunning: (pid1) => {
        writeFileAtomic(files.pid1, `${pid1}\n`);
        // From now on the monitor answers for the container: gc leaves it alone while the monitor lives.
        writeJournal(journalFile(dir), journalFor(plan, monitor));
        Object.assign(state, { status: 'running', pid: pid1, pidStart: processStart(pid1), startedAt: new Date().toISOString(), owner: monitor });
        writeState(r, state);
      },
    },
  });
  try {
    await exec.run();
  } catch (e) {
    // Released only when nothing is left to undo: no monitor ever started (the executor undid it all), or the
    // monitor finished its undos. A monitor still at work, or one that died half-way, leaves the state to gc,
    // which judges it by its owners at once (a state directory removed too early left objects only age could clear).
    if (!monitor || existsSync(files.done)) releaseContainer(r, id, name);
    throw e;
  }
  if (!opts.restart) process.stdout.write(`${id}\n`);
  return 0;
}

// Writes a new container's files; if that fails (a full disk: ENOSPC), nothing of it is left: no directory, no name.
function recordOrRelease(r: Roots, id: string, name: string, write: () => void): void {
  try {
    write();
  } catch (e) {
    releaseContainer(r, id, name);
    throw e;
  }
}

/** state.json as `run` writes it: the container's cgroups (for stats and gc) and whether the OOM killer ended it. */
export type RunState = ContainerState & { cgroup?: PlanCgroup; oomKilled?: boolean };

// After the container's main process ended, while its groups still exist: tell the user when a limit was hit.
function reportLimits(cg: PlanCgroup, exitCode: number): { oomKilled: boolean } {
  const ev = readEvents(cg);
  const say = (msg: string) => process.stderr.write(`glassbox: ${msg}\n`);
  const memory = cg.limits.memory !== undefined ? `memory limit ${formatBytes(cg.limits.memory)}` : 'no memory limit';
  const oomKilled = exitCode === 137 && ev.oomKills > 0;
  if (oomKilled) say(`the container was killed by the OOM killer (${memory})`);
  else if (ev.oomKills > 0) say(`the OOM killer killed ${ev.oomKills} process${ev.oomKills === 1 ? '' : 'es'} in the container (${memory})`);
  if (ev.pidsMax > 0) say(`the container reached its process limit (${cg.limits.pids} processes): the kernel refused ${ev.pidsMax} fork${ev.pidsMax === 1 ? '' : 's'}`);
  return { oomKilled };
}

// docker's 126/127: the command is looked up in the container's root before PID 1 is let go.
function lookUpCommand(plan: Plan): (pid1: number) => Promise<void> {
  return async (pid1) => {
    const missing = await resolveCommandInRoot(`/proc/${pid1}/root`, plan.info.command[0]!, plan.info.env.PATH ?? '');
    if (missing) throw missing;
  };
}

// Executes a container plan with state on disk, so ps and gc can see it.
export async function runPlan(plan: Plan, r: Roots, facts: HostFacts, io: { stdin?: 'inherit' | 'ignore'; terminal?: boolean } = {}): Promise<number> {
  const { id, name } = plan.info;
  const owner = selfOwner(facts.bootId);
  const cgroup = plan.info.cgroup;
  const state: RunState = { id, name, image: plan.info.image, command: plan.info.command, created: new Date().toISOString(), status: 'created', owner, ...(cgroup ? { cgroup } : {}) };
  // The directory appears with its state and plan in it (one rename): gc never finds it ownerless.
  const dir = claimContainer(r, id, name, { 'state.json': stateText(state), 'config.json': JSON.stringify(plan, null, 1) + '\n' });
  const exec = new Executor(plan, {
    journal: journalFile(dir),
    owner,
    stdio: 'inherit',
    ...io,
    handleSignals: true,
    hooks: {
      beforeRelease: lookUpCommand(plan),
      onRunning: (pid1) => {
        state.status = 'running';
        state.pid = pid1;
        state.startedAt = new Date().toISOString();
        writeState(r, state);
      },
      afterExit: ({ exitCode }) => {
        const { oomKilled } = cgroup ? reportLimits(cgroup, exitCode) : { oomKilled: false };
        const { pid: _gone, ...rest } = state;
        writeState(r, { ...rest, status: 'exited', exitCode, oomKilled, finishedAt: new Date().toISOString() } as RunState);
      },
    },
  });
  try {
    const out = await exec.run();
    for (const f of out.undoFailures) warn(`cleanup command failed: ${shJoin(f.argv)}: ${f.stderr.trim()}`);
    return out.exitCode ?? 125;
  } finally {
    releaseContainer(r, id, name);
  }
}
