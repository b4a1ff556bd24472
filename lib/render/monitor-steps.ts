// The commands of a detached container's monitor, from recipes/blocks/monitor.yaml. The monitor is a plain sh
// script (renderMonitor) that outlives glassbox; the block holds every command it runs (the FIFOs, the awk that
// stamps each log line, the PID and exit files, the name release, the `done` marker) and the one that launches it
// (setsid sh SCRIPT). TypeScript gives the paths; renderMonitor only puts shell control flow around the steps
// (redirections, `&`, `wait`, `if`), and glassbox spawns the launch step's argv.
//
// Two values exist only inside the running script: the start chain's PID and the container's exit status. They
// are passed as runtime references, which render as the script's variables "$gb_pid" and "$gb_status".

import type { Catalog } from '../blocks/catalog.ts';
import { expandBlock } from '../blocks/expand.ts';
import { startIntervalOf } from '../health/model.ts';
import { planExec } from '../plan/exec.ts';
import { RT_CLOSE, RT_OPEN, runtimeRef, type Plan, type Step } from '../plan/types.ts';
import { LOADER_NAME } from '../security/defaults.ts';
import type { monitorFiles } from '../state/lifecycle.ts';
import { MONITOR_AS as AS, type LogSteps, type MonitorDuties, type MonitorFiles } from './script.ts';

// A variable of the monitor script only (never the executor's): rendered as "$gb_NAME".
const scriptVar = (name: string) => `${RT_OPEN}${name}${RT_CLOSE}`;

// Seconds with a fraction, as sleep takes them: 1500 → 1.5.
export const seconds = (ms: number) => String(ms / 1000);

// Expands the blocks of the monitor's other duties for one container, from its plan's lifecycle and health.
export function expandDuties(catalog: Catalog, plan: Plan, files: ReturnType<typeof monitorFiles>): MonitorDuties {
  const out: MonitorDuties = {};
  const { info } = plan;
  const policy = info.lifecycle?.restart;
  if (policy) {
    out.restart = {
      policy,
      steps: expandBlock(catalog, {
        block: 'monitor-restart',
        as: 'restart',
        params: {
          stopped: files.stopped, restarts: files.restarts, backoff: files.backoff,
          barrier: barrierOf(plan), rootfs_dev: `${info.paths.rootfs}/dev`, mount_ns: `${info.paths.nsDir}/mount`, pid1: files.pid1,
          count: scriptVar('restarts'), status: scriptVar('status'), delay: scriptVar('delay_s'), pid1v: runtimeRef('pid1'), chain: runtimeRef('pid'),
        },
      }),
    };
  }
  if (info.health && info.process) {
    const h = info.health;
    const bin = `${info.paths.run}/bin`;
    const check = planExec(catalog, {
      container: plan, pid1: 0, targetRef: scriptVar('ctr'), token: 'health', command: h.command, env: info.env, tty: false,
      loader: plan.steps.some((s) => s.argv?.some((a) => a === `${bin}/${LOADER_NAME}`)),
    }).plan;
    out.health = {
      health: h,
      check,
      steps: expandBlock(catalog, {
        block: 'monitor-health',
        as: 'health',
        params: {
          dir: files.health, output: files.healthOut, interval: seconds(h.intervalMs), start_interval: seconds(startIntervalOf(h)), timeout: seconds(h.timeoutMs), pid1: files.pid1,
          state: scriptVar('health'), entry: scriptVar('entry'), old: scriptVar('old'), victims: scriptVar('victims'),
        },
      }),
    };
  }
  const log = info.lifecycle?.log;
  if (log?.maxSize) {
    const stream = (file: string): LogSteps => {
      const maxFile = log.maxFile ?? 1;
      const base = expandBlock(catalog, { block: 'monitor-logs', as: 'logs', params: { log: file } });
      const get = (id: string) => base.find((s) => s.id === `logs.${id}`)!;
      const rotate: Step[] = [];
      for (let i = maxFile - 2; i >= 1; i--) {
        rotate.push(expandBlock(catalog, { block: 'monitor-logs', as: 'logs', params: { log: file, from: `${file}.${i}`, to: `${file}.${i + 1}` } }).find((s) => s.id === 'logs.shift')!);
      }
      rotate.push(maxFile > 1 ? get('rotate') : get('truncate'));
      return { size: get('size'), stamp: get('stamp'), rotate, maxSize: log.maxSize!, log: file };
    };
    out.logs = { stdout: stream(files.stdout), stderr: stream(files.stderr) };
  }
  return out;
}

// Expands the monitor block for one container's files (with `nameLink`: --rm, the name is released at the end).
export function expandMonitor(catalog: Catalog, files: MonitorFiles & { script: string }, nameLink?: string): Step[] {
  return expandBlock(catalog, {
    block: 'monitor',
    as: AS,
    params: {
      script: files.script, stdout_fifo: files.stdoutFifo, stderr_fifo: files.stderrFifo, stdout: files.stdout, stderr: files.stderr,
      chain: files.chain, exit: files.exit, pid1: files.pid1, done: files.done, name_link: nameLink,
      pid: runtimeRef('pid'),
      // The exit status is a variable of the monitor script only, never of the executor: hence no RuntimeVar.
      status: `${RT_OPEN}status${RT_CLOSE}`,
    },
  });
}

// The argv that starts the monitor (setsid sh SCRIPT), from the block's launch step.
export function monitorLaunch(steps: Step[]): string[] {
  const s = steps.find((x) => x.id === `${AS}.launch`);
  if (!s?.argv) throw new Error('the monitor block has no launch step');
  return s.argv;
}

// The run root's start barrier, as the plan's dev step copies it into the container's /dev.
function barrierOf(plan: Plan): string {
  const dev = `${plan.info.paths.rootfs}/`;
  const found = plan.steps.flatMap((s) => s.argv ?? []).find((a) => a.endsWith('/.glassbox-start') && !a.startsWith(dev) && !a.includes('='));
  if (!found) throw new Error('the plan copies no start barrier into the container');
  return found;
}
