// The host files a hand-made root needs (lessons 1 and 3, after the containers-from-scratch article): a few
// programs found on PATH, every shared library and the dynamic loader `ldd` lists for them (asked by the host probe
// lib/host/libraries.ts), and a static busybox for the escape. Found here, copied by the lesson's own plain
// commands (cp -L --parents), so the lesson shows each copy.

import { GlassboxError } from '../errors.ts';
import { sharedLibraries } from '../host/libraries.ts';
import { findOnPath, isStaticElf } from '../host/programs.ts';

export interface HostRootFiles {
  /** Program name → its absolute path on this host. */
  programs: Record<string, string>;
  /** Shared libraries and loaders, sorted, without duplicates. */
  libraries: string[];
}

// Finds the programs and the libraries they need; a missing program is an error that says what to install.
export async function hostRootFiles(names: string[]): Promise<HostRootFiles> {
  const programs: Record<string, string> = {};
  for (const name of names) {
    const path = await findOnPath(name, process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    if (!path) throw new GlassboxError(`this lesson copies "${name}" from the host, and there is none on PATH`, { hint: 'run glassbox doctor, or install it' });
    programs[name] = path;
  }
  const libs = new Set<string>();
  for (const p of Object.values(programs)) {
    if ((await isStaticElf(p)) !== false) continue; // static, or not ELF (a script): no libraries
    for (const f of await sharedLibraries(p)) libs.add(f);
  }
  return { programs, libraries: [...libs].sort() };
}

// The static busybox the escape runs after chroot, where no shared library can be found any more.
export async function staticBusybox(path = '/bin/busybox'): Promise<string> {
  if (await isStaticElf(path)) return path;
  throw new GlassboxError(`this lesson needs a statically linked busybox at ${path}`, { hint: 'apt-get install busybox-static' });
}
