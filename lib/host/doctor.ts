// `glassbox doctor`: checks that this host can run containers the way glassbox builds them, and for every
// problem names the one command that fixes it.
//
// glassbox drives the kernel only through ordinary programs, so a host is ready when (1) the kernel offers the
// features (namespaces, cgroups, overlayfs, IP forwarding) and (2) the programs that reach them are installed and
// new enough. Most come from util-linux: `unshare --wd` needs 2.36, `setpriv --pdeathsig` and `flock --no-fork`
// are newer options too, so the check reads each tool's own --version or --help. Tools are found by scanning
// $PATH (no `which` process), and the few version commands run concurrently.

import { rootlessChecks } from '../rootless/doctor.ts';
import { findOnPath, isStaticElf } from './programs.ts';
import { access, constants, open } from 'node:fs/promises';
import path from 'node:path';
import chalk, { Chalk } from 'chalk';
import { runCommand } from '../exec/spawn.ts';
import type { HostFacts } from './facts.ts';
import type { CheckStatus, DoctorCheck } from './check.ts';

export type { CheckStatus, DoctorCheck } from './check.ts';
import { cgroupLayout } from '../cgroup/layout.ts';
import { internalProcessProblem, type V2Delegation } from '../cgroup/delegation.ts';
import { findDeviceFilter } from '../cgroup/device-filter.ts';
import { findSeccompLoader, LOADER_NAME } from '../security/loader.ts';

export interface DoctorReport {
  /** False when any check failed; warnings leave the host usable. */
  ok: boolean;
  checks: DoctorCheck[];
}

/** Tools glassbox runs, with the Debian package that ships each; `optional` ones only warn (networking). */
export const TOOLS: ReadonlyArray<{ name: string; pkg: string; optional?: boolean }> = [
  { name: 'unshare', pkg: 'util-linux' },
  { name: 'nsenter', pkg: 'util-linux' },
  { name: 'mount', pkg: 'mount' },
  { name: 'umount', pkg: 'mount' },
  { name: 'pivot_root', pkg: 'util-linux' },
  { name: 'setpriv', pkg: 'util-linux' },
  { name: 'flock', pkg: 'util-linux' },
  { name: 'mkfifo', pkg: 'coreutils' },
  { name: 'cp', pkg: 'coreutils' },
  { name: 'ln', pkg: 'coreutils' },
  { name: 'mkdir', pkg: 'coreutils' },
  { name: 'rm', pkg: 'coreutils' },
  { name: 'touch', pkg: 'coreutils' },
  { name: 'hostname', pkg: 'hostname' },
  { name: 'tar', pkg: 'tar' },
  { name: 'ip', pkg: 'iproute2', optional: true },
  { name: 'iptables', pkg: 'iptables', optional: true },
];

const MIN_UTIL_LINUX: [number, number] = [2, 36];
const BUSYBOX = '/bin/busybox';

// Runs every check; the only processes started are the version/help commands, all at once.
export async function runDoctor(facts: HostFacts): Promise<DoctorReport> {
  const found = new Map(await Promise.all(TOOLS.map(async (t) => [t.name, await findOnPath(t.name)] as const)));
  const has = (name: string) => found.get(name) !== undefined;
  const [unshareV, nsenterV, setprivHelp, flockHelp, iptablesV, busyboxStatic] = await Promise.all([
    has('unshare') ? output(['unshare', '--version']) : undefined,
    has('nsenter') ? output(['nsenter', '--version']) : undefined,
    has('setpriv') ? output(['setpriv', '--help']) : undefined,
    has('flock') ? output(['flock', '--help']) : undefined,
    has('iptables') ? output(['iptables', '--version']) : undefined,
    isStaticElf(BUSYBOX),
  ]);
  const checks = [
    checkRoot(facts),
    checkKernel(facts),
    checkCgroup(facts),
    ...checkCgroupV2(facts),
    checkOverlay(facts),
    checkUtilLinux({ unshareV, nsenterV, setprivHelp, flockHelp }),
    await checkTools(found),
    checkIptables(iptablesV),
    checkIpForward(facts),
    checkUserns(facts),
    checkBusybox(busyboxStatic),
    ...securityChecks(facts),
  ];
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

// On a pure v2 host: which controllers the root passes down, nsdelegate, where this process sits, and whether the
// no-internal-process rule lets glassbox enable the controllers it needs for its groups.
function checkCgroupV2(facts: HostFacts): DoctorCheck[] {
  if (facts.cgroup.mode !== 'v2') return [];
  const layout = cgroupLayout(facts.cgroup);
  if (!layout?.delegation) return [];
  return [v2DelegationCheck(layout.delegation, layout.controllers)];
}

// The check itself, from the facts (pure, so unit tests can feed it any tree).
export function v2DelegationCheck(d: V2Delegation, available: string[]): DoctorCheck {
  const name = 'cgroup v2';
  const wanted = ['memory', 'pids', 'cpu', 'cpuset'].filter((c) => available.includes(c));
  const self =
    d.self === undefined
      ? 'this process: unknown (no 0:: line in /proc/self/cgroup)'
      : d.self === '/'
        ? `this process: / (${d.trueRoot ? 'the root group, exempt from the no-internal-process rule' : 'the root of its cgroup namespace'})`
        : `this process: ${d.self} (${d.selfChildren === 0 ? 'a leaf' : `an inner group with ${d.selfChildren} child groups`})`;
  const parent = d.parent
    ? `${d.parent.dir} passes ${d.parent.subtreeControl.join(' ') || 'nothing'} and holds ${d.parent.procs.length ? `${d.parent.procs.length} process(es)` : 'no process'}`
    : `${d.root}/glassbox is made on the first run and holds no process (only the containers' groups below it)`;
  const detail = [
    `the root passes down ${d.subtreeControl.join(' ') || 'no controller yet'} (cgroup.subtree_control; glassbox enables ${wanted.join(' ')})`,
    `${d.trueRoot ? 'the kernel\'s root group' : 'not the kernel\'s root group (a cgroup namespace or delegated subtree)'}`,
    `nsdelegate ${d.nsdelegate ? 'on' : 'off'}`,
    self,
    parent,
  ].join('; ');
  const problem = internalProcessProblem(d, wanted);
  if (problem) return { name, status: 'fail', detail: `${detail}. ${problem.reason}`, fix: problem.fix };
  return { name, status: 'ok', detail };
}

// Creating namespaces, mounting and writing cgroups all need root.
function checkRoot(facts: HostFacts): DoctorCheck {
  return facts.root
    ? { name: 'root', status: 'ok', detail: 'running as root' }
    : { name: 'root', status: 'fail', detail: `running as uid ${process.geteuid?.() ?? '?'}; glassbox needs root`, fix: 'sudo glassbox doctor' };
}

// The kernel version, and the namespace kinds a container is built from.
function checkKernel(facts: HostFacts): DoctorCheck {
  const needed = ['mnt', 'uts', 'ipc', 'pid', 'net'];
  const missing = needed.filter((n) => !facts.namespaces.includes(n));
  const detail = `${facts.kernel || 'unknown version'}; namespaces: ${facts.namespaces.join(' ') || 'none found'}`;
  if (missing.length > 0) return { name: 'kernel', status: 'fail', detail: `${detail} (missing ${missing.join(', ')})` };
  return { name: 'kernel', status: facts.kernel ? 'ok' : 'warn', detail };
}

// Limits (memory, cpu, pids) go through cgroups; which files glassbox writes depends on the mode.
function checkCgroup(facts: HostFacts): DoctorCheck {
  const { mode, v1Controllers, v2Mount, v2Controllers } = facts.cgroup;
  const wanted = ['memory', 'cpu', 'pids'];
  const name = 'cgroups';
  if (mode === 'none') {
    return { name, status: 'fail', detail: 'no cgroup filesystem mounted', fix: 'mount -t cgroup2 cgroup2 /sys/fs/cgroup' };
  }
  const available = mode === 'v2' ? v2Controllers : Object.keys(v1Controllers);
  const missing = wanted.filter((c) => !available.includes(c));
  let detail: string;
  if (mode === 'v2') detail = `v2 at ${v2Mount}; controllers: ${v2Controllers.join(' ') || 'none'}`;
  else if (mode === 'v1') detail = `v1; controllers: ${Object.keys(v1Controllers).join(' ')}`;
  else detail = `hybrid: limits use the v1 controllers (${Object.keys(v1Controllers).join(' ')}); cgroup2 at ${v2Mount} is not used`;
  if (missing.length > 0) return { name, status: 'warn', detail: `${detail}; missing ${missing.join(', ')}: those limits cannot be set` };
  return { name, status: 'ok', detail };
}

// Image layers are stacked with overlayfs; without it every container needs a full copy.
function checkOverlay(facts: HostFacts): DoctorCheck {
  return facts.overlay
    ? { name: 'overlay', status: 'ok', detail: 'overlay filesystem available' }
    : { name: 'overlay', status: 'fail', detail: 'overlay not in /proc/filesystems', fix: 'modprobe overlay' };
}

// util-linux options glassbox relies on arrived in different releases: check the version and each option.
function checkUtilLinux(o: { unshareV?: string; nsenterV?: string; setprivHelp?: string; flockHelp?: string }): DoctorCheck {
  const name = 'util-linux';
  const fix = 'apt-get install -y util-linux';
  const version = parseUtilLinuxVersion(o.unshareV ?? '');
  if (!version) return { name, status: 'fail', detail: 'cannot read the version from `unshare --version`', fix };
  const shown = version.join('.');
  const problems: string[] = [];
  if (compareVersions(version, MIN_UTIL_LINUX) < 0) problems.push(`${shown} is older than ${MIN_UTIL_LINUX.join('.')} (no unshare --wd)`);
  if (!parseUtilLinuxVersion(o.nsenterV ?? '')) problems.push('nsenter --version failed');
  if (!o.setprivHelp?.includes('pdeathsig')) problems.push('setpriv lacks --pdeathsig');
  if (!o.flockHelp?.includes('--no-fork')) problems.push('flock lacks --no-fork');
  if (problems.length > 0) return { name, status: 'fail', detail: problems.join('; '), fix };
  return { name, status: 'ok', detail: `${shown} (unshare --wd, nsenter, setpriv --pdeathsig, flock --no-fork)` };
}

// Every program a plan may contain must be on PATH; missing network tools only disable networking.
async function checkTools(found: Map<string, string | undefined>): Promise<DoctorCheck> {
  const missing = TOOLS.filter((t) => found.get(t.name) === undefined);
  if (missing.length === 0) return { name: 'tools', status: 'ok', detail: `all ${TOOLS.length} found on PATH` };
  const status: CheckStatus = missing.every((t) => t.optional) ? 'warn' : 'fail';
  // A non-root PATH often lacks the sbin folders: say so rather than asking to install what is there.
  const elsewhere = await Promise.all(missing.map((t) => findOnPath(t.name, '/usr/local/sbin:/usr/sbin:/sbin')));
  const absent = missing.filter((_, i) => elsewhere[i] === undefined);
  const outside = elsewhere.filter((p): p is string => p !== undefined);
  const note = outside.length > 0 ? ` (outside PATH: ${outside.join(', ')})` : '';
  const fix = absent.length > 0
    ? `apt-get install -y ${[...new Set(absent.map((t) => t.pkg))].join(' ')}`
    : 'export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"';
  return { name: 'tools', status, detail: `missing on PATH: ${missing.map((t) => t.name).join(', ')}${note}`, fix };
}

// Port publishing and NAT are iptables rules; the backend (nf_tables or legacy) must match the host's other rules.
function checkIptables(versionText?: string): DoctorCheck {
  const name = 'iptables';
  if (versionText === undefined) return { name, status: 'warn', detail: 'iptables not on PATH: no NAT or published ports', fix: 'apt-get install -y iptables' };
  const backend = /\((nf_tables|legacy)\)/.exec(versionText)?.[1];
  return backend
    ? { name, status: 'ok', detail: `${versionText.trim()}: ${backend} backend` }
    : { name, status: 'warn', detail: `cannot tell the backend from: ${versionText.trim() || '(no output)'}` };
}

// Containers reach the outside through the host's routing, which is off until ip_forward is 1.
function checkIpForward(facts: HostFacts): DoctorCheck {
  return facts.ipForward
    ? { name: 'ip_forward', status: 'ok', detail: 'net.ipv4.ip_forward = 1' }
    : { name: 'ip_forward', status: 'warn', detail: 'net.ipv4.ip_forward = 0: containers cannot reach outside the host', fix: 'sysctl -w net.ipv4.ip_forward=1' };
}

// User namespaces map container root to an unprivileged host user (optional: glassbox runs as real root).
function checkUserns(facts: HostFacts): DoctorCheck {
  const name = 'user namespaces';
  const { maxUserNamespaces, unprivilegedClone } = facts.userns;
  if (!facts.namespaces.includes('user')) return { name, status: 'warn', detail: 'kernel has no user namespaces' };
  if (maxUserNamespaces <= 0) {
    return { name, status: 'warn', detail: 'user.max_user_namespaces = 0', fix: 'sysctl -w user.max_user_namespaces=15000' };
  }
  const unpriv = unprivilegedClone === false ? '; unprivileged users may not create them' : '';
  return { name, status: 'ok', detail: `up to ${maxUserNamespaces}${unpriv}` };
}

// A static busybox makes the default image self-contained; without one, host binaries and their libraries are copied.
function checkBusybox(isStatic: boolean | undefined): DoctorCheck {
  const name = 'busybox';
  if (isStatic === true) return { name, status: 'ok', detail: `${BUSYBOX} is static: used for the default image` };
  const detail = isStatic === false ? `${BUSYBOX} is dynamically linked` : `${BUSYBOX} not found`;
  return { name, status: 'warn', detail: `${detail}: the default image will copy host binaries instead`, fix: 'apt-get install -y busybox-static' };
}

// Runs a version/help command and returns its text; undefined if it could not run.
async function output(argv: string[]): Promise<string | undefined> {
  try {
    const r = await runCommand(argv, { timeoutMs: 5000 });
    return r.exitCode === 0 ? r.stdout + r.stderr : undefined;
  } catch {
    return undefined;
  }
}

// `unshare from util-linux 2.38.1` → [2, 38, 1].
export function parseUtilLinuxVersion(text: string): number[] | undefined {
  const m = /util-linux(?:-ng)? (\d+(?:\.\d+)*)/.exec(text);
  return m ? m[1]!.split('.').map(Number) : undefined;
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

// Static means no PT_INTERP program header (no dynamic loader); read from the ELF header, no `file` needed.
// Renders the report as aligned lines, one per check, with the fix underneath; colour only when asked.
export function formatDoctor(report: DoctorReport, opts: { color: boolean }): string {
  // The caller decided on colour, so do not let chalk's own terminal detection switch it off.
  const c = new Chalk({ level: chalk.level || 1 });
  const paint = {
    ok: (s: string) => (opts.color ? c.green(s) : s),
    warn: (s: string) => (opts.color ? c.yellow(s) : s),
    fail: (s: string) => (opts.color ? c.red(s) : s),
    dim: (s: string) => (opts.color ? c.dim(s) : s),
  };
  const mark: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };
  const width = Math.max(0, ...report.checks.map((c) => c.name.length));
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${paint[check.status](mark[check.status])}  ${check.name.padEnd(width)}  ${check.detail}`);
    if (check.fix) lines.push(`${' '.repeat(6 + width + 2)}${paint.dim('fix:')} ${check.fix}`);
  }
  const count = (s: CheckStatus) => report.checks.filter((k) => k.status === s).length;
  const summary = `${count('ok')} ok, ${count('warn')} warnings, ${count('fail')} failed`;
  lines.push('', report.ok ? paint.ok(`host is ready (${summary})`) : paint.fail(`host is not ready (${summary})`));
  return lines.join('\n') + '\n';
}

// What a default container's confinement rests on here: the seccomp loader, and how device nodes are kept shut
// (the v1 device cgroup; on cgroup v2 an eBPF program attached by glassbox-device-filter, or without it no CAP_MKNOD
// and nodev mounts), and what a rootless run loses (lib/rootless/doctor.ts).
export function securityChecks(facts: HostFacts): DoctorCheck[] {
  const loader = findSeccompLoader();
  const seccomp: DoctorCheck = loader
    ? { name: 'seccomp', status: 'ok', detail: `default filter loaded by ${loader}` }
    : process.arch !== 'x64'
      ? { name: 'seccomp', status: 'fail', detail: `the default filter speaks x86_64 system call numbers; this is ${process.arch}`, fix: 'glassbox run --security-opt seccomp=unconfined …' }
      : { name: 'seccomp', status: 'fail', detail: `${LOADER_NAME} is not built (or not owned by root, or writable by others)`, fix: 'apt-get install gcc libc6-dev && npm run build' };
  const v1Devices = facts.cgroup.mode !== 'v2' && facts.cgroup.mode !== 'none' && !!facts.cgroup.v1Controllers.devices;
  const v2Filter = facts.cgroup.mode === 'v2' ? findDeviceFilter() : undefined;
  const devices: DoctorCheck = v1Devices
    ? { name: 'devices', status: 'ok', detail: 'cgroup v1 devices allow-list (runc defaults), nodev on the root, volumes and tmpfs' }
    : v2Filter
      ? { name: 'devices', status: 'ok', detail: `cgroup v2 eBPF device program (runc defaults) attached by ${v2Filter}, nodev on the root, volumes and tmpfs` }
      : {
          name: 'devices',
          status: 'warn',
          detail: 'no v1 devices controller (on cgroup v2 device filtering needs BPF: dist/glassbox-device-filter is not built, or not owned by root): containers lose CAP_MKNOD and rely on nodev mounts; a device node an image brings can still not be opened (nodev root)',
        };
  return [seccomp, devices, ...rootlessChecks(facts.cgroup.mode)];
}
