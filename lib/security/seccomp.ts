// seccomp: a filter the kernel runs on every system call a process makes, before the call does anything. The
// filter is a classic BPF program (the little virtual machine tcpdump uses) that reads a `struct seccomp_data`
// (the call's number at offset 0, the CPU architecture at 4, the arguments from 16 on) and returns a verdict:
// let it through, fail it with an errno, or kill the process. Once installed it cannot be removed, and children
// inherit it across fork and execve.
//
// glassbox's default filter blocks the calls of docker's profile that matter most for escaping or harming the
// host (kernel keyrings, modules, mounting, new namespaces, bpf, perf, userfaultfd, kexec, the clock, file
// handles, swap, reboot, io_uring…) with EPERM, as docker does for calls a container is not allowed. Unlike
// docker's allow-list this is a deny-list, so it also has to shut the side doors a deny-list leaves open: a call
// made with the 32-bit (i386) convention has other numbers and kills the process; x32 numbers (bit 30 set) fail
// with ENOSYS; clone3, whose flags live in memory a filter cannot read, fails with ENOSYS so C libraries fall
// back to clone, whose flags (argument 0) are checked for namespace bits.
//
// The program is plain data: compiled here, written to a text file in tcpdump's -ddd form ("code jt jf k" per
// line, with a comment saying what each instruction does) and loaded by a 60-line static C program
// (lib/security/seccomp-load.c) that installs it and executes the next program of the start chain.

/** AUDIT_ARCH_X86_64: EM_X86_64 (62) | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
/** System call numbers with this bit set belong to the x32 ABI. */
export const X32_SYSCALL_BIT = 0x40000000;

export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const EPERM = 1;
export const ENOSYS = 38;

/** Namespace flags of clone(2): CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET. */
export const CLONE_NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

/** x86_64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl) of every call the filter names. */
export const X86_64: Record<string, number> = {
  uselib: 134, ustat: 136, sysfs: 139, vhangup: 153, pivot_root: 155, _sysctl: 156, adjtimex: 159, acct: 163,
  settimeofday: 164, mount: 165, umount2: 166, swapon: 167, swapoff: 168, reboot: 169, iopl: 172, ioperm: 173,
  create_module: 174, init_module: 175, delete_module: 176, get_kernel_syms: 177, query_module: 178,
  quotactl: 179, nfsservctl: 180, lookup_dcookie: 212, clock_settime: 227, kexec_load: 246, add_key: 248,
  request_key: 249, keyctl: 250, unshare: 272, perf_event_open: 298, fanotify_init: 300, clock_adjtime: 305,
  open_by_handle_at: 304, setns: 308, finit_module: 313, kexec_file_load: 320, bpf: 321, userfaultfd: 323,
  io_uring_setup: 425, io_uring_enter: 426, io_uring_register: 427, open_tree: 428, move_mount: 429, fsopen: 430,
  fsconfig: 431, fsmount: 432, fspick: 433, clone: 56, clone3: 435, mount_setattr: 442, quotactl_fd: 443, syslog: 103,
};

/** The calls the default filter fails with EPERM, grouped by why (the groups show in the filter's comments). */
export const BLOCKED: ReadonlyArray<{ why: string; calls: string[] }> = [
  { why: 'kernel keyrings are not namespaced', calls: ['add_key', 'request_key', 'keyctl'] },
  { why: 'kernel modules are code in the host kernel', calls: ['init_module', 'finit_module', 'delete_module', 'create_module', 'get_kernel_syms', 'query_module'] },
  { why: 'replacing the running kernel', calls: ['kexec_load', 'kexec_file_load'] },
  { why: 'mounting, old and new API', calls: ['mount', 'umount2', 'pivot_root', 'open_tree', 'move_mount', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'mount_setattr'] },
  { why: 'new or other namespaces', calls: ['unshare', 'setns'] },
  { why: 'kernel programs, perf counters, page faults, io_uring: a large attack surface', calls: ['bpf', 'perf_event_open', 'userfaultfd', 'io_uring_setup', 'io_uring_enter', 'io_uring_register', 'fanotify_init'] },
  { why: 'the clock is shared by the whole machine', calls: ['clock_settime', 'settimeofday', 'adjtimex', 'clock_adjtime'] },
  { why: 'file handles open files by inode, around every path check (the "shocker" escape)', calls: ['open_by_handle_at'] },
  { why: 'machine-wide switches', calls: ['swapon', 'swapoff', 'reboot', 'acct', 'quotactl', 'quotactl_fd', 'syslog', 'vhangup'] },
  { why: 'raw I/O ports', calls: ['iopl', 'ioperm'] },
  { why: 'obsolete calls nobody needs', calls: ['uselib', 'ustat', 'sysfs', '_sysctl', 'nfsservctl', 'lookup_dcookie'] },
];

/** One classic BPF instruction, as struct sock_filter: code, jump-if-true, jump-if-false, constant. */
export interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
  comment: string;
}

const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;

type Target = 'next' | 'eperm' | 'enosys' | 'kill' | 'allow' | 'clone';

// Compiles the default filter. Jumps are written against labels first, then turned into relative offsets (classic
// BPF only jumps forward, at most 255 instructions).
export function compileDefaultFilter(): Insn[] {
  const prog: Array<{ code: number; k: number; jt?: Target; jf?: Target; label?: Target; comment: string }> = [];
  const ins = (code: number, k: number, comment: string, jt?: Target, jf?: Target, label?: Target) => prog.push({ code, k, jt, jf, label, comment });
  ins(LD_W_ABS, 4, 'A = the architecture of the call');
  ins(JEQ_K, AUDIT_ARCH_X86_64, 'x86_64? go on; any other (i386 via int 0x80) would bypass the numbers below', 'next', 'kill');
  ins(LD_W_ABS, 0, 'A = the system call number');
  ins(JGE_K, X32_SYSCALL_BIT, 'an x32 number: fail it with ENOSYS', 'enosys', 'next');
  ins(JEQ_K, X86_64.clone!, 'clone: look at its flags', 'clone', 'next');
  ins(JEQ_K, X86_64.clone3!, 'clone3: its flags are in memory the filter cannot read; ENOSYS makes libc use clone', 'enosys', 'next');
  for (const g of BLOCKED) {
    for (const call of g.calls) ins(JEQ_K, num(call), `${call}: EPERM, ${g.why}`, 'eperm', 'next');
  }
  ins(RET_K, SECCOMP_RET_ALLOW, 'every other call is allowed');
  ins(LD_W_ABS, 16, 'clone: A = the low 32 bits of its flags (argument 0)', undefined, undefined, 'clone');
  ins(JSET_K, CLONE_NAMESPACE_FLAGS, 'any CLONE_NEW* flag? EPERM, else allow', 'eperm', 'allow');
  ins(RET_K, SECCOMP_RET_ERRNO | EPERM, 'fail the call with EPERM', undefined, undefined, 'eperm');
  ins(RET_K, SECCOMP_RET_ERRNO | ENOSYS, 'fail the call with ENOSYS', undefined, undefined, 'enosys');
  ins(RET_K, SECCOMP_RET_KILL_PROCESS, 'kill the process', undefined, undefined, 'kill');
  ins(RET_K, SECCOMP_RET_ALLOW, 'allow the call', undefined, undefined, 'allow');
  const at = (t: Target, from: number): number => {
    if (t === 'next') return 0;
    const i = prog.findIndex((p) => p.label === t);
    const off = i - (from + 1);
    if (i < 0 || off < 0 || off > 255) throw new Error(`seccomp: jump to ${t} from ${from} out of range`);
    return off;
  };
  return prog.map((p, i) => ({ code: p.code, k: p.k >>> 0, jt: p.jt ? at(p.jt, i) : 0, jf: p.jf ? at(p.jf, i) : 0, comment: p.comment }));
}

function num(call: string): number {
  const n = X86_64[call];
  if (n === undefined) throw new Error(`seccomp: no x86_64 number for ${call}`);
  return n;
}

// The filter as text: a header, then one instruction per line ("code jt jf k", tcpdump -ddd's form) with its
// meaning after a #. lib/security/seccomp-load.c reads exactly this.
export function renderFilter(prog: Insn[]): string {
  return [
    '# glassbox default seccomp filter: classic BPF for x86_64, one instruction per line: code jt jf k',
    ...prog.map((p) => `${p.code} ${p.jt} ${p.jf} ${p.k} # ${p.comment}`),
  ].join('\n');
}

// Runs the filter on one call, as the kernel would (for the unit tests): returns the verdict's 32-bit value.
export function runFilter(prog: Insn[], data: { nr: number; arch: number; args?: number[] }): number {
  const word = (off: number): number => {
    if (off === 0) return data.nr >>> 0;
    if (off === 4) return data.arch >>> 0;
    if (off >= 16 && off < 64 && off % 8 === 0) return (data.args?.[(off - 16) / 8] ?? 0) >>> 0;
    throw new Error(`seccomp: load from offset ${off}`);
  };
  let a = 0;
  for (let pc = 0; pc < prog.length; ) {
    const p = prog[pc]!;
    switch (p.code) {
      case LD_W_ABS:
        a = word(p.k);
        pc++;
        break;
      case JEQ_K:
        pc += 1 + (a === p.k ? p.jt : p.jf);
        break;
      case JGE_K:
        pc += 1 + (a >= p.k ? p.jt : p.jf);
        break;
      case JSET_K:
        pc += 1 + ((a & p.k) !== 0 ? p.jt : p.jf);
        break;
      case RET_K:
        return p.k >>> 0;
      default:
        throw new Error(`seccomp: unknown instruction ${p.code}`);
    }
  }
  throw new Error('seccomp: the program ran off its end');
}
