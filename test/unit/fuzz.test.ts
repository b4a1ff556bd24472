// The recipe fuzzer: thousands of mutated recipes (and `run` flag sets) go through everything `glassbox plan`
// does — YAML parser, schema, rules, flags, prepare, the planner and the renderers — in-process. Every case
// must either plan or be refused with glassbox's positioned error (file:line:col for a recipe, the flag's name
// for a flag); no other exception may escape, and no case may take a second (a bound against hangs such as alias
// bombs or a regex gone exponential, not a speed measurement). The seed is printed: GLASSBOX_FUZZ_SEED=N repeats
// a run, GLASSBOX_FUZZ_CASES=N changes its size.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { parseDocument, stringify, visit } from 'yaml';
import type { RunFlags } from '../../lib/recipe/flags.ts';
import { makeWorld, prng, SEED, throughFlags, throughRecipe, type Outcome, type Rng, type World } from './fuzz-world.ts';

const CASES = Number(process.env.GLASSBOX_FUZZ_CASES ?? 2000);
const FLAG_CASES = Math.round(CASES / 4);
const LIMIT_MS = 1000;
const FILE = 'fuzz.yaml';

const w: World = await makeWorld();
after(() => w.cleanup());

const repo = fileURLToPath(new URL('../../', import.meta.url));
// The recipes that ship (lessons' too), and seeds written to reach every field.
const shipped = [
  ...['hello.yaml', 'forkbomb.yaml'].map((f) => join(repo, 'recipes', f)),
  ...readdirSync(join(repo, 'recipes/lessons')).filter((f) => f.endsWith('.recipe.yaml')).map((f) => join(repo, 'recipes/lessons', f)),
].map((f) => readFileSync(f, 'utf8'));
const written = [
  `name: full
description: every field
rootdir: ROOTFS
command: [sh, -c, 'echo "$A" $(hostname)']
entrypoint: [/bin/sh, -e]
env: {A: one, B: "2"}
workdir: /tmp/work
hostname: box
user: nobody
namespaces: [mount, uts, ipc, pid, net, cgroup]
root: pivot_root
rootfs: overlay
read_only: true
init: false
volumes:
  - SRC:/data:ro
  - {type: bind, source: SRC, target: /src, readonly: false}
  - {type: tmpfs, target: /scratch, size: 64m, mode: "1777"}
resources: {memory: 64m, memory_swap: 128m, cpus: 0.5, cpu_shares: 512, cpuset_cpus: "0-1", pids: 64}
security: {cap_add: [NET_ADMIN], cap_drop: [NET_RAW], no_new_privileges: true, seccomp: default}
`,
  `rootdir: ROOTFS
command: ls -la /
env: [A=1, B=two words]
network: {mode: bridge, ports: ["8080:80", "127.0.0.1:8443:443/tcp", 53/udp], ip: 172.29.0.77, dns: [192.0.2.53], add_hosts: ["db:10.0.0.5"]}
`,
  `rootdir: ROOTFS
command: [true]
network: host
security: {privileged: true}
rootfs: bind
root: chroot
`,
  `rootdir: ROOTFS
command: [sleep, 10]
network: {mode: none}
user: "1000:1000"
`,
  `rootdir: ROOTFS
entrypoint: ""
command: [/bin/echo, hi]
namespaces: [mount, pid]
network: {ports: [80]}
`,
];
const SEEDS = [...shipped, ...written].map((t) => t.replaceAll('ROOTFS', w.rootfs).replaceAll('SRC', w.src));

const HUGE = 'a'.repeat(70_000);
const STRINGS = [
  '', ' ', '/', '.', '..', '/..', '/../../etc', 'rel/path', '/proc', '/proc/1/root', '/dev', '/dev/pts', '/sys/x', 'a,b', 'a:b', 'x y',
  '-rf', '--help', '-', '0', '-1', '1e309', 'NaN', 'true', 'null', '~', '*', '?', '[a]', '#x', '$HOME', '${IFS}',
  '$(touch GBPWN)', '`touch GBPWN`', "'; touch GBPWN; '", '"; touch GBPWN; "', '; touch GBPWN', '| touch GBPWN', '&& touch GBPWN',
  'a\nb', 'line\n- x: y', 'a\rb', 'a\0b', '\0', '\x1b[31mred', '\t', '\x7f', 'é中🐳', '\u202e', '\ufeff', '\ud800',
  '/' + 'a'.repeat(300), '/' + 'a/'.repeat(3000), '/' + HUGE, HUGE, 'x'.repeat(140_000), '9'.repeat(400),
  '64m', '6m', '0.5', '2', '1000:1000', 'nobody', 'nobody:nogroup', 'ghost', 'root', 'none', 'host', 'bridge', 'container:web', 'lab',
  '8080:80', '80', '10.0.0.5', '172.29.0.77', '999.1.1.1', 'db:10.0.0.5', 'NET_ADMIN', 'ALL', 'CAP_SYS_ADMIN', 'bogus', SEEDS.length ? '/srv:/data:ro' : '',
  'pivot_root', 'chroot', 'overlay', 'bind', 'glassbox/base', 'Bad Ref', 'sha256:' + 'f'.repeat(64), 'a'.repeat(300) + ':tag', '/tmp', '/data',
];
const OTHER: unknown[] = [0, 1, -1, 1.5, 1e308, 2 ** 53, true, false, null, [], {}, ['a', 1], { a: 'b' }, [[]], { type: 'tmpfs', target: '/t' }, { type: 'bind', source: '/srv', target: '/s' }];
const KEYS = [
  'name', 'description', 'image', 'rootdir', 'command', 'entrypoint', 'env', 'workdir', 'hostname', 'user', 'namespaces', 'root', 'rootfs',
  'read_only', 'init', 'volumes', 'network', 'security', 'resources', 'mode', 'ports', 'ip', 'dns', 'add_hosts', 'memory', 'cpus', 'pids',
  'memory_swap', 'cpu_shares', 'cpuset_cpus', 'privileged', 'cap_add', 'cap_drop', 'no_new_privileges', 'seccomp', 'type', 'source',
  'target', 'size', 'readonly', 'comand', 'Image', '__proto__', 'constructor', '<<', '',
];

const value = (r: Rng): unknown => (r.chance(0.75) ? r.pick(STRINGS) : r.chance(0.5) ? r.pick(OTHER) : [r.pick(STRINGS), r.pick(STRINGS)]);

type Path = (string | number)[];
// Every path into a value (the root is []), found without recursion.
function paths(v: unknown): Path[] {
  const out: Path[] = [[]];
  const todo: Array<[unknown, Path]> = [[v, []]];
  while (todo.length) {
    const [x, p] = todo.pop()!;
    // Plain lists and maps only (a !!binary value is a Uint8Array, a !!timestamp a Date: leaves here).
    const plain = x !== null && typeof x === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(x));
    const kids: Array<[string | number, unknown]> = Array.isArray(x) ? x.map((y, i) => [i, y]) : plain ? Object.entries(x as object) : [];
    for (const [k, y] of kids) {
      out.push([...p, k]);
      todo.push([y, [...p, k]]);
    }
  }
  return out;
}
const get = (v: unknown, p: Path) => p.reduce<unknown>((x, k) => (x as Record<string | number, unknown>)?.[k], v);
// Sets the value at a path (the root cannot be replaced in place; callers handle []).
function set(v: unknown, p: Path, x: unknown): void {
  const parent = get(v, p.slice(0, -1)) as Record<string | number, unknown>;
  if (parent && typeof parent === 'object') parent[p.at(-1)!] = x;
}
function remove(v: unknown, p: Path): void {
  const parent = get(v, p.slice(0, -1));
  if (Array.isArray(parent)) parent.splice(Number(p.at(-1)), 1);
  else if (parent && typeof parent === 'object') delete (parent as Record<string, unknown>)[p.at(-1)!];
}

// One change to the recipe's structure (on the parsed value, written back as YAML).
function mutateValue(r: Rng, text: string): string {
  // Texts with aliases are left to the text mutations: as a value they can be cyclic (`&s [*s]`) or huge.
  const doc = parseDocument(text, { logLevel: 'silent' });
  let aliases = false;
  visit(doc, { Alias: () => ((aliases = true), visit.BREAK) });
  if (doc.errors.length || aliases) return text;
  let v: unknown = doc.toJS();
  if (!v || typeof v !== 'object') v = {};
  const ps = paths(v).filter((p) => p.length > 0);
  const p = ps.length ? r.pick(ps) : ['image'];
  switch (r.int(6)) {
    case 0: // delete a key or item
      remove(v, p);
      break;
    case 1: // another value, often of another type
      set(v, p, value(r));
      break;
    case 2: {
      // swap two values
      const q = r.pick(ps.length ? ps : [p]);
      const a = get(v, p);
      const b = get(v, q);
      set(v, p, structuredClone(b));
      set(v, q, structuredClone(a));
      break;
    }
    case 3: {
      // a key, known or not, somewhere
      const target = get(v, p.slice(0, -1));
      const where = target && typeof target === 'object' && !Array.isArray(target) ? p.slice(0, -1) : [];
      const obj = (where.length ? get(v, where) : v) as Record<string, unknown>;
      obj[r.pick(KEYS)] = value(r);
      break;
    }
    case 4: // a list where a scalar was, or the other way round
      set(v, p, Array.isArray(get(v, p)) ? r.pick(STRINGS) : [get(v, p)]);
      break;
    default: // change the type of the whole value
      set(v, p, typeof get(v, p) === 'string' ? r.pick(OTHER) : String(get(v, p)));
  }
  try {
    return stringify(v, { aliasDuplicateObjects: false, lineWidth: 0 });
  } catch {
    return text;
  }
}

// Nests `inner` n levels deep, in flow style (short to write, deep for the parser).
const nest = (n: number, inner: string, map: boolean) => (map ? '{a: '.repeat(n) + inner + '}'.repeat(n) : '['.repeat(n) + inner + ']'.repeat(n));

// An alias bomb: each level repeats the one before nine times.
function aliasBomb(levels: number): string {
  const lines = ['x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < levels; i++) lines.push(`x${i}: &x${i} [${Array(9).fill(`*x${i - 1}`).join(', ')}]`);
  return lines.join('\n');
}

// One change to the recipe's text: lines, characters, anchors and aliases, tags, nesting, size.
function mutateText(r: Rng, text: string): string {
  const lines = text.split('\n');
  const at = r.int(lines.length);
  const key = () => r.pick(['image', 'command', 'env', 'volumes', 'workdir', 'user', 'network', 'resources', 'entrypoint', 'hostname']);
  switch (r.int(12)) {
    case 0: // a duplicate line (a duplicate key, or an extra item)
      lines.splice(at, 0, lines[at] ?? '');
      break;
    case 1: // a line removed, or two swapped
      if (r.chance(0.5)) lines.splice(at, 1);
      else [lines[at], lines[0]] = [lines[0]!, lines[at]!];
      break;
    case 2: {
      // a character inserted, deleted or replaced
      const i = r.int(text.length + 1);
      const c = r.pick([':', '-', ' ', '\t', '\n', '"', "'", '[', ']', '{', '}', '&', '*', '!', '%', '@', '`', '#', '|', '>', ',', '?', '\0', '\x1b', '\\', '中']);
      return r.chance(0.3) ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + c + text.slice(i + (r.chance(0.5) ? 1 : 0));
    }
    case 3: // truncated
      return text.slice(0, r.int(text.length));
    case 4: // an alias bomb, used by a field
      return `${aliasBomb(2 + r.int(8))}\n${text}\n${key()}: *x${r.int(3)}`;
    case 5: // an anchor and an alias, an unknown alias, or an alias inside its own anchor
      return r.pick([`${text}\nx-a: &a ${r.pick(['[a, b]', '{k: v}', 'str'])}\n${key()}: *a`, `${key()}: *nope\n${text}`, `${key()}: &s [*s]\n${text}`, `${text}\n${key()}: &a *a`]);
    case 6: // a tag
      lines[at] = (lines[at] ?? '').replace(/: /, `: ${r.pick(['!!binary ', '!!set ', '!!omap ', '!!timestamp ', '!foo ', '!!str ', '!!int ', '!!float ', '!<tag:x> '])}`);
      break;
    case 7: // deep nesting
      return `${text}\n${key()}: ${nest(r.chance(0.1) ? 2000 + r.int(5000) : 1 + r.int(200), r.pick(['x', '', '1', '*a']), r.chance(0.5))}`;
    case 8: // a huge value, in block or flow style
      return `${text}\n${key()}: ${r.pick([`"/${'a'.repeat(70_000)}"`, `[${Array(2000).fill('x').join(',')}]`, `|\n${Array(2000).fill('  line of text').join('\n')}`])}`;
    case 9: // YAML directives and documents
      return r.pick([`%YAML 1.1\n---\n${text}`, `${text}\n---\nimage: second`, `--- !!map\n${text}`, `${text}\n...\n`, `%TAG ! tag:x,2000:\n---\n${text}`]);
    case 10: // a key with an odd form
      return `${text}\n${r.pick(['? [a, b]\n: c', '? {a: b}\n: c', '1: one', 'null: x', '~: y', 'true: z', '"": e', "'\\0': n", '"\\0": n'])}`;
    default: // indentation shifted
      lines[at] = r.pick(['  ', '\t', ' ']) + (lines[at] ?? '');
  }
  return lines.join('\n');
}

interface Tally {
  cases: number;
  planned: number;
  rejected: number;
  crashes: string[];
  unplaced: string[];
  slow: string[];
  maxMs: number;
  slowest: string;
  slowestText: string;
  /** 0: recipes, 1: flags (for the watchdog's message). */
  which: number;
}
const tally = (which: number): Tally => ({ which, cases: 0, planned: 0, rejected: 0, crashes: [], unplaced: [], slow: [], maxMs: 0, slowest: '', slowestText: '' });

// GLASSBOX_FUZZ_TRACE=FILE writes each case there before it runs: the last one is the culprit of a hang.
const TRACE = process.env.GLASSBOX_FUZZ_TRACE;

// A case that never ends (an endless loop blocks this thread, so no timer here could fire) is caught by a
// watchdog thread: it reads the number of the running case from shared memory each second, and when one case
// has run for WATCHDOG_S seconds it writes which one (straight to fd 2: this thread would never relay it) and
// kills the test process, which then fails.
const WATCHDOG_S = 20;
const running = new Int32Array(new SharedArrayBuffer(8)); // [case number + 1 (0: none), which test]
const watchdog = new Worker(
  `const { workerData: w } = require('node:worker_threads'); const { writeSync } = require('node:fs');
   const a = new Int32Array(w.sab); let last = 0, since = Date.now();
   setInterval(() => {
     const now = Atomics.load(a, 0);
     if (now !== last) (last = now), (since = Date.now());
     else if (now !== 0 && Date.now() - since > w.limit * 1000) {
       writeSync(2, \`fuzz: \${['recipe', 'flags'][Atomics.load(a, 1)]} case \${now - 1} of seed \${w.seed} has run for \${w.limit} s: GLASSBOX_FUZZ_SEED=\${w.seed} GLASSBOX_FUZZ_TRACE=FILE shows it\\n\`);
       process.kill(process.pid, 'SIGKILL');
     }
   }, 1000);`,
  { eval: true, workerData: { sab: running.buffer, seed: SEED, limit: WATCHDOG_S } },
);
watchdog.unref();
after(() => watchdog.terminate());

// Runs one case, timing it, and files its outcome. `placed` says whether a rejection names its place.
async function one(t: Tally, labelOf: () => string, run: () => Promise<Outcome>, placed: (o: Outcome & { kind: 'rejected' }) => boolean): Promise<void> {
  t.cases++;
  Atomics.store(running, 0, t.cases);
  Atomics.store(running, 1, t.which);
  if (TRACE) writeFileSync(TRACE, labelOf());
  const t0 = performance.now();
  let o: Outcome;
  try {
    o = await run();
  } catch (e) {
    t.crashes.push(`${labelOf()}: ${(e as Error)?.stack ?? e}`);
    return;
  } finally {
    Atomics.store(running, 0, 0);
    const ms = performance.now() - t0;
    if (ms > t.maxMs) (t.maxMs = ms), (t.slowest = labelOf().slice(0, 160)), (t.slowestText = labelOf());
    if (ms > LIMIT_MS) t.slow.push(`${labelOf()}: ${ms.toFixed(0)} ms`);
  }
  if (o.kind === 'planned') t.planned++;
  else if (placed(o)) t.rejected++;
  else t.unplaced.push(`${labelOf()}: ${o.errors.map((e) => e.format()).join(' | ').slice(0, 300)}`);
}

const show = (s: string) => JSON.stringify(TRACE || s.length <= 600 ? s : `${s.slice(0, 300)}…${s.slice(-300)}`);

function report(t: Tally, what: string, diag: (s: string) => void): void {
  diag(`fuzz ${what}: seed ${SEED}, ${t.cases} cases: ${t.planned} planned, ${t.rejected} rejected with a place; crashes ${t.crashes.length}, rejections without a place ${t.unplaced.length}, over ${LIMIT_MS} ms ${t.slow.length}; slowest case ${t.maxMs.toFixed(1)} ms`);
  if (process.env.GLASSBOX_FUZZ_SLOWEST) diag(`slowest: ${t.slowest}`);
  if (process.env.GLASSBOX_FUZZ_SLOWEST_FILE) writeFileSync(`${process.env.GLASSBOX_FUZZ_SLOWEST_FILE}.${what}`, t.slowestText);
  const first = (xs: string[]) => xs.slice(0, 5).join('\n\n');
  assert.equal(t.crashes.length, 0, `seed ${SEED}: exceptions escaped:\n${first(t.crashes)}`);
  assert.equal(t.unplaced.length, 0, `seed ${SEED}: rejections without a place:\n${first(t.unplaced)}`);
  assert.equal(t.slow.length, 0, `seed ${SEED}: cases over ${LIMIT_MS} ms:\n${first(t.slow)}`);
  assert.ok(t.planned > 0 && t.rejected > 0, 'the fuzzer reaches both the planner and the errors');
}

test(`fuzz: ${CASES} mutated recipes plan or fail with file:line:col`, async (tt) => {
  // Every seed plans as it is (so the mutations start from valid recipes); this also warms the pipeline up, so the
  // first timed case does not pay for loading and compiling it.
  for (const seed of SEEDS) {
    const o = await throughRecipe(w, seed.replace('image: glassbox/base', `rootdir: ${w.rootfs}`), FILE);
    assert.equal(o.kind, 'planned', o.kind === 'rejected' ? o.errors.map((e) => e.format()).join('\n') : '');
  }
  const r = prng(SEED);
  const t = tally(0);
  for (let i = 0; i < CASES; i++) {
    let text = r.pick(SEEDS);
    // Mostly a root directory, so prepare and the planner get past the (empty) image store.
    if (r.chance(0.8)) text = text.replace('image: glassbox/base', `rootdir: ${w.rootfs}`);
    else text = text.replace(`rootdir: ${w.rootfs}`, 'image: glassbox/base');
    const n = 1 + r.int(3);
    for (let k = 0; k < n; k++) text = r.chance(0.5) ? mutateValue(r, text) : mutateText(r, text);
    await one(t, () => `case ${i} ${show(text)}`, () => throughRecipe(w, text, FILE, {}, i % 4 !== 0), (o) => o.errors.every((e) => e.pos?.file === FILE && e.pos.line >= 1 && e.pos.col >= 1));
  }
  report(t, 'recipes', (s) => tt.diagnostic(s));
  assert.deepEqual([readdirSync(w.roots.root), readdirSync(w.roots.run)], [[], []], 'nothing is written while planning');
});

// The `run` flags, each with a value that is usually wrong.
const oneOf = (valid: string[]) => (r: Rng) => (r.chance(0.5) ? r.pick(valid) : String(r.pick(STRINGS)));
const many = (valid: string[]) => (r: Rng) => Array.from({ length: 1 + r.int(3) }, () => oneOf(valid)(r));
const FLAG_VALUES: Record<string, (r: Rng) => unknown> = {
    name: oneOf(['web', 'a.b-c_d']), workdir: oneOf(['/tmp', '/w']), user: oneOf(['nobody', '0:0', '65534']), hostname: oneOf(['box']),
    entrypoint: oneOf(['/bin/sh', '']), network: oneOf(['none', 'host', 'bridge', 'lab', 'container:web']), ip: oneOf(['172.29.0.9']),
    memory: oneOf(['64m', '1g']), memorySwap: oneOf(['-1', '128m']), cpus: oneOf(['0.5', '2']), cpuShares: oneOf(['512']), cpusetCpus: oneOf(['0', '0-1']),
    pidsLimit: oneOf(['64']), env: many(['A=1', 'B=', 'PATH=/bin']), volume: many([`${w.src}:/data`, `${w.src}:/ro:ro`]),
    tmpfs: many(['/t', '/t:size=64m,mode=1777']), publish: many(['80', '8080:80', '127.0.0.1:9000:90/udp']), dns: many(['192.0.2.53']),
    addHost: many(['db:10.0.0.5']), capAdd: many(['NET_ADMIN', 'ALL']), capDrop: many(['NET_RAW']), securityOpt: many(['no-new-privileges=false', 'seccomp=unconfined']),
    envFile: many(['/nonexistent/env']),
    mount: many([`type=bind,src=${w.src},dst=/m`, 'type=volume,src=data,dst=/v,readonly', 'type=tmpfs,dst=/t2,tmpfs-size=1m', 'dst=/anon,volume-nocopy']),
    volumesFrom: many(['web', 'web:ro']),
  readOnly: () => true, init: () => true, privileged: () => true, interactive: () => true, tty: () => true,
};

test(`fuzz: ${FLAG_CASES} sets of run flags plan or fail naming the flag`, async (tt) => {
  const r = prng(SEED ^ 0x5bd1e995);
  const t = tally(1);
  const keys = Object.keys(FLAG_VALUES);
  for (let i = 0; i < FLAG_CASES; i++) {
    const flags: Record<string, unknown> = {};
    for (let k = 1 + r.int(4); k > 0; k--) {
      const key = r.pick(keys);
      flags[key] = FLAG_VALUES[key]!(r);
    }
    const image = r.chance(0.7) ? w.rootfs : String(r.pick(STRINGS));
    const command = r.chance(0.8) ? ['sh', '-c', 'echo hi'] : Array.from({ length: r.int(3) }, () => String(r.pick(STRINGS)));
    // Half of them over a recipe, as `glassbox run recipe.yaml FLAGS` does: problems still point at the flag or the line.
    const over = r.chance(0.3) ? r.pick(SEEDS) : undefined;
    await one(
      t,
      () => `flags case ${i} ${show(JSON.stringify({ image, command, flags }))}`,
      () => (over ? throughRecipe(w, over, FILE, flags as RunFlags, i % 4 !== 0) : throughFlags(w, image, command, flags as RunFlags, i % 4 !== 0)),
      (o) => o.errors.every((e) => (e.pos && e.pos.line >= 1) || (e.field !== undefined && /^(--[a-z-]+|IMAGE|COMMAND)$/.test(e.field))),
    );
  }
  report(t, 'flags', (s) => tt.diagnostic(s));
  assert.deepEqual([readdirSync(w.roots.root), readdirSync(w.roots.run)], [[], []], 'nothing is written while planning');
});
