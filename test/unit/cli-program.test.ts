// The program is built for the verb a command line runs (lib/cli/main.ts: verbOf, buildProgram's `only`): that
// command alone must be the same command, with the same options and arguments, as in the whole program, and a
// command line whose verb is unknown, misspelt or missing gets every command (help, "did you mean").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { buildProgram, VERBS, verbOf } from '../../lib/cli/main.ts';

// A command as help shows it, its subcommands included.
function shape(c: Command): unknown {
  return {
    name: c.name(),
    description: c.description(),
    options: c.options.map((o) => [o.flags, o.description, o.defaultValue]),
    args: c.registeredArguments.map((a) => [a.name(), a.required, a.variadic]),
    commands: c.commands.map(shape),
  };
}

const names = (p: Command) => p.commands.map((c) => c.name());

test('VERBS lists every command of the whole program', () => {
  assert.deepEqual([...names(buildProgram(() => {}))].sort(), [...VERBS].sort());
});

test('the program built for one verb has that command alone, the same as in the whole program', () => {
  const whole = buildProgram(() => {});
  for (const verb of VERBS) {
    const one = buildProgram(() => {}, verb);
    assert.deepEqual(names(one), [verb]);
    assert.deepEqual(shape(one.commands[0]!), shape(whole.commands.find((c) => c.name() === verb)!), verb);
    assert.deepEqual(one.options.map((o) => o.flags), whole.options.map((o) => o.flags));
  }
});

test('verbOf: the first word after the program\'s options, when it is a known verb', () => {
  assert.equal(verbOf(['run', 'img', 'true']), 'run');
  assert.equal(verbOf(['--verbose', '--no-color', '--lang', 'zh', '--rootless', 'plan', 'x']), 'plan');
  assert.equal(verbOf(['--lang=zh', 'image', 'ls']), 'image');
  assert.equal(verbOf(['--lang', 'run', 'ps']), 'ps', '--lang takes the next word as its value');
  assert.equal(verbOf(['--version']), '', '--version alone needs no command');
  for (const args of [[], ['--help'], ['help', 'run'], ['runn'], ['--version', 'run'], ['--bogus', 'run'], ['--lang']]) {
    assert.equal(verbOf(args), undefined, args.join(' '));
  }
  assert.deepEqual(names(buildProgram(() => {}, '')), []);
});
