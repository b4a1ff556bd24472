// The application layer hands back what `run` says about a limit the container hit (lib/container/limits.ts) as
// data, read from the cgroups' event counters; the CLI prints it. A temp dir stands in for the cgroup trees.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { limitsHit } from '../../lib/container/limits.ts';
import { writeTree } from './fixtures.ts';

const tmp = mkdtempSync(join(tmpdir(), 'glassbox-limits-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

// Writes files below a fresh folder of tmp and returns the folder.
const tree = (name: string, files: Record<string, string>) => writeTree(tmp, name, files);

test('limits: an OOM kill that ended PID 1 (exit 137) is reported as the cause, with the limit', () => {
  const d = tree('oom', { 'memory/memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n', 'pids/pids.events': 'max 0\n' });
  const cg = { version: 'v1' as const, dirs: { memory: `${d}/memory`, pids: `${d}/pids` }, limits: { memory: 64 * 1024 ** 2, pids: 32 } };
  assert.deepEqual(limitsHit(cg, 137), { oomKilled: true, notices: ['the container was killed by the OOM killer (memory limit 64 MiB)'] });
  // Another exit status: the OOM killer took some process, not necessarily the one that ended the container.
  assert.deepEqual(limitsHit(cg, 1), { oomKilled: false, notices: ['the OOM killer killed 1 process in the container (memory limit 64 MiB)'] });
});

test('limits: refused forks are counted; nothing hit means nothing said', () => {
  const v2 = tree('v2', { 'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n', 'pids.events': 'max 3\n' });
  const cg = { version: 'v2' as const, dirs: { unified: v2 }, limits: { pids: 16 } };
  assert.deepEqual(limitsHit(cg, 0), { oomKilled: false, notices: ['the container reached its process limit (16 processes): the kernel refused 3 forks'] });
  const quiet = tree('quiet', { 'memory.events': 'oom_kill 0\n', 'pids.events': 'max 0\n' });
  assert.deepEqual(limitsHit({ version: 'v2' as const, dirs: { unified: quiet }, limits: {} }, 0), { oomKilled: false, notices: [] });
});
