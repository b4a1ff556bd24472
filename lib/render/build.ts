// A build's plan as text: `glassbox build --plan` prints, instruction by instruction, what the build runs. A RUN is
// a container, shown as `glassbox plan` shows one (or one line a step with --brief), then the commands that turn
// its writable layer into a layer of the image; a COPY is the build-copy block, then the same layer commands; an
// instruction the layer cache holds runs nothing; the others only change the image config. Layers that earlier
// steps would make do not exist yet: they are named by the step that makes them (LAYERS/made-by-step-N).
// Pure: strings in, strings out; every command comes from a step, quoted by quote.ts.

import type { BuildPlan, PlannedStep } from '../build/model.ts';
import type { Lang, Step } from '../plan/types.ts';
import { renderBrief } from './brief.ts';
import { renderPlanJson, renderPlanJsonBrief } from './json.ts';
import { commentLines, renderScript, renderStepCommand, renderUndo } from './script.ts';

const T = {
  head: {
    en: 'What `glassbox build` runs, instruction by instruction. Nothing has been run. Each RUN is a container on the layers made so far, planned as `glassbox plan` plans one; its writable layer, packed with tar, becomes the next layer. Each COPY or ADD packs the files into a new layer. The other instructions only change the image config.',
    zh: '`glassbox build` 要运行的内容，一条指令一条指令列出。什么都还没有运行。每个 RUN 是在已有各层之上的一个容器，规划方式与 `glassbox plan` 相同；它的可写层用 tar 打包后成为下一层。每个 COPY 或 ADD 把文件打包成新的一层。其他指令只修改镜像配置。',
  },
  pending: {
    en: 'Layers that earlier steps make do not exist yet (a layer is named by its DiffID, known once it is made); the plan names them by the step that makes them:',
    zh: '前面步骤要做出的层还不存在（层以它的 DiffID 命名，做出来才知道）；计划用做出它的步骤来称呼它们：',
  },
  from: (image: string) => ({ en: `The stage starts from ${image}.`, zh: `这个阶段从 ${image} 开始。` }),
  cached: (image: string) => ({
    en: `CACHED: the layer cache holds this step's result (image ${image}); nothing runs.`,
    zh: `CACHED：层缓存里已有这一步的结果（镜像 ${image}）；什么都不运行。`,
  }),
  config: { en: 'Only the image config changes: no container, no layer.', zh: '只修改镜像配置：没有容器，没有新层。' },
  args: { en: "Only the build's variables change (ARG values are not kept in the image): no container, no layer.", zh: '只修改构建变量（ARG 的值不保存在镜像里）：没有容器，没有新层。' },
  run: {
    en: "A container runs the command on the layers so far (network none, the image's entrypoint cleared, the ARGs in its environment):",
    zh: '一个容器在已有各层之上运行这条命令（无网络，清空镜像的 entrypoint，ARG 作为它的环境变量）：',
  },
  copy: { en: 'The files are packed by tar, with the owner and mode asked for, and unpacked into a new layer directory:', zh: '用 tar 按要求的属主和权限打包这些文件，再解包到一个新的层目录：' },
  layer: {
    en: 'Then the new layer: the directory packed as an OCI layer (whiteouts and opaque directories in OCI form; which there are shows once the step ran: planned as none), and the tar unpacked into the store, renamed to its DiffID:',
    zh: '然后是新的一层：把目录打包成 OCI 层（whiteout 和不透明目录写成 OCI 的形式；有哪些要等这一步运行后才知道，这里按没有规划），再把 tar 解包进镜像库，并改名为它的 DiffID：',
  },
  tag: (tags: string) => ({ en: `Last, the image is named: ${tags}`, zh: `最后，镜像被命名为：${tags}` }),
  lists: { en: 'The member lists tar reads (NUL-separated names, written by glassbox before the commands):', zh: 'tar 读取的成员清单（以 NUL 分隔的名字，由 glassbox 在这些命令之前写好）：' },
};

const comment = (text: string) => commentLines(text);
const short = (id: string) => (id.startsWith('sha256:') ? id.slice(7, 19) : id);

// The heading of one instruction: buildah's `[stage/stages] STEP n/N: INSTRUCTION`.
function heading(p: PlannedStep): string[] {
  return ['', `# ${'='.repeat(100)}`, `# ${p.stages > 1 ? `[${p.stage}/${p.stages}] ` : ''}STEP ${p.n}/${p.total}: ${p.text}`, `# ${'='.repeat(100)}`];
}

// Steps outside a container's plan (copy, pack, unpack): each its title, its command and its undo.
function plainSteps(steps: Step[], lang: Lang): string[] {
  const out: string[] = [];
  for (const s of steps) {
    out.push('', ...comment(s.title[lang]), renderStepCommand(s));
    const undo = renderUndo(s);
    if (undo !== undefined) out.push(`# undo: ${undo.replace(/\n/g, '\n# ')}`);
  }
  return out;
}

// build --plan: sh (every instruction with its commands), brief (one line per container step) or json.
export function renderBuildPlan(bp: BuildPlan, opts: { lang: Lang; format: 'sh' | 'json'; brief?: boolean; glassboxVersion: string }): string {
  const { lang } = opts;
  if (opts.format === 'json') {
    const steps = bp.steps.map((p) => (p.kind === 'run' ? { ...p, plan: JSON.parse(opts.brief ? renderPlanJsonBrief(p.plan, lang) : renderPlanJson(p.plan)) as unknown } : p));
    return JSON.stringify({ steps, pending: bp.pending }, null, 2) + '\n';
  }
  const out = ['#!/bin/sh', ...comment(T.head[lang])];
  const pending = Object.values(bp.pending);
  if (pending.length) out.push('#', ...comment(T.pending[lang]), ...pending.map((d) => `#   ${d}`));
  for (const p of bp.steps) {
    if (p.kind === 'tag') {
      out.push('', `# ${'='.repeat(100)}`, ...comment(T.tag(p.tags.join(', '))[lang]));
      continue;
    }
    out.push(...heading(p));
    switch (p.kind) {
      case 'from':
        out.push(...comment(T.from(p.image.startsWith('sha256:') ? `image ${p.image}` : p.image)[lang]));
        break;
      case 'cached':
        out.push(...comment(T.cached(short(p.image))[lang]));
        break;
      case 'config':
        out.push(...comment((Object.keys(p.changed).every((k) => k === 'args') ? T.args : T.config)[lang]), ...Object.entries(p.changed).map(([k, v]) => `#   ${k}: ${JSON.stringify(v ?? null)}`));
        break;
      case 'run': {
        out.push(...comment(T.run[lang]), '');
        const text = opts.brief ? renderBrief(p.plan, lang) : renderScript(p.plan, { lang, mode: 'plan', glassboxVersion: opts.glassboxVersion });
        out.push(text.replace(/^#!\/bin\/sh\n/, '').trimEnd(), '', ...comment(T.layer[lang]), ...plainSteps(p.layer, lang));
        break;
      }
      case 'copy':
        out.push(...comment(T.copy[lang]), ...comment(T.lists[lang]), ...p.lists.map((l) => `#   ${l.file}: ${l.members.join(' ')}`));
        out.push(...plainSteps(p.steps, lang), '', ...comment(T.layer[lang]), ...plainSteps(p.layer, lang));
        break;
    }
  }
  return out.join('\n') + '\n';
}
