// The security part of a container's plan, computed (pure) from the user's choice and the host's facts: the
// start chain's setpriv options and seccomp loader, the seccomp filter file, the masking steps, the device
// cgroup rules, and a summary for `inspect` and the plan's info.

import { expandBlock } from '../blocks/expand.ts';
import type { Catalog } from '../blocks/schema.ts';
import type { CgroupLayout } from '../cgroup/types.ts';
import { GlassboxError } from '../errors.ts';
import type { SecurityInfo, Step } from '../plan/types.ts';
import { boundingSetArg, capMask, containerCaps, type Cap } from './caps.ts';
import type { SecurityChoice } from './model.ts';
import { ALL_KERNEL_PATHS, DEVICE_RULES, type KernelPaths } from './defaults.ts';
import { compileDefaultFilter, renderFilter } from './seccomp.ts';

/** What the plan records about a container's confinement (plan.info.security, shown by inspect). */
export interface SecurityInput {
  choice: SecurityChoice;
  cgroup?: CgroupLayout;
  /** Which masked and read-only paths this kernel has (lib/security/paths.ts); all of them when unknown. */
  kernelPaths?: KernelPaths;
  /** The built static seccomp loader (lib/security/seccomp-load.c), absent when it is not built. */
  seccompLoader?: string;
  /** cgroup v2: the device allow-list is attached as an eBPF program (glassbox-device-filter). */
  deviceFilter?: string;
  /**
   * The chroot lesson's root: unshare --root changes the root before the rest of the chain runs, so the chain's
   * programs come from the image and the host's loader is out of reach. No filter is installed there.
   */
  chroot?: boolean;
}

export interface SecurityPlan {
  info: SecurityInfo;
  /** Parameters of the start block. */
  start: { bounding_set?: string; no_new_privs: boolean; seccomp_loader?: string; seccomp_filter?: string };
  /** devices.allow rules for the v1 device cgroup; undefined: every device allowed. */
  deviceRules?: string[];
  /** sysfs mount options. */
  sysOptions: string;
}

// Decides everything; throws when the default seccomp filter is asked for and cannot be installed here.
export function planSecurity(input: SecurityInput, runDir: string): SecurityPlan {
  const { choice } = input;
  const deviceCgroup = (input.cgroup?.version === 'v1' && !!input.cgroup.hierarchies.devices) || (input.cgroup?.version === 'v2' && !!input.deviceFilter);
  const caps = containerCaps({ privileged: choice.privileged, add: choice.capAdd, drop: choice.capDrop, dropMknod: !deviceCgroup });
  const paths = choice.privileged ? { masked: [], readOnly: [] } : (input.kernelPaths ?? ALL_KERNEL_PATHS);
  const seccomp = choice.seccomp === 'default' && !input.chroot;
  if (seccomp && !input.seccompLoader) {
    throw new GlassboxError('the seccomp loader (dist/glassbox-seccomp-load) is not built, or this is not an x86_64 host', {
      hint: 'run npm run build (it needs gcc and libc6-dev), or give --security-opt seccomp=unconfined',
    });
  }
  let devices: string;
  if (choice.privileged) devices = "every device allowed (--privileged): the host's device nodes copied into /dev, no device group of its own";
  else if (deviceCgroup && input.cgroup?.version === 'v2') devices = 'cgroup v2 eBPF device program (runc defaults, glassbox-device-filter); nodev on the root, volumes and tmpfs';
  else if (deviceCgroup) devices = 'cgroup v1 devices allow-list (runc defaults); nodev on the root, volumes and tmpfs';
  else devices = `no device cgroup (cgroup ${input.cgroup?.version ?? 'none'}: filtering needs BPF): CAP_MKNOD dropped, nodev on the root, volumes and tmpfs`;
  return {
    info: {
      privileged: choice.privileged,
      capabilities: caps,
      capMask: capMask(caps),
      noNewPrivileges: choice.noNewPrivileges,
      seccomp: seccomp ? 'default' : 'unconfined',
      maskedPaths: paths.masked.map((m) => m.path),
      readonlyPaths: paths.readOnly,
      devices,
    },
    start: {
      ...(choice.privileged ? {} : { bounding_set: boundingSetArg(caps) }),
      no_new_privs: choice.noNewPrivileges,
      ...(seccomp ? { seccomp_loader: input.seccompLoader, seccomp_filter: `${runDir}/seccomp.filter` } : {}),
    },
    ...(choice.privileged ? {} : { deviceRules: DEVICE_RULES }),
    sysOptions: choice.privileged ? 'rw,nosuid,nodev,noexec' : 'ro,nosuid,nodev,noexec',
  };
}

// The setup steps (the filter file, the masks' fstab) and the boot steps (the masks) of a container.
export function securitySteps(catalog: Catalog, sec: SecurityPlan, o: { runDir: string; rootfs: string; pid1: string; batch: boolean; kernelPaths?: KernelPaths; after: string[] }): { setup: Step[]; boot: Step[] } {
  const setup: Step[] = [];
  if (sec.start.seccomp_filter) {
    setup.push(...expandBlock(catalog, { block: 'seccomp', as: 'seccomp', params: { filter_file: sec.start.seccomp_filter, filter: renderFilter(compileDefaultFilter()) }, after: o.after }));
  }
  const paths = sec.info.privileged ? { masked: [], readOnly: [] } : (o.kernelPaths ?? ALL_KERNEL_PATHS);
  const entries = [
    ...paths.masked.map((m) =>
      m.dir
        ? { path: m.path, source: 'tmpfs', target: o.rootfs + m.path, type: 'tmpfs', options: 'ro,nosuid,nodev,noexec', en: 'mask it with an empty read-only tmpfs', zh: '用一个空的只读 tmpfs 盖住它' }
        : { path: m.path, source: '/dev/null', target: o.rootfs + m.path, type: 'none', options: 'bind', en: "mask it with the host's /dev/null", zh: '用宿主机的 /dev/null 盖住它' },
    ),
    ...paths.readOnly.map((p) => ({ path: p, source: o.rootfs + p, target: o.rootfs + p, type: 'none', options: 'bind,ro,nosuid,nodev,noexec', en: 'bind it onto itself read-only', zh: '把它只读地绑定到自身' })),
  ];
  if (!entries.length) return { setup, boot: [] };
  const fstabFile = o.batch ? `${o.runDir}/masks.fstab` : undefined;
  const first = expandBlock(catalog, { block: 'masks', as: 'masks', params: { pid1: o.pid1, entries } });
  const fstab = renderMaskFstab(first.filter((s) => s.kind === 'mount'));
  const made = expandBlock(catalog, { block: 'masks', as: 'masks', params: { pid1: o.pid1, entries, ...(fstabFile ? { fstab_file: fstabFile, fstab } : {}) }, after: o.after }).filter((s) => s.kind !== 'mount');
  // The fstab write follows the entries in the block; they are not steps of their own, so it needs what they needed.
  setup.push(...made.filter((s) => s.phase === 'setup').map((s) => ({ ...s, needs: o.after })));
  // The boot steps depend on PID 1 existing, not on one another's order with the cgroup joins.
  const boot = made.filter((s) => s.phase === 'boot').map((s) => ({ ...s, needs: [] }));
  return { setup, boot };
}

// The same fstab format as the container's own (lib/plan/planner.ts renderFstab), imported lazily there; here
// kept local so this module does not import the planner.
function renderMaskFstab(entries: Step[]): string {
  const field = (s: string) => s.replace(/[\\ \t\n]/g, (ch) => `\\${ch.charCodeAt(0).toString(8).padStart(3, '0')}`);
  return entries.map((e) => `# ${e.title.en}\n# ${e.title.zh}\n${[e.mount!.source, e.mount!.target, e.mount!.type, e.mount!.options].map(field).join(' ')} 0 0`).join('\n');
}
