// glassbox's command line. Commander parses; the commands live in their own modules; every error becomes one
// clear line on stderr and docker's exit code (125 when glassbox itself failed). Help is --help only, because -h
// is docker's --hostname.

import { Command, CommanderError, Option } from 'commander';
import { GlassboxError } from '../errors.ts';
import type { Lang } from '../plan/types.ts';
import { registerImageCommands } from './image-commands.ts';
import { registerLearn } from './learn-command.ts';
import { enableTrace, reportError, setColour } from './output.ts';
import { VERSION } from '../version.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The global options, also accepted after the verb (before the image or recipe), like docker's. */
const GLOBAL_FLAGS = ['--verbose', '--no-color', '--lang'];

// Gives a command the global options it lacks, so `glassbox plan --lang zh recipes/hello.yaml` works as
// `glassbox --lang zh plan recipes/hello.yaml` does.
function addGlobalOptions(cmd: Command): void {
  const has = (flag: string) => cmd.options.some((o) => o.long === flag);
  if (!has('--verbose')) cmd.option('--verbose', 'print every command glassbox runs, with its duration');
  if (!has('--no-color')) cmd.option('--no-color', 'no colours in output');
  if (!has('--lang')) cmd.option('--lang <en|zh>', 'language of explanations (default from LANG)');
}

// After a recipe, a global option would silently become the container's command: refuse it with the fix.
function refuseTrailingGlobal(verb: string, target: string, command: string[]): void {
  const first = command[0]?.split('=')[0];
  if (!first || !GLOBAL_FLAGS.includes(first) || !/\.ya?ml$/.test(target)) return;
  const opt = command.slice(0, first === '--lang' && !command[0]!.includes('=') ? 2 : 1).join(' ');
  throw new GlassboxError(`${first} after ${target} would become the container's command`, { hint: `put it before the recipe: glassbox ${verb} ${opt} ${target}` });
}

function lang(opts: { lang?: string }): Lang {
  const l = opts.lang ?? process.env.GLASSBOX_LANG ?? process.env.LC_ALL ?? process.env.LANG ?? '';
  return l.startsWith('zh') ? 'zh' : 'en';
}

// The flags `run`, `plan` and `script` share: docker's names for what glassbox has so far.
function runFlags(cmd: Command): Command {
  return cmd
    .option('--name <name>', 'name the container')
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', collect)
    .option('--env-file <file>', 'read KEY=VALUE lines from a file (repeatable)', collect)
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-u, --user <user[:group]>', 'user to run as (name or UID, from the image)')
    .option('-h, --hostname <name>', 'host name of the container')
    .option('-v, --volume <src:dst[:ro]>', 'bind-mount a host directory (repeatable)', collect)
    .option('--tmpfs <dst[:size=64m,mode=1777]>', 'mount a tmpfs (repeatable)', collect)
    .option('--read-only', 'mount the root file system read-only')
    .option('--init', 'run a small init as PID 1 (tini or catatonit): it reaps zombies and forwards signals')
    .option('-i, --interactive', "keep the container's standard input open (without it, stdin is /dev/null)")
    .option('-t, --tty', 'give the container a terminal of its own (a pseudo-terminal)')
    .option('--entrypoint <cmd>', "override the image's entrypoint")
    .option('--rm', 'remove the container when it exits (foreground runs always do; with -d its monitor does)')
    .option('--network <mode>', 'none (the default: only lo), host, bridge, container:NAME, or a network made with glassbox network create')
    .option('-p, --publish <[ip:]host:container[/proto]>', 'publish a container port on the host (repeatable; implies bridge)', collect)
    .option('--ip <address>', 'ask for this address on the network')
    .option('--dns <address>', 'a name server for /etc/resolv.conf (repeatable)', collect)
    .option('--add-host <host:ip>', 'add a line to /etc/hosts (repeatable)', collect)
    .option('-m, --memory <size>', 'memory limit, like 64m (binary units: 64m = 64 MiB)')
    .option('--memory-swap <size>', 'memory plus swap limit; -1 for unlimited swap (default: twice --memory)')
    .option('--cpus <number>', 'CPU time, in CPUs: 0.5 is half of one CPU')
    .option('-c, --cpu-shares <weight>', 'relative CPU weight under contention (default 1024)')
    .option('--cpuset-cpus <list>', 'CPUs the container may run on, like 0-1,3')
    .option('--pids-limit <n>', 'the most processes the container may hold at once (default 2048)')
    .option('--cap-add <cap>', 'add a capability to docker\'s default 14, or ALL (repeatable)', collect)
    .option('--cap-drop <cap>', 'drop a capability, or ALL (repeatable)', collect)
    .option('--security-opt <opt>', 'no-new-privileges[=true|false], seccomp=unconfined (repeatable)', collect)
    .option('--privileged', 'turn off the protections: all capabilities, no seccomp, no masked paths, /sys writable, every device')
    .argument('<image|recipe.yaml>', 'an image from the store, a root directory, or a recipe file')
    .argument('[command...]', 'the command and its arguments')
    .passThroughOptions();
}

// Builds the program; kept separate so tests can parse without running.
export function buildProgram(exit: (code: number) => void): Command {
  const program = new Command('glassbox')
    .description('containers made of plain commands you can read, copy and run by hand')
    .version(VERSION, '--version', 'print the version')
    .helpOption('--help', 'show help')
    .option('--verbose', 'print every command glassbox runs, with its duration')
    .option('--no-color', 'no colours in output')
    .option('--lang <en|zh>', 'language of explanations (default from LANG)')
    .option('--rootless', 'run as root of a user namespace of your own (automatic when not root; see glassbox doctor)')
    .enablePositionalOptions()
    .exitOverride()
    // Usage errors read like every other error: `glassbox: unknown option '--foo'`, exit 125.
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s, write) => write(`glassbox: ${s.replace(/^error: /, '')}`) });
  // The options given after the verb win over the same ones given before it.
  let after: { verbose?: boolean; color?: boolean; lang?: string } = {};
  program.hook('preAction', (_program, action) => {
    for (let c: Command | null = action; c && c !== program; c = c.parent) {
      for (const key of ['verbose', 'color', 'lang'] as const) {
        if (c.getOptionValueSource(key) === 'cli' && !(key in after)) after = { ...after, [key]: c.getOptionValue(key) };
      }
    }
  });
  const global = () => {
    const o = { ...program.opts<{ verbose?: boolean; color?: boolean; lang?: string }>(), ...after };
    setColour(o.color !== false);
    return { verbose: o.verbose, lang: lang(o) };
  };
  // Every command: --verbose prints each command it runs (stop's kill, exec's nsenter, gc's umount…).
  const run = (fn: () => Promise<number>) => async () => {
    enableTrace(global().verbose);
    exit(await fn().catch(reportError));
  };

  runFlags(program.command('run').description('run a command in a new container (foreground, or -d in the background)').option('-d, --detach', 'run in the background and print the container ID')).action(async (target, command, flags) => {
    const { cmdRun } = await import('./container.ts');
    await run(async () => (refuseTrailingGlobal('run', target, command), cmdRun(target, command, flags, global())))();
  });
  runFlags(program.command('plan').description('print the plan: every command run would execute, explained'))
    .addOption(new Option('--format <format>', 'sh or json').choices(['sh', 'json']).default('sh'))
    .option('--brief', 'one line per step: its number, title and command (with --format json: the compact form)')
    .action(async (target, command, flags) => {
      const { cmdPlan } = await import('./container.ts');
      await run(async () => (refuseTrailingGlobal('plan', target, command), cmdPlan(target, command, flags, global())))();
    });
  runFlags(program.command('script').description('write up.sh and down.sh that do what run does, with plain sh'))
    .requiredOption('-o, --output <dir>', 'directory to write the scripts to')
    .action(async (target, command, flags) => {
      const { cmdScript } = await import('./container.ts');
      await run(async () => (refuseTrailingGlobal('script', target, command), cmdScript(target, command, flags, global())))();
    });
  const life = async () => import('./lifecycle.ts');
  program
    .command('ps')
    .description('list containers (running ones; -a for all)')
    .option('-a, --all', 'show all containers, also exited and dead ones')
    .option('-q, --quiet', 'print only the IDs')
    .addOption(new Option('--format <format>', 'table or json (one object per line)').choices(['table', 'json']).default('table'))
    .action(async (opts) => run(async () => (await life()).cmdPs(opts))());
  program
    .command('logs')
    .description("print a detached container's output (stdout and stderr)")
    .option('-f, --follow', 'keep printing what it writes, until it ends')
    .option('-n, --tail <n>', 'only the last N lines of each stream ("all" by default)')
    .option('-t, --timestamps', 'show the time (UTC) each line was written')
    .argument('<container>', 'name, ID or ID prefix')
    .action(async (ref, opts) => run(async () => (await life()).cmdLogs(ref, opts))());
  program
    .command('stop')
    .description('stop running containers: SIGTERM to PID 1, then SIGKILL after the grace period')
    .option('-t, --time <secs>', 'seconds to wait before SIGKILL', '10')
    .argument('<container...>', 'names, IDs or ID prefixes')
    .action(async (refs, opts) => run(async () => (await life()).cmdStop(refs, opts))());
  program
    .command('kill')
    .description("send a signal to containers' PID 1 (default SIGKILL)")
    .option('-s, --signal <signal>', 'signal name or number', 'KILL')
    .argument('<container...>', 'names, IDs or ID prefixes')
    .action(async (refs, opts) => run(async () => (await life()).cmdKill(refs, opts))());
  program
    .command('rm')
    .description('remove containers (a running one only with -f)')
    .option('-f, --force', 'kill a running container first')
    .argument('<container...>', 'names, IDs or ID prefixes')
    .action(async (refs, opts) => run(async () => (await life()).cmdRm(refs, opts))());
  program
    .command('restart')
    .description('stop detached containers (like stop) and start them again: same ID, name, files and logs')
    .option('-t, --time <secs>', 'seconds to wait before SIGKILL', '10')
    .argument('<container...>', 'names, IDs or ID prefixes')
    .action(async (refs, opts) => run(async () => (await life()).cmdRestart(refs, opts, global().lang))());
  program
    .command('exec')
    .description("run a command in a running container: its namespaces, root, user and cgroups")
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', collect)
    .option('-w, --workdir <dir>', 'working directory inside the container (default: PID 1\'s)')
    .option('-u, --user <user[:group]>', 'user to run as (default: the container\'s)')
    .option('-i, --interactive', 'keep standard input open (without it, stdin is /dev/null)')
    .option('-t, --tty', 'give the command a terminal of its own (a pseudo-terminal)')
    .option('--plan', 'print the steps exec would run (an annotated script) and run nothing')
    .addOption(new Option('--format <format>', 'with --plan: sh or json').choices(['sh', 'json']))
    .argument('<container>', 'name, ID or ID prefix')
    .argument('<command...>', 'the command and its arguments')
    .passThroughOptions()
    .action(async (ref, command, opts) => run(async () => (await life()).cmdExec(ref, command, opts, global().lang))());
  program
    .command('inspect')
    .description('print containers as a JSON array: config, state, mounts, the host objects they own')
    .argument('<container...>', 'names, IDs or ID prefixes')
    .action(async (refs) => run(async () => (await life()).cmdInspect(refs))());
  program
    .command('gc')
    .description('finish the cleanup of containers whose glassbox or monitor was killed (never touches a live one)')
    .action(async () => {
      const { cmdGc } = await import('./misc.ts');
      await run(() => cmdGc(global()))();
    });
  program
    .command('stats')
    .description('live resource use of running containers: CPU %, memory used / limit, processes (like docker stats)')
    .option('--no-stream', 'print one reading and exit')
    .addOption(new Option('--format <format>', 'table or json (one line per container)').choices(['table', 'json']).default('table'))
    .action(async (opts) => {
      const { cmdStats } = await import('./misc.ts');
      await run(() => cmdStats(opts))();
    });
  program
    .command('doctor')
    .description('check this host: kernel, cgroups, overlay, tools')
    .addOption(new Option('--format <format>', 'text or json').choices(['text', 'json']).default('text'))
    .action(async (opts) => {
      const { cmdDoctor } = await import('./misc.ts');
      await run(() => cmdDoctor(opts.format, global()))();
    });
  const image = program.command('image').description('manage images');
  image
    .command('from-host')
    .description("build glassbox's base image from this host's programs (static busybox, or binaries and their libraries)")
    .option('--tag <name:tag>', 'tag for the image', 'glassbox/base:latest')
    .option('--no-busybox', "copy host programs and their libraries even when a static busybox is installed")
    .action(async (opts) => {
      const { cmdImageFromHost } = await import('./misc.ts');
      await run(() => cmdImageFromHost(opts.tag, global(), { busybox: opts.busybox }))();
    });
  const ls = async (opts: { format?: string }) => {
    const { cmdImages } = await import('./misc.ts');
    await run(() => cmdImages(opts.format ?? 'table'))();
  };
  image.command('ls').description('list images').addOption(new Option('--format <format>').choices(['table', 'json'])).action(ls);
  program.command('images').description('list images').addOption(new Option('--format <format>').choices(['table', 'json'])).action(ls);
  const net = async () => import('./network.ts');
  const network = program.command('network').description('manage networks: bridges with a subnet, NAT and published ports');
  network
    .command('create')
    .description('make a network (its bridge is created when a container first uses it)')
    .option('--subnet <cidr>', 'the subnet, like 10.10.0.0/24 (default: a free one)')
    .option('--gateway <ip>', "the bridge's address (default: the subnet's first)")
    .argument('<name>')
    .action(async (name, opts) => run(async () => (await net()).cmdNetworkCreate(name, opts))());
  network
    .command('ls')
    .description('list networks')
    .addOption(new Option('--format <format>', 'table or json').choices(['table', 'json']).default('table'))
    .action(async (opts) => run(async () => (await net()).cmdNetworkLs(opts))());
  network
    .command('inspect')
    .description('print networks as JSON: subnet, bridge, chains, containers')
    .argument('<name...>')
    .action(async (names) => run(async () => (await net()).cmdNetworkInspect(names))());
  network
    .command('rm')
    .description('remove networks no container uses (their bridge and iptables chains too)')
    .argument('<name...>')
    .action(async (names) => run(async () => (await net()).cmdNetworkRm(names))());
  program
    .command('port')
    .description("list a container's published ports")
    .argument('<container>', 'name, ID or ID prefix')
    .argument('[port]', 'only this container port (PORT[/PROTO])')
    .action(async (ref, port) => run(async () => (await net()).cmdPort(ref, port))());
  registerImageCommands(program, image, global, run);
  registerLearn(program, global);
  for (const c of [...program.commands, ...image.commands, ...network.commands]) {
    c.helpOption('--help', 'show help').exitOverride();
    addGlobalOptions(c);
  }
  return program;
}

const crashed = (e: Error) => process.exit(reportError(e));

// Entry point: parse and run; commander's own errors are usage errors (125), help and version are 0.
export async function main(argv: string[]): Promise<void> {
  let code: number | undefined;
  // An error thrown outside every command's promise (in an event handler) is reported the same way, no stack.
  if (!process.listeners('uncaughtException').includes(crashed)) process.on('uncaughtException', crashed);
  // Rootless: this glassbox runs itself again inside a user namespace of its own (lib/rootless). Root's runs skip
  // loading that code at all.
  if (process.geteuid?.() !== 0 || argv.includes('--rootless')) {
    try {
      const { maybeRunRootless } = await import('../rootless/reexec.ts');
      code = await maybeRunRootless(argv);
    } catch (e) {
      code = reportError(e);
    }
  }
  if (code !== undefined) {
    process.exitCode = code;
    return;
  }
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(e.code);
      code = ok ? 0 : 125;
    } else code = reportError(e);
  }
  process.exitCode = code ?? 0;
}
