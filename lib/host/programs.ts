// Finding host programs and telling static from dynamic ones, without spawning anything: PATH is scanned with
// access(2), and an ELF file is static when its program headers have no PT_INTERP (no dynamic loader named).

import { accessSync, constants, statSync } from 'node:fs';
import { access, open } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Finds an executable by scanning PATH folders ourselves, which costs no process.
export async function findOnPath(name: string, pathEnv = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of pathEnv.split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here, try the next folder
    }
  }
  return undefined;
}


// A program `npm run build` compiles into dist/ (the seccomp loader, the v2 device filter), by absolute path, or
// undefined when it is missing or unsafe: it runs as root, so a copy that someone else could have replaced (an
// owner `ownerOk` refuses, or writable by group or others) is not used. `override` names another copy.
export function findBuiltProgram(name: string, override: string | undefined, ownerOk: (uid: number) => boolean = (uid) => uid === 0): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = override ? [override] : [here, path.join(here, '..'), path.join(here, '..', '..')].flatMap((d) => [path.join(d, name), path.join(d, 'dist', name)]);
  for (const c of candidates) {
    try {
      const st = statSync(c);
      if (st.isFile() && ownerOk(st.uid) && (st.mode & 0o022) === 0 && (st.mode & 0o100) !== 0) return c;
    } catch {}
  }
  return undefined;
}

// Returns undefined when the file is missing or not ELF.
export async function isStaticElf(file: string): Promise<boolean | undefined> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const head = Buffer.alloc(64);
    await fh.read(head, 0, 64, 0);
    if (head.readUInt32BE(0) !== 0x7f454c46) return undefined; // "\x7fELF"
    const is64 = head[4] === 2;
    const le = head[5] === 1;
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const phoff = is64 ? Number(le ? head.readBigUInt64LE(32) : head.readBigUInt64BE(32)) : u32(head, 28);
    const phentsize = u16(head, is64 ? 54 : 42);
    const phnum = u16(head, is64 ? 56 : 44);
    const table = Buffer.alloc(phentsize * phnum);
    await fh.read(table, 0, table.length, phoff);
    const PT_INTERP = 3;
    for (let i = 0; i < phnum; i++) if (u32(table, i * phentsize) === PT_INTERP) return false;
    return true;
  } finally {
    await fh.close();
  }
}


// The same, synchronously (the planner's context is gathered on the start-up path of every run).
export function findOnPathSync(name: string, pathEnv = process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'): string | undefined {
  for (const dir of pathEnv.split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}
