// The plan is data. A Step is one plain command (or one file write) that a person could type by hand; the
// planner produces a list of them, and everything else (renderers, executor, learn mode) only reads that list.

import type { Cap } from '../security/caps.ts';

/** Text in both languages glassbox speaks. */
export interface Text {
  en: string;
  zh: string;
}

export type Lang = keyof Text;

/**
 * Runtime values a step may refer to that exist only while the plan runs (the host PID of the container's
 * PID 1, for instance). Inside an argv element they are written as RT_OPEN + name + RT_CLOSE: a NUL byte can
 * never appear in a real argument, so a user's value can never be mistaken for one.
 */
export const RT_OPEN = '\u0000{';
export const RT_CLOSE = '}\u0000';
export const runtimeRef = (name: RuntimeVar): string => `${RT_OPEN}${name}${RT_CLOSE}`;
export type RuntimeVar = 'pid' | 'pid1';

/**
 * What a step does:
 * - run:   spawn argv (with optional stdin) and wait for it;
 * - write: write `value` and a newline to the file `path` (rendered as printf '%s\n' VALUE > PATH), or, with an
 *          empty value, open it for writing and close it (rendered as : > PATH);
 * - mkdir: create directories with their parents (rendered as mkdir -p PATHS), done in-process;
 * - remove: remove files (rendered as rm -f PATHS), done in-process;
 * - mount: an fstab entry; the planner turns a plan's entries into one fstab file and one mount --all (or, for
 *          learn mode, one mount command each), so no mount step reaches the executor;
 * - start: spawn argv as the container's main process; the executor records its PID as `pid` and waits until
 *          its first child (the container's PID 1) has moved on to a different program, recording it as `pid1`.
 */
export type StepKind = 'run' | 'write' | 'start' | 'mkdir' | 'remove' | 'mount';

/** One line of an fstab(5) file: what a mount step of a block contributes to the batch. */
export interface MountEntry {
  source: string;
  target: string;
  type: string;
  options: string;
}

/**
 * What a step means to the code that runs, shows or cleans up a plan, so nothing has to guess it from argv or
 * from a block's step ids. A block gives it as `role:`; most steps have none.
 * - start:   the main process (the container's start chain, or the command an exec runs);
 * - release: opens the start barrier: from here the container's (or the exec'd) command runs;
 * - hold:    makes the container's namespaces and keeps them alive as files (bind mounts in the namespace
 *            directory), which later steps enter with nsenter and inspect lists;
 * - dirs:    makes the container's directories, the first setup step that later steps are placed after;
 * - helpers: bind-mounts the host programs the start chain runs; the hold step waits for it;
 * - detach:  the start chain leaves the host's root (from here PID 1's root is the container's);
 * - teardown: removes what the container leaves behind when its processes are gone (a cgroup kill);
 * - anon-volumes: makes the container's anonymous volumes; its undo (removing them) runs only when the container
 *            is removed with them (a foreground run, --rm; `rm -v` later), so a detached monitor skips it otherwise.
 */
export const STEP_ROLES = ['start', 'release', 'hold', 'dirs', 'helpers', 'detach', 'teardown', 'anon-volumes'] as const;
export type StepRole = (typeof STEP_ROLES)[number];

/** A retry policy (of a step or its undo): `while-busy` tries again while it fails with EBUSY (50 tries, 0.1 s apart). */
export const RETRY_POLICIES = ['while-busy'] as const;
export type RetryPolicy = (typeof RETRY_POLICIES)[number];

/**
 * A while-busy undo may remove several objects in one command (one rmdir for the container's group in every cgroup
 * v1 tree): when one is still busy, the next try finds the others already gone. An answer whose every line says
 * "No such file or directory" therefore means every object is gone, and the undo counts as done. The scripts'
 * gb_retry_busy says the same in sh.
 */
export function goneOnly(stderr: string): boolean {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  return lines.length > 0 && lines.every((l) => /No such file or directory/.test(l));
}

/** The PATH a container's process gets when its image sets none (a lesson's own container too). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** When a step runs: setup before the container starts, boot while PID 1 waits at the start barrier. */
export type Phase = 'setup' | 'start' | 'boot';

export interface Step {
  /** Unique in the plan: `<block instance>.<step id>`. */
  id: string;
  /** The block instance the step came from (for grouping in output). */
  block: string;
  kind: StepKind;
  phase: Phase;
  title: Text;
  why: Text;
  /** Kernel objects the step touches (mount, namespace, file, process, cgroup, link, iptables…). */
  touches: string[];
  /** For run and start steps: the exact argv. */
  argv?: string[];
  /** For run steps: bytes given on standard input. */
  stdin?: string;
  /** For run steps: the file that receives the command's standard output (`… > PATH`: created or truncated). */
  stdout?: string;
  /** For write steps. */
  write?: { path: string; value: string };
  /** For mkdir and remove steps: the paths. */
  paths?: string[];
  /** For mount steps (only before the planner batches them into an fstab): the entry. */
  mount?: MountEntry;
  /** The command that reverses the step; written to the journal before the step runs. */
  undo?: string[];
  /** Read-only commands that show the step's effect (learn mode runs them before and after). */
  observe: string[][];
  /** Ids of steps that must finish first. */
  needs: string[];
  /** An undo that may fail harmlessly (the object may already be gone, or shared). */
  undoMayFail?: boolean;
  /**
   * Why the undo may fail, so cleanup can say it in words: `gone` — its target may no longer exist ("already
   * gone"); `shared` — another container may still use it ("left in place"). Implies undoMayFail.
   */
  undoTolerate?: Array<'gone' | 'shared'>;
  /**
   * The part of the container the step builds (root, namespaces, cgroups, network, security, start: from its
   * block), or, in a lesson, the lesson part it belongs to. Learn mode and `plan --brief` group steps by it.
   */
  section?: string;
  /** Learn mode: the step belongs to a folded run of steps that one key runs together (a lesson's `fold`). */
  folded?: boolean;
  /** What the step means (see StepRole); from the block's `role:`. */
  role?: StepRole;
  /**
   * The undo's retry policy, from the block's `undo_retry:`. `while-busy`: retry the undo while it fails with
   * EBUSY, 50 tries 0.1 s apart (removing a cgroup directory fails so until its last process has been reaped).
   * Journaled with the undo, so gc retries the same way.
   */
  undoRetry?: RetryPolicy;
  /**
   * The step's own retry policy, from the block's `retry:`: gc's removal of a killed container's cgroup directory
   * (cgroup-v2-kill, cgroup-v1-kill) is tried again while the kernel still says busy.
   */
  retry?: RetryPolicy;
  /**
   * start: host files opened read-only and handed to the process as descriptors 3, 4, … (exec's static loader and
   * seccomp filter, which the command can reach only so once nsenter has taken it into the container's root).
   */
  fds?: string[];
  /**
   * start: which process waits at the start barrier and becomes `pid1`, counted from the chain (the started
   * process, or under a wrapper such as -t's `script` its first child): `child` (the default), the chain's child
   * (the container's PID 1, forked into its PID namespace); `self`, the chain itself (exec's flock, before
   * nsenter forks).
   */
  waits?: 'self' | 'child';
  /**
   * The step makes a shared object (a bridge, glassbox's iptables chains) once for every container: when it
   * fails saying the object already exists, another container made it first, and the step counts as done.
   */
  existsOk?: boolean;
}

/** The container's cgroups as the plan makes them: for stats, the OOM report and gc. */
export interface PlanCgroup {
  version: 'v1' | 'v2';
  /** Controller → the container's group directory (v2: the same directory for all, also under `unified`). */
  dirs: Record<string, string>;
  /** The limits written: bytes, CPUs, processes (pids is undefined when the host has no pids controller). */
  limits: { memory?: number; memorySwap?: number; cpus?: number; cpuShares?: number; cpusetCpus?: string; pids?: number };
}

/** Values the plan was made for: shown in script headers and stored with the container's state. */
export interface PlanInfo {
  id: string;
  name: string;
  image: string;
  /** The image's ID (sha256:…), when it came from the store (ancestor= filters, inspect's Image). */
  imageId?: string;
  /** Labels: the image's, with the container's own over them. */
  labels?: Record<string, string>;
  command: string[];
  /** The container's environment, given to PID 1 as its whole environment. */
  env: Record<string, string>;
  paths: ContainerPaths;
  /** The root's read-only layers (overlay lowerdirs, top first), or the root directory bound as it is. */
  layers?: string[];
  /** The container's cgroups, when the host has them. */
  cgroup?: PlanCgroup;
  /** Capabilities, no_new_privs, seccomp, masked paths, device policy (lib/security/plan.ts). */
  security?: SecurityInfo;
  /** Who PID 1 runs as and what its start chain applied to it: exec gives its command the same (lib/plan/exec.ts). */
  process?: PlanProcess;
  /** Its network: for ps, inspect, port and gc. */
  network?: PlanNetwork;
  /** Rootless: the steps run as root of a user namespace; `enter` is the userns block's argv, before the program. */
  rootless?: { enter: string[] };
  /** Its volumes, binds and tmpfs mounts in docker's Mounts form (inspect; who uses a volume: lib/volume/usage.ts). */
  mounts?: PlanMount[];
  /** The anonymous volumes this container made (removed with it by --rm, a foreground run's end, or rm -v). */
  anonymousVolumes?: string[];
  /** Restart policy, stop signal and timeout, log rotation (lib/restart/policy.ts): the monitor and stop read them. */
  lifecycle?: import('../restart/policy.ts').PlanLifecycle;
  /** The health check the monitor runs (lib/health/model.ts), the image's merged with the recipe's and the flags'. */
  health?: import('../health/model.ts').PlanHealth;
}

/** One user mount as docker's inspect shows it (Mounts[]). */
export interface PlanMount {
  Type: 'volume' | 'bind' | 'tmpfs';
  /** volume: its name. */
  Name?: string;
  /** The host path (a volume's _data directory); empty for tmpfs. */
  Source: string;
  /** The container path. */
  Destination: string;
  Driver?: 'local';
  Mode: string;
  RW: boolean;
  Propagation: string;
}

/** PID 1's identity and restrictions, as the start chain applies them. */
export interface PlanProcess {
  uid: number;
  gid: number;
  /** Supplementary groups (rootless: kept as they are, since setgroups is denied in a user namespace). */
  groups: number[];
  /** The capability bounding set as setpriv --bounding-set writes it (absent: all of them, --privileged). */
  boundingSet?: string;
  noNewPrivs: boolean;
  /** The seccomp filter file in the run directory (absent: unconfined). */
  seccompFilter?: string;
}

/** The container's network as the plan made it. */
export interface PlanNetwork {
  mode: 'none' | 'host' | 'bridge' | 'container';
  /** bridge: the network's name; container: the other container's name. */
  name?: string;
  bridge?: string;
  ip?: string;
  prefix?: number;
  gateway?: string;
  mac?: string;
  hostIf?: string;
  ports: Array<{ hostIp?: string; hostPort: number; containerPort: number; proto: 'tcp' | 'udp' }>;
}

export interface Plan {
  version: 1;
  info: PlanInfo;
  steps: Step[];
  /**
   * The validated model the plan was made from (lib/container/plan.ts adds it; the pure planner does not): kept in
   * the container's config.json so `kube generate CONTAINER` writes the container from its model, not its argv.
   */
  spec?: import('../recipe/model.ts').ContainerSpec;
  /**
   * Steps run when the container is torn down, after its main process has ended and before the undos: kill
   * whatever is left in its cgroup. A step runs only when every step it needs has run (its phase field means
   * nothing here).
   */
  teardown?: Step[];
}

/** Host paths that belong to one container. Everything glassbox creates for it lives below these. */
export interface ContainerPaths {
  /** Persistent state: journal, config, overlay upper and work dirs. */
  state: string;
  /** Runtime dir under the run root. */
  run: string;
  /** Namespace files live here (the run root's `ns/<id>` dir, on a private mount). */
  nsDir: string;
  /** Where the root file system is assembled inside the container's mount namespace. */
  rootfs: string;
  upper: string;
  work: string;
}

/** What the security plan (lib/security/plan.ts) decided, as `glassbox inspect` and the state show it. */
export interface SecurityInfo {
  privileged: boolean;
  capabilities: Cap[];
  /** CapBnd as /proc/PID/status shows it; CapEff/CapPrm are the same for root and 0 for other users. */
  capMask: string;
  noNewPrivileges: boolean;
  seccomp: 'default' | 'unconfined';
  maskedPaths: string[];
  readonlyPaths: string[];
  /** How device nodes are kept from being opened. */
  devices: string;
}
