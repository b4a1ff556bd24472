// Lessons 10 (the OCI runtime: runc and its bundle) and 11 (many containers: a compose project), for real, as
// root: `glassbox lessons` lists them; each runs to its end with --yes, in English and in Chinese, and leaves
// nothing behind; its --record transcript runs again with sh and leaves nothing either; and a session killed with
// SIGKILL in the middle is finished by `glassbox gc` from its journal (runc delete, compose down).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, Sandbox, snapshot, waitFor, type Result } from './helpers.ts';

const sb = new Sandbox('lessons-engines');
const T = { timeout: 300_000 };

before(async () => {
  await sb.setup();
}, { timeout: 240_000 });

after(async () => {
  await sb.cleanup();
}, { timeout: 120_000 });

const ok = (r: Result, what: string) => assert.equal(r.code, 0, `${what} exited ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`);
const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
const CJK = /[\u4e00-\u9fff]/;

// runc names a container's cgroups after its ID (no cgroupsPath in config.json): the groups of every runc
// container named in `out` that are still there, in any hierarchy (the sandbox's leak check looks for glassbox*).
function runcGroups(out: string): string[] {
  const ids = [...new Set([...out.matchAll(/\blesson10-[0-9a-f]{6}\b/g)].map((m) => m[0]))];
  assert.ok(ids.length > 0, 'the output names the runc container');
  const left: string[] = [];
  const cg = '/sys/fs/cgroup';
  for (const h of ['', ...readdirSync(cg)]) {
    for (const id of ids) {
      try {
        readdirSync(join(cg, h, id));
        left.push(join(cg, h, id));
      } catch {}
    }
  }
  return left;
}

// glassbox's shared iptables chains and their jumps: made by the first bridge network, kept while glassbox has
// networks (like docker's DOCKER chains), removed by gc once none is left.
const SHARED_CHAINS = /^(:GLASSBOX-(DNAT|FORWARD|POSTROUTING) |-A (FORWARD|OUTPUT|POSTROUTING|PREROUTING) .*--comment glassbox -j GLASSBOX-(DNAT|FORWARD|POSTROUTING)$)/;

// Nothing of the lessons is left: no state directory, no glassbox object, no runc container's group. Lesson 11's
// project network made glassbox's shared chains: they are all that may be left, and gc removes them.
async function nothingLeft(out: string, lesson: string): Promise<void> {
  assert.deepEqual(sb.containerIds(), [], `lesson ${lesson} left state directories`);
  if (lesson === '11') {
    const now = snapshot(sb.dir, sb.run).iptables.filter((l) => !sb.before!.iptables.includes(l));
    assert.deepEqual(now.filter((l) => !SHARED_CHAINS.test(l)), [], 'only the shared chains are left');
    ok(await sb.gb(['gc'], { timeoutMs: 120_000 }), 'glassbox gc');
  }
  sb.assertNoLeaks();
  if (lesson === '10') assert.deepEqual(runcGroups(out), [], 'runc delete removed the container\'s cgroups');
}

test('lessons: lists 10 and 11 after 7, with their years and both languages', T, async () => {
  const r = await sb.gb(['lessons']);
  ok(r, 'glassbox lessons');
  assert.match(r.stdout, /^10  2015 +oci-runtime +the OCI runtime/m);
  assert.match(r.stdout, /^11  2014 +many +many containers/m);
  assert.match(r.stdout, /OCI 运行时/);
  assert.match(r.stdout, /许多容器/);
  const order = [...r.stdout.matchAll(/^ ?(\d+)  /gm)].map((m) => Number(m[1]));
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
});

test('learn 10 --yes: runc spec, config.json field by field, create / state / start / exec / kill / delete; nothing left', T, async () => {
  const r = await sb.gb(['learn', '10', '--yes'], { timeoutMs: 240_000 });
  ok(r, 'learn 10 --yes');
  const out = r.stdout;
  assert.match(out, /^\s*│ "1\.\d+\.\d+[^"]*"$/m, 'ociVersion');
  assert.match(out, /^\s*│ \["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"\]$/m, "runc's three capabilities");
  assert.match(out, /^\s*\+ \{"terminal":false,"args":\["sleep","3600"\],"hostname":"lesson-ten"\}$/m, 'the diff shows the three changed fields');
  assert.match(out, /^\s*│ {3}"status": "created",$/m, 'state after create');
  assert.match(out, /^\s*│ root +\d+ .* runc init$/m, 'runc init waits in the container');
  assert.match(out, /^\s*- +"\$STATE"\/runc\/lesson10-[0-9a-f]{6}\/exec\.fifo +\(fifo/m, 'start consumed the exec FIFO');
  assert.match(out, /^\s*│ {3}"status": "running",$/m, 'state after start');
  assert.match(out, /^\s*│ +1 root +sleep 3600$/m, 'sleep is PID 1 inside');
  assert.match(out, /^\s*│ lesson-ten$/m, 'the host name of config.json');
  assert.match(out, /^\s*│ CapBnd:\s+0000000020000420$/m, 'the bounding set inside is the three');
  assert.match(out, /^\s*│ {3}"status": "stopped",$/m, 'state after kill');
  assert.match(out, /\[\d+\] runc --root "\$STATE"\/runc delete --force lesson10-[0-9a-f]{6} +✓/);
  assert.match(out, /\[\d+\] umount "\$STATE"\/bundle\/rootfs +✓/);
  // The same container from glassbox bundle: docker's fourteen capabilities, no_new_privs and the filter inside.
  assert.match(out, /bundle --hostname lesson-ten glassbox\/base sleep 3600 -o "\$STATE"\/from-glassbox/);
  assert.match(out, /"cgroupsPath":"\/glassbox\/[0-9a-f]{64}"/);
  assert.match(out, /^\s*│ CapBnd:\s+00000000a80425fb$/m, "docker's default bounding set inside");
  assert.match(out, /^\s*│ NoNewPrivs:\s+1$/m);
  assert.match(out, /^\s*│ Seccomp:\s+2$/m);
  assert.match(out, /\[\d+\] runc --root "\$STATE"\/runc delete --force lesson10-[0-9a-f]{6}-gb +✓/);
  assert.match(out, /\[\d+\] rm -rf --one-file-system "\$STATE"\/from-glassbox +✓/);
  assert.match(out, /Lesson complete/);
  await nothingLeft(out, '10');
});

test('learn 10 --lang zh --yes: the same lesson in Chinese', T, async () => {
  const r = await sb.gb(['learn', '10', '--yes', '--lang', 'zh'], { timeoutMs: 240_000 });
  ok(r, 'learn 10 --lang zh');
  assert.match(r.stdout, /^\[第 \d+\/\d+ 节 · 第 \d+\/\d+ 步\] 用 runc create 创建容器$/m);
  assert.match(r.stdout, /本课完成/);
  assert.match(r.stdout, /OCI 运行时规范/);
  assert.doesNotMatch(r.stdout, /Lesson complete/);
  await nothingLeft(r.stdout, '10');
});

test('learn 10 --record: the transcript runs with sh, makes the same runc container and leaves nothing', T, async () => {
  const file = join(sb.dir, 'lesson10.sh');
  const r = await sb.gb(['learn', '10', '--yes', '--record', file], { timeoutMs: 240_000 });
  ok(r, 'learn 10 --record');
  await nothingLeft(r.stdout, '10');
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^runc --root "\$STATE"\/runc create --bundle "\$STATE"\/bundle --pid-file "\$STATE"\/container\.pid lesson10-[0-9a-f]{6}$/m);
  assert.match(text, /^runc --root "\$STATE"\/runc start lesson10-[0-9a-f]{6}$/m);
  const sh = await run(['sh', file], { env: sb.env, timeoutMs: 120_000 });
  assert.equal(sh.code, 0, `sh lesson10.sh: ${sh.stderr}`);
  assert.match(sh.stdout, /^ {2}"status": "running",$/m);
  assert.match(sh.stdout, /^lesson-ten$/m);
  assert.match(sh.stdout, /^ {2}"status": "stopped",$/m);
  await nothingLeft(text, '10');
});

test('learn 11 --yes: api, then web gated on api\'s health, names through the project network, down; nothing left', T, async () => {
  const r = await sb.gb(['learn', '11', '--yes'], { timeoutMs: 240_000 });
  ok(r, 'learn 11 --yes');
  const out = r.stdout;
  assert.match(out, /^\s*│ +Network lesson11-[0-9a-f]{6}_default +Created$/m, 'up made the project network');
  // web's up waited for api's health check before making web's container.
  const webUp = out.slice(out.indexOf('Start the service web'));
  assert.match(webUp, /Container lesson11-[0-9a-f]{6}-api-1 +Waiting\n.*Container lesson11-[0-9a-f]{6}-api-1 +Healthy\n.*Container lesson11-[0-9a-f]{6}-web-1 +Creating/);
  assert.match(out, /^\s*│ lesson11-[0-9a-f]{6}-api-1 .* Up .*\(healthy\)/m);
  assert.match(out, /^\s*│ \d+\.\d+\.\d+\.\d+\tlesson11-[0-9a-f]{6}-api-1 [0-9a-f]{12} api\t/m, "web's /etc/hosts names api");
  assert.equal(count(out, /^\s*│ hello from api, found by its name \(glassbox lesson 11\)$/gm), 2, 'the page web fetched at its start, and fetched again');
  assert.match(out, /^\s*│ +Network lesson11-[0-9a-f]{6}_default +Removed$/m, 'down removed the network');
  assert.match(out, /rm --stop --force web +✓/);
  // The Pod: its two containers print the same network namespace, and the client reaches the server on localhost.
  const netns = [...out.matchAll(/^\s*│ (server|client): net:\[(\d+)\]$/gm)];
  assert.deepEqual(netns.map((m) => m[1]), ['server', 'client'], 'both containers named their network namespace');
  assert.equal(netns[0]![2], netns[1]![2], 'one network namespace for the pod');
  assert.match(out, /^\s*│ hello from the server, over the pod's localhost$/m);
  assert.match(out, /kube down "\$STATE"\/pod\.yaml +✓/);
  assert.match(out, /Lesson complete/);
  await nothingLeft(out, '11');
});

test('learn 11 --lang zh --yes: in Chinese', T, async () => {
  const r = await sb.gb(['learn', '11', '--yes', '--lang', 'zh'], { timeoutMs: 240_000 });
  ok(r, 'learn 11 --lang zh');
  assert.match(r.stdout, /^\[第 \d+\/\d+ 节 · 第 \d+\/\d+ 步\] 启动服务 web，它要等到 api 健康$/m);
  assert.match(r.stdout, /编排器/);
  assert.match(r.stdout, /本课完成/);
  assert.ok(CJK.test(r.stdout));
  await nothingLeft(r.stdout, '11');
});

test('learn 11 --record: the transcript runs with sh, brings the project up and down again, leaves nothing', T, async () => {
  const file = join(sb.dir, 'lesson11.sh');
  const r = await sb.gb(['learn', '11', '--yes', '--record', file], { timeoutMs: 240_000 });
  ok(r, 'learn 11 --record');
  await nothingLeft(r.stdout, '11');
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^\S+\/bin\/glassbox compose -f "\$STATE"\/compose\.yaml -p lesson11-[0-9a-f]{6} up -d web$/m);
  const sh = await run(['sh', file], { env: sb.env, timeoutMs: 180_000 });
  assert.equal(sh.code, 0, `sh lesson11.sh: ${sh.stderr}`);
  assert.equal(count(sh.stdout, /^hello from api, found by its name \(glassbox lesson 11\)$/gm), 2, sh.stdout);
  assert.match(sh.stderr, /Container lesson11-[0-9a-f]{6}-api-1 +Healthy/);
  await nothingLeft(text, '11');
});

// Starts `learn N --yes` in the background, waits for a step title, kills the session with SIGKILL, then gc.
async function killedThenGc(lesson: string, title: string): Promise<string> {
  const bg = sb.gbStart(['learn', lesson, '--yes']);
  try {
    await waitFor(`step "${title}" to finish`, () => {
      if (bg.child.exitCode !== null) throw new Error(`learn ${lesson} ended early:\n${bg.stdout}\n${bg.stderr}`);
      const at = bg.stdout.indexOf(title);
      return at >= 0 && /✓ exit 0/.test(bg.stdout.slice(at));
    }, 180_000);
    bg.child.kill('SIGKILL');
    await bg.done;
  } finally {
    bg.stop();
  }
  assert.ok(sb.containerIds().length > 0, 'the killed session left its objects for gc');
  const gc = await sb.gb(['gc'], { timeoutMs: 120_000 });
  ok(gc, 'glassbox gc');
  return bg.stdout;
}

test('learn 10 killed with SIGKILL while runc\'s container runs: gc deletes it, unmounts the rootfs, removes the directory', T, async () => {
  const out = await killedThenGc('10', 'runc state: running');
  await nothingLeft(out, '10');
});

test('learn 11 killed with SIGKILL while both services run: gc runs the journal\'s undos, compose rm and down', T, async () => {
  const out = await killedThenGc('11', 'Both services are up');
  const ps = await sb.gb(['ps', '-a']);
  ok(ps, 'ps -a');
  assert.doesNotMatch(ps.stdout, /lesson11-/);
  await nothingLeft(out, '11');
});

test('no leaks', () => {
  sb.assertNoLeaks();
});
