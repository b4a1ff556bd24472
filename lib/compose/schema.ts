// The compose file glassbox accepts, as a zod schema: the compose specification's common subset (issue 18),
// each key in every form the specification allows (short strings and long mappings, lists and maps). Strict
// objects everywhere: an unknown key is an error with a did-you-mean, and a key of the specification that
// glassbox does not support yet is an error naming it (UNSUPPORTED below) — never silently ignored. `x-` keys
// (extensions) are taken out before the schema sees the file (load.ts). One file of a merge may be partial (an
// override file with only `ports:`), so nothing per service is required here; the merged model is checked after.
// schemas/compose.schema.json is generated from this (scripts/compose-schema.ts).

import { z } from 'zod';

const Str = z.string();
const Scalar = z.union([z.string(), z.number(), z.boolean()]);
const NullableScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/** A map of strings, or a list of `KEY=VALUE` (environment, labels, sysctls, build args). */
const ListOrDict = z.union([z.record(z.string(), NullableScalar), z.array(z.string())]);
const StringList = z.array(z.string());
/** A string or a list of strings (dns, tmpfs, env_file's short form). */
const StringOrList = z.union([z.string(), StringList]);
const Command = z.union([z.string(), z.array(z.union([z.string(), z.number()])), z.null()]);
const Duration = z.string().describe('a duration like 1m30s, 10s or 500ms');
const Bytes = z.union([z.string(), z.number()]).describe('bytes, or a number with a binary unit: 512m, 1g');
const Int = z.number().int();

export const PortLong = z.strictObject({
  name: Str.optional(),
  mode: z.enum(['ingress', 'host']).optional(),
  host_ip: Str.optional(),
  target: z.union([Int, Str]),
  published: z.union([Str, Int]).optional(),
  protocol: z.enum(['tcp', 'udp', 'sctp']).optional(),
  app_protocol: Str.optional(),
});

export const VolumeLong = z.strictObject({
  type: z.enum(['bind', 'volume', 'tmpfs']),
  source: Str.optional(),
  target: Str,
  read_only: z.boolean().optional(),
  consistency: Str.optional(),
  bind: z.strictObject({ propagation: Str.optional(), create_host_path: z.boolean().optional(), selinux: z.enum(['z', 'Z']).optional() }).optional(),
  volume: z.strictObject({ nocopy: z.boolean().optional(), subpath: Str.optional() }).optional(),
  tmpfs: z.strictObject({ size: Bytes.optional(), mode: z.union([Int, Str]).optional() }).optional(),
});

export const Healthcheck = z.strictObject({
  test: z.union([z.string(), z.array(z.string()).min(1)]).optional().describe('a shell line, or ["CMD", argv…], ["CMD-SHELL", line], ["NONE"]'),
  interval: Duration.optional(),
  timeout: Duration.optional(),
  retries: Int.min(0).optional(),
  start_period: Duration.optional(),
  start_interval: Duration.optional(),
  disable: z.boolean().optional(),
});

const DependsOn = z.union([
  z.string().describe('one service (podman-compose accepts this; docker compose wants a list)'),
  z.array(z.string()),
  z.record(
    z.string(),
    z.strictObject({
      condition: z.enum(['service_started', 'service_healthy', 'service_completed_successfully']),
      restart: z.boolean().optional(),
      required: z.boolean().optional(),
    }),
  ),
]);

const ServiceNetworks = z.union([
  z.array(z.string()),
  z.record(
    z.string(),
    z.union([
      z.strictObject({ aliases: StringList.optional(), ipv4_address: Str.optional(), ipv6_address: Str.optional(), priority: Int.optional() }),
      z.null(),
    ]),
  ),
]);

const EnvFile = z.union([z.string(), z.array(z.union([z.string(), z.strictObject({ path: Str, required: z.boolean().optional(), format: Str.optional() })]))]);

const Build = z.union([
  z.string(),
  z.strictObject({ context: Str.optional(), dockerfile: Str.optional(), args: ListOrDict.optional(), target: Str.optional() }),
]);

export const Deploy = z.strictObject({
  resources: z
    .strictObject({
      limits: z.strictObject({ cpus: z.union([z.number(), Str]).optional(), memory: Bytes.optional(), pids: Int.optional() }).optional(),
    })
    .optional(),
});

export const Service = z.strictObject({
  image: Str.optional(),
  build: Build.optional().describe('a directory with a Dockerfile (or {context, dockerfile, args, target}): up builds the image when it is missing'),
  command: Command.optional(),
  entrypoint: Command.optional(),
  environment: ListOrDict.optional(),
  env_file: EnvFile.optional(),
  ports: z.array(z.union([Str, z.number(), PortLong])).optional(),
  expose: z.array(z.union([Str.regex(/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/, 'expected PORT, PORT-PORT, with /tcp or /udp'), Int])).optional(),
  volumes: z.array(z.union([Str, VolumeLong])).optional(),
  tmpfs: StringOrList.optional(),
  working_dir: Str.optional(),
  user: Str.optional(),
  hostname: Str.optional(),
  depends_on: DependsOn.optional(),
  healthcheck: Healthcheck.optional(),
  restart: z
    .string()
    .regex(/^(no|always|unless-stopped|on-failure(:\d+)?)$/, 'expected no, always, unless-stopped, on-failure or on-failure:N')
    .optional(),
  labels: ListOrDict.optional(),
  networks: ServiceNetworks.optional(),
  network_mode: Str.optional(),
  cap_add: StringList.optional(),
  cap_drop: StringList.optional(),
  read_only: z.boolean().optional(),
  init: z.boolean().optional(),
  stop_signal: Str.optional(),
  stop_grace_period: Duration.optional(),
  deploy: Deploy.optional(),
  mem_limit: Bytes.optional(),
  cpus: z.union([z.number(), Str]).optional(),
  pids_limit: Int.optional(),
  ulimits: z.record(z.string(), z.union([Int, z.strictObject({ soft: Int, hard: Int })])).optional(),
  sysctls: ListOrDict.optional(),
  extra_hosts: z.union([StringList, z.record(z.string(), z.union([Str, StringList]))]).optional(),
  dns: StringOrList.optional(),
  profiles: StringList.optional(),
  container_name: Str.optional().describe('the container\'s name instead of <project>-<service>-1'),
  privileged: z.boolean().optional(),
  security_opt: StringList.optional(),
  shm_size: Bytes.optional(),
  volumes_from: StringList.optional().describe('SERVICE[:ro|rw] or container:NAME[:ro|rw]'),
  pull_policy: z.enum(['always', 'never', 'missing', 'if_not_present']).optional(),
  devices: z.array(Str).optional().describe('HOST[:CONTAINER[:PERMISSIONS]]'),
  logging: z.strictObject({ driver: z.enum(['json-file', 'local']).optional(), options: z.record(z.string(), z.union([Str, z.number()])).optional() }).optional(),
});

const Labels = ListOrDict;
export const Network = z.union([
  z.strictObject({
    name: Str.optional(),
    driver: Str.optional(),
    external: z.boolean().optional(),
    internal: z.boolean().optional(),
    labels: Labels.optional(),
    ipam: z
      .strictObject({
        driver: Str.optional(),
        config: z.array(z.strictObject({ subnet: Str.optional(), gateway: Str.optional(), ip_range: Str.optional() })).optional(),
      })
      .optional(),
  }),
  z.null(),
]);
export const Volume = z.union([
  z.strictObject({ name: Str.optional(), driver: Str.optional(), external: z.boolean().optional(), labels: Labels.optional() }),
  z.null(),
]);

export const ComposeFileSchema = z.strictObject({
  version: Scalar.optional().describe('obsolete: ignored with a warning, as docker compose does'),
  name: Str.optional().describe('the project name (lowercase letters, digits, _ and -)'),
  services: z.union([z.record(z.string().regex(/^[a-zA-Z0-9._-]+$/, 'a service name is letters, digits, ".", "_" and "-"'), z.union([Service, z.null()])), z.null()]).optional(),
  networks: z.union([z.record(z.string(), Network), z.null()]).optional(),
  volumes: z.union([z.record(z.string(), Volume), z.null()]).optional(),
});

export type ComposeFileInput = z.input<typeof ComposeFileSchema>;
export type ServiceInput = z.output<typeof Service>;

/** Keys of the compose specification glassbox knows but does not support yet, by the object they belong to. */
export const UNSUPPORTED: Record<string, string[]> = {
  file: ['include', 'secrets', 'configs', 'models'],
  service: [
    'annotations', 'attach', 'blkio_config', 'cgroup', 'cgroup_parent', 'configs', 'cpu_count',
    'cpu_percent', 'cpu_period', 'cpu_quota', 'cpu_rt_period', 'cpu_rt_runtime', 'cpu_shares', 'cpuset',
    'credential_spec', 'develop', 'device_cgroup_rules', 'dns_opt', 'dns_search', 'domainname',
    'extends', 'external_links', 'gpus', 'group_add', 'ipc', 'isolation', 'label_file', 'links', 
    'mac_address', 'mem_reservation', 'mem_swappiness', 'memswap_limit', 'models', 'oom_kill_disable', 'oom_score_adj',
    'pid', 'platform', 'post_start', 'pre_stop', 'provider', 'runtime', 'scale', 'secrets',
    'stdin_open', 'storage_opt', 'tty', 'use_api_socket', 'userns_mode', 'uts', 
  ],
  build: ['additional_contexts', 'cache_from', 'cache_to', 'dockerfile_inline', 'entitlements', 'extra_hosts', 'isolation', 'labels', 'network', 'no_cache', 'platforms', 'privileged', 'pull', 'secrets', 'shm_size', 'ssh', 'tags', 'ulimits'],
  deploy: ['mode', 'replicas', 'labels', 'rollback_config', 'update_config', 'restart_policy', 'placement', 'endpoint_mode'],
  resources: ['reservations'],
  limits: ['devices'],
  healthcheck: [],
  network: ['driver_opts', 'attachable', 'enable_ipv4', 'enable_ipv6'],
  volume: ['driver_opts'],
  serviceNetwork: ['link_local_ips', 'mac_address', 'driver_opts', 'gw_priority', 'interface_name'],
  serviceVolume: ['image'],
};

// Which object of the file a path points into (for UNSUPPORTED), or undefined.
export function objectKind(path: readonly PropertyKey[]): string | undefined {
  const p = path.map(String);
  if (p.length === 0) return 'file';
  if (p[0] === 'services') {
    if (p.length === 2) return 'service';
    if (p.length === 3 && ['build', 'deploy', 'healthcheck'].includes(p[2]!)) return p[2];
    if (p.length === 4 && p[2] === 'deploy' && p[3] === 'resources') return 'resources';
    if (p.length === 5 && p[2] === 'deploy' && p[4] === 'limits') return 'limits';
    if (p.length === 4 && p[2] === 'networks') return 'serviceNetwork';
    if (p.length === 4 && p[2] === 'volumes') return 'serviceVolume';
  }
  if (p.length === 2 && p[0] === 'networks') return 'network';
  if (p.length === 2 && p[0] === 'volumes') return 'volume';
  return undefined;
}
