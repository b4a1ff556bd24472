// glassbox/base, the built-in image, is not downloaded: it is made from this host's own programs
// (lib/image/fromhost.ts) the first time a container asks for it, the way docker pulls an image it lacks. Making
// it takes a while, so the caller may show progress; this module prints nothing itself.

import { BASE_IMAGE, buildHostImage } from '../image/fromhost.ts';
import { resolveImage } from '../image/store.ts';
import type { HostFacts } from '../host/facts.ts';
import { selfOwner } from '../state/containers.ts';
import type { Roots } from '../state/paths.ts';

/** Runs a long task while telling the user about it (the CLI's spinner); by default the task just runs. */
export type Progress = <T>(text: string, task: () => Promise<T>) => Promise<T>;

const quietly: Progress = (_text, task) => task();

// The built-in base image is made from the host the first time a recipe asks for it (docker pulls; we build).
export async function ensureBaseImage(r: Roots, facts: HostFacts, image: string, progress: Progress = quietly): Promise<void> {
  if (image !== BASE_IMAGE && image !== 'glassbox/base') return;
  try {
    await resolveImage(r.root, image);
  } catch {
    await progress(`making the base image ${BASE_IMAGE} from this host's programs`, () => buildHostImage(r, selfOwner(facts.bootId)));
  }
}
