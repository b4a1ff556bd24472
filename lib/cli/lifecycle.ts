// The verbs for containers that outlive the command that made them (run -d): ps, logs, stop, kill, rm, inspect,
// restart, exec. State comes from disk only (lib/state/lifecycle.ts). Signals go to PID 1 after checking it is
// still the same process (runningPid1); the container's monitor notices the end, records the exit status and runs
// the undos, so these commands only wait for its `done` marker. The waiting, rm's last part and restart's work
// are the application layer's (lib/container/lifecycle.ts: the signals too, restart.ts, exec.ts); this module
// parses the flags and prints.

import { warn } from './output.ts';
import { removeAnonymousOf } from '../volume/remove.ts';
import { containerMounts } from '../volume/store.ts';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readUsage } from '../cgroup/stats.ts';
import { GlassboxError } from '../errors.ts';
import { readHostFacts } from '../host/facts.ts';
import type { Plan, PlanCgroup } from '../plan/types.ts';
import { ownerAlive, readState, stateDir } from '../state/containers.ts';
import { removeDamaged } from '../state/gc.ts';
import { containerLive } from '../state/liveness.ts';
import { listViews, monitorFiles, readView, resolveContainer, viewOf, type ContainerView } from '../state/lifecycle.ts';
import { roots, type Roots } from '../state/paths.ts';
import type { RunState } from '../container/record.ts';
import { requireRoot } from '../host/privilege.ts';
import { markStopped, removeEnded, runningPid1, sendSignal, stopContainer, terminate, thawAfterSignal, waitReleased, waitStopped } from '../container/lifecycle.ts';
import { parseSignal } from '../exec/signals.ts';
import { prepareExec, runExec } from '../container/exec.ts';
import { restartable, startAgain } from '../container/restart.ts';
import { renderPlanJson } from '../render/json.ts';
import { renderScript } from '../render/script.ts';
import { VERSION } from '../version.ts';
import { checkPsFilters, containerMatches, parseFilters, PS_FILTERS } from '../format/filters.ts';
import { formatList, formatOne } from '../format/output.ts';
import { describe, filterFacts, mountsOf, psRow, PS_HEADERS } from '../container/describe.ts';
import { startIntervalOf } from '../health/model.ts';
import { readHealth } from '../health/state.ts';

const short = (id: string) => id.slice(0, 12);

// The container's network as its plan recorded it (address, published ports), if it has one.
function networkOf(r: Roots, id: string): Plan['info']['network'] {
  try {
    return (JSON.parse(readFileSync(`${stateDir(r, id)}/config.json`, 'utf8')) as Plan).info.network;
  } catch {
    return undefined;
  }
}

// "172.29.0.2, 0.0.0.0:8080->80/tcp": the address and ports, as ps shows them.
function netText(n: Plan['info']['network']): string {
  if (!n) return '';
  return [n.ip ?? (n.mode === 'container' ? `container:${n.name}` : n.mode === 'host' ? 'host' : ''), ...n.ports.map((p) => `${p.hostIp ?? '0.0.0.0'}:${p.hostPort}->${p.containerPort}/${p.proto}`)].filter(Boolean).join(', ');
}

function pidsOf(v: ContainerView): number {
  const cg = (v as RunState).cgroup;
  if (v.status !== 'running' || !cg) return 0;
  try {
    return readUsage(cg).pids;
  } catch {
    return 0;
  }
}

// glassbox ps [-a] [-q] [--filter K=V]… [--format table|json|TEMPLATE] [--no-trunc] [-n N | -l]: docker's ps. The
// default table keeps glassbox's columns (NAME, PIDS, NETWORK); STATUS reads as docker's ("Up 2 seconds"). json
// prints docker's fields (ID, Names, Status, Labels, …) and, after them, glassbox's own lowercase ones.
export async function cmdPs(opts: { all?: boolean; quiet?: boolean; format?: string; filter?: string[]; noTrunc?: boolean; last?: string; latest?: boolean }): Promise<number> {
  const { bootId } = await readHostFacts();
  const r = roots();
  const filters = parseFilters(opts.filter, PS_FILTERS);
  checkPsFilters(filters);
  // docker: a status filter, -n or -l shows stopped containers without -a.
  const all = opts.all || filters.has('status') || filters.has('exited') || opts.last !== undefined || opts.latest;
  let described = listViews(r, bootId).map((v) => describe(r, v));
  described = described.filter((d) => (all || d.state === 'running' || d.state === 'paused' || d.state === 'restarting') && containerMatches(filters, filterFacts(d)));
  const last = opts.latest ? 1 : opts.last !== undefined ? Number(opts.last) : -1;
  if (opts.last !== undefined && (!Number.isInteger(last) || last < -1)) throw new GlassboxError(`--last: expected a number, got "${opts.last}"`);
  if (last >= 0) described = described.slice(0, last);
  const views = described.map((d) => d.view);
  if (opts.quiet) {
    process.stdout.write(views.map((v) => (opts.noTrunc ? v.id : short(v.id)) + '\n').join(''));
    return 0;
  }
  const now = Date.now();
  if (opts.format !== undefined && opts.format !== 'table') {
    const rows = described.map((d) => {
      const v = d.view;
      const row = psRow(d, now, !opts.noTrunc);
      // glassbox's own fields, kept for the scripts that read them.
      return opts.format === 'json' ? { ...row, id: v.id, name: v.name, image: v.image, command: v.command, state: v.restarting ? 'restarting' : v.status === 'removing' ? 'exited' : v.status, exitCode: v.exitCode ?? null, oomKilled: !!(v as RunState).oomKilled, created: v.created, startedAt: v.startedAt ?? null, finishedAt: v.finishedAt ?? null, pid: v.pid ?? null, pids: pidsOf(v), detached: !!v.detached, restarting: !!v.restarting, restartCount: v.restartCount ?? 0, health: v.health?.status ?? null, ip: networkOf(r, v.id)?.ip ?? null, ports: networkOf(r, v.id)?.ports ?? [] } : row;
    });
    process.stdout.write(formatList(opts.format, rows, PS_HEADERS, ''));
    return 0;
  }
  const rows = [['CONTAINER ID', 'NAME', 'IMAGE', 'COMMAND', 'STATUS', 'CREATED', 'PIDS']];
  // The network column appears when a listed container has a network (docker's PORTS, with the address).
  const nets = views.map((v) => netText(networkOf(r, v.id)));
  const withNet = nets.some(Boolean);
  if (withNet) rows[0]!.push('NETWORK');
  for (const [i, d] of described.entries()) {
    const v = d.view;
    const row = psRow(d, now, !opts.noTrunc);
    const status = row.Status + ((v as RunState).oomKilled ? ' (OOM killed)' : '');
    rows.push([row.ID, v.name, v.image, row.Command, status, row.RunningFor, String(pidsOf(v)), ...(withNet ? [nets[i]!] : [])]);
  }
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  process.stdout.write(rows.map((r) => r.map((x, c) => x.padEnd(w[c]!)).join('   ').trimEnd()).join('\n') + '\n');
  return 0;
}

// The lines util-linux 2.38 adds to the container's stderr when PID 1 dies of SIGKILL (glassbox reports 137 instead).
// util-linux 2.38's message when PID 1 died of SIGKILL (see the runner): glassbox's noise, not the container's.
const UNSHARE_NOISE = /^unshare: sigprocmask unblock failed/;

// The monitor's awk writes "TIME LINE" for each line of output: the line alone, or docker's `TIME LINE` with -t.
export function logLines(text: string, timestamps: boolean): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const sp = raw.indexOf(' ');
    const line = sp < 0 ? '' : raw.slice(sp + 1);
    if (sp < 0 && raw === '') continue;
    if (UNSHARE_NOISE.test(line)) continue;
    out.push(`${timestamps ? `${raw.slice(0, sp)} ` : ''}${line}\n`);
  }
  return out;
}

// glassbox logs [-f] [--tail N] [-t] NAME: the container's stdout and stderr log files, to stdout and stderr.
export async function cmdLogs(ref: string, opts: { follow?: boolean; tail?: string; timestamps?: boolean }): Promise<number> {
  const r = roots();
  const id = resolveContainer(r, ref);
  const { bootId } = await readHostFacts();
  const f = monitorFiles(stateDir(r, id));
  const tail = opts.tail === undefined || opts.tail === 'all' ? undefined : Number(opts.tail);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw new GlassboxError(`--tail: expected a number of lines or "all", got "${opts.tail}"`);
  const ts = !!opts.timestamps;
  // Only whole lines are printed; a line still being written waits for its newline (awk writes whole lines).
  // Files the monitor rotated (--log-opt max-file): LOG.N … LOG.1, oldest first, read once before LOG itself.
  const rotated = (log: string) => readdirSync(dirname(log)).filter((n) => n.startsWith(`${basename(log)}.`) && /\.\d+$/.test(n)).map((n) => join(dirname(log), n)).sort((a, b) => Number(b.slice(b.lastIndexOf('.') + 1)) - Number(a.slice(a.lastIndexOf('.') + 1)));
  const old = (log: string) => (tail === undefined ? rotated(log) : []);
  const offsets = new Map([...old(f.stdout), f.stdout, ...old(f.stderr), f.stderr].map((p) => [p, 0]));
  const streamOf = (file: string) => (file === f.stdout || file.startsWith(`${f.stdout}.`) ? process.stdout : process.stderr);
  const pump = (first: boolean) => {
    for (const [file, had] of offsets) {
      if (!first && file !== f.stdout && file !== f.stderr) continue;
      let size = 0;
      try {
        size = statSync(file).size;
      } catch {
        continue;
      }
      // A rotated file started again from nothing.
      const off = size < had ? 0 : had;
      if (size <= off) continue;
      const fd = openSync(file, 'r');
      const buf = Buffer.alloc(size - off);
      readSync(fd, buf, 0, buf.length, off);
      closeSync(fd);
      const end = buf.lastIndexOf(0x0a) + 1;
      offsets.set(file, off + end);
      let lines = logLines(buf.subarray(0, end).toString('utf8'), ts);
      if (first && tail !== undefined) lines = lines.slice(Math.max(0, lines.length - tail));
      streamOf(file).write(lines.join(''));
    }
  };
  pump(true);
  if (!opts.follow) return 0;
  // Follow: print what is appended, until the container has ended and its monitor has written its exit status.
  for (;;) {
    pump(false);
    const s = readState(r, id);
    const v = s ? viewOf(r, s, bootId) : undefined;
    if (!v || (v.status !== 'running' && v.status !== 'created')) {
      pump(false);
      return 0;
    }
    await new Promise((res) => setTimeout(res, 100));
  }
}


// glassbox kill [-s SIG] NAME…
export async function cmdKill(refs: string[], opts: { signal?: string }): Promise<number> {
  requireRoot('glassbox kill');
  const sig = parseSignal(opts.signal ?? 'KILL');
  const r = roots();
  const { bootId } = await readHostFacts();
  const ids = refs.map((ref) => resolveContainer(r, ref));
  for (const id of ids) {
    const { view, pid1 } = runningPid1(r, id, bootId);
    if (!pid1) throw new GlassboxError(`cannot kill container ${view.name}: container ${short(id)} is not running`);
    await markStopped(r, id, bootId);
    await sendSignal(pid1, sig);
    await thawAfterSignal((view as RunState).cgroup);
    if (sig === 'SIGKILL' && view.detached) await waitReleased(r, id, bootId, 10_000);
    process.stdout.write(`${refs[ids.indexOf(id)]}\n`);
  }
  return 0;
}

// glassbox stop [-t SECS] NAME…: SIGTERM to PID 1; after the grace period, SIGKILL (killing PID 1 of a PID
// namespace kills every process in it; the monitor's teardown then empties the cgroup as well).
export async function cmdStop(refs: string[], opts: { time?: string }): Promise<number> {
  requireRoot('glassbox stop');
  const secs = opts.time === undefined ? undefined : graceSeconds(opts.time);
  const r = roots();
  const { bootId } = await readHostFacts();
  const ids = refs.map((ref) => resolveContainer(r, ref));
  for (const [i, id] of ids.entries()) {
    const view = await terminate(r, id, bootId, secs);
    if (view.detached) await waitStopped(r, id, bootId, 15_000 + (secs ?? 0) * 1000);
    process.stdout.write(`${refs[i]}\n`);
  }
  return 0;
}

// glassbox rm [-f] NAME…: refuses a running container unless forced; a dead one (its monitor was killed) is
// finished from its journal first, like gc does.
export async function cmdRm(refs: string[], opts: { force?: boolean; volumes?: boolean }): Promise<number> {
  requireRoot('glassbox rm');
  const r = roots();
  const { bootId } = await readHostFacts();
  const ids = refs.map((ref) => resolveContainer(r, ref));
  // Every container is checked before anything is done to any of them: a refusal changes nothing.
  const work = ids.map((id) => {
    const damaged = readView(r, id, bootId).status === 'damaged';
    // Its state cannot be read, so whether it runs is judged by its journal's owner (the monitor once it runs).
    if (damaged && containerLive(r, id, bootId) && !opts.force) throw new GlassboxError(`cannot remove container ${short(id)}: its state is damaged and it may still run`, { hint: 'force remove with -f: its processes are killed and its undos run' });
    if (damaged) return { id, damaged };
    const { view, pid1 } = runningPid1(r, id, bootId);
    // A container made by `create` and never started has no owner: nothing of it runs.
    const live = view.status === 'running' || (view.status === 'created' && !!view.owner) || view.status === 'removing';
    if (live && !opts.force) {
      throw new GlassboxError(`cannot remove container "${view.name}": container is ${view.status === 'removing' ? 'stopping' : 'running'}`, { hint: 'stop the container before removing or force remove with -f' });
    }
    if (live && !view.detached) throw new GlassboxError(`cannot remove container "${view.name}": it runs in the foreground of another glassbox`, { hint: 'stop it there (Ctrl-C) or with glassbox stop' });
    return { id, damaged, view, pid1, live };
  });
  // All the kills first: the monitors then tear their containers down side by side while we wait for each.
  for (const w of work) if (w.live && w.view?.detached) await markStopped(r, w.id, bootId);
  for (const w of work) if (w.pid1) await sendSignal(w.pid1, 'SIGKILL').then(() => thawAfterSignal((w.view as RunState).cgroup));
  for (const [i, w] of work.entries()) {
    if (w.damaged) await removeDamaged(r, w.id);
    else {
      if (w.live && !(await waitStopped(r, w.id, bootId, 15_000))) throw new GlassboxError(`container ${short(w.id)} did not stop in time`);
      // rm -v: the anonymous volumes it made go too (read before its state goes).
      const own = opts.volumes ? containerMounts(r.root).find((c) => c.id === w.id) : undefined;
      await removeEnded(r, w.id, bootId, w.view!.name);
      if (own) for (const n of (await removeAnonymousOf(r.root, own)).kept) warn(`volume ${n} is still in use by another container: kept`);
    }
    process.stdout.write(`${refs[i]}\n`);
  }
  return 0;
}

// glassbox inspect NAME…: a JSON array like docker's, from the container's plan and state.
export async function cmdInspect(refs: string[], opts: { format?: string } = {}): Promise<number> {
  const r = roots();
  const { bootId } = await readHostFacts();
  const ids = refs.map((ref) => resolveContainer(r, ref));
  const out = ids.map((id) => {
    const dir = stateDir(r, id);
    const v = readView(r, id, bootId);
    let plan: Plan | undefined;
    try {
      plan = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')) as Plan;
    } catch {}
    const f = monitorFiles(dir);
    const p = plan?.info.paths;
    const d = describe(r, v);
    return {
      Id: id,
      Name: v.name,
      Created: v.created,
      Image: v.image,
      Path: v.command[0],
      Args: v.command.slice(1),
      State: {
        Status: d.state,
        Running: v.status === 'running',
        Paused: d.state === 'paused',
        Restarting: d.state === 'restarting',
        Dead: v.status === 'dead',
        Pid: v.status === 'running' ? (v.pid ?? 0) : 0,
        ExitCode: v.exitCode ?? 0,
        OOMKilled: (v as RunState).oomKilled ?? false,
        StartedAt: v.startedAt ?? null,
        FinishedAt: v.finishedAt ?? null,
        ...(plan?.info.health ? { Health: readHealth(f.health) ?? { Status: 'starting', FailingStreak: 0, Log: [] } } : {}),
      },
      RestartCount: v.restartCount ?? 0,
      Config: { Hostname: plan?.info.env.HOSTNAME ?? '', Env: plan ? Object.entries(plan.info.env).map(([k, val]) => `${k}=${val}`) : [], Cmd: v.command, Image: v.image, Labels: d.labels, Detached: !!v.detached, AutoRemove: !!v.autoRemove, ...lifecycleConfig(plan) },
      ImageID: plan?.info.imageId ?? '',
      HostConfig: plan?.info.security
        ? {
            // docker's names for the limits (bytes, nano-CPUs, relative weight); 0 means none, -1 unlimited swap.
            ...limitsOf(plan.info.cgroup),
            CgroupVersion: plan.info.cgroup?.version ?? null,
            CgroupPaths: plan.info.cgroup ? [...new Set(Object.values(plan.info.cgroup.dirs))] : [],
            Privileged: plan.info.security.privileged,
            Capabilities: plan.info.security.capabilities,
            CapabilityMask: plan.info.security.capMask,
            SecurityOpt: [`no-new-privileges=${plan.info.security.noNewPrivileges}`, `seccomp=${plan.info.security.seccomp}`],
            MaskedPaths: plan.info.security.maskedPaths,
            ReadonlyPaths: plan.info.security.readonlyPaths,
            Devices: plan.info.security.devices,
            RestartPolicy: { Name: plan.info.lifecycle?.restart?.name ?? 'no', MaximumRetryCount: plan.info.lifecycle?.restart?.maxRetries ?? 0 },
            ...(plan.info.lifecycle?.log ? { LogConfig: { Type: 'json-file', Config: { 'max-size': String(plan.info.lifecycle.log.maxSize), 'max-file': String(plan.info.lifecycle.log.maxFile ?? 1) } } } : {}),
          }
        : null,
      // The user mounts first, in docker's form (Type volume|bind|tmpfs, Name, Source, Destination in the container,
      // RW…), then the rest of the fstab glassbox mounts itself (root, /dev, /sys…).
      Mounts: [...(plan?.info.mounts ?? []), ...mountsOf(plan).filter((e) => !plan?.info.mounts?.some((u) => e.Destination === (plan.info.paths.rootfs + u.Destination)))],
      NetworkSettings: plan?.info.network
        ? {
            Mode: plan.info.network.mode,
            Network: plan.info.network.name ?? null,
            IPAddress: plan.info.network.ip ?? null,
            IPPrefixLen: plan.info.network.prefix ?? null,
            Gateway: plan.info.network.gateway ?? null,
            MacAddress: plan.info.network.mac ?? null,
            Bridge: plan.info.network.bridge ?? null,
            HostInterface: plan.info.network.hostIf ?? null,
            Ports: plan.info.network.ports.map((p) => ({ ContainerPort: `${p.containerPort}/${p.proto}`, HostIp: p.hostIp ?? '0.0.0.0', HostPort: String(p.hostPort) })),
          }
        : { Mode: 'none' },
      Fstab: p ? `${p.run}/fstab` : null,
      LogPath: { stdout: f.stdout, stderr: f.stderr },
      Monitor: v.monitor ? { Pid: v.monitor.pid, Script: f.script, Alive: ownerAlive(v.monitor, bootId) } : null,
      HostObjects: {
        StateDir: dir,
        RunDir: p?.run ?? null,
        NamespaceFiles: p ? (plan!.steps.find((s) => s.role === 'hold')?.argv?.filter((a) => a.startsWith('--') && a.includes(p.nsDir)).map((a) => a.split('=')[1]) ?? []) : [],
        Cgroups: Object.values((v as RunState).cgroup?.dirs ?? {}),
      },
    };
  });
  // -f/--format: docker's template, once per container (json: one line each).
  if (opts.format !== undefined) {
    process.stdout.write(out.map((o) => formatOne(opts.format!, o)).join(''));
    return 0;
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  return 0;
}

// glassbox exec [-e] [-w] [-u] NAME CMD…: runs CMD in every namespace of the container's PID 1, under its root, as
// its user, inside its cgroups (the exec block: a FIFO barrier holds the new process until it has joined them).
// Standard input, output and error are glassbox's own; the exit status is CMD's.
export async function cmdExec(ref: string, command: string[], opts: { env?: string[]; workdir?: string; user?: string; interactive?: boolean; tty?: boolean; plan?: boolean; format?: string }, lang: 'en' | 'zh' = 'en'): Promise<number> {
  requireRoot('glassbox exec');
  if (opts.format !== undefined && !opts.plan) throw new GlassboxError('--format goes with --plan', { field: '--format', hint: 'glassbox exec --plan --format json NAME COMMAND' });
  const r = roots();
  const { bootId } = await readHostFacts();
  const exec = await prepareExec(r, bootId, { ref, command, ...opts }, (v) => psRow(describe(r, v), Date.now(), true).Status);
  // --plan: print the steps exec would run, and run none of them.
  if (opts.plan) {
    process.stdout.write(opts.format === 'json' ? renderPlanJson(exec.plan) : renderScript(exec.plan, { lang, mode: 'exec', glassboxVersion: VERSION }));
    return 0;
  }
  if (opts.tty && !process.stdin.isTTY) throw new GlassboxError('the input device is not a TTY', { hint: 'drop -t, or run glassbox from a terminal' });
  return runExec(r, bootId, exec, opts);
}

// docker inspect's Config fields for the stop signal and timeout and the health check (durations in nanoseconds).
function lifecycleConfig(plan: Plan | undefined): Record<string, unknown> {
  const life = plan?.info.lifecycle;
  const h = plan?.info.health;
  return {
    StopSignal: life?.stopSignal ?? 'SIGTERM',
    ...(life?.stopTimeout !== undefined ? { StopTimeout: life.stopTimeout } : {}),
    ...(h ? { Healthcheck: { Test: h.test, Interval: h.intervalMs * 1e6, Timeout: h.timeoutMs * 1e6, StartPeriod: h.startPeriodMs * 1e6, StartInterval: startIntervalOf(h) * 1e6, Retries: h.retries } } : {}),
  };
}

// The limits of a container in docker inspect's HostConfig fields.
function limitsOf(cg: PlanCgroup | undefined): Record<string, number | string> {
  const l = cg?.limits ?? {};
  return {
    Memory: l.memory ?? 0,
    MemorySwap: l.memorySwap ?? 0,
    NanoCpus: l.cpus !== undefined ? Math.round(l.cpus * 1e9) : 0,
    CpuShares: l.cpuShares ?? 0,
    CpusetCpus: l.cpusetCpus ?? '',
    PidsLimit: l.pids ?? 0,
  };
}

// glassbox restart [-t SECS] NAME…: stop (as `stop` does), then start the same container again from its stored
// plan: same ID, name, writable layer and log files (appended). The run root's one-time steps are left out; after
// a reboot they are missing, and restart refuses (run the container anew).
export async function cmdRestart(refs: string[], opts: { time?: string }, lang: 'en' | 'zh'): Promise<number> {
  requireRoot('glassbox restart');
  const r = roots();
  const facts = await readHostFacts();
  const ids = refs.map((ref) => resolveContainer(r, ref));
  for (const [i, id] of ids.entries()) {
    const view = restartable(r, id, facts.bootId);
    if (view.status === 'running' || view.status === 'removing') await stopContainer(r, id, facts.bootId, opts.time === undefined ? undefined : graceSeconds(opts.time));
    await startAgain(r, facts, id, lang);
    process.stdout.write(`${refs[i]}\n`);
  }
  return 0;
}

// --time: the grace period in seconds (docker's default is 10).
function graceSeconds(time: string | undefined): number {
  const secs = Number(time ?? '10');
  if (!Number.isFinite(secs) || secs < 0) throw new GlassboxError(`--time: expected a number of seconds, got "${time}"`);
  return secs;
}

