// glassbox kube …: Kubernetes Pod manifests. `generate` writes a container, a recipe or a compose project as a
// Pod (lib/kube/generate.ts); `play` runs a manifest's pods as glassbox containers (lib/kube/play.ts) or, with
// --plan, prints every step it would run; `down` removes what play made. Progress is podman's and compose's
// shape: ` Container NAME  Started` lines on standard error.

import { writeFileSync } from 'node:fs';
import { GlassboxError } from '../errors.ts';
import { requireRoot } from '../host/privilege.ts';
import { generatePod, renderPod } from '../kube/generate.ts';
import { loadManifest } from '../kube/load.ts';
import { downPods, planPods, playPods } from '../kube/play.ts';
import { generateSource } from '../kube/sources.ts';
import type { UpEvent } from '../project/events.ts';
import { renderPodPlans } from '../render/kube.ts';
import { VERSION } from '../version.ts';
import type { Global } from './global.ts';
import { placedSync, pullForRun } from './container.ts';
import { warn } from './output.ts';

const progress = (e: UpEvent) => process.stderr.write(` ${e.object} ${e.name}  ${e.state}\n`);

// kube generate TARGET [-f FILE] [--name POD]: the Pod manifest on standard output (or in FILE).
export async function cmdKubeGenerate(target: string, opts: { filename?: string; name?: string }): Promise<number> {
  const src = await generateSource(target, opts.name !== undefined ? { name: opts.name } : {});
  const text = renderPod(generatePod(src.input), src.what, VERSION);
  if (opts.filename !== undefined) placedSync({ field: '--filename' }, () => writeFileSync(opts.filename!, text));
  else process.stdout.write(text);
  return 0;
}

// kube play FILE [--plan [--format sh|json] [--brief]]: run the pods, or print their plans.
export async function cmdKubePlay(file: string, opts: { plan?: boolean; format?: string; brief?: boolean; pull?: string }, g: Global): Promise<number> {
  const pods = loadManifest(file);
  if (opts.plan) {
    process.stdout.write(renderPodPlans(await planPods(pods), { lang: g.lang, format: opts.format === 'json' ? 'json' : 'sh', brief: !!opts.brief, glassboxVersion: VERSION }));
    return 0;
  }
  if (opts.format !== undefined && opts.format !== 'sh') throw new GlassboxError('--format is for --plan', { field: '--format', hint: 'add --plan' });
  requireRoot('glassbox kube play');
  const started = await playPods(pods, { lang: g.lang, ...(opts.pull === 'never' ? {} : { pull: pullForRun }), ...(opts.pull !== undefined ? { pullPolicy: opts.pull } : {}), event: progress, warn });
  for (const p of started) process.stdout.write(`Pod:\n${p.pod}\nContainers:\n${p.containers.map((c) => `${c}\n`).join('')}\n`);
  return 0;
}

// kube down FILE: the pods' containers, volumes and networks removed.
export async function cmdKubeDown(file: string, opts: { timeout?: string }): Promise<number> {
  const pods = loadManifest(file);
  requireRoot('glassbox kube down');
  if (opts.timeout !== undefined && !/^\d+$/.test(opts.timeout)) throw new GlassboxError(`--timeout: expected a number of seconds, got "${opts.timeout}"`, { field: '--timeout' });
  const gone = await downPods(pods, { event: progress, warn, ...(opts.timeout !== undefined ? { timeout: Number(opts.timeout) } : {}) });
  if (gone.length) process.stdout.write(`Pods stopped and removed:\n${gone.map((p) => `${p}\n`).join('')}`);
  return 0;
}
