// npm run bench [-- --runs N --warmup N --json]
//
// How long does it take to run /bin/true in a container with glassbox, compared with the same steps as a
// plain shell script, a bare unshare + chroot, crun, runc and podman; and how long does the CLI take to start,
// compared with an empty Node process. Every contender is an argv array run with spawnSync and timed with the
// monotonic clock; after warm-up runs, the contenders take turns (round robin, the starting one rotating each
// round) so that drift on the machine hits all of them alike. Needs root. See docs/benchmarks.md.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  buildBaseImage,
  cleanup,
  isHybridCgroupHost,
  makeBundle,
  makePodmanHome,
  makeWorkspace,
  snapshot,
  writeScript,
  type CleanupReport,
  type Parts,
} from './bench/fixtures.ts';
import { must, run, versionOf, why, type Cmd } from './bench/proc.ts';
import { buildReport, formatText, medianOf, type Group, type Report, type Result, type Target } from './bench/report.ts';
import { summariseRuns, traceOnce, type OneRun, type TimelineReport } from './bench/timeline.ts';

const USAGE = `usage: npm run bench -- [--runs N] [--warmup N] [--json]
  --runs N     timed runs per contender (default 20)
  --warmup N   untimed runs per contender before timing (default 2, at least 1)
  --json       print the results as JSON on stdout (progress goes to stderr; use npm run -s so that npm
               does not print its banner on stdout)
Runs as root. Build first: npm run build.`;

// crun 1.8 refuses a hybrid cgroup host because the cgroup2 mount carries hugetlb (GUIDE §7): run it in a
// private mount namespace with that mount taken away. A constant script; the command comes in as "$@".
const HYBRID_SH = 'umount /sys/fs/cgroup/unified && exec "$@"';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const glassbox = join(repo, 'bin', 'glassbox');
const log = (s: string) => process.stderr.write(s + '\n');

interface Contender extends Result {
  cmd: (n: number) => Cmd; // argv for one run; n is unique per run (container IDs)
  prepare?: () => void; // throws: the contender is skipped, with the message as the reason
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '2' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  }
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(warmup) || warmup < 1) {
    process.stderr.write(`--runs and --warmup take whole numbers ≥ 1\n${USAGE}\n`);
    process.exit(2);
  }
  return { runs, warmup, json: values.json };
}

// The speed targets (docs/benchmarks.md): ratios and differences within this one run, on the rows a user sees
// (without NODE_EXTRA_CA_CERTS where it is set).
function issueTargets(results: Result[]): Target[] {
  const m = (...keys: string[]) => keys.map((k) => medianOf(results, k)).find((v) => v !== undefined);
  const out: Target[] = [];
  const ratio = (label: string, a: number | undefined, b: number | undefined, target: number) => {
    if (a !== undefined && b !== undefined) out.push({ label, value: a / b, target, met: a / b <= target });
  };
  const minus = (label: string, a: number | undefined, b: number | undefined, target: number) => {
    if (a !== undefined && b !== undefined) out.push({ label, value: a - b, target, unit: 'ms', met: a - b <= target });
  };
  const run = m('glassbox-run-no-ca', 'glassbox-run');
  const podman = m('podman', 'podman-runc');
  const crun = m('crun', 'runc');
  const script = m('script');
  ratio('1. glassbox run / podman --rm --network=none', run, podman, 0.5);
  ratio('1. (moonshot) glassbox run / crun', run, crun, 2);
  minus('2. glassbox run − sh up.sh (the executor over the plain script)', run, script, 40);
  ratio('2. sh up.sh / crun', script, crun, 2);
  minus('3. glassbox --version − node -e 0', m('glassbox-version-no-ca', 'glassbox-version'), m('node-no-ca', 'node'), 15);
  ratio('4. glassbox run --network bridge / podman --rm on its default bridge', m('glassbox-run-bridge'), m('podman-bridge'), 0.5);
  ratio('4. glassbox run --network bridge: ten at once / one alone', m('glassbox-run-bridge-x10'), m('glassbox-run-bridge'), 5);
  ratio('5. glassbox run -d / podman run -d', m('glassbox-run-d'), m('podman-run-d'), 0.5);
  ratio('5. glassbox exec / podman exec', m('glassbox-exec'), m('podman-exec'), 0.5);
  return out;
}

// Waits (up to 20 s) until a `ps -a -q` lists nothing: detached --rm containers finish their teardown on their own.
function waitUntilEmpty(argv: string[], env: NodeJS.ProcessEnv): void {
  for (let i = 0; i < 200; i++) {
    const o = spawnSync(argv[0]!, argv.slice(1), { env, encoding: 'utf8' });
    if (o.status !== 0 || !o.stdout.trim()) return;
    spawnSync('sleep', ['0.1']);
  }
}

// An executable by name in PATH or the sbin directories (npm may run us with a PATH without them).
function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const d of dirs) if (d && existsSync(join(d, name))) return join(d, name);
  return undefined;
}

// Newest modification time of the files under a folder whose names end with one of `exts`.
function newest(dir: string, exts: string[]): number {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, exts));
    else if (exts.some((x) => e.name.endsWith(x))) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

function gitDescribe(): string {
  const head = run({ argv: ['git', '-C', repo, 'rev-parse', '--short', 'HEAD'] }, { stdout: true });
  const dirty = run({ argv: ['git', '-C', repo, 'status', '--porcelain', '--', 'lib', 'bin'] }, { stdout: true });
  if (!head.ok) return 'unknown';
  return head.stdout.trim() + (dirty.stdout.trim() ? ' (lib/ or bin/ has uncommitted changes)' : '');
}

async function main(): Promise<void> {
  const opts = parseOptions();
  if (process.geteuid?.() !== 0) {
    process.stderr.write('bench: glassbox run, runc, crun and podman need root: run it as root (sudo npm run bench)\n');
    process.exit(2);
  }
  const bundleFile = join(repo, 'dist', 'glassbox.cjs');
  if (!existsSync(bundleFile)) {
    process.stderr.write('bench: dist/glassbox.cjs is missing: run `npm run build` first\n');
    process.exit(2);
  }
  const sources = Math.max(newest(join(repo, 'lib'), ['.ts']), newest(join(repo, 'recipes', 'blocks'), ['.yaml', '.yml']));
  const stale = sources > statSync(bundleFile).mtimeMs;
  if (stale) log('bench: WARNING: lib/ or recipes/blocks/ changed since the last build; dist/ may not match (npm run build)');

  let interrupted = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.on(sig, () => {
      interrupted = true;
      log(`bench: ${sig}: stopping after the current run and cleaning up`);
    });
  const yieldToSignals = () => new Promise<void>((r) => setImmediate(r));

  const nec = process.env.NODE_EXTRA_CA_CERTS;
  const before = snapshot();
  const parts: Parts = {};
  const contenders: Contender[] = [];
  let fatal: Error | undefined;
  let cleanupReport: CleanupReport = { done: [], leftovers: [], notes: [] };
  const timelines: TimelineReport[] = [];
  let noNecEnv: NodeJS.ProcessEnv = process.env;
  const started = new Date();
  const loadAtStart = loadavg().map((l) => l.toFixed(2)).join(' ');

  try {
    log(`bench: workspace and base image (not timed)…`);
    const ws = makeWorkspace(glassbox);
    parts.ws = ws;
    const img = buildBaseImage(ws);
    const noNec = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
      const e = { ...env };
      delete e.NODE_EXTRA_CA_CERTS;
      return e;
    };
    const hybrid = isHybridCgroupHost();
    const inHybridNs = (argv: string[]) => (hybrid ? ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', HYBRID_SH, 'sh', ...argv] : argv);
    const runc = findProgram('runc');
    const crun = findProgram('crun');
    const podman = findProgram('podman');
    const id = (n: number) => `gbbench-${process.pid}-${n}`;
    const add = (c: Omit<Contender, 'status' | 'samples' | 'failures' | 'argv'>) => contenders.push({ ...c, status: 'ok', samples: [], failures: [], argv: [] });
    const skip = (key: string, label: string, group: Group, reason: string) =>
      contenders.push({ key, label, group, what: '', reason, status: 'skipped', samples: [], failures: [], argv: [], cmd: () => ({ argv: [] }) });
    const necNote = nec ? ' [NODE_EXTRA_CA_CERTS removed]' : '';
    noNecEnv = noNec(ws.env);

    // (1) glassbox itself, in the environment as it is.
    add({
      key: 'glassbox-run',
      label: 'glassbox run',
      group: 'container',
      what: 'bin/glassbox run glassbox/base /bin/true (GLASSBOX_ROOT/RUN in the temporary directory)',
      cmd: () => ({ argv: [glassbox, 'run', 'glassbox/base', '/bin/true'], env: ws.env }),
    });
    if (nec)
      add({
        key: 'glassbox-run-no-ca',
        label: `glassbox run${necNote}`,
        group: 'container',
        what: 'the same, with NODE_EXTRA_CA_CERTS taken out of its environment',
        cmd: () => ({ argv: [glassbox, 'run', 'glassbox/base', '/bin/true'], env: noNec(ws.env) }),
      });
    // (2) The same plan as one shell script. Written after glassbox run's warm-up, so that GLASSBOX_RUN is
    // already prepared as glassbox run finds it in the timed runs (the script then does the same steps).
    let upSh = '';
    add({
      key: 'script',
      label: 'sh up.sh (glassbox script)',
      group: 'container',
      what: 'sh DIR/up.sh from `glassbox script -o DIR glassbox/base /bin/true`: the same steps, no Node',
      prepare: () => {
        upSh = writeScript(ws);
        parts.scriptId = /[0-9a-f]{64}/.exec(readFileSync(upSh, 'utf8'))?.[0];
      },
      cmd: () => ({ argv: ['sh', upSh], env: ws.env }),
    });
    // (3) The floor: new namespaces and a chroot into the image's layer, nothing else.
    add({
      key: 'unshare-chroot',
      label: 'unshare + chroot',
      group: 'container',
      what: 'unshare --mount --uts --ipc --net --pid --fork chroot LAYER /bin/true',
      cmd: () => ({ argv: ['unshare', '--mount', '--uts', '--ipc', '--net', '--pid', '--fork', 'chroot', img.layerDir, '/bin/true'] }),
    });
    // (4) OCI runtimes on one bundle (config from `runc spec`), each with its state in the workspace.
    if (runc || crun) {
      const specTool = runc ?? crun!;
      const ensureBundle = () => (parts.bundle ??= makeBundle(ws, img, specTool));
      parts.crunArgv = (args) => inHybridNs([crun ?? 'crun', ...args]);
      if (crun)
        add({
          key: 'crun',
          label: hybrid ? 'crun (hybrid-cgroup workaround)' : 'crun',
          group: 'container',
          what: `${hybrid ? "unshare --mount --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec \"$@\"' sh " : ''}crun --root STATE run --bundle B ID`,
          prepare: () => void ensureBundle(),
          cmd: (n) => ({ argv: inHybridNs([crun, '--root', parts.bundle!.crunState, 'run', '--bundle', parts.bundle!.dir, id(n)]) }),
        });
      else skip('crun', 'crun', 'container', 'crun is not installed');
      if (runc)
        add({
          key: 'runc',
          label: 'runc',
          group: 'container',
          what: 'runc --root STATE run --bundle B ID',
          prepare: () => void ensureBundle(),
          cmd: (n) => ({ argv: [runc, '--root', parts.bundle!.runcState, 'run', '--bundle', parts.bundle!.dir, id(n)] }),
        });
      else skip('runc', 'runc', 'container', 'runc is not installed');
    } else {
      skip('crun', 'crun', 'container', 'crun is not installed');
      skip('runc', 'runc', 'container', 'runc is not installed');
    }
    // (5) podman with its default runtime (crun, so in the same workaround) and with runc.
    if (podman) {
      const ensureHome = () => (parts.podman ??= makePodmanHome(ws, img));
      const podmanRun = (extra: string[], network = '--network=none') => [
        podman,
        ...extra,
        '--root',
        parts.podman!.root,
        '--runroot',
        parts.podman!.runroot,
        'run',
        '--rm',
        ...(network ? [network] : []),
        '--rootfs',
        parts.podman!.rootfs,
        '/bin/true',
      ];
      add({
        key: 'podman',
        label: hybrid ? 'podman --rm --network=none (crun, workaround)' : 'podman --rm --network=none (crun)',
        group: 'container',
        what: `${hybrid ? 'the same unshare/umount wrapper, then ' : ''}podman --root R --runroot RR run --rm --network=none --rootfs ROOT /bin/true (CONTAINERS_CONF set)`,
        prepare: () => void ensureHome(),
        cmd: () => ({ argv: inHybridNs(podmanRun([])), env: parts.podman!.env }),
      });
      if (runc)
        add({
          key: 'podman-runc',
          label: 'podman --rm --network=none (runc)',
          group: 'container',
          what: `podman --runtime ${runc} … run --rm --network=none --rootfs ROOT /bin/true`,
          prepare: () => void ensureHome(),
          cmd: () => ({ argv: podmanRun(['--runtime', runc]), env: parts.podman!.env }),
        });
      // Detached: the time until `run -d` returns (the container then runs and is removed by conmon, --rm); and
      // one more process in a container that runs for the whole bench.
      add({
        key: 'podman-run-d',
        label: 'podman run -d --rm --network=none',
        group: 'container',
        what: `${hybrid ? 'the same wrapper, then ' : ''}podman … run -d --rm --network=none --rootfs ROOT /bin/true (until it returns)`,
        prepare: () => void ensureHome(),
        cmd: () => ({ argv: inHybridNs([...podmanRun([]).slice(0, -4), '-d', ...podmanRun([]).slice(-4)]), env: parts.podman!.env }),
      });
      add({
        key: 'podman-exec',
        label: 'podman exec',
        group: 'container',
        what: `${hybrid ? 'the same wrapper, then ' : ''}podman … exec gbbench-exec /bin/true, in a container started once with podman run -d … sleep`,
        prepare: () => {
          ensureHome();
          const start = inHybridNs([...podmanRun([]).slice(0, -1).filter((a) => a !== '--rm'), 'sleep', '100000']);
          start.splice(start.indexOf('run') + 1, 0, '-d', '--name', 'gbbench-exec');
          must({ argv: start, env: parts.podman!.env }, 'podman run -d (the exec target)');
          parts.podmanExecRm = inHybridNs([podman, '--root', parts.podman!.root, '--runroot', parts.podman!.runroot, 'rm', '-f', '-t', '0', 'gbbench-exec']);
        },
        cmd: () => ({ argv: inHybridNs([podman, '--root', parts.podman!.root, '--runroot', parts.podman!.runroot, 'exec', 'gbbench-exec', '/bin/true']), env: parts.podman!.env }),
      });
      // Its default bridge network (netavark, or CNI on older podman): the reference for networking's cost.
      add({
        key: 'podman-bridge',
        label: 'podman --rm, default bridge',
        group: 'container',
        what: `${hybrid ? 'the same wrapper, then ' : ''}podman … run --rm --rootfs ROOT /bin/true: a veth on podman's default bridge, NAT rules, teardown`,
        prepare: () => void ensureHome(),
        cmd: () => ({ argv: inHybridNs(podmanRun([], '')), env: parts.podman!.env }),
      });
    } else skip('podman', 'podman', 'container', 'podman is not installed');
    // (5b) glassbox on its default bridge: one at a time, and ten at once (the time of the batch, over ten, is
    // what each container costs when they start together).
    add({
      key: 'glassbox-run-bridge',
      label: 'glassbox run --network bridge',
      group: 'container',
      what: 'bin/glassbox run --network bridge glassbox/base /bin/true: veth, address, routes, /etc/hosts, lease; then the undos',
      cmd: () => ({ argv: [glassbox, 'run', '--network', 'bridge', 'glassbox/base', '/bin/true'], env: ws.env }),
    });
    add({
      key: 'glassbox-run-bridge-x10',
      label: 'glassbox run --network bridge ×10 at once',
      group: 'container',
      what: "sh -c 'for i in 1 … 10; do glassbox run --network bridge glassbox/base /bin/true & done; wait' (the whole batch)",
      cmd: () => ({ argv: ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do "$0" run --network bridge glassbox/base /bin/true & done; wait', glassbox], env: ws.env }),
    });
    // (5c) glassbox detached and exec, as a user runs them (without the extra CA certificates, where set).
    add({
      key: 'glassbox-run-d',
      label: `glassbox run -d --rm${necNote}`,
      group: 'container',
      what: 'bin/glassbox run -d --rm glassbox/base /bin/true (until it returns; the monitor then tears the container down)',
      cmd: () => ({ argv: [glassbox, 'run', '-d', '--rm', 'glassbox/base', '/bin/true'], env: noNec(ws.env) }),
    });
    add({
      key: 'glassbox-exec',
      label: `glassbox exec${necNote}`,
      group: 'container',
      what: 'bin/glassbox exec gbbench-exec /bin/true, in a container started once with glassbox run -d … sleep',
      prepare: () => {
        must({ argv: [glassbox, 'run', '-d', '--name', 'gbbench-exec', 'glassbox/base', 'sleep', '100000'], env: ws.env }, 'glassbox run -d (the exec target)');
        parts.glassboxExec = true;
      },
      cmd: () => ({ argv: [glassbox, 'exec', 'gbbench-exec', '/bin/true'], env: noNec(ws.env) }),
    });
    // (6) Start-up: the CLI's shortest path against an empty Node, both in this environment; then without the
    // extra CA certificates.
    add({
      key: 'glassbox-version',
      label: 'glassbox --version',
      group: 'startup',
      what: 'bin/glassbox --version',
      cmd: () => ({ argv: [glassbox, '--version'], env: ws.env }),
    });
    add({
      key: 'true',
      label: '/bin/true (no container)',
      group: 'startup',
      what: '/bin/true on the host: the floor of this harness (spawnSync from Node, fork + exec + wait)',
      cmd: () => ({ argv: ['/bin/true'] }),
    });
    add({ key: 'node', label: 'node -e 0', group: 'startup', what: `${process.execPath} -e 0`, cmd: () => ({ argv: [process.execPath, '-e', '0'], env: ws.env }) });
    if (nec) {
      add({
        key: 'glassbox-version-no-ca',
        label: `glassbox --version${necNote}`,
        group: 'startup',
        what: 'bin/glassbox --version without NODE_EXTRA_CA_CERTS',
        cmd: () => ({ argv: [glassbox, '--version'], env: noNec(ws.env) }),
      });
      add({
        key: 'node-no-ca',
        label: `node -e 0${necNote}`,
        group: 'startup',
        what: 'node -e 0 without NODE_EXTRA_CA_CERTS',
        cmd: () => ({ argv: [process.execPath, '-e', '0'], env: noNec(ws.env) }),
      });
    }

    // Warm-up, in list order (glassbox run first: it prepares GLASSBOX_RUN before the script is written).
    let n = 0;
    for (const c of contenders) {
      if (c.status !== 'ok' || interrupted) continue;
      try {
        c.prepare?.();
      } catch (e) {
        c.status = 'skipped';
        c.reason = (e as Error).message;
        log(`bench: ${c.label}: skipped: ${c.reason}`);
        continue;
      }
      c.argv = c.cmd(0).argv;
      log(`bench: warm-up ×${opts.warmup}: ${c.label}`);
      for (let w = 0; w < opts.warmup && c.status === 'ok'; w++) {
        const o = run(c.cmd(++n));
        if (!o.ok) {
          c.status = 'failed';
          c.reason = `warm-up run failed: ${why(o)}`;
          log(`bench: ${c.label}: ${c.reason}`);
        }
        await yieldToSignals();
      }
    }

    // Timed runs: round robin, the first contender of each round rotating.
    const live = () => contenders.filter((c) => c.status === 'ok');
    const streak = new Map<string, number>();
    for (let round = 0; round < opts.runs && !interrupted; round++) {
      const order = live();
      if (!order.length) break;
      if (process.stderr.isTTY) process.stderr.write(`\rbench: round ${round + 1}/${opts.runs}`);
      for (let k = 0; k < order.length && !interrupted; k++) {
        const c = order[(k + round) % order.length]!;
        const o = run(c.cmd(++n));
        if (o.ok) {
          c.samples.push(o.ms);
          streak.set(c.key, 0);
        } else {
          // A failed run is not timed; it is counted and its error kept. Three in a row stop the contender.
          c.failures.push(`round ${round + 1}: ${why(o)}`);
          log(`${process.stderr.isTTY ? '\n' : ''}bench: ${c.label}: round ${round + 1} failed: ${why(o)}`);
          streak.set(c.key, (streak.get(c.key) ?? 0) + 1);
          if (streak.get(c.key)! >= 3) {
            c.status = 'failed';
            c.reason = 'stopped after 3 failed runs in a row';
          }
        }
        await yieldToSignals();
      }
    }
    if (process.stderr.isTTY) process.stderr.write('\n');
    if (interrupted) fatal = new Error('interrupted');
    // Where the time goes: run, run -d and exec again with --verbose, each command's interval on one clock.
    if (!interrupted) {
      const traced: [string, string[]][] = [
        ['glassbox run', ['run', 'glassbox/base', '/bin/true']],
        ['glassbox run -d --rm', ['run', '-d', '--rm', 'glassbox/base', '/bin/true']],
        ...(parts.glassboxExec ? ([['glassbox exec', ['exec', 'gbbench-exec', '/bin/true']]] as [string, string[]][]) : []),
      ];
      log(`bench: where the time goes (${Math.min(opts.runs, 8)} traced runs each)…`);
      for (const [label, args] of traced) {
        const runs: OneRun[] = [];
        try {
          for (let i = 0; i < Math.min(opts.runs, 8) && !interrupted; i++) runs.push(await traceOnce({ argv: [glassbox, '--verbose', '--no-color', ...args], env: noNecEnv }));
          timelines.push(summariseRuns(`${label}${necNote}`, runs));
        } catch (e) {
          log(`bench: ${label} --verbose: ${(e as Error).message}`);
        }
      }
    }
  } catch (e) {
    fatal = e as Error;
    log(`bench: ${fatal.message}`);
  } finally {
    log('bench: cleaning up…');
    // The exec targets go first, then the detached --rm containers are given time to finish their own teardown.
    if (parts.ws && parts.glassboxExec) spawnSync(glassbox, ['rm', '-f', 'gbbench-exec'], { env: { ...process.env, ...parts.ws.env }, stdio: 'ignore' });
    if (parts.podman && parts.podmanExecRm) spawnSync(parts.podmanExecRm[0]!, parts.podmanExecRm.slice(1), { env: parts.podman.env, stdio: 'ignore' });
    if (parts.ws) waitUntilEmpty([glassbox, 'ps', '-a', '-q'], { ...process.env, ...parts.ws.env });
    if (parts.podman) waitUntilEmpty(['podman', '--root', parts.podman.root, '--runroot', parts.podman.runroot, 'ps', '-a', '-q'], parts.podman.env);
    // The bridge and glassbox's chains stay while containers may use them; gc removes them once idle.
    if (parts.ws) spawnSync(glassbox, ['gc'], { env: { ...process.env, ...parts.ws.env }, stdio: 'ignore' });
    cleanupReport = cleanup(parts, before);
  }

  const results: Result[] = contenders.map(({ cmd: _c, prepare: _p, ...r }) => r);
  const targets: Target[] = issueTargets(results);
  const derived: { label: string; ms: number }[] = [];
  const diff = (label: string, a: string, b: string) => {
    const x = medianOf(results, a);
    const y = medianOf(results, b);
    if (x !== undefined && y !== undefined) derived.push({ label, ms: x - y });
  };
  diff('glassbox --version − node -e 0 (the CLI\'s own start-up)', 'glassbox-version', 'node');
  diff('glassbox run − glassbox --version (work after start-up)', 'glassbox-run', 'glassbox-version');
  diff('glassbox run − sh up.sh (Node and the executor, over the plain script)', 'glassbox-run', 'script');
  diff('NODE_EXTRA_CA_CERTS cost on node -e 0', 'node', 'node-no-ca');
  // Networking: what the bridge adds to one container (setup and teardown), alone and in a batch of ten.
  diff('network setup + teardown per container (glassbox run --network bridge − glassbox run)', 'glassbox-run-bridge', 'glassbox-run');
  const batch = medianOf(results, 'glassbox-run-bridge-x10');
  if (batch !== undefined) derived.push({ label: 'glassbox run --network bridge, per container in a batch of ten', ms: batch / 10 });

  const report: Report = buildReport(
    {
      date: started.toISOString(),
      environment: {
        NODE_EXTRA_CA_CERTS: nec
          ? `set (${nec}); glassbox run, glassbox --version and node -e 0 ran with it; rows marked [NODE_EXTRA_CA_CERTS removed] ran without it`
          : 'not set (every Node process ran without extra CA certificates)',
        node: process.version,
        glassbox: versionOf([glassbox, '--version']) + `, git ${gitDescribe()}${stale ? ', dist/ OLDER than lib/ or recipes/blocks/' : ''}`,
        kernel: release(),
        cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
        'load average (1/5/15 min)': `${loadAtStart} at start, ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`,
        ...Object.fromEntries(['crun', 'runc', 'podman'].map((p) => [p, findProgram(p) ? versionOf([findProgram(p)!, '--version']) : 'not installed'])),
        'cgroups': isHybridCgroupHost() ? 'hybrid (v1 controllers + /sys/fs/cgroup/unified)' : 'not hybrid',
      },
      settings: { runs: opts.runs, warmup: opts.warmup, order: 'round robin, first contender rotating each round' },
      targets,
      derived,
      timelines,
      cleanup: cleanupReport,
    },
    results,
  );
  process.stdout.write(opts.json ? JSON.stringify({ ...report, error: fatal?.message ?? null }, null, 2) + '\n' : formatText(report));
  if (fatal) log(`bench: stopped early: ${fatal.message}`);
  process.exitCode = fatal ? 1 : cleanupReport.leftovers.length ? 3 : 0;
}

// `--images`: the image import and pull benchmarks (scripts/bench-images.ts) instead of the run benchmarks.
if (process.argv.includes('--images')) await (await import('./bench-images.ts')).benchImages();
else await main();
