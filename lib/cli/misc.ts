// The small commands: gc, doctor, image from-host, images, stats.

import { totalmem } from 'node:os';
import { readUsage, statsRow, formatStatsTable, type CgroupUsage, type StatsRow } from '../cgroup/stats.ts';
import { formatBytes } from '../cgroup/units.ts';
import { existsSync } from 'node:fs';
import { listIds, processStart, readState, stateDir } from '../state/containers.ts';
import { monitorFiles } from '../state/lifecycle.ts';
import type { RunState } from '../container/record.ts';
import { runDoctor, formatDoctor } from '../host/doctor.ts';
import { readHostFacts } from '../host/facts.ts';
import { buildHostImage } from '../image/fromhost.ts';
import { listImages } from '../image/store.ts';
import { selfOwner } from '../state/containers.ts';
import { collectGarbage } from '../state/gc.ts';
import { roots } from '../state/paths.ts';
import { requireRoot } from '../host/privilege.ts';
import type { Global } from './global.ts';
import { enableTrace, useColour } from './output.ts';
import { IMAGE_FILTERS, imageMatches, parseFilters } from '../format/filters.ts';
import { formatList } from '../format/output.ts';
import { goTime, runningFor } from '../format/status.ts';

const GROUP_LEN = 'glassbox/'.length + 12;

// glassbox gc
export async function cmdGc(g: Global, opts: { restart?: boolean } = {}): Promise<number> {
  requireRoot('glassbox gc');
  enableTrace(g.verbose);
  const facts = await readHostFacts();
  // --restart (host boot): the dead containers whose restart policy asks for it are started again first.
  const again = opts.restart ? await (await import('../container/restart.ts')).restartDead(roots(), facts, g.lang) : [];
  const rep = await collectGarbage(roots(), facts.bootId);
  const lines = [
    ...again.map((id) => `started container ${id.slice(0, 12)} again (restart policy)`),
    ...rep.cgroups.map((c) => `removed cgroup ${c.slice(0, GROUP_LEN)}`),
    ...rep.containers.map((id) => `removed container ${id.slice(0, 12)}`),
    ...rep.runDirs.map((d) => `released ${d}`),
    ...rep.names.map((n) => `released name ${n}`),
    ...rep.builds.map((b) => `removed unfinished layer ${b}`),
    ...(rep.network ?? []),
    ...(rep.unfinished ?? []).map((d) => `removed unfinished container directory ${d}`),
    ...(rep.execs ?? []).map((e) => `finished the cleanup of exec ${e}`),
    ...(rep.runRoot ? [`unmounted the run root ${rep.runRoot}`] : []),
  ];
  process.stdout.write(lines.length ? lines.join('\n') + '\n' : 'nothing to clean up\n');
  return 0;
}

// glassbox doctor
export async function cmdDoctor(format: string, _g: Global): Promise<number> {
  const report = await runDoctor(await readHostFacts());
  process.stdout.write(format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatDoctor(report, { color: useColour() }));
  return report.ok ? 0 : 1;
}

// glassbox image from-host
export async function cmdImageFromHost(tag: string, g: Global, opts: { busybox?: boolean } = {}): Promise<number> {
  requireRoot('glassbox image from-host');
  enableTrace(g.verbose);
  const facts = await readHostFacts();
  const rec = await buildHostImage(roots(), selfOwner(facts.bootId), tag, opts);
  process.stdout.write(`${rec.id}\n`);
  return 0;
}

// glassbox images
export async function cmdImages(format: string, filter?: string[]): Promise<number> {
  const filters = parseFilters(filter, IMAGE_FILTERS);
  const list = (await listImages(roots().root)).filter((i) => imageMatches(filters, { tags: i.tags, labels: i.record.config.Labels }));
  if (format !== 'table') {
    // docker's fields (one object per image here: glassbox lists every tag of it in tags), then glassbox's own.
    const rows = list.map((i) => {
      const t = i.tags[0];
      const colon = t ? t.lastIndexOf(':') : -1;
      return {
        Containers: 'N/A',
        CreatedAt: goTime(i.record.created),
        CreatedSince: runningFor(i.record.created),
        Digest: i.record.repoDigests?.[0]?.split('@')[1] ?? '<none>',
        ID: i.record.id.replace('sha256:', '').slice(0, 12),
        Labels: Object.entries(i.record.config.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
        Repository: t ? t.slice(0, colon) : '<none>',
        Tag: t ? t.slice(colon + 1) : '<none>',
        ...(format === 'json' ? { id: i.record.id, tags: i.tags, layers: i.record.layers.length, created: i.record.created, source: i.record.source } : {}),
      };
    });
    process.stdout.write(formatList(format, rows, { Containers: 'CONTAINERS', CreatedAt: 'CREATED AT', CreatedSince: 'CREATED', Digest: 'DIGEST', ID: 'IMAGE ID', Labels: 'LABELS', Repository: 'REPOSITORY', Tag: 'TAG' }, ''));
    return 0;
  }
  const rows = [['REPOSITORY:TAG', 'IMAGE ID', 'LAYERS', 'CREATED']];
  for (const i of list) rows.push([i.tags[0] ?? '<none>', i.record.id.replace('sha256:', '').slice(0, 12), String(i.record.layers.length), i.record.created]);
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  process.stdout.write(rows.map((r) => r.map((v, c) => v.padEnd(w[c]!)).join('   ').trimEnd()).join('\n') + '\n');
  return 0;
}

// The running containers that have cgroups: state.json says running, and its PID 1 is still there.
function runningContainers(): Array<RunState & { cgroup: NonNullable<RunState['cgroup']> }> {
  const r = roots();
  const out: Array<RunState & { cgroup: NonNullable<RunState['cgroup']> }> = [];
  for (const id of listIds(r)) {
    const s = readState(r, id) as RunState | undefined;
    // A detached container's state.json still says running after it ended: its monitor's exit file says otherwise.
    const ended = existsSync(monitorFiles(stateDir(r, id)).exit);
    if (s?.status === 'running' && !ended && s.pid && s.cgroup && processStart(s.pid) !== undefined && (!s.pidStart || processStart(s.pid) === s.pidStart)) {
      out.push(s as RunState & { cgroup: NonNullable<RunState['cgroup']> });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

// glassbox stats: docker stats for glassbox containers. Each round reads every running container's cgroup files
// twice, a second apart (CPU % is CPU time used over that second); --no-stream prints one round and ends.
export async function cmdStats(opts: { stream?: boolean; format?: string }): Promise<number> {
  const json = opts.format === 'json';
  const tty = process.stdout.isTTY && !json;
  let previous = new Map<string, { usage: CgroupUsage; at: bigint }>();
  const sample = () => {
    const now = new Map<string, { usage: CgroupUsage; at: bigint; state: ReturnType<typeof runningContainers>[number] }>();
    for (const c of runningContainers()) now.set(c.id, { usage: readUsage(c.cgroup), at: process.hrtime.bigint(), state: c });
    return now;
  };
  previous = sample();
  for (;;) {
    await new Promise((res) => setTimeout(res, 1000));
    const now = sample();
    const rows: StatsRow[] = [];
    for (const [id, cur] of now) {
      const before = previous.get(id);
      if (!before) continue;
      rows.push(statsRow(id, cur.state.name, before.usage, cur.usage, Number(cur.at - before.at), totalmem()));
    }
    previous = now;
    if (json) {
      for (const r of rows) {
        process.stdout.write(
          JSON.stringify({ id: r.id, name: r.name, cpu_percent: round(r.cpuPercent), memory_bytes: r.memory, memory_limit_bytes: r.memoryLimit, memory_percent: round(r.memoryPercent), pids: r.pids, pids_limit: r.pidsLimit ?? null }) + '\n',
        );
      }
    } else process.stdout.write((tty && opts.stream !== false ? '\x1b[2J\x1b[H' : '') + formatStatsTable(rows, (n) => formatBytes(n, '')));
    if (opts.stream === false) return 0;
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
