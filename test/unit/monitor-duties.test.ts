// Restart policies, health checks, log rotation and the stop settings (issue 17, items 2 and 3): the parsing of
// every input form (run flags, recipe keys in compose syntax, the image's config), and the monitor script the
// planner's values turn into: a golden transcript (read by eye once), `sh -n`, and the commands it must hold.
// Regenerate the golden with: UPDATE_GOLDEN=1 node --import tsx --test test/unit/monitor-duties.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../lib/blocks/catalog.ts';
import { fromImage, HEALTH_DEFAULTS, healthFromFlags, healthFromRecipe, mergeHealth, normalizeTest, parseDuration, resolveHealth } from '../../lib/health/model.ts';
import { readHealth } from '../../lib/health/state.ts';
import { parseImageConfig } from '../../lib/image/imageconfig.ts';
import { planContainer, type PlanContext } from '../../lib/plan/planner.ts';
import { specFromFlags } from '../../lib/recipe/flags.ts';
import { parseRecipe } from '../../lib/recipe/load.ts';
import { expandDuties, expandMonitor } from '../../lib/render/monitor-steps.ts';
import { renderMonitor } from '../../lib/render/script.ts';
import { parseLogOpts, parseRestart, parseStopSignal } from '../../lib/restart/policy.ts';
import { monitorFiles } from '../../lib/state/lifecycle.ts';
import { helloContainer } from './fixtures.ts';

const catalog = await loadCatalog();

test('durations: Go syntax, in milliseconds', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('0.3s'), 300);
  assert.equal(parseDuration('0'), 0);
  for (const bad of ['', '30', 's', '1x', '1m 30s', '-1s']) assert.equal(typeof parseDuration(bad), 'string', bad);
});

test('restart policies: docker\'s four, a count only for on-failure', () => {
  assert.deepEqual(parseRestart('no'), { name: 'no', maxRetries: 0 });
  assert.deepEqual(parseRestart('always'), { name: 'always', maxRetries: 0 });
  assert.deepEqual(parseRestart('unless-stopped'), { name: 'unless-stopped', maxRetries: 0 });
  assert.deepEqual(parseRestart('on-failure'), { name: 'on-failure', maxRetries: 0 });
  assert.deepEqual(parseRestart('on-failure:3'), { name: 'on-failure', maxRetries: 3 });
  for (const bad of ['sometimes', 'always:3', 'on-failure:x', 'on-failure:-1', 'on-failure:1:2', '']) assert.equal(typeof parseRestart(bad), 'string', bad);
});

test('stop signal and log options', () => {
  assert.equal(parseStopSignal('USR1'), 'SIGUSR1');
  assert.equal(parseStopSignal('2'), 'SIGINT');
  assert.deepEqual(parseStopSignal('NOPE'), { error: 'invalid stop signal "NOPE": a name like TERM, SIGINT, or a number' });
  assert.deepEqual(parseLogOpts(['max-size=10m,max-file=3']), { opts: { maxSize: 10 * 1024 * 1024, maxFile: 3 }, problems: [] });
  assert.deepEqual(parseLogOpts(['max-size=1k']).opts, { maxSize: 1024 });
  assert.equal(parseLogOpts(['max-file=3']).problems.length, 1);
  assert.equal(parseLogOpts(['max-size=big']).problems.length, 1);
  assert.equal(parseLogOpts(['max-size=1k', 'max-file=0']).problems.length, 1);
  assert.equal(parseLogOpts(['compress=true']).problems.length, 1);
});

test('health tests in compose syntax: a string, CMD, CMD-SHELL, NONE, disable', () => {
  assert.deepEqual(normalizeTest('curl -f http://localhost'), ['CMD-SHELL', 'curl -f http://localhost']);
  assert.deepEqual(normalizeTest(['CMD', 'test', '-e', '/ok']), ['CMD', 'test', '-e', '/ok']);
  assert.deepEqual(normalizeTest(['CMD-SHELL', 'test -e /ok']), ['CMD-SHELL', 'test -e /ok']);
  assert.deepEqual(normalizeTest(['NONE']), ['NONE']);
  assert.equal(typeof normalizeTest(['test', '-e']), 'string');
  assert.equal(typeof normalizeTest(['CMD-SHELL', 'a', 'b']), 'string');
  const r = healthFromRecipe({ test: ['CMD', 'true'], interval: '1m30s', timeout: '5s', start_period: '2s', retries: 5 });
  assert.deepEqual(r, { spec: { test: ['CMD', 'true'], intervalMs: 90_000, timeoutMs: 5000, startPeriodMs: 2000, retries: 5 }, problems: [] });
  assert.deepEqual(healthFromRecipe({ disable: true }).spec, { test: ['NONE'] });
  assert.deepEqual(healthFromRecipe({ interval: 'soon' }).problems.map((p) => p.key), ['interval']);
  assert.deepEqual(resolveHealth(r.spec)?.command, ['true']);
  assert.deepEqual(resolveHealth({ test: ['CMD-SHELL', 'x y'] }), { command: ['/bin/sh', '-c', 'x y'], test: ['CMD-SHELL', 'x y'], intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, startIntervalMs: 5000, retries: 3 });
  assert.equal(resolveHealth({ test: ['NONE'] }), undefined);
});

test('health flags, over the image\'s Healthcheck field by field; --no-healthcheck turns it off', () => {
  const image = parseImageConfig(JSON.stringify({ rootfs: { type: 'layers', diff_ids: [] }, config: { Healthcheck: { Test: ['CMD', 'true'], Interval: 5e9, Retries: 7 }, StopSignal: 'SIGQUIT' } }), 'x').config;
  assert.deepEqual(image.Healthcheck, { Test: ['CMD', 'true'], Interval: 5e9, Retries: 7 });
  assert.equal(image.StopSignal, 'SIGQUIT');
  const flags = healthFromFlags({ healthCmd: 'test -e /ok', healthTimeout: '2s' });
  const merged = resolveHealth(mergeHealth(fromImage(image.Healthcheck), flags.spec));
  assert.deepEqual(merged, { command: ['/bin/sh', '-c', 'test -e /ok'], test: ['CMD-SHELL', 'test -e /ok'], intervalMs: 5000, timeoutMs: 2000, startPeriodMs: 0, startIntervalMs: 5000, retries: 7 });
  assert.equal(resolveHealth(mergeHealth(fromImage(image.Healthcheck), healthFromFlags({ noHealthcheck: true }).spec)), undefined);
  assert.deepEqual(healthFromFlags({ healthRetries: 'x', healthInterval: 'y' }).problems.map((p) => p.flag), ['--health-interval', '--health-retries']);
});

test('start interval: the flag, the recipe key, the image\'s StartInterval (ns), docker\'s 5 s default', () => {
  assert.equal(HEALTH_DEFAULTS.startIntervalMs, 5000);
  assert.deepEqual(healthFromFlags({ healthStartInterval: '500ms' }), { spec: { startIntervalMs: 500 }, problems: [] });
  assert.deepEqual(healthFromFlags({ healthStartInterval: 'soon' }).problems.map((p) => p.flag), ['--health-start-interval']);
  assert.deepEqual(healthFromRecipe({ start_interval: '2s' }).spec, { startIntervalMs: 2000 });
  assert.deepEqual(healthFromRecipe({ start_interval: 'x' }).problems.map((p) => p.key), ['start_interval']);
  const recipe = parseRecipe('image: img\nhealthcheck:\n  test: [CMD, /bin/true]\n  start_period: 30s\n  start_interval: 500ms\n', 'r.yaml');
  assert.deepEqual(recipe.healthcheck, { test: ['CMD', '/bin/true'], startPeriodMs: 30_000, startIntervalMs: 500 });
  assert.throws(() => parseRecipe('image: img\nhealthcheck:\n  start_interval: later\n', 'r.yaml'), /r\.yaml:3:\d+: healthcheck\.start_interval/);
  // The image's config keeps it (pulled JSON, nanoseconds), and the flag goes over it.
  const image = parseImageConfig(JSON.stringify({ rootfs: { type: 'layers', diff_ids: [] }, config: { Healthcheck: { Test: ['CMD', 'true'], StartPeriod: 3e10, StartInterval: 2e9 } } }), 'x').config;
  assert.deepEqual(image.Healthcheck, { Test: ['CMD', 'true'], StartPeriod: 3e10, StartInterval: 2e9 });
  assert.equal(resolveHealth(fromImage(image.Healthcheck))?.startIntervalMs, 2000);
  assert.equal(resolveHealth(mergeHealth(fromImage(image.Healthcheck), healthFromFlags({ healthStartInterval: '250ms' }).spec))?.startIntervalMs, 250);
  // 0 means the default, as for the other durations.
  assert.equal(resolveHealth({ test: ['CMD', 'true'], startIntervalMs: 0 })?.startIntervalMs, 5000);
  const spec = specFromFlags(undefined, 'img', ['true'], { healthCmd: 'true', healthStartPeriod: '30s', healthStartInterval: '500ms' });
  assert.deepEqual(spec.healthcheck, { test: ['CMD-SHELL', 'true'], startPeriodMs: 30_000, startIntervalMs: 500 });
});


test('run flags and recipe keys reach the spec; bad values name their flag or position', () => {
  const spec = specFromFlags(undefined, 'img', ['true'], { restart: 'on-failure:3', healthCmd: 'true', healthInterval: '1s', stopSignal: 'INT', stopTimeout: '3', logOpt: ['max-size=1k', 'max-file=2'] });
  assert.deepEqual(spec.restart, { name: 'on-failure', maxRetries: 3 });
  assert.deepEqual(spec.healthcheck, { test: ['CMD-SHELL', 'true'], intervalMs: 1000 });
  assert.equal(spec.stopSignal, 'SIGINT');
  assert.equal(spec.stopTimeout, 3);
  assert.deepEqual(spec.logOpts, { maxSize: 1024, maxFile: 2 });
  assert.throws(() => specFromFlags(undefined, 'img', ['true'], { restart: 'sometimes' }), /--restart: invalid restart policy/);
  assert.throws(() => specFromFlags(undefined, 'img', ['true'], { stopTimeout: 'soon' }), /--stop-timeout/);
  const recipe = parseRecipe('image: img\ncommand: [true]\nrestart: always\nstop_signal: HUP\nstop_grace_period: 1m\nhealthcheck:\n  test: ["CMD-SHELL", "test -e /ok"]\n  interval: 1s\n  retries: 2\nlogging:\n  options:\n    max-size: 10m\n    max-file: 3\n', 'r.yaml');
  assert.deepEqual(recipe.restart, { name: 'always', maxRetries: 0 });
  assert.equal(recipe.stopSignal, 'SIGHUP');
  assert.equal(recipe.stopTimeout, 60);
  assert.deepEqual(recipe.healthcheck, { test: ['CMD-SHELL', 'test -e /ok'], intervalMs: 1000, retries: 2 });
  assert.deepEqual(recipe.logOpts, { maxSize: 10 * 1024 * 1024, maxFile: 3 });
  assert.throws(() => parseRecipe('image: img\nrestart: maybe\n', 'r.yaml'), /r\.yaml:2:\d+: restart: invalid restart policy/);
  assert.throws(() => parseRecipe('image: img\nhealthcheck:\n  test: [curl]\n', 'r.yaml'), /r\.yaml:3:\d+: healthcheck\.test/);
});

const ROOTS = { root: '/var/lib/glassbox', run: '/run/glassbox' };
const CTX: PlanContext = { runRoot: '/run/glassbox', runRootReady: true, barrierReady: true, hostDevLinks: true, flock: '/usr/bin/flock', seccompLoader: '/usr/lib/glassbox/glassbox-seccomp-load' };

test('monitor golden: on-failure:3, a health check, log rotation (the start chain again, the exec plan of the check)', () => {
  const plan = planContainer(catalog, helloContainer(ROOTS, {
    lifecycle: { restart: { name: 'on-failure', maxRetries: 3 }, log: { maxSize: 2048, maxFile: 3 } },
    health: { command: ['/bin/sh', '-c', 'test -e /ok'], test: ['CMD-SHELL', 'test -e /ok'], intervalMs: 300, timeoutMs: 2000, startPeriodMs: 1000, startIntervalMs: 100, retries: 2 },
  }), CTX);
  assert.deepEqual(plan.info.lifecycle?.restart, { name: 'on-failure', maxRetries: 3 });
  const files = monitorFiles(plan.info.paths.state);
  const text = renderMonitor(plan, { lang: 'en', glassboxVersion: '0.0.0-test', files, steps: expandMonitor(catalog, files), duties: expandDuties(catalog, plan, files) });
  const golden = new URL('./golden/monitor-duties.en.sh.txt', import.meta.url);
  if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
  assert.equal(text, readFileSync(golden, 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'gb-duties-'));
  writeFileSync(join(dir, 'm.sh'), text);
  const syntax = spawnSync('/bin/sh', ['-n', join(dir, 'm.sh')], { encoding: 'utf8' });
  assert.equal(syntax.status, 0, syntax.stderr);
  // The restart's boot is the plan's boot steps again; the check enters the PID 1 the pid1 file names.
  for (const s of plan.steps.filter((x) => x.phase === 'boot' && x.kind === 'run')) assert.ok(text.includes(s.argv!.at(-1)!), s.id);
  assert.match(text, /\[ "\$gb_status" -ne 0 \] && \[ "\$gb_restarts" -lt 3 \]/);
  assert.match(text, /--target="\$gb_ctr"/);
  assert.match(text, /gb_max=2048/);
  assert.match(text, /mv -f \/var\/lib\/glassbox\/containers\/[0-9a-f]+\/stdout\.log\.1 \/var\/lib\/glassbox\/containers\/[0-9a-f]+\/stdout\.log\.2/);
});

test('a monitor without duties is the script it always was (no loop, no trap)', () => {
  const plan = planContainer(catalog, helloContainer(ROOTS), CTX);
  const files = monitorFiles(plan.info.paths.state);
  const steps = expandMonitor(catalog, files);
  const text = renderMonitor(plan, { lang: 'en', glassboxVersion: '0.0.0-test', files, steps, duties: expandDuties(catalog, plan, files) });
  assert.equal(text, renderMonitor(plan, { lang: 'en', glassboxVersion: '0.0.0-test', files, steps }));
  assert.doesNotMatch(text, /while :; do|trap|gb_health/);
});

test('health state on disk: status and the last five results, read back like docker\'s State.Health', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gb-health-'));
  assert.equal(readHealth(dir), undefined);
  writeFileSync(join(dir, 'status'), 'unhealthy 2\n');
  for (let i = 1; i <= 7; i++) writeFileSync(join(dir, String(i)), `2026-01-01T00:00:0${i}Z 2026-01-01T00:00:0${i}Z ${i % 2}\nout ${i}\n`);
  const h = readHealth(dir)!;
  assert.equal(h.Status, 'unhealthy');
  assert.equal(h.FailingStreak, 2);
  assert.deepEqual(h.Log.map((l) => l.Output), ['out 3\n', 'out 4\n', 'out 5\n', 'out 6\n', 'out 7\n']);
  assert.equal(h.Log[0]!.ExitCode, 1);
});

test('the monitor sleeps the start interval only while starting within a start period', () => {
  const monitor = (startPeriodMs: number) => {
    const plan = planContainer(catalog, helloContainer(ROOTS, {
      health: { command: ['true'], test: ['CMD', 'true'], intervalMs: 30_000, timeoutMs: 2000, startPeriodMs, startIntervalMs: 500, retries: 3 },
    }), CTX);
    const files = monitorFiles(plan.info.paths.state);
    return renderMonitor(plan, { lang: 'en', glassboxVersion: '0.0.0-test', files, steps: expandMonitor(catalog, files), duties: expandDuties(catalog, plan, files) });
  };
  const within = monitor(30_000);
  assert.match(within, /if \[ "\$gb_state" = starting \] && \[ \$\(\( \$\{gb_now%\.\*\} - \$\{gb_t0%\.\*\} \)\) -lt 30 \]; then sleep 0\.5; else sleep 30; fi/);
  // No start period: docker never uses the start interval, and the loop is what it was.
  const without = monitor(0);
  assert.doesNotMatch(without, /sleep 0\.5/);
  assert.match(without, /^    sleep 30$/m);
});
