// Meaning travels as fields (Step.role, Step.undoRetry, the journal's retry), never read back out of a command:
// no code in lib/ may decide what a step is by looking at the name of the program it runs or undoes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const LIB = join(import.meta.dirname, '../../lib');
const FORBIDDEN = ['argv[0] ===', 'argv?.[0] ===', 'undo[0] ===', 'undo?.[0] ===', 'argv[0] !==', 'argv?.[0] !==', 'undo[0] !==', 'undo?.[0] !=='];

// Every TypeScript file under lib/, recursively.
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

test('lib/ never reads a step\'s meaning out of its argv or undo (argv[0] === …, undo[0] === …)', () => {
  const hits: string[] = [];
  for (const file of sources(LIB)) {
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      for (const f of FORBIDDEN) if (line.includes(f)) hits.push(`${file.slice(LIB.length - 3)}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(hits, [], 'use Step.role / Step.undoRetry (journal: retry) instead');
});
