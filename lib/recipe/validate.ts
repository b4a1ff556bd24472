// Rules every container spec must satisfy, whether it came from a recipe file or from `run` flags. Each problem
// names the field path it is about, so a recipe can point at file:line:col and the CLI at the flag.

import { checkResources, type ResourceHost } from '../cgroup/resources.ts';
import { resolveSecurity } from '../security/model.ts';
import { ARGS_TOTAL_MAX, argBytes, NAME_MAX, pathLengthProblem, stringProblems } from './limits.ts';
import type { ContainerSpec, Volume } from './model.ts';
import type { Problem } from './problem.ts';
import { volumeNameProblem } from '../volume/spec.ts';

export type { Problem } from './problem.ts';

export const NAME_RE = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
const HOSTNAME_RE = /^(?=.{1,64}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const ENV_KEY_RE = /^[^=\0]+$/;
const USER_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/;
const SIZE_RE = /^[0-9]+[kmgKMG]?$/;
/** Characters that would change the meaning of an overlay mount's option string. */
export const OVERLAY_UNSAFE = /[,:\\\s]/;

/** Control characters have no business in a path, and a newline could smuggle a line into a generated file. */
export const CONTROL_CHARS = /[\x00-\x1f\x7f]/;

// True when a container path is absolute and has no `..` (so it cannot climb out of the root by itself).
export function isCleanAbsolute(p: string): boolean {
  return p.startsWith('/') && !p.split('/').includes('..') && !CONTROL_CHARS.test(p);
}

// True when a volume may not be mounted at this (already clean) target: glassbox mounts these itself.
export function isReservedTarget(target: string): boolean {
  const t = target.replace(/\/+$/, '') || '/';
  return RESERVED.includes(t) || t.startsWith('/proc/') || t.startsWith('/sys/');
}

// Checks a spec and returns every problem found (an empty list means valid). With `host`, the checks that depend
// on the machine (--cpus above its CPU count, a cpuset outside its online CPUs) are made too.
export function validateSpec(spec: ContainerSpec, host?: ResourceHost): Problem[] {
  const out: Problem[] = [];
  const bad = (path: Problem['path'], message: string, hint?: string) => out.push({ path, message, hint });
  // NUL bytes and values too long for execve first: the checks below assume sane strings.
  const { origins: _o, source: _s, ...fields } = spec;
  const strings = stringProblems(fields);
  if (strings.length) return strings;
  const pathTooLong = (path: Problem['path'], p: string | undefined) => {
    const why = p === undefined ? undefined : pathLengthProblem(p);
    if (why) bad(path, why, 'use a shorter path');
    return why !== undefined;
  };

  if (spec.name !== undefined && !NAME_RE.test(spec.name)) {
    bad(['name'], `invalid container name "${spec.name}"`, 'use lowercase letters, digits, and _ . - (up to 63, starting with a letter or digit)');
  }
  if (spec.image === undefined && spec.rootdir === undefined) bad([], 'a container needs an image or a rootdir', 'add `image: glassbox/base`');
  if (spec.image !== undefined && spec.rootdir !== undefined) bad(['rootdir'], 'give either image or rootdir, not both');
  if (spec.rootdir !== undefined && !pathTooLong(['rootdir'], spec.rootdir)) {
    if (!spec.rootdir.startsWith('/')) bad(['rootdir'], `rootdir must be an absolute path, got "${spec.rootdir}"`);
    else if (OVERLAY_UNSAFE.test(spec.rootdir)) bad(['rootdir'], 'rootdir must not contain "," ":" "\\" or white space', 'these characters would change the overlay mount options');
    else if (spec.rootdir.split('/').includes('..')) bad(['rootdir'], 'rootdir must not contain ".."', 'give the real path');
    else if (CONTROL_CHARS.test(spec.rootdir)) bad(['rootdir'], 'rootdir must not contain control characters');
  }
  if (spec.workdir !== undefined && !pathTooLong(['workdir'], spec.workdir) && !isCleanAbsolute(spec.workdir)) {
    bad(['workdir'], `workdir must be an absolute path without "..", got "${spec.workdir}"`);
  }
  if (spec.hostname !== undefined && !HOSTNAME_RE.test(spec.hostname)) {
    bad(['hostname'], `invalid hostname "${spec.hostname}"`, 'letters, digits and -, dot-separated, at most 64 characters');
  }
  if (spec.user !== undefined && spec.user.split(':').some((p) => p.length > NAME_MAX)) bad(['user'], `a user or group name is longer than ${NAME_MAX} characters`);
  else if (spec.user !== undefined && !USER_RE.test(spec.user)) bad(['user'], `invalid user "${spec.user}"`, 'USER, UID, USER:GROUP or UID:GID');
  for (const [k, v] of Object.entries(spec.env)) {
    if (!ENV_KEY_RE.test(k)) bad(['env', k], `invalid environment variable name "${k}"`);
    if (v.includes('\0')) bad(['env', k], 'environment values cannot contain a NUL byte');
  }
  for (const ns of ['mount', 'pid'] as const) {
    if (!spec.namespaces.includes(ns)) bad(['namespaces'], `the ${ns} namespace is required`, `glassbox always gives a container its own ${ns} namespace`);
  }
  if (new Set(spec.namespaces).size !== spec.namespaces.length) bad(['namespaces'], 'a namespace is listed twice');
  spec.command?.forEach((a, i) => a.includes('\0') && bad(['command', i], 'arguments cannot contain a NUL byte'));
  if (spec.command !== undefined && spec.command.length === 0) bad(['command'], 'the command is empty');
  const envBytes = argBytes(Object.entries(spec.env).map(([k, v]) => `${k}=${v}`));
  const argvBytes = argBytes([...(spec.entrypoint ?? []), ...(spec.command ?? [])]);
  if (envBytes + argvBytes > ARGS_TOTAL_MAX) {
    bad([argvBytes >= envBytes ? 'command' : 'env'], `the command and environment take ${envBytes + argvBytes} bytes; glassbox accepts at most ${ARGS_TOTAL_MAX}`, "half of the kernel's usual ARG_MAX (2 MiB): the rest is for the start chain");
  }
  spec.volumes.forEach((v, i) => validateVolume(v, i, bad));
  spec.volumesFrom?.forEach((f, i) => NAME_RE.test(f.container) || /^[0-9a-f]{1,64}$/.test(f.container) || bad(['volumes_from', i], `invalid container name "${f.container}"`));
  const targets = spec.volumes.map((v) => v.target.replace(/\/+$/, '') || '/');
  targets.forEach((t, i) => {
    if (targets.indexOf(t) !== i) bad(['volumes', i, 'target'], `duplicate mount point ${t}`);
  });
  if (spec.resources) out.push(...checkResources(spec.resources, host));
  if (spec.security) out.push(...resolveSecurity(spec.security).problems);
  return out;
}

const RESERVED = ['/', '/proc', '/dev', '/sys', '/dev/pts', '/dev/shm', '/dev/mqueue'];

function validateVolume(v: Volume, i: number, bad: (p: Problem['path'], m: string, h?: string) => void): void {
  const tooLong = (key: 'source' | 'target', p: string) => {
    const why = pathLengthProblem(p);
    if (why) bad(['volumes', i, key], why, 'use a shorter path');
    return why !== undefined;
  };
  if (!tooLong('target', v.target)) {
    if (!isCleanAbsolute(v.target)) bad(['volumes', i, 'target'], `volume target must be an absolute path without "..", got "${v.target}"`);
    else if (isReservedTarget(v.target)) bad(['volumes', i, 'target'], `cannot mount a volume on ${v.target}`, 'glassbox mounts /, /proc, /sys and /dev itself');
  }
  if (v.type === 'bind') {
    if (tooLong('source', v.source)) return;
    if (!v.source.startsWith('/')) bad(['volumes', i, 'source'], `volume source must be an absolute host path, got "${v.source}"`, 'write it as /full/path or $PWD/path');
    else if (CONTROL_CHARS.test(v.source)) bad(['volumes', i, 'source'], 'volume source must not contain control characters');
  } else if (v.type === 'volume') {
    const why = v.source === undefined ? undefined : volumeNameProblem(v.source);
    if (why) bad(['volumes', i, 'source'], why);
  } else {
    if (v.size !== undefined && !SIZE_RE.test(v.size)) bad(['volumes', i, 'size'], `invalid size "${v.size}"`, 'a number with an optional k, m or g suffix, like 64m');
    if (v.mode !== undefined && !/^[0-7]{3,4}$/.test(v.mode)) bad(['volumes', i, 'mode'], `invalid mode "${v.mode}"`, 'an octal mode like 1777');
  }
}

// docker's short volume form (SRC:DST[:MODE], DST alone for an anonymous volume): lib/volume/spec.ts.
export { parseVolumeShort } from '../volume/spec.ts';
