// Resolving paths inside a container root (and through unmounted overlay layers) without escaping to the host.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GlassboxError } from '../../lib/errors.ts';
import { runCommand } from '../../lib/exec/spawn.ts';
import { isWhiteoutStat, readFileFromLayers, readFileInRoot, resolveInRoot } from '../../lib/image/rootpath.ts';

// Writes files (content strings) and symlinks ({ link: target }) under dir.
async function tree(dir: string, entries: Record<string, string | { link: string }>): Promise<void> {
  for (const [rel, what] of Object.entries(entries)) {
    const p = path.join(dir, rel);
    await mkdir(path.dirname(p), { recursive: true });
    if (typeof what === 'string') await writeFile(p, what);
    else await symlink(what.link, p);
  }
}

const eloop = (e: unknown) => e instanceof GlassboxError && /too many levels of symbolic links/.test(e.message);

test('resolveInRoot: symlinks stay inside the root', async () => {
  const top = await mkdtemp(path.join(os.tmpdir(), 'gb-root-'));
  const root = path.join(top, 'root');
  const outside = path.join(top, 'outside');
  await tree(outside, { secret: 'HOST SECRET' });
  await tree(root, {
    'etc/passwd': 'root:x:0:0::/root:/bin/sh\n',
    'usr/lib/libx.so': 'lib',
    lib: { link: 'usr/lib' }, // relative, to a directory
    abs: { link: '/etc/passwd' }, // absolute: must mean ROOT/etc/passwd
    'etc/up': { link: '../../../../outside/secret' }, // relative, climbing out
    hostabs: { link: path.join(outside, 'secret') }, // absolute host path: re-anchored at ROOT, so missing
    'd/chain': { link: '../abs' },
    loop1: { link: 'loop2' },
    loop2: { link: '/loop1' },
    self: { link: 'self/x' },
  });

  assert.equal(await resolveInRoot(root, '/etc/passwd'), path.join(root, 'etc/passwd'));
  assert.equal(await resolveInRoot(root, 'etc/passwd'), path.join(root, 'etc/passwd'), 'relative means from /');
  assert.equal(await resolveInRoot(root, '/abs'), path.join(root, 'etc/passwd'));
  assert.equal(await resolveInRoot(root, '/d/chain'), path.join(root, 'etc/passwd'));
  assert.equal(await resolveInRoot(root, '/lib/libx.so'), path.join(root, 'usr/lib/libx.so'));
  assert.equal(await resolveInRoot(root, '/etc/up'), path.join(root, 'outside/secret'), '.. clamps at root');
  assert.equal(await resolveInRoot(root, '/hostabs'), path.join(root, outside, 'secret'));
  assert.equal(await resolveInRoot(root, '/../../../etc/./passwd'), path.join(root, 'etc/passwd'));
  assert.equal(await resolveInRoot(root, '/etc/../../..'), root);
  assert.equal(await resolveInRoot(root, '/'), root);

  // followLast: false keeps the last symlink itself (to replace it, or to lstat it).
  assert.equal(await resolveInRoot(root, '/abs', { followLast: false }), path.join(root, 'abs'));
  assert.equal(await resolveInRoot(root, '/lib/libx.so', { followLast: false }), path.join(root, 'usr/lib/libx.so'));

  // Missing trailing components are returned as written; `..` after a missing one still resolves correctly.
  assert.equal(await resolveInRoot(root, '/lib/new/dir'), path.join(root, 'usr/lib/new/dir'));
  assert.equal(await resolveInRoot(root, '/nope/../abs'), path.join(root, 'etc/passwd'));
  assert.equal(await resolveInRoot(root, '/etc/passwd/x'), path.join(root, 'etc/passwd/x'));

  await assert.rejects(resolveInRoot(root, '/loop1'), eloop);
  await assert.rejects(resolveInRoot(root, '/self'), eloop);
  assert.equal(await resolveInRoot(root, '/loop1', { followLast: false }), path.join(root, 'loop1'));

  assert.equal(await readFileInRoot(root, '/abs'), 'root:x:0:0::/root:/bin/sh\n');
  assert.equal(await readFileInRoot(root, '/etc/up'), undefined, 'never the host file');
  assert.equal(await readFileInRoot(root, '/hostabs'), undefined, 'never the host file');
  assert.equal(await readFileInRoot(root, '/etc'), undefined, 'a directory');
  assert.equal(await readFileInRoot(root, '/etc/passwd/x'), undefined);
  await rm(top, { recursive: true });
});

test('readFileFromLayers: topmost wins, whiteouts and opaque dirs hide lower layers', async () => {
  const top = await mkdtemp(path.join(os.tmpdir(), 'gb-layers-'));
  const [l0, l1, l2] = ['l0', 'l1', 'l2'].map((n) => path.join(top, n)) as [string, string, string];
  await tree(l0, { // bottom
    'etc/passwd': 'v0',
    'etc/group': 'g0',
    'etc/hosts': 'h0',
    'data/a': 'a0',
    'opq/x': 'x0',
    'wasdir/f': 'f0',
    'wasfile': 'file0',
    'usr/share/doc': 'doc0',
  });
  await tree(l1, {
    'etc/.wh.group': '', // deleted in l1
    'opq/.wh..wh..opq': '', // opq replaced as a whole in l1
    'opq/y': 'y1',
    'data/c': 'c1',
    'wasdir': 'now a file',
    'wasfile/inner': 'now a dir',
    'etc/.wh.hosts': '',
    'lnk': { link: '/usr' }, // a directory symlink in the middle layer
  });
  await tree(l2, { // top
    'etc/passwd': 'v2',
    'etc/hosts': 'h2', // re-created above its whiteout
    p: { link: '/etc/passwd' },
    'q/r': { link: '../../../../etc/passwd' },
    escape: { link: path.join(top, 'l0/etc/passwd') }, // a host path: re-anchored, so missing
    loop: { link: 'loop' },
  });
  const layers = [l2, l1, l0];
  const read = (p: string) => readFileFromLayers(layers, p);

  assert.equal(await read('/etc/passwd'), 'v2');
  assert.equal(await readFileFromLayers([l1, l0], '/etc/passwd'), 'v0');
  assert.equal(await read('/etc/group'), undefined, 'whiteout');
  assert.equal(await read('/etc/hosts'), 'h2', 'a higher layer can re-create a whited-out name');
  assert.equal(await read('/data/a'), 'a0', 'directories merge');
  assert.equal(await read('/data/c'), 'c1');
  assert.equal(await read('/opq/x'), undefined, 'opaque dir');
  assert.equal(await read('/opq/y'), 'y1');
  assert.equal(await read('/wasdir/f'), undefined, 'a file above hides a directory below');
  assert.equal(await read('/wasdir'), 'now a file');
  assert.equal(await read('/wasfile/inner'), 'now a dir');
  assert.equal(await read('/wasfile'), undefined, 'a directory above hides a file below');
  assert.equal(await read('/p'), 'v2', 'absolute symlink through the stack');
  assert.equal(await read('/q/r'), 'v2', 'relative symlink, .. clamped at root');
  assert.equal(await read('/lnk/share/doc'), 'doc0', 'a symlink in one layer to a directory in another');
  assert.equal(await read('/escape'), undefined, 'never the host file');
  assert.equal(await read('/etc'), undefined, 'a directory');
  assert.equal(await read('/nope/x'), undefined);
  await assert.rejects(read('/loop'), eloop);

  // Opaque by xattr (overlay's own form): injected here, since trusted.* xattrs need root and the attr tools.
  const opaque = new Set([path.join(l1, 'data')]);
  const viaXattr = (p: string) => readFileFromLayers(layers, p, { opaqueXattr: async (d) => opaque.has(d) });
  assert.equal(await viaXattr('/data/a'), undefined);
  assert.equal(await viaXattr('/data/c'), 'c1');
  await rm(top, { recursive: true });
});

test('overlay whiteouts as character devices 0/0', async () => {
  const dev = (char: boolean, rdev: number) => ({ isCharacterDevice: () => char, rdev });
  assert.equal(isWhiteoutStat(dev(true, 0)), true);
  assert.equal(isWhiteoutStat(dev(true, 0x103)), false, '/dev/null is 1/3, not a whiteout');
  assert.equal(isWhiteoutStat(dev(false, 0)), false);

  // A real one when we may create device nodes (root); otherwise the .wh. form above covers the logic.
  if (process.getuid?.() !== 0) return;
  const top = await mkdtemp(path.join(os.tmpdir(), 'gb-wh-'));
  await tree(top, { 'low/etc/shadow': 'secret', 'up/etc/keep': 'k' });
  const r = await runCommand(['mknod', path.join(top, 'up/etc/shadow'), 'c', '0', '0']);
  assert.equal(r.exitCode, 0, r.stderr);
  const layers = [path.join(top, 'up'), path.join(top, 'low')];
  assert.equal(await readFileFromLayers(layers, '/etc/shadow'), undefined);
  assert.equal(await readFileFromLayers([path.join(top, 'low')], '/etc/shadow'), 'secret');
  await rm(top, { recursive: true });
});
