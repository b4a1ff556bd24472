// Is a layer safe to extract, and which whiteouts does it hold? Pure functions over a tar listing (tarscan.ts).
//
// `tar -x -C DIR` writes where the member names say. A hostile archive can aim outside DIR in a few ways, and each
// is refused before tar runs:
//   - an absolute name (`/etc/passwd`) or one that climbs (`../../etc/passwd`);
//   - a symbolic link, then a member "inside" it (`evil -> /etc`, then `evil/passwd`): tar would follow the link
//     it just made and write into the host's /etc;
//   - a symbolic link whose target climbs above the layer's root (`x -> ../../../..`), even when nothing uses it
//     in this archive (a later layer, or a later tool, could);
//   - a hard link to a path outside the layer (`ln ../../etc/shadow`): the link would share the host file's inode;
//   - device nodes (a block device is a door to a disk), except the character device 0/0 that overlayfs itself
//     uses as a whiteout.
// An absolute symlink target (`/bin/sh -> /bin/busybox`) is fine: it is resolved inside the container's root.
//
// Whiteouts (OCI image spec, "Representing Changes"): a layer deletes a path of a lower layer by holding an empty
// file `.wh.NAME` beside it, and hides a whole directory's lower content with `DIR/.wh..wh..opq`. overlayfs
// expects different markers: a character device 0/0 named NAME, and the xattr `trusted.overlay.opaque=y` on DIR.
// whiteoutPlan() lists the conversions; the layer-unpack block performs them with mknod and setfattr.

import { GlassboxError } from '../errors.ts';
import type { TarEntry } from './tarscan.ts';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

export interface WhiteoutPlan {
  /** Paths (relative, no leading ./) where a character device 0/0 must be made. */
  whiteouts: string[];
  /** Directories (relative; '' is the layer's root) that must be marked opaque. */
  opaque: string[];
  /** Parent directories the markers need (they may hold nothing else, so tar may not have made them). */
  parents: string[];
}

const bad = (what: string, name: string) =>
  new GlassboxError(`unsafe archive: ${what}: ${JSON.stringify(name)}`, { hint: 'glassbox refuses archives whose members could write outside the image store; nothing was extracted' });

// Splits a member name into clean components: `./a//b/` → [a, b]. Refuses absolute names and `..`.
export function memberPath(name: string): string[] {
  if (name.startsWith('/')) throw bad('absolute member name', name);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw bad('member name climbs out with ".."', name);
  if (name.includes('\0')) throw bad('NUL in member name', name);
  return parts;
}

// Where a symlink's target lands, lexically, from the layer's root; undefined when it climbs above the root.
export function symlinkLands(dirParts: string[], target: string): string[] | undefined {
  const out = target.startsWith('/') ? [] : [...dirParts];
  for (const p of target.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(p);
  }
  return out;
}

export interface SafetyOptions {
  /** Allow device nodes other than 0/0 (never for images glassbox imports). */
  allowDevices?: boolean;
}

// Checks every member; throws a GlassboxError naming the first unsafe one. Returns the whiteout plan.
export function checkLayer(entries: TarEntry[], opts: SafetyOptions = {}): WhiteoutPlan {
  const symlinks = new Set<string>();
  const seen = new Set<string>();
  const whiteouts: string[] = [];
  const opaque: string[] = [];
  const parents = new Set<string>();
  for (const e of entries) {
    const parts = memberPath(e.name);
    const rel = parts.join('/');
    if (parts.length === 0) {
      if (e.type !== 'dir') throw bad('the root entry is not a directory', e.name);
      continue;
    }
    // No member may pass through a symlink made earlier in the same archive.
    for (let i = 1; i < parts.length; i++) {
      if (symlinks.has(parts.slice(0, i).join('/'))) throw bad(`member goes through the symbolic link ${parts.slice(0, i).join('/')}`, e.name);
    }
    const base = parts[parts.length - 1]!;
    const dir = parts.slice(0, -1);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      if (e.type !== 'file' && e.type !== 'hardlink') throw bad('a whiteout marker that is not a plain file', e.name);
      if (base === OPAQUE_MARKER) opaque.push(dir.join('/'));
      else {
        const target = base.slice(WHITEOUT_PREFIX.length);
        if (target === '' || target === '.' || target === '..' || target.startsWith(WHITEOUT_PREFIX)) throw bad('a whiteout of an invalid name', e.name);
        whiteouts.push([...dir, target].join('/'));
      }
      if (dir.length) parents.add(dir.join('/'));
      continue;
    }
    if (e.type === 'symlink') {
      if (e.linkname === '') throw bad('a symbolic link with an empty target', e.name);
      if (!symlinkLands(dir, e.linkname)) throw bad(`symbolic link points outside the image (→ ${e.linkname})`, e.name);
      symlinks.add(rel);
    } else symlinks.delete(rel); // a later member replaces the link
    if (e.type === 'hardlink') {
      let target: string[];
      try {
        target = memberPath(e.linkname);
      } catch {
        throw bad(`hard link points outside the image (→ ${e.linkname})`, e.name);
      }
      const t = target.join('/');
      for (let i = 1; i <= target.length; i++) {
        if (symlinks.has(target.slice(0, i).join('/'))) throw bad(`hard link goes through the symbolic link ${target.slice(0, i).join('/')}`, e.name);
      }
      if (!seen.has(t)) throw bad(`hard link to ${e.linkname}, which is not earlier in the archive`, e.name);
    }
    if ((e.type === 'char' || e.type === 'block') && !opts.allowDevices) {
      if (!(e.type === 'char' && e.devmajor === 0 && e.devminor === 0)) throw bad(`${e.type === 'char' ? 'character' : 'block'} device ${e.devmajor}:${e.devminor}`, e.name);
    }
    if (e.type === 'other') throw bad('a member of an unknown type', e.name);
    seen.add(rel);
  }
  return { whiteouts, opaque, parents: [...parents].sort() };
}

// The reverse, for commit and save: overlay's markers (found in an upper or layer dir) as OCI marker file names.
export function ociMarkers(whiteoutDevices: string[], opaqueDirs: string[]): string[] {
  const out: string[] = [];
  for (const d of opaqueDirs) out.push(d === '' ? OPAQUE_MARKER : `${d}/${OPAQUE_MARKER}`);
  for (const w of whiteoutDevices) {
    const i = w.lastIndexOf('/');
    out.push(i === -1 ? `${WHITEOUT_PREFIX}${w}` : `${w.slice(0, i)}/${WHITEOUT_PREFIX}${w.slice(i + 1)}`);
  }
  return out.sort();
}
