// README's examples, run as written: every `bin/glassbox` command in README.md's sh code blocks, in order, in a
// sandbox (its own GLASSBOX_ROOT and GLASSBOX_RUN, a scratch working directory with bin/ and recipes/ linked from
// the repository). Each must exit 0 and print no error. The commands that need something this test cannot give —
// a terminal (learn, -it), a second terminal because they never end (logs -f, stats), a registry — are listed
// with the reason, printed, and each reason must match at least one command (no rule that skips nothing).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, run, Sandbox } from './helpers.ts';

const sb = new Sandbox('readme');
let cwd = '';

before(async () => {
  await sb.setup();
  cwd = join(sb.dir, 'work');
  mkdirSync(cwd);
  for (const d of ['bin', 'recipes', 'scripts']) symlinkSync(join(REPO, d), join(cwd, d));
}, { timeout: 240_000 });

after(async () => {
  await sb.gb(['rm', '-f', 'web'], { timeoutMs: 60_000 });
  await sb.gb(['network', 'rm', 'lab'], { timeoutMs: 60_000 });
  await sb.cleanup();
}, { timeout: 120_000 });

/** Commands this test cannot run, and why: a terminal, a second terminal, or a service it does not have. */
const NEEDS: Array<[RegExp, string]> = [
  [/bin\/glassbox learn /, 'learn mode asks at a terminal (tested in learn.test.ts through tmux)'],
  [/bin\/glassbox build --learn /, "learn mode through a build asks at a terminal (tested in build.test.ts through tmux)"],
  [/ -it /, 'a terminal of its own (tested in terminal.test.ts)'],
  [/ logs -f /, 'follows a container that never ends: a second terminal'],
  [/ pull 127\.0\.0\.1:5000\//, 'a registry on 127.0.0.1:5000 (tested in image-registry.test.ts)'],
  [/ push 127\.0\.0\.1:5000\//, 'a registry on 127.0.0.1:5000 to push to (tested in image-registry.test.ts)'],
  [/ login reg\.example/, 'a registry with a password'],
];

// The sh code blocks' lines that run bin/glassbox, comments stripped by sh itself.
function readmeCommands(): string[] {
  const text = readFileSync(join(REPO, 'README.md'), 'utf8');
  const blocks = [...text.matchAll(/^```sh\n([^]*?)^```$/gm)].map((m) => m[1]!);
  return blocks.flatMap((b) => b.split('\n')).filter((l) => /(^|[|;]\s*)bin\/glassbox /.test(l));
}

test('README: every bin/glassbox command in its code blocks runs as written (exit 0, no error)', { timeout: 1_200_000 }, async () => {
  const lines = readmeCommands();
  assert.ok(lines.length >= 30, `only ${lines.length} commands found`);
  const skipped = new Map<string, string[]>();
  let ran = 0;
  for (const line of lines) {
    const need = NEEDS.find(([re]) => re.test(line));
    if (need) {
      skipped.set(need[1], [...(skipped.get(need[1]) ?? []), line]);
      continue;
    }
    const r = await run(['sh', '-c', line], { cwd, env: { ...sb.env, PATH: process.env.PATH ?? '' }, timeoutMs: 300_000 });
    assert.equal(r.code, 0, `${line}\nexited ${r.code}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`);
    assert.doesNotMatch(r.stderr, /\berror\b|internal error|✗/i, `${line}\n--- stderr\n${r.stderr}`);
    ran++;
  }
  for (const [, reason] of NEEDS) assert.ok(skipped.has(reason), `the rule "${reason}" matches no README command: remove it`);
  process.stdout.write(`# README: ${ran} commands ran; not run here:\n${[...skipped].map(([why, ls]) => ls.map((l) => `#   ${l.trim()}\n#     (${why})`).join('\n')).join('\n')}\n`);
  assert.ok(ran >= 25, `${ran} commands ran`);
  await sb.gb(['rm', '-f', 'web'], { timeoutMs: 60_000 });
  await sb.gb(['network', 'rm', 'lab'], { timeoutMs: 60_000 });
  await sb.gb(['rmi', '-f', 'myapp:1', 'myapp:2'], { timeoutMs: 60_000 });
  await sb.gb(['gc'], { timeoutMs: 60_000 });
  sb.assertNoLeaks();
});
