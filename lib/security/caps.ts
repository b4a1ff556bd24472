// Linux capabilities: root's power, cut into about forty pieces. A process has five sets of them:
//   bounding     the most it (and anything it ever executes) can have; a capability dropped here is gone for good
//   permitted    what it may switch on;           effective   what the kernel checks right now
//   inheritable  what it passes through execve;   ambient     what a non-root program keeps across execve
// On execve, root (uid 0) gets permitted = effective = its bounding set; any other user gets nothing (unless a
// file or the ambient set grants it). So dropping everything but 14 capabilities from the bounding set, and
// emptying inheritable and ambient, gives a container's root exactly docker's 14 and a non-root user none.
// `setpriv --bounding-set -all,+chown,… --inh-caps -all --ambient-caps -all` does exactly that, in one command.

/** Every capability the kernel knows (linux/capability.h), by number. */
export const ALL_CAPS = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
] as const;
export type Cap = (typeof ALL_CAPS)[number];

/** docker's default set (moby's oci/caps/defaults.go), in docker's order. */
export const DEFAULT_CAPS: Cap[] = [
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP',
  'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
];

// Accepts docker's spellings: chown, CHOWN, CAP_CHOWN, and ALL. Returns undefined for an unknown name.
export function normaliseCap(name: string): Cap | 'ALL' | undefined {
  const n = name.trim().toUpperCase().replace(/^CAP_/, '');
  if (n === 'ALL') return 'ALL';
  return (ALL_CAPS as readonly string[]).includes(n) ? (n as Cap) : undefined;
}

export interface CapChoice {
  privileged: boolean;
  add: Array<Cap | 'ALL'>;
  drop: Array<Cap | 'ALL'>;
  /** The host has no device cgroup to stop a made device node from being opened (cgroup v2): MKNOD goes. */
  dropMknod: boolean;
}

// The container's capability set, computed as docker does (moby's TweakCapabilities): --cap-add ALL gives every
// capability but the dropped ones; --cap-drop ALL gives only the added ones; otherwise the defaults minus the
// drops, plus the adds. On a host without a device cgroup, MKNOD leaves the defaults (--cap-add MKNOD keeps it).
export function containerCaps(c: CapChoice): Cap[] {
  if (c.privileged) return [...ALL_CAPS];
  const add = c.add.filter((x): x is Cap => x !== 'ALL');
  const drop = new Set(c.drop);
  let set: Cap[];
  if (c.add.includes('ALL')) set = ALL_CAPS.filter((x) => !drop.has(x));
  else if (c.drop.includes('ALL')) set = add;
  else set = [...DEFAULT_CAPS.filter((x) => !drop.has(x) && !(c.dropMknod && x === 'MKNOD')), ...add];
  return ALL_CAPS.filter((x) => set.includes(x));
}

// The argument of setpriv --bounding-set: drop all, then add back each capability by its setpriv name, in the
// kernel's order.
export function boundingSetArg(caps: Cap[]): string {
  if (caps.length === ALL_CAPS.length) return '+all';
  return ['-all', ...ALL_CAPS.filter((c) => caps.includes(c)).map((c) => `+${c.toLowerCase()}`)].join(',');
}

// The hexadecimal mask /proc/PID/status shows for a set (CapBnd, CapEff…), 16 digits.
export function capMask(caps: Cap[]): string {
  let m = 0n;
  for (const c of caps) m |= 1n << BigInt(ALL_CAPS.indexOf(c));
  return m.toString(16).padStart(16, '0');
}
