// Interpolation by the compose specification's table (12-interpolation.md), and dotenv parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolateString, InterpolationError } from '../../lib/compose/interpolate.ts';
import { parseDotenv } from '../../lib/compose/dotenv.ts';

const env: Record<string, string> = { SET: 'value', EMPTY: '', FOO: 'foo', PORT: '8080' };
const lookup = (k: string) => env[k];

const table: [string, string][] = [
  ['plain', 'plain'],
  ['$SET', 'value'],
  ['${SET}', 'value'],
  ['a${SET}b', 'avalueb'],
  ['$SET-x', 'value-x'],
  ['$UNSET', ''],
  ['${UNSET}', ''],
  ['${UNSET:-default}', 'default'],
  ['${EMPTY:-default}', 'default'],
  ['${SET:-default}', 'value'],
  ['${UNSET-default}', 'default'],
  ['${EMPTY-default}', ''],
  ['${SET:+alt}', 'alt'],
  ['${EMPTY:+alt}', ''],
  ['${UNSET:+alt}', ''],
  ['${SET+alt}', 'alt'],
  ['${EMPTY+alt}', 'alt'],
  ['${UNSET+alt}', ''],
  ['${SET:?must}', 'value'],
  ['${EMPTY?must}', ''],
  ['${UNSET:-${FOO}}', 'foo'],
  ['${UNSET:-${ALSO_UNSET:-deep}}', 'deep'],
  ['${UNSET:-$FOO}', 'foo'],
  ['${UNSET:-a b c}', 'a b c'],
  ['$$', '$'],
  ['$$SET', '$SET'],
  ['$${SET}', '${SET}'],
  ['cost: 5$', 'cost: 5$'],
  ['$1', '$1'],
  ['${PORT}:80', '8080:80'],
  ['${UNSET:-}', ''],
  ['${UNSET:-x:y}', 'x:y'],
];

test('the interpolation table', () => {
  for (const [input, want] of table) assert.equal(interpolateString(input, lookup), want, input);
});

test('unset variables without a default are reported', () => {
  const missing: string[] = [];
  interpolateString('$A ${B} ${C:-x} ${SET}', lookup, (n) => missing.push(n));
  assert.deepEqual(missing, ['A', 'B']);
});

test('required variables and invalid templates are errors', () => {
  const errs: [string, string, 'required' | 'invalid'][] = [
    ['${UNSET:?set UNSET first}', 'required variable UNSET is missing a value: set UNSET first', 'required'],
    ['${EMPTY:?no empty}', 'required variable EMPTY is missing a value: no empty', 'required'],
    ['${UNSET?}', 'required variable UNSET is missing a value', 'required'],
    ['${UNSET?need $FOO}', 'required variable UNSET is missing a value: need foo', 'required'],
    ['${}', 'invalid interpolation format: "${}"', 'invalid'],
    ['${SET', 'invalid interpolation format: "${SET"', 'invalid'],
    ['${SET/a/b}', 'invalid interpolation format: "${SET/a/b}"', 'invalid'],
    ['${1X}', 'invalid interpolation format: "${1X}"', 'invalid'],
  ];
  for (const [input, message, kind] of errs) {
    assert.throws(() => interpolateString(input, lookup), (e) => e instanceof InterpolationError && e.message === message && e.kind === kind, input);
  }
  // A default that is not used is not evaluated: its error never happens.
  assert.equal(interpolateString('${SET:-${UNSET:?boom}}', lookup), 'value');
});

test('dotenv: comments, export, quotes, escapes, interpolation, KEY alone', () => {
  const text = [
    '# comment',
    '',
    'A=1',
    'export B=two words # trailing comment',
    "C='$A literal'",
    'D="line\\nnext ${A}"',
    'E=${A}-${FROM_ENV}',
    'FROM_ENV',
    'F=',
    'H="\\$A stays"',
    'G="multi',
    'line"',
  ].join('\n');
  const r = parseDotenv(text, (k) => ({ FROM_ENV: 'env' })[k]);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.values, { A: '1', B: 'two words', C: '$A literal', D: 'line\nnext 1', E: '1-env', FROM_ENV: 'env', F: '', H: '$A stays', G: 'multi\nline' });
  assert.deepEqual(parseDotenv('ok=1\n=bad\n').problems, [{ line: 2, message: 'expected KEY=VALUE, got "=bad"' }]);
});
