// Which network blocks a container needs, with which values (pure: the planner calls this; nothing is read or
// run). Four groups, by where they go in the plan:
//   shared  the host's and the network's one-time objects (ip_forward, glassbox's chains, the bridge), left out
//           when the bridge is already up; they depend on nothing, so they run alongside the namespaces;
//   before  files made before the namespaces: the address lease, /etc/hosts of every member, resolv.conf,
//           hostname, and the placeholders the bind mounts need in the overlay's upper layer;
//   mounts  the bind mounts of those files into the root (fstab entries);
//   after   what needs the network namespace: lo up, or the veth pair, addresses, routes and port rules.
// And the removal of one named network's bridge and chains (`glassbox network rm`), with gc's own block.

import { expandBlock, type Instance } from '../blocks/expand.ts';
import type { Catalog } from '../blocks/schema.ts';
import type { ContainerPaths, PlanNetwork, Step } from '../plan/types.ts';
import type { EtcTarget, PreparedNetwork } from './types.ts';
import { portRuleSpecs, portsText, renderRestore } from './rules.ts';
export type { EtcTarget } from './types.ts';

export interface NetworkPlanInput {
  id: string;
  net: PreparedNetwork;
  paths: ContainerPaths;
  netNs: string;
  etc: { hosts?: EtcTarget; resolv?: EtcTarget; hostname?: EtcTarget };
}

export interface NetworkInstances {
  shared: Instance[];
  before: Instance[];
  mounts: Instance[];
  after: Instance[];
}

// Chooses the network blocks and their parameters.
export function networkInstances(x: NetworkPlanInput): NetworkInstances {
  const out: NetworkInstances = { shared: [], before: [], mounts: [], after: [] };
  const { net, paths } = x;
  if (net.mode === 'none') {
    out.after.push({ block: 'net-lo', as: 'net-lo', params: { net_ns: x.netNs } });
    return out;
  }
  const files: Array<[keyof NetworkPlanInput['etc'], string]> = [];
  if (net.mode === 'container') {
    if (net.join?.hosts) files.push(['hosts', net.join.hosts]);
    if (net.join?.resolv) files.push(['resolv', net.join.resolv]);
  } else {
    files.push(['hosts', `${paths.run}/hosts`], ['resolv', `${paths.run}/resolv.conf`], ['hostname', `${paths.run}/hostname`]);
  }
  const b = net.bridge;
  if (b) {
    const bridgeParams = { name: b.def.name, bridge: b.def.bridge, subnet: b.def.subnet, gateway_cidr: `${b.def.gateway}/${b.subnet.prefix}`, chain: `GLASSBOX-${b.def.bridge}` };
    // Only what the kernel lacks is made (all of it when nothing is known): a missing bridge or jump comes back.
    const m = b.missing;
    const chains = !b.bridgeUp && (!m || m.natChains || m.filterChains || Object.values(m.jumps).some(Boolean));
    const repair = m ? { nat_present: !m.natChains, filter_present: !m.filterChains, jump_prerouting: m.jumps.prerouting, jump_output: m.jumps.output, jump_postrouting: m.jumps.postrouting, jump_forward: m.jumps.forward } : {};
    if (!net.ipForward || chains) out.shared.push({ block: 'net-host', as: 'net-host', params: { ip_forward: !net.ipForward, chains, ...(chains ? repair : {}) } });
    const fix = m ? { nat_present: !m.netNat, nat_jump: m.netNatJump, forward_present: !m.netFilter, forward_jump: m.netFilterJump, link_present: !m.bridge, addr_present: !m.addr } : {};
    if (!b.bridgeUp) out.shared.push({ block: 'net-bridge', as: 'net-bridge', params: { ...bridgeParams, ...fix } });
    out.before.push({
      block: 'net-hosts',
      as: 'net-hosts',
      params: {
        lock: `${b.dir}/lock`,
        members: `${b.dir}/members`,
        leases: `${b.dir}/leases`,
        shared_hosts: `${b.dir}/hosts`,
        lease_file: b.lease.file,
        lease_line: b.lease.content,
        member_link: `${b.dir}/members/${x.id}`,
        run_dir: paths.run,
        hosts_base: net.files!.hostsBase,
      },
    });
  }
  const targets = files.flatMap(([k, source]) => (x.etc[k] ? [{ source, ...x.etc[k]! }] : []));
  const placeholders = targets.flatMap((t) => (t.placeholder ? [t.placeholder] : []));
  if (net.files || placeholders.length) {
    out.before.push({
      block: 'net-files',
      as: 'net-files',
      params: {
        run_dir: paths.run,
        own: !!net.files,
        resolv: net.files?.resolv ?? '',
        hostname: net.files?.hostname ?? '',
        hosts: net.mode === 'host' ? net.files!.hostsBase : undefined,
        placeholder_dir: placeholders.length ? placeholders[0]!.slice(0, placeholders[0]!.lastIndexOf('/')) : undefined,
        placeholders,
        binds: targets.map((t) => ({ source: t.source, target: t.target })),
      },
    });
  }
  if (b) {
    out.after.push({
      block: 'net-veth',
      as: 'net-veth',
      params: { net_ns: x.netNs, bridge: b.def.bridge, host_if: b.hostIf, mac: b.mac, address: `${b.ip}/${b.subnet.prefix}`, gateway: b.def.gateway, hairpin: net.ports.length > 0 },
    });
    if (net.ports.length) {
      const specs = portRuleSpecs(x.id, b.ip, b.def.subnet, net.ports);
      out.after.push({
        block: 'net-ports',
        as: 'net-ports',
        params: { id: x.id, rules_file: `${paths.run}/iptables.rules`, undo_file: `${paths.run}/iptables.undo`, rules: renderRestore(specs, '-A'), undo_rules: renderRestore(specs, '-D'), ports: portsText(net.ports), claims: net.claims.filter((c) => c !== b.lease).map((c) => ({ file: c.file, content: c.content })) },
      });
    }
  }
  return out;
}

// The network as recorded in the plan's info (ps, inspect, port and gc read it).
export function planNetwork(net: PreparedNetwork): PlanNetwork {
  const b = net.bridge;
  return {
    mode: net.mode,
    ...(b ? { name: b.def.name, bridge: b.def.bridge, ip: b.ip, prefix: b.subnet.prefix, gateway: b.def.gateway, mac: b.mac, hostIf: b.hostIf } : {}),
    ...(net.join ? { name: net.join.name } : {}),
    ports: net.ports,
  };
}

// The steps that remove one network's bridge and its chains (`glassbox network rm`): the net-gc block with that
// network alone, so the removal is the very commands gc would run for an idle bridge.
export function planNetworkRemoval(catalog: Catalog, net: { name: string; bridge: string }): Step[] {
  return expandBlock(catalog, {
    block: 'net-gc',
    as: 'network-rm',
    params: { rules: [], networks: [{ name: net.name, bridge: net.bridge, chain: `GLASSBOX-${net.bridge}` }], base_jumps: [], base_chains: [] },
  });
}
