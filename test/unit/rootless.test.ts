// Rootless mode without root: the plan of a rootless container (a golden transcript, en and zh, read by eye once),
// the refusals, the userns block's argv, and the small decisions of lib/rootless (which argv is rootless, where its
// state lives, whether a process is in a user namespace). The real thing runs in test/integration/rootless.test.ts.
// Regenerate the goldens with: UPDATE_GOLDEN=1 node --import tsx --test test/unit/rootless.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadCatalog } from '../../lib/blocks/catalog.ts';
import { GlassboxError } from '../../lib/errors.ts';
import { planContainer, type PlanContext, type PreparedContainer } from '../../lib/plan/planner.ts';
import { renderScript } from '../../lib/render/script.ts';
import { allowedCpus, checkRootlessSpec, inUserNamespace, rootlessRoots, wantsRootless } from '../../lib/rootless/mode.ts';
import { readGlobal, userNamespaceArgv } from '../../lib/rootless/reexec.ts';
import { containerPaths } from '../../lib/state/paths.ts';
import { helloContainer, ID } from './fixtures.ts';

const ROOTS = { root: '/home/alice/.local/share/glassbox', run: '/run/user/1000/glassbox' };
const PATHS = containerPaths(ROOTS, ID);
const catalog = await loadCatalog();

// A rootless hello: one layer in the user's own store, a bind volume from the user's home.
const hello = (over: Partial<PreparedContainer> = {}): PreparedContainer =>
  helloContainer(ROOTS, {
    lowerDirs: [`${ROOTS.root}/layers/sha256/1111`],
    namespaces: ['mount', 'uts', 'ipc', 'pid', 'net', 'cgroup'],
    volumes: [{ type: 'bind', source: '/home/alice/data', target: '/data', readOnly: false }],
    ...over,
  });

const ROOTLESS: PlanContext = { runRoot: ROOTS.run, runRootReady: false, barrierReady: false, hostDevLinks: true, flock: '/usr/bin/flock', seccompLoader: '/usr/lib/glassbox/glassbox-seccomp-load', rootless: true };

for (const lang of ['en', 'zh'] as const) {
  test(`rootless golden (${lang}): namespaces made inside the user namespace, host nodes bound, no cgroups`, () => {
    const text = renderScript(planContainer(catalog, hello(), ROOTLESS), { lang, mode: 'plan', glassboxVersion: '0.1.0' });
    const golden = new URL(`./golden/rootless-plan.${lang}.sh.txt`, import.meta.url);
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
    assert.equal(text, readFileSync(golden, 'utf8'));
  });
}

test('rootless plan: device nodes are bound, links made, only the FIFO copied; devpts without gid=5', () => {
  const plan = planContainer(catalog, hello(), ROOTLESS);
  const argvs = plan.steps.filter((s) => s.argv).map((s) => s.argv!.join(' '));
  const nodes = plan.steps.find((s) => s.id === 'dev.nodes')!.argv!;
  assert.deepEqual(nodes.slice(2), ['cp', '-a', `${ROOTS.run}/.glassbox-start`, `${PATHS.rootfs}/dev/`]);
  for (const n of ['null', 'zero', 'full', 'random', 'urandom', 'tty']) {
    assert.ok(argvs.includes(`nsenter --mount=${PATHS.nsDir}/mount mount --bind /dev/${n} ${PATHS.rootfs}/dev/${n}`), n);
  }
  assert.ok(!argvs.some((a) => a.includes('mount --bind /dev/ptmx')));
  assert.ok(argvs.includes(`nsenter --mount=${PATHS.nsDir}/mount ln -s pts/ptmx ${PATHS.rootfs}/dev/ptmx`));
  assert.ok(argvs.includes(`nsenter --mount=${PATHS.nsDir}/mount ln -s /proc/self/fd/0 ${PATHS.rootfs}/dev/stdin`));
  const fstab = plan.steps.find((s) => s.id === 'ns.fstab')!.write!.value;
  assert.match(fstab, /^devpts \S+\/dev\/pts devpts newinstance,ptmxmode=0666,mode=0620,nosuid,noexec,X-mount.mkdir 0 0$/m);
  assert.doesNotMatch(fstab, /gid=5/);
});

test('rootless plan: PID 1 keeps its groups (setgroups is denied), keeps the filter and the capability drops; no cgroup step', () => {
  const plan = planContainer(catalog, hello(), ROOTLESS);
  const start = plan.steps.find((s) => s.kind === 'start')!.argv!;
  assert.ok(start.includes('--keep-groups'));
  assert.ok(!start.includes('--clear-groups'));
  assert.ok(start.includes(`${PATHS.run}/bin/glassbox-seccomp-load`));
  assert.ok(start.includes('--no-new-privs'));
  assert.ok(start.some((a) => a.startsWith('--bounding-set=-all,')));
  assert.equal(plan.info.cgroup, undefined);
  assert.ok(!plan.steps.some((s) => s.touches.includes('cgroup')));
  // The cgroup namespace is made with the others (there are no groups to make it from).
  assert.ok(plan.steps.find((s) => s.id === 'ns.unshare')!.argv!.includes(`--cgroup=${PATHS.nsDir}/cgroup`));
  // The same container planned as root copies the nodes and clears the groups: the difference is the flag.
  const rooted = planContainer(catalog, hello(), { ...ROOTLESS, rootless: undefined });
  assert.ok(rooted.steps.find((s) => s.kind === 'start')!.argv!.includes('--clear-groups'));
  assert.ok(rooted.steps.find((s) => s.id === 'dev.nodes')!.argv!.includes('/dev/null'));
});

test('rootless plan: limits, a network and a non-root user are refused with the reason', () => {
  const refused = (c: PreparedContainer, re: RegExp) => assert.throws(() => planContainer(catalog, c, ROOTLESS), (e: unknown) => e instanceof GlassboxError && re.test(e.message));
  refused(hello({ resources: { memory: 64 * 1024 * 1024 } }), /cannot have resource limits here: no cgroups/);
  refused(hello({ user: { uid: 1000, gid: 1000, groups: [] } }), /can only run as root \(uid 0, gid 0\), not 1000:1000/);
  refused(hello({ network: { mode: 'host', ports: [], ipForward: true, claims: [] } }), /no --network host/);
  assert.throws(() => checkRootlessSpec({ network: { mode: 'bridge' } }), /no --network bridge: .*slirp4netns.*not installed/);
  checkRootlessSpec({ network: { mode: 'none' } });
  checkRootlessSpec({});
});

test('rootless: the userns block runs glassbox again as root of a new user and mount namespace', async () => {
  const argv = await userNamespaceArgv(['node', '/opt/glassbox/bin/glassbox', '--rootless', 'run', 'img', 'true'], undefined, { first: '2', list: '2-5' });
  // Made on one CPU (the block's why: mount namespace IDs), then glassbox runs on every allowed CPU again.
  assert.deepEqual(argv.slice(0, 10), ['taskset', '-c', '2', 'unshare', '--user', '--map-root-user', '--mount', '--propagation', 'private', '--']);
  assert.deepEqual(argv.slice(10, 13), ['taskset', '-c', '2-5']);
  assert.deepEqual(argv.slice(-5), ['/opt/glassbox/bin/glassbox', '--rootless', 'run', 'img', 'true']);
  assert.deepEqual(allowedCpus('Name:\tx\nCpus_allowed_list:\t0-1,4\n'), { list: '0-1,4', first: '0' });
});

test('rootless: exec joins the user and mount namespaces of the container\'s monitor instead of making new ones', async () => {
  const argv = await userNamespaceArgv(['node', '/opt/glassbox/bin/glassbox', 'exec', 'web', 'sh'], 4242);
  assert.deepEqual(argv.slice(0, 6), ['nsenter', '--target=4242', '--user', '--mount', '--preserve-credentials', '--']);
  assert.deepEqual(argv.slice(-3), ['exec', 'web', 'sh']);
});

test('rootless: the subcommand and --rootless are read from the global options only', () => {
  assert.deepEqual(readGlobal(['--rootless', 'run', 'img', '--rootless']), { command: 'run', rootless: true });
  assert.deepEqual(readGlobal(['--lang', 'zh', 'ps']), { command: 'ps', rootless: false });
  assert.deepEqual(readGlobal(['run', 'img', 'echo', '--rootless']), { command: 'run', rootless: false });
  assert.equal(wantsRootless(false, 0), false);
  assert.equal(wantsRootless(true, 0), true);
  assert.equal(wantsRootless(undefined, 1000), true);
});

test('rootless: state under the user\'s own directories unless GLASSBOX_ROOT/GLASSBOX_RUN say otherwise', () => {
  assert.deepEqual(rootlessRoots({}, 1000, '/home/alice'), { root: '/home/alice/.local/share/glassbox', run: '/tmp/glassbox-run-1000' });
  assert.deepEqual(rootlessRoots({ XDG_DATA_HOME: '/d', XDG_RUNTIME_DIR: '/' }, 1000, '/home/alice'), { root: '/d/glassbox', run: '/glassbox' });
  assert.deepEqual(rootlessRoots({ GLASSBOX_ROOT: '/r', GLASSBOX_RUN: '/x', XDG_RUNTIME_DIR: '/' }, 1000, '/h'), { root: '/r', run: '/x' });
});

test('rootless: a user namespace is told apart from the initial one by its uid_map', () => {
  assert.equal(inUserNamespace('         0          0 4294967295\n'), false);
  assert.equal(inUserNamespace('         0       1000          1\n'), true);
});
