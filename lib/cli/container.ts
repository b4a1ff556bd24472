// The container commands that share one pipeline, as the command line sees them: flags in, words out. The work is
// the application layer's (lib/container/): planFor turns the arguments into a plan, which is then printed (plan),
// written as scripts (script) or executed (run: runPlan in the foreground, runDetachedPlan with -d). What reaches
// the terminal — warnings, the published ports, the detached container's ID, the base image's spinner — is
// printed here.

import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GlassboxError, placed } from '../errors.ts';
import { preloadSpawner } from '../exec/spawn.ts';
import { requireRoot } from '../host/privilege.ts';
import { portsText } from '../net/rules.ts';
import type { RunFlags } from '../recipe/flags.ts';
import { renderPlanJson, renderPlanJsonBrief } from '../render/json.ts';
import { planNames } from '../render/names.ts';
import { renderScript } from '../render/script.ts';
import { monitorScript, runDetachedPlan } from '../container/detach.ts';
import { planFor } from '../container/plan.ts';
import { runPlan, withClaims } from '../container/run.ts';
import { VERSION } from '../version.ts';
import type { Global } from './global.ts';
import { enableTrace, setTraceNames, warn, withSpinner } from './output.ts';
import { renderBrief } from '../render/brief.ts';

/** The global options, also accepted after the verb (before the image or recipe), like docker's. */
const GLOBAL_FLAGS = ['--verbose', '--no-color', '--lang'];

// After a recipe, a global option would silently become the container's command: refuse it with the fix.
export function refuseTrailingGlobal(verb: string, target: string, command: string[]): void {
  const first = command[0]?.split('=')[0];
  if (!first || !GLOBAL_FLAGS.includes(first) || !/\.ya?ml$/.test(target)) return;
  const opt = command.slice(0, first === '--lang' && !command[0]!.includes('=') ? 2 : 1).join(' ');
  throw new GlassboxError(`${first} after ${target} would become the container's command`, { hint: `put it before the recipe: glassbox ${verb} ${opt} ${target}` });
}

// glassbox plan: the plan as an annotated shell script, or as JSON.
export async function cmdPlan(target: string, command: string[], flags: RunFlags & { format?: string; brief?: boolean; monitor?: boolean }, g: Global): Promise<number> {
  const { plan, roots: r } = await planFor(target, command, flags, { buildBase: false });
  // --monitor: the script run -d writes for this plan, every duty's command in it (nothing is run or written).
  if (flags.monitor) {
    process.stdout.write(await monitorScript(plan, r, { remove: !!flags.rm, lang: g.lang }));
    return 0;
  }
  const json = flags.format === 'json';
  if (flags.brief) {
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

// A file that cannot be written is the flag's problem, named as such.
export function placedSync(place: { field: string }, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    throw new GlassboxError(`cannot write ${(e as NodeJS.ErrnoException).path ?? 'the file'}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, place);
  }
}

// run --pull: an image the store lacks (missing) or every image (always) is pulled first, with the pull verb's
// progress on standard error (loaded only when a pull happens).
export async function pullForRun(ref: string, missing: boolean): Promise<void> {
  if (missing) process.stderr.write(`Unable to find image '${ref}' locally\n`);
  const { pullQuietly } = await import('./images.ts');
  await pullQuietly(ref);
}

// docker: an existing --cidfile is refused before anything is made (run and create).
export function refuseCidfile(flags: RunFlags): void {
  if (flags.cidfile !== undefined && existsSync(flags.cidfile)) {
    throw new GlassboxError(`Container ID file found, make sure the other container isn't running or delete ${flags.cidfile}`, { field: '--cidfile' });
  }
}

// glassbox run: make the container, run it in the foreground, undo everything, return its exit code; with -d,
// start it under its monitor and print its ID.
export async function cmdRun(target: string, command: string[], flags: RunFlags, g: Global): Promise<number> {
  requireRoot('glassbox run');
  preloadSpawner();
  enableTrace(g.verbose);
  if (flags.tty && flags.detach) {
    throw new GlassboxError('-t with -d is not supported: glassbox has no attach, so nobody could use the terminal', { hint: 'run in the foreground with -it, or use glassbox exec -it on a detached container' });
  }
  // A restart policy and health checks are the monitor's work: only detached containers have one.
  if (flags.restart !== undefined && flags.restart !== 'no' && !flags.detach) throw new GlassboxError('--restart needs -d: the container\'s monitor restarts it, and only a detached container has one', { field: '--restart', hint: 'glassbox run -d --restart …' });
  if (flags.restart !== undefined && flags.restart !== 'no' && flags.rm) throw new GlassboxError('conflicting options: --restart and --rm', { field: '--restart' });
  // docker's check: a terminal for the container needs one to copy from.
  if (flags.tty && !process.stdin.isTTY) throw new GlassboxError('the input device is not a TTY', { hint: 'drop -t, or run glassbox from a terminal' });
  refuseCidfile(flags);
  const { plan, roots: r, facts, prepared } = await planFor(target, command, flags, { buildBase: true, progress: withSpinner, pull: pullForRun });
  // Written once the container exists (its name and ID claimed), as docker writes it at create.
  const cid = () => flags.cidfile !== undefined && placedSync({ field: '--cidfile' }, () => writeFileSync(flags.cidfile!, plan.info.id, { flag: 'wx' }));
  setTraceNames(planNames(plan));
  if (plan.info.security?.privileged) {
    warn('PRIVILEGED container: every capability, no seccomp filter, no no_new_privs, no masked /proc paths, /sys writable, every device allowed. Root in it is root on this host.');
  }
  if (plan.info.health && !flags.detach) warn('the health check runs only for detached containers (run -d): their monitor runs it');
  if (plan.info.network?.ports.length && !flags.detach) process.stderr.write(`glassbox: ${portsText(plan.info.network.ports)}\n`);
  if (flags.detach) {
    const id = await withClaims(prepared, plan, () => {
      cid();
      return runDetachedPlan(plan, r, facts, { remove: !!flags.rm, lang: g.lang });
    });
    process.stdout.write(`${id}\n`);
    return 0;
  }
  return withClaims(prepared, plan, () => {
    cid();
    return runPlan(plan, r, facts, {
      stdin: flags.interactive || flags.tty ? 'inherit' : 'ignore',
      terminal: !!flags.tty,
      notice: (msg) => process.stderr.write(`glassbox: ${msg}\n`),
      warn,
    });
  });
}
