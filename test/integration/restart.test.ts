// The monitor's new duties (issue 17, items 2 and 3) with real containers: restart policies (on-failure:N runs
// exactly N+1 times; always survives a kill -9 of PID 1 from outside glassbox but not glassbox stop), a health
// check that flips to unhealthy and back (ps and inspect), the start interval, log rotation (at most max-file
// files), and the stop signal reaching a trap. No timing asserts: every wait polls with a generous deadline. No
// Node process stays.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processDead, Sandbox, snapshot } from './helpers.ts';

const sb = new Sandbox('restart');
const T = { timeout: 120_000 };
const IMAGE = 'glassbox/base';

before(() => sb.setup(), { timeout: 180_000 });
after(() => sb.cleanup(), { timeout: 120_000 });

async function ok(args: string[]): Promise<string> {
  const r = await sb.gb(args);
  assert.equal(r.code, 0, `glassbox ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
type Inspect = { State: { Status: string; Pid: number; ExitCode: number; Restarting: boolean; Health?: { Status: string; FailingStreak: number; Log: Array<{ ExitCode: number; Output: string }> } }; RestartCount: number; HostConfig: { RestartPolicy: { Name: string; MaximumRetryCount: number } }; Monitor: { Pid: number } | null };
const inspect = async (name: string) => (JSON.parse(await ok(['inspect', name])) as Inspect[])[0]!;
type Row = { name: string; state: string; exitCode: number | null; restarting: boolean; restartCount: number; health: string | null };
const ps = async () => (await ok(['ps', '-a', '--format', 'json'])).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
const row = async (name: string) => (await ps()).find((r) => r.name === name);
const psLine = async (name: string) => (await ok(['ps', '-a'])).split('\n').find((l) => l.includes(` ${name} `)) ?? '';

// Polls an async condition (the helpers' waitFor takes a synchronous one).
async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function noNode(): void {
  for (const p of snapshot(sb.dir).processes) assert.doesNotMatch(p, /glassbox\.mjs|bin\/glassbox( |$)|dist\/load\.cjs/, `a glassbox process stayed: ${p}`);
}

test('--restart on-failure:3: a container that exits 1 runs exactly 4 times, then stays exited (1)', T, async () => {
  const out = join(sb.dir, 'count');
  mkdirSync(out);
  await ok(['run', '-d', '--name', 'fail3', '--restart', 'on-failure:3', '-v', `${out}:/out`, IMAGE, '/bin/sh', '-c', 'echo run >> /out/runs; exit 1']);
  noNode();
  const done = await until('the monitor to give up', async () => { const r = await row('fail3'); return r?.state === 'exited' && r; });
  assert.equal(done.exitCode, 1);
  assert.equal(readFileSync(join(out, 'runs'), 'utf8'), 'run\n'.repeat(4));
  const i = await inspect('fail3');
  assert.equal(i.RestartCount, 3);
  assert.deepEqual(i.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
  await ok(['rm', 'fail3']);
});

test('--restart always: survives kill -9 of its PID 1 (same ID, name, files; a new PID 1), not glassbox stop', T, async () => {
  const id = (await ok(['run', '-d', '--name', 'always', '--restart', 'always', IMAGE, '/bin/sh', '-c', 'echo up >> /runs; echo started; exec sleep 1000'])).trim();
  const first = await inspect('always');
  assert.equal(first.State.Status, 'running');
  process.kill(first.State.Pid, 'SIGKILL');
  const again = await until('a new PID 1', async () => { const i = await inspect('always'); return i.State.Status === "running" && i.State.Pid > 0 && i.State.Pid !== first.State.Pid && i; });
  assert.equal(again.RestartCount, 1);
  assert.ok(processDead(first.State.Pid));
  // The writable layer is the same: the file written by the first run is still there, and the logs are appended.
  const runs = await ok(['exec', 'always', 'cat', '/runs']);
  assert.equal(runs, 'up\nup\n');
  await until('both runs in the log', async () => (await ok(['logs', 'always'])) === 'started\nstarted\n');
  assert.match(await psLine('always'), / Up /);
  // glassbox stop is not undone by the policy.
  await ok(['stop', '-t', '1', 'always']);
  const stopped = await row('always');
  assert.equal(stopped?.state, 'exited');
  assert.equal(existsIn(id), true);
  const after = await inspect('always');
  assert.equal(after.State.Status, 'exited');
  assert.equal(after.Monitor && processDead(after.Monitor.Pid), true);
  // restart (glassbox's) brings it back, with its policy.
  await ok(['restart', '-t', '1', 'always']);
  const back = await inspect('always');
  assert.equal(back.State.Status, 'running');
  await ok(['rm', '-f', 'always']);
});

function existsIn(id: string): boolean {
  return readdirSync(join(sb.root, 'containers')).includes(id);
}

test('--restart always: while in back-off ps says Restarting (N), and stop ends the back-off at once', T, async () => {
  await ok(['run', '-d', '--name', 'flap', '--restart', 'always', IMAGE, '/bin/sh', '-c', 'exit 3']);
  // The back-off doubles from 100 ms; within a few restarts it is long enough to be seen.
  await until('Restarting in ps', async () => /Restarting \(3\) \d+ seconds? ago/.test(await psLine('flap')));
  // Read again until one reading falls inside a back-off (a run between two is short but possible).
  const r = await until('restarting in ps --format json', async () => { const x = await row('flap'); return x?.restarting && x; });
  assert.equal(r.state, 'restarting');
  assert.ok(r.restartCount >= 1);
  await ok(['stop', 'flap']);
  assert.equal((await row('flap'))?.state, 'exited');
  await ok(['rm', 'flap']);
});

test('health check: starting, unhealthy, healthy once the file exists, unhealthy again (ps and inspect)', T, async () => {
  await ok(['run', '-d', '--name', 'doc', '--health-cmd', 'test -e /tmp/ok && echo fine', '--health-interval', '0.2s', '--health-retries', '2', '--health-timeout', '5s', IMAGE, 'sleep', '1000']);
  const i0 = await inspect('doc');
  assert.ok(['starting', 'unhealthy'].includes(i0.State.Health!.Status));
  await until('unhealthy', async () => (await row('doc'))?.health === 'unhealthy');
  assert.match(await psLine('doc'), /\(unhealthy\)/);
  await ok(['exec', 'doc', 'touch', '/tmp/ok']);
  await until('healthy', async () => (await row('doc'))?.health === 'healthy');
  assert.match(await psLine('doc'), /\(healthy\)/);
  const h = (await inspect('doc')).State.Health!;
  assert.equal(h.Status, 'healthy');
  assert.equal(h.FailingStreak, 0);
  assert.ok(h.Log.length >= 1 && h.Log.length <= 5);
  assert.equal(h.Log.at(-1)!.ExitCode, 0);
  assert.equal(h.Log.at(-1)!.Output, 'fine\n');
  await ok(['exec', 'doc', 'rm', '/tmp/ok']);
  await until('unhealthy again', async () => (await row('doc'))?.health === 'unhealthy');
  const h2 = (await inspect('doc')).State.Health!;
  assert.ok(h2.FailingStreak >= 2);
  noNode();
  await ok(['rm', '-f', 'doc']);
});

test('--health-start-interval: within the start period the checks come every 500ms, not every 30s', T, async () => {
  await ok(['run', '-d', '--name', 'quick', '--health-cmd', 'true', '--health-interval', '30s', '--health-start-period', '30s', '--health-start-interval', '500ms', IMAGE, 'sleep', '1000']);
  const c = JSON.parse(await ok(['inspect', 'quick'])) as Array<{ Config: { Healthcheck: Record<string, unknown> } }>;
  assert.deepEqual(c[0]!.Config.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 30e9, Timeout: 30e9, StartPeriod: 30e9, StartInterval: 5e8, Retries: 3 });
  // The first check at 30s would be past this deadline: healthy before it means the start interval was used.
  await until('healthy', async () => (await inspect('quick')).State.Health?.Status === 'healthy', 20_000);
  noNode();
  await ok(['rm', '-f', 'quick']);
});

test('--log-opt max-size=1k,max-file=3: the monitor rotates, at most 3 files, logs reads them in order', T, async () => {
  const id = (await ok(['run', '-d', '--name', 'chatty', '--log-opt', 'max-size=1k,max-file=3', IMAGE, '/bin/sh', '-c', 'i=0; while [ $i -lt 300 ]; do echo "line $i ................................"; i=$((i+1)); done'])).trim();
  await until('the end', async () => (await row('chatty'))?.state === 'exited');
  const files = readdirSync(join(sb.root, 'containers', id)).filter((f) => f.startsWith('stdout.log'));
  assert.ok(files.length >= 2 && files.length <= 3, `files: ${files.join(' ')}`);
  const logs = (await ok(['logs', 'chatty'])).split('\n').filter(Boolean);
  assert.equal(logs.at(-1), 'line 299 ................................');
  // What is kept is the newest lines, in order.
  const nums = logs.map((l) => Number(l.split(' ')[1]));
  assert.deepEqual(nums, nums.slice().sort((a, b) => a - b));
  assert.ok(nums.length < 300);
  await ok(['rm', 'chatty']);
});

test('--stop-signal USR1 is delivered to the container\'s trap; --stop-timeout is the grace period', T, async () => {
  await ok(['run', '-d', '--name', 'trap', '--stop-signal', 'USR1', '--stop-timeout', '30', IMAGE, '/bin/sh', '-c', 'trap "echo got USR1; exit 7" USR1; echo ready; while :; do sleep 0.1; done']);
  await until('ready', async () => (await ok(['logs', 'trap'])) === 'ready\n');
  await ok(['stop', 'trap']);
  assert.equal((await row('trap'))?.exitCode, 7);
  assert.equal(await ok(['logs', 'trap']), 'ready\ngot USR1\n');
  const cfg = JSON.parse(await ok(['inspect', 'trap']))[0].Config as { StopSignal: string; StopTimeout: number };
  assert.equal(cfg.StopSignal, 'SIGUSR1');
  assert.equal(cfg.StopTimeout, 30);
  await ok(['rm', 'trap']);
});

test('host boot: a dead container (its monitor killed, as a reboot does) with a policy is started again by gc --restart', T, async () => {
  const id = (await ok(['run', '-d', '--name', 'boot', '--restart', 'unless-stopped', IMAGE, '/bin/sh', '-c', 'echo up >> /runs; exec sleep 1000'])).trim();
  const first = await inspect('boot');
  await ok(['run', '-d', '--name', 'noboot', IMAGE, 'sleep', '1000']);
  const other = await inspect('noboot');
  // kill -9 of a monitor kills its container (parent-death signal): what a reboot leaves, minus the run root.
  process.kill(first.Monitor!.Pid, 'SIGKILL');
  process.kill(other.Monitor!.Pid, 'SIGKILL');
  await until('both dead', async () => (await row('boot'))?.state === 'dead' && (await row('noboot'))?.state === 'dead');
  const out = await ok(['gc', '--restart']);
  assert.match(out, new RegExp(`started container ${id.slice(0, 12)} again`));
  assert.match(out, /removed container/);
  const back = await inspect('boot');
  assert.equal(back.State.Status, 'running');
  assert.equal(await ok(['exec', 'boot', 'cat', '/runs']), 'up\nup\n');
  assert.equal(await row('noboot'), undefined);
  await ok(['rm', '-f', 'boot']);
});

test('refusals: --restart without -d, --restart with --rm, a bad policy', T, async () => {
  for (const [args, msg] of [
    [['run', '--restart', 'always', IMAGE, 'true'], /--restart needs -d/],
    [['run', '-d', '--rm', '--restart', 'always', IMAGE, 'true'], /conflicting options/],
    [['run', '-d', '--restart', 'sometimes', IMAGE, 'true'], /invalid restart policy/],
  ] as const) {
    const r = await sb.gb([...args]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, msg);
  }
});
