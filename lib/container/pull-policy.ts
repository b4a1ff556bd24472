// run --pull missing|always|never: whether the image is pulled before the container is planned. The decision is a
// pure function (tested alone); the pulling itself is the pull verb's (lib/image/pull.ts), given by the caller
// with its progress display. glassbox/base is never pulled: it is made from this host (base-image.ts).

import { parseReference } from '../image/reference.ts';
import { resolveImage } from '../image/store.ts';
import type { PullPolicy } from '../recipe/extra-flags.ts';

export type PullAction = 'use' | 'pull' | 'refuse';

// docker's rule: missing pulls only what the store lacks, always pulls every time, never uses the store or fails.
export function pullAction(policy: PullPolicy, present: boolean, builtIn: boolean): PullAction {
  if (builtIn) return 'use';
  if (policy === 'always') return 'pull';
  if (present) return 'use';
  return policy === 'never' ? 'refuse' : 'pull';
}

export async function applyPullPolicy(storeRoot: string, image: string, policy: PullPolicy, builtIn: boolean, pull: (ref: string, missing: boolean) => Promise<void>): Promise<void> {
  // A reference that does not parse is not pulled either: planning reports it, naming the flag or the recipe line.
  try {
    parseReference(image);
  } catch {
    return;
  }
  const present = builtIn || (await resolveImage(storeRoot, image).then(() => true, () => false));
  const action = pullAction(policy, present, builtIn);
  // refuse: nothing is pulled, and planning stops at the image with its usual error (the flag's name, or the
  // recipe's file:line:col, and the hint to pull it).
  if (action === 'pull') await pull(image, !present);
}
