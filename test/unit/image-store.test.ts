// The image store (layers, records, tags, lock), image references, and picking the base image's host files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GlassboxError } from '../../lib/errors.ts';
import { parseReference } from '../../lib/image/reference.ts';
import { addImage, commitLayer, layerDir, listImages, makeLayerTmpDir, removeImage, resolveImage, tagImage } from '../../lib/image/store.ts';
import { findOnPath, hostImageFiles, isStaticElf, parseLdd } from '../../lib/image/hostfiles.ts';

const digestOf = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

async function tempStore(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'gb-store-'));
}

// Extracts a fake layer (one file) the way importers do: into layers/tmp-*, then commitLayer.
async function makeLayer(store: string, name: string): Promise<string> {
  const diffId = digestOf(name);
  const tmp = await makeLayerTmpDir(store);
  await writeFile(path.join(tmp, name), name);
  await commitLayer(store, tmp, diffId);
  return diffId;
}

const isGbError = (re: RegExp, hint?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof GlassboxError, `expected a GlassboxError, got ${String(e)}`);
  assert.match(e.message, re);
  if (hint) assert.match(e.hint ?? '', hint);
  assert.equal(e.exitCode, 125);
  return true;
};

// ---- references ----------------------------------------------------------------------------------------------

test('parseReference: good references', () => {
  const hex = 'a'.repeat(64);
  const cases: Array<[string, { name: string; tag: string; digest?: string; display: string }]> = [
    ['busybox', { name: 'busybox', tag: 'latest', display: 'busybox:latest' }],
    ['glassbox/base:1', { name: 'glassbox/base', tag: '1', display: 'glassbox/base:1' }],
    ['reg.local:5000/a/b:tag', { name: 'reg.local:5000/a/b', tag: 'tag', display: 'reg.local:5000/a/b:tag' }],
    ['reg.local:5000/a/b', { name: 'reg.local:5000/a/b', tag: 'latest', display: 'reg.local:5000/a/b:latest' }],
    ['localhost/x', { name: 'localhost/x', tag: 'latest', display: 'localhost/x:latest' }],
    [`name@sha256:${hex}`, { name: 'name', tag: '', digest: `sha256:${hex}`, display: `name@sha256:${hex}` }],
    [`a/b:v1@sha256:${hex}`, { name: 'a/b', tag: 'v1', digest: `sha256:${hex}`, display: `a/b:v1@sha256:${hex}` }],
    ['my_app.x-y__z:V1.0_rc-2', { name: 'my_app.x-y__z', tag: 'V1.0_rc-2', display: 'my_app.x-y__z:V1.0_rc-2' }],
  ];
  for (const [input, want] of cases) assert.deepEqual(parseReference(input), want, input);
});

test('parseReference: bad references throw with a hint', () => {
  const bad = ['', 'BusyBox', 'a//b', 'a/', '-a', 'a:', 'a:-x', `a:${'x'.repeat(129)}`, 'a@sha256:abc', 'a@md5:' + 'a'.repeat(32),
    'a b', 'a,b', 'reg_x.local:99/a', 'reg.local:port/a', 'a/B', 'a..b', 'a.-b', 'c'.repeat(64)];
  for (const s of bad) {
    assert.throws(() => parseReference(s), (e: unknown) => e instanceof GlassboxError && /invalid image reference/.test(e.message) && !!e.hint, JSON.stringify(s));
  }
});

// ---- the store -----------------------------------------------------------------------------------------------

test('addImage + resolveImage: records, tags, layer order and id lookups', async () => {
  const store = await tempStore();
  const base = await makeLayer(store, 'base');
  const app = await makeLayer(store, 'app');
  const config = { Cmd: ['/bin/sh'], Env: ['PATH=/bin'] };
  const rec = await addImage(store, { layers: [base, app], config, source: 'test' }, ['app', 'app:v1']);

  assert.match(rec.id, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(rec.layers, [base, app]);
  assert.equal(rec.source, 'test');
  // The id depends on content only: the same layers and config (keys in any order) give the same record.
  const again = await addImage(store, { layers: [base, app], config: { Env: ['PATH=/bin'], Cmd: ['/bin/sh'] } }, []);
  assert.equal(again.id, rec.id);
  assert.equal(again.created, rec.created);

  const repos = JSON.parse(await readFile(path.join(store, 'repositories.json'), 'utf8'));
  assert.deepEqual(repos, { 'app:latest': rec.id, 'app:v1': rec.id });
  const onDisk = JSON.parse(await readFile(path.join(store, 'images', 'sha256', `${rec.id.slice(7)}.json`), 'utf8'));
  assert.deepEqual(onDisk, rec);

  const r = await resolveImage(store, 'app');
  assert.equal(r.id, rec.id);
  assert.equal(r.ref, 'app:latest');
  assert.deepEqual(r.record, rec);
  assert.deepEqual(r.lowerDirs, [layerDir(store, app), layerDir(store, base)], 'top layer first');
  assert.equal(await readFile(path.join(r.lowerDirs[0]!, 'app'), 'utf8'), 'app');

  assert.equal((await resolveImage(store, 'app:v1')).ref, 'app:v1');
  assert.equal((await resolveImage(store, rec.id)).id, rec.id);
  assert.equal((await resolveImage(store, rec.id.slice(0, 12))).id, rec.id, 'sha256: prefix');
  assert.equal((await resolveImage(store, rec.id.slice(7, 13))).ref, 'app:latest', 'bare hex prefix shows a tag');
  assert.equal((await resolveImage(store, `app@${rec.id}`)).id, rec.id, 'name@id');
  await assert.rejects(resolveImage(store, `other@${rec.id}`), isGbError(/image not found/));

  // No temp files are left behind by the atomic writes.
  for (const dir of [store, path.join(store, 'images', 'sha256'), path.join(store, 'layers')]) {
    assert.deepEqual((await readdir(dir)).filter((n) => n.includes('tmp')), [], dir);
  }
  assert.deepEqual((await readdir(store)).sort(), ['images', 'layers', 'repositories.json']);
  await rm(store, { recursive: true });
});

test('resolveImage: not found, with useful hints; ambiguous prefixes', async () => {
  const store = await tempStore();
  await assert.rejects(resolveImage(store, 'glassbox/base'), isGbError(/^image not found: glassbox\/base$/, /glassbox image from-host/));
  await assert.rejects(resolveImage(store, 'busybox'), isGbError(/image not found: busybox/, /empty/));

  const l = await makeLayer(store, 'l');
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push((await addImage(store, { layers: [l], config: { Labels: { n: String(i) } } }, [`img${i}:v1`])).id);
  await assert.rejects(resolveImage(store, 'img3:v2'), isGbError(/image not found: img3:v2/, /img3:v1/));
  await assert.rejects(resolveImage(store, 'zzzzzzzzzzzzzzzzzzzzz'), isGbError(/image not found/, /glassbox image ls/));
  await assert.rejects(resolveImage(store, 'glassbox/base:1'), isGbError(/image not found/, /from-host/));

  // 20 ids, 16 hex digits: two must share their first digit.
  const first = ids.map((id) => id[7]!);
  const shared = first.find((d, i) => first.indexOf(d) !== i)!;
  await assert.rejects(resolveImage(store, `sha256:${shared}`), isGbError(/ambiguous/, /more digits/));
  await assert.rejects(resolveImage(store, 'sha256:xyz'), isGbError(/invalid image id/));
  await rm(store, { recursive: true });
});

test('addImage refuses missing layers; commitLayer keeps an existing layer', async () => {
  const store = await tempStore();
  await assert.rejects(addImage(store, { layers: [digestOf('nope')], config: {} }, ['x']), isGbError(/not in the image store/));
  await assert.rejects(addImage(store, { layers: ['sha256:short'], config: {} }, ['x']), isGbError(/not a sha256 digest/));

  const id = await makeLayer(store, 'same');
  const tmp = await makeLayerTmpDir(store);
  await writeFile(path.join(tmp, 'other'), 'x');
  assert.equal(await commitLayer(store, tmp, id), layerDir(store, id));
  assert.deepEqual(await readdir(layerDir(store, id)), ['same'], 'the first copy wins');
  await assert.rejects(stat(tmp), /ENOENT/);
  await assert.rejects(commitLayer(store, os.tmpdir(), id), isGbError(/layer temp dir/));
  await rm(store, { recursive: true });
});

test('a store path that would break overlay options is refused', async () => {
  for (const bad of ['/tmp/a,b', '/tmp/a:b', '/tmp/a b', '/tmp/a\\b', '/tmp/a\tb']) {
    assert.throws(() => layerDir(bad, digestOf('x')), isGbError(/overlay mount options/, /GLASSBOX_ROOT/), bad);
    await assert.rejects(resolveImage(bad, 'x'), isGbError(/overlay mount options/), bad);
  }
});

test('tagImage, listImages and removeImage (tags first, then record and unshared layers)', async () => {
  const store = await tempStore();
  const base = await makeLayer(store, 'base');
  const a = await makeLayer(store, 'a');
  const b = await makeLayer(store, 'b');
  const imgA = await addImage(store, { layers: [base, a], config: {} }, ['a']);
  const imgB = await addImage(store, { layers: [base, b], config: { Cmd: ['b'] } }, ['b']);

  await tagImage(store, 'a', 'reg.local:5000/team/a:v2');
  assert.equal((await resolveImage(store, 'reg.local:5000/team/a:v2')).id, imgA.id);
  await assert.rejects(tagImage(store, 'nope', 'x'), isGbError(/image not found: nope/));
  await assert.rejects(tagImage(store, 'a', `x@${imgA.id}`), isGbError(/cannot tag with a digest/));

  const list = await listImages(store);
  assert.deepEqual(list.map((e) => [e.record.id, e.tags]).sort(), [[imgA.id, ['a:latest', 'reg.local:5000/team/a:v2']], [imgB.id, ['b:latest']]].sort());

  // By id while two tags point at it: refused unless forced.
  await assert.rejects(removeImage(store, imgA.id.slice(7, 19)), isGbError(/is tagged/));
  // By tag: only that tag goes.
  assert.deepEqual(await removeImage(store, 'a'), { untagged: ['a:latest'], deletedLayers: [] });
  assert.ok(await stat(layerDir(store, a)));
  // The last tag: the record goes, and layer a (but not the shared base).
  const r = await removeImage(store, 'reg.local:5000/team/a:v2');
  assert.deepEqual(r, { untagged: ['reg.local:5000/team/a:v2'], deleted: imgA.id, deletedLayers: [a] });
  await assert.rejects(stat(layerDir(store, a)), /ENOENT/);
  assert.ok(await stat(layerDir(store, base)));
  await assert.rejects(resolveImage(store, imgA.id), isGbError(/image not found/));

  // By id, forced, with one tag left.
  const r2 = await removeImage(store, imgB.id, { force: true });
  assert.deepEqual(r2, { untagged: ['b:latest'], deleted: imgB.id, deletedLayers: [base, b] });
  assert.deepEqual(await listImages(store), []);
  assert.deepEqual(await readdir(path.join(store, 'layers', 'sha256')), []);
  await rm(store, { recursive: true });
});

test('concurrent writers never lose a tag (two Promise.all groups over one lock)', async () => {
  const store = await tempStore();
  const l = await makeLayer(store, 'l');
  const base = await addImage(store, { layers: [l], config: {} }, ['base']);
  const writerA = Promise.all(Array.from({ length: 15 }, (_, i) => tagImage(store, 'base', `a${i}`)));
  const writerB = Promise.all(Array.from({ length: 15 }, (_, i) => addImage(store, { layers: [l], config: { Labels: { i: String(i) } } }, [`b${i}`, 'shared'])));
  const [, bRecords] = await Promise.all([writerA, writerB]);

  const repos = JSON.parse(await readFile(path.join(store, 'repositories.json'), 'utf8')) as Record<string, string>;
  assert.equal(Object.keys(repos).length, 1 + 15 + 15 + 1);
  for (let i = 0; i < 15; i++) {
    assert.equal(repos[`a${i}:latest`], base.id);
    assert.equal(repos[`b${i}:latest`], bRecords[i]!.id);
  }
  assert.ok(bRecords.some((r) => r.id === repos['shared:latest']));
  await assert.rejects(stat(path.join(store, '.lock')), /ENOENT/, 'the lock is released');
  await rm(store, { recursive: true });
});

test('a stale lock (older than 30 s) is broken; a fresh one is waited for', async () => {
  const store = await tempStore();
  const l = await makeLayer(store, 'l');
  const lock = path.join(store, '.lock');
  await writeFile(lock, '99999\n');
  const old = new Date(Date.now() - 60_000);
  await utimes(lock, old, old);
  await addImage(store, { layers: [l], config: {} }, ['x']);
  assert.equal((await resolveImage(store, 'x')).ref, 'x:latest');

  await writeFile(lock, '99999\n');
  const pending = tagImage(store, 'x', 'y');
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(Object.keys(JSON.parse(await readFile(path.join(store, 'repositories.json'), 'utf8'))), ['x:latest'], 'still waiting');
  await rm(lock);
  await pending;
  assert.equal((await resolveImage(store, 'y')).ref, 'y:latest');
  await rm(store, { recursive: true });
});

// ---- host files for the base image ---------------------------------------------------------------------------

// A minimal ELF64 little-endian header with the given program header types.
function fakeElf(types: number[]): Buffer {
  const phoff = 64;
  const buf = Buffer.alloc(phoff + 56 * types.length);
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = 2; // 64-bit
  buf[5] = 1; // little endian
  buf.writeBigUInt64LE(BigInt(phoff), 32);
  buf.writeUInt16LE(56, 54);
  buf.writeUInt16LE(types.length, 56);
  types.forEach((t, i) => buf.writeUInt32LE(t, phoff + 56 * i));
  return buf;
}

test('isStaticElf reads program headers: PT_INTERP means dynamic', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gb-elf-'));
  await writeFile(path.join(dir, 'static'), fakeElf([1, 1, 4])); // PT_LOAD, PT_LOAD, PT_NOTE
  await writeFile(path.join(dir, 'dynamic'), fakeElf([6, 3, 1, 2])); // PT_PHDR, PT_INTERP, PT_LOAD, PT_DYNAMIC
  await writeFile(path.join(dir, 'script'), '#!/bin/sh\necho hi\n');
  assert.equal(await isStaticElf(path.join(dir, 'static')), true);
  assert.equal(await isStaticElf(path.join(dir, 'dynamic')), false);
  assert.equal(await isStaticElf(path.join(dir, 'script')), false);
  assert.equal(await isStaticElf(path.join(dir, 'missing')), false);
  await rm(dir, { recursive: true });
});

test('parseLdd: libraries, the loader, no vdso; missing libraries are errors', () => {
  const out = [
    '\tlinux-vdso.so.1 (0x00007ffd5f9f2000)',
    '\tlibselinux.so.1 => /lib/x86_64-linux-gnu/libselinux.so.1 (0x00007f0a1c2b1000)',
    '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0a1c0d0000)',
    '\t/lib64/ld-linux-x86-64.so.2 (0x00007f0a1c31c000)',
    '\tlinux-gate.so.1 =>  (0x00007ffd5f9f2000)',
    '',
  ].join('\n');
  assert.deepEqual(parseLdd(out), ['/lib/x86_64-linux-gnu/libselinux.so.1', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
  assert.throws(() => parseLdd('\tlibfoo.so.1 => not found\n', '/bin/x'), isGbError(/\/bin\/x needs libfoo\.so\.1/));
});

test('hostImageFiles on this machine', async () => {
  const busybox = await hostImageFiles();
  if (await isStaticElf('/bin/busybox')) assert.deepEqual(busybox, { kind: 'busybox', busybox: '/bin/busybox' });
  else assert.equal(busybox.kind, 'host');

  const host = await hostImageFiles({ busyboxPath: '/nonexistent/busybox' });
  assert.equal(host.kind, 'host');
  if (host.kind !== 'host') return;
  const sh = await findOnPath('sh');
  assert.ok(sh && host.files.includes(sh), `files include ${sh}`);
  assert.deepEqual(host.files, [...new Set(host.files)].sort(), 'sorted, no duplicates');
  for (const f of host.files) assert.ok(path.isAbsolute(f), f);
  if (!(await isStaticElf(sh))) {
    assert.ok(host.files.some((f) => /\/ld-[^/]*\.so/.test(path.basename(f)) || /^ld-/.test(path.basename(f))), 'a dynamic loader');
    assert.ok(host.files.some((f) => /^libc[.-]/.test(path.basename(f)) || /ld-musl/.test(f)), 'a libc');
  }
  const only = await hostImageFiles({ busyboxPath: '/nonexistent', programs: ['no-such-program-x', 'sh'] });
  assert.ok(only.kind === 'host' && only.files.includes(sh), 'missing programs are skipped');
});

test('hostImageFiles needs a shell', async () => {
  const saved = process.env.PATH;
  const empty = await mkdtemp(path.join(os.tmpdir(), 'gb-path-'));
  await mkdir(path.join(empty, 'bin'));
  process.env.PATH = path.join(empty, 'bin');
  try {
    await assert.rejects(hostImageFiles({ busyboxPath: '/nonexistent' }), isGbError(/no "sh" found on PATH/));
  } finally {
    process.env.PATH = saved;
    await rm(empty, { recursive: true });
  }
});
