// File descriptors: a container must not inherit what the process that started glassbox had open. Here glassbox
// is started with an extra pipe as descriptor 3 (inheritable, as a shell's redirections are); inside the
// container only 0, 1 and 2 may lead anywhere else than the container itself. The one extra descriptor PID 1
// keeps is the start barrier it waited on: a FIFO on the container's own /dev, already deleted.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { GLASSBOX, REPO, Sandbox } from './helpers.ts';

const sb = new Sandbox('fds');
before(() => sb.setup(), { timeout: 180_000 });
after(() => sb.cleanup(), { timeout: 120_000 });

// Runs glassbox with an extra inheritable pipe as its descriptor 3; returns the container's stdout and exit code.
function runWithExtraFd(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GLASSBOX, ...args], {
      cwd: REPO,
      env: { ...process.env, ...sb.env },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('descriptors: nothing the caller had open reaches the container', { timeout: 90_000 }, async () => {
  // PID 1 itself lists its descriptors (busybox ls reads /proc/1/fd, so its own directory handle is not counted).
  const r = await runWithExtraFd(['run', 'glassbox/base', 'sh', '-c', 'sleep 0.1; ls -l /proc/1/fd']);
  assert.equal(r.code, 0, r.stderr);
  const fds = new Map(
    r.stdout
      .split('\n')
      .map((l) => /\s(\d+) -> (.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [Number(m[1]), m[2]!]),
  );
  assert.ok(fds.has(0) && fds.has(1) && fds.has(2), `stdio present: ${[...fds.keys()]}`);
  for (const [fd, target] of fds) {
    if (fd <= 2) continue;
    assert.equal(fd, 3, `unexpected descriptor ${fd} -> ${target}`);
    assert.equal(target, '/dev/.glassbox-start (deleted)', 'descriptor 3 is the container’s own start barrier, not the caller’s pipe');
  }
});

test('descriptors: the same check on the host sees the extra pipe, so the test can fail', { timeout: 30_000 }, async () => {
  const child = spawn('ls', ['-l', '/proc/self/fd'], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  await new Promise((res) => child.on('close', res));
  assert.match(out, /\s3 -> (pipe|socket):/);
});

test('no leaks after the descriptor checks', { timeout: 60_000 }, () => sb.assertNoLeaks());
