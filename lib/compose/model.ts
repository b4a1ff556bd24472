// The compose project after loading: every file read, interpolated, validated, merged and put in one canonical
// long form (like compose-go's types.Project), so the code that plans a project never sees a short form. A
// compose file describes an application as services (each becomes one container named <project>-<service>-1),
// the networks they share (one `<project>_default` unless the file says otherwise) and named volumes.
// Durations are milliseconds and sizes bytes here; renderConfig prints them back in compose's spelling.

import type { SourcePos } from '../errors.ts';

export type DependsCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface ServiceDependency {
  condition: DependsCondition;
  /** Restart this service when the dependency is restarted by a compose operation. */
  restart: boolean;
  /** false: a missing or disabled dependency is skipped with a warning instead of an error. */
  required: boolean;
}

export interface ServicePort {
  name?: string;
  mode: 'ingress' | 'host';
  host_ip?: string;
  target: number;
  /** A port or a range (`8080`, `8000-8010`); absent: an ephemeral host port. */
  published?: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  app_protocol?: string;
}

export interface ServiceVolume {
  type: 'bind' | 'volume' | 'tmpfs';
  /** bind: an absolute host path; volume: the volume's name in the file (absent: anonymous). */
  source?: string;
  target: string;
  read_only: boolean;
  bind?: { propagation?: string; create_host_path?: boolean; selinux?: string };
  volume?: { nocopy?: boolean; subpath?: string };
  tmpfs?: { size?: number; mode?: number };
}

export interface Healthcheck {
  /** ['CMD', argv…], ['CMD-SHELL', line] or ['NONE']. */
  test?: string[];
  interval?: number;
  timeout?: number;
  retries?: number;
  start_period?: number;
  start_interval?: number;
  disable?: boolean;
}

export interface EnvFile {
  path: string;
  required: boolean;
  format?: string;
}

export interface ServiceNetwork {
  aliases?: string[];
  ipv4_address?: string;
  ipv6_address?: string;
  priority?: number;
}

export interface Ulimit {
  soft: number;
  hard: number;
}

export interface ComposeService {
  name: string;
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string>; target?: string };
  /** The argv (a string in the file is split into words as a shell would, without a shell); null: the image's. */
  command?: string[] | null;
  entrypoint?: string[] | null;
  /** env_file contents first, then `environment`; a KEY without a value takes the loader's environment. */
  environment: Record<string, string>;
  env_file?: EnvFile[];
  ports: ServicePort[];
  expose: string[];
  volumes: ServiceVolume[];
  tmpfs: string[];
  working_dir?: string;
  user?: string;
  hostname?: string;
  depends_on: Record<string, ServiceDependency>;
  healthcheck?: Healthcheck;
  restart?: string;
  labels: Record<string, string>;
  /** Networks by name (absent and no network_mode: `default`). */
  networks?: Record<string, ServiceNetwork | null>;
  network_mode?: string;
  cap_add: string[];
  cap_drop: string[];
  read_only?: boolean;
  init?: boolean;
  stop_signal?: string;
  stop_grace_period?: number;
  /** deploy.resources.limits, mem_limit, cpus and pids_limit folded together (the deploy values win). */
  limits?: { cpus?: number; memory?: number; pids?: number };
  ulimits?: Record<string, Ulimit>;
  sysctls: Record<string, string>;
  /** `HOST:IP` lines as compose-go keeps them (HOST=IP is turned into this form). */
  extra_hosts: string[];
  dns: string[];
  profiles: string[];
  container_name?: string;
  privileged?: boolean;
  security_opt: string[];
  /** Bytes. */
  shm_size?: number;
  /** SERVICE[:ro|rw] or container:NAME[:ro|rw]. */
  volumes_from: string[];
  pull_policy?: 'always' | 'never' | 'missing';
  devices: string[];
  logging?: { driver?: string; options?: Record<string, string> };
  extensions?: Record<string, unknown>;
}

export interface ComposeNetwork {
  name: string;
  driver?: string;
  external?: boolean;
  internal?: boolean;
  labels?: Record<string, string>;
  ipam?: { driver?: string; config?: { subnet?: string; gateway?: string; ip_range?: string }[] };
}

export interface ComposeVolume {
  name: string;
  driver?: string;
  external?: boolean;
  labels?: Record<string, string>;
}

export interface ComposeProject {
  name: string;
  /** The project directory: relative paths (binds, env files, build contexts) are resolved against it. */
  workingDir: string;
  /** The files read, in order (`-` for standard input). */
  composeFiles: string[];
  /** The env files that fed interpolation (`.env` beside the first file, or --env-file). */
  envFiles: string[];
  /** The active profiles. */
  profiles: string[];
  /** Enabled services, by name, in the order they were first declared. */
  services: Record<string, ComposeService>;
  /** Services whose profiles are not active (a command may still target them). */
  disabledServices: Record<string, ComposeService>;
  networks: Record<string, ComposeNetwork>;
  volumes: Record<string, ComposeVolume>;
  extensions?: Record<string, unknown>;
  /** Things docker compose warns about (an unset variable, the obsolete `version`). */
  warnings: string[];
  /** Where each service and dependency was declared (`services.web`, `services.web.depends_on.db`). */
  origins: Record<string, SourcePos>;
}
