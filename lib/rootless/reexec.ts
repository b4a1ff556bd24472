// Rootless mode, the outer half: the ordinary user's glassbox runs itself again as root of a new user and mount
// namespace (the userns block: `unshare --user --map-root-user --mount --propagation private -- node glassbox …`)
// and passes the inner one's exit status on. Everything the container needs is made by the inner glassbox.

import { homedir } from 'node:os';
import { loadCatalog } from '../blocks/catalog.ts';
import { expandBlock } from '../blocks/expand.ts';
import { startCommand } from '../exec/spawn.ts';
import { catchSignals } from '../exec/signals.ts';
import { readState } from '../state/containers.ts';
import { resolveContainer } from '../state/lifecycle.ts';
import { allowedCpus, ensureOwnRoots, rootlessRoots, userNamespaceEnv, USERNS_ENV } from './mode.ts';

/** Commands that run on the host as they are, even when rootless: they make nothing and read the host. */
const OUTSIDE = new Set(['doctor', 'help']);

// The subcommand of a glassbox argv (the first word after the global options), and whether --rootless was given.
export function readGlobal(args: string[]): { command?: string; rootless: boolean } {
  let rootless = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--rootless') rootless = true;
    else if (a === '--lang') i++;
    else if (!a.startsWith('-')) return { command: a, rootless };
  }
  return { rootless };
}

// The argv that runs this glassbox again inside a new user namespace, or inside the namespaces of the process
// `target` (exec into a running container), from the userns block.
export async function userNamespaceArgv(argv: string[], target?: number, cpus = allowedCpus()): Promise<string[]> {
  const [step] = expandBlock(await loadCatalog(), {
    block: 'userns',
    as: 'userns',
    params: {
      command: [process.execPath, ...process.execArgv, ...argv.slice(1)],
      ...(target ? { target: String(target) } : cpus ? { cpu: cpus.first, cpus: cpus.list } : {}),
    },
  });
  return step!.argv!;
}

/** exec's options that take a value (the container is the first word after them). */
const EXEC_VALUE_FLAGS = new Set(['-e', '--env', '-w', '--workdir', '-u', '--user']);

// exec: the running container's monitor (or foreground owner), whose user and mount namespaces glassbox must join.
function execTarget(args: string[], roots: { root: string; run: string }): number | undefined {
  const at = args.indexOf('exec');
  let ref: string | undefined;
  for (let i = at + 1; i < args.length; i++) {
    const a = args[i]!;
    if (EXEC_VALUE_FLAGS.has(a)) i++;
    else if (!a.startsWith('-')) {
      ref = a;
      break;
    }
  }
  if (!ref) return undefined;
  try {
    const id = resolveContainer(roots, ref);
    const s = readState(roots, id) as { monitor?: { pid: number }; owner?: { pid: number } } | undefined;
    return s?.monitor?.pid ?? s?.owner?.pid;
  } catch {
    return undefined; // the inner glassbox reports it
  }
}

// Runs glassbox again inside its user namespace when the run is rootless; returns the exit status, or undefined
// when this process should go on itself (root without --rootless, already inside, or a command that stays out).
export async function maybeRunRootless(argv: string[], euid = process.geteuid?.() ?? 0): Promise<number | undefined> {
  if (process.env[USERNS_ENV] === '1') return undefined;
  const { command, rootless } = readGlobal(argv.slice(2));
  if (!(rootless || euid !== 0) || command === undefined || OUTSIDE.has(command) || argv.includes('--help') || argv.includes('--version')) return undefined;
  const roots = rootlessRoots(process.env, process.getuid?.() ?? 0, homedir());
  ensureOwnRoots(roots);
  const target = command === 'exec' ? execTarget(argv.slice(2), roots) : undefined;
  const cpus = allowedCpus();
  const child = await startCommand(await userNamespaceArgv(argv, target, cpus), { stdio: 'inherit', env: userNamespaceEnv(process.env, cpus?.first) });
  // Ctrl-C and friends (SIGINT, SIGQUIT) reach the inner glassbox from the terminal directly; the other signals
  // are passed on.
  const stopCatching = catchSignals((sig) => {
    if (sig === 'SIGINT' || sig === 'SIGQUIT') return;
    try {
      process.kill(child.pid, sig);
    } catch {}
  });
  const r = await child.done;
  stopCatching();
  return r.exitCode;
}
