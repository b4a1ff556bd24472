// The benchmark's "where the time goes" arithmetic (scripts/bench/timeline.ts): commands side by side are counted
// once, the gaps are glassbox's own time, and a command line repeated in one run is summed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTimeline, phasesOf, summariseRuns, type OneRun } from '../../scripts/bench/timeline.ts';

const run: OneRun = {
  total: 100,
  commands: [
    { cmd: 'mkdir -p a', start: 40, end: 45 },
    { cmd: 'chain', start: 50, end: 80 }, // the start chain: the boot step below runs beside it
    { cmd: 'nsenter boot', start: 55, end: 60 },
    { cmd: 'write x', start: 82, end: 83 },
    { cmd: 'write x', start: 83, end: 84 },
  ],
};

test('timeline: side-by-side commands are counted once; before, between and after add up to the total', () => {
  const p = phasesOf(run);
  assert.deepEqual(p, { total: 100, beforeFirst: 40, inCommands: 5 + 30 + 2, between: 100 - 40 - 37 - 16, afterLast: 16 });
  assert.equal(p.beforeFirst + p.inCommands + p.between + p.afterLast, p.total);
});

test('timeline: medians per phase and per command line, a repeated line summed and counted', () => {
  const later: OneRun = { total: 120, commands: run.commands.map((c) => ({ ...c, start: c.start + 20, end: c.end + 20 })) };
  const t = summariseRuns('glassbox run', [run, later, run]);
  assert.equal(t.runs, 3);
  assert.equal(t.phases.total, 100);
  assert.equal(t.phases.beforeFirst, 40);
  assert.deepEqual(t.steps.map((s) => [s.cmd, s.ms, s.count]), [['chain', 30, 1], ['mkdir -p a', 5, 1], ['nsenter boot', 5, 1], ['write x', 2, 2]]);
  const text = formatTimeline(t);
  assert.match(text, /glassbox run \(median of 3 runs with --verbose: 100\.0 ms in all\)/);
  assert.match(text, / 2\.0 ms {2}write x \(×2\)/);
});

test('timeline: a run with no traced command is all before the first one', () => {
  assert.deepEqual(phasesOf({ total: 30, commands: [] }), { total: 30, beforeFirst: 30, inCommands: 0, between: 0, afterLast: 0 });
});
