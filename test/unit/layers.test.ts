// The application layer asks, it does not do: lib/cli/ (flags and printing) and lib/learn/ (the interactive
// session) get their steps from the planners (lib/plan/, lib/net/, …) and have them run by the executor (lib/exec/)
// or by read-only probes (lib/host/, lib/net/probe.ts …). So no file there may import a spawner — runCommand,
// startCommand, startDetached from lib/exec/spawn.ts, or execa itself — nor expand a block (a value import from
// lib/blocks/expand.ts; its types are fine: a type expands nothing). Allowed from spawn.ts: onCommand (a listener
// that prints each finished command), emitCommand, preloadSpawner (loads the execa module early; starts no
// process) and signalNumber (a table lookup).
//
// Imports are read with the TypeScript parser: static imports and re-exports, aliases (`{ runCommand as run }`),
// namespace imports (`* as spawn`: counts as importing everything) and dynamic imports, with the names a
// destructuring `const { x } = await import('…')` or a `(await import('…')).x` takes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One name a module takes from another: `*` for the whole module, `default`, or the exported name. */
export interface Use {
  /** The module it comes from: a path relative to the repository, or a package specifier. */
  from: string;
  name: string;
  typeOnly: boolean;
  line: number;
}

// Every .ts file below a folder, as paths relative to the repository, sorted.
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(repo, dir)).sort()) {
    const rel = join(dir, name);
    if (statSync(join(repo, rel)).isDirectory()) out.push(...tsFiles(rel));
    else if (name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

// The names one source file imports, with where from.
export function usesOf(file: string, source: string): Use[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Use[] = [];
  const where = (spec: string) => (spec.startsWith('.') ? relative(repo, resolve(repo, dirname(file), spec)) : spec);
  const line = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const add = (spec: string, name: string, typeOnly: boolean, n: ts.Node) => out.push({ from: where(spec), name, typeOnly, line: line(n) });
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const spec = n.moduleSpecifier.text;
      const clause = n.importClause;
      if (!clause) add(spec, '(side effect)', false, n);
      else {
        if (clause.name) add(spec, 'default', clause.isTypeOnly, n);
        const b = clause.namedBindings;
        if (b && ts.isNamespaceImport(b)) add(spec, '*', clause.isTypeOnly, n);
        if (b && ts.isNamedImports(b)) for (const e of b.elements) add(spec, (e.propertyName ?? e.name).text, clause.isTypeOnly || e.isTypeOnly, e);
      }
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      const spec = n.moduleSpecifier.text;
      const c = n.exportClause;
      if (!c || ts.isNamespaceExport(c)) add(spec, '*', n.isTypeOnly, n);
      else for (const e of c.elements) add(spec, (e.propertyName ?? e.name).text, n.isTypeOnly || e.isTypeOnly, e);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = n.arguments[0];
      // A computed specifier cannot be checked: say so rather than let it pass.
      const spec = arg && ts.isStringLiteralLike(arg) ? arg.text : '(computed)';
      for (const name of takenNames(n)) add(spec, name, false, n);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

// The names code takes from a dynamic import(): `const { a, b: c } = await import(…)` → a, b;
// `(await import(…)).a` → a; anything else (a module object kept whole) → *.
function takenNames(call: ts.CallExpression): string[] {
  let n: ts.Node = call;
  while (ts.isAwaitExpression(n.parent) || ts.isParenthesizedExpression(n.parent)) n = n.parent;
  const p = n.parent;
  if (ts.isVariableDeclaration(p) && ts.isObjectBindingPattern(p.name)) {
    return p.name.elements.map((e) => (e.propertyName && ts.isIdentifier(e.propertyName) ? e.propertyName.text : ts.isIdentifier(e.name) ? e.name.text : '*'));
  }
  if (ts.isPropertyAccessExpression(p) && p.expression === n) return [p.name.text];
  return ['*'];
}

const SPAWN = 'lib/exec/spawn.ts';
const EXPAND = 'lib/blocks/expand.ts';
const SPAWNERS = new Set(['runCommand', 'startCommand', 'startDetached', '*']);

// Why a use breaks the layering, or undefined when it does not.
export function breach(u: Use): string | undefined {
  if (/^execa(\/|$)/.test(u.from) || u.from === '(computed)') return `imports ${u.name} from ${u.from}`;
  if (u.from === SPAWN && SPAWNERS.has(u.name)) return `spawns (${u.name} from ${SPAWN})`;
  if (u.from === EXPAND && !u.typeOnly) return `expands blocks (${u.name} from ${EXPAND})`;
  return undefined;
}

/**
 * Exceptions, each with its reason (none are left: exec and the monitor's start moved behind lib/container and the
 * executor). An entry must still be needed: the test fails on one that no longer matches anything.
 */
const KNOWN: Array<{ file: string; name: string; from: string; why: string }> = [];

const files = [...tsFiles('lib/cli'), ...tsFiles('lib/learn')];
const found = files.flatMap((file) =>
  usesOf(file, readFileSync(join(repo, file), 'utf8')).flatMap((u) => {
    const why = breach(u);
    return why ? [{ file, use: u, why }] : [];
  }),
);
const known = (f: { file: string; use: Use }) => KNOWN.some((k) => k.file === f.file && k.from === f.use.from && k.name === f.use.name);

test('the import reader sees every form of import, and breach() tells spawners and expansion from the rest', () => {
  const src = [
    `import { onCommand, runCommand as run, type CommandResult } from '../exec/spawn.ts';`,
    `import * as spawn from '../exec/spawn.ts';`,
    `import type { ParamValue } from '../blocks/expand.ts';`,
    `import { type Params, expandBlock } from '../blocks/expand.ts';`,
    `export { startDetached } from '../exec/spawn.ts';`,
    `import { execa } from 'execa';`,
    `async function f() {`,
    `  const { startCommand, preloadSpawner: p } = await import('../exec/spawn.ts');`,
    `  const m = await import('../blocks/expand.ts');`,
    `  return (await import('../exec/spawn.ts')).runCommand;`,
    `}`,
  ].join('\n');
  const uses = usesOf('lib/cli/x.ts', src);
  assert.deepEqual(
    uses.map((u) => `${u.line} ${u.from} ${u.name}${u.typeOnly ? ' (type)' : ''}`),
    [
      '1 lib/exec/spawn.ts onCommand',
      '1 lib/exec/spawn.ts runCommand',
      '1 lib/exec/spawn.ts CommandResult (type)',
      '2 lib/exec/spawn.ts *',
      '3 lib/blocks/expand.ts ParamValue (type)',
      '4 lib/blocks/expand.ts Params (type)',
      '4 lib/blocks/expand.ts expandBlock',
      '5 lib/exec/spawn.ts startDetached',
      '6 execa execa',
      '8 lib/exec/spawn.ts startCommand',
      '8 lib/exec/spawn.ts preloadSpawner',
      '9 lib/blocks/expand.ts *',
      '10 lib/exec/spawn.ts runCommand',
    ],
  );
  assert.deepEqual(
    uses.filter((u) => breach(u)).map((u) => `${u.line} ${u.name}`),
    ['1 runCommand', '2 *', '4 expandBlock', '5 startDetached', '6 execa', '8 startCommand', '9 *', '10 runCommand'],
  );
});

test('the reader sees lib/cli and lib/learn (a wrong path would make the next test pass)', () => {
  assert.ok(files.includes('lib/cli/main.ts') && files.includes('lib/learn/session.ts'), files.join(' '));
  const session = usesOf('lib/learn/session.ts', readFileSync(join(repo, 'lib/learn/session.ts'), 'utf8'));
  assert.ok(session.some((u) => u.from === SPAWN && u.name === 'onCommand'), 'session.ts listens to the spawner: the reader should see that');
});

test('lib/cli and lib/learn neither spawn processes nor expand blocks: they ask the planners and the executor', () => {
  const bad = found.filter((f) => !known(f)).map((f) => `${f.file}:${f.use.line} ${f.why}`);
  assert.deepEqual(bad, [], `plan it in a planner (lib/plan, lib/net …) and run it through lib/exec:\n  ${bad.join('\n  ')}`);
});

test('every known exception is still needed (remove the ones that are gone)', () => {
  const stale = KNOWN.filter((k) => !found.some((f) => f.file === k.file && f.use.from === k.from && f.use.name === k.name));
  assert.deepEqual(stale.map((k) => `${k.file}: ${k.name} from ${k.from}`), []);
});
