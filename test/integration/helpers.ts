// Helpers for the integration tests: real containers, as root, with every piece of glassbox state in a temporary
// directory (GLASSBOX_ROOT and GLASSBOX_RUN point there; the real /var/lib/glassbox and /run/glassbox are never
// touched). Tests may start processes directly (lib/ may not); glassbox itself always runs as bin/glassbox, the
// bundled build, exactly as a user runs it.
//
// Typical use, one sandbox per test file:
//   const sb = new Sandbox('run');
//   before(() => sb.setup());          // temp dir, leak snapshot, base image, rootdir with /probe
//   after(() => sb.cleanup());         // glassbox gc, unmount the run root, remove the temp dir
//   test('…', async () => { const r = await sb.gb(['run', sb.rootdir, '/probe', 'pid']); … });

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const GLASSBOX = join(REPO, 'bin', 'glassbox');
export const PROBE_SOURCE = join(REPO, 'test', 'probe', 'probe.c');

export interface Result {
  /** Exit code; 128+N when the process was killed by signal N. */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOpts {
  env?: Record<string, string>;
  input?: string;
  cwd?: string;
  /** Kill the process (SIGKILL) after this long; the test then fails on its output. Default 60 s. */
  timeoutMs?: number;
}

const SIGNUM: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };

// Runs a program to completion, never throwing for a non-zero exit.
export function run(argv: string[], opts: RunOpts = {}): Promise<Result> {
  return new Promise((res, rej) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd ?? REPO,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[test helper: ${argv.join(' ')} timed out after ${opts.timeoutMs ?? 60_000} ms, killed]\n`;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code: code ?? 128 + (SIGNUM[signal ?? ''] ?? 0), signal, stdout, stderr });
    });
    // A process that exits without reading its stdin closes the pipe: that EPIPE is not the test's concern.
    child.stdin!.on('error', () => {});
    child.stdin!.end(opts.input ?? '');
  });
}

// Runs a program synchronously (setup and snapshots only).
function runSync(argv: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  if (r.error) return { code: 127, stdout: '', stderr: String(r.error.message) };
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

// Builds the static probe (once per test run: scripts/test.mjs builds it and passes GLASSBOX_TEST_PROBE; a test
// file run on its own builds its own copy into its temp dir).
export function buildProbe(dir: string): string {
  const given = process.env.GLASSBOX_TEST_PROBE;
  if (given && existsSync(given)) return given;
  const out = join(dir, 'probe');
  const r = runSync(['gcc', '-static', '-O2', '-Wall', '-o', out, PROBE_SOURCE]);
  if (r.code !== 0) {
    throw new Error(`building the probe failed (gcc -static needs gcc and libc6-dev: run scripts/setup.sh)\n${r.stderr}`);
  }
  return out;
}

/** What a test run may leave behind on the host; compared before and after. */
export interface Snapshot {
  mounts: string[];
  links: string[];
  netns: string[];
  iptables: string[];
  cgroups: string[];
  processes: string[];
}

/** A process's state letter from /proc/PID/stat ('Z' zombie…), or undefined when it is gone. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** True when a process has ended (gone, or a zombie waiting for a parent that may never reap it). */
export function processDead(pid: number): boolean {
  const s = processState(pid);
  return s === undefined || s === 'Z' || s === 'X';
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Parsed /proc/PID/mountinfo line. */
export interface MountLine {
  root: string;
  mountPoint: string;
  fstype: string;
  source: string;
  superOptions: string;
  line: string;
}

export function parseMountinfo(text: string): MountLine[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pre, post = ''] = line.split(' - ');
      const f = pre!.split(' ');
      const [fstype = '', source = '', superOptions = ''] = post.split(' ');
      return { root: unescape(f[3] ?? ''), mountPoint: unescape(f[4] ?? ''), fstype, source: unescape(source), superOptions, line };
    });
}

// mountinfo escapes space, tab, newline and backslash as octal.
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** One test file's private glassbox world. */
export class Sandbox {
  readonly label: string;
  dir = '';
  root = '';
  run = '';
  /** A root directory: the base image's layer plus the static probe at /probe. */
  rootdir = '';
  probe = '';
  env: Record<string, string> = {};
  before?: Snapshot;

  constructor(label: string) {
    this.label = label;
  }

  // Makes the temp dir, takes the leak snapshot, builds the probe, the base image and the rootdir.
  async setup(): Promise<void> {
    if (process.geteuid?.() !== 0) throw new Error('the integration tests need root (run them with sudo)');
    if (!existsSync(join(REPO, 'dist', 'glassbox.cjs'))) throw new Error('glassbox is not built: run `npm run build`');
    // realpath: /tmp may be a link, and mountinfo shows real paths.
    this.dir = mkdtempSync(join(realpathSync(tmpdir()), `glassbox-it-${this.label}-`));
    // mkdtemp makes it 0700; /var/lib and /run are 0755, and a container run with -u USER opens its start barrier
    // through the run root as that user.
    chmodSync(this.dir, 0o755);
    this.root = join(this.dir, 'root');
    this.run = join(this.dir, 'run');
    mkdirSync(this.root);
    this.env = { GLASSBOX_ROOT: this.root, GLASSBOX_RUN: this.run, GLASSBOX_LANG: 'en', NO_COLOR: '1', LANG: 'C.UTF-8' };
    this.before = snapshot(this.dir);
    this.probe = buildProbe(this.dir);
    this.rootdir = await this.makeRootdir('rootfs');
  }

  // glassbox itself, as a user runs it.
  gb(args: string[], opts: RunOpts = {}): Promise<Result> {
    return run([process.execPath, GLASSBOX, ...args], { ...opts, env: { ...this.env, ...opts.env } });
  }

  // Starts glassbox in the background (for tests that kill or signal it).
  gbStart(args: string[], env: Record<string, string> = {}): Background {
    const child = spawn(process.execPath, [GLASSBOX, ...args], { env: { ...process.env, ...this.env, ...env }, cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    return new Background(child, this);
  }

  /** Makes a root directory from the base image's layers (glassbox image from-host) plus /probe. */
  async makeRootdir(name: string): Promise<string> {
    const base = 'glassbox/base:latest';
    const tags = () => {
      try {
        return JSON.parse(readFileSync(join(this.root, 'repositories.json'), 'utf8')) as Record<string, string>;
      } catch {
        return {} as Record<string, string>;
      }
    };
    if (!tags()[base]) {
      const r = await this.gb(['image', 'from-host']);
      assert.equal(r.code, 0, `glassbox image from-host failed:\n${r.stdout}${r.stderr}`);
    }
    const id = tags()[base];
    assert.ok(id, `image from-host did not tag ${base}`);
    const record = JSON.parse(readFileSync(join(this.root, 'images', 'sha256', `${id.replace(/^sha256:/, '')}.json`), 'utf8')) as { layers: string[] };
    const dir = join(this.dir, name);
    mkdirSync(dir);
    // Layers bottom first: each one copied over the last (the base image has one).
    for (const layer of record.layers) {
      const src = join(this.root, 'layers', 'sha256', layer.replace(/^sha256:/, ''));
      const r = runSync(['cp', '-a', `${src}/.`, `${dir}/`]);
      assert.equal(r.code, 0, `copying layer ${src}: ${r.stderr}`);
    }
    chmodSync(dir, 0o755);
    copyFileSync(this.probe, join(dir, 'probe'));
    chmodSync(join(dir, 'probe'), 0o755);
    return dir;
  }

  /** Container IDs with a state directory. */
  containerIds(): string[] {
    try {
      return readdirSync(join(this.root, 'containers')).sort();
    } catch {
      return [];
    }
  }

  /** Container directories in the run root (it also holds shared things, like the start-barrier FIFO). */
  runEntries(): string[] {
    try {
      return readdirSync(this.run)
        .filter((e) => /^[0-9a-f]{64}$/.test(e))
        .sort();
    } catch {
      return [];
    }
  }

  /** Mount lines that mention this sandbox, other than the run root's own bind mount. */
  sandboxMounts(): string[] {
    return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'))
      .filter((m) => (m.mountPoint.startsWith(this.dir) || m.root.startsWith(this.dir)) && m.mountPoint !== this.run)
      .map((m) => m.line);
  }

  /** Compares the host with the snapshot taken in setup(); the run root's bind mount is there by design. */
  assertNoLeaks(): void {
    assert.ok(this.before, 'setup() did not run');
    const now = snapshot(this.dir, this.run);
    for (const k of Object.keys(now) as Array<keyof Snapshot>) {
      const added = now[k].filter((x) => !this.before![k].includes(x));
      assert.deepEqual(added, [], `leaked ${k}:\n${added.join('\n')}`);
    }
  }

  // glassbox gc, then unmount the run root (the runroot block leaves it bind-mounted, like /run/netns) and remove
  // the temp dir. Anything still mounted under the temp dir is unmounted lazily first, so one failure does not
  // leave the machine dirty for the next file (the leak test has reported it already).
  async cleanup(): Promise<void> {
    if (!this.dir) return;
    const problems: string[] = [];
    if (existsSync(join(REPO, 'dist', 'glassbox.cjs'))) {
      // Detached containers a failed test left running: gc never touches a live container, so remove them first.
      const left = this.containerIds();
      if (left.length) await this.gb(['rm', '-f', ...left], { timeoutMs: 60_000 });
      const gc = await this.gb(['gc'], { timeoutMs: 60_000 });
      if (gc.code !== 0) problems.push(`glassbox gc exited ${gc.code}: ${gc.stderr}`);
    }
    const under = () =>
      parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'))
        .filter((m) => m.mountPoint === this.dir || m.mountPoint.startsWith(this.dir + '/'))
        .map((m) => m.mountPoint)
        .sort((a, b) => b.length - a.length);
    for (let i = 0; i < 10 && under().length; i++) {
      for (const mp of under()) {
        const r = runSync(['umount', mp]);
        if (r.code !== 0) runSync(['umount', '--lazy', mp]);
      }
    }
    if (under().length) problems.push(`still mounted: ${under().join(', ')}`);
    else {
      const r = runSync(['rm', '-rf', '--one-file-system', this.dir]);
      if (r.code !== 0) problems.push(`rm -rf ${this.dir}: ${r.stderr}`);
    }
    if (problems.length) throw new Error(`cleanup of ${this.dir}: ${problems.join('; ')}`);
  }
}

/** A glassbox process running in the background. */
export class Background {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly done: Promise<Result>;
  private readonly sb: Sandbox;

  constructor(child: ChildProcess, sb: Sandbox) {
    this.child = child;
    this.sb = sb;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.done = new Promise((res) => {
      child.on('close', (code, signal) => res({ code: code ?? 128 + (SIGNUM[signal ?? ''] ?? 0), signal, stdout: this.stdout, stderr: this.stderr }));
    });
  }

  /** Waits until a container of this sandbox is running (its state.json says so) and returns its ID and PID 1. */
  async running(known: string[] = [], timeoutMs = 15_000): Promise<{ id: string; pid: number }> {
    let exited = false;
    void this.done.then(() => (exited = true));
    return waitFor(
      'the container to run',
      () => {
        if (exited) throw new Error(`glassbox exited before the container ran:\n${this.stdout}${this.stderr}`);
        for (const id of this.sb.containerIds().filter((i) => !known.includes(i))) {
          try {
            const s = JSON.parse(readFileSync(join(this.sb.root, 'containers', id, 'state.json'), 'utf8')) as { status: string; pid?: number };
            if (s.status === 'running' && s.pid) return { id, pid: s.pid };
          } catch {}
        }
        return undefined;
      },
      timeoutMs,
    );
  }

  /** Kills it if it still runs (tests call this in finally blocks). */
  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

// glassbox's default state directories: tests never use them, so nothing may appear there either.
const DEFAULT_PLACES = ['/var/lib/glassbox', '/run/glassbox'];

// What the host holds that glassbox could leak. Mounts: lines naming the sandbox dir or glassbox's default places
// (the run root's own bind mount `exceptMount` excluded; other people's sandboxes on a shared machine are not
// counted); links whose names start with gb; network namespaces; iptables lines naming glassbox; cgroup dirs
// named glassbox*; living processes whose command line mentions the sandbox dir.
export function snapshot(dir: string, exceptMount?: string): Snapshot {
  const mounts = parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'))
    .filter((m) => m.mountPoint !== exceptMount)
    .filter((m) => [m.root, m.mountPoint, m.source].some((f) => f.includes(dir) || DEFAULT_PLACES.some((p) => f.startsWith(p))))
    .map((m) => `${m.mountPoint} ${m.root} ${m.fstype} ${m.source}`)
    .sort();
  const linkOut = runSync(['ip', '-o', 'link', 'show']);
  const links = linkOut.stdout
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((n): n is string => !!n && n.startsWith('gb'))
    .sort();
  const netns = runSync(['ip', 'netns', 'list']).stdout.split('\n').filter(Boolean).sort();
  const ipt = runSync(['iptables-save']);
  const iptables = ipt.code === 0 ? ipt.stdout.split('\n').filter((l) => /glassbox/i.test(l)).sort() : [];
  const cgroups: string[] = [];
  const cg = '/sys/fs/cgroup';
  const scan = (d: string) => {
    try {
      for (const e of readdirSync(d)) if (e.startsWith('glassbox')) cgroups.push(join(d, e));
    } catch {}
  };
  scan(cg);
  try {
    for (const h of readdirSync(cg)) {
      try {
        if (statSync(join(cg, h)).isDirectory()) scan(join(cg, h));
      } catch {}
    }
  } catch {}
  const processes: string[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    if (Number(p) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (cmd.includes(dir) && !processDead(Number(p))) processes.push(`${p} ${cmd}`);
    } catch {}
  }
  return { mounts, links, netns, iptables, cgroups: cgroups.sort(), processes };
}
