// The monitor of a detached container (renderMonitor), run for real with harmless commands: the start step's argv
// reaches the program unchanged whatever it holds (quotes, $, spaces, newlines), its output lands in the log files,
// the exit status is written, the teardown and the undos run newest first with PID 1's PID known, and `done` is
// written last. --rm removes the state directory and releases the name. (Test files may spawn /bin/sh.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeRef, type Plan, type Step } from '../../lib/plan/types.ts';
import { loadCatalog } from '../../lib/blocks/catalog.ts';
import { expandMonitor } from '../../lib/render/monitor-steps.ts';
import { renderMonitor } from '../../lib/render/script.ts';
import { monitorFiles } from '../../lib/state/lifecycle.ts';

const WEIRD = ["it's", 'a "b" $HOME `x` \\n', 'two  spaces', 'line\nbreak', '', '*'];
const pid1 = runtimeRef('pid1');

function step(s: Partial<Step> & Pick<Step, 'id' | 'kind' | 'phase'>): Step {
  return { block: 'b', title: { en: s.id, zh: s.id }, why: { en: 'why', zh: '为什么' }, touches: [], observe: [], needs: [], ...s };
}

function planIn(dir: string, exitCode: number): Plan {
  const state = join(dir, 'state');
  const log = join(dir, 'log');
  const rec = (what: string) => ['sh', '-c', 'printf "%s|" "$0" "$@" >> "$LOG"; echo >> "$LOG"', what];
  return {
    version: 1,
    info: { id: 'c0ffee', name: 'web', image: 'img', command: ['x'], env: {}, paths: { state, run: join(dir, 'run'), nsDir: join(dir, 'run', 'ns'), rootfs: join(dir, 'run', 'rootfs'), upper: join(state, 'upper'), work: join(state, 'work') } },
    steps: [
      step({ id: 'a', kind: 'run', phase: 'setup', argv: ['true'], undo: [...rec('undo-a'), ...WEIRD] }),
      step({ id: 'dirs', kind: 'run', phase: 'setup', argv: ['true'], undo: ['rm', '-rf', join(dir, 'run'), state], undoMayFail: true }),
      step({ id: 'start', kind: 'start', phase: 'start', argv: ['sh', '-c', `printf '%s\\n' "$@"; echo err >&2; exit ${exitCode}`, 'sh', ...WEIRD] }),
    ],
    teardown: [step({ id: 'kill', kind: 'run', phase: 'setup', argv: [...rec('teardown'), pid1] })],
  };
}

async function runMonitor(remove: boolean, exitCode: number) {
  const dir = mkdtempSync(join(tmpdir(), 'gb-monitor-'));
  const plan = planIn(dir, exitCode);
  const state = plan.info.paths.state;
  mkdirSync(state, { recursive: true });
  mkdirSync(join(dir, 'run'));
  mkdirSync(join(dir, 'names'));
  symlinkSync('../containers/c0ffee', join(dir, 'names', 'web'));
  const files = monitorFiles(state);
  writeFileSync(files.pid1, '4242\n');
  const script = join(dir, 'monitor.sh');
  const nameLink = join(dir, 'names', 'web');
  const steps = expandMonitor(await loadCatalog(), files, remove ? nameLink : undefined);
  writeFileSync(script, renderMonitor(plan, { lang: 'en', glassboxVersion: 'test', files, steps, remove: remove ? { nameLink, linkTarget: '../containers/c0ffee' } : undefined }));
  const syntax = spawnSync('/bin/sh', ['-n', script], { encoding: 'utf8' });
  assert.equal(syntax.status, 0, syntax.stderr);
  const r = spawnSync('/bin/sh', [script], { encoding: 'utf8', env: { ...process.env, LOG: join(dir, 'log') }, timeout: 10_000 });
  return { dir, state, files, r };
}

test('monitor: argv round trip, logs, exit file, teardown with PID 1, undos newest first, done last; state kept', async () => {
  const { dir, state, files, r } = await runMonitor(false, 3);
  try {
    assert.equal(r.status, 3, r.stderr);
    // Each line is stamped with its time (UTC, RFC 3339), then kept as it was.
    const stamped = (text: string) => text.split('\n').slice(0, -1).map((l) => /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (.*)$/s.exec(l)?.[2] ?? `unstamped: ${l}`);
    assert.equal(stamped(readFileSync(files.stdout, 'utf8')).join('\n'), WEIRD.join('\n'));
    assert.deepEqual(stamped(readFileSync(files.stderr, 'utf8')), ['err']);
    assert.ok(!existsSync(files.stdoutFifo) && !existsSync(files.stderrFifo), 'the FIFOs are removed');
    assert.equal(readFileSync(files.exit, 'utf8'), '3\n');
    assert.ok(existsSync(files.done));
    assert.ok(!existsSync(join(dir, 'run')), 'the run dir is removed');
    assert.ok(existsSync(state), 'the state dir stays until rm');
    const log = readFileSync(join(dir, 'log'), 'utf8');
    assert.equal(log, `teardown|4242|\nundo-a|${WEIRD.join('|')}|\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('monitor --rm: removes the state dir and releases the name', async () => {
  const { dir, state, r } = await runMonitor(true, 0);
  try {
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!existsSync(state));
    assert.throws(() => readlinkSync(join(dir, 'names', 'web')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
