// Expands a block into plan steps for given parameter values. TypeScript decides which blocks a container needs
// and computes the values (IDs, paths, addresses); the block decides which commands run. Every placeholder is
// replaced inside a single argv element, so a value full of spaces or quotes stays one argument.

import { GlassboxError } from '../errors.ts';
import type { Phase, Step } from '../plan/types.ts';
import { stepKind } from './kind.ts';
import type { ArgElement, BlockDef, Catalog } from './schema.ts';

export type ParamValue = string | number | boolean | string[] | Record<string, string | number | boolean>[] | undefined;
export type Params = Record<string, ParamValue>;

export interface Instance {
  /** Which block. */
  block: string;
  /** Instance name, unique in the plan: becomes the prefix of its step ids. */
  as: string;
  params: Params;
  /** Step ids (of earlier instances) that the instance's first steps wait for. */
  after?: string[];
}

// Expands one block instance into steps with fully substituted argv.
export function expandBlock(catalog: Catalog, inst: Instance): Step[] {
  const block = catalog.get(inst.block);
  if (!block) throw new GlassboxError(`no block named ${inst.block}`, { hint: `blocks: ${[...catalog.keys()].join(', ')}` });
  checkParams(block, inst);
  const steps: Step[] = [];
  const localIds = new Map<string, string[]>(); // block-local id → expanded ids
  let previous: string[] = inst.after ?? [];
  for (const def of block.steps) {
    if (def.if && !truthy(inst.params[def.if])) continue;
    if (def.unless && truthy(inst.params[def.unless])) continue;
    const items: (ParamValue | Record<string, unknown>)[] = def.each ? ((inst.params[def.each] as unknown[]) ?? []) as never[] : [undefined];
    const needs = def.needs ? [...(inst.after ?? []), ...def.needs.flatMap((n) => localIds.get(n) ?? [])] : previous;
    const made: string[] = [];
    items.forEach((item, i) => {
      const scope: Scope = { params: inst.params, item };
      const id = `${inst.as}.${def.id}${def.each ? `-${i}` : ''}`;
      const kind = stepKind(def);
      const phase: Phase = kind === 'start' ? 'start' : def.phase ?? 'setup';
      steps.push({
        id,
        block: inst.as,
        kind,
        phase,
        title: { en: sub(def.title.en, scope, true), zh: sub(def.title.zh, scope, true) },
        why: { en: sub(def.why.en, scope, true), zh: sub(def.why.zh, scope, true) },
        touches: def.touches,
        ...(def.run ? { argv: argv(def.run, scope) } : {}),
        ...(def.stdin !== undefined ? { stdin: sub(def.stdin, scope) } : {}),
        ...(def.stdout !== undefined ? { stdout: sub(def.stdout, scope) } : {}),
        ...(def.write ? { write: { path: sub(def.write.path, scope), value: sub(def.write.value, scope) } } : {}),
        ...(def.mkdir ? { paths: argv(def.mkdir, scope) } : def.remove ? { paths: argv(def.remove, scope) } : {}),
        ...(def.mount
          ? { mount: { source: sub(def.mount.source, scope), target: sub(def.mount.target, scope), type: sub(def.mount.type, scope), options: sub(def.mount.options, scope) } }
          : {}),
        ...(def.undo ? { undo: argv(def.undo, scope) } : {}),
        ...(def.undo_may_fail || def.undo_tolerate ? { undoMayFail: true } : {}),
        ...(def.undo_tolerate ? { undoTolerate: def.undo_tolerate } : {}),
        ...(block.section ? { section: block.section } : {}),
        ...(def.exists_ok ? { existsOk: true } : {}),
        ...(def.role ? { role: def.role } : {}),
        ...(def.undo_retry ? { undoRetry: def.undo_retry } : {}),
        ...(def.retry ? { retry: def.retry } : {}),
        observe: def.observe.map((o) => argv(o, scope)),
        needs: [...new Set(needs)],
      });
      made.push(id);
    });
    localIds.set(def.id, made);
    if (made.length) previous = made;
  }
  return steps;
}

interface Scope {
  params: Params;
  item: unknown;
}

// A parameter counts as set when it is true, a non-empty string or a non-empty list.
function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== undefined && v !== false && v !== '' && v !== 0;
}

// Checks the given values against the block's declared parameter types.
function checkParams(block: BlockDef, inst: Instance): void {
  for (const [name, spec] of Object.entries(block.params)) {
    const v = inst.params[name];
    const bad = (what: string) => new GlassboxError(`block ${block.block} (${inst.as}): parameter ${name} ${what}`);
    if (v === undefined) {
      if (!spec.optional) throw bad('is missing');
      continue;
    }
    const ok =
      spec.type === 'bool' ? typeof v === 'boolean'
      : spec.type === 'int' ? Number.isInteger(v)
      : spec.type === 'list' ? Array.isArray(v)
      : spec.type === 'path' ? typeof v === 'string' && (v.startsWith('/') || v.startsWith('\u0000{'))
      : typeof v === 'string';
    const article = spec.type === 'int' ? 'an' : 'a';
    if (!ok) throw bad(`must be ${spec.type === 'path' ? 'an absolute path' : `${article} ${spec.type}`}, got ${JSON.stringify(v)}`);
    // A value that is one runtime reference as a whole (the monitor's "$gb_ctr" for a health check's target) is fine.
    if (typeof v === 'string' && v.includes('\u0000') && spec.type !== 'runtime' && spec.type !== 'path' && !/^\u0000\{[a-z0-9_]+\}\u0000$/.test(v)) throw bad('contains a NUL byte');
  }
  for (const name of Object.keys(inst.params)) {
    if (!(name in block.params)) throw new GlassboxError(`block ${block.block} (${inst.as}) has no parameter ${name}`);
  }
}

// Replaces {{name}}, {{name.field}}, {{item}} and {{item.field}} inside one string.
function sub(s: string, scope: Scope, forText = false): string {
  return s.replace(/\{\{\s*([a-z_][a-z0-9_]*)(?:\.([a-z_][a-z0-9_]*))?\s*\}\}/gi, (_, name: string, field?: string) => {
    let v: unknown = name === 'item' ? scope.item : scope.params[name];
    if (field !== undefined) v = (v as Record<string, unknown> | undefined)?.[field];
    if (v === undefined) {
      if (forText) return '';
      throw new GlassboxError(`placeholder {{${name}${field ? '.' + field : ''}}} has no value`);
    }
    if (Array.isArray(v)) {
      if (forText) return v.join(' ');
      throw new GlassboxError(`placeholder {{${name}}} is a list; use {each: ${name}, arg: …} or {splice: ${name}}`);
    }
    return String(v);
  });
}

// Builds the argv of a step from its elements and directives.
function argv(elements: ArgElement[], scope: Scope): string[] {
  const out: string[] = [];
  const emit = (el: { arg?: string; args?: string[] }, s: Scope) => {
    if (el.arg !== undefined) out.push(sub(el.arg, s));
    for (const a of el.args ?? []) out.push(sub(a, s));
  };
  const lookup = (name: string) => (name === 'item' ? scope.item : name.startsWith('item.') ? (scope.item as Record<string, unknown> | undefined)?.[name.slice('item.'.length)] : scope.params[name]);
  for (const el of elements) {
    if (typeof el === 'string') out.push(sub(el, scope));
    else if ('splice' in el) out.push(...((lookup(el.splice) as unknown[] | undefined) ?? []).map(String));
    else if ('each' in el) for (const item of (lookup(el.each) as unknown[] | undefined) ?? []) emit(el, { ...scope, item });
    else if ('if' in el) truthy(lookup(el.if)) && emit(el, scope);
    else truthy(lookup(el.unless)) || emit(el, scope);
  }
  return out;
}
