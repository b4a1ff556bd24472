// Quoting is checked against a real shell: whatever shJoin renders, /bin/sh must split back into exactly the
// argv we started from. (Test files may spawn /bin/sh for this; lib/ never does.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { renderArg, shJoin, shQuote, splitRefs } from '../../lib/render/quote.ts';
import { runtimeRef } from '../../lib/plan/types.ts';

const NASTY = [
  '',
  ' ',
  'plain',
  'two words',
  '  leading and trailing  ',
  "it's",
  "'",
  "''",
  '"',
  `"double" and 'single'`,
  '\\',
  'back\\slash\\n',
  '$HOME',
  '${HOME}',
  '$(echo pwned)',
  '`echo pwned`',
  '$((1+1))',
  'line1\nline2',
  '\n',
  'tab\there',
  'cr\rhere',
  '*',
  '/etc/*',
  '?',
  '[a-z]',
  '~',
  '~root',
  'a~b',
  ';',
  'a;b',
  '|',
  'a|b',
  '&',
  '&&',
  '>out',
  '<in',
  '(sub)',
  '{a,b}',
  '#not a comment',
  '!',
  '-n',
  '--help',
  '-e',
  'FOO=bar',
  'a=b=c',
  '%s\\n',
  '中文 容器',
  'emoji 🐳',
  'é ü ß',
  'mix\'"$`\\\n\t end',
  '@%+=:,./-_',
];

// Scripts run under /bin/sh; people also paste lines into bash, so check it too where it exists.
const SHELLS = ['/bin/sh', ...(existsSync('/bin/bash') ? ['/bin/bash'] : [])];

// Runs a command line through a shell and returns what it printed.
function sh(line: string, env: Record<string, string> = {}, shell = '/bin/sh'): string {
  const r = spawnSync(shell, ['-c', line], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  assert.equal(r.status, 0, `${shell} failed on ${JSON.stringify(line)}: ${r.stderr}`);
  return r.stdout;
}

// printf '%s\0' prints each argument followed by NUL: the output splits back into the argv exactly.
function argvThroughShell(line: string, env?: Record<string, string>, shell?: string): string[] {
  const out = sh(line, env, shell);
  assert.ok(out.endsWith('\0') || out === '', `unexpected output ${JSON.stringify(out)}`);
  return out === '' ? [] : out.slice(0, -1).split('\0');
}

test('shJoin round-trips nasty strings through /bin/sh (and bash)', () => {
  assert.ok(NASTY.length >= 40);
  const line = shJoin(['printf', '%s\\0', ...NASTY]);
  for (const shell of SHELLS) assert.deepEqual(argvThroughShell(line, {}, shell), NASTY, shell);
});

test('each nasty string survives alone too', () => {
  for (const s of NASTY) {
    assert.deepEqual(argvThroughShell(`printf '%s\\0' ${shQuote(s)}`), [s], JSON.stringify(s));
  }
});

test('shQuote leaves only safe words bare', () => {
  assert.equal(shQuote('abc-DEF_1.2/x:y,z@w%v+u=t'), 'abc-DEF_1.2/x:y,z@w%v+u=t');
  assert.equal(shQuote(''), "''");
  assert.equal(shQuote('a b'), "'a b'");
  assert.equal(shQuote("it's"), `'it'\\''s'`);
  assert.equal(shQuote('~'), "'~'");
  assert.equal(shQuote('中文'), "'中文'");
  assert.throws(() => shQuote('a\0b'), /NUL/);
});

test('shJoin quotes a first word that the shell would read as an assignment or a keyword', () => {
  assert.equal(shJoin(['FOO=bar', 'x=y']), "'FOO=bar' x=y");
  assert.equal(shJoin(['if', 'if']), "'if' if");
  assert.equal(shJoin(['ip', 'link']), 'ip link');
  assert.deepEqual(argvThroughShell(shJoin(['printf', '%s\\0', 'FOO=bar'])), ['FOO=bar']);
});

test('renderArg turns runtime references into double-quoted variables', () => {
  const pid1 = runtimeRef('pid1');
  assert.equal(renderArg(pid1), '"$gb_pid1"');
  assert.equal(renderArg(`/proc/${pid1}/root`), '/proc/"$gb_pid1"/root');
  assert.equal(renderArg(`it's ${pid1}`), `'it'\\''s '"$gb_pid1"`);
  assert.equal(renderArg(`${pid1}${runtimeRef('pid')}`), '"$gb_pid1""$gb_pid"');
  assert.equal(renderArg(pid1, (n) => `X_${n}`), '"$X_pid1"');
  assert.deepEqual(splitRefs(`a${pid1}b`), [{ text: 'a' }, { ref: 'pid1' }, { text: 'b' }]);
  assert.deepEqual(splitRefs(''), [{ text: '' }]);
  assert.throws(() => renderArg('\u0000{pid1'), /malformed/);
  assert.throws(() => renderArg('\u0000{a b}\u0000'), /malformed/);
});

test('rendered runtime references expand to the right argv in /bin/sh', () => {
  const pid1 = runtimeRef('pid1');
  const pid = runtimeRef('pid');
  const argv = [
    pid1,
    `/proc/${pid1}/root`,
    `--target=${pid1}`,
    `it's $(${pid1}) * ~`,
    `${pid}:${pid1}`,
    `a b${pid1}`,
  ];
  const line = shJoin(['printf', '%s\\0', ...argv]);
  const got = argvThroughShell(line, { gb_pid1: '4242', gb_pid: '77' });
  assert.deepEqual(got, ['4242', '/proc/4242/root', '--target=4242', "it's $(4242) * ~", '77:4242', 'a b4242']);
  // A value with spaces or globs stays one argument: the variable is double-quoted.
  assert.deepEqual(argvThroughShell(line, { gb_pid1: 'x  *', gb_pid: '' })[0], 'x  *');
});
