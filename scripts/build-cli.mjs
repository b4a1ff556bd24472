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
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(repo, 'dist');
const verbsFile = join(dist, 'verbs.cjs');

// What main.ts's `import('./verbs.ts')` becomes in dist/glassbox.cjs: dist/verbs.cjs compiled with its code cache
// when the cache was made for exactly this file (its size and mtime, on the cache's first line).
const LOADER = `
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');
const { createRequire, wrap } = require('node:module');
const file = join(__dirname, 'verbs.cjs');
const source = readFileSync(file, 'latin1');
const st = statSync(file);
let cachedData;
try {
  const cache = readFileSync(file + '.cache');
  const nl = cache.indexOf(10);
  if (cache.toString('latin1', 0, nl) === 'glassbox-code-cache ' + st.size + ' ' + st.mtimeMs) cachedData = cache.subarray(nl + 1);
} catch {}
const script = new Script(wrap(source), { filename: file, cachedData });
script.runInThisContext()(module.exports, createRequire(file), module, file, __dirname);
`;

async function bundles() {
  const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning', charset: 'ascii' };
  await build({
    ...common,
    entryPoints: [join(repo, 'lib/cli/main.ts')],
    outfile: join(dist, 'glassbox.cjs'),
    plugins: [
      {
        name: 'verbs-loader',
        setup(b) {
          b.onResolve({ filter: /^\.\/verbs\.ts$/ }, () => ({ path: 'verbs', namespace: 'glassbox-verbs' }));
          b.onLoad({ filter: /.*/, namespace: 'glassbox-verbs' }, () => ({ contents: LOADER, loader: 'js' }));
        },
      },
    ],
  });
  // main.ts must stay small: nothing of lib/ but the wiring (test/unit/imports.test.ts checks the source side).
  const main = readFileSync(join(dist, 'glassbox.cjs'), 'utf8');
  for (const m of main.matchAll(/^\/\/ (lib\/\S+)$/gm)) {
    if (!/^lib\/(cli\/(main|image-commands|learn-command)|version)\.ts$/.test(m[1])) throw new Error(`dist/glassbox.cjs includes ${m[1]}: start-up would load it`);
  }
  await build({
    ...common,
    entryPoints: [join(repo, 'lib/cli/verbs.ts')],
    outfile: verbsFile,
    define: { 'import.meta.url': '__glassboxUrl' },
    banner: { js: "var __glassboxUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  // A script compiled through node:vm has no loader for import(): the built-in modules the code imports lazily
  // become require()s (the same objects). Then the text is made plain ASCII (esbuild leaves comments and regular
  // expressions as they are), so the loader reads it as latin1, a copy, instead of decoding UTF-8.
  let src = readFileSync(verbsFile, 'utf8').replace(/\bimport\("(node:[a-z_/]+)"\)/g, 'Promise.resolve().then(() => require("$1"))');
  const left = /\bimport\(\s*["'`]/.exec(src);
  if (left) throw new Error(`dist/verbs.cjs still has a dynamic import: ${src.slice(left.index, left.index + 80)}`);
  src = src.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  writeFileSync(verbsFile, src);
}

// The code cache: made after a `glassbox plan` of / (planning, rendering, the catalog: most of what a run compiles
// before its first step) and execa's load, run in this process, so those functions come compiled from the cache.
async function cache() {
  rmSync(verbsFile + '.cache', { force: true });
  const require = createRequire(import.meta.url);
  const { Script } = require('node:vm');
  const { wrap } = require('node:module');
  const script = new Script(wrap(readFileSync(verbsFile, 'latin1')), { filename: verbsFile });
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, createRequire(verbsFile), mod, verbsFile, dist);
  const v = mod.exports;
  const tmp = mkdtempSync(join(tmpdir(), 'glassbox-cache-'));
  const saved = { ...process.env };
  Object.assign(process.env, { GLASSBOX_ROOT: join(tmp, 'root'), GLASSBOX_RUN: join(tmp, 'run'), NO_COLOR: '1' });
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    v.setColour(false);
    const code = await v.cmdPlan('/', ['true'], { format: 'sh' }, { lang: 'en' }).catch(v.reportError);
    await v.loadSpawner();
    if (code !== 0) throw new Error(`glassbox plan / true exited ${code}`);
  } finally {
    process.stdout.write = write;
    process.env = saved;
    rmSync(tmp, { recursive: true, force: true });
  }
  const st = statSync(verbsFile);
  const data = script.createCachedData();
  writeFileSync(verbsFile + '.cache', Buffer.concat([Buffer.from(`glassbox-code-cache ${st.size} ${st.mtimeMs}\n`, 'latin1'), data]));
  console.log(`code cache: ${data.length} bytes for dist/verbs.cjs`);
}

if (process.argv.includes('--cache')) await cache();
else await bundles();
