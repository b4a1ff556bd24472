// The values of lesson 6's network: a bridge of the lesson's own, a small subnet, the container's address and a
// host port to publish. A bridge network is a handful of numbers that must not collide with anything the host
// already has — a subnet that overlaps a host route would steal that route's traffic, a host port in use cannot
// be published — so they are chosen here, from the host's routing table and its listening sockets, and handed to
// the lesson's blocks as {{net.*}} variables. Nothing is created or claimed here: the lesson's steps make every
// object, and their undos remove it.
//
// The lesson's objects are its own, never glassbox's shared ones (gb0 and the GLASSBOX-DNAT/-POSTROUTING/-FORWARD
// chains stay while containers use them, like docker0): so the lesson can delete all of them at its end without
// cutting off a container someone else runs.

import { formatIp, formatSubnet, macFor, parseSubnet, pickFreeSubnet, type Subnet } from '../net/cidr.ts';
import { hostRoutes } from '../net/routes.ts';
import { hostIfName } from '../net/prepare.ts';
import { claimPort, listNetworks } from '../net/store.ts';
import { GlassboxError } from '../errors.ts';
import type { Roots } from '../state/paths.ts';

// Small subnets, away from the default network's candidates (172.24–29.0.0/16, 10.129–131.0.0/16).
const LESSON_CANDIDATES = ['10.206.6.0/24', '172.31.206.0/24', '192.168.206.0/24', '10.207.6.0/24'];

/** The port the lesson would like to publish on the host, as in `docker run -p 8080:80`. */
const PREFERRED_PORT = 8080;

// The {{net.*}} variables of a lesson, for a lesson run with this ID.
export function lessonNetworkVars(r: Roots, id: string): Record<string, string> {
  const taken = listNetworks(r).flatMap((n) => {
    const s = parseSubnet(n.subnet);
    return typeof s === 'string' ? [] : [s];
  });
  const subnet: Subnet | undefined = pickFreeSubnet(LESSON_CANDIDATES, hostRoutes(), taken);
  if (!subnet) throw new GlassboxError(`every subnet lesson 6 may use overlaps a route of this host: ${LESSON_CANDIDATES.join(', ')}`, { hint: 'ip route shows the routes in the way' });
  const gateway = subnet.base + 1;
  const ip = subnet.base + 2;
  let port: number;
  try {
    port = claimPort(r, { proto: 'tcp', port: PREFERRED_PORT, id, dry: true }).port;
  } catch {
    port = claimPort(r, { proto: 'tcp', id, dry: true }).port;
  }
  const short = id.slice(0, 8);
  return {
    'net.bridge': `gb-${short}`,
    'net.host_if': hostIfName(id),
    'net.subnet': formatSubnet(subnet),
    'net.gateway': formatIp(gateway),
    'net.gateway_cidr': `${formatIp(gateway)}/${subnet.prefix}`,
    'net.ip': formatIp(ip),
    'net.address': `${formatIp(ip)}/${subnet.prefix}`,
    'net.mac': macFor(ip),
    'net.host_port': String(port),
    'net.dnat_chain': `GLASSBOX-PORTS-${short}`,
    'net.nat_chain': `GLASSBOX-NAT-${short}`,
    'net.tag': `glassbox:lesson:${id.slice(0, 12)}`,
  };
}
