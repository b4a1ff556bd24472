// Learn mode's parts that need no root: reading an argv word by word, the line diff of observe output, the strace
// summary, the keys, the lessons (every one loads, numbers and names resolve), and the frame text in both languages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainArgv, formatExplain } from '../../lib/learn/explain.ts';
import { changed, diffLines, observedText } from '../../lib/learn/diff.ts';
import { summarizeTrace, xrayArgv } from '../../lib/learn/xray.ts';
import { actionOf, END, KeyReader } from '../../lib/learn/keys.ts';
import { undoVerdict } from '../../lib/learn/cleanup.ts';
import { fileChanges, snapshot } from '../../lib/learn/files.ts';
import { resolveTarget } from '../../lib/learn/target.ts';
import { loadCatalog } from '../../lib/blocks/catalog.ts';
import { planContainer } from '../../lib/plan/planner.ts';
import { sectionRuns, SECTION_TITLES } from '../../lib/plan/sections.ts';
import { helloContainer } from './fixtures.ts';
import { PassThrough } from 'node:stream';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { comingLesson, findLesson, lessonFiles, listLessons, loadLesson } from '../../lib/learn/lesson.ts';
import { displayWidth, T, wrapText } from '../../lib/learn/text.ts';
import { loadRecipe } from '../../lib/recipe/load.ts';
import { join, dirname } from 'node:path';

const catalog = await loadCatalog();

const CJK = /[\u4e00-\u9fff]/;

// ---- explain ------------------------------------------------------------------------------------------------

test('explain: a chain of programs is read one program deeper each time, down to the container\'s command', () => {
  const command = ['/bin/sh', '-c', 'echo hi'];
  const argv = [
    'setpriv', '--pdeathsig', 'KILL', '--', 'nsenter', '--mount=/run/ns/mount', '--uts=/run/ns/uts', '--', 'unshare', '--pid', '--fork',
    '--kill-child', '--mount-proc=/r/proc', '--wd=/r', '--', 'setpriv', '--reuid=0', '--regid=0', '--clear-groups', '--', 'env', '-i',
    'PATH=/bin', 'HOME=/root', '/usr/bin/flock', '--no-fork', '/r/dev/.glassbox-start', ...command,
  ];
  const rows = explainArgv(argv, 'en', { userCommand: command });
  assert.deepEqual(rows.filter((r) => r.unknown), []);
  const programs = rows.filter((r) => r.kind === 'command').map((r) => [r.word, r.depth]);
  assert.deepEqual(programs, [['setpriv', 0], ['nsenter', 1], ['unshare', 2], ['setpriv', 3], ['env', 4], ['/usr/bin/flock', 5]]);
  const user = rows.find((r) => r.kind === 'user');
  assert.equal(user?.word, `/bin/sh -c 'echo hi'`);
  assert.equal(user?.depth, 6);
  const pdeath = rows.find((r) => r.word === '--pdeathsig KILL');
  assert.ok(pdeath, 'a flag with its value in the next word is one row');
  assert.match(rows[rows.indexOf(pdeath) + 1]!.text, /SIGKILL/);
  assert.equal(rows.filter((r) => r.kind === 'assignment').length, 2);
  assert.ok(rows.some((r) => r.word === '/r/dev/.glassbox-start' && /barrier/.test(r.text)), 'flock\'s file operand is explained');
});

test('explain: clustered short options are read like getopt reads them; unknown ones are flagged', () => {
  const ls = explainArgv(['ls', '-la', '/tmp'], 'en');
  assert.deepEqual(ls.filter((r) => r.kind === 'flag').map((r) => r.word), ['-l', '-a']);
  const tar = explainArgv(['tar', '-C', '/d', '-cf', '/t.tar', '.'], 'en');
  assert.deepEqual(tar.filter((r) => r.kind === 'flag').map((r) => r.word), ['-C /d', '-c', '-f /t.tar']);
  assert.deepEqual(tar.filter((r) => r.unknown), []);
  const bad = explainArgv(['ls', '-Z', '--frobnicate'], 'en');
  assert.deepEqual(bad.filter((r) => r.unknown).map((r) => r.word), ['-Z', '--frobnicate']);
  assert.ok(explainArgv(['frobnicate', 'x'], 'en')[0]!.unknown, 'an unknown program is flagged');
});

test('explain: mount options are explained one by one, in Chinese too', () => {
  const rows = explainArgv(['mount', '-t', 'overlay', '-o', 'lowerdir=/a:/b,upperdir=/u,workdir=/w,nosuid', 'overlay', '/m'], 'zh');
  const values = rows.filter((r) => r.kind === 'value').map((r) => r.word);
  assert.deepEqual(values, ['overlay', 'lowerdir=/a:/b', 'upperdir=/u', 'workdir=/w', 'nosuid']);
  for (const r of rows) assert.match(r.text, CJK, `${r.word}: ${r.text}`);
  const unknown = explainArgv(['mount', '-o', 'bind,wobbly', '/a', '/b'], 'en').filter((r) => r.unknown).map((r) => r.word);
  assert.deepEqual(unknown, ['wobbly']);
});

test('explain: busybox names its applet, which is read with its own entry; ip objects have their own words', () => {
  const rows = explainArgv(['nsenter', '--target=42', '--all', '--root', '--wd', '/bin/busybox', 'nsenter', '--root=/x', 'bin/busybox', 'chroot', '../..', 'cat', '/etc/os-release'], 'en');
  assert.deepEqual(rows.filter((r) => r.unknown), []);
  assert.deepEqual(rows.filter((r) => r.kind === 'command').map((r) => r.word), ['nsenter', '/bin/busybox', 'nsenter', 'bin/busybox', 'chroot', 'cat']);
  assert.match(rows.find((r) => r.word === '--root=/x')!.text, /working directory/);
  const ip = explainArgv(['ip', '-br', 'address'], 'en');
  assert.deepEqual(ip.filter((r) => r.unknown), []);
  assert.equal(ip.at(-1)!.word, 'address');
});

test('explain: words with spaces or quotes are shown as shell words; the layout keeps two columns', () => {
  const rows = explainArgv(['hostname', "it's a box"], 'en');
  assert.equal(rows[1]!.word, `'it'\\''s a box'`);
  const lines = formatExplain(rows, 100);
  assert.ok(lines.every((l) => l.length <= 100 || !l.includes(' '.repeat(3))), lines.join('\n'));
  assert.match(lines[0]!, /^hostname\s{2,}show or set/);
});

// ---- diff -----------------------------------------------------------------------------------------------------

test('diff: added and removed lines, unchanged ones kept in order', () => {
  const d = diffLines('a\nb\nc\n', 'a\nc\nd\n');
  assert.deepEqual(d, [
    { op: ' ', line: 'a' },
    { op: '-', line: 'b' },
    { op: ' ', line: 'c' },
    { op: '+', line: 'd' },
  ]);
  assert.equal(changed(diffLines('x\n', 'x\n')), false);
  assert.equal(changed(diffLines('', 'x')), true);
  assert.equal(observedText({ exitCode: 1, text: 'nothing' }), 'nothing\n[exit 1]\n');
  assert.equal(observedText({ exitCode: 0, text: 'ok\n' }), 'ok\n');
});

// ---- xray -----------------------------------------------------------------------------------------------------

test('xray: strace runs the command unchanged, and the summary keeps the container-making calls', () => {
  const argv = xrayArgv('/usr/bin/strace', '/tmp/t', ['unshare', '--uts=/f', 'true']);
  assert.deepEqual(argv.slice(-3), ['unshare', '--uts=/f', 'true']);
  assert.ok(argv.includes('-f') && argv.includes('/tmp/t'));
  const trace = [
    '9219  execve("/usr/bin/unshare", ["unshare", "--uts=/f", "true"], 0x7fff5f714e68 /* 39 vars */) = 0',
    '9219  openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3',
    '9219  openat(AT_FDCWD, "/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY|O_CLOEXEC) = 3',
    '9219  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f89c7b48a10) = 9220',
    '9219  unshare(CLONE_NEWUTS) = 0',
    '9220  mount("/proc/9219/ns/uts", "/f", NULL, MS_BIND, NULL) = 0',
    '9220  +++ exited with 0 +++',
    '9219  execve("/root/.cargo/bin/true", ["true"], 0x7fff642ab1f0 /* 39 vars */) = -1 ENOENT (No such file or directory)',
    '9219  execve("/usr/bin/true", ["true"], 0x7fff642ab1f0 /* 39 vars */) = 0',
  ].join('\n');
  assert.deepEqual(summarizeTrace(trace), [
    'p1  execve("/usr/bin/unshare", ["unshare", "--uts=/f", "true"]) = 0',
    'p1  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f89c7b48a10) = p2',
    'p1  unshare(CLONE_NEWUTS) = 0',
    'p2  mount("/proc/p1/ns/uts", "/f", NULL, MS_BIND, NULL) = 0',
    'p1  execve("/usr/bin/true", ["true"]) = 0',
  ]);
});

// ---- keys -----------------------------------------------------------------------------------------------------

test('keys: a line at a time — Enter alone runs, letters and words need Enter, typed words that are no answer do nothing', () => {
  const map: Record<string, string | undefined> = {
    '': 'run', y: 'run', yes: 'run', n: 'skip', skip: 'skip', e: 'explain', d: 'diff', diff: 'diff', s: 'shell', c: 'continue',
    j: 'next', v: 'values', o: 'one', q: 'quit', quit: 'quit', [END]: 'quit', h: 'help', '?': 'help', ' D ': 'diff',
    // A word typed at the prompt is not read letter by letter: "dec" would have fired d, e and c.
    dec: undefined, hello: undefined, x: undefined, '\x1b[A': undefined,
  };
  for (const [k, v] of Object.entries(map)) assert.equal(actionOf(k), v, JSON.stringify(k));
});

test('keys: lines typed while no prompt waits are dropped; the next prompt reads only what comes after it', async () => {
  const input = new PassThrough() as unknown as NodeJS.ReadStream;
  const keys = new KeyReader(input);
  (input as unknown as PassThrough).write('\n\nd\n'); // a stray Enter (and more) while a step runs
  await new Promise((r) => setImmediate(r));
  const next = keys.read();
  (input as unknown as PassThrough).write('n');
  (input as unknown as PassThrough).write('\n');
  assert.equal(await next, 'n');
  const last = keys.read();
  (input as unknown as PassThrough).end();
  assert.equal(await last, END);
  keys.close();
});

test('cleanup: an undo that fails says why in words, from the step\'s undo_tolerate and the kernel\'s answer', () => {
  assert.equal(undoVerdict({ undoTolerate: ['gone'], undoMayFail: true }, 1, 'umount: /run/x/ns/net: not mounted.'), 'gone');
  assert.equal(undoVerdict({ undoTolerate: ['shared'], undoMayFail: true }, 1, "rmdir: failed to remove '/sys/fs/cgroup/pids/glassbox': Device or resource busy"), 'shared');
  assert.equal(undoVerdict({ undoTolerate: ['shared'], undoMayFail: true }, 1, 'Permission denied'), 'allowed', 'another failure is not dressed up');
  assert.equal(undoVerdict({}, 1, 'No such file or directory'), 'failed', 'without the field nothing is guessed');
  assert.equal(undoVerdict({}, 0, ''), 'ok');
  // The blocks say it: the shared parent group, the namespace files and the veth that goes with its namespace.
  const tolerate = (block: string) => catalog.get(block)!.steps.flatMap((s) => s.undo_tolerate ?? []);
  assert.deepEqual(tolerate('cgroup-v1'), ['shared']);
  assert.ok(tolerate('namespaces').includes('gone'));
  assert.deepEqual(tolerate('net-veth'), ['gone']);
});

test('sections: every block a container plan uses says which section it builds; runs of one section group the steps', () => {
  const plan = planContainer(catalog, helloContainer({ root: '/var/lib/glassbox', run: '/run/glassbox' }), { runRoot: '/run/glassbox', runRootReady: false, barrierReady: false, hostDevLinks: true, flock: '/usr/bin/flock', seccompLoader: '/usr/lib/glassbox/glassbox-seccomp-load', batchMounts: false });
  for (const s of plan.steps) assert.ok(s.section, `${s.id} (block ${s.block}) has no section`);
  const runs = sectionRuns(plan.steps);
  assert.deepEqual(runs.map((r) => r.to - r.from).reduce((a, b) => a + b), plan.steps.length);
  assert.ok(new Set(runs.map((r) => r.id)).size >= 5, runs.map((r) => r.id).join(' '));
  for (const r of runs) assert.ok(SECTION_TITLES[r.id], r.id);
  const folded = sectionRuns(plan.steps.map((s, i) => ({ ...s, folded: i < 10 })));
  assert.deepEqual([folded[0]!.from, folded[0]!.to, folded[0]!.folded], [0, 10, true]);
});

test('files: a step\'s file changes are taken around it alone — made, removed, changed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-files-'));
  try {
    writeFileSync(join(dir, 'kept'), 'x');
    writeFileSync(join(dir, 'gone'), 'x');
    const before = snapshot([dir, join(dir, 'missing')]);
    mkdirSync(join(dir, 'root/bin'), { recursive: true });
    writeFileSync(join(dir, 'root/bin/busybox'), 'y'.repeat(2048));
    rmSync(join(dir, 'gone'));
    writeFileSync(join(dir, 'kept'), 'xx');
    const lines = fileChanges(before, snapshot([dir]), (p) => p.slice(dir.length + 1)).map((d) => `${d.op} ${d.line}`);
    assert.deepEqual(lines, ['- gone  (file 0644 1 B)', '- kept  (file 0644 1 B)', '+ kept  (file 0644 2 B)', '+ root  (directory 0755)', '+ root/bin  (directory 0755)', '+ root/bin/busybox  (file 0644 2.0 KB)']);
    assert.deepEqual(fileChanges(snapshot([dir]), snapshot([dir])), [], 'nothing changed, nothing shown');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('words: no lesson or block names a seed by its file number; a missing file says "no such file"', async () => {
  const texts = [...lessonFiles().map((f) => readFileSync(f, 'utf8')), ...readdirSync('recipes/blocks').map((f) => readFileSync(join('recipes/blocks', f), 'utf8'))];
  for (const t of texts) assert.doesNotMatch(t, /seeds? \d{3}|种子文档 ?\d{3}/i);
  await assert.rejects(resolveTarget('recipes/helo.yaml', { root: '/nonexistent', run: '/nonexistent' }, { buildBase: false }), /recipes\/helo\.yaml: no such file/);
  await assert.rejects(resolveTarget('./lesson1', { root: '/nonexistent', run: '/nonexistent' }, { buildBase: false }), /no such file/);
  await assert.rejects(resolveTarget('chrot', { root: '/nonexistent', run: '/nonexistent' }, { buildBase: false }), /neither a lesson nor a recipe file/);
});

// ---- lessons --------------------------------------------------------------------------------------------------

test('lessons: every lesson file loads, numbered like its file, with its story and closing in both languages', () => {
  const files = lessonFiles();
  assert.ok(files.length >= 5, `only ${files.length} lessons`);
  const numbers = new Set<number>();
  for (const f of files) {
    const l = loadLesson(f);
    assert.ok(!numbers.has(l.lesson), `lesson ${l.lesson} twice`);
    numbers.add(l.lesson);
    for (const t of [l.title, l.story, l.closing]) {
      assert.ok(t.en.length > 10);
      assert.match(t.zh, CJK);
      assert.doesNotMatch(t.zh, /[\u4e00-\u9fff] [\u4e00-\u9fff]/, 'YAML folding left a space between Chinese characters');
    }
    for (const p of l.parts) if ('container' in p && 'recipe' in p.container) loadRecipe(join(dirname(f), p.container.recipe));
  }
  for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9]) assert.ok(numbers.has(n), `lesson ${n} is missing`);
});

test('lessons: the list has every number from 1 to 9, every one written; lookups by number and name', () => {
  const list = listLessons();
  assert.deepEqual(list.map((l) => l.lesson), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.ok(!list.find((l) => l.lesson === 4)?.coming, 'lesson 4 (cgroups) is written');
  assert.deepEqual(list.filter((l) => l.coming || !l.file).map((l) => l.lesson), [], 'no lesson is still to come');
  assert.match(findLesson('1') ?? '', /01-chroot\.yaml$/);
  assert.match(findLesson('chroot') ?? '', /01-chroot\.yaml$/);
  assert.match(findLesson('lesson-3') ?? '', /03-pivot-root\.yaml$/);
  assert.equal(findLesson('99'), undefined);
  assert.match(findLesson('4') ?? '', /04-cgroups\.yaml$/);
  assert.match(findLesson('cgroups') ?? '', /04-cgroups\.yaml$/);
  assert.equal(comingLesson('4'), undefined);
  assert.equal(comingLesson('6'), undefined);
  assert.match(findLesson('6') ?? '', /06-bridge\.yaml$/);
  assert.match(findLesson('bridge') ?? '', /06-bridge\.yaml$/);
});

// ---- text -----------------------------------------------------------------------------------------------------

test('text: every sentence of the frame exists in both languages', () => {
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'function') return walk((v as (...a: unknown[]) => unknown)(1, 2, 3), path);
    if (v && typeof v === 'object' && 'en' in v && 'zh' in v) {
      const t = v as { en: string; zh: string };
      assert.ok(t.en.trim(), `${path}.en`);
      assert.match(t.zh, CJK, `${path}.zh`);
      return;
    }
    if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(T, 'T');
});

test('text: wrapping counts a Chinese character as two columns and may break between them', () => {
  const lines = wrapText('命名空间把某一种全局资源包起来，让里面的进程看到属于自己的一份。', 20);
  assert.ok(lines.length > 1);
  for (const l of lines) assert.ok(displayWidth(l) <= 22, l);
  assert.deepEqual(wrapText('one two three', 7), ['one two', 'three']);
});
