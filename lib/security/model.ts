// What a container may do to the kernel: its capabilities, no_new_privs, its seccomp filter, and whether it is
// "privileged" (docker's word for "none of the above"). Recipes say it in a `security:` section, `run` with
// docker's flags (--cap-add, --cap-drop, --privileged, --security-opt). Both turn into one SecuritySpec here;
// the planner turns that into the start chain's setpriv options, the seccomp filter and the masking steps.

import { normaliseCap, type Cap } from './caps.ts';

/** The user's wishes, as given (capability names not yet checked). Everything absent means docker's default. */
export interface SecuritySpec {
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  /** Default true: no program in the container can gain privileges through execve (setuid bits, file caps). */
  noNewPrivileges?: boolean;
  seccomp?: 'default' | 'unconfined';
}

/** The checked form the planner reads. */
export interface SecurityChoice {
  privileged: boolean;
  capAdd: Array<Cap | 'ALL'>;
  capDrop: Array<Cap | 'ALL'>;
  noNewPrivileges: boolean;
  seccomp: 'default' | 'unconfined';
}

export interface SecurityProblem {
  path: (string | number)[];
  message: string;
  hint?: string;
}

// Checks the names and fills in the defaults; problems point at security.cap_add.N and friends.
export function resolveSecurity(s: SecuritySpec | undefined): { choice: SecurityChoice; problems: SecurityProblem[] } {
  const problems: SecurityProblem[] = [];
  const caps = (list: string[] | undefined, key: 'cap_add' | 'cap_drop') =>
    (list ?? []).flatMap((name, i) => {
      const c = normaliseCap(name);
      if (c === undefined) {
        problems.push({ path: ['security', key, i], message: `unknown capability "${name}"`, hint: 'a name from capabilities(7) like NET_ADMIN (CAP_ prefix optional), or ALL' });
        return [];
      }
      return [c];
    });
  const choice: SecurityChoice = {
    privileged: s?.privileged ?? false,
    capAdd: caps(s?.capAdd, 'cap_add'),
    capDrop: caps(s?.capDrop, 'cap_drop'),
    noNewPrivileges: s?.noNewPrivileges ?? !(s?.privileged ?? false),
    seccomp: s?.seccomp ?? (s?.privileged ? 'unconfined' : 'default'),
  };
  return { choice, problems };
}

// Parses one docker --security-opt value into the spec; returns a message for what glassbox does not support.
export function applySecurityOpt(spec: SecuritySpec, opt: string): string | undefined {
  const m = /^([a-z-]+)(?:[=:](.*))?$/.exec(opt);
  const key = m?.[1];
  const value = m?.[2];
  if (key === 'no-new-privileges') {
    if (value === undefined || value === 'true') spec.noNewPrivileges = true;
    else if (value === 'false') spec.noNewPrivileges = false;
    else return `--security-opt no-new-privileges takes true or false, got "${value}"`;
    return undefined;
  }
  if (key === 'seccomp') {
    if (value === 'unconfined' || value === 'default') spec.seccomp = value;
    else return `--security-opt seccomp=${value ?? ''}: glassbox has its own default filter; only seccomp=unconfined (or default) is supported`;
    return undefined;
  }
  if (key === 'apparmor' || key === 'label' || key === 'systempaths') {
    return `--security-opt ${key} is not supported by glassbox (no AppArmor or SELinux profiles; masked paths go with --privileged)`;
  }
  return `unknown --security-opt "${opt}" (supported: no-new-privileges[=true|false], seccomp=unconfined)`;
}
