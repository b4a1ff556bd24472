// Everything the benchmark makes on the host, and how it is taken down again: one temporary directory holds
// glassbox's roots, the generated script, the OCI bundle and runtimes' state, and podman's configuration and
// storage. Cleanup undoes it all and then looks for what is left (mounts, cgroups, podman's /run/libpod).

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { must, run, why } from './proc.ts';

export interface Workspace {
  dir: string;
  root: string; // GLASSBOX_ROOT
  run: string; // GLASSBOX_RUN
  env: NodeJS.ProcessEnv; // the caller's environment with the two roots set
  glassbox: string; // bin/glassbox
}

export interface BaseImage {
  id: string;
  layerDir: string;
}

export interface Bundle {
  dir: string;
  runcState: string;
  crunState: string;
}

export interface PodmanHome {
  conf: string;
  root: string;
  runroot: string;
  rootfs: string;
  env: NodeJS.ProcessEnv;
}

// A fresh temporary directory and the environment that points glassbox at it.
export function makeWorkspace(glassbox: string): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-bench-'));
  // glassbox refuses roots whose path would break overlay options; mkdtemp's suffix is alphanumeric.
  const root = join(dir, 'root');
  const runDir = join(dir, 'run');
  mkdirSync(root);
  mkdirSync(runDir);
  return { dir, root, run: runDir, glassbox, env: { ...process.env, GLASSBOX_ROOT: root, GLASSBOX_RUN: runDir } };
}

// Builds glassbox/base (not timed) and finds its single layer directory through the image record.
export function buildBaseImage(ws: Workspace): BaseImage {
  must({ argv: [ws.glassbox, 'image', 'from-host'], env: ws.env }, 'glassbox image from-host');
  const list = must({ argv: [ws.glassbox, 'images', '--format', 'json'], env: ws.env }, 'glassbox images');
  const rows = list.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; tags: string[] });
  const base = rows.find((r) => r.tags.some((t) => t.startsWith('glassbox/base')));
  if (!base) throw new Error(`glassbox images lists no glassbox/base: ${list.trim()}`);
  const hex = base.id.replace(/^sha256:/, '');
  const record = JSON.parse(readFileSync(join(ws.root, 'images', 'sha256', `${hex}.json`), 'utf8')) as { layers: string[] };
  const top = record.layers[0];
  if (!top || record.layers.length !== 1) throw new Error(`expected one layer in glassbox/base, found ${record.layers.length}`);
  const layerDir = join(ws.root, 'layers', 'sha256', top.replace(/^sha256:/, ''));
  if (!existsSync(join(layerDir, 'bin', 'true'))) throw new Error(`${layerDir}/bin/true is missing`);
  return { id: base.id, layerDir };
}

// `glassbox script -o DIR glassbox/base /bin/true`: options go before the image, since everything after it is
// the container's command (docker's rule, which glassbox follows).
export function writeScript(ws: Workspace): string {
  const out = join(ws.dir, 'script');
  must({ argv: [ws.glassbox, 'script', '-o', out, 'glassbox/base', '/bin/true'], env: ws.env }, 'glassbox script');
  return join(out, 'up.sh');
}

// A private copy of the image's root for runtimes that may write into it (podman adds /etc/mtab, …).
function copyRoot(layerDir: string, dest: string): void {
  must({ argv: ['cp', '-a', layerDir, dest] }, 'copying the root file system');
}

// An OCI bundle: `runc spec` (or `crun spec` without runc), then only the fields the benchmark needs changed.
// Everything else stays at the defaults, including the new network namespace (like --network=none).
export function makeBundle(ws: Workspace, img: BaseImage, specTool: string): Bundle {
  const dir = join(ws.dir, 'bundle');
  mkdirSync(dir);
  must({ argv: [specTool, 'spec'], cwd: dir }, `${specTool} spec`);
  const file = join(dir, 'config.json');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as {
    process: { args: string[]; terminal: boolean };
    root: { path: string; readonly?: boolean };
  };
  spec.process.args = ['/bin/true'];
  spec.process.terminal = false;
  spec.root.path = join(dir, 'rootfs');
  writeFileSync(file, JSON.stringify(spec, null, 2) + '\n');
  copyRoot(img.layerDir, spec.root.path);
  const runcState = join(ws.dir, 'runc-state');
  const crunState = join(ws.dir, 'crun-state');
  mkdirSync(runcState);
  mkdirSync(crunState);
  return { dir, runcState, crunState };
}

// podman configured as GUIDE §7 says for this host, with every file it keeps inside the workspace.
export function makePodmanHome(ws: Workspace, img: BaseImage): PodmanHome {
  const dir = join(ws.dir, 'podman');
  const home = { conf: join(dir, 'containers.conf'), root: join(dir, 'root'), runroot: join(dir, 'runroot'), rootfs: join(dir, 'rootfs') };
  const tmp = join(dir, 'tmp');
  for (const d of [dir, home.root, home.runroot, tmp]) mkdirSync(d, { recursive: true });
  copyRoot(img.layerDir, home.rootfs);
  // TOML basic strings take JSON's escapes for plain paths like these.
  writeFileSync(
    home.conf,
    [
      '# written by scripts/bench.ts; see GUIDE §7',
      '[containers]',
      '# root here lacks CAP_SYS_RESOURCE: podman\'s default limits (1048576) cannot be set',
      'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]',
      '',
      '[engine]',
      '# no systemd and no dbus on this host',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      '# keep podman\'s runtime files (events log, exit files) out of /run/libpod',
      `tmp_dir = ${JSON.stringify(tmp)}`,
      '',
    ].join('\n'),
  );
  return { ...home, env: { ...process.env, CONTAINERS_CONF: home.conf } };
}

// ---- host state before and after ------------------------------------------------------------------------

export interface Snapshot {
  cgroups: Set<string>; // "hierarchy/child" for every first-level cgroup
  runLibpod: boolean;
}

const CGROUP_FS = '/sys/fs/cgroup';

function cgroupChildren(): Set<string> {
  const out = new Set<string>();
  let hierarchies: string[] = [];
  try {
    hierarchies = readdirSync(CGROUP_FS);
  } catch {
    return out;
  }
  for (const h of hierarchies) {
    try {
      for (const e of readdirSync(join(CGROUP_FS, h), { withFileTypes: true })) if (e.isDirectory()) out.add(`${h}/${e.name}`);
    } catch {
      // a file or a symbolic link (cpu,cpuacct), not a hierarchy
    }
  }
  return out;
}

export function snapshot(): Snapshot {
  return { cgroups: cgroupChildren(), runLibpod: existsSync('/run/libpod') };
}

// Mount points from /proc/self/mountinfo (field 5, with the kernel's octal escapes undone).
export function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[4]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}

// Whether this host mounts a cgroup2 hierarchy at /sys/fs/cgroup/unified next to v1 ones (crun 1.8 refuses it).
export function isHybridCgroupHost(): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => {
      const f = l.split(' ');
      return f[4] === '/sys/fs/cgroup/unified' && f[f.indexOf('-') + 1] === 'cgroup2';
    });
}

// rmdir a cgroup and its children, deepest first (a cgroup's control files go with it).
function removeCgroupTree(path: string): void {
  for (const e of readdirSync(path, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(path, e.name));
  rmdirSync(path);
}

export interface CleanupReport {
  done: string[]; // what cleanup did
  leftovers: string[]; // what was found that should not have been there
  notes: string[]; // expected things worth saying
}

export interface Parts {
  ws?: Workspace;
  bundle?: Bundle;
  podman?: PodmanHome;
  crunArgv?: (args: string[]) => string[];
  /** The exec rows' long-running containers: glassbox's was started; podman's is removed by this argv. */
  glassboxExec?: boolean;
  podmanExecRm?: string[];
  scriptId?: string; // the container ID written into up.sh
}

// Undoes everything in `parts`, then checks the host for leftovers. Never throws.
export function cleanup(parts: Parts, before: Snapshot): CleanupReport {
  const rep: CleanupReport = { done: [], leftovers: [], notes: [] };
  const { ws, bundle, podman } = parts;
  const attempt = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      rep.leftovers.push(`${what}: ${(e as Error).message}`);
    }
  };

  if (podman) {
    attempt('podman containers', () => {
      const base = ['podman', '--root', podman.root, '--runroot', podman.runroot];
      const ps = run({ argv: [...base, 'ps', '-a', '-q'], env: podman.env }, { stdout: true });
      const ids = ps.stdout.trim().split('\n').filter(Boolean);
      if (ids.length) rep.leftovers.push(`podman kept ${ids.length} container(s) despite --rm: ${ids.join(' ')}`);
      const reset = run({ argv: [...base, 'system', 'reset', '-f'], env: podman.env });
      if (!reset.ok) rep.leftovers.push(`podman system reset: ${why(reset)}`);
      else rep.done.push('podman system reset -f (its storage root and run root)');
    });
  }

  if (bundle) {
    for (const [name, state] of [
      ['runc', bundle.runcState],
      ['crun', bundle.crunState],
    ] as const) {
      attempt(`${name} containers`, () => {
        if (!existsSync(state)) return;
        const ids = readdirSync(state).filter((n) => !n.startsWith('.'));
        for (const id of ids) {
          const argv = [name, '--root', state, 'delete', '--force', id];
          const o = run({ argv: name === 'crun' && parts.crunArgv ? parts.crunArgv(argv.slice(1)) : argv });
          rep.leftovers.push(`${name} kept container ${id}${o.ok ? ' (deleted now)' : `, delete failed: ${why(o)}`}`);
        }
      });
    }
  }

  if (ws) {
    attempt('glassbox state', () => {
      const containers = join(ws.root, 'containers');
      for (const id of existsSync(containers) ? readdirSync(containers) : []) {
        const entries = readdirSync(join(containers, id));
        const whose = id === parts.scriptId ? ' by up.sh (its cleanup removes upper/ and work/, not their directory)' : '';
        rep.leftovers.push(`$GLASSBOX_ROOT/containers/${id.slice(0, 12)}… ${entries.length ? `holds ${entries.join(', ')}` : 'is left empty'}${whose}`);
      }
      // A container's runtime directory is named after its 64-hex ID; other entries are glassbox's shared files.
      for (const e of existsSync(ws.run) ? readdirSync(ws.run) : []) {
        if (/^[0-9a-f]{64}$/.test(e)) rep.leftovers.push(`$GLASSBOX_RUN/${e} left behind`);
        else rep.notes.push(`$GLASSBOX_RUN/${e} stays between containers (glassbox's shared file)`);
      }
    });
    attempt('mounts', () => {
      const under = mountPoints()
        .filter((m) => m === ws.dir || m.startsWith(ws.dir + '/'))
        .sort((a, b) => b.length - a.length);
      for (const m of under) {
        if (m === ws.run) rep.notes.push(`glassbox keeps GLASSBOX_RUN bind-mounted on itself (private propagation); unmounted it`);
        else rep.leftovers.push(`mount left at ${m}`);
        const o = run({ argv: ['umount', m] });
        if (!o.ok) {
          const lazy = run({ argv: ['umount', '--lazy', m] });
          if (!lazy.ok) rep.leftovers.push(`could not unmount ${m}: ${why(lazy)}`);
        }
      }
    });
    attempt('temporary directory', () => {
      rmSync(ws.dir, { recursive: true, force: true });
      rep.done.push(`removed ${ws.dir}`);
    });
    const still = mountPoints().filter((m) => m.startsWith(ws.dir));
    for (const m of still) rep.leftovers.push(`still mounted after cleanup: ${m}`);
    if (existsSync(ws.dir)) rep.leftovers.push(`${ws.dir} could not be removed`);
  }

  // cgroups: podman's libpod_parent (cgroupfs manager) stays after its containers are gone; runc and crun name
  // theirs after the container ID (gbbench-…). Remove only what this run made; report anything else new.
  attempt('cgroups', () => {
    const fresh = [...cgroupChildren()].filter((c) => !before.cgroups.has(c));
    const removed = new Map<string, string[]>();
    for (const c of fresh) {
      const [hierarchy, name] = c.split('/') as [string, string];
      if (name === 'libpod_parent' || name.startsWith('gbbench-')) {
        try {
          removeCgroupTree(join(CGROUP_FS, c));
          removed.set(name, [...(removed.get(name) ?? []), hierarchy]);
        } catch (e) {
          rep.leftovers.push(`cgroup ${c}: ${(e as Error).message}`);
        }
      } else rep.leftovers.push(`new cgroup ${c} (from this benchmark or a concurrent process)`);
    }
    for (const [name, hs] of removed) {
      const who = name === 'libpod_parent' ? "podman's (cgroupfs manager; it outlives the containers)" : 'left by runc/crun';
      rep.done.push(`removed cgroup ${name} ${who} in ${hs.length} hierarchies: ${hs.join(' ')}`);
    }
  });
  if (!before.runLibpod && existsSync('/run/libpod')) {
    rep.leftovers.push('/run/libpod was created (removed now)');
    rmSync('/run/libpod', { recursive: true, force: true });
  }
  return rep;
}
