// Host facts against fake /proc and /sys trees in a temp dir (the youki way: a folder stands in for the kernel),
// plus the doctor's pure helpers. No root needed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseCgroupMounts, parseMountLine, readHostFacts } from '../../lib/host/facts.ts';
import { formatDoctor, parseUtilLinuxVersion, type DoctorReport } from '../../lib/host/doctor.ts';
import { findOnPath, isStaticElf } from '../../lib/host/programs.ts';

const HEAD = `22 28 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
23 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
28 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro
`;

// This machine's layout: v1 controllers, named systemd tree, and an empty cgroup2 at /sys/fs/cgroup/unified.
const HYBRID = `${HEAD}31 22 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

const V2 = `${HEAD}30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

// Classic v1 with shared trees (cpu,cpuacct) and options that are not controllers (release_agent=…).
const V1 = `${HEAD}31 22 0:28 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct
33 31 0:30 / /sys/fs/cgroup/memory rw,nosuid shared:10 - cgroup cgroup rw,memory
34 31 0:31 / /sys/fs/cgroup/pids rw,nosuid shared:11 - cgroup cgroup rw,pids
35 31 0:32 / /sys/fs/cgroup/systemd rw,nosuid shared:12 - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
`;

interface FakeHost {
  mountinfo?: string;
  v2Controllers?: { at: string; text: string };
  files?: Record<string, string>; // path below the proc root → content
  ns?: string[];
}

// Builds <tmp>/proc and <tmp>/sys holding only what the test asks for.
async function fakeHost(h: FakeHost): Promise<{ procRoot: string; sysRoot: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gb-facts-'));
  const procRoot = path.join(dir, 'proc');
  const sysRoot = path.join(dir, 'sys');
  await mkdir(path.join(procRoot, 'self'), { recursive: true });
  await mkdir(sysRoot, { recursive: true });
  const put = async (file: string, text: string) => {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  };
  if (h.mountinfo !== undefined) await put(path.join(procRoot, 'self/mountinfo'), h.mountinfo);
  for (const [rel, text] of Object.entries(h.files ?? {})) await put(path.join(procRoot, rel), text);
  for (const n of h.ns ?? []) await put(path.join(procRoot, 'self/ns', n), '');
  if (h.v2Controllers) await put(path.join(sysRoot, h.v2Controllers.at.replace(/^\/sys/, ''), 'cgroup.controllers'), h.v2Controllers.text);
  return { procRoot, sysRoot, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

const ALL_NS = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'pid_for_children', 'time', 'time_for_children', 'user', 'uts'];

test('hybrid host like this one: v1 controllers plus an empty cgroup2 at unified', async () => {
  const host = await fakeHost({
    mountinfo: HYBRID,
    v2Controllers: { at: '/sys/fs/cgroup/unified', text: '\n' },
    ns: ALL_NS,
    files: {
      'sys/kernel/osrelease': '6.1.0-28-amd64\n',
      'sys/kernel/random/boot_id': '8ae0c803-a2d9-461c-8fc8-e60114260191\n',
      filesystems: 'nodev\tsysfs\nnodev\tproc\n\text4\nnodev\toverlay\n',
      'sys/net/ipv4/ip_forward': '0\n',
      'sys/user/max_user_namespaces': '96365\n',
    },
  });
  try {
    const f = await readHostFacts(host);
    assert.equal(f.cgroup.mode, 'hybrid');
    assert.deepEqual(f.cgroup.v1Controllers, {
      cpu: '/sys/fs/cgroup/cpu',
      cpuacct: '/sys/fs/cgroup/cpuacct',
      cpuset: '/sys/fs/cgroup/cpuset',
      memory: '/sys/fs/cgroup/memory',
      devices: '/sys/fs/cgroup/devices',
      freezer: '/sys/fs/cgroup/freezer',
      blkio: '/sys/fs/cgroup/blkio',
      pids: '/sys/fs/cgroup/pids',
      'name=systemd': '/sys/fs/cgroup/systemd',
    });
    assert.equal(f.cgroup.v2Mount, '/sys/fs/cgroup/unified');
    assert.deepEqual(f.cgroup.v2Controllers, []);
    assert.equal(f.kernel, '6.1.0-28-amd64');
    assert.equal(f.bootId, '8ae0c803-a2d9-461c-8fc8-e60114260191');
    assert.equal(f.overlay, true);
    assert.deepEqual(f.namespaces, ['mnt', 'uts', 'ipc', 'pid', 'net', 'user', 'cgroup', 'time']);
    assert.equal(f.ipForward, false);
    assert.deepEqual(f.userns, { maxUserNamespaces: 96365 });
    assert.equal(f.root, process.geteuid!() === 0);
    assert.equal(f.cpus, os.availableParallelism());
  } finally {
    await host.cleanup();
  }
});

test('pure v2: controllers come from <sysRoot>/fs/cgroup/cgroup.controllers', async () => {
  const host = await fakeHost({
    mountinfo: V2,
    v2Controllers: { at: '/sys/fs/cgroup', text: 'cpuset cpu io memory pids\n' },
    files: { 'sys/net/ipv4/ip_forward': '1\n', 'sys/kernel/unprivileged_userns_clone': '1\n' },
  });
  try {
    const f = await readHostFacts(host);
    assert.equal(f.cgroup.mode, 'v2');
    assert.deepEqual(f.cgroup.v1Controllers, {});
    assert.equal(f.cgroup.v2Mount, '/sys/fs/cgroup');
    assert.deepEqual(f.cgroup.v2Controllers, ['cpuset', 'cpu', 'io', 'memory', 'pids']);
    assert.equal(f.ipForward, true);
    assert.equal(f.userns.unprivilegedClone, true);
  } finally {
    await host.cleanup();
  }
});

test('pure v1: shared trees map each controller to the same mount; settings are not controllers', async () => {
  const host = await fakeHost({ mountinfo: V1, files: { 'sys/kernel/unprivileged_userns_clone': '0\n' } });
  try {
    const f = await readHostFacts(host);
    assert.equal(f.cgroup.mode, 'v1');
    assert.deepEqual(f.cgroup.v1Controllers, {
      cpu: '/sys/fs/cgroup/cpu,cpuacct',
      cpuacct: '/sys/fs/cgroup/cpu,cpuacct',
      memory: '/sys/fs/cgroup/memory',
      pids: '/sys/fs/cgroup/pids',
      'name=systemd': '/sys/fs/cgroup/systemd',
    });
    assert.equal(f.cgroup.v2Mount, undefined);
    assert.equal(f.userns.unprivilegedClone, false);
  } finally {
    await host.cleanup();
  }
});

test('missing files give fallbacks, not errors', async () => {
  const host = await fakeHost({});
  try {
    const f = await readHostFacts(host);
    assert.deepEqual(f.cgroup, { mode: 'none', v1Controllers: {}, v2Controllers: [] });
    assert.equal(f.kernel, '');
    assert.equal(f.bootId, '');
    assert.equal(f.overlay, false);
    assert.deepEqual(f.namespaces, []);
    assert.equal(f.ipForward, false);
    assert.deepEqual(f.userns, { maxUserNamespaces: 0 });
  } finally {
    await host.cleanup();
  }
  // A cgroup2 mount whose cgroup.controllers is missing still reports the mount.
  const noControllers = await fakeHost({ mountinfo: V2 });
  try {
    const f = await readHostFacts(noControllers);
    assert.equal(f.cgroup.mode, 'v2');
    assert.deepEqual(f.cgroup.v2Controllers, []);
  } finally {
    await noControllers.cleanup();
  }
});

test('mountinfo lines: optional fields, the separator and octal escapes', () => {
  assert.deepEqual(parseMountLine('99 28 0:50 / /mnt/my\\040disk rw shared:3 master:1 - ext4 /dev/sdb1 rw'), {
    mountPoint: '/mnt/my disk',
    fstype: 'ext4',
    source: '/dev/sdb1',
    superOptions: 'rw',
    optional: 'shared:3 master:1',
  });
  assert.equal(parseMountLine(''), undefined);
  assert.equal(parseMountLine('garbage line'), undefined);
  // cgroup2 mounted twice (a bind mount elsewhere): the conventional place wins.
  const twice = `50 1 0:38 / /tmp/elsewhere rw - cgroup2 cgroup2 rw\n${V2}`;
  assert.equal(parseCgroupMounts(twice).v2Mount, '/sys/fs/cgroup');
});

test('the real machine: mode agrees with what its own mountinfo shows', async () => {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const fstypes = text.split('\n').map((l) => l.split(' - ')[1]?.split(' ')[0]);
  const hasV1 = fstypes.includes('cgroup');
  const hasV2 = fstypes.includes('cgroup2');
  const expected = hasV1 && hasV2 ? 'hybrid' : hasV1 ? 'v1' : hasV2 ? 'v2' : 'none';
  const started = performance.now();
  const f = await readHostFacts();
  const elapsed = performance.now() - started;
  assert.equal(f.cgroup.mode, expected);
  assert.ok(f.kernel.length > 0, 'kernel version read');
});

test('doctor helpers: util-linux version, PATH scan, static ELF check, formatting', async () => {
  assert.deepEqual(parseUtilLinuxVersion('unshare from util-linux 2.38.1\n'), [2, 38, 1]);
  assert.equal(parseUtilLinuxVersion('nope'), undefined);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'gb-doctor-'));
  try {
    const sh = await findOnPath('sh');
    assert.ok(sh, 'sh is on PATH');
    assert.equal(await findOnPath('sh', `${dir}:/nonexistent`), undefined);
    await copyFile(sh, path.join(dir, 'sh'));
    assert.equal(await findOnPath('sh', `/nonexistent:${dir}`), path.join(dir, 'sh'));

    await writeFile(path.join(dir, 'text'), 'not an ELF file at all, just text');
    assert.equal(await isStaticElf(path.join(dir, 'text')), undefined);
    assert.equal(await isStaticElf(path.join(dir, 'missing')), undefined);
    assert.equal(await isStaticElf(process.execPath), false, 'node is dynamically linked');
    // A minimal static ELF64: a header and one PT_LOAD program header, no PT_INTERP.
    const elf = Buffer.alloc(64 + 56);
    elf.writeUInt32BE(0x7f454c46, 0);
    elf[4] = 2; // 64-bit
    elf[5] = 1; // little-endian
    elf.writeBigUInt64LE(64n, 32); // e_phoff
    elf.writeUInt16LE(56, 54); // e_phentsize
    elf.writeUInt16LE(1, 56); // e_phnum
    elf.writeUInt32LE(1, 64); // PT_LOAD
    await writeFile(path.join(dir, 'static'), elf);
    assert.equal(await isStaticElf(path.join(dir, 'static')), true);
    elf.writeUInt32LE(3, 64); // PT_INTERP
    await writeFile(path.join(dir, 'dynamic'), elf);
    assert.equal(await isStaticElf(path.join(dir, 'dynamic')), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const report: DoctorReport = {
    ok: false,
    checks: [
      { name: 'root', status: 'fail', detail: 'running as uid 1000', fix: 'sudo glassbox doctor' },
      { name: 'ip_forward', status: 'warn', detail: 'off' },
      { name: 'overlay', status: 'ok', detail: 'available' },
    ],
  };
  const plain = formatDoctor(report, { color: false });
  assert.equal(plain, [
    'FAIL  root        running as uid 1000',
    '                  fix: sudo glassbox doctor',
    'warn  ip_forward  off',
    'ok    overlay     available',
    '',
    'host is not ready (1 ok, 1 warnings, 1 failed)',
    '',
  ].join('\n'));
  assert.match(formatDoctor(report, { color: true }), /\x1b\[31mFAIL/);
});
