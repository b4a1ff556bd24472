// Commander wiring of `glassbox compose …` (lib/cli/compose.ts holds the verbs): docker compose's options before
// the verb (-f, -p, --project-directory, --env-file, --profile) and its verbs with their common flags.

import { Option, type Command } from 'commander';
import type { Global } from './global.ts';
import type * as ComposeModule from './compose.ts';
import type { ComposeGlobal } from './compose.ts';
import type * as VerbsModule from './verbs.ts';

type Compose = typeof ComposeModule;
type Runner = (fn: (v: typeof VerbsModule) => Promise<number>) => () => Promise<void>;
const collect = (v: string, prev: string[] = []) => [...prev, v];

// Adds `compose` and its verbs when `want` names it; compose.ts is loaded through the verbs when one runs.
export function registerCompose(program: Command, want: (name: string) => boolean, global: () => Global, run: Runner): Command | undefined {
  if (!want('compose')) return undefined;
  const compose = program
    .command('compose')
    .description('run a compose project (compose.yaml): every service a container, every command on show')
    .option('-f, --file <file>', 'a compose file (repeatable: later files are merged over earlier ones; - reads standard input)', collect)
    .option('-p, --project-name <name>', 'the project name (default: name: in the file, or the directory\'s name)')
    .option('--project-directory <dir>', 'the project directory (default: the first file\'s)')
    .option('--env-file <file>', 'variables for interpolation instead of .env (repeatable)', collect)
    .option('--profile <name>', 'enable the services of this profile (repeatable)', collect)
    .enablePositionalOptions();
  const g = (): ComposeGlobal => compose.opts() as ComposeGlobal;
  const on = (fn: (c: Compose) => Promise<number>) => run(async (v) => fn(await v.compose()));
  const verb = (name: string, description: string) => compose.command(name).description(description);
  const services = '[service...]';
  verb('up', 'create and start the services, in depends_on order (attached: their output, until they end)')
    .option('-d, --detach', 'start them in the background and return')
    .option('--build', "build the build: services' images again first (without it, only missing ones are built)")
    .option('--force-recreate', 'recreate the containers even if their configuration is unchanged')
    .option('--no-recreate', 'leave existing containers as they are, even if their configuration changed')
    .option('--no-deps', 'do not start the services the named ones depend on')
    .option('--wait', 'wait until the services run (and are healthy, when they have a health check); implies -d')
    .option('--abort-on-container-exit', 'stop every container when one of them ends')
    .option('--exit-code-from <service>', 'exit with this service\'s exit code (implies --abort-on-container-exit)')
    .option('--remove-orphans', 'remove containers of services no longer in the files')
    .addOption(new Option('--pull <policy>', 'pull images: missing (default), always, never').choices(['missing', 'always', 'never']))
    .argument(services)
    .action(async (names, opts) => on((c) => c.cmdComposeUp(g(), names, { ...opts, noRecreate: opts.recreate === false, noDeps: opts.deps === false }, global()))());
  verb('down', 'stop and remove the containers and networks of the project (-v: its volumes too)')
    .option('-v, --volumes', 'remove the named volumes of the file and the anonymous volumes of the containers')
    .option('--remove-orphans', 'remove containers of services no longer in the files')
    .option('-t, --timeout <secs>', 'seconds to wait before SIGKILL')
    .action(async (opts) => on((c) => c.cmdComposeDown(g(), opts))());
  verb('ps', "list the project's containers")
    .option('-a, --all', 'also stopped ones')
    .option('-q, --quiet', 'only the IDs')
    .option('--services', 'only the service names')
    .option('--format <format>', 'table, json or a Go template')
    .argument(services)
    .action(async (names, opts) => on((c) => c.cmdComposePs(g(), names, opts))());
  verb('logs', "the services' output, each line after its container's name")
    .option('-f, --follow', 'keep printing, until the containers end')
    .option('-n, --tail <n>', 'only the last N lines of each')
    .option('-t, --timestamps', 'show when each line was written')
    .option('--no-log-prefix', 'no name in front of the lines')
    .argument(services)
    .action(async (names, opts) => on((c) => c.cmdComposeLogs(g(), names, opts))());
  verb('exec', "run a command in a service's running container")
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', collect)
    .option('-w, --workdir <dir>', 'working directory')
    .option('-u, --user <user>', 'user to run as')
    .option('-T, --no-TTY', 'no terminal (the default here: glassbox gives one only with -t)')
    .option('-t, --tty', 'give the command a terminal')
    .argument('<service>')
    .argument('<command...>')
    .passThroughOptions()
    .action(async (service, command, opts) => on((c) => c.cmdComposeExec(g(), service, command, opts, global()))());
  verb('run', 'run a one-off command in a new container of a service (its dependencies started first)')
    .option('--rm', 'remove the container when it ends')
    .option('-d, --detach', 'run it in the background and print its name')
    .option('--no-deps', 'do not start the services it depends on')
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', collect)
    .option('-w, --workdir <dir>', 'working directory')
    .option('-u, --user <user>', 'user to run as')
    .option('--entrypoint <cmd>', "replace the image's entrypoint")
    .option('--name <name>', 'name the container')
    .option('-P, --service-ports', "publish the service's ports (not done by default, as in docker compose)")
    .option('-T, --no-TTY', 'no terminal (the default here)')
    .addOption(new Option('--pull <policy>', 'pull images: missing (default), always, never').choices(['missing', 'always', 'never']))
    .argument('<service>')
    .argument('[command...]')
    .passThroughOptions()
    .action(async (service, command, opts) => on((c) => c.cmdComposeRun(g(), service, command, { ...opts, noDeps: opts.deps === false }, global()))());
  verb('start', "start the services' existing containers")
    .argument(services)
    .action(async (names) => on((c) => c.cmdComposeStart(g(), names, global()))());
  verb('stop', "stop the services' containers (they are kept)")
    .option('-t, --timeout <secs>', 'seconds to wait before SIGKILL')
    .argument(services)
    .action(async (names, opts) => on((c) => c.cmdComposeStop(g(), names, opts))());
  verb('restart', "restart the services' containers")
    .option('-t, --timeout <secs>', 'seconds to wait before SIGKILL')
    .argument(services)
    .action(async (names, opts) => on((c) => c.cmdComposeEach(g(), 'restart', names, opts, global()))());
  verb('kill', "send a signal to the services' containers (default SIGKILL)")
    .option('-s, --signal <signal>', 'signal name or number', 'KILL')
    .argument(services)
    .action(async (names, opts) => on((c) => c.cmdComposeEach(g(), 'kill', names, opts, global()))());
  for (const p of ['pause', 'unpause'] as const) {
    verb(p, `${p} the services' containers`)
      .argument(services)
      .action(async (names) => on((c) => c.cmdComposeEach(g(), p, names, {}, global()))());
  }
  verb('rm', "remove the services' stopped containers")
    .option('-f, --force', 'do not ask (glassbox never asks)')
    .option('-s, --stop', 'stop running containers first')
    .option('-v, --volumes', 'remove their anonymous volumes too')
    .argument(services)
    .action(async (names, opts) => on((c) => c.cmdComposeRm(g(), names, opts))());
  verb('top', "the processes of the services' containers")
    .argument(services)
    .action(async (names) => on((c) => c.cmdComposeTop(g(), names))());
  verb('port', 'the host address a service port is published on')
    .addOption(new Option('--protocol <proto>', 'tcp or udp').choices(['tcp', 'udp']).default('tcp'))
    .argument('<service>')
    .argument('<private_port>')
    .action(async (service, port, opts) => on((c) => c.cmdComposePort(g(), service, port, opts))());
  verb('images', "the images the project's containers run")
    .option('-q, --quiet', 'only the image references')
    .option('--format <format>', 'table, json or a Go template')
    .argument(services)
    .action(async (names, opts) => on((c) => c.cmdComposeImages(g(), names, opts))());
  verb('config', 'the merged, interpolated project as YAML (what up will run)')
    .option('--services', 'only the service names, in start order')
    .option('--volumes', 'only the volume names')
    .option('--networks', 'only the network names')
    .option('-q, --quiet', 'only check the files')
    .action(async (opts) => on((c) => c.cmdComposeConfig(g(), opts))());
  verb('build', "build the images of the services that have build: (their Dockerfiles, glassbox build's builder)")
    .option('--no-cache', 'run every step again, ignoring the layer cache')
    .option('-q, --quiet', 'no build output')
    .addOption(new Option('--pull <policy>', 'pull FROM images: missing (default), never').choices(['missing', 'never']))
    .argument(services)
    .action(async (names, opts) => on((c) => c.cmdComposeBuild(g(), names, opts, global()))());
  verb('plan', 'print the plan of every service: the commands up runs, in start order (nothing is run)')
    .addOption(new Option('--format <format>', 'sh or json').choices(['sh', 'json']).default('sh'))
    .option('--brief', 'one line per step')
    .argument(services)
    .action(async (names, opts) => on((c) => c.cmdComposePlan(g(), names, opts, global()))());
  verb('script', 'write up.sh and down.sh that bring the whole project up and down with plain sh')
    .requiredOption('-o, --output <dir>', 'directory to write the scripts to')
    .argument(services)
    .action(async (names, opts) => on((c) => c.cmdComposeScript(g(), names, opts, global()))());
  verb('learn', "learn mode through the project's up: each service's commands one at a time, explained, run on Enter")
    .addOption(new Option('--lang <lang>', 'language of the explanations (default: from LANG)').choices(['en', 'zh']))
    .option('-y, --yes', 'run every step without asking (for demos and CI)')
    .option('--list', 'list the steps of every service and exit')
    .addOption(new Option('--format <format>', 'text, or json: one JSON object per line on stdout').choices(['text', 'json']).default('text'))
    .addOption(new Option('--pull <policy>', 'pull images: missing (default), always, never').choices(['missing', 'always', 'never']))
    .argument(services)
    .action(async (names, opts) => on((c) => c.cmdComposeLearn(g(), names, opts, global()))());
  for (const c of [compose, ...compose.commands]) c.helpOption('--help', 'show help').exitOverride();
  return compose;
}
