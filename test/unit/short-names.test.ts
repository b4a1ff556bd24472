// Short names (lib/render/names.ts): plans name long values once (ID=…, RUN=…) and write "$RUN"/ns/net after.
// The proof that this changes nothing: every argv, undo, stdin and file write of real plans is rendered with the
// names, run through sh with the definitions in front, printed back NUL-separated, and compared with the argv the
// executor runs. Plus the brief plan (`plan --brief`, a golden transcript) and its compact JSON.
// Regenerate the goldens with: UPDATE_GOLDEN=1 node --import tsx --test test/unit/short-names.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadCatalog } from '../../lib/blocks/catalog.ts';
import { planContainer, type PlanContext } from '../../lib/plan/planner.ts';
import { RT_CLOSE, RT_OPEN, type Plan } from '../../lib/plan/types.ts';
import { renderBrief } from '../../lib/render/brief.ts';
import { renderPlanJsonBrief } from '../../lib/render/json.ts';
import { findNames, planNames, type ShortName } from '../../lib/render/names.ts';
import { nameDefinitions, renderArg, shellVar, shJoin } from '../../lib/render/quote.ts';
import { renderScript, renderStepCommand } from '../../lib/render/script.ts';
import { helloContainer } from './fixtures.ts';

const ROOTS = { root: '/var/lib/glassbox', run: '/run/glassbox' };
const catalog = await loadCatalog();
const CTX: PlanContext = { runRoot: '/run/glassbox', runRootReady: false, barrierReady: false, hostDevLinks: true, flock: '/usr/bin/flock', seccompLoader: '/usr/lib/glassbox/glassbox-seccomp-load' };
const V1 = {
  version: 'v1' as const,
  hierarchies: Object.fromEntries(['cpu', 'cpuacct', 'memory', 'devices', 'freezer', 'pids'].map((c) => [c, `/sys/fs/cgroup/${c}`])),
  controllers: [],
  swapAccounting: true,
  cpusetCpus: '0-3',
  cpusetMems: '0',
};
const V2 = { version: 'v2' as const, hierarchies: {}, root: '/sys/fs/cgroup', controllers: ['cpu', 'memory', 'pids'], swapAccounting: true };
const PID = { pid: '4242', pid1: '4243' };

const plans: Array<[string, Plan]> = [
  ['hello', planContainer(catalog, helloContainer(ROOTS), CTX)],
  ['hello, one mount per step (learn mode)', planContainer(catalog, helloContainer(ROOTS), { ...CTX, batchMounts: false })],
  ['cgroup v1 limits', planContainer(catalog, helloContainer(ROOTS, { resources: { memory: 64 << 20, cpus: 0.5, pids: 64 } }), { ...CTX, cgroup: V1 })],
  ['cgroup v2 limits', planContainer(catalog, helloContainer(ROOTS, { resources: { memory: 64 << 20, cpus: 1.5 } }), { ...CTX, cgroup: V2 })],
];

// The argv with runtime references replaced by the values the test's shell gives them.
const bound = (a: string) => a.replace(new RegExp(`${RT_OPEN.replace('{', '\\{')}(\\w+)${RT_CLOSE.replace('}', '\\}')}`, 'g'), (_m, n: string) => PID[n as keyof typeof PID]);

// Runs `words` (shell text, one word per entry) through sh after the definitions; returns the words as sh sees them.
function throughSh(defs: string[], words: string[]): string[] {
  const script = [...defs, `gb_pid=${PID.pid}`, `gb_pid1=${PID.pid1}`, `printf '%s\\0' ${words.join(' ')}`].join('\n');
  const r = spawnSync('/bin/sh', ['-euc', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\0').slice(0, -1);
}

for (const [what, plan] of plans) {
  test(`short names: every command of the ${what} plan expands to the argv that runs`, () => {
    const names = planNames(plan);
    assert.ok(names.some((n) => n.name === 'ID') && names.some((n) => n.name === 'RUN'), 'the plan names its ID and run dir');
    const defs = nameDefinitions(names);
    let compared = 0;
    for (const s of [...plan.steps, ...(plan.teardown ?? [])]) {
      const lists = [s.argv, s.undo, s.paths, s.write && [s.write.path, s.write.value], s.stdin !== undefined ? [s.stdin] : undefined];
      for (const list of lists) {
        if (!list?.length) continue;
        const shown = list.map((a) => renderArg(a, shellVar, names));
        assert.deepEqual(throughSh(defs, shown), list.map(bound), `${s.id}: ${shown.join(' ')}`);
        compared++;
      }
    }
    assert.ok(compared > 20, `compared ${compared} commands`);
    // And the short form is shorter: no line of the plan script spells the ID out but its definition.
    const text = renderScript(plan, { lang: 'en', mode: 'plan', glassboxVersion: 'test' });
    const id = plan.info.id;
    const spelled = text.split('\n').filter((l) => l.includes(id) && !l.startsWith('#'));
    assert.deepEqual(spelled, [`ID=${id}`]);
  });
}

test('short names: values with quotes, spaces, $ and globs survive, also in command position and next to text', () => {
  const names: ShortName[] = [
    { name: 'TOP', value: "/tmp/it's a $HOME *dir*" },
    { name: 'SUB', value: "/tmp/it's a $HOME *dir*/x=1" },
    { name: 'ID', value: 'abcdef0123456789' },
  ];
  const defs = nameDefinitions(names);
  assert.equal(defs[1], 'SUB="$TOP"/x=1');
  const argv = ["/tmp/it's a $HOME *dir*/x=1/bin/sh", '-c', "echo /tmp/it's a $HOME *dir*abcdef0123456789", 'abcdef0123456789', 'FOO=abcdef0123456789', ''];
  const line = shJoin(argv, shellVar, names);
  assert.match(line, /^"\$SUB"\/bin\/sh /);
  const r = spawnSync('/bin/sh', ['-euc', [...defs, `set -- ${line}`, `printf '%s\\0' "$@"`].join('\n')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\0').slice(0, -1), argv);
  // In command position a bare NAME= word followed by a variable would be an assignment: it is quoted.
  assert.equal(shJoin(['FOO=abcdef0123456789'], shellVar, names), `'FOO='"$ID"`);
  assert.deepEqual(findNames('xabcdef0123456789y', names), [{ text: 'x' }, { name: 'ID' }, { text: 'y' }]);
});

for (const lang of ['en', 'zh'] as const) {
  test(`plan --brief: the hello plan, one line per step under section headings (${lang}, golden)`, () => {
    const plan = plans[0]![1];
    const text = renderBrief(plan, lang);
    const golden = new URL(`./golden/hello-brief.${lang}.txt`, import.meta.url);
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
    assert.equal(text, readFileSync(golden, 'utf8'));
    const stepLines = text.split('\n').filter((l) => /^\s*\d+ {2}/.test(l));
    assert.equal(stepLines.length, plan.steps.length);
    assert.ok(text.split('\n').length <= plan.steps.length + 20, 'about a screen');
  });
}

test('plan --brief --format json: compact, one step per line, the exact argv kept', () => {
  const plan = plans[0]![1];
  const json = renderPlanJsonBrief(plan, 'en');
  const data = JSON.parse(json) as { brief: boolean; names: Record<string, string>; steps: Array<{ n: number; id: string; section?: string; command: string; argv?: string[] }> };
  assert.equal(data.brief, true);
  assert.equal(data.names.ID, plan.info.id);
  assert.equal(data.steps.length, plan.steps.length);
  assert.equal(json.split('\n').length, plan.steps.length + 3);
  for (const [i, s] of data.steps.entries()) {
    assert.equal(s.id, plan.steps[i]!.id);
    assert.equal(s.command, renderStepCommand(plan.steps[i]!, planNames(plan)).replaceAll(RT_OPEN, '').replaceAll(RT_CLOSE, ''));
    assert.ok(s.section, `${s.id} has a section`);
  }
});

test('--verbose prints each command in the same short form as the plan, after the names', async () => {
  const { enableTrace, setTraceNames, traceCommand } = await import('../../lib/cli/output.ts');
  const plan = plans[0]![1];
  const names = planNames(plan);
  const step = plan.steps.find((s) => s.argv?.some((a) => a.includes(plan.info.paths.run)))!;
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((s: string) => (written.push(s), true)) as typeof process.stderr.write;
  try {
    enableTrace(true);
    setTraceNames(names);
    traceCommand({ argv: step.argv!, exitCode: 0, stdout: '', stderr: '', durationMs: 1 });
  } finally {
    process.stderr.write = write;
  }
  const text = written.join('');
  assert.ok(text.includes(`ID=${plan.info.id}`), text);
  assert.ok(text.includes(shJoin(step.argv!, shellVar, names)), text);
  assert.ok(!text.split('\n').at(-2)!.includes(plan.info.id), 'the command line does not spell the ID out');
});
