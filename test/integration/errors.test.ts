// Bad input to the commands that need root (`run`, `exec`): every semantic check names the flag, or the recipe's
// file:line:col, exits 125 without a stack trace, and leaves no container, run directory, mount or name behind.
// (The same checks through `glassbox plan` are unit tests: test/unit/cli-errors.test.ts.) Runs as root, in a
// temp dir, with the leak check at the end.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from './helpers.ts';

const sb = new Sandbox('errors');
const T = { timeout: 90_000 };

before(() => sb.setup(), { timeout: 180_000 });
after(() => sb.cleanup(), { timeout: 120_000 });

const names = () => {
  try {
    return readdirSync(join(sb.root, 'names')).sort();
  } catch {
    return [];
  }
};
const state = () => ({ containers: sb.containerIds(), runs: sb.runEntries(), mounts: sb.sandboxMounts(), names: names() });

// Runs glassbox, which must refuse with exit 125, the line `want`, no stack trace, and no change to the state.
async function refused(args: string[], want: RegExp): Promise<void> {
  const before = state();
  const r = await sb.gb(args);
  assert.equal(r.code, 125, `glassbox ${args.join(' ').slice(0, 200)} exited ${r.code}\n${r.stderr}`);
  assert.match(r.stderr, want);
  assert.doesNotMatch(r.stderr, /^\s+at |internal error/m, 'a stack trace or an internal error');
  assert.deepEqual(state(), before, 'the refused command changed the state');
}

test('run: image not found, unknown user and a missing volume source name the flag', T, async () => {
  await refused(['run', '--pull', 'never', 'nope/nothing', 'true'], /^glassbox: IMAGE: image not found: nope\/nothing \(/m);
  await refused(['run', 'Bad Ref', 'true'], /^glassbox: IMAGE: invalid image reference "Bad Ref"/m);
  await refused(['run', '-u', 'ghost', sb.rootdir, 'true'], /^glassbox: --user: unable to find user ghost: no matching entries in passwd file/m);
  await refused(['run', '-v', `${sb.dir}/missing:/x`, sb.rootdir, 'true'], /^glassbox: --volume: volume source .*missing does not exist/m);
  await refused(['run', '-w', `/${'w'.repeat(70_000)}`, sb.rootdir, 'true'], /^glassbox: --workdir: the path is 70001 bytes long/m);
  await refused(['run', '--tmpfs', `/${'t'.repeat(300)}`, sb.rootdir, 'true'], /^glassbox: --tmpfs: a path component is 300 bytes long/m);
});

test('run RECIPE: the same checks point at file:line:col', T, async () => {
  const file = join(sb.dir, 'bad.yaml');
  const at = (lc: string) => `^glassbox: ${file.replace(/[.]/g, '\\.')}:${lc}: `;
  writeFileSync(file, 'image: nope/nothing\ncommand: [true]\n');
  await refused(['run', '--pull', 'never', file], new RegExp(`${at('1:8')}image: image not found: nope/nothing`, 'm'));
  writeFileSync(file, `rootdir: ${sb.rootdir}\ncommand: [true]\nuser: ghost\n`);
  await refused(['run', file], new RegExp(`${at('3:7')}user: unable to find user ghost`, 'm'));
  writeFileSync(file, `rootdir: ${sb.rootdir}\ncommand: [true]\nvolumes: [${sb.dir}/missing:/x]\n`);
  await refused(['run', file], new RegExp(`${at('3:11')}volumes\\.0\\.source: volume source .*missing does not exist`, 'm'));
  writeFileSync(file, `rootdir: ${sb.rootdir}\nentrypoint: "sh\\0"\ncommand: [true]\n`);
  await refused(['run', file], new RegExp(`${at('2:13')}entrypoint: the value contains a NUL byte`, 'm'));
});

test('exec: an unknown user and an over-long working directory name the flag', T, async () => {
  const started = await sb.gb(['run', '-d', '--name', 'errs', sb.rootdir, 'sleep', '60']);
  assert.equal(started.code, 0, started.stderr);
  try {
    await refused(['exec', '-u', 'ghost', 'errs', 'true'], /^glassbox: --user: unable to find user ghost/m);
    await refused(['exec', '-w', `/${'w'.repeat(70_000)}`, 'errs', 'true'], /^glassbox: --workdir: the path is 70001 bytes long/m);
  } finally {
    const rm = await sb.gb(['rm', '-f', 'errs']);
    assert.equal(rm.code, 0, rm.stderr);
  }
});

test('no leaks: no mounts, links, netns, iptables rules, cgroups or processes left by this file', T, async () => {
  const gc = await sb.gb(['gc']);
  assert.equal(gc.code, 0, gc.stderr);
  assert.deepEqual(sb.runEntries(), []);
  assert.deepEqual(sb.containerIds(), []);
  sb.assertNoLeaks();
});
