// exec's application side: one more process in a running container, planned and run like everything else. The
// request is checked (the limits run's flags have), the container's recorded plan is read (config.json: who PID 1
// runs as and what confines it), -u is resolved against the container's own /etc/passwd and /etc/group through
// /proc/PID1/root, and lib/plan/exec.ts turns that into steps. Running them is the executor's: the barrier's undo
// goes into a journal of the exec's own first, the command starts with the loader and the filter as descriptors 3
// and 4, joins the cgroups at the barrier and runs; Ctrl-C and SIGTERM go to it; gc finishes the journal of an exec
// whose glassbox was killed.

import { randomBytes } from '../util/crypto.ts';
import { existsSync, readFileSync } from 'node:fs';
import { loadCatalog } from '../blocks/catalog.ts';
import { GlassboxError, placed } from '../errors.ts';
import { Executor, type ExecOptions } from '../exec/runner.ts';
import { planExec, type ExecPlan } from '../plan/exec.ts';
import { helpersDir } from '../plan/planner.ts';
import type { Plan } from '../plan/types.ts';
import { pathLengthProblem, stringProblems } from '../recipe/limits.ts';
import { LOADER_NAME } from '../security/defaults.ts';
import { selfOwner, stateDir } from '../state/containers.ts';
import { execJournalFile } from '../state/journal.ts';
import { resolveContainer, type ContainerView } from '../state/lifecycle.ts';
import type { Roots } from '../state/paths.ts';
import { runningPid1 } from './lifecycle.ts';
import { resolveUser } from '../image/users.ts';

export interface ExecRequestArgs {
  /** Name, ID or ID prefix. */
  ref: string;
  command: string[];
  /** -e: KEY=VALUE, or KEY alone to pass glassbox's own value on. */
  env?: string[];
  workdir?: string;
  user?: string;
  tty?: boolean;
}

/** A planned exec: its steps, and what running it needs. */
export interface PreparedExec extends ExecPlan {
  id: string;
  token: string;
  /** The container's PID 1 (host PID), whose namespaces the command enters. */
  pid1: number;
}

const short = (id: string) => id.slice(0, 12);

// Checks the request and plans the exec; changes nothing on the system (a bad request never leaves a trace).
export async function prepareExec(r: Roots, bootId: string, args: ExecRequestArgs, statusText: (view: ContainerView) => string = (v) => v.status): Promise<PreparedExec> {
  const id = resolveContainer(r, args.ref);
  const { view, pid1 } = runningPid1(r, id, bootId);
  if (!pid1) throw new GlassboxError(`container ${short(id)} is not running`, { hint: `its status is ${statusText(view)}` });
  if (!args.command.length) throw new GlassboxError('exec needs a command', { hint: 'glassbox exec NAME COMMAND [ARG...]' });
  // The limits run's flags have (lib/recipe/limits.ts), checked before anything is opened.
  for (const [flag, v] of [['--env', args.env], ['--workdir', args.workdir], ['--user', args.user], ['COMMAND', args.command]] as const) {
    const p = stringProblems(v)[0];
    if (p) throw new GlassboxError(p.message, { field: flag, hint: p.hint });
  }
  const longWorkdir = args.workdir === undefined ? undefined : pathLengthProblem(args.workdir);
  if (longWorkdir) throw new GlassboxError(longWorkdir, { field: '--workdir', hint: 'use a shorter path' });
  if (args.workdir !== undefined && !args.workdir.startsWith('/')) throw new GlassboxError(`the working directory "${args.workdir}" must be an absolute path`, { field: '--workdir' });
  const container = JSON.parse(readFileSync(`${stateDir(r, id)}/config.json`, 'utf8')) as Plan;
  // The host programs that enter the container are reached through its read-only mounts of them (the helpers
  // block), so the container can never reopen them for writing through /proc.
  const bin = helpersDir(container.info.paths.run);
  if (!existsSync(`${bin}/nsenter`)) throw new GlassboxError(`container ${short(id)} was started by an older glassbox, without read-only host programs`, { hint: 'restart it: glassbox restart NAME' });
  const user = args.user === undefined ? undefined : await containerUser(pid1, args.user);
  const token = randomBytes(6).toString('hex');
  const exec = planExec(await loadCatalog(), {
    container,
    pid1,
    token,
    command: args.command,
    env: execEnv(container.info.env, args.env ?? [], !!args.tty),
    ...(args.workdir !== undefined ? { workdir: args.workdir } : {}),
    ...(user ? { user } : {}),
    tty: !!args.tty,
    loader: existsSync(`${bin}/${LOADER_NAME}`),
  });
  return { ...exec, id, token, pid1 };
}

// How the executor runs an exec, whoever drives it (exec, learn mode): its own journal beside the container's,
// signals for the command (not PID 1), the journal dropped once every undo ran.
export function execRunOptions(r: Roots, bootId: string, prepared: PreparedExec): Pick<ExecOptions, 'journal' | 'owner' | 'forward' | 'dropJournal' | 'ownSession'> {
  return { journal: execJournalFile(stateDir(r, prepared.id), prepared.token), owner: selfOwner(bootId), forward: 'child', dropJournal: true, ownSession: true };
}

// Runs a planned exec through the executor; returns the command's exit status.
export async function runExec(r: Roots, bootId: string, prepared: PreparedExec, io: { interactive?: boolean; tty?: boolean }): Promise<number> {
  const out = await new Executor(prepared.plan, {
    ...execRunOptions(r, bootId, prepared),
    stdio: 'inherit',
    stdin: io.interactive || io.tty ? 'inherit' : 'ignore',
    terminal: !!io.tty,
    handleSignals: true,
    directStderr: true,
  }).run();
  return out.exitCode ?? 125;
}

// -u USER[:GROUP] by the container's own user and group files, read through PID 1's root.
async function containerUser(pid1: number, spec: string): Promise<{ uid: number; gid: number; groups: number[] }> {
  const readEtc = async (p: string) => {
    try {
      return readFileSync(`/proc/${pid1}/root${p}`, 'utf8');
    } catch {
      return undefined;
    }
  };
  return placed({ field: '--user' }, () => resolveUser(spec, readEtc));
}

// The command's environment: the container's, then each -e (KEY alone takes glassbox's own value, if it has one).
function execEnv(base: Record<string, string>, flags: string[], tty: boolean): Record<string, string> {
  const env: Record<string, string> = { ...base };
  for (const e of flags) {
    const eq = e.indexOf('=');
    if (eq === 0) throw new GlassboxError(`invalid environment variable "${e}"`, { field: '--env' });
    if (eq < 0) {
      if (process.env[e] !== undefined) env[e] = process.env[e]!;
    } else env[e.slice(0, eq)] = e.slice(eq + 1);
  }
  if (tty) env.TERM ??= 'xterm';
  return env;
}
