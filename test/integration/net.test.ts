// Networking with real containers: the default bridge, names in /etc/hosts, published ports (127.0.0.1, the host's
// bridge-facing address, another container), --network none / container:, 30 containers at once, a full /28,
// clean stop and rm, gc after kill -9, bad input. Traffic goes only between the host and this file's own
// containers. The bridge and glassbox's chains stay while containers use them (like docker0); gc removes them once
// idle, which the last test checks together with the leak snapshot.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Sandbox, waitFor } from './helpers.ts';

const sb = new Sandbox('net');
const T = { timeout: 180_000 };

before(() => sb.setup(), { timeout: 180_000 });
// Sandbox.cleanup removes the containers a failed test left running, then gcs and checks for leaks.
after(() => sb.cleanup(), { timeout: 180_000 });

const lines = (s: string) => s.split('\n').filter(Boolean);

async function ok(args: string[]): Promise<string> {
  const r = await sb.gb(args, { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `glassbox ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

// A web server in a detached container: busybox httpd serving one line.
const WEB = (text: string) => ['/bin/sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`];

type Inspect = { NetworkSettings: { IPAddress: string; Gateway: string; Bridge: string; HostInterface: string; Ports: Array<{ HostPort: string }> } };
const inspect = async (ref: string) => (JSON.parse(await ok(['inspect', ref])) as Inspect[])[0]!.NetworkSettings;

// An HTTP GET from the host with a raw socket (only to this file's containers and loopback).
async function httpGet(host: string, port: number): Promise<string> {
  const { connect } = await import('node:net');
  return new Promise((res, rej) => {
    const s = connect({ host, port });
    let data = '';
    s.setTimeout(5000, () => s.destroy(new Error(`timeout ${host}:${port}`)));
    s.on('connect', () => s.write(`GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`));
    s.on('data', (d) => (data += d.toString()));
    s.on('end', () => res(data.split('\r\n\r\n')[1] ?? ''));
    s.on('error', rej);
  });
}

const leases = () => {
  const out: string[] = [];
  const nets = join(sb.root, 'networks');
  for (const n of existsSync(nets) ? readdirSync(nets) : []) for (const f of existsSync(join(nets, n, 'leases')) ? readdirSync(join(nets, n, 'leases')) : []) out.push(`${n}/${f}`);
  for (const f of existsSync(join(sb.root, 'ports')) ? readdirSync(join(sb.root, 'ports')) : []) out.push(`ports/${f}`);
  return out;
};
const links = () => lines(spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout).map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? '');
const taggedRules = () => lines(spawnSync('iptables-save', { encoding: 'utf8' }).stdout).filter((l) => /glassbox:[0-9a-f]{64}/.test(l));

// Removes the named containers when the test ends, passed or failed, so one failure does not leak into the next test.
const removeAfter = (t: { after: (fn: () => Promise<unknown>) => void }, ...names: string[]) =>
  t.after(() => sb.gb(['rm', '-f', ...names], { timeoutMs: 60_000 }));

// Waits until the server in a detached container answers: `run -d` returns once the process runs, not once it listens.
async function answers(host: string, port: number, text: string): Promise<void> {
  const until = Date.now() + 20_000;
  for (let last = '';;) {
    try {
      if ((last = (await httpGet(host, port)).trim()) === text) return;
    } catch (e) {
      last = String(e);
    }
    if (Date.now() > until) assert.fail(`${host}:${port} did not answer ${text} in 20 s (last: ${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('two containers reach each other by name; a published port answers on 127.0.0.1, the bridge address and from a container', T, async (t) => {
  removeAfter(t, 'web', 'client');
  const webId = (await ok(['run', '-d', '--name', 'web', '-p', '18080:80', sb.rootdir, ...WEB('hello-from-web')])).trim();
  const net = await inspect('web');
  assert.match(net.IPAddress, /^\d+\.\d+\.\d+\.\d+$/);
  await answers(net.IPAddress, 80, 'hello-from-web');
  assert.equal(net.Bridge, 'gb0');
  assert.equal(net.HostInterface, `gb${webId.slice(0, 12)}`);
  assert.deepEqual(lines(await ok(['port', 'web'])), ['80/tcp -> 0.0.0.0:18080']);
  // Another container: ping and TCP (HTTP) by name, and the published port through the host's bridge address.
  const r = await sb.gb(['run', '--network', 'bridge', '--name', 'client', sb.rootdir, '/bin/sh', '-c',
    `ping -c1 -W3 web >/dev/null && echo ping-ok; wget -q -O- http://web/ || echo by-name-failed; wget -q -O- http://${net.Gateway}:18080/ || echo by-port-failed; grep -c web /etc/hosts`]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), ['ping-ok', 'hello-from-web', 'hello-from-web', '1']);
  // From the host: loopback (DNAT in OUTPUT, route_localnet and its masquerade) and the bridge-facing address.
  assert.equal((await httpGet('127.0.0.1', 18080)).trim(), 'hello-from-web');
  assert.equal((await httpGet(net.Gateway, 18080)).trim(), 'hello-from-web');
  // The container itself through its own published port (hairpin).
  const self = await sb.gb(['exec', 'web', 'wget', '-q', '-O-', `http://${net.Gateway}:18080/`]);
  assert.equal(self.stdout.trim(), 'hello-from-web', self.stderr);
  // A port published twice is refused before anything is made.
  const before = leases();
  const twice = await sb.gb(['run', '-d', '-p', '18080:80', sb.rootdir, 'true']);
  assert.equal(twice.code, 125);
  assert.match(twice.stderr, /host port 18080\/tcp is already published by container [0-9a-f]{12}/);
  assert.deepEqual(leases(), before);
  // stop and rm leave no veth, rule or lease of the container.
  await ok(['stop', '-t', '1', 'web']);
  await ok(['rm', 'web']);
  assert.ok(!links().includes(`gb${webId.slice(0, 12)}`), 'the veth is gone');
  assert.deepEqual(taggedRules(), []);
  assert.deepEqual(leases(), []);
});

test('peers see each other come and go in /etc/hosts', T, async (t) => {
  removeAfter(t, 'p1', 'p2');
  await ok(['run', '-d', '--network', 'bridge', '--name', 'p1', sb.rootdir, 'sleep', '60']);
  await ok(['run', '-d', '--network', 'bridge', '--name', 'p2', sb.rootdir, 'sleep', '60']);
  const hosts = async () => (await ok(['exec', 'p1', 'cat', '/etc/hosts']));
  assert.match(await hosts(), /\tp2 /);
  await ok(['rm', '-f', 'p2']);
  assert.doesNotMatch(await hosts(), /\tp2 /);
  await ok(['rm', '-f', 'p1']);
  assert.deepEqual(leases(), []);
});

test('--network none has only lo, up; container:NAME shares the network namespace', T, async (t) => {
  removeAfter(t, 'owner');
  const none = await ok(['run', '--network', 'none', sb.rootdir, '/bin/sh', '-c', 'ip -o link show | cut -d: -f2; ping -c1 -W2 127.0.0.1 >/dev/null && echo lo-ok']);
  assert.deepEqual(lines(none).map((l) => l.trim()), ['lo', 'lo-ok']);
  const plain = await ok(['run', sb.rootdir, '/bin/sh', '-c', 'ip -o link show | cut -d: -f2']);
  assert.deepEqual(lines(plain).map((l) => l.trim()), ['lo']);
  await ok(['run', '-d', '--name', 'owner', '--network', 'bridge', sb.rootdir, ...WEB('shared-ns')]);
  const ip = (await inspect('owner')).IPAddress;
  const joined = lines(await ok(['run', '--network', 'container:owner', sb.rootdir, '/bin/sh', '-c', 'ip -o -4 addr show eth0; wget -q -O- http://127.0.0.1/']));
  assert.ok(joined[0]!.includes(` inet ${ip}/`), joined[0]);
  assert.equal(joined[1], 'shared-ns');
  await ok(['rm', '-f', 'owner']);
  const stopped = await sb.gb(['run', '--network', 'container:owner', sb.rootdir, 'true']);
  assert.equal(stopped.code, 125);
  assert.match(stopped.stderr, /no such container|not running/);
});

test('30 containers started at once get 30 distinct addresses and all answer', T, async (t) => {
  const names = Array.from({ length: 30 }, (_, i) => `many${i}`);
  removeAfter(t, ...names);
  const runs = await Promise.all(names.map((n) => sb.gb(['run', '-d', '--network', 'bridge', '--name', n, sb.rootdir, 'sleep', '120'], { timeoutMs: 120_000 })));
  runs.forEach((r, i) => assert.equal(r.code, 0, `${names[i]}: ${r.stderr}`));
  const ps = lines(await ok(['ps', '--format', 'json'])).map((l) => JSON.parse(l) as { name: string; ip: string });
  const ips = ps.filter((p) => p.name.startsWith('many')).map((p) => p.ip);
  assert.equal(ips.length, 30);
  assert.equal(new Set(ips).size, 30, `addresses: ${ips.join(' ')}`);
  const pings = await ok(['run', '--network', 'bridge', sb.rootdir, '/bin/sh', '-c', `for ip in ${ips.join(' ')}; do ping -c1 -W3 $ip >/dev/null && echo up; done`]);
  assert.equal(lines(pings).length, 30);
  await ok(['rm', '-f', ...names]);
  assert.deepEqual(leases(), []);
  assert.deepEqual(taggedRules(), []);
});

test('a /28 network hands out its 13 addresses, then says it is full; rm of a network in use is refused', T, async (t) => {
  await ok(['network', 'create', 'small', '--subnet', '10.199.7.0/28']);
  const names = Array.from({ length: 13 }, (_, i) => `s${i}`);
  removeAfter(t, ...names);
  const runs = await Promise.all(names.map((n) => sb.gb(['run', '-d', '--network', 'small', '--name', n, sb.rootdir, 'sleep', '120'], { timeoutMs: 120_000 })));
  runs.forEach((r, i) => assert.equal(r.code, 0, `${names[i]}: ${r.stderr}`));
  const ips = new Set<string>();
  for (const n of names) ips.add((await inspect(n)).IPAddress);
  assert.equal(ips.size, 13);
  for (const bad of ['10.199.7.0', '10.199.7.1', '10.199.7.15']) assert.ok(!ips.has(bad), `${bad} must never be handed out`);
  const full = await sb.gb(['run', '--network', 'small', sb.rootdir, 'true']);
  assert.equal(full.code, 125);
  assert.match(full.stderr, /network small \(10\.199\.7\.0\/28\) has no free address left/);
  const inUse = await sb.gb(['network', 'rm', 'small']);
  assert.equal(inUse.code, 125);
  assert.match(inUse.stderr, /network small is in use/);
  await ok(['rm', '-f', ...names]);
  await ok(['network', 'rm', 'small']);
  assert.ok(!(await ok(['network', 'ls'])).includes('small'));
});

test('bad input: clear errors, exit 125, nothing created', T, async () => {
  const before = { leases: leases(), links: links(), rules: taggedRules() };
  const cases: Array<[string[], RegExp]> = [
    [['network', 'create', 'x1', '--subnet', '10.199.8.1/24'], /host bits set/],
    [['network', 'create', 'x2', '--subnet', '10.199.8.0/31'], /too long/],
    [['network', 'create', 'x3', '--subnet', '10.199.8.0/33'], /longer than 32 bits/],
    [['run', '-p', '70000:80', sb.rootdir, 'true'], /host port 70000 is out of range/],
    [['run', '-p', '80:0', sb.rootdir, 'true'], /container port 0 is out of range/],
    [['run', '--network', 'nosuchnet', sb.rootdir, 'true'], /network nosuchnet not found/],
    [['run', '--network', 'host', '-p', '80', sb.rootdir, 'true'], /ports cannot be published with --network host/],
    [['run', '--network', 'container:ghost', sb.rootdir, 'true'], /no such container/],
    [['run', '--network', 'bridge', '--ip', '10.0.0.300', sb.rootdir, 'true'], /not an IPv4 address/],
  ];
  // A subnet overlapping a route of this host (read from the kernel), and one overlapping another network.
  const route = lines(readFileSync('/proc/net/route', 'utf8')).slice(1).map((l) => l.split(/\s+/)).find((f) => f[7] !== '00000000');
  if (route) {
    const le = (h: string) => [3, 2, 1, 0].map((i) => parseInt(h.slice(i * 2, i * 2 + 2), 16)).join('.');
    const bits = parseInt(route[7]!, 16).toString(2).split('1').length - 1;
    cases.push([['network', 'create', 'x4', '--subnet', `${le(route[1]!)}/${bits}`], /overlaps the host's route/]);
  }
  await ok(['network', 'create', 'taken', '--subnet', '10.199.9.0/24']);
  cases.push([['network', 'create', 'x5', '--subnet', '10.199.9.128/25'], /overlaps network taken/]);
  for (const [args, msg] of cases) {
    const r = await sb.gb(args);
    assert.equal(r.code, 125, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg, args.join(' '));
  }
  await ok(['network', 'rm', 'taken']);
  assert.deepEqual({ leases: leases(), links: links(), rules: taggedRules() }, before);
  assert.deepEqual(readdirSync(join(sb.root, 'networks')).sort(), ['bridge']);
});

test('gc after kill -9 in the middle of network setup leaves nothing', T, async () => {
  const bg = sb.gbStart(['--verbose', 'run', '-p', '18081:80', sb.rootdir, 'sleep', '60']);
  try {
    await waitFor('the veth to be made', () => /ip link add gb/.test(bg.stderr), 30_000);
    bg.child.kill('SIGKILL');
    await bg.done;
  } finally {
    bg.stop();
  }
  await ok(['gc']);
  assert.deepEqual(leases(), []);
  assert.deepEqual(taggedRules(), []);
  assert.deepEqual(links().filter((l) => /^gb[0-9a-f]{12}$/.test(l)), []);
});

test('gc removes the idle bridge and chains; nothing leaks', T, async () => {
  await ok(['gc']);
  assert.ok(!links().includes('gb0'));
  assert.deepEqual(await ok(['gc']), 'nothing to clean up\n');
  sb.assertNoLeaks();
});
