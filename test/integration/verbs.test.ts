// docker's everyday verbs with real containers (issue 17, items 4 and 5): labels and ps/images filters, create and
// start [-a], wait, rename, pause/unpause (a counter stops advancing), top, cp both ways (modes and symlinks kept,
// ../ escapes and symlinks leading out refused), inspect -f, system df/prune, info, version.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Sandbox, waitFor } from './helpers.ts';

const sb = new Sandbox('verbs');
const T = { timeout: 120_000 };

before(() => sb.setup(), { timeout: 180_000 });
after(() => sb.cleanup(), { timeout: 120_000 });

const lines = (s: string) => s.split('\n').filter(Boolean);
async function ok(args: string[], input?: string): Promise<string> {
  const r = await sb.gb(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `glassbox ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
const names = async (...filters: string[]) => lines(await ok(['ps', '-a', ...filters.flatMap((f) => ['--filter', f]), '--format', '{{.Names}}'])).sort();

test('labels and ps --filter select exactly the right containers', T, async () => {
  const labels = join(sb.dir, 'labels.env');
  writeFileSync(labels, '# a comment\ntier=back\n');
  const data = join(sb.dir, 'f-data');
  mkdirSync(data, { recursive: true });
  await ok(['run', '-d', '--name', 'f-web', '-l', 'app=web', '-l', 'tier=front', '-v', `${data}:/data`, 'glassbox/base', 'sleep', '100']);
  await ok(['run', '-d', '--name', 'f-db', '--label', 'app=db', '--label-file', labels, '--network', 'host', sb.rootdir, 'sleep', '100']);
  await ok(['run', '-d', '--name', 'f-job', '-l', 'app=web', 'glassbox/base', 'sh', '-c', 'exit 3']);
  await ok(['create', '--name', 'f-new', '-l', 'app=new', 'glassbox/base', 'true']);
  await waitFor('f-job ends', async () => (await names('status=exited')).includes('f-job'));
  assert.deepEqual(await names('label=app'), ['f-db', 'f-job', 'f-new', 'f-web']);
  assert.deepEqual(await names('label=app=web'), ['f-job', 'f-web']);
  assert.deepEqual(await names('label=app=web', 'label=tier=front'), ['f-web'], 'label filters must all match');
  assert.deepEqual(await names('label=tier=back'), ['f-db'], 'from --label-file');
  assert.deepEqual(await names('name=f-j'), ['f-job']);
  assert.deepEqual(await names('name=^/f-(db|new)$'), ['f-db', 'f-new']);
  assert.deepEqual(await names('status=exited', 'status=created'), ['f-job', 'f-new'], 'one key: any value');
  assert.deepEqual(await names('status=running', 'label=app=web'), ['f-web'], 'two keys: both');
  assert.deepEqual(await names('exited=3'), ['f-job']);
  assert.deepEqual(await names('ancestor=glassbox/base', 'label=app'), ['f-job', 'f-new', 'f-web']);
  assert.deepEqual(await names('network=host'), ['f-db']);
  assert.deepEqual(await names('health=none', 'label=app=db'), ['f-db']);
  assert.deepEqual(await names('volume=/data'), ['f-web'], 'by mount destination');
  assert.deepEqual(await names(`volume=${data}`), ['f-web'], 'by source');
  assert.deepEqual(await names('volume=/nowhere'), []);
  const webId = lines(await ok(['ps', '-q', '--no-trunc', '--filter', 'name=f-web']))[0]!;
  assert.deepEqual(await names(`id=${webId.slice(0, 10)}`), ['f-web']);
  // Without -a only running ones; a status filter shows stopped ones as docker does.
  assert.deepEqual(lines(await ok(['ps', '--filter', 'label=app', '--format', '{{.Names}}'])).sort(), ['f-db', 'f-web']);
  assert.deepEqual(lines(await ok(['ps', '--filter', 'status=created', '--format', '{{.Names}}'])), ['f-new']);
  const bad = await sb.gb(['ps', '--filter', 'colour=red']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /invalid filter 'colour'/);
  // Docker's fields in --format json, one object per line; inspect has the labels too.
  const row = JSON.parse(lines(await ok(['ps', '--filter', 'name=f-web', '--format', 'json']))[0]!) as Record<string, string>;
  assert.equal(row.Names, 'f-web');
  assert.equal(row.State, 'running');
  assert.match(row.Status!, /^Up (Less than a second|\d+ seconds?)$/);
  assert.equal(row.Labels, 'app=web,tier=front');
  assert.equal((await ok(['inspect', '-f', '{{json .Config.Labels}}', 'f-web'])).trim(), '{"app":"web","tier":"front"}');
  assert.equal((await ok(['inspect', '-f', '{{index .Config.Labels "tier"}}', 'f-db'])).trim(), 'back');
  assert.match(await ok(['ps', '-a', '--filter', 'name=f-job', '--format', '{{.Status}}']), /^Exited \(3\) .* ago\n$/);
  assert.equal(await ok(['ps', '-a', '--filter', 'name=f-new', '--format', '{{.Status}}']), 'Created\n');
  const table = lines(await ok(['ps', '--filter', 'name=f-web', '--format', 'table {{.Names}}\\t{{.State}}']));
  assert.deepEqual(table.map((l) => l.split(/\s+/)), [['NAMES', 'STATE'], ['f-web', 'running']]);
  assert.equal((await ok(['images', '--filter', 'reference=glassbox/*', '--format', '{{.Repository}}:{{.Tag}}'])).trim(), 'glassbox/base:latest');
  assert.equal(await ok(['images', '--filter', 'dangling=true', '--format', '{{.ID}}']), '');
  await ok(['rm', '-f', 'f-web', 'f-db', 'f-job', 'f-new']);
  sb.assertNoLeaks();
});

test('create, start -a, wait, start again; rename', T, async () => {
  const cidfile = join(sb.root, 'c-job.cid');
  const id = (await ok(['create', '--name', 'c-job', '--cidfile', cidfile, '--pull', 'never', 'glassbox/base', 'sh', '-c', 'echo out; exit 4'])).trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.equal(readFileSync(cidfile, 'utf8'), id, 'create writes --cidfile');
  const again = await sb.gb(['create', '--cidfile', cidfile, 'glassbox/base', 'true']);
  assert.equal(again.code, 125, 'an existing --cidfile is refused');
  assert.match(again.stderr, /Container ID file found/);
  rmSync(cidfile);
  const [c] = JSON.parse(await ok(['inspect', 'c-job'])) as Array<{ State: { Status: string; Pid: number } }>;
  assert.equal(c!.State.Status, 'created');
  assert.deepEqual(sb.runEntries().filter((e) => e.includes(id.slice(0, 12))), [], 'create makes nothing on the host');
  const gc = await ok(['gc']);
  assert.doesNotMatch(gc, new RegExp(id.slice(0, 12)), 'gc leaves a created container alone');
  const a = await sb.gb(['start', '-a', 'c-job']);
  assert.equal(a.code, 4, a.stderr);
  assert.equal(a.stdout, 'out\n');
  assert.equal((await ok(['wait', 'c-job'])).trim(), '4');
  // A stopped container starts again, same ID; wait blocks until it ends.
  await ok(['start', 'c-job']);
  assert.equal((await ok(['wait', id.slice(0, 8)])).trim(), '4');
  assert.equal(lines(await sb.gb(['logs', 'c-job']).then((r) => r.stdout)).length, 2, 'logs appended by both runs');
  await ok(['rename', 'c-job', 'c-renamed']);
  assert.equal((await ok(['inspect', '-f', '{{.Name}} {{.Id}}', 'c-renamed'])).trim(), `c-renamed ${id}`);
  assert.equal((await sb.gb(['inspect', 'c-job'])).code, 125, 'the old name is free');
  await ok(['create', '--name', 'c-other', 'glassbox/base', 'true']);
  const taken = await sb.gb(['rename', 'c-renamed', 'c-other']);
  assert.equal(taken.code, 125);
  assert.match(taken.stderr, /already in use/);
  await ok(['rm', 'c-renamed', 'c-other']);
  sb.assertNoLeaks();
});

test('pause freezes the container (a counter stops), unpause thaws it; top lists its processes', T, async () => {
  await ok(['run', '-d', '--name', 'p1', 'glassbox/base', 'sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /tmp/n; sleep 0.05; done']);
  const pid = Number((await ok(['inspect', '-f', '{{.State.Pid}}', 'p1'])).trim());
  const count = () => Number(readFileSync(`/proc/${pid}/root/tmp/n`, 'utf8').trim() || 0);
  await waitFor('the counter runs', () => count() > 2);
  await ok(['pause', 'p1']);
  assert.equal((await ok(['ps', '--filter', 'name=p1', '--format', '{{.State}}'])).trim(), 'paused');
  assert.match(await ok(['ps', '--filter', 'status=paused', '--format', '{{.Status}}']), /\(Paused\)/);
  assert.equal((await ok(['inspect', '-f', '{{.State.Paused}}', 'p1'])).trim(), 'true');
  const frozen = count();
  // Wait for the counter's own next value to be due several times over (it writes every 50 ms).
  await new Promise((res) => setTimeout(res, 500));
  assert.equal(count(), frozen, 'a frozen container does not advance');
  const again = await sb.gb(['pause', 'p1']);
  assert.equal(again.code, 125);
  await ok(['unpause', 'p1']);
  await waitFor('the counter advances again', () => count() > frozen);
  assert.equal((await ok(['ps', '--filter', 'name=p1', '--format', '{{.State}}'])).trim(), 'running');
  const top = lines(await ok(['top', 'p1']));
  assert.match(top[0]!, /PID/);
  assert.ok(top.some((l) => l.includes(String(pid)) && l.includes('while :')), top.join('\n'));
  const o = lines(await ok(['top', 'p1', '-o', 'pid,args']));
  assert.match(o[0]!, /^\s*PID\s+COMMAND/);
  assert.ok(o.slice(1).every((l) => !l.includes('glassbox')), 'only the container\'s processes');
  // A paused container can still be stopped and removed: the signal is sent, then the group thawed.
  await ok(['pause', 'p1']);
  await ok(['stop', '-t', '1', 'p1']);
  assert.match(await ok(['ps', '-a', '--filter', 'name=p1', '--format', '{{.Status}}']), /^Exited \(\d+\)/);
  await ok(['rm', '-f', 'p1']);
  sb.assertNoLeaks();
});

// A tree with modes and symlinks, for the round trips.
function makeTree(dir: string): void {
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'a'), 'alpha\n');
  chmodSync(join(dir, 'a'), 0o751);
  writeFileSync(join(dir, 'sub', 'suid'), 'x');
  chmodSync(join(dir, 'sub', 'suid'), 0o4755);
  chmodSync(join(dir, 'sub'), 0o700);
  symlinkSync('a', join(dir, 'link'));
  symlinkSync('../a', join(dir, 'sub', 'up'));
  symlinkSync('/etc/hostname', join(dir, 'abs'));
}
function sameTree(a: string, b: string): void {
  for (const p of ['a', 'sub', 'sub/suid', 'link', 'sub/up', 'abs']) {
    const x = lstatSync(join(a, p));
    const y = lstatSync(join(b, p));
    assert.equal(y.mode, x.mode, `${p}: mode`);
    if (x.isSymbolicLink()) assert.equal(readlinkSync(join(b, p)), readlinkSync(join(a, p)), `${p}: link target`);
    else if (x.isFile()) assert.equal(readFileSync(join(b, p), 'utf8'), readFileSync(join(a, p), 'utf8'), `${p}: content`);
  }
}

test('cp round-trips a tree with symlinks and modes, running and stopped, and refuses escapes', T, async () => {
  const src = join(sb.dir, 'cp-src', 'tree');
  makeTree(src);
  await ok(['run', '-d', '--name', 'cp1', 'glassbox/base', 'sleep', '100']);
  await ok(['cp', src, 'cp1:/tmp/']);
  const back = join(sb.dir, 'cp-back');
  await ok(['cp', 'cp1:/tmp/tree', back]);
  sameTree(src, back);
  // A tar stream out: one member, the file itself.
  const stream = await sb.gb(['cp', 'cp1:/tmp/tree/a', '-']);
  assert.equal(stream.code, 0, stream.stderr);
  assert.ok(stream.stdout.includes('alpha\n') && stream.stdout.length % 512 === 0, 'a tar holding a');
  // The same stream in (headers and content are ASCII here), unpacked into a directory.
  await ok(['exec', 'cp1', 'mkdir', '/tmp/in']);
  await ok(['cp', '-', 'cp1:/tmp/in'], stream.stdout);
  assert.equal(await ok(['exec', 'cp1', 'stat', '-c', '%a', '/tmp/in/a']), '751\n');
  // Escapes: .. above the root, a symlink that climbs out, a member through a symlink at the destination.
  const out = join(sb.dir, 'cp-x');
  for (const p of ['../../../etc/passwd', '/tmp/../../etc/shadow']) {
    const r = await sb.gb(['cp', `cp1:${p}`, out]);
    assert.equal(r.code, 125, p);
    assert.match(r.stderr, /leads out of the container's root/);
  }
  await ok(['exec', 'cp1', 'ln', '-s', '../../../../../../../etc', '/tmp/esc']);
  const esc = await sb.gb(['cp', 'cp1:/tmp/esc/passwd', out]);
  assert.equal(esc.code, 125);
  assert.match(esc.stderr, /symlink \/tmp\/esc .* leads out/);
  await ok(['exec', 'cp1', 'ln', '-s', '/etc', '/tmp/evil']);
  const evilDir = join(sb.dir, 'cp-evil');
  mkdirSync(join(evilDir, 'evil'), { recursive: true });
  writeFileSync(join(evilDir, 'evil', 'planted'), 'x');
  // Only evil/planted, no entry for evil/ itself: it would pass through the container's symlink.
  const tarFile = join(sb.dir, 'evil.tar');
  assert.equal(spawnSync('tar', ['-C', evilDir, '-cf', tarFile, 'evil/planted']).status, 0);
  const through = await sb.gb(['cp', '-', 'cp1:/tmp'], { input: readFileSync(tarFile, 'latin1') });
  assert.equal(through.code, 125, through.stderr);
  assert.match(through.stderr, /symlink at the destination/);
  assert.equal((await sb.gb(['exec', 'cp1', 'test', '-e', '/etc/planted'])).code, 1, 'nothing planted');
  // With the directory's own entry first, tar replaces the link by a directory: still nothing lands in /etc.
  await ok(['cp', evilDir + '/.', 'cp1:/tmp']);
  assert.equal((await sb.gb(['exec', 'cp1', 'test', '-e', '/etc/planted'])).code, 1, 'nothing planted');
  assert.equal((await sb.gb(['exec', 'cp1', 'test', '-f', '/tmp/evil/planted'])).code, 0);
  // A stopped container: its layers, read and written through a private mount namespace.
  await ok(['stop', '-t', '0', 'cp1']);
  const back2 = join(sb.dir, 'cp-back2');
  await ok(['cp', 'cp1:/tmp/tree', back2]);
  sameTree(src, back2);
  writeFileSync(join(sb.dir, 'newfile'), 'new\n');
  chmodSync(join(sb.dir, 'newfile'), 0o640);
  await ok(['cp', join(sb.dir, 'newfile'), 'cp1:/tmp/tree/renamed']);
  await ok(['start', 'cp1']);
  assert.equal(await ok(['exec', 'cp1', 'stat', '-c', '%a %s', '/tmp/tree/renamed']), '640 4\n');
  assert.equal((await ok(['exec', 'cp1', 'cat', '/tmp/tree/renamed'])), 'new\n');
  const upper = join(sb.root, 'containers', lines(await ok(['ps', '-q', '--no-trunc', '--filter', 'name=cp1']))[0]!, 'upper');
  assert.ok(statSync(join(upper, 'tmp', 'tree', 'renamed')).isFile(), 'written into the writable layer');
  await ok(['rm', '-f', 'cp1']);
  rmSync(join(sb.dir, 'cp-src'), { recursive: true, force: true });
  sb.assertNoLeaks();
});

test('system df, system prune -f, info and version (--format json)', T, async () => {
  await ok(['run', '-d', '--name', 'sp-up', 'glassbox/base', 'sleep', '100']);
  await ok(['run', '-d', '--name', 'sp-done', 'glassbox/base', 'true']);
  await ok(['create', '--name', 'sp-new', 'glassbox/base', 'true']);
  await ok(['wait', 'sp-done']);
  const df = lines(await ok(['system', 'df', '--format', 'json'])).map((l) => JSON.parse(l) as Record<string, string>);
  assert.deepEqual(df.map((d) => d.Type), ['Images', 'Containers', 'Local Volumes', 'Build Cache']);
  assert.equal(df[1]!.TotalCount, '3');
  assert.equal(df[1]!.Active, '1');
  const info = JSON.parse(await ok(['info', '--format', 'json'])) as Record<string, unknown>;
  assert.equal(info.ContainersRunning, 1);
  assert.equal(info.Daemon, false);
  assert.equal((await ok(['info', '-f', '{{.ContainersStopped}}'])).trim(), '2');
  assert.match(await ok(['version', '--format', '{{.Client.Version}}']), /^\d+\.\d+\.\d+\n$/);
  const prune = await ok(['system', 'prune', '-f']);
  assert.match(prune, /Deleted Containers:/);
  assert.deepEqual(lines(await ok(['ps', '-a', '--format', '{{.Names}}'])), ['sp-up'], 'the running one stays');
  assert.equal((await ok(['images', '--format', '{{.Repository}}'])).trim(), 'glassbox/base', 'a used image stays');
  await ok(['rm', '-f', 'sp-up']);
  sb.assertNoLeaks();
});
