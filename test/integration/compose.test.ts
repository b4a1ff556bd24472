// glassbox compose with real containers, from the compose files under test/fixtures/compose-it (written as real
// projects write them): services reach each other by name on the project network and through published ports; a
// named volume outlives down and goes with down -v; depends_on waits for healthy and for a one-shot that completed
// (and a failed one stops up); .env interpolation and a required variable; -f base -f override; bad files refused
// with positions and nothing made; up twice changes nothing, a changed service is recreated alone; attached up with
// --exit-code-from; run --rm, ps, logs, stop/start, port; and down leaves nothing of the project on the host.
// Each test works on its own copy of a fixture (the copy's folder name is the project name) and downs it after.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse as parseYaml } from 'yaml';
import { REPO, Sandbox, waitFor, type Result } from './helpers.ts';

const sb = new Sandbox('compose');
const T = { timeout: 120_000 };
const FIXTURES = join(REPO, 'test', 'fixtures', 'compose-it');

before(() => sb.setup(), { timeout: 180_000 });
// Sandbox.cleanup removes the containers a failed test left running, then gcs.
after(() => sb.cleanup(), { timeout: 180_000 });

const lines = (s: string) => s.split('\n').filter(Boolean);

/** One project: a temp copy of a fixture, and `glassbox compose [files] VERB …` run in it. */
interface Project {
  name: string;
  dir: string;
  /** Environment for every compose command of this project (the cleanup's down too). */
  env: Record<string, string>;
  compose(args: string[], env?: Record<string, string>): Promise<Result>;
  ok(args: string[], env?: Record<string, string>): Promise<string>;
}

// Copies a fixture to a folder named `name` (the project name) and downs the project (-v) when the test ends.
function project(t: { after: (fn: () => Promise<unknown>) => void }, fixture: string, name = fixture, files: string[] = []): Project {
  const dir = join(sb.dir, 'projects', name);
  mkdirSync(join(sb.dir, 'projects'), { recursive: true });
  cpSync(join(FIXTURES, fixture), dir, { recursive: true });
  const pre = files.flatMap((f) => ['-f', f]);
  const envs: Record<string, string> = {};
  const compose = (args: string[], env: Record<string, string> = {}) => sb.gb(['compose', ...pre, ...args], { cwd: dir, env: { ...envs, ...env }, timeoutMs: 90_000 });
  const ok = async (args: string[], env: Record<string, string> = {}) => {
    const r = await compose(args, env);
    assert.equal(r.code, 0, `glassbox compose ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  t.after(() => compose(['down', '-v', '--remove-orphans']));
  return { name, dir, env: envs, compose, ok };
}

// compose ps --format json, one object a line (-a: stopped ones too); and the containers' short IDs by service.
type PsRow = { ID: string; Name: string; Service: string; State: string; Status: string; Labels: string; ExitCode: string };
const psRows = async (p: Project, all = false) => lines(await p.ok(['ps', '--format', 'json', ...(all ? ['-a'] : [])])).map((l) => JSON.parse(l) as PsRow);
const idsByService = async (p: Project) => Object.fromEntries((await psRows(p, true)).map((r) => [r.Service, r.ID]));

type Inspect = { Id: string; State: { Status: string; StartedAt: string; Health?: { Status: string } }; Config: { Env: string[] } };
// glassbox inspect of one container.
async function inspect(ref: string): Promise<Inspect> {
  const r = await sb.gb(['inspect', ref]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as Inspect[])[0]!;
}

// An HTTP GET from the host with a raw socket (loopback only).
async function httpGet(port: number): Promise<string> {
  const { connect } = await import('node:net');
  return new Promise((res, rej) => {
    const s = connect({ host: '127.0.0.1', port });
    let data = '';
    s.setTimeout(5000, () => s.destroy(new Error(`timeout 127.0.0.1:${port}`)));
    s.on('connect', () => s.write('GET / HTTP/1.0\r\nHost: localhost\r\n\r\n'));
    s.on('data', (d) => (data += d.toString()));
    s.on('end', () => res(data.split('\r\n\r\n')[1] ?? ''));
    s.on('error', rej);
  });
}

// Waits until 127.0.0.1:PORT serves `text`: up -d returns once the process runs, not once it listens.
async function answers(port: number, text: string): Promise<void> {
  const until = Date.now() + 20_000;
  for (let last = '';;) {
    try {
      if ((last = (await httpGet(port)).trim()) === text) return;
    } catch (e) {
      last = String(e);
    }
    if (Date.now() > until) assert.fail(`127.0.0.1:${port} did not answer ${text} in 20 s (last: ${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// A file in a named volume, read from the host side; the sandbox's volume, network and link lists.
const volumeData = (name: string, file: string) => join(sb.root, 'volumes', name, '_data', file);
const readWhenThere = (path: string) => waitFor(path, () => existsSync(path) && readFileSync(path, 'utf8'), 20_000);
const volumeNames = async () => lines((await sb.gb(['volume', 'ls', '-q'])).stdout);
const networkRecords = () => (existsSync(join(sb.root, 'networks')) ? readdirSync(join(sb.root, 'networks')).sort() : []);

// Host links named gb*, and the host's iptables rules as iptables-save prints them.
const gbLinks = () => lines(spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout).map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? '').filter((n) => n.startsWith('gb'));
const iptablesLines = () => lines(spawnSync('iptables-save', { encoding: 'utf8' }).stdout);
// The container's cgroup directories: GLASSBOX/ID at the top (cgroup v2) or under each controller (v1).
function cgroupsOf(id: string): string[] {
  const cg = '/sys/fs/cgroup';
  const places = [join(cg, 'glassbox', id), ...readdirSync(cg).map((c) => join(cg, c, 'glassbox', id))];
  return places.filter((d) => existsSync(d));
}

test('a service answers another by its name on the project network, and on its published port on 127.0.0.1', T, async (t) => {
  const p = project(t, 'web');
  const up = await p.compose(['up', '-d']);
  assert.equal(up.code, 0, up.stderr);
  assert.equal(up.stdout, '');
  assert.match(up.stderr, /^ Network web_default {2}Created$/m);
  assert.match(up.stderr, /^ Container web-web-1 {2}Started$/m);
  assert.match(up.stderr, /^ Container web-client-1 {2}Started$/m);
  // depends_on as a list: web is started before client.
  assert.ok(up.stderr.indexOf('web-web-1  Started') < up.stderr.indexOf('web-client-1  Creating'), up.stderr);
  const rows = await psRows(p);
  assert.deepEqual(rows.map((r) => [r.Name, r.Service, r.State]).sort(), [['web-client-1', 'client', 'running'], ['web-web-1', 'web', 'running']]);
  for (const r of rows) assert.match(r.Labels, new RegExp(`com\\.docker\\.compose\\.project=web,com\\.docker\\.compose\\.service=${r.Service}\\b`));
  await answers(18311, 'hello-from-web');
  // By the service name (the network alias), from the other service, over TCP; and the name resolves to web's address.
  const viaName = await p.compose(['exec', 'client', 'wget', '-q', '-O-', 'http://web/']);
  assert.equal(viaName.code, 0, viaName.stderr);
  assert.equal(viaName.stdout, 'hello-from-web\n');
  const net = JSON.parse((await sb.gb(['network', 'inspect', 'web_default'])).stdout) as Array<{ Containers: Record<string, { Name: string; IPv4Address: string }> }>;
  const webIp = Object.values(net[0]!.Containers).find((c) => c.Name === 'web-web-1')!.IPv4Address;
  const ping = await p.compose(['exec', 'client', 'ping', '-c1', '-W3', 'web']);
  assert.equal(ping.code, 0, ping.stdout + ping.stderr);
  assert.ok(ping.stdout.includes(`(${webIp})`), ping.stdout);
  // The port is published on 127.0.0.1 only, as the file says.
  assert.equal((await p.ok(['port', 'web', '80'])).trim(), '127.0.0.1:18311');
  // The plan of a project that is up: its own containers' host ports count as free (up would replace them).
  assert.match(await p.ok(['plan', '--brief']), /Service web \(wave 1\)/);
});

test('a named volume is shared by two services, kept by down, removed by down -v', T, async (t) => {
  const p = project(t, 'volume');
  await p.ok(['up', '-d']);
  assert.ok((await volumeNames()).includes('volume_shared'));
  assert.equal(await readWhenThere(volumeData('volume_shared', 'log')), 'written-by-writer\n');
  assert.equal(await p.ok(['exec', 'reader', 'cat', '/srv/shared/log']), 'written-by-writer\n');
  // The reader mounts it :ro.
  const ro = await p.compose(['exec', 'reader', 'sh', '-c', 'echo x > /srv/shared/other']);
  assert.notEqual(ro.code, 0);
  assert.match(ro.stderr + ro.stdout, /Read-only file system/);
  // down without -v: containers go, the volume and its data stay; the next up appends to the same file.
  const down = await p.compose(['down']);
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(await psRows(p, true), []);
  assert.ok((await volumeNames()).includes('volume_shared'), 'down without -v keeps the volume');
  await p.ok(['up', '-d']);
  await waitFor('the second write', () => readFileSync(volumeData('volume_shared', 'log'), 'utf8').split('\n').length === 3, 20_000);
  assert.equal(await p.ok(['exec', 'reader', 'cat', '/srv/shared/log']), 'written-by-writer\nwritten-by-writer\n');
  // down -v removes it.
  const downV = await p.compose(['down', '-v']);
  assert.equal(downV.code, 0, downV.stderr);
  assert.match(downV.stderr, /^ Volume volume_shared {2}Removed$/m);
  assert.ok(!(await volumeNames()).includes('volume_shared'), 'down -v removes the volume');
  assert.ok(!existsSync(join(sb.root, 'volumes', 'volume_shared')));
});

test('depends_on condition service_healthy: the app starts only after the api became healthy', T, async (t) => {
  const p = project(t, 'health');
  const up = await p.compose(['up', '-d']);
  assert.equal(up.code, 0, up.stderr);
  // The app saw the file that makes the api healthy, when it started.
  assert.equal(await readWhenThere(volumeData('health_stamps', 'app')), 'saw-ready\n');
  const ready = Number(readFileSync(volumeData('health_stamps', 'ready'), 'utf8'));
  const appStarted = Number(await readWhenThere(volumeData('health_stamps', 'app-started')));
  assert.ok(appStarted >= ready, `app started at ${appStarted}, before the api was ready at ${ready}`);
  // And up said so in that order: the api healthy, then the app created.
  const healthy = up.stderr.indexOf(' Container health-api-1  Healthy');
  assert.ok(healthy >= 0, up.stderr);
  assert.ok(healthy < up.stderr.indexOf(' Container health-app-1  Creating'), up.stderr);
  const api = await inspect('health-api-1');
  assert.equal(api.State.Health?.Status, 'healthy');
  assert.ok(Date.parse((await inspect('health-app-1')).State.StartedAt) >= ready * 1000, 'the app container started after the ready file was made');
  assert.match((await psRows(p)).find((r) => r.Service === 'api')!.Status, /\(healthy\)/);
});

test('depends_on condition service_completed_successfully: the migration runs to the end before the app', T, async (t) => {
  const p = project(t, 'migrate');
  const up = await p.compose(['up', '-d']);
  assert.equal(up.code, 0, up.stderr);
  assert.equal(await readWhenThere(volumeData('migrate_db', 'app-saw')), 'schema-v1\n');
  const rows = await psRows(p, true);
  const migrate = rows.find((r) => r.Service === 'migrate')!;
  assert.equal(migrate.State, 'exited');
  assert.equal(migrate.ExitCode, '0');
  assert.equal(rows.find((r) => r.Service === 'app')!.State, 'running');
  assert.ok(up.stderr.indexOf(' Container migrate-migrate-1  Exited') < up.stderr.indexOf(' Container migrate-app-1  Creating'), up.stderr);
});

test('a one-shot that exits 3 makes up fail, says which one, and its dependent never starts', T, async (t) => {
  const p = project(t, 'migrate-fail');
  const up = await p.compose(['up', '-d']);
  assert.notEqual(up.code, 0, up.stderr);
  assert.match(up.stderr, /service "migrate" didn't complete successfully: exit 3/);
  const rows = await psRows(p, true);
  assert.deepEqual(rows.map((r) => [r.Service, r.State, r.ExitCode]), [['migrate', 'exited', '3']]);
  assert.ok(!existsSync(join(sb.root, 'names', 'migrate-fail-app-1')), 'the app was never created');
  assert.doesNotMatch(up.stderr, /migrate-fail-app-1/);
});

test('.env interpolation: ${VAR}, $VAR, ${VAR:-default}, $$ reach the environment; ${VAR:?msg} unset is refused, nothing made', T, async (t) => {
  const p = project(t, 'dotenv');
  await p.ok(['up', '-d']);
  const env = lines(await p.ok(['exec', 'app', 'env']));
  for (const kv of ['GREETING=hello-from-dotenv', 'TIER=backend', 'QUOTED=two words', 'MODE=production', 'LITERAL=${HOME}']) assert.ok(env.includes(kv), `${kv} in\n${env.join('\n')}`);
  // The shell's environment wins over .env and over the default.
  const cfg = parseYaml(await p.ok(['config'], { MODE: 'staging', GREETING: 'from-shell' })) as { services: { app: { environment: Record<string, string> } } };
  assert.equal(cfg.services.app.environment.MODE, 'staging');
  assert.equal(cfg.services.app.environment.GREETING, 'from-shell');

  const q = project(t, 'dotenv-required');
  const before = { ids: sb.containerIds(), nets: networkRecords(), vols: await volumeNames() };
  const r = await q.compose(['up', '-d']);
  assert.equal(r.code, 125, r.stderr);
  assert.match(r.stderr, /compose\.yaml:7:9: services\.app\.environment\.0: required variable DATABASE_URL is missing a value: set DATABASE_URL in \.env/);
  assert.deepEqual({ ids: sb.containerIds(), nets: networkRecords(), vols: await volumeNames() }, before);
  // Given, it runs.
  q.env.DATABASE_URL = 'postgres://db/app';
  await q.ok(['up', '-d']);
  assert.ok(lines(await q.ok(['exec', 'app', 'env'])).includes('DATABASE_URL=postgres://db/app'));
});

test('-f base -f override: command, environment and ports merged, in config and in a real up', T, async (t) => {
  const base = project(t, 'merge', 'merge-base');
  const plain = parseYaml(await base.ok(['config'])) as { services: { web: { command: string[]; ports: Array<{ target: number; published: string }> } } };
  assert.match(plain.services.web.command[2]!, /echo base-/);
  assert.deepEqual(plain.services.web.ports.map((x) => [x.target, x.published]), [[80, '18321']]);

  const p = project(t, 'merge', 'merge', ['compose.yaml', 'compose.override.dev.yaml']);
  type Cfg = { name: string; services: { web: { command: string[]; environment: Record<string, string>; ports: Array<{ target: number; published: string; host_ip?: string }> } } };
  const cfg = parseYaml(await p.ok(['config'])) as Cfg;
  assert.equal(cfg.name, 'merge');
  assert.match(cfg.services.web.command[2]!, /echo dev-\$\$MODE-\$\$LOG_LEVEL .*-p 8080/);
  assert.deepEqual(cfg.services.web.environment, { LOG_LEVEL: 'info', MODE: 'development' });
  assert.deepEqual(cfg.services.web.ports.map((x) => [x.target, x.published, x.host_ip ?? '']), [[80, '18321', ''], [8080, '18322', '127.0.0.1']]);
  await p.ok(['up', '-d']);
  // The override's command serves on 8080 with the merged environment.
  await answers(18322, 'dev-development-info');
  assert.equal((await p.ok(['port', 'web', '8080'])).trim(), '127.0.0.1:18322');
});

test('bad files are refused with file:line:col, exit 125, and nothing is made', T, async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['bad-unknown', /compose\.yaml:4:5: services\.web\.comand: unknown key "comand" \(did you mean "command"\?\)/],
    ['bad-unsupported', /compose\.yaml:6:5: services\.web\.cgroup_parent: "cgroup_parent" is not supported by glassbox/],
    ['bad-secrets', /compose\.yaml:4:5: services\.web\.secrets: "secrets" is not supported by glassbox[^\n]*\n.*compose\.yaml:6:1: secrets: "secrets" is not supported/],
    ['bad-cycle', /compose\.yaml:\d+:\d+: services\.[abc]\.depends_on: dependency cycle: (a → b → c → a|b → c → a → b|c → a → b → c)/],
  ];
  const before = { ids: sb.containerIds(), nets: networkRecords(), vols: await volumeNames(), links: gbLinks() };
  for (const [fixture, msg] of cases) {
    const p = project(t, fixture);
    for (const verb of [['up', '-d'], ['config']]) {
      const r = await p.compose(verb);
      assert.equal(r.code, 125, `${fixture} ${verb.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg, fixture);
      assert.equal(r.stdout, '');
    }
  }
  assert.deepEqual({ ids: sb.containerIds(), nets: networkRecords(), vols: await volumeNames(), links: gbLinks() }, before);
});

test('up -d twice changes nothing; a changed service alone is recreated; --force-recreate recreates all', T, async (t) => {
  const p = project(t, 'recreate');
  await p.ok(['up', '-d']);
  const first = await idsByService(p);
  assert.deepEqual(Object.keys(first).sort(), ['one', 'two']);
  const again = await p.compose(['up', '-d']);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(await idsByService(p), first);
  assert.match(again.stderr, /^ Container recreate-one-1 {2}Running$/m);
  assert.match(again.stderr, /^ Container recreate-two-1 {2}Running$/m);
  assert.doesNotMatch(again.stderr, /Recreate|Creating/);
  // The file changes for two only.
  const file = join(p.dir, 'compose.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('COLOUR=blue', 'COLOUR=teal'));
  const changed = await p.compose(['up', '-d']);
  assert.equal(changed.code, 0, changed.stderr);
  const second = await idsByService(p);
  assert.equal(second.one, first.one);
  assert.notEqual(second.two, first.two);
  assert.match(changed.stderr, /^ Container recreate-two-1 {2}Recreated$/m);
  assert.match(changed.stderr, /^ Container recreate-one-1 {2}Running$/m);
  assert.ok((await inspect('recreate-two-1')).Config.Env.includes('COLOUR=teal'));
  // An interpolated value changing is a change too.
  await p.ok(['up', '-d'], { COLOUR: 'green' });
  const third = await idsByService(p);
  assert.notEqual(third.one, second.one);
  assert.equal(third.two, second.two);
  assert.ok(lines(await p.ok(['exec', 'one', 'env'])).includes('COLOUR=green'));
  await p.ok(['up', '-d', '--force-recreate'], { COLOUR: 'green' });
  const fourth = await idsByService(p);
  assert.notEqual(fourth.one, third.one);
  assert.notEqual(fourth.two, third.two);
  assert.equal(sb.containerIds().length, 2, 'the replaced containers are gone');
});

test('attached up --exit-code-from: that service\'s code, output prefixed NAME  | ', T, async (t) => {
  const p = project(t, 'attached');
  const r = await p.compose(['up', '--exit-code-from', 'tester']);
  assert.equal(r.code, 4, r.stdout + r.stderr);
  assert.match(r.stdout, /^attached-server-1 {2}\| server-up$/m);
  assert.match(r.stdout, /^attached-tester-1 {2}\| tests-ran$/m);
  assert.match(r.stdout, /^attached-tester-1 exited with code 4$/m);
  // The progress lines are on stderr, never mixed into the output.
  assert.match(r.stderr, /^ Container attached-tester-1 {2}Started$/m);
  assert.doesNotMatch(r.stdout, /^ Container /m);
  // The others were stopped when tester ended.
  const rows = await psRows(p, true);
  assert.deepEqual(rows.map((x) => [x.Service, x.State]).sort(), [['server', 'exited'], ['tester', 'exited']]);
  assert.equal(rows.find((x) => x.Service === 'tester')!.ExitCode, '4');
});

test('run --rm, ps, logs, stop and start, port', T, async (t) => {
  const p = project(t, 'web', 'webops');
  await p.ok(['up', '-d']);
  await answers(18311, 'hello-from-web');
  assert.deepEqual(lines(await p.ok(['ps', '--services'])).sort(), ['client', 'web']);
  const ids = lines(await p.ok(['ps', '-q']));
  assert.equal(ids.length, 2);
  for (const id of ids) assert.match(id, /^[0-9a-f]{12,64}$/);
  // A one-off with the service's environment, on the project network, removed afterwards.
  const oneOff = await p.compose(['run', '--rm', 'client', 'sh', '-c', 'echo role=$ROLE; wget -q -O- $WEB_URL']);
  assert.equal(oneOff.code, 0, oneOff.stderr);
  assert.deepEqual(lines(oneOff.stdout), ['role=client', 'hello-from-web']);
  assert.equal(sb.containerIds().length, 2, 'run --rm left no container');
  assert.equal((await psRows(p, true)).length, 2);
  // Its exit code is the command's.
  assert.equal((await p.compose(['run', '--rm', '--no-deps', 'client', 'sh', '-c', 'exit 7'])).code, 7);
  assert.equal(sb.containerIds().length, 2);
  // logs SERVICE: only that service, prefixed with its container's name.
  const logs = await p.ok(['logs', 'web']);
  assert.match(logs, /^webops-web-1 +\| web-starting$/m);
  assert.doesNotMatch(logs, /webops-client-1/);
  // stop: gone from ps, shown by ps -a; start: serving again.
  await p.ok(['stop', 'web']);
  assert.deepEqual((await psRows(p)).map((r) => r.Service), ['client']);
  assert.equal((await psRows(p, true)).find((r) => r.Service === 'web')!.State, 'exited');
  await assert.rejects(httpGet(18311));
  await p.ok(['start', 'web']);
  await answers(18311, 'hello-from-web');
  assert.equal((await p.ok(['port', 'web', '80'])).trim(), '127.0.0.1:18311');
  const noPort = await p.compose(['port', 'client', '80']);
  assert.notEqual(noPort.code, 0);
});

test('a short-syntax bind makes its missing host directory (create_host_path); the long syntax needs its source', T, async (t) => {
  const p = project(t, 'bind');
  assert.equal(existsSync(join(p.dir, 'out')), false);
  const r = await p.compose(['up', '--exit-code-from', 'writer']);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /writer-1 {2}\| mode=test/);
  assert.equal(readFileSync(join(p.dir, 'out', 'result'), 'utf8'), 'written-by-writer\n');
  // Without its source, the long syntax is refused at its line and nothing is made.
  await p.ok(['down']);
  const { rmSync } = await import('node:fs');
  rmSync(join(p.dir, 'conf'), { recursive: true });
  const bad = await p.compose(['up', '-d']);
  assert.equal(bad.code, 125, bad.stderr);
  assert.match(bad.stderr, /compose\.yaml:\d+:\d+: .*volume source .*conf does not exist/);
  assert.deepEqual((await psRows(p, true)).map((x) => x.Service), []);
});

test('build: a service built from its Dockerfile (args, target) by up; up again builds nothing; compose build --no-cache rebuilds', T, async (t) => {
  const p = project(t, 'built');
  const up = await p.compose(['up', '-d']);
  assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
  assert.match(up.stderr, /^ Service app {2}Built$/m);
  assert.match(up.stdout, /^app {2}\| \[1\/2\] STEP 1\/5: FROM glassbox\/base AS base$/m);
  assert.doesNotMatch(up.stdout, /RUN exit 1/, 'the stage after the target is not built');
  assert.equal((await p.ok(['logs', 'app'])).trim(), 'app-1  | flavour: vanilla'.replace(/^/, `${p.name}-`));
  const rec = JSON.parse((await sb.gb(['image', 'inspect', 'built-app'])).stdout) as Array<{ Config: { Labels?: Record<string, string> } }>;
  assert.equal(rec[0]!.Config.Labels?.['made-by'], 'compose-build');
  const ids = await idsByService(p);
  // Up again: the image is there, nothing is built, nothing recreated.
  const again = await p.compose(['up', '-d']);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /Building/);
  assert.deepEqual(await idsByService(p), ids);
  // compose build runs the steps again; the same content makes the same image, so up still recreates nothing.
  const b = await p.compose(['build', '--no-cache', 'app']);
  assert.equal(b.code, 0, b.stderr);
  assert.doesNotMatch(b.stdout, /CACHED/);
  await p.ok(['up', '-d']);
  assert.equal((await idsByService(p)).tool, ids.tool);
});

test('compose plan: every service in start order, own addresses, one bridge maker; compose script: up.sh and down.sh with plain sh', T, async (t) => {
  const p = project(t, 'migrate', 'scripted');
  const plan = JSON.parse(await p.ok(['plan', '--format', 'json'])) as { newNetworks: Array<{ name: string; subnet: string }>; services: Array<{ service: string; wave: number; after: Array<{ service: string; condition: string }>; plan: { info: { id: string; network: { ip: string } }; steps: Array<{ block: string }> } }> };
  assert.deepEqual(plan.services.map((s) => [s.service, s.wave]), [['migrate', 1], ['app', 2]]);
  assert.deepEqual(plan.services[1]!.after, [{ service: 'migrate', condition: 'service_completed_successfully' }]);
  assert.deepEqual(plan.newNetworks.map((n) => n.name), ['scripted_default']);
  const [a, b] = plan.services.map((s) => s.plan.info.network.ip);
  assert.notEqual(a, b, 'each container planned with its own address');
  assert.deepEqual(plan.services.map((s) => s.plan.steps.some((x) => x.block === 'net-bridge')), [true, false], 'only the first container makes the bridge');
  // Planning changed nothing: no network record, no container.
  assert.ok(!networkRecords().includes('scripted_default'));
  assert.deepEqual(sb.containerIds(), []);
  const out = join(sb.dir, 'scripts-scripted');
  await p.ok(['script', '-o', out]);
  for (const f of ['up.sh', 'down.sh', 'services/migrate/up.sh', 'services/app/down.sh']) assert.ok(existsSync(join(out, f)), f);
  const env = { ...sb.env, PATH: process.env.PATH ?? '' };
  // Whatever happens below, the scripts' containers and bridge go (compose down knows nothing of them).
  t.after(() => spawnSync('sh', [join(out, 'down.sh')], { env, encoding: 'utf8', timeout: 60_000 }));
  const up = spawnSync('sh', [join(out, 'up.sh')], { env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(up.status, 0, `${up.stdout}\n${up.stderr}`);
  // The app read what the migration wrote: it started after the one-shot ended with 0.
  assert.equal(await readWhenThere(volumeData('scripted_db', 'app-saw')), 'schema-v1\n');
  const down = spawnSync('sh', [join(out, 'down.sh')], { env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(down.status, 0, `${down.stdout}\n${down.stderr}`);
  for (const s of plan.services) assert.equal(existsSync(join(sb.run, s.plan.info.id)), false, `${s.service}'s run directory is gone`);
  assert.deepEqual(sb.sandboxMounts(), []);
  // The project's bridge, as its scripts name it (each planning draws its own network ID), is gone.
  const bridge = /ip link add (gb-[0-9a-f]+) type bridge/.exec(readFileSync(join(out, 'services', 'migrate', 'up.sh'), 'utf8'))?.[1];
  assert.ok(bridge, 'the first service\'s up.sh makes the bridge');
  assert.ok(!gbLinks().includes(bridge!), `bridge ${bridge} removed by down.sh`);
  // service_healthy needs the monitor's health check: the scripts are refused for it, naming the pair.
  const h = project(t, 'health', 'scripthealth');
  const refused = await h.compose(['script', '-o', join(sb.dir, 'scripts-health')]);
  assert.equal(refused.code, 125, refused.stderr);
  assert.match(refused.stderr, /service_healthy \(app → api\)/);
});

test('compose learn --yes steps through the project\'s up service by service and leaves it running', T, async (t) => {
  const p = project(t, 'web', 'learnt');
  const r = await p.compose(['learn', '--yes']);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /━━ glassbox learn learnt: web ━━[^]*━━ glassbox learn learnt: client ━━[^]*Project learnt is up/);
  assert.match(r.stdout, /Create the bridge gb-/);
  assert.equal((await p.ok(['exec', 'client', 'wget', '-q', '-O-', 'http://web/'])).trim(), 'hello-from-web');
  const rows = await psRows(p);
  assert.deepEqual(rows.map((x) => x.Service).sort(), ['client', 'web']);
  // A second learn refuses: the project is up already.
  const again = await p.compose(['learn', '--yes']);
  assert.equal(again.code, 125);
  assert.match(again.stderr, /project learnt has containers already: .*compose -p learnt down first/);
});

test('down leaves nothing of the project: no container, network record, rule, link, mount or cgroup', T, async (t) => {
  const p = project(t, 'web', 'leaky');
  await p.ok(['up', '-d']);
  await answers(18311, 'hello-from-web');
  const ids = [(await inspect('leaky-web-1')).Id, (await inspect('leaky-client-1')).Id];
  const bridge = (JSON.parse((await sb.gb(['network', 'inspect', 'leaky_default'])).stdout) as Array<{ Bridge: string }>)[0]!.Bridge;
  assert.ok(gbLinks().includes(bridge));
  for (const id of ids) assert.ok(gbLinks().includes(`gb${id.slice(0, 12)}`), `veth of ${id}`);
  assert.ok(iptablesLines().some((l) => l.includes(bridge)));
  assert.ok(ids.every((id) => cgroupsOf(id).length > 0), 'the containers have cgroups (the check below can see them)');

  const down = await p.compose(['down', '-v']);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stderr, /^ Network leaky_default {2}Removed$/m);
  assert.deepEqual(sb.containerIds(), []);
  assert.deepEqual(sb.runEntries(), []);
  assert.ok(!networkRecords().includes('leaky_default'), 'network record');
  assert.match((await sb.gb(['network', 'inspect', 'leaky_default'])).stderr, /network leaky_default not found/);
  assert.deepEqual(iptablesLines().filter((l) => l.includes(bridge) || l.includes('leaky_default') || ids.some((id) => l.includes(id))), []);
  assert.deepEqual(gbLinks().filter((l) => l === bridge || ids.some((id) => l === `gb${id.slice(0, 12)}`)), []);
  assert.deepEqual(sb.sandboxMounts(), []);
  assert.deepEqual(ids.flatMap(cgroupsOf), []);
  assert.equal(existsSync(join(sb.root, 'names', 'leaky-web-1')), false);
  // And the whole file left nothing once gc removed the idle default bridge.
  const gc = await sb.gb(['gc']);
  assert.equal(gc.code, 0, gc.stderr);
  sb.assertNoLeaks();
});
