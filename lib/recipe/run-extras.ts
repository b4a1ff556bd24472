// The smaller `run` settings docker has beside the big concerns: --ulimit, --device, --sysctl, --shm-size (and
// their recipe keys ulimits:, devices:, sysctls:, shm_size:). Each is parsed here the way docker parses it, and
// refused with docker's words; the planner turns them into plain commands (prlimit, mknod, sysctl -w, a tmpfs
// size), and lib/plan/prepare.ts checks what needs the host (a device path really is a device node).

import { parseSize } from '../cgroup/units.ts';

/** docker's --ulimit names, which are prlimit(1)'s option names too. */
export const ULIMIT_NAMES = ['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'] as const;
export type UlimitName = (typeof ULIMIT_NAMES)[number];

/** One resource limit; -1 is unlimited. */
export interface Ulimit {
  name: UlimitName;
  soft: number;
  hard: number;
}

/** --device HOST[:CONTAINER[:PERMISSIONS]] (permissions: letters of r, w, m; default rwm). */
export interface DeviceMapping {
  host: string;
  container: string;
  permissions: string;
}

/** docker's /dev/shm default: 64 MiB. */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

// nofile=1024:2048, nofile=1024 (soft = hard), -1 for unlimited, as docker's units.ParseUlimit reads them.
export function parseUlimit(text: string): Ulimit | string {
  const eq = text.indexOf('=');
  if (eq < 0) return `invalid ulimit argument: ${text}`;
  const name = text.slice(0, eq);
  if (!(ULIMIT_NAMES as readonly string[]).includes(name)) return `invalid ulimit type: ${name}`;
  const parts = text.slice(eq + 1).split(':');
  if (parts.length > 2) return `too many limit value arguments - ${text.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``;
  const nums = parts.map((p) => (/^-?\d+$/.test(p) ? Number(p) : NaN));
  if (nums.some((n) => Number.isNaN(n))) return `invalid ulimit argument: ${text}`;
  return ulimitOf(name as UlimitName, nums[0]!, nums[1] ?? nums[0]!);
}

// The recipe's compose form: `nofile: {soft: 1024, hard: 2048}` or `nproc: 65535`.
export function ulimitOf(name: UlimitName, soft: number, hard: number): Ulimit | string {
  if (soft !== -1 && hard !== -1 && soft > hard) return `ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`;
  if (soft === -1 && hard !== -1) return `ulimit soft limit must be less than or equal to hard limit: unlimited > ${hard}`;
  return { name, soft, hard };
}

// prlimit's option for one limit: --nofile=1024:2048 (unlimited for -1).
export function prlimitOption(u: Ulimit): string {
  const v = (n: number) => (n === -1 ? 'unlimited' : String(n));
  return `--${u.name}=${v(u.soft)}:${v(u.hard)}`;
}

// /dev/sda, /dev/sda:/dev/xvda, /dev/sda:/dev/xvda:rw, /dev/sda:rw (docker's parseDevice).
export function parseDevice(text: string): DeviceMapping | string {
  const parts = text.split(':');
  const valid = (p: string) => /^[rwm]{1,3}$/.test(p) && new Set(p).size === p.length;
  const host = parts[0]!;
  let container = host;
  let permissions = 'rwm';
  if (parts.length === 3) {
    container = parts[1]!;
    if (!valid(parts[2]!)) return `bad device permissions "${parts[2]}": only r, w and m`;
    permissions = parts[2]!;
  } else if (parts.length === 2) {
    if (valid(parts[1]!)) permissions = parts[1]!;
    else container = parts[1]!;
  } else if (parts.length !== 1) return `invalid device specification: ${text}`;
  if (!host) return `invalid device specification: ${text}`;
  if (!container.startsWith('/')) return `${container} is not an absolute path`;
  if (container.split('/').includes('..')) return `invalid device path ${container}`;
  return { host, container, permissions };
}

/** The sysctls docker lets a container set: they are namespaced (each container has its own copy). */
const IPC_SYSCTLS = ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'];

/** Which of the container's namespaces a sysctl belongs to, or undefined when docker does not allow it. */
export function sysctlNamespace(key: string): 'ipc' | 'net' | undefined {
  if (IPC_SYSCTLS.includes(key) || key.startsWith('fs.mqueue.')) return 'ipc';
  if (key.startsWith('net.')) return 'net';
  return undefined;
}

// KEY=VALUE with KEY in docker's allow-list (opts.ValidateSysctl); the message is docker's.
export function parseSysctl(text: string): [string, string] | string {
  const eq = text.indexOf('=');
  const key = eq < 0 ? text : text.slice(0, eq);
  if (eq <= 0 || !sysctlNamespace(key) || !/^[A-Za-z0-9_.\-/]+$/.test(key) || key.includes('..')) return `invalid argument "${text}" for "--sysctl" flag: sysctl '${text}' is not allowed`;
  return [key, text.slice(eq + 1)];
}

// --shm-size 128m: a positive size in bytes (binary units, like docker's RAMInBytes).
export function parseShmSize(v: string | number): number | string {
  const p = parseSize(v);
  if ('error' in p) return `invalid size: '${v}'`;
  if (p.value <= 0) return `invalid --shm-size ${v}: it must be more than 0`;
  return p.value;
}
