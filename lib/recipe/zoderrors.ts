// Turns zod issues into positioned GlassboxErrors, with did-you-mean for unknown keys. Zod's strict objects
// report unknown keys; we look up the keys the schema does know at that path to suggest the nearest one.

import type { z } from 'zod';
import { GlassboxError, GlassboxErrors } from '../errors.ts';
import { didYouMean } from '../util/didyoumean.ts';
import { fieldPath, positionOf, type ParsedYaml } from './yamlpos.ts';

type AnySchema = z.ZodType;
interface Def {
  type: string;
  shape?: Record<string, AnySchema>;
  element?: AnySchema;
  innerType?: AnySchema;
  options?: AnySchema[];
  valueType?: AnySchema;
}
const defOf = (s: AnySchema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

// Lists the keys an object schema accepts at `path` (through optionals, arrays, records and unions).
export function knownKeysAt(schema: AnySchema, path: PropertyKey[]): string[] {
  let cur: AnySchema[] = [schema];
  const unwrap = (s: AnySchema): AnySchema[] => {
    const d = defOf(s);
    if (d.type === 'optional' || d.type === 'default' || d.type === 'nullable' || d.type === 'prefault') return unwrap(d.innerType!);
    if (d.type === 'union') return d.options!.flatMap(unwrap);
    if (d.type === 'pipe') return unwrap((d as unknown as { in: AnySchema }).in);
    return [s];
  };
  for (const seg of path) {
    const next: AnySchema[] = [];
    for (const s of cur.flatMap(unwrap)) {
      const d = defOf(s);
      if (d.type === 'object' && typeof seg === 'string' && d.shape![seg]) next.push(d.shape![seg]!);
      else if (d.type === 'array' && typeof seg === 'number') next.push(d.element!);
      else if (d.type === 'record') next.push(d.valueType!);
    }
    cur = next;
  }
  return [...new Set(cur.flatMap(unwrap).flatMap((s) => (defOf(s).type === 'object' ? Object.keys(defOf(s).shape!) : [])))];
}

// Converts a failed safeParse into one error per issue, positioned in the YAML source.
export function zodToErrors(y: ParsedYaml, schema: AnySchema, error: z.ZodError, what: string): GlassboxErrors {
  const out: GlassboxError[] = [];
  for (const issue of error.issues) {
    const path = issue.path as (string | number)[];
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, path);
      for (const key of (issue as unknown as { keys: string[] }).keys) {
        const near = didYouMean(key, known);
        out.push(
          new GlassboxError(`unknown key "${key}" in ${what}`, {
            pos: positionOf(y, path, key),
            field: fieldPath([...path, key]),
            hint: near ? `did you mean "${near}"?` : `known keys: ${known.join(', ')}`,
          }),
        );
      }
      continue;
    }
    out.push(
      new GlassboxError(cleanMessage(issue), {
        pos: positionOf(y, path),
        field: fieldPath(path) || '(top level)',
        hint: hintFor(issue),
      }),
    );
  }
  out.sort((a, b) => (a.pos?.line ?? 0) - (b.pos?.line ?? 0) || (a.pos?.col ?? 0) - (b.pos?.col ?? 0));
  return new GlassboxErrors(out);
}

// Zod's messages are terse; make the common ones read well.
function cleanMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    const got = (issue as unknown as { input?: unknown }).input;
    if (got === undefined) return `is required (expected ${issue.expected})`;
    return `expected ${issue.expected}, got ${Array.isArray(got) ? 'array' : got === null ? 'null' : typeof got}`;
  }
  return issue.message;
}

function hintFor(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code === 'invalid_value') {
    const values = (issue as unknown as { values?: unknown[] }).values;
    if (values?.length) return `one of: ${values.map(String).join(', ')}`;
  }
  if (issue.code === 'invalid_union') return 'see recipes/recipe.schema.json for the accepted forms';
  return undefined;
}
