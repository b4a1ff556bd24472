// Building blocks: (a) every shipped block loads and explains every step in both languages; (b) expansion of
// small synthetic blocks — placeholders, directives, step conditions and ordering — and the guarantee that a
// value can never become more (or fewer) argv elements than the block wrote; (c) the loader's diagnostics, with
// positions. Synthetic blocks are written as YAML template literals to a temp dir; the first line after the
// opening backtick is line 1, so positions can be counted by eye.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandBlock, type Params } from '../../lib/blocks/expand.ts';
import { defaultBlocksDir, loadCatalog, type Catalog } from '../../lib/blocks/catalog.ts';
import { loadBlockFile, loadCatalogFromYaml } from '../../lib/blocks/load.ts';
import { GlassboxError, GlassboxErrors } from '../../lib/errors.ts';
import type { Step } from '../../lib/plan/types.ts';

const tmp = mkdtempSync(join(tmpdir(), 'glassbox-blocks-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const CJK = /[\u4e00-\u9fff]/;
const yaml = (s: string) => s.replace(/^\n/, '');

let fileCount = 0;
// Writes a block file to the temp dir and returns its path.
function blockFile(text: string, name = `b${++fileCount}`): string {
  const file = join(tmp, `${name}.yaml`);
  writeFileSync(file, yaml(text));
  return file;
}

// A catalog holding the given synthetic blocks.
function catalogOf(...texts: string[]): Catalog {
  const catalog: Catalog = new Map();
  for (const t of texts) {
    const b = loadBlockFile(blockFile(t));
    catalog.set(b.block, b);
  }
  return catalog;
}

// --- (a) the shipped blocks ---------------------------------------------------------------------------------

test('blocks: every block in recipes/blocks loads, and every step says what and why in en and zh', () => {
  // From the YAML files themselves, not from a compiled dist/blocks.json.
  const catalog = loadCatalogFromYaml(defaultBlocksDir());
  assert.ok(catalog.size >= 5, `only ${catalog.size} blocks`);
  let steps = 0;
  for (const [name, block] of catalog) {
    assert.equal(block.block, name);
    for (const lang of ['en', 'zh'] as const) assert.ok(block.summary[lang].trim(), `${name}: summary.${lang}`);
    assert.match(block.summary.zh, CJK, `${name}: summary.zh has no Chinese`);
    for (const step of block.steps) {
      const where = `${name}.${step.id}`;
      for (const lang of ['en', 'zh'] as const) {
        assert.ok(step.title[lang].trim().length > 0, `${where}: empty title.${lang}`);
        assert.ok(step.why[lang].trim().length > 0, `${where}: empty why.${lang}`);
      }
      assert.match(step.title.zh, CJK, `${where}: title.zh has no Chinese`);
      assert.match(step.why.zh, CJK, `${where}: why.zh has no Chinese`);
      assert.notEqual(step.title.en, step.title.zh, `${where}: title not translated`);
      assert.notEqual(step.why.en, step.why.zh, `${where}: why not translated`);
      steps++;
    }
  }
  assert.ok(steps >= 10, `only ${steps} steps`);
});

test('blocks: loadCatalog gives the same blocks as the YAML files, once per process', async () => {
  const catalog = await loadCatalog();
  assert.equal(await loadCatalog(), catalog);
  assert.deepEqual(catalog, loadCatalogFromYaml(defaultBlocksDir()));
});

// --- (b) expansion ------------------------------------------------------------------------------------------

const DEMO = `
block: demo
summary: {en: A demo block, zh: 演示用的块}
params:
  name: {type: string}
  other: {type: string, optional: true}
  flag: {type: bool}
  opts: {type: list}
  cmd: {type: list}
  dir: {type: path}
  count: {type: int, optional: true}
steps:
  - id: one
    title: {en: "Greet {{name}} with {{opts}}", zh: "问候 {{name}}"}
    why: {en: "Because {{other}}.", zh: 因为}
    run:
      - echo
      - "pre-{{name}}-post"
      - "{{ name }}"
      - {each: opts, arg: "--opt={{item}}"}
      - {each: opts, args: [-o, "{{item}}"]}
      - {if: flag, arg: --flag}
      - {unless: flag, arg: --no-flag}
      - {if: other, args: [--other, "{{other}}"]}
      - {unless: other, args: [--no-other]}
      - --
      - {splice: cmd}
    stdin: "name={{name}}\\n"
    undo: [rm, "{{dir}}/{{name}}"]
    observe:
      - [ls, "{{dir}}"]
  - id: two
    title: {en: Write, zh: 写入}
    why: {en: Write it, zh: 写入它}
    write: {path: "{{dir}}/file", value: "{{name}}"}
`;

const demo = catalogOf(DEMO);
const base: Params = { name: 'web', flag: false, opts: [], cmd: [], dir: '/srv' };
const one = (params: Params): Step => expandBlock(demo, { block: 'demo', as: 'd', params })[0]!;

const argvTable: Array<{ name: string; params: Params; argv: string[] }> = [
  {
    name: 'plain values, empty lists, flag off, no optional',
    params: base,
    argv: ['echo', 'pre-web-post', 'web', '--no-flag', '--no-other', '--'],
  },
  {
    name: '{each} with arg and args, {if} on, {if} optional set, {splice}',
    params: { ...base, flag: true, other: 'x', opts: ['a', 'b'], cmd: ['sh', '-c', 'echo $HOME'] },
    argv: ['echo', 'pre-web-post', 'web', '--opt=a', '--opt=b', '-o', 'a', '-o', 'b', '--flag', '--other', 'x', '--', 'sh', '-c', 'echo $HOME'],
  },
  {
    name: 'an empty string counts as unset',
    params: { ...base, other: '' },
    argv: ['echo', 'pre-web-post', 'web', '--no-flag', '--no-other', '--'],
  },
  {
    name: 'shell metacharacters stay inside one element',
    params: { ...base, name: `a b; rm -rf / $(id) '"` },
    argv: ['echo', `pre-a b; rm -rf / $(id) '"-post`, `a b; rm -rf / $(id) '"`, '--no-flag', '--no-other', '--'],
  },
  {
    name: 'a value holding {{other}} is not expanded again',
    params: { ...base, name: '{{other}}', other: 'SECRET' },
    argv: ['echo', 'pre-{{other}}-post', '{{other}}', '--no-flag', '--other', 'SECRET', '--'],
  },
  {
    name: 'list items with spaces stay one element each ({each} and {splice})',
    params: { ...base, opts: ['x y', ''], cmd: ['two words', '', "it's"] },
    argv: ['echo', 'pre-web-post', 'web', '--opt=x y', '--opt=', '-o', 'x y', '-o', '', '--no-flag', '--no-other', '--', 'two words', '', "it's"],
  },
  {
    name: 'newlines and NUL-free control characters stay inside the element',
    params: { ...base, name: 'line1\nline2\t$PATH' },
    argv: ['echo', 'pre-line1\nline2\t$PATH-post', 'line1\nline2\t$PATH', '--no-flag', '--no-other', '--'],
  },
];

for (const row of argvTable) {
  test(`expand: ${row.name}`, () => {
    assert.deepEqual(one(row.params).argv, row.argv);
  });
}

test('expand: every field of a step is substituted, and ids are prefixed with the instance name', () => {
  const steps = expandBlock(demo, { block: 'demo', as: 'd', params: { ...base, name: 'a b', other: 'o' } });
  assert.deepEqual(
    steps.map((s) => s.id),
    ['d.one', 'd.two'],
  );
  const [s1, s2] = steps as [Step, Step];
  assert.equal(s1.block, 'd');
  assert.equal(s1.kind, 'run');
  assert.equal(s1.phase, 'setup');
  assert.deepEqual(s1.title, { en: 'Greet a b with ', zh: '问候 a b' });
  assert.deepEqual(s1.why, { en: 'Because o.', zh: '因为' });
  assert.equal(s1.stdin, 'name=a b\n');
  assert.deepEqual(s1.undo, ['rm', '/srv/a b']);
  assert.deepEqual(s1.observe, [['ls', '/srv']]);
  assert.equal(s2.kind, 'write');
  assert.deepEqual(s2.write, { path: '/srv/file', value: 'a b' });
  assert.equal(s2.argv, undefined);
});

test('expand: in titles a list reads as words and a missing value as nothing', () => {
  const s = one({ ...base, opts: ['a', 'b'] });
  assert.equal(s.title.en, 'Greet web with a b');
  assert.equal(s.why.en, 'Because .');
});

test('expand: a list value in a string element is refused, never split', () => {
  const catalog = catalogOf(`
block: listy
summary: {en: L, zh: 列表}
params:
  opts: {type: list}
steps:
  - id: a
    title: {en: A, zh: 甲}
    why: {en: A, zh: 甲}
    run: [echo, "--opts={{opts}}"]
`);
  assert.throws(
    () => expandBlock(catalog, { block: 'listy', as: 'l', params: { opts: ['a', 'b'] } }),
    (e: unknown) => e instanceof GlassboxError && e.message === 'placeholder {{opts}} is a list; use {each: opts, arg: …} or {splice: opts}',
  );
});

test('expand: parameters are checked against their declared types', () => {
  const bad = (params: Params, message: string) =>
    assert.throws(
      () => expandBlock(demo, { block: 'demo', as: 'd', params }),
      (e: unknown) => e instanceof GlassboxError && e.message === message,
    );
  const { name: _name, ...noName } = base;
  bad(noName, 'block demo (d): parameter name is missing');
  bad({ ...base, flag: 'yes' }, 'block demo (d): parameter flag must be a bool, got "yes"');
  bad({ ...base, opts: 'a' }, 'block demo (d): parameter opts must be a list, got "a"');
  bad({ ...base, dir: 'srv' }, 'block demo (d): parameter dir must be an absolute path, got "srv"');
  bad({ ...base, count: 1.5 }, 'block demo (d): parameter count must be an int, got 1.5');
  bad({ ...base, name: 'a\u0000b' }, 'block demo (d): parameter name contains a NUL byte');
  bad({ ...base, nope: 1 }, 'block demo (d) has no parameter nope');
  assert.throws(
    () => expandBlock(demo, { block: 'nosuch', as: 'n', params: {} }),
    (e: unknown) => e instanceof GlassboxError && e.format() === 'no block named nosuch (blocks: demo)',
  );
});

// Step-level conditions, loops and ordering.
const FLOW = `
block: flow
summary: {en: Flow, zh: 流程}
params:
  flag: {type: bool}
  users: {type: list}
steps:
  - id: a
    title: {en: A, zh: 甲}
    why: {en: A, zh: 甲}
    run: [a]
  - id: b
    if: flag
    title: {en: B, zh: 乙}
    why: {en: B, zh: 乙}
    run: [b]
  - id: c
    unless: flag
    title: {en: C, zh: 丙}
    why: {en: C, zh: 丙}
    run: [c]
  - id: d
    each: users
    title: {en: "Add {{item.name}}", zh: "添加 {{item.name}}"}
    why: {en: D, zh: 丁}
    run: [useradd, "--uid={{item.uid}}", "{{item.name}}"]
  - id: e
    needs: [a]
    title: {en: E, zh: 戊}
    why: {en: E, zh: 戊}
    run: [e]
  - id: f
    title: {en: F, zh: 己}
    why: {en: F, zh: 己}
    phase: boot
    run: [f]
  - id: g
    needs: []
    title: {en: G, zh: 庚}
    why: {en: G, zh: 庚}
    run: [g]
  - id: h
    needs: [b, d]
    title: {en: H, zh: 辛}
    why: {en: H, zh: 辛}
    run: [h]
`;
const flow = catalogOf(FLOW);
const USERS = [
  { name: 'ann', uid: 1000 },
  { name: 'bob; id', uid: 1001 },
];

// Expands the flow block and returns `id ← needs` lines, easy to compare.
function flowOf(params: Params, after?: string[]): string[] {
  return expandBlock(flow, { block: 'flow', as: 'x', params, after }).map((s) => `${s.id} ← ${s.needs.join(' ')}`.trimEnd());
}

const flowTable: Array<{ name: string; params: Params; after?: string[]; want: string[] }> = [
  {
    name: 'flag on, two users, waiting for an earlier instance',
    params: { flag: true, users: USERS },
    after: ['prev.last'],
    want: [
      'x.a ← prev.last',
      'x.b ← x.a',
      'x.d-0 ← x.b',
      'x.d-1 ← x.b',
      'x.e ← prev.last x.a',
      'x.f ← x.e',
      'x.g ← prev.last',
      'x.h ← prev.last x.b x.d-0 x.d-1',
    ],
  },
  {
    name: 'flag off: c replaces b; needs on a skipped step is dropped',
    params: { flag: false, users: USERS },
    want: ['x.a ←', 'x.c ← x.a', 'x.d-0 ← x.c', 'x.d-1 ← x.c', 'x.e ← x.a', 'x.f ← x.e', 'x.g ←', 'x.h ← x.d-0 x.d-1'],
  },
  {
    name: 'an empty each list makes no step, and the next step waits for the last one made',
    params: { flag: true, users: [] },
    want: ['x.a ←', 'x.b ← x.a', 'x.e ← x.a', 'x.f ← x.e', 'x.g ←', 'x.h ← x.b'],
  },
];

for (const row of flowTable) {
  test(`expand flow: ${row.name}`, () => {
    assert.deepEqual(flowOf(row.params, row.after), row.want);
  });
}

test('expand flow: each substitutes {{item.field}} per item, phase comes from the block', () => {
  const steps = expandBlock(flow, { block: 'flow', as: 'x', params: { flag: true, users: USERS } });
  const d1 = steps.find((s) => s.id === 'x.d-1')!;
  assert.deepEqual(d1.argv, ['useradd', '--uid=1001', 'bob; id']);
  assert.deepEqual(d1.title, { en: 'Add bob; id', zh: '添加 bob; id' });
  assert.equal(steps.find((s) => s.id === 'x.f')!.phase, 'boot');
  assert.equal(steps.find((s) => s.id === 'x.a')!.phase, 'setup');
});

// --- (c) loader diagnostics ---------------------------------------------------------------------------------

const HEAD = `
block: bad
summary: {en: Bad, zh: 坏}
params:
  name: {type: string}
steps:
`;

// Loads a block file that must fail; returns its messages with the temp path replaced by FILE.
function loadErrors(text: string): string[] {
  const file = blockFile(text, 'bad');
  try {
    loadBlockFile(file);
  } catch (e) {
    if (e instanceof GlassboxErrors) return e.errors.map((x) => x.format().replaceAll(file, 'FILE'));
    if (e instanceof GlassboxError) return [e.format().replaceAll(file, 'FILE')];
    throw e;
  }
  assert.fail('the block was accepted');
}

const loaderTable: Array<{ name: string; text: string; want: string[] }> = [
  {
    name: 'an undeclared placeholder',
    text: `${HEAD}
  - id: a
    title: {en: A, zh: 甲}
    why: {en: A, zh: 甲}
    run: [echo, "{{nme}}"]
`,
    // HEAD fills lines 1-5 and the newline after ${HEAD} leaves line 6 empty: the first step starts on line 7.
    want: ['FILE:10:10: steps.0.run: placeholder {{nme}} names no parameter (declare it under params)'],
  },
  {
    name: '{{item}} outside an each',
    text: `${HEAD}
  - id: a
    title: {en: A, zh: 甲}
    why: {en: A, zh: 甲}
    run: [echo, "{{item}}"]
`,
    want: ['FILE:10:10: steps.0.run: placeholder {{item}} names no parameter (declare it under params)'],
  },
  {
    name: 'an unknown step key, with did-you-mean',
    text: `${HEAD}
  - id: a
    title: {en: A, zh: 甲}
    why: {en: A, zh: 甲}
    run: [echo]
    neds: [x]
`,
    want: ['FILE:11:5: steps.0.neds: unknown key "neds" in block (did you mean "needs"?)'],
  },
  {
    name: 'needs naming a later step',
    text: `${HEAD}
  - id: a
    title: {en: A, zh: 甲}
    why: {en: A, zh: 甲}
    needs: [b]
    run: [echo]
  - id: b
    title: {en: B, zh: 乙}
    why: {en: B, zh: 乙}
    run: [echo]
`,
    want: ['FILE:10:12: steps.0.needs: needs "b", which is not an earlier step'],
  },
  {
    name: 'a duplicate step id',
    text: `${HEAD}
  - id: a
    title: {en: A, zh: 甲}
    why: {en: A, zh: 甲}
    run: [echo]
  - id: a
    title: {en: B, zh: 乙}
    why: {en: B, zh: 乙}
    run: [echo]
`,
    want: ['FILE:11:9: steps.1.id: duplicate step id a'],
  },
  {
    name: 'a run step without run',
    text: `${HEAD}
  - id: a
    title: {en: A, zh: 甲}
    why: {en: A, zh: 甲}
    touches: [file]
`,
    want: ['FILE:7:9: steps.0: a run step needs "run" and none of the others'],
  },
  {
    name: 'a step id that is not lowercase words',
    text: `${HEAD}
  - id: A_b
    title: {en: A, zh: 甲}
    why: {en: A, zh: 甲}
    run: [echo]
`,
    want: ['FILE:7:9: steps.0.id: step ids are lowercase words joined by -'],
  },
  {
    name: 'a directive naming no parameter',
    text: `${HEAD}
  - id: a
    title: {en: A, zh: 甲}
    why: {en: A, zh: 甲}
    run: [echo, {each: nmes, arg: "{{item}}"}]
`,
    want: ['FILE:10:10: steps.0.run: "nmes" names no parameter'],
  },
  {
    name: 'a missing why.zh',
    text: `${HEAD}
  - id: a
    title: {en: A, zh: 甲}
    why: {en: A}
    run: [echo]
`,
    want: ['FILE:9:10: steps.0.why.zh: is required (expected string)'],
  },
];

test('block error: a bad role or undo_retry names the allowed values; undo_retry needs an undo', () => {
  const step = (extra: string) => `${HEAD}
  - id: a
    title: {en: A, zh: 甲}
    why: {en: A, zh: 甲}
    run: [mkdir, /x]
${extra}`;
  assert.deepEqual(loadErrors(step('    role: opener\n    undo: [rmdir, /x]\n    undo_retry: always\n')), [
    'FILE:11:11: steps.0.role: not a step role (one of: start, release, hold, dirs, helpers, detach, teardown, anon-volumes)',
    'FILE:13:17: steps.0.undo_retry: not a retry policy (one of: while-busy)',
  ]);
  assert.deepEqual(loadErrors(step('    undo_retry: while-busy\n')), ['FILE:11:17: steps.0.undo_retry: undo_retry is a policy for the undo, and the step has no undo']);
});

test('expand: role and undo_retry become the step fields role and undoRetry', () => {
  const file = blockFile(`
block: fields
summary: {en: F, zh: 字}
steps:
  - id: a
    title: {en: A, zh: 甲}
    why: {en: A, zh: 甲}
    role: release
    run: [mkdir, /x]
    undo: [rmdir, /x]
    undo_retry: while-busy
  - id: b
    title: {en: B, zh: 乙}
    why: {en: B, zh: 乙}
    run: ["true"]
`);
  const block = loadBlockFile(file);
  const [a, b] = expandBlock(new Map([['fields', block]]) as Catalog, { block: 'fields', as: 'f', params: {} });
  assert.equal(a!.role, 'release');
  assert.equal(a!.undoRetry, 'while-busy');
  assert.equal(b!.role, undefined);
  assert.equal(b!.undoRetry, undefined);
});

for (const row of loaderTable) {
  test(`block error: ${row.name}`, () => {
    assert.deepEqual(loadErrors(row.text), row.want);
  });
}

test('block error: the catalog reports every broken file together', () => {
  const dir = mkdtempSync(join(tmp, 'catalog-'));
  const step = `  - id: a\n    title: {en: A, zh: 甲}\n    why: {en: A, zh: 甲}\n`;
  writeFileSync(join(dir, 'one.yaml'), `block: one\nsummary: {en: O, zh: 一}\nsteps:\n${step}    run: [echo, "{{x}}"]\n`);
  writeFileSync(join(dir, 'two.yaml'), `block: two\nsummary: {en: T, zh: 二}\nsteps:\n${step}    rn: [echo]\n`);
  writeFileSync(join(dir, 'ignored.txt'), 'not a block');
  try {
    loadCatalogFromYaml(dir);
    assert.fail('accepted');
  } catch (e) {
    assert.ok(e instanceof GlassboxErrors);
    assert.deepEqual(
      e.errors.map((x) => x.format().replaceAll(dir, 'DIR')),
      [
        'DIR/one.yaml:7:10: steps.0.run: placeholder {{x}} names no parameter (declare it under params)',
        'DIR/two.yaml:7:5: steps.0.rn: unknown key "rn" in block (did you mean "run"?)',
      ],
    );
  }
});
