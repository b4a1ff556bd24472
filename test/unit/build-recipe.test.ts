// A recipe's build: section → the same BuildFile a Dockerfile gives, with positioned, strict errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlassboxErrors } from '../../lib/errors.ts';
import { parseYaml } from '../../lib/recipe/yamlpos.ts';
import { parseRecipeBuild } from '../../lib/build/recipe-build.ts';
import { parseDockerfile } from '../../lib/build/dockerfile.ts';
import { substitute } from '../../lib/build/substitute.ts';

const FIX = join(import.meta.dirname, '../fixtures/build');
const build = (text: string, file = 'r.yaml') => {
  const y = parseYaml(text, file);
  return parseRecipeBuild((y.value as { build: unknown }).build, y, file);
};
const errorsOf = (text: string): string[] => {
  try {
    build(text);
  } catch (e) {
    assert.ok(e instanceof GlassboxErrors, String(e));
    return e.errors.map((x) => x.format());
  }
  assert.fail('expected errors');
};
const strip = (b: ReturnType<typeof build>, i: number) => b.stages[i]!.steps.map(({ pos: _p, text: _t, ...rest }) => rest);

test('every instruction, from the fixture', () => {
  const b = build(readFileSync(join(FIX, 'recipe-build.yaml'), 'utf8'), 'recipe-build.yaml');
  assert.equal(b.file, 'recipe-build.yaml');
  assert.equal(b.escape, '\\');
  assert.deepEqual(b.globalArgs, [{ name: 'VERSION', default: '1.2' }, { name: 'DEBUG' }]);
  assert.deepEqual(b.stages.map((s) => [s.index, s.from, s.name, s.platform, `${s.pos.line}:${s.pos.col}`]), [[0, 'golang:${VERSION}', 'builder', undefined, '6:7'], [1, 'glassbox/base', undefined, 'linux/amd64', '12:7']]);
  assert.deepEqual(strip(b, 0), [{ kind: 'workdir', path: '/src' }, { kind: 'copy', sources: ['go.mod', '*.go'], dest: '/src/' }, { kind: 'run', shell: 'go build -o /out/app .' }]);
  const s1 = strip(b, 1);
  assert.deepEqual(s1, [
    { kind: 'copy', sources: ['/out/app'], dest: '/app', from: 'builder', chown: '1000', chmod: '0755' },
    { kind: 'add', sources: ['https://example.com/a.tgz'], dest: '/opt/' },
    { kind: 'env', pairs: [['A', '1'], ['MSG', 'say \\"hi\\" $A'], ['N', '3']] },
    { kind: 'label', pairs: [['org.example.team', 'web']] },
    { kind: 'arg', args: [{ name: 'TARGETOS' }, { name: 'TARGETARCH' }] },
    { kind: 'arg', args: [{ name: 'MODE', default: 'prod' }, { name: 'EXTRA' }] },
    { kind: 'user', user: '1000:1000' },
    { kind: 'expose', ports: ['8080', '53/udp'] },
    { kind: 'volume', paths: ['/data'] },
    { kind: 'stopsignal', signal: 'SIGINT' },
    { kind: 'shell', exec: ['/bin/bash', '-c'] },
    { kind: 'healthcheck', test: ['curl', '-f', 'http://localhost/'], interval: '30s', startPeriod: '5s', retries: '3' },
    { kind: 'healthcheck', none: true },
    { kind: 'entrypoint', exec: ['/app'] },
    { kind: 'cmd', exec: ['--port', '8080'] },
    { kind: 'cmd', shell: 'serve --fast' },
  ]);
  // YAML values are literal, variables still expand.
  const env = s1[2]!;
  assert.equal(env.kind === 'env' && substitute(env.pairs[1]![1], { A: 'x' }), 'say "hi" x');
  const steps = b.stages[1]!.steps;
  assert.deepEqual(steps[0]!.pos, { file: 'recipe-build.yaml', line: 15, col: 11 });
  assert.deepEqual(steps.map((s) => s.text).slice(0, 3), ['COPY --from=builder --chown=1000 --chmod=0755 /out/app /app', 'ADD https://example.com/a.tgz /opt/', 'ENV A=1 MSG="say \\"hi\\" $A" N=3']);
  assert.equal(steps[11]!.text, 'HEALTHCHECK --interval=30s --start-period=5s --retries=3 CMD ["curl","-f","http://localhost/"]');
});

test('the same build as a Dockerfile and as YAML gives the same steps', () => {
  const d = parseDockerfile('FROM alpine AS b\nWORKDIR /app\nRUN make\nENV A=1\nCOPY --from=b a /x\nCMD ["app"]\n', 'Dockerfile');
  const r = build('build:\n  stages:\n    - from: alpine\n      as: b\n      steps:\n        - workdir: /app\n        - run: make\n        - env: {A: "1"}\n        - copy: {from: b, src: a, dest: /x}\n        - cmd: [app]\n');
  const norm = (b: typeof d) => b.stages.map((s) => ({ from: s.from, name: s.name, steps: s.steps.map(({ pos: _p, ...rest }) => rest) }));
  assert.deepEqual(norm(r), norm(d));
});

test('strict: unknown keys with did-you-mean, one instruction a step, required fields, types — each at its place', () => {
  assert.deepEqual(errorsOf('build:\n  stages:\n    - from: a\n      stpes: []\n'), ['r.yaml:4:7: build.stages.0.stpes: unknown key "stpes" in build (did you mean "steps"?)']);
  assert.deepEqual(errorsOf('build:\n  stages:\n    - from: a\n      steps:\n        - rn: make\n'), ['r.yaml:5:11: build.stages.0.steps.0.rn: unknown key "rn" in build (did you mean "run"?)']);
  assert.deepEqual(errorsOf('build:\n  stages:\n    - from: a\n      steps:\n        - {run: make, env: {A: "1"}}\n'), ['r.yaml:5:11: build.stages.0.steps.0: one instruction a step, got run and env']);
  assert.deepEqual(errorsOf('build:\n  stages:\n    - from: a\n      steps:\n        - {}\n'), ['r.yaml:5:11: build.stages.0.steps.0: a step needs an instruction (run, copy, env…)']);
  assert.deepEqual(errorsOf('build:\n  stages:\n    - from: a\n      steps:\n        - copy: {src: a}\n'), ['r.yaml:5:17: build.stages.0.steps.0.copy.dest: is required (expected string)']);
  assert.deepEqual(errorsOf('build:\n  stages:\n    - from: a\n      steps:\n        - add: {from: x, src: a, dest: /b}\n'), ['r.yaml:5:17: build.stages.0.steps.0.add.from: unknown key "from" in build (known keys: src, dest, chown, chmod)']);
  assert.deepEqual(errorsOf('build:\n  stages: []\n'), ['r.yaml:2:11: build.stages: Too small: expected array to have >=1 items']);
  assert.deepEqual(errorsOf('build:\n  stages:\n    - as: x\n'), ['r.yaml:3:7: build.stages.0.from: is required (expected string)']);
  assert.deepEqual(errorsOf('build:\n  stages:\n    - from: a\n      as: 9x\n'), ['r.yaml:4:11: build.stages.0.as: a stage name is letters, digits and - _ . starting with a letter']);
  assert.deepEqual(errorsOf('build:\n  stages:\n    - from: a\n      steps:\n        - healthcheck: {cmd: x, retries: -1}\n'), ['r.yaml:5:42: build.stages.0.steps.0.healthcheck.retries: Too small: expected number to be >=0']);
  assert.deepEqual(errorsOf('build:\n  stages:\n    - from: a\n      steps:\n        - env: {A: [1]}\n'), ['r.yaml:5:20: build.stages.0.steps.0.env.A: expected string, got array']);
  assert.deepEqual(errorsOf('build:\n  stages:\n    - from: a\n  arg: {}\n'), ['r.yaml:4:3: build.arg: unknown key "arg" in build (did you mean "args"?)']);
});

test('duplicate stage names (compared lowercased), at the second as:', () => {
  assert.deepEqual(errorsOf('build:\n  stages:\n    - {from: a, as: X}\n    - {from: b, as: x}\n'), ['r.yaml:4:21: build.stages.1.as: duplicate stage name "x" (stage 0 has the same name)']);
});
