// IPv4 addresses and subnets. An IPv4 address is a 32-bit number; a subnet "10.1.0.0/24" is the set of addresses
// whose first 24 bits equal those of 10.1.0.0. The first address of a subnet names the network itself and the last
// is its broadcast address, so neither can be given to a machine; the bridge (the containers' gateway) takes one
// more. Two subnets overlap when one contains the other's first address. The kernel routes a packet by the most
// specific route that contains its destination, so a container subnet that overlaps a route the host already has
// would steal (or lose) that traffic: glassbox refuses such subnets.

import type { Subnet } from './types.ts';
export type { Subnet } from './types.ts';

// Parses a dotted quad; undefined when it is not exactly four numbers 0…255.
export function parseIp(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p, i) => p > 255 || (m[i + 1]!.length > 1 && m[i + 1]!.startsWith('0')))) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

// A 32-bit number as a dotted quad.
export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

// The netmask of a prefix length, as a number (/24 → 255.255.255.0).
export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export const formatSubnet = (s: Subnet) => `${formatIp(s.base)}/${s.prefix}`;
export const size = (s: Subnet) => 2 ** (32 - s.prefix);
export const broadcastOf = (s: Subnet) => (s.base + size(s) - 1) >>> 0;
export const contains = (s: Subnet, ip: number) => ((ip & maskOf(s.prefix)) >>> 0) === s.base;
export const overlaps = (a: Subnet, b: Subnet) => contains(a, b.base) || contains(b, a.base);

/** The longest prefix glassbox accepts: a /30 holds the gateway and one container. */
export const MAX_PREFIX = 30;

// Parses "A.B.C.D/N" for a container network; a string explains what is wrong.
export function parseSubnet(s: string): Subnet | string {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s.trim());
  if (!m) return `"${s}" is not a subnet in CIDR form (like 10.10.0.0/24)`;
  const ip = parseIp(m[1]!);
  if (ip === undefined) return `"${m[1]}" is not an IPv4 address`;
  const prefix = Number(m[2]);
  if (prefix > 32) return `prefix /${prefix} is longer than 32 bits`;
  if (prefix > MAX_PREFIX) return `prefix /${prefix} is too long: a network needs room for its gateway and at least one container (/${MAX_PREFIX} at most)`;
  if (prefix < 8) return `prefix /${prefix} is too short (at least /8)`;
  const base = (ip & maskOf(prefix)) >>> 0;
  if (base !== ip) return `${s} has host bits set: the network address of /${prefix} is ${formatIp(base)}/${prefix}`;
  return { base, prefix };
}

/** A route of the host's main table: its destination subnet and the interface it leaves through. */
export interface HostRoute {
  dest: Subnet;
  dev: string;
}

// Reads the host's IPv4 routes from /proc/net/route (hexadecimal, in the machine's byte order: little-endian on
// the machines glassbox runs on). The default route (0.0.0.0/0) is left out: every subnet "overlaps" it.
export function parseProcRoutes(text: string): HostRoute[] {
  const out: HostRoute[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const le = (hex: string) => {
      const n = parseInt(hex, 16) >>> 0;
      return (((n & 255) << 24) | (((n >>> 8) & 255) << 16) | (((n >>> 16) & 255) << 8) | (n >>> 24)) >>> 0;
    };
    const mask = le(f[7]!);
    const bits = countBits(mask);
    if (bits === 0) continue;
    out.push({ dest: { base: (le(f[1]!) & mask) >>> 0, prefix: bits }, dev: f[0]! });
  }
  return out;
}

function countBits(n: number): number {
  let c = 0;
  for (let x = n >>> 0; x; x = (x << 1) >>> 0) c++;
  return c;
}

/** Where the default bridge's subnet is looked for: the first that overlaps nothing on the host wins. */
export const DEFAULT_CANDIDATES = [
  '172.29.0.0/16', '172.28.0.0/16', '172.27.0.0/16', '172.26.0.0/16', '172.25.0.0/16', '172.24.0.0/16',
  '10.129.0.0/16', '10.130.0.0/16', '10.131.0.0/16', '192.168.229.0/24', '192.168.230.0/24',
];

// The first candidate that overlaps neither a host route (other than the ones on `ownDev`, the network's own
// bridge) nor another network.
export function pickFreeSubnet(candidates: string[], routes: HostRoute[], taken: Subnet[], ownDev?: string): Subnet | undefined {
  for (const c of candidates) {
    const s = parseSubnet(c) as Subnet;
    if (routes.some((r) => r.dev !== ownDev && overlaps(r.dest, s))) continue;
    if (taken.some((t) => overlaps(t, s))) continue;
    return s;
  }
  return undefined;
}

// A unique, locally administered unicast MAC made from the container's address (unique while the address is):
// 02:67 ("g") then the four bytes of the IPv4 address.
export function macFor(ip: number): string {
  return ['02', '67', ...[ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}
