// Two parts of the executor checked alone: the setup scheduler (lib/exec/schedule.ts: needs, the limit, the first
// failure, a stop) with steps that only record when they run, and the PID 1 search (lib/exec/pid1.ts) against real
// processes: a `cat` blocked opening a FIFO is parked at a barrier exactly like a container's PID 1. (Test files may
// spawn processes; lib/ spawns only through lib/exec/spawn.ts.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atBarrier, firstChildOf, waitForPid1 } from '../../lib/exec/pid1.ts';
import { runGraph } from '../../lib/exec/schedule.ts';
import type { Step } from '../../lib/plan/types.ts';

// A setup step with only an id and what it needs (a command, or a write glassbox does in-process).
function step(id: string, needs: string[] = [], kind: 'run' | 'write' = 'run'): Step {
  const text = { en: id, zh: id };
  return { id, kind, argv: ['true'], block: 'test', phase: 'setup', title: text, why: text, touches: [], observe: [], needs };
}

const tick = () => new Promise((res) => setTimeout(res, 2));

test('runGraph: a step starts only after what it needs; independent steps overlap up to the limit', async () => {
  const steps = [step('a'), step('b'), step('c', ['a']), step('d', ['a', 'b']), step('e', ['d']), step('f', ['left-out'])];
  const log: string[] = [];
  let running = 0;
  let most = 0;
  await runGraph(steps, {
    limit: 2,
    stopped: () => false,
    run: async (s) => {
      log.push(`start ${s.id}`);
      most = Math.max(most, ++running);
      await tick();
      running--;
      log.push(`end ${s.id}`);
    },
  });
  const at = (e: string) => log.indexOf(e);
  for (const s of steps) for (const n of s.needs.filter((x) => x !== 'left-out')) assert.ok(at(`end ${n}`) < at(`start ${s.id}`), `${s.id} after ${n}: ${log}`);
  assert.equal(log.filter((l) => l.startsWith('start')).length, steps.length, 'a need on a step not in the set counts as met');
  assert.equal(most, 2);
});

test('runGraph: of the steps that are ready, commands start before in-process writes', async () => {
  const steps = [step('w1', [], 'write'), step('w2', [], 'write'), step('w3', [], 'write'), step('r1'), step('w4', ['w1'], 'write'), step('r2', ['w1'])];
  const log: string[] = [];
  await runGraph(steps, {
    limit: 1,
    stopped: () => false,
    run: async (s) => {
      log.push(s.id);
      await tick();
    },
  });
  assert.deepEqual(log, ['r1', 'w1', 'r2', 'w2', 'w3', 'w4']);
});

test('runGraph: the first failure starts nothing new, waits for the steps in flight, and is thrown', async () => {
  const started: string[] = [];
  const finished: string[] = [];
  const steps = [step('slow'), step('bad'), step('later', ['bad']), step('other', ['slow'])];
  await assert.rejects(
    runGraph(steps, {
      limit: 4,
      stopped: () => false,
      run: async (s) => {
        started.push(s.id);
        if (s.id === 'bad') throw new Error('bad failed');
        await tick();
        finished.push(s.id);
      },
    }),
    /bad failed/,
  );
  assert.deepEqual(started.sort(), ['bad', 'slow']);
  assert.deepEqual(finished, ['slow'], 'the step in flight was awaited, so the teardown knows it ran');
});

test('runGraph: once stopped, no step starts; a cycle is an error', async () => {
  let stop = false;
  const started: string[] = [];
  await runGraph([step('a'), step('b', ['a']), step('c', ['b'])], {
    limit: 1,
    stopped: () => stop,
    run: async (s) => {
      started.push(s.id);
      stop = true;
    },
  });
  assert.deepEqual(started, ['a']);
  await assert.rejects(runGraph([step('x', ['y']), step('y', ['x'])], { limit: 2, stopped: () => false, run: async () => {} }), /dependency cycle at x/);
});

test('pid1: a child blocked opening a FIFO is at its barrier; waitForPid1 finds it under its chain', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gb-pid1-'));
  const fifo = join(dir, 'barrier');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  // The chain: a shell whose child (cat, another program) opens the barrier for reading and blocks there.
  const chain = spawn('/bin/sh', ['-c', `cat "$0"; wait`, fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  chain.stdout.on('data', (d) => (out += d));
  const ended = new Promise((res) => chain.on('exit', res));
  try {
    const pid1 = await waitForPid1(chain.pid!, () => undefined);
    assert.equal(firstChildOf(chain.pid!), pid1);
    assert.ok(atBarrier(String(pid1)));
    assert.ok(!atBarrier(String(chain.pid)), 'the chain itself waits for its child, not at a FIFO');
    assert.equal(firstChildOf(pid1), 0, 'cat has no child');
    // Opening the barrier for writing releases it (as the release step's `: > FIFO` does).
    closeSync(openSync(fifo, 'w'));
    await ended;
    assert.equal(out, '');
    assert.ok(!atBarrier(String(pid1)));
  } finally {
    chain.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pid1: waitForPid1 stops when a signal asks it to, with exit 130', async () => {
  const chain = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
  try {
    await assert.rejects(waitForPid1(chain.pid!, () => 'SIGINT'), (e: unknown) => (e as { exitCode?: number }).exitCode === 130 && /interrupted by SIGINT/.test(String(e)));
  } finally {
    chain.kill('SIGKILL');
  }
  assert.equal(firstChildOf(999_999_999), 0, 'no such process: no child');
});
