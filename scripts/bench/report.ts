// The benchmark's output: a plain-text table per group (ratios against that group's glassbox row), the target
// lines, the environment and the cleanup report; or all of it as one JSON document.

import type { CleanupReport } from './fixtures.ts';
import { summarize, type Summary } from './stats.ts';
import { formatTimeline, type TimelineReport } from './timeline.ts';

export type Group = 'container' | 'startup';

export interface Result {
  key: string;
  label: string;
  group: Group;
  what: string;
  argv: string[]; // one iteration's argv, for the record
  status: 'ok' | 'skipped' | 'failed';
  reason?: string;
  samples: number[];
  failures: string[]; // timed runs that failed (not in samples), with their errors
}

export interface Target {
  label: string;
  value: number;
  target: number;
  /** 'ms' for a difference; a ratio otherwise. */
  unit?: 'ms';
  met: boolean; // value ≤ target
}

export interface Report {
  date: string;
  environment: Record<string, string | number | boolean | null>;
  settings: { runs: number; warmup: number; order: string };
  results: (Result & { summary?: Summary; ratio?: number; reference: string })[];
  targets: Target[];
  derived: { label: string; ms: number }[];
  /** Where the time goes: glassbox commands run again with --verbose (scripts/bench/timeline.ts). */
  timelines: TimelineReport[];
  cleanup: CleanupReport;
}

// The row each group's ratios are taken against.
export const REFERENCE: Record<Group, string> = { container: 'glassbox-run', startup: 'glassbox-version' };

export function medianOf(results: Result[], key: string): number | undefined {
  const r = results.find((x) => x.key === key);
  return r && r.samples.length ? summarize(r.samples).median : undefined;
}

export function buildReport(base: Omit<Report, 'results'>, results: Result[]): Report {
  return {
    ...base,
    results: results.map((r) => {
      const ref = REFERENCE[r.group];
      const refMedian = medianOf(results, ref);
      if (!r.samples.length) return { ...r, reference: ref };
      const summary = summarize(r.samples);
      return { ...r, summary, ratio: refMedian ? summary.median / refMedian : undefined, reference: ref };
    }),
  };
}

const ms = (v: number) => v.toFixed(1);

function table(rows: string[][], rightAligned: number[]): string {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) => r.map((v, c) => (rightAligned.includes(c) ? v.padStart(w[c]!) : v.padEnd(w[c]!))).join('  ').trimEnd())
    .join('\n');
}

export function formatText(rep: Report): string {
  const out: string[] = [];
  out.push(`glassbox benchmark — ${rep.date}`);
  out.push('');
  out.push('Environment');
  for (const [k, v] of Object.entries(rep.environment)) out.push(`  ${k}: ${v}`);
  out.push(`  runs: ${rep.settings.runs} per contender after ${rep.settings.warmup} warm-up run(s); ${rep.settings.order}`);
  const titles: Record<Group, string> = {
    container: 'Run /bin/true in a container (ratio = median / median of glassbox run)',
    startup: 'CLI start-up (ratio = median / median of glassbox --version)',
  };
  for (const g of ['container', 'startup'] as const) {
    out.push('');
    out.push(titles[g]);
    const rows = [['contender', 'median ms', 'p90 ms', 'ratio', 'runs']];
    const notes: string[] = [];
    for (const r of rep.results.filter((x) => x.group === g)) {
      const count = `${r.samples.length}${r.failures.length ? ` (+${r.failures.length} failed)` : ''}`;
      if (r.summary) rows.push([r.label, ms(r.summary.median), ms(r.summary.p90), r.ratio === undefined ? '–' : `${r.ratio.toFixed(2)}×`, count]);
      else rows.push([r.label, r.status, '', '', count]);
      if (r.status !== 'ok') notes.push(`  ${r.label}: ${r.status}: ${r.reason ?? ''}`);
      for (const f of r.failures.slice(0, 3)) notes.push(`  ${r.label}: failed run, ${f}`);
      if (r.failures.length > 3) notes.push(`  ${r.label}: … ${r.failures.length - 3} more failed runs`);
    }
    out.push(table(rows, [1, 2, 3]).replace(/^/gm, '  '));
    out.push(...notes);
  }
  out.push('');
  out.push('What each row runs (one iteration)');
  for (const r of rep.results) out.push(`  ${r.label}: ${r.what}`);
  if (rep.derived.length) {
    out.push('');
    for (const d of rep.derived) out.push(`${d.label} = ${ms(d.ms)} ms`);
  }
  if (rep.timelines.length) {
    out.push('');
    out.push('Where the time goes');
    for (const t of rep.timelines) out.push(formatTimeline(t));
  }
  out.push('');
  for (const t of rep.targets) {
    const v = t.unit === 'ms' ? `${ms(t.value)} ms` : t.value.toFixed(2);
    out.push(`${t.label} = ${v} (target ≤ ${t.target}${t.unit === 'ms' ? ' ms' : ''}) ${t.met ? 'met' : 'NOT met'}`);
  }
  if (!rep.targets.length) out.push('glassbox / podman = n/a (one of them did not run)');
  out.push('');
  out.push('Cleanup');
  for (const d of rep.cleanup.done) out.push(`  done: ${d}`);
  for (const n of rep.cleanup.notes) out.push(`  note: ${n}`);
  if (rep.cleanup.leftovers.length) for (const l of rep.cleanup.leftovers) out.push(`  LEFTOVER: ${l}`);
  else out.push('  no leftovers: no mounts under the temporary directory, no new cgroups, no podman files outside it');
  return out.join('\n') + '\n';
}
