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
import { RT_CLOSE, RT_OPEN, runtimeRef, type Step } from '../plan/types.ts';
import { MONITOR_AS as AS, type MonitorFiles } from './script.ts';

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
