// Learn mode through a build (`glassbox build --learn`): the build runs as `glassbox build` runs it, and each RUN's
// container is a learn session — every command of it shown, explained and run on Enter, the command's output as
// it comes, then its writable layer packed with tar into the image's next layer before the undos. Between them,
// the build's own progress (STEP n/N, CACHED) and every command the COPY steps and the layer packing run, as they
// run (they are shown, not stepped: they make no container). Prints through `say`; the sessions print theirs.

import { onCommand } from '../exec/spawn.ts';
import { buildImage, type BuildEvent, type BuildRequest } from '../build/build.ts';
import type { ImageRecord } from '../image/store.ts';
import type { Text } from '../plan/types.ts';
import { shJoin } from '../render/quote.ts';
import type { Roots } from '../state/paths.ts';
import { runLearn, type LearnOptions } from './session.ts';
import type { LearnTarget } from './target.ts';

export interface BuildLearnOptions extends LearnOptions {
  /** Where the build's own lines go (progress, the COPY commands). */
  say: (line: string) => void;
}

const T = {
  step: (stage: string, n: number, total: number, text: string): Text => ({
    en: `${stage}STEP ${n}/${total}: ${text} — a container runs the command on the layers so far; its writable layer becomes the next layer`,
    zh: `${stage}第 ${n}/${total} 步：${text} —— 一个容器在已有各层之上运行这条命令；它的可写层成为下一层`,
  }),
  cached: { en: '--> CACHED: the layer cache holds this step; nothing runs', zh: '--> CACHED：层缓存里已有这一步；什么都不运行' },
};

// Runs the build with every RUN stepped through; returns the image, or throws as glassbox build does.
export async function learnBuild(req: BuildRequest, r: Roots, opts: BuildLearnOptions): Promise<ImageRecord> {
  const { lang, say } = opts;
  // The commands run outside a session (COPY, packing a layer) are printed as they run; a session shows its own.
  let inSession = false;
  const stop = onCommand((c) => {
    if (!inSession && !opts.json) say(`  $ ${shJoin(c.argv)}${c.exitCode === 0 ? '' : `  (exit ${c.exitCode})`}`);
  });
  const event = (e: BuildEvent) => {
    if (e.kind === 'step') say(`${e.stages > 1 ? `[${e.stage}/${e.stages}] ` : ''}STEP ${e.n}/${e.total}: ${e.text}${e.cached ? `\n${T.cached[lang]}` : ''}`);
  };
  try {
    return await buildImage({
      ...req,
      event,
      runContainer: {
        oneMountPerStep: true,
        run: async ({ plan, prepared, head, afterExit }) => {
          const start = plan.steps.find((s) => s.kind === 'start');
          const target: LearnTarget = {
            kind: 'build',
            label: head.text,
            plan,
            headings: new Map([[plan.steps[0]!.id, T.step(head.stages > 1 ? `[${head.stage}/${head.stages}] ` : '', head.n, head.total, head.text)]]),
            checks: new Set(),
            required: new Set(start ? [start.id] : []),
            container: { paths: prepared.paths, chroot: prepared.root === 'chroot' },
            nsDirs: [prepared.paths.nsDir],
            shells: new Map(),
            afterExit: async (code) => {
              // The packing's commands belong to the build, not to the session: show them.
              inSession = false;
              try {
                await afterExit(code);
              } finally {
                inSession = true;
              }
            },
          };
          inSession = true;
          try {
            return await runLearn(target, r, opts);
          } finally {
            inSession = false;
          }
        },
      },
    });
  } finally {
    stop();
  }
}
