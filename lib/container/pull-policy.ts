// run --pull missing|always|never: whether the image is pulled before the container is planned. The decision is a
// pure function (tested alone); the pulling itself is the pull verb's (lib/image/pull.ts), given by the caller
// with its progress display. glassbox/base is never pulled: it is made from this host (base-image.ts).

import { GlassboxError } from '../errors.ts';
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
  const present = builtIn || (await resolveImage(storeRoot, image).then(() => true, () => false));
  const action = pullAction(policy, present, builtIn);
  if (action === 'refuse') throw new GlassboxError(`No such image: ${image}`, { field: '--pull', hint: `pull it first (glassbox pull ${image}), or drop --pull never` });
  if (action === 'pull') await pull(image, !present);
}
