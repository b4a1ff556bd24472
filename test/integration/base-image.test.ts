// The built-in base image, both ways it can be made: from the static busybox (Debian's busybox-static, which CI
// installs) and, with --no-busybox, from the host's own programs and the shared libraries `ldd` lists — the
// root file system seed 004 builds by hand. Each image must run a real container.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from './helpers.ts';

const sb = new Sandbox('base-image');
const T = { timeout: 120_000 };

before(() => sb.setup(), { timeout: 180_000 });
after(() => sb.cleanup(), { timeout: 120_000 });

// The image record a tag points to, read from the store.
function record(tag: string): { layers: string[]; source?: string } {
  const repos = JSON.parse(readFileSync(join(sb.root, 'repositories.json'), 'utf8')) as Record<string, string>;
  const id = repos[tag]!.replace('sha256:', '');
  return JSON.parse(readFileSync(join(sb.root, 'images', 'sha256', `${id}.json`), 'utf8'));
}

test('image from-host: a static busybox image runs a shell container', T, async () => {
  const made = await sb.gb(['image', 'from-host', '--tag', 'test/busybox:1']);
  assert.equal(made.code, 0, made.stderr);
  assert.equal(record('test/busybox:1').source, 'host busybox');
  const r = await sb.gb(['run', 'test/busybox:1', 'sh', '-c', 'readlink /bin/ls; echo ok']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '/bin/busybox\nok\n');
});

test('image from-host --no-busybox: host programs and their libraries run a container', T, async () => {
  const made = await sb.gb(['image', 'from-host', '--no-busybox', '--tag', 'test/host:1']);
  assert.equal(made.code, 0, made.stderr);
  assert.equal(record('test/host:1').source, 'host programs');
  const r = await sb.gb(['run', '--hostname', 'copied', 'test/host:1', 'sh', '-c', 'hostname; set -- /bin/*; echo $#; echo $$']);
  assert.equal(r.code, 0, r.stderr);
  const [host, count, pid] = r.stdout.trim().split('\n');
  assert.equal(host, 'copied');
  assert.ok(Number(count) >= 5, `programs copied into /bin: ${count}`);
  assert.equal(pid, '1');
});

test('image from-host twice gives the same layer (a reproducible tar names it)', T, async () => {
  const again = await sb.gb(['image', 'from-host', '--tag', 'test/busybox:2']);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(record('test/busybox:2').layers, record('test/busybox:1').layers);
});

test('no leaks after base-image builds and runs', T, () => sb.assertNoLeaks());
