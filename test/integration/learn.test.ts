// `glassbox learn` and `glassbox lessons` for real, as root: learn mode driven through a real terminal (tmux:
// send-keys, capture-pane) — run, skip, explain, diff, the shell, quit-and-undo with nothing left behind, Chinese
// output, --from — and without a terminal: every lesson with --yes, --record transcripts run again with sh,
// --format json, --xray, and the refusal to ask without a terminal.
//
// Until lib/cli/main.ts registers the commands (registerLearn), bin/glassbox does not know them: the tests then run
// them from source through a small entry file (the same program with registerLearn added).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GLASSBOX, REPO, run, Sandbox, waitFor, type Result } from './helpers.ts';
import { Tmux } from './tmux.ts';

const sb = new Sandbox('learn');
const T = { timeout: 180_000 };
let learnCmd: string[] = [];
let recipe = '';

before(async () => {
  await sb.setup();
  const probe = await sb.gb(['lessons']);
  if (probe.code === 0) learnCmd = [process.execPath, GLASSBOX];
  else {
    const entry = join(sb.dir, 'learn-entry.mts');
    writeFileSync(
      entry,
      [
        `import { buildProgram } from ${JSON.stringify(join(REPO, 'lib/cli/main.ts'))};`,
        `import { registerLearn } from ${JSON.stringify(join(REPO, 'lib/cli/learn-command.ts'))};`,
        `import { reportError } from ${JSON.stringify(join(REPO, 'lib/cli/output.ts'))};`,
        'let code: number | undefined;',
        'const program = buildProgram((c) => (code = c));',
        'registerLearn(program, () => {',
        '  const o = program.opts<{ verbose?: boolean; lang?: string }>();',
        "  const l = o.lang ?? process.env.GLASSBOX_LANG ?? process.env.LC_ALL ?? process.env.LANG ?? '';",
        "  return { verbose: o.verbose, lang: l.startsWith('zh') ? 'zh' : 'en' };",
        '});',
        'try {',
        '  await program.parseAsync(process.argv);',
        '} catch (e) {',
        '  const c = (e as { code?: string }).code;',
        "  if (typeof c === 'string' && c.startsWith('commander.')) code = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(c) ? 0 : 125;",
        '  else code = reportError(e);',
        '}',
        'process.exitCode = code ?? 0;',
      ].join('\n'),
    );
    learnCmd = [process.execPath, '--import', 'tsx', entry];
  }
  // A small container on the sandbox's root directory: its host name shows up where the steps put it.
  recipe = join(sb.dir, 'learnbox.yaml');
  writeFileSync(recipe, `name: learnbox\nrootdir: ${sb.rootdir}\nhostname: learnbox\ncommand: [/probe, hostname]\n`);
}, { timeout: 240_000 });

after(async () => {
  Tmux.killAll();
  await sb.cleanup();
}, { timeout: 120_000 });

// glassbox learn/lessons without a terminal.
function gl(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Result> {
  return run([...learnCmd, ...args], { env: { ...sb.env, ...opts.env }, timeoutMs: opts.timeoutMs ?? 150_000 });
}

const ok = (r: Result, what: string) => assert.equal(r.code, 0, `${what} exited ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`);

const PROMPT = /run this step\?/g;
const PROMPT_ZH = /执行这一步吗？/g;
const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
const CJK = /[\u4e00-\u9fff]/;
// A step header: [section k/N · step n/N] title (or, in Chinese, [第 k/N 节 · 第 n/N 步] title); groups: n, N, title.
const HEADER = /^\[(?:section \d+\/\d+ · step |第 \d+\/\d+ 节 · 第 )(\d+)\/(\d+)(?: 步)?\] (.*)$/gm;
// The title of the newest step header on the screen.
const lastTitle = (s: string) => [...s.matchAll(HEADER)].at(-1);
// An answer at the prompt: letters need Enter.
const answer = (t: Tmux, key: string) => t.keys(key, 'Enter');

// A detached glassbox/base container named and host-named NAME, for learn --exec; returns its ID.
async function runningBox(name: string): Promise<string> {
  const bg = await sb.gb(['run', '-d', '--name', name, '--hostname', name, 'glassbox/base', 'sleep', '120']);
  ok(bg, 'run -d');
  return bg.stdout.trim();
}

// What an exec leaves beside a container: its journal in the state directory, its barrier in the run directory.
const execFiles = (id: string) => [join(sb.root, 'containers', id), join(sb.run, id)].flatMap((d) => readdirSync(d).filter((f) => f.startsWith('exec-')));

// ---- without a terminal -----------------------------------------------------------------------------------------

test('lessons: lists every lesson with its year and its title in both languages', T, async () => {
  const r = await gl(['lessons']);
  ok(r, 'glassbox lessons');
  for (const n of [1, 2, 3, 4, 5, 6, 7]) assert.match(r.stdout, new RegExp(`^ ?${n}  `, 'm'), `lesson ${n}`);
  assert.match(r.stdout, /1979 +chroot/);
  assert.match(r.stdout, /命名空间/);
  assert.match(r.stdout, /2008 +cgroups/);
  assert.match(r.stdout, /2013 +bridge/);
  assert.doesNotMatch(r.stdout, /coming with/, 'every lesson is written');
});

test('learn: without a terminal it refuses to ask, suggests --yes and exits 125, having changed nothing', T, async () => {
  const r = await gl(['learn', recipe]);
  assert.equal(r.code, 125, r.stderr);
  assert.match(r.stderr, /needs a terminal/);
  assert.match(r.stderr, /--yes/);
  assert.deepEqual(sb.containerIds(), []);
  sb.assertNoLeaks();
});

test('learn --list: the steps, one mount command per mount, nothing run', T, async () => {
  const r = await gl(['learn', recipe, '--list']);
  ok(r, 'learn --list');
  assert.match(r.stdout, /\[1\/\d+\]/);
  const mounts = r.stdout.split('\n').filter((l) => /^\s+nsenter --mount=\S+ .*\bmount -t /.test(l));
  assert.ok(mounts.length >= 5, `expected one mount command per mount, got ${mounts.length}:\n${r.stdout}`);
  assert.doesNotMatch(r.stdout, /mount --all/);
  assert.deepEqual(sb.containerIds(), []);
});

test('learn --yes: every lesson runs to its end and leaves nothing behind', { timeout: 600_000 }, async () => {
  const hostRelease = /^PRETTY_NAME=(.*)$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
  const expect: Record<string, (out: string) => void> = {
    '1': (out) => {
      assert.match(out, /my super secret thing/, 'the escape reads the secret outside the jail');
      if (hostRelease) assert.ok(out.includes(`PRETTY_NAME=${hostRelease}`), 'the escape reads the host\'s os-release');
      assert.match(out, /a jail made by hand \(glassbox lesson 1\)/);
    },
    '2': (out) => {
      assert.match(out, /uid=0\(root\)/);
      assert.match(out, /\+ lesson-two/);
      assert.match(out, /PID +PPID COMMAND\n.*\b1 +0 ps/);
    },
    '3': (out) => {
      const escape = out.slice(out.indexOf('chroot x; cd ../../..'));
      assert.match(escape, /a jail made by hand \(glassbox lesson 3\)/, 'after pivot_root the escape lands in the jail');
      if (hostRelease) assert.ok(!escape.slice(0, 2000).includes(`PRETTY_NAME=${hostRelease}`));
    },
    '4': (out) => {
      assert.match(out, /^\s*[│┃] the fork bomb started 2 seconds ago/m, 'PID 1 set off the bomb');
      assert.match(out, /pids\.max <==\n\s*│ 64$/m, 'the wall');
      assert.match(out, /^\s*│ max [1-9]\d*$/m, 'pids.events: the kernel refused forks at the wall');
      assert.match(out, /^\s*│ oom_kill 1$/m, 'memory.oom_control: the OOM killer ended the hog');
      assert.match(out, /^\s*│ a memory hog: /m);
    },
    '5': (out) => {
      assert.match(out, /character special file 0,0/);
      assert.match(out, /hello from the top layer/);
    },
    '6': (out) => {
      const page = /^\s*│ hello from the container behind the bridge \(glassbox lesson 6\)$/gm;
      assert.equal(count(out, page), 3, 'the page, directly at the address, through the published port, and in the checks');
      assert.match(out, /^\s*│ lo +UNKNOWN|^\s*│ 1: lo: <LOOPBACK,UP,LOWER_UP>/m, 'lo was up before the wiring');
      assert.match(out, /^\s*\+ gb-[0-9a-f]{8} +DOWN/m, 'the diff shows the bridge appearing');
      // The address is there at once; the link's state may still read DOWN for a moment (the kernel's linkwatch
      // updates a veth's operstate asynchronously, up to a second later).
      assert.match(out, /^\s*\+ eth0@if\d+ +(UP|DOWN|LOWERLAYERDOWN) +\d+\.\d+\.\d+\.2\/24/m, 'the diff shows eth0 getting its address');
      assert.match(out, /^\s*│ Chain PREROUTING[^]*ADDRTYPE match dst-type LOCAL/m, "seed 001's picture");
      assert.match(out, /^\s*\+ +1 +\d+ DNAT .*tcp dpt:\d+ .*to:\d+\.\d+\.\d+\.2:80$/m, 'the DNAT rule counted the connection');
      assert.match(out, /\[\d+\] ip link del gb-[0-9a-f]{8} +✓/, 'the cleanup deleted the bridge');
    },
    '7': (out) => {
      assert.match(out, /^\s*[│┃] together$/m);
      assert.match(out, /1 root +sleep 3600/);
    },
  };
  for (const [lesson, check] of Object.entries(expect)) {
    const r = await gl(['learn', lesson, '--yes']);
    ok(r, `learn ${lesson} --yes`);
    check(r.stdout);
    assert.match(r.stdout, /Lesson complete/);
    assert.doesNotMatch(r.stdout, /still mounted after the cleanup/);
    assert.deepEqual(sb.containerIds(), [], `lesson ${lesson} left its state directory`);
    sb.assertNoLeaks();
  }
});

test('learn --record: the transcript is a sh script that reaches the same state and leaves nothing', T, async () => {
  const file = join(sb.dir, 'learnbox.sh');
  const r = await gl(['learn', recipe, '--yes', '--record', file]);
  ok(r, 'learn --record');
  assert.match(r.stdout, /^ {2}┃ learnbox\n {2}✓ exit 0/m, 'the container printed its host name, framed, before the status line of the step that released it');
  sb.assertNoLeaks();
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^#!\/bin\/sh\n# Transcript of `glassbox learn /);
  const sh = await run(['sh', file], { env: sb.env, timeoutMs: 60_000 });
  assert.equal(sh.code, 0, `sh transcript: ${sh.stderr}`);
  assert.match(sh.stdout, /^learnbox$/m, 'the transcript makes the same container');
  sb.assertNoLeaks();

  // A lesson's transcript, run alone: the overlay shows the same whiteout.
  const lessonFile = join(sb.dir, 'lesson5.sh');
  ok(await gl(['learn', '5', '--yes', '--record', lessonFile]), 'learn 5 --record');
  const sh5 = await run(['sh', lessonFile], { env: sb.env, timeoutMs: 60_000 });
  assert.equal(sh5.code, 0, sh5.stderr);
  assert.match(sh5.stdout, /character special file 0,0/);
  sb.assertNoLeaks();

  // Lesson 1's, with its container: the escape happens again, and the container's SIGKILL is its exit status.
  const lesson1 = join(sb.dir, 'lesson1.sh');
  ok(await gl(['learn', '1', '--yes', '--record', lesson1]), 'learn 1 --record');
  const sh1 = await run(['sh', lesson1], { env: sb.env, timeoutMs: 60_000 });
  assert.ok([1, 137].includes(sh1.code), `sh lesson1.sh exited ${sh1.code}: ${sh1.stderr}`);
  assert.match(sh1.stdout, /my super secret thing/);
  assert.deepEqual(sb.containerIds(), []);
  sb.assertNoLeaks();

  // Lesson 6's, with its network: the same bridge, veth, rules and published port, then all of it removed.
  const lesson6 = join(sb.dir, 'lesson6.sh');
  ok(await gl(['learn', '6', '--yes', '--record', lesson6]), 'learn 6 --record');
  sb.assertNoLeaks();
  const text6 = readFileSync(lesson6, 'utf8');
  assert.match(text6, /^ip link add gb-[0-9a-f]{8} type bridge$/m);
  assert.match(text6, /^iptables-restore -w --noflush \S+\/ports\.rules$/m);
  const sh6 = await run(['sh', lesson6], { env: sb.env, timeoutMs: 60_000 });
  assert.ok([1, 137].includes(sh6.code), `sh lesson6.sh exited ${sh6.code}: ${sh6.stderr}`);
  assert.equal(count(sh6.stdout, /^hello from the container behind the bridge \(glassbox lesson 6\)$/gm), 3, sh6.stdout);
  assert.match(sh6.stdout, /^-A GLASSBOX-PORTS-[0-9a-f]{8} -p tcp -m tcp --dport \d+ .*-j DNAT --to-destination \d+\.\d+\.\d+\.2:80$/m);
  assert.deepEqual(sb.containerIds(), []);
  sb.assertNoLeaks();
});

test('learn --yes while another container runs: the shared parent cgroup is left in place, said in words', T, async () => {
  const bg = await sb.gb(['run', '-d', '--name', 'sharer', sb.rootdir, '/probe', 'sleep', '60']);
  ok(bg, 'run -d');
  try {
    const r = await gl(['learn', recipe, '--yes']);
    ok(r, 'learn --yes');
    // The step that made glassbox's parent groups says its undo may meet them still in use (undo_tolerate: shared).
    assert.match(r.stdout, /^ {2}\[1\] rmdir "\$CG"\/\S+\/glassbox .*✓ still used by another container — left in place$/m);
    assert.doesNotMatch(r.stdout.slice(r.stdout.indexOf('Clean up')), /\(exit \d+\)$|✗/m, 'no bare exit code in the cleanup');
  } finally {
    await sb.gb(['rm', '-f', 'sharer'], { timeoutMs: 60_000 });
  }
  sb.assertNoLeaks();
});

test('learn --exec --yes: an exec into a running container, step by step; the command\'s output and status; the container runs on', T, async () => {
  const id = await runningBox('execbox');
  try {
    const list = await gl(['learn', '--exec', 'execbox', '--list', '--', 'sh', '-c', 'exit 3']);
    ok(list, 'learn --exec --list');
    assert.match(list.stdout, /^\[1\/\d+\] Make a start barrier for the command$/m);
    assert.match(list.stdout, /^\[\d+\/\d+\] Move the command into the container's group/m);
    const r = await gl(['learn', '--exec', 'execbox', '--yes', '--', 'sh', '-c', 'echo "in $(hostname) as $(id -u)"; exit 3']);
    assert.equal(r.code, 3, `learn --exec passes the command's status on\n${r.stdout.slice(-3000)}\n${r.stderr}`);
    assert.match(r.stdout, /^ {2}\$ mkfifo -m 600 "\$RUN"\/exec-[0-9a-f]+\.fifo$/m, 'the barrier step, as its plain command');
    assert.match(r.stdout, /^ {2}\$ "\$RUN"\/bin\/setpriv --pdeathsig KILL "\$RUN"\/bin\/flock --no-fork /m, 'the start chain, as its plain command');
    assert.match(r.stdout, /started: host PID \d+ waits at the barrier/);
    assert.match(r.stdout, /^ {2}┃ in execbox as 0$/m, 'the command ran in the container, its output framed');
    assert.match(r.stdout, /The command exited with status 3\./);
    assert.match(r.stdout, /^ {2}\[1\] rm -f "\$RUN"\/exec-[0-9a-f]+\.fifo {2}✓$/m, 'the cleanup undoes the exec\'s own steps');
    assert.match(r.stdout, /what the exec made is undone, and the container still runs/);
    // The exec's journal and barrier are gone; the container is untouched and still runs.
    assert.deepEqual(execFiles(id), []);
    const again = await sb.gb(['exec', 'execbox', 'hostname']);
    assert.equal(again.stdout.trim(), 'execbox');
    // --format json: the same session as events; the target says it is an exec.
    const j = await gl(['learn', '--exec', 'execbox', '--yes', '--format', 'json', '--', 'true']);
    ok(j, 'learn --exec --format json');
    const events = j.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; kind?: string; steps?: number; exitCode?: number });
    assert.equal(events[0]?.kind, 'exec');
    assert.equal(events.filter((e) => e.type === 'step').length, events[0]?.steps);
    assert.equal(events.at(-1)?.exitCode, 0);
    // A container that is not running, and a missing command: clear errors, exit 125.
    const none = await gl(['learn', '--exec', 'no-such-box', '--yes', '--', 'true']);
    assert.equal(none.code, 125);
    assert.match(none.stderr, /No such container: no-such-box/);
    const bare = await gl(['learn', '--exec', 'execbox', '--yes']);
    assert.equal(bare.code, 125);
    assert.match(bare.stderr, /--exec needs a command/);
  } finally {
    await sb.gb(['rm', '-f', 'execbox'], { timeoutMs: 60_000 });
  }
  sb.assertNoLeaks();
});

test('learn --exec in a terminal: a shell in the container from the first step, then quit at the barrier and undo', T, async () => {
  const id = await runningBox('execterm');
  const t = new Tmux('learn-exec');
  try {
    t.start([...learnCmd, 'learn', '--exec', 'execterm', '--', 'sh', '-c', 'echo should-not-run'], sb.env);
    let s = await t.until('the first prompt', (x) => count(x, PROMPT) >= 1);
    assert.match(s, /One more process in the running container execterm/);
    // s: the container already runs, so the shell is inside it (its host name), even before the exec's first step.
    answer(t, 's');
    await t.until('the shell', (x) => /\(glassbox learn\) # $/m.test(x));
    t.line('echo "inside: $(hostname)"; exit');
    s = await t.until('back from the shell', (x) => /back in learn mode/.test(x) && count(x, PROMPT) >= 2);
    assert.match(s, /^inside: execterm$/m);
    let prompts = count(s, PROMPT);
    for (let i = 0; i < 20 && !/Open the barrier/.test(lastTitle(s)?.[3] ?? ''); i++) {
      t.keys('Enter');
      s = await t.until('the next prompt', (x) => count(x, PROMPT) > prompts);
      prompts = count(s, PROMPT);
    }
    assert.match(lastTitle(s)?.[3] ?? '', /Open the barrier/);
    // A join cannot be skipped: the command would run outside the container's limits.
    answer(t, 'q');
    s = await t.until('the end', (x) => /\[exited \d+\]/.test(x));
    assert.match(s, /Stopped\. Every step that ran has been undone\./);
    assert.doesNotMatch(s, /┃ should-not-run/, 'the command never ran');
    assert.deepEqual(execFiles(id), [], 'no exec journal or barrier left');
    const ps = await sb.gb(['ps']);
    assert.match(ps.stdout, /execterm +glassbox\/base:latest +"sleep 120" +Up /);
  } finally {
    await t.stop();
    await sb.gb(['rm', '-f', 'execterm'], { timeoutMs: 60_000 });
  }
  sb.assertNoLeaks();
});

test('learn 6 --lang zh: every step title, heading and why of the bridge lesson is in Chinese', T, async () => {
  const r = await gl(['learn', '6', '--yes', '--lang', 'zh']);
  ok(r, 'learn 6 --yes --lang zh');
  const titles = [...r.stdout.matchAll(HEADER)];
  assert.ok(titles.length > 50, `${titles.length} steps`);
  const english = titles.filter((m) => !CJK.test(m[3]!)).map((m) => m[0]);
  assert.deepEqual(english, [], 'titles without Chinese');
  const headings = [...r.stdout.matchAll(/^── (.*) ──$/gm)].map((m) => m[1]!);
  assert.deepEqual(headings.filter((h) => !CJK.test(h)), [], 'headings without Chinese');
  const whys = [...r.stdout.matchAll(/^ {2}为什么：(.*)$/gm)];
  assert.equal(whys.length, titles.length, 'every step has its why in Chinese');
  assert.doesNotMatch(r.stdout, /^ {2}why:/m);
  assert.match(r.stdout, /第 6 课 · 2013 · 网桥网络/);
  assert.match(r.stdout, /^\s*│ hello from the container behind the bridge/m);
  assert.match(r.stdout, /本课完成/);
  assert.deepEqual(sb.containerIds(), []);
  sb.assertNoLeaks();
});

test('learn --format json: one object per line — the steps, their results, the cleanup, the end', T, async () => {
  const r = await gl(['learn', '5', '--yes', '--format', 'json']);
  ok(r, 'learn --format json');
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
  const types = new Set(events.map((e) => e.type));
  for (const t of ['start', 'step', 'result', 'undo', 'end']) assert.ok(types.has(t), `no ${t} event`);
  const mount = events.find((e) => e.type === 'step' && String(e.command).startsWith('mount -t overlay'));
  assert.ok(mount, 'the overlay mount is a step');
  const whiteout = events.find((e) => e.type === 'result' && String(e.stdout).includes('character special file 0,0'));
  assert.ok(whiteout);
  assert.equal(events.at(-1)!.type, 'end');
  assert.equal(events.at(-1)!.exitCode, 0);
  assert.match(r.stderr, /Lesson complete/, 'the text goes to stderr');
  sb.assertNoLeaks();
});

test('learn --xray: the system calls behind unshare, nsenter and hostname', T, async () => {
  const r = await gl(['learn', recipe, '--yes', '--xray']);
  ok(r, 'learn --xray');
  // With cgroups, the cgroup namespace is made in the same unshare (run by cgexec inside the container's groups).
  assert.match(r.stdout, /unshare\(CLONE_NEWNS(\|CLONE_NEWCGROUP)?\|CLONE_NEWUTS\|CLONE_NEWIPC\|CLONE_NEWNET\) = 0/);
  assert.match(r.stdout, /setns\(\d+, CLONE_NEWUTS\) += 0/);
  assert.match(r.stdout, /sethostname\("learnbox", 8\) += 0/);
  assert.match(r.stdout, /pivot_root\(/);
  // The start step too, up to the barrier: the PID namespace made by unshare, and the container's own /proc.
  assert.match(r.stdout, /unshare\([A-Z_|]*CLONE_NEWPID[A-Z_|]*\) += 0/);
  assert.match(r.stdout, /mount\("proc", "[^"]*\/proc", "proc"/);
  assert.match(r.stdout, /^ {2}┃ learnbox$/m, 'the traced commands still did their work');
  sb.assertNoLeaks();
});

// ---- in a terminal --------------------------------------------------------------------------------------------

test('learn in a terminal: explain, help, run, skip, diff, a shell in the namespaces, then quit and undo everything', T, async () => {
  const t = new Tmux('learn-keys');
  try {
    t.start([...learnCmd, 'learn', recipe], sb.env);
    let s = await t.until('the first prompt', (x) => count(x, PROMPT) >= 1);
    assert.match(s, /^\[section 1\/\d+ · step 1\/\d+\] /m);
    assert.match(s, /^ {2}\$ /m, 'the exact command is shown');
    assert.match(s, /why:/);

    answer(t, 'e');
    s = await t.until('the explanation', (x) => /word by word/.test(x) && count(x, PROMPT) >= 2);
    answer(t, 'h');
    s = await t.until('the help', (x) => /quit: stop here and undo/.test(x) && count(x, PROMPT) >= 3);
    // j: the rest of this section (the cgroups) runs without asking; the next question is the next section's first.
    const first = Number(lastTitle(s)?.[1]);
    answer(t, 'j');
    s = await t.until('the next section', (x) => count(x, PROMPT) >= 4);
    const next = Number(lastTitle(s)?.[1]);
    assert.ok(next > first + 1, `j went from step ${first} to ${next}`);
    assert.match(s, new RegExp(`^── The namespaces ──  section 2/\\d+\\n\\n\\[section 2/\\d+ · step ${next}/`, 'm'), 'the next prompt opens the next section');

    let prompts = count(s, PROMPT);
    let sawSkip = false;
    let sawDiff = false;
    let sawShell = false;
    for (let i = 0; i < 60; i++) {
      const title = lastTitle(s)?.[3] ?? '';
      if (/Switch the root with pivot_root/.test(title)) break;
      let key = 'y';
      if (/message-queue/.test(title) && !sawSkip) key = 'n';
      t.keys(...(key === 'y' ? ['Enter'] : [key, 'Enter']));
      s = await t.until(`the prompt after "${title}"`, (x) => count(x, PROMPT) > prompts);
      prompts = count(s, PROMPT);
      if (key === 'n') {
        assert.match(s.slice(s.lastIndexOf('message-queue')), /↷ skipped/);
        sawSkip = true;
      }
      if (/Set the host name/.test(title)) {
        // What the step changed, shown right away, and again in full with d.
        assert.match(s.slice(s.lastIndexOf('Set the host name')), /\+ learnbox/);
        answer(t, 'd');
        s = await t.until('the diff', (x) => count(x, PROMPT) > prompts);
        prompts = count(s, PROMPT);
        assert.match(s.slice(s.lastIndexOf('what step')), /changed\n[^]*- .*\n[^]*\+ learnbox/);
        sawDiff = true;
        // A shell in the namespaces as they are now: the UTS namespace already says learnbox.
        answer(t, 's');
        await t.until('the shell', (x) => /\(glassbox learn\) # $/m.test(x));
        t.line('echo "inside: $(hostname)"; exit');
        s = await t.until('back from the shell', (x) => /back in learn mode/.test(x) && count(x, PROMPT) > prompts);
        prompts = count(s, PROMPT);
        assert.match(s, /^inside: learnbox$/m);
        sawShell = true;
      }
    }
    assert.ok(sawSkip && sawDiff && sawShell, `skip ${sawSkip}, diff ${sawDiff}, shell ${sawShell}`);
    assert.match(lastTitle(s)?.[3] ?? '', /pivot_root/, 'reached the boot steps, PID 1 waiting at its barrier');

    answer(t, 'q');
    s = await t.until('the end', (x) => /\[exited \d+\]/.test(x));
    assert.match(s, /Cleanup: undoing every step that ran/);
    assert.match(s, /^── Clean up ──  section (\d+)\/\1$/m, 'the cleanup is the last section');
    assert.match(s, /Stopped\. Every step that ran has been undone\./);
    assert.match(s, /\[exited 130\]/);
    assert.deepEqual(sb.containerIds(), []);
  } finally {
    await t.stop();
  }
  sb.assertNoLeaks();
});

test('learn in a terminal, in Chinese, from a later step: --lang zh, --from, then c runs the rest', T, async () => {
  const t = new Tmux('learn-zh');
  try {
    t.start([...learnCmd, 'learn', '5', '--lang', 'zh', '--from', '7'], { ...sb.env, GLASSBOX_LANG: 'en' });
    let s = await t.until('the first prompt', (x) => count(x, PROMPT_ZH) >= 1);
    assert.match(s, /第 5 课 · 2004–2014 · 联合文件系统/);
    assert.match(s, /为什么：/);
    assert.match(s, /^\[第 1\/\d+ 节 · 第 1\/\d+ 步\] 创建本课的目录$/m, 'the steps before --from ran without asking');
    assert.equal(lastTitle(s)?.[1], '7', 'the first question is for step 7');
    assert.match(s, /第 7 步之前的步骤直接执行/);
    answer(t, 'e');
    s = await t.until('the explanation', (x) => /逐词解释/.test(x) && count(x, PROMPT_ZH) >= 2);
    assert.match(s, /overlayfs：把多个目录叠成一个视图/);
    answer(t, 'c');
    s = await t.until('the end', (x) => /\[exited \d+\]/.test(x));
    assert.match(s, /本课完成/);
    assert.match(s, /清理：按从新到旧的顺序撤销/);
    assert.match(s, /\[exited 0\]/);
  } finally {
    await t.stop();
  }
  sb.assertNoLeaks();
});

test('learn in a terminal: a lesson with its container, quit while the container runs, nothing left', T, async () => {
  const t = new Tmux('learn-quit');
  try {
    t.start([...learnCmd, 'learn', '7'], sb.env);
    let s = await t.until('the first prompt', (x) => count(x, PROMPT) >= 1);
    let prompts = count(s, PROMPT);
    for (let i = 0; i < 80 && !/from the host/.test(lastTitle(s)?.[3] ?? ''); i++) {
      t.keys('Enter');
      s = await t.until('the next prompt', (x) => count(x, PROMPT) > prompts);
      prompts = count(s, PROMPT);
    }
    assert.match(lastTitle(s)?.[3] ?? '', /namespaces, from the host/);
    const pid1 = Number(/PID 1 is host PID (\d+)/.exec(s)?.[1]);
    assert.ok(pid1 > 1, 'the start step showed the host PID of PID 1');
    answer(t, 's');
    await t.until('the shell inside', (x) => /You are inside the container/.test(x) && /\(glassbox learn\) # $/m.test(x));
    t.line('echo "pid $$ in $(hostname)"; exit');
    s = await t.until('back from the shell', (x) => /back in learn mode/.test(x) && count(x, PROMPT) > prompts);
    assert.match(s, /^pid \d+ in together$/m);
    answer(t, 'q');
    s = await t.until('the end', (x) => /\[exited \d+\]/.test(x));
    assert.match(s, /\[exited 130\]/);
    await waitFor('PID 1 to be gone', () => {
      try {
        readFileSync(`/proc/${pid1}/stat`);
        return false;
      } catch {
        return true;
      }
    });
    assert.deepEqual(sb.containerIds(), []);
  } finally {
    await t.stop();
  }
  sb.assertNoLeaks();
});

test('learn 1 in a terminal: a typed word fires nothing, d shows the step just before (the files it made), s opens a shell in the chroot, the folded container runs on one key', T, async () => {
  const t = new Tmux('learn-chroot');
  try {
    t.start([...learnCmd, 'learn', '1'], sb.env);
    let s = await t.until('the first prompt', (x) => count(x, PROMPT) >= 1);
    assert.match(s, /^ {2}ID=[0-9a-f]{64}$/m, 'the names are defined once at the top');
    assert.match(s, /^ {2}\$ mkdir -p "\$STATE"$/m, 'and used in the commands');
    // A word typed at the prompt: not d, e and c one after the other — nothing but a hint.
    t.line('dec');
    s = await t.until('the hint', (x) => /not an answer learn mode knows/.test(x) && count(x, PROMPT) >= 2);
    assert.doesNotMatch(s, /word by word|what step|↷ skipped/);
    assert.equal(lastTitle(s)?.[1], '1', 'still at step 1');
    let prompts = count(s, PROMPT);
    const go = async (what: string, keys: string[], test: (x: string) => boolean = () => true) => {
      t.keys(...keys);
      s = await t.until(what, (x) => count(x, PROMPT) > prompts && test(x));
      prompts = count(s, PROMPT);
    };
    while (!/Give the root an \/etc\/os-release/.test(lastTitle(s)?.[3] ?? '')) await go('the next step', ['Enter']);
    // d at step 7: what step 6 changed — the busybox it copied, although step 6 has no observe command.
    await go('the diff', ['d', 'Enter']);
    const diff = s.slice(s.lastIndexOf('› '.repeat(1), s.length - 3) - 2000);
    assert.match(s, /what step 6 \(Add a static busybox\) changed/);
    assert.match(diff, /\+ "\$STATE"\/root\/bin\/busybox {2}\(file 0755 /);
    assert.doesNotMatch(s.slice(s.lastIndexOf('what step 6')), /what step 5/);
    while (!/The host name is still the host's/.test(lastTitle(s)?.[3] ?? '')) await go('the next step', ['Enter']);
    // s: a shell in the chroot, after what it still sees of the host.
    t.keys('s', 'Enter');
    s = await t.until('the chroot shell', (x) => /\(glassbox learn\) # $/m.test(x));
    assert.match(s, /A shell in the jail: chroot\s+"?\$STATE"?\/root\s+sh/);
    assert.match(s, /\$ chroot "\$STATE"\/root hostname\n\s+│ \S+/);
    t.line('echo "in the jail: $(cat /etc/os-release)"; exit');
    s = await t.until('back from the shell', (x) => /back in learn mode/.test(x) && count(x, PROMPT) > prompts);
    prompts = count(s, PROMPT);
    assert.match(s, /^in the jail: PRETTY_NAME="a jail made by hand \(glassbox lesson 1\)"$/m);
    // Through to the folded container: one answer runs its steps, the next question is the start.
    const foldAsked = (x: string) => /run these \d+ steps\?/.test(x.slice(-400));
    while (!foldAsked(s)) {
      t.keys('Enter');
      s = await t.until('the next question', (x) => count(x, PROMPT) > prompts || foldAsked(x));
      prompts = count(s, PROMPT);
    }
    const folded = Number(/run these (\d+) steps\?/.exec(s.slice(-400))![1]);
    assert.ok(folded >= 20, `${folded} steps folded`);
    await go('the start', ['Enter']);
    assert.match(lastTitle(s)?.[3] ?? '', /Start PID 1/);
    const asked = [...s.matchAll(HEADER)].filter((m) => Number(m[1]) < Number(lastTitle(s)![1]) && Number(m[1]) > 14);
    assert.equal(asked.length, folded, 'each folded step shown on its line');
    answer(t, 'q');
    s = await t.until('the end', (x) => /\[exited \d+\]/.test(x));
    assert.match(s, /\[exited 130\]/);
    assert.deepEqual(sb.containerIds(), []);
  } finally {
    await t.stop();
  }
  sb.assertNoLeaks();
});
