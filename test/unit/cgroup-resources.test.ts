// The resource model: sizes in docker's binary units, CPU lists, the conversions to cgroup values, and every
// validation message, to the character — for recipes with file:line:col, and for flags with the flag's name.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { specFromFlags, type RunFlags } from '../../lib/recipe/flags.ts';
import { cpuQuota, memoryPlusSwap, sharesToWeight } from '../../lib/cgroup/resources.ts';
import { formatBytes, formatCpuList, parseCpuList, parseSize } from '../../lib/cgroup/units.ts';
import { GlassboxError, GlassboxErrors } from '../../lib/errors.ts';
import { parseRecipe } from '../../lib/recipe/load.ts';

const MiB = 1024 ** 2;
const HOST = { cpus: 2, onlineCpus: [0, 1] };

test('units: sizes are binary like docker (64m = 64 MiB); a bare number is bytes', () => {
  const ok = (s: string | number) => {
    const p = parseSize(s);
    assert.ok('value' in p, `${s}: ${JSON.stringify(p)}`);
    return p.value;
  };
  assert.equal(ok('64m'), 64 * MiB);
  for (const s of ['64M', '64mb', '64MB', '64MiB', '64 m']) assert.equal(ok(s), 64 * MiB, s);
  assert.equal(ok('1.5g'), 1.5 * 1024 * MiB);
  assert.equal(ok('512k'), 512 * 1024);
  assert.equal(ok('1t'), 1024 ** 4);
  assert.equal(ok('1048576'), MiB);
  assert.equal(ok(1048576), MiB);
  assert.equal(ok('-1'), -1);
  for (const s of ['64q', 'm', '', '1.2.3m', '64 MiBs', 'ib', '0x10']) assert.deepEqual(parseSize(s), { error: `invalid size "${s}"` }, s);
});

test('units: bytes for people, CPU lists both ways', () => {
  assert.equal(formatBytes(64 * MiB), '64 MiB');
  assert.equal(formatBytes(1.5 * 1024 * MiB), '1.5 GiB');
  assert.equal(formatBytes(1000), '1000 B');
  assert.equal(formatBytes(516096, ''), '504KiB');
  assert.deepEqual(parseCpuList('0-2,4'), { value: [0, 1, 2, 4] });
  assert.deepEqual(parseCpuList(' 3,1,1 '), { value: [1, 3] });
  // Found by the fuzzer: 400 digits were Infinity, and the range loop never ended.
  assert.ok('error' in parseCpuList('9'.repeat(400)) && 'error' in parseCpuList('0-8192'));
  assert.deepEqual(parseCpuList('2-1'), { error: 'invalid CPU list "2-1": the range 2-1 runs backwards' });
  assert.deepEqual(parseCpuList('a'), { error: 'invalid CPU list "a"' });
  assert.equal(formatCpuList([4, 0, 1, 2]), '0-2,4');
  assert.equal(formatCpuList([0, 1]), '0-1');
  assert.equal(formatCpuList([3]), '3');
});

test('conversions: cpus → quota, shares → weight (runc), memory + swap (docker)', () => {
  assert.equal(cpuQuota(0.5), 50000);
  assert.equal(cpuQuota(1.5), 150000);
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(1024), 39);
  assert.equal(sharesToWeight(262144), 10000);
  assert.equal(memoryPlusSwap({ memory: 64 * MiB }), 128 * MiB);
  assert.equal(memoryPlusSwap({ memory: 64 * MiB, memorySwap: 100 * MiB }), 100 * MiB);
  assert.equal(memoryPlusSwap({ memory: 64 * MiB, memorySwap: -1 }), -1);
  assert.equal(memoryPlusSwap({}), undefined);
});

// --- recipes: file:line:col ----------------------------------------------------------------------------------

function recipeErrors(text: string): string[] {
  try {
    parseRecipe(text, 'r.yaml', { host: HOST });
  } catch (e) {
    if (e instanceof GlassboxErrors) return e.errors.map((x) => x.format());
    if (e instanceof GlassboxError) return [e.format()];
    throw e;
  }
  assert.fail('the recipe was accepted');
}

const SIZE_HINT = 'a number with an optional unit b, k, m or g; binary: 64m = 64 MiB';

test('recipe resources: parsed into numbers', () => {
  const spec = parseRecipe('image: x\nresources: {memory: 64m, memory_swap: -1, cpus: 0.5, cpu_shares: 512, cpuset_cpus: 0, pids: 64}\n', 'r.yaml', { host: HOST });
  assert.deepEqual(spec.resources, { memory: 64 * MiB, memorySwap: -1, cpus: 0.5, cpuShares: 512, cpusetCpus: '0', pids: 64 });
  assert.equal(parseRecipe('image: x\n', 'r.yaml').resources, undefined, 'no resources: none asked for');
});

const recipeCases: Array<{ name: string; text: string; want: string[] }> = [
  {
    name: 'memory 64q',
    text: 'image: x\nresources:\n  memory: 64q\n',
    want: [`r.yaml:3:11: resources.memory: invalid size "64q" (${SIZE_HINT})`],
  },
  {
    name: 'memory 0 and negative pids',
    text: 'image: x\nresources:\n  memory: 0\n  pids: -5\n',
    want: [
      `r.yaml:3:11: resources.memory: must be greater than 0, got 0 B (${SIZE_HINT})`,
      'r.yaml:4:9: resources.pids: must be greater than 0, got -5 (the most processes the container may hold at once, like 64)',
    ],
  },
  {
    name: 'memory below 6 MiB',
    text: 'image: x\nresources: {memory: 4m}\n',
    want: ['r.yaml:2:21: resources.memory: must be at least 6 MiB, got 4 MiB (like docker, glassbox refuses limits too small for a process to start)'],
  },
  {
    name: 'cpus above the host CPU count',
    text: 'image: x\nresources:\n  cpus: 3\n',
    want: ['r.yaml:3:9: resources.cpus: must be at most 2 (this host has 2 CPUs), got 3'],
  },
  {
    name: 'cpuset outside the host',
    text: 'image: x\nresources:\n  cpuset_cpus: "1-3"\n',
    want: ['r.yaml:3:16: resources.cpuset_cpus: CPUs 2-3 are not online on this host (online CPUs: 0-1)'],
  },
  {
    name: 'memory_swap below memory; cpu_shares out of range; pids not whole',
    text: 'image: x\nresources:\n  memory: 64m\n  memory_swap: 32m\n  cpu_shares: 1\n  pids: 1.5\n',
    want: [
      'r.yaml:6:9: resources.pids: must be a whole number, got "1.5"',
      'r.yaml:4:16: resources.memory_swap: must be at least the memory limit (64 MiB), got 32 MiB (memory_swap counts memory plus swap; -1 allows unlimited swap)',
      'r.yaml:5:15: resources.cpu_shares: must be between 2 and 262144, got 1 (a relative weight; 1024 is the default)',
    ],
  },
  {
    name: 'a misspelt key',
    text: 'image: x\nresources:\n  memroy: 64m\n',
    want: ['r.yaml:3:3: resources.memroy: unknown key "memroy" in recipe (did you mean "memory"?)'],
  },
];
for (const c of recipeCases) {
  test(`recipe resources error: ${c.name}`, () => assert.deepEqual(recipeErrors(c.text), c.want));
}

// --- flags: named after the flag ------------------------------------------------------------------------------

function flagErrors(f: RunFlags): string[] {
  try {
    specFromFlags(undefined, 'alpine', [], f, HOST);
  } catch (e) {
    if (e instanceof GlassboxErrors) return e.errors.map((x) => x.format());
    if (e instanceof GlassboxError) return [e.format()];
    throw e;
  }
  assert.fail('the flags were accepted');
}

test('flags: --memory 64m --cpus 0.5 --pids-limit 64 … become the resource model', () => {
  const spec = specFromFlags(undefined, 'alpine', [], { memory: '64m', memorySwap: '128m', cpus: '.5', cpuShares: '512', cpusetCpus: '0-1', pidsLimit: '64' }, HOST);
  assert.deepEqual(spec.resources, { memory: 64 * MiB, memorySwap: 128 * MiB, cpus: 0.5, cpuShares: 512, cpusetCpus: '0-1', pids: 64 });
  assert.equal(specFromFlags(undefined, 'alpine', [], {}).resources, undefined);
});

test('flags: bad values name the flag', () => {
  assert.deepEqual(flagErrors({ memory: '64q' }), [`--memory: invalid size "64q" (${SIZE_HINT})`]);
  assert.deepEqual(flagErrors({ memory: '-64m' }), [`--memory: must be greater than 0, got -64 MiB (${SIZE_HINT})`]);
  assert.deepEqual(flagErrors({ memory: '5m' }), ['--memory: must be at least 6 MiB, got 5 MiB (like docker, glassbox refuses limits too small for a process to start)']);
  assert.deepEqual(flagErrors({ cpus: '0' }), ['--cpus: must be greater than 0, got 0 (a decimal number, like 0.5 or 2)']);
  assert.deepEqual(flagErrors({ cpus: '0.001' }), ['--cpus: must be at least 0.01, got 0.001 (the kernel needs a quota of at least 1 ms per 100 ms period)']);
  assert.deepEqual(flagErrors({ cpus: 'half' }), ['--cpus: invalid number of CPUs "half" (a decimal number, like 0.5 or 2)']);
  assert.deepEqual(flagErrors({ cpus: '4' }), ['--cpus: must be at most 2 (this host has 2 CPUs), got 4']);
  assert.deepEqual(flagErrors({ cpusetCpus: '3' }), ['--cpuset-cpus: CPU 3 is not online on this host (online CPUs: 0-1)']);
  assert.deepEqual(flagErrors({ cpusetCpus: 'x' }), ['--cpuset-cpus: invalid CPU list "x" (CPU numbers and ranges, like 0-2,4)']);
  assert.deepEqual(flagErrors({ pidsLimit: '0' }), ['--pids-limit: must be greater than 0, got 0 (the most processes the container may hold at once, like 64)']);
  assert.deepEqual(flagErrors({ memorySwap: '64m' }), ['--memory-swap: needs a memory limit as well (memory_swap counts memory plus swap)']);
  assert.deepEqual(flagErrors({ memory: 'lots', memorySwap: '1g' }), [`--memory: invalid size "lots" (${SIZE_HINT})`], 'no second message about memory_swap');
});

test('flags over a recipe: the recipe keeps its limits, a flag overrides one, and its problem names the flag', () => {
  const base = parseRecipe('image: x\nresources: {memory: 64m, pids: 64}\n', '/r.yaml', { host: HOST });
  const spec = specFromFlags(base, undefined, [], { pidsLimit: '10' }, HOST);
  assert.deepEqual(spec.resources, { memory: 64 * MiB, pids: 10 });
  assert.deepEqual(base.resources, { memory: 64 * MiB, pids: 64 }, 'the recipe spec is not changed');
  try {
    specFromFlags(base, undefined, [], { cpus: '9' }, HOST);
    assert.fail('accepted');
  } catch (e) {
    assert.ok(e instanceof GlassboxErrors);
    assert.deepEqual(e.errors.map((x) => x.format()), ['--cpus: must be at most 2 (this host has 2 CPUs), got 9']);
  }
});
