// The planner, checked by golden transcripts (the annotated plan script of a hand-built container, read by eye
// once and compared to the character after that) and by structural rules every plan must keep, whatever the
// blocks say: unique ids, `needs` only backwards, one start step with the boot steps after it, no stray NUL.
// Regenerate the goldens with: UPDATE_GOLDEN=1 node --import tsx --test test/unit/planner.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadCatalog } from '../../lib/blocks/catalog.ts';
import type { CgroupLayout } from '../../lib/cgroup/layout.ts';
import { planContainer, type PlanContext, type PreparedContainer } from '../../lib/plan/planner.ts';
import { RT_CLOSE, RT_OPEN, runtimeRef, type Plan, type Step } from '../../lib/plan/types.ts';
import { renderPlanJson } from '../../lib/render/json.ts';
import type { PreparedNetwork } from '../../lib/net/prepare.ts';
import { renderScript } from '../../lib/render/script.ts';
import { shJoin } from '../../lib/render/quote.ts';
import { journalFor } from '../../lib/state/journal.ts';
import { containerPaths } from '../../lib/state/paths.ts';
import { helloContainer, ID } from './fixtures.ts';

const ROOTS = { root: '/var/lib/glassbox', run: '/run/glassbox' };
const PATHS = containerPaths(ROOTS, ID);
const catalog = await loadCatalog();

// The hello container: two image layers, a shell command, its own host name, everything else default.
const hello = (over: Partial<PreparedContainer> = {}): PreparedContainer => helloContainer(ROOTS, over);

const FIRST_RUN: PlanContext = { runRoot: '/run/glassbox', runRootReady: false, barrierReady: false, hostDevLinks: true, flock: '/usr/bin/flock', seccompLoader: '/usr/lib/glassbox/glassbox-seccomp-load' };
const READY: PlanContext = { ...FIRST_RUN, runRootReady: true, barrierReady: true };

// cgroup layouts written out by hand (no file is read): this machine's v1 hybrid, and a pure v2 host.
const V1_LAYOUT: CgroupLayout = {
  version: 'v1',
  hierarchies: Object.fromEntries(['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids'].map((c) => [c, `/sys/fs/cgroup/${c}`])),
  controllers: [],
  swapAccounting: true,
  cpusetCpus: '0-3',
  cpusetMems: '0',
};
const V2_LAYOUT: CgroupLayout = { version: 'v2', hierarchies: {}, root: '/sys/fs/cgroup', controllers: ['cpuset', 'cpu', 'io', 'memory', 'pids'], swapAccounting: true };
const MiB = 1024 * 1024;

// A container on the default bridge, values written out by hand (prepare would lease the address and ports).
const NET_DEF = { name: 'bridge', id: 'f'.repeat(64), bridge: 'gb0', subnet: '172.29.0.0/16', gateway: '172.29.0.1', created: '2026-01-01T00:00:00.000Z' };
function bridged(opts: { bridgeUp: boolean; ipForward: boolean; ports: PreparedNetwork['ports'] }): Partial<PreparedContainer> {
  const lease = { file: '/var/lib/glassbox/networks/bridge/leases/172.29.0.2', content: `172.29.0.2\thello glassbox\t# glassbox:${ID}` };
  const claims = [lease, ...opts.ports.map((p) => ({ file: `/var/lib/glassbox/ports/${p.proto}-${p.hostPort}`, content: `${p.proto} ${p.hostPort} # glassbox:${ID}` }))];
  return {
    network: {
      mode: 'bridge',
      bridge: { def: NET_DEF, subnet: { base: 0xac1d0000, prefix: 16 }, dir: '/var/lib/glassbox/networks/bridge', ip: '172.29.0.2', mac: '02:67:ac:1d:00:02', hostIf: `gb${ID.slice(0, 12)}`, lease, bridgeUp: opts.bridgeUp },
      ports: opts.ports,
      files: { hostsBase: '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback', resolv: 'nameserver 192.0.2.53', hostname: 'glassbox' },
      ipForward: opts.ipForward,
      claims,
    },
    etc: { hosts: { target: `${PATHS.rootfs}/etc/hosts`, placeholder: `${PATHS.upper}/etc/hosts` }, resolv: { target: `${PATHS.rootfs}/etc/resolv.conf` }, hostname: { target: `${PATHS.rootfs}/etc/hostname` } },
  };
}

interface Variant {
  name: string;
  golden: string;
  container: PreparedContainer;
  ctx: PlanContext;
  lang: 'en' | 'zh';
}

const variants: Variant[] = [
  { name: 'hello (en)', golden: 'hello-plan.en.sh.txt', container: hello(), ctx: FIRST_RUN, lang: 'en' },
  { name: 'hello (zh)', golden: 'hello-plan.zh.sh.txt', container: hello(), ctx: FIRST_RUN, lang: 'zh' },
  {
    name: 'volumes: a read-only bind and a tmpfs',
    golden: 'volumes-plan.en.sh.txt',
    container: hello({
      volumes: [
        { type: 'bind', source: '/srv/my data', target: '/data', readOnly: true },
        { type: 'tmpfs', target: '/scratch', size: '64m', mode: '1777' },
      ],
    }),
    ctx: FIRST_RUN,
    lang: 'en',
  },
  {
    name: 'named and anonymous volumes, the image\'s files copied into the new ones',
    golden: 'named-volumes-plan.en.sh.txt',
    container: hello({
      volumes: [
        { type: 'bind', source: '/var/lib/glassbox/volumes/data/_data', target: '/data', readOnly: false },
        { type: 'bind', source: `/var/lib/glassbox/volumes/${'a'.repeat(64)}/_data`, target: '/var/cache', readOnly: false },
      ],
      volumeSetup: {
        named: ['/var/lib/glassbox/volumes/data/_data'],
        anonymous: [{ name: 'a'.repeat(64), dir: `/var/lib/glassbox/volumes/${'a'.repeat(64)}`, data: `/var/lib/glassbox/volumes/${'a'.repeat(64)}/_data`, meta: `/var/lib/glassbox/volumes/${'a'.repeat(64)}/volume.json`, value: '{"Name":"aaaa"}' }],
        copies: [{ target: '/data', data: '/var/lib/glassbox/volumes/data/_data', lock: '/var/lib/glassbox/volumes/data/lock' }],
      },
      mounts: [{ Type: 'volume', Name: 'data', Source: '/var/lib/glassbox/volumes/data/_data', Destination: '/data', Driver: 'local', Mode: '', RW: true, Propagation: '' }],
      anonymousVolumes: ['a'.repeat(64)],
    }),
    ctx: READY,
    lang: 'en',
  },
  { name: 'read-only root', golden: 'readonly-plan.en.sh.txt', container: hello({ readOnly: true }), ctx: FIRST_RUN, lang: 'en' },
  {
    name: 'user 1000 with supplementary groups',
    golden: 'user-plan.en.sh.txt',
    container: hello({ user: { uid: 1000, gid: 1000, groups: [1000, 27] }, env: { PATH: '/usr/bin:/bin', HOSTNAME: 'glassbox', HOME: '/home/ann' } }),
    ctx: FIRST_RUN,
    lang: 'en',
  },
  {
    name: 'run root already private, barrier already made',
    golden: 'runroot-ready-plan.en.sh.txt',
    container: hello(),
    ctx: { ...FIRST_RUN, runRootReady: true, barrierReady: true },
    lang: 'en',
  },
  { name: 'chroot root (lessons)', golden: 'chroot-plan.en.sh.txt', container: hello({ root: 'chroot' }), ctx: FIRST_RUN, lang: 'en' },
  {
    name: 'a bare image: no /proc, no workdir, no /dev links on the host',
    golden: 'bare-image-plan.en.sh.txt',
    container: hello({ workdir: '/app', makeWorkdir: true, makeProc: true, namespaces: ['mount', 'pid'], hostname: undefined }),
    ctx: { ...FIRST_RUN, hostDevLinks: false },
    lang: 'en',
  },
  {
    name: 'cgroup v1: memory, cpus, shares, cpuset and pids limits',
    golden: 'cgroup-v1-plan.en.sh.txt',
    container: hello({ resources: { memory: 64 * MiB, cpus: 0.5, cpuShares: 512, cpusetCpus: '1', pids: 64 }, namespaces: ['mount', 'uts', 'ipc', 'pid', 'net', 'cgroup'] }),
    ctx: { ...READY, cgroup: V1_LAYOUT },
    lang: 'en',
  },
  {
    name: 'cgroup v2: memory with unlimited swap, 1.5 CPUs, the default pids limit',
    golden: 'cgroup-v2-plan.en.sh.txt',
    container: hello({ resources: { memory: 64 * MiB, memorySwap: -1, cpus: 1.5 } }),
    ctx: { ...READY, cgroup: V2_LAYOUT },
    lang: 'en',
  },
  {
    name: 'run flags: --ulimit, --device, --sysctl, --shm-size (cgroup v1, the device allowed in devices.allow)',
    golden: 'run-flags-plan.en.sh.txt',
    container: hello({
      namespaces: ['mount', 'uts', 'ipc', 'pid', 'net', 'cgroup'],
      ulimits: ['--nofile=1024:2048'],
      devices: [{ host: '/dev/fuse', path: '/dev/fuse', type: 'c', major: 10, minor: 229, mode: '0666', permissions: 'rwm' }, { host: '/dev/null', path: '/dev/sub/x', type: 'c', major: 1, minor: 3, mode: '0666', permissions: 'r' }],
      sysctls: [{ key: 'kernel.shmmax', value: '1234567', ns: 'ipc' }, { key: 'net.ipv4.ip_unprivileged_port_start', value: '80', ns: 'net' }],
      shmSize: 128 * MiB,
    }),
    ctx: { ...READY, cgroup: V1_LAYOUT },
    lang: 'en',
  },
  {
    name: 'cgroup v2 with a cgroup namespace: cgroup2 read-only at /sys/fs/cgroup, a --device in the eBPF filter',
    golden: 'cgroup-v2-ns-plan.en.sh.txt',
    container: hello({ namespaces: ['mount', 'uts', 'ipc', 'pid', 'net', 'cgroup'], devices: [{ host: '/dev/fuse', path: '/dev/fuse', type: 'c', major: 10, minor: 229, mode: '0666', permissions: 'rwm' }] }),
    ctx: { ...READY, cgroup: V2_LAYOUT, deviceFilter: '/usr/libexec/glassbox-device-filter' },
    lang: 'en',
  },
  {
    name: '--init and -t: tini bound at /dev/init, the start chain run by script on a new terminal',
    golden: 'init-tty-plan.en.sh.txt',
    container: hello({ init: '/usr/bin/tini-static', tty: true }),
    ctx: READY,
    lang: 'en',
  },
  {
    name: 'network: the first container on the default bridge (bridge, chains, ip_forward made)',
    golden: 'bridge-plan.en.sh.txt',
    container: hello(bridged({ bridgeUp: false, ipForward: false, ports: [] })),
    ctx: READY,
    lang: 'en',
  },
  {
    name: 'network: published ports on a bridge that is already up',
    golden: 'ports-plan.en.sh.txt',
    container: hello(bridged({ bridgeUp: true, ipForward: true, ports: [{ hostPort: 8080, containerPort: 80, proto: 'tcp' }, { hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, proto: 'udp' }] })),
    ctx: READY,
    lang: 'en',
  },
];

const plans = new Map(variants.map((v) => [v.name, planContainer(catalog, v.container, v.ctx)]));
const planOf = (name: string): Plan => plans.get(name)!;

// --- golden transcripts -------------------------------------------------------------------------------------

for (const v of variants) {
  test(`planner golden: ${v.name}`, () => {
    const text = renderScript(planOf(v.name), { lang: v.lang, mode: 'plan', glassboxVersion: '0.1.0' });
    const golden = new URL(`./golden/${v.golden}`, import.meta.url);
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
    assert.equal(text, readFileSync(golden, 'utf8'));
  });
}

test('planner: planning is pure (the same input gives the same plan)', () => {
  const a = planContainer(catalog, hello(), FIRST_RUN);
  const b = planContainer(catalog, hello(), FIRST_RUN);
  assert.deepEqual(a, b);
  assert.deepEqual(a, planOf('hello (en)'));
});

// --- structure, for every variant ---------------------------------------------------------------------------

const RUNTIME_REF = new RegExp(`${RT_OPEN.replace('{', '\\{')}(pid|pid1)${RT_CLOSE.replace('}', '\\}')}`, 'g');

// Every string of a step that can reach a command line or a file.
function stringsOf(s: Step): string[] {
  return [
    ...(s.argv ?? []),
    ...(s.undo ?? []),
    ...s.observe.flat(),
    ...(s.paths ?? []),
    ...(s.write ? [s.write.path, s.write.value] : []),
    ...(s.mount ? Object.values(s.mount) : []),
    ...(s.stdin !== undefined ? [s.stdin] : []),
  ];
}

for (const v of variants) {
  test(`planner structure: ${v.name}`, () => {
    const plan = planOf(v.name);
    const { steps } = plan;
    assert.equal(plan.version, 1);
    assert.equal(plan.info.id, ID);
    assert.deepEqual(plan.info.command, v.container.command);

    const ids = steps.map((s) => s.id);
    assert.equal(new Set(ids).size, ids.length, `duplicate step ids: ${ids}`);
    const seen = new Set<string>();
    for (const s of steps) {
      for (const n of s.needs) assert.ok(seen.has(n), `${s.id} needs ${n}, which is not an earlier step`);
      seen.add(s.id);
    }

    const starts = steps.filter((s) => s.kind === 'start');
    assert.equal(starts.length, 1, 'exactly one start step');
    const at = steps.indexOf(starts[0]!);
    assert.equal(starts[0]!.phase, 'start');
    steps.slice(0, at).forEach((s) => assert.equal(s.phase, 'setup', `${s.id} comes before the start step`));
    steps.slice(at + 1).forEach((s) => assert.equal(s.phase, 'boot', `${s.id} comes after the start step`));

    // With -t the chain is in the wrapper script: the same chain as without -t, plus setsid --ctty, quoted.
    let argv = starts[0]!.argv!;
    if (v.container.tty) {
      const plain = planContainer(catalog, { ...v.container, tty: false }, v.ctx).steps.find((x) => x.kind === 'start')!.argv!;
      // Without -t PID 1 gets a session with no terminal (setsid --); with -t, setsid --ctty gives it the new one.
      const i = plain.indexOf('--', plain.findIndex((a) => a.startsWith('--wd='))) + 1;
      assert.deepEqual(plain.slice(i, i + 2), [`${PATHS.run}/bin/setsid`, '--']);
      argv = [...plain.slice(0, i + 1), '--ctty', ...plain.slice(i + 1)];
      // run -t: the terminal is first bound at /dev/console (the console block), then the chain runs.
      const console = `nsenter --mount=${PATHS.nsDir}/mount mount --bind /proc/self/fd/0 ${PATHS.rootfs}/dev/console || exit 125\n`;
      const wrapped = steps.find((x) => x.id === 'terminal.wrapper')!.write!.value;
      assert.equal(wrapped, `#!/bin/sh\n${v.container.root === 'chroot' || v.ctx.rootless ? '' : console}exec ${shJoin(argv)}`);
    }
    for (const flag of ['--pdeathsig', '--kill-child']) assert.ok(argv.includes(flag), `start argv lacks ${flag}`);
    assert.equal(argv.filter((a) => a.startsWith('--mount-proc=')).length, 1, 'start argv mounts one /proc');
    assert.deepEqual(argv.slice(-v.container.command.length), v.container.command, 'the command comes last, verbatim');
    const envAt = argv.indexOf('-i');
    assert.deepEqual(argv.slice(envAt + 1, envAt + 1 + Object.keys(v.container.env).length), Object.entries(v.container.env).map(([k, val]) => `${k}=${val}`), 'env -i sets exactly the container environment');
    // After env -i the program that waits at the barrier is named by its host path: the loader (--barrier, then
    // no filter), or flock in chroot mode, where the loader is out of reach.
    const waiter = argv.slice(envAt + 1 + Object.keys(v.container.env).length);
    if (v.container.root === 'chroot') assert.deepEqual(waiter.slice(0, 2), ['/usr/bin/flock', '--no-fork'], 'flock by its host path');
    else assert.deepEqual(waiter.slice(0, 3), [`${PATHS.run}/bin/glassbox-seccomp-load`, `--barrier=${PATHS.rootfs}/dev/.glassbox-start`, '-'], 'the loader waits at the barrier');
    // Every host program of the chain runs from the container's read-only directory of host programs.
    const programs = [argv[0], argv[argv.indexOf('--') + 1], ...argv.filter((a) => /\/(setpriv|nsenter|unshare|setsid|env|glassbox-seccomp-load)$/.test(a))];
    // (In chroot mode those after unshare --root are the image's, at the host's paths.)
    const inChroot = (prog: string) => v.container.root === 'chroot' && argv.indexOf(prog) > argv.findIndex((a) => a.startsWith('--root='));
    for (const prog of programs) assert.ok(prog!.startsWith(`${PATHS.run}/bin/`) || inChroot(prog!), `${prog} is reached through the read-only mounts`);
    const mount = steps.find((s) => s.id === 'helpers.mount')!;
    assert.ok(ids.indexOf('helpers.mount') < ids.indexOf('ns.unshare'), 'the read-only mounts exist before the namespaces copy the mount table');
    assert.ok(steps.find((s) => s.id === 'ns.unshare')!.needs.includes('helpers.mount'));
    const fstab = steps.find((s) => s.id === 'helpers.fstab')!.write!.value.split('\n').filter((l) => !l.startsWith('#'));
    for (const l of fstab) assert.match(l, new RegExp(`^/\\S+ ${PATHS.run}/bin/\\S+ none bind,ro,nosuid,nodev 0 0$`));
    assert.deepEqual(mount.undo, ['umount', ...fstab.map((l) => l.split(' ')[1])]);

    for (const s of steps) {
      assert.notEqual(s.kind, 'mount', `${s.id}: mount entries are batched, never planned as steps`);
      if (s.kind === 'run' || s.kind === 'start') assert.ok(s.argv && s.argv.length > 0, `${s.id}: no argv`);
      if (s.kind === 'write') assert.ok(s.write, `${s.id}: no write`);
      if (s.kind === 'mkdir' || s.kind === 'remove') assert.ok(s.paths && s.paths.length > 0, `${s.id}: no paths`);
      assert.ok(s.title.en && s.title.zh && s.why.en && s.why.zh, `${s.id}: untitled or unexplained`);
      for (const str of stringsOf(s)) {
        assert.ok(!str.replace(RUNTIME_REF, '').includes('\u0000'), `${s.id}: a NUL outside a runtime reference in ${JSON.stringify(str)}`);
      }
    }
  });
}

test('planner: the journal lists the undo of the namespaces block, in plan order', () => {
  const plan = planOf('hello (en)');
  const journal = journalFor(plan);
  assert.equal(journal.version, 1);
  assert.equal(journal.container, ID);
  const unshare = journal.entries.find((e) => e.step === 'ns.unshare');
  assert.deepEqual(unshare, {
    step: 'ns.unshare',
    undo: ['umount', ...['mount', 'uts', 'ipc', 'net'].map((ns) => `${PATHS.nsDir}/${ns}`)],
    mayFail: true,
  });
  const dirs = journal.entries.find((e) => e.step === 'ns.dirs');
  assert.deepEqual(dirs?.undo, ['rm', '-rf', '--one-file-system', PATHS.run, PATHS.state]);
  const order = plan.steps.map((s) => s.id);
  const positions = journal.entries.map((e) => order.indexOf(e.step));
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
  assert.equal(journal.entries.length, plan.steps.filter((s) => s.undo).length);
});

test('planner: renderPlanJson is JSON, with runtime references written as ${name}', () => {
  const plan = planOf('hello (en)');
  const text = renderPlanJson(plan);
  assert.ok(!text.includes('\\u0000'));
  const back = JSON.parse(text) as Plan;
  assert.equal(back.version, 1);
  assert.deepEqual(
    back.steps.map((s) => s.id),
    plan.steps.map((s) => s.id),
  );
  assert.ok(text.includes('${pid1}'));
  const release = back.steps.find((s) => s.id === 'start.release');
  assert.equal(release?.write?.path, '/proc/${pid1}/root/dev/.glassbox-start');
});

// --- what each variant changes ------------------------------------------------------------------------------

const startArgv = (name: string) => planOf(name).steps.find((s) => s.kind === 'start')!.argv!;
// The text of the container's fstab, from the step that writes it.
const fstabOf = (name: string) => planOf(name).steps.find((s) => s.write?.path === `${PATHS.run}/fstab`)?.write?.value ?? '';

test('planner variant: the hello container', () => {
  const plan = planOf('hello (en)');
  const argv = startArgv('hello (en)');
  assert.ok(argv.includes('--clear-groups'));
  assert.ok(argv.includes('--reuid=0'));
  assert.ok(argv.includes(`--mount-proc=${PATHS.rootfs}/proc`));
  assert.ok(argv.includes(`--wd=${PATHS.rootfs}`));
  assert.ok(!argv.some((a) => a.startsWith('--root=')));
  assert.ok(plan.steps.some((s) => s.id === 'start.pivot'));
  assert.ok(plan.steps.some((s) => s.id === 'hostname.set' && s.argv!.at(-1) === 'glassbox'));
  assert.ok(fstabOf('hello (en)').includes(`overlay ${PATHS.rootfs} overlay nodev,lowerdir=/var/lib/glassbox/layers/1111/diff:/var/lib/glassbox/layers/2222/diff,`));
  const pivot = plan.steps.find((s) => s.id === 'start.pivot')!;
  assert.ok(pivot.argv!.includes(`--target=${runtimeRef('pid1')}`));
});

test('planner variant: volumes become fstab lines, with white space escaped', () => {
  const fstab = fstabOf('volumes: a read-only bind and a tmpfs');
  const lines = fstab.split('\n').filter((l) => !l.startsWith('#'));
  assert.ok(lines.includes(`/srv/my\\040data ${PATHS.rootfs}/data none bind,nodev,ro,X-mount.mkdir 0 0`), fstab);
  assert.ok(lines.includes(`tmpfs ${PATHS.rootfs}/scratch tmpfs nosuid,nodev,mode=1777,size=64m,X-mount.mkdir 0 0`), fstab);
  // Every entry line has exactly six fields.
  for (const l of lines) assert.equal(l.split(' ').length, 6, l);
});

test('planner variant: read-only remounts the root before the start', () => {
  const steps = planOf('read-only root').steps;
  const ro = steps.find((s) => s.id === 'start.read-only');
  assert.ok(ro, 'a read-only step');
  assert.ok(ro.argv!.includes('remount,bind,ro'));
  assert.ok(steps.indexOf(ro) < steps.findIndex((s) => s.kind === 'start'));
  assert.ok(!planOf('hello (en)').steps.some((s) => s.id === 'start.read-only'));
});

test('planner variant: user and groups reach setpriv', () => {
  const argv = startArgv('user 1000 with supplementary groups');
  assert.ok(argv.includes('--reuid=1000'));
  assert.ok(argv.includes('--regid=1000'));
  assert.ok(argv.includes('--groups=1000,27'));
  assert.ok(!argv.includes('--clear-groups'));
});

test('planner variant: --init binds the init on the container\'s /dev and starts it in front of the command', () => {
  const plan = planOf('--init and -t: tini bound at /dev/init, the start chain run by script on a new terminal');
  const bind = plan.steps.find((s) => s.id === 'init.bind')!;
  assert.deepEqual(bind.argv!.slice(-3), ['ro,nosuid,nodev', '/usr/bin/tini-static', `${PATHS.rootfs}/dev/init`]);
  // The init is mounted after /dev is filled and before the start.
  const ids = plan.steps.map((s) => s.id);
  assert.ok(ids.indexOf('dev.nodes') < ids.indexOf('init.placeholder'));
  assert.ok(ids.indexOf('init.bind') < ids.indexOf('start.process'));
  // The command runs behind the init; the plan's own command stays the user's (for ps and the 127 lookup).
  const chain = plan.steps.find((s) => s.id === 'terminal.wrapper')!.write!.value;
  assert.match(chain, / \/dev\/init -- \/bin\/sh -c 'echo hi'$/);
  assert.deepEqual(plan.info.command, ['/bin/sh', '-c', 'echo hi']);
  assert.ok(!planOf('hello (en)').steps.some((s) => s.block === 'init'));
});

test('planner variant: -t wraps the start chain in a script that util-linux script runs; PID 1 takes the terminal', () => {
  const plan = planOf('--init and -t: tini bound at /dev/init, the start chain run by script on a new terminal');
  const start = plan.steps.find((s) => s.kind === 'start')!;
  assert.equal(start.id, 'start.process');
  assert.deepEqual(start.argv, ['env', `SHELL=${PATHS.run}/tty.sh`, 'script', '--quiet', '--return', '/dev/null']);
  const wrapper = plan.steps.find((s) => s.id === 'terminal.wrapper')!;
  assert.equal(wrapper.write!.path, `${PATHS.run}/tty.sh`);
  const bin = `${PATHS.run}/bin`;
  assert.ok(wrapper.write!.value.startsWith(`#!/bin/sh\nnsenter --mount=${PATHS.nsDir}/mount mount --bind /proc/self/fd/0 ${PATHS.rootfs}/dev/console || exit 125\nexec ${bin}/setpriv --pdeathsig KILL `));
  assert.ok(wrapper.write!.value.includes(` -- ${bin}/setsid --ctty -- ${bin}/glassbox-seccomp-load ${PATHS.run}/seccomp.filter ${bin}/setpriv `));
  assert.deepEqual(start.needs, ['terminal.executable']);
  // Without -t, PID 1 gets a new session with no controlling terminal.
  const plain = startArgv('hello (en)');
  assert.ok(!plain.includes('--ctty'));
  assert.deepEqual(plain.slice(plain.indexOf(`${bin}/setsid`), plain.indexOf(`${bin}/setsid`) + 3), [`${bin}/setsid`, '--', `${bin}/glassbox-seccomp-load`]);
});

test('planner variant: a ready run root needs no runroot steps', () => {
  const steps = planOf('run root already private, barrier already made').steps;
  assert.ok(!steps.some((s) => s.block === 'runroot'));
  assert.deepEqual(steps[0]!.needs, []);
});

test('planner variant: chroot has no pivot_root and opens the barrier by its container path', () => {
  const steps = planOf('chroot root (lessons)').steps;
  assert.ok(!steps.some((s) => s.id === 'start.pivot' || s.id === 'start.detach'));
  const argv = startArgv('chroot root (lessons)');
  assert.ok(argv.includes(`--root=${PATHS.rootfs}`));
  assert.ok(argv.includes('--wd=/'));
  assert.equal(argv[argv.indexOf('--no-fork') + 1], '/dev/.glassbox-start');
});

test('planner variant: a bare image gets /proc, its workdir and /dev links made; no uts, ipc or net', () => {
  const plan = planOf('a bare image: no /proc, no workdir, no /dev links on the host');
  const ids = plan.steps.map((s) => s.id);
  assert.ok(ids.includes('rootfs.proc-dir'));
  assert.ok(ids.includes('start.workdir'));
  assert.ok(ids.some((id) => id.startsWith('dev.link-')));
  assert.ok(!ids.includes('hostname.set'));
  const argv = startArgv('a bare image: no /proc, no workdir, no /dev links on the host');
  assert.ok(argv.includes(`--wd=${PATHS.rootfs}/app`));
  assert.ok(argv.includes(`--mount=${PATHS.nsDir}/mount`));
  assert.ok(!argv.some((a) => a.startsWith('--net=') || a.startsWith('--uts=') || a.startsWith('--ipc=')));
  assert.ok(!fstabOf('a bare image: no /proc, no workdir, no /dev links on the host').includes('mqueue'));
});

test('planner variant: cgroups are made first, PID 1 joins them at the barrier, teardown kills before the undos', () => {
  const plan = planOf('cgroup v1: memory, cpus, shares, cpuset and pids limits');
  const ids = plan.steps.map((s) => s.id);
  assert.equal(ids[0], 'cgroup.parents', 'the cgroups come first, so their undos come last');
  const release = ids.indexOf('start.release');
  const joins = plan.steps.filter((s) => s.id.startsWith('cgroup.join-'));
  assert.equal(joins.length, 7); // memory, cpu+cpuacct, cpuset, pids, freezer, devices… one per tree
  for (const j of joins) {
    assert.equal(j.phase, 'boot');
    assert.ok(ids.indexOf(j.id) < release, `${j.id} comes before the barrier opens`);
    assert.equal(j.write!.value, runtimeRef('pid1'));
  }
  // The main process (unshare, runtime var pid) is never written into a group.
  assert.ok(!plan.steps.some((s) => s.write?.value === runtimeRef('pid')));
  // Nothing of the cgroup setup waits for the namespaces, and the start waits for all of it.
  const start = plan.steps.find((s) => s.kind === 'start')!;
  const setupIds = new Set(plan.steps.filter((s) => s.phase === 'setup').map((s) => s.id));
  const reach = (id: string, seen = new Set<string>()): Set<string> => {
    for (const n of plan.steps.find((s) => s.id === id)!.needs) if (!seen.has(n)) reach(n, seen.add(n));
    return seen;
  };
  assert.deepEqual([...reach(start.id)].filter((i) => setupIds.has(i)).sort(), [...setupIds].sort());
  assert.deepEqual(plan.steps.find((s) => s.id === 'cgroup.parents')!.needs, []);
  assert.deepEqual(plan.teardown!.map((s) => s.id), ['cgroup-record.copy', 'cgroup-kill.freeze', 'cgroup-kill.kill-0', 'cgroup-kill.thaw']);
  assert.deepEqual(plan.info.cgroup?.limits, { memory: 64 * MiB, cpus: 0.5, cpuShares: 512, cpusetCpus: '1', pids: 64 });
  assert.equal(plan.info.cgroup?.dirs.memory, `/sys/fs/cgroup/memory/glassbox/${ID}`);
  // The journal lists the group removals, so gc can finish them: one rmdir for every tree's group, retried while busy.
  const journal = journalFor(plan);
  const groups = (plan.steps.find((s) => s.id === 'cgroup.dir')!.paths ?? []);
  assert.equal(groups.length, 7);
  assert.ok(groups.includes(`/sys/fs/cgroup/pids/glassbox/${ID}`));
  assert.ok(journal.entries.some((e) => e.undo.join(' ') === `rmdir ${groups.join(' ')}` && !e.mayFail && e.retry === 'while-busy'));
});

test('planner variant: the namespaces are made by cgexec inside the container\'s groups, after they exist', () => {
  const steps = planOf('cgroup v1: memory, cpus, shares, cpuset and pids limits').steps;
  const ns = steps.find((s) => s.id === 'ns.unshare')!;
  assert.deepEqual(ns.argv!.slice(0, 4), ['cgexec', '-g', `memory,cpu,cpuset,pids,freezer,cpuacct,devices:glassbox/${ID}`, 'unshare']);
  assert.ok(ns.argv!.includes(`--cgroup=${PATHS.nsDir}/cgroup`) && ns.argv!.includes(`--mount=${PATHS.nsDir}/mount`));
  assert.deepEqual(ns.undo!.slice(-1), [`${PATHS.nsDir}/cgroup`], 'one umount for every namespace file');
  const ids = steps.map((s) => s.id);
  for (const dep of steps.filter((s) => s.block === 'cgroup' && s.phase === 'setup')) assert.ok(ids.indexOf(dep.id) < ids.indexOf(ns.id), dep.id);
  // Every setup step of the groups is done before cgexec moves into them (the dependency graph says so too).
  const reach = (id: string, seen = new Set<string>()): Set<string> => {
    for (const n of steps.find((s) => s.id === id)!.needs) if (!seen.has(n)) reach(n, seen.add(n));
    return seen;
  };
  for (const dep of steps.filter((s) => s.block === 'cgroup' && s.phase === 'setup')) assert.ok(reach(ns.id).has(dep.id), dep.id);
  assert.ok(!steps.some((s) => s.block === 'cgroupns'));
  // PID 1 enters it with the rest.
  assert.ok(startArgv('cgroup v1: memory, cpus, shares, cpuset and pids limits').includes(`--cgroup=${PATHS.nsDir}/cgroup`));
  // Without cgroups on the host, a cgroup namespace is an ordinary one.
  const bare = planContainer(catalog, hello({ namespaces: ['mount', 'pid', 'cgroup'] }), READY);
  assert.ok(!bare.steps.some((s) => s.block === 'cgroupns'));
  assert.ok(bare.steps.find((s) => s.id === 'ns.unshare')!.argv!.includes(`--cgroup=${PATHS.nsDir}/cgroup`));
});

test('planner: no cgroups on the host and no limits asked: no cgroup steps; limits asked: refused', () => {
  assert.ok(!planOf('hello (en)').steps.some((s) => s.block === 'cgroup'));
  assert.throws(() => planContainer(catalog, hello({ resources: { memory: 64 * MiB } }), FIRST_RUN), /no cgroups mounted/);
});

test('planner: the steps code looks for carry their roles (one start, release, hold, dirs; the helpers mounts; detach)', () => {
  for (const name of ['hello (en)', '--init and -t: tini bound at /dev/init, the start chain run by script on a new terminal', 'cgroup v2: memory with unlimited swap, 1.5 CPUs, the default pids limit']) {
    const plan = planOf(name);
    const withRole = (r: string) => plan.steps.filter((s) => s.role === r);
    for (const r of ['start', 'release', 'hold', 'dirs', 'detach']) assert.equal(withRole(r).length, 1, `${name}: ${r}`);
    assert.ok(withRole('helpers').length >= 1, `${name}: helpers`);
    assert.equal(withRole('start')[0]!.kind, 'start');
    const release = plan.steps.indexOf(withRole('release')[0]!);
    assert.equal(plan.steps[release]!.phase, 'boot');
    // The cgroup joins come just before the release; the hold step waits for every helpers mount.
    for (const s of plan.steps.filter((x) => x.id.endsWith('.join') || x.id.includes('.join-'))) if (s.block !== 'userns') assert.ok(plan.steps.indexOf(s) < release, s.id);
    const hold = withRole('hold')[0]!;
    for (const h of withRole('helpers')) assert.ok(hold.needs.includes(h.id), `${name}: ${hold.id} needs ${h.id}`);
  }
});
