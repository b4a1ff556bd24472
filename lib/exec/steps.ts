// Steps run one by one, each on its own, for verbs whose work is a few independent steps with no journal: the
// removal of a network's bridge and chains, a signal to PID 1. A failing step (its object already gone) does not
// stop the next one; the results say what happened, and --verbose shows each command as it runs.

import type { Step } from '../plan/types.ts';
import { performStep, type StepResult } from './step.ts';

// Performs each step in order and returns every result.
export async function runSteps(steps: Step[]): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const s of steps) results.push(await performStep(s));
  return results;
}
