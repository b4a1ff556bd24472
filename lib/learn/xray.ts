// --xray: run each command under strace, following its children, and show the system calls that make containers —
// namespaces (unshare, setns, clone), mounts (mount, umount2, pivot_root, chroot), the files that name namespaces
// and cgroups, device nodes, the host name, and the chain of programs (execve). The answer to "what does
// `unshare -m` actually do". The trace goes to a file so the command's own output stays apart.

import { readFileSync } from 'node:fs';

/** The system calls traced; the rest of the command's life is left out. */
export const XRAY_CALLS = [
  'execve', 'clone', 'clone3', 'unshare', 'setns', 'mount', 'umount2', 'pivot_root', 'chroot', 'chdir', 'fchdir',
  'mkdir', 'mkdirat', 'mknodat', 'symlinkat', 'sethostname', 'openat', 'kill', 'socket',
];

// The argv that runs `argv` under strace, writing the trace to `file`.
export function xrayArgv(strace: string, file: string, argv: string[]): string[] {
  return [strace, '-f', '-qq', '-s', '120', '-e', 'signal=none', '-e', `trace=${XRAY_CALLS.join(',')}`, '-o', file, ...argv];
}

// Opening libraries, locales and the like is how every program starts: not what the lesson is about.
const NOISE = /"(\/etc\/ld\.so|\/lib|\/usr\/lib|\/usr\/share\/locale|\/usr\/lib\/locale|\/etc\/(nsswitch|passwd|group|localtime|selinux)|\/proc\/filesystems|\/dev\/tty|\/sys\/kernel\/mm|\/proc\/sys\/kernel\/(ngroups|cap_last))/;

// Reads a trace file and keeps the interesting calls, with processes renamed p1, p2… in order of appearance.
export function summarizeTrace(text: string): string[] {
  const calls: Array<[string, string]> = [];
  for (const raw of text.split('\n')) {
    const m = /^(\d+)\s+(.*)$/.exec(raw.trim());
    if (m) calls.push([m[1]!, m[2]!]);
  }
  const names = new Map<string, string>();
  for (const [pid] of calls) if (!names.has(pid)) names.set(pid, `p${names.size + 1}`);
  const out: string[] = [];
  for (const [pid, call] of calls) {
    if (/^(\+\+\+|---)/.test(call)) continue;
    if (/^execve\(/.test(call) && / = -1 ENOENT/.test(call)) continue; // the PATH search before the real one
    if (/^(openat|chdir|mkdir|mkdirat)\(/.test(call) && (NOISE.test(call) || / = -1 (ENOENT|EEXIST)/.test(call))) continue;
    // execve("/usr/bin/unshare", ["unshare", …], 0x7ff… /* 39 vars */) = 0: the environment pointer says nothing.
    let shown = call.replace(/, 0x[0-9a-f]+ \/\* \d+ vars? \*\/\)/, ')');
    // A child's PID in a clone result, or in /proc/PID/… paths, reads better as its p-name.
    shown = shown.replace(/(= |\/proc\/)(\d+)\b/g, (all, pre: string, n: string) => (names.has(n) ? `${pre}${names.get(n)}` : all));
    // Container IDs are 64 hex digits: 12 are enough to recognise one.
    shown = shown.replace(/\b([0-9a-f]{12})[0-9a-f]{52}\b/g, '$1…');
    out.push(`${names.get(pid)}  ${shown}`);
  }
  return out;
}

// Reads and summarises a trace file; a missing file (the command never started) gives no lines.
export function readTrace(file: string): string[] {
  try {
    return summarizeTrace(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}
