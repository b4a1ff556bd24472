// Lessons 8 and 9 and the timeline without root: the lesson files load and plan (every part's block exists, every
// variable is known), their steps that send output to a file render as `… > FILE` and that line runs in sh; the
// timeline file is valid, names every lesson that exists, reads in both languages, and a bad entry is refused
// with its place.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { findLesson, listLessons, loadLesson } from '../../lib/learn/lesson.ts';
import { resolveTarget } from '../../lib/learn/target.ts';
import { formatTimeline, loadTimeline, timelineFile } from '../../lib/learn/timeline.ts';
import { renderStepCommand } from '../../lib/render/script.ts';
import { performStep } from '../../lib/exec/step.ts';
import type { Step } from '../../lib/plan/types.ts';

const CJK = /[\u4e00-\u9fff]/;

test('lessons 8 and 9: load, say they need glassbox/base, and plan with their registry port and glassbox launcher', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'glassbox-lessons-images-'));
  try {
    const r = { root: join(tmp, 'root'), run: join(tmp, 'run') };
    for (const [n, name] of [[8, 'images'], [9, 'layers']] as const) {
      const file = findLesson(String(n));
      assert.ok(file, `lesson ${n} is found by number`);
      assert.equal(findLesson(name), file, `lesson ${n} is found by name`);
      const l = loadLesson(file);
      assert.equal(l.base_image, true);
      for (const t of [l.title, l.story, l.closing]) assert.match(t.zh, CJK);
      const target = await resolveTarget(file, r, { buildBase: false });
      const lines = target.plan.steps.map((s) => renderStepCommand(s));
      assert.ok(lines.some((x) => /\/bin\/glassbox (build|save)/.test(x)), 'glassbox itself runs as a step');
      assert.ok(lines.some((x) => / > \S+$/.test(x)), 'a step sends its output to a file');
      assert.ok(target.checks.size > 0, 'the lesson has checks');
      for (const s of target.plan.steps) assert.doesNotMatch(JSON.stringify(s), /\{\{/, `${s.id}: every variable substituted`);
    }
    const l8 = await resolveTarget(findLesson('8')!, r, { buildBase: false });
    const start = l8.plan.steps.find((s) => s.id.endsWith('registry.start'))!;
    assert.ok(start.undo?.includes('--stop'), 'the registry has its undo');
    const conf = l8.plan.steps.find((s) => s.id.endsWith('registry.config'))!;
    assert.match(conf.write!.value, /addr: 127\.0\.0\.1:\d+$/m, 'the registry listens on the loopback only');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('stdout: a step with stdout renders as `… > FILE`, and glassbox writes the file byte for byte like that line in sh', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'glassbox-stdout-'));
  try {
    const src = join(tmp, 'src.bin');
    writeFileSync(src, Buffer.from([0, 1, 2, 255, 10, 0xc3]));
    const step = (out: string): Step => ({ id: 'a.b', block: 'a', kind: 'run', phase: 'setup', title: { en: 't', zh: '题' }, why: { en: 'w', zh: '因' }, touches: [], argv: ['cat', src], stdout: out, observe: [], needs: [] });
    const line = renderStepCommand(step(join(tmp, 'by sh')));
    assert.equal(line, `cat ${src} > '${join(tmp, 'by sh')}'`);
    assert.equal(spawnSync('sh', ['-c', line]).status, 0);
    const r = await performStep(step(join(tmp, 'by glassbox')));
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout, '', 'what went to the file is not output');
    assert.deepEqual(readFileSync(join(tmp, 'by glassbox')), readFileSync(join(tmp, 'by sh')));
    assert.deepEqual(readFileSync(join(tmp, 'by glassbox')), readFileSync(src));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('timeline: valid, from 1979 to Kubernetes, every written lesson in it, both languages', () => {
  const entries = loadTimeline();
  assert.equal(entries[0]!.year, '1979');
  assert.match(entries.at(-1)!.what.en, /Kubernetes/);
  const lessons = listLessons();
  const named = new Set(entries.map((e) => e.lesson));
  for (const l of lessons) assert.ok(named.has(l.lesson), `lesson ${l.lesson} is in the timeline`);
  for (const n of [10, 11]) assert.ok(named.has(n), `lesson ${n} (the OCI runtime, many containers) is in the timeline`);
  for (const want of [/chroot/, /Docker/, /runC/, /OCI/, /containerd/, /Kubernetes/]) assert.ok(entries.some((e) => want.test(e.what.en)), `${want}`);
  for (const e of entries) assert.match(e.what.zh, CJK, `${e.year}: Chinese`);
  const en = formatTimeline(entries, lessons, 'en');
  assert.equal(en.length, entries.length);
  assert.match(en[0]!, /^1979 +Unix .*→ lesson 1 chroot$/);
  const zh = formatTimeline(entries, lessons, 'zh');
  assert.match(zh[0]!, /→ 第 1 课 chroot$/);
  // A lesson the timeline names but whose file is not there is said to be coming, not hidden.
  const without = formatTimeline(entries, lessons.filter((l) => l.lesson !== 1), 'en');
  assert.match(without[0]!, /→ lesson 1 \(not written yet\)$/);
  // No seed is named by its file number.
  assert.doesNotMatch(readFileSync(timelineFile(), 'utf8'), /\b00\d_|seed 00\d/i);
});

test('timeline: a bad entry is refused with file:line:col', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'glassbox-timeline-'));
  try {
    const file = join(tmp, 'timeline.yaml');
    writeFileSync(file, '- year: "1979"\n  lesson: 1\n  what: {en: chroot, zh: 根}\n- year: nineteen\n  lesson: 2\n  what: {en: x, zh: 一}\n  extra: 1\n');
    assert.throws(() => loadTimeline(file), (e: Error) => /timeline\.yaml:4:\d+/.test(String(e.message) + JSON.stringify(e)));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
