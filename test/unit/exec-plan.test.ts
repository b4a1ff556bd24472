// The exec planner (lib/plan/exec.ts), without root: the steps of `glassbox exec` come from what the container's
// plan recorded (PlanInfo.process), never from its start argv. A golden transcript of `exec --plan` (read by eye
// once), the rendered script parses, and the rules: -u replaces the user, rootless keeps the groups, an old plan
// or a missing loader is refused, --privileged without the loader falls back to nsenter's own --setuid.
// Regenerate the golden with: UPDATE_GOLDEN=1 node --import tsx --test test/unit/exec-plan.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadCatalog } from '../../lib/blocks/catalog.ts';
import type { CgroupLayout } from '../../lib/cgroup/types.ts';
import { planExec, type ExecRequest } from '../../lib/plan/exec.ts';
import { planContainer, type PlanContext, type PreparedContainer } from '../../lib/plan/planner.ts';
import { runtimeRef, type Plan, type Step } from '../../lib/plan/types.ts';
import { renderScript } from '../../lib/render/script.ts';
import { helloContainer } from './fixtures.ts';

const ROOTS = { root: '/var/lib/glassbox', run: '/run/glassbox' };
const catalog = await loadCatalog();
// A cgroup v2 host written out by hand: the command joins the container's group.
const V2: CgroupLayout = { version: 'v2', hierarchies: {}, root: '/sys/fs/cgroup', controllers: ['cpuset', 'cpu', 'io', 'memory', 'pids'], swapAccounting: true };
const CTX: PlanContext = { runRoot: '/run/glassbox', runRootReady: true, barrierReady: true, hostDevLinks: true, flock: '/usr/bin/flock', seccompLoader: '/usr/lib/glassbox/glassbox-seccomp-load', cgroup: V2 };
const container = (over: Partial<PreparedContainer> = {}): Plan => planContainer(catalog, helloContainer(ROOTS, { user: { uid: 1000, gid: 1000, groups: [27, 100] }, resources: { memory: 64 * 1024 * 1024 }, ...over }), CTX);
const request = (plan: Plan, over: Partial<ExecRequest> = {}): ExecRequest => ({
  container: plan,
  pid1: 4242,
  token: 'a1b2c3d4e5f6',
  command: ['/bin/sh', '-c', 'id; pwd'],
  env: { ...plan.info.env, FOO: 'bar baz' },
  tty: false,
  loader: true,
  ...over,
});
const startOf = (steps: Step[]) => steps.find((s) => s.role === 'start')!;

test('exec golden: -w and -e, the container\'s user and restrictions from its recorded plan', () => {
  const { plan } = planExec(catalog, request(container(), { workdir: '/tmp' }));
  const text = renderScript(plan, { lang: 'en', mode: 'exec', glassboxVersion: '0.0.0-test' });
  const golden = new URL('./golden/exec-plan.en.sh.txt', import.meta.url);
  if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
  assert.equal(text, readFileSync(golden, 'utf8'));
  for (const lang of ['en', 'zh'] as const) {
    for (const tty of [false, true]) {
      const r = spawnSync('/bin/sh', ['-n'], { input: renderScript(planExec(catalog, request(container(), { tty })).plan, { lang, mode: 'exec', glassboxVersion: 'x' }), encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
  }
});

test('the start step gets the recorded user, groups, bounding set, no_new_privs and filter, as descriptors 3 and 4', () => {
  const c = container();
  const proc = c.info.process!;
  assert.deepEqual({ uid: proc.uid, gid: proc.gid, groups: proc.groups, noNewPrivs: proc.noNewPrivs }, { uid: 1000, gid: 1000, groups: [27, 100], noNewPrivs: true });
  const { plan } = planExec(catalog, request(c));
  const start = startOf(plan.steps);
  const argv = start.argv!;
  assert.ok(argv.includes('--reuid=1000') && argv.includes('--regid=1000') && argv.includes('--groups=27,100'), argv.join(' '));
  assert.ok(argv.includes(`--bounding-set=${proc.boundingSet}`));
  assert.ok(argv.includes('--no-new-privs'));
  assert.deepEqual(argv.slice(argv.indexOf('--close-fds'), argv.indexOf('--close-fds') + 2), ['--close-fds', '/proc/self/fd/4']);
  assert.deepEqual(start.fds, [`${c.info.paths.run}/bin/glassbox-seccomp-load`, proc.seccompFilter]);
  assert.equal(start.waits, 'self');
  assert.ok(argv.includes('--target=4242'));
  // Every group's cgroup.procs gets the process waiting at the barrier, then the barrier opens.
  const joins = plan.steps.filter((s) => s.write && s.write.path.endsWith('/cgroup.procs'));
  assert.ok(joins.length > 0 && joins.every((s) => s.write!.value === runtimeRef('pid1')), 'joins use the barrier process');
  // What the exec leaves on disk has its undo (journaled before it is made): the barrier FIFO.
  assert.deepEqual(plan.steps.filter((s) => s.undo).map((s) => s.undo), [['rm', '-f', `${c.info.paths.run}/exec-a1b2c3d4e5f6.fifo`]]);
  assert.equal(plan.steps.at(-1)!.role, 'release', 'the barrier opens last: after it the command is the user\'s');
  assert.equal(plan.info.command.join(' '), '/bin/sh -c id; pwd');
});

test('-u replaces the user; -t moves the chain under script, where it still waits itself at the barrier', () => {
  const { plan } = planExec(catalog, request(container(), { user: { uid: 65534, gid: 65534, groups: [] }, tty: true }));
  const start = startOf(plan.steps);
  assert.equal(start.waits, 'self');
  assert.ok(start.argv!.includes('script'), start.argv!.join(' '));
  const chain = plan.steps.find((s) => s.write?.path.endsWith('.sh'))!.write!.value;
  assert.match(chain, /--reuid=65534 --clear-groups/);
  assert.doesNotMatch(chain, /--setsid/, 'with -t the terminal is the command\'s own: no new session without one');
  // The wrapper holds the whole chain (the -e values too): it goes when the exec ends.
  assert.deepEqual(plan.steps.filter((s) => s.undo).map((s) => s.undo!.at(-1)), [`${plan.info.paths.run}/exec-a1b2c3d4e5f6.fifo`, `${plan.info.paths.run}/exec-a1b2c3d4e5f6.sh`]);
});

test('an old plan without process data, or a confined container without the loader, is refused; --privileged falls back to nsenter', () => {
  const old = container();
  delete old.info.process;
  assert.throws(() => planExec(catalog, request(old)), /started by an older glassbox/);
  assert.throws(() => planExec(catalog, request(container(), { loader: false })), /static loader/);
  const priv = container({ security: { privileged: true, capAdd: [], capDrop: [], noNewPrivileges: false, seccomp: 'unconfined' } });
  const { plan } = planExec(catalog, request(priv, { loader: false }));
  const argv = startOf(plan.steps).argv!;
  assert.ok(argv.includes('--setuid=1000') && argv.includes('--setgid=1000'), argv.join(' '));
  assert.ok(argv.some((a) => a.endsWith('/bin/setsid')), 'a new session through setsid');
  assert.equal(startOf(plan.steps).fds, undefined);
});

test('rootless: the groups stay as they are (setgroups is denied in a user namespace)', () => {
  const c = container();
  c.info.rootless = { enter: ['unshare', '--user'] };
  const argv = startOf(planExec(catalog, request(c)).plan.steps).argv!;
  assert.ok(!argv.some((a) => a.startsWith('--groups') || a === '--clear-groups'), argv.join(' '));
  assert.ok(!argv.includes('--all'), 'not the time namespace');
});
