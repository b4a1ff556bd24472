// zod issues on a compose file → GlassboxErrors at file:line:col. Unions (a port is a string, a number or a
// mapping) are resolved to the branch the value's type chose, so a misspelt key inside a long form is reported as
// that key, not as "invalid input". A key of the specification that glassbox does not support yet is named as
// such; any other unknown key gets a did-you-mean.

import type { z } from 'zod';
import { GlassboxError, GlassboxErrors } from '../errors.ts';
import { knownKeysAt } from '../recipe/zoderrors.ts';
import { fieldPath, positionOf, type ParsedYaml } from '../recipe/yamlpos.ts';
import { didYouMean } from '../util/didyoumean.ts';
import { objectKind, UNSUPPORTED } from './schema.ts';

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  input?: unknown;
  keys?: string[];
  errors?: Issue[][];
  values?: unknown[];
}

const typeName = (v: unknown) => (Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'a mapping' : `a ${typeof v}`);
const expectedName = (e: string) => (e === 'array' ? 'a list' : e === 'object' || e === 'record' ? 'a mapping' : e === 'null' ? 'null' : e);

// Flattens union issues: the branches whose type matched speak; if none did, one type error lists the forms.
function flatten(issue: Issue, base: PropertyKey[] = []): Issue[] {
  const path = [...base, ...issue.path];
  if (issue.code !== 'invalid_union' || !issue.errors) return [{ ...issue, path }];
  const typeOnly = (branch: Issue[]) => branch.every((i) => i.code === 'invalid_type' && i.path.length === 0);
  const matched = issue.errors.filter((b) => !typeOnly(b));
  if (matched.length) return matched[0]!.flatMap((i) => flatten(i, path));
  const expected = [...new Set(issue.errors.flatMap((b) => b.map((i) => expectedName(i.expected ?? '?'))))];
  const list = expected.length > 1 ? `${expected.slice(0, -1).join(', ')} or ${expected.at(-1)}` : expected[0];
  return [{ code: 'invalid_type', path, message: `expected ${list}, got ${typeName(issue.input)}` }];
}

// One error per problem, sorted by position.
export function composeZodErrors(y: ParsedYaml, schema: z.ZodType, error: z.ZodError): GlassboxError[] {
  const out: GlassboxError[] = [];
  for (const issue of (error.issues as unknown as Issue[]).flatMap((i) => flatten(i))) {
    const path = issue.path as (string | number)[];
    if (issue.code === 'unrecognized_keys') {
      const kind = objectKind(path);
      const known = knownKeysAt(schema, path).filter((k) => k !== 'version');
      for (const key of issue.keys ?? []) {
        const pos = positionOf(y, path, key);
        const field = fieldPath([...path, key]);
        if (kind && UNSUPPORTED[kind]?.includes(key)) {
          out.push(new GlassboxError(`"${key}" is not supported by glassbox yet`, { pos, field, hint: 'remove it, or run this project with docker compose' }));
          continue;
        }
        const near = didYouMean(key, known);
        out.push(new GlassboxError(`unknown key "${key}"`, { pos, field, hint: near ? `did you mean "${near}"?` : `known keys: ${known.join(', ')}` }));
      }
      continue;
    }
    if (issue.code === 'invalid_key') {
      // A map key the schema refuses (a service name): at the key, with the key's own message.
      const inner = (issue as unknown as { issues?: Issue[] }).issues?.[0];
      out.push(new GlassboxError(inner?.message ?? issue.message, { pos: positionOf(y, path.slice(0, -1), String(path.at(-1))), field: fieldPath(path) }));
      continue;
    }
    let message = issue.message;
    if (issue.code === 'invalid_type' && message.startsWith('Invalid input')) {
      message = issue.input === undefined ? `is required (expected ${expectedName(issue.expected ?? '?')})` : `expected ${expectedName(issue.expected ?? '?')}, got ${typeName(issue.input)}`;
    }
    const hint = issue.code === 'invalid_value' && issue.values?.length ? `one of: ${issue.values.map(String).join(', ')}` : undefined;
    out.push(new GlassboxError(message, { pos: positionOf(y, path), field: fieldPath(path) || '(top level)', hint }));
  }
  out.sort((a, b) => (a.pos?.line ?? 0) - (b.pos?.line ?? 0) || (a.pos?.col ?? 0) - (b.pos?.col ?? 0));
  return out;
}
