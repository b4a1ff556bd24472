// Resolves what a container asked of the network into concrete values for the planner: which network, which
// address (leased now, with an exclusive file), which host ports (claimed the same way), the interface names and
// MAC, the files for /etc/hosts, /etc/resolv.conf and /etc/hostname, and the host facts that decide whether the
// shared objects (the bridge, glassbox's iptables chains, ip_forward) still have to be made. It reads files and
// creates claim files; it starts no process. With `dry` (glassbox plan, script) it creates nothing.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlassboxError, withPlace, type Place } from '../errors.ts';
import type { Plan } from '../plan/types.ts';
import { readState, selfOwner, stateDir } from '../state/containers.ts';
import { resolveContainer, viewOf } from '../state/lifecycle.ts';
import type { Roots } from '../state/paths.ts';
import { macFor, parseIp, parseSubnet, type Subnet } from './cidr.ts';
import type { NetworkSpec } from './model.ts';
import { dropClaims } from './release.ts';
import { sharedComplete, sharedMissing, type NetState, type SharedMissing } from './probe.ts';
import { allocateAddress, claimPort, defaultNetwork, networkDir, readNetwork, type Claim, type NetworkDef } from './store.ts';
import type { EtcTarget, PreparedBridge, PreparedNetwork, PreparedPort } from './types.ts';
export type { PreparedBridge, PreparedNetwork, PreparedPort } from './types.ts';

/** compose plan: several containers planned dry together — the networks up would make, the addresses handed out. */
export interface PlannedNetworks {
  networks: NetworkDef[];
  /** Claim files handed out dry (addresses and host ports). */
  addresses: Set<string>;
  /** Bridges an earlier container's plan makes: the later ones find them made. */
  bridges: Set<string>;
  /** The project's own containers: up would replace them, so their host ports count as free. */
  reusable?: Set<string>;
  /** kube play --plan: containers planned earlier (a pod's infra), by name, that a container:NAME network joins. */
  joins?: Map<string, NonNullable<PreparedNetwork['join']>>;
}

/** Names the container is known by on its network. */
export interface NetIdentity {
  id: string;
  name: string;
  hostname: string;
}

// The host end of a container's veth pair: derived from its ID, never from user text; 14 characters ≤ 15.
export const hostIfName = (id: string) => `gb${id.slice(0, 12)}`;

// Reads a one-line kernel setting file.
function readSetting(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

// The host's resolv.conf for a container: loopback name servers (a local resolver on the host) cannot be reached
// from inside, so they are left out; --dns replaces the name servers.
export function resolvConf(hostText: string, dns: string[]): string {
  const lines = hostText.split('\n').map((l) => l.trim());
  const keep = lines.filter((l) => l && !l.startsWith('#') && !/^nameserver\s/.test(l));
  const servers = dns.length ? dns : lines.filter((l) => /^nameserver\s+/.test(l)).map((l) => l.split(/\s+/)[1]!).filter((ip) => !ip.startsWith('127.') && ip !== '::1');
  return [...servers.map((s) => `nameserver ${s}`), ...keep].join('\n');
}

// The lines of a container's /etc/hosts that are its own: localhost and --add-host (its peers come from the network).
export function hostsBase(addHosts: NetworkSpec['addHosts']): string {
  return ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', ...addHosts.map((h) => `${h.ip}\t${h.host}`)].join('\n');
}

// Resolves the network part of a container, claiming an address and ports unless `dry`. `at` gives the place of
// a field below `network` (a recipe's position or the flag), for the errors found here.
export async function prepareNetwork(r: Roots, spec: NetworkSpec | undefined, who: NetIdentity, opts: { dry: boolean; bootId: string; at?: (path: (string | number)[]) => Place; kernel?: NetState; planned?: PlannedNetworks }): Promise<PreparedNetwork> {
  const at = opts.at;
  const place = <T>(path: (string | number)[], fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      throw at ? withPlace(e, at(path)) : e;
    }
  };
  const ipForward = readSetting('/proc/sys/net/ipv4/ip_forward') === '1';
  if (!spec || spec.mode === 'none') return { mode: 'none', ports: [], ipForward, claims: [] };
  const hostResolv = readSetting('/etc/resolv.conf');
  if (spec.mode === 'host') {
    return { mode: 'host', ports: [], ipForward, claims: [], files: { hostsBase: readSetting('/etc/hosts'), resolv: resolvConf(hostResolv, spec.dns), hostname: who.hostname } };
  }
  if (spec.mode === 'container') return { mode: 'container', join: opts.planned?.joins?.get(spec.target!) ?? place(['mode'], () => joinTarget(r, spec.target!, opts.bootId)), ports: [], ipForward, claims: [] };

  const def = place(['mode'], () => (spec.mode === 'bridge' ? defaultNetwork(r, { dry: opts.dry }) : (readNetwork(r, spec.target!) ?? opts.planned?.networks.find((n) => n.name === spec.target))));
  if (!def) throw withPlace(new GlassboxError(`network ${spec.target} not found`, { field: '--network', hint: 'glassbox network ls; make one with glassbox network create NAME' }), at?.(['mode']) ?? {});
  const claims: Claim[] = [];
  try {
    const { ip, claim } = place(spec.ip !== undefined ? ['ip'] : [], () => allocateAddress(r, def, { ip: spec.ip, id: who.id, names: [who.name, who.hostname, ...(spec.aliases ?? [])], dry: opts.dry, ...(opts.planned ? { planned: opts.planned.addresses } : {}), ...(opts.dry ? {} : { owner: selfOwner(opts.bootId) }) }));
    claims.push(claim);
    const ports: PreparedPort[] = [];
    for (const [i, p] of spec.ports.entries()) {
      const got = place(['ports', i], () => claimPort(r, { proto: p.proto, port: p.hostPort, id: who.id, dry: opts.dry, ...(opts.planned ? { planned: opts.planned.addresses, ...(opts.planned.reusable ? { reusable: opts.planned.reusable } : {}) } : {}), ...(opts.dry ? {} : { owner: selfOwner(opts.bootId) }) }));
      claims.push(got.claim);
      ports.push({ ...(p.hostIp ? { hostIp: p.hostIp } : {}), hostPort: got.port, containerPort: p.containerPort, proto: p.proto });
    }
    const hostIf = hostIfName(who.id);
    if (!opts.dry && opts.kernel?.links.has(hostIf)) throw new GlassboxError(`an interface named ${hostIf} already exists on the host`, { hint: 'glassbox gc' });
    return {
      mode: 'bridge',
      bridge: { def, subnet: parseSubnet(def.subnet) as Subnet, dir: networkDir(r, def.name), ip, mac: macFor(parseIp(ip)!), hostIf, lease: claim, ...(opts.planned?.bridges.has(def.bridge) ? { bridgeUp: true } : shared(def, opts.kernel)) },
      ports,
      files: { hostsBase: hostsBase(spec.addHosts), resolv: resolvConf(hostResolv, spec.dns), hostname: who.hostname },
      ipForward,
      claims,
    };
  } catch (e) {
    if (!opts.dry) await dropClaims(claims, who.id);
    throw e;
  }
}

// What the network's shared objects lack in the kernel (all of them when the kernel was not asked).
function shared(def: NetworkDef, kernel: NetState | undefined): { bridgeUp: boolean; missing?: SharedMissing } {
  if (!kernel) return { bridgeUp: false };
  const missing = sharedMissing(kernel, { name: def.name, bridge: def.bridge, gatewayCidr: `${def.gateway}/${(parseSubnet(def.subnet) as Subnet).prefix}` });
  return { bridgeUp: sharedComplete(missing), missing };
}

// container:NAME — the other container must be running; its network namespace file is joined.
function joinTarget(r: Roots, ref: string, bootId: string): NonNullable<PreparedNetwork['join']> {
  let id: string;
  try {
    id = resolveContainer(r, ref);
  } catch {
    throw new GlassboxError(`container:${ref}: no such container`, { field: '--network', hint: 'glassbox ps' });
  }
  const s = readState(r, id);
  const view = s ? viewOf(r, s, bootId) : undefined;
  if (!view || view.status !== 'running') {
    throw new GlassboxError(`container:${ref}: the container is not running (${view?.status ?? 'unknown'})`, { field: '--network', hint: 'start it first: its network namespace exists only while it runs' });
  }
  let plan: Plan;
  try {
    plan = JSON.parse(readFileSync(join(stateDir(r, id), 'config.json'), 'utf8')) as Plan;
  } catch {
    throw new GlassboxError(`container:${ref}: its plan cannot be read`);
  }
  const ns = plan.steps.find((s) => s.kind === 'start')?.argv?.find((a) => a.startsWith('--net='))?.slice('--net='.length);
  if (!ns || !existsSync(ns)) throw new GlassboxError(`container:${ref}: the container has no network namespace of its own`, { field: '--network', hint: 'it runs with --network host: use --network host' });
  const file = (f: string) => (existsSync(join(plan.info.paths.run, f)) ? join(plan.info.paths.run, f) : undefined);
  const hosts = file('hosts');
  const resolv = file('resolv.conf');
  return { ns, name: view.name, ...(hosts ? { hosts } : {}), ...(resolv ? { resolv } : {}) };
}

// Where /etc/hosts, /etc/resolv.conf and /etc/hostname are bound inside the root: their path in the image (links
// followed inside it), and a placeholder in the overlay's upper layer when the image lacks the file (a bind mount
// needs an existing target). A file that cannot be bound (a directory there, or no overlay to add it to) is left out.
export async function etcTargets(
  resolve: (p: string) => Promise<{ path: string; kind: 'missing' | 'dir' | 'file' | 'other' }>,
  rootfs: string,
  upper: string | undefined,
): Promise<{ hosts?: EtcTarget; resolv?: EtcTarget; hostname?: EtcTarget }> {
  const out: { hosts?: EtcTarget; resolv?: EtcTarget; hostname?: EtcTarget } = {};
  for (const [key, file] of [['hosts', '/etc/hosts'], ['resolv', '/etc/resolv.conf'], ['hostname', '/etc/hostname']] as const) {
    const r = await resolve(file);
    if (r.kind === 'file') out[key] = { target: rootfs + r.path };
    else if (r.kind === 'missing' && upper && r.path.startsWith('/etc/')) out[key] = { target: rootfs + r.path, placeholder: upper + r.path };
  }
  return out;
}
