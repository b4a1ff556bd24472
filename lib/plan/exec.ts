// The exec planner: `glassbox exec NAME CMD` as a plan of steps, from what the container's own plan recorded.
//
// A process joins a running container by entering the namespaces of its PID 1 (setns(2), which nsenter does for
// each /proc/PID/ns/* file), taking its root and working directory, and then giving up exactly what PID 1 gave up:
// the same user and groups, the same capability bounding set, no_new_privs, the same seccomp filter. It must also
// join PID 1's cgroups before it runs anything, or what it forks would escape the container's limits; so it waits
// at a barrier (a FIFO) while glassbox writes its PID into each cgroup.procs, exactly as the container's own start
// does. Everything here is decided from data: the container's plan (config.json) records who PID 1 runs as and
// what confines it (PlanInfo.process), so nothing is read back out of the start chain's argv. The planner is pure:
// the caller says which files exist and which process is PID 1; this module only computes steps.

import { expandBlock } from '../blocks/expand.ts';
import type { Catalog } from '../blocks/schema.ts';
import { GlassboxError } from '../errors.ts';
import { LOADER_NAME } from '../security/defaults.ts';
import { byRole, helpersDir, onTerminal } from './planner.ts';
import { runtimeRef, type Plan, type Step } from './types.ts';

/** What one exec asks for, with everything that needs the system already looked up by the caller. */
export interface ExecRequest {
  /** The container's plan, as run recorded it. */
  container: Plan;
  /** The container's PID 1 (host PID), checked alive by the caller. */
  pid1: number;
  /** Instead of pid1: a runtime reference the script sets (the monitor's health check, "$gb_ctr"). */
  targetRef?: string;
  /** Random hex naming this exec's barrier and terminal wrapper in the container's run directory. */
  token: string;
  command: string[];
  /** The command's whole environment (the container's, with -e applied). */
  env: Record<string, string>;
  /** -w: a path inside the container; absent: PID 1's working directory. */
  workdir?: string;
  /** -u, resolved against the container's /etc/passwd and /etc/group; absent: PID 1's user. */
  user?: { uid: number; gid: number; groups: number[] };
  /** -t: a pseudo-terminal of its own. */
  tty: boolean;
  /** The container's helpers directory holds glassbox's static loader (lib/security/loader.ts). */
  loader: boolean;
}

/** An exec's plan: the container's plan info with the command this exec runs, and its steps in order. */
export interface ExecPlan {
  plan: Plan;
}

// Plans one exec: the exec block's steps with the container's recorded user and restrictions, -t's wrapper.
export function planExec(catalog: Catalog, req: ExecRequest): ExecPlan {
  const { info } = req.container;
  const proc = info.process;
  if (!proc) {
    throw new GlassboxError(`container ${info.id.slice(0, 12)} was started by an older glassbox, which did not record how its process is confined`, { hint: 'restart it: glassbox restart NAME' });
  }
  const confined = !info.security?.privileged;
  if (confined && !req.loader) {
    throw new GlassboxError("exec needs glassbox's static loader to give the command the container's capabilities and filter, and it is not built", { hint: 'npm run build (it needs gcc and libc6-dev)' });
  }
  const bin = helpersDir(info.paths.run);
  const user = req.user ?? proc;
  const rootless = !!info.rootless;
  // Rootless: setgroups(2) is denied in the user namespace, so the groups stay as they are (as for PID 1).
  const groups = !rootless && user.groups.length ? user.groups.join(',') : undefined;
  const loader = req.loader ? `${bin}/${LOADER_NAME}` : undefined;
  const fifo = `${info.paths.run}/exec-${req.token}.fifo`;
  const wrapper = `${info.paths.run}/exec-${req.token}.sh`;
  const procs = [...new Set(Object.values(info.cgroup?.dirs ?? {}))].map((d) => `${d}/cgroup.procs`);
  const steps = expandBlock(catalog, {
    block: 'exec',
    as: 'exec',
    params: {
      fifo,
      // Without -t the chain is glassbox's own child: it dies with glassbox (with -t, script is the parent).
      setpriv: req.tty ? undefined : `${bin}/setpriv`,
      flock: `${bin}/flock`,
      nsenter: `${bin}/nsenter`,
      // Without -t the command gets a session of its own with no terminal (with -t, script's new terminal is its).
      new_session: !!loader && !req.tty,
      setsid: !loader && !req.tty ? `${bin}/setsid` : undefined,
      target: req.targetRef ?? String(req.pid1),
      procs,
      wd: req.workdir === undefined ? undefined : `/proc/${req.pid1}/root${req.workdir}`,
      uid: String(user.uid),
      gid: String(user.gid),
      groups,
      clear_groups: !!loader && !groups && !rootless,
      loader: loader ? '/proc/self/fd/3' : undefined,
      filter: loader && proc.seccompFilter ? '/proc/self/fd/4' : '-',
      bounding_set: loader ? proc.boundingSet : undefined,
      no_new_privs: proc.noNewPrivs,
      rootless,
      env: Object.entries(req.env).map(([k, v]) => `${k}=${v}`),
      command: req.command,
      // The process at the barrier (the start step's `waits`), which the join steps move into the cgroups.
      pid: runtimeRef('pid1'),
    },
  });
  // The loader and the filter reach the command as descriptors opened on the host, read-only: after nsenter only
  // the container's files are reachable, and a descriptor (unlike a path) cannot be reopened for writing.
  const start = byRole(steps, 'start');
  if (loader) start.fds = [loader, ...(proc.seccompFilter ? [proc.seccompFilter] : [])];
  // flock itself waits at the barrier (with -t as well: the executor looks under script, the terminal's wrapper).
  start.waits = 'self';
  if (req.tty) onTerminal(catalog, steps, wrapper);
  return { plan: { version: 1, info: { ...info, command: req.command }, steps } };
}
