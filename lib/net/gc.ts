// Garbage collection of network objects, after the journals of dead containers have run (which removes nearly
// everything). What is left is found from the kernel's side and from the files of this root:
// - iptables rules tagged glassbox:<id> whose container is gone: a container of this root whose owner is dead, or
//   an ID this root does not know whose veth (gb + 12 hex digits of the ID) no longer exists (a running container
//   always has its veth, whichever root it belongs to);
// - lease and port-claim files of containers that no longer exist (a run killed before it recorded its container
//   leaves them; they are removed once a minute old), and member links that lead nowhere;
// - bridges with no interface plugged in, with their chains; glassbox's own chains once no glassbox bridge is left.
// A live container's objects are never touched; running gc twice does nothing the second time.

import { existsSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog } from '../blocks/catalog.ts';
import { expandBlock } from '../blocks/expand.ts';
import { performStep } from '../exec/runner.ts';
import { runCommand } from '../exec/spawn.ts';
import { listIds, ownerAlive, readState, stateDir } from '../state/containers.ts';
import type { Roots } from '../state/paths.ts';
import { hostIfName } from './prepare.ts';
import { parseSavedRules } from './rules.ts';
import { claimOwner, DEFAULT_BRIDGE, DEFAULT_NETWORK, leasesDir, listNetworks, networkDir, olderThan, portsDir } from './store.ts';

// True while the container runs (its owner or monitor lives).
function live(r: Roots, id: string, bootId: string): boolean {
  const s = readState(r, id);
  if (!s) return false;
  return ownerAlive(s.owner, bootId) || (s.status === 'running' && ownerAlive(s.monitor, bootId));
}

// Names of the host's links, from /sys/class/net.
function links(): string[] {
  try {
    return readdirSync('/sys/class/net');
  } catch {
    return [];
  }
}

// Removes what no living container uses; returns a line per object removed.
export async function collectNetwork(r: Roots, bootId: string): Promise<string[]> {
  const done: string[] = [];
  const known = new Set(listIds(r));
  const gone = (id: string) => (known.has(id) ? !live(r, id, bootId) : !existsSync(`/sys/class/net/${hostIfName(id)}`));

  // Leases, port claims, member links.
  const claimFiles = [...listNetworks(r).flatMap((n) => files(leasesDir(r, n.name))), ...files(portsDir(r))];
  for (const f of claimFiles) {
    const id = claimOwner(f);
    const orphan = !id || (!existsSync(stateDir(r, id)) && olderThan(f, 60_000)) || (existsSync(stateDir(r, id)) && !live(r, id, bootId) && !existsSync(join(stateDir(r, id), 'done')) && olderThan(f, 60_000));
    if (orphan) {
      rmSync(f, { force: true });
      done.push(`released ${f}`);
    }
  }
  for (const n of listNetworks(r)) {
    for (const m of files(join(networkDir(r, n.name), 'members'))) {
      let target = '';
      try {
        target = readlinkSync(m);
      } catch {}
      if (!existsSync(target)) {
        rmSync(m, { force: true });
        done.push(`removed member link ${m}`);
      }
    }
  }

  const save = await runCommand(['iptables-save']);
  const rules = save.exitCode === 0 ? parseSavedRules(save.stdout).filter((x) => gone(x.id)) : [];
  // A bridge with nothing plugged in, of a network this root knows (the default one always).
  const nets = [...listNetworks(r).map((n) => ({ name: n.name, bridge: n.bridge })), ...(listNetworks(r).some((n) => n.name === DEFAULT_NETWORK) ? [] : [{ name: DEFAULT_NETWORK, bridge: DEFAULT_BRIDGE }])];
  const idle = nets.filter((n) => existsSync(`/sys/class/net/${n.bridge}/bridge`) && files(`/sys/class/net/${n.bridge}/brif`).length === 0);
  const remaining = links().filter((l) => (l === DEFAULT_BRIDGE || /^gb-[0-9a-f]{8}$/.test(l)) && !idle.some((n) => n.bridge === l));
  const base = remaining.length === 0 && save.exitCode === 0 && /^:GLASSBOX-DNAT /m.test(save.stdout);
  if (!rules.length && !idle.length && !base) return done;
  const steps = expandBlock(await loadCatalog(), {
    block: 'net-gc',
    as: 'gc-net',
    params: { rules: rules.map((x) => ({ table: x.table, spec: x.spec })), networks: idle.map((n) => ({ name: n.name, bridge: n.bridge, chain: `GLASSBOX-${n.bridge}` })), base },
  });
  // Each step on its own: a failure (the object already gone) does not stop the others.
  for (const s of steps) await performStep(s);
  for (const x of rules) done.push(`removed rule of ${x.id.slice(0, 12)} (${x.table})`);
  for (const n of idle) done.push(`removed idle bridge ${n.bridge}`);
  if (base) done.push("removed glassbox's iptables chains");
  return done;
}

// The files in a directory (none when it does not exist).
function files(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => !f.startsWith('.')).map((f) => join(dir, f));
  } catch {
    return [];
  }
}
