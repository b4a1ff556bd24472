// The shared libraries a host program needs, as the dynamic loader would find them: a read-only probe that asks
// `ldd`. A dynamically linked ELF names its loader (PT_INTERP), which maps each library it needs; copying a
// program into a root of its own (the base image, a lesson's hand-made root) means copying those files too, at
// the same paths. Callers decide which programs to ask about (a static one needs nothing).

import { GlassboxError } from '../errors.ts';
import { runCommand } from '../exec/spawn.ts';

// Pulls absolute paths out of `ldd` output: `libc.so.6 => /lib/…/libc.so.6 (0x…)` and the loader line
// `/lib64/ld-linux-x86-64.so.2 (0x…)`; the kernel's vdso has no file and is skipped.
export function parseLdd(output: string, program = 'the program'): string[] {
  const files: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const arrow = /^(\S+) => (.*?)(?: \(0x[0-9a-f]+\))?$/.exec(line);
    if (arrow) {
      if (arrow[2] === 'not found') {
        throw new GlassboxError(`${program} needs ${arrow[1]}, which the host does not have`, { hint: 'install the library, or use a static busybox' });
      }
      if (arrow[2]!.startsWith('/')) files.push(arrow[2]!);
      continue;
    }
    const loader = /^(\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (loader) files.push(loader[1]!);
  }
  return files;
}

// The shared libraries and the loader `ldd` lists for one program; none for a program ldd calls "not a dynamic
// executable" (a script, a static binary). Any other failure is an error that says what to install.
export async function sharedLibraries(program: string): Promise<string[]> {
  const r = await runCommand(['ldd', program]);
  if (r.exitCode !== 0 && !/not a dynamic executable/.test(r.stdout + r.stderr)) {
    throw new GlassboxError(`ldd ${program} failed (exit ${r.exitCode})`, { detail: r.stderr.trim(), hint: 'is ldd (libc-bin) installed?' });
  }
  return parseLdd(r.stdout, program);
}
