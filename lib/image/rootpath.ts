// Paths as a container sees them, resolved from the host without ever leaving the container's root.
//
// An image is untrusted data. Its /etc/passwd may be a symlink to `/etc/shadow`, or its /data a symlink to
// `../../../../root`. If glassbox, running on the host as root, simply opened `ROOT/etc/passwd` or created a mount
// point at `ROOT/data`, the kernel would follow those links on the HOST and read or mount over host files. So we
// walk the path one component at a time, read each symlink ourselves and re-anchor it at ROOT: an absolute target
// starts again at ROOT, and `..` never climbs above ROOT (exactly what the container's own kernel view does after
// pivot_root). The result is a host path whose every component has been checked (docker's "FollowSymlinkInScope").
//
// readFileFromLayers() does the same through a stack of overlay layer dirs before they are mounted, so we can read
// an image's /etc/passwd straight from the store. overlayfs merges the layers top first; two special entries in a
// higher layer hide what is below:
//   - a WHITEOUT: a character device 0/0 named NAME (overlay's own form), or a file `.wh.NAME` (the OCI tar form):
//     NAME is deleted;
//   - an OPAQUE directory: xattr `trusted.overlay.opaque=y` (overlay's form), or a file `.wh..wh..opq` inside it
//     (the OCI tar form): the directory exists, but nothing of lower layers shows through it.

import type { Stats } from 'node:fs';
import { lstat, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { GlassboxError } from '../errors.ts';
import { runCommand } from '../exec/spawn.ts';
import { findOnPath } from './hostfiles.ts';

const MAX_LINK_HOPS = 40; // Linux's own limit (MAXSYMLINKS)

function isCode(e: unknown, ...codes: string[]): boolean {
  return typeof e === 'object' && e !== null && codes.includes((e as NodeJS.ErrnoException).code ?? '');
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch (e) {
    if (isCode(e, 'ENOENT', 'ENOTDIR')) return undefined;
    throw e;
  }
}

function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

function tooManyLinks(p: string): GlassboxError {
  return new GlassboxError(`too many levels of symbolic links resolving ${p}`, { hint: `a symlink loop inside the image (ELOOP, more than ${MAX_LINK_HOPS} links)` });
}

// Resolves `p` as seen inside `root` and returns the host path; symlinks are followed but can never escape root.
export async function resolveInRoot(root: string, p: string, opts: { followLast?: boolean } = {}): Promise<string> {
  const base = path.resolve(root);
  const followLast = opts.followLast ?? true;
  const done: string[] = []; // components under root already resolved (none of them a symlink)
  let todo = components(p);
  let hops = 0;
  while (todo.length > 0) {
    const c = todo.shift()!;
    if (c === '..') {
      done.pop(); // at root this is a no-op: `/..` is `/`
      continue;
    }
    const host = path.join(base, ...done, c);
    const st = await lstatOrUndefined(host);
    const follow = todo.length > 0 || followLast;
    if (st?.isSymbolicLink() && follow) {
      if (++hops > MAX_LINK_HOPS) throw tooManyLinks(p);
      const target = await readlink(host);
      if (target.startsWith('/')) done.length = 0; // absolute: start again at the container's /
      todo = [...components(target), ...todo];
      continue;
    }
    done.push(c); // a real entry, or a missing one (kept as written)
  }
  return path.join(base, ...done);
}

// Reads a text file of a container root (undefined when it is missing or not a file).
export async function readFileInRoot(root: string, p: string): Promise<string | undefined> {
  try {
    return await readFile(await resolveInRoot(root, p), 'utf8');
  } catch (e) {
    if (isCode(e, 'ENOENT', 'ENOTDIR', 'EISDIR')) return undefined;
    throw e;
  }
}

// ---- through overlay layers ----------------------------------------------------------------------------------

// overlayfs' whiteout: a character device with device number 0/0.
export function isWhiteoutStat(st: Pick<Stats, 'isCharacterDevice' | 'rdev'>): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

export interface LayerReadOptions {
  /** Tells whether a layer directory is opaque by xattr; default: `getfattr` when we are root and it is installed. */
  opaqueXattr?: (dir: string) => Promise<boolean>;
}

// One directory of the merged tree: the host dirs that contribute to it, top layer first.
type MergedDir = string[];

// What a name inside a merged directory is: missing, a directory (merged again), or the topmost non-directory.
type Entry = { kind: 'missing' } | { kind: 'dir'; dirs: MergedDir } | { kind: 'leaf'; host: string; st: Stats };

// Looks `name` up in each contributing dir top first, stopping at whiteouts, opaque dirs and non-directories.
async function lookupEntry(parent: MergedDir, name: string, isOpaque: (dir: string) => Promise<boolean>): Promise<Entry> {
  const dirs: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const host = path.join(parent[i]!, name);
    const st = await lstatOrUndefined(host);
    if (st && isWhiteoutStat(st)) break;
    if (!st) {
      if (await lstatOrUndefined(path.join(parent[i]!, `.wh.${name}`))) break;
      continue;
    }
    if (!st.isDirectory()) {
      if (dirs.length > 0) break; // a directory above hides a file below
      return { kind: 'leaf', host, st };
    }
    dirs.push(host);
    if (i < parent.length - 1 && (await isOpaque(host))) break; // nothing below shows through
  }
  return dirs.length > 0 ? { kind: 'dir', dirs } : { kind: 'missing' };
}

/** Where a path leads in a stack of layers: its container path with every symlink resolved, and what is there. */
export interface LayerPath {
  /** The container path, symlinks resolved inside the image (missing trailing parts kept as given). */
  path: string;
  kind: 'missing' | 'dir' | 'file' | 'other';
  /** For a file: the host path of the topmost copy. */
  host?: string;
}

// Walks a path through an unmounted image's layer dirs (top first), as the merged overlay would resolve it.
export async function resolveInLayers(lowerDirs: string[], p: string, opts: LayerReadOptions = {}): Promise<LayerPath> {
  const opaqueXattr = opts.opaqueXattr ?? defaultOpaqueXattr;
  const isOpaque = async (dir: string) => (await lstatOrUndefined(path.join(dir, '.wh..wh..opq'))) !== undefined || opaqueXattr(dir);
  const top: MergedDir = lowerDirs.map((d) => path.resolve(d));
  const stack: MergedDir[] = [top]; // the merged dirs from / down to the current one
  const names: string[] = []; // their names, for the resolved path
  let todo = components(p);
  let hops = 0;
  const here = (rest: string[] = []) => '/' + [...names, ...rest].join('/');
  while (todo.length > 0) {
    const c = todo.shift()!;
    if (c === '..') {
      if (stack.length > 1) (stack.pop(), names.pop());
      continue;
    }
    const entry = await lookupEntry(stack[stack.length - 1]!, c, isOpaque);
    if (entry.kind === 'missing') return { path: here([c, ...todo]), kind: 'missing' };
    if (entry.kind === 'dir') {
      stack.push(entry.dirs);
      names.push(c);
      continue;
    }
    if (entry.st.isSymbolicLink()) {
      if (++hops > MAX_LINK_HOPS) throw tooManyLinks(p);
      const target = await readlink(entry.host);
      if (target.startsWith('/')) (stack.length = 1, names.length = 0); // re-anchor at the image's root
      todo = [...components(target), ...todo];
      continue;
    }
    if (todo.length > 0) return { path: here([c, ...todo]), kind: 'other' }; // a file used as a directory
    return { path: here([c]), kind: entry.st.isFile() ? 'file' : 'other', host: entry.host };
  }
  return { path: here(), kind: 'dir' };
}

// Reads a file of an unmounted image through its layer dirs (top first), as the merged overlay would show it.
export async function readFileFromLayers(lowerDirs: string[], p: string, opts: LayerReadOptions = {}): Promise<string | undefined> {
  const r = await resolveInLayers(lowerDirs, p, opts);
  return r.kind === 'file' && r.host ? readFile(r.host, 'utf8') : undefined;
}

let getfattrPath: Promise<string | undefined> | undefined;

// trusted.* xattrs are readable by root only, and Node has no xattr call: ask getfattr (package `attr`) if present.
async function defaultOpaqueXattr(dir: string): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  getfattrPath ??= findOnPath('getfattr');
  const getfattr = await getfattrPath;
  if (!getfattr) return false;
  const r = await runCommand([getfattr, '--absolute-names', '--only-values', '-n', 'trusted.overlay.opaque', dir]);
  return r.exitCode === 0 && r.stdout.trim() === 'y';
}
