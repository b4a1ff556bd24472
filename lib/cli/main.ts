// glassbox's command line. Commander parses; the commands live in their own modules; every error becomes one
// clear line on stderr and docker's exit code (125 when glassbox itself failed). Help is --help only, because -h
// is docker's --hostname.

import { Command, CommanderError, Option } from 'commander';
import type { Lang } from '../plan/types.ts';
import { registerImageCommands } from './image-commands.ts';
import { registerLearn } from './learn-command.ts';
import { registerCompose } from './compose-command.ts';
import { registerKube } from './kube-command.ts';
import { VERSION } from '../version.ts';
import type * as VerbsModule from './verbs.ts';

// Start-up stays small: this module imports only commander and the wiring. The code behind the verbs (and the
// printing of errors, with chalk) is one module, loaded when a command runs; `--version`, `--help` and usage
// errors never load it. test/unit/imports.test.ts keeps it that way.
type Verbs = typeof VerbsModule;
let loaded: Verbs | undefined;
const verbs = async (): Promise<Verbs> => (loaded ??= await import('./verbs.ts'));

const collect = (v: string, prev: string[] = []) => [...prev, v];

// Gives a command the global options it lacks, so `glassbox plan --lang zh recipes/hello.yaml` works as
// `glassbox --lang zh plan recipes/hello.yaml` does.
function addGlobalOptions(cmd: Command): void {
  const has = (flag: string) => cmd.options.some((o) => o.long === flag);
  if (!has('--verbose')) cmd.option('--verbose', 'print every command glassbox runs, with its duration');
  if (!has('--no-color')) cmd.option('--no-color', 'no colours in output');
  if (!has('--lang')) cmd.option('--lang <en|zh>', 'language of explanations (default from LANG)');
}

/** Every command the program has at its top level (`help` is commander's own). */
export const VERBS = [
  'run', 'plan', 'script', 'ps', 'logs', 'stop', 'kill', 'rm', 'restart', 'exec', 'inspect', 'gc', 'stats', 'doctor', 'image', 'images',
    'network', 'volume', 'port', 'pull', 'push', 'login', 'logout', 'tag', 'rmi', 'commit', 'export', 'save', 'learn', 'lessons',
    'create', 'start', 'wait', 'rename', 'pause', 'unpause', 'top', 'cp', 'system', 'info', 'version', 'compose', 'build',
    'bundle',
    'kube',
] as const;

// The verb a command line runs, when that is all the program needs to know: the first word after the program's
// own options. undefined (every command is added) for help, a misspelt verb, or no verb at all, so help and
// commander's "did you mean" see them all; `--version` and `--help` before any verb need none of them.
export function verbOf(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--verbose' || a === '--no-color' || a === '--rootless' || a.startsWith('--lang=')) continue;
    if (a === '--lang') {
      i++;
      continue;
    }
    if (a === '--version') return i === args.length - 1 ? '' : undefined;
    return (VERBS as readonly string[]).includes(a) ? a : undefined;
  }
  return undefined;
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
    .option('-v, --volume <src:dst[:ro]>', 'bind-mount a host directory (/src), or mount a named volume (NAME: created on first use) or an anonymous one (dst alone) (repeatable)', collect)
    .option('--mount <type=…,src=…,dst=…>', 'docker\'s long form: type=bind|volume|tmpfs, source, target, readonly, volume-nocopy, tmpfs-size, tmpfs-mode, bind-propagation (repeatable)', collect)
    .option('--volumes-from <container[:ro|rw]>', "mount another container's volumes and binds at the same paths (repeatable)", collect)
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
    .option('--network-alias <name>', 'another name this container answers to on its network (repeatable; named networks only)', collect)
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
    .option('-l, --label <KEY=VALUE>', 'set a label on the container (repeatable; over the image\'s labels)', collect)
    .option('--label-file <file>', 'read KEY=VALUE label lines from a file (repeatable)', collect)
    .option('--privileged', 'turn off the protections: all capabilities, no seccomp, no masked paths, /sys writable, every device')
    .option('--restart <policy>', 'with -d: no, on-failure[:MAX], always or unless-stopped; the monitor starts the container again when it ends')
    .option('--health-cmd <command>', 'a shell command the monitor runs in the container to check its health (with -d)')
    .option('--health-interval <duration>', 'time between health checks, like 30s or 1m30s (default 30s)')
    .option('--health-timeout <duration>', 'time one health check may take (default 30s)')
    .option('--health-retries <n>', 'failed checks in a row before the container is unhealthy (default 3)')
    .option('--health-start-period <duration>', 'failed checks in this time after the start do not count (default 0s)')
    .option('--health-start-interval <duration>', 'time between checks while it is still starting within the start period (default 5s)')
    .option('--no-healthcheck', "no health check (also none of the image's)")
    .option('--stop-signal <signal>', 'the signal stop sends first (default SIGTERM, or the image\'s StopSignal)')
    .option('--stop-timeout <secs>', 'seconds stop waits before SIGKILL (default 10)')
    .option('--log-opt <key=value>', 'log rotation by the monitor: max-size=10m, max-file=3 (repeatable)', collect)
    .option('--ulimit <name=soft[:hard]>', 'a resource limit, like nofile=1024:2048 (repeatable; set with prlimit)', collect)
    .option('--device <host[:container[:rwm]]>', "give the container a host device, like /dev/fuse (repeatable)", collect)
    .option('--sysctl <key=value>', 'a namespaced kernel parameter docker allows: kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, net.* (repeatable)', collect)
    .option('--shm-size <size>', 'size of /dev/shm (default 64m)')
    .option('--pull <policy>', 'missing (default: pull an image the store lacks), always, or never')
    .option('--cidfile <file>', "write the container's ID to this file (refused if it exists)")
    .argument('<image|recipe.yaml>', 'an image from the store, a root directory, or a recipe file')
    .argument('[command...]', 'the command and its arguments')
    .passThroughOptions();
}

// Builds the program; kept separate so tests can parse without running. With `only` (see verbOf), just that
// command is added: building all of them is most of commander's share of the start-up.
export function buildProgram(exit: (code: number) => void, only?: string): Command {
  const want = (name: string) => only === undefined || only === name;
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
  const options = () => ({ ...program.opts<{ verbose?: boolean; color?: boolean; lang?: string }>(), ...after });
  const global = () => {
    const o = options();
    return { verbose: o.verbose, lang: lang(o) };
  };
  // The verbs' code, with the colour set as the options say.
  const ready = async () => {
    const v = await verbs();
    v.setColour(options().color !== false);
    return v;
  };
  // Every command: --verbose prints each command it runs (stop's kill, exec's nsenter, gc's umount…).
  const run = (fn: (v: Verbs) => Promise<number>) => async () => {
    const v = await ready();
    v.enableTrace(global().verbose);
    exit(await fn(v).catch(v.reportError));
  };
  const add = (name: string) => (want(name) ? program.command(name) : undefined);

  for (const verb of ['run', 'plan', 'script'] as const) {
    const cmd = add(verb);
    if (!cmd) continue;
    if (verb === 'run') runFlags(cmd.description('run a command in a new container (foreground, or -d in the background)').option('-d, --detach', 'run in the background and print the container ID'));
    if (verb === 'plan') {
      runFlags(cmd.description('print the plan: every command run would execute, explained'))
        .addOption(new Option('--format <format>', 'sh or json').choices(['sh', 'json']).default('sh'))
        .option('--brief', 'one line per step: its number, title and command (with --format json: the compact form)')
        .option('--monitor', 'print the monitor script run -d would start (its restarts, health checks, log rotation)');
    }
    if (verb === 'script') runFlags(cmd.description('write up.sh and down.sh that do what run does, with plain sh')).requiredOption('-o, --output <dir>', 'directory to write the scripts to');
    const action = ({ run: 'cmdRun', plan: 'cmdPlan', script: 'cmdScript' } as const)[verb];
    cmd.action(async (target, command, flags) => run(async (v) => (v.refuseTrailingGlobal(verb, target, command), v[action](target, command, flags, global())))());
  }
  const bundle = add('bundle');
  if (bundle) {
    runFlags(bundle.description('write an OCI runtime bundle (rootfs and config.json) that runc, crun or containerd run as glassbox run would'))
      .option('-o, --output <dir>', 'the bundle directory (new, or empty)')
      .action(async (target, command, flags) => run(async (v) => (v.refuseTrailingGlobal('bundle', target, command), v.cmdBundle(target, command, flags, global())))());
  }
  add('ps')
    ?.description('list containers (running ones; -a for all)')
    .option('-a, --all', 'show all containers, also exited and dead ones')
    .option('-q, --quiet', 'print only the IDs')
    .option('--format <format>', "table, json (one object per line, docker's fields) or a Go template: 'table {{.Names}}\\t{{.Status}}'")
    .option('-f, --filter <key=value>', 'label=K[=V], name=, status=, health=, ancestor=, id=, network=, volume=, exited= (repeatable)', collect)
    .option('--no-trunc', 'full IDs and commands')
    .option('-n, --last <n>', 'the N most recently created containers (all states)')
    .option('-l, --latest', 'the most recently created container (all states)')
    .action(async (opts) => run((v) => v.cmdPs({ ...opts, noTrunc: opts.trunc === false }))());
  add('logs')
    ?.description("print a detached container's output (stdout and stderr)")
    .option('-f, --follow', 'keep printing what it writes, until it ends')
    .option('-n, --tail <n>', 'only the last N lines of each stream ("all" by default)')
    .option('-t, --timestamps', 'show the time (UTC) each line was written')
    .argument('<container>', 'name, ID or ID prefix')
    .action(async (ref, opts) => run((v) => v.cmdLogs(ref, opts))());
  add('stop')
    ?.description('stop running containers: SIGTERM to PID 1, then SIGKILL after the grace period')
    .option('-t, --time <secs>', 'seconds to wait before SIGKILL', '10')
    .argument('<container...>', 'names, IDs or ID prefixes')
    .action(async (refs, opts) => run((v) => v.cmdStop(refs, opts))());
  add('kill')
    ?.description("send a signal to containers' PID 1 (default SIGKILL)")
    .option('-s, --signal <signal>', 'signal name or number', 'KILL')
    .argument('<container...>', 'names, IDs or ID prefixes')
    .action(async (refs, opts) => run((v) => v.cmdKill(refs, opts))());
  add('rm')
    ?.description('remove containers (a running one only with -f)')
    .option('-f, --force', 'kill a running container first')
    .option('-v, --volumes', 'remove the anonymous volumes the containers made, too')
    .argument('<container...>', 'names, IDs or ID prefixes')
    .action(async (refs, opts) => run((v) => v.cmdRm(refs, opts))());
  add('restart')
    ?.description('stop detached containers (like stop) and start them again: same ID, name, files and logs')
    .option('-t, --time <secs>', 'seconds to wait before SIGKILL', '10')
    .argument('<container...>', 'names, IDs or ID prefixes')
    .action(async (refs, opts) => run((v) => v.cmdRestart(refs, opts, global().lang))());
  add('exec')
    ?.description("run a command in a running container: its namespaces, root, user and cgroups")
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
    .action(async (ref, command, opts) => run((v) => v.cmdExec(ref, command, opts, global().lang))());
  add('inspect')
    ?.description('print containers as a JSON array: config, state, mounts, the host objects they own')
    .option('-f, --format <template>', "a Go template, like '{{.State.Pid}}' or '{{json .Config}}'; json for one line each")
    .argument('<container...>', 'names, IDs or ID prefixes')
    .action(async (refs, opts) => run((v) => v.cmdInspect(refs, opts))());
  add('gc')
    ?.description('finish the cleanup of containers whose glassbox or monitor was killed (never touches a live one)')
    .option('--restart', 'first start again the dead detached containers whose restart policy asks for it (host boot)')
    .action(async (opts) => run((v) => v.cmdGc(global(), opts))());
  add('stats')
    ?.description('live resource use of running containers: CPU %, memory used / limit, processes (like docker stats)')
    .option('--no-stream', 'print one reading and exit')
    .addOption(new Option('--format <format>', 'table or json (one line per container)').choices(['table', 'json']).default('table'))
    .action(async (opts) => run((v) => v.cmdStats(opts))());
  add('doctor')
    ?.description('check this host: kernel, cgroups, overlay, tools')
    .addOption(new Option('--format <format>', 'text or json').choices(['text', 'json']).default('text'))
    .action(async (opts) => run((v) => v.cmdDoctor(opts.format, global()))());
  const image = add('image')?.description('manage images');
  image
    ?.command('from-host')
    .description("build glassbox's base image from this host's programs (static busybox, or binaries and their libraries)")
    .option('--tag <name:tag>', 'tag for the image', 'glassbox/base:latest')
    .option('--no-busybox', "copy host programs and their libraries even when a static busybox is installed")
    .action(async (opts) => run((v) => v.cmdImageFromHost(opts.tag, global(), { busybox: opts.busybox }))());
  const ls = async (opts: { format?: string; filter?: string[] }) => run((v) => v.cmdImages(opts.format ?? 'table', opts.filter))();
  const lsFormat = '--format <format>';
  const lsFormatHelp = "table, json or a Go template ('{{.Repository}}:{{.Tag}}')";
  const lsFilter = ['-f, --filter <key=value>', 'reference=GLOB, label=K[=V], dangling=true|false (repeatable)'] as const;
  image?.command('ls').description('list images').option(lsFormat, lsFormatHelp).option(lsFilter[0], lsFilter[1], collect).action(ls);
  add('images')?.description('list images').option(lsFormat, lsFormatHelp).option(lsFilter[0], lsFilter[1], collect).action(ls);
  const network = add('network')?.description('manage networks: bridges with a subnet, NAT and published ports');
  network
    ?.command('create')
    .description('make a network (its bridge is created when a container first uses it)')
    .option('--subnet <cidr>', 'the subnet, like 10.10.0.0/24 (default: a free one)')
    .option('--gateway <ip>', "the bridge's address (default: the subnet's first)")
    .argument('<name>')
    .action(async (name, opts) => run((v) => v.cmdNetworkCreate(name, opts))());
  network
    ?.command('ls')
    .description('list networks')
    .addOption(new Option('--format <format>', 'table or json').choices(['table', 'json']).default('table'))
    .action(async (opts) => run((v) => v.cmdNetworkLs(opts))());
  network
    ?.command('inspect')
    .description('print networks as JSON: subnet, bridge, chains, containers')
    .argument('<name...>')
    .action(async (names) => run((v) => v.cmdNetworkInspect(names))());
  network
    ?.command('rm')
    .description('remove networks no container uses (their bridge and iptables chains too)')
    .argument('<name...>')
    .action(async (names) => run((v) => v.cmdNetworkRm(names))());
  const volume = add('volume')?.description('manage volumes: directories under GLASSBOX_ROOT/volumes that outlive containers');
  volume
    ?.command('create')
    .description('make a volume (run -v NAME:/path also makes one on first use)')
    .option('-l, --label <key=value>', 'set a label (repeatable)', collect)
    .option('-d, --driver <name>', 'volume driver (only local)', 'local')
    .argument('[name]', 'its name (default: 64 random hex digits)')
    .action(async (name, opts) => run((v) => v.cmdVolumeCreate(name, opts))());
  volume
    ?.command('ls')
    .alias('list')
    .description('list volumes')
    .option('-q, --quiet', 'print only the names')
    .option('-f, --filter <key=value>', 'name=, label=KEY[=VALUE], dangling=true|false, driver=local (repeatable)', collect)
    .addOption(new Option('--format <format>', 'table or json (one object per line)').choices(['table', 'json']).default('table'))
    .action(async (opts) => run((v) => v.cmdVolumeLs(opts))());
  volume
    ?.command('inspect')
    .description('print volumes as a JSON array: Name, Mountpoint, Driver, CreatedAt, Labels, Scope')
    .argument('<name...>')
    .action(async (names) => run((v) => v.cmdVolumeInspect(names))());
  volume
    ?.command('rm')
    .alias('remove')
    .description('remove volumes no container (running or stopped) uses')
    .option('-f, --force', 'a missing volume is no error (one in use is still refused)')
    .argument('<name...>')
    .action(async (names, opts) => run((v) => v.cmdVolumeRm(names, opts))());
  volume
    ?.command('prune')
    .description('remove the anonymous volumes no container uses (-a: every unused volume)')
    .option('-f, --force', 'do not ask for confirmation')
    .option('-a, --all', 'all unused volumes, not only anonymous ones')
    .option('--filter <key=value>', 'label=KEY[=VALUE] (repeatable)', collect)
    .action(async (opts) => run((v) => v.cmdVolumePrune(opts))());
  add('port')
    ?.description("list a container's published ports")
    .argument('<container>', 'name, ID or ID prefix')
    .argument('[port]', 'only this container port (PORT[/PROTO])')
    .action(async (ref, port) => run((v) => v.cmdPort(ref, port))());
  // docker's everyday verbs (lib/cli/everyday.ts).
  const create = add('create');
  if (create) {
    runFlags(create.description('create a container (recorded, state created) without starting it; start runs it'));
    create.action(async (target, command, flags) => run(async (v) => (v.refuseTrailingGlobal('create', target, command), v.cmdCreate(target, command, flags, global())))());
  }
  add('start')
    ?.description('start created or stopped containers (in the background, under their monitor)')
    .option('-a, --attach', "print the container's output until it ends, and exit with its code")
    .argument('<container...>', 'names, IDs or ID prefixes')
    .action(async (refs, opts) => run((v) => v.cmdStart(refs, opts, global()))());
  add('wait')
    ?.description('wait until containers stop, then print their exit codes')
    .argument('<container...>', 'names, IDs or ID prefixes')
    .action(async (refs) => run((v) => v.cmdWait(refs))());
  add('rename')
    ?.description('rename a container')
    .argument('<container>', 'name, ID or ID prefix')
    .argument('<new-name>')
    .action(async (ref, name) => run((v) => v.cmdRename(ref, name))());
  for (const verb of ['pause', 'unpause'] as const) {
    add(verb)
      ?.description(verb === 'pause' ? "freeze every process of containers (the cgroup freezer)" : 'thaw paused containers')
      .argument('<container...>', 'names, IDs or ID prefixes')
      .action(async (refs) => run((v) => v.cmdPause(refs, verb === 'pause', global()))());
  }
  add('top')
    ?.description("a container's processes, as the host's ps shows them (ps options after the name; default -ef)")
    .argument('<container>', 'name, ID or ID prefix')
    .argument('[ps-options...]', "ps's options, like -o pid,cmd")
    .passThroughOptions()
    .action(async (ref, psArgs) => run((v) => v.cmdTop(ref, psArgs, global()))());
  add('cp')
    ?.description('copy files between a container and the host: CONTAINER:SRC DEST or SRC CONTAINER:DEST (- is a tar stream)')
    .argument('<from>', 'CONTAINER:SRC_PATH, a host path, or - (a tar on stdin)')
    .argument('<to>', 'a host path, CONTAINER:DEST_PATH, or - (a tar on stdout)')
    .action(async (from, to) => run((v) => v.cmdCp(from, to, global()))());
  const system = add('system')?.description('disk use, cleanup and information for the whole store');
  system
    ?.command('df')
    .description('disk use of images, containers and volumes')
    .option('--format <format>', 'table, json or a Go template')
    .action(async (opts) => run((v) => v.cmdSystemDf(opts))());
  system
    ?.command('prune')
    .description('remove stopped containers, dangling images and unused layers (-a: every unused image; --volumes: unused volumes)')
    .option('-f, --force', 'do not ask for confirmation')
    .option('-a, --all', 'remove every image no container uses, not only untagged ones')
    .option('--volumes', 'remove volumes no container uses too')
    .action(async (opts) => run((v) => v.cmdSystemPrune(opts, global()))());
  system
    ?.command('info')
    .description('the host and the store (like docker info)')
    .option('-f, --format <format>', 'json or a Go template')
    .action(async (opts) => run((v) => v.cmdInfo(opts))());
  add('info')
    ?.description('the host and the store (like docker info)')
    .option('-f, --format <format>', 'json or a Go template')
    .action(async (opts) => run((v) => v.cmdInfo(opts))());
  add('version')
    ?.description("glassbox's version (like docker version)")
    .option('-f, --format <format>', 'json or a Go template')
    .action(async (opts) => run((v) => v.cmdVersion(opts))());
  registerImageCommands(program, image, want, global, run);
  registerLearn(program, want, global, ready);
  const compose = registerCompose(program, want, global, run);
  const kube = registerKube(program, want, global, run);
  for (const c of [...program.commands, ...(image?.commands ?? []), ...(network?.commands ?? []), ...(volume?.commands ?? []), ...(system?.commands ?? []), ...(compose?.commands ?? []), ...(kube?.commands ?? [])]) {
    c.helpOption('--help', 'show help').exitOverride();
    addGlobalOptions(c);
  }
  return program;
}

// An error thrown outside every command's promise (in an event handler) is reported the same way, no stack.
const crashed = (e: Error) => {
  if (loaded) process.exit(loaded.reportError(e));
  verbs().then((v) => process.exit(v.reportError(e)), () => process.exit(125));
};

// Entry point: parse and run; commander's own errors are usage errors (125), help and version are 0.
export async function main(argv: string[]): Promise<void> {
  let code: number | undefined;
  if (!process.listeners('uncaughtException').includes(crashed)) process.on('uncaughtException', crashed);
  // Rootless: this glassbox runs itself again inside a user namespace of its own (lib/rootless). Root's runs skip
  // loading that code at all, and so do --help and --version (which maybeRunRootless leaves to this process).
  if ((process.geteuid?.() !== 0 || argv.includes('--rootless')) && !argv.includes('--help') && !argv.includes('--version')) {
    const v = await verbs();
    try {
      code = await v.maybeRunRootless(argv);
    } catch (e) {
      code = v.reportError(e);
    }
  }
  if (code !== undefined) {
    process.exitCode = code;
    return;
  }
  const program = buildProgram((c) => (code = c), verbOf(argv.slice(2)));
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(e.code);
      code = ok ? 0 : 125;
    } else code = (await verbs()).reportError(e);
  }
  process.exitCode = code ?? 0;
}
