// Detached containers (run -d) and the verbs that work on them: ps, logs, stop, kill, rm, inspect, exec, gc. Real
// containers as root, every piece of state in the sandbox's temp dir. After `run -d` returns, no Node process may
// remain: only the container's processes and its monitor (a plain sh script), whose memory is measured here.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { GLASSBOX, processDead, Sandbox, snapshot, waitFor } from './helpers.ts';

const sb = new Sandbox('detach');
const T = { timeout: 120_000 };

before(() => sb.setup(), { timeout: 180_000 });
after(() => sb.cleanup(), { timeout: 120_000 });

const lines = (s: string) => s.split('\n').filter(Boolean);
const stateOf = (id: string) => JSON.parse(readFileSync(join(sb.root, 'containers', id, 'state.json'), 'utf8')) as { pid: number; monitor: { pid: number }; status: string; cgroup?: { dirs: Record<string, string> } };

// run -d …; returns the full ID it printed.
async function detached(args: string[]): Promise<string> {
  const r = await sb.gb(['run', '-d', ...args]);
  assert.equal(r.code, 0, `run -d ${args.join(' ')} exited ${r.code}\n${r.stderr}`);
  const id = r.stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  return id;
}

async function ok(args: string[]): Promise<string> {
  const r = await sb.gb(args);
  assert.equal(r.code, 0, `glassbox ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

type PsRow = { id: string; name: string; state: string; exitCode: number | null; pid: number | null; pids: number };
function psJsonSync(): PsRow[] {
  const r = spawnSync(process.execPath, [GLASSBOX, 'ps', '-a', '--format', 'json'], { env: { ...process.env, ...sb.env }, encoding: 'utf8' });
  return lines(r.stdout).map((l) => JSON.parse(l) as PsRow);
}
const psJson = async (all = true) => lines(await ok(['ps', ...(all ? ['-a'] : []), '--format', 'json'])).map((l) => JSON.parse(l) as PsRow);

function kib(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  return Number(m?.[1] ?? NaN);
}

test('run -d: prints the ID, leaves no Node process, only the container and a small sh monitor', T, async (t) => {
  const t0 = performance.now();
  const id = await detached(['--name', 'd1', sb.rootdir, '/bin/sh', '-c', 'echo hello; echo oops >&2; exec sleep 100']);
  const startMs = performance.now() - t0;
  const s = stateOf(id);
  assert.equal(s.status, 'running');
  // PID 1 → unshare (the start chain) → the monitor; the monitor runs sh, not node.
  const ppid = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  const chain = ppid(s.pid);
  assert.equal(ppid(chain), s.monitor.pid);
  const exe = readlinkSync(`/proc/${s.monitor.pid}/exe`);
  assert.doesNotMatch(exe, /node/);
  assert.match(readFileSync(`/proc/${s.monitor.pid}/cmdline`, 'utf8'), /monitor\.sh/);
  // No process of this sandbox runs node.
  // (bin/glassbox-seccomp-load is the loader in the chain's arguments, not a Node process)
  for (const p of snapshot(sb.dir).processes) assert.doesNotMatch(p, /glassbox\.mjs|bin\/glassbox( |$)/, `a glassbox process stayed: ${p}`);
  // What stays besides the container: the monitor (sh) and its two log-stamping awks. Their resident set counts
  // the pages of sh, mawk and libc every such process shares; what one more container costs the machine is its
  // proportional share (Pss: private pages plus its part of the shared ones).
  const helpers = [s.monitor.pid, ...readFileSync(`/proc/${s.monitor.pid}/task/${s.monitor.pid}/children`, 'utf8').trim().split(' ').map(Number).filter((p) => p !== chain)];
  assert.equal(helpers.length, 3, 'the monitor and two awks');
  for (const p of helpers.slice(1)) assert.match(readlinkSync(`/proc/${p}/exe`), /awk/);
  const sum = (field: string) => helpers.reduce((n, p) => n + kib(p, field), 0);
  const rss = sum('Rss');
  const pss = sum('Pss');
  const priv = sum('Private_Clean') + sum('Private_Dirty');
  t.diagnostic(`run -d took ${startMs.toFixed(0)} ms; monitor + 2 awks: ${rss} KiB resident (shared pages included), ${pss} KiB proportional, ${priv} KiB private`);
  assert.ok(pss <= 2048, `monitor and awks: ${pss} KiB proportional > 2 MiB`);
  await waitFor('the output in the log', () => existsSync(join(sb.root, 'containers', id, 'stdout.log')) && / hello\n$/.test(readFileSync(join(sb.root, 'containers', id, 'stdout.log'), 'utf8')));
  const logs = await sb.gb(['logs', 'd1']);
  assert.equal(logs.code, 0);
  assert.equal(logs.stdout, 'hello\n');
  assert.equal(logs.stderr, 'oops\n');
});

test('ps: table, -q, --format json, -a; names and ID prefixes everywhere', T, async () => {
  const rows = await psJson(false);
  const d1 = rows.find((r) => r.name === 'd1');
  assert.ok(d1, 'd1 is listed');
  assert.equal(d1.state, 'running');
  assert.ok(d1.pids >= 1);
  const table = await ok(['ps']);
  assert.match(lines(table)[0]!, /^CONTAINER ID\s+NAME\s+IMAGE\s+COMMAND\s+STATUS\s+CREATED\s+PIDS$/);
  assert.match(table, new RegExp(`^${d1.id.slice(0, 12)}\\s+d1\\s+.*Up `, 'm'));
  assert.ok(lines(await ok(['ps', '-q'])).includes(d1.id.slice(0, 12)));
  const byPrefix = JSON.parse(await ok(['inspect', d1.id.slice(0, 5)])) as Array<{ Id: string; Name: string }>;
  assert.equal(byPrefix[0]!.Id, d1.id);
  const byName = JSON.parse(await ok(['inspect', 'd1'])) as Array<{ Id: string }>;
  assert.equal(byName[0]!.Id, d1.id);
});

test('inspect: config, state with pid and times, mounts, the host objects it owns', T, async () => {
  const [c] = JSON.parse(await ok(['inspect', 'd1'])) as Array<Record<string, any>>;
  assert.equal(c!.Name, 'd1');
  assert.equal(c!.State.Status, 'running');
  assert.equal(c!.State.Running, true);
  assert.ok(c!.State.Pid > 1);
  assert.ok(c!.State.StartedAt);
  assert.deepEqual(c!.Config.Cmd, ['/bin/sh', '-c', 'echo hello; echo oops >&2; exec sleep 100']);
  assert.ok((c!.Mounts as Array<{ Destination: string }>).some((m) => m.Destination.endsWith('/rootfs')), JSON.stringify(c!.Mounts));
  assert.equal(c!.HostObjects.NamespaceFiles.length >= 4, true, JSON.stringify(c!.HostObjects));
  for (const f of c!.HostObjects.NamespaceFiles as string[]) assert.ok(existsSync(f), f);
  for (const d of c!.HostObjects.Cgroups as string[]) assert.ok(existsSync(d), d);
  assert.equal(c!.Monitor.Alive, true);
});

test('exec: every namespace, the cgroup, user, workdir, env; the exit code comes back', T, async () => {
  const id = (await psJson()).find((r) => r.name === 'd1')!.id;
  const r = await sb.gb(['exec', 'd1', '/bin/sh', '-c', 'hostname; cat /proc/self/cgroup; ls /proc | grep -c "^[0-9]"; /probe pid; exit 7']);
  assert.equal(r.code, 7, r.stderr);
  const out = lines(r.stdout);
  assert.equal(out[0], id.slice(0, 12), 'the container host name (uts namespace)');
  // In the container's cgroup namespace, its own groups are "/"; a process outside them would see "/..".
  assert.ok(out.some((l) => /^\d+:memory:\/$/.test(l)), `in the memory group:\n${r.stdout}`);
  assert.ok(out.some((l) => /^\d+:pids:\/$/.test(l)), 'in the pids group');
  assert.notEqual(out.at(-1), '1', 'not PID 1, but inside the PID namespace');
  assert.ok(Number(out.at(-1)) < 50, `a small PID inside the namespace: ${out.at(-1)}`);
  const u = await sb.gb(['exec', '-u', 'nobody', '-w', '/etc', '-e', 'FOO=bar baz', 'd1', '/bin/sh', '-c', 'id -u; pwd; echo "$FOO"']);
  assert.equal(u.code, 0, u.stderr);
  assert.deepEqual(lines(u.stdout), ['65534', '/etc', 'bar baz']);
  const missing = await sb.gb(['exec', 'd1', 'no-such-command']);
  assert.equal(missing.code, 127);
});

test('exec --plan prints the steps and runs nothing; sh runs the printed steps with the same effect as exec', T, async () => {
  const id = (await psJson()).find((r) => r.name === 'd1')!.id;
  const runDir = join(sb.run, id);
  const scratch = () => readdirSync(runDir).filter((f) => f.startsWith('exec-'));
  const cmd = ['/bin/sh', '-c', 'id -u; pwd; echo "$FOO"; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status'];
  const plan = await sb.gb(['exec', '--plan', '-u', 'nobody', '-w', '/etc', '-e', 'FOO=planned', 'd1', ...cmd]);
  assert.equal(plan.code, 0, plan.stderr);
  assert.deepEqual(scratch(), [], 'no barrier made');
  const pid1 = stateOf(id).pid;
  assert.match(plan.stdout, new RegExp(`nsenter --target=${pid1} --all --root`));
  assert.match(plan.stdout, / 3<"\$RUN"\/bin\/glassbox-seccomp-load 4<"\$RUN"\/seccomp\.filter &$/m, 'the loader and filter as descriptors 3 and 4');
  const json = await sb.gb(['exec', '--plan', '--format', 'json', 'd1', 'true']);
  assert.equal(json.code, 0, json.stderr);
  const steps = (JSON.parse(json.stdout) as { steps: Array<{ role?: string; fds?: string[]; waits?: string }> }).steps;
  const start = steps.find((s) => s.role === 'start')!;
  assert.equal(start.waits, 'self');
  assert.deepEqual(start.fds, [join(runDir, 'bin', 'glassbox-seccomp-load'), join(runDir, 'seccomp.filter')]);
  // The printed steps, run by hand: the same user, directory, environment and restrictions as exec gives.
  const file = join(sb.dir, 'exec-plan.sh');
  writeFileSync(file, plan.stdout);
  // The script leaves the command running in the background; its output pipe closes when the command ends.
  const bySh = spawnSync('/bin/sh', [file], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 30_000 });
  assert.equal(bySh.status, 0, bySh.stderr);
  const byExec = await sb.gb(['exec', '-u', 'nobody', '-w', '/etc', '-e', 'FOO=planned', 'd1', ...cmd]);
  assert.equal(byExec.code, 0, byExec.stderr);
  assert.deepEqual(lines(byExec.stdout), ['65534', '/etc', 'planned', 'NoNewPrivs:\t1', 'Seccomp:\t2']);
  assert.deepEqual(lines(bySh.stdout), lines(byExec.stdout));
  assert.deepEqual(scratch(), [], 'the barrier is gone');
  // --format belongs to --plan.
  const lone = await sb.gb(['exec', '--format', 'json', 'd1', 'true']);
  assert.equal(lone.code, 125);
  assert.match(lone.stderr, /--format goes with --plan/);
});

test('exec returns when its command ends, though a process it left behind still holds the output', T, async () => {
  // glassbox's output goes to a file, not a pipe: only glassbox itself could keep it waiting.
  const out = join(sb.dir, 'exec-daemon.out');
  const fd = openSync(out, 'w');
  try {
    const r = spawnSync(process.execPath, [GLASSBOX, 'exec', 'd1', '/bin/sh', '-c', 'sleep 9 & echo started'], { env: { ...process.env, ...sb.env }, stdio: ['ignore', fd, fd], timeout: 60_000 });
    assert.equal(r.status, 0, readFileSync(out, 'utf8'));
  } finally {
    closeSync(fd);
  }
  // The background sleep is still running: glassbox did not wait for its stderr (once a pipe through glassbox).
  const sleeping = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).some((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'sleep\x009\x00';
    } catch {
      return false;
    }
  });
  assert.ok(sleeping, `glassbox exec returned while the daemon still ran: ${readFileSync(out, 'utf8')}`);
  assert.match(readFileSync(out, 'utf8'), /^started$/m);
});

test('exec: Ctrl-C to glassbox\'s process group (as a terminal sends it) reaches the command once; glassbox waits for it and passes its status on', T, async () => {
  // A process group of its own for glassbox, like a shell's job: SIGINT to the group is what Ctrl-C does.
  const child = spawn(process.execPath, [GLASSBOX, 'exec', 'd1', '/bin/sh', '-c', 'trap "echo got-int" INT; echo ready; sleep 2 & wait; sleep 1; echo done; exit 4'], { env: { ...process.env, ...sb.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += String(d)));
  const ended = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor('the command to set its trap', () => out.includes('ready'), 30_000);
  process.kill(-child.pid!, 'SIGINT');
  const code = await ended;
  assert.equal(code, 4, `glassbox exec passed on the command's own status, after it ended\n${out}`);
  assert.deepEqual(lines(out), ['ready', 'got-int', 'done'], 'the command got SIGINT once and ran to its end');
});

test('exec journals its undos: a live exec\'s journal is left alone by gc; after kill -9 of glassbox exec, gc finishes it', T, async () => {
  const id = (await psJson()).find((r) => r.name === 'd1')!.id;
  const dir = join(sb.root, 'containers', id);
  const journals = () => readdirSync(dir).filter((f) => /^exec-[0-9a-f]+\.journal\.json$/.test(f));
  const fifos = () => readdirSync(join(sb.run, id)).filter((f) => f.startsWith('exec-'));
  assert.deepEqual(journals(), []);
  const bg = sb.gbStart(['exec', 'd1', 'sleep', '20']);
  try {
    const [file] = await waitFor('the exec journal', () => (journals().length ? journals() : undefined), 10_000);
    const journal = JSON.parse(readFileSync(join(dir, file!), 'utf8')) as { owner: { pid: number }; entries: Array<{ undo: string[] }> };
    assert.equal(journal.owner.pid, bg.child.pid, 'owned by the glassbox exec process');
    assert.ok(journal.entries.some((e) => e.undo.join(' ').includes('.fifo')), 'the barrier\'s removal is journaled');
    // The journal says when the barrier has opened: from then on the command runs (its FIFO stays until it ends).
    const released = () => (JSON.parse(readFileSync(join(dir, file!), 'utf8')) as { released?: boolean }).released;
    await waitFor('the command to run', () => released(), 10_000);
    assert.equal(fifos().length, 1, 'the barrier FIFO stays while the command runs');
    const gc = await ok(['gc']);
    assert.doesNotMatch(gc, /exec/, 'a live exec is not touched');
    assert.deepEqual(journals(), [file]);
    // The command keeps glassbox's output pipe open (it lives on in the container, as docker exec's does when its
    // client dies): wait for glassbox's own exit, not for the pipe to close.
    const exited = new Promise((res) => bg.child.once('exit', res));
    bg.child.kill('SIGKILL');
    await exited;
  } finally {
    bg.stop();
  }
  const gc = await ok(['gc']);
  assert.match(gc, new RegExp(`finished the cleanup of exec ${id.slice(0, 12)}/exec-[0-9a-f]+`));
  assert.deepEqual(journals(), []);
  assert.deepEqual(fifos(), [], 'gc ran the journal\'s undo');
  assert.equal((await ok(['gc'])).trim(), 'nothing to clean up', 'a second gc does nothing');
  assert.equal(stateOf(id).status, 'running', 'the container lives on');
});

test('exec killed at every step (SIGKILL: gc finishes it; SIGTERM: it undoes itself): no journal, FIFO or process left', T, async () => {
  const id = (await psJson()).find((r) => r.name === 'd1')!.id;
  const dir = join(sb.root, 'containers', id);
  const plan = JSON.parse(await ok(['exec', '--plan', '--format', 'json', 'd1', 'true'])) as { steps: unknown[] };
  const leftovers = () => [
    ...readdirSync(dir).filter((f) => f.startsWith('exec-')),
    ...readdirSync(join(sb.run, id)).filter((f) => f.startsWith('exec-')),
    // A chain still blocked at its barrier names the FIFO in its command line.
    ...readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`${join(sb.run, id)}/exec-`);
      } catch {
        return false;
      }
    }).map((p) => `process ${p}`),
  ];
  const problems: string[] = [];
  for (let n = 1; n <= plan.steps.length; n++) {
    for (const moment of ['before', 'during', 'after']) {
      for (const sig of ['SIGKILL', 'SIGTERM']) {
        const at = `step:${n}:${moment}:${sig}`;
        await sb.gb(['exec', 'd1', 'true'], { env: { GLASSBOX_FAILPOINT: at } });
        if (sig === 'SIGKILL') await ok(['gc']);
        // The killed chain may need a moment to be reaped by init.
        const left = await waitFor(`${at} to leave nothing`, () => (leftovers().length === 0 ? [] : undefined), 5000).catch(() => leftovers());
        if (left.length) problems.push(`${at}: ${left.join(', ')}`);
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.equal((await ok(['gc'])).trim(), 'nothing to clean up');
  assert.equal(stateOf(id).status, 'running', 'the container lives on');
});

test('kill: a bad signal name changes nothing (125); -s TERM reaches PID 1', T, async () => {
  const id = await detached(['--name', 'k1', sb.rootdir, '/bin/sh', '-c', 'trap "exit 3" TERM; while :; do sleep 0.1; done']);
  const bad = await sb.gb(['kill', '-s', 'NOPE', 'k1']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /invalid signal: NOPE/);
  assert.equal(stateOf(id).status, 'running');
  assert.ok(!processDead(stateOf(id).pid));
  await ok(['kill', '-s', 'TERM', 'k1']);
  await waitFor('k1 to be released', () => existsSync(join(sb.root, 'containers', id, 'done')));
  const k1 = (await psJson()).find((r) => r.name === 'k1')!;
  assert.equal(k1.state, 'exited');
  assert.equal(k1.exitCode, 3);
});

test('stop: SIGTERM first; SIGKILL after the grace period; host objects released by the monitor', T, async () => {
  const id = await detached(['--name', 's1', sb.rootdir, 'sleep', '100']);
  const runDir = join(sb.run, id);
  assert.ok(existsSync(runDir));
  const t0 = performance.now();
  await ok(['stop', '-t', '1', 's1']);
  const ms = performance.now() - t0;
  assert.ok(ms >= 1000, `waited the grace period (${ms.toFixed(0)} ms)`);
  const s1 = (await psJson()).find((r) => r.name === 's1')!;
  assert.equal(s1.state, 'exited');
  assert.equal(s1.exitCode, 137, 'sleep as PID 1 ignores SIGTERM: killed');
  assert.ok(!existsSync(runDir), 'namespace files and mount point released');
  const cg = stateOf(id).cgroup;
  for (const d of Object.values(cg?.dirs ?? {})) assert.ok(!existsSync(d), `cgroup ${d} removed`);
  // A container that handles SIGTERM stops at once, with its own status.
  await detached(['--name', 's2', sb.rootdir, '/bin/sh', '-c', 'trap "exit 5" TERM; while :; do sleep 0.1; done']);
  const t1 = performance.now();
  await ok(['stop', 's2']);
  assert.ok(performance.now() - t1 < 5000);
  assert.equal((await psJson()).find((r) => r.name === 's2')!.exitCode, 5);
});

test('PID 1 exits on its own: mounts, namespace files and cgroups are gone within a second, by the monitor alone', T, async () => {
  const id = await detached(['--name', 'e1', sb.rootdir, '/bin/sh', '-c', 'sleep 0.5; exit 4']);
  const dir = join(sb.root, 'containers', id);
  const exitAt = await waitFor('the exit status', () => (existsSync(join(dir, 'exit')) ? performance.now() : undefined), 10_000);
  await waitFor('the release', () => existsSync(join(dir, 'done')), 1000);
  const releasedMs = performance.now() - exitAt;
  assert.ok(!existsSync(join(sb.run, id)));
  assert.deepEqual(sb.sandboxMounts().filter((m) => m.includes(id)), []);
  assert.ok(releasedMs < 1000, `released ${releasedMs.toFixed(0)} ms after the exit`);
  assert.equal(readFileSync(join(dir, 'exit'), 'utf8').trim(), '4');
  // Kept until rm: still listed, and the log is still there.
  const row = (await psJson()).find((r) => r.name === 'e1')!;
  assert.equal(row.state, 'exited');
  assert.equal(row.exitCode, 4);
});

test('rm: refuses a running container without -f (and then removes none of those named); removes exited ones; -f kills first', T, async () => {
  const id = await detached(['--name', 'r1', sb.rootdir, 'sleep', '100']);
  const refused = await sb.gb(['rm', 'r1']);
  assert.equal(refused.code, 125);
  assert.match(refused.stderr, /cannot remove container "r1": container is running/);
  assert.ok(!processDead(stateOf(id).pid), 'still running');
  // Several at once: every one is checked before any is touched, so one refusal removes nothing.
  const mixed = await sb.gb(['rm', 'e1', 'r1']);
  assert.equal(mixed.code, 125);
  assert.ok((await psJson()).some((r) => r.name === 'e1'), 'e1 is still there: nothing was removed');
  await ok(['rm', '-f', 'r1']);
  assert.ok(!existsSync(join(sb.root, 'containers', id)));
  assert.ok(!existsSync(join(sb.run, id)));
  assert.ok(!existsSync(join(sb.root, 'names', 'r1')), 'the name is free again');
  await ok(['rm', 'e1', 'k1', 's1', 's2']);
  const names = (await psJson()).map((r) => r.name);
  for (const n of ['e1', 'k1', 's1', 's2', 'r1']) assert.ok(!names.includes(n), `${n} removed`);
});

test('--rm: the monitor removes the container when it ends', T, async () => {
  const id = await detached(['--rm', '--name', 'auto', sb.rootdir, '/bin/sh', '-c', 'exit 2']);
  await waitFor('the container to be removed', () => !existsSync(join(sb.root, 'containers', id)), 5000);
  assert.ok(!existsSync(join(sb.root, 'names', 'auto')));
  assert.ok(!existsSync(join(sb.run, id)));
});

test('logs -f follows the output until the container ends; --tail N; -t shows when each line was written', T, async () => {
  await detached(['--name', 'l1', sb.rootdir, '/bin/sh', '-c', 'for i in 1 2 3 4 5; do echo line $i; sleep 0.2; done']);
  const r = await sb.gb(['logs', '-f', 'l1'], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), ['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
  const tail = await ok(['logs', '--tail', '2', 'l1']);
  assert.deepEqual(lines(tail), ['line 4', 'line 5']);
  // -t: each line with the time it was written, in UTC, within this test's minute or so.
  const stamped = lines(await ok(['logs', '-t', '--tail', '3', 'l1']));
  assert.equal(stamped.length, 3);
  for (const [i, l] of stamped.entries()) {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (line \d)$/.exec(l);
    assert.ok(m, `not stamped: ${l}`);
    assert.equal(m[2], `line ${i + 3}`);
    assert.ok(Math.abs(Date.parse(m[1]!) - Date.now()) < 120_000, `a time near now: ${m[1]}`);
  }
  await ok(['rm', 'l1']);
});

test('bad input: unknown container, ambiguous prefix, run -d of a missing command (127), name taken, exec into a stopped container', T, async () => {
  const unknown = await sb.gb(['stop', 'no-such-box']);
  assert.equal(unknown.code, 125);
  assert.match(unknown.stderr, /No such container: no-such-box/);
  for (const verb of [['logs'], ['kill'], ['rm'], ['inspect'], ['exec']]) {
    const r = await sb.gb([...verb, 'no-such-box', ...(verb[0] === 'exec' ? ['true'] : [])]);
    assert.equal(r.code, 125, `${verb[0]}: ${r.stderr}`);
    assert.match(r.stderr, /No such container/);
  }
  // Two state directories sharing a prefix (made by hand: random IDs rarely share more than a digit).
  const fake = ['abcabc' + '0'.repeat(58), 'abcabc' + '1'.repeat(58)];
  for (const id of fake) mkdirSync(join(sb.root, 'containers', id), { recursive: true });
  try {
    const amb = await sb.gb(['inspect', 'abcabc']);
    assert.equal(amb.code, 125);
    assert.match(amb.stderr, /multiple IDs found with provided prefix: abcabc/);
  } finally {
    for (const id of fake) rmSync(join(sb.root, 'containers', id), { recursive: true, force: true });
  }
  const idsBefore = sb.containerIds();
  const notFound = await sb.gb(['run', '-d', '--name', 'nf', sb.rootdir, 'no-such-command']);
  assert.equal(notFound.code, 127, notFound.stderr);
  assert.match(notFound.stderr, /executable file not found/);
  assert.deepEqual(sb.containerIds(), idsBefore, 'nothing kept');
  assert.ok(!existsSync(join(sb.root, 'names', 'nf')));
  const id = await detached(['--name', 'taken', sb.rootdir, '/bin/sh', '-c', 'exit 0']);
  const before = (await psJson()).length;
  const dup = await sb.gb(['run', '-d', '--name', 'taken', sb.rootdir, 'true']);
  assert.equal(dup.code, 125);
  assert.match(dup.stderr, /the container name "taken" is already in use/);
  assert.equal((await psJson()).length, before, 'nothing made');
  await waitFor('taken to exit', () => existsSync(join(sb.root, 'containers', id, 'done')));
  const ex = await sb.gb(['exec', 'taken', 'true']);
  assert.equal(ex.code, 125);
  assert.match(ex.stderr, /is not running/);
  await ok(['rm', 'taken']);
});

test('gc never touches a live detached container, and finishes one whose monitor was killed with -9', T, async () => {
  const live = await detached(['--name', 'g1', sb.rootdir, 'sleep', '100']);
  const victim = await detached(['--name', 'g2', sb.rootdir, 'sleep', '100']);
  await ok(['gc']);
  assert.equal((await psJson()).find((r) => r.name === 'g1')!.state, 'running');
  assert.ok(!processDead(stateOf(live).pid));
  const v = stateOf(victim);
  process.kill(v.monitor.pid, 'SIGKILL');
  // The monitor was the start chain's parent: its parent-death signal takes PID 1 down.
  await waitFor('PID 1 of g2 to die', () => processDead(v.pid), 5000);
  const row = await (async () => {
    for (let i = 0; i < 50; i++) {
      const r = (await psJson()).find((x) => x.name === 'g2')!;
      if (r.state === 'dead') return r;
      await new Promise((res) => setTimeout(res, 100));
    }
    return (await psJson()).find((x) => x.name === 'g2')!;
  })();
  assert.equal(row.state, 'dead');
  const gc = await ok(['gc']);
  assert.match(gc, new RegExp(`removed container ${victim.slice(0, 12)}`));
  assert.ok(!existsSync(join(sb.run, victim)));
  assert.equal((await psJson()).find((r) => r.name === 'g1')!.state, 'running');
  await ok(['rm', '-f', 'g1']);
});

test('restart: the same container again (ID, name, writable layer, logs appended), with a new PID 1', T, async () => {
  const id = await detached(['--name', 'rs', sb.rootdir, '/bin/sh', '-c', 'echo x >> /count; wc -l < /count; trap "exit 0" TERM; while :; do sleep 0.1; done']);
  const pid = stateOf(id).pid;
  await waitFor('the first line', () => readFileSync(join(sb.root, 'containers', id, 'stdout.log'), 'utf8').includes('1'));
  const r = await sb.gb(['restart', '-t', '5', 'rs']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'rs\n');
  const after = stateOf(id);
  assert.equal(after.status, 'running');
  assert.notEqual(after.pid, pid);
  assert.ok(processDead(pid));
  await waitFor('the second line', () => readFileSync(join(sb.root, 'containers', id, 'stdout.log'), 'utf8').includes('2'));
  assert.deepEqual(lines(await ok(['logs', 'rs'])).map((l) => l.trim()), ['1', '2'], 'the file written in the first run is still there');
  assert.equal((await psJson()).find((x) => x.name === 'rs')!.state, 'running');
  await ok(['rm', '-f', 'rs']);
  assert.ok(!existsSync(join(sb.run, id)));
});

test('state after killing glassbox: a foreground run shows dead, a run -d killed while booting is finished by gc', T, async () => {
  // Foreground: glassbox owns the container; kill -9 of glassbox kills the container (parent-death signal).
  const known = sb.containerIds();
  const fg = sb.gbStart(['run', '--name', 'fg', sb.rootdir, 'sleep', '100']);
  try {
    const { pid } = await fg.running(known);
    fg.child.kill('SIGKILL');
    await fg.done;
    await waitFor('the foreground container to die', () => processDead(pid), 5000);
    const row = await waitFor('ps to say dead', () => psJsonSync().find((r) => r.name === 'fg' && r.state === 'dead'), 5000);
    assert.ok(row);
  } finally {
    fg.stop();
  }
  // Detached, killed as soon as its monitor exists (before or during boot: either way the state must be right).
  const bg = sb.gbStart(['run', '-d', '--name', 'half', sb.rootdir, 'sleep', '100']);
  let id = '';
  try {
    id = await waitFor('the monitor to start', () => sb.containerIds().find((c) => !known.includes(c) && existsSync(join(sb.root, 'containers', c, 'state.json')) && 'monitor' in stateOf(c)), 15_000);
    bg.child.kill('SIGKILL');
    await bg.done;
  } finally {
    bg.stop();
  }
  const half = (await psJson()).find((r) => r.name === 'half');
  assert.ok(half, 'listed');
  assert.ok(['running', 'dead'].includes(half.state), `state ${half.state}`);
  await ok(['gc']);
  if (half.state === 'running') await ok(['rm', '-f', 'half']);
  assert.ok(!existsSync(join(sb.root, 'containers', id)), 'gone after gc (dead) or rm -f (running)');
  assert.ok(!existsSync(join(sb.run, id)));
  assert.deepEqual((await psJson()).filter((r) => ['fg', 'half'].includes(r.name)), []);
});

test('after a reboot (another boot ID in state.json) a running container shows dead and gc finishes it', T, async () => {
  const id = await detached(['--name', 'boot', sb.rootdir, 'sleep', '100']);
  const file = join(sb.root, 'containers', id, 'state.json');
  const s = JSON.parse(readFileSync(file, 'utf8')) as { owner: { boot: string }; monitor: { boot: string }; pid: number };
  s.owner.boot = s.monitor.boot = '00000000-0000-0000-0000-000000000000';
  writeFileSync(file, JSON.stringify(s));
  // After a real reboot no process of the old boot exists: the monitor is held still while gc works, and killed
  // afterwards (a living monitor would finish its own undos at the same time as gc).
  const monitor = (s as unknown as { monitor: { pid: number } }).monitor.pid;
  process.kill(monitor, 'SIGSTOP');
  try {
    assert.equal((await psJson()).find((r) => r.name === 'boot')!.state, 'dead');
    const gc = await ok(['gc']);
    assert.match(gc, new RegExp(`removed container ${id.slice(0, 12)}`));
  } finally {
    process.kill(monitor, 'SIGKILL');
  }
  await waitFor('its PID 1 to be gone', () => processDead(s.pid), 5000);
  await waitFor('its run directory to be gone', () => !existsSync(join(sb.run, id)), 5000);
  assert.equal((await psJson()).find((r) => r.name === 'boot'), undefined);
});

test('20 detached containers: started, listed, stopped and removed, with zero leaks', { timeout: 300_000 }, async (t) => {
  await ok(['rm', '-f', 'd1']);
  const names = Array.from({ length: 20 }, (_, i) => `many-${i}`);
  const t0 = performance.now();
  for (const n of names) await detached(['--name', n, sb.rootdir, 'sleep', '100']);
  const startMs = performance.now() - t0;
  const t1 = performance.now();
  const rows = await psJson(false);
  const listMs = performance.now() - t1;
  assert.deepEqual(rows.map((r) => r.name).filter((n) => n.startsWith('many-')).sort(), [...names].sort());
  assert.ok(rows.every((r) => r.state === 'running'));
  const t2 = performance.now();
  await ok(['stop', '-t', '0', ...names]);
  const stopMs = performance.now() - t2;
  assert.ok((await psJson()).filter((r) => r.name.startsWith('many-')).every((r) => r.state === 'exited' && r.exitCode === 137));
  const t3 = performance.now();
  await ok(['rm', ...names]);
  const rmMs = performance.now() - t3;
  t.diagnostic(`20 containers: start ${startMs.toFixed(0)} ms (one by one), ps ${listMs.toFixed(0)} ms, stop ${stopMs.toFixed(0)} ms, rm ${rmMs.toFixed(0)} ms`);
  assert.deepEqual(await psJson(), []);
  assert.deepEqual(sb.runEntries(), []);
  sb.assertNoLeaks();
});
