// The block catalog: every building block by name. `npm run build` validates the YAML files once and writes them,
// with each file's size and modification time, to dist/blocks.json; at run time that JSON is used while it matches
// the files, which spares every \`glassbox run\` the YAML parser and the schema library (some 50 ms). Edit a block
// and the next run notices and reads the YAML again.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GlassboxError } from '../errors.ts';
import type { BlockDef, Catalog } from './schema.ts';

export type { Catalog } from './schema.ts';

export interface CompiledCatalog {
  version: 1;
  /** file name → "size:mtimeMs" when compiled. */
  sources: Record<string, string>;
  blocks: Array<BlockDef & { file: string }>;
}

// Finds recipes/blocks relative to this module, both from source (lib/blocks) and from the bundle (dist/…).
export function defaultBlocksDir(): string {
  if (process.env.GLASSBOX_BLOCKS) return process.env.GLASSBOX_BLOCKS;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'recipes', 'blocks');
    try {
      readdirSync(candidate);
      return candidate;
    } catch {
      dir = dirname(dir);
    }
  }
  throw new GlassboxError('cannot find recipes/blocks', { hint: 'set GLASSBOX_BLOCKS to the blocks directory' });
}

// Where the compiled catalog for a blocks directory lives.
export const compiledPath = (blocksDir: string) => join(blocksDir, '..', '..', 'dist', 'blocks.json');

// The fingerprint of every block file: a changed, added or removed file invalidates the compiled catalog.
export function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml')).sort()) {
    const st = statSync(join(dir, f));
    out[f] = `${st.size}:${st.mtimeMs}`;
  }
  return out;
}

const cache = new Map<string, Catalog>();

// Loads the catalog once per process: the compiled JSON when it is current, else the YAML files.
export async function loadCatalog(dir = defaultBlocksDir()): Promise<Catalog> {
  const hit = cache.get(dir);
  if (hit) return hit;
  let catalog: Catalog | undefined;
  try {
    const compiled = JSON.parse(readFileSync(compiledPath(dir), 'utf8')) as CompiledCatalog;
    if (JSON.stringify(compiled.sources) === JSON.stringify(fingerprint(dir))) {
      catalog = new Map(compiled.blocks.map((b) => [b.block, b]));
    }
  } catch {}
  if (!catalog) {
    const { loadCatalogFromYaml } = await import('./load.ts');
    catalog = loadCatalogFromYaml(dir);
  }
  cache.set(dir, catalog);
  return catalog;
}
