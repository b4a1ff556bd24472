// The docs name every folder of lib/: README's "Where things are" table has a row for each (and none for a
// folder that is gone), and docs/architecture.md mentions each. A newcomer reads those two first; a folder they do
// not mention is code nobody has explained, so adding one without a line of docs fails here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (f: string) => readFileSync(join(repo, f), 'utf8');

// The folders directly under lib/, sorted.
const folders = readdirSync(join(repo, 'lib'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

// The rows of README's "Where things are" table (the lines starting with | under that heading).
export function whereRows(readme: string): string[] {
  const at = readme.indexOf('\n## Where things are');
  if (at < 0) return [];
  const rest = readme.slice(at + 1).split('\n').slice(1);
  const end = rest.findIndex((l) => l.startsWith('#'));
  return rest.slice(0, end < 0 ? undefined : end).filter((l) => l.startsWith('|'));
}

// The lib/ folders a set of table rows names, as `lib/NAME/` in the first column.
export function tableFolders(rows: string[]): string[] {
  return rows.flatMap((r) => [...(r.split('|')[1] ?? '').matchAll(/`lib\/([\w-]+)\/`/g)].map((m) => m[1]!));
}

// The folders a text never mentions as lib/NAME (followed by /, a space, a backtick, a bracket: anything but more name).
export function unmentioned(text: string, names: string[]): string[] {
  return names.filter((n) => !new RegExp(`lib/${n}(?![\\w-])`).test(text));
}

test('lib/ has folders (a wrong path would make the checks below pass)', () => {
  assert.ok(folders.length > 10, `only ${folders.join(', ')}`);
  assert.ok(folders.includes('plan'));
});

test('the checks fail on docs that miss a folder', () => {
  const readme = '# x\n\n## Where things are\n\n| folder | what |\n|---|---|\n| `lib/a/`, `lib/b/` | … |\n| `lib/gone/` | … |\n\n## Next\n| `lib/c/` | not the table |\n';
  const named = tableFolders(whereRows(readme));
  assert.deepEqual(named, ['a', 'b', 'gone']);
  assert.deepEqual(['a', 'b', 'c'].filter((f) => !named.includes(f)), ['c']);
  assert.deepEqual(unmentioned('see lib/a/x.ts and (lib/b) but not lib/cc', ['a', 'b', 'c']), ['c']);
});

test("README's table has a row for every folder under lib/, and none for a folder that does not exist", () => {
  const named = tableFolders(whereRows(read('README.md')));
  assert.deepEqual(folders.filter((f) => !named.includes(f)), [], 'folders missing from README.md "Where things are"');
  assert.deepEqual(named.filter((f) => !folders.includes(f)), [], 'README.md "Where things are" names folders that do not exist');
});

test('docs/architecture.md mentions every folder under lib/', () => {
  assert.deepEqual(unmentioned(read('docs/architecture.md'), folders), [], 'folders docs/architecture.md never mentions');
});
