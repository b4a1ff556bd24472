// Rootless mode. A user namespace maps user IDs: a process can be root inside one (every capability over the
// namespaces the user namespace owns) while it stays an ordinary user on the host. glassbox uses the simplest
// mapping, one line "0 UID 1" made by `unshare --map-root-user`: root inside is you outside, nobody else is
// mapped. An ordinary user cannot keep a user namespace in a file (that bind mount would have to be made in the
// host's mount namespace, which needs the host's CAP_SYS_ADMIN), so glassbox runs itself again as root of a new
// user and mount namespace (the userns block) and makes the container from there, like podman does.
//
// This module decides whether a run is rootless, where its state lives, and what the mode refuses. It reads
// files and the environment; it starts nothing.

import { existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GlassboxError } from '../errors.ts';
import { ROOTLESS_LOSSES } from './losses.ts';

export { ROOTLESS_LOSSES } from './losses.ts';

/** Set by glassbox in its own environment when it runs itself again inside the user namespace. */
export const USERNS_ENV = 'GLASSBOX_USERNS';

// The kernel's identity map (the initial user namespace) is "0 0 4294967295"; anything else is a user namespace.
export function inUserNamespace(uidMap = readUidMap()): boolean {
  const lines = uidMap.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
  return !(lines.length === 1 && lines[0] === '0 0 4294967295');
}

function readUidMap(): string {
  try {
    return readFileSync('/proc/self/uid_map', 'utf8');
  } catch {
    return '0 0 4294967295';
  }
}

// True inside the user namespace glassbox made for itself: the planner then plans a rootless container.
export function rootlessActive(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[USERNS_ENV] === '1' && inUserNamespace();
}

// Rootless is asked for with --rootless, or implied by running as an ordinary user.
export function wantsRootless(flag: boolean | undefined, euid = process.geteuid?.() ?? 0): boolean {
  return !!flag || euid !== 0;
}

/** The user's own roots: XDG_RUNTIME_DIR/glassbox (or /tmp/glassbox-run-UID) and XDG_DATA_HOME/glassbox. */
export function rootlessRoots(env: NodeJS.ProcessEnv, uid: number, home: string): { root: string; run: string } {
  const data = env.XDG_DATA_HOME || join(home, '.local', 'share');
  const runtime = env.XDG_RUNTIME_DIR && existsSync(env.XDG_RUNTIME_DIR) ? join(env.XDG_RUNTIME_DIR, 'glassbox') : `/tmp/glassbox-run-${uid}`;
  return { root: env.GLASSBOX_ROOT || join(data, 'glassbox'), run: env.GLASSBOX_RUN || runtime };
}

// Makes the user's roots (mode 0700) and refuses one owned by someone else: /tmp/glassbox-run-UID could have been
// made by another user first.
export function ensureOwnRoots(r: { root: string; run: string }, uid = process.getuid?.() ?? 0): void {
  for (const dir of [r.root, r.run]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory() || st.uid !== uid) {
      throw new GlassboxError(`${dir} is not a directory of yours`, { hint: 'set GLASSBOX_ROOT and GLASSBOX_RUN to directories you own' });
    }
  }
}

/** The environment glassbox runs itself again with, inside the user namespace. */
export function userNamespaceEnv(env: NodeJS.ProcessEnv = process.env, cpu?: string): Record<string, string> {
  const r = rootlessRoots(env, process.getuid?.() ?? 0, homedir());
  return { GLASSBOX_ROOT: r.root, GLASSBOX_RUN: r.run, [USERNS_ENV]: '1', ...(cpu ? { [CPU_ENV]: cpu } : {}) };
}

/** The CPU the rootless namespaces are made on (see the userns block's why), passed to the inner glassbox. */
export const CPU_ENV = 'GLASSBOX_USERNS_CPU';

// The CPUs this process may run on (taskset's list form, from /proc/self/status), and the first of them.
export function allowedCpus(status = readFileSync('/proc/self/status', 'utf8')): { list: string; first: string } | undefined {
  const list = /^Cpus_allowed_list:\s*(\S+)$/m.exec(status)?.[1];
  const first = list ? /^\d+/.exec(list)?.[0] : undefined;
  return list && first ? { list, first } : undefined;
}

// Refuses, before anything is prepared, what a rootless container cannot have (pure).
export function checkRootlessSpec(spec: { network?: { mode: string } }): void {
  const mode = spec.network?.mode ?? 'none';
  if (mode !== 'none') {
    throw new GlassboxError(`rootless containers have no --network ${mode}: ${ROOTLESS_LOSSES.network}`, { hint: 'use --network none, or run glassbox as root' });
  }
}
