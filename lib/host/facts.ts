// Host facts: what this kernel offers, read from /proc and /sys only (no processes), because the planner needs
// them on every `glassbox run` and reading a dozen small files costs well under 2 ms.
//
// cgroups come in two generations, and a host can mount either or both:
//   - v1: one hierarchy (a separate mounted tree) per controller, e.g. /sys/fs/cgroup/memory holds
//     memory.limit_in_bytes. Some controllers share a tree (`cpu,cpuacct`); `name=systemd` is a tree with no
//     controller at all, used only to track processes.
//   - v2: one unified tree (fstype `cgroup2`), usually at /sys/fs/cgroup; the controllers it offers are listed in
//     its `cgroup.controllers` file (memory.max, cpu.max, …).
//   - hybrid: v1 trees for the controllers *and* a cgroup2 mount beside them (systemd's /sys/fs/cgroup/unified).
//     A controller lives in one generation at a time, so on such hosts the limits go through the v1 trees.
//
// /proc/self/mountinfo lists every mount this process can see, one per line:
//   36 25 0:32 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
//   (1)(2) (3) (4)      (5)            (6)     ...  (fstype) (source) (super options)
// Field 5 is the mount point (spaces escaped as \040), optional fields end at a lone `-`, after which come the
// filesystem type, the source and the super-block options — where a cgroup v1 mount names its controllers.

import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCpuList } from '../cgroup/units.ts';

export type CgroupMode = 'v1' | 'v2' | 'hybrid' | 'none';

export interface CgroupFacts {
  mode: CgroupMode;
  /** v1 controller → mount point, e.g. memory → /sys/fs/cgroup/memory; named trees keep their `name=` prefix. */
  v1Controllers: Record<string, string>;
  /** Where cgroup2 is mounted (the host path as mountinfo shows it), if it is. */
  v2Mount?: string;
  /** Controllers listed in `<v2Mount>/cgroup.controllers` (empty on hybrid hosts, where v1 owns them). */
  v2Controllers: string[];
  /** The cgroup2 mount's options, mount and super-block ones together (nsdelegate, memory_recursiveprot …). */
  v2Options?: string[];
}

export interface HostFacts {
  root: boolean;
  kernel: string;
  bootId: string;
  cgroup: CgroupFacts;
  overlay: boolean;
  /** Namespace kinds this kernel offers (of mnt, uts, ipc, pid, net, user, cgroup, time). */
  namespaces: string[];
  ipForward: boolean;
  cpus: number;
  /** CPU numbers the kernel has online (/sys/devices/system/cpu/online, "0-3" → [0, 1, 2, 3]). */
  onlineCpus: number[];
  userns: { maxUserNamespaces: number; unprivilegedClone?: boolean };
}

export interface FactRoots {
  procRoot?: string;
  sysRoot?: string;
}

export const NAMESPACE_KINDS = ['mnt', 'uts', 'ipc', 'pid', 'net', 'user', 'cgroup', 'time'] as const;

// Super options of a cgroup v1 mount that are settings, not controller names.
const V1_NON_CONTROLLER_OPTIONS = new Set(['rw', 'ro', 'xattr', 'noprefix', 'clone_children', 'cpuset_v2_mode', 'favordynmods', 'none', 'all']);

// Gathers every fact at once; each read falls back quietly so a missing file never stops `glassbox run`.
export async function readHostFacts(opts: FactRoots = {}): Promise<HostFacts> {
  const proc = opts.procRoot ?? '/proc';
  const sys = opts.sysRoot ?? '/sys';
  // Small files of /proc and /sys, read synchronously: each is a few microseconds, while an fs/promises read costs
  // several trips through the thread pool (about 5 ms for these ten at start-up).
  const [kernel, bootId, mountinfo, filesystems, ipForward, maxUserNs, unprivClone, online] = [
    `${proc}/sys/kernel/osrelease`,
    `${proc}/sys/kernel/random/boot_id`,
    `${proc}/self/mountinfo`,
    `${proc}/filesystems`,
    `${proc}/sys/net/ipv4/ip_forward`,
    `${proc}/sys/user/max_user_namespaces`,
    `${proc}/sys/kernel/unprivileged_userns_clone`,
    `${sys}/devices/system/cpu/online`,
  ].map(readText);
  let nsEntries: string[] = [];
  try {
    nsEntries = readdirSync(`${proc}/self/ns`);
  } catch {}
  const cgroup = parseCgroupMounts(mountinfo ?? '');
  if (cgroup.v2Mount) {
    const list = readText(path.join(underSysRoot(cgroup.v2Mount, sys), 'cgroup.controllers'));
    cgroup.v2Controllers = words(list ?? '');
  }
  return {
    root: process.geteuid?.() === 0,
    kernel: kernel ?? '',
    bootId: bootId ?? '',
    cgroup,
    overlay: hasFilesystem(filesystems ?? '', 'overlay'),
    namespaces: NAMESPACE_KINDS.filter((n) => nsEntries.includes(n)),
    ipForward: ipForward === '1',
    cpus: os.availableParallelism(),
    onlineCpus: parseOnline(online, os.availableParallelism()),
    userns: {
      maxUserNamespaces: Number.parseInt(maxUserNs ?? '0', 10) || 0,
      ...(unprivClone === undefined ? {} : { unprivilegedClone: unprivClone === '1' }),
    },
  };
}

// Reads a small file trimmed; a missing or unreadable file gives undefined instead of an error.
function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

// Turns mountinfo text into the cgroup picture (mode, v1 trees, the cgroup2 mount); pure, so tests feed it text.
export function parseCgroupMounts(mountinfo: string): CgroupFacts {
  const v1Controllers: Record<string, string> = {};
  const v2Mounts: string[] = [];
  const v2Options = new Map<string, string[]>();
  for (const line of mountinfo.split('\n')) {
    const m = parseMountLine(line);
    if (!m) continue;
    if (m.fstype === 'cgroup2') {
      v2Mounts.push(m.mountPoint);
      if (!v2Options.has(m.mountPoint)) v2Options.set(m.mountPoint, [...new Set([...(line.trim().split(' ')[5] ?? '').split(','), ...m.superOptions.split(',')])].filter(Boolean));
    }
    if (m.fstype !== 'cgroup') continue;
    for (const opt of m.superOptions.split(',')) {
      if (V1_NON_CONTROLLER_OPTIONS.has(opt) || (opt.includes('=') && !opt.startsWith('name='))) continue;
      v1Controllers[opt] ??= m.mountPoint; // the first mount of a tree is the host's; later ones are bind mounts
    }
  }
  // Prefer the conventional places when cgroup2 is mounted more than once.
  const v2Mount = ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'].find((p) => v2Mounts.includes(p)) ?? v2Mounts[0];
  const hasV1 = Object.keys(v1Controllers).length > 0;
  const mode: CgroupMode = hasV1 ? (v2Mount ? 'hybrid' : 'v1') : v2Mount ? 'v2' : 'none';
  return { mode, v1Controllers, ...(v2Mount ? { v2Mount, v2Options: v2Options.get(v2Mount) ?? [] } : {}), v2Controllers: [] };
}

export interface MountInfoLine {
  mountPoint: string;
  fstype: string;
  source: string;
  superOptions: string;
  /** Optional fields such as shared:12 or master:3 (the mount's propagation). */
  optional: string;
}

// Splits one mountinfo line into the fields glassbox uses; undefined for blank or malformed lines.
export function parseMountLine(line: string): MountInfoLine | undefined {
  const fields = line.trim().split(' ');
  const sep = fields.indexOf('-', 6);
  if (fields.length < 5 || sep < 0 || fields.length < sep + 4) return undefined;
  return {
    mountPoint: unescapeMountPath(fields[4]!),
    fstype: fields[sep + 1]!,
    source: unescapeMountPath(fields[sep + 2]!),
    superOptions: fields[sep + 3]!,
    optional: fields.slice(6, sep).join(' '),
  };
}

// True when `path` is a mount point whose propagation is private (no shared: or master: tag on the top mount).
export function isPrivateMountPoint(path: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): boolean {
  const top = mountinfo.split('\n').map(parseMountLine).filter((m) => m?.mountPoint === path).at(-1);
  return top !== undefined && !/shared:|master:/.test(top.optional);
}

// The mount points strictly below dir in this mount namespace, deepest first (the order to unmount them in).
export function mountPointsBelow(dir: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const below = mountinfo.split('\n').map(parseMountLine).map((m) => m?.mountPoint).filter((mp): mp is string => !!mp && mp.startsWith(dir + '/'));
  return [...new Set(below)].sort((a, b) => b.split('/').length - a.split('/').length);
}

// The kernel writes space, tab, newline and backslash in paths as octal escapes (\040, \011, \012, \134).
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

// Maps a host path under /sys to the same path under sysRoot, so a temp dir can stand in for /sys in tests.
function underSysRoot(hostPath: string, sysRoot: string): string {
  if (hostPath === '/sys' || hostPath.startsWith('/sys/')) return sysRoot + hostPath.slice('/sys'.length);
  return hostPath;
}

// /proc/filesystems lines are `nodev\toverlay` or `\text4`: the name is the last word.
function hasFilesystem(text: string, name: string): boolean {
  return text.split('\n').some((line) => line.trim().split(/\s+/).at(-1) === name);
}

// The online CPU list; without the file, CPUs 0 … n-1.
function parseOnline(text: string | undefined, n: number): number[] {
  const p = text === undefined ? undefined : parseCpuList(text);
  return p && 'value' in p ? p.value : Array.from({ length: n }, (_, i) => i);
}

function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}
