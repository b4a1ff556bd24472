// The shape of lib/'s import graph. Three rules keep the code readable from the bottom up: (a) no import circle,
// so every module can be read after the modules it imports; (b) the shared plan types (lib/plan/types.ts), the other
// shared type and constant modules and the pure planner sit at the bottom: nothing they reach, even through
// type-only imports, touches files, processes or the network; (c) one spawner: only lib/exec/ imports execa;
// (d) the command line is a leaf: lib/cli/ parses flags and prints over the application layer (lib/container/)
// and the rest of lib/, and nothing outside lib/cli/ imports it (learn mode and the TypeScript API included). The
// graph is read with a small regex over the source (static imports and re-exports, type-only ones included, and
// dynamic import('…') of relative .ts paths), not with the compiler, so the test stays fast and its rules are easy
// to check by eye.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const lib = join(repo, 'lib');

export interface Graph {
  /** module (path relative to the repository) → the relative .ts modules it imports */
  local: Map<string, string[]>;
  /** module → the package or node: specifiers it imports */
  external: Map<string, string[]>;
}

// Every .ts file below a folder, as paths relative to the repository, sorted.
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...tsFiles(full));
    else if (name.endsWith('.ts')) out.push(relative(repo, full));
  }
  return out;
}

// The specifiers a source text imports: `import … from '…'`, `import '…'`, `export … from '…'`, `import('…')`.
export function specifiers(source: string): string[] {
  const found: string[] = [];
  const statics = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/g;
  const dynamic = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const re of [statics, dynamic]) for (const m of source.matchAll(re)) found.push(m[1]!);
  return found;
}

// Reads the import graph of the given modules (paths relative to the repository).
export function readGraph(files: string[], read = (f: string) => readFileSync(join(repo, f), 'utf8')): Graph {
  const local = new Map<string, string[]>();
  const external = new Map<string, string[]>();
  for (const file of files) {
    const specs = specifiers(read(file));
    local.set(
      file,
      specs.filter((s) => s.startsWith('.') && s.endsWith('.ts')).map((s) => relative(repo, resolve(repo, dirname(file), s))),
    );
    external.set(file, specs.filter((s) => !s.startsWith('.')));
  }
  return { local, external };
}

// Every import circle, each once, as the list of modules around it (starting at its smallest path).
export function cycles(graph: Graph): string[][] {
  const found = new Map<string, string[]>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (m: string) => {
    state.set(m, 'open');
    stack.push(m);
    for (const next of graph.local.get(m) ?? []) {
      if (state.get(next) === 'open') {
        const ring = stack.slice(stack.indexOf(next));
        const start = ring.indexOf([...ring].sort()[0]!);
        const canon = [...ring.slice(start), ...ring.slice(0, start)];
        found.set(canon.join(' → '), canon);
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(m, 'done');
  };
  for (const m of [...graph.local.keys()].sort()) if (!state.has(m)) visit(m);
  return [...found.values()];
}

// The modules reachable from one module, itself included.
export function reach(graph: Graph, from: string): string[] {
  const seen = new Set<string>([from]);
  const todo = [from];
  while (todo.length > 0) for (const next of graph.local.get(todo.pop()!) ?? []) if (!seen.has(next)) (seen.add(next), todo.push(next));
  return [...seen].sort();
}

// Packages and node: modules that touch files, processes, sockets or the network.
const IO = /^(node:)?(fs|fs\/promises|child_process|net|dgram|dns|http|https|http2|tls|worker_threads|cluster)$|^(execa|zx)(\/|$)/;

// The modules reachable from `from` that import an I/O module, each with what it imports.
export function ioReached(graph: Graph, from: string): string[] {
  return reach(graph, from).flatMap((m) => {
    const io = (graph.external.get(m) ?? []).filter((s) => IO.test(s));
    return io.length > 0 ? [`${m} imports ${io.join(', ')}`] : [];
  });
}

// The imports of lib/cli/ modules from modules outside lib/cli/, as "importer → imported".
export function cliImportedFrom(graph: Graph): string[] {
  return [...graph.local].flatMap(([m, deps]) => (m.startsWith('lib/cli/') ? [] : deps.filter((d) => d.startsWith('lib/cli/')).map((d) => `${m} → ${d}`)));
}

// The modules outside lib/exec/ that import execa.
export function execaOutsideExec(graph: Graph): string[] {
  return [...graph.external].filter(([m, ext]) => !m.startsWith('lib/exec/') && ext.some((s) => /^execa(\/|$)/.test(s))).map(([m]) => m);
}

const graph = readGraph(tsFiles(lib));
const TYPES = 'lib/plan/types.ts';

test('the graph reader sees lib/ (a wrong path would make every other check pass)', () => {
  assert.ok(graph.local.size > 50, `only ${graph.local.size} modules found`);
  assert.ok((graph.local.get('lib/cli/main.ts') ?? []).length > 3, 'lib/cli/main.ts imports nothing?');
  assert.ok(graph.local.has(TYPES));
});

test('the regex reads every form of import', () => {
  const src = [
    `import { a } from './a.ts';`,
    `import type { B } from '../b.ts';`,
    `import * as c from "./c.ts";`,
    `import './d.ts';`,
    `export { e } from './e.ts';`,
    `export type { F } from './f.ts';`,
    `export * from './g.ts';`,
    `import {\n  h,\n  type H,\n} from './h.ts';`,
    `const i = await import('./i.ts');`,
    `import { execa } from 'execa';`,
  ].join('\n');
  assert.deepEqual(specifiers(src), ['./a.ts', '../b.ts', './c.ts', './d.ts', './e.ts', './f.ts', './g.ts', './h.ts', 'execa', './i.ts']);
});

test('the checks fail on a graph that breaks them', () => {
  const fake: Record<string, string> = {
    'lib/x/a.ts': `import type { B } from './b.ts';`,
    'lib/x/b.ts': `import { c } from '../y/c.ts';`,
    'lib/y/c.ts': `export type { A } from '../x/a.ts';\nimport { readFileSync } from 'node:fs';\nimport { execa } from 'execa';`,
    'lib/cli/main.ts': `import { c } from '../y/c.ts';`,
    'lib/learn/z.ts': `import type { Global } from '../cli/global.ts';`,
  };
  const g = readGraph(Object.keys(fake), (f) => fake[f]!);
  assert.deepEqual(cycles(g), [['lib/x/a.ts', 'lib/x/b.ts', 'lib/y/c.ts']]);
  assert.deepEqual(ioReached(g, 'lib/x/a.ts'), ['lib/y/c.ts imports node:fs, execa']);
  assert.deepEqual(execaOutsideExec(g), ['lib/y/c.ts']);
  assert.deepEqual(cliImportedFrom(g), ['lib/learn/z.ts → lib/cli/global.ts']);
});

test('lib/ has no import circle', () => {
  const found = cycles(graph).map((c) => [...c, c[0]].join(' → '));
  assert.deepEqual(found, [], `import circles in lib/:\n  ${found.join('\n  ')}`);
});

test('lib/plan/types.ts reaches no module that does I/O', () => {
  const io = ioReached(graph, TYPES);
  assert.deepEqual(io, [], `${TYPES} reaches I/O:\n  ${io.join('\n  ')}`);
});

/** The other modules at the bottom: shared types and constants, and the pure planner with its helpers. */
const PURE = [
  'lib/blocks/expand.ts',
  'lib/blocks/schema.ts',
  'lib/cgroup/compile.ts',
  'lib/cgroup/events.ts',
  'lib/cgroup/internal-process.ts',
  'lib/cgroup/types.ts',
  'lib/host/check.ts',
  'lib/learn/flags.ts',
  'lib/net/plan.ts',
  'lib/net/types.ts',
  'lib/plan/lesson.ts',
  'lib/plan/planner.ts',
  'lib/plan/sections.ts',
  'lib/plan/shell.ts',
  'lib/plan/signal.ts',
  'lib/recipe/problem.ts',
  'lib/rootless/losses.ts',
  'lib/rootless/plan.ts',
  'lib/security/defaults.ts',
  'lib/security/plan.ts',
];

test('the shared type and constant modules and the planner reach no module that does I/O', () => {
  for (const m of PURE) assert.ok(graph.local.has(m), `${m} is gone: update PURE`);
  const io = PURE.flatMap((m) => ioReached(graph, m).map((line) => `${m}: ${line}`));
  assert.deepEqual(io, [], `pure modules reach I/O:\n  ${io.join('\n  ')}`);
});

test('only lib/exec/ imports execa', () => {
  assert.deepEqual(execaOutsideExec(graph), []);
});

/** Imports of lib/cli/ from outside it that are allowed, as "importer → imported", each with its reason. None today. */
const CLI_IMPORT_EXCEPTIONS: Record<string, string> = {};

test('nothing outside lib/cli/ imports lib/cli/ (the command line is a leaf over the application layer)', () => {
  assert.ok([...graph.local.keys()].some((m) => m.startsWith('lib/container/')), 'lib/container/ is gone: the check would be about nothing');
  const found = cliImportedFrom(graph).filter((edge) => !(edge in CLI_IMPORT_EXCEPTIONS));
  assert.deepEqual(found, [], `lib/cli/ imported from outside it (move the shared code below the CLI, e.g. to lib/container/):\n  ${found.join('\n  ')}`);
  const stale = Object.keys(CLI_IMPORT_EXCEPTIONS).filter((edge) => !cliImportedFrom(graph).includes(edge));
  assert.deepEqual(stale, [], 'exceptions that no longer happen: remove them');
});

test('the application layer (lib/container/) prints nothing itself: what the user sees goes through its callbacks', () => {
  const modules = [...graph.local.keys()].filter((m) => m.startsWith('lib/container/'));
  assert.ok(modules.length > 3, `only ${modules.join(', ')}`);
  const printing = modules.filter((m) => /\bprocess\.(stdout|stderr)\b|\bconsole\.\w+\(/.test(readFileSync(join(repo, m), 'utf8')));
  assert.deepEqual(printing, [], 'modules of lib/container/ that write to the terminal');
});

// The value imports of a source text (not `import type`, not `import('…')`): what loading the module loads.
function valueImports(source: string): string[] {
  const re = /(?:^|[\s;])import\s+(?!type\s)(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/g;
  return [...source.matchAll(re)].map((m) => m[1]!);
}

test('start-up loads only commander and the wiring: lib/cli/main.ts reaches the verbs through import() of verbs.ts alone', () => {
  // `glassbox --version`, `--help` and usage errors must not pay for the verbs' code (chalk, the planner, execa…).
  const WIRING = ['lib/cli/main.ts', 'lib/cli/image-commands.ts', 'lib/cli/learn-command.ts', 'lib/cli/compose-command.ts', 'lib/cli/kube-command.ts', 'lib/version.ts'];
  const seen = new Set<string>();
  const todo = ['lib/cli/main.ts'];
  const external = new Set<string>();
  while (todo.length) {
    const m = todo.pop()!;
    if (seen.has(m)) continue;
    seen.add(m);
    const src = readFileSync(join(repo, m), 'utf8');
    for (const s of valueImports(src)) {
      if (s.startsWith('.')) todo.push(relative(repo, resolve(repo, dirname(m), s)));
      else external.add(s);
    }
    const dynamic = [...src.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((d) => d[1]!).filter((d) => d !== './verbs.ts');
    assert.deepEqual(dynamic, [], `${m} imports more than ./verbs.ts lazily`);
  }
  assert.deepEqual([...seen].sort(), [...WIRING].sort(), 'modules lib/cli/main.ts loads at start-up');
  assert.deepEqual([...external], ['commander']);
  assert.deepEqual(valueImports(`import type { A } from './a.ts';\nimport { b } from './b.ts';\nimport './c.ts';`), ['./b.ts', './c.ts']);
});

test('only lib/util/crypto.ts loads node:crypto: every command pays ≈ 3 ms for it at start-up otherwise', () => {
  const loaders = tsFiles(lib).filter((f) => f !== 'lib/util/crypto.ts' && valueImports(readFileSync(join(repo, f), 'utf8')).some((s) => /^(node:)?crypto$/.test(s)));
  assert.deepEqual(loaders, [], 'take randomBytes and createHash from lib/util/crypto.ts');
  assert.deepEqual(valueImports(`import type { Hash } from 'node:crypto';\nimport { createHash } from 'node:crypto';`), ['node:crypto']);
});
