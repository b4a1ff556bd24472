// The script renderer, checked three ways: the exact text of a small plan (a golden file, read by eye once),
// `sh -n` on every mode and language, and real runs of the up and down scripts with the commands swapped for
// harmless ones that log what they do. (Test files may spawn /bin/sh; lib/ never does.)
// Regenerate the golden with: UPDATE_GOLDEN=1 node --import tsx --test test/unit/render.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeRef, type Plan, type Step } from '../../lib/plan/types.ts';
import { renderScript, renderStepCommand, renderUndo, type ScriptMode } from '../../lib/render/script.ts';
import { renderPlanJson } from '../../lib/render/json.ts';

const GOLDEN = new URL('./golden/render-plan.sh.txt', import.meta.url);
const pid1 = runtimeRef('pid1');
const ID = 'c0ffee12';
const ROOTFS = `/var/lib/glassbox/containers/${ID}/rootfs`;

// A step with the fields every test plan leaves alone filled in.
function step(s: Partial<Step> & Pick<Step, 'id' | 'kind' | 'phase' | 'title' | 'why'>): Step {
  return { block: s.id.split('.')[0]!, touches: [], observe: [], needs: [], ...s };
}

// A small plan shaped like a real one: three setup commands with undos, a file write, the start, a boot step.
function samplePlan(): Plan {
  return {
    version: 1,
    info: {
      id: ID,
      name: 'web',
      image: 'alpine:3.20',
      command: ['sh', '-c', "echo 'hello from' $(hostname)"],
      env: { PATH: '/usr/bin:/bin' },
      paths: {
        state: `/var/lib/glassbox/containers/${ID}`,
        run: `/run/glassbox/${ID}`,
        nsDir: `/run/glassbox/ns/${ID}`,
        rootfs: ROOTFS,
        upper: `/var/lib/glassbox/containers/${ID}/upper`,
        work: `/var/lib/glassbox/containers/${ID}/work`,
      },
    },
    steps: [
      step({
        id: 'dirs.ns',
        kind: 'run',
        phase: 'setup',
        title: { en: 'Make the folder for namespace files', zh: '创建存放命名空间文件的目录' },
        why: {
          en: 'Persistent namespaces are bound to files. They live in their own folder so that glassbox gc can find what a crashed container left behind.',
          zh: '持久的命名空间绑定在文件上。它们放在单独的目录里，这样 glassbox gc 就能找到崩溃的容器留下的东西。',
        },
        touches: ['file'],
        argv: ['mkdir', '-p', `/run/glassbox/ns/${ID}`],
        undo: ['rmdir', `/run/glassbox/ns/${ID}`],
        undoMayFail: true,
      }),
      step({
        id: 'rootfs.overlay',
        kind: 'run',
        phase: 'setup',
        title: { en: 'Stack the image layers with overlayfs', zh: '用 overlayfs 叠加镜像层' },
        why: {
          en: "The image's layers stay read-only and shared between containers; everything the container writes lands in its own upper directory, so removing the container is just removing that directory. The first lowerdir is the top layer.",
          zh: '镜像层保持只读，并在容器之间共享；容器写入的一切都落在它自己的 upper 目录里，所以删除容器只需删除这个目录。第一个 lowerdir 是最上层。',
        },
        touches: ['mount'],
        argv: [
          'mount', '-t', 'overlay', 'overlay', '-o',
          `lowerdir=/var/lib/glassbox/layers/ab12:/var/lib/glassbox/layers/cd34,upperdir=/var/lib/glassbox/containers/${ID}/upper,workdir=/var/lib/glassbox/containers/${ID}/work`,
          ROOTFS,
        ],
        undo: ['umount', ROOTFS],
      }),
      step({
        id: 'cgroup.memory',
        kind: 'run',
        phase: 'setup',
        title: { en: "Create the container's memory cgroup", zh: '创建容器的内存 cgroup' },
        why: { en: 'A cgroup is a folder: making one is mkdir.', zh: 'cgroup 就是一个目录：创建它就是 mkdir。' },
        touches: ['cgroup'],
        argv: ['mkdir', `/sys/fs/cgroup/memory/glassbox/${ID}`],
        undo: ['rmdir', `/sys/fs/cgroup/memory/glassbox/${ID}`],
      }),
      step({
        id: 'cgroup.memory-limit',
        kind: 'write',
        phase: 'setup',
        title: { en: 'Limit memory to 64 MiB', zh: '把内存限制为 64 MiB' },
        why: { en: "The kernel reclaims, then kills, when the group's pages exceed the limit.", zh: '当组内页面超过限制时，内核先回收内存，再杀进程。' },
        touches: ['cgroup'],
        write: { path: `/sys/fs/cgroup/memory/glassbox/${ID}/memory.limit_in_bytes`, value: '67108864' },
      }),
      step({
        id: 'process.start',
        kind: 'start',
        phase: 'start',
        title: { en: "Start the container's main process", zh: '启动容器的主进程' },
        why: {
          en: 'unshare makes the new namespaces and forks; its child becomes PID 1 in the new PID namespace.',
          zh: 'unshare 创建新的命名空间并 fork；它的子进程成为新 PID 命名空间中的 PID 1。',
        },
        touches: ['process', 'namespace'],
        argv: ['unshare', '--fork', '--pid', '--mount-proc', `--root=${ROOTFS}`, 'sh', '-c', "echo 'hello from' $(hostname)"],
        undo: ['kill', '-KILL', pid1],
        undoMayFail: true,
      }),
      step({
        id: 'net.lo',
        kind: 'run',
        phase: 'boot',
        title: { en: 'Bring up the loopback interface', zh: '启用回环接口' },
        why: { en: 'A new network namespace starts with lo down.', zh: '新的网络命名空间里 lo 一开始是关闭的。' },
        touches: ['link'],
        argv: ['nsenter', `--net=/proc/${pid1}/ns/net`, 'ip', '-batch', '-'],
        stdin: 'link set lo up\n',
      }),
    ],
  };
}

// The same plan with every command replaced by a harmless one that logs to dir, for real runs of the scripts.
// The main process forks a child that blocks opening a FIFO, as PID 1 does at glassbox's start barrier; the boot
// step opens the FIFO for writing, and the main process then goes on with `then`.
function harmlessPlan(dir: string, then = 'sleep 0.3', barrier = true): Plan {
  const plan = samplePlan();
  spawnSync('mkfifo', [join(dir, 'fifo')]);
  const main = barrier ? `cat "${join(dir, 'fifo')}" >/dev/null & wait; ${then}` : then;
  const log = (what: string, ...args: string[]) => ['sh', '-c', `echo "${what} $*" >> "${dir}/log"`, 'sh', ...args];
  plan.steps = plan.steps.map((s, i) => {
    const n = i + 1;
    const t: Step = { ...s, undo: s.undo ? log(`undo-${n}`) : undefined };
    if (s.kind === 'run') t.argv = log(`step-${n}`);
    if (s.kind === 'write') t.write = { path: join(dir, 'memory.limit'), value: s.write!.value };
    if (s.kind === 'start') {
      t.argv = ['sh', '-c', main];
      // Kill PID 1 (the sleep): the main process then ends, as a container does when its PID 1 dies.
      t.undo = ['sh', '-c', `kill "$1" 2>/dev/null; echo "undo-${n} $1" >> "${dir}/log"`, 'sh', pid1];
    }
    if (s.id === 'net.lo') {
      // The boot step proves the runtime reference resolved to a live process and that stdin arrived.
      t.argv = ['sh', '-c', `test -d "/proc/$1" && echo "$1" > "${dir}/pid1" && cat > "${dir}/stdin" && : > "${dir}/fifo"`, 'sh', pid1];
    }
    return t;
  });
  return plan;
}

const render = (plan: Plan, mode: ScriptMode, lang: 'en' | 'zh' = 'en') =>
  renderScript(plan, { lang, mode, glassboxVersion: '0.1.0' });

// Writes a script into dir and runs it with sh; returns its exit status and output.
function runScript(dir: string, name: string, text: string) {
  const file = join(dir, name);
  writeFileSync(file, text);
  const r = spawnSync('/bin/sh', [file], { encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

function withDir(fn: (dir: string) => void | Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gb-render-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const logLines = (dir: string) => readFileSync(join(dir, 'log'), 'utf8').trim().split('\n').map((l) => l.trimEnd());

test('the plan script matches the golden file', () => {
  const text = render(samplePlan(), 'plan');
  if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, text);
  assert.equal(text, readFileSync(GOLDEN, 'utf8'));
});

test('every mode and language parses (sh -n)', () => {
  for (const lang of ['en', 'zh'] as const) {
    for (const mode of ['plan', 'up', 'down'] as const) {
      const text = render(samplePlan(), mode, lang);
      assert.ok(text.startsWith('#!/bin/sh\n'));
      assert.match(text, /^set -eu$/m);
      const r = spawnSync('/bin/sh', ['-n'], { input: text, encoding: 'utf8' });
      assert.equal(r.status, 0, `${mode}/${lang}: ${r.stderr}`);
      for (const line of text.split('\n')) {
        // Wrapped comments stay within 100 columns (a CJK character takes two); commands are never wrapped.
        const cols = [...line].reduce((n, ch) => n + (/[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1), 0);
        if (/^\s*#/.test(line) && !line.startsWith('# undo: ')) assert.ok(cols <= 100, `${cols}: ${line}`);
      }
    }
  }
});

test('step commands render as one command each', () => {
  const [ns, overlay, , limit, start, lo] = samplePlan().steps;
  assert.equal(renderStepCommand(ns!), `mkdir -p /run/glassbox/ns/${ID}`);
  assert.equal(renderUndo(ns!), `rmdir /run/glassbox/ns/${ID}`);
  assert.equal(renderUndo(overlay!), `umount ${ROOTFS}`);
  assert.equal(renderStepCommand(limit!), `printf '%s\\n' 67108864 > /sys/fs/cgroup/memory/glassbox/${ID}/memory.limit_in_bytes`);
  assert.equal(renderStepCommand({ ...limit!, write: { path: '/x y', value: '' } }), `: > '/x y'`);
  assert.match(renderStepCommand(start!), / &$/);
  assert.equal(renderUndo(start!), 'kill -KILL "$gb_pid1"');
  assert.equal(renderStepCommand(lo!), `printf '%s' 'link set lo up\n' | nsenter --net=/proc/"$gb_pid1"/ns/net ip -batch -`);
  assert.equal(renderUndo(lo!), undefined);
});

test('the down script undoes in reverse order and survives running twice', withDir((dir) => {
  const text = render(samplePlan(), 'down');
  const order = [...text.matchAll(/^# undo \[(\d)\/6\]/gm)].map((m) => Number(m[1]));
  assert.deepEqual(order, [5, 3, 2, 1]);
  assert.match(text, /^kill -KILL "\$gb_pid1" \|\| true$/m);
  assert.match(text, /^gb_pid1=\$\{gb_pid1:-\}$/m);
  // Real runs: the undos log, the second run too; the last undo fails (no such folder) and must not stop it.
  const plan = harmlessPlan(dir);
  plan.steps[0]!.undo = ['rmdir', join(dir, 'no-such-folder')];
  const down = render(plan, 'down');
  for (let run = 0; run < 2; run++) assert.equal(runScript(dir, 'down.sh', down).status, 0);
  assert.deepEqual(logLines(dir), ['undo-5', 'undo-3', 'undo-2', 'undo-5', 'undo-3', 'undo-2']);
}));

test('the up script runs the steps, finds PID 1, waits, then undoes in reverse order', withDir((dir) => {
  const r = runScript(dir, 'up.sh', render(harmlessPlan(dir), 'up'));
  assert.equal(r.status, 0, r.stderr);
  const pid = readFileSync(join(dir, 'pid1'), 'utf8').trim();
  assert.match(pid, /^\d+$/);
  assert.equal(readFileSync(join(dir, 'stdin'), 'utf8'), 'link set lo up\n');
  assert.equal(readFileSync(join(dir, 'memory.limit'), 'utf8'), '67108864\n');
  assert.deepEqual(logLines(dir), ['step-1', 'step-2', 'step-3', `undo-5 ${pid}`, 'undo-3', 'undo-2', 'undo-1']);
}));

test("the up script exits with the container's status", withDir((dir) => {
  const r = runScript(dir, 'up.sh', render(harmlessPlan(dir, 'sleep 0.2; exit 7'), 'up'));
  assert.equal(r.status, 7, r.stderr);
  assert.equal(logLines(dir).at(-1), 'undo-1');
}));

test('a failed step undoes only the steps begun, then stops', withDir((dir) => {
  const plan = harmlessPlan(dir);
  plan.steps[2]!.argv = ['sh', '-c', 'exit 3'];
  const r = runScript(dir, 'up.sh', render(plan, 'up'));
  assert.equal(r.status, 3);
  assert.deepEqual(logLines(dir), ['step-1', 'step-2', 'undo-3', 'undo-2', 'undo-1']);
}));

test('the up script exits 125 when the main process dies before PID 1 appears', withDir((dir) => {
  const r = runScript(dir, 'up.sh', render(harmlessPlan(dir, 'exit 0', false), 'up'));
  assert.equal(r.status, 125);
  assert.match(r.stderr, /exited before its PID 1 started/);
  assert.ok(!existsSync(join(dir, 'pid1')));
  assert.deepEqual(logLines(dir), ['step-1', 'step-2', 'step-3', 'undo-5', 'undo-3', 'undo-2', 'undo-1']);
}));

test('SIGTERM during the wait cleans up and exits 143', withDir(async (dir) => {
  const file = join(dir, 'up.sh');
  writeFileSync(file, render(harmlessPlan(dir, 'sleep 30 & wait'), 'up'));
  const child = spawn('/bin/sh', [file], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 5000;
  while (!existsSync(join(dir, 'stdin')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  child.kill('SIGTERM');
  assert.equal(await exited, 143);
  const pid = readFileSync(join(dir, 'pid1'), 'utf8').trim();
  assert.deepEqual(logLines(dir).slice(3), [`undo-5 ${pid}`, 'undo-3', 'undo-2', 'undo-1']);
  // The undo of the start step killed PID 1: no sleep is left behind.
  assert.ok(!existsSync(`/proc/${pid}/exe`) || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'));
}));

test('the JSON plan shows runtime references as ${name} and parses back', () => {
  const json = renderPlanJson(samplePlan());
  assert.ok(!json.includes('\\u0000'));
  assert.ok(json.endsWith('}\n'));
  const back = JSON.parse(json) as Plan;
  assert.deepEqual(back.steps[5]!.argv, ['nsenter', '--net=/proc/${pid1}/ns/net', 'ip', '-batch', '-']);
  assert.deepEqual(back.steps[4]!.undo, ['kill', '-KILL', '${pid1}']);
  assert.equal(back.info.name, 'web');
});
