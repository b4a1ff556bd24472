// What a run does is what its plan says, byte for byte. The executor sends each command to its step shell as the
// line the quoting module renders (lib/exec/stepshell.ts), and --verbose traces every command it runs; this test
// runs a real container with --verbose and checks each traced command line against the lines `glassbox plan`
// prints for the same container, and that every command of the plan (its steps, teardown steps and undos) was run
// exactly once. The runtime value a plan can only name ("$gb_pid1") is put back in the trace first.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from './helpers.ts';

const sb = new Sandbox('trace');
const T = { timeout: 90_000 };

before(() => sb.setup(), { timeout: 180_000 });
after(() => sb.cleanup(), { timeout: 120_000 });

interface JsonStep {
  kind: string;
  argv?: string[];
  undo?: string[];
}

// The command lines of a rendering: each line as it is, a `# undo: CMD` line's command (the plan shows undos so), a
// cleanup line of up.sh without its guard (`[ "$gb_step" -lt N ] ||`), retry wrapper and `|| true`, and a start line
// without its descriptors and `&`.
function commandLines(text: string): Set<string> {
  const out = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    out.add(line);
    const undo = /^# undo: (.*?)(?: \(tried again while busy\))?$/.exec(line);
    if (undo) out.add(undo[1]!);
    out.add(
      line
        .replace(/^\[ "\$gb_step" -lt \d+ \] \|\| /, '')
        .replace(/^gb_retry_busy /, '')
        .replace(/ \|\| true$/, '')
        .replace(/ <&3 3<&- &$/, ''),
    );
  }
  return out;
}

test('--verbose: every command a run traces is a line of `glassbox plan` (or its up.sh), and every command of the plan runs once', T, async () => {
  const flags = ['--hostname', 'gbtrace'];
  // A first run prepares the run root (a one-time step whose FIFO has a name unique to each plan).
  const first = await sb.gb(['run', '--rm', 'glassbox/base', '/bin/true']);
  assert.equal(first.code, 0, first.stderr);
  const plan = await sb.gb(['plan', ...flags, 'glassbox/base', '/bin/true']);
  assert.equal(plan.code, 0, plan.stderr);
  const json = await sb.gb(['plan', '--format', 'json', ...flags, 'glassbox/base', '/bin/true']);
  assert.equal(json.code, 0, json.stderr);
  const dir = join(sb.dir, 'script');
  const script = await sb.gb(['script', '-o', dir, ...flags, 'glassbox/base', '/bin/true']);
  assert.equal(script.code, 0, script.stderr);
  const r = await sb.gb(['--verbose', 'run', '--rm', ...flags, 'glassbox/base', '/bin/true']);
  assert.equal(r.code, 0, r.stderr);

  // A traced line: its duration, the command, and ` → exit N` when it failed (an undo whose object is shared).
  const traced = r.stderr
    .split('\n')
    .map((l) => /^\[ *[\d.]+ ms\] (.*?)(?: → exit \d+)?$/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined);
  const pid1 = traced.map((l) => /^rm -f \/proc\/(\d+)\/root\/dev\/\.glassbox-start$/.exec(l)?.[1]).find(Boolean);
  assert.ok(pid1, `no barrier removal in the trace:\n${traced.join('\n')}`);
  const named = (l: string) => l.replace(new RegExp(`(?<![0-9a-f])${pid1}(?![0-9a-f])`, 'g'), '"$gb_pid1"');
  // In-process writes are traced as `write FILE` (their value can be a whole file); the plan shows their printf.
  const commands = traced.filter((l) => !l.startsWith('write ')).map(named);
  const planned = commandLines(plan.stdout);
  // The plan shows the teardown steps inside a wrapped comment; up.sh runs them, one line each.
  const scripted = commandLines(readFileSync(join(dir, 'up.sh'), 'utf8'));
  const strangers = commands.filter((c) => !planned.has(c) && !scripted.has(c));
  assert.deepEqual(strangers, [], `traced commands that are not lines of the plan or its script:\n${strangers.join('\n')}`);
  for (const w of traced.filter((l) => l.startsWith('write '))) {
    const file = named(w.slice('write '.length));
    assert.ok([...planned, ...scripted].some((l) => l.endsWith(`> ${file}`)), `the plan writes no ${file}`);
  }

  // Every step of the plan ran once, every teardown step and every undo too: one traced line each (an undo the
  // kernel answered "busy" is tried again, the same line right after itself, and counted once).
  const p = JSON.parse(json.stdout) as { steps: JsonStep[]; teardown?: JsonStep[] };
  const expected = p.steps.filter((s) => s.kind !== 'mount').length + (p.teardown ?? []).length + p.steps.filter((s) => s.undo).length;
  const once = traced.filter((l, i) => l.startsWith('write ') || l !== traced[i - 1]);
  assert.equal(once.length, expected, `expected ${expected} commands, traced:\n${traced.join('\n')}`);
  const spawned = once.filter((l) => !l.startsWith('write '));
  assert.equal(new Set(spawned).size, spawned.length, `a command ran twice:\n${spawned.join('\n')}`);
});
