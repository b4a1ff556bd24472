// The executor's step shell (lib/exec/stepshell.ts) against a real /bin/sh: every command it is fed comes back
// with the argv it was given, its own exit status, stdout and stderr (with or without a last newline), its stdin
// text, and the words a shell splits the rendered line into are exactly the argv; a shell that dies fails the
// command in flight and the next command gets a new shell. No root needed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onCommand, type CommandResult } from '../../lib/exec/spawn.ts';
import { StepShell, StepShells, stepLine } from '../../lib/exec/stepshell.ts';

// Values a shell would read something into if they were not quoted.
const AWKWARD = ['', ' ', "it's", '$HOME', '`id`', '$(id)', 'a\nb', '*', '~', 'x;y', '"q"', '\\', '-n', '#', 'if', 'A=B', '日本'];

test('stepLine: the plan\'s quoted line, its stdin (/dev/null or printf \'%s\' TEXT |), then the two markers', () => {
  assert.equal(
    stepLine(['mount', '--all', '--fstab', '/run/x y/fstab'], 'gb-step-1'),
    `mount --all --fstab '/run/x y/fstab' </dev/null\ngb_s=$?; printf '%s\\n' gb-step-1 >&2; printf '%s %s\\n' gb-step-1 "$gb_s"\n`,
  );
  assert.ok(stepLine(['iptables-restore', '-n'], 'm', '*filter\nCOMMIT\n').startsWith(`printf '%s' '*filter\nCOMMIT\n' | iptables-restore -n\n`));
});

test('StepShell: exit status, stdout and stderr of each command, in order, reported to the listeners', async () => {
  const shell = new StepShell();
  const seen: CommandResult[] = [];
  const stop = onCommand((r) => seen.push(r));
  try {
    const a = await shell.run(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual([a.exitCode, a.stdout, a.stderr], [3, 'out\n', 'err\n']);
    // Output without its last newline, on both streams, is kept as it is.
    const b = await shell.run(['sh', '-c', 'printf no-newline; printf e >&2']);
    assert.deepEqual([b.exitCode, b.stdout, b.stderr], [0, 'no-newline', 'e']);
    // A large output arrives whole, in many chunks.
    const big = await shell.run(['sh', '-c', 'i=0; while [ $i -lt 20000 ]; do echo "line $i of the output"; i=$((i+1)); done']);
    assert.equal(big.stdout.split('\n').length, 20001);
    assert.equal(big.stdout.split('\n')[19999], 'line 19999 of the output');
    // Several commands sent at once run one after another, each with its own result.
    const many = await Promise.all([1, 2, 3, 4].map((n) => shell.run(['sh', '-c', `echo ${n}; exit ${n}`])));
    assert.deepEqual(many.map((r) => [r.exitCode, r.stdout]), [[1, '1\n'], [2, '2\n'], [3, '3\n'], [4, '4\n']]);
    assert.equal(seen.length, 7);
    assert.deepEqual(seen[0]!.argv, ['sh', '-c', 'echo out; echo err >&2; exit 3']);
  } finally {
    stop();
    await shell.close();
  }
});

test('StepShell: the shell splits the line into exactly the argv, awkward values included; stdin text arrives as it is', async () => {
  const shell = new StepShell();
  try {
    // printf '%s\0' prints each word it was given, NUL-terminated: the argv as the program received it.
    const r = await shell.run(['printf', '%s\\0', ...AWKWARD]);
    assert.equal(r.exitCode, 0);
    assert.deepEqual(r.stdout.split('\0').slice(0, -1), AWKWARD);
    const text = "line 1\n'quoted' $HOME `x`\nno newline";
    const c = await shell.run(['cat'], { stdin: text });
    assert.equal(c.stdout, text);
    // Without stdin text a command reads /dev/null, never the shell's own input.
    const d = await shell.run(['cat']);
    assert.deepEqual([d.exitCode, d.stdout], [0, '']);
    // A program that is not there fails as in any shell (127), with the shell's message.
    const e = await shell.run(['glassbox-no-such-program']);
    assert.equal(e.exitCode, 127);
    assert.match(e.stderr, /not found/);
  } finally {
    await shell.close();
  }
});

test('StepShell: a shell killed mid-command fails that command; the next command starts a new shell', async () => {
  const shell = new StepShell();
  try {
    const pidOf = await shell.run(['sh', '-c', 'echo $PPID']);
    const first = Number(pidOf.stdout.trim());
    const r = await shell.run(['sh', '-c', `kill -KILL ${first}; sleep 5`]);
    assert.equal(r.exitCode, 125);
    assert.match(r.stderr, /step shell ended/);
    const again = await shell.run(['sh', '-c', 'echo $PPID']);
    assert.equal(again.exitCode, 0);
    assert.notEqual(Number(again.stdout.trim()), first);
  } finally {
    await shell.close();
  }
});

test('StepShell: the terminal\'s signals do not end the shell (it stays for the undos), but do reach the command', async () => {
  const shell = new StepShell();
  try {
    const pid = Number((await shell.run(['sh', '-c', 'echo $PPID'])).stdout.trim());
    process.kill(pid, 'SIGINT');
    process.kill(pid, 'SIGTERM');
    const r = await shell.run(['sh', '-c', 'echo $PPID']);
    assert.equal(Number(r.stdout.trim()), pid);
    // A trapped signal is reset to its default in the commands the shell starts: SIGINT ends this one (130).
    const s = await shell.run(['sh', '-c', 'kill -INT $$; sleep 5']);
    assert.equal(s.exitCode, 130);
    // Closed, the shell has exited by the time close() resolves: nothing of the run outlives glassbox.
    await shell.close();
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
  } finally {
    await shell.close();
  }
});

test('StepShells: commands given at once run side by side in up to `most` shells, each shell one at a time', async () => {
  const shells = new StepShells(2);
  try {
    // Each command waits until both are running (a FIFO-free rendezvous: each touches its file and waits for the
    // other's), so the pair finishes only if they ran at the same time in two shells.
    const dir = (await shells.run(['mktemp', '-d'])).stdout.trim();
    const wait = (me: string, other: string) => ['sh', '-c', `: > ${dir}/${me}; i=0; while [ ! -e ${dir}/${other} ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done; [ -e ${dir}/${other} ] && echo $PPID`];
    const [a, b] = await Promise.all([shells.run(wait('a', 'b')), shells.run(wait('b', 'a'))]);
    assert.deepEqual([a.exitCode, b.exitCode], [0, 0]);
    assert.notEqual(a.stdout.trim(), b.stdout.trim());
    // A third command at once waits for a shell: there are only two.
    const three = await Promise.all([1, 2, 3].map((n) => shells.run(['sh', '-c', `echo ${n} $PPID`])));
    assert.equal(new Set(three.map((r) => r.stdout.split(' ')[1])).size <= 2, true);
    await shells.run(['rm', '-rf', dir]);
  } finally {
    await shells.close();
  }
});
