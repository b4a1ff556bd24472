// Lessons 10 (the OCI runtime) and 11 (many containers), without root: they are listed and found by number and
// name, their files load, and their plans — made here with a stand-in image store — hold the commands the lessons
// are about, each object with its undo, and every word of them explained by the glossary.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findLesson, listLessons, loadLesson } from '../../lib/learn/lesson.ts';
import { resolveTarget } from '../../lib/learn/target.ts';
import { explainArgv } from '../../lib/learn/explain.ts';
import type { Step } from '../../lib/plan/types.ts';

const CJK = /[\u4e00-\u9fff]/;

// A store holding a record of glassbox/base with one layer, as the image store writes it (lib/image/store.ts).
function fakeStore(root: string): string {
  const layer = 'sha256:' + 'ab'.repeat(32);
  const id = 'sha256:' + 'cd'.repeat(32);
  const layerDir = join(root, 'layers', 'sha256', 'ab'.repeat(32));
  mkdirSync(layerDir, { recursive: true });
  mkdirSync(join(root, 'images', 'sha256'), { recursive: true });
  writeFileSync(join(root, 'images', 'sha256', `${'cd'.repeat(32)}.json`), JSON.stringify({ id, layers: [layer], config: {}, created: new Date(0).toISOString() }));
  writeFileSync(join(root, 'repositories.json'), JSON.stringify({ 'glassbox/base:latest': id }));
  return layerDir;
}

const argvs = (steps: Step[]) => steps.map((s) => s.argv ?? []).filter((a) => a.length);

test('lessons 10 and 11: listed after 7 with their years and titles in both languages; found by number and name', () => {
  const list = listLessons();
  const ten = list.find((l) => l.lesson === 10);
  const eleven = list.find((l) => l.lesson === 11);
  assert.ok(ten?.file && eleven?.file, 'both are written');
  assert.equal(ten.year, '2015');
  assert.match(ten.title.en, /OCI runtime/);
  assert.match(ten.title.zh, CJK);
  assert.match(eleven.title.en, /many containers/);
  assert.match(eleven.title.zh, CJK);
  assert.match(findLesson('10') ?? '', /10-oci-runtime\.yaml$/);
  assert.match(findLesson('oci-runtime') ?? '', /10-oci-runtime\.yaml$/);
  assert.match(findLesson('lesson-11') ?? '', /11-many\.yaml$/);
  assert.match(findLesson('many') ?? '', /11-many\.yaml$/);
  // The compose file beside lesson 11 is no lesson of its own.
  assert.ok(!list.some((l) => l.file?.endsWith('.compose.yaml')));
});

test('lesson 10: runc spec, create, state, start, kill, delete as separate commands, all under the lesson\'s --root', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'glassbox-lesson10-'));
  try {
    const r = { root: join(tmp, 'root'), run: join(tmp, 'run') };
    const layerDir = fakeStore(r.root);
    const t = await resolveTarget(findLesson('10')!, r, { buildBase: false });
    const steps = t.plan.steps;
    const lines = argvs(steps);
    const runc = lines.filter((a) => a[0] === 'runc');
    const verbs = runc.map((a) => (a[1] === '--root' ? a[3] : a[1]));
    // runc's own example, then the same life for the bundle glassbox bundle writes (one exec: the walls inside).
    assert.deepEqual(verbs, ['spec', 'create', 'state', 'ps', 'start', 'state', 'exec', 'exec', 'exec', 'kill', 'state', 'delete', 'create', 'state', 'ps', 'start', 'state', 'exec', 'kill', 'state', 'delete']);
    for (const a of runc.filter((x) => x[1] === '--root')) assert.match(a[2]!, new RegExp(`^${r.root}/containers/[0-9a-f]{64}/runc$`), 'runc keeps its state in the lesson\'s directory');
    const mount = steps.find((s) => s.argv?.[0] === 'mount')!;
    assert.ok(mount.argv!.some((w) => w.startsWith(`lowerdir=${layerDir},`)), 'the rootfs is the base image\'s layers');
    assert.deepEqual(mount.undo?.[0], 'umount');
    const create = steps.find((s) => s.argv?.[3] === 'create')!;
    assert.deepEqual(create.undo?.slice(3), ['delete', '--force', create.argv!.at(-1)]);
    // The stop cannot be skipped; the runc exec steps are the checks.
    assert.ok(steps.filter((s) => s.argv?.[3] === 'delete').every((s) => t.required.has(s.id)));
    assert.equal(steps.filter((s) => t.checks.has(s.id)).length, 4);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('lesson 11: compose up service by service, names checked from inside, down; every up has its undo', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'glassbox-lesson11-'));
  try {
    const r = { root: join(tmp, 'root'), run: join(tmp, 'run') };
    const t = await resolveTarget(findLesson('11')!, r, { buildBase: false });
    const compose = t.plan.steps.filter((s) => s.argv?.[1] === 'compose');
    assert.ok(compose.every((s) => /\/bin\/glassbox$/.test(s.argv![0]!)), 'this glassbox\'s own launcher');
    const verbs = compose.map((s) => s.argv!.slice(6).join(' '));
    assert.deepEqual(verbs, ['config', 'up -d api', 'ps', 'up -d web', 'ps', 'exec web cat /etc/hosts', 'exec web cat /tmp/from-api', 'exec web wget -q -O - http://api/', 'down', 'ps -a']);
    const up = compose.filter((s) => s.argv![6] === 'up');
    assert.deepEqual(up.map((s) => s.undo?.slice(6).join(' ')), ['down', 'rm --stop --force web']);
    const project = compose[0]!.argv![5]!;
    assert.match(project, /^lesson11-[0-9a-f]{6}$/);
    assert.ok(compose.every((s) => s.argv![5] === project), 'one project name throughout');
    const down = compose.find((s) => s.argv![6] === 'down')!;
    assert.ok(t.required.has(down.id), 'down cannot be skipped');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('lessons 10 and 11: every word of every step is in the glossary, in both languages', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'glassbox-lesson-gloss-'));
  try {
    const r = { root: join(tmp, 'root'), run: join(tmp, 'run') };
    fakeStore(r.root);
    const problems: string[] = [];
    for (const n of ['10', '11']) {
      const t = await resolveTarget(findLesson(n)!, r, { buildBase: false });
      for (const s of t.plan.steps) {
        for (const argv of [s.argv, s.undo, ...s.observe].filter((a): a is string[] => !!a?.length)) {
          for (const lang of ['en', 'zh'] as const) {
            for (const row of explainArgv(argv, lang)) {
              if (row.unknown) problems.push(`lesson ${n} ${s.id}: ${row.kind} ${row.word}`);
              else if (lang === 'zh' && row.kind === 'command' && !CJK.test(row.text)) problems.push(`lesson ${n} ${s.id}: ${row.word} has no Chinese`);
            }
          }
        }
      }
    }
    assert.deepEqual([...new Set(problems)], []);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('lessons 10 and 11: the files load with story and closing in both languages', () => {
  for (const n of ['10', '11']) {
    const l = loadLesson(findLesson(n)!);
    for (const t of [l.title, l.story, l.closing]) {
      assert.ok(t.en.length > 20);
      assert.match(t.zh, CJK);
    }
  }
});
