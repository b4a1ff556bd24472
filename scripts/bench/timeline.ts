// Where one glassbox command's time goes: the command is run with --verbose, which prints one line per command it
// runs, "[  4.1 ms] nsenter …", as that command ends. Each line is timestamped here as it arrives on the pipe, so
// a command's interval is [arrival − duration, arrival] on the same clock as the whole process. From the intervals:
// the time before the first command (Node's start, loading the bundle, planning, the state claim and journal),
// the wall time covered by commands (commands that run side by side, like the start chain and the boot steps
// beside it, are counted once), glassbox's own time between commands, and the time after the last one (the state
// written, the process's exit). Medians over several runs, per phase and per command.

import { spawn } from 'node:child_process';
import type { Cmd } from './proc.ts';
import { summarize } from './stats.ts';

export interface Traced {
  cmd: string; // the command line as --verbose prints it, numbers of 3+ digits (PIDs) as N
  start: number; // ms from the spawn of glassbox
  end: number;
}

export interface OneRun {
  total: number;
  commands: Traced[];
}

export interface Phases {
  total: number;
  beforeFirst: number;
  inCommands: number; // the union of the commands' intervals
  between: number;
  afterLast: number;
}

export interface TimelineReport {
  label: string;
  runs: number;
  phases: Phases; // medians
  steps: { cmd: string; ms: number; count: number }[]; // median per command line (summed when a line repeats), longest first
}

// eslint-disable-next-line no-control-regex
const LINE = /^(?:\x1b\[[0-9;]*m)?\[\s*([0-9.]+) ms\](?:\x1b\[[0-9;]*m)? (.*)$/;

// Runs one traced command to its end and returns its commands' intervals.
export function traceOnce(cmd: Cmd): Promise<OneRun> {
  const [file, ...args] = cmd.argv;
  if (file === undefined) throw new Error('empty argv');
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const now = () => Number(process.hrtime.bigint() - t0) / 1e6;
    const child = spawn(file, args, { env: cmd.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] });
    const commands: Traced[] = [];
    let rest = '';
    let tail = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      const t = now();
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        tail = (tail + l + '\n').slice(-400);
        const m = LINE.exec(l);
        if (!m) continue;
        const dur = Number(m[1]);
        commands.push({ cmd: normalise(m[2]!), start: t - dur, end: t });
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const total = now();
      if (code !== 0) reject(new Error(`${cmd.argv.join(' ')}: exit status ${code}: ${tail.trim().split('\n').slice(-2).join(' | ')}`));
      else resolve({ total, commands });
    });
  });
}

// The same command line in every run: PIDs and container IDs differ, the rest does not.
function normalise(line: string): string {
  return line
    .replace(/ → exit \d+$/, '')
    .replace(/[0-9a-f]{12,64}/g, 'ID')
    .replace(/\b\d{3,}\b/g, 'N');
}

// One run's phases from its intervals.
export function phasesOf(r: OneRun): Phases {
  const iv = [...r.commands].sort((a, b) => a.start - b.start);
  if (!iv.length) return { total: r.total, beforeFirst: r.total, inCommands: 0, between: 0, afterLast: 0 };
  let covered = 0;
  let curStart = iv[0]!.start;
  let curEnd = iv[0]!.end;
  for (const c of iv.slice(1)) {
    if (c.start > curEnd) {
      covered += curEnd - curStart;
      curStart = c.start;
      curEnd = c.end;
    } else curEnd = Math.max(curEnd, c.end);
  }
  covered += curEnd - curStart;
  const first = Math.max(0, iv[0]!.start);
  const last = Math.max(...iv.map((c) => c.end));
  const afterLast = Math.max(0, r.total - last);
  return { total: r.total, beforeFirst: first, inCommands: covered, between: Math.max(0, r.total - first - covered - afterLast), afterLast };
}

const median = (xs: number[]) => (xs.length ? summarize(xs).median : 0);

// Medians of several runs' phases and per-command times.
export function summariseRuns(label: string, runs: OneRun[]): TimelineReport {
  const phases = runs.map(phasesOf);
  const pick = (k: keyof Phases) => median(phases.map((p) => p[k]));
  const perRun = runs.map((r) => {
    const m = new Map<string, { ms: number; count: number }>();
    for (const c of r.commands) {
      const e = m.get(c.cmd) ?? { ms: 0, count: 0 };
      e.ms += c.end - c.start;
      e.count++;
      m.set(c.cmd, e);
    }
    return m;
  });
  const keys = [...new Set(perRun.flatMap((m) => [...m.keys()]))];
  const steps = keys
    .map((cmd) => ({ cmd, ms: median(perRun.map((m) => m.get(cmd)?.ms ?? 0)), count: Math.max(...perRun.map((m) => m.get(cmd)?.count ?? 0)) }))
    .sort((a, b) => b.ms - a.ms);
  return {
    label,
    runs: runs.length,
    phases: { total: pick('total'), beforeFirst: pick('beforeFirst'), inCommands: pick('inCommands'), between: pick('between'), afterLast: pick('afterLast') },
    steps,
  };
}

// The text section: phases, then the commands that take 1 ms or more.
export function formatTimeline(t: TimelineReport): string {
  const f = (v: number) => v.toFixed(1).padStart(7);
  const short = (s: string) => (s.length > 96 ? s.slice(0, 95) + '…' : s);
  const out = [
    `  ${t.label} (median of ${t.runs} runs with --verbose: ${f(t.phases.total).trim()} ms in all)`,
    `    ${f(t.phases.beforeFirst)} ms  before the first command: Node's start, the bundle, planning, the state claim and journal`,
    `    ${f(t.phases.inCommands)} ms  covered by commands (side by side counted once):`,
  ];
  for (const s of t.steps.filter((x) => x.ms >= 1)) out.push(`      ${f(s.ms)} ms  ${short(s.cmd)}${s.count > 1 ? ` (×${s.count})` : ''}`);
  const small = t.steps.filter((x) => x.ms < 1);
  if (small.length) out.push(`      ${f(small.reduce((a, s) => a + s.ms, 0))} ms  ${small.length} more, each under 1 ms (file writes in the step shell)`);
  out.push(`    ${f(t.phases.between)} ms  glassbox between commands (journal entries, reading results, the next step)`);
  out.push(`    ${f(t.phases.afterLast)} ms  after the last command: the state written, the process's exit`);
  return out.join('\n');
}
