// A compose service as `glassbox run -d`'s request: names, labels, the project network with the service's name as
// an alias, named volumes under their full names, ports, health checks in exec form, the refusals (two
// networks, port ranges, build without image) at the service's key — and the request accepted by the very spec
// builder `run` uses (specFromFlags), so what compose asks for is what a run would get. Pure: no root, no kernel.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GlassboxError } from '../../lib/errors.ts';
import { loadComposeProject } from '../../lib/compose/index.ts';
import { containerName, LABEL, serviceHash, serviceRun } from '../../lib/compose/service-run.ts';
import { specFromFlags } from '../../lib/recipe/flags.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'compose');

// A project from one compose.yaml text in a fresh directory.
function load(text: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gb-compose-run-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'compose.yaml'), text.replace(/^\n/, ''));
  return loadComposeProject({ workdir: dir, env, projectName: 'shop' });
}

const flagsOf = (list: string[] | undefined) => Object.fromEntries((list ?? []).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

test('a service becomes <project>-<service>-1 on <project>_default, its name an alias, labelled for ps --filter and down', () => {
  const p = load(`
services:
  web:
    image: glassbox/base
    command: httpd -f -p 80
    ports: ["8080:80", "127.0.0.1:8443:443/tcp", {target: 53, published: "5353", protocol: udp}, "9000"]
    environment: {MODE: prod}
    depends_on: [db]
  db:
    image: glassbox/base
`);
  const run = serviceRun(p, 'web');
  assert.equal(run.name, 'shop-web-1');
  assert.equal(containerName('shop', 'db'), 'shop-db-1');
  assert.deepEqual(run.command, ['httpd', '-f', '-p', '80']);
  assert.equal(run.flags.network, 'shop_default');
  assert.deepEqual(run.flags.networkAlias, ['web']);
  assert.deepEqual(run.flags.publish, ['8080:80/tcp', '127.0.0.1:8443:443/tcp', '5353:53/udp', '9000/tcp']);
  assert.deepEqual(run.flags.env, ['MODE=prod']);
  const labels = flagsOf(run.flags.label);
  assert.equal(labels[LABEL.project], 'shop');
  assert.equal(labels[LABEL.service], 'web');
  assert.equal(labels[LABEL.oneoff], 'False');
  assert.equal(labels[LABEL.hash], run.hash);
  assert.equal(labels[LABEL.dependsOn], 'db:service_started:false');
  assert.equal(run.flags.detach, true);
});

test('the request is one `run` accepts: specFromFlags builds the spec with the alias, mounts and limits', () => {
  const p = load(`
services:
  api:
    image: glassbox/base
    entrypoint: ["/bin/sh", "-c"]
    command: ["echo hi"]
    volumes:
      - data:/var/lib/data
      - type: bind
        source: /srv/conf
        target: /conf
        read_only: true
      - type: tmpfs
        target: /scratch
        tmpfs: {size: 1048576}
    tmpfs: /run
    networks:
      back:
        aliases: [api.internal]
        ipv4_address: 10.89.0.10
    healthcheck:
      test: ["CMD", "true"]
      interval: 2s
      retries: 5
    deploy: {resources: {limits: {cpus: "0.5", memory: 64m, pids: 50}}}
    ulimits: {nofile: {soft: 1024, hard: 2048}}
    cap_drop: [NET_RAW]
    read_only: true
    init: true
    stop_grace_period: 1500ms
    stop_signal: SIGINT
    user: "1000:1000"
    working_dir: /app
    hostname: api
    extra_hosts: ["gateway:10.89.0.1"]
    restart: on-failure:3
volumes:
  data:
networks:
  back:
    ipam: {config: [{subnet: 10.89.0.0/24}]}
`);
  const run = serviceRun(p, 'api');
  assert.deepEqual(run.flags.mount, ['type=volume,source=shop_data,target=/var/lib/data', 'type=bind,source=/srv/conf,target=/conf,readonly', 'type=tmpfs,target=/scratch,tmpfs-size=1048576']);
  assert.deepEqual(run.base.entrypoint, ['/bin/sh', '-c']);
  assert.deepEqual(run.base.healthcheck, { test: ['CMD', 'true'], intervalMs: 2000, retries: 5 });
  assert.equal(run.flags.stopTimeout, '2');
  const spec = specFromFlags(run.base, undefined, run.command, run.flags, { cpus: 8, onlineCpus: [0, 1, 2, 3, 4, 5, 6, 7] });
  assert.equal(spec.image, 'glassbox/base');
  assert.deepEqual(spec.network?.aliases, ['api', 'api.internal']);
  assert.equal(spec.network?.target, 'shop_back');
  assert.equal(spec.network?.ip, '10.89.0.10');
  assert.equal(spec.volumes.length, 4);
  assert.equal(spec.resources?.pids, 50);
  assert.equal(spec.resources?.memory, 64 * 1024 * 1024);
  assert.equal(spec.readOnly, true);
  assert.equal(spec.init, true);
  assert.equal(spec.user, '1000:1000');
  assert.deepEqual(spec.security?.capDrop, ['NET_RAW']);
  assert.deepEqual(spec.network?.addHosts, [{ host: 'gateway', ip: '10.89.0.1' }]);
  assert.equal(spec.stopSignal, 'SIGINT');
  assert.equal(spec.labels?.[LABEL.service], 'api');
});

test('network_mode: service:NAME shares that service\'s container; host and none pass through', () => {
  const p = load(`
services:
  app: {image: glassbox/base}
  sidecar: {image: glassbox/base, network_mode: "service:app"}
  hostnet: {image: glassbox/base, network_mode: host}
`);
  assert.equal(serviceRun(p, 'sidecar').flags.network, 'container:shop-app-1');
  assert.equal(serviceRun(p, 'hostnet').flags.network, 'host');
  assert.equal(serviceRun(p, 'hostnet').flags.networkAlias, undefined);
});

test('the hash follows the container\'s configuration, not depends_on', () => {
  const a = load(`
services:
  web: {image: glassbox/base, environment: {A: "1"}}
  db: {image: glassbox/base}
`);
  const b = load(`
services:
  web: {image: glassbox/base, environment: {A: "1"}, depends_on: [db]}
  db: {image: glassbox/base}
`);
  const c = load(`
services:
  web: {image: glassbox/base, environment: {A: "2"}}
  db: {image: glassbox/base}
`);
  assert.equal(serviceHash(a.services.web!), serviceHash(b.services.web!));
  assert.notEqual(serviceHash(a.services.web!), serviceHash(c.services.web!));
});

// The error of a request that cannot be made, formatted as the CLI prints it.
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GlassboxError, String(e));
    return e.format();
  }
  assert.fail('accepted');
}

test('what glassbox cannot do is refused at the service\'s key, never ignored', () => {
  const web = loadComposeProject({ workdir: join(FIX, 'webapp'), env: {} });
  const two = refusal(() => serviceRun(web, 'web'));
  assert.match(two, /compose\.yaml:17:7: services\.web\.networks: web is on/);
  assert.match(two, /web is on 2 networks; a glassbox container joins one network/);
  const p = load(`
services:
  range: {image: glassbox/base, ports: ["8000-8010:80"]}
  built: {build: .}
  sctp: {image: glassbox/base, ports: ["5000:5000/sctp"]}
`);
  assert.match(refusal(() => serviceRun(p, 'range')), /compose\.yaml:2:\d+.*a range of host ports \(8000-8010\) is not supported yet/s);
  // build: without image: runs compose's <project>-<service> (built by up).
  assert.equal(serviceRun(p, 'built').image, 'shop-built');
  assert.match(refusal(() => serviceRun(p, 'sctp')), /sctp is not supported/);
});

test('a one-off of compose run: its own name, oneoff=True, the command replaced', () => {
  const p = load(`
services:
  job: {image: glassbox/base, command: ["echo", "service"]}
`);
  const run = serviceRun(p, 'job', { name: 'shop-job-run-0123456789ab', oneoff: true, command: ['echo', 'once'] });
  assert.equal(run.name, 'shop-job-run-0123456789ab');
  assert.deepEqual(run.command, ['echo', 'once']);
  assert.equal(flagsOf(run.flags.label)[LABEL.oneoff], 'True');
});

test('a recipe with services: is a project: run refuses it at the key and names compose; compose loads it', async () => {
  const { parseRecipe } = await import('../../lib/recipe/load.ts');
  const text = 'name: pair\nservices:\n  one: {image: glassbox/base, command: ["true"]}\n';
  assert.match(refusal(() => parseRecipe(text, 'pair.yaml')), /^pair\.yaml:2:1: services: pair\.yaml describes services: it is a project of several containers \(run it with glassbox compose -f pair\.yaml up/);
  const p = load(text);
  assert.equal(serviceRun(p, 'one').name, 'shop-one-1');
});

test('container_name, privileged, security_opt, shm_size, devices, pull_policy, logging and volumes_from become their run flags', () => {
  const p = load(`
services:
  data:
    image: glassbox/base
    container_name: shop-data
    volumes: [/var/lib/data]
  app:
    image: glassbox/base
    volumes_from: ["data:ro", "container:other"]
    network_mode: "service:data"
    security_opt: ["no-new-privileges=false"]
    shm_size: 128m
    devices: ["/dev/fuse"]
    pull_policy: if_not_present
    logging: {driver: json-file, options: {max-size: 1m, max-file: 3}}
  admin:
    image: glassbox/base
    privileged: true
  logger:
    image: glassbox/base
    logging: {driver: local}
`);
  assert.equal(serviceRun(p, 'data').name, 'shop-data');
  const app = serviceRun(p, 'app');
  assert.deepEqual(app.flags.volumesFrom, ['shop-data:ro', 'other']);
  assert.equal(app.flags.network, 'container:shop-data');
  assert.deepEqual(app.flags.securityOpt, ['no-new-privileges=false']);
  assert.equal(app.flags.shmSize, String(128 * 1024 * 1024));
  assert.deepEqual(app.flags.device, ['/dev/fuse']);
  assert.equal(app.flags.pull, 'missing');
  assert.deepEqual(app.flags.logOpt, ['max-size=1m', 'max-file=3']);
  // volumes_from and network_mode service: make data a dependency, as in docker compose.
  assert.deepEqual(Object.keys(p.services.app!.depends_on), ['data']);
  assert.equal(serviceRun(p, 'admin').flags.privileged, true);
  assert.match(refusal(() => serviceRun(p, 'logger')), /compose\.yaml:\d+:\d+: services\.logger\.logging: logging driver local is not supported/);
});

test('a short-syntax bind makes its missing source (create_host_path): a base volume the plan mkdirs; the long one is --mount', () => {
  const p = load(`
services:
  app:
    image: glassbox/base
    volumes:
      - ./out:/out
      - {type: bind, source: ./conf, target: /conf}
`);
  const run = serviceRun(p, 'app');
  assert.deepEqual(run.base.volumes, [{ type: 'bind', source: join(p.workingDir, 'out'), target: '/out', readOnly: false, createHostPath: true }]);
  assert.deepEqual(run.flags.mount, [`type=bind,source=${join(p.workingDir, 'conf')},target=/conf`]);
});
