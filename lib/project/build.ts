// The images of a compose project's `build:` services, as `docker compose build` and `up` make them: the
// Dockerfile in the service's context (`dockerfile:` relative to it) built by `glassbox build`'s builder
// (lib/build), with the service's `args` and `target`, tagged with its `image:` or compose's `<project>-<service>`.
// `up` builds what the store lacks (or everything, with --build); `compose build` builds every one asked for.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ComposeProject } from '../compose/model.ts';
import { serviceImage } from '../compose/service-run.ts';
import { buildImage, type BuildEvent } from '../build/build.ts';
import { parseDockerfile } from '../build/dockerfile.ts';
import { GlassboxError } from '../errors.ts';
import { resolveImage } from '../image/store.ts';
import type { Lang } from '../plan/types.ts';
import { roots } from '../state/paths.ts';
import type { UpEvent } from './events.ts';

export interface BuildServicesOptions {
  /** Build even when the image exists (up --build, compose build). */
  force: boolean;
  noCache?: boolean;
  lang: Lang;
  pull?: (ref: string, missing: boolean) => Promise<void>;
  event?: (e: UpEvent) => void;
  /** The builder's own progress (STEP lines, RUN output). */
  build?: (service: string, e: BuildEvent) => void;
}

// Builds the services' images; returns the image ID of each service that has build:, by service.
export async function buildServices(project: ComposeProject, services: string[], opts: BuildServicesOptions): Promise<Map<string, string>> {
  const root = roots().root;
  const ids = new Map<string, string>();
  for (const service of services) {
    const s = project.services[service] ?? project.disabledServices[service];
    if (!s?.build) continue;
    const image = serviceImage(project, service);
    const have = await resolveImage(root, image).catch(() => undefined);
    if (have && !opts.force) {
      ids.set(service, have.id);
      continue;
    }
    const at = { pos: project.origins[`services.${service}.build`] ?? project.origins[`services.${service}`], field: `services.${service}.build` };
    const context = s.build.context;
    const file = s.build.dockerfile !== undefined ? path.resolve(context, s.build.dockerfile) : ['Dockerfile', 'Containerfile'].map((n) => path.join(context, n)).find((f) => existsSync(f));
    if (!existsSync(context)) throw new GlassboxError(`service ${service}: build context ${context} does not exist`, { ...at, hint: 'build: is a directory, relative to the compose file' });
    if (!file || !existsSync(file)) throw new GlassboxError(`service ${service}: no Dockerfile in ${context}`, { ...at, hint: 'add one, or name it with build: {dockerfile: FILE}' });
    opts.event?.({ object: 'Service', name: service, state: 'Building' });
    const parsed = parseDockerfile(readFileSync(file, 'utf8'), path.relative(process.cwd(), file) || file);
    const img = await buildImage({
      file: parsed,
      context,
      dockerfile: file,
      tags: [image],
      buildArgs: s.build.args ?? {},
      ...(s.build.target !== undefined ? { target: s.build.target } : {}),
      noCache: !!opts.noCache,
      lang: opts.lang,
      ...(opts.pull ? { pull: opts.pull } : {}),
      ...(opts.build ? { event: (e: BuildEvent) => opts.build!(service, e) } : {}),
    });
    ids.set(service, img.id);
    opts.event?.({ object: 'Service', name: service, state: 'Built' });
  }
  return ids;
}
