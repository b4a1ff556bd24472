// What a container asks of the network, as docker's flags and a recipe's `network:` section say it. Every
// container gets its own network namespace; what goes into it is the mode:
//   none (the default)  only the loopback interface, brought up: the container talks to itself only;
//   host                no namespace of its own: the host's interfaces, addresses and ports;
//   bridge              the default network: a veth pair, one end in the container (eth0), the other plugged into
//                       the host's bridge gb0; an address from the network's subnet, NAT to the outside, ports
//                       published with DNAT (-p implies bridge);
//   NAME                the same on a network made with `glassbox network create`;
//   container:NAME      the network namespace of another, running container (same interfaces, same localhost).
// docker makes `bridge` the default; glassbox keeps `none` unless networking is asked for, so a plain run stays as
// fast as it was (a veth pair, addresses and iptables rules cost milliseconds that most runs do not need).

import { parseIp } from './cidr.ts';

export type NetworkMode = 'none' | 'host' | 'bridge' | 'container' | 'named';

export interface PortSpec {
  /** The host address the port answers on; undefined means all of them (and 127.0.0.1). */
  hostIp?: string;
  /** undefined: a free port is chosen (-p CONTAINER). */
  hostPort?: number;
  containerPort: number;
  proto: 'tcp' | 'udp';
}

export interface NetworkSpec {
  mode: NetworkMode;
  /** The network's name (bridge: "bridge"; named: its name) or, for container mode, the container. */
  target?: string;
  ports: PortSpec[];
  ip?: string;
  dns: string[];
  addHosts: Array<{ host: string; ip: string }>;
  /** --network-alias: more names the container answers to on its network (compose: the service's name). */
  aliases?: string[];
}

/** A problem with a path below `network` (recipe) and the flag it came from. */
export interface NetProblem {
  path: (string | number)[];
  flag: string;
  message: string;
  hint?: string;
}

// Reads a --network value (or a recipe's network mode).
export function parseMode(s: string): { mode: NetworkMode; target?: string } | string {
  if (s === 'none' || s === 'host') return { mode: s };
  if (s === 'bridge' || s === 'default') return { mode: 'bridge', target: 'bridge' };
  if (s.startsWith('container:')) {
    const ref = s.slice('container:'.length);
    if (!ref) return 'container: needs a container name or ID, like container:web';
    return { mode: 'container', target: ref };
  }
  if (/^[a-z0-9][a-z0-9_.-]{0,62}$/.test(s)) return { mode: 'named', target: s };
  return `unknown network "${s}": none, host, bridge, container:NAME or the name of a network`;
}

// Parses docker's -p forms: CONTAINER, HOST:CONTAINER, IP:HOST:CONTAINER, IP::CONTAINER, each with /tcp or /udp.
export function parsePort(s: string): PortSpec | string {
  const [spec, proto = 'tcp', extra] = s.split('/');
  if (extra !== undefined || (proto !== 'tcp' && proto !== 'udp')) return `"${s}": the protocol must be tcp or udp`;
  const parts = spec!.split(':');
  if (parts.length > 3) return `"${s}" is not CONTAINER, HOST:CONTAINER or IP:HOST:CONTAINER`;
  const num = (x: string, what: string): number | string => {
    if (!/^\d+$/.test(x)) return `${what} "${x}" is not a number`;
    const n = Number(x);
    if (n < 1 || n > 65535) return `${what} ${n} is out of range (1-65535)`;
    return n;
  };
  const container = num(parts.at(-1)!, 'container port');
  if (typeof container === 'string') return container;
  const out: PortSpec = { containerPort: container, proto };
  if (parts.length >= 2 && parts.at(-2) !== '') {
    const host = num(parts.at(-2)!, 'host port');
    if (typeof host === 'string') return host;
    out.hostPort = host;
  }
  if (parts.length === 3) {
    if (parseIp(parts[0]!) === undefined) return `"${parts[0]}" is not an IPv4 address`;
    out.hostIp = parts[0];
  }
  return out;
}

// Parses --add-host HOST:IP (docker also accepts HOST=IP).
export function parseAddHost(s: string): { host: string; ip: string } | string {
  const i = s.includes('=') ? s.indexOf('=') : s.lastIndexOf(':');
  if (i <= 0) return `"${s}" is not HOST:IP`;
  const host = s.slice(0, i);
  const ip = s.slice(i + 1);
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/.test(host)) return `"${host}" is not a host name`;
  if (parseIp(ip) === undefined) return `"${ip}" is not an IPv4 address`;
  return { host, ip };
}

/** The raw values, from flags or a recipe, before they are parsed. */
export interface RawNetwork {
  mode?: string;
  ports?: string[];
  ip?: string;
  dns?: string[];
  addHosts?: string[];
  aliases?: string[];
}

const FLAGS = { mode: '--network', ports: '--publish', ip: '--ip', dns: '--dns', addHosts: '--add-host', aliases: '--network-alias' } as const;
const KEYS = { mode: 'mode', ports: 'ports', ip: 'ip', dns: 'dns', addHosts: 'add_hosts', aliases: 'aliases' } as const;
const ALIAS_RE = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,62})$/;

// Turns raw values into a NetworkSpec and every problem found (none: the spec is valid). Ports without a mode mean
// the default bridge, as with docker.
export function parseNetwork(raw: RawNetwork): { spec?: NetworkSpec; problems: NetProblem[] } {
  const problems: NetProblem[] = [];
  const bad = (key: keyof typeof FLAGS, index: number | undefined, message: string, hint?: string) =>
    problems.push({ path: ['network', KEYS[key], ...(index === undefined ? [] : [index])], flag: FLAGS[key], message, hint });
  const asked = raw.mode !== undefined || raw.ports?.length || raw.ip !== undefined || raw.dns?.length || raw.addHosts?.length || raw.aliases?.length;
  if (!asked) return { problems };
  let mode: NetworkMode = 'bridge';
  let target: string | undefined = 'bridge';
  if (raw.mode !== undefined) {
    const m = parseMode(raw.mode);
    if (typeof m === 'string') bad('mode', undefined, m);
    else ({ mode, target } = m);
  }
  const ports: PortSpec[] = [];
  (raw.ports ?? []).forEach((p, i) => {
    const parsed = parsePort(p);
    if (typeof parsed === 'string') bad('ports', i, parsed, 'like 8080:80, 127.0.0.1:8080:80, 53:53/udp or 80');
    else ports.push(parsed);
  });
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    if (p.hostPort === undefined) return;
    const key = `${p.hostPort}/${p.proto}`;
    if (seen.has(key)) bad('ports', i, `host port ${key} is published twice`);
    seen.add(key);
  });
  const dns: string[] = [];
  (raw.dns ?? []).forEach((d, i) => (parseIp(d) === undefined ? bad('dns', i, `"${d}" is not an IPv4 address`) : dns.push(d)));
  const addHosts: NetworkSpec['addHosts'] = [];
  (raw.addHosts ?? []).forEach((h, i) => {
    const parsed = parseAddHost(h);
    if (typeof parsed === 'string') bad('addHosts', i, parsed, 'like db:10.0.0.5');
    else addHosts.push(parsed);
  });
  if (raw.ip !== undefined && parseIp(raw.ip) === undefined) bad('ip', undefined, `"${raw.ip}" is not an IPv4 address`);
  const aliases = [...new Set(raw.aliases ?? [])];
  aliases.forEach((a, i) => ALIAS_RE.test(a) || bad('aliases', i, `"${a}" is not a valid alias`, 'letters, digits, _ . - (up to 63)'));
  if (aliases.length && mode !== 'named') bad('aliases', undefined, 'network-scoped aliases are supported only for containers on a network made with glassbox network create', 'use --network NAME');
  const own = mode === 'bridge' || mode === 'named';
  if (!own && ports.length) bad('ports', undefined, `ports cannot be published with --network ${raw.mode}`, 'publishing needs a bridge network: --network bridge or a named network');
  if (!own && raw.ip !== undefined) bad('ip', undefined, `--ip needs a bridge network, not --network ${raw.mode}`);
  if (mode === 'container' && dns.length) bad('dns', undefined, 'a container that shares another container\'s network uses its DNS settings', 'leave --dns out');
  if (mode === 'container' && addHosts.length) bad('addHosts', undefined, 'a container that shares another container\'s network uses its /etc/hosts', 'leave --add-host out');
  if (problems.length) return { problems };
  return { spec: { mode, ...(target !== undefined ? { target } : {}), ports, ...(raw.ip !== undefined ? { ip: raw.ip } : {}), dns, addHosts, ...(aliases.length ? { aliases } : {}) }, problems };
}
