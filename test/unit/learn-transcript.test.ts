// --record's transcript: `glassbox script`'s up.sh of the same plan with the steps the session skipped (or never
// reached) turned into comments. Checked with `sh -n` on real container plans, and by running a small plan of
// harmless commands for real: what ran is done again, what was skipped is not, awkward values survive the quoting,
// and the cleanup at the end undoes exactly the steps that ran. (Test files may spawn /bin/sh; lib/ never does.)

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../lib/blocks/catalog.ts';
import { planContainer, type PreparedContainer } from '../../lib/plan/planner.ts';
import type { Plan, Step } from '../../lib/plan/types.ts';
import { renderStepCommand } from '../../lib/render/script.ts';
import { planNames } from '../../lib/render/names.ts';
import { helloContainer } from './fixtures.ts';

const ROOTS = { root: '/var/lib/glassbox', run: '/run/glassbox' };
import { renderTranscript, type StepStatus } from '../../lib/learn/transcript.ts';

const tmp = mkdtempSync(join(tmpdir(), 'glassbox-transcript-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const step = (s: Partial<Step> & Pick<Step, 'id' | 'kind'>): Step => ({
  block: s.id.split('.')[0]!,
  phase: 'setup',
  title: { en: `step ${s.id}`, zh: `步骤 ${s.id}` },
  why: { en: 'because', zh: '因为' },
  touches: [],
  observe: [],
  needs: [],
  ...s,
});

const syntaxOk = (file: string) => {
  const r = spawnSync('sh', ['-n', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `sh -n ${file}: ${r.stderr}`);
};

// A small plan whose commands are harmless: files in the temp dir.
function smallPlan(dir: string): Plan {
  const paths = { state: dir, run: dir, nsDir: dir, rootfs: dir, upper: dir, work: dir };
  return {
    version: 1,
    info: { id: 'c0ffee', name: 'small', image: 'none', command: [], env: {}, paths },
    steps: [
      step({ id: 'a.dir', kind: 'mkdir', paths: [`${dir}/a`], undo: ['rm', '-rf', `${dir}/a`] }),
      step({ id: 'a.one', kind: 'run', argv: ['touch', `${dir}/a/one`], undo: ['rm', '-f', `${dir}/a/one`] }),
      step({ id: 'a.two', kind: 'run', argv: ['touch', `${dir}/a/two words`], undo: ['rm', '-f', `${dir}/a/two words`] }),
      step({ id: 'b.out', kind: 'write', write: { path: `${dir}/out.txt`, value: "it's $HOME and `x`\nline two" } }),
      step({ id: 'b.skipped', kind: 'write', write: { path: `${dir}/skipped.txt`, value: "several\n\nlines, one of them empty; and a ' quote" } }),
      step({ id: 'c.late', kind: 'run', argv: ['sh', '-c', 'echo "$1" > "$2"', 'sh', 'hello $PATH', `${dir}/late`] }),
    ],
  };
}

test('transcript: a run of it does what the session did, leaves out what it skipped, and cleans up', () => {
  const dir = join(tmp, 'run');
  const plan = smallPlan(dir);
  const status: Record<string, StepStatus> = { 'a.dir': 'ran', 'a.one': 'ran', 'a.two': 'skipped', 'b.out': 'ran', 'b.skipped': 'skipped', 'c.late': 'not-reached' };
  const text = renderTranscript({ plan, lang: 'en', what: 'small.yaml', when: '2026-11-22T00:00:00Z', status: (s) => status[s.id]! });
  const file = join(tmp, 'small.sh');
  writeFileSync(file, text);
  syntaxOk(file);
  assert.match(text, /^#!\/bin\/sh\n# Transcript of `glassbox learn small\.yaml`/);
  // What ran is there, verbatim; what did not is commented out, every line of it.
  assert.ok(text.includes(`\n${renderStepCommand(plan.steps[1]!, planNames(plan))}\n`));
  assert.ok(text.includes(`\n${renderStepCommand(plan.steps[3]!, planNames(plan))}\n`));
  for (const i of [2, 4, 5]) {
    const cmd = renderStepCommand(plan.steps[i]!, planNames(plan));
    assert.ok(!text.includes(`\n${cmd}\n`), `step ${i + 1} is still live`);
    assert.ok(text.includes(cmd.split('\n').map((l) => `# ${l}`).join('\n')), `step ${i + 1} is not kept as a comment`);
  }
  assert.match(text, /# skipped: this step was skipped/);
  assert.match(text, /# not reached: the learn session stopped/);

  const r = spawnSync('sh', [file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), "it's $HOME and `x`\nline two\n");
  assert.equal(existsSync(join(dir, 'a')), false, 'the cleanup removes what the steps made');
  assert.equal(existsSync(join(dir, 'skipped.txt')), false);
  assert.equal(existsSync(join(dir, 'late')), false);
});

test('transcript: a container plan with skipped mounts, and one quit before the start, stay valid sh', async () => {
  const id = 'ab'.repeat(32);
  const c = helloContainer(ROOTS, {
    id,
    name: 'demo',
    lowerDirs: ['/var/lib/glassbox/layers/1111'],
    hostname: 'demo',
    command: ['/bin/sh', '-c', 'echo "it\'s me"\n\necho done'],
    env: { PATH: '/bin' },
  });
  const plan = planContainer(await loadCatalog(), c, { runRoot: '/run/glassbox', runRootReady: false, barrierReady: false, hostDevLinks: true, batchMounts: false, flock: '/usr/bin/flock', seccompLoader: '/usr/lib/glassbox/glassbox-seccomp-load' });
  const start = plan.steps.findIndex((s) => s.kind === 'start');
  const mounts = plan.steps.filter((s) => s.block.startsWith('mount-')).map((s) => s.id);
  assert.ok(mounts.length >= 3, 'learn mode plans one mount command per mount');

  const skipMounts = renderTranscript({ plan, lang: 'zh', what: 'demo.yaml', when: 'now', status: (s) => (mounts.includes(s.id) ? 'skipped' : 'ran') });
  const f1 = join(tmp, 'skip-mounts.sh');
  writeFileSync(f1, skipMounts);
  syntaxOk(f1);
  assert.match(skipMounts, /# skipped：学习时跳过了这一步/);
  assert.match(skipMounts, /\nwait "\$gb_pid" \|\| gb_status=\$\?\n/);

  const quit = renderTranscript({ plan, lang: 'en', what: 'demo.yaml', when: 'now', status: (s) => (plan.steps.indexOf(s) < start - 2 ? 'ran' : 'not-reached') });
  const f2 = join(tmp, 'quit.sh');
  writeFileSync(f2, quit);
  syntaxOk(f2);
  assert.match(quit, /\n# wait "\$gb_pid" \|\| gb_status=\$\?\n/);
  assert.doesNotMatch(quit, /\nexec 3<&0\n/, 'the start block is commented out');
  assert.doesNotMatch(quit, /\ndone\n/);
});
