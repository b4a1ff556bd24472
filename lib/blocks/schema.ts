// The shape of a building block file (recipes/blocks/*.yaml). A block names its parameters and lists steps; a
// step's argv is a list of elements, each a string with {{param}} placeholders or a small directive object:
//   {each: LIST, arg: "…{{item}}…"}   one element per list item       {if: PARAM, arg: "…"}  only when PARAM is set
//   {each: LIST, args: ["-o", "{{item}}"]}  several elements per item   {unless: PARAM, args: […]}
//   {splice: LIST}                     the list's items, verbatim, one element each (a user's command, say)
// Substitution happens inside one element, so a value can never become two arguments.
//
// Step kinds: run (a command), start (the container's main process), write (a file write), mkdir and remove
// (directory creation and file removal, done in-process and rendered as the identical mkdir -p / rm -f line), and
// mount: an fstab entry. The planner gathers a plan's mount entries into one commented fstab file that a single
// `mount --all --fstab` mounts in order (one process instead of one per mount).

import { z } from 'zod';
import { STEP_ROLES, RETRY_POLICIES } from '../plan/types.ts';

export const TextSchema = z.strictObject({ en: z.string().min(1), zh: z.string().min(1) });

const Args = { arg: z.string().optional(), args: z.array(z.string()).optional() };
export const ArgElementSchema = z.union([
  z.string(),
  z.strictObject({ each: z.string(), ...Args }),
  z.strictObject({ if: z.string(), ...Args }),
  z.strictObject({ unless: z.string(), ...Args }),
  z.strictObject({ splice: z.string() }),
]);
export type ArgElement = z.infer<typeof ArgElementSchema>;

export const ParamTypes = ['string', 'path', 'int', 'bool', 'list', 'runtime'] as const;
export const ParamSchema = z.strictObject({
  type: z.enum(ParamTypes),
  doc: z.string().optional(),
  optional: z.boolean().optional(),
});

export const StepSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'step ids are lowercase words joined by -'),
  title: TextSchema,
  why: TextSchema,
  touches: z.array(z.string()).default([]),
  kind: z.enum(['run', 'write', 'start', 'mkdir', 'remove', 'mount']).optional(),
  phase: z.enum(['setup', 'boot']).optional(),
  run: z.array(ArgElementSchema).min(1).optional(),
  stdin: z.string().optional(),
  /** A run step's standard output goes to this file (rendered as `… > PATH`), so a later step can read it. */
  stdout: z.string().optional(),
  write: z.strictObject({ path: z.string(), value: z.string() }).optional(),
  mkdir: z.array(ArgElementSchema).min(1).optional(),
  remove: z.array(ArgElementSchema).min(1).optional(),
  mount: z
    .strictObject({ source: z.string(), target: z.string(), type: z.string(), options: z.string() })
    .optional(),
  undo: z.array(ArgElementSchema).min(1).optional(),
  undo_may_fail: z.boolean().optional(),
  /** Why an undo may fail harmlessly, said in words at cleanup: its target may be gone already, or still shared. */
  undo_tolerate: z.array(z.enum(['gone', 'shared'])).min(1).optional(),
  exists_ok: z.boolean().optional(),
  /** What the step means to the code (lib/plan/types.ts, StepRole). */
  role: z.enum(STEP_ROLES, { message: 'not a step role' }).optional(),
  /** The undo's retry policy: while-busy retries it while it fails with EBUSY. */
  undo_retry: z.enum(RETRY_POLICIES, { message: 'not a retry policy' }).optional(),
  /** The step's own retry policy: while-busy runs it again while it fails with EBUSY. */
  retry: z.enum(RETRY_POLICIES, { message: 'not a retry policy' }).optional(),
  observe: z.array(z.array(ArgElementSchema).min(1)).default([]),
  if: z.string().optional(),
  unless: z.string().optional(),
  each: z.string().optional(),
  needs: z.array(z.string()).optional(),
});

/** The part of a container a block builds: learn mode, `plan --brief` and the JSON plan group steps by it. */
export const SECTIONS = ['root', 'namespaces', 'cgroups', 'network', 'security', 'start'] as const;

export const BlockSchema = z.strictObject({
  block: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  section: z.enum(SECTIONS).optional(),
  summary: TextSchema,
  params: z.record(z.string().regex(/^[a-z_][a-z0-9_]*$/), ParamSchema).default({}),
  steps: z.array(StepSchema).min(1),
});

export type BlockDef = z.infer<typeof BlockSchema>;

/** Every building block by name, with the file it came from (lib/blocks/catalog.ts loads it). */
export type Catalog = Map<string, BlockDef & { file: string }>;

export type BlockStepDef = z.infer<typeof StepSchema>;
