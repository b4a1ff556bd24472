#!/usr/bin/env node
// `npm run test:v2`: runs the cgroup v2 suite (test/v2/*.test.ts) inside a QEMU guest with a pure cgroup v2 kernel
// (test/vm/vm.mjs explains the guest). Steps on the host: npm run build, the static probe, the test files bundled
// by esbuild into dist/test-v2/*.mjs (the guest's Node runs them without tsx, which would cost it minutes), the
// initramfs; then one boot runs `node --test` on them, with the checkout this script is run from as the guest's
// working directory. The closing line gives the counts the way scripts/test.mjs does; the run FAILS when the guest
// did not boot, left no exit status, ran zero tests or any test failed — it never skips.
//
//   node scripts/test-v2.mjs                        every file in test/v2
//   node scripts/test-v2.mjs cgroup-v2              files of test/v2 whose names contain the word
//   node scripts/test-v2.mjs test/integration/x.test.ts   any test file, by path
//   node scripts/test-v2.mjs --cmd -- node bin/glassbox doctor   any command (exit code passed on)
// Options: --no-build (dist/ is current), --timeout SECONDS (default 1500), --keep (leave the temp dir).
// Environment: GLASSBOX_V2_TEST_NAME_PATTERN=REGEX passes --test-name-pattern to node --test (one test only).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootGuest, buildInitramfs, findKernel } from '../test/vm/vm.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => process.stdout.write(`\n# ${msg}\n`);
let cleanup = () => {};
const die = (msg) => {
  cleanup();
  process.stderr.write(`\ntest-v2: ${msg}\n`);
  say('v2 (guest): FAILED');
  process.exit(1);
};

// Parses the command line into { cmd, words, build, timeoutMs, keep }.
function parseArgs(args) {
  const o = { cmd: undefined, words: [], build: true, timeoutMs: 1500_000, keep: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--cmd') {
      const rest = args.slice(i + 1);
      o.cmd = rest[0] === '--' ? rest.slice(1) : rest;
      if (!o.cmd.length) die('--cmd needs a command after it');
      break;
    } else if (a === '--no-build') o.build = false;
    else if (a === '--keep') o.keep = true;
    else if (a === '--timeout') {
      o.timeoutMs = Number(args[++i]) * 1000;
      if (!(o.timeoutMs > 0)) die('--timeout wants a number of seconds');
    } else if (a.startsWith('-')) die(`unknown option ${a}`);
    else o.words.push(a);
  }
  return o;
}

// The test files to run: paths as given, words as filters over test/v2/*.test.ts.
function testFiles(words) {
  const paths = words.filter((w) => w.endsWith('.test.ts'));
  const filters = words.filter((w) => !w.endsWith('.test.ts'));
  for (const p of paths) if (!existsSync(join(repo, p))) die(`no such test file: ${p}`);
  const dir = join(repo, 'test', 'v2');
  const own = paths.length && !filters.length ? [] : readdirSync(dir).filter((f) => f.endsWith('.test.ts')).filter((f) => !filters.length || filters.some((w) => f.includes(w))).map((f) => `test/v2/${f}`);
  return [...paths, ...own].sort();
}

// Runs a host command with the terminal attached; dies when it fails.
function step(argv, opts = {}) {
  process.stdout.write(`$ ${argv.join(' ')}\n`);
  const r = spawnSync(argv[0], argv.slice(1), { cwd: repo, stdio: 'inherit', ...opts });
  if (r.status !== 0) die(`${argv[0]} failed (${r.status ?? r.signal})`);
}

const o = parseArgs(process.argv.slice(2));
if (process.geteuid?.() !== 0) die('the guest exports the host\'s / with its owners (9p passthrough) and runs containers as root: run it as root (sudo npm run test:v2)');
if (!existsSync('/usr/bin/qemu-system-x86_64')) die('qemu-system-x86_64 is missing: run scripts/setup.sh (it installs qemu-system-x86)');
let kernel;
try {
  kernel = findKernel();
} catch (e) {
  die(e.message);
}

const tmp = mkdtempSync(join(tmpdir(), 'glassbox-v2-'));
const share = join(tmp, 'share');
mkdirSync(share);
cleanup = () => {
  cleanup = () => {};
  if (o.keep) say(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
};

let argv = o.cmd;
let bundles = [];
const env = {};
if (!argv) {
  const files = testFiles(o.words);
  if (!files.length) die(`no test files match ${o.words.join(', ') || 'test/v2/*.test.ts'}`);
  if (o.build) step(['npm', 'run', 'build']);
  if (!existsSync(join(repo, 'dist', 'glassbox.cjs'))) die('glassbox is not built: run npm run build');
  // The probe the tests run inside containers, built here (the guest has gcc too, but at a hundredth of the speed).
  step(['gcc', '-static', '-O2', '-Wall', '-o', join(share, 'probe'), 'test/probe/probe.c']);
  env.GLASSBOX_TEST_PROBE = '/gb-share/probe';
  // Bundled into dist/test-v2 so that import.meta.url-relative paths (REPO in the helpers) stay right.
  const out = join(repo, 'dist', 'test-v2');
  rmSync(out, { recursive: true, force: true });
  // One flat file per test (dist/test-v2/NAME.mjs): the helpers find the checkout two levels up, as from test/X/.
  bundles = files.map((f) => relative(repo, join(out, basename(f).replace(/\.ts$/, '.mjs'))));
  files.forEach((f, i) => step([join(repo, 'node_modules', '.bin', 'esbuild'), f, '--bundle', '--platform=node', '--format=esm', '--target=node20', '--packages=external', `--outfile=${bundles[i]}`, '--log-level=warning']));
  for (const b of bundles) if (!existsSync(join(repo, b))) die(`esbuild wrote no ${b}`);
  const pattern = process.env.GLASSBOX_V2_TEST_NAME_PATTERN;
  argv = ['node', '--test', '--test-reporter=tap', '--test-concurrency=1', ...(pattern ? [`--test-name-pattern=${pattern}`] : []), ...bundles];
  say(`v2 (guest): ${files.map((f) => basename(f)).join(', ')}`);
}

const ib = buildInitramfs(kernel, join(tmp, 'initramfs.cpio'));
say(`initramfs: ${(ib.bytes / 1024 / 1024).toFixed(1)} MiB (busybox + ${ib.modules.length} modules of ${kernel.version}), built in ${ib.ms.toFixed(0)} ms`);
say(`booting ${kernel.vmlinuz} with QEMU TCG (2 CPUs, 2 GiB); guest: ${argv.join(' ')}`);
const r = await bootGuest({ kernel, initrd: ib.path, share, repo, argv, env, timeoutMs: o.timeoutMs, onOutput: (t) => process.stdout.write(t) });
cleanup();

const wall = `${(r.ms / 1000).toFixed(0)} s${r.bootMs ? ` (booted in ${(r.bootMs / 1000).toFixed(1)} s)` : ''}`;
if (!r.booted) die(`the guest did not boot (QEMU exited ${r.qemuExit}${r.timedOut ? ', timed out' : ''}, after ${wall})`);
if (r.status === undefined) die(`the guest booted but left no exit status (${r.timedOut ? 'timed out' : `QEMU exited ${r.qemuExit}`}, after ${wall})`);
if (o.cmd) {
  say(`v2 (guest): ${o.cmd.join(' ')} exited ${r.status}; guest wall time ${wall}`);
  process.exit(r.status);
}
const count = (name) => {
  const m = [...r.log.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))].pop();
  return m ? Number(m[1]) : undefined;
};
// A file that defines no test shows up as one passing "test" named after the file: that is not a test.
const empty = [...r.log.matchAll(/^(?:not )?ok \d+ - (.*)$/gm)].map((m) => m[1]).filter((n) => bundles.some((b) => n === b || n.endsWith(`/${b}`)));
const [tests, pass, fail, skipped] = [count('tests') === undefined ? undefined : count('tests') - empty.length, count('pass'), count('fail'), count('skipped') ?? 0];
const named = !!process.env.GLASSBOX_V2_TEST_NAME_PATTERN;
const counts = `${tests ?? '?'} tests, ${pass ?? 0} passed, ${fail ?? '?'} failed${skipped ? `, ${skipped} skipped${named ? ' (not matching the name pattern)' : ''}` : ''}; node --test exited ${r.status}; guest wall time ${wall}`;
const problem = r.status !== 0 ? `node --test failed in the guest (exit ${r.status})` : !tests ? 'zero tests ran in the guest, which counts as a failure' : fail ? `${fail} tests failed in the guest` : empty.length ? `these files ran no tests: ${empty.join(', ')}` : skipped && !named ? `${skipped} tests were skipped: the suite never skips` : (pass ?? 0) <= 0 ? 'no test passed' : undefined;
if (problem) {
  process.stderr.write(`\ntest-v2: ${problem}\n`);
  say(`v2 (guest) FAILED: ${counts}`);
  process.stdout.write(`v2: ${pass ?? 0} passed, ${fail || 1} failed\n`);
  process.exit(1);
}
say(`v2 (guest) passed: ${counts}`);
// The closing line CI reads, in the plain form any runner's reader knows: the tests run in the guest.
process.stdout.write(`v2: ${pass} passed, 0 failed\n`);
