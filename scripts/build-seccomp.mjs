#!/usr/bin/env node
// Part of `npm run build`: compiles the static seccomp loader (lib/security/seccomp-load.c) into
// dist/glassbox-seccomp-load with gcc -static, as test.mjs builds the probe. Without gcc the build still
// succeeds, loudly: containers then need --security-opt seccomp=unconfined, and `glassbox doctor` says so.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(repo, 'dist', 'glassbox-seccomp-load');
mkdirSync(dirname(out), { recursive: true });
const argv = ['gcc', '-static', '-O2', '-Wall', '-Werror', '-o', out, join(repo, 'lib', 'security', 'seccomp-load.c')];
const r = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit' });
if (r.status !== 0) {
  process.stderr.write(`build-seccomp: ${argv.join(' ')} failed${r.error ? ` (${r.error.message})` : ''}: install gcc and libc6-dev (scripts/setup.sh) for the default seccomp filter\n`);
} else chmodSync(out, 0o755);
// The cgroup v2 device filter (lib/cgroup/device-filter.c): without it, v2 containers get no device program and
// keep relying on CAP_MKNOD being dropped and nodev mounts (`glassbox doctor` says which).
const dev = join(repo, 'dist', 'glassbox-device-filter');
const devArgv = ['gcc', '-static', '-O2', '-Wall', '-Werror', '-o', dev, join(repo, 'lib', 'cgroup', 'device-filter.c')];
const d = spawnSync(devArgv[0], devArgv.slice(1), { stdio: 'inherit' });
if (d.status !== 0) process.stderr.write(`build-seccomp: ${devArgv.join(' ')} failed: cgroup v2 containers get no device program\n`);
else chmodSync(dev, 0o755);
