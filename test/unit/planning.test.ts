// Planning markers (lib/state/planning.ts): gc keeps the run root mounted while a living process plans on it, and
// sweeps the markers of processes that died.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { markPlanning, planningAlive } from '../../lib/state/planning.ts';

test('planning markers: a living planner keeps the run root; a dead or unreadable one is swept', () => {
  const run = mkdtempSync(join(tmpdir(), 'gb-planning-'));
  try {
    assert.equal(planningAlive(run), false, 'no marker: nothing plans');
    // A marker of a process that is gone (PID 1's start time never matches this made-up one), and a damaged one.
    writeFileSync(join(run, '.planning-999999'), JSON.stringify({ pid: 999999, start: '1', boot: 'x' }));
    writeFileSync(join(run, '.planning-888888'), '{not json');
    assert.equal(planningAlive(run), false, 'dead owners do not count');
    assert.deepEqual(readdirSync(run), [], 'their markers are removed');
    markPlanning(run);
    assert.ok(existsSync(join(run, `.planning-${process.pid}`)));
    assert.equal(planningAlive(run), true, 'this process plans on the run root');
  } finally {
    rmSync(run, { recursive: true, force: true });
  }
});

test('mountPointsBelow: what is mounted strictly below a directory, deepest first', async () => {
  const { mountPointsBelow } = await import('../../lib/host/facts.ts');
  const line = (mp: string) => `36 25 0:5 / ${mp} rw,relatime shared:1 - tmpfs tmpfs rw`;
  const info = ['/run/gb', '/run/gb/abc/ns/net', '/run/gb/abc/bin/nsenter', '/run/gb/abc', '/run/gb/abc/a\\040b', '/run/gbx/abc'].map(line).join('\n');
  assert.deepEqual(mountPointsBelow('/run/gb/abc', info), ['/run/gb/abc/ns/net', '/run/gb/abc/bin/nsenter', '/run/gb/abc/a b']);
});
