// What an undo's result means, in words. A step says why its undo may fail (`undo_tolerate` in its block):
// `gone` — the target may no longer exist (a veth vanishes with its network namespace, a file with its
// directory); `shared` — another container may still use it (glassbox's parent cgroup). The kernel's answer then
// says which of them happened: ENOENT and its relatives mean gone, EBUSY or ENOTEMPTY mean still in use. An undo
// that fails for another reason is shown as the failure it is.

import { goneOnly, type Step } from '../plan/types.ts';

export type Verdict = 'ok' | 'gone' | 'shared' | 'allowed' | 'failed';

const GONE = /no such file|not found|cannot find|does not exist|not mounted|no such device|no such process/i;
const IN_USE = /busy|not empty|in use/i;

// Classifies one undo's result against what its step declared.
export function undoVerdict(step: Pick<Step, 'undoTolerate' | 'undoMayFail' | 'undoRetry'>, exitCode: number, stderr: string): Verdict {
  if (exitCode === 0) return 'ok';
  // One rmdir for several groups, tried again while busy: the groups an earlier try removed are gone.
  if (step.undoRetry === 'while-busy' && goneOnly(stderr)) return 'gone';
  const tolerate = step.undoTolerate ?? [];
  if (tolerate.includes('gone') && GONE.test(stderr)) return 'gone';
  if (tolerate.includes('shared') && IN_USE.test(stderr)) return 'shared';
  return step.undoMayFail ? 'allowed' : 'failed';
}
