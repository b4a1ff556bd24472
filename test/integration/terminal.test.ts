// Terminals, standard input and PID 1's duties, for real: `run -it` and `exec -it` driven through a real terminal
// (tmux), `-i` passing standard input, and `--init` reaping orphans and forwarding signals, each checked against
// the same container without the flag, so a test that could not fail would show.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GLASSBOX, Sandbox, waitFor } from './helpers.ts';
import { Tmux } from './tmux.ts';

const sb = new Sandbox('terminal');
const T = { timeout: 120_000 };

before(() => sb.setup(), { timeout: 180_000 });
after(async () => {
  Tmux.killAll();
  await sb.cleanup();
}, { timeout: 120_000 });

async function ok(args: string[], input?: string): Promise<string> {
  const r = await sb.gb(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `glassbox ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const stateOf = (id: string) => JSON.parse(readFileSync(join(sb.root, 'containers', id, 'state.json'), 'utf8')) as { pid: number; cgroup?: { dirs: Record<string, string> } };

// The container's processes: those in its cgroup (pids controller) and their children. Zombies have left the
// cgroup already (a task leaves it when it exits), but stay in their parent's list of children until reaped.
function processStates(id: string): Array<{ comm: string; state: string }> {
  const dir = stateOf(id).cgroup?.dirs.pids;
  assert.ok(dir, 'the container has a pids cgroup');
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  const pids = new Set(read(join(dir, 'cgroup.procs')).split('\n').filter(Boolean));
  for (const pid of [...pids]) for (const child of read(`/proc/${pid}/task/${pid}/children`).split(' ').filter((c) => c.trim())) pids.add(child.trim());
  return [...pids].flatMap((pid) => {
    const stat = read(`/proc/${pid}/stat`);
    if (!stat) return [];
    return [{ comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), state: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]! }];
  });
}

test('-i passes standard input to the container; without it, the container reads /dev/null', T, async () => {
  assert.equal(await ok(['run', '-i', sb.rootdir, '/bin/cat'], 'through the glass\n'), 'through the glass\n');
  assert.equal(await ok(['run', sb.rootdir, '/bin/cat'], 'not for the container\n'), '');
  sb.assertNoLeaks();
});

test('-t without a terminal: docker\'s "not a TTY" error, exit 125, nothing made', T, async () => {
  const r = await sb.gb(['run', '-t', sb.rootdir, '/bin/true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /not a TTY/);
  assert.deepEqual(sb.containerIds(), []);
});

test('run -it: a shell on its own terminal; TERM, window size and resize, Ctrl-C, exit status', T, async () => {
  const t = new Tmux('run-it');
  try {
    t.start([process.execPath, GLASSBOX, 'run', '-it', '--hostname', 'glass', sb.rootdir, '/bin/sh'], sb.env);
    await t.until('the prompt', (s) => /glass|# $/m.test(s) && /[#$] *$/m.test(s));
    t.line('echo "term=$TERM size=$(stty size)"');
    await t.until('TERM and size', (s) => /term=xterm size=50 200/.test(s));
    t.resize(120, 30);
    t.line('echo "resized=$(stty size)"');
    await t.until('the new size', (s) => /resized=30 120/.test(s));
    // Ctrl-C interrupts the foreground job inside; the shell (and the container) carries on.
    // (an interactive shell abandons the rest of a command line on Ctrl-C, so the status is asked for afterwards)
    t.line('sleep 60');
    await new Promise((res) => setTimeout(res, 500));
    t.keys('C-c');
    t.line('echo "sleep ended with $?"');
    await t.until('the interrupted sleep', (s) => /sleep ended with 130/.test(s));
    t.line('echo "pid=$$"; exit 7');
    const s = await t.until('the end', (x) => /\[exited \d+\]/.test(x));
    assert.match(s, /pid=1\b/);
    assert.match(s, /\[exited 7\]/);
  } finally {
    await t.stop();
  }
  sb.assertNoLeaks();
});

test('run -it: Ctrl-D at the prompt ends the shell (exit 0)', T, async () => {
  const t = new Tmux('run-it-eof');
  try {
    t.start([process.execPath, GLASSBOX, 'run', '-it', sb.rootdir, '/bin/sh'], sb.env);
    await t.until('the prompt', (s) => /[#$] *$/m.test(s));
    t.keys('C-d');
    const s = await t.until('the end', (x) => /\[exited \d+\]/.test(x));
    assert.match(s, /\[exited 0\]/);
  } finally {
    await t.stop();
  }
  sb.assertNoLeaks();
});

test('exec -it: a shell in a running container, on its own terminal, in the container\'s PID namespace', T, async () => {
  await ok(['run', '-d', '--name', 'tty-target', sb.rootdir, '/bin/sleep', '300']);
  const t = new Tmux('exec-it');
  try {
    t.start([process.execPath, GLASSBOX, 'exec', '-it', 'tty-target', '/bin/sh'], sb.env);
    await t.until('the prompt', (s) => /[#$] *$/m.test(s));
    t.line('echo "one=$(cat /proc/1/comm) term=$TERM"');
    await t.until('PID 1 of the container', (s) => /one=sleep term=xterm/.test(s));
    // (an interactive shell abandons the rest of a command line on Ctrl-C, so the status is asked for afterwards)
    t.line('sleep 60');
    await new Promise((res) => setTimeout(res, 500));
    t.keys('C-c');
    t.line('echo "sleep ended with $?"');
    await t.until('the interrupted sleep', (s) => /sleep ended with 130/.test(s));
    t.line('exit 5');
    const s = await t.until('the end', (x) => /\[exited \d+\]/.test(x));
    assert.match(s, /\[exited 5\]/);
  } finally {
    await t.stop();
  }
  await ok(['rm', '-f', 'tty-target']);
  sb.assertNoLeaks();
});

// 100 orphans: each `( sleep 1 & )` leaves a sleep whose parent is gone, re-parented to PID 1. Without an init,
// PID 1 here is `sleep` (the shell execs it before the orphans end), which never waits: the orphans stay zombies.
// With --init, tini reaps them all.
const ORPHANS = 'for i in $(seq 100); do ( /bin/sleep 1 & ); done; exec /bin/sleep 300';

test('--init: 100 orphans leave 0 zombies; without it they stay zombies', T, async () => {
  const zombiesAfter = async (args: string[]) => {
    const id = (await ok(['run', '-d', ...args, sb.rootdir, '/bin/sh', '-c', ORPHANS])).trim();
    // Wait until the shell has made its orphans and become the last sleep, and every orphan has ended (reaped, or
    // a zombie): no sh left, and one sleep still running.
    const states = await waitFor('the orphans to end', () => {
      const s = processStates(id);
      const live = s.filter((x) => x.state !== 'Z');
      return !live.some((x) => x.comm === 'sh') && live.filter((x) => x.comm === 'sleep').length === 1 ? s : undefined;
    }, 30_000);
    await ok(['rm', '-f', id]);
    return states.filter((x) => x.state === 'Z').length;
  };
  assert.equal(await zombiesAfter(['--init']), 0);
  assert.equal(await zombiesAfter([]), 100);
  sb.assertNoLeaks();
});

test('--init: PID 1 is the init, the command its child; SIGTERM from stop reaches the command', T, async () => {
  const out = await ok(['run', '--init', sb.rootdir, '/bin/sh', '-c', 'cat /proc/1/comm; cut -d" " -f4 /proc/$$/stat; grep " /dev/init " /proc/self/mountinfo']);
  const [comm, ppid] = out.split('\n');
  assert.equal(comm, 'init');
  assert.equal(ppid, '1');
  assert.match(out, / \/dev\/init ro,/); // bound read-only
  // stop sends SIGTERM: a plain `sleep` as PID 1 ignores it (the kernel drops signals PID 1 has no handler for),
  // so stop has to SIGKILL it (137); behind tini, sleep gets the SIGTERM and dies of it (143).
  for (const [args, code] of [[['--init'], 143], [[], 137]] as const) {
    const id = (await ok(['run', '-d', ...args, sb.rootdir, '/bin/sleep', '300'])).trim();
    await ok(['stop', '-t', '3', id]);
    const ps = JSON.parse((await ok(['ps', '-a', '--format', 'json'])).split('\n').find((l) => l.includes(id))!) as { exitCode: number };
    assert.equal(ps.exitCode, code, `exit code with ${args.join(' ') || 'no init'}`);
    await ok(['rm', id]);
  }
  sb.assertNoLeaks();
});
