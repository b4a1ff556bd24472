// Learn mode through a compose project's `up`: the services in start order, each one's plan stepped through as a
// recipe's is (one plain command at a time, explained, run on Enter), and each container left running under its
// monitor, as `compose up -d` leaves it — so the next service finds it on the network by name. Between two
// services the screen says what the next one waits for (depends_on) and waits for it. The plans are the ones
// `compose up` runs (lib/project), planned right before each service starts, with one mount command per mount.

import type { ComposeProject } from '../compose/model.ts';
import { startOrder } from '../compose/graph.ts';
import { planFor } from '../container/plan.ts';
import { withClaims } from '../container/run.ts';
import { GlassboxError } from '../errors.ts';
import type { Text } from '../plan/types.ts';
import { atService, checkProject, ensureShared, runsFor } from '../project/up.ts';
import { projectMembers, serviceMembers } from '../project/members.ts';
import { waitCondition } from '../project/wait.ts';
import { buildServices } from '../project/build.ts';
import type { Roots } from '../state/paths.ts';
import type { Progress } from '../container/base-image.ts';
import { runLearn, type LearnOptions } from './session.ts';
import type { LearnTarget } from './target.ts';

const T = {
  service: (s: string, n: number, of: number, project: string): Text => ({
    en: `Service ${s} (${n} of ${of} in project ${project}): one container, started in the background as compose up starts it`,
    zh: `服务 ${s}（项目 ${project} 的第 ${n} 个，共 ${of} 个）：一个容器，像 compose up 那样在后台启动`,
  }),
  waiting: (s: string, dep: string, c: string): Text => ({ en: `${s} waits until ${dep} ${c}…`, zh: `${s} 等待 ${dep} ${c}……` }),
  condition: {
    service_started: { en: 'runs', zh: '运行起来' },
    service_healthy: { en: 'is healthy (its health check, run by its monitor)', zh: '健康（由它的监视脚本运行健康检查）' },
    service_completed_successfully: { en: 'has ended with status 0', zh: '以状态 0 结束' },
  },
  up: (p: string): Text => ({ en: `Project ${p} is up. glassbox compose ps shows it; glassbox compose down removes it.`, zh: `项目 ${p} 已启动。glassbox compose ps 查看它；glassbox compose down 删除它。` }),
  stopped: (p: string): Text => ({ en: `Stopped. The services started so far keep running: glassbox compose -p ${p} down removes them.`, zh: `已停止。已经启动的服务继续运行：glassbox compose -p ${p} down 删除它们。` }),
};

export interface ProjectLearnOptions extends LearnOptions {
  progress?: Progress;
  pull?: (ref: string, missing: boolean) => Promise<void>;
  version?: string;
  /** Where the screen's own lines go (the sessions print theirs). */
  say: (line: string) => void;
}

// Steps through the project's up; returns the first non-zero code of a session (the rest is not started).
export async function learnProject(project: ComposeProject, services: string[], r: Roots, opts: ProjectLearnOptions): Promise<number> {
  const waves = startOrder(project, services.length ? services : undefined);
  checkProject(project);
  const names = waves.flat();
  runsFor(project, names, opts.version ? { version: opts.version } : {});
  const built = await buildServices(project, names, { force: false, lang: opts.lang, ...(opts.pull ? { pull: opts.pull } : {}), event: (e) => opts.say(`${e.object} ${e.name}  ${e.state}`) });
  const runs = new Map(runsFor(project, names, opts.version ? { version: opts.version } : {}, built).map((x) => [x.service, x]));
  const have = serviceMembers(projectMembers(r, opts.bootId, project.name), names);
  if (have.length) {
    throw new GlassboxError(`project ${project.name} has containers already: ${have.map((m) => m.name).join(', ')}`, { hint: `learn brings a project up from nothing: glassbox compose -p ${project.name} down first` });
  }
  ensureShared(r, project, [...runs.values()], (e) => opts.say(`${e.object} ${e.name}  ${e.state}`));
  const ids = new Map<string, string>();
  let n = 0;
  for (const service of names) {
    n++;
    const s = project.services[service] ?? project.disabledServices[service]!;
    for (const [dep, d] of Object.entries(s.depends_on)) {
      const id = ids.get(dep);
      if (!id) continue;
      opts.say(T.waiting(service, dep, T.condition[d.condition][opts.lang])[opts.lang]);
      await waitCondition(r, opts.bootId, id, d.condition, { service: dep });
    }
    const run = runs.get(service)!;
    let made: Awaited<ReturnType<typeof planFor>>;
    try {
      made = await planFor(run.image, run.command, run.flags, { buildBase: true, base: run.base, oneMountPerStep: true, ...(opts.progress ? { progress: opts.progress } : {}), ...(opts.pull ? { pull: opts.pull } : {}) });
    } catch (e) {
      throw atService(project, service, e);
    }
    const { plan, prepared } = made;
    const start = plan.steps.find((x) => x.kind === 'start');
    const target: LearnTarget = {
      kind: 'service',
      label: `${project.name}: ${service}`,
      plan,
      headings: new Map([[plan.steps[0]!.id, T.service(service, n, names.length, project.name)]]),
      checks: new Set(),
      required: new Set(start ? [start.id] : []),
      container: { paths: prepared.paths, chroot: prepared.root === 'chroot' },
      nsDirs: [prepared.paths.nsDir],
      shells: new Map(),
      detached: { remove: false, lang: opts.lang },
    };
    const code = await withClaims(prepared, plan, () => runLearn(target, r, opts));
    if (code !== 0) {
      opts.say(T.stopped(project.name)[opts.lang]);
      return code;
    }
    ids.set(service, plan.info.id);
  }
  opts.say(T.up(project.name)[opts.lang]);
  return 0;
}
