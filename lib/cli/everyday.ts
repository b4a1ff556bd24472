// docker's everyday verbs that came with issue 17: create, start [-a], wait, rename, pause, unpause, top, cp,
// system df / prune, info, version. The work is the application layer's (lib/container/everyday.ts, cp.ts);
// this module parses, prints and maps errors.

import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, release, totalmem, hostname } from 'node:os';
import { join } from 'node:path';
import { GlassboxError } from '../errors.ts';
import { readHostFacts } from '../host/facts.ts';
import { requireRoot } from '../host/privilege.ts';
import { listImages, pruneLayers, removeImage } from '../image/store.ts';
import { containersUsingLayers } from '../image/containerfs.ts';
import type { RunFlags } from '../recipe/flags.ts';
import { stateDir } from '../state/containers.ts';
import { listViews, monitorFiles, resolveContainer } from '../state/lifecycle.ts';
import { roots } from '../state/paths.ts';
import { createContainer, createdOnly, renameContainer, setPaused, startContainer, topContainer, waitContainer } from '../container/everyday.ts';
import { copyFromContainer, copyToContainer, parseCpArg } from '../container/cp.ts';
import { describe } from '../container/describe.ts';
import { removeEnded } from '../container/lifecycle.ts';
import { formatBytes } from '../cgroup/units.ts';
import { formatList, formatOne } from '../format/output.ts';
import { VERSION } from '../version.ts';
import { placedSync, pullForRun, refuseCidfile } from './container.ts';
import { treeSize } from '../util/size.ts';
import type { Global } from './global.ts';
import { enableTrace, warn } from './output.ts';

// glassbox create [run flags] IMAGE|recipe [COMMAND…]: prints the new container's ID.
export async function cmdCreate(target: string, command: string[], flags: RunFlags, g: Global): Promise<number> {
  requireRoot('glassbox create');
  enableTrace(g.verbose);
  if (flags.tty) throw new GlassboxError('-t is not supported by create: glassbox has no attach', { hint: 'run -it, or exec -it into the started container' });
  refuseCidfile(flags);
  // --pull is create's (docker pulls at create; start plans from the store); --cidfile is written at once.
  const { id, plan } = await createContainer({ target, command, flags, cwd: process.cwd() }, pullForRun);
  if (flags.cidfile !== undefined) placedSync({ field: '--cidfile' }, () => writeFileSync(flags.cidfile!, id, { flag: 'wx' }));
  if (plan.info.security?.privileged) warn('PRIVILEGED container: every capability, no seccomp filter, no masked /proc paths, /sys writable, every device allowed.');
  process.stdout.write(`${id}\n`);
  return 0;
}

// glassbox start [-a] NAME…: starts created or stopped containers (detached, under their monitor); -a then
// prints the container's output as it comes and returns its exit code, like docker start -a.
export async function cmdStart(refs: string[], opts: { attach?: boolean }, g: Global): Promise<number> {
  requireRoot('glassbox start');
  enableTrace(g.verbose);
  if (opts.attach && refs.length > 1) throw new GlassboxError('you cannot start and attach multiple containers at once');
  const r = roots();
  const facts = await readHostFacts();
  const ids = refs.map((ref) => resolveContainer(r, ref));
  for (const [i, id] of ids.entries()) {
    await startContainer(r, facts, id, g.lang);
    if (!opts.attach) process.stdout.write(`${refs[i]}\n`);
  }
  if (!opts.attach) return 0;
  const id = ids[0]!;
  // Attached: the container's log files as they grow (what logs -f prints), then its exit code.
  const { cmdLogs } = await import('./lifecycle.ts');
  await cmdLogs(id, { follow: true });
  return waitContainer(r, id, facts.bootId).catch(() => 0);
}

// glassbox wait NAME…: one exit code per line, once each container has stopped.
export async function cmdWait(refs: string[]): Promise<number> {
  const r = roots();
  const { bootId } = await readHostFacts();
  const ids = refs.map((ref) => resolveContainer(r, ref));
  for (const id of ids) process.stdout.write(`${await waitContainer(r, id, bootId)}\n`);
  return 0;
}

// glassbox rename OLD NEW
export async function cmdRename(ref: string, name: string): Promise<number> {
  requireRoot('glassbox rename');
  const r = roots();
  renameContainer(r, resolveContainer(r, ref), name);
  return 0;
}

// glassbox pause|unpause NAME…
export async function cmdPause(refs: string[], pause: boolean, g: Global): Promise<number> {
  requireRoot(`glassbox ${pause ? 'pause' : 'unpause'}`);
  enableTrace(g.verbose);
  const r = roots();
  const { bootId } = await readHostFacts();
  const ids = refs.map((ref) => resolveContainer(r, ref));
  for (const [i, id] of ids.entries()) {
    await setPaused(r, id, bootId, pause);
    process.stdout.write(`${refs[i]}\n`);
  }
  return 0;
}

// glassbox top NAME [ps options]
export async function cmdTop(ref: string, psArgs: string[], g: Global): Promise<number> {
  enableTrace(g.verbose);
  const r = roots();
  const { bootId } = await readHostFacts();
  const { header, lines } = await topContainer(r, resolveContainer(r, ref), bootId, psArgs);
  process.stdout.write([header, ...lines].join('\n') + '\n');
  return 0;
}

// glassbox cp CONTAINER:SRC DEST|-  /  glassbox cp SRC|- CONTAINER:DEST
export async function cmdCp(from: string, to: string, g: Global): Promise<number> {
  requireRoot('glassbox cp');
  enableTrace(g.verbose);
  const a = parseCpArg(from);
  const b = parseCpArg(to);
  if (a.container && b.container) throw new GlassboxError('copying between containers is not supported', { hint: 'copy to the host first' });
  if (!a.container && !b.container) throw new GlassboxError('must specify at least one container source', { hint: 'CONTAINER:SRC_PATH DEST_PATH or SRC_PATH CONTAINER:DEST_PATH' });
  const r = roots();
  const { bootId } = await readHostFacts();
  const { withWork } = await import('./images.ts');
  if (a.container) {
    const id = resolveContainer(r, a.container);
    await withWork((w) => copyFromContainer(w, r, id, bootId, a.path || '/', b.path, process.stdout));
  } else {
    const id = resolveContainer(r, b.container!);
    await withWork((w) => copyToContainer(w, r, id, bootId, a.path, b.path || '/', process.stdin));
  }
  return 0;
}

const pct = (part: number, whole: number) => `${whole ? Math.round((part / whole) * 100) : 0}%`;
const human = (n: number) => (n < 1024 ? `${n}B` : formatBytes(n));

// The volumes of this root (named volumes live in ROOT/volumes/NAME/_data), if any.
function volumeNames(root: string): string[] {
  try {
    return readdirSync(join(root, 'volumes')).filter((n) => existsSync(join(root, 'volumes', n, '_data')));
  } catch {
    return [];
  }
}

// glassbox system df [--format json|TEMPLATE]: images, containers, volumes: how many, in use, bytes, reclaimable.
export async function cmdSystemDf(opts: { format?: string }): Promise<number> {
  const r = roots();
  const { bootId } = await readHostFacts();
  const images = await listImages(r.root);
  const used = containersUsingLayers(r);
  const usedLayers = new Set(used.flatMap((c) => c.lowerDirs));
  const layerSize = new Map<string, number>();
  for (const i of images) for (const l of i.record.layers) if (!layerSize.has(l)) layerSize.set(l, treeSize(join(r.root, 'layers', 'sha256', l.replace('sha256:', ''))));
  const layerDir = (l: string) => join(r.root, 'layers', 'sha256', l.replace('sha256:', ''));
  const activeImages = images.filter((i) => i.record.layers.some((l) => usedLayers.has(layerDir(l))));
  const imgBytes = [...layerSize.values()].reduce((a, b) => a + b, 0);
  const activeBytes = [...layerSize.entries()].filter(([l]) => usedLayers.has(layerDir(l))).reduce((a, [, b]) => a + b, 0);
  const views = listViews(r, bootId);
  const running = views.filter((v) => v.status === 'running');
  const cSize = new Map(views.map((v) => [v.id, treeSize(join(stateDir(r, v.id), 'upper'))]));
  const cBytes = [...cSize.values()].reduce((a, b) => a + b, 0);
  const idle = views.filter((v) => v.status !== 'running').reduce((a, v) => a + cSize.get(v.id)!, 0);
  const vols = volumeNames(r.root);
  const mounted = new Set(views.flatMap((v) => describe(r, v).mounts.map((m) => m.Name).filter(Boolean)));
  const vSize = new Map(vols.map((n) => [n, treeSize(join(r.root, 'volumes', n, '_data'))]));
  const vBytes = [...vSize.values()].reduce((a, b) => a + b, 0);
  const vIdle = vols.filter((n) => !mounted.has(n)).reduce((a, n) => a + vSize.get(n)!, 0);
  const rows = [
    { Type: 'Images', TotalCount: String(images.length), Active: String(activeImages.length), Size: human(imgBytes), Reclaimable: `${human(imgBytes - activeBytes)} (${pct(imgBytes - activeBytes, imgBytes)})` },
    { Type: 'Containers', TotalCount: String(views.length), Active: String(running.length), Size: human(cBytes), Reclaimable: `${human(idle)} (${pct(idle, cBytes)})` },
    { Type: 'Local Volumes', TotalCount: String(vols.length), Active: String(vols.filter((n) => mounted.has(n)).length), Size: human(vBytes), Reclaimable: `${human(vIdle)} (${pct(vIdle, vBytes)})` },
    { Type: 'Build Cache', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
  ];
  process.stdout.write(formatList(opts.format, rows, { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' }, '{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}'));
  return 0;
}

// Asks docker's question on the terminal; anything but y/yes is no.
async function confirm(text: string): Promise<boolean> {
  process.stderr.write(`${text}\nAre you sure you want to continue? [y/N] `);
  const answer = await new Promise<string>((res) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) done();
    };
    const done = () => {
      process.stdin.off('data', onData);
      process.stdin.off('end', done);
      process.stdin.pause();
      res(buf.split('\n')[0]!.trim());
    };
    process.stdin.on('data', onData).on('end', done);
  });
  return /^y(es)?$/i.test(answer);
}

// glassbox system prune [-f] [-a] [--volumes]: stopped containers, untagged images (-a: every image no
// container uses), unused layers, and with --volumes the volumes no container mounts.
export async function cmdSystemPrune(opts: { force?: boolean; all?: boolean; volumes?: boolean }, g: Global): Promise<number> {
  requireRoot('glassbox system prune');
  enableTrace(g.verbose);
  const what = ['  - all stopped containers', ...(opts.volumes ? ['  - all volumes not used by at least one container'] : []), opts.all ? '  - all images without at least one container associated to them' : '  - all dangling images'];
  if (!opts.force && !(await confirm(`WARNING! This will remove:\n${what.join('\n')}\n`))) return 0;
  const r = roots();
  const { bootId } = await readHostFacts();
  const out: string[] = [];
  const views = listViews(r, bootId);
  const gone: string[] = [];
  let reclaimed = 0;
  for (const v of views) {
    const stopped = v.status === 'exited' || v.status === 'dead' || createdOnly(v);
    if (!stopped || (v.detached && v.status === 'exited' && !existsSync(monitorFiles(stateDir(r, v.id)).done))) continue;
    reclaimed += treeSize(join(stateDir(r, v.id), 'upper'));
    await removeEnded(r, v.id, bootId, v.name);
    gone.push(v.id);
  }
  if (gone.length) out.push('Deleted Containers:', ...gone, '');
  const usedLayers = new Set(containersUsingLayers(r).flatMap((c) => c.lowerDirs));
  const layerDir = (l: string) => join(r.root, 'layers', 'sha256', l.replace('sha256:', ''));
  const deleted: string[] = [];
  const before = treeSize(join(r.root, 'layers'));
  for (const i of await listImages(r.root)) {
    if (i.record.layers.some((l) => usedLayers.has(layerDir(l)))) continue;
    if (i.tags.length && !opts.all) continue;
    for (const t of i.tags) await removeImage(r.root, t).then((x) => deleted.push(...x.untagged.map((u) => `untagged: ${u}`)));
    if (!i.tags.length) await removeImage(r.root, i.record.id).then((x) => x.deleted && deleted.push(`deleted: ${x.deleted}`));
    else deleted.push(`deleted: ${i.record.id}`);
  }
  const keep = new Set([...usedLayers].map((d) => `sha256:${d.split('/').pop()}`));
  const layers = await pruneLayers(r.root, keep);
  reclaimed += Math.max(0, before - treeSize(join(r.root, 'layers')));
  if (deleted.length || layers.length) out.push('Deleted Images:', ...deleted, ...layers.map((l) => `deleted layer: ${l}`), '');
  if (opts.volumes) {
    const mounted = new Set(listViews(r, bootId).flatMap((v) => describe(r, v).mounts.map((m) => m.Name).filter(Boolean)));
    const { rm } = await import('node:fs/promises');
    const vols: string[] = [];
    for (const n of volumeNames(r.root)) {
      if (mounted.has(n)) continue;
      reclaimed += treeSize(join(r.root, 'volumes', n));
      await rm(join(r.root, 'volumes', n), { recursive: true, force: true });
      vols.push(n);
    }
    if (vols.length) out.push('Deleted Volumes:', ...vols, '');
  }
  out.push(`Total reclaimed space: ${human(reclaimed)}`);
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}

// glassbox info [--format json|TEMPLATE]: the host and the store, docker info's field names where they exist.
export async function cmdInfo(opts: { format?: string }): Promise<number> {
  const r = roots();
  const facts = await readHostFacts();
  const views = listViews(r, facts.bootId).map((v) => describe(r, v));
  const count = (s: string) => views.filter((d) => d.state === s).length;
  const info = {
    ID: facts.bootId,
    Containers: views.length,
    ContainersRunning: count('running'),
    ContainersPaused: count('paused'),
    ContainersStopped: views.length - count('running') - count('paused'),
    Images: (await listImages(r.root)).length,
    Driver: 'overlay2',
    DockerRootDir: r.root,
    RunRoot: r.run,
    CgroupDriver: 'cgroupfs',
    CgroupVersion: facts.cgroup?.mode === 'v2' ? '2' : '1',
    KernelVersion: release(),
    OperatingSystem: 'Linux',
    OSType: 'linux',
    Architecture: arch(),
    NCPU: cpus().length,
    MemTotal: totalmem(),
    Name: hostname(),
    ServerVersion: VERSION,
    SecurityOptions: ['name=seccomp,profile=builtin', 'name=no-new-privileges'],
    Daemon: false,
  };
  if (opts.format !== undefined) {
    process.stdout.write(formatOne(opts.format, info));
    return 0;
  }
  const lines = [
    `Containers: ${info.Containers}`,
    ` Running: ${info.ContainersRunning}`,
    ` Paused: ${info.ContainersPaused}`,
    ` Stopped: ${info.ContainersStopped}`,
    `Images: ${info.Images}`,
    `Server Version: glassbox ${VERSION} (no daemon: every container has its own monitor, a sh script)`,
    `Storage Driver: overlay (layers in ${r.root}/layers)`,
    `Cgroup Driver: cgroupfs`,
    `Cgroup Version: ${info.CgroupVersion}`,
    `Kernel Version: ${info.KernelVersion}`,
    `Architecture: ${info.Architecture}`,
    `CPUs: ${info.NCPU}`,
    `Total Memory: ${formatBytes(info.MemTotal)}`,
    `Name: ${info.Name}`,
    `Root Dir: ${r.root}`,
    `Run Dir: ${r.run}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}

// glassbox version [--format json|TEMPLATE]
export async function cmdVersion(opts: { format?: string }): Promise<number> {
  const v = { Client: { Version: VERSION, ApiVersion: 'none', GoVersion: `node ${process.version}`, Os: 'linux', Arch: arch() }, Server: null };
  if (opts.format !== undefined) {
    process.stdout.write(formatOne(opts.format, v));
    return 0;
  }
  process.stdout.write(`Client: glassbox\n Version:    ${VERSION}\n Node:       ${process.version}\n OS/Arch:    linux/${arch()}\n\nServer: none (glassbox has no daemon)\n`);
  return 0;
}

