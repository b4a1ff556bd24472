// The one table of signals (lib/exec/signals.ts): docker's three spellings of a signal for `kill -s`, the numbers
// behind 128+N exit codes, and the catching of the forwarded signals, checked with real signals sent to this process.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GlassboxError } from '../../lib/errors.ts';
import { catchSignals, FORWARDED_SIGNALS, parseSignal, signalNumber } from '../../lib/exec/signals.ts';

test('parseSignal: names with or without SIG, any case, numbers', () => {
  assert.equal(parseSignal('TERM'), 'SIGTERM');
  assert.equal(parseSignal('SIGTERM'), 'SIGTERM');
  assert.equal(parseSignal('15'), 'SIGTERM');
  assert.equal(parseSignal('KILL'), 'SIGKILL');
  assert.equal(parseSignal('sigkill'), 'SIGKILL');
  assert.equal(parseSignal('9'), 'SIGKILL');
  assert.equal(parseSignal('HUP'), 'SIGHUP');
  assert.equal(parseSignal('usr1'), 'SIGUSR1');
  assert.equal(parseSignal('31'), 'SIGSYS');
  assert.equal(parseSignal('017'), 'SIGCHLD', 'a number is read as decimal, leading zeros and all');
});

test('parseSignal: anything else is the user\'s error, exit 125 with a hint', () => {
  for (const bad of ['NOPE', '0', '16', '99', '', 'SIG', 'SIGSIGTERM', '-9', '9x', ' 9', 'TERM ', 'SIGRTMIN']) {
    assert.throws(
      () => parseSignal(bad),
      (e: unknown) => e instanceof GlassboxError && e.exitCode === 125 && e.message === `invalid signal: ${bad}` && !!e.hint,
      JSON.stringify(bad),
    );
  }
});

test('signalNumber: Linux numbers, and 0 for a name it does not know', () => {
  assert.equal(signalNumber('SIGKILL'), 9);
  assert.equal(signalNumber('SIGTERM'), 15);
  assert.equal(signalNumber('SIGINT'), 2);
  assert.equal(signalNumber('SIGSTOP'), 19);
  assert.equal(signalNumber('KILL'), 0);
  assert.equal(signalNumber('SIGNOPE'), 0);
  // Every forwarded signal has a number, so a process that died of one gets its 128+N.
  for (const s of FORWARDED_SIGNALS) assert.ok(signalNumber(s) > 0, s);
  assert.ok(!FORWARDED_SIGNALS.includes('SIGKILL') && !FORWARDED_SIGNALS.includes('SIGSTOP'), 'no process can catch these');
});

test('catchSignals: a forwarded signal reaches the handler instead of ending the process; stopping removes it', async () => {
  const before = FORWARDED_SIGNALS.map((s) => process.listenerCount(s));
  const got: string[] = [];
  const stop = catchSignals((sig) => got.push(sig));
  try {
    process.kill(process.pid, 'SIGUSR2');
    process.kill(process.pid, 'SIGHUP');
    for (let i = 0; i < 200 && got.length < 2; i++) await new Promise((res) => setTimeout(res, 5));
    assert.deepEqual(got.sort(), ['SIGHUP', 'SIGUSR2']);
  } finally {
    stop();
  }
  assert.deepEqual(FORWARDED_SIGNALS.map((s) => process.listenerCount(s)), before);
});
