#!/usr/bin/env node
// The test runner: `npm test` runs the unit tests, then the integration tests; `node scripts/test.mjs unit` or
// `… integration` runs one suite (add words to pick files by name). Node 20's `node --test` neither expands globs nor finds .ts files in a folder,
// so the files are listed here. A suite fails when node --test fails OR when it ran zero tests (a run that tests
// nothing is not a pass). The integration suite needs root (real containers): without root it fails, loudly,
// instead of skipping. Before it, `npm run build` makes bin/glassbox current and the static probe is built once.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const SUITES = ['unit', 'integration'];

const say = (msg) => process.stdout.write(`\n# ${msg}\n`);
const fail = (msg) => {
  process.stderr.write(`\ntest.mjs: ${msg}\n`);
  return false;
};

// The suite's test files, sorted, relative to the repository.
function testFiles(suite, filters = []) {
  const dir = join(repo, 'test', suite);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
    .sort()
    .map((f) => relative(repo, join(dir, f)));
}

// Runs node --test on the files, streaming its output, and returns the counts from its "# tests N" summary.
// The integration suite holds LOCK while it runs: its leak checks look at host-wide objects (links, rules,
// cgroups), so two integration runs at once (two clones on one machine) would see each other's containers.
const LOCK = join(tmpdir(), 'glassbox-integration.lock');

function nodeTest(files, { serial, env }) {
  const args = ['--import', 'tsx', '--test', '--test-reporter=tap'];
  if (serial) args.push('--test-concurrency=1');
  args.push(...files);
  const argv = serial ? ['flock', LOCK, process.execPath, ...args] : [process.execPath, ...args];
  process.stdout.write(`$ ${serial ? `flock ${LOCK} ` : ''}node ${args.join(' ')}\n`);
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      out += d.toString('utf8');
    });
    const forward = (sig) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      const count = (name) => {
        const m = [...out.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))].pop();
        return m ? Number(m[1]) : undefined;
      };
      // A file that defines no test at all still shows up, as one passing "test" named after the file: those are
      // not tests. (Top-level results start at the beginning of a line; subtests are indented.)
      const paths = new Set(files.flatMap((f) => [f, join(repo, f)]));
      const empty = [...out.matchAll(/^(?:not )?ok \d+ - (.*)$/gm)].map((m) => m[1]).filter((n) => paths.has(n));
      const tests = count('tests');
      resolve({ code: code ?? 1, signal, tests: tests === undefined ? undefined : tests - empty.length, pass: count('pass'), fail: count('fail'), empty });
    });
  });
}

// Runs a command with the terminal attached; true when it succeeded.
function step(argv, opts = {}) {
  process.stdout.write(`$ ${argv.join(' ')}\n`);
  const r = spawnSync(argv[0], argv.slice(1), { cwd: repo, stdio: 'inherit', ...opts });
  return r.status === 0;
}

async function runSuite(suite, filters) {
  say(`suite: ${suite}${filters.length ? ` (files matching ${filters.join(', ')})` : ''}`);
  const files = testFiles(suite, filters);
  if (files.length === 0) return fail(`${suite}: no test files in test/${suite}/*.test.ts${filters.length ? ' match the filter' : ''}`);
  const env = {};
  let cleanup = () => {};
  if (suite === 'integration') {
    if (process.geteuid?.() !== 0) {
      return fail('the integration tests run real containers and need root: run `sudo npm test` (or sudo node scripts/test.mjs integration)');
    }
    if (!step(['npm', 'run', 'build'])) return fail('npm run build failed');
    // The probe run inside containers: built once for the whole run, into a temp dir removed afterwards.
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-probe-'));
    cleanup = () => rmSync(dir, { recursive: true, force: true });
    const probe = join(dir, 'probe');
    if (!step(['gcc', '-static', '-O2', '-Wall', '-o', probe, 'test/probe/probe.c'])) {
      cleanup();
      return fail('building test/probe/probe.c failed (it needs gcc and libc6-dev: run scripts/setup.sh)');
    }
    env.GLASSBOX_TEST_PROBE = probe;
  }
  try {
    const r = await nodeTest(files, { serial: suite === 'integration', env });
    say(`${suite}: ${r.tests ?? '?'} tests, ${r.pass ?? '?'} passed, ${r.fail ?? '?'} failed; node --test exited ${r.signal ?? r.code}`);
    if (r.code !== 0) return fail(`${suite}: node --test failed (exit ${r.signal ?? r.code})`);
    if (!r.tests) return fail(`${suite}: zero tests ran, which counts as a failure`);
    if (r.empty.length) return fail(`${suite}: these files ran no tests (or failed before their first one): ${r.empty.join(', ')}`);
    if (r.fail) return fail(`${suite}: ${r.fail} tests failed`);
    return true;
  } finally {
    cleanup();
  }
}

// Arguments: suite names, then optional words that pick test files whose names contain them
// (`node scripts/test.mjs integration net` runs test/integration/*net*.test.ts).
const args = process.argv.slice(2);
const wanted = args.filter((a) => SUITES.includes(a));
const filters = args.filter((a) => !SUITES.includes(a));
if (filters.length && !wanted.length) {
  process.stderr.write(`usage: node scripts/test.mjs [${SUITES.join('|')}]… [FILE-WORD]…\n`);
  process.exit(2);
}
let ok = true;
for (const suite of wanted.length ? wanted : SUITES) {
  // Every suite runs even after a failure, so one run shows all problems.
  if (!(await runSuite(suite, filters))) ok = false;
}
say(ok ? 'all suites passed' : 'FAILED');
process.exit(ok ? 0 : 1);
