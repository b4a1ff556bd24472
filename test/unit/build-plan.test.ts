// `glassbox build --plan`'s text (lib/render/build.ts): a BuildPlan made of real block steps renders each
// instruction under buildah's STEP heading — the stage's image, a CACHED step that runs nothing, the config fields
// an instruction changes, a COPY's member lists and tar commands with their undos, the layer still to be made
// named by its step — in English and Chinese, and as JSON. Pure: no root, no store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCatalog } from '../../lib/blocks/catalog.ts';
import { expandBlock } from '../../lib/blocks/expand.ts';
import type { BuildPlan } from '../../lib/build/model.ts';
import { renderBuildPlan } from '../../lib/render/build.ts';

const head = (n: number, text: string) => ({ stage: 1, stages: 1, n, total: 5, text });

async function samplePlan(): Promise<BuildPlan> {
  const catalog = await loadCatalog();
  const copy = expandBlock(catalog, {
    block: 'build-copy',
    as: 'build-copy',
    params: { layer: '/s/tmp-X/layer-1', copies: [{ dir: '/ctx', list: '/s/tmp-X/copy-0.list', tar: '/s/tmp-X/copy.tar-2', dest: '/s/tmp-X/layer-1/app/' }], extract: [], owner: '1000', group: '1000' } as never,
  });
  const layer = expandBlock(catalog, { block: 'layer-unpack', as: 'copy-unpack', params: { dir: '/s/tmp-Y', tarfile: '/s/tmp-X/copy.tar-3', gzip: false, whiteouts: [], opaque: [], parents: [] } });
  return {
    steps: [
      { ...head(1, 'FROM glassbox/base'), kind: 'from', image: 'sha256:' + 'ab'.repeat(32) },
      { ...head(2, 'ARG WHO=world'), kind: 'config', changed: { args: { WHO: 'world' } } },
      { ...head(3, 'RUN make'), kind: 'cached', image: 'sha256:' + 'cd'.repeat(32) },
      { ...head(4, 'COPY --chown=1000:1000 hello.txt /app/'), kind: 'copy', lists: [{ file: '/s/tmp-X/copy-0.list', members: ['hello.txt'] }], steps: copy, layer },
      { ...head(5, 'CMD ["hello"]'), kind: 'config', changed: { Cmd: ['hello'] } },
      { ...head(5, 'CMD ["hello"]'), kind: 'tag', tags: ['demo:1'] },
    ],
    pending: { ['sha256:' + 'ef'.repeat(32)]: '/s/layers/made-by-step-4' },
  };
}

test('build --plan as sh: a STEP heading per instruction, what each does, every command with its undo', async () => {
  const text = renderBuildPlan(await samplePlan(), { lang: 'en', format: 'sh', glassboxVersion: 'test' });
  assert.ok(text.startsWith('#!/bin/sh\n# What `glassbox build` runs'));
  assert.match(text, /#   \/s\/layers\/made-by-step-4\n/);
  assert.match(text, /# STEP 1\/5: FROM glassbox\/base\n[^\n]*\n# The stage starts from image\n# sha256:(ab){32}\./);
  assert.match(text, /STEP 2\/5: ARG WHO=world\n[^\n]*\n# Only the build's variables change[^\n]*\n#   args: \{"WHO":"world"\}/);
  assert.match(text, /STEP 3\/5: RUN make\n[^\n]*\n# CACHED: the layer cache holds this step's result \(image (cd){6}\); nothing runs\./);
  assert.match(text, /#   \/s\/tmp-X\/copy-0\.list: hello\.txt\n/);
  assert.match(text, /\ntar --create --file=\/s\/tmp-X\/copy\.tar-2 --directory=\/ctx --numeric-owner --owner=1000 --group=1000 /);
  assert.match(text, /\ntar --extract --file=\/s\/tmp-X\/copy\.tar-3 --directory=\/s\/tmp-Y [^\n]*\n# undo: rm -rf --one-file-system \/s\/tmp-Y\n/);
  assert.match(text, /STEP 5\/5: CMD \["hello"\]\n[^\n]*\n# Only the image config changes: no container, no layer\.\n#   Cmd: \["hello"\]/);
  // The tag is a trailer, not a second heading of the last instruction.
  assert.equal(text.match(/STEP 5\/5/g)!.length, 1);
  assert.match(text, /# Last, the image is named: demo:1\n$/);
  // Every comment line is a comment: no text of a step escapes into a command line.
  for (const line of text.split('\n')) assert.ok(line === '' || line.startsWith('#') || /^(tar|mkdir|: >|printf|rm|getfattr) /.test(line), line);
});

test('build --plan in Chinese and as JSON', async () => {
  const zh = renderBuildPlan(await samplePlan(), { lang: 'zh', format: 'sh', glassboxVersion: 'test' });
  assert.match(zh, /什么都还没有运行/);
  assert.match(zh, /CACHED：层缓存里已有这一步的结果/);
  const j = JSON.parse(renderBuildPlan(await samplePlan(), { lang: 'en', format: 'json', glassboxVersion: 'test' })) as BuildPlan;
  assert.deepEqual(j.steps.map((s) => s.kind), ['from', 'config', 'cached', 'copy', 'config', 'tag']);
  assert.equal(Object.values(j.pending)[0], '/s/layers/made-by-step-4');
});
