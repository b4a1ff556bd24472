// Volumes without root: docker's -v, --mount and --volumes-from forms and messages, the recipe forms with their
// positions, who uses a volume, the ls filters, the store's atomic create (eight threads racing for one name),
// and the monitor keeping a detached container's anonymous volumes unless --rm.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadCatalog } from '../../lib/blocks/catalog.ts';
import { GlassboxErrors } from '../../lib/errors.ts';
import { planContainer } from '../../lib/plan/planner.ts';
import type { PlanMount } from '../../lib/plan/types.ts';
import { specFromFlags } from '../../lib/recipe/flags.ts';
import { parseRecipe } from '../../lib/recipe/load.ts';
import { expandMonitor } from '../../lib/render/monitor-steps.ts';
import { renderMonitor } from '../../lib/render/script.ts';
import { monitorFiles } from '../../lib/state/lifecycle.ts';
import { parseVolumeFilters, volumeMatches } from '../../lib/volume/filter.ts';
import { parseMount, parseVolumeShort, parseVolumesFrom } from '../../lib/volume/spec.ts';
import { createVolume, listVolumes, newRecord, readVolume, removeStaleTemps } from '../../lib/volume/store.ts';
import { containersUsingVolume, danglingVolumes, matchesVolumeFilter } from '../../lib/volume/usage.ts';
import { helloContainer } from './fixtures.ts';

test('volume -v: a source with a slash binds, without one names a volume, none is anonymous', () => {
  assert.deepEqual(parseVolumeShort('/srv:/data:ro'), { type: 'bind', source: '/srv', target: '/data', readOnly: true });
  assert.deepEqual(parseVolumeShort('/srv:/data:rshared'), { type: 'bind', source: '/srv', target: '/data', readOnly: false, propagation: 'rshared' });
  assert.deepEqual(parseVolumeShort('data:/data'), { type: 'volume', source: 'data', target: '/data', readOnly: false });
  assert.deepEqual(parseVolumeShort('data:/data:ro,nocopy'), { type: 'volume', source: 'data', target: '/data', readOnly: true, noCopy: true });
  assert.deepEqual(parseVolumeShort('/cache'), { type: 'volume', target: '/cache', readOnly: false });
  assert.deepEqual(parseVolumeShort('/cache:ro'), { type: 'volume', target: '/cache', readOnly: true });
  assert.deepEqual(parseVolumeShort('data:/data:z'), { type: 'volume', source: 'data', target: '/data', readOnly: false });
});

test('volume -v: docker\'s messages', () => {
  assert.equal(parseVolumeShort('a:b:c:d'), 'invalid spec: a:b:c:d: too many colons');
  assert.equal(parseVolumeShort(':/x'), 'invalid spec: :/x: empty section between colons');
  assert.equal(parseVolumeShort('/a:/b:rx'), 'invalid mode: rx');
  assert.equal(parseVolumeShort('/a:/b:ro,rw'), 'invalid mode: ro,rw');
  assert.equal(parseVolumeShort('/a:/b:nocopy'), 'invalid mode: nocopy');
  assert.equal(parseVolumeShort('v:/b:shared'), 'invalid mode: shared');
  const problems = (volume: string[]) => {
    try {
      specFromFlags(undefined, 'img', [], { volume });
      return [];
    } catch (e) {
      return (e as GlassboxErrors).errors.map((x) => x.format());
    }
  };
  assert.deepEqual(problems(['x@y:/d', 'a:/d2']), [
    '--volume: "x@y" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
    '--volume: "a" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
  ]);
  assert.deepEqual(problems(['/d', '/d']), ['--volume: duplicate mount point /d']);
});

test('volume --mount: docker\'s keys', () => {
  assert.deepEqual(parseMount('type=volume,source=data,target=/data'), { volume: { type: 'volume', source: 'data', target: '/data', readOnly: false } });
  assert.deepEqual(parseMount('src=data,dst=/data,readonly,volume-nocopy'), { volume: { type: 'volume', source: 'data', target: '/data', readOnly: true, noCopy: true } });
  assert.deepEqual(parseMount('type=volume,destination=/x,ro=false'), { volume: { type: 'volume', target: '/x', readOnly: false } });
  assert.deepEqual(parseMount('type=bind,src=/srv,dst=/srv,ro=true,bind-propagation=rslave'), { volume: { type: 'bind', source: '/srv', target: '/srv', readOnly: true, propagation: 'rslave' } });
  assert.deepEqual(parseMount('type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1770'), { volume: { type: 'tmpfs', target: '/t', size: '64m', mode: '1770' } });
  assert.deepEqual(parseMount('type=tmpfs,dst=/t,tmpfs-size=1048576'), { volume: { type: 'tmpfs', target: '/t', size: '1m' } });
  assert.deepEqual(parseMount('"type=bind","src=/a,b",dst=/c'), { volume: { type: 'bind', source: '/a,b', target: '/c', readOnly: false } });
  assert.deepEqual(parseMount('TYPE=BIND,Source=/a,Target=/b'), { volume: { type: 'bind', source: '/a', target: '/b', readOnly: false } });
});

test('volume --mount: docker\'s messages, named --mount, exit 125', () => {
  const msg = (v: string) => parseMount(v).problem;
  assert.equal(msg('type=volume,dst=/x,bogus=1'), "unexpected key 'bogus' in 'bogus=1'");
  assert.equal(msg('type=volume,dst=/x,nocopy'), "invalid field 'nocopy' must be a key=value pair");
  assert.equal(msg('type=volume,src=v'), 'target is required');
  assert.equal(msg('type=volume,dst=/x,ro=maybe'), 'invalid value for ro: maybe');
  assert.equal(msg('type=volume,dst=/x,volume-nocopy=2'), 'invalid value for volume-nocopy: 2');
  assert.equal(msg('type=tmpfs,dst=/x,tmpfs-size=big'), 'invalid value for tmpfs-size: big');
  assert.equal(msg('type=tmpfs,dst=/x,tmpfs-mode=999'), 'invalid value for tmpfs-mode: 999');
  assert.equal(msg('type=bind,dst=/x,volume-nocopy'), "cannot mix 'volume-*' options with mount type 'bind'");
  assert.equal(msg('type=volume,dst=/x,bind-propagation=shared'), "cannot mix 'bind-*' options with mount type 'volume'");
  assert.equal(msg('type=bind,dst=/x,tmpfs-size=1m'), "cannot mix 'tmpfs-*' options with mount type 'bind'");
  assert.equal(msg('type=bind,dst=/x'), 'invalid mount config for type "bind": field Source must not be empty');
  assert.equal(msg('type=bind,src=/a,dst=/x,bind-propagation=sideways'), 'invalid mount config for type "bind": invalid propagation mode: sideways');
  assert.equal(msg('type=tmpfs,src=a,dst=/x'), 'invalid mount config for type "tmpfs": field Source must not be specified');
  assert.equal(msg('type=nfs,dst=/x'), 'invalid mount config for type "nfs": mount type unknown');
  assert.match(msg('type=volume,src=a/b,dst=/x')!, /^invalid mount config for type "volume": "a\/b" includes invalid characters/);
  assert.equal(msg('type=bind,"src=/a'), 'extraneous or missing " in quoted-field');
  try {
    specFromFlags(undefined, 'img', [], { mount: ['type=volume,dst=/x,bogus=1'] });
    assert.fail('accepted');
  } catch (e) {
    const [err] = (e as GlassboxErrors).errors;
    assert.equal(err!.format(), `--mount: invalid argument "type=volume,dst=/x,bogus=1" for "--mount" flag: unexpected key 'bogus' in 'bogus=1'`);
    assert.equal((e as GlassboxErrors).exitCode, 125);
  }
  // A relative --mount target is refused like -v's.
  assert.throws(() => specFromFlags(undefined, 'img', [], { mount: ['type=volume,dst=rel'] }), /--mount: volume target must be an absolute path/);
});

test('volume --volumes-from', () => {
  assert.deepEqual(parseVolumesFrom('web'), { container: 'web' });
  assert.deepEqual(parseVolumesFrom('web:ro'), { container: 'web', readOnly: true });
  assert.deepEqual(parseVolumesFrom('web:rw'), { container: 'web', readOnly: false });
  assert.equal(parseVolumesFrom('web:rx'), 'invalid mode for volumes-from: rx');
  assert.equal(parseVolumesFrom('a:ro:x'), 'invalid volumes-from spec: a:ro:x');
  const spec = specFromFlags(undefined, 'img', [], { volumesFrom: ['web:ro', 'db'] });
  assert.deepEqual(spec.volumesFrom, [{ container: 'web', readOnly: true }, { container: 'db' }]);
  assert.deepEqual(spec.origins?.['volumes_from.1'], { flag: '--volumes-from' });
});

test('volume recipes: the short and long forms, and errors at file:line:col', () => {
  const spec = parseRecipe(
    `image: glassbox/base
volumes:
  - data:/data
  - /cache
  - type: volume
    source: logs
    target: /var/log
    read_only: true
    volume: {nocopy: true}
  - type: volume
    target: /anon
  - type: bind
    source: /srv
    target: /srv
    read_only: true
volumes_from: [web, "db:ro"]
`,
    'r.yaml',
  );
  assert.deepEqual(spec.volumes, [
    { type: 'volume', source: 'data', target: '/data', readOnly: false },
    { type: 'volume', target: '/cache', readOnly: false },
    { type: 'volume', source: 'logs', target: '/var/log', readOnly: true, noCopy: true },
    { type: 'volume', target: '/anon', readOnly: false },
    { type: 'bind', source: '/srv', target: '/srv', readOnly: true },
  ]);
  assert.deepEqual(spec.volumesFrom, [{ container: 'web' }, { container: 'db', readOnly: true }]);
  const errors = (text: string) => {
    try {
      parseRecipe(text, 'bad.yaml');
      return [];
    } catch (e) {
      return (e as GlassboxErrors).errors.map((x) => x.format());
    }
  };
  assert.deepEqual(errors('image: x\nvolumes:\n  - type: volume\n    source: "a b"\n    target: /d\n'), [
    'bad.yaml:4:13: volumes.0.source: "a b" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
  ]);
  assert.deepEqual(errors('image: x\nvolumes:\n  - v1:/d\n  - v2:/d:bad\n'), ['bad.yaml:4:5: volumes.1: invalid mode: bad']);
  assert.deepEqual(errors('image: x\nvolumes_from:\n  - "web:rx"\n'), ['bad.yaml:3:5: volumes_from.0: invalid mode for volumes-from: rx']);
  assert.equal(errors('image: x\nvolumes:\n  - type: volume\n    target: /d\n    volume: {nocopi: true}\n').length, 1);
});

const mount = (over: Partial<PlanMount>): PlanMount => ({ Type: 'volume', Source: '/s', Destination: '/d', Mode: '', RW: true, Propagation: '', ...over });

test('volume usage: who mounts a volume, the ps filter, dangling volumes', () => {
  const containers = [
    { id: 'a1', mounts: [mount({ Name: 'data', Destination: '/data' })] },
    { id: 'b2', mounts: [mount({ Type: 'bind', Source: '/srv', Destination: '/srv/' })] },
    { id: 'c3', mounts: [mount({ Name: 'data', Destination: '/x' }), mount({ Name: 'logs', Destination: '/var/log' })] },
  ];
  assert.deepEqual(containersUsingVolume(containers, 'data'), ['a1', 'c3']);
  assert.deepEqual(containersUsingVolume(containers, 'none'), []);
  assert.equal(matchesVolumeFilter(containers[0]!.mounts, 'data'), true);
  assert.equal(matchesVolumeFilter(containers[1]!.mounts, '/srv'), true);
  assert.equal(matchesVolumeFilter(containers[1]!.mounts, 'srv'), false);
  assert.equal(matchesVolumeFilter(containers[2]!.mounts, '/var/log/'), true);
  assert.deepEqual(danglingVolumes(['data', 'logs', 'old'], containers), ['old']);
});

test('volume ls filters: name, label, dangling, driver; unknown keys refused', () => {
  const v = { ...newRecord('/r', 'web-data', { env: 'prod', team: '' }), CreatedAt: 'x' };
  const f = (...list: string[]) => {
    const p = parseVolumeFilters(list);
    assert.notEqual(typeof p, 'string');
    return p as Exclude<typeof p, string>;
  };
  assert.equal(volumeMatches(v, f('name=data'), false), true);
  assert.equal(volumeMatches(v, f('name=nope', 'name=web'), false), true);
  assert.equal(volumeMatches(v, f('label=env=prod', 'label=team'), false), true);
  assert.equal(volumeMatches(v, f('label=env=dev'), false), false);
  assert.equal(volumeMatches(v, f('dangling=true'), false), false);
  assert.equal(volumeMatches(v, f('dangling=1'), true), true);
  assert.equal(volumeMatches(v, f('driver=local'), true), true);
  assert.equal(parseVolumeFilters(['colour=red']), "invalid filter 'colour'");
  assert.equal(parseVolumeFilters(['dangling=maybe']), "invalid filter 'dangling=maybe'");
});

test('volume store: eight threads creating one new volume make it once, all get it', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gb-vol-'));
  try {
    const sab = new SharedArrayBuffer(4);
    const workers = Array.from({ length: 8 }, () => new Worker(`import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(new URL('./volume-create-worker.ts', import.meta.url).href)}); })`, { eval: true, workerData: { root, sab } }));
    // Each thread says it is ready, then blocks; all are let go at once.
    const results = workers.map(
      (w) =>
        new Promise<{ ready: Promise<void>; created: Promise<boolean> }>((res, rej) => {
          let created!: (b: boolean) => void;
          const done = new Promise<boolean>((r) => (created = r));
          w.once('error', rej);
          w.once('message', () => {
            w.once('message', created);
            res({ ready: Promise.resolve(), created: done });
          });
        }),
    );
    const ready = await Promise.all(results);
    Atomics.store(new Int32Array(sab), 0, 1);
    Atomics.notify(new Int32Array(sab), 0);
    const created = await Promise.all(ready.map((r) => r.created));
    assert.equal(created.filter(Boolean).length, 1, `created: ${created}`);
    assert.deepEqual(listVolumes(root).map((x) => x.Name), ['shared']);
    assert.equal(readVolume(root, 'shared')?.Mountpoint, join(root, 'volumes', 'shared', '_data'));
    assert.equal(createVolume(root, 'shared').created, false);
    assert.throws(() => createVolume(root, '../x'), /includes invalid characters/);
    // A create killed half-way leaves a temporary directory: gc removes it once its process is gone.
    mkdirSync(join(root, 'volumes', '.tmp-999999999-dead', '_data'), { recursive: true });
    mkdirSync(join(root, 'volumes', `.tmp-${process.pid}-live`));
    assert.deepEqual(removeStaleTemps(root), [join(root, 'volumes', '.tmp-999999999-dead')]);
    assert.ok(existsSync(join(root, 'volumes', `.tmp-${process.pid}-live`)));
    assert.deepEqual(listVolumes(root).map((x) => x.Name), ['shared']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('volume plan: the monitor of a detached container keeps its anonymous volumes unless --rm', async () => {
  const catalog = await loadCatalog();
  const roots = { root: '/var/lib/glassbox', run: '/run/glassbox' };
  const anon = `/var/lib/glassbox/volumes/${'b'.repeat(64)}`;
  const plan = planContainer(
    catalog,
    helloContainer(roots, {
      volumes: [{ type: 'bind', source: `${anon}/_data`, target: '/v', readOnly: false }],
      volumeSetup: { named: [], anonymous: [{ name: 'b'.repeat(64), dir: anon, data: `${anon}/_data`, meta: `${anon}/volume.json`, value: '{}' }], copies: [] },
      anonymousVolumes: ['b'.repeat(64)],
    }),
    { runRoot: '/run/glassbox', runRootReady: true, barrierReady: true, hostDevLinks: true, flock: '/usr/bin/flock', seccompLoader: '/usr/lib/glassbox/glassbox-seccomp-load' },
  );
  assert.deepEqual(plan.info.anonymousVolumes, ['b'.repeat(64)]);
  const files = monitorFiles(plan.info.paths.state);
  const kept = renderMonitor(plan, { lang: 'en', glassboxVersion: 't', files, steps: expandMonitor(catalog, files) });
  assert.ok(!kept.includes(`rm -rf --one-file-system ${anon}`), 'kept without --rm');
  const link = '/var/lib/glassbox/names/hello';
  const removed = renderMonitor(plan, { lang: 'en', glassboxVersion: 't', files, steps: expandMonitor(catalog, files, link), remove: { nameLink: link, linkTarget: '../containers/x' } });
  assert.ok(removed.includes(`rm -rf --one-file-system ${anon}`), 'removed with --rm');
  assert.ok(!existsSync(anon));
  void readFileSync;
});

test("volume prepare: docker's order (volumes-from, the run's own, the image's VOLUMEs), copies only into new volumes", async () => {
  const { prepareVolumes } = await import('../../lib/volume/prepare.ts');
  const { claimContainer } = await import('../../lib/state/containers.ts');
  const dir = mkdtempSync(join(tmpdir(), 'gb-volprep-'));
  try {
    const r = { root: join(dir, 'root'), run: join(dir, 'run') };
    const layer = join(dir, 'layer');
    mkdirSync(join(layer, 'srv', 'seed'), { recursive: true });
    mkdirSync(join(layer, 'etc'), { recursive: true });
    const webMounts: PlanMount[] = [
      mount({ Name: 'shared', Source: `${r.root}/volumes/shared/_data`, Destination: '/s' }),
      mount({ Type: 'bind', Source: layer, Destination: '/b', RW: false }),
      mount({ Type: 'tmpfs', Source: '', Destination: '/t' }),
      mount({ Name: 'over', Destination: '/data' }),
    ];
    const id = 'c'.repeat(64);
    claimContainer(r, id, 'web', { 'config.json': JSON.stringify({ info: { name: 'web', mounts: webMounts } }) });
    const spec = specFromFlags(undefined, 'img', [], { volume: ['v1:/data', 'v2:/etc'], volumesFrom: ['web:ro'] });
    const at = () => ({});
    const dry = await prepareVolumes(spec, r, [layer], { Volumes: { '/srv/seed': {}, '/data': {}, '/s': {} } }, at, {}, true);
    assert.deepEqual(dry.mounts.map((m) => [m.Type, m.Name ?? m.Source, m.Destination, m.RW]), [
      ['volume', 'shared', '/s', false],
      ['bind', layer, '/b', false],
      ['volume', 'v1', '/data', true],
      ['volume', 'v2', '/etc', true],
      ['volume', dry.mounts[4]!.Name, '/srv/seed', true],
    ]);
    assert.match(dry.mounts[4]!.Name!, /^[0-9a-f]{64}$/);
    assert.deepEqual(dry.setup!.named, ['shared', 'v1', 'v2'].map((n) => `${r.root}/volumes/${n}/_data`));
    assert.deepEqual(dry.setup!.anonymous.map((a) => a.name), [dry.mounts[4]!.Name]);
    // Copies: /etc and /srv/seed are directories in the image; /data is not; volumes-from never copies.
    assert.deepEqual(dry.setup!.copies.map((c) => c.target), ['/etc', '/srv/seed']);
    dry.create();
    assert.equal(readVolume(r.root, 'v1'), undefined, 'planning creates nothing');
    const real = await prepareVolumes(spec, r, [layer], {}, at, {}, false);
    real.create();
    assert.deepEqual(listVolumes(r.root).map((v) => v.Name), ['shared', 'v1', 'v2']);
    // v2 now holds a file: no copy any more.
    writeFileSync(join(r.root, 'volumes', 'v2', '_data', 'x'), '');
    const again = await prepareVolumes(spec, r, [layer], {}, at, {}, false);
    assert.deepEqual(again.setup!.copies, []);
    await assert.rejects(prepareVolumes(specFromFlags(undefined, 'img', [], { volumesFrom: ['nobody'] }), r, [layer], {}, at, {}, true), /No such container: nobody/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
