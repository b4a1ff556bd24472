// lib/net without root: CIDR parsing and overlap checks, host routes, IPAM with real lease files in a temp dir
// (concurrent allocation from many processes included), port claims, -p parsing and the rules for published ports.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatIp, macFor, parseIp, parseProcRoutes, parseSubnet, pickFreeSubnet, type Subnet } from '../../lib/net/cidr.ts';
import { parseNetwork, parsePort } from '../../lib/net/model.ts';
import { parseSavedRules, portRuleSpecs, renderRestore } from '../../lib/net/rules.ts';
import { allocateAddress, claimPort, createNetwork, defaultNetwork, leasesDir } from '../../lib/net/store.ts';

const ID = (n: number) => n.toString(16).padStart(64, '0');
const tempRoots = () => {
  const d = mkdtempSync(join(tmpdir(), 'gb-net-unit-'));
  return { root: d, run: join(d, 'run') };
};

test('cidr: parse, host bits, prefix limits', () => {
  assert.deepEqual(parseSubnet('10.1.0.0/24'), { base: parseIp('10.1.0.0'), prefix: 24 });
  assert.match(parseSubnet('10.1.0.1/24') as string, /host bits set: the network address of \/24 is 10\.1\.0\.0\/24/);
  assert.match(parseSubnet('10.1.0.0/31') as string, /too long/);
  assert.match(parseSubnet('10.1.0.0/33') as string, /longer than 32 bits/);
  assert.match(parseSubnet('10.1.0.300/24') as string, /not an IPv4 address/);
  assert.match(parseSubnet('10.1.0.0') as string, /CIDR form/);
  assert.equal(parseIp('01.2.3.4'), undefined);
  assert.equal(formatIp(parseIp('192.168.1.254')!), '192.168.1.254');
  assert.equal(macFor(parseIp('172.29.0.2')!), '02:67:ac:1d:00:02');
});

test('cidr: host routes from /proc/net/route, and a free subnet that avoids them and other networks', () => {
  const text = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n' +
    'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n' +
    'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n' +
    'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n' +
    'gb0\t00001DAC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n';
  const routes = parseProcRoutes(text);
  assert.deepEqual(routes.map((r) => `${formatIp(r.dest.base)}/${r.dest.prefix} ${r.dev}`), ['192.0.2.0/24 eth0', '172.17.0.0/16 docker0', '172.29.0.0/16 gb0']);
  const pick = (c: string[], taken: Subnet[] = [], own?: string) => {
    const s = pickFreeSubnet(c, routes, taken, own);
    return s && `${formatIp(s.base)}/${s.prefix}`;
  };
  assert.equal(pick(['172.17.0.0/16', '172.18.0.0/16']), '172.18.0.0/16', "docker0's subnet is skipped");
  assert.equal(pick(['172.29.0.0/16']), undefined, 'gb0 is not this network');
  assert.equal(pick(['172.29.0.0/16'], [], 'gb0'), '172.29.0.0/16', "the network's own bridge route does not count");
  assert.equal(pick(['192.0.2.128/25', '10.5.0.0/16'], [parseSubnet('10.5.3.0/24') as Subnet]), undefined);
});

test('networks: create checks overlaps with host routes and other networks; the default avoids host routes', () => {
  const r = tempRoots();
  try {
    const routes = parseProcRoutes('h\neth0\t00001DAC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n');
    const def = defaultNetwork(r, { dry: false, routes });
    assert.equal(def.subnet, '172.28.0.0/16', 'the first candidate overlaps the host route');
    assert.equal(def.bridge, 'gb0');
    assert.deepEqual(defaultNetwork(r, { dry: false, routes }), def, 'made once, then read');
    assert.throws(() => createNetwork(r, 'a', { subnet: '172.29.5.0/24', routes }), /overlaps the host's route 172\.29\.0\.0\/16 on eth0/);
    assert.throws(() => createNetwork(r, 'a', { subnet: '172.28.1.0/24', routes }), /overlaps network bridge \(172\.28\.0\.0\/16\)/);
    assert.throws(() => createNetwork(r, 'host', { routes }), /network mode/);
    assert.throws(() => createNetwork(r, 'g', { subnet: '10.9.0.0/24', gateway: '10.9.0.255', routes }), /broadcast/);
    const n = createNetwork(r, 'mine', { subnet: '10.9.0.0/24', routes });
    assert.equal(n.gateway, '10.9.0.1');
    assert.match(n.bridge, /^gb-[0-9a-f]{8}$/);
    assert.throws(() => createNetwork(r, 'mine', { routes }), /already exists/);
  } finally {
    rmSync(r.root, { recursive: true, force: true });
  }
});

test('ipam: never the network, gateway or broadcast address; --ip checks; a full /28 says so', () => {
  const r = tempRoots();
  try {
    const net = createNetwork(r, 'small', { subnet: '10.9.9.0/28', gateway: '10.9.9.5', routes: [] });
    const got: string[] = [];
    for (let i = 0; i < 13; i++) got.push(allocateAddress(r, net, { id: ID(i), names: [`c${i}`], dry: false }).ip);
    assert.equal(new Set(got).size, 13);
    for (const bad of ['10.9.9.0', '10.9.9.5', '10.9.9.15']) assert.ok(!got.includes(bad), bad);
    assert.throws(() => allocateAddress(r, net, { id: ID(99), names: ['x'], dry: false }), /no free address left: all 13 are in use/);
    rmSync(join(leasesDir(r, 'small'), '10.9.9.7'));
    assert.equal(allocateAddress(r, net, { id: ID(50), names: ['y'], dry: true }).ip, '10.9.9.7', 'dry: shown, not taken');
    assert.throws(() => allocateAddress(r, net, { ip: '10.9.9.8', id: ID(51), names: ['z'], dry: false }), /10\.9\.9\.8 is already in use by container 000000000000/);
    assert.throws(() => allocateAddress(r, net, { ip: '10.9.9.5', id: ID(51), names: ['z'], dry: false }), /gateway/);
    assert.throws(() => allocateAddress(r, net, { ip: '10.9.8.1', id: ID(51), names: ['z'], dry: false }), /outside the subnet/);
    assert.equal(allocateAddress(r, net, { ip: '10.9.9.7', id: ID(52), names: ['w'], dry: false }).ip, '10.9.9.7');
  } finally {
    rmSync(r.root, { recursive: true, force: true });
  }
});

test('ipam: 40 processes allocating at once on a /26 never share an address', async () => {
  const r = tempRoots();
  try {
    createNetwork(r, 'race', { subnet: '10.8.0.0/26', routes: [] });
    const script = `import { allocateAddress, readNetwork } from ${JSON.stringify(new URL('../../lib/net/store.ts', import.meta.url).href)};
      const r = ${JSON.stringify(r)}; const id = process.argv[1];
      try { process.stdout.write(allocateAddress(r, readNetwork(r, 'race'), { id, names: ['n' + id.slice(-2)], dry: false }).ip); } catch (e) { process.stdout.write('ERR ' + e.message); }`;
    const one = (i: number) =>
      new Promise<string>((res) => {
        const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, ID(i)], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        c.stdout.on('data', (d) => (out += d));
        c.on('close', () => res(out));
      });
    const ips = await Promise.all(Array.from({ length: 40 }, (_, i) => one(i)));
    assert.equal(ips.filter((x) => x.startsWith('ERR')).length, 0, ips.join(' '));
    assert.equal(new Set(ips).size, 40);
    assert.equal(readdirSync(leasesDir(r, 'race')).length, 40);
  } finally {
    rmSync(r.root, { recursive: true, force: true });
  }
});

test('ports: a host port is claimed once; -p CONTAINER gets a free one', () => {
  const r = tempRoots();
  try {
    claimPort(r, { proto: 'tcp', port: 18999, id: ID(1), dry: false });
    assert.throws(() => claimPort(r, { proto: 'tcp', port: 18999, id: ID(2), dry: false }), /18999\/tcp is already published by container 000000000000/);
    claimPort(r, { proto: 'udp', port: 18999, id: ID(2), dry: false });
    const free = claimPort(r, { proto: 'tcp', id: ID(3), dry: false }).port;
    assert.ok(free >= 32768 && free <= 60999);
  } finally {
    rmSync(r.root, { recursive: true, force: true });
  }
});

test('-p forms and the network model', () => {
  assert.deepEqual(parsePort('8080:80'), { hostPort: 8080, containerPort: 80, proto: 'tcp' });
  assert.deepEqual(parsePort('127.0.0.1:5353:53/udp'), { hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, proto: 'udp' });
  assert.deepEqual(parsePort('80'), { containerPort: 80, proto: 'tcp' });
  assert.deepEqual(parsePort('127.0.0.1::80'), { hostIp: '127.0.0.1', containerPort: 80, proto: 'tcp' });
  assert.match(parsePort('0:80') as string, /host port 0 is out of range/);
  assert.equal(parseNetwork({}).spec, undefined, 'nothing asked: none');
  assert.equal(parseNetwork({ ports: ['80'] }).spec?.mode, 'bridge', '-p implies bridge');
  assert.deepEqual(parseNetwork({ mode: 'container:web' }).spec, { mode: 'container', target: 'web', ports: [], dns: [], addHosts: [] });
  assert.match(parseNetwork({ ports: ['8080:80', '8080:81'] }).problems[0]!.message, /published twice/);
});

test('rules: published ports render as tagged DNAT and hairpin MASQUERADE, and gc reads them back', () => {
  const id = 'a'.repeat(64);
  const specs = portRuleSpecs(id, '172.29.0.2', '172.29.0.0/16', [{ hostPort: 8080, containerPort: 80, proto: 'tcp' }, { hostIp: '127.0.0.1', hostPort: 53, containerPort: 53, proto: 'udp' }]);
  assert.deepEqual(renderRestore(specs, '-A').split('\n'), [
    '*nat',
    `-A GLASSBOX-DNAT -p tcp -m tcp --dport 8080 -m comment --comment glassbox:${id} -j DNAT --to-destination 172.29.0.2:80`,
    `-A GLASSBOX-POSTROUTING -s 172.29.0.0/16 -d 172.29.0.2/32 -p tcp -m tcp --dport 80 -m comment --comment glassbox:${id} -j MASQUERADE`,
    `-A GLASSBOX-DNAT -d 127.0.0.1/32 -p udp -m udp --dport 53 -m comment --comment glassbox:${id} -j DNAT --to-destination 172.29.0.2:53`,
    `-A GLASSBOX-POSTROUTING -s 172.29.0.0/16 -d 172.29.0.2/32 -p udp -m udp --dport 53 -m comment --comment glassbox:${id} -j MASQUERADE`,
    'COMMIT',
  ]);
  assert.ok(renderRestore(specs, '-D').split('\n').slice(1, -1).every((l) => l.startsWith('-D ')));
  const saved = `*filter\n:FORWARD ACCEPT [0:0]\n-A GLASSBOX-gb0 -i gb0 -m comment --comment "glassbox:net:bridge" -j ACCEPT\nCOMMIT\n*nat\n-A GLASSBOX-DNAT -p tcp -m tcp --dport 8080 -m comment --comment "glassbox:${id}" -j DNAT --to-destination 172.29.0.2:80\nCOMMIT\n`;
  assert.deepEqual(parseSavedRules(saved), [{ table: 'nat', spec: `GLASSBOX-DNAT -p tcp -m tcp --dport 8080 -m comment --comment "glassbox:${id}" -j DNAT --to-destination 172.29.0.2:80`, id }]);
});
