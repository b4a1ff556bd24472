// The iptables rules that publish a container's ports, as iptables-restore input. A published port is two rules,
// both tagged with the container's ID so that exactly they are removed with it (and gc can find them):
//   GLASSBOX-DNAT         [-d HOSTIP] -p PROTO --dport HOSTPORT → DNAT to CONTAINERIP:PORT
//   GLASSBOX-POSTROUTING  -s SUBNET -d CONTAINERIP -p PROTO --dport PORT → MASQUERADE (hairpin: a container of the
//                         same network, or the container itself, reaching the port through the host's address)
// The same lines with -D instead of -A remove them. Both are pure text, tested without root.

import type { PreparedPort } from './types.ts';

export const tag = (id: string) => `glassbox:${id}`;

// The rule specs (what follows -A/-D) of one container's published ports, table by table.
export function portRuleSpecs(id: string, ip: string, subnet: string, ports: PreparedPort[]): string[] {
  const c = `-m comment --comment ${tag(id)}`;
  return ports.flatMap((p) => [
    `GLASSBOX-DNAT ${p.hostIp ? `-d ${p.hostIp}/32 ` : ''}-p ${p.proto} -m ${p.proto} --dport ${p.hostPort} ${c} -j DNAT --to-destination ${ip}:${p.containerPort}`,
    `GLASSBOX-POSTROUTING -s ${subnet} -d ${ip}/32 -p ${p.proto} -m ${p.proto} --dport ${p.containerPort} ${c} -j MASQUERADE`,
  ]);
}

// iptables-restore input that adds (-A) or deletes (-D) the rules, in one nat-table transaction.
export function renderRestore(specs: string[], op: '-A' | '-D'): string {
  return ['*nat', ...specs.map((s) => `${op} ${s}`), 'COMMIT'].join('\n');
}

// "8080->80/tcp, 127.0.0.1:9000->90/udp", docker's way of showing ports.
export function portsText(ports: PreparedPort[], ip?: string): string {
  return ports.map((p) => `${p.hostIp ?? '0.0.0.0'}:${p.hostPort}->${ip ? `${ip}:` : ''}${p.containerPort}/${p.proto}`).join(', ');
}

/** A glassbox rule as iptables-save prints it: its table, its spec (after -A), the container ID in its comment. */
export interface SavedRule {
  table: string;
  spec: string;
  id: string;
}

// The container-tagged rules in iptables-save output (network rules, tagged glassbox:net:NAME, are not included).
export function parseSavedRules(text: string): SavedRule[] {
  const out: SavedRule[] = [];
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    const m = /^-A (.*--comment "?glassbox:([0-9a-f]{64})"?.*)$/.exec(line);
    if (m && table) out.push({ table, spec: m[1]!, id: m[2]! });
  }
  return out;
}
