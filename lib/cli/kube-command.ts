// Commander wiring of `glassbox kube …` (lib/cli/kube.ts holds the verbs, loaded through the verbs when one runs).

import { Option, type Command } from 'commander';
import type { Global } from './global.ts';
import type * as KubeModule from './kube.ts';
import type * as VerbsModule from './verbs.ts';

type Runner = (fn: (v: typeof VerbsModule) => Promise<number>) => () => Promise<void>;

// Adds `kube` and its verbs when `want` names it.
export function registerKube(program: Command, want: (name: string) => boolean, global: () => Global, run: Runner): Command | undefined {
  if (!want('kube')) return undefined;
  const kube = program.command('kube').description('Kubernetes Pod manifests: generate one from a container, recipe or compose project; play and down one');
  const on = (fn: (k: typeof KubeModule) => Promise<number>) => run(async (v) => fn(await v.kube()));
  kube
    .command('generate')
    .description('print a Pod manifest for a container, a recipe file or a compose project (a directory or compose file)')
    .argument('<target>', 'CONTAINER (name or ID), RECIPE (.yaml) or PROJECT (directory, or a compose file)')
    .option('-f, --filename <file>', 'write the manifest to this file instead of standard output')
    .option('--name <pod>', "the pod's name (default: the container's name + -pod, the recipe's or project's name)")
    .action(async (target, opts) => on((k) => k.cmdKubeGenerate(target, opts))());
  kube
    .command('play')
    .description('run the Pods (and Deployments) of a manifest as containers sharing each pod\'s network namespace')
    .argument('<file>', 'the manifest (- reads standard input)')
    .option('--plan', 'print every step play would run, and run nothing')
    .addOption(new Option('--format <format>', 'with --plan: sh or json').choices(['sh', 'json']))
    .option('--brief', 'with --plan: one line per step')
    .addOption(new Option('--pull <policy>', 'pull images: missing (default), always, never').choices(['missing', 'always', 'never']))
    .action(async (file, opts) => on((k) => k.cmdKubePlay(file, opts, global()))());
  kube
    .command('down')
    .description('stop and remove what kube play made of the manifest: containers, emptyDir volumes, the pods\' networks')
    .argument('<file>', 'the manifest (- reads standard input)')
    .option('-t, --timeout <secs>', 'seconds to wait before SIGKILL')
    .action(async (file, opts) => on((k) => k.cmdKubeDown(file, opts))());
  for (const c of [kube, ...kube.commands]) c.helpOption('--help', 'show help').exitOverride();
  return kube;
}
