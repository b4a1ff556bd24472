// Garbage collection of network objects, after the journals of dead containers have run (which removes nearly
// everything). What is left is found from the kernel's side — `ip` and `iptables-save` in the network namespace
// gc runs in (lib/net/probe.ts), the one its steps act in — and from the files of this root:
// - iptables rules tagged glassbox:<id> whose container is gone: a container of this root that no living process
//   answers for, or an ID this root does not know whose veth (gb + 12 hex digits of the ID) no longer exists (a
//   running container always has its veth, whichever root it belongs to);
// - lease and port-claim files whose container is not alive and whose maker is not either: a claim names the
//   process that made it (PID, start time, boot ID, like state.json does), so a run killed before it recorded its
//   container leaves claims gc releases at once — no waiting for them to age — and a run still starting keeps
//   its own. Leases are removed under the network's lock, which the hosts refresh holds while it reads them;
// - member links that lead nowhere;
// - bridges with no interface plugged in and no living lease, with their chains; glassbox's own chains once no
//   glassbox bridge is left.
// A live container's objects are never touched; running gc twice does nothing the second time.

import { existsSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog } from '../blocks/catalog.ts';
import { expandBlock } from '../blocks/expand.ts';
import { performStep } from '../exec/step.ts';
import { listIds, ownerAlive } from '../state/containers.ts';
import { containerLive, keptStopped } from '../state/liveness.ts';
import type { Roots } from '../state/paths.ts';
import { hostIfName } from './prepare.ts';
import { BASE_CHAINS, baseJumps, hasChain, portsOf, probeNetwork } from './probe.ts';
import { parseSavedRules } from './rules.ts';
import { CLAIM_TMP, claimMaker, claimOwner, DEFAULT_BRIDGE, DEFAULT_NETWORK, leasesDir, listNetworks, networkDir, portsDir } from './store.ts';

// True when a claim file still has someone answering for it: its container lives (or is a stopped detached one
// kept until `glassbox rm`), or the run that made it is still at work.
export function claimHeld(r: Roots, file: string, bootId: string): boolean {
  const id = claimOwner(file);
  if (!id) return false;
  return ownerAlive(claimMaker(file), bootId) || containerLive(r, id, bootId) || keptStopped(r, id);
}

// Removes what no living container uses; returns a line per object removed.
export async function collectNetwork(r: Roots, bootId: string): Promise<string[]> {
  const done: string[] = [];
  const kernel = await probeNetwork();
  const known = new Set(listIds(r));
  const gone = (id: string) => (known.has(id) ? !containerLive(r, id, bootId) : !kernel.links.has(hostIfName(id)));

  // Leases (under the network's lock) and port claims no one answers for.
  const nets = listNetworks(r);
  const leases = nets.flatMap((n) => files(leasesDir(r, n.name)).map((file) => ({ file, lock: join(networkDir(r, n.name), 'lock'), net: n.name })));
  const releasedLeases = leases.filter((l) => !claimHeld(r, l.file, bootId));
  const releasedPorts = files(portsDir(r)).filter((f) => !claimHeld(r, f, bootId));
  // Half-written claims of runs that died between writing and linking them (lib/net/store.ts createExclusive).
  for (const dir of [r.root, ...nets.map((n) => networkDir(r, n.name))]) {
    for (const f of hidden(dir).filter((x) => x.startsWith(CLAIM_TMP))) {
      const pid = Number(f.slice(CLAIM_TMP.length).split('-')[0]);
      if (pid && existsSync(`/proc/${pid}`)) continue;
      rmSync(join(dir, f), { force: true });
      done.push(`removed ${join(dir, f)}`);
    }
  }
  for (const f of releasedPorts) {
    rmSync(f, { force: true });
    done.push(`released ${f}`);
  }
  for (const n of nets) {
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

  const rules = kernel.rulesOk ? parseSavedRules(kernel.rules).filter((x) => gone(x.id)) : [];
  // A network still held by a lease (a container starting: its veth is not plugged in yet) keeps its bridge.
  const held = new Set(leases.filter((l) => !releasedLeases.includes(l)).map((l) => l.net));
  const all = [...nets.map((n) => ({ name: n.name, bridge: n.bridge })), ...(nets.some((n) => n.name === DEFAULT_NETWORK) ? [] : [{ name: DEFAULT_NETWORK, bridge: DEFAULT_BRIDGE }])];
  const chainLeft = (bridge: string) => hasChain(kernel.rules, 'nat', `GLASSBOX-${bridge}`) || hasChain(kernel.rules, 'filter', `GLASSBOX-${bridge}`);
  // A bridge with nothing plugged in, or the chains of a bridge that is gone, of a network this root knows.
  const idle = all.filter((n) => {
    if (held.has(n.name)) return false;
    const link = kernel.links.get(n.bridge);
    return link ? link.kind === 'bridge' && portsOf(kernel, n.bridge).length === 0 : chainLeft(n.bridge);
  });
  const remaining = [...kernel.links.values()].filter((l) => l.kind === 'bridge' && (l.name === DEFAULT_BRIDGE || /^gb-[0-9a-f]{8}$/.test(l.name)) && !idle.some((n) => n.bridge === l.name));
  // glassbox's own chains go once no glassbox bridge is left and no lease is held (a starting container may have
  // seen the chains and planned no step to make them): each jump and each chain that exists, on its own (one
  // already missing must not make the removal of the others fail, or a second gc would find them still there).
  const unused = remaining.length === 0 && held.size === 0 && kernel.rulesOk;
  const baseChains = unused ? BASE_CHAINS.filter((c) => hasChain(kernel.rules, c.table, c.chain)) : [];
  const jumps = unused ? baseJumps(kernel.rules) : [];
  const base = baseChains.length > 0 || jumps.length > 0;
  if (!rules.length && !idle.length && !base && !releasedLeases.length) return done;
  const steps = expandBlock(await loadCatalog(), {
    block: 'net-gc',
    as: 'gc-net',
    params: {
      leases: releasedLeases.map((l) => ({ lock: l.lock, file: l.file })),
      rules: rules.map((x) => ({ table: x.table, spec: x.spec })),
      networks: idle.map((n) => ({ name: n.name, bridge: n.bridge, chain: `GLASSBOX-${n.bridge}` })),
      base_jumps: jumps,
      base_chains: baseChains,
    },
  });
  // Each step on its own: a failure (the object already gone) does not stop the others.
  for (const s of steps) await performStep(s);
  for (const l of releasedLeases) done.push(`released ${l.file}`);
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

// The hidden entries of a directory (names only).
function hidden(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.startsWith('.'));
  } catch {
    return [];
  }
}

