// The escape probes: each attempt (test/probe/probe.c `escape …`) runs in a default container, where the kernel
// must refuse it, and once where it must succeed, so a probe that cannot succeed cannot pass: a deliberately
// weakened container (--privileged, the chroot lesson's root, no_new_privs off) or, for what no glassbox
// container can be weakened into (its own PID and network namespaces are not optional), the host itself. The
// table is printed at the end. Also: the capability masks PID 1 has, masked files read as empty, read-only paths
// give EROFS, /dev holds exactly the standard entries, and images or volumes with symbolic links to host paths
// touch nothing of the host.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { kernelPaths } from '../../lib/security/paths.ts';
import { findSeccompLoader } from '../../lib/security/loader.ts';
import { GLASSBOX, run, Sandbox, waitFor, type Result } from './helpers.ts';
import { Tmux } from './tmux.ts';

const sb = new Sandbox('security');
let marker = '';
let sleeper: ChildProcess;
let listener: ChildProcess;
const SOCKET = `glassbox-probe-${process.pid}`;
let loopDev = '';
let chrootRecipe = '';
const table: Array<{ probe: string; def: string; weak: string; mode: string }> = [];

before(async () => {
  await sb.setup();
  marker = join(sb.dir, 'host-marker');
  writeFileSync(marker, 'host\n');
  sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
  listener = spawn(sb.probe, ['escape', 'listen', SOCKET], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((res) => listener.stdout!.once('data', () => res()));
  loopDev = readFileSync('/sys/block/loop0/dev', 'utf8').trim();
  // The chroot lesson's root: the chain after unshare --root runs the root's own setpriv, env and flock, so they
  // are the host's util-linux and coreutils programs with their libraries (as lesson 1 builds its root).
  const chrootDir = await sb.makeRootdir('chroot-root');
  for (const prog of ['setpriv', 'env', 'flock']) copyWithLibraries(spawnSync('sh', ['-c', `command -v ${prog}`], { encoding: 'utf8' }).stdout.trim(), chrootDir);
  chrootRecipe = join(sb.dir, 'chroot.yaml');
  writeFileSync(chrootRecipe, `rootdir: ${chrootDir}\nroot: chroot\n`);
}, { timeout: 180_000 });

after(async () => {
  Tmux.killAll();
  sleeper?.kill('SIGKILL');
  listener?.kill('SIGKILL');
  process.stdout.write(`\n${renderTable()}\n`);
  try {
    sb.assertNoLeaks();
  } finally {
    await sb.cleanup();
  }
}, { timeout: 120_000 });

// Copies a host program and the libraries ldd lists into a root, at the same paths.
function copyWithLibraries(program: string, root: string): void {
  const ldd = spawnSync('ldd', [program], { encoding: 'utf8' }).stdout;
  const files = [program, ...[...ldd.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]!)];
  for (const f of files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    rmSync(join(root, f), { force: true });
    copyFileSync(f, join(root, f));
    chmodSync(join(root, f), statSync(f).mode & 0o7777);
  }
}

type Verdict = 'ALLOWED' | 'BLOCKED' | 'ABSENT';
const VERDICT: Record<number, Verdict> = { 0: 'ALLOWED', 1: 'BLOCKED', 3: 'ABSENT' };

// The probe's verdict; anything else (an error of the probe or of glassbox) fails the test with the output.
function verdict(r: Result, where: string): { v: Verdict; line: string } {
  const v = VERDICT[r.code];
  const line = r.stdout.trim().split('\n').pop() ?? '';
  assert.ok(v && line.startsWith(v), `${where}: unexpected result (exit ${r.code})\n${r.stdout}${r.stderr}`);
  return { v, line };
}

type Mode = 'privileged' | 'chroot' | 'host' | 'host with a descriptor of /';
async function inBox(flags: string[], probe: string[], root = sb.rootdir, bin = '/probe'): Promise<Result> {
  return sb.gb(['run', ...flags, root, bin, 'escape', ...probe]);
}
async function weakened(mode: Mode, probe: string[]): Promise<Result> {
  if (mode === 'privileged') return inBox(['--privileged'], probe);
  if (mode === 'chroot') return sb.gb(['run', chrootRecipe, '/probe', 'escape', ...probe]);
  if (mode === 'host') return run([sb.probe, 'escape', ...probe]);
  // A descriptor of the host's / left open, as a careless runtime might hand one down.
  const fd = openSync('/', 'r');
  try {
    return await new Promise<Result>((res) => {
      const child = spawn(sb.probe, ['escape', ...probe], { stdio: ['ignore', 'pipe', 'pipe', fd] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      child.on('close', (code) => res({ code: code ?? 2, signal: null, stdout, stderr }));
    });
  } finally {
    closeSync(fd);
  }
}

// Runs one probe both ways and records the row; ABSENT is accepted only when the host lacks the thing too.
async function probe(name: string, args: (mode?: Mode) => string[], mode: Mode): Promise<void> {
  const d = verdict(await inBox([], args()), `${name} (default)`);
  const w = verdict(await weakened(mode, args(mode)), `${name} (${mode})`);
  table.push({ probe: name, def: d.line, weak: w.line, mode });
  if (d.v === 'ABSENT' || w.v === 'ABSENT') {
    const h = verdict(await weakened('host', args()), `${name} (host)`);
    assert.equal(h.v, 'ABSENT', `${name}: absent in a container but present on the host: ${h.line}`);
    assert.notEqual(d.v, 'ALLOWED');
    return;
  }
  assert.equal(d.v, 'BLOCKED', `${name}: ESCAPE in a default container: ${d.line}`);
  assert.equal(w.v, 'ALLOWED', `${name}: the probe did not succeed where it should (${mode}), so it proves nothing: ${w.line}`);
}

const PROBES: Array<[string, (mode?: Mode) => string[], Mode]> = [
  ['chroot escape to a host file', () => ['chroot', marker], 'chroot'],
  // On the host, PID 1 may be out of reach (ptrace rules): the root link of the test's own sleep is the same thing.
  ['/proc/1/root to a host file', (m) => ['path', `/proc/${m ? sleeper.pid : 1}/root${marker}`], 'host'],
  ['.. traversal to a host file', () => ['path', `/../../../../..${marker}`], 'host'],
  ['mount proc', () => ['mount', 'proc'], 'privileged'],
  ['mount tmpfs', () => ['mount', 'tmpfs'], 'privileged'],
  ['mount cgroup (v1 pids)', () => ['mount', 'cgroup'], 'privileged'],
  ['open release_agent for writing', () => ['cgroupw', 'release_agent'], 'privileged'],
  ['open core_pattern for writing', () => ['openw', '/proc/sys/kernel/core_pattern'], 'privileged'],
  ['open /proc/sysrq-trigger for writing', () => ['openw', '/proc/sysrq-trigger'], 'privileged'],
  ['read /proc/kcore', () => ['procread', '/proc/kcore'], 'privileged'],
  ['read /proc/keys', () => ['procread', '/proc/keys'], 'privileged'],
  ['read /proc/timer_list', () => ['procread', '/proc/timer_list'], 'privileged'],
  ['mknod a block device (loop0) and open it', () => ['mknod', loopDev], 'privileged'],
  ['load a kernel module', () => ['module'], 'privileged'],
  ['ptrace a host process', () => ['ptrace', String(sleeper.pid)], 'host'],
  ['signal a host process', () => ['kill', String(sleeper.pid)], 'host'],
  ['ip link add', () => ['iplink'], 'privileged'],
  ['open a /sys file for writing', () => ['openw', '/sys/class/net/lo/mtu'], 'privileged'],
  ["open the container's own pids.max for writing", () => ['cgroupw', 'limit'], 'privileged'],
  ['connect to a host abstract unix socket', () => ['unix', SOCKET], 'host'],
  ['a descriptor leading to a host file', () => ['fds', marker], 'host with a descriptor of /'],
  // --privileged gets the host's device nodes, as with docker; a default container's /dev has none of them.
  ["open the host's block device /dev/loop0", () => ['blockdev', '/dev/loop0'], 'privileged'],
];

for (const [name, args, mode] of PROBES) {
  test(`escape probe: ${name}`, { timeout: 60_000 }, () => probe(name, args, mode));
}

test('escape probe: a setuid-root program under no_new_privs', { timeout: 60_000 }, async () => {
  const root = await sb.makeRootdir('suid');
  copyFileSync(sb.probe, join(root, 'probe-suid'));
  chownSync(join(root, 'probe-suid'), 0, 0);
  chmodSync(join(root, 'probe-suid'), 0o4755);
  const euid = async (flags: string[]) => {
    const r = await sb.gb(['run', '-u', '65534:65534', ...flags, root, '/probe-suid', 'euid']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return r.stdout.trim();
  };
  const d = await euid([]);
  const w = await euid(['--security-opt', 'no-new-privileges=false']);
  table.push({ probe: 'setuid-root program as user 65534', def: `${d === 'euid=0' ? 'ALLOWED' : 'BLOCKED'}: ${d}`, weak: `${w === 'euid=0' ? 'ALLOWED' : 'BLOCKED'}: ${w}`, mode: 'no-new-privileges=false' });
  assert.equal(d, 'euid=65534');
  assert.equal(w, 'euid=0');
});

// --- the three escapes of issue 12 ----------------------------------------------------------------------------

// CVE-2019-5736's pattern: the container makes a host program that runs inside it (here the loader `exec` runs)
// execute a script whose first line is #!/proc/self/exe, catches the looping host program as /proc/PID/exe, kills
// it and reopens the descriptor for writing (never writing). The weakened case is the same container and the same
// attack on a copy of the same host loader, reached through a writable volume instead of a read-only mount: exactly
// how exec ran the host's loader before (from its writable place in dist/).
test('escape probe: reopen a host program exec ran inside the container for writing (CVE-2019-5736)', { timeout: 120_000 }, async () => {
  const loader = findSeccompLoader();
  assert.ok(loader, 'the static loader is built');
  const hostbin = join(sb.dir, 'hostbin');
  mkdirSync(hostbin);
  copyFileSync(loader, join(hostbin, 'glassbox-seccomp-load'));
  chmodSync(join(hostbin, 'glassbox-seccomp-load'), 0o755);
  const before = readFileSync(loader);
  const up = await sb.gb(['run', '-d', '--name', 'sec-cve', '-v', `${hostbin}:/hostbin`, sb.rootdir, '/bin/sleep', '300']);
  assert.equal(up.code, 0, up.stderr);
  // The probe watches from one exec; another exec makes a host program run the script.
  const attack = async (trigger: string[]) => {
    const watcher = sb.gbStart(['exec', 'sec-cve', '/probe', 'escape', 'hostexe', '/gbexe']);
    await waitFor('the probe to watch', () => watcher.stdout.includes('watching') || undefined, 30_000);
    const t = await sb.gb(['exec', 'sec-cve', ...trigger]);
    const w = await watcher.done;
    assert.equal(t.code, 137, `the looping host program was killed by the probe: ${t.stdout}${t.stderr}`);
    return verdict({ ...w }, `hostexe ${trigger.join(' ')}`);
  };
  try {
    const d = await attack(['/gbexe']);
    const w = await attack(['/hostbin/glassbox-seccomp-load', '-', '/gbexe']);
    table.push({ probe: 'reopen an exec\'d host program for writing', def: d.line, weak: w.line, mode: 'the host loader copied on a writable volume' });
    assert.equal(d.v, 'BLOCKED', `ESCAPE: ${d.line}`);
    assert.match(d.line, /Read-only file system/);
    assert.equal(w.v, 'ALLOWED', `the probe did not see a writable host program: ${w.line}`);
    assert.ok(readFileSync(loader).equals(before), 'the host loader is unchanged');
  } finally {
    await sb.gb(['rm', '-f', 'sec-cve']);
  }
});

// TIOCSTI: a process may push keystrokes into its controlling terminal (or, with CAP_SYS_ADMIN, any terminal it
// holds). glassbox's stdout (run) or stdin (exec -i) is the caller's terminal, here a tmux pane; what the probe
// pushes is echoed there, so the screen shows whether it arrived. Weakened: --privileged (CAP_SYS_ADMIN).
test('escape probe: TIOCSTI into the caller\'s terminal (run, exec -i)', { timeout: 180_000 }, async () => {
  for (const [name, flags] of [['sec-tty', []], ['sec-tty-priv', ['--privileged']]] as const) {
    const up = await sb.gb(['run', '-d', '--name', name, ...flags, sb.rootdir, '/bin/sleep', '300']);
    assert.equal(up.code, 0, up.stderr);
  }
  let n = 0;
  const inTerminal = async (args: string[]) => {
    const t = new Tmux(`tiocsti-${n++}`);
    try {
      t.start([process.execPath, GLASSBOX, ...args], sb.env);
      const screen = await t.until('the probe to end', (x) => /\[exited \d+\]/.test(x));
      // (the echoed characters may come first on the line)
      const v = screen.match(/(ALLOWED|BLOCKED|ABSENT): .*$/m);
      assert.ok(v, `no verdict:\n${screen}`);
      // The pushed characters are echoed by the terminal (the probe's own line does not contain them).
      const arrived = screen.includes('#gb-injected');
      assert.equal(arrived, v[1] === 'ALLOWED', `the screen and the verdict disagree:\n${screen}`);
      return { v: v[1] as Verdict, line: v[0] };
    } finally {
      await t.stop();
    }
  };
  try {
    for (const [label, def, weak] of [
      ['run', ['run', sb.rootdir, '/probe', 'escape', 'tiocsti', '1'], ['run', '--privileged', sb.rootdir, '/probe', 'escape', 'tiocsti', '1']],
      ['exec -i', ['exec', '-i', 'sec-tty', '/probe', 'escape', 'tiocsti', '0'], ['exec', '-i', 'sec-tty-priv', '/probe', 'escape', 'tiocsti', '0']],
    ] as const) {
      const d = await inTerminal([...def]);
      const w = await inTerminal([...weak]);
      table.push({ probe: `TIOCSTI into the caller's terminal (${label})`, def: d.line, weak: w.line, mode: 'privileged' });
      if (d.v === 'ABSENT' || w.v === 'ABSENT') {
        assert.equal(readFileSync('/proc/sys/dev/tty/legacy_tiocsti', 'utf8').trim(), '0', 'ABSENT only when the kernel has TIOCSTI off');
        continue;
      }
      assert.equal(d.v, 'BLOCKED', `ESCAPE (${label}): ${d.line}`);
      assert.equal(w.v, 'ALLOWED', `the probe could not push into the terminal where it should (${label}): ${w.line}`);
    }
  } finally {
    await sb.gb(['rm', '-f', 'sec-tty', 'sec-tty-priv']);
  }
});

// kill(0, SIGTERM) from inside: a shell in a process group of its own starts a background sleep (the victim, as a
// script's job or a pipeline partner would be) and then glassbox; the probe signals its own process group. The
// victim's fate decides. Weakened: the probe run on the host in that same group (no glassbox container shares it).
test('escape probe: kill(0, SIGTERM) reaching a host process of the caller\'s process group (run, exec)', { timeout: 120_000 }, async () => {
  const up = await sb.gb(['run', '-d', '--name', 'sec-pg', sb.rootdir, '/bin/sleep', '300']);
  assert.equal(up.code, 0, up.stderr);
  let n = 0;
  const inGroup = async (argv: string[]) => {
    const pidFile = join(sb.dir, `victim-${n++}`);
    const r = await run(['setsid', 'sh', '-c', 'sleep 300 </dev/null >/dev/null 2>&1 & echo $! > "$0"; trap "" TERM; "$@"; echo "exit=$?"', pidFile, ...argv], { env: sb.env });
    const victim = Number(readFileSync(pidFile, 'utf8').trim());
    let alive = false;
    try {
      alive = readFileSync(`/proc/${victim}/comm`, 'utf8').trim() === 'sleep';
    } catch {}
    if (alive) process.kill(victim, 'SIGKILL');
    assert.match(r.stdout, /^SENT: kill\(0, SIGTERM\)/m, r.stdout + r.stderr);
    const sent = r.stdout.match(/^SENT: .*$/m)![0];
    const exit = r.stdout.match(/^exit=(\d+)$/m)?.[1];
    return { v: (alive ? 'BLOCKED' : 'ALLOWED') as Verdict, line: `${alive ? 'BLOCKED: the host process survived' : 'ALLOWED: the host process was killed'}; ${sent.slice(6)}`, exit };
  };
  try {
    const host = await inGroup([sb.probe, 'escape', 'killpg']);
    for (const [label, args] of [['run', ['run', sb.rootdir, '/probe', 'escape', 'killpg']], ['exec', ['exec', 'sec-pg', '/probe', 'escape', 'killpg']]] as const) {
      const d = await inGroup([process.execPath, GLASSBOX, ...args]);
      table.push({ probe: `kill(0, SIGTERM) to the caller's group (${label})`, def: d.line, weak: host.line, mode: 'host' });
      assert.equal(d.v, 'BLOCKED', `ESCAPE (${label}): ${d.line}`);
      assert.equal(d.exit, '0', `glassbox ${label} itself was not signalled: exit ${d.exit}`);
    }
    assert.equal(host.v, 'ALLOWED', `the probe's kill(0) did not reach the victim on the host: ${host.line}`);
  } finally {
    await sb.gb(['rm', '-f', 'sec-pg']);
  }
});

// Hashes every file name, size, mode and content under a directory (symlinks by their target).
function treeHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      const st = lstatSync(p);
      h.update(`${p} ${st.mode} ${st.size}\n`);
      if (st.isSymbolicLink()) h.update(readlinkSync(p));
      else if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        try {
          h.update(readFileSync(p));
        } catch {}
      }
    }
  };
  walk(dir);
  return h.digest('hex');
}

test('escape probe: a volume whose destination in the image is a link to /etc leaves the host /etc alone', { timeout: 60_000 }, async () => {
  const root = await sb.makeRootdir('etclink');
  rmSync(join(root, 'data'), { recursive: true, force: true });
  symlinkSync('/etc', join(root, 'data'));
  const src = join(sb.dir, 'volume-src');
  mkdirSync(src);
  const before = treeHash('/etc');
  const r = await sb.gb(['run', '-v', `${src}:/data`, root, '/probe', 'write', '/data/glassbox-probe']);
  const after = treeHash('/etc');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(after, before, 'the host /etc changed');
  assert.deepEqual(readdirSync(src), ['glassbox-probe'], 'the write landed in the volume (mounted on the image\'s /etc)');
  table.push({ probe: 'volume onto an image link to /etc', def: 'BLOCKED: mounted on the image\'s own /etc; host /etc hash unchanged', weak: 'n/a (resolved inside the image by prepare)', mode: '-' });
});

test('escape probe: an image whose /dev or /proc is a link to a host path is refused, nothing mounted', { timeout: 60_000 }, async () => {
  for (const dir of ['dev', 'proc']) {
    const root = await sb.makeRootdir(`${dir}link`);
    const target = join(sb.dir, `host-${dir}`);
    mkdirSync(target);
    rmSync(join(root, dir), { recursive: true, force: true });
    symlinkSync(target, join(root, dir));
    const r = await sb.gb(['run', root, '/probe', 'pid']);
    assert.equal(r.code, 125, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`the image's /${dir} is not a directory`));
    assert.deepEqual(readdirSync(target), []);
    assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(target), 'nothing mounted on the host path');
  }
  table.push({ probe: 'image with /dev or /proc linked to a host path', def: 'BLOCKED: refused before anything is mounted (exit 125)', weak: 'n/a (checked by prepare)', mode: '-' });
});

// --- the defaults, read from inside -----------------------------------------------------------------------

const status = (text: string) => Object.fromEntries(text.split('\n').filter((l) => /^(Cap|NoNewPrivs|Seccomp)/.test(l)).map((l) => l.split(/:\s+/) as [string, string]));

test('defaults: PID 1 has docker\'s 14 capabilities, no_new_privs and a seccomp filter; a non-root user has none effective', { timeout: 60_000 }, async () => {
  const root = await sb.gb(['run', sb.rootdir, '/probe', 'cat', '/proc/1/status']);
  assert.equal(root.code, 0, root.stderr);
  assert.deepEqual(status(root.stdout), {
    CapInh: '0000000000000000', CapPrm: '00000000a80425fb', CapEff: '00000000a80425fb', CapBnd: '00000000a80425fb', CapAmb: '0000000000000000',
    NoNewPrivs: '1', Seccomp: '2', Seccomp_filters: '1',
  });
  const user = await sb.gb(['run', '-u', '65534:65534', '--cap-add', 'NET_ADMIN', '--cap-drop', 'MKNOD', sb.rootdir, '/probe', 'cat', '/proc/1/status']);
  assert.equal(user.code, 0, user.stderr);
  const s = status(user.stdout);
  assert.deepEqual([s.CapPrm, s.CapEff, s.CapBnd], ['0000000000000000', '0000000000000000', '00000000a00435fb']);
  const priv = await sb.gb(['run', '--privileged', sb.rootdir, '/probe', 'cat', '/proc/1/status']);
  const p = status(priv.stdout);
  assert.equal(p.CapEff, readFileSync('/proc/self/status', 'utf8').match(/CapBnd:\s+(\S+)/)![1], 'privileged: every capability glassbox itself has');
  assert.deepEqual([p.NoNewPrivs, p.Seccomp], ['0', '0']);
});

test('exec: the command gets the container\'s capabilities, no_new_privs, filter and groups; no inherited descriptor', { timeout: 60_000 }, async () => {
  const up = await sb.gb(['run', '-d', '--name', 'sec-exec', sb.rootdir, '/bin/sleep', '300']);
  assert.equal(up.code, 0, up.stderr);
  try {
    const root = await sb.gb(['exec', 'sec-exec', '/probe', 'cat', '/proc/self/status']);
    assert.equal(root.code, 0, root.stderr);
    assert.deepEqual(status(root.stdout), {
      CapInh: '0000000000000000', CapPrm: '00000000a80425fb', CapEff: '00000000a80425fb', CapBnd: '00000000a80425fb', CapAmb: '0000000000000000',
      NoNewPrivs: '1', Seccomp: '2', Seccomp_filters: '1',
    });
    // A non-root user: nothing effective, and the groups the image gives it.
    const user = await sb.gb(['exec', '-u', 'nobody', 'sec-exec', '/bin/sh', '-c', 'grep -E "^(CapEff|Groups)" /proc/self/status; id -u']);
    assert.equal(user.code, 0, user.stderr);
    assert.match(user.stdout, /^CapEff:\s+0000000000000000$/m);
    assert.match(user.stdout, /^65534$/m);
    // Only 0, 1 and 2 are open in the command (the shell, listed by ls): the loader, the filter and flock's barrier
    // are closed.
    const fds = await sb.gb(['exec', 'sec-exec', '/bin/sh', '-c', 'ls /proc/$$/fd; true']); // (not last: sh would exec ls itself)
    assert.equal(fds.code, 0, fds.stderr);
    assert.deepEqual(fds.stdout.trim().split(/\s+/).sort(), ['0', '1', '2'], fds.stdout);
    // PID 1 too: the loader that waited at the start barrier closed it (flock --no-fork kept it as descriptor 3).
    const pid1 = await sb.gb(['exec', 'sec-exec', '/bin/ls', '/proc/1/fd']);
    assert.equal(pid1.code, 0, pid1.stderr);
    assert.deepEqual(pid1.stdout.trim().split(/\s+/).sort(), ['0', '1', '2'], pid1.stdout);
  } finally {
    await sb.gb(['rm', '-f', 'sec-exec']);
  }
});

test('defaults: masked files read as empty, masked directories are empty, read-only paths give EROFS', { timeout: 60_000 }, async () => {
  const k = kernelPaths();
  assert.ok(k.masked.length > 0 && k.readOnly.length > 0);
  for (const m of k.masked) {
    const r = await sb.gb(['run', sb.rootdir, '/bin/sh', '-c', m.dir ? `ls -A ${m.path} | wc -l` : `wc -c < ${m.path}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '0', m.path);
  }
  const mounts = await sb.gb(['run', sb.rootdir, '/probe', 'mountinfo']);
  for (const p of k.readOnly) {
    const line = mounts.stdout.split('\n').find((l) => l.split(' ')[4] === p);
    assert.ok(line && / ro,/.test(line), `${p} is a read-only mount: ${line}`);
  }
  for (const file of ['/proc/sys/kernel/core_pattern', '/proc/sys/kernel/hostname', '/proc/irq/default_smp_affinity']) {
    const r = await sb.gb(['run', sb.rootdir, '/probe', 'escape', 'openw', file]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /Read-only file system/, file);
  }
});

test('defaults: /dev holds exactly the standard entries; the root is nodev; /sys is read-only', { timeout: 60_000 }, async () => {
  const r = await sb.gb(['run', sb.rootdir, '/bin/ls', '-A', '/dev']);
  assert.equal(r.code, 0, r.stderr);
  // The start barrier (.glassbox-start) is removed by a boot step that runs after PID 1 is released, so a command
  // that lists /dev at once may still see it: a known race of the start chain, left out of this comparison.
  assert.deepEqual(r.stdout.trim().split('\n').filter((e) => e !== '.glassbox-start').sort(), ['fd', 'full', 'mqueue', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero']);
  const m = await sb.gb(['run', sb.rootdir, '/probe', 'mountinfo']);
  const opts = (mp: string) => m.stdout.split('\n').find((l) => l.split(' ')[4] === mp)?.split(' ')[5] ?? '';
  assert.match(opts('/'), /nodev/);
  assert.match(opts('/sys'), /^ro,/);
  // The propagation of every mount is private: no "shared:" or "master:" tag in the optional fields.
  assert.ok(!/ (shared|master):\d+/.test(m.stdout), m.stdout);
});

function renderTable(): string {
  const rows = [['probe', 'default container', 'weakened', 'weakened by'], ...table.map((t) => [t.probe, t.def, t.weak, t.mode])];
  const w = rows[0]!.map((_, i) => Math.min(70, Math.max(...rows.map((r) => r[i]!.length))));
  const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s.padEnd(n));
  return ['# escape probes', ...rows.map((r) => '# ' + r.map((c, i) => cut(c, w[i]!)).join(' | '))].join('\n');
}
