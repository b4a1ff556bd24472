// Labels: --label/-l, --label-file, a recipe's labels: (map or list), merged over a recipe's by flags.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { specFromFlags } from '../../lib/recipe/flags.ts';
import { parseRecipe } from '../../lib/recipe/load.ts';

const tmp = mkdtempSync(join(tmpdir(), 'gb-labels-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('recipe labels: a map or a list (KEY alone is an empty value)', () => {
  assert.deepEqual(parseRecipe('image: alpine\ncommand: [ls]\nlabels: {app: web, n: 3}\n', join(tmp, 'a.yaml')).labels, { app: 'web', n: '3' });
  assert.deepEqual(parseRecipe('image: alpine\ncommand: [ls]\nlabels: [app=web, flag, "x=a=b"]\n', join(tmp, 'b.yaml')).labels, { app: 'web', flag: '', x: 'a=b' });
  assert.throws(() => parseRecipe('image: alpine\ncommand: [ls]\nlabels: ["=v"]\n', join(tmp, 'c.yaml')), /c\.yaml:3:10: labels\.0: expected KEY=VALUE/);
});

test('--label and --label-file, over the recipe: the command line wins', () => {
  const file = join(tmp, 'labels');
  writeFileSync(file, '# comment\n\ntier=back\napp=from-file\n');
  const base = parseRecipe('image: alpine\ncommand: [ls]\nlabels: {app: recipe, keep: yes}\n', join(tmp, 'd.yaml'));
  const spec = specFromFlags(base, undefined, [], { labelFile: [file], label: ['app=cli', 'solo'] });
  assert.deepEqual(spec.labels, { app: 'cli', keep: 'yes', tier: 'back', solo: '' });
  assert.throws(() => specFromFlags(undefined, 'alpine', ['ls'], { label: ['=x'] }), /--label: invalid label/);
  assert.throws(() => specFromFlags(undefined, 'alpine', ['ls'], { labelFile: [join(tmp, 'nope')] }), (e: unknown) => /cannot read/.test(String(e)) && (e as { field?: string }).field === '--label-file');
});
