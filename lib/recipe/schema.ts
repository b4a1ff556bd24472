// The recipe file format, as a zod schema. Strict objects everywhere: a misspelt key is an error with a
// did-you-mean, never silently ignored. recipes/recipe.schema.json is generated from this for editors.

import { RecipeBuildSchema } from '../build/recipe-build.ts';
import { z } from 'zod';
import { PATH_MAX } from './limits.ts';
import { NAMESPACES } from './model.ts';

// A path: the kernel's PATH_MAX (and NAME_MAX per component) are checked in validate.ts, in bytes, with a clear
// message; the JSON schema tells editors the same in characters.
const Path = () => z.string().min(1).meta({ maxLength: PATH_MAX - 1 });

// YAML reads `[sleep, 10]` as a string and a number: both are fine as arguments.
const Arg = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const Command = z.union([z.string().min(1), z.array(Arg).min(1)]);

export const VolumeSchema = z.union([
  z.string().min(1),
  z.strictObject({
    type: z.literal('bind'),
    source: Path(),
    target: Path(),
    readonly: z.boolean().default(false),
    read_only: z.boolean().optional().describe('compose spelling of readonly'),
    bind: z.strictObject({ propagation: z.enum(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']).optional() }).optional(),
  }),
  z.strictObject({
    type: z.literal('volume'),
    source: z.string().min(1).optional().describe("the volume's name (created on first use); none: an anonymous volume"),
    target: Path(),
    read_only: z.boolean().default(false),
    volume: z.strictObject({ nocopy: z.boolean().optional().describe("do not copy the image's files into a new volume") }).optional(),
  }),
  z.strictObject({
    type: z.literal('tmpfs'),
    target: Path(),
    size: z.string().optional(),
    mode: z.string().regex(/^[0-7]{3,4}$/, 'an octal mode like 1777').optional(),
    read_only: z.boolean().optional(),
  }),
]);

const Size = z.union([z.string().min(1), z.number()]);
export const ResourcesSchema = z.strictObject({
  memory: Size.optional().describe('memory limit: bytes, or a number with a binary unit k, m, g (64m = 64 MiB); at least 6m'),
  memory_swap: Size.optional().describe('memory plus swap (docker --memory-swap); -1 for unlimited swap; default: twice memory'),
  cpus: z.union([z.number(), z.string().min(1)]).optional().describe('CPU time as a number of CPUs: 0.5 is half of one CPU'),
  cpu_shares: z.union([z.number(), z.string().min(1)]).optional().describe('relative CPU weight under contention, 2 to 262144 (default 1024)'),
  cpuset_cpus: z.union([z.string().min(1), z.number()]).optional().describe('CPUs the container may run on, like "0-1,3"'),
  pids: z.union([z.number(), z.string().min(1)]).optional().describe('the most processes (and threads) at once (default 2048)'),
});

export const NetworkSchema = z.union([
  z.string().min(1),
  z.strictObject({
    mode: z.string().min(1).optional().describe('none, host, bridge (the default once anything below is given), container:NAME, or a network name'),
    ports: z.array(z.union([z.string().min(1), z.number()]).transform(String)).optional().describe('published ports: CONTAINER, HOST:CONTAINER or IP:HOST:CONTAINER, with /tcp or /udp'),
    ip: z.string().min(1).optional().describe('the address to ask for on the network'),
    dns: z.array(z.string().min(1)).optional().describe("name servers for /etc/resolv.conf (default: the host's)"),
    add_hosts: z.array(z.string().min(1)).optional().describe('extra /etc/hosts lines as HOST:IP'),
  }),
]);
export const SecuritySchema = z.strictObject({
  privileged: z.boolean().optional().describe('turn off every protection below (docker --privileged): all capabilities, no seccomp, no masks, /sys writable, every device'),
  cap_add: z.array(z.string().min(1)).optional().describe('capabilities to add to docker\'s default 14, like NET_ADMIN, or ALL'),
  cap_drop: z.array(z.string().min(1)).optional().describe('capabilities to drop, like NET_RAW, or ALL'),
  no_new_privileges: z.boolean().optional().describe('no_new_privs: setuid files give nothing (default true)'),
  seccomp: z.enum(['default', 'unconfined']).optional().describe("the system-call filter: glassbox's default, or unconfined"),
});

const Duration = z.union([z.string().min(1), z.number().transform((n) => `${n}s`)]);
export const HealthcheckSchema = z.strictObject({
  test: z.union([z.string(), z.array(z.string())]).optional().describe('["CMD", ARG…], ["CMD-SHELL", "shell command"], a string (a shell command), or ["NONE"]'),
  interval: Duration.optional().describe('time between checks, like 30s or 1m30s (default 30s)'),
  timeout: Duration.optional().describe('time one check may take (default 30s)'),
  retries: z.number().int().min(0).optional().describe('failures in a row before the container is unhealthy (default 3)'),
  start_period: Duration.optional().describe('failures in this time after the start do not count (default 0s)'),
  start_interval: Duration.optional().describe('time between checks while it is still starting within the start period (default 5s)'),
  disable: z.boolean().optional().describe("true: no health check (also the image's)"),
});
export const LoggingSchema = z.strictObject({
  driver: z.literal('json-file').optional().describe('only the monitor\'s log files (docker\'s json-file) are supported'),
  options: z.strictObject({ 'max-size': z.union([z.string(), z.number()]).transform(String).optional(), 'max-file': z.union([z.string(), z.number()]).transform(String).optional() }).optional(),
});

export const RecipeSchema = z.strictObject({
  name: z.string().optional().describe('container name: lowercase letters, digits, _ . - (like docker --name)'),
  description: z.string().optional().describe('free text for people'),
  image: z.string().min(1).optional().describe('an image from the store, like glassbox/base (with build: the tag glassbox build gives it)'),
  build: RecipeBuildSchema.optional().describe('how to build the image: a Dockerfile\'s instructions as YAML (glassbox build -f RECIPE CONTEXT)'),
  rootdir: Path().optional().describe('an absolute host directory holding a root file system (instead of image)'),
  command: Command.optional().describe("the command: a list is the argv; a string runs with /bin/sh -c; default: the image's Cmd"),
  entrypoint: z.union([z.string(), z.array(z.string())]).optional(),
  env: z
    .union([z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])), z.array(z.string())])
    .optional()
    .describe('environment: a map, or a list of KEY=VALUE'),
  workdir: z.string().meta({ maxLength: PATH_MAX - 1 }).optional().describe('working directory inside the container (created if missing)'),
  hostname: z.string().optional().describe('host name inside the container (default: the first 12 hex digits of its ID)'),
  user: z.string().optional().describe('USER, UID, USER:GROUP or UID:GID, looked up in the image'),
  namespaces: z.array(z.enum(NAMESPACES)).optional().describe('namespaces to create (default mount, uts, ipc, pid, net; mount and pid are required)'),
  root: z.enum(['pivot_root', 'chroot']).default('pivot_root').describe('how the root is switched; chroot is escapable and meant for the chroot lesson'),
  rootfs: z.enum(['overlay', 'bind']).default('overlay').describe('overlay over the image layers (changes are thrown away), or a plain bind of a single directory'),
  read_only: z.boolean().default(false).describe('mount the root read-only'),
  init: z.boolean().optional().describe('run a small init (tini or catatonit) as PID 1: it reaps orphans and forwards signals'),
  volumes: z.array(VolumeSchema).default([]).describe('SRC:DST[:ro] strings (a SRC without a slash is a named volume, DST alone an anonymous one), or {type: bind|volume|tmpfs, …} objects'),
  volumes_from: z.array(z.string().min(1)).optional().describe('containers whose volumes and binds to mount too: NAME[:ro|rw]'),
  network: NetworkSchema.optional().describe('networking: a mode (none, host, bridge, container:NAME, a network name) or {mode, ports, ip, dns, add_hosts}'),
  security: SecuritySchema.optional().describe('capabilities, no_new_privs, seccomp, privileged'),
  resources: ResourcesSchema.optional().describe('resource limits, enforced with cgroups (memory, memory_swap, cpus, cpu_shares, cpuset_cpus, pids)'),
  labels: z
    .union([z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])), z.array(z.string())])
    .optional()
    .describe("labels (docker's --label): a map, or a list of KEY=VALUE (KEY alone: an empty value); merged over the image's"),
  restart: z.string().min(1).optional().describe('run -d only: no, on-failure[:MAX], always, unless-stopped (docker --restart)'),
  healthcheck: HealthcheckSchema.optional().describe("a health check run by the monitor, in docker-compose's syntax"),
  stop_signal: z.union([z.string().min(1), z.number()]).transform(String).optional().describe('the signal stop sends first (default SIGTERM, or the image\'s)'),
  stop_grace_period: Duration.optional().describe('time between the stop signal and SIGKILL, like 10s (default 10s)'),
  logging: LoggingSchema.optional().describe('log rotation: options max-size (like 10m) and max-file'),
  ulimits: z
    .record(z.string(), z.union([z.number().int(), z.strictObject({ soft: z.number().int(), hard: z.number().int() })]))
    .optional()
    .describe('resource limits set with prlimit (compose syntax): nofile: {soft: 1024, hard: 2048}, or nproc: 65535'),
  devices: z.array(z.string().min(1)).optional().describe('host devices to give the container: HOST[:CONTAINER[:rwm]], like /dev/fuse'),
  sysctls: z
    .union([z.record(z.string(), z.union([z.string(), z.number()]).transform(String)), z.array(z.string().min(1))])
    .optional()
    .describe("namespaced kernel parameters docker allows (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, net.*): a map or KEY=VALUE list"),
  shm_size: z.union([z.string().min(1), z.number()]).optional().describe('size of /dev/shm, like 128m (default 64m)'),
});

export type RecipeInput = z.input<typeof RecipeSchema>;
export type Recipe = z.output<typeof RecipeSchema>;
