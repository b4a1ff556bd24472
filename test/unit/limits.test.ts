// The limits every input is held to (lib/recipe/limits.ts, lib/recipe/yamlpos.ts) and the origins that let a
// late check point at the input (lib/recipe/origins.ts), each at its edge: the last value accepted, the first
// refused, and the place the refusal names.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { specFromFlags } from '../../lib/recipe/flags.ts';
import { GlassboxError, GlassboxErrors, withPlace } from '../../lib/errors.ts';
import { ARGS_TOTAL_MAX, ARG_STRLEN_MAX, NAME_MAX, PATH_MAX, pathLengthProblem, stringProblems } from '../../lib/recipe/limits.ts';
import { parseRecipe } from '../../lib/recipe/load.ts';
import { placeOf } from '../../lib/recipe/origins.ts';
import { validateSpec } from '../../lib/recipe/validate.ts';
import { YAML_MAX_ALIAS_NODES, YAML_MAX_BYTES, YAML_MAX_NODES } from '../../lib/recipe/yamlpos.ts';

// The formatted errors of a recipe that must fail.
function errorsOf(text: string): string[] {
  try {
    parseRecipe(text, 'l.yaml');
  } catch (e) {
    if (e instanceof GlassboxErrors) return e.errors.map((x) => x.format());
    if (e instanceof GlassboxError) return [e.format()];
    throw e;
  }
  assert.fail('the recipe was accepted');
}

test('limits: PATH_MAX and NAME_MAX in bytes, at the edge', () => {
  assert.equal(pathLengthProblem(`/${'a'.repeat(PATH_MAX - 2)}`.replace(/a{255}/g, (m) => `${m.slice(0, 254)}/`)), undefined);
  assert.match(pathLengthProblem(`/${'a/'.repeat(PATH_MAX / 2)}`)!, /PATH_MAX/);
  assert.equal(pathLengthProblem(`/${'b'.repeat(NAME_MAX)}`), undefined);
  assert.match(pathLengthProblem(`/${'b'.repeat(NAME_MAX + 1)}`)!, /256 bytes long; the kernel's limit \(NAME_MAX\) is 255/);
  // Bytes, not characters: 128 three-byte characters are 384 bytes.
  assert.match(pathLengthProblem(`/${'中'.repeat(128)}`)!, /384 bytes/);
});

test('limits: NUL and over-long strings anywhere, keys included, with their paths', () => {
  assert.deepEqual(stringProblems({ a: ['ok', 'x\0y'], 'k\0': 1 }).map((p) => p.path), [['k\0'], ['a', 1]]);
  assert.deepEqual(stringProblems({ a: 'x'.repeat(ARG_STRLEN_MAX) }), []);
  assert.match(stringProblems({ a: 'x'.repeat(ARG_STRLEN_MAX + 1) })[0]!.message, /131073 bytes long/);
  // A value nested 100,000 deep is walked without recursion.
  let deep: unknown = 'x\0';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.equal(stringProblems(deep).length, 1);
});

test('limits: the command and environment together fit in half of ARG_MAX', () => {
  const spec = specFromFlags(undefined, 'alpine', ['echo'], {});
  const big = 'v'.repeat(ARG_STRLEN_MAX - 10);
  const env = Object.fromEntries(Array.from({ length: Math.ceil(ARGS_TOTAL_MAX / big.length) }, (_, i) => [`K${i}`, big]));
  assert.deepEqual(validateSpec({ ...spec, env }).map((p) => [p.path, p.message.replace(/\d+ bytes/, 'N bytes')]), [[['env'], 'the command and environment take N bytes; glassbox accepts at most 1048576']]);
});

test('limits: YAML size, values, aliases and duplicate keys are refused where they are', () => {
  assert.deepEqual(errorsOf(`image: x\ndescription: "${'d'.repeat(YAML_MAX_BYTES)}"\n`), ['l.yaml:1:1: the file is larger than 256 KiB (a recipe is a short file: is this the right one?)']);
  assert.deepEqual(errorsOf(`image: x\nenv:\n${'- A=1\n'.repeat(YAML_MAX_NODES)}`), [`l.yaml:${YAML_MAX_NODES - 2}:3: the file has more than ${YAML_MAX_NODES} values (a recipe is a short file: is this the right one?)`]);
  const keys = Array.from({ length: 5000 }, (_, i) => `  K${i}: v`).join('\n');
  assert.deepEqual(errorsOf(`image: x\nenv:\n${keys}\n  K17: again\n`), ['l.yaml:5003:3: YAML syntax error: Map keys must be unique (check indentation and quoting)']);
  // Aliases: fine up to the limit, refused at the alias that crosses it.
  const list = `[${Array(YAML_MAX_ALIAS_NODES / 2 - 1).fill('x').join(', ')}]`;
  assert.equal(parseRecipe(`image: x\ncommand: &a ${list}\nentrypoint: *a\n`, 'l.yaml').entrypoint?.length, YAML_MAX_ALIAS_NODES / 2 - 1);
  assert.deepEqual(errorsOf(`image: x\ncommand: &a ${list}\nentrypoint: *a\nvolumes: *a\nnamespaces: *a\n`), [`l.yaml:5:13: aliases repeat more than ${YAML_MAX_ALIAS_NODES} nodes (write the values out: nested aliases are how an alias bomb grows)`]);
});

test('origins: a late error takes the place of its field, or of the nearest parent; a positioned one keeps its own', () => {
  const spec = parseRecipe('image: x\nvolumes:\n  - /a:/b\n  - {type: bind, source: /s, target: /t}\nenv: [A=1]\n', 'o.yaml');
  assert.deepEqual(placeOf(spec, ['volumes', 0, 'source']), { pos: { file: 'o.yaml', line: 3, col: 5 }, field: 'volumes.0.source' });
  assert.deepEqual(placeOf(spec, ['volumes', 1, 'source']), { pos: { file: 'o.yaml', line: 4, col: 26 }, field: 'volumes.1.source' });
  assert.deepEqual(placeOf(spec, ['env', 'A']), { pos: { file: 'o.yaml', line: 5, col: 7 }, field: 'env.A' });
  assert.deepEqual(placeOf(spec, ['user']), { pos: { file: 'o.yaml', line: 1, col: 1 }, field: 'user' });
  const flags = specFromFlags(spec, undefined, [], { user: 'nobody', volume: ['/c:/d'] });
  assert.deepEqual(placeOf(flags, ['user']), { field: '--user' });
  assert.deepEqual(placeOf(flags, ['volumes', 2, 'source']), { field: '--volume' });
  const own = new GlassboxError('x', { pos: { file: 'env.list', line: 2, col: 1 } });
  assert.equal(withPlace(own, { field: '--user' }), own);
  const sys = Object.assign(new Error('ENAMETOOLONG'), { code: 'ENAMETOOLONG', syscall: 'lstat', path: '/p' });
  assert.equal(withPlace(sys, { field: '--workdir' }).format(), '--workdir: lstat /p: ENAMETOOLONG (the value cannot be used as a path here)');
  assert.throws(() => withPlace(new TypeError('bug'), { field: '--user' }), TypeError, 'a bug stays a bug');
});
