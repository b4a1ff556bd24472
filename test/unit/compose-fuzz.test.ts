// Mutated compose files (inserted YAML syntax, tags, anchors, interpolation, cut text) through the loader, the
// start order and the config renderer: each either loads or fails with a GlassboxError; nothing else escapes,
// and what loads renders to a file that loads again to the same services. Seeded, so a failure repeats.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GlassboxError } from '../../lib/errors.ts';
import { loadComposeProject, renderConfig, startOrder } from '../../lib/compose/index.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'compose');
const SOURCES = ['webapp/compose.yaml', 'migrate/docker-compose.yml', 'health/compose.yaml', 'dotenv/compose.yaml', 'merge/compose.dev.yaml'].map((f) => readFileSync(join(FIX, f), 'utf8'));
const JUNK = ['', ' ', '\n', ':', '-', '[', ']', '{', '}', '$', '${', '${X:?e}', '$$', '!reset ', '!override ', '*a', '&a ', '<<: ', 'null', '0', 'true', '"', "'", '  ', 'x-', 'ports: 8', '- 1', '\t', 'depends_on: [web]'];

test('mutated compose files load or fail with a placed error', () => {
  let seed = Number(process.env.GLASSBOX_FUZZ_SEED ?? 20261203);
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  let loaded = 0;
  for (let i = 0; i < 1500; i++) {
    let text = SOURCES[rnd(SOURCES.length)]!;
    for (let k = 0, n = 1 + rnd(4); k < n; k++) {
      const at = rnd(text.length + 1);
      text = text.slice(0, at) + JUNK[rnd(JUNK.length)] + text.slice(at + (rnd(3) === 0 ? rnd(8) : 0));
    }
    const opts = { workdir: join(FIX, 'webapp'), files: ['-'], env: {} };
    try {
      const p = loadComposeProject({ ...opts, readStdin: () => text });
      startOrder(p);
      const again = loadComposeProject({ ...opts, readStdin: () => renderConfig(p) });
      assert.deepEqual(again.services, p.services, `case ${i}:\n${text}`);
      loaded++;
    } catch (e) {
      if (e instanceof GlassboxError) continue;
      throw new Error(`case ${i} threw ${(e as Error).stack}\n--- input:\n${text}`);
    }
  }
  assert.ok(loaded > 100, `only ${loaded} cases loaded: the mutations are too strong to test the happy path`);
});
