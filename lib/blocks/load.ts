// Loads the building blocks from recipes/blocks/*.yaml and checks them: schema, every placeholder naming a
// declared parameter, step ids unique, `needs` pointing at earlier steps. A broken block is a glassbox bug, but
// it is reported like a broken recipe: file:line:col and what is wrong.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlassboxError, GlassboxErrors } from '../errors.ts';
import { parseYaml, positionOf } from '../recipe/yamlpos.ts';
import { zodToErrors } from '../recipe/zoderrors.ts';
import { stepKind } from './kind.ts';
import { BlockSchema, type ArgElement, type BlockDef, type Catalog } from './schema.ts';

// Reads and validates every block file in `dir` (the slow path: YAML parsing and schema checks).
export function loadCatalogFromYaml(dir: string): Catalog {
  const catalog: Catalog = new Map();
  const errors: GlassboxError[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const file = join(dir, name);
    try {
      const block = loadBlockFile(file);
      if (catalog.has(block.block)) throw new GlassboxError(`duplicate block name ${block.block}`, { pos: { file, line: 1, col: 1 } });
      catalog.set(block.block, block);
    } catch (e) {
      if (e instanceof GlassboxErrors) errors.push(...e.errors);
      else if (e instanceof GlassboxError) errors.push(e);
      else throw e;
    }
  }
  if (errors.length) throw new GlassboxErrors(errors);
  return catalog;
}

// Parses one block file and checks what the schema alone cannot.
export function loadBlockFile(file: string): BlockDef & { file: string } {
  const y = parseYaml(readFileSync(file, 'utf8'), file);
  const parsed = BlockSchema.safeParse(y.value, { reportInput: true });
  if (!parsed.success) throw zodToErrors(y, BlockSchema, parsed.error, 'block');
  const block = parsed.data;
  for (const t of [block.summary, ...block.steps.flatMap((st) => [st.title, st.why])]) t.zh = unfoldCjk(t.zh);
  const errors: GlassboxError[] = [];
  const seen = new Set<string>();
  block.steps.forEach((step, i) => {
    const at = (field: string) => positionOf(y, ['steps', i, field]);
    if (seen.has(step.id)) errors.push(new GlassboxError(`duplicate step id ${step.id}`, { pos: at('id'), field: `steps.${i}.id` }));
    for (const need of step.needs ?? []) {
      if (!seen.has(need)) errors.push(new GlassboxError(`needs "${need}", which is not an earlier step`, { pos: at('needs'), field: `steps.${i}.needs` }));
    }
    seen.add(step.id);
    if (step.undo_retry && !step.undo) errors.push(new GlassboxError('undo_retry is a policy for the undo, and the step has no undo', { pos: at('undo_retry'), field: `steps.${i}.undo_retry` }));
    const kind = stepKind(step);
    const field = kind === 'start' ? 'run' : kind;
    const present = (['run', 'write', 'mkdir', 'remove', 'mount'] as const).filter((f) => step[f] !== undefined);
    if (present.length !== 1 || present[0] !== field) {
      errors.push(new GlassboxError(`a ${kind} step needs "${field}" and none of ${present.filter((f) => f !== field).map((f) => `"${f}"`).join(', ') || 'the others'}`, { pos: at('id'), field: `steps.${i}` }));
    }
    const names = new Set(Object.keys(block.params));
    const local = new Set(step.each ? ['item'] : []);
    const check = (s: string, field: string, extra: Set<string>) => {
      for (const m of s.matchAll(/\{\{\s*([a-z_][a-z0-9_]*)(?:\.[a-z_][a-z0-9_]*)?\s*\}\}/gi)) {
        if (!names.has(m[1]!) && !local.has(m[1]!) && !extra.has(m[1]!)) {
          errors.push(new GlassboxError(`placeholder {{${m[1]}}} names no parameter`, { pos: at(field), field: `steps.${i}.${field}`, hint: `declare it under params` }));
        }
      }
    };
    const checkArgv = (argv: ArgElement[] | undefined, field: string) => {
      for (const el of argv ?? []) {
        if (typeof el === 'string') check(el, field, new Set());
        else if ('splice' in el) names.has(el.splice) || errors.push(new GlassboxError(`splice names no parameter: ${el.splice}`, { pos: at(field) }));
        else {
          const ref = 'each' in el ? el.each : 'if' in el ? el.if : el.unless;
          if (!names.has(ref) && !local.has(ref.split('.')[0]!)) errors.push(new GlassboxError(`"${ref}" names no parameter`, { pos: at(field), field: `steps.${i}.${field}` }));
          const extra = new Set('each' in el ? ['item'] : []);
          for (const s of [el.arg, ...(el.args ?? [])]) if (s !== undefined) check(s, field, extra);
        }
      }
    };
    checkArgv(step.run, 'run');
    checkArgv(step.mkdir, 'mkdir');
    checkArgv(step.remove, 'remove');
    for (const v of Object.values(step.mount ?? {})) check(v, 'mount', new Set());
    checkArgv(step.undo, 'undo');
    step.observe.forEach((o) => checkArgv(o, 'observe'));
    if (step.write) {
      check(step.write.path, 'write', new Set());
      check(step.write.value, 'write', new Set());
    }
    if (step.stdin) check(step.stdin, 'stdin', new Set());
    if (step.stdout) check(step.stdout, 'stdout', new Set());
    for (const t of [step.title.en, step.title.zh, step.why.en, step.why.zh]) check(t, 'title', new Set());
    for (const ref of [step.if, step.unless, step.each]) {
      if (ref && !names.has(ref)) errors.push(new GlassboxError(`"${ref}" names no parameter`, { pos: at(step.if === ref ? 'if' : step.unless === ref ? 'unless' : 'each') }));
    }
  });
  if (errors.length) throw new GlassboxErrors(errors);
  return { ...block, file };
}

const CJK = '\\u2e80-\\u9fff\\u3000-\\u303f\\uff00-\\uffef';
const FOLD = new RegExp(`([${CJK}])\\s+(?=[${CJK}])`, 'g');
// YAML's folded scalars join lines with a space, which Chinese does not use between characters: take it out.
export function unfoldCjk(s: string): string {
  return s.replace(FOLD, '$1');
}
