// glassbox cp: files between a container and the host, both ways, as docker cp does — `cp CONTAINER:SRC DEST`,
// `cp SRC CONTAINER:DEST`, `-` for a tar stream on stdout or stdin — for a running container (through
// /proc/PID1/root, frozen while the copy runs) or a stopped one (its layers mounted again in a mount namespace of
// their own: cp-mount). Paths inside the container are resolved here one component at a time, refusing ".." that
// climbs above its root and symlinks that lead out of it; every tar is read first and checked with the image
// layers' rules (layersafety.ts) before anything is unpacked, and no member may pass through a symlink already at
// the destination. The tar commands are steps of the cp-pack / cp-unpack blocks.

import { createReadStream, createWriteStream, type Stats } from 'node:fs';
import { lstat, readlink, stat } from 'node:fs/promises';
import { randomBytes } from '../util/crypto.ts';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import type { Instance } from '../blocks/expand.ts';
import { canFreeze, isFrozen, planHold } from '../cgroup/freeze.ts';
import { GlassboxError } from '../errors.ts';
import { isPrivateMountPoint } from '../host/facts.ts';
import { containerFs } from '../image/containerfs.ts';
import { checkLayer, memberPath, symlinkLands } from '../image/layersafety.ts';
import { isWhiteoutStat } from '../image/rootpath.ts';
import { scanTarFile } from '../image/tarscan.ts';
import type { StoreWork } from '../image/work.ts';
import { containerPaths, type Roots } from '../state/paths.ts';
import type { RunState } from './record.ts';
import { runningPid1 } from './lifecycle.ts';

/** One side of a cp argument: `CONTAINER:PATH`, or a host path (`-` for a tar stream). */
export function parseCpArg(a: string): { container?: string; path: string } {
  // docker: a colon before any slash names a container ("./a:b" and "/a:b" are host paths).
  const colon = a.indexOf(':');
  const slash = a.indexOf('/');
  if (colon > 0 && (slash < 0 || colon < slash)) return { container: a.slice(0, colon), path: a.slice(colon + 1) };
  return { path: a };
}

/** A view of a container's files from the host: lstat and readlink of a container path. */
export interface FsView {
  lstat(p: string): Promise<Stats | undefined>;
  readlink(p: string): Promise<string>;
}

const missing = (e: unknown) => ['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '');

// A running container's files through /proc/PID/root (its mount namespace: volumes included); any root dir.
export function procView(root: string): FsView {
  return {
    lstat: (p) => lstat(root + p).catch((e) => (missing(e) ? undefined : Promise.reject(e))),
    readlink: (p) => readlink(root + p),
  };
}

// A stopped container's files through its layers, top first (a whiteout hides what is below).
export function layerView(layers: string[]): FsView {
  const find = async (p: string): Promise<{ st: Stats; layer: string } | undefined> => {
    for (const l of layers) {
      const st = await lstat(l + p).catch((e) => (missing(e) ? undefined : Promise.reject(e)));
      if (!st) continue;
      if (isWhiteoutStat(st)) return undefined;
      return { st, layer: l };
    }
    return undefined;
  };
  return {
    lstat: async (p) => (await find(p))?.st,
    readlink: async (p) => readlink((await find(p))!.layer + p),
  };
}

const climbs = (what: string) => new GlassboxError(`${what} leads out of the container's root`, { hint: 'glassbox cp resolves paths inside the container and refuses ".." above / and symlinks leading out' });

/**
 * Resolves a container path one component at a time, following symlinks inside the root (the last one only with
 * followLast). Refuses ".." above the root and a symlink whose target climbs above it. Returns the resolved
 * path (every component a real directory or missing) and what is there.
 */
export async function resolveContainerPath(view: FsView, p: string, followLast: boolean): Promise<{ path: string; st?: Stats }> {
  let todo = p.split('/').filter((x) => x !== '' && x !== '.');
  const done: string[] = [];
  let hops = 0;
  while (todo.length) {
    const part = todo.shift()!;
    if (part === '..') {
      if (!done.length) throw climbs(`"${p}"`);
      done.pop();
      continue;
    }
    const cur = '/' + [...done, part].join('/');
    const st = await view.lstat(cur);
    if (st?.isSymbolicLink() && (todo.length || followLast)) {
      if (++hops > 40) throw new GlassboxError(`too many levels of symbolic links in "${p}"`);
      const target = await view.readlink(cur);
      const lands = symlinkLands(done, target);
      if (!lands) throw climbs(`the symlink ${cur} → ${target}`);
      done.length = 0;
      done.push(...lands);
      continue;
    }
    if (todo.length && st && !st.isDirectory()) throw new GlassboxError(`${cur} is not a directory`);
    done.push(part);
  }
  const out = '/' + done.join('/');
  return { path: out, st: await view.lstat(out) };
}

interface Access {
  view: FsView;
  /** Host path of the container's root, as the tar steps see it. */
  base: string;
  /** Steps to run before the copy: the freeze of a running container (thawed by its undo), the private mount of a stopped one. */
  mount?: Instance;
  nsFile?: string;
  hold?: Instance;
}

// How the host reaches the container's files: running → /proc/PID1/root (frozen for the copy), stopped → its
// layers mounted in a private mount namespace (read-only, or with its writable layer to copy in).
async function access(work: StoreWork, r: Roots, id: string, bootId: string, write: boolean): Promise<Access> {
  const { view, pid1 } = runningPid1(r, id, bootId);
  if (pid1) {
    const cg = (view as RunState).cgroup;
    // A container paused by the user stays paused: no hold, and no thaw at the end.
    const freezable = cg && canFreeze(cg) && !isFrozen(cg);
    return { view: procView(`/proc/${pid1}/root`), base: `/proc/${pid1}/root`, ...(freezable ? { hold: planHold(cg, id) } : {}) };
  }
  if (view.status === 'created' && !view.owner) throw new GlassboxError(`container ${view.name} has not started yet: it has no files of its own`, { hint: 'glassbox start it first' });
  const fs = containerFs(r, id);
  const paths = containerPaths(r, id);
  const layers = [fs.upper, ...fs.lowerDirs];
  for (const d of [...layers, paths.work]) if (/[,:\\\s]/.test(d)) throw new GlassboxError(`layer path ${d} contains "," ":" "\\" or white space`);
  if (!isPrivateMountPoint(r.run)) throw new GlassboxError(`the run root ${r.run} is not set up`, { hint: 'run any container once (or glassbox export), then copy' });
  const nsFile = path.join(r.run, `cp-${path.basename(work.dir)}`);
  const mnt = work.file('merged');
  const options = write ? `lowerdir=${fs.lowerDirs.join(':')},upperdir=${fs.upper},workdir=${paths.work}` : `ro,lowerdir=${layers.join(':')}`;
  return { view: layerView(layers), base: mnt, nsFile, mount: { block: 'cp-mount', as: 'cp-mount', params: { ns_file: nsFile, mnt, options } } };
}

// Runs the copy's instances as one journaled plan: a running container frozen first, a stopped one's layers
// mounted first; the undos at the end (or gc's, after a kill) thaw it or take the mount away.
async function runCopy(work: StoreWork, a: Access, instances: Instance[], label: string): Promise<void> {
  const first = a.hold ?? a.mount;
  // The copy waits for the freeze or the private mount (the executor runs independent steps side by side).
  const wait = a.hold ? [a.hold.params.hold_v1_dir ? 'hold.hold-v1' : 'hold.hold-v2'] : a.mount ? [`${a.mount.as}.mount`] : [];
  const after = first ? instances.map((i) => ({ ...i, after: wait })) : instances;
  await work.run([...(first ? [first] : []), ...after], label, { undo: true });
}

// Reads a tar and checks it with the layer rules; refuses whiteout names (a copy carries none).
export async function checkTar(file: string): Promise<string[]> {
  const { entries } = await scanTarFile(file);
  const plan = checkLayer(entries);
  if (plan.whiteouts.length || plan.opaque.length) throw new GlassboxError('unsafe archive: it holds whiteout (.wh.) members', { hint: 'nothing was copied' });
  return entries.map((e) => e.name);
}

// No member may pass through a symlink (or a non-directory) already at the destination, except where the
// archive itself makes that directory first (tar then replaces the link).
export async function checkDestination(view: FsView, dest: string, members: string[]): Promise<void> {
  const made = new Set<string>();
  for (const m of members) {
    const parts = memberPath(m);
    for (let i = 1; i < parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (made.has(rel)) continue;
      const st = await view.lstat(path.posix.join(dest, rel));
      if (st?.isSymbolicLink()) throw new GlassboxError(`cannot copy ${m}: ${path.posix.join(dest, rel)} is a symlink at the destination`, { hint: 'glassbox cp never writes through a symlink; nothing was copied' });
      if (st && !st.isDirectory()) throw new GlassboxError(`cannot copy ${m}: ${path.posix.join(dest, rel)} is not a directory`);
      made.add(rel);
    }
    made.add(parts.join('/'));
  }
}

// SRC's directory and the name to pack: `DIR/.` packs DIR's contents (docker's SRC/.).
function packTarget(resolved: string, contents: boolean): { dir: string; name: string } {
  if (contents || resolved === '/') return { dir: resolved, name: '.' };
  return { dir: path.posix.dirname(resolved), name: path.posix.basename(resolved) };
}

const wantsContents = (p: string) => /(^|\/)\.$/.test(p);

// glassbox cp CONTAINER:SRC DEST|-
export async function copyFromContainer(work: StoreWork, r: Roots, id: string, bootId: string, src: string, dest: string, stdout: Writable): Promise<void> {
  const a = await access(work, r, id, bootId, false);
  const s = await resolveContainerPath(a.view, src, false);
  if (!s.st) throw new GlassboxError(`Could not find the file ${src} in container ${id.slice(0, 12)}`);
  const { dir, name } = packTarget(s.path, wantsContents(src));
  const tar = work.fresh('cp.tar');
  const hostDir = a.base + dir;
  const pack: Instance = { block: 'cp-pack', as: 'cp-pack', params: { ...(a.nsFile ? { ns_file: a.nsFile } : {}), out: tar, dir: hostDir, name } };
  await runCopy(work, a, [pack], `copying from ${id.slice(0, 12)}`);
  if (dest === '-') {
    await pipeline(createReadStream(tar), stdout);
    return;
  }
  // The container's tar is untrusted: read and checked before it is unpacked on the host.
  const members = await checkTar(tar);
  const abs = path.resolve(dest);
  const dst = await stat(abs).catch(() => undefined);
  const host: FsView = procView('');
  let unpack: Instance;
  if (dst?.isDirectory() && name !== '.') {
    await checkDestination(host, abs, members);
    unpack = { block: 'cp-unpack', as: 'cp-unpack', params: { file: tar, into: abs } };
  } else if (!dst && name === '.') {
    unpack = await renamed(tar, abs, '.');
  } else if (dst?.isDirectory()) {
    await checkDestination(host, abs, members);
    unpack = { block: 'cp-unpack', as: 'cp-unpack', params: { file: tar, into: abs } };
  } else {
    if (dst && s.st.isDirectory()) throw new GlassboxError(`cannot copy a directory to a file: ${dest}`);
    unpack = await renamed(tar, abs, name);
  }
  await work.run([unpack], `copying to ${dest}`, { undo: true });
}

// DEST does not exist (or is a file SRC replaces): unpacked into a fresh directory beside it, then renamed.
async function renamed(tar: string, abs: string, name: string): Promise<Instance> {
  const parent = path.dirname(abs);
  if (!(await stat(parent).catch(() => undefined))?.isDirectory()) throw new GlassboxError(`cannot copy to ${abs}: ${parent} is not a directory`);
  const tmp = path.join(parent, `.glassbox-cp-${randomBytes(6).toString('hex')}`);
  return { block: 'cp-unpack', as: 'cp-unpack', params: { file: tar, into: tmp, tmp, from: path.join(tmp, name), final: abs } };
}

// glassbox cp SRC|- CONTAINER:DEST
export async function copyToContainer(work: StoreWork, r: Roots, id: string, bootId: string, src: string, dest: string, stdin: Readable): Promise<void> {
  const tar = work.fresh('cp-in.tar');
  let name = '.';
  let srcIsDir = true;
  if (src === '-') await pipeline(stdin, createWriteStream(tar));
  else {
    const abs = path.resolve(src);
    const st = await lstat(abs).catch(() => undefined);
    if (!st) throw new GlassboxError(`could not find the file ${src}`, { field: 'SRC' });
    srcIsDir = st.isDirectory();
    const t = packTarget(abs, wantsContents(src));
    name = t.name;
    await work.run([{ block: 'cp-pack', as: 'cp-pack', params: { out: tar, dir: t.dir, name } }], `packing ${src}`);
  }
  const members = await checkTar(tar);
  const a = await access(work, r, id, bootId, true);
  const d = await resolveContainerPath(a.view, dest, true);
  const ns = a.nsFile ? { ns_file: a.nsFile } : {};
  let unpack: Instance;
  if (src === '-' || (d.st?.isDirectory() && name !== '.')) {
    // A stream is unpacked into DEST as it is (docker: DEST must be a directory).
    if (!d.st?.isDirectory()) throw new GlassboxError(`destination ${dest} must be a directory in the container`);
    await checkDestination(a.view, d.path, members);
    unpack = { block: 'cp-unpack', as: 'cp-unpack', params: { ...ns, file: tar, into: a.base + d.path } };
  } else if (d.st?.isDirectory()) {
    await checkDestination(a.view, d.path, members);
    unpack = { block: 'cp-unpack', as: 'cp-unpack', params: { ...ns, file: tar, into: a.base + d.path } };
  } else {
    if (d.st && srcIsDir) throw new GlassboxError(`cannot copy a directory to a file: ${dest}`);
    const parent = path.posix.dirname(d.path);
    if (!(await a.view.lstat(parent))?.isDirectory()) throw new GlassboxError(`cannot copy to ${dest}: ${parent} is not a directory in the container`);
    const tmp = `${a.base}${parent === '/' ? '' : parent}/.glassbox-cp-${path.basename(tar)}`;
    unpack = { block: 'cp-unpack', as: 'cp-unpack', params: { ...ns, file: tar, into: tmp, tmp, from: path.join(tmp, name), final: a.base + d.path } };
  }
  await runCopy(work, a, [unpack], `copying to ${id.slice(0, 12)}`);
}
