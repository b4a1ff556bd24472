// The files of glassbox's built-in base image, taken from this host (there is no registry to pull from).
//
// A program needs more than its own file. A DYNAMICALLY linked ELF names an interpreter in its PT_INTERP program
// header — the dynamic loader, e.g. /lib64/ld-linux-x86-64.so.2 — which the kernel starts first; the loader then
// maps every shared library the program needs (libc.so.6, …). Inside a container those must exist at the same
// paths, so we copy the program, each library `ldd` lists, and the loader. A STATICALLY linked ELF has no PT_INTERP
// and needs nothing else: a static busybox (one binary, hundreds of applets) is the ideal base image.
//
// The returned paths are the host's as found (some may be symlinks, e.g. /usr/bin/sh → dash): copy them with
// symlinks dereferenced.

import path from 'node:path';
import { GlassboxError } from '../errors.ts';
import { findOnPath, isStaticElf as elfIsStatic } from '../host/programs.ts';
export { findOnPath };
import { sharedLibraries } from '../host/libraries.ts';
export { parseLdd } from '../host/libraries.ts';

export type HostImageFiles = { kind: 'busybox'; busybox: string } | { kind: 'host'; files: string[] };

const DEFAULT_PROGRAMS = ['sh', 'ls', 'cat', 'echo', 'env', 'hostname', 'id', 'mkdir', 'rm', 'ps', 'mount', 'sleep', 'true', 'false'];
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const PT_INTERP = 3;

// Static means no PT_INTERP (no loader needed); missing and non-ELF files are not static.
export async function isStaticElf(file: string): Promise<boolean> {
  return (await elfIsStatic(file)) === true;
}


// Chooses the base image's content: a static busybox when there is one, else host programs and their libraries.
export async function hostImageFiles(opts: { busyboxPath?: string; programs?: string[] } = {}): Promise<HostImageFiles> {
  const busybox = opts.busyboxPath ?? '/bin/busybox';
  if (await isStaticElf(busybox)) return { kind: 'busybox', busybox };

  const programs: string[] = [];
  for (const name of opts.programs ?? DEFAULT_PROGRAMS) {
    const program = name.includes('/') ? path.resolve(name) : await findOnPath(name);
    if (program) programs.push(program);
    else if (name === 'sh') throw new GlassboxError('no "sh" found on PATH', { hint: 'the base image needs a shell; install one or provide a static busybox' });
  }
  const libraries = await Promise.all(programs.map(librariesOf)); // independent: ask ldd about all at once
  const files = new Set([...programs, ...libraries.flat()]);
  return { kind: 'host', files: [...files].sort() };
}

// The shared libraries and loader one host program needs (none for a static one).
async function librariesOf(program: string): Promise<string[]> {
  return (await isStaticElf(program)) ? [] : sharedLibraries(program);
}
