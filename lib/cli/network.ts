// glassbox network create/ls/inspect/rm and glassbox port: the networks of this root (lib/net/store.ts) and the
// ports a container publishes (from its plan).

import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GlassboxError } from '../errors.ts';
import { readHostFacts } from '../host/facts.ts';
import { networkLeft, probeNetwork, type NetState } from '../net/probe.ts';
import { claimOwner, createNetwork, DEFAULT_NETWORK, defaultNetwork, leasesDir, listNetworks, networkDir, readNetwork, type NetworkDef } from '../net/store.ts';
import type { Plan } from '../plan/types.ts';
import { readState, stateDir } from '../state/containers.ts';
import { resolveContainer } from '../state/lifecycle.ts';
import { roots, type Roots } from '../state/paths.ts';
import { requireRoot } from '../host/privilege.ts';
import { loadCatalog } from '../blocks/catalog.ts';
import { planNetworkRemoval } from '../net/plan.ts';
import { runSteps } from '../exec/steps.ts';

// The containers holding an address on a network: ID, name and address.
function membersOf(r: Roots, def: NetworkDef): Array<{ id: string; name: string; ip: string }> {
  let leases: string[] = [];
  try {
    leases = readdirSync(leasesDir(r, def.name));
  } catch {}
  return leases.flatMap((ip) => {
    const id = claimOwner(join(leasesDir(r, def.name), ip));
    return id ? [{ id, name: readState(r, id)?.name ?? '', ip }] : [];
  });
}

// True when the bridge exists and is up in the network namespace glassbox runs in (ip, not /sys/class/net).
const linkUp = (k: NetState, dev: string) => !!k.links.get(dev)?.up;

// glassbox network create NAME [--subnet CIDR] [--gateway IP]
export async function cmdNetworkCreate(name: string, opts: { subnet?: string; gateway?: string }): Promise<number> {
  requireRoot('glassbox network create');
  const def = createNetwork(roots(), name, opts);
  process.stdout.write(`${def.id}\n`);
  return 0;
}

// glassbox network ls
export async function cmdNetworkLs(opts: { format?: string }): Promise<number> {
  const r = roots();
  const nets = listNetworks(r);
  if (!nets.some((n) => n.name === DEFAULT_NETWORK)) nets.unshift(defaultNetwork(r, { dry: true }));
  if (opts.format === 'json') {
    const k = await probeNetwork();
    for (const n of nets) process.stdout.write(JSON.stringify({ ...n, up: linkUp(k, n.bridge), containers: membersOf(r, n).length }) + '\n');
    return 0;
  }
  const rows = [['NETWORK ID', 'NAME', 'BRIDGE', 'SUBNET', 'GATEWAY', 'CONTAINERS']];
  for (const n of nets) rows.push([n.id.slice(0, 12), n.name, n.bridge, n.subnet, n.gateway, String(membersOf(r, n).length)]);
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((x) => x[c]!.length)));
  process.stdout.write(rows.map((x) => x.map((v, c) => v.padEnd(w[c]!)).join('   ').trimEnd()).join('\n') + '\n');
  return 0;
}

// glassbox network inspect NAME…
export async function cmdNetworkInspect(names: string[]): Promise<number> {
  const r = roots();
  const k = await probeNetwork();
  const out = names.map((name) => {
    const def = readNetwork(r, name) ?? (name === DEFAULT_NETWORK ? defaultNetwork(r, { dry: true }) : undefined);
    if (!def) throw new GlassboxError(`network ${name} not found`, { hint: 'glassbox network ls' });
    return {
      Name: def.name,
      Id: def.id,
      Created: def.created,
      Driver: 'bridge',
      Bridge: def.bridge,
      BridgeUp: linkUp(k, def.bridge),
      IPAM: { Subnet: def.subnet, Gateway: def.gateway },
      Chains: { nat: `GLASSBOX-${def.bridge}`, filter: `GLASSBOX-${def.bridge}` },
      Directory: networkDir(r, def.name),
      Containers: Object.fromEntries(membersOf(r, def).map((m) => [m.id, { Name: m.name, IPv4Address: m.ip }])),
    };
  });
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  return 0;
}

// glassbox network rm NAME…: refused while a container holds an address on it; removes its bridge and chains.
export async function cmdNetworkRm(names: string[]): Promise<number> {
  requireRoot('glassbox network rm');
  const r = roots();
  for (const name of names) {
    if (name === DEFAULT_NETWORK) throw new GlassboxError(`${name} is the default network and cannot be removed`, { hint: 'glassbox gc removes its bridge while no container uses it' });
    const def = readNetwork(r, name);
    if (!def) throw new GlassboxError(`network ${name} not found`, { hint: 'glassbox network ls' });
    const users = membersOf(r, def);
    if (users.length) {
      throw new GlassboxError(`network ${name} is in use by ${users.map((u) => u.name || u.id.slice(0, 12)).join(', ')}`, { hint: 'remove those containers first' });
    }
  }
  const k = await probeNetwork();
  for (const name of names) {
    const def = readNetwork(r, name)!;
    if (networkLeft(k, def.bridge)) await runSteps(planNetworkRemoval(await loadCatalog(), def));
    rmSync(networkDir(r, name), { recursive: true, force: true });
    process.stdout.write(`${name}\n`);
  }
  return 0;
}

// glassbox port NAME [PORT[/PROTO]]: the container's published ports, docker's way.
export async function cmdPort(ref: string, which: string | undefined): Promise<number> {
  const r = roots();
  await readHostFacts();
  const id = resolveContainer(r, ref);
  let plan: Plan;
  try {
    plan = JSON.parse(readFileSync(join(stateDir(r, id), 'config.json'), 'utf8')) as Plan;
  } catch {
    throw new GlassboxError(`container ${ref} has no plan on disk`);
  }
  const ports = plan.info.network?.ports ?? [];
  const [num, proto = 'tcp'] = (which ?? '').split('/');
  const shown = which ? ports.filter((p) => String(p.containerPort) === num && p.proto === proto) : ports;
  if (which && !shown.length) throw new GlassboxError(`no public port '${which}' published for ${ref}`);
  for (const p of shown) process.stdout.write(`${which ? '' : `${p.containerPort}/${p.proto} -> `}${p.hostIp ?? '0.0.0.0'}:${p.hostPort}\n`);
  return 0;
}
