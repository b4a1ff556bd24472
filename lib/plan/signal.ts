// A signal to a container's PID 1 is a visible step like any other (the signal block: `kill -s NAME PID`, which
// --verbose shows), planned here and run by the executor; stop, kill, restart and rm -f send theirs this way.

import { expandBlock } from '../blocks/expand.ts';
import type { Catalog } from '../blocks/schema.ts';
import type { Step } from './types.ts';

// The step that sends `signal` (SIGTERM or TERM) to the process `pid`.
export function planSignal(catalog: Catalog, pid: number, signal: string): Step {
  const [step] = expandBlock(catalog, { block: 'signal', as: 'signal', params: { pid: String(pid), signal: signal.replace(/^SIG/, '') } });
  return step!;
}
