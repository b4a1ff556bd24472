// Loading compose projects: the fixtures (shaped like docker compose's and podman-compose's test projects),
// discovery and project names, profiles, start order and cycles, and bad files rejected at file:line:col.
// Each YAML literal's first line is line 1 of its file, so positions can be counted by eye.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GlassboxError, GlassboxErrors } from '../../lib/errors.ts';
import { loadComposeProject, normaliseProjectName, renderConfig, startOrder, type LoadOptions } from '../../lib/compose/index.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'compose');
const yaml = (s: string) => s.replace(/^\n/, '');

// A temporary project directory with the given files.
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gb-compose-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), yaml(text));
  }
  return dir;
}

function errorsOf(opts: LoadOptions): string[] {
  try {
    loadComposeProject(opts);
  } catch (e) {
    if (e instanceof GlassboxErrors) return e.errors.map((x) => x.format());
    if (e instanceof GlassboxError) return [e.format()];
    throw e;
  }
  assert.fail('the project was accepted');
}

// Loads one compose.yaml text from a fresh directory; returns the errors.
function badFile(text: string, env: Record<string, string> = {}): string[] {
  const dir = project({ 'compose.yaml': text });
  try {
    return errorsOf({ workdir: dir, env });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function load(text: string, opts: Partial<LoadOptions> = {}, extra: Record<string, string> = {}) {
  const dir = project({ 'compose.yaml': text, ...extra });
  try {
    return loadComposeProject({ workdir: dir, env: {}, ...opts });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('web + db + redis: list depends_on, networks with aliases, named and bind volumes, short ports', () => {
  const p = loadComposeProject({ workdir: join(FIX, 'webapp'), env: {} });
  assert.equal(p.name, 'webapp');
  assert.deepEqual(Object.keys(p.services), ['web', 'db', 'redis']);
  const web = p.services.web!;
  assert.deepEqual(web.ports, [
    { mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' },
    { mode: 'ingress', host_ip: '127.0.0.1', target: 443, published: '8443', protocol: 'tcp' },
  ]);
  assert.deepEqual(web.depends_on, { db: { condition: 'service_started', restart: false, required: true }, redis: { condition: 'service_started', restart: false, required: true } });
  assert.deepEqual(web.environment, { DATABASE_URL: 'postgres://app:secret@db:5432/app', REDIS_HOST: 'redis' });
  assert.deepEqual(web.volumes, [{ type: 'bind', source: join(FIX, 'webapp', 'html'), target: '/usr/share/nginx/html', read_only: true, bind: { create_host_path: true } }]);
  assert.deepEqual(p.services.db!.networks, { back: { aliases: ['database'] } });
  assert.deepEqual(p.services.redis!.command, ['redis-server', '--appendonly', 'yes']);
  assert.deepEqual(p.volumes, { 'db-data': { name: 'webapp_db-data' } });
  assert.deepEqual(Object.keys(p.networks).sort(), ['back', 'front'], 'no default network: every service names its own');
  assert.deepEqual(startOrder(p), [['db', 'redis'], ['web']]);
  assert.deepEqual(startOrder(p, ['web'], { noDeps: true }), [['web']]);
  assert.deepEqual(startOrder(p, ['redis']), [['redis']]);
});

test('a one-shot migration: service_healthy, service_completed_successfully, restart, profiles, version warning', () => {
  const p = loadComposeProject({ workdir: join(FIX, 'migrate'), env: {} });
  assert.equal(p.name, 'migrate');
  assert.deepEqual(p.composeFiles, [join(FIX, 'migrate', 'docker-compose.yml')]);
  assert.deepEqual(p.warnings, ['docker-compose.yml: the attribute "version" is obsolete and ignored']);
  assert.deepEqual(p.services.db!.healthcheck, { test: ['CMD-SHELL', 'pg_isready -U postgres'], interval: 5000, timeout: 3000, retries: 10, start_period: 10000 });
  assert.deepEqual(p.services.app!.depends_on, {
    migrate: { condition: 'service_completed_successfully', restart: false, required: true },
    db: { condition: 'service_healthy', restart: true, required: true },
  });
  assert.equal(p.services.migrate!.restart, 'no');
  assert.deepEqual(Object.keys(p.disabledServices), ['worker']);
  assert.deepEqual(startOrder(p), [['db'], ['migrate'], ['app']]);
  // A service a profile disabled can still be targeted; its dependencies come with it.
  assert.deepEqual(startOrder(p, ['worker']), [['db'], ['worker']]);
  const withWorker = loadComposeProject({ workdir: join(FIX, 'migrate'), env: {}, profiles: ['worker'] });
  assert.deepEqual(startOrder(withWorker), [['db'], ['migrate', 'worker'], ['app']]);
  assert.deepEqual(Object.keys(loadComposeProject({ workdir: join(FIX, 'migrate'), env: { COMPOSE_PROFILES: 'worker,other' } }).services), ['db', 'migrate', 'app', 'worker']);
  assert.deepEqual(Object.keys(loadComposeProject({ workdir: join(FIX, 'migrate'), env: {}, profiles: ['*'] }).disabledServices), []);
});

test('healthchecks: string test, CMD list, disable, x- anchors merged with <<, durations', () => {
  const p = loadComposeProject({ workdir: join(FIX, 'health'), env: {} });
  assert.deepEqual(p.services.api!.healthcheck, { test: ['CMD-SHELL', 'wget -q -O- http://localhost:8080/ || exit 1'], interval: 90_000, timeout: 10_000, retries: 3, start_period: 40_000, start_interval: 500 });
  assert.equal(p.services.api!.stop_grace_period, 60_000);
  assert.equal(p.services.api!.stop_signal, 'SIGINT');
  assert.deepEqual(p.services.probe!.healthcheck, { test: ['CMD', 'true'] });
  assert.deepEqual(p.services.nocheck!.healthcheck, { disable: true });
  assert.deepEqual(Object.keys(p.extensions ?? {}), ['x-healthy']);
  assert.deepEqual(startOrder(p), [['api', 'nocheck'], ['probe']]);
});

test('.env interpolation: the process environment wins, $$ escapes, defaults, casts', () => {
  const p = loadComposeProject({ workdir: join(FIX, 'dotenv'), env: { WEB_PORT: '9000' } });
  const web = p.services.web!;
  assert.equal(web.image, 'nginx:1.25');
  assert.deepEqual(web.ports, [{ mode: 'ingress', target: 80, published: '9000', protocol: 'tcp' }]);
  assert.deepEqual(web.environment, { USER: 'app', GREETING: 'hello world', LITERAL: '$NOT_EXPANDED', HOME_DIR: '${HOME}', MODE: 'production' });
  assert.equal(web.read_only, false);
  assert.deepEqual(p.envFiles, [join(FIX, 'dotenv', '.env')]);
  const ro = loadComposeProject({ workdir: join(FIX, 'dotenv'), env: { READ_ONLY: 'true', TAG: '2' } });
  assert.equal(ro.services.web!.read_only, true);
  assert.equal(ro.services.web!.image, 'nginx:2');
  // --env-file replaces .env.
  const dir = project({ 'other.env': 'TAG=alt\nWEB_PORT=1\n' });
  try {
    const alt = loadComposeProject({ workdir: dir, files: [join(FIX, 'dotenv', 'compose.yaml')], env: {}, envFiles: ['other.env'] });
    assert.equal(alt.services.web!.image, 'nginx:alt');
    assert.deepEqual(alt.services.web!.environment.USER, '');
    assert.ok(alt.warnings.includes(`${join(FIX, 'dotenv', 'compose.yaml')}:7:13: services.web.environment.USER: the "DB_USER" variable is not set, so it is an empty string`), alt.warnings.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two files merged: command replaced, environment by key, ports appended, volumes by target, dns unique', () => {
  const p = loadComposeProject({ workdir: join(FIX, 'merge'), files: ['compose.yaml', 'compose.dev.yaml'], env: {} });
  const web = p.services.web!;
  assert.deepEqual(web.command, ['npm', 'run', 'dev']);
  assert.deepEqual(web.environment, { NODE_ENV: 'development', LOG_LEVEL: 'info' });
  assert.deepEqual(web.ports.map((x) => `${x.published}:${x.target}`), ['8080:80', '9229:9229']);
  assert.deepEqual(web.volumes, [{ type: 'bind', source: join(FIX, 'merge', 'src'), target: '/data', read_only: false, bind: { create_host_path: true } }]);
  assert.deepEqual(web.dns, ['1.1.1.1', '8.8.8.8']);
  assert.deepEqual(Object.keys(p.services), ['web', 'debug']);
  assert.equal(p.name, 'merge');
});

test('discovery: the nearest parent with a compose file, its override beside it; COMPOSE_FILE; stdin', () => {
  const p = loadComposeProject({ workdir: join(FIX, 'nested', 'sub', 'deeper'), env: {} });
  assert.equal(p.name, 'nested');
  assert.deepEqual(p.composeFiles, [join(FIX, 'nested', 'compose.yml'), join(FIX, 'nested', 'compose.override.yml')]);
  assert.deepEqual(p.services.one!.labels, { overridden: 'yes' });
  const viaEnv = loadComposeProject({ workdir: FIX, env: { COMPOSE_FILE: 'merge/compose.yaml:merge/compose.dev.yaml' } });
  assert.deepEqual(viaEnv.services.web!.command, ['npm', 'run', 'dev']);
  const stdin = loadComposeProject({ workdir: join(FIX, 'webapp'), files: ['-'], env: {}, readStdin: () => 'services:\n  s:\n    image: busybox\n' });
  assert.deepEqual(Object.keys(stdin.services), ['s']);
  assert.equal(stdin.name, 'webapp');
  const dir = mkdtempSync(join(tmpdir(), 'gb-empty-'));
  try {
    assert.deepEqual(errorsOf({ workdir: dir, env: {} }), [`no compose file found in ${dir} or its parent directories (add compose.yaml, or name one with -f FILE)`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('project names: -p, COMPOSE_PROJECT_NAME, name:, the directory normalised', () => {
  assert.equal(normaliseProjectName('My App.v2'), 'myappv2');
  assert.equal(normaliseProjectName('__x-Y'), 'x-y');
  const text = 'name: "Named ${SUFFIX:-one}"\nservices:\n  a:\n    image: busybox\n';
  assert.equal(load(text).name, 'namedone');
  assert.equal(load(text, { env: { COMPOSE_PROJECT_NAME: 'fromenv' } }).name, 'fromenv');
  assert.equal(load(text, { projectName: 'flag', env: { COMPOSE_PROJECT_NAME: 'fromenv' } }).name, 'flag');
  assert.deepEqual(errorsOf({ workdir: join(FIX, 'webapp'), env: {}, projectName: 'Bad Name' }), ['-p: invalid project name "Bad Name" (use lowercase letters, digits, _ and -, starting with a letter or digit)']);
  // COMPOSE_PROJECT_NAME and COMPOSE_PROFILES may come from .env, as with docker compose.
  const fromDotenv = load('services:\n  a:\n    image: x\n  b:\n    image: x\n    profiles: [extra]\n', {}, { '.env': 'COMPOSE_PROJECT_NAME=dotenvname\nCOMPOSE_PROFILES=extra\n' });
  assert.equal(fromDotenv.name, 'dotenvname');
  assert.deepEqual(Object.keys(fromDotenv.services), ['a', 'b']);
  assert.deepEqual(errorsOf({ workdir: join(FIX, 'webapp'), env: { COMPOSE_PROJECT_NAME: 'UPPER' } }), ['COMPOSE_PROJECT_NAME: invalid project name "UPPER" (use lowercase letters, digits, _ and -, starting with a letter or digit)']);
  const dir = project({ 'My_Project.Dir/compose.yaml': 'services:\n  a:\n    image: busybox\n' });
  try {
    assert.equal(loadComposeProject({ workdir: join(dir, 'My_Project.Dir'), env: {} }).name, 'my_projectdir');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('!reset and !override in an override file', () => {
  const dir = project({
    'compose.yaml': `
services:
  app:
    image: myapp
    ports: ["8080:80"]
    environment:
      FOO: bar
      KEEP: "1"
    dns: [1.1.1.1]
`,
    'compose.override.yaml': `
services:
  app:
    ports: !reset []
    environment:
      FOO: !reset null
    dns: !override [9.9.9.9]
    command: !reset {}
`,
  });
  try {
    const app = loadComposeProject({ workdir: dir, env: {} }).services.app!;
    assert.deepEqual(app.ports, []);
    assert.deepEqual(app.environment, { KEEP: '1' });
    assert.deepEqual(app.dns, ['9.9.9.9']);
    assert.equal(app.command, undefined, 'a !reset value is not validated: {} is no command, but it only clears');
    // An empty services: (or networks:) is allowed, as docker compose allows it.
    assert.deepEqual(Object.keys(load('services:\nnetworks:\n').services), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every long and short form of the subset', () => {
  const p = load(
    `
services:
  s:
    image: busybox
    build: ./ctx
    entrypoint: ["/bin/sh", "-c"]
    command: echo "hello world"
    environment: [A=1, B, C=]
    env_file:
      - a.env
      - path: missing.env
        required: false
    ports:
      - 53
      - "53:53/udp"
      - target: 80
        published: "8080"
        host_ip: 127.0.0.1
        protocol: tcp
        mode: host
    expose: ["3000", 3001]
    volumes:
      - type: volume
        source: data
        target: /data
        volume: { nocopy: true }
      - type: tmpfs
        target: /scratch
        tmpfs: { size: 64m, mode: 1777 }
      - type: bind
        source: ./conf
        target: /etc/conf
        read_only: true
    tmpfs: /run
    working_dir: /app
    user: "1000:1000"
    hostname: box
    restart: on-failure:3
    labels: [com.example.a=1, com.example.b]
    network_mode: host
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    read_only: true
    init: true
    stop_signal: SIGTERM
    stop_grace_period: 30s
    deploy:
      resources:
        limits: { cpus: "0.5", memory: 512m, pids: 100 }
    mem_limit: 1g
    pids_limit: 50
    ulimits:
      nproc: 65535
      nofile: { soft: 20000, hard: 40000 }
    sysctls: [net.core.somaxconn=1024]
    extra_hosts: ["host.docker.internal:host-gateway", "db=10.0.0.2"]
    dns: 8.8.8.8
    x-note: kept
volumes:
  data:
    external: true
`,
    { env: { B: 'from-env' } },
    { 'a.env': 'FROM_FILE=1\nA=overridden-by-environment\n' },
  );
  const s = p.services.s!;
  assert.equal(s.build?.context.endsWith('/ctx'), true);
  assert.deepEqual(s.entrypoint, ['/bin/sh', '-c']);
  assert.deepEqual(s.command, ['echo', 'hello world']);
  assert.deepEqual(s.environment, { FROM_FILE: '1', A: '1', B: 'from-env', C: '' });
  assert.deepEqual(s.env_file?.map((e) => [e.path.split('/').pop(), e.required]), [['a.env', true], ['missing.env', false]]);
  assert.deepEqual(s.ports, [
    { mode: 'ingress', target: 53, protocol: 'tcp' },
    { mode: 'ingress', target: 53, published: '53', protocol: 'udp' },
    { mode: 'host', host_ip: '127.0.0.1', target: 80, published: '8080', protocol: 'tcp' },
  ]);
  assert.deepEqual(s.expose, ['3000', '3001']);
  assert.deepEqual(s.volumes[0], { type: 'volume', source: 'data', target: '/data', read_only: false, volume: { nocopy: true } });
  assert.deepEqual(s.volumes[1], { type: 'tmpfs', target: '/scratch', read_only: false, tmpfs: { size: 64 * 1024 ** 2, mode: 1777 } });
  assert.equal(s.volumes[2]!.type, 'bind');
  assert.equal(s.volumes[2]!.read_only, true);
  assert.deepEqual(s.tmpfs, ['/run']);
  assert.equal(s.restart, 'on-failure:3');
  assert.deepEqual(s.labels, { 'com.example.a': '1', 'com.example.b': '' });
  assert.deepEqual(s.limits, { cpus: 0.5, memory: 512 * 1024 ** 2, pids: 100 }, 'deploy limits win over mem_limit and pids_limit');
  assert.deepEqual(s.ulimits, { nproc: { soft: 65535, hard: 65535 }, nofile: { soft: 20000, hard: 40000 } });
  assert.deepEqual(s.sysctls, { 'net.core.somaxconn': '1024' });
  assert.deepEqual(s.extra_hosts, ['host.docker.internal:host-gateway', 'db:10.0.0.2']);
  assert.deepEqual(s.dns, ['8.8.8.8']);
  assert.deepEqual(s.extensions, { 'x-note': 'kept' });
  assert.deepEqual(p.volumes, { data: { external: true, name: 'data' } });
  assert.deepEqual(p.networks, {}, 'network_mode: host needs no project network');
  // depends_on as one string (podman-compose's form); x- values are interpolated too.
  const one = load('x-tag: &tag ${TAG:-3}\nservices:\n  a:\n    image: x\n    depends_on: b\n  b:\n    image: "x:${TAG:-3}"\n', { env: { TAG: '4' } });
  assert.deepEqual(Object.keys(one.services.a!.depends_on), ['b']);
  assert.deepEqual(one.extensions, { 'x-tag': '4' });
  // depends_on as a map without a list, and mem_limit alone.
  const q = load('services:\n  a:\n    image: x\n    mem_limit: 256m\n    cpus: 1.5\n    depends_on:\n      b: {condition: service_started, required: false}\n  b:\n    image: x\n');
  assert.deepEqual(q.services.a!.limits, { memory: 256 * 1024 ** 2, cpus: 1.5 });
  assert.deepEqual(q.services.a!.depends_on, { b: { condition: 'service_started', restart: false, required: false } });
});

test('cycles are refused, naming the cycle and where it starts', () => {
  const dir = project({
    'compose.yaml': `
services:
  a:
    image: x
    depends_on: [b]
  b:
    image: x
    depends_on:
      c:
        condition: service_healthy
  c:
    image: x
    depends_on: [a]
  d:
    image: x
`,
  });
  try {
    const want = 'compose.yaml:4:17: services.a.depends_on: dependency cycle: a → b → c → a (a service cannot wait for a service that waits for it)';
    assert.deepEqual(errorsOf({ workdir: dir, env: {} }), [want]);
    // startOrder refuses a cycle by itself too (a model built by other code).
    const p = loadComposeProject({ workdir: dir, env: {}, files: ['-'], readStdin: () => 'services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x}\n  d: {image: x}\n' });
    p.services.b!.depends_on.a = { condition: 'service_started', restart: false, required: true };
    assert.throws(() => startOrder(p), (e) => e instanceof GlassboxError && e.message === 'dependency cycle: a → b → a');
    assert.deepEqual(startOrder(p, ['d']), [['d']]);
    assert.throws(() => startOrder(p, ['nope']), /no such service: nope/);
    assert.deepEqual(badFile('services:\n  a:\n    image: x\n    depends_on: a\n'), ['compose.yaml:4:17: services.a.depends_on.a: service "a" depends on itself']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad files are rejected at file:line:col', () => {
  assert.deepEqual(badFile(`
services:
  web:
    image: nginx
    port: ["80:80"]
    links: [db]
    deploy:
      replicas: 2
`), [
    'compose.yaml:4:5: services.web.port: unknown key "port" (did you mean "ports"?)',
    'compose.yaml:5:5: services.web.links: "links" is not supported by glassbox yet (remove it, or run this project with docker compose)',
    'compose.yaml:7:7: services.web.deploy.replicas: "replicas" is not supported by glassbox yet (remove it, or run this project with docker compose)',
  ]);
  assert.deepEqual(badFile(`
services:
  web:
    image: "\${IMAGE:?set IMAGE in .env}"
`), ['compose.yaml:3:12: services.web.image: required variable IMAGE is missing a value: set IMAGE in .env (set it in the environment or in .env)']);
  assert.deepEqual(badFile(`
services:
  web:
    image: nginx
    ports:
      - target: 80
        publised: 8080
      - "80:http"
    depends_on:
      db:
        condition: service_ready
    healthcheck:
      test: ["RUN", "true"]
      interval: 10
    environment:
      A: [1]
`), [
    'compose.yaml:6:9: services.web.ports.0.publised: unknown key "publised" (did you mean "published"?)',
    'compose.yaml:10:20: services.web.depends_on.db.condition: Invalid option: expected one of "service_started"|"service_healthy"|"service_completed_successfully" (one of: service_started, service_healthy, service_completed_successfully)',
    'compose.yaml:13:17: services.web.healthcheck.interval: expected string, got a number',
    'compose.yaml:15:10: services.web.environment.A: expected string, number, boolean or null, got a list',
  ]);
  assert.deepEqual(badFile(`
services:
  web:
    image: nginx
    ports: ["80:http"]
    stop_grace_period: soon
    healthcheck:
      test: ["RUN", "true"]
    volumes: ["data"]
`), [
    'compose.yaml:4:13: services.web.ports.0: invalid port "80:http" (PORT, HOST:CONTAINER or IP:HOST:CONTAINER, with /tcp or /udp; ranges like 8000-8001:80-81)',
    'compose.yaml:5:24: services.web.stop_grace_period: invalid duration "soon" (write it like 1m30s, 10s or 500ms)',
    'compose.yaml:7:14: services.web.healthcheck.test.0: a test list starts with CMD, CMD-SHELL or NONE, got "RUN" (write ["CMD", "curl", "-f", "http://localhost"], or give the line as a string)',
    'compose.yaml:8:15: services.web.volumes.0: invalid volume "data": the target must be an absolute path',
  ]);
  assert.deepEqual(badFile(`
services:
  web:
    build: .
    depends_on: [dbb]
    networks: [front]
    volumes: ["data:/data"]
  db:
    environment: {A: 1}
secrets:
  s: {file: x}
`), ['compose.yaml:9:1: secrets: "secrets" is not supported by glassbox yet (remove it, or run this project with docker compose)']);
  assert.deepEqual(badFile(`
services:
  web:
    build: .
    depends_on: [dbb]
    networks: [front]
    volumes: ["data:/data"]
  db:
    environment: {A: 1}
`), [
    'compose.yaml:4:18: services.web.depends_on.dbb: service "web" depends on undefined service "dbb" (did you mean "db"?)',
    'compose.yaml:5:16: services.web.networks.front: service "web" refers to undefined network "front" (declare it under the top-level networks:)',
    'compose.yaml:6:14: services.web.volumes: service "web" refers to undefined volume "data" (volumes.0) (declare it under the top-level volumes:)',
    'compose.yaml:7:3: services.db: service "db" has neither an image nor a build context (add `image: NAME`)',
  ]);
  assert.deepEqual(badFile(`
services:
  web:
    image: nginx
    depends_on: [tool]
  tool:
    image: busybox
    profiles: [tools]
`), ['compose.yaml:4:18: services.web.depends_on.tool: service "web" depends on "tool", which is not enabled by the active profiles (enable one of its profiles: tools)']);
  assert.deepEqual(badFile('services:\n  a:\n    image: "cost $${}"\n    command: "${}"\n'), ['compose.yaml:4:14: services.a.command: invalid interpolation format: "${}" (write a literal $ as $$)']);
  assert.deepEqual(badFile('services:\n  Web App:\n    image: x\n'), ['compose.yaml:2:3: services.Web App: a service name is letters, digits, ".", "_" and "-"']);
  assert.deepEqual(badFile('services:\n  web:\n    image: x\n    expose: ["80/icmp"]\n'), ['compose.yaml:4:14: services.web.expose.0: expected PORT, PORT-PORT, with /tcp or /udp']);
  assert.match(badFile('services:\n  a:\n    image: x\n    env_file: [nowhere.env]\n')[0]!, /^compose\.yaml:4:15: services\.a\.env_file: env file \/.*\/nowhere\.env not found \(create it, or mark it `required: false`\)$/);
  assert.deepEqual(badFile(''), ['compose.yaml:1:1: the compose file is empty (a compose file starts with `services:`)']);
  assert.deepEqual(badFile('services:\n  a:\n    image: x\n  a:\n    image: y\n'), ['compose.yaml:4:3: YAML syntax error: Map keys must be unique (check indentation and quoting)']);
});

test('an error in the second of two files names that file', () => {
  const dir = project({ 'base.yaml': 'services:\n  a:\n    image: x\n', 'over.yaml': 'services:\n  a:\n    restart: sometimes\n' });
  try {
    assert.deepEqual(errorsOf({ workdir: dir, env: {}, files: ['base.yaml', 'over.yaml'] }), ['over.yaml:3:14: services.a.restart: expected no, always, unless-stopped, on-failure or on-failure:N']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('renderConfig prints the merged model, and reading it back gives the same project', () => {
  for (const fixture of ['webapp', 'migrate', 'health', 'dotenv']) {
    const p = loadComposeProject({ workdir: join(FIX, fixture), env: {} });
    const text = renderConfig(p);
    const again = loadComposeProject({ workdir: join(FIX, fixture), files: ['-'], env: {}, readStdin: () => text });
    assert.deepEqual(again.services, p.services, fixture);
    assert.deepEqual(again.networks, p.networks, fixture);
    assert.deepEqual(again.volumes, p.volumes, fixture);
    assert.equal(again.name, p.name);
  }
  const text = renderConfig(loadComposeProject({ workdir: join(FIX, 'migrate'), env: {} }));
  assert.match(text, /^name: migrate\nservices:\n {2}app:\n/);
  assert.match(text, /restart: "no"/);
  assert.match(text, /interval: 5s/);
});
