// A cgroup v2 guest for the tests: Debian's own kernel (linux-image-amd64) booted by QEMU from a busybox initramfs
// made at test time, seeing the host's / (read-only, over 9p) under a tmpfs overlay, with cgroup2 mounted alone on
// /sys/fs/cgroup. This host mounts cgroups v1 + v2 side by side (hybrid), so glassbox's v2 path can only meet a
// real kernel here.
//
// Why TCG (QEMU's emulator) and not KVM: nested KVM hangs at boot on this machine; TCG is slow (Node starts in
// about 2.7 s instead of 25 ms) but runs a real kernel. Why an initramfs of our own: Debian's initrd looks for a
// root disk; ours only loads the 9p and overlay modules and switches into the host's tree (test/vm/init.sh).
// Nothing is downloaded: busybox comes from busybox-static, the kernel and its modules from linux-image-amd64.
//
// The guest and the harness talk through a shared directory (a second, writable 9p export): the harness writes
// `job` (the command), the guest writes `output.log` and `status` (its exit code). The serial console carries the
// same output live. The guest always powers itself off; a timeout kills QEMU, and so does the harness's death
// (setpriv --pdeathsig KILL).

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The modules stage 1 needs: virtio PCI transport, 9p over virtio, overlayfs (the rest come from modules.dep). */
export const MODULES = ['virtio_pci', '9pnet_virtio', '9p', 'overlay'];

// The newest kernel installed by linux-image-amd64 that has a vmlinuz and a module tree.
export function findKernel() {
  const versions = readdirSync('/lib/modules')
    .filter((v) => existsSync(`/boot/vmlinuz-${v}`) && existsSync(`/lib/modules/${v}/modules.dep`))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const version = versions.pop();
  if (!version) throw new Error('no kernel in /boot with modules in /lib/modules: install linux-image-amd64 (scripts/setup.sh)');
  return { version, vmlinuz: `/boot/vmlinuz-${version}`, modules: `/lib/modules/${version}` };
}

// Orders the wanted modules and everything they depend on, dependencies first, from the kernel's modules.dep
// ("kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko …"; each line's dependencies are listed already resolved).
export function moduleOrder(modulesDep, wanted) {
  const deps = new Map();
  for (const line of modulesDep.split('\n')) {
    const [mod, rest = ''] = line.split(':');
    if (mod) deps.set(mod.trim(), rest.trim().split(/\s+/).filter(Boolean));
  }
  const byName = new Map([...deps.keys()].map((p) => [p.split('/').pop().replace(/\.ko(\.[a-z]+)?$/, '').replace(/-/g, '_'), p]));
  const order = [];
  const visit = (path) => {
    if (order.includes(path)) return;
    for (const d of [...(deps.get(path) ?? [])].reverse()) visit(d);
    order.push(path);
  };
  for (const name of wanted) {
    const path = byName.get(name.replace(/-/g, '_'));
    if (!path) throw new Error(`module ${name} is not in modules.dep (built into this kernel, or missing?)`);
    visit(path);
  }
  return order;
}

// Builds the initramfs (a newc cpio archive, uncompressed: the kernel reads it as is) into OUT; returns its
// size and how long it took.
export function buildInitramfs(kernel, out) {
  const t0 = performance.now();
  const stage = `${out}.d`;
  spawnSync('rm', ['-rf', stage]);
  for (const d of ['bin', 'modules', 'dev']) mkdirSync(join(stage, d), { recursive: true });
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p) && isStatic(p));
  if (!busybox) throw new Error('no static busybox: install busybox-static (scripts/setup.sh)');
  copyFileSync(busybox, join(stage, 'bin', 'busybox'));
  chmodSync(join(stage, 'bin', 'busybox'), 0o755);
  copyFileSync(join(HERE, 'init.sh'), join(stage, 'init'));
  chmodSync(join(stage, 'init'), 0o755);
  const order = moduleOrder(readFileSync(`${kernel.modules}/modules.dep`, 'utf8'), MODULES);
  const names = [];
  for (const rel of order) {
    const name = rel.split('/').pop();
    if (/\.ko\.(xz|zst|gz)$/.test(name)) throw new Error(`${rel} is compressed; busybox insmod wants plain .ko files`);
    copyFileSync(`${kernel.modules}/${rel}`, join(stage, 'modules', name));
    names.push(name);
  }
  writeFileSync(join(stage, 'modules.order'), names.join('\n') + '\n');
  // The console node, so that the kernel can give /init its standard streams before devtmpfs is mounted.
  sh(['mknod', '-m', '600', join(stage, 'dev', 'console'), 'c', '5', '1']);
  const list = spawnSync('find', ['.', '-mindepth', '1'], { cwd: stage, encoding: 'utf8' });
  if (list.status !== 0) throw new Error(`find in ${stage} failed: ${list.stderr}`);
  sh([busybox, 'cpio', '-o', '-H', 'newc', '-R', '0:0', '-F', out], { cwd: stage, input: list.stdout });
  spawnSync('rm', ['-rf', stage]);
  return { path: out, bytes: statSync(out).size, ms: performance.now() - t0, modules: names };
}

function isStatic(file) {
  const r = spawnSync('file', ['-L', file], { encoding: 'utf8' });
  return r.status !== 0 || /statically linked|static-pie/.test(r.stdout); // without `file`, trust busybox-static
}

function sh(argv, opts = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}

/**
 * Boots the guest, runs `argv` in `cwd` inside it and returns { status, booted, bootMs, timedOut, ms, output }.
 * status is the command's exit code, or undefined when the guest never got to write one.
 * `share` is an empty directory on the host that the guest mounts read-write; `repo` is the checkout the guest runs
 * stage 2 from (it must be under / on the host, which the guest sees at the same path).
 */
export function bootGuest({ kernel, initrd, share, repo, argv, cwd = repo, env = {}, timeoutMs = 20 * 60_000, cpus = 2, memoryMiB = 2048, onOutput = () => {} }) {
  const job = [`repo=${repo}`, `cwd=${cwd}`, ...Object.entries(env).map(([k, v]) => `env=${k}=${v}`), ...argv.map((a) => `arg=${a}`)];
  if (job.some((l) => l.includes('\n'))) throw new Error('a job line may not contain a newline');
  writeFileSync(join(share, 'job'), job.join('\n') + '\n');
  const qemu = [
    'qemu-system-x86_64',
    '-accel', 'tcg',
    '-cpu', 'max',
    '-smp', String(cpus),
    '-m', String(memoryMiB),
    '-nodefaults',
    '-no-reboot',
    '-display', 'none',
    '-serial', 'stdio',
    '-kernel', kernel.vmlinuz,
    '-initrd', initrd,
    // panic=-1: a kernel panic reboots at once, which -no-reboot turns into QEMU exiting.
    '-append', 'console=ttyS0 panic=-1 quiet loglevel=3 rdinit=/init',
    '-virtfs', 'local,path=/,mount_tag=host,security_model=passthrough,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${share},mount_tag=share,security_model=passthrough`,
  ];
  const t0 = performance.now();
  return new Promise((resolve) => {
    // pdeathsig: if the harness dies (even by SIGKILL), the kernel kills QEMU: no guest outlives its harness.
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', ...qemu], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let booted = false;
    let bootMs;
    const take = (d) => {
      const text = d.toString('utf8').replace(/\r/g, '');
      output += text;
      if (!booted && output.includes('glassbox-vm: stage 2:')) {
        booted = true;
        bootMs = performance.now() - t0;
      }
      onOutput(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      onOutput(`\nglassbox-vm: the guest ran longer than ${Math.round(timeoutMs / 1000)} s: killing QEMU\n`);
      child.kill('SIGKILL');
    }, timeoutMs);
    const forward = () => child.kill('SIGKILL');
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    process.on('exit', forward);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      process.off('exit', forward);
      const statusFile = join(share, 'status');
      const status = existsSync(statusFile) ? Number(readFileSync(statusFile, 'utf8').trim()) : undefined;
      const log = join(share, 'output.log');
      resolve({ status, booted, bootMs, timedOut, qemuExit: signal ?? code, ms: performance.now() - t0, output, log: existsSync(log) ? readFileSync(log, 'utf8') : '' });
    });
  });
}
