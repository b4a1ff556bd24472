// A block step's kind: given, or implied by the one field that says what it does.

import type { BlockStepDef } from './schema.ts';

export type BlockStepKind = 'run' | 'write' | 'start' | 'mkdir' | 'remove' | 'mount';

export function stepKind(step: BlockStepDef): BlockStepKind {
  return step.kind ?? (step.write ? 'write' : step.mkdir ? 'mkdir' : step.remove ? 'remove' : step.mount ? 'mount' : 'run');
}
