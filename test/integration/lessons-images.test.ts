// Lessons 8 (images and registries) and 9 (building a layer) for real, as root: each runs to its end with --yes
// and leaves nothing behind (no registry process, no mount, no image or layer in the store beyond glassbox/base),
// its --record transcript runs again with sh and reaches the same results, --lang zh speaks Chinese, and
// `glassbox lessons --timeline` lists the history with the lessons.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, Sandbox, type Result } from './helpers.ts';

const sb = new Sandbox('lessons-images');
const T = { timeout: 300_000 };

before(async () => {
  await sb.setup();
}, { timeout: 240_000 });

after(async () => {
  await sb.cleanup();
}, { timeout: 120_000 });

const ok = (r: Result, what: string) => assert.equal(r.code, 0, `${what} exited ${r.code}\n--- stdout\n${r.stdout.slice(-6000)}\n--- stderr\n${r.stderr.slice(-4000)}`);

// The store's images, layers and cached blobs: what a lesson must leave as it found them.
function store(): { images: string[]; layers: string[]; blobs: string[]; tags: string } {
  const ls = (d: string) => {
    try {
      return readdirSync(join(sb.root, d)).sort();
    } catch {
      return [];
    }
  };
  let tags = '';
  try {
    tags = readFileSync(join(sb.root, 'repositories.json'), 'utf8');
  } catch {}
  return { images: ls('images/sha256'), layers: ls('layers/sha256'), blobs: ls('blobs/sha256'), tags };
}

// docker-registry processes started from this sandbox's directory.
function registries(): string[] {
  const out: string[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes('docker-registry') && cmd.includes(sb.dir)) out.push(`${p} ${cmd}`);
    } catch {}
  }
  return out;
}

// Lesson 8's own checks, from its output (by glassbox learn, or by its transcript in sh).
function lesson8(out: string): void {
  assert.match(out, /^\s*(│ )?\{\}/m, 'the registry answered GET /v2/');
  assert.match(out, /"repositories":\["lesson8\/hello"\]/, "the registry's catalog lists the pushed repository");
  assert.match(out, /Docker-Content-Digest: sha256:[0-9a-f]{64}/, "the manifest's digest header");
  assert.equal((out.match(/blobs\/sha256:[0-9a-f]{64}: OK$/gm) ?? []).length, 3, 'three layer blobs checked with sha256sum');
  assert.equal((out.match(/layer[012]\.tar: OK$/gm) ?? []).length, 3, 'three diff IDs checked');
  assert.match(out, /notes\.txt/, 'the top layer deletes notes.txt');
  assert.equal((out.match(/hello from an image taken apart by hand \(glassbox lesson 8\)$/gm) ?? []).length >= 2, true, 'the run by hand and glassbox run both greet');
  assert.match(out, /greeting\.txt/);
}

test('lessons: 8 and 9 are listed; --timeline tells the history from 1979 to Kubernetes with the lessons', T, async () => {
  const r = await sb.gb(['lessons']);
  ok(r, 'lessons');
  assert.match(r.stdout, /^ 8  2013–2015 +images /m);
  assert.match(r.stdout, /^ 9  2013 +layers /m);
  const t = await sb.gb(['lessons', '--timeline']);
  ok(t, 'lessons --timeline');
  assert.match(t.stdout, /^1979 .*→ lesson 1 chroot$/m);
  assert.match(t.stdout, /Docker's layered images .*→ lesson 8 images$/m);
  assert.match(t.stdout, /Kubernetes/);
  const zh = await sb.gb(['lessons', '--timeline', '--lang', 'zh']);
  ok(zh, 'lessons --timeline --lang zh');
  assert.match(zh.stdout, /→ 第 9 课 layers$/m);
});

test('learn 8 --yes: a registry of its own, the image taken apart by hand, then glassbox pull; nothing left', T, async () => {
  const before = store();
  const r = await sb.gb(['learn', '8', '--yes'], { timeoutMs: 280_000 });
  ok(r, 'learn 8 --yes');
  lesson8(r.stdout);
  assert.match(r.stdout, /Lesson complete/);
  assert.match(r.stdout, /start-stop-daemon --stop .* ✓/, 'the cleanup stopped the registry');
  assert.deepEqual(registries(), []);
  assert.deepEqual(store().images, before.images, 'no image left in the store');
  assert.deepEqual(store().layers, before.layers, 'no layer left in the store');
  assert.deepEqual(store().blobs, before.blobs, 'no cached config blob left in the store');
  assert.deepEqual(sb.containerIds(), []);
  sb.assertNoLeaks();
});

test('learn 8 --record and --lang zh: the transcript runs with sh, fetches and checks the same, and cleans up', T, async () => {
  const file = join(sb.dir, 'lesson8.sh');
  const r = await sb.gb(['learn', '8', '--yes', '--lang', 'zh', '--record', file], { timeoutMs: 280_000 });
  ok(r, 'learn 8 --lang zh --record');
  assert.match(r.stdout, /第 8 课/);
  assert.match(r.stdout, /按摘要 GET 每一层的 blob/);
  assert.match(readFileSync(file, 'utf8'), /^# \[\d+\/\d+\] 按摘要 GET 每一层的 blob/m, 'the transcript explains in Chinese too');
  sb.assertNoLeaks();
  const sh = await run(['sh', file], { env: sb.env, timeoutMs: 280_000 });
  ok(sh, 'sh lesson8.sh');
  lesson8(sh.stdout + sh.stderr);
  assert.deepEqual(registries(), []);
  assert.deepEqual(sb.containerIds(), []);
  sb.assertNoLeaks();
});

test('learn 9 --yes: one RUN by hand, packed, hashed, loaded and run, then glassbox build; nothing left', T, async () => {
  const before = store();
  const r = await sb.gb(['learn', '9', '--yes'], { timeoutMs: 280_000 });
  ok(r, 'learn 9 --yes');
  const out = r.stdout;
  assert.match(out, /^\s*\+ \.\/etc\/group$/m, 'find lists the whiteout device (the diff of the list it wrote)');
  assert.match(out, /^\s*│ -rw-r--r-- 0\/0 +0 .* \.\/etc\/\.wh\.group$/m, 'the layer holds the OCI marker');
  assert.equal((out.match(/^\s*│ a layer built by hand \(glassbox lesson 9\)$/gm) ?? []).length, 2, 'the hand-made image and the built one print the same');
  assert.equal((out.match(/^\s*│ true$/gm) ?? []).length, 2, 'the checks: same base layer, diff ID as hashed by hand');
  assert.match(out, /Lesson complete/);
  assert.deepEqual(store(), before, 'the store is as it was');
  assert.deepEqual(sb.containerIds(), []);
  sb.assertNoLeaks();
});

test('learn 9 --record and --lang zh: the transcript runs with sh; the lesson speaks Chinese', T, async () => {
  const file = join(sb.dir, 'lesson9.sh');
  const r = await sb.gb(['learn', '9', '--yes', '--lang', 'zh', '--record', file], { timeoutMs: 280_000 });
  ok(r, 'learn 9 --lang zh --record');
  assert.match(r.stdout, /第 9 课/);
  assert.match(r.stdout, /手工做一个 RUN/);
  sb.assertNoLeaks();
  const sh = await run(['sh', file], { env: sb.env, timeoutMs: 280_000 });
  ok(sh, 'sh lesson9.sh');
  assert.equal((sh.stdout.match(/^a layer built by hand \(glassbox lesson 9\)$/gm) ?? []).length, 2);
  assert.match(sh.stdout, /^true$/m);
  assert.deepEqual(sb.containerIds(), []);
  sb.assertNoLeaks();
});

test('leaks: nothing of these lessons is left on the host', T, () => {
  assert.deepEqual(registries(), []);
  sb.assertNoLeaks();
});
