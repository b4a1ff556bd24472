// --ulimit, --device, --sysctl, --shm-size, --pull: docker's syntax and refusals, the recipe's compose forms, the
// device numbers, the pull decision, and the buildProgram options.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProgram } from '../../lib/cli/main.ts';
import { pullAction } from '../../lib/container/pull-policy.ts';
import { GlassboxErrors } from '../../lib/errors.ts';
import { devNumbers, prepareDevice } from '../../lib/plan/prepare-extras.ts';
import { specFromFlags } from '../../lib/recipe/flags.ts';
import { parseRecipe } from '../../lib/recipe/load.ts';
import { parseDevice, parseShmSize, parseSysctl, parseUlimit, prlimitOption } from '../../lib/recipe/run-extras.ts';

test('--ulimit: docker forms, prlimit options, refusals', () => {
  assert.deepEqual(parseUlimit('nofile=1024:2048'), { name: 'nofile', soft: 1024, hard: 2048 });
  assert.deepEqual(parseUlimit('nproc=77'), { name: 'nproc', soft: 77, hard: 77 });
  assert.equal(prlimitOption({ name: 'core', soft: -1, hard: -1 }), '--core=unlimited:unlimited');
  assert.equal(prlimitOption(parseUlimit('nofile=1024:2048') as never), '--nofile=1024:2048');
  assert.equal(parseUlimit('bogus=1'), 'invalid ulimit type: bogus');
  assert.match(parseUlimit('nofile=3:2') as string, /soft limit must be less than or equal to hard limit: 3 > 2/);
  assert.match(parseUlimit('nofile') as string, /invalid ulimit argument/);
  assert.match(parseUlimit('nofile=a') as string, /invalid ulimit argument/);
  assert.match(parseUlimit('nofile=1:2:3') as string, /too many limit value arguments/);
});

test('--device: HOST, HOST:CONTAINER, HOST:CONTAINER:PERMS, HOST:PERMS', () => {
  assert.deepEqual(parseDevice('/dev/fuse'), { host: '/dev/fuse', container: '/dev/fuse', permissions: 'rwm' });
  assert.deepEqual(parseDevice('/dev/null:/dev/x'), { host: '/dev/null', container: '/dev/x', permissions: 'rwm' });
  assert.deepEqual(parseDevice('/dev/null:/dev/x:r'), { host: '/dev/null', container: '/dev/x', permissions: 'r' });
  assert.deepEqual(parseDevice('/dev/null:rw'), { host: '/dev/null', container: '/dev/null', permissions: 'rw' });
  assert.match(parseDevice('/dev/null:/dev/x:rx') as string, /bad device permissions/);
  assert.match(parseDevice('/dev/null:x') as string, /not an absolute path/);
  assert.match(parseDevice('/dev/null:/dev/../etc/x') as string, /invalid device path/);
});

test('--device: host nodes are read for their numbers; other files refused with docker\'s words', () => {
  assert.deepEqual(devNumbers(0x0103), { major: 1, minor: 3 });
  assert.deepEqual(devNumbers((10 << 8) | 229), { major: 10, minor: 229 });
  assert.deepEqual(devNumbers((259 << 8) | 0x00 | ((0x123 & ~0xff) << 12) | 0x23), { major: 259, minor: 0x123 });
  const d = prepareDevice('/dev/null', '/dev/x', 'rw');
  assert.deepEqual({ ...d, mode: undefined }, { host: '/dev/null', path: '/dev/x', type: 'c', major: 1, minor: 3, mode: undefined, permissions: 'rw' });
  assert.throws(() => prepareDevice('/etc/passwd', '/dev/x', 'rwm'), /adding custom device "\/etc\/passwd": not a device node/);
  assert.throws(() => prepareDevice('/nonexistent', '/dev/x', 'rwm'), /adding custom device "\/nonexistent": no such file or directory/);
  assert.throws(() => prepareDevice('/dev/null', '/etc/x', 'rwm'), /outside \/dev/);
});

test('--sysctl: docker\'s allow-list, its message otherwise', () => {
  for (const ok of ['kernel.shmmax=1', 'kernel.msgmnb=2', 'kernel.sem=1 2 3 4', 'kernel.shm_rmid_forced=1', 'fs.mqueue.msg_max=20', 'net.ipv4.ip_forward=1']) {
    assert.ok(Array.isArray(parseSysctl(ok)), ok);
  }
  assert.deepEqual(parseSysctl('kernel.sem=1 2 3 4'), ['kernel.sem', '1 2 3 4']);
  assert.equal(parseSysctl('kernel.hostname=x'), `invalid argument "kernel.hostname=x" for "--sysctl" flag: sysctl 'kernel.hostname=x' is not allowed`);
  assert.match(parseSysctl('vm.swappiness=1') as string, /is not allowed/);
  assert.match(parseSysctl('net.ipv4') as string, /is not allowed/);
});

test('--shm-size: binary units, positive', () => {
  assert.equal(parseShmSize('128m'), 128 * 1024 * 1024);
  assert.equal(parseShmSize(1024), 1024);
  assert.match(parseShmSize('0') as string, /more than 0/);
  assert.match(parseShmSize('lots') as string, /invalid size/);
});

test('--pull: missing pulls only what is absent, always pulls, never refuses; glassbox/base is never pulled', () => {
  assert.equal(pullAction('missing', true, false), 'use');
  assert.equal(pullAction('missing', false, false), 'pull');
  assert.equal(pullAction('always', true, false), 'pull');
  assert.equal(pullAction('never', true, false), 'use');
  assert.equal(pullAction('never', false, false), 'refuse');
  assert.equal(pullAction('always', false, true), 'use');
});

test('specFromFlags: the flags set the spec; problems name the flag', () => {
  const spec = specFromFlags(undefined, 'img', [], { ulimit: ['nofile=10:20', 'nofile=30:40'], device: ['/dev/fuse'], sysctl: ['kernel.shmmax=5'], shmSize: '1g', pull: 'never' });
  assert.deepEqual(spec.ulimits, [{ name: 'nofile', soft: 30, hard: 40 }]);
  assert.deepEqual(spec.devices, [{ host: '/dev/fuse', container: '/dev/fuse', permissions: 'rwm' }]);
  assert.deepEqual(spec.sysctls, { 'kernel.shmmax': '5' });
  assert.equal(spec.shmSize, 1024 ** 3);
  try {
    specFromFlags(undefined, 'img', [], { ulimit: ['x=1'], sysctl: ['vm.x=1'], shmSize: '-1', pull: 'sometimes' });
    assert.fail('expected errors');
  } catch (e) {
    const text = (e as GlassboxErrors).format();
    for (const flag of ['--ulimit', '--sysctl', '--shm-size', '--pull']) assert.match(text, new RegExp(flag));
  }
});

test('recipe: ulimits (compose forms), devices, sysctls (map or list), shm_size', () => {
  const spec = parseRecipe('image: img\nulimits:\n  nofile: {soft: 1024, hard: 2048}\n  nproc: 65535\ndevices: [/dev/fuse]\nsysctls:\n  net.core.somaxconn: 1024\nshm_size: 256m\n', 'r.yaml');
  assert.deepEqual(spec.ulimits, [{ name: 'nofile', soft: 1024, hard: 2048 }, { name: 'nproc', soft: 65535, hard: 65535 }]);
  assert.deepEqual(spec.devices, [{ host: '/dev/fuse', container: '/dev/fuse', permissions: 'rwm' }]);
  assert.deepEqual(spec.sysctls, { 'net.core.somaxconn': '1024' });
  assert.equal(spec.shmSize, 256 * 1024 * 1024);
  assert.deepEqual(parseRecipe('image: img\nsysctls: [kernel.shmmax=9]\n', 'r.yaml').sysctls, { 'kernel.shmmax': '9' });
  assert.throws(() => parseRecipe('image: img\nulimits:\n  bogus: 1\n', 'r.yaml'), /r\.yaml:3:\d+.*invalid ulimit type: bogus/s);
  assert.throws(() => parseRecipe('image: img\nsysctls:\n  kernel.hostname: x\n', 'r.yaml'), /r\.yaml:3:\d+.*is not allowed/s);
});

test('run options: --ulimit, --device, --sysctl repeatable; --shm-size, --pull, --cidfile', () => {
  const program = buildProgram(() => {}, 'run');
  const run = program.commands.find((c) => c.name() === 'run')!;
  run.action(() => {});
  program.parse(['node', 'glassbox', 'run', '--ulimit', 'nofile=1:2', '--ulimit', 'nproc=3', '--device', '/dev/fuse', '--sysctl', 'kernel.shmmax=1', '--shm-size', '1g', '--pull', 'never', '--cidfile', '/tmp/x', 'img', 'true']);
  const o = run.opts();
  assert.deepEqual(o.ulimit, ['nofile=1:2', 'nproc=3']);
  assert.deepEqual(o.device, ['/dev/fuse']);
  assert.deepEqual(o.sysctl, ['kernel.shmmax=1']);
  assert.equal(o.shmSize, '1g');
  assert.equal(o.pull, 'never');
  assert.equal(o.cidfile, '/tmp/x');
});

test('pull progress: a byte bar per layer on a terminal, plain lines otherwise', async () => {
  const { pullProgress } = await import('../../lib/cli/images.ts');
  const capture = (isTTY: boolean) => {
    let text = '';
    const stream = { isTTY, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
    return { stream, text: () => text };
  };
  const d = `sha256:${'a'.repeat(64)}`;
  const tty = capture(true);
  const p = pullProgress(tty.stream);
  p.layers!([d]);
  p.layer!(d, 'downloading', { got: 1048576, total: 2097152 });
  p.finish(); // draws now (updates in between are drawn at most every 100 ms)
  assert.match(tty.text(), /aaaaaaaaaaaa: downloading \[={15}> {14}\] 1\.0 MB \/ 2\.0 MB/);
  const plain = capture(false);
  const q = pullProgress(plain.stream);
  q.layers!([d]);
  q.layer!(d, 'downloading', { got: 1, total: 2 });
  q.layer!(d, 'downloading', { got: 2, total: 2 });
  q.layer!(d, 'done');
  assert.equal(plain.text(), 'aaaaaaaaaaaa: downloading\naaaaaaaaaaaa: pull complete\n');
});
