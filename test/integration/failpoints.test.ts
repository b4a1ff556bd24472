// Fault injection over a whole start (lib/exec/failpoint.ts): glassbox is made to die — SIGKILL, SIGTERM or
// SIGINT, just before, during or just after step N — for every step N of a `--network bridge -p … --memory 64m`
// plan, in the foreground and detached; and step N is made to fail, for every N. After each trial: `glassbox gc`
// leaves no object of the trial behind (mounts, links, addresses, rules, cgroups, namespace files, directories,
// leases, port and name claims, processes), a second gc does nothing, and a long-lived container started before
// the walk still answers on its published port (traffic to 127.0.0.1 only). Then the monitor and PID 1 of a
// detached container are killed. The figures are printed at the end.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseMountinfo, processDead, Sandbox, waitFor } from './helpers.ts';

const sb = new Sandbox('failpoints');
const T = { timeout: 600_000 };
const PORT = 18731;
const TRIAL_PORT = 18732;
const IMAGE = 'glassbox/base';
// PID 1 ends at once on SIGTERM or SIGINT (a plain `sleep` as PID 1 would ignore them).
const CMD = ['sh', '-c', 'trap "exit 3" TERM INT; sleep 30 & wait'];
const FLAGS = ['--network', 'bridge', '-p', `127.0.0.1:${TRIAL_PORT}:80`, '--memory', '64m'];

before(() => sb.setup(), { timeout: 180_000 });
// Sandbox.cleanup removes the containers a failed test left running, then gcs and checks for leaks.
after(() => sb.cleanup(), { timeout: 180_000 });

const lines = (s: string) => s.split('\n').filter(Boolean);
const ls = (d: string) => (existsSync(d) ? readdirSync(d) : []);

// Everything a trial could leave, as one list of strings (compared with the list before the trial).
function objects(): string[] {
  const out: string[] = [];
  for (const m of parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'))) {
    if ((m.mountPoint.startsWith(sb.dir) || m.root.startsWith(sb.dir)) && m.mountPoint !== sb.run) out.push(`mount ${m.mountPoint}`);
  }
  for (const l of lines(spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout)) {
    const n = /^\d+:\s+([^:@\s]+)/.exec(l)?.[1];
    if (n?.startsWith('gb')) out.push(`link ${n}`);
  }
  for (const l of lines(spawnSync('ip', ['-o', '-4', 'addr', 'show'], { encoding: 'utf8' }).stdout)) if (/ gb/.test(l)) out.push(`addr ${l.split(/\s+/).slice(1, 4).join(' ')}`);
  for (const l of lines(spawnSync('iptables-save', { encoding: 'utf8' }).stdout)) if (/glassbox/i.test(l) && !l.startsWith('#')) out.push(`rule ${l.replace(/\[\d+:\d+\]/, '')}`);
  for (const h of ls('/sys/fs/cgroup')) for (const id of ls(join('/sys/fs/cgroup', h, 'glassbox'))) out.push(`cgroup ${h}/${id}`);
  for (const e of ls(sb.run)) {
    out.push(`run ${e}`);
    for (const f of ls(join(sb.run, e, 'ns'))) out.push(`ns ${e}/${f}`);
  }
  for (const id of ls(join(sb.root, 'containers'))) out.push(`container ${id}`);
  for (const n of ls(join(sb.root, 'names'))) out.push(`name ${n}`);
  for (const f of ls(join(sb.root, 'ports'))) out.push(`port ${f}`);
  for (const net of ls(join(sb.root, 'networks'))) {
    for (const f of ls(join(sb.root, 'networks', net, 'leases'))) out.push(`lease ${net}/${f}`);
    for (const f of ls(join(sb.root, 'networks', net, 'members'))) out.push(`member ${net}/${f}`);
    for (const f of ls(join(sb.root, 'networks', net)).filter((x) => x.startsWith('.'))) out.push(`tmp ${net}/${f}`);
  }
  for (const p of ls('/proc').filter((x) => /^\d+$/.test(x))) {
    if (Number(p) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(sb.dir) && !processDead(Number(p))) out.push(`process ${p} ${cmd.slice(0, 80)}`);
    } catch {}
  }
  return out.sort();
}

// An HTTP GET to 127.0.0.1 (the long-lived container's published port).
async function httpGet(port: number): Promise<string> {
  const { connect } = await import('node:net');
  return new Promise((res, rej) => {
    const s = connect({ host: '127.0.0.1', port });
    let data = '';
    s.setTimeout(5000, () => s.destroy(new Error(`timeout 127.0.0.1:${port}`)));
    s.on('connect', () => s.write('GET / HTTP/1.0\r\nHost: x\r\n\r\n'));
    s.on('data', (d) => (data += d.toString()));
    s.on('end', () => res(data.split('\r\n\r\n')[1] ?? ''));
    s.on('error', rej);
  });
}

interface Figures {
  trials: number;
  leaks: number;
  secondGcNotEmpty: number;
  survivorFailures: number;
  running: number;
}
const figures: Record<string, Figures> = {};
const fig = (k: string) => (figures[k] ??= { trials: 0, leaks: 0, secondGcNotEmpty: 0, survivorFailures: 0, running: 0 });
const problems: string[] = [];

// gc, the leak check, a second gc, the long-lived container's answer; counted under `kind`.
async function check(kind: string, label: string, baseline: string[]): Promise<void> {
  const f = fig(kind);
  f.trials++;
  // A detached container the kill left running (the kill came after it started): it is alive, so gc must leave
  // it; it is removed with rm -f like any running container, and then the same checks apply.
  let gc = await sb.gb(['gc'], { timeoutMs: 60_000 });
  const extra = () => objects().filter((x) => x.startsWith('container ') && !baseline.includes(x));
  if (extra().length) {
    const alive = lines((await sb.gb(['ps', '-q'])).stdout).filter((id) => !survivor.startsWith(id));
    if (alive.length) {
      f.running++;
      await sb.gb(['rm', '-f', ...alive], { timeoutMs: 60_000 });
      gc = await sb.gb(['gc'], { timeoutMs: 60_000 });
    }
  }
  if (gc.code !== 0) problems.push(`${label}: gc exited ${gc.code}: ${gc.stderr}`);
  const now = objects();
  const leaked = now.filter((x) => !baseline.includes(x));
  const lost = baseline.filter((x) => !now.includes(x) && !x.startsWith('process '));
  if (leaked.length || lost.length) {
    f.leaks++;
    problems.push(`${label}: left ${JSON.stringify(leaked)}${lost.length ? `, removed the survivor's ${JSON.stringify(lost)}` : ''}\ngc said: ${gc.stdout}`);
  }
  const again = await sb.gb(['gc'], { timeoutMs: 60_000 });
  if (again.stdout !== 'nothing to clean up\n') {
    f.secondGcNotEmpty++;
    problems.push(`${label}: second gc did something: ${again.stdout}${again.stderr}`);
  }
  const answer = await httpGet(PORT).catch((e: Error) => `ERROR ${e.message}`);
  if (answer.trim() !== 'survivor') {
    f.survivorFailures++;
    problems.push(`${label}: the long-lived container answered ${JSON.stringify(answer)}`);
  }
}

let survivor = '';
let baseline: string[] = [];
let steps = 0;

test('a long-lived container publishes a port; the plan under test is known', T, async () => {
  const r = await sb.gb(['run', '-d', '--name', 'survivor', '-p', `127.0.0.1:${PORT}:80`, IMAGE, 'sh', '-c', 'mkdir -p /www && echo survivor > /www/index.html && exec httpd -f -p 80 -h /www'], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  survivor = r.stdout.trim();
  await waitFor('the survivor to answer', async () => (await httpGet(PORT).catch(() => '')).trim() === 'survivor' || undefined);
  assert.equal((await httpGet(PORT)).trim(), 'survivor');
  const plan = await sb.gb(['plan', '--format', 'json', ...FLAGS, IMAGE, ...CMD]);
  assert.equal(plan.code, 0, plan.stderr);
  steps = (JSON.parse(plan.stdout) as { steps: unknown[] }).steps.length;
  assert.ok(steps > 40, `a bridge + port + memory plan has many steps (got ${steps})`);
  baseline = objects();
  assert.ok(baseline.some((x) => x.startsWith('link gb0')), 'the survivor keeps the bridge');
});

const MOMENTS = ['before', 'during', 'after'] as const;
const SIGNALS = ['SIGKILL', 'SIGTERM', 'SIGINT'] as const;

test('walk: glassbox killed at every step, foreground and detached; gc leaves nothing, a second gc does nothing', T, async () => {
  assert.ok(steps > 0);
  for (let n = 1; n <= steps; n++) {
    for (const mode of ['foreground', 'detached'] as const) {
      const moment = MOMENTS[Math.floor(n / 3) % 3]!;
      const signal = SIGNALS[(n + (mode === 'detached' ? 1 : 0)) % 3]!;
      const fp = `step:${n}:${moment}:${signal}`;
      const r = await sb.gb(['run', ...(mode === 'detached' ? ['-d'] : []), ...FLAGS, IMAGE, ...CMD], { env: { GLASSBOX_FAILPOINT: fp }, timeoutMs: 60_000 });
      if (!/failpoint/.test(r.stderr)) problems.push(`${mode} ${fp}: the failpoint did not fire (exit ${r.code}): ${r.stderr}`);
      await check(`${mode} ${signal}`, `${mode} ${fp}`, baseline);
    }
  }
  assert.deepEqual(problems, []);
});

test('a failing command at every step is rolled back: nothing left even before gc', T, async () => {
  const before = problems.length;
  for (let n = 1; n <= steps; n++) {
    const r = await sb.gb(['run', ...FLAGS, IMAGE, ...CMD], { env: { GLASSBOX_FAILPOINT: `step:${n}:fail` }, timeoutMs: 60_000 });
    const f = fig('fail');
    if (r.code !== 125 || !/failed/.test(r.stderr)) problems.push(`fail at ${n}: exit ${r.code}: ${r.stderr}`);
    f.trials++;
    const leaked = objects().filter((x) => !baseline.includes(x));
    if (leaked.length) {
      f.leaks++;
      problems.push(`fail at ${n}: rollback left ${JSON.stringify(leaked)}`);
    }
    // Rolled back by glassbox itself: gc has nothing to do.
    const gc = await sb.gb(['gc'], { timeoutMs: 60_000 });
    if (gc.stdout !== 'nothing to clean up\n') {
      f.secondGcNotEmpty++;
      problems.push(`fail at ${n}: gc after the rollback did something: ${gc.stdout}`);
    }
  }
  assert.deepEqual(problems.slice(before), []);
});

test('kill -9 of a detached container\'s monitor, and of its PID 1: gc leaves nothing', T, async () => {
  const before = problems.length;
  for (const victim of ['monitor', 'pid1'] as const) {
    const r = await sb.gb(['run', '-d', ...FLAGS, IMAGE, ...CMD], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    const state = JSON.parse(readFileSync(join(sb.root, 'containers', id, 'state.json'), 'utf8')) as { pid: number; monitor: { pid: number } };
    const pid = victim === 'monitor' ? state.monitor.pid : state.pid;
    process.kill(pid, 'SIGKILL');
    await waitFor(`${victim} to end`, () => processDead(pid));
    if (victim === 'pid1') {
      // The monitor sees its container end and runs the undos; the stopped container is kept until rm.
      await waitFor('the monitor to finish', () => existsSync(join(sb.root, 'containers', id, 'done')), 30_000);
      await sb.gb(['rm', id]);
    }
    await check(`kill ${victim}`, `kill -9 ${victim}`, baseline);
  }
  assert.deepEqual(problems.slice(before), []);
});

test('figures', () => {
  const rows = Object.entries(figures).map(([k, f]) => `#   ${k.padEnd(22)} trials ${String(f.trials).padStart(3)}   leaks after gc ${f.leaks}   second gc not empty ${f.secondGcNotEmpty}   survivor lost ${f.survivorFailures}   left running (removed with rm -f) ${f.running}`);
  const total = Object.values(figures).reduce((a, f) => a + f.trials, 0);
  process.stdout.write(`# fault injection: ${steps} steps, ${total} trials\n${rows.join('\n')}\n`);
  assert.ok(total >= steps * 3, 'every step was walked');
  process.stdout.write(`#   (fail: "second gc not empty" counts a gc that found something after glassbox's own rollback)\n`);
  assert.deepEqual(problems, []);
});
