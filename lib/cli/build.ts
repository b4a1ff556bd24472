// glassbox build [-t NAME[:TAG]]… [-f FILE] [--build-arg K=V]… [--target STAGE] [--no-cache] CONTEXT: docker
// build's command line over lib/build (the Dockerfile parsed, the stages built). The progress is buildah's and
// podman's: `STEP n/N: INSTRUCTION`, each RUN's output as it comes, `--> CACHED` or the step's time, the image ID.

import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { GlassboxError } from '../errors.ts';
import { requireRoot } from '../host/privilege.ts';
import { buildImage, planBuild, type BuildEvent, type BuildRequest } from '../build/build.ts';
import { VERSION } from '../version.ts';
import type { BuildFile } from '../build/model.ts';
import { parseDockerfile } from '../build/dockerfile.ts';
import { parseReference } from '../image/reference.ts';
import type { Global } from './global.ts';
import { pullForRun } from './container.ts';
import { dim, enableTrace } from './output.ts';

export interface BuildFlags {
  tag?: string[];
  file?: string;
  buildArg?: string[];
  target?: string;
  cache?: boolean;
  quiet?: boolean;
  pull?: string;
  /** --plan: print every command the build runs, run none. */
  plan?: boolean;
  brief?: boolean;
  format?: string;
  /** --learn: step through each RUN's container, one command at a time; -y runs them without asking. */
  learn?: boolean;
  yes?: boolean;
}

// The Dockerfile: -f (relative to the current directory, `-` for standard input), else CONTEXT/Dockerfile or
// CONTEXT/Containerfile, as docker and podman look for them.
function dockerfileOf(context: string, file: string | undefined): { text: string; name: string } {
  if (file === '-') return { text: readFileSync(0, 'utf8'), name: 'Dockerfile' };
  const candidates = file !== undefined ? [file] : ['Dockerfile', 'Containerfile'].map((n) => path.join(context, n));
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new GlassboxError(file !== undefined ? `cannot read ${file}: no such file` : `no Dockerfile or Containerfile in ${context}`, { field: '-f', hint: 'glassbox build -f PATH CONTEXT' });
  return { text: readFileSync(found, 'utf8'), name: path.relative(process.cwd(), found) || found };
}

// buildah's progress lines: `[stage/stages] STEP n/N: INSTRUCTION`, `--> CACHED`, and each RUN's output as it comes.
// A RUN, COPY or ADD that ran (not from the cache) ends with its time: `--> 1.24 s`.
export function buildPrinter(quiet: boolean, prefix = ''): (e: BuildEvent) => void {
  let timed = false;
  return (e) => {
    if (quiet) return;
    if (e.kind === 'step') timed = !e.cached && /^(RUN|COPY|ADD)\b/i.test(e.text);
    if (e.kind === 'step-done' && timed) process.stdout.write(`${prefix}${dim(`--> ${(e.ms / 1000).toFixed(2)} s`)}\n`);
    if (e.kind === 'step') process.stdout.write(`${prefix}${e.stages > 1 ? `[${e.stage}/${e.stages}] ` : ''}STEP ${e.n}/${e.total}: ${e.text}\n${e.cached ? `${prefix}${dim('--> CACHED')}\n` : ''}`);
    else if (e.kind === 'output') (e.stream === 'stdout' ? process.stdout : process.stderr).write(prefix ? e.text.replace(/^/gm, prefix) : e.text);
  };
}

// A recipe's build: section (the same instructions as YAML), parsed with positions in the recipe.
async function recipeBuild(file: string): Promise<BuildFile> {
  const { parseYaml } = await import('../recipe/yamlpos.ts');
  const { parseRecipeBuild } = await import('../build/recipe-build.ts');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new GlassboxError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`, { field: '-f' });
  }
  const y = parseYaml(text, file);
  const value = y.value as Record<string, unknown> | null;
  if (!value || typeof value !== 'object' || value.build === undefined) throw new GlassboxError(`${file} has no build: section`, { pos: { file, line: 1, col: 1 }, hint: 'add build: {stages: [{from: IMAGE, steps: […]}]}, or give a Dockerfile with -f' });
  return parseRecipeBuild(value.build, y, file);
}

// The recipe's image: (read again: a small file), or undefined.
async function recipeImage(file: string): Promise<string | undefined> {
  const { parseYaml } = await import('../recipe/yamlpos.ts');
  const v = parseYaml(readFileSync(file, 'utf8'), file).value as Record<string, unknown> | null;
  return typeof v?.image === 'string' ? v.image : undefined;
}

export async function cmdBuild(context: string, flags: BuildFlags, g: Global): Promise<number> {
  if (!flags.plan) requireRoot('glassbox build');
  enableTrace(g.verbose);
  for (const [set, name] of [[flags.brief, '--brief'], [flags.format, '--format']] as const) {
    if (set !== undefined && !flags.plan) throw new GlassboxError(`${name} goes with --plan`, { field: name, hint: `glassbox build --plan ${name} … CONTEXT` });
  }
  if (flags.yes && !flags.learn) throw new GlassboxError('--yes goes with --learn', { field: '--yes', hint: 'glassbox build --learn --yes … CONTEXT' });
  if (flags.learn && flags.plan) throw new GlassboxError('--learn and --plan do not go together', { field: '--learn', hint: '--plan prints the commands; --learn runs them one at a time' });
  if (flags.learn && !flags.yes && !(process.stdin.isTTY && process.stdout.isTTY)) {
    const { T } = await import('../learn/text.ts');
    throw new GlassboxError(T.needTerminal[g.lang], { field: '--learn', hint: T.needTerminalHint[g.lang] });
  }
  if (!existsSync(context) || !statSync(context).isDirectory()) throw new GlassboxError(`unable to prepare context: path "${context}" not found`, { field: 'CONTEXT', hint: 'give the directory whose files COPY may use' });
  for (const t of flags.tag ?? []) {
    try {
      parseReference(t);
    } catch (e) {
      throw new GlassboxError(`invalid tag "${t}": ${(e as Error).message}`, { field: '--tag' });
    }
  }
  const buildArgs: Record<string, string> = {};
  for (const a of flags.buildArg ?? []) {
    const eq = a.indexOf('=');
    if (eq === 0) throw new GlassboxError(`invalid build argument "${a}"`, { field: '--build-arg', hint: 'NAME=VALUE, or NAME to take it from the environment' });
    if (eq < 0) {
      if (process.env[a] !== undefined) buildArgs[a] = process.env[a]!;
    } else buildArgs[a.slice(0, eq)] = a.slice(eq + 1);
  }
  const file = flags.file !== undefined && /\.ya?ml$/i.test(flags.file) ? await recipeBuild(flags.file) : (() => {
    const df = dockerfileOf(context, flags.file);
    return parseDockerfile(df.text, df.name);
  })();
  // A recipe's image: is the tag its build gives when -t names none.
  if (!flags.tag?.length && flags.file !== undefined && /\.ya?ml$/i.test(flags.file)) {
    const image = (await recipeImage(flags.file));
    if (image) flags.tag = [image];
  }
  const out = (s: string) => (flags.quiet ? undefined : process.stdout.write(s));
  const event = buildPrinter(!!flags.quiet);
  const req: BuildRequest = {
    file,
    context: path.resolve(context),
    dockerfile: flags.file !== undefined && flags.file !== '-' ? path.resolve(flags.file) : undefined,
    tags: flags.tag ?? [],
    buildArgs,
    ...(flags.target !== undefined ? { target: flags.target } : {}),
    noCache: flags.cache === false,
    lang: g.lang,
    ...(flags.pull === 'never' ? {} : { pull: pullForRun }),
    event,
  };
  if (flags.plan) {
    const { renderBuildPlan } = await import('../render/build.ts');
    const bp = await planBuild({ ...req, event: () => {} });
    process.stdout.write(renderBuildPlan(bp, { lang: g.lang, format: flags.format === 'json' ? 'json' : 'sh', brief: !!flags.brief, glassboxVersion: VERSION }));
    return 0;
  }
  const img = flags.learn ? await learnThrough(req, !!flags.yes, g) : await buildImage(req);
  for (const t of flags.tag ?? []) out(`Successfully tagged ${t}\n`);
  process.stdout.write(`${img.id.replace(/^sha256:/, '')}\n`);
  return 0;
}

// build --learn: the build with each RUN's container stepped through in learn mode (lib/learn/build.ts).
async function learnThrough(req: BuildRequest, yes: boolean, g: Global): Promise<Awaited<ReturnType<typeof buildImage>>> {
  const { learnBuild } = await import('../learn/build.ts');
  const { readHostFacts } = await import('../host/facts.ts');
  const { roots } = await import('../state/paths.ts');
  const { useColour } = await import('./output.ts');
  const facts = await readHostFacts();
  return learnBuild(req, roots(), { lang: g.lang, yes, from: 1, json: false, xray: false, colour: useColour(), bootId: facts.bootId, say: (line) => process.stdout.write(`${line}\n`) });
}
