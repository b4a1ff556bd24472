// Networks on disk, and the addresses and ports handed out on them. A network is a bridge on the host (a virtual
// switch: every container's veth plugs into it) with a subnet; the bridge itself holds the gateway address.
// glassbox keeps one directory per network under GLASSBOX_ROOT/networks/NAME:
//   network.json   its definition (bridge, subnet, gateway)
//   leases/IP      one file per address in use, made with O_EXCL (open(…, 'wx')): the kernel creates it or
//                  refuses, so two runs at once can never get the same address. It holds the /etc/hosts line of
//                  its container (with the container's ID in a comment) and is removed when the container goes.
//   members/ID     a link to each member's run directory (where its /etc/hosts lives)
//   hosts          every member's line, remade from leases/ whenever a container comes or goes
// Published host ports are claimed the same way, in GLASSBOX_ROOT/ports/PROTO-PORT.

import { randomBytes } from '../util/crypto.ts';
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Owner } from '../state/containers.ts';
import { GlassboxError } from '../errors.ts';
import type { Roots } from '../state/paths.ts';
import { broadcastOf, DEFAULT_CANDIDATES, formatIp, formatSubnet, parseIp, parseSubnet, pickFreeSubnet, type HostRoute, type Subnet } from './cidr.ts';
import { hostRoutes } from './routes.ts';
import type { Claim, NetworkDef } from './types.ts';
export type { Claim, NetworkDef } from './types.ts';

/** docker's name for the default network; its bridge is gb0. */
export const DEFAULT_NETWORK = 'bridge';
export const DEFAULT_BRIDGE = 'gb0';
/** Names a network cannot have: they are network modes. */
export const RESERVED_NETWORKS = ['bridge', 'host', 'none', 'default'];
const NAMED_CANDIDATES = ['172.18.0.0/16', '172.19.0.0/16', '172.20.0.0/16', '172.21.0.0/16', '172.22.0.0/16', '172.23.0.0/16', ...Array.from({ length: 20 }, (_, i) => `192.168.${231 + i}.0/24`)];

export const networksDir = (r: Roots) => join(r.root, 'networks');
export const networkDir = (r: Roots, name: string) => join(networksDir(r), name);
export const leasesDir = (r: Roots, name: string) => join(networkDir(r, name), 'leases');
export const portsDir = (r: Roots) => join(r.root, 'ports');

// Every network definition this root has (the default one only once it was used or made).
export function listNetworks(r: Roots): NetworkDef[] {
  let names: string[] = [];
  try {
    names = readdirSync(networksDir(r)).filter((n) => !n.startsWith('.'));
  } catch {}
  return names.flatMap((n) => {
    const d = readNetwork(r, n);
    return d ? [d] : [];
  });
}

export function readNetwork(r: Roots, name: string): NetworkDef | undefined {
  try {
    return JSON.parse(readFileSync(join(networkDir(r, name), 'network.json'), 'utf8')) as NetworkDef;
  } catch {
    return undefined;
  }
}

// Writes a new network's directory in one rename (a temporary directory renamed into place), so a reader sees it
// whole or not at all, and of two runs making the default network at once exactly one wins.
function publish(r: Roots, def: NetworkDef): NetworkDef {
  mkdirSync(networksDir(r), { recursive: true, mode: 0o755 });
  const tmp = join(networksDir(r), `.tmp-${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(join(tmp, 'leases'), { recursive: true });
    mkdirSync(join(tmp, 'members'));
    const fd = openSync(join(tmp, 'network.json'), 'wx', 0o644);
    try {
      writeSync(fd, JSON.stringify(def, null, 1) + '\n');
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    // A full disk (ENOSPC) must not leave half a network behind.
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  try {
    renameSync(tmp, networkDir(r, def.name));
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') {
      const other = readNetwork(r, def.name);
      if (other) return other;
    }
    throw e;
  }
  return def;
}

// The subnets of this root's networks (other than `except`).
function takenSubnets(r: Roots, except?: string): Subnet[] {
  return listNetworks(r)
    .filter((n) => n.name !== except)
    .map((n) => parseSubnet(n.subnet))
    .filter((s): s is Subnet => typeof s !== 'string');
}

// The default network: read it, or choose its subnet (one that no host route and no other network overlaps) and,
// unless `dry` (glassbox plan), write it.
export function defaultNetwork(r: Roots, opts: { dry: boolean; routes?: HostRoute[] }): NetworkDef {
  const have = readNetwork(r, DEFAULT_NETWORK);
  if (have) return have;
  const routes = opts.routes ?? hostRoutes();
  const subnet = pickFreeSubnet(DEFAULT_CANDIDATES, routes, takenSubnets(r), DEFAULT_BRIDGE);
  if (!subnet) throw new GlassboxError('no free subnet for the default bridge: every candidate overlaps a host route', { hint: `glassbox network create NAME --subnet CIDR, then --network NAME` });
  const def = { name: DEFAULT_NETWORK, id: randomBytes(32).toString('hex'), bridge: DEFAULT_BRIDGE, subnet: formatSubnet(subnet), gateway: formatIp(subnet.base + 1), created: new Date().toISOString() };
  return opts.dry ? def : publish(r, def);
}

/** A problem with a network's settings, tied to the flag it came from. */
export class NetworkInputError extends GlassboxError {}

// Checks and writes a new named network (glassbox network create).
// With `dry` nothing is written (compose plan: the network up would make), and the subnets of `planned` networks
// (made dry before it) count as taken.
export function createNetwork(r: Roots, name: string, opts: { subnet?: string; gateway?: string; routes?: HostRoute[]; dry?: boolean; planned?: NetworkDef[] }): NetworkDef {
  if (!/^[a-z0-9][a-z0-9_.-]{0,62}$/.test(name)) throw new GlassboxError(`invalid network name "${name}"`, { hint: 'lowercase letters, digits, and _ . - (up to 63)' });
  if (RESERVED_NETWORKS.includes(name)) throw new GlassboxError(`"${name}" is a network mode, not a name a network can have`, { hint: 'choose another name' });
  if (readNetwork(r, name)) throw new GlassboxError(`network with name ${name} already exists`, { hint: 'glassbox network ls' });
  const routes = opts.routes ?? hostRoutes();
  const taken = [...listNetworks(r), ...(opts.planned ?? [])];
  let subnet: Subnet;
  if (opts.subnet !== undefined) {
    const s = parseSubnet(opts.subnet);
    if (typeof s === 'string') throw new GlassboxError(`--subnet: ${s}`);
    subnet = s;
    const route = routes.find((x) => overlapsSubnet(x.dest, s));
    if (route) throw new GlassboxError(`--subnet: ${opts.subnet} overlaps the host's route ${formatSubnet(route.dest)} on ${route.dev}`, { hint: 'choose a subnet the host does not use (ip route)' });
    const other = taken.find((n) => {
      const t = parseSubnet(n.subnet);
      return typeof t !== 'string' && overlapsSubnet(t, s);
    });
    if (other) throw new GlassboxError(`--subnet: ${opts.subnet} overlaps network ${other.name} (${other.subnet})`, { hint: 'choose another subnet' });
  } else {
    const s = pickFreeSubnet(NAMED_CANDIDATES, routes, [...takenSubnets(r), ...(opts.planned ?? []).map((n) => parseSubnet(n.subnet)).filter((x): x is Subnet => typeof x !== 'string')]);
    if (!s) throw new GlassboxError('no free subnet left among the usual ones', { hint: 'give one with --subnet' });
    subnet = s;
  }
  let gateway = subnet.base + 1;
  if (opts.gateway !== undefined) {
    const g = parseIp(opts.gateway);
    if (g === undefined) throw new GlassboxError(`--gateway: "${opts.gateway}" is not an IPv4 address`);
    const why = unusable(subnet, g, undefined);
    if (why) throw new GlassboxError(`--gateway: ${opts.gateway} ${why}`);
    gateway = g;
  }
  const id = randomBytes(32).toString('hex');
  const def = { name, id, bridge: `gb-${id.slice(0, 8)}`, subnet: formatSubnet(subnet), gateway: formatIp(gateway), created: new Date().toISOString() };
  return opts.dry ? def : publish(r, def);
}

const overlapsSubnet = (a: Subnet, b: Subnet) => {
  const inA = ((b.base & maskBits(a.prefix)) >>> 0) === a.base;
  const inB = ((a.base & maskBits(b.prefix)) >>> 0) === b.base;
  return inA || inB;
};
const maskBits = (p: number) => (p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0);

// Why an address cannot be given to a container on this subnet, or undefined when it can.
export function unusable(subnet: Subnet, ip: number, gateway: number | undefined): string | undefined {
  if (((ip & maskBits(subnet.prefix)) >>> 0) !== subnet.base) return `is outside the subnet ${formatSubnet(subnet)}`;
  if (ip === subnet.base) return `is the network address of ${formatSubnet(subnet)}`;
  if (ip === broadcastOf(subnet)) return `is the broadcast address of ${formatSubnet(subnet)}`;
  if (gateway !== undefined && ip === gateway) return 'is the gateway (the bridge) address';
  return undefined;
}

/** Prefix of the temporary file a claim is written to before it is linked into place (in the claims' parent). */
export const CLAIM_TMP = '.claim-';

// Creates a file with its whole content only if it does not exist yet; false when it does. The content goes to a
// temporary file beside the claims' directory first, which link(2) then puts in place: link refuses an existing
// name (EEXIST) just as O_EXCL does, and no reader (gc, the hosts refresh) ever sees the claim empty.
function createExclusive(file: string, content: string): boolean {
  const tmp = join(dirname(dirname(file)), `${CLAIM_TMP}${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    writeFileSync(tmp, content, { mode: 0o644, flag: 'wx' });
    linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
  return true;
}

// The claim's owner as text: the process that made it, identified across PID reuse and reboots.
const ownerText = (o: Owner | undefined) => (o ? ` owner=${o.pid},${o.start},${o.boot}` : '');

/** The /etc/hosts line a container's lease holds: its address, name and host name, its ID and who claimed it. */
export const leaseLine = (ip: string, names: string[], id: string, owner?: Owner) => `${ip}\t${[...new Set(names)].join(' ')}\t# glassbox:${id}${ownerText(owner)}`;

// The container ID recorded in a lease or claim file.
export function claimOwner(file: string): string | undefined {
  try {
    return /glassbox:([0-9a-f]{64})/.exec(readFileSync(file, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

// The process that made a claim (the glassbox run), as the claim names it; undefined for a claim without one.
export function claimMaker(file: string): Owner | undefined {
  try {
    const m = /owner=(\d+),(\d+),(\S+)/.exec(readFileSync(file, 'utf8'));
    return m ? { pid: Number(m[1]), start: m[2]!, boot: m[3]! } : undefined;
  } catch {
    return undefined;
  }
}

// Hands out an address on the network: the one asked for, or the lowest free one (never the network, gateway or
// broadcast address). With `dry` nothing is written (glassbox plan shows the address a run would get now).
// `planned`: addresses handed out dry to containers planned before this one (compose plan), skipped too.
export function allocateAddress(r: Roots, net: NetworkDef, want: { ip?: string; id: string; names: string[]; dry: boolean; owner?: Owner; planned?: Set<string> }): { ip: string; claim: Claim } {
  const subnet = parseSubnet(net.subnet) as Subnet;
  const gateway = parseIp(net.gateway)!;
  const dir = leasesDir(r, net.name);
  if (!want.dry) mkdirSync(dir, { recursive: true });
  const take = (ip: number): Claim | undefined => {
    const text = formatIp(ip);
    const claim = { file: join(dir, text), content: leaseLine(text, want.names, want.id, want.owner) };
    if (want.dry) {
      if (existsSync(claim.file) || want.planned?.has(claim.file)) return undefined;
      want.planned?.add(claim.file);
      return claim;
    }
    return createExclusive(claim.file, claim.content + '\n') ? claim : undefined;
  };
  if (want.ip !== undefined) {
    const ip = parseIp(want.ip);
    if (ip === undefined) throw new GlassboxError(`"${want.ip}" is not an IPv4 address`, { field: '--ip' });
    const why = unusable(subnet, ip, gateway);
    if (why) throw new GlassboxError(`${want.ip} ${why} of network ${net.name}`, { field: '--ip' });
    const claim = take(ip);
    if (!claim) {
      const owner = claimOwner(join(dir, want.ip));
      throw new GlassboxError(`address ${want.ip} is already in use${owner ? ` by container ${owner.slice(0, 12)}` : ''}`, { field: '--ip', hint: 'choose another address, or leave it out' });
    }
    return { ip: want.ip, claim };
  }
  const last = broadcastOf(subnet);
  for (let ip = subnet.base + 1; ip < last; ip++) {
    if (ip === gateway) continue;
    const claim = take(ip);
    if (claim) return { ip: formatIp(ip), claim };
  }
  throw new GlassboxError(`network ${net.name} (${net.subnet}) has no free address left: all ${last - subnet.base - 2} are in use`, {
    hint: 'remove containers from it, run glassbox gc to free the addresses of dead ones, or use a larger subnet',
  });
}

/** The ports the host hands out when none is given (-p CONTAINER), like docker: the kernel's ephemeral range. */
const EPHEMERAL = [32768, 60999] as const;

// Ports some host process listens on (TCP) or has bound (UDP), from /proc/net.
function hostPortsInUse(proto: 'tcp' | 'udp'): Set<number> {
  const out = new Set<number>();
  for (const f of [`/proc/net/${proto}`, `/proc/net/${proto}6`]) {
    let text = '';
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4) continue;
      // state 0A is LISTEN for TCP; for UDP every bound socket counts (state 07).
      if (proto === 'tcp' && fields[3] !== '0A') continue;
      out.add(parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return out;
}

// Claims a host port for a container (the one asked for, or a free one from the ephemeral range).
// `reusable`: containers whose claims count as free (compose plan of a project that is up: up would replace them).
export function claimPort(r: Roots, want: { proto: 'tcp' | 'udp'; port?: number; id: string; dry: boolean; owner?: Owner; planned?: Set<string>; reusable?: Set<string> }): { port: number; claim: Claim } {
  const dir = portsDir(r);
  if (!want.dry) mkdirSync(dir, { recursive: true });
  const inUse = hostPortsInUse(want.proto);
  const take = (port: number): Claim | undefined => {
    const claim = { file: join(dir, `${want.proto}-${port}`), content: `${want.proto} ${port} # glassbox:${want.id}${ownerText(want.owner)}` };
    if (want.dry) {
      const held = existsSync(claim.file) && !want.reusable?.has(claimOwner(claim.file) ?? '');
      if (held || want.planned?.has(claim.file)) return undefined;
      want.planned?.add(claim.file);
      return claim;
    }
    return createExclusive(claim.file, claim.content + '\n') ? claim : undefined;
  };
  if (want.port !== undefined) {
    if (inUse.has(want.port)) throw new GlassboxError(`host port ${want.port}/${want.proto} is already in use by a program on the host`, { field: '--publish', hint: 'choose another host port' });
    const claim = take(want.port);
    if (!claim) {
      const owner = claimOwner(join(dir, `${want.proto}-${want.port}`));
      throw new GlassboxError(`host port ${want.port}/${want.proto} is already published${owner ? ` by container ${owner.slice(0, 12)}` : ''}`, { field: '--publish', hint: 'choose another host port, or publish only the container port for a free one' });
    }
    return { port: want.port, claim };
  }
  const span = EPHEMERAL[1] - EPHEMERAL[0] + 1;
  const start = randomBytes(2).readUInt16BE() % span;
  for (let i = 0; i < span; i++) {
    const port = EPHEMERAL[0] + ((start + i) % span);
    if (inUse.has(port)) continue;
    const claim = take(port);
    if (claim) return { port, claim };
  }
  throw new GlassboxError('no free host port left to publish on', { hint: 'give the host port: -p HOST:CONTAINER' });
}

