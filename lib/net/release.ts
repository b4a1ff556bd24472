// Giving back the claims of a run that failed before its plan took them over (its undos would have released them).
// A lease is removed under its network's lock: the hosts refresh of a container starting at the same moment holds
// that lock while it lists and reads the leases, and a file vanishing between the two fails it. The removal is the
// same plain command gc uses (`flock LOCK rm -f LEASE`, the net-gc block's release step). A port claim is only ever
// looked up by its name, so it is removed directly.

import { rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadCatalog } from '../blocks/catalog.ts';
import { expandBlock } from '../blocks/expand.ts';
import { performStep } from '../exec/step.ts';
import { claimOwner, type Claim } from './store.ts';

// Releases the claims that still name container `id` (one another run took over meanwhile is left alone).
export async function dropClaims(claims: Claim[], id: string): Promise<void> {
  const mine = claims.filter((c) => claimOwner(c.file) === id);
  const isLease = (c: Claim) => basename(dirname(c.file)) === 'leases';
  for (const c of mine.filter((x) => !isLease(x))) rmSync(c.file, { force: true });
  const leases = mine.filter(isLease).map((c) => ({ lock: join(dirname(dirname(c.file)), 'lock'), file: c.file }));
  if (!leases.length) return;
  const steps = expandBlock(await loadCatalog(), { block: 'net-gc', as: 'release', params: { leases, rules: [], networks: [], base_jumps: [], base_chains: [] } });
  for (const s of steps) await performStep(s);
}
