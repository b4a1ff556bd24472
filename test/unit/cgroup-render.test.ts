// How cgroup plans read as sh: the retry-while-busy helper (run for real in sh), the teardown that kills what is
// left in the group before the undos, and the down script's order. The executor's own retry is checked the same
// way, with a command that reports "busy" a few times.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../lib/blocks/catalog.ts';
import type { CgroupLayout } from '../../lib/cgroup/layout.ts';
import { runWhileBusy } from '../../lib/exec/step.ts';
import { planContainer, type PreparedContainer } from '../../lib/plan/planner.ts';
import { goneOnly } from '../../lib/plan/types.ts';
import { renderScript } from '../../lib/render/script.ts';
import { undoJournal } from '../../lib/state/gc.ts';
import { journalFor } from '../../lib/state/journal.ts';
import { helloContainer } from './fixtures.ts';

const ID = 'ab'.repeat(32);
const catalog = await loadCatalog();
const tmp = mkdtempSync(join(tmpdir(), 'glassbox-cgrender-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const V1: CgroupLayout = {
  version: 'v1',
  hierarchies: { memory: '/sys/fs/cgroup/memory', pids: '/sys/fs/cgroup/pids', freezer: '/sys/fs/cgroup/freezer', cpuacct: '/sys/fs/cgroup/cpuacct' },
  controllers: [],
  swapAccounting: false,
};
const container = helloContainer(
  { root: '/var/lib/glassbox', run: '/run/glassbox' },
  {
    id: ID,
    name: 'limited',
    lowerDirs: ['/l'],
    namespaces: ['mount', 'pid'],
    hostname: undefined,
    command: ['/bin/true'],
    env: { PATH: '/bin' },
    resources: { memory: 64 * 1024 * 1024, pids: 64 },
  },
);
const plan = planContainer(catalog, container, { runRoot: '/run/glassbox', runRootReady: true, barrierReady: true, hostDevLinks: true, flock: '/usr/bin/flock', seccompLoader: '/usr/lib/glassbox/glassbox-seccomp-load', cgroup: V1 });
const up = renderScript(plan, { lang: 'en', mode: 'up', glassboxVersion: '0.1.0', fullValues: true });
const down = renderScript(plan, { lang: 'en', mode: 'down', glassboxVersion: '0.1.0', fullValues: true });

// The gb_retry_busy function as the script defines it, with gb_gone, which it calls.
const retryFn = (script: string) => {
  const lines = script.split('\n');
  const from = lines.indexOf('gb_retry_busy() {');
  return lines.slice(from, lines.indexOf('}', lines.indexOf('gb_gone() {', from)) + 1).join('\n');
};
const sh = (script: string) => spawnSync('sh', ['-c', script], { encoding: 'utf8' });

test('cgroup scripts parse (sh -n), in every mode and language', () => {
  for (const mode of ['plan', 'up', 'down'] as const) {
    for (const lang of ['en', 'zh'] as const) {
      const r = spawnSync('sh', ['-n'], { input: renderScript(plan, { lang, mode, glassboxVersion: '0.1.0' }), encoding: 'utf8' });
      assert.equal(r.status, 0, `${mode}/${lang}: ${r.stderr}`);
    }
  }
});

test('up script: group removals go through gb_retry_busy; the teardown kills before any undo, once the groups exist', () => {
  const cleanup = up.slice(up.indexOf('gb_cleanup() {'));
  // One rmdir for the container's group in every tree.
  const groups = ['memory', 'pids', 'freezer', 'cpuacct'].map((t) => `/sys/fs/cgroup/${t}/glassbox/${ID}`).join(' ');
  const dirStep = plan.steps.findIndex((s) => s.undo?.join(' ') === `rmdir ${groups}`) + 1;
  assert.ok(dirStep > 0, JSON.stringify(plan.steps.map((s) => s.undo)));
  assert.equal(plan.steps.filter((s) => s.undoRetry).length, 1);
  assert.ok(cleanup.includes(`[ "$gb_step" -lt ${dirStep} ] || gb_retry_busy rmdir ${groups}\n`), cleanup);
  const lastDir = Math.max(...plan.steps.map((s, i) => (s.undoRetry ? i + 1 : 0)));
  const freeze = `  [ "$gb_step" -lt ${lastDir} ] || printf '%s\\n' FROZEN > /sys/fs/cgroup/freezer/glassbox/${ID}/freezer.state`;
  assert.ok(cleanup.includes(freeze), cleanup);
  assert.ok(cleanup.indexOf(freeze) < cleanup.indexOf('rmdir'), 'the kill comes before the removals');
  assert.ok(cleanup.includes(`xargs --no-run-if-empty --arg-file=/sys/fs/cgroup/freezer/glassbox/${ID}/cgroup.procs kill -s KILL`));
  // The parent group may fail for good (another container uses it): || true, no retry.
  assert.ok(cleanup.includes(`|| rmdir /sys/fs/cgroup/memory/glassbox /sys/fs/cgroup/pids/glassbox /sys/fs/cgroup/freezer/glassbox /sys/fs/cgroup/cpuacct/glassbox || true`), cleanup);
});

test('down script: the teardown first, then the undos newest first, each allowed to fail', () => {
  assert.ok(down.indexOf('FROZEN') < down.indexOf('gb_retry_busy rmdir'));
  assert.ok(down.includes(`gb_retry_busy rmdir /sys/fs/cgroup/memory/glassbox/${ID} /sys/fs/cgroup/pids/glassbox/${ID}`));
  assert.equal(retryFn(down), retryFn(up));
});

test('gb_retry_busy: tries again while the message says busy, gives up at once on any other error', () => {
  const fn = retryFn(up);
  const counter = join(tmp, 'n');
  // Fails "busy" twice, then succeeds.
  const flaky = `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n + 1)); echo $n > ${counter}; if [ $n -lt 3 ]; then echo "rmdir: failed to remove 'x': Device or resource busy" >&2; exit 1; fi`;
  let r = sh(`${fn}\ngb_retry_busy sh -c '${flaky}'; echo "status $?"`);
  assert.equal(r.stdout.trim(), 'status 0');
  assert.equal(sh(`cat ${counter}`).stdout.trim(), '3');
  // Another error: reported once, status 1.
  r = sh(`${fn}\ngb_retry_busy sh -c 'echo "Permission denied" >&2; exit 1'; echo "status $?"`);
  assert.equal(r.stdout.trim(), 'status 1');
  assert.equal(r.stderr.trim(), 'Permission denied');
  // One rmdir of several groups: busy once, then the groups the first try removed are gone (done, quietly)…
  const several = join(tmp, 'several');
  const partly = `n=$(cat ${several} 2>/dev/null || echo 0); n=$((n + 1)); echo $n > ${several}; if [ $n -lt 2 ]; then echo "rmdir: failed to remove 'b': Device or resource busy" >&2; else echo "rmdir: failed to remove 'a': No such file or directory" >&2; echo "rmdir: failed to remove 'c': No such file or directory" >&2; fi; exit 1`;
  r = sh(`${fn}\ngb_retry_busy sh -c '${partly}'; echo "status $?"`);
  assert.equal(r.stdout.trim(), 'status 0');
  assert.equal(r.stderr, '');
  // …but a line that says something else is still a failure.
  r = sh(`${fn}\ngb_retry_busy sh -c 'echo "x: No such file or directory" >&2; echo "y: Permission denied" >&2; exit 1'; echo "status $?"`);
  assert.equal(r.stdout.trim(), 'status 1');
  assert.equal(r.stderr.trim(), 'x: No such file or directory\ny: Permission denied');
});

test('goneOnly: every line says No such file or directory', () => {
  assert.equal(goneOnly("rmdir: failed to remove 'a': No such file or directory\nrmdir: failed to remove 'c': No such file or directory\n"), true);
  assert.equal(goneOnly("rmdir: failed to remove 'a': No such file or directory\nrmdir: failed to remove 'b': Device or resource busy"), false);
  assert.equal(goneOnly(''), false);
});

test('the executor retries while busy the same way', async () => {
  const counter = join(tmp, 'm');
  const flaky = `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n + 1)); echo $n > ${counter}; [ $n -ge 3 ] || { echo "Device or resource busy" >&2; exit 1; }`;
  const r = await runWhileBusy(['sh', '-c', flaky]);
  assert.equal(r.exitCode, 0);
  assert.equal(sh(`cat ${counter}`).stdout.trim(), '3');
  const other = await runWhileBusy(['sh', '-c', 'echo "Directory not empty" >&2; exit 1']);
  assert.equal(other.exitCode, 1);
});

test('journal: the groups\' removals carry retry while-busy, the shared parents none; gc retries exactly those', async () => {
  const journal = journalFor(plan);
  const retried = journal.entries.filter((e) => e.retry === 'while-busy');
  assert.deepEqual(retried.map((e) => e.step), plan.steps.filter((s) => s.undoRetry === 'while-busy').map((s) => s.id));
  assert.ok(retried.length > 0 && retried.every((e) => e.undo.join(' ').includes(`/glassbox/${ID}`)), JSON.stringify(retried));
  assert.ok(journal.entries.some((e) => e.step === 'cgroup.parents' && e.retry === undefined && e.mayFail));
  const calls: Array<[string, string]> = [];
  await undoJournal(journal, { once: async (a) => calls.push(['once', a.join(' ')]), whileBusy: async (a) => calls.push(['busy', a.join(' ')]) });
  assert.deepEqual(calls.map(([, a]) => a), [...journal.entries].reverse().map((e) => e.undo.join(' ')), 'newest first');
  assert.deepEqual(calls.filter(([how]) => how === 'busy').map(([, a]) => a), [...retried].reverse().map((e) => e.undo.join(' ')));
  // A journal of an earlier version (no retry field) runs every undo once: gc never looks at the command.
  const old = { ...journal, entries: journal.entries.map(({ retry: _r, ...e }) => e) };
  calls.length = 0;
  await undoJournal(old, { once: async (a) => calls.push(['once', a.join(' ')]), whileBusy: async (a) => calls.push(['busy', a.join(' ')]) });
  assert.ok(calls.every(([how]) => how === 'once'));
  // A plan stored by an earlier version (undoRetry: true) still journals the policy.
  const stored = { ...plan, steps: plan.steps.map((s) => (s.undoRetry ? { ...s, undoRetry: true as never } : s)) };
  assert.deepEqual(journalFor(stored).entries.filter((e) => e.retry).map((e) => e.step), retried.map((e) => e.step));
});
