// glassbox's seccomp filter in the OCI runtime spec's words. glassbox compiles its deny-list to classic BPF itself
// (lib/security/seccomp.ts); a runtime (runc, crun) is given the same rules as data in config.json's
// `linux.seccomp` and compiles them with libseccomp:
//
//   defaultAction  what a call no rule names gets: SCMP_ACT_ALLOW, since glassbox's filter is a deny-list
//   architectures  the ABIs the rules apply to: x86_64 only, as glassbox's filter; a call made with another ABI
//                  (i386's int 0x80, x32) meets libseccomp's "bad architecture" action, which kills, as glassbox
//                  kills an i386 call (glassbox fails an x32 call with ENOSYS instead: the one difference)
//   syscalls       rules: names, an action (SCMP_ACT_ERRNO with errnoRet, the errno the call fails with) and
//                  optional argument checks {index, value, valueTwo, op}
//
// Each blocked call becomes an EPERM rule; clone3 an ENOSYS rule (its flags live in memory no filter can read, and
// ENOSYS makes the C library fall back to clone); clone gets one rule per namespace flag, each "argument 0 masked
// with FLAG equals FLAG" (SCMP_CMP_MASKED_EQ): libseccomp ORs the rules of one call, so clone fails with EPERM when
// any CLONE_NEW* bit is set, as glassbox's JSET does. Pure: the same constants the BPF compiler reads.

import { BLOCKED, CLONE_NAMESPACE_FLAGS, ENOSYS, EPERM } from '../security/seccomp.ts';

export interface OciSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: 'SCMP_CMP_MASKED_EQ' | 'SCMP_CMP_EQ' | 'SCMP_CMP_NE';
}

export interface OciSyscall {
  names: string[];
  action: 'SCMP_ACT_ERRNO' | 'SCMP_ACT_ALLOW' | 'SCMP_ACT_KILL_PROCESS';
  errnoRet?: number;
  args?: OciSeccompArg[];
}

export interface OciSeccomp {
  defaultAction: 'SCMP_ACT_ALLOW';
  architectures: string[];
  syscalls: OciSyscall[];
}

// The single bits of a mask, lowest first (CLONE_NAMESPACE_FLAGS → each CLONE_NEW* flag).
function bits(mask: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < 32; b++) if ((mask >>> b) & 1) out.push((1 << b) >>> 0);
  return out;
}

// glassbox's default filter as linux.seccomp.
export function ociSeccomp(): OciSeccomp {
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [
      { names: BLOCKED.flatMap((g) => g.calls), action: 'SCMP_ACT_ERRNO', errnoRet: EPERM },
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
      ...bits(CLONE_NAMESPACE_FLAGS).map((flag): OciSyscall => ({ names: ['clone'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, args: [{ index: 0, value: flag, valueTwo: flag, op: 'SCMP_CMP_MASKED_EQ' }] })),
    ],
  };
}
