// Global options (--lang, --verbose, --no-color) are accepted before the verb and after it, before the image or
// recipe, like docker's. After a recipe, one of them would silently become the container's command: that is
// refused, with the order that works. The CLI runs from source on a recipe whose root is / (plan only: nothing is
// changed on the system).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'glassbox-options-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const recipe = join(dir, 'r.yaml');
writeFileSync(recipe, 'name: opt\nrootdir: /\ncommand: [/bin/true]\n');
const entry = join(dir, 'entry.mts');
writeFileSync(entry, `import { main } from ${JSON.stringify(join(REPO, 'lib/cli/main.ts'))};\nawait main(process.argv);\n`);

// Runs glassbox from source; GLASSBOX_LANG=en so that only the options choose the language.
function gb(...args: string[]) {
  const env = { ...process.env, GLASSBOX_ROOT: join(dir, 'root'), GLASSBOX_RUN: join(dir, 'run'), GLASSBOX_LANG: 'en', NO_COLOR: '1' };
  return spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], { encoding: 'utf8', env, cwd: REPO });
}

const zh = /共 \d+ 步/;

test('options: --lang before the verb and after it (before the recipe) both choose the language', () => {
  for (const args of [['--lang', 'zh', 'plan', '--brief', recipe], ['plan', '--lang', 'zh', '--brief', recipe], ['plan', '--brief', '--lang=zh', recipe]]) {
    const r = gb(...args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, zh, args.join(' '));
  }
  const en = gb('plan', '--brief', recipe);
  assert.doesNotMatch(en.stdout, zh);
  // The option after the verb wins over the one before it.
  assert.doesNotMatch(gb('--lang', 'zh', 'plan', '--lang', 'en', '--brief', recipe).stdout, zh);
});

test('options: --verbose and --no-color after the verb are accepted', () => {
  const r = gb('plan', '--verbose', '--no-color', '--brief', recipe);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ID=/m);
});

test('options: after a recipe a global option is refused (exit 125), never made the container\'s command', () => {
  const r = gb('plan', '--brief', recipe, '--lang', 'zh');
  assert.equal(r.status, 125);
  assert.match(r.stderr, /--lang after .* would become the container's command/);
  assert.match(r.stderr, /glassbox plan --lang zh /);
  assert.equal(r.stdout, '');
  // After an image, everything is the command, as in docker: `run IMAGE ls --verbose` passes --verbose on.
  const img = gb('plan', '--brief', '/', 'ls', '--verbose');
  assert.equal(img.status, 0, img.stderr);
  assert.match(img.stdout, /^# ls --verbose$/m);
});
