// Reliability under conditions a container tool meets in the field, each a regression test of issue 13:
// glassbox run inside a network namespace entered with `nsenter --net` (sysfs still shows the host's links),
// claims left by a killed run, damaged state files, a run directory wiped as at reboot, a full file system,
// signals during the start, file volumes, and concurrency at scale (64 parallel bridge runs beside gc, a full /28
// under 20 starts, 20-way name and port races). Traffic goes only to 127.0.0.1 and to this file's own containers
// and namespaces.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { GLASSBOX, parseMountinfo, processDead, run, Sandbox, waitFor } from './helpers.ts';

const sb = new Sandbox('reliability');
const T = { timeout: 240_000 };
const IMAGE = 'glassbox/base';
const NS = `gbrel${process.pid}`;
const NS_FILE = `/run/netns/${NS}`;

before(() => sb.setup(), { timeout: 180_000 });
after(async () => {
  if (sb.root) {
    const ids = lines((await sb.gb(['ps', '-aq'])).stdout);
    if (ids.length) await sb.gb(['rm', '-f', ...ids], { timeoutMs: 120_000 });
    if (existsSync(NS_FILE)) {
      await inNs(['gc']);
      spawnSync('ip', ['netns', 'del', NS]);
    }
  }
  await sb.cleanup();
}, { timeout: 180_000 });

const lines = (s: string) => s.split('\n').filter(Boolean);
const ls = (d: string) => (existsSync(d) ? readdirSync(d) : []);

async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await sb.gb(args, { timeoutMs: 120_000, env });
  assert.equal(r.code, 0, `glassbox ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

// glassbox run in the test's network namespace, entered as `nsenter --net` does: /sys is still the host's.
const inNs = (args: string[]) => run(['nsenter', `--net=${NS_FILE}`, process.execPath, GLASSBOX, ...args], { env: sb.env, timeoutMs: 120_000 });

// An HTTP GET to 127.0.0.1:PORT, from the host or (with ns) from inside the test's network namespace.
function httpGet(port: number, ns?: string): string {
  const js = `const s=require('net').connect(${port},'127.0.0.1');let d='';s.setTimeout(5000,()=>{console.log('TIMEOUT');process.exit(1)});s.on('connect',()=>s.write('GET / HTTP/1.0\\r\\n\\r\\n'));s.on('data',x=>d+=x);s.on('end',()=>console.log(d.split('\\r\\n\\r\\n')[1]||''));s.on('error',e=>console.log('ERROR '+e.code))`;
  const argv = ns ? ['nsenter', `--net=${ns}`, process.execPath, '-e', js] : [process.execPath, '-e', js];
  return spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' }).stdout.trim();
}
const WEB = (text: string) => ['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`];

const claims = () => [
  ...ls(join(sb.root, 'ports')).map((f) => `ports/${f}`),
  ...ls(join(sb.root, 'networks')).flatMap((n) => ls(join(sb.root, 'networks', n, 'leases')).map((f) => `${n}/${f}`)),
];
const cgroupsOf = (id: string) => ls('/sys/fs/cgroup').filter((h) => existsSync(join('/sys/fs/cgroup', h, 'glassbox', id)));
const mountsOf = (id: string) => parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')).filter((m) => m.mountPoint.includes(id));
const stateOf = (id: string) => JSON.parse(readFileSync(join(sb.root, 'containers', id, 'state.json'), 'utf8')) as { pid: number; monitor: { pid: number } };

test('inside a network namespace entered with nsenter --net: setup makes its own bridge, gc keeps a live one', T, async () => {
  assert.equal(spawnSync('ip', ['netns', 'add', NS]).status, 0);
  spawnSync('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
  // The host gets an idle gb0 (a --rm run leaves the bridge, like docker0): sysfs, which the namespace still
  // shows, says "gb0 exists, is up, and nothing is plugged in".
  await ok(['run', '--rm', '--network', 'bridge', IMAGE, 'true']);
  assert.ok(existsSync('/sys/class/net/gb0'));
  const r = await inNs(['run', '-d', '--name', 'nsweb', '--network', 'bridge', '-p', '127.0.0.1:18741:80', IMAGE, ...WEB('in-ns')]);
  assert.equal(r.code, 0, `a bridge run inside the namespace failed:\n${r.stderr}`);
  await waitFor('the container in the namespace to answer', () => httpGet(18741, NS_FILE) === 'in-ns' || undefined);
  // gc in the namespace: its gb0 has a member, whatever sysfs says of the host's.
  const gc = await inNs(['gc']);
  assert.doesNotMatch(gc.stdout, /idle bridge|iptables chains/, gc.stdout);
  assert.equal(httpGet(18741, NS_FILE), 'in-ns', 'the published port still answers after gc');
  // A jump removed behind glassbox's back is put back by the next setup, which checks instead of assuming.
  spawnSync('ip', ['netns', 'exec', NS, 'iptables', '-w', '-t', 'nat', '-D', 'OUTPUT', '-m', 'addrtype', '--dst-type', 'LOCAL', '-m', 'comment', '--comment', 'glassbox', '-j', 'GLASSBOX-DNAT']);
  assert.notEqual(httpGet(18741, NS_FILE), 'in-ns', 'without the OUTPUT jump 127.0.0.1 is not forwarded');
  const again = await inNs(['run', '--rm', '--network', 'bridge', IMAGE, 'true']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(httpGet(18741, NS_FILE), 'in-ns', 'setup put the missing jump back');
  assert.equal((await inNs(['rm', '-f', 'nsweb'])).code, 0);
  const clean = await inNs(['gc']);
  assert.match(clean.stdout, /removed idle bridge gb0/);
  assert.equal((await inNs(['gc'])).stdout, 'nothing to clean up\n');
  const inside = spawnSync('ip', ['netns', 'exec', NS, 'sh', '-c', 'ip -o link; iptables-save'], { encoding: 'utf8' }).stdout;
  assert.doesNotMatch(inside, /gb0|GLASSBOX/, 'nothing of glassbox is left in the namespace');
  assert.equal(spawnSync('ip', ['netns', 'del', NS]).status, 0);
  // The host's idle bridge is the host gc's to remove.
  assert.match(await ok(['gc']), /removed idle bridge gb0/);
});

test('claims name their maker: gc releases a killed run\'s lease and port at once, keeps a live maker\'s', T, async () => {
  const r = await sb.gb(['run', '-d', '--network', 'bridge', '-p', '127.0.0.1:18742:80', IMAGE, 'sleep', '30'], { env: { GLASSBOX_FAILPOINT: 'step:1:before:SIGKILL' } });
  assert.equal(r.code, 137, r.stderr);
  assert.equal(claims().length, 2, `a lease and a port claim are left: ${claims()}`);
  await ok(['gc']);
  assert.deepEqual(claims(), [], 'released at once, no waiting for them to age');
  assert.equal(await ok(['gc']), 'nothing to clean up\n');
  // A claim whose maker lives (this test process) is kept even without a container; one whose maker is gone goes.
  const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  const start = readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
  mkdirSync(join(sb.root, 'ports'), { recursive: true });
  const id = 'ab'.repeat(32);
  writeFileSync(join(sb.root, 'ports', 'tcp-18743'), `tcp 18743 # glassbox:${id} owner=${process.pid},${start},${boot}\n`);
  writeFileSync(join(sb.root, 'ports', 'tcp-18744'), `tcp 18744 # glassbox:${id} owner=${process.pid},1,${boot}\n`);
  writeFileSync(join(sb.root, 'ports', 'tcp-18745'), 'garbage\n');
  await ok(['gc']);
  assert.deepEqual(claims(), ['ports/tcp-18743']);
  rmSync(join(sb.root, 'ports', 'tcp-18743'));
  const p = await sb.gb(['run', '--rm', '--network', 'bridge', '-p', '127.0.0.1:18742:80', IMAGE, 'true']);
  assert.equal(p.code, 0, `the port is free again: ${p.stderr}`);
});

test('damaged state.json (truncated, garbage, missing, foreign version): ps shows it, rm -f removes it, gc cleans a dead one', T, async () => {
  const damage: Record<string, (f: string) => void> = {
    truncated: (f) => truncateSync(f, 17),
    garbage: (f) => writeFileSync(f, '\u0000\u0001 not json at all {{{'),
    missing: (f) => rmSync(f),
    foreign: (f) => writeFileSync(f, JSON.stringify({ version: 7, container: { id: 'x' } })),
  };
  for (const [kind, hurt] of Object.entries(damage)) {
    const id = (await ok(['run', '-d', '--name', `dmg-${kind}`, '--network', 'bridge', '-p', '127.0.0.1:18746:80', '--memory', '64m', IMAGE, 'sleep', '60'])).trim();
    hurt(join(sb.root, 'containers', id, 'state.json'));
    const ps = await ok(['ps', '-a']);
    assert.match(ps, new RegExp(`${id.slice(0, 12)}\\s+dmg-${kind}\\s.*damaged`), `${kind}: ps -a shows it:\n${ps}`);
    assert.equal(await ok(['gc']), 'nothing to clean up\n', `${kind}: its monitor lives, so gc leaves it`);
    assert.ok(cgroupsOf(id).length > 0 && mountsOf(id).length > 0);
    const rm = await sb.gb(['rm', '-f', kind === 'garbage' ? id : `dmg-${kind}`]);
    assert.equal(rm.code, 0, `${kind}: rm -f: ${rm.stderr}`);
    assert.deepEqual({ cgroups: cgroupsOf(id), mounts: mountsOf(id).length, dir: existsSync(join(sb.root, 'containers', id)), name: existsSync(join(sb.root, 'names', `dmg-${kind}`)), claims: claims() }, { cgroups: [], mounts: 0, dir: false, name: false, claims: [] }, kind);
  }
  // Dead and damaged (its monitor killed): gc cleans it from the journal, or from config.json when the journal is
  // damaged too.
  for (const journal of ['kept', 'garbage']) {
    const id = (await ok(['run', '-d', '--network', 'bridge', '--memory', '64m', IMAGE, 'sleep', '60'])).trim();
    const { monitor, pid } = stateOf(id);
    writeFileSync(join(sb.root, 'containers', id, 'state.json'), '{"trunc');
    if (journal === 'garbage') writeFileSync(join(sb.root, 'containers', id, 'journal.json'), 'x');
    process.kill(monitor.pid, 'SIGKILL');
    await waitFor('the monitor to end', () => processDead(monitor.pid));
    const gc = await ok(['gc']);
    assert.match(gc, /removed container/, gc);
    assert.ok(processDead(pid), 'PID 1 is killed');
    assert.deepEqual({ cgroups: cgroupsOf(id), mounts: mountsOf(id).length, dir: existsSync(join(sb.root, 'containers', id)), claims: claims() }, { cgroups: [], mounts: 0, dir: false, claims: [] }, `journal ${journal}`);
    assert.equal(await ok(['gc']), 'nothing to clean up\n');
  }
});

test('a damaged lease file and a run directory wiped as at reboot: gc cleans up, the next run works', T, async () => {
  await ok(['run', '--rm', '--network', 'bridge', IMAGE, 'true']);
  writeFileSync(join(sb.root, 'networks', 'bridge', 'leases', '172.29.0.77'), '\u0000garbage');
  const id = (await ok(['run', '-d', '--network', 'bridge', '--memory', '64m', IMAGE, 'sleep', '60'])).trim();
  const { monitor, pid } = stateOf(id);
  // A reboot ends every process and empties /run.
  process.kill(monitor.pid, 'SIGKILL');
  process.kill(pid, 'SIGKILL');
  await waitFor('the processes to end', () => processDead(pid) && processDead(monitor.pid));
  const under = () => parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')).filter((m) => m.mountPoint.startsWith(sb.run)).map((m) => m.mountPoint).sort((a, b) => b.length - a.length);
  for (const mp of under()) spawnSync('umount', ['-l', mp]);
  rmSync(sb.run, { recursive: true, force: true });
  // A run killed while it filled a new container directory (before renaming it into place) leaves `.tmp-PID-ID`.
  const unfinished = join(sb.root, 'containers', `.tmp-${spawnSync('true').pid}-${'d'.repeat(64)}`);
  mkdirSync(unfinished);
  writeFileSync(join(unfinished, 'state.json'), '{}');
  const gc = await ok(['gc']);
  assert.match(gc, /removed container/);
  assert.match(gc, /removed unfinished container directory/);
  assert.ok(!existsSync(unfinished));
  assert.deepEqual(claims(), [], 'the garbage lease and the container\'s are released');
  assert.deepEqual(cgroupsOf(id), []);
  assert.equal(await ok(['gc']), 'nothing to clean up\n');
  assert.equal((await ok(['run', '--rm', '--network', 'bridge', IMAGE, 'echo', 'after-reboot'])).trim(), 'after-reboot');
});

test('an orphaned run directory with a host program still bound read-only: gc unmounts it and removes the directory', T, async () => {
  // What a run leaves when its state is gone but an undo (the helpers' umount, busy at the time) did not happen.
  await ok(['run', '--rm', IMAGE, 'true']);
  const id = 'e'.repeat(64);
  const dir = join(sb.run, id);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(join(dir, 'bin', 'nsenter'), '');
  assert.equal(spawnSync('mount', ['--bind', '-o', 'ro', '/usr/bin/nsenter', join(dir, 'bin', 'nsenter')]).status, 0);
  assert.equal(mountsOf(id).length, 1, 'the bind is there before gc');
  const gc = await ok(['gc']);
  assert.match(gc, new RegExp(`released .*${id}`));
  assert.deepEqual(mountsOf(id), [], 'no mount of the orphan is left');
  assert.ok(!existsSync(dir), 'the directory is gone');
  assert.doesNotMatch(await ok(['gc']), new RegExp(id), 'a second gc does not meet it again');
});

test('GLASSBOX_ROOT on a full file system: a clear error, exit 125, nothing half-made', T, async () => {
  const full = join(sb.dir, 'full');
  mkdirSync(full);
  assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', full]).status, 0);
  try {
    const env = { GLASSBOX_ROOT: join(full, 'root') };
    await ok(['network', 'create', 'tiny', '--subnet', '10.250.7.0/28'], env);
    // The root's empty skeleton, as any earlier run leaves it; what must not appear is a container's or claim's.
    for (const d of ['containers', 'names', 'ports']) mkdirSync(join(full, 'root', d));
    const files = () => spawnSync('find', [full], { encoding: 'utf8' }).stdout;
    spawnSync('dd', ['if=/dev/zero', `of=${join(full, 'fill')}`, 'bs=4k', 'count=1000']);
    const before = files();
    for (const net of [['--network', 'none'], ['--network', 'tiny', '-p', '127.0.0.1:18747:80']]) {
      const r = await sb.gb(['run', ...net, sb.rootdir, '/probe', 'pid'], { env });
      assert.equal(r.code, 125);
      assert.match(r.stderr, /no space left on the file system holding .* \(ENOSPC\)/);
      assert.doesNotMatch(r.stderr, /internal error|    at /, 'no stack trace');
      assert.equal(files(), before, 'nothing half-made');
    }
  } finally {
    spawnSync('umount', [full]);
  }
});

test('a signal during the last start step is not lost: it counts toward the escalation to SIGKILL', T, async () => {
  // PID 1 is a plain sleep, which ignores SIGTERM (PID 1 gets only the signals it handles): glassbox passes on the
  // first two and kills it at the third. The first comes from the failpoint, during or right after the last start
  // step; had it been lost, two more would not be enough and the run would not end.
  for (const moment of ['during', 'after']) {
    // Counted anew each time: a plan has three steps fewer once the run root is a private mount (the first run
    // makes it one), so the last step's number depends on what ran before.
    const plan = await ok(['plan', '--format', 'json', IMAGE, 'sleep', '60']);
    const n = (JSON.parse(plan) as { steps: unknown[] }).steps.length;
    const bg = sb.gbStart(['run', IMAGE, 'sleep', '60'], { GLASSBOX_FAILPOINT: `step:${n}:${moment}:SIGTERM` });
    try {
      await bg.running();
      for (let i = 0; i < 2; i++) {
        bg.child.kill('SIGTERM');
        await new Promise((res) => setTimeout(res, 100));
      }
      const r = await Promise.race([bg.done, new Promise<undefined>((res) => setTimeout(res, 15_000))]);
      assert.ok(r, `${moment}: glassbox did not end after the third SIGTERM (the failpoint's was lost)`);
      assert.equal(r.code, 137, r.stderr);
      assert.match(r.stderr, /failpoint: SIGTERM/);
    } finally {
      bg.stop();
    }
  }
});

test('a single file can be bound: onto a missing path, onto an existing file; not onto a directory', T, async () => {
  const host = readFileSync('/etc/hostname', 'utf8');
  assert.equal(await ok(['run', '--rm', '-v', '/etc/hostname:/etc/h:ro', IMAGE, 'cat', '/etc/h']), host);
  const f = join(sb.dir, 'motd');
  writeFileSync(f, 'bound file\n');
  assert.equal(await ok(['run', '--rm', '-v', `${f}:/etc/passwd:ro`, IMAGE, 'cat', '/etc/passwd']), 'bound file\n');
  assert.equal(await ok(['run', '--rm', '-v', `${f}:/srv/deep/x/motd`, sb.rootdir, '/probe', 'cat', '/srv/deep/x/motd']), 'bound file\n');
  const bad = await sb.gb(['run', '--rm', '-v', `${f}:/etc`, IMAGE, 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /is a file but its target \/etc is a directory/);
  assert.doesNotMatch(bad.stderr, /unshare|mount:/);
});

test('64 parallel bridge runs beside gc: all succeed with 64 distinct addresses; a live container is not harmed', T, async () => {
  const live = (await ok(['run', '-d', '--name', 'keeper', '-p', '127.0.0.1:18748:80', IMAGE, ...WEB('kept')])).trim();
  await waitFor('keeper to answer', () => httpGet(18748) === 'kept' || undefined);
  let stop = false;
  const gcs: string[] = [];
  const gcLoop = (async () => {
    while (!stop) gcs.push((await sb.gb(['gc'])).stderr);
  })();
  const runs = await Promise.all(Array.from({ length: 64 }, () => sb.gb(['run', '--rm', '--network', 'bridge', IMAGE, 'sh', '-c', 'ip -4 -o addr show eth0'], { timeoutMs: 200_000 })));
  stop = true;
  await gcLoop;
  const failed = runs.filter((r) => r.code !== 0);
  assert.deepEqual(failed.map((r) => r.stderr), [], `${failed.length} of 64 failed`);
  const ips = runs.map((r) => /inet (\S+)\//.exec(r.stdout)?.[1]);
  assert.equal(new Set(ips).size, 64, `distinct addresses: ${ips.join(' ')}`);
  assert.ok(gcs.length > 0 && gcs.every((e) => e === ''), `gc ran beside them without errors: ${gcs.join('\n')}`);
  assert.equal(httpGet(18748), 'kept');
  await ok(['rm', '-f', live]);
  process.stdout.write(`# 64 parallel bridge runs: 64 distinct addresses, ${gcs.length} gc runs beside them\n`);
});

test('a full /28 under 20 parallel starts; 20-way name and port races have exactly one winner', T, async () => {
  await ok(['network', 'create', 'small', '--subnet', '10.250.9.0/28']);
  const starts = await Promise.all(Array.from({ length: 20 }, () => sb.gb(['run', '-d', '--network', 'small', IMAGE, 'sleep', '60'], { timeoutMs: 200_000 })));
  const won = starts.filter((r) => r.code === 0);
  assert.equal(won.length, 13, starts.map((r) => r.stderr).join(''));
  assert.ok(starts.filter((r) => r.code !== 0).every((r) => r.code === 125 && /no free address left: all 13 are in use/.test(r.stderr)));
  await ok(['rm', '-f', ...won.map((r) => r.stdout.trim())]);
  for (const race of [['--name', 'only-one'], ['-p', '127.0.0.1:18749:80']]) {
    const rs = await Promise.all(Array.from({ length: 20 }, () => sb.gb(['run', '-d', ...race, IMAGE, 'sleep', '60'], { timeoutMs: 200_000 })));
    const winners = rs.filter((r) => r.code === 0);
    assert.equal(winners.length, 1, `${race.join(' ')}: ${rs.map((r) => r.stderr).join('')}`);
    assert.ok(rs.filter((r) => r.code !== 0).every((r) => r.code === 125 && /already in use|already published/.test(r.stderr)));
    await ok(['rm', '-f', winners[0]!.stdout.trim()]);
  }
  await ok(['network', 'rm', 'small']);
  await ok(['gc']);
  assert.deepEqual(claims(), []);
  assert.equal(await ok(['gc']), 'nothing to clean up\n');
});

test('nothing leaks; with no container left, gc undoes the run root\'s private bind mount', T, async () => {
  const runRootMounted = () => parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')).some((m) => m.mountPoint === sb.run);
  await ok(['run', '--rm', IMAGE, 'true']);
  assert.ok(runRootMounted(), 'a container made the run root a private mount point');
  assert.match(await ok(['gc']), new RegExp(`unmounted the run root ${sb.run}`));
  assert.ok(!runRootMounted());
  assert.equal(await ok(['gc']), 'nothing to clean up\n');
  sb.assertNoLeaks();
});
