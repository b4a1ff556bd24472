// Build step: the command line as two CommonJS bundles, made for start-up time (docs/benchmarks.md, "Start-up").
//
//   dist/glassbox.cjs   lib/cli/main.ts and commander: all that `--version`, `--help` and usage errors load.
//   dist/verbs.cjs      lib/cli/verbs.ts and everything below it (yaml, zod, execa, ora included), loaded when a
//                       command runs, through V8's code cache dist/verbs.cjs.cache (`--cache`, made by `npm run
//                       build` after the blocks are compiled): compiling 2 MB of JavaScript costs tens of
//                       milliseconds, reading it back from the cache a few.
//
// Why not ESM chunks: Node 20 has no compile cache for ES modules, so every run parsed and compiled each chunk it
// loaded (about 20 ms for `run`), and each chunk file cost its own resolve and read. The cache is only ever an
// optimisation: one made for another file, Node or V8 flag set is refused (by the key below, or by V8 itself) and
// the bundle is compiled from its source as usual.
//
//   node scripts/build-cli.mjs           the two bundles
//   node scripts/build-cli.mjs --cache   the code cache, from a `glassbox plan` of / run in this process
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(repo, 'dist');
const verbsFile = join(dist, 'verbs.cjs');

// dist/load.cjs: loads one of the two bundles, compiled with its code cache (FILE.cache) when the cache was made for
// exactly that file: its size and mtime are on the cache's first line. bin/glassbox loads dist/glassbox.cjs with
// it, and main.ts's `import('./verbs.ts')` becomes a load of dist/verbs.cjs. `loaded` keeps each file's script, for
// the build's --cache step.
const LOADER = `'use strict';
const { readFileSync, statSync } = require('node:fs');
const { dirname } = require('node:path');
const { Script } = require('node:vm');
const { createRequire, wrap } = require('node:module');
const loaded = new Map();
exports.loaded = loaded;
exports.load = function load(file) {
  const hit = loaded.get(file);
  if (hit) return hit.module.exports;
  const source = readFileSync(file, 'latin1');
  let cachedData;
  try {
    const st = statSync(file);
    const cache = readFileSync(file + '.cache');
    const nl = cache.indexOf(10);
    if (cache.toString('latin1', 0, nl) === 'glassbox-code-cache ' + st.size + ' ' + st.mtimeMs) cachedData = cache.subarray(nl + 1);
  } catch {}
  const script = new Script(wrap(source), { filename: file, cachedData });
  const mod = { exports: {}, filename: file };
  loaded.set(file, { script, module: mod });
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file));
  return mod.exports;
};
`;

// commander requires node:child_process when it is loaded, for subcommands that are programs of their own, which
// glassbox has none of: it gets the module when it first asks for something in it.
const LAZY_CHILD_PROCESS = `let cp;
const get = () => (cp ??= require('node:child_process'));
module.exports = new Proxy({}, { get: (_, key) => get()[key], has: (_, key) => key in get() });
`;

// The bundles must stay plain ASCII (the loader reads them as latin1): esbuild escapes strings, but leaves
// comments and regular expressions as they are. \\uXXXX means the same character in both.
const ascii = (src) => src.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

async function bundles() {
  const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning', charset: 'ascii' };
  await build({
    ...common,
    entryPoints: [join(repo, 'lib/cli/main.ts')],
    outfile: join(dist, 'glassbox.cjs'),
    external: ['./load.cjs'],
    plugins: [
      {
        name: 'verbs-loader',
        setup(b) {
          b.onResolve({ filter: /^\.\/verbs\.ts$/ }, () => ({ path: 'verbs', namespace: 'glassbox-verbs' }));
          b.onLoad({ filter: /.*/, namespace: 'glassbox-verbs' }, () => ({ contents: "module.exports = require('./load.cjs').load(require('node:path').join(__dirname, 'verbs.cjs'));", loader: 'js' }));
          b.onResolve({ filter: /^(node:)?child_process$/ }, (a) => (a.importer.includes('/node_modules/commander/') ? { path: 'child_process', namespace: 'glassbox-lazy' } : undefined));
          b.onLoad({ filter: /.*/, namespace: 'glassbox-lazy' }, () => ({ contents: LAZY_CHILD_PROCESS, loader: 'js' }));
        },
      },
    ],
  });
  writeFileSync(join(dist, 'load.cjs'), LOADER);
  // main.ts must stay small: nothing of lib/ but the wiring (test/unit/imports.test.ts checks the source side).
  const main = readFileSync(join(dist, 'glassbox.cjs'), 'utf8');
  writeFileSync(join(dist, 'glassbox.cjs'), ascii(main));
  for (const m of main.matchAll(/^\/\/ (lib\/\S+)$/gm)) {
    if (!/^lib\/(cli\/(main|image-commands|learn-command|compose-command|kube-command)|version)\.ts$/.test(m[1])) throw new Error(`dist/glassbox.cjs includes ${m[1]}: start-up would load it`);
  }
  await build({
    ...common,
    entryPoints: [join(repo, 'lib/cli/verbs.ts')],
    outfile: verbsFile,
    define: { 'import.meta.url': '__glassboxUrl' },
    banner: { js: "var __glassboxUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  // A script compiled through node:vm has no loader for import(): the built-in modules the code imports lazily
  // become require()s (the same objects).
  let src = readFileSync(verbsFile, 'utf8').replace(/\bimport\("(node:[a-z_/]+)"\)/g, 'Promise.resolve().then(() => require("$1"))');
  const left = /\bimport\(\s*["'`]/.exec(src);
  if (left) throw new Error(`dist/verbs.cjs still has a dynamic import: ${src.slice(left.index, left.index + 80)}`);
  writeFileSync(verbsFile, ascii(src));
}

// The code caches: made after a `glassbox plan` of / (the wiring, planning, rendering, the catalog: most of what a
// run compiles before its first step) and execa's load, run in this process, so those functions come compiled.
async function cache() {
  const files = [join(dist, 'glassbox.cjs'), verbsFile];
  for (const f of files) rmSync(f + '.cache', { force: true });
  const loader = createRequire(import.meta.url)(join(dist, 'load.cjs'));
  const tmp = mkdtempSync(join(tmpdir(), 'glassbox-cache-'));
  const saved = { ...process.env };
  Object.assign(process.env, { GLASSBOX_ROOT: join(tmp, 'root'), GLASSBOX_RUN: join(tmp, 'run'), GLASSBOX_USERNS: '1', NO_COLOR: '1' });
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    await loader.load(files[0]).main(['node', 'glassbox', 'plan', '/', 'true']);
    if (process.exitCode) throw new Error(`glassbox plan / true exited ${process.exitCode}`);
    await loader.load(verbsFile).loadSpawner();
  } finally {
    process.stdout.write = write;
    process.env = saved;
    rmSync(tmp, { recursive: true, force: true });
  }
  for (const f of files) {
    const st = statSync(f);
    const data = loader.loaded.get(f).script.createCachedData();
    writeFileSync(f + '.cache', Buffer.concat([Buffer.from(`glassbox-code-cache ${st.size} ${st.mtimeMs}\n`, 'latin1'), data]));
    console.log(`code cache: ${data.length} bytes for ${relative(repo, f)}`);
  }
}

if (process.argv.includes('--cache')) await cache();
else await bundles();
