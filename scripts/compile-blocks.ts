// Build step: validate every block and write dist/blocks.json, which glassbox uses while the YAML is unchanged.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { compiledPath, defaultBlocksDir, fingerprint, type CompiledCatalog } from '../lib/blocks/catalog.ts';
import { loadCatalogFromYaml } from '../lib/blocks/load.ts';
import { reportError } from '../lib/cli/output.ts';

const dir = defaultBlocksDir();
try {
  const sources = fingerprint(dir);
  const catalog = loadCatalogFromYaml(dir);
  const out: CompiledCatalog = { version: 1, sources, blocks: [...catalog.values()] };
  mkdirSync(dirname(compiledPath(dir)), { recursive: true });
  writeFileSync(compiledPath(dir), JSON.stringify(out));
  console.log(`compiled ${catalog.size} blocks to ${compiledPath(dir)}`);
} catch (e) {
  process.exitCode = reportError(e);
}
