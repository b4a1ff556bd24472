// glassbox compose …: docker compose's verbs over a compose project, as the command line sees them. The project is
// loaded (lib/compose: files found, interpolated, validated, merged) and handed to the project application layer
// (lib/project: up, down, the project's containers); the per-container verbs (exec, logs, top, port, kill,
// restart, pause) go to the same code `glassbox exec`, `logs` … run, with the service's container name.
// Progress is docker compose's: ` Container NAME  Started` lines on standard error.

import { chmodSync, closeSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadCatalog } from '../blocks/catalog.ts';
import { planNetworkRemoval } from '../net/plan.ts';
import { planProject } from '../project/plan.ts';
import { renderProjectPlan, renderProjectScripts } from '../render/project.ts';
import { loadComposeProject, renderConfig, startOrder, type ComposeProject } from '../compose/index.ts';
import { containerName, LABEL, serviceRun } from '../compose/service-run.ts';
import { GlassboxError } from '../errors.ts';
import { readHostFacts } from '../host/facts.ts';
import { requireRoot } from '../host/privilege.ts';
import { portsText } from '../net/rules.ts';
import { planFor } from '../container/plan.ts';
import { runPlan, withClaims } from '../container/run.ts';
import { describe, psRow } from '../container/describe.ts';
import { startContainer, topContainer } from '../container/everyday.ts';
import { downProject } from '../project/down.ts';
import { projectMembers, serviceMembers, type Member } from '../project/members.ts';
import { removeMember, stopMember } from '../project/remove.ts';
import { atService, ensureShared, upProject, type UpEvent } from '../project/up.ts';
import { waitCondition } from '../project/wait.ts';
import { monitorFiles, readView } from '../state/lifecycle.ts';
import { stateDir } from '../state/containers.ts';
import { roots } from '../state/paths.ts';
import { randomBytes } from '../util/crypto.ts';
import { VERSION } from '../version.ts';
import { formatList } from '../format/output.ts';
import type { Global } from './global.ts';
import { placedSync, pullForRun } from './container.ts';
import { buildPrinter } from './build.ts';
import { cmdExec, cmdKill, cmdRestart, logLines } from './lifecycle.ts';
import { cmdPort } from './network.ts';
import { cmdPause } from './everyday.ts';
import { useColour, warn } from './output.ts';

/** compose's own options, given before the verb: `glassbox compose -f a.yaml -p demo up -d`. */
export interface ComposeGlobal {
  file?: string[];
  projectName?: string;
  projectDirectory?: string;
  envFile?: string[];
  profile?: string[];
}

// The project the options describe, from the current directory (or --project-directory).
export function loadProject(o: ComposeGlobal): ComposeProject {
  const project = loadComposeProject({
    ...(o.file?.length ? { files: o.file } : {}),
    ...(o.projectName !== undefined ? { projectName: o.projectName } : {}),
    workdir: o.projectDirectory ?? process.cwd(),
    env: process.env,
    ...(o.envFile?.length ? { envFiles: o.envFile } : {}),
    ...(o.profile?.length ? { profiles: o.profile } : {}),
  });
  for (const w of project.warnings) warn(w);
  return project;
}

// One progress line, docker compose's shape.
const progress = (e: UpEvent) => process.stderr.write(` ${e.object} ${e.name}  ${e.state}\n`);

// The containers of the services named (all when none), refusing a name that is not a service of the project.
function membersOf(project: ComposeProject, services: string[], bootId: string): Member[] {
  for (const s of services) if (!project.services[s] && !project.disabledServices[s]) throw new GlassboxError(`no such service: ${s}`, { hint: `services: ${Object.keys(project.services).join(', ')}` });
  return serviceMembers(projectMembers(roots(), bootId, project.name), services);
}

// compose up [-d] [SERVICE…]
export async function cmdComposeUp(
  o: ComposeGlobal,
  services: string[],
  opts: { detach?: boolean; build?: boolean; forceRecreate?: boolean; noRecreate?: boolean; noDeps?: boolean; wait?: boolean; abortOnContainerExit?: boolean; exitCodeFrom?: string; removeOrphans?: boolean; pull?: string },
  g: Global,
): Promise<number> {
  requireRoot('glassbox compose up');
  if (opts.forceRecreate && opts.noRecreate) throw new GlassboxError('--force-recreate and --no-recreate are incompatible', { field: '--force-recreate' });
  if (opts.exitCodeFrom !== undefined) opts.abortOnContainerExit = true;
  if (opts.detach && opts.abortOnContainerExit) throw new GlassboxError('--abort-on-container-exit and --exit-code-from cannot be used with -d', { field: '--detach' });
  const project = loadProject(o);
  if (opts.exitCodeFrom !== undefined && !project.services[opts.exitCodeFrom]) throw new GlassboxError(`no such service: ${opts.exitCodeFrom}`, { field: '--exit-code-from' });
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const pull = opts.pull ?? 'missing';
    const { started } = await upProject(project, {
      services,
      noDeps: !!opts.noDeps,
      forceRecreate: !!opts.forceRecreate,
      noRecreate: !!opts.noRecreate,
      removeOrphans: !!opts.removeOrphans,
      wait: !!opts.wait,
      build: !!opts.build,
      buildEvent: (service, e) => buildPrinter(false, `${service}  | `)(e),
      lang: g.lang,
      version: VERSION,
      ...(pull === 'never' ? {} : { pull: pullForRun }),
      event: progress,
      warn,
      signal: abort.signal,
    });
    if (opts.detach || opts.wait) return 0;
    // Attached: every service's output with its name in front, until they have all ended (or Ctrl-C stops them).
    const r = roots();
    const { bootId } = await readHostFacts();
    const members = started.map((s) => ({ ...s, view: readView(r, s.id, bootId) }));
    const code = await followLogs(members.map((m) => ({ id: m.id, name: m.name })), {
      follow: true,
      signal: abort.signal,
      abortOnExit: !!opts.abortOnContainerExit,
      ...(opts.exitCodeFrom !== undefined ? { exitCodeFrom: containerName(project.name, opts.exitCodeFrom) } : {}),
    });
    if (abort.signal.aborted || code.stopOthers) {
      process.stderr.write(abort.signal.aborted ? 'Gracefully stopping... (press Ctrl+C again to force)\n' : 'Aborting on container exit...\n');
      for (const m of members) {
        if (await stopMember(r, bootId, m.id)) progress({ object: 'Container', name: m.name, state: 'Stopped' });
      }
    }
    return abort.signal.aborted ? 130 : code.exit;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** docker compose's service colours, in order. */
const COLOURS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

// Prints the containers' logs, each line after `NAME  | ` (coloured on a terminal); with follow, until every
// container has ended. Returns the exit code docker compose up gives, and whether the others must be stopped.
async function followLogs(
  containers: Array<{ id: string; name: string }>,
  opts: { follow: boolean; tail?: number; timestamps?: boolean; signal?: AbortSignal; abortOnExit?: boolean; exitCodeFrom?: string; prefix?: boolean },
): Promise<{ exit: number; stopOthers: boolean }> {
  const r = roots();
  const { bootId } = await readHostFacts();
  const width = Math.max(0, ...containers.map((c) => c.name.length));
  const colour = useColour() && process.stdout.isTTY;
  const files = containers.flatMap((c, i) => {
    const f = monitorFiles(stateDir(r, c.id));
    const tag = opts.prefix === false ? '' : colour ? `\x1b[${COLOURS[i % COLOURS.length]}m${c.name.padEnd(width)}  |\x1b[0m ` : `${c.name.padEnd(width)}  | `;
    return [
      { file: f.stdout, out: process.stdout, tag, off: 0, first: true },
      { file: f.stderr, out: process.stderr, tag, off: 0, first: true },
    ];
  });
  const pump = () => {
    for (const x of files) {
      let size = 0;
      try {
        size = statSync(x.file).size;
      } catch {
        continue;
      }
      if (size < x.off) x.off = 0;
      if (size <= x.off) continue;
      const fd = openSync(x.file, 'r');
      const buf = Buffer.alloc(size - x.off);
      readSync(fd, buf, 0, buf.length, x.off);
      closeSync(fd);
      const end = buf.lastIndexOf(0x0a) + 1;
      x.off += end;
      let lines = logLines(buf.subarray(0, end).toString('utf8'), !!opts.timestamps);
      if (x.first && opts.tail !== undefined) lines = lines.slice(Math.max(0, lines.length - opts.tail));
      x.first = false;
      x.out.write(lines.map((l) => x.tag + l).join(''));
    }
  };
  pump();
  if (!opts.follow) return { exit: 0, stopOthers: false };
  const ended = new Set<string>();
  for (;;) {
    pump();
    for (const c of containers) {
      if (ended.has(c.id)) continue;
      let v;
      try {
        v = readView(r, c.id, bootId);
      } catch {
        ended.add(c.id);
        continue;
      }
      if (v.status === 'running' || v.status === 'created' || v.restarting) continue;
      pump();
      ended.add(c.id);
      process.stdout.write(`${c.name} exited with code ${v.exitCode ?? 0}\n`);
      if (opts.exitCodeFrom === c.name) return { exit: v.exitCode ?? 0, stopOthers: true };
      if (opts.abortOnExit && opts.exitCodeFrom === undefined) return { exit: v.exitCode ?? 0, stopOthers: true };
    }
    if (ended.size === containers.length) {
      const from = containers.find((c) => c.name === opts.exitCodeFrom);
      return { exit: from ? (readView(r, from.id, bootId).exitCode ?? 0) : 0, stopOthers: false };
    }
    if (opts.signal?.aborted) return { exit: 130, stopOthers: true };
    await new Promise((res) => setTimeout(res, 100));
  }
}

// compose down [-v] [--remove-orphans] [-t SECS]
export async function cmdComposeDown(o: ComposeGlobal, opts: { volumes?: boolean; removeOrphans?: boolean; timeout?: string }): Promise<number> {
  requireRoot('glassbox compose down');
  const project = loadProject(o);
  await downProject(project, { volumes: !!opts.volumes, removeOrphans: !!opts.removeOrphans, ...(opts.timeout !== undefined ? { timeout: seconds(opts.timeout) } : {}), event: progress, warn });
  return 0;
}

// -t / --timeout: whole seconds.
function seconds(v: string): number {
  if (!/^\d+$/.test(v)) throw new GlassboxError(`--timeout: expected a number of seconds, got "${v}"`, { field: '--timeout' });
  return Number(v);
}

// compose ps [-a] [-q] [--services] [--format …] [SERVICE…]
export async function cmdComposePs(o: ComposeGlobal, services: string[], opts: { all?: boolean; quiet?: boolean; services?: boolean; format?: string }): Promise<number> {
  const project = loadProject(o);
  const { bootId } = await readHostFacts();
  const r = roots();
  const all = projectMembers(r, bootId, project.name).filter((m) => !services.length || services.includes(m.service));
  const shown = all.filter((m) => opts.all || m.view.status === 'running' || m.view.restarting);
  if (opts.services) {
    process.stdout.write([...new Set(shown.map((m) => m.service))].map((s) => `${s}\n`).join(''));
    return 0;
  }
  if (opts.quiet) {
    process.stdout.write(shown.map((m) => `${m.id}\n`).join(''));
    return 0;
  }
  const now = Date.now();
  const rows = shown.map((m) => {
    const d = describe(r, m.view);
    const row = psRow(d, now, true);
    return { ...row, Name: m.name, Service: m.service, Project: project.name, ExitCode: String(m.view.exitCode ?? 0), Health: d.health ?? '' };
  });
  const format = opts.format ?? 'table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}';
  process.stdout.write(formatList(format, rows, { Name: 'NAME', Service: 'SERVICE', Project: 'PROJECT', Image: 'IMAGE', Command: 'COMMAND', RunningFor: 'CREATED', Status: 'STATUS', Ports: 'PORTS', State: 'STATE', Health: 'HEALTH', ExitCode: 'EXIT CODE', ID: 'CONTAINER ID' }, ''));
  return 0;
}

// compose logs [-f] [-n N] [-t] [--no-log-prefix] [SERVICE…]
export async function cmdComposeLogs(o: ComposeGlobal, services: string[], opts: { follow?: boolean; tail?: string; timestamps?: boolean; logPrefix?: boolean }): Promise<number> {
  const project = loadProject(o);
  const { bootId } = await readHostFacts();
  const tail = opts.tail === undefined || opts.tail === 'all' ? undefined : Number(opts.tail);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw new GlassboxError(`--tail: expected a number of lines or "all", got "${opts.tail}"`, { field: '--tail' });
  const members = projectMembers(roots(), bootId, project.name).filter((m) => !services.length || services.includes(m.service));
  await followLogs(members.map((m) => ({ id: m.id, name: m.name })), { follow: !!opts.follow, ...(tail !== undefined ? { tail } : {}), timestamps: !!opts.timestamps, prefix: opts.logPrefix !== false });
  return 0;
}

// The one container of a service, or a clear error (the service has none yet).
async function serviceContainer(project: ComposeProject, service: string): Promise<string> {
  const { bootId } = await readHostFacts();
  const m = membersOf(project, [service], bootId)[0];
  if (!m) throw new GlassboxError(`service "${service}" is not running`, { exitCode: 1, hint: `glassbox compose up -d ${service}` });
  return m.name;
}

// compose exec [-e] [-w] [-u] [-T] SERVICE COMMAND…
export async function cmdComposeExec(o: ComposeGlobal, service: string, command: string[], opts: { env?: string[]; workdir?: string; user?: string; tty?: boolean }, g: Global): Promise<number> {
  const project = loadProject(o);
  const name = await serviceContainer(project, service);
  return cmdExec(name, command, { ...opts, interactive: true, tty: !!opts.tty }, g.lang);
}

// compose run [--rm] [--no-deps] [-e] [-w] [-u] [--entrypoint] [--service-ports] [--name] SERVICE [COMMAND…]: a
// one-off container of the service, in the foreground, after its dependencies are up.
export async function cmdComposeRun(
  o: ComposeGlobal,
  service: string,
  command: string[],
  opts: { rm?: boolean; noDeps?: boolean; env?: string[]; workdir?: string; user?: string; entrypoint?: string; servicePorts?: boolean; name?: string; detach?: boolean; pull?: string },
  g: Global,
): Promise<number> {
  requireRoot('glassbox compose run');
  const project = loadProject(o);
  if (!project.services[service] && !project.disabledServices[service]) throw new GlassboxError(`no such service: ${service}`, { hint: `services: ${Object.keys(project.services).join(', ')}` });
  const s = project.services[service] ?? project.disabledServices[service]!;
  const deps = opts.noDeps ? [] : startOrder(project, [service]).flat().filter((n) => n !== service);
  const pull = opts.pull === 'never' ? {} : { pull: pullForRun };
  if (deps.length) await upProject(project, { services: deps, lang: g.lang, version: VERSION, ...pull, event: progress, warn });
  const r = roots();
  const facts = await readHostFacts();
  for (const [dep, d] of Object.entries(s.depends_on)) {
    const m = serviceMembers(projectMembers(r, facts.bootId, project.name), [dep])[0];
    if (m) await waitCondition(r, facts.bootId, m.id, d.condition, { service: dep });
  }
  const name = opts.name ?? `${project.name}-${service}-run-${randomBytes(6).toString('hex')}`;
  const run = serviceRun(project, service, { name, oneoff: true, ...(command.length ? { command } : {}), version: VERSION });
  ensureShared(r, project, [run], progress);
  const flags = { ...run.flags, detach: !!opts.detach, rm: !!opts.rm, restart: undefined };
  if (!opts.servicePorts) delete flags.publish;
  if (opts.env?.length) flags.env = [...(flags.env ?? []), ...opts.env];
  if (opts.workdir !== undefined) flags.workdir = opts.workdir;
  if (opts.user !== undefined) flags.user = opts.user;
  const base = { ...run.base };
  if (opts.entrypoint !== undefined) base.entrypoint = opts.entrypoint === '' ? [] : [opts.entrypoint];
  let planned: Awaited<ReturnType<typeof planFor>>;
  try {
    planned = await planFor(run.image, run.command, flags, { buildBase: true, base, ...pull });
  } catch (e) {
    throw atService(project, service, e);
  }
  const { plan, prepared } = planned;
  if (plan.info.network?.ports.length) process.stderr.write(`glassbox: ${portsText(plan.info.network.ports)}\n`);
  if (opts.detach) {
    const { runDetachedPlan } = await import('../container/detach.ts');
    const id = await withClaims(prepared, plan, () => runDetachedPlan(plan, r, facts, { remove: !!opts.rm, lang: g.lang }));
    process.stdout.write(`${name}\n`);
    return id ? 0 : 1;
  }
  return withClaims(prepared, plan, () => runPlan(plan, r, facts, { stdin: 'inherit', terminal: false, notice: (msg) => process.stderr.write(`glassbox: ${msg}\n`), warn }));
}

// compose start / stop / rm [SERVICE…]
export async function cmdComposeStart(o: ComposeGlobal, services: string[], g: Global): Promise<number> {
  requireRoot('glassbox compose start');
  const project = loadProject(o);
  const facts = await readHostFacts();
  const r = roots();
  const members = membersOf(project, services, facts.bootId);
  if (!members.length) throw new GlassboxError('no containers to start', { exitCode: 1, hint: 'glassbox compose up -d' });
  // In depends_on order, as up would start them.
  for (const wave of startOrder(project, services.length ? services : undefined, { noDeps: true })) {
    for (const m of members.filter((x) => wave.includes(x.service))) {
      progress({ object: 'Container', name: m.name, state: 'Starting' });
      await startContainer(r, facts, m.id, g.lang);
      progress({ object: 'Container', name: m.name, state: 'Started' });
    }
  }
  return 0;
}

export async function cmdComposeStop(o: ComposeGlobal, services: string[], opts: { timeout?: string }): Promise<number> {
  requireRoot('glassbox compose stop');
  const project = loadProject(o);
  const { bootId } = await readHostFacts();
  const r = roots();
  const secs = opts.timeout === undefined ? undefined : seconds(opts.timeout);
  const members = membersOf(project, services, bootId).filter((m) => m.view.status === 'running');
  // Dependents first: the start order's waves, reversed.
  const names = [...new Set(members.map((m) => m.service))];
  for (const wave of names.length ? startOrder(project, names, { noDeps: true }).reverse() : []) {
    await Promise.all(
      members.filter((m) => wave.includes(m.service)).map(async (m) => {
        progress({ object: 'Container', name: m.name, state: 'Stopping' });
        await stopMember(r, bootId, m.id, secs);
        progress({ object: 'Container', name: m.name, state: 'Stopped' });
      }),
    );
  }
  return 0;
}

export async function cmdComposeRm(o: ComposeGlobal, services: string[], opts: { force?: boolean; stop?: boolean; volumes?: boolean }): Promise<number> {
  requireRoot('glassbox compose rm');
  const project = loadProject(o);
  const { bootId } = await readHostFacts();
  const r = roots();
  const members = membersOf(project, services, bootId);
  const running = members.filter((m) => m.view.status === 'running');
  if (running.length && !opts.stop) {
    // docker compose rm removes only stopped containers unless -s.
    for (const m of running) warn(`${m.name} is running: not removed (stop it first, or give -s)`);
  }
  const going = members.filter((m) => opts.stop || m.view.status !== 'running');
  if (!going.length) {
    process.stderr.write('No stopped containers\n');
    return 0;
  }
  for (const m of going) {
    progress({ object: 'Container', name: m.name, state: 'Removing' });
    await removeMember(r, bootId, m.id, { volumes: !!opts.volumes });
    progress({ object: 'Container', name: m.name, state: 'Removed' });
  }
  return 0;
}

// compose restart / kill / pause / unpause [SERVICE…]: the container verbs, service by service.
export async function cmdComposeEach(o: ComposeGlobal, verb: 'restart' | 'kill' | 'pause' | 'unpause', services: string[], opts: { timeout?: string; signal?: string }, g: Global): Promise<number> {
  const project = loadProject(o);
  const { bootId } = await readHostFacts();
  const names = membersOf(project, services, bootId).filter((m) => verb === 'restart' || m.view.status === 'running').map((m) => m.name);
  if (!names.length) return 0;
  if (verb === 'restart') return cmdRestart(names, opts.timeout !== undefined ? { time: opts.timeout } : {}, g.lang);
  if (verb === 'kill') return cmdKill(names, opts.signal !== undefined ? { signal: opts.signal } : {});
  return cmdPause(names, verb === 'pause', g);
}

// compose top [SERVICE…]: each running container's processes, under its name.
export async function cmdComposeTop(o: ComposeGlobal, services: string[]): Promise<number> {
  const project = loadProject(o);
  const { bootId } = await readHostFacts();
  const r = roots();
  for (const m of membersOf(project, services, bootId).filter((x) => x.view.status === 'running')) {
    const { header, lines } = await topContainer(r, m.id, bootId, []);
    process.stdout.write(`${m.name}\n${header}\n${lines.join('\n')}\n\n`);
  }
  return 0;
}

// compose port SERVICE PRIVATE_PORT
export async function cmdComposePort(o: ComposeGlobal, service: string, port: string, opts: { protocol?: string }): Promise<number> {
  const project = loadProject(o);
  return cmdPort(await serviceContainer(project, service), `${port}/${opts.protocol ?? 'tcp'}`);
}

// compose images [SERVICE…]: the image of each of the project's containers.
export async function cmdComposeImages(o: ComposeGlobal, services: string[], opts: { quiet?: boolean; format?: string }): Promise<number> {
  const project = loadProject(o);
  const { bootId } = await readHostFacts();
  const rows = membersOf(project, services, bootId).map((m) => {
    const ref = m.labels[LABEL.image] ?? m.view.image;
    const at = ref.lastIndexOf(':');
    const slash = ref.lastIndexOf('/');
    const [repo, tag] = at > slash ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, 'latest'];
    return { Container: m.name, Repository: repo, Tag: tag, Service: m.service };
  });
  if (opts.quiet) {
    process.stdout.write([...new Set(rows.map((x) => `${x.Repository}:${x.Tag}`))].map((x) => `${x}\n`).join(''));
    return 0;
  }
  process.stdout.write(formatList(opts.format ?? 'table {{.Container}}\t{{.Repository}}\t{{.Tag}}', rows, { Container: 'CONTAINER', Repository: 'REPOSITORY', Tag: 'TAG', Service: 'SERVICE' }, ''));
  return 0;
}

// compose config [--services | --volumes | --networks | -q]: the merged, interpolated model as YAML.
export async function cmdComposeConfig(o: ComposeGlobal, opts: { services?: boolean; volumes?: boolean; networks?: boolean; quiet?: boolean }): Promise<number> {
  const project = loadProject(o);
  if (opts.quiet) return 0;
  if (opts.services) process.stdout.write(startOrder(project).flat().map((s) => `${s}\n`).join(''));
  else if (opts.volumes) process.stdout.write(Object.keys(project.volumes).map((s) => `${s}\n`).join(''));
  else if (opts.networks) process.stdout.write(Object.keys(project.networks).map((s) => `${s}\n`).join(''));
  else process.stdout.write(renderConfig(project));
  return 0;
}

// compose plan [--format sh|json] [--brief] [SERVICE…]: every service's plan, in start order; nothing is run.
export async function cmdComposePlan(o: ComposeGlobal, services: string[], opts: { format?: string; brief?: boolean }, g: Global): Promise<number> {
  const project = loadProject(o);
  const pp = await planProject(project, services, { version: VERSION });
  process.stdout.write(renderProjectPlan(pp, { lang: g.lang, format: opts.format === 'json' ? 'json' : 'sh', brief: !!opts.brief, glassboxVersion: VERSION }));
  return 0;
}

// compose script -o DIR [SERVICE…]: up.sh and down.sh for the whole project, and each service's own pair.
export async function cmdComposeScript(o: ComposeGlobal, services: string[], opts: { output: string }, g: Global): Promise<number> {
  const project = loadProject(o);
  const pp = await planProject(project, services, { version: VERSION });
  const catalog = await loadCatalog();
  const removals = pp.networks.map((n) => ({ network: n.name, steps: planNetworkRemoval(catalog, n) }));
  const files = renderProjectScripts(pp, removals, { lang: g.lang, glassboxVersion: VERSION });
  const dir = resolve(opts.output);
  placedSync({ field: '--output' }, () => {
    for (const [rel, text] of Object.entries(files)) {
      const file = join(dir, rel);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      chmodSync(file, 0o755);
    }
  });
  process.stdout.write(`${join(dir, 'up.sh')}\n${join(dir, 'down.sh')}\n`);
  return 0;
}

// compose learn [SERVICE…]: learn mode through the project's up, service by service (lib/learn/project.ts).
export async function cmdComposeLearn(o: ComposeGlobal, services: string[], flags: { yes?: boolean; lang?: 'en' | 'zh'; list?: boolean; format?: string; pull?: string }, g: Global): Promise<number> {
  const lang = flags.lang ?? g.lang;
  const json = flags.format === 'json';
  const project = loadProject(o);
  const { listSteps } = await import('../learn/session.ts');
  const colour = useColour() && process.stdout.isTTY === true;
  if (flags.list) {
    const pp = await planProject(project, services, { version: VERSION });
    for (const s of pp.services) {
      if (!json) process.stdout.write(`\n${s.service} (${s.run.name})\n`);
      listSteps({ kind: 'service', label: s.service, plan: s.plan, headings: new Map(), checks: new Set(), required: new Set(), nsDirs: [], shells: new Map() }, { lang, json, colour });
    }
    return 0;
  }
  const ui = json ? process.stderr : process.stdout;
  const { T } = await import('../learn/text.ts');
  if (!flags.yes && !(process.stdin.isTTY && ui.isTTY)) throw new GlassboxError(T.needTerminal[lang], { hint: T.needTerminalHint[lang] });
  requireRoot('glassbox compose learn');
  const facts = await readHostFacts();
  const { learnProject } = await import('../learn/project.ts');
  const { withSpinner } = await import('./output.ts');
  return learnProject(project, services, roots(), {
    lang,
    yes: !!flags.yes,
    from: 1,
    json,
    xray: false,
    colour: useColour(),
    bootId: facts.bootId,
    progress: withSpinner,
    ...(flags.pull === 'never' ? {} : { pull: pullForRun }),
    version: VERSION,
    say: (line) => ui.write(`${line}\n`),
  });
}

// compose build [--no-cache] [-q] [SERVICE…]: the build: services' images, built again.
export async function cmdComposeBuild(o: ComposeGlobal, services: string[], opts: { cache?: boolean; quiet?: boolean; pull?: string }, g: Global): Promise<number> {
  requireRoot('glassbox compose build');
  const project = loadProject(o);
  const names = services.length ? services : startOrder(project).flat();
  for (const s of names) if (!project.services[s] && !project.disabledServices[s]) throw new GlassboxError(`no such service: ${s}`, { hint: `services: ${Object.keys(project.services).join(', ')}` });
  const { buildServices } = await import('../project/build.ts');
  await buildServices(project, names, {
    force: true,
    noCache: opts.cache === false,
    lang: g.lang,
    ...(opts.pull === 'never' ? {} : { pull: pullForRun }),
    event: progress,
    build: (service, e) => buildPrinter(!!opts.quiet, `${service}  | `)(e),
  });
  return 0;
}
