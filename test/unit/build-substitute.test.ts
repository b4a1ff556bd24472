// Variable substitution in Dockerfile instructions, as BuildKit's shell lexer does it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GlassboxError } from '../../lib/errors.ts';
import { quoteLiteral, splitWords, substitute, SUBSTITUTED_KINDS } from '../../lib/build/substitute.ts';

const vars = { A: 'a', EMPTY: '', PATH: '/usr/bin', FILE: 'dir/sub/file.tar.gz', SP: 'x y' };
const sub = (w: string, v: Record<string, string> = vars) => substitute(w, v);

test('$VAR and ${VAR}; unknown variables are empty; names stop at the first non-name character', () => {
  assert.equal(sub('$A'), 'a');
  assert.equal(sub('${A}'), 'a');
  assert.equal(sub('x$A.y'), 'xa.y');
  assert.equal(sub('$Ab'), '');
  assert.equal(sub('${A}b'), 'ab');
  assert.equal(sub('$NOPE-1'), '-1');
  assert.equal(sub('/opt:$PATH'), '/opt:/usr/bin');
  assert.equal(sub('a$'), 'a$');
  assert.equal(sub('$ a'), '$ a');
  assert.equal(sub('$1x'), 'x');
  assert.equal(sub('$$'), '');
});

test('defaults and alternatives: :- - :+ + (the colon forms treat empty as unset)', () => {
  assert.equal(sub('${NOPE:-def}'), 'def');
  assert.equal(sub('${EMPTY:-def}'), 'def');
  assert.equal(sub('${EMPTY-def}'), '');
  assert.equal(sub('${NOPE-def}'), 'def');
  assert.equal(sub('${A:-def}'), 'a');
  assert.equal(sub('${A:+alt}'), 'alt');
  assert.equal(sub('${EMPTY:+alt}'), '');
  assert.equal(sub('${EMPTY+alt}'), 'alt');
  assert.equal(sub('${NOPE+alt}'), '');
  assert.equal(sub('${NOPE:-$A/x}'), 'a/x');
  assert.equal(sub('${NOPE:-${A:-z}}'), 'a');
});

test('${VAR:?msg} and ${VAR?msg} fail at the step\'s position', () => {
  const pos = { file: 'Dockerfile', line: 7, col: 1 };
  assert.throws(() => substitute('${NOPE:?set NOPE}', vars, { pos }), (e: unknown) => e instanceof GlassboxError && e.format() === 'Dockerfile:7:1: failed to process "${NOPE:?set NOPE}": NOPE: set NOPE (check the ${…} syntax and the quotes)');
  assert.throws(() => sub('${EMPTY:?}'), /EMPTY: is not allowed to be empty/);
  assert.throws(() => sub('${NOPE?}'), /NOPE: is not allowed to be unset/);
  assert.equal(sub('${EMPTY?}'), '');
  assert.equal(sub('${A:?}'), 'a');
});

test('pattern removal and replacement: # ## % %% / //', () => {
  assert.equal(sub('${FILE#*/}'), 'sub/file.tar.gz');
  assert.equal(sub('${FILE##*/}'), 'file.tar.gz');
  assert.equal(sub('${FILE%.*}'), 'dir/sub/file.tar');
  assert.equal(sub('${FILE%%.*}'), 'dir/sub/file');
  assert.equal(sub('${FILE/sub/SUB}'), 'dir/SUB/file.tar.gz');
  assert.equal(sub('${FILE//./_}'), 'dir/sub/file_tar_gz');
  assert.equal(sub('${FILE/?ir/$}'), '$/sub/file.tar.gz');
  assert.equal(sub('${FILE#nomatch}'), 'dir/sub/file.tar.gz');
});

test('syntax errors', () => {
  assert.throws(() => sub('${A'), /missing '}'/);
  assert.throws(() => sub('${}'), /bad substitution/);
  assert.throws(() => sub('${:-x}'), /bad substitution/);
  assert.throws(() => sub('${A:x}'), /unsupported modifier \(:x\)/);
  assert.throws(() => sub('${A^^}'), /unsupported modifier \(\^\)/);
  assert.throws(() => sub('"abc'), /matching double-quote/);
  assert.throws(() => sub("'abc"), /matching single-quote/);
});

test('quotes and escapes: removed like a shell would; single quotes stop expansion; \\$ is a dollar', () => {
  assert.equal(sub('"two words"'), 'two words');
  assert.equal(sub("'$A'"), '$A');
  assert.equal(sub('"$A b"'), 'a b');
  assert.equal(sub('\\$A'), '$A');
  assert.equal(sub('"\\$A"'), '$A');
  assert.equal(sub('"a\\"b"'), 'a"b');
  assert.equal(sub('"a\\nb"'), 'a\\nb');
  assert.equal(sub('a\\ b'), 'a b');
  assert.equal(sub('${NOPE:-"x y"}'), 'x y');
  assert.equal(substitute('"hello `"world`""', {}, { escape: '`' }), 'hello "world"');
  assert.equal(substitute('C:\\app\\$A', vars, { escape: '`' }), 'C:\\app\\a');
  assert.equal(substitute('`$A', vars, { escape: '`' }), '$A');
});

test('splitWords: words split at unquoted spaces after substitution', () => {
  assert.deepEqual(splitWords('$SP "q r" s\\ t', vars), ['x', 'y', 'q r', 's t']);
  assert.deepEqual(splitWords('  80/tcp   $A  ', vars), ['80/tcp', 'a']);
});

test('quoteLiteral: substitute gives the literal back, variables still expand', () => {
  for (const v of ['plain', 'a "b" c', "it's", 'back\\slash', '', '  spaced  ']) assert.equal(substitute(quoteLiteral(v), {}), v, v);
  assert.equal(substitute(quoteLiteral('"$A"'), vars), '"a"');
  assert.equal(substitute(quoteLiteral('a`b', '`'), {}, { escape: '`' }), 'a`b');
});

test('the instructions that substitute: never RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK', () => {
  assert.deepEqual([...SUBSTITUTED_KINDS].sort(), ['add', 'arg', 'copy', 'env', 'expose', 'label', 'stopsignal', 'user', 'volume', 'workdir']);
});
