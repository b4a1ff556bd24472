// The validated model of one container: what a recipe file and the `run` flags both turn into. The planner
// reads only this, never YAML or flags.

import type { Resources } from '../cgroup/resources.ts';
import type { SourcePos } from '../errors.ts';
import type { NetworkSpec } from '../net/model.ts';
import type { SecuritySpec } from '../security/model.ts';
import type { HealthSpec } from '../health/model.ts';
import type { LogOpts, RestartPolicy } from '../restart/policy.ts';
import type { DeviceMapping, Ulimit } from './run-extras.ts';

export const NAMESPACES = ['mount', 'uts', 'ipc', 'pid', 'net', 'cgroup'] as const;
export type Namespace = (typeof NAMESPACES)[number];
export const DEFAULT_NAMESPACES: Namespace[] = ['mount', 'uts', 'ipc', 'pid', 'net', 'cgroup'];

/** Mount propagation of a bind (docker's bind-propagation; the default is the kernel's private). */
export type Propagation = 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave';

export type Volume =
  /** createHostPath (compose's short syntax): a missing source directory is made by the plan (volume-dirs). */
  | { type: 'bind'; source: string; target: string; readOnly: boolean; propagation?: Propagation; createHostPath?: boolean }
  /** A named volume (GLASSBOX_ROOT/volumes/NAME/_data, lib/volume); without a source, an anonymous one. */
  | { type: 'volume'; source?: string; target: string; readOnly: boolean; /** Do not copy the image's content in. */ noCopy?: boolean }
  | { type: 'tmpfs'; target: string; size?: string; mode?: string; readOnly?: boolean };

export interface ContainerSpec {
  name?: string;
  /** An image reference from the store, or… */
  image?: string;
  /** …a root directory on the host (absolute). */
  rootdir?: string;
  /** The command; undefined means the image's Cmd. */
  command?: string[];
  /** Replaces the image's Entrypoint when set ([] clears it). */
  entrypoint?: string[];
  env: Record<string, string>;
  workdir?: string;
  hostname?: string;
  user?: string;
  namespaces: Namespace[];
  root: 'pivot_root' | 'chroot';
  rootfs: 'overlay' | 'bind';
  readOnly: boolean;
  volumes: Volume[];
  /** --volumes-from: every volume and bind of these containers, at the same targets (ro/rw overrides the mode). */
  volumesFrom?: Array<{ container: string; readOnly?: boolean }>;
  /** Resource limits (lib/cgroup/resources.ts); absent means none asked for (the default pids limit applies). */
  resources?: Resources;
  /** Run a small init (tini or catatonit) as PID 1 in front of the command. */
  init?: boolean;
  /** -t: a pseudo-terminal for PID 1 (run flags only). */
  tty?: boolean;
  /** Networking (lib/net/model.ts); absent means none: its own network namespace with only lo. */
  network?: NetworkSpec;
  /** Capabilities, no_new_privs, seccomp, --privileged (lib/security/model.ts); absent means docker's defaults. */
  security?: SecuritySpec;
  /** Labels (docker's --label, recipe `labels:`); the image's labels are merged under them in prepare. */
  labels?: Record<string, string>;
  /** --restart / `restart:`: what the monitor does when the container ends (detached containers only). */
  restart?: RestartPolicy;
  /** --health-* / `healthcheck:`: over the image's Healthcheck, field by field; test ['NONE'] turns it off. */
  healthcheck?: HealthSpec;
  /** --stop-signal / `stop_signal:` (canonical name, SIGTERM), over the image's StopSignal. */
  stopSignal?: string;
  /** --stop-timeout / `stop_grace_period:`: seconds between the stop signal and SIGKILL. */
  stopTimeout?: number;
  /** --log-opt max-size/max-file / `logging.options`: the monitor rotates the log files. */
  logOpts?: LogOpts;
  /** --ulimit: resource limits set with prlimit in the start chain (lib/recipe/run-extras.ts). */
  ulimits?: Ulimit[];
  /** --device: host device nodes made in the container's /dev and allowed in its device group. */
  devices?: DeviceMapping[];
  /** --sysctl: namespaced kernel parameters (docker's allow-list), written in the container's namespaces. */
  sysctls?: Record<string, string>;
  /** --shm-size: the size of /dev/shm in bytes (default 64 MiB). */
  shmSize?: number;
  /** The recipe file it came from, if any. */
  source?: string;
  /** Where each field came from, by field path (`volumes.1.source`), so the checks made after validation
   * (lib/plan/prepare.ts) can point at the input: see lib/recipe/origins.ts. */
  origins?: Origins;
}

/** A recipe's file:line:col, or the command-line flag (or IMAGE, COMMAND) that gave the value. */
export type Origin = SourcePos | { flag: string };
export type Origins = Record<string, Origin>;
