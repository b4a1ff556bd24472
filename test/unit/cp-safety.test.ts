// glassbox cp's path safety (lib/container/cp.ts): container paths resolved inside the root, ".." above it and
// symlinks leading out refused, tars checked with the image-layer rules, no member through a symlink already at
// the destination; and docker's CONTAINER:PATH argument forms.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, test } from 'node:test';
import { checkDestination, checkTar, layerView, parseCpArg, procView, resolveContainerPath } from '../../lib/container/cp.ts';

const dir = mkdtempSync(join(tmpdir(), 'gb-cp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const root = join(dir, 'root');
mkdirSync(join(root, 'etc'), { recursive: true });
mkdirSync(join(root, 'data', 'deep'), { recursive: true });
writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
symlinkSync('/etc', join(root, 'data', 'abs'));         // absolute: stays inside the root
symlinkSync('../etc', join(root, 'data', 'rel'));       // relative, inside
symlinkSync('../../../../etc', join(root, 'data', 'out')); // climbs above the root
symlinkSync('deep', join(root, 'data', 'd'));

test('parseCpArg: CONTAINER:PATH, host paths, -', () => {
  assert.deepEqual(parseCpArg('web:/etc/hosts'), { container: 'web', path: '/etc/hosts' });
  assert.deepEqual(parseCpArg('web:'), { container: 'web', path: '' });
  assert.deepEqual(parseCpArg('./a:b'), { path: './a:b' });
  assert.deepEqual(parseCpArg('/x:y'), { path: '/x:y' });
  assert.deepEqual(parseCpArg('-'), { path: '-' });
});

test('resolveContainerPath: symlinks followed inside the root, escapes refused', async () => {
  const v = procView(root);
  assert.equal((await resolveContainerPath(v, '/data/abs/passwd', false)).path, '/etc/passwd');
  assert.equal((await resolveContainerPath(v, 'data/rel/passwd', false)).path, '/etc/passwd');
  assert.equal((await resolveContainerPath(v, '/data/d/../abs', false)).path, '/data/abs', 'the last link kept');
  assert.equal((await resolveContainerPath(v, '/data/abs', true)).path, '/etc', 'followed when asked');
  assert.equal((await resolveContainerPath(v, '/data/./deep/', false)).path, '/data/deep');
  assert.equal((await resolveContainerPath(v, '/nope/x', false)).st, undefined);
  await assert.rejects(resolveContainerPath(v, '../etc/passwd', false), /leads out of the container's root/);
  await assert.rejects(resolveContainerPath(v, '/data/../../etc', false), /leads out/);
  await assert.rejects(resolveContainerPath(v, '/data/out/passwd', false), /symlink \/data\/out → \.\.\/\.\.\/\.\.\/\.\.\/etc leads out/);
  await assert.rejects(resolveContainerPath(v, '/etc/passwd/x', false), /not a directory/);
});

test('layerView: the top layer wins, a whiteout hides what is below', async (t) => {
  const upper = join(dir, 'upper');
  const lower = join(dir, 'lower');
  mkdirSync(join(upper, 'etc'), { recursive: true });
  mkdirSync(join(lower, 'etc'), { recursive: true });
  writeFileSync(join(lower, 'etc', 'a'), 'lower');
  writeFileSync(join(lower, 'etc', 'gone'), 'lower');
  writeFileSync(join(upper, 'etc', 'a'), 'upper!');
  // overlayfs's whiteout: a character device 0/0 (mknod needs root).
  const root0 = spawnSync('mknod', [join(upper, 'etc', 'gone'), 'c', '0', '0']).status === 0;
  if (!root0) t.diagnostic('mknod refused (not root): the whiteout case is left out');
  const v = layerView([upper, lower]);
  assert.equal((await v.lstat('/etc/a'))?.size, 6);
  if (root0) assert.equal(await v.lstat('/etc/gone'), undefined);
});

const tarOf = (cwd: string, ...members: string[]) => {
  const f = join(dir, `t-${Math.random().toString(36).slice(2)}.tar`);
  const r = spawnSync('tar', ['-C', cwd, '-cf', f, ...members]);
  assert.equal(r.status, 0, String(r.stderr));
  return f;
};

test('checkTar: the layer rules — no .., no absolute names, no member through a symlink of the archive', async () => {
  const src = join(dir, 'src');
  mkdirSync(join(src, 'a'), { recursive: true });
  writeFileSync(join(src, 'a', 'f'), 'x');
  symlinkSync('/etc', join(src, 'ln'));
  assert.deepEqual((await checkTar(tarOf(src, 'a', 'ln'))).sort(), ['a/', 'a/f', 'ln']);
  const dots = spawnSync('tar', ['-C', join(src, 'a'), '-cPf', join(dir, 'dots.tar'), '../a/f']);
  assert.equal(dots.status, 0);
  await assert.rejects(checkTar(join(dir, 'dots.tar')), /climbs out with "\.\."/);
  const abs = spawnSync('tar', ['-cPf', join(dir, 'abs.tar'), join(src, 'a', 'f')]);
  assert.equal(abs.status, 0);
  await assert.rejects(checkTar(join(dir, 'abs.tar')), /absolute member name/);
  // ln → /etc, then ln/passwd: a member through a symlink the archive made.
  const two = join(dir, 'two');
  mkdirSync(join(two, 'ln'), { recursive: true });
  writeFileSync(join(two, 'ln', 'passwd'), 'x');
  const t1 = tarOf(src, 'ln');
  const t2 = tarOf(two, 'ln/passwd');
  const both = join(dir, 'both.tar');
  assert.equal(spawnSync('tar', ['-Af', t1, t2]).status, 0);
  spawnSync('cp', [t1, both]);
  await assert.rejects(checkTar(both), /unsafe archive/);
});

test('checkDestination: no member passes through a symlink already there, unless the archive makes the directory', async () => {
  const v = procView(root);
  await checkDestination(v, '/data', ['deep/x', 'new/y']);
  await assert.rejects(checkDestination(v, '/data', ['abs/passwd']), /\/data\/abs is a symlink at the destination/);
  await checkDestination(v, '/data', ['abs/', 'abs/passwd']);
  await assert.rejects(checkDestination(v, '/', ['etc/passwd/x']), /is not a directory/);
});
