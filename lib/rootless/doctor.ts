// doctor's rootless section: whether an ordinary user can run containers here, and what such a container loses
// compared with one made by root. Reads /proc/sys and PATH only.

import { readFileSync } from 'node:fs';
import type { DoctorCheck } from '../host/check.ts';
import { findOnPathSync } from '../host/programs.ts';
import { ROOTLESS_LOSSES } from './mode.ts';

function readNumber(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
}

// What a rootless container loses in cgroups, said for this host's cgroup generation: v1 cannot delegate a subtree
// safely; v2 can (systemd's user@UID.service with Delegate=yes), but rootless glassbox does not use one yet.
const V2_CGROUP_LOSS =
  'no cgroups: cgroup v2 can delegate a subtree to a user (systemd: user@UID.service with Delegate=yes), but rootless glassbox does not use one yet, so no memory, CPU or process limits, no stats, no OOM report';

// One check for user namespaces (can it run at all), one per loss.
export function rootlessChecks(cgroupMode?: string): DoctorCheck[] {
  const max = readNumber('/proc/sys/user/max_user_namespaces');
  const clone = readNumber('/proc/sys/kernel/unprivileged_userns_clone'); // Debian's switch, absent on newer kernels
  const allowed = max !== 0 && clone !== 0;
  const out: DoctorCheck[] = [
    allowed
      ? { name: 'rootless', status: 'ok', detail: `ordinary users may make user namespaces (user.max_user_namespaces = ${max ?? '?'}): glassbox --rootless run, or run as non-root, works for foreground containers` }
      : {
          name: 'rootless',
          status: 'fail',
          detail: 'ordinary users may not make user namespaces here, so rootless runs fail',
          fix: clone === 0 ? 'sysctl -w kernel.unprivileged_userns_clone=1' : 'sysctl -w user.max_user_namespaces=15000',
        },
  ];
  const warn = (name: string, detail: string): DoctorCheck => ({ name, status: 'warn', detail });
  out.push(warn('rootless cgroups', cgroupMode === 'v2' ? V2_CGROUP_LOSS : ROOTLESS_LOSSES.cgroups));
  out.push(warn('rootless network', findOnPathSync('slirp4netns') ? ROOTLESS_LOSSES.network.replace(', is not installed', ', is installed but not used yet') : ROOTLESS_LOSSES.network));
  out.push(warn('rootless users', `${ROOTLESS_LOSSES.users}${findOnPathSync('newuidmap') ? ' (newuidmap is installed; subuid ranges would need it)' : ''}`));
  out.push(warn('rootless devices', ROOTLESS_LOSSES.devices));
  return out;
}
