// The glossary behind learn mode's `e` key covers every program, flag, mount option and value that any block can
// produce: (a) each block of the catalog is expanded with made-up parameters (booleans all on, then all off);
// (b) real plans — the container in several shapes, one mount command per mount, and every lesson — are explained
// step by step. A row the glossary cannot explain fails the test with the block, the step and the word.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandBlock, type ParamValue, type Params } from '../../lib/blocks/expand.ts';
import { defaultBlocksDir } from '../../lib/blocks/catalog.ts';
import { loadCatalogFromYaml } from '../../lib/blocks/load.ts';
import type { BlockDef } from '../../lib/blocks/schema.ts';
import { planContainer, type PlanContext, type PreparedContainer } from '../../lib/plan/planner.ts';
import { runtimeRef, type Step } from '../../lib/plan/types.ts';
import { containerPaths } from '../../lib/state/paths.ts';
import { explainArgv } from '../../lib/learn/explain.ts';
import { GLOSSARY, MOUNT_OPTIONS } from '../../lib/learn/glossary.ts';
import { lessonFiles } from '../../lib/learn/lesson.ts';
import { resolveTarget } from '../../lib/learn/target.ts';

const catalog = loadCatalogFromYaml(defaultBlocksDir());
const CJK = /[\u4e00-\u9fff]/;

// Every command line a step can run: its argv, its undo, its observe commands, and a mount entry as mount(8) gets it.
function commandsOf(step: Step): string[][] {
  const out: string[][] = [];
  if (step.argv) out.push(step.argv);
  if (step.undo) out.push(step.undo);
  out.push(...step.observe);
  if (step.mount) out.push(['mount', '-t', step.mount.type, '-o', step.mount.options, step.mount.source, step.mount.target]);
  return out;
}

// The words of `argv` the glossary cannot explain.
function unknownWords(argv: string[], userCommand?: string[]): string[] {
  return explainArgv(argv, 'en', { userCommand })
    .filter((r) => r.unknown)
    .map((r) => `${r.kind} ${r.word}`);
}

// Made-up values for a block's parameters, shaped like the real ones.
const STRINGS: Record<string, string> = { kind: 'uts', link: 'uts', type: 'tmpfs', options: 'rw', hostname: 'box' };
const FIELDS: Record<string, string> = { options: 'bind,ro,nodev,X-mount.mkdir', name: 'n', value: 'v', type: 'tmpfs', kind: 'uts' };
function sampleParams(block: BlockDef, on: boolean): Params {
  const text = JSON.stringify(block.steps);
  const fields = [...new Set([...text.matchAll(/\{\{\s*item\.([a-z_]+)\s*\}\}/g)].map((m) => m[1]!))];
  const params: Params = {};
  for (const [name, spec] of Object.entries(block.params)) {
    let v: ParamValue;
    switch (spec.type) {
      case 'bool':
        v = on;
        break;
      case 'int':
        v = 1;
        break;
      case 'runtime':
        v = runtimeRef('pid1');
        break;
      case 'path':
        v = name === 'seccomp_loader' || name === 'loader' || name === 'barrier_loader' ? '/x/glassbox-seccomp-load' : name === 'device_filter' ? '/x/glassbox-device-filter' : `/x/${name}`;
        break;
      case 'list':
        if (name === 'namespaces') v = ['mount', 'uts', 'ipc', 'net', 'cgroup'];
        else if (name === 'env' || name === 'environment') v = ['KEY=value'];
        else if (name === 'ulimits') v = ['--nofile=1024:2048'];
        else if (fields.length) v = [Object.fromEntries(fields.map((f) => [f, FIELDS[f] ?? `/x/${f}`]))];
        else v = [`/x/${name}-item`];
        break;
      default:
        v = STRINGS[name] ?? `value-${name}`;
    }
    if (spec.optional && !on && spec.type !== 'list') continue;
    params[name] = v;
  }
  return params;
}

test('glossary: every entry speaks both languages', () => {
  for (const [name, info] of Object.entries(GLOSSARY)) {
    const all = [info.text, ...Object.values(info.flags ?? {}).flatMap((f) => [f.text, ...Object.values(f.values ?? {})]), ...(info.operands ?? [])];
    for (const [k, o] of Object.entries(info.objects ?? {})) all.push(o.text, ...(o.operands ?? []), { en: k, zh: k + '中' });
    for (const t of all) {
      assert.ok(t.en.trim(), `${name}: an empty English text`);
      assert.match(t.zh, CJK, `${name}: "${t.en}" has no Chinese`);
    }
  }
  for (const [k, t] of Object.entries(MOUNT_OPTIONS)) assert.match(t.zh, CJK, `mount option ${k} has no Chinese`);
});

test('glossary: covers every command, flag and mount option of every block in the catalog', () => {
  const problems: string[] = [];
  let lines = 0;
  for (const [name, block] of catalog) {
    for (const on of [true, false]) {
      let steps: Step[];
      const params = sampleParams(block, on);
      const userCommand = Array.isArray(params.command) ? (params.command as string[]) : undefined;
      try {
        steps = expandBlock(catalog, { block: name, as: name, params });
      } catch (e) {
        problems.push(`${name}: cannot expand with sample parameters: ${(e as Error).message}`);
        continue;
      }
      for (const s of steps) {
        for (const argv of commandsOf(s)) {
          lines++;
          for (const w of unknownWords(argv, userCommand)) problems.push(`${name} (${s.id}): ${w}   in: ${argv.join(' ')}`);
        }
      }
    }
  }
  assert.ok(lines > 50, `only ${lines} command lines found`);
  assert.deepEqual([...new Set(problems)], []);
});

// A container as the planner gets it (values like planner.test.ts's).
function container(over: Partial<PreparedContainer> = {}): PreparedContainer {
  const id = 'fedcba9876543210'.repeat(4);
  return {
    id,
    name: 'demo',
    imageRef: 'glassbox/base:latest',
    lowerDirs: ['/var/lib/glassbox/layers/1111', '/var/lib/glassbox/layers/2222'],
    overlay: true,
    root: 'pivot_root',
    readOnly: false,
    namespaces: ['mount', 'uts', 'ipc', 'pid', 'net', 'cgroup'],
    hostname: 'demo',
    command: ['/bin/sh', '-c', 'echo "$HOSTNAME"; ls -la /'],
    env: { PATH: '/usr/bin:/bin', HOSTNAME: 'demo' },
    workdir: '/srv',
    makeWorkdir: true,
    makeProc: true,
    user: { uid: 1000, gid: 1000, groups: [10, 20] },
    volumes: [
      { type: 'bind', source: '/srv/data', target: '/data', readOnly: true },
      { type: 'tmpfs', target: '/scratch', size: '64m', mode: '1777' },
    ],
    paths: containerPaths({ root: '/var/lib/glassbox', run: '/run/glassbox' }, id),
    ...over,
  };
}

test('glossary: explains every word of real container plans (learn mode mounts one by one, and the batched form)', () => {
  const ctx = (batchMounts: boolean, first: boolean): PlanContext => ({
    runRoot: '/run/glassbox',
    runRootReady: !first,
    barrierReady: !first,
    hostDevLinks: !first,
    batchMounts,
    flock: '/usr/bin/flock',
    seccompLoader: '/usr/lib/glassbox/glassbox-seccomp-load',
  });
  const variants = [container(), container({ root: 'chroot', readOnly: true, user: { uid: 0, gid: 0, groups: [] } }), container({ overlay: false, lowerDirs: ['/srv/root'], volumes: [] })];
  const problems: string[] = [];
  for (const c of variants) {
    for (const batch of [false, true]) {
      for (const first of [true, false]) {
        const plan = planContainer(catalog, c, ctx(batch, first));
        for (const s of [...plan.steps, ...(plan.teardown ?? [])]) {
          for (const argv of commandsOf(s)) for (const w of unknownWords(argv, c.command)) problems.push(`${s.id}: ${w}`);
        }
      }
    }
  }
  assert.deepEqual([...new Set(problems)], []);
});

test('glossary: explains every word of every lesson', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'glassbox-learn-gloss-'));
  try {
    const r = { root: join(tmp, 'root'), run: join(tmp, 'run') };
    const problems: string[] = [];
    let planned = 0;
    for (const file of lessonFiles()) {
      let target;
      try {
        target = await resolveTarget(file, r, { buildBase: false });
      } catch (e) {
        // Lessons with a container from an image need the image in the store: the integration test covers them.
        if (/image|not found|no such image/i.test((e as Error).message)) continue;
        throw e;
      }
      planned++;
      for (const s of [...target.plan.steps, ...(target.plan.teardown ?? [])]) {
        for (const argv of commandsOf(s)) for (const w of unknownWords(argv, target.plan.info.command)) problems.push(`${file} ${s.id}: ${w}`);
      }
    }
    assert.ok(planned >= 4, `only ${planned} lessons were planned`);
    assert.deepEqual([...new Set(problems)], []);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
