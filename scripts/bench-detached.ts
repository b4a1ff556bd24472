// node --import tsx scripts/bench-detached.ts [N]   (as root, after npm run build)
//
// Density and speed of detached containers: start N `glassbox run -d glassbox/base sleep 1000` one after the
// other, measure each monitor's memory with its two log-stamping awks (/proc/PID/smaps_rollup: resident,
// proportional, and private = what this container adds beyond pages shared with every other sh, mawk and libc),
// time `glassbox ps -a`, then `glassbox rm -f` of all N in one command. Then the same N starts and one `rm -f`
// of all of them with podman (when it is installed: `podman run -d --network=none --rootfs ROOT sleep 1000`, its
// storage in the same temporary directory), side by side in the output.
// Everything lives in a temporary GLASSBOX_ROOT/GLASSBOX_RUN, removed at the end. See docs/benchmarks.md.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanup, isHybridCgroupHost, makePodmanHome, snapshot, type PodmanHome } from './bench/fixtures.ts';

// crun 1.8 refuses a hybrid cgroup host (GUIDE §7): podman runs in a private mount namespace without that mount.
const HYBRID_SH = 'umount /sys/fs/cgroup/unified && exec "$@"';

const n = Number(process.argv[2] ?? 100);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(realpathSync(tmpdir()), 'gb-bench-detached-'));
spawnSync('chmod', ['755', dir]);
// Without NODE_EXTRA_CA_CERTS (where set): the bench's rows a user sees; it costs every Node start ≈ 40 ms here.
const { NODE_EXTRA_CA_CERTS: _ca, ...hostEnv } = process.env;
const env = { ...hostEnv, GLASSBOX_ROOT: join(dir, 'root'), GLASSBOX_RUN: join(dir, 'run'), NO_COLOR: '1' };
const before = snapshot();
const gb = (args: string[]) => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(repo, 'bin', 'glassbox'), ...args], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`glassbox ${args.slice(0, 3).join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms: performance.now() - t0, out: r.stdout };
};
const kib = (pid: number, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1]);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const timed = (argv: string[], env: NodeJS.ProcessEnv) => {
  const t0 = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${argv.slice(0, 6).join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms: performance.now() - t0, out: r.stdout };
};
let podman: PodmanHome | undefined;
const podmanArgv = (args: string[]) => {
  const argv = ['podman', '--root', podman!.root, '--runroot', podman!.runroot, ...args];
  return isHybridCgroupHost() ? ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', HYBRID_SH, 'sh', ...argv] : argv;
};

try {
  gb(['image', 'from-host']);
  gb(['run', '--rm', 'glassbox/base', 'true']); // warm-up: the run root and the start barrier
  const starts: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = gb(['run', '-d', 'glassbox/base', 'sleep', '1000']);
    starts.push(r.ms);
    ids.push(r.out.trim());
  }
  // What stays per container besides its own processes: the monitor (sh) and its two log-stamping awks, i.e. the
  // monitor and every child of it other than the start chain.
  const helpersOf = (id: string) => {
    const dirOf = join(dir, 'root', 'containers', id);
    const mon = (JSON.parse(readFileSync(join(dirOf, 'state.json'), 'utf8')) as { monitor: { pid: number } }).monitor.pid;
    const chain = readFileSync(join(dirOf, 'chain'), 'utf8').trim();
    const kids = readFileSync(`/proc/${mon}/task/${mon}/children`, 'utf8').trim().split(' ').filter((c) => c && c !== chain);
    return [mon, ...kids.map(Number)];
  };
  const helpers = ids.map(helpersOf);
  const sumOf = (pids: number[], fields: string[]) => pids.reduce((n, p) => n + fields.reduce((m, f) => m + kib(p, f), 0), 0);
  const rss = helpers.map((h) => sumOf(h, ['Rss']));
  const pss = helpers.map((h) => sumOf(h, ['Pss']));
  const priv = helpers.map((h) => sumOf(h, ['Private_Clean', 'Private_Dirty']));
  const ps = gb(['ps', '-a']);
  const rm = gb(['rm', '-f', ...ids]);
  const left = gb(['ps', '-aq']).out.trim();
  const out = {
    containers: n,
    startMsMedian: Math.round(median(starts)),
    startMsTotal: Math.round(starts.reduce((a, b) => a + b, 0)),
    monitorProcesses: median(helpers.map((h) => h.length)),
    monitorRssKiBMedian: median(rss),
    monitorPssKiBMedian: median(pss),
    monitorPrivateKiBMedian: median(priv),
    psMs: Math.round(ps.ms),
    psLines: ps.out.trim().split('\n').length - 1,
    rmAllMs: Math.round(rm.ms),
    leftAfterRm: left ? left.split('\n').length : 0,
    podman: benchPodman(),
  };
  process.stdout.write(JSON.stringify(out, null, 1) + '\n');
} finally {
  // Whatever happened, no container of this run may stay: rm -f each one still listed, then gc.
  try {
    const left = gb(['ps', '-aq']).out.trim();
    if (left) gb(['rm', '-f', ...left.split('\n')]);
  } catch {}
  try {
    gb(['gc']);
  } catch {}
  spawnSync('umount', [join(dir, 'run')]);
  // podman's containers and storage (system reset), its libpod_parent cgroups; anything else new is reported.
  if (podman) {
    const rep = cleanup({ podman }, before);
    for (const l of rep.leftovers) process.stderr.write(`bench-detached: LEFTOVER: ${l}\n`);
  }
  spawnSync('rm', ['-rf', '--one-file-system', dir]);
}

// The same N detached starts and one rm -f of all of them with podman; undefined when podman is not installed.
function benchPodman(): { startMsMedian: number; startMsTotal: number; rmAllMs: number } | undefined {
  if (spawnSync('podman', ['--version']).status !== 0) return undefined;
  const layers = join(dir, 'root', 'layers', 'sha256');
  const layer = spawnSync('ls', [layers], { encoding: 'utf8' }).stdout.trim().split('\n')[0]!;
  podman = makePodmanHome({ dir, root: join(dir, 'root'), run: join(dir, 'run'), env, glassbox: join(repo, 'bin', 'glassbox') }, { id: '', layerDir: join(layers, layer) });
  timed(podmanArgv(['run', '--rm', '--network=none', '--rootfs', podman.rootfs, 'true']), podman.env); // warm-up
  const starts: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = timed(podmanArgv(['run', '-d', '--network=none', '--rootfs', podman.rootfs, 'sleep', '1000']), podman.env);
    starts.push(r.ms);
    ids.push(r.out.trim());
  }
  const rm = timed(podmanArgv(['rm', '-f', '-t', '0', ...ids]), podman.env);
  return { startMsMedian: Math.round(median(starts)), startMsTotal: Math.round(starts.reduce((a, b) => a + b, 0)), rmAllMs: Math.round(rm.ms) };
}
