// The network's data as the planner sees it: what lib/net/prepare.ts resolved (addresses, ports, claim files,
// the shared objects still missing) and where the /etc files go. Pure types; the modules that read or write them
// (prepare, store, probe, cidr) import them from here, so the pure planner never imports a module that does I/O.

export interface Subnet {
  /** The network address, as a 32-bit unsigned number. */
  base: number;
  prefix: number;
}

export interface NetworkDef {
  name: string;
  id: string;
  /** The bridge device: gb0 for the default network, gb-XXXXXXXX for the others (≤ 15 characters). */
  bridge: string;
  subnet: string;
  gateway: string;
  created: string;
}

/** A lease or port claim: the file that holds it and the line written into it. */
export interface Claim {
  file: string;
  content: string;
}

/** What a network's shared objects lack: each flag says one part of net-host / net-bridge must be (re)made. */
export interface SharedMissing {
  natChains: boolean;
  filterChains: boolean;
  /** Jumps from the built-in chains, when glassbox's chains exist but a jump is gone. */
  jumps: { prerouting: boolean; output: boolean; postrouting: boolean; forward: boolean };
  /** The network's own chains and their jumps. */
  netNat: boolean;
  netFilter: boolean;
  netNatJump: boolean;
  netFilterJump: boolean;
  /** The bridge itself, its gateway address, its being up. */
  bridge: boolean;
  addr: boolean;
  up: boolean;
}

export interface PreparedPort {
  hostIp?: string;
  hostPort: number;
  containerPort: number;
  proto: 'tcp' | 'udp';
}

export interface PreparedBridge {
  def: NetworkDef;
  subnet: Subnet;
  /** The network's directory (leases, members, hosts). */
  dir: string;
  ip: string;
  mac: string;
  /** The host end of the veth pair: gb + the first 12 hex digits of the container ID (14 characters). */
  hostIf: string;
  lease: Claim;
  /** The shared objects (bridge, its address, chains and jumps) all exist, so their steps are left out. */
  bridgeUp: boolean;
  /** Which of them the kernel lacks (from lib/net/probe.ts); absent: all of them, as on a fresh host. */
  missing?: SharedMissing;
}

export interface PreparedNetwork {
  mode: 'none' | 'host' | 'bridge' | 'container';
  /** container mode: the other container's network namespace file, and its name. */
  join?: { ns: string; name: string; hosts?: string; resolv?: string };
  bridge?: PreparedBridge;
  ports: PreparedPort[];
  /** Contents of the files glassbox writes for /etc (bridge and host modes). */
  files?: { hostsBase: string; resolv: string; hostname: string };
  /** net.ipv4.ip_forward is already 1. */
  ipForward: boolean;
  /** Lease and port files made for this run (removed again if the run fails before its plan runs). */
  claims: Claim[];
}

/** Where the three /etc files go inside the root (a host path under rootfs), and whether a placeholder is needed. */
export interface EtcTarget {
  /** The target as a host path inside the mounted root. */
  target: string;
  /** The file to create empty in the overlay's upper layer first (the image lacks it), if any. */
  placeholder?: string;
}
