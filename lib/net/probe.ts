// What the kernel's network looks like from the namespace glassbox acts in: links, their addresses and bridge
// ports (`ip -d -j addr show`), and the iptables chains and rules (`iptables-save`). Both commands ask the
// kernel through netlink in the calling process's own network namespace, which is where glassbox's `ip` and
// `iptables` steps act, so decisions and actions always agree.
//
// /sys/class/net is not the same thing: sysfs shows the links of the network namespace that was current when it
// was *mounted*. `nsenter --net=…` (or `ip netns exec` without remounting /sys, or a container with the host's
// /sys) changes the namespace but not the mount, and then sysfs lists the host's links while `ip` acts elsewhere.
// These are read-only probes: they change nothing, so they are not plan steps.

import { runCommand } from '../exec/spawn.ts';
import type { SharedMissing } from './types.ts';
export type { SharedMissing } from './types.ts';

export interface LinkInfo {
  name: string;
  /** linkinfo kind: bridge, veth, … (undefined for plain devices). */
  kind?: string;
  /** The bridge this link is plugged into. */
  master?: string;
  up: boolean;
  /** IPv4 addresses with their prefix: 172.29.0.1/16. */
  addrs: string[];
}

export interface NetState {
  links: Map<string, LinkInfo>;
  /** iptables-save's output (empty when it failed), and whether it worked. */
  rules: string;
  rulesOk: boolean;
}

interface IpJson {
  ifname: string;
  master?: string;
  flags?: string[];
  linkinfo?: { info_kind?: string };
  addr_info?: Array<{ family?: string; local?: string; prefixlen?: number }>;
}

// Parses `ip -d -j addr show` into links by name.
export function parseIpJson(text: string): Map<string, LinkInfo> {
  const out = new Map<string, LinkInfo>();
  let rows: IpJson[] = [];
  try {
    rows = JSON.parse(text) as IpJson[];
  } catch {
    return out;
  }
  for (const x of rows) {
    out.set(x.ifname, {
      name: x.ifname,
      ...(x.linkinfo?.info_kind ? { kind: x.linkinfo.info_kind } : {}),
      ...(x.master ? { master: x.master } : {}),
      up: (x.flags ?? []).includes('UP'),
      addrs: (x.addr_info ?? []).filter((a) => a.family === 'inet' && a.local).map((a) => `${a.local}/${a.prefixlen}`),
    });
  }
  return out;
}

// Reads the links and rules of the current network namespace.
export async function probeNetwork(): Promise<NetState> {
  const [ip, save] = await Promise.all([runCommand(['ip', '-d', '-j', 'addr', 'show']), runCommand(['iptables-save'])]);
  if (ip.exitCode !== 0) throw new Error(`ip -d -j addr show failed: ${ip.stderr.trim()}`);
  return { links: parseIpJson(ip.stdout), rules: save.exitCode === 0 ? save.stdout : '', rulesOk: save.exitCode === 0 };
}

// The links plugged into a bridge.
export const portsOf = (s: NetState, bridge: string) => [...s.links.values()].filter((l) => l.master === bridge).map((l) => l.name);

// True when iptables-save lists this chain in this table.
export function hasChain(rules: string, table: string, chain: string): boolean {
  return tableText(rules, table).some((l) => l.startsWith(`:${chain} `));
}

// True when anything of a network is left in the kernel: its bridge, or its chain in the nat or filter table.
export function networkLeft(s: NetState, bridge: string): boolean {
  return s.links.has(bridge) || hasChain(s.rules, 'nat', `GLASSBOX-${bridge}`) || hasChain(s.rules, 'filter', `GLASSBOX-${bridge}`);
}

// True when the table holds a rule (as iptables-save prints it, after "-A ").
export function hasRule(rules: string, table: string, rule: string): boolean {
  // iptables-save quotes some comments ("glassbox:net:bridge") and not others: compared without the quotes.
  return tableText(rules, table).some((l) => l.replace(/"/g, '') === `-A ${rule}`);
}

/** glassbox's own chains, by table. */
export const BASE_CHAINS = [
  { table: 'nat', chain: 'GLASSBOX-DNAT' },
  { table: 'nat', chain: 'GLASSBOX-POSTROUTING' },
  { table: 'filter', chain: 'GLASSBOX-FORWARD' },
];

// The jumps from the built-in chains to glassbox's own chains that exist: {table, spec} as iptables-save prints them.
export function baseJumps(rules: string): Array<{ table: string; spec: string }> {
  return ['nat', 'filter'].flatMap((table) =>
    tableText(rules, table)
      .filter((l) => /^-A (PREROUTING|OUTPUT|POSTROUTING|FORWARD) .*-j GLASSBOX-(DNAT|POSTROUTING|FORWARD)$/.test(l))
      .map((l) => ({ table, spec: l.slice(3) })),
  );
}

// The lines of one table of iptables-save's output.
function tableText(rules: string, table: string): string[] {
  const lines = rules.split('\n');
  const from = lines.indexOf(`*${table}`);
  if (from < 0) return [];
  const to = lines.indexOf('COMMIT', from);
  return lines.slice(from + 1, to < 0 ? undefined : to);
}

// Compares what a bridge network needs with what the kernel has.
export function sharedMissing(s: NetState, net: { name: string; bridge: string; gatewayCidr: string }): SharedMissing {
  const chain = `GLASSBOX-${net.bridge}`;
  const natChains = !hasChain(s.rules, 'nat', 'GLASSBOX-DNAT') || !hasChain(s.rules, 'nat', 'GLASSBOX-POSTROUTING');
  const filterChains = !hasChain(s.rules, 'filter', 'GLASSBOX-FORWARD');
  const jump = (table: string, rule: string) => !hasRule(s.rules, table, rule);
  const link = s.links.get(net.bridge);
  const netNat = !hasChain(s.rules, 'nat', chain);
  const netFilter = !hasChain(s.rules, 'filter', chain);
  return {
    natChains,
    filterChains,
    jumps: {
      prerouting: !natChains && jump('nat', 'PREROUTING -m addrtype --dst-type LOCAL -m comment --comment glassbox -j GLASSBOX-DNAT'),
      output: !natChains && jump('nat', 'OUTPUT -m addrtype --dst-type LOCAL -m comment --comment glassbox -j GLASSBOX-DNAT'),
      postrouting: !natChains && jump('nat', 'POSTROUTING -m comment --comment glassbox -j GLASSBOX-POSTROUTING'),
      forward: !filterChains && jump('filter', 'FORWARD -m comment --comment glassbox -j GLASSBOX-FORWARD'),
    },
    netNat,
    netFilter,
    netNatJump: !netNat && jump('nat', `GLASSBOX-POSTROUTING -m comment --comment glassbox:net:${net.name} -j ${chain}`),
    netFilterJump: !netFilter && jump('filter', `GLASSBOX-FORWARD -m comment --comment glassbox:net:${net.name} -j ${chain}`),
    bridge: !link || link.kind !== 'bridge',
    addr: !link?.addrs.includes(net.gatewayCidr),
    up: !link?.up,
  };
}

// True when nothing is missing.
export function sharedComplete(m: SharedMissing): boolean {
  return !m.natChains && !m.filterChains && !Object.values(m.jumps).some(Boolean) && !m.netNat && !m.netFilter && !m.netNatJump && !m.netFilterJump && !m.bridge && !m.addr && !m.up;
}
