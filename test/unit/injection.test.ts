// Injection: shell payloads ($(…), backticks, ;, quotes, newlines, NUL…) through every recipe field and every
// `run` flag. Each one is either refused with its place, or planned — and then the rendered up.sh must pass
// `sh -n`, every occurrence of a payload holding a character the shell reads must sit inside single quotes or a
// comment in up.sh and in the annotated plan (a small sh lexer says where), every command holding it must come
// back from /bin/sh exactly as planned (printf '%s\0' ARGV, as the quoting tests do), and the file the payloads
// try to create must never appear.
// (Test files may spawn /bin/sh; lib/ never does.)

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { RunFlags } from '../../lib/recipe/flags.ts';
import { RT_OPEN, type Plan } from '../../lib/plan/types.ts';
import { shJoin } from '../../lib/render/quote.ts';
import { makeWorld, markerContexts, throughFlags, throughRecipe, type Outcome } from './fuzz-world.ts';

const w = await makeWorld();
after(() => w.cleanup());

const MARK = 'GBPWN';
const PWNED = join(w.dir, MARK);
const PAYLOADS = [
  `$(touch ${PWNED})`,
  `\`touch ${PWNED}\``,
  `;touch ${PWNED}`,
  `'; touch ${PWNED}; '`,
  `"; touch ${PWNED}; "`,
  `x\ntouch ${PWNED}\n`,
  `|touch ${PWNED}`,
  `&&touch ${PWNED}&`,
  `$((6*7))${MARK}`,
  `\${IFS}${MARK}$HOME`,
  `*${MARK}?[a]`,
  `~${MARK}`,
  `#${MARK}`,
  `\\${MARK}\\'`,
  `-${MARK}`,
  `${MARK}\r`,
  `中${MARK}🐳`,
  `${MARK}\tx y`,
  `>${MARK}<`,
  `$'${MARK}'`,
  `{a,b}${MARK}!`,
  `${MARK}=1`,
  `a\0${MARK}`,
];
// Bind sources must exist for a plan: one directory per payload (NUL cannot be in a file name).
for (const p of PAYLOADS) if (!p.includes('\0')) mkdirSync(join(w.src, p), { recursive: true });

const base = { rootdir: w.rootfs, command: ['true'] };
const RECIPE_FIELDS: Record<string, (p: string) => Record<string, unknown>> = {
  description: (p) => ({ description: p }),
  name: (p) => ({ name: p }),
  hostname: (p) => ({ hostname: p }),
  image: (p) => ({ rootdir: undefined, image: p }),
  rootdir: (p) => ({ rootdir: `${w.rootfs}/${p}` }),
  'command (string)': (p) => ({ command: p }),
  'command (list)': (p) => ({ command: ['echo', p] }),
  'entrypoint (string)': (p) => ({ entrypoint: p }),
  'entrypoint (list)': (p) => ({ entrypoint: [p, p] }),
  'env value': (p) => ({ env: { A: p } }),
  'env key': (p) => ({ env: { [p]: 'x' } }),
  'env list': (p) => ({ env: [`A=${p}`] }),
  workdir: (p) => ({ workdir: `/w/${p}` }),
  user: (p) => ({ user: p }),
  'volume (short)': (p) => ({ volumes: [`${w.src}/${p}:/data`] }),
  'volume source': (p) => ({ volumes: [{ type: 'bind', source: join(w.src, p), target: '/data' }] }),
  'named volume': (p) => ({ volumes: [`${p}:/data`, { type: 'volume', source: p, target: `/v/${p}` }] }),
  'volume target': (p) => ({ volumes: [{ type: 'bind', source: w.src, target: `/data/${p}` }] }),
  'tmpfs target': (p) => ({ volumes: [{ type: 'tmpfs', target: `/t/${p}` }] }),
  'tmpfs size': (p) => ({ volumes: [{ type: 'tmpfs', target: '/t', size: p }] }),
  'tmpfs mode': (p) => ({ volumes: [{ type: 'tmpfs', target: '/t', mode: p }] }),
  'network mode': (p) => ({ network: p }),
  'network ports': (p) => ({ network: { ports: [p] } }),
  'network ip': (p) => ({ network: { ip: p } }),
  'network dns': (p) => ({ network: { dns: [p] } }),
  'network add_hosts': (p) => ({ network: { add_hosts: [`h:${p}`, `${p}:10.0.0.5`] } }),
  'security cap_add': (p) => ({ security: { cap_add: [p] } }),
  'security cap_drop': (p) => ({ security: { cap_drop: [p] } }),
  'resources memory': (p) => ({ resources: { memory: p } }),
  'resources cpus': (p) => ({ resources: { cpus: p } }),
  'resources cpuset_cpus': (p) => ({ resources: { cpuset_cpus: p } }),
  'resources pids': (p) => ({ resources: { pids: p } }),
  namespaces: (p) => ({ namespaces: ['mount', 'pid', p] }),
  root: (p) => ({ root: p }),
};
const FLAGS: Record<string, (p: string) => { image?: string; command?: string[]; flags?: RunFlags }> = {
  IMAGE: (p) => ({ image: p }),
  COMMAND: (p) => ({ command: ['echo', p] }),
  'COMMAND (sh -c)': (p) => ({ command: ['sh', '-c', p] }),
  '--name': (p) => ({ flags: { name: p } }),
  '--hostname': (p) => ({ flags: { hostname: p } }),
  '--workdir': (p) => ({ flags: { workdir: `/w/${p}` } }),
  '--user': (p) => ({ flags: { user: p } }),
  '--entrypoint': (p) => ({ flags: { entrypoint: p } }),
  '--env': (p) => ({ flags: { env: [`A=${p}`, `${p}=x`] } }),
  '--volume': (p) => ({ flags: { volume: [`${w.src}/${p}:/data`, `${w.src}:/d/${p}`] } }),
  '--tmpfs': (p) => ({ flags: { tmpfs: [`/t/${p}`] } }),
  '--mount': (p) => ({ flags: { mount: [`type=volume,src=${p},dst=/m`, `type=volume,dst=/m/${p}`, `type=bind,src=${w.src},dst=/b/${p}`] } }),
  '--volumes-from': (p) => ({ flags: { volumesFrom: [p] } }),
  '--tmpfs size': (p) => ({ flags: { tmpfs: [`/u:size=${p}`] } }),
  '--network': (p) => ({ flags: { network: p } }),
  '--publish': (p) => ({ flags: { publish: [p] } }),
  '--ip': (p) => ({ flags: { ip: p } }),
  '--dns': (p) => ({ flags: { dns: [p] } }),
  '--add-host': (p) => ({ flags: { addHost: [`h:${p}`] } }),
  '--memory': (p) => ({ flags: { memory: p } }),
  '--cpus': (p) => ({ flags: { cpus: p } }),
  '--cpuset-cpus': (p) => ({ flags: { cpusetCpus: p } }),
  '--pids-limit': (p) => ({ flags: { pidsLimit: p } }),
  '--cap-add': (p) => ({ flags: { capAdd: [p] } }),
  '--security-opt': (p) => ({ flags: { securityOpt: [p] } }),
};

// The strings of a plan that hold the payload, by command: argv elements and file contents (runtime references
// such as PID 1's PID are left out: they are variables in the script, not text).
function commandsWith(plan: Plan, p: string): string[][] {
  const out: string[][] = [];
  for (const s of plan.steps) {
    for (const argv of [s.argv, s.undo, s.write ? [s.write.path, s.write.value] : undefined, s.stdin !== undefined ? [s.stdin] : undefined]) {
      if (argv?.some((a) => a.includes(p))) out.push(argv.filter((a) => !a.includes(RT_OPEN)));
    }
  }
  return out;
}

// printf '%s\0' of every command through /bin/sh: what comes back must be each argv, unchanged.
function roundTrip(commands: string[][]): string[][] {
  const script = commands.map((argv) => `${shJoin(['printf', '%s\\0', ...argv])}; printf '\\001'`).join('\n');
  const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\x01').slice(0, -1).map((one) => (one === '' ? [] : one.slice(0, -1).split('\0')));
}

interface Figures {
  cases: number;
  planned: number;
  rejected: number;
}

// Checks one outcome; `placed` says whether a rejection points at the input.
function check(o: Outcome, p: string, label: string, placed: (o: Outcome & { kind: 'rejected' }) => boolean, f: Figures): void {
  f.cases++;
  if (o.kind === 'rejected') {
    f.rejected++;
    assert.ok(placed(o), `${label}: a rejection without a place: ${o.errors.map((e) => e.format()).join(' | ')}`);
    return;
  }
  f.planned++;
  assert.ok(!p.includes('\0'), `${label}: a NUL byte was accepted`);
  const syntax = spawnSync('/bin/sh', ['-n'], { input: o.scripts.up, encoding: 'utf8' });
  assert.equal(syntax.status, 0, `${label}: sh -n up.sh: ${syntax.stderr}`);
  // A payload of only the characters the shell gives no meaning to may stand bare (shQuote leaves such words alone).
  const bare = /^[A-Za-z0-9_@%+=:,./-]*$/.test(p);
  for (const [name, text] of Object.entries(o.scripts)) {
    if (bare) break;
    const where = markerContexts(text, MARK).filter((c) => c !== 'single' && c !== 'comment');
    assert.deepEqual(where, [], `${label}: the payload is outside single quotes in ${name}`);
  }
  const commands = commandsWith(o.plan, p);
  if (commands.length) assert.deepEqual(roundTrip(commands), commands, `${label}: sh did not give the argv back`);
  assert.ok(!existsSync(PWNED), `${label}: the payload ran`);
}

test('injection: payloads through every recipe field are refused with file:line:col or stay quoted', async (t) => {
  const f: Figures = { cases: 0, planned: 0, rejected: 0 };
  const reached = new Set<string>();
  for (const [field, make] of Object.entries(RECIPE_FIELDS)) {
    for (const p of PAYLOADS) {
      const recipe = { ...base, ...make(p) };
      const text = stringify(recipe);
      const o = await throughRecipe(w, text, 'inject.yaml');
      if (o.kind === 'planned' && commandsWith(o.plan, p).length) reached.add(field);
      check(o, p, `recipe ${field} = ${JSON.stringify(p)}`, (r) => r.errors.every((e) => e.pos?.file === 'inject.yaml'), f);
    }
  }
  t.diagnostic(`injection, recipes: ${f.cases} cases (${Object.keys(RECIPE_FIELDS).length} fields × ${PAYLOADS.length} payloads): ${f.planned} planned with the payload quoted, ${f.rejected} refused with a place; payload executed 0`);
  // The payloads really get into the commands through these fields (so the checks above are not vacuous).
  for (const field of ['command (string)', 'command (list)', 'entrypoint (list)', 'env value', 'workdir', 'volume source', 'volume target', 'tmpfs target']) {
    assert.ok(reached.has(field), `no payload reached a command through ${field}`);
  }
});

test('injection: payloads through every run flag are refused naming the flag or stay quoted', async (t) => {
  const f: Figures = { cases: 0, planned: 0, rejected: 0 };
  const reached = new Set<string>();
  for (const [flag, make] of Object.entries(FLAGS)) {
    for (const p of PAYLOADS) {
      const c = make(p);
      const o = await throughFlags(w, c.image ?? w.rootfs, c.command ?? ['true'], c.flags ?? {});
      if (o.kind === 'planned' && commandsWith(o.plan, p).length) reached.add(flag);
      check(o, p, `${flag} ${JSON.stringify(p)}`, (r) => r.errors.every((e) => e.field !== undefined && /^(--[a-z-]+|IMAGE|COMMAND)$/.test(e.field)), f);
    }
  }
  t.diagnostic(`injection, flags: ${f.cases} cases (${Object.keys(FLAGS).length} flags × ${PAYLOADS.length} payloads): ${f.planned} planned with the payload quoted, ${f.rejected} refused naming the flag; payload executed 0`);
  for (const flag of ['COMMAND', 'COMMAND (sh -c)', '--entrypoint', '--env', '--workdir', '--volume', '--tmpfs']) assert.ok(reached.has(flag), `no payload reached a command through ${flag}`);
});

test('injection: the lexer that judges the scripts sees a payload outside quotes', () => {
  // Its own positive control: unquoted, double-quoted and after a newline in a comment are all caught.
  assert.deepEqual(markerContexts(`echo ${MARK}`, MARK), ['code']);
  assert.deepEqual(markerContexts(`echo "${MARK}"`, MARK), ['double']);
  assert.deepEqual(markerContexts(`# a comment\n${MARK}`, MARK), ['code']);
  assert.deepEqual(markerContexts(`echo 'it'\\''s ${MARK}' # ${MARK}`, MARK), ['single', 'comment']);
  assert.deepEqual(markerContexts(`echo a#${MARK}`, MARK), ['code']);
  writeFileSync(join(w.dir, 'control.sh'), `touch ${PWNED}.control\n`);
  spawnSync('/bin/sh', [join(w.dir, 'control.sh')]);
  assert.ok(existsSync(`${PWNED}.control`), 'a payload that runs does leave the file the test looks for');
});
