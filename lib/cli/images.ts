// The image commands: image import, pull, login/logout, image inspect, rmi, tag, image prune, commit, export,
// save. Each opens a scratch directory in the store (lib/image/work.ts), does its work there with plain commands
// from blocks, and closes it; a killed run is finished by `glassbox gc`.

import { GlassboxError } from '../errors.ts';
import { readHostFacts } from '../host/facts.ts';
import { importPath } from '../image/archive.ts';
import type { LayerResult, LayerSource } from '../image/layers.ts';
import { parsePlatform } from '../image/platform.ts';
import { StoreWork } from '../image/work.ts';
import { selfOwner } from '../state/containers.ts';
import { roots } from '../state/paths.ts';
import { requireRoot, type Global } from './container.ts';
import { enableTrace } from './output.ts';

const short = (d: string) => d.replace('sha256:', '').slice(0, 12);

// Runs fn with a scratch directory that is removed afterwards, whatever happens.
export async function withWork<T>(fn: (w: StoreWork) => Promise<T>): Promise<T> {
  const facts = await readHostFacts();
  const work = await StoreWork.open(roots().root, selfOwner(facts.bootId));
  const stop = () => {
    // Ctrl-C: the executor of the current step undoes it; the scratch directory goes in finally (or by gc).
  };
  process.on('SIGINT', stop);
  try {
    return await fn(work);
  } finally {
    process.off('SIGINT', stop);
    await work.close();
  }
}

// One line per layer: `sha256:abcd…: extracted` or `already exists`.
export function layerLine(r: LayerResult, src: LayerSource): string {
  return `${src.label}: ${r.existed ? 'already exists' : `extracted (${short(r.diffId)})`}`;
}

// glassbox image import FILE|DIR [NAME[:TAG]]
export async function cmdImageImport(input: string, tag: string | undefined, opts: { platform?: string; quiet?: boolean }, g: Global): Promise<number> {
  requireRoot('glassbox image import');
  enableTrace(g.verbose);
  const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
  const out = await withWork((w) =>
    importPath(w, input, tag, {
      platform,
      onLayer: (r, src) => {
        if (!opts.quiet) process.stderr.write(`${layerLine(r, src)}\n`);
      },
    }),
  );
  for (const img of out.images) process.stdout.write(`${img.id}\n`);
  return 0;
}

export function notImplemented(what: string): never {
  throw new GlassboxError(`${what} is not available`);
}
