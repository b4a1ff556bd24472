// In-process steps (write, mkdir, remove: lib/render/inprocess.ts) have one shell line, and glassbox does exactly
// what that line does. Checked for real: each step is performed by the executor's performStep in one temporary
// folder and its shell line is run by /bin/sh in another, and the two folders must end up the same. (Test files
// may spawn /bin/sh; lib/ never does.) Also: every renderer uses this one line, and --verbose gets its argv form.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCommand } from '../../lib/exec/spawn.ts';
import { performStep } from '../../lib/exec/step.ts';
import { runtimeRef, type Step } from '../../lib/plan/types.ts';
import { inProcessArgv, inProcessLine, isInProcess } from '../../lib/render/inprocess.ts';
import { renderStepCommand } from '../../lib/render/script.ts';

// A step with the fields these tests leave alone filled in.
function step(s: Partial<Step> & Pick<Step, 'id' | 'kind'>): Step {
  const text = { en: s.id, zh: s.id };
  return { block: 'test', phase: 'setup', title: text, why: text, touches: [], observe: [], needs: [], ...s };
}

// The folder's files and directories with their contents, to compare two folders.
function snapshot(dir: string, at = ''): string[] {
  return readdirSync(join(dir, at)).sort().flatMap((n) => {
    const p = join(at, n);
    return statSync(join(dir, p)).isDirectory() ? [`${p}/`, ...snapshot(dir, p)] : [`${p}: ${JSON.stringify(readFileSync(join(dir, p), 'utf8'))}`];
  });
}

test('the shell lines of write, mkdir and remove steps', () => {
  assert.equal(inProcessLine(step({ id: 'w', kind: 'write', write: { path: '/sys/fs/cgroup/pids/x/pids.max', value: '64' } })), "printf '%s\\n' 64 > /sys/fs/cgroup/pids/x/pids.max");
  assert.equal(inProcessLine(step({ id: 'e', kind: 'write', write: { path: '/run/x/barrier', value: '' } })), ': > /run/x/barrier');
  assert.equal(inProcessLine(step({ id: 'q', kind: 'write', write: { path: "/tmp/it's here", value: 'a b\n$c' } })), "printf '%s\\n' 'a b\n$c' > '/tmp/it'\\''s here'");
  assert.equal(inProcessLine(step({ id: 'm', kind: 'mkdir', paths: ['/a/b', '/c d'] })), "mkdir -p /a/b '/c d'");
  assert.equal(inProcessLine(step({ id: 'r', kind: 'remove', paths: ['/a/f'] })), 'rm -f /a/f');
  // A runtime value becomes its shell variable; a long value its short name.
  assert.equal(inProcessLine(step({ id: 'p', kind: 'write', write: { path: `/proc/${runtimeRef('pid1')}/oom_score_adj`, value: '0' } })), `printf '%s\\n' 0 > /proc/"$gb_pid1"/oom_score_adj`);
  assert.equal(inProcessLine(step({ id: 'n', kind: 'mkdir', paths: ['/run/glassbox/c0ffee/ns'] }), [{ name: 'RUN', value: '/run/glassbox/c0ffee' }]), 'mkdir -p "$RUN"/ns');
  assert.throws(() => inProcessLine(step({ id: 'x', kind: 'run', argv: ['true'] })), /not done in-process/);
  assert.throws(() => inProcessLine(step({ id: 'y', kind: 'write' })), /needs write.path/);
});

test('scripts, plans and learn mode show an in-process step as its one line; other steps are not in-process', () => {
  const steps = [
    step({ id: 'w', kind: 'write', write: { path: '/run/glassbox/c0ffee/x', value: 'v' } }),
    step({ id: 'e', kind: 'write', write: { path: '/x', value: '' } }),
    step({ id: 'm', kind: 'mkdir', paths: ['/run/glassbox/c0ffee/a'] }),
    step({ id: 'r', kind: 'remove', paths: ['/run/glassbox/c0ffee/b'] }),
  ];
  const names = [{ name: 'RUN', value: '/run/glassbox/c0ffee' }];
  for (const s of steps) {
    assert.ok(isInProcess(s));
    assert.equal(renderStepCommand(s), inProcessLine(s));
    assert.equal(renderStepCommand(s, names), inProcessLine(s, names));
  }
  for (const kind of ['run', 'start'] as const) assert.ok(!isInProcess(step({ id: kind, kind, argv: ['true'] })));
});

test('performStep does what the shell line does, and reports the step as its argv form', async () => {
  const ours = mkdtempSync(join(tmpdir(), 'gb-inproc-'));
  const sh = mkdtempSync(join(tmpdir(), 'gb-inproc-sh-'));
  const reported: string[][] = [];
  const stop = onCommand((c) => reported.push(c.argv));
  try {
    const plan = (d: string): Step[] => [
      step({ id: 'dirs', kind: 'mkdir', paths: [join(d, 'a/b/c'), join(d, "it's")] }),
      step({ id: 'value', kind: 'write', write: { path: join(d, 'a/b/c/limit'), value: "50 100000 'q' $HOME\nsecond line" } }),
      step({ id: 'empty', kind: 'write', write: { path: join(d, "it's/barrier"), value: '' } }),
      step({ id: 'pid', kind: 'write', write: { path: join(d, 'a/pid'), value: `pid ${runtimeRef('pid1')}` } }),
      step({ id: 'gone', kind: 'remove', paths: [join(d, 'a/b/c/limit'), join(d, 'never-there')] }),
      step({ id: 'again', kind: 'write', write: { path: join(d, 'a/b/c/limit'), value: 'max' } }),
    ];
    for (const s of plan(ours)) {
      const r = await performStep(s, { pid1: '4242' });
      assert.equal(r.exitCode, 0, `${s.id}: ${r.stderr}`);
      assert.deepEqual(r.argv, inProcessArgv(s));
    }
    assert.deepEqual(reported, plan(ours).map((s) => inProcessArgv(s)));
    const script = plan(sh).map((s) => inProcessLine(s)).join('\n');
    const r = spawnSync('/bin/sh', ['-ec', `gb_pid1=4242\n${script}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(snapshot(ours), snapshot(sh));
    assert.equal(readFileSync(join(ours, 'a/pid'), 'utf8'), 'pid 4242\n');
    assert.ok(existsSync(join(ours, "it's/barrier")) && readFileSync(join(ours, "it's/barrier"), 'utf8') === '');
  } finally {
    stop();
    rmSync(ours, { recursive: true, force: true });
    rmSync(sh, { recursive: true, force: true });
  }
});

test('a failed in-process step is a result, not an exception, and its line fails in sh too', async () => {
  const d = mkdtempSync(join(tmpdir(), 'gb-inproc-'));
  try {
    writeFileSync(join(d, 'file'), 'x');
    const s = step({ id: 'bad', kind: 'mkdir', paths: [join(d, 'file/sub')] });
    const r = await performStep(s);
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /EEXIST|ENOTDIR|not a directory/i);
    assert.notEqual(spawnSync('/bin/sh', ['-c', inProcessLine(s)]).status, 0);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
