// The command line's errors, end to end through main() in-process: a bad flag or a failed semantic check (image,
// user, volume source, address, network) prints `glassbox: --flag: …` (or `glassbox: FILE:LINE:COL: field: …` for
// a recipe) with a hint, exits 125, prints no stack trace, and leaves the state directories as they were. Only
// `glassbox plan` is used: every one of these checks happens before a plan exists, so no root is needed.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lib/cli/main.ts';
import { reportError } from '../../lib/cli/output.ts';
import { GlassboxError } from '../../lib/errors.ts';
import { makeWorld } from './fuzz-world.ts';

const w = await makeWorld();
after(() => w.cleanup());

// Lists every path below a directory: "nothing changed" is the same list after.
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

// Runs `glassbox ARGS` in this process and returns its exit code and what it wrote to stderr. (stdout is not
// captured: node:test reports through it.)
async function glassbox(...args: string[]): Promise<{ code: number; stderr: string }> {
  const env = { GLASSBOX_ROOT: w.roots.root, GLASSBOX_RUN: w.roots.run, GLASSBOX_USERNS: '1', NO_COLOR: '1' };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const listeners = process.listeners('uncaughtException');
  const write = process.stderr.write;
  let stderr = '';
  process.stderr.write = ((s: string | Uint8Array) => ((stderr += String(s)), true)) as typeof process.stderr.write;
  const before = [tree(w.roots.root), tree(w.roots.run)];
  try {
    process.exitCode = undefined;
    await main(['node', 'glassbox', ...args]);
    return { code: Number(process.exitCode ?? 0), stderr };
  } finally {
    process.stderr.write = write;
    process.exitCode = undefined;
    for (const l of process.listeners('uncaughtException')) if (!listeners.includes(l)) process.off('uncaughtException', l);
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
    assert.deepEqual([tree(w.roots.root), tree(w.roots.run)], before, `glassbox ${args.join(' ')} changed the state directories`);
  }
}

// Expects exit 125, one line starting with `want` (a string or a pattern), and no stack trace.
async function refused(args: string[], want: RegExp): Promise<string> {
  const r = await glassbox(...args);
  assert.equal(r.code, 125, `glassbox ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  assert.match(r.stderr, want);
  assert.doesNotMatch(r.stderr, /^\s+at |internal error/m, 'a stack trace or an internal error');
  return r.stderr;
}

test('cli: bad flags name the flag, exit 125, no stack', async () => {
  await refused(['plan', '--memory', 'lots', w.rootfs, 'true'], /^glassbox: --memory: /m);
  await refused(['plan', '-w', 'rel', w.rootfs, 'true'], /^glassbox: --workdir: workdir must be an absolute path/m);
  await refused(['plan', '-w', `/${'a'.repeat(70_000)}`, w.rootfs, 'true'], /^glassbox: --workdir: the path is 70001 bytes long; the kernel's limit \(PATH_MAX\) is 4095 \(use a shorter path\)$/m);
  await refused(['plan', '-v', `/${'b'.repeat(300)}:/x`, w.rootfs, 'true'], /^glassbox: --volume: a path component is 300 bytes long; the kernel's limit \(NAME_MAX\) is 255/m);
  await refused(['plan', '--tmpfs', `/t/${'c'.repeat(5000)}`, w.rootfs, 'true'], /^glassbox: --tmpfs: the path is 5003 bytes long/m);
  await refused(['plan', '-e', `A=${'x'.repeat(140_000)}`, w.rootfs, 'true'], /^glassbox: --env: the value is 140002 bytes long; the longest value glassbox accepts is 131072/m);
  await refused(['plan', '--cpuset-cpus', '9'.repeat(400), w.rootfs, 'true'], /^glassbox: --cpuset-cpus: invalid CPU list/m);
  await refused(['plan', '--bogus', w.rootfs], /^glassbox: unknown option '--bogus'$/m);
  await refused(['plan', '--memory'], /^glassbox: option '-m, --memory <size>' argument missing$/m);
});

test('cli: semantic checks after validation name the flag too', async () => {
  await refused(['plan', 'nope', 'true'], /^glassbox: IMAGE: image not found: nope \(the image store is empty/m);
  await refused(['plan', 'Bad/Ref', 'true'], /^glassbox: IMAGE: invalid image reference "Bad\/Ref"/m);
  await refused(['plan', '-u', 'ghost', w.rootfs, 'true'], /^glassbox: --user: unable to find user ghost: no matching entries in passwd file \(/m);
  await refused(['plan', '-v', '/does/not/exist:/x', w.rootfs, 'true'], /^glassbox: --volume: volume source \/does\/not\/exist does not exist \(create it first, or fix the path\)$/m);
  await refused(['plan', '--ip', '10.99.0.5', w.rootfs, 'true'], /^glassbox: --ip: 10\.99\.0\.5 is outside the subnet/m);
  await refused(['plan', '--network', 'lab', w.rootfs, 'true'], /^glassbox: --network: network lab not found \(/m);
  await refused(['plan', '--network', 'container:web', w.rootfs, 'true'], /^glassbox: --network: container:web: no such container/m);
  await refused(['plan', `${w.rootfs}/missing`, 'true'], /^glassbox: IMAGE: rootdir .*missing is not a directory/m);
});

test('cli: a recipe gets file:line:col for every check, semantic ones included', async () => {
  const file = join(w.dir, 'bad.yaml');
  const recipe = async (text: string, want: RegExp) => {
    writeFileSync(file, text);
    return refused(['plan', file], want);
  };
  const at = (lc: string) => `^glassbox: ${file.replace(/[.]/g, '\\.')}:${lc}: `;
  await recipe('image: nope\ncommand: [true]\n', new RegExp(`${at('1:8')}image: image not found: nope`, 'm'));
  await recipe('image: Bad/Ref\ncommand: [true]\n', new RegExp(`${at('1:8')}image: invalid image reference`, 'm'));
  await recipe(`rootdir: ${w.rootfs}\ncommand: [true]\nuser: ghost\n`, new RegExp(`${at('3:7')}user: unable to find user ghost`, 'm'));
  await recipe(`rootdir: ${w.rootfs}\ncommand: [true]\nvolumes:\n  - /does/not/exist:/x\n`, new RegExp(`${at('4:5')}volumes\\.0\\.source: volume source /does/not/exist does not exist`, 'm'));
  await recipe(`rootdir: ${w.rootfs}\ncommand: [true]\nvolumes:\n  - {type: bind, source: /nope, target: /x}\n`, new RegExp(`${at('4:26')}volumes\\.0\\.source: volume source /nope does not exist`, 'm'));
  await recipe(`rootdir: ${w.rootfs}\ncommand: [true]\nnetwork:\n  ip: 10.99.0.5\n`, new RegExp(`${at('4:7')}network\\.ip: 10\\.99\\.0\\.5 is outside the subnet`, 'm'));
  await recipe(`rootdir: ${w.rootfs}\ncommand: [true]\nnetwork: lab\n`, new RegExp(`${at('3:10')}network\\.mode: network lab not found`, 'm'));
  await recipe(`rootdir: ${w.rootfs}\ncommand: [true]\nworkdir: /${'a'.repeat(70_000)}\n`, new RegExp(`${at('3:10')}workdir: the path is 70001 bytes long`, 'm'));
  await recipe(`rootdir: ${w.rootfs}\ncommand: [true]\nentrypoint: "a\\0b"\n`, new RegExp(`${at('3:13')}entrypoint: the value contains a NUL byte`, 'm'));
  await recipe(`rootdir: ${w.rootfs}\ncommand: *nope\n`, new RegExp(`${at('2:10')}unknown alias \\*nope`, 'm'));
  await recipe(`a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nimage: *c\n`, new RegExp(`${at('3:\\d+')}aliases repeat more than 1000 nodes`, 'm'));
  await recipe('command: &s [*s]\n', new RegExp(`${at('1:14')}alias \\*s is inside the node it repeats`, 'm'));
  // A flag over a recipe still names the flag.
  writeFileSync(file, `rootdir: ${w.rootfs}\ncommand: [true]\n`);
  await refused(['plan', '-u', 'ghost', file], /^glassbox: --user: unable to find user ghost/m);
});

test('cli: an unexpected exception is one line without a stack; GLASSBOX_DEBUG=1 shows it', () => {
  const capture = (fn: () => number) => {
    const write = process.stderr.write;
    let out = '';
    process.stderr.write = ((s: string) => ((out += s), true)) as typeof process.stderr.write;
    try {
      return { code: fn(), out };
    } finally {
      process.stderr.write = write;
    }
  };
  const plain = capture(() => reportError(new TypeError('boom')));
  assert.equal(plain.code, 125);
  assert.match(plain.out, /^glassbox: internal error: boom \(a bug in glassbox: .*GLASSBOX_DEBUG=1 shows where it happened\)\n$/);
  process.env.GLASSBOX_DEBUG = '1';
  try {
    assert.match(capture(() => reportError(new TypeError('boom'))).out, /^glassbox: internal error: TypeError: boom\n\s+at /);
  } finally {
    delete process.env.GLASSBOX_DEBUG;
  }
  // Control characters a value brings into a message are shown escaped, never sent to the terminal.
  const esc = capture(() => reportError(new GlassboxError('bad "\x1b[2J"', { field: '--name' })));
  assert.equal(esc.out, 'glassbox: --name: bad "\\x1b[2J"\n');
});
