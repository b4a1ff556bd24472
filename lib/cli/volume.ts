// glassbox volume create/ls/inspect/rm/prune: docker's verbs and output for the local driver (lib/volume).

import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { GlassboxError } from '../errors.ts';
import { requireRoot } from '../host/privilege.ts';
import { roots } from '../state/paths.ts';
import { parseVolumeFilters, volumeMatches } from '../volume/filter.ts';
import { noSuchVolume, removeVolumeDirs, removeVolumes } from '../volume/remove.ts';
import { ANONYMOUS_LABEL, anonymousName, containerMounts, createVolume, listVolumes, readVolume, type VolumeRecord } from '../volume/store.ts';
import { danglingVolumes } from '../volume/usage.ts';
import { reportError } from './output.ts';
import { treeSize } from '../util/size.ts';

// KEY=VALUE labels (KEY alone: an empty value, as docker).
function labelsOf(list: string[] = []): Record<string, string> {
  return Object.fromEntries(list.map((l) => (l.includes('=') ? [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] : [l, ''])));
}

// glassbox volume create [NAME] [--label K=V]… [--driver local]
export async function cmdVolumeCreate(name: string | undefined, opts: { label?: string[]; driver?: string }): Promise<number> {
  requireRoot('glassbox volume create');
  const n = name ?? anonymousName();
  if (opts.driver && opts.driver !== 'local') throw new GlassboxError(`create ${n}: error looking up volume plugin ${opts.driver}: plugin "${opts.driver}" not found`, { field: '--driver', hint: 'glassbox has the local driver only' });
  createVolume(roots().root, n, labelsOf(opts.label));
  process.stdout.write(`${n}\n`);
  return 0;
}

const filtersOf = (list: string[] | undefined, keys?: readonly string[]) => {
  const f = parseVolumeFilters(list ?? [], keys);
  if (typeof f === 'string') throw new GlassboxError(f, { field: '--filter' });
  return f;
};

// The volumes matching the filters, with whether each is dangling (no container mounts it).
function selected(root: string, filters: ReturnType<typeof filtersOf>): Array<{ v: VolumeRecord; dangling: boolean }> {
  const all = listVolumes(root);
  const dangling = new Set(danglingVolumes(all.map((v) => v.Name), containerMounts(root)));
  return all.map((v) => ({ v, dangling: dangling.has(v.Name) })).filter((x) => volumeMatches(x.v, filters, x.dangling));
}

// glassbox volume ls [-q] [--filter K=V]… [--format table|json]
export async function cmdVolumeLs(opts: { quiet?: boolean; filter?: string[]; format?: string }): Promise<number> {
  const rows = selected(roots().root, filtersOf(opts.filter));
  if (opts.quiet) {
    for (const { v } of rows) process.stdout.write(`${v.Name}\n`);
    return 0;
  }
  if (opts.format === 'json') {
    // docker's fields, one object per line; Labels as "k=v,k2=v2".
    for (const { v } of rows) {
      const labels = Object.entries(v.Labels).map(([k, val]) => `${k}=${val}`).join(',');
      process.stdout.write(JSON.stringify({ Availability: 'N/A', Driver: v.Driver, Group: 'N/A', Labels: labels, Links: 'N/A', Mountpoint: v.Mountpoint, Name: v.Name, Scope: v.Scope, Size: 'N/A', Status: 'N/A' }) + '\n');
    }
    return 0;
  }
  process.stdout.write(['DRIVER    VOLUME NAME', ...rows.map(({ v }) => `${v.Driver.padEnd(10)}${v.Name}`)].join('\n') + '\n');
  return 0;
}

// glassbox volume inspect NAME…: docker's JSON array; a missing name is an error after the others are printed.
export async function cmdVolumeInspect(names: string[]): Promise<number> {
  const root = roots().root;
  const found = names.map((n) => readVolume(root, n));
  process.stdout.write(JSON.stringify(found.filter(Boolean), null, 4) + '\n');
  const missing = names.filter((_, i) => !found[i]);
  for (const n of missing) reportError(noSuchVolume(n));
  return missing.length ? 1 : 0;
}

// glassbox volume rm [-f] NAME…: prints each removed name; refuses one in use (even with -f, as docker).
export async function cmdVolumeRm(names: string[], opts: { force?: boolean }): Promise<number> {
  requireRoot('glassbox volume rm');
  const { removed, errors } = await removeVolumes(roots().root, names, !!opts.force);
  for (const n of removed) process.stdout.write(`${n}\n`);
  for (const e of errors) reportError(e);
  return errors.length ? 1 : 0;
}

const human = (n: number) => (n < 1000 ? `${n}B` : n < 1e6 ? `${(n / 1e3).toFixed(3).replace(/\.?0+$/, '')}kB` : n < 1e9 ? `${(n / 1e6).toFixed(3).replace(/\.?0+$/, '')}MB` : `${(n / 1e9).toFixed(3).replace(/\.?0+$/, '')}GB`);

async function confirm(question: string): Promise<boolean> {
  process.stderr.write(question);
  const rl = createInterface({ input: process.stdin });
  let answered = false;
  const answer = await new Promise<string>((res) => {
    rl.once('line', (l) => ((answered = true), res(l)));
    rl.once('close', () => {
      // End of input without an answer: end the question's line (docker takes it as no).
      if (!answered) process.stderr.write('\n');
      res('');
    });
  });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

// glassbox volume prune [-f] [-a] [--filter label=…]: like docker 23 and later, only anonymous volumes unless -a.
export async function cmdVolumePrune(opts: { force?: boolean; all?: boolean; filter?: string[] }): Promise<number> {
  requireRoot('glassbox volume prune');
  const root = roots().root;
  const filters = filtersOf(opts.filter, ['label', 'all']);
  const all = opts.all || (filters.get('all') ?? []).some((v) => /^(true|1)$/i.test(v));
  filters.delete('all');
  if (!opts.force) {
    const what = all ? 'all local volumes' : 'anonymous local volumes';
    if (!(await confirm(`WARNING! This will remove ${what} not used by at least one container.\nAre you sure you want to continue? [y/N] `))) return 0;
  }
  const victims = selected(root, filters).filter(({ v, dangling }) => dangling && (all || ANONYMOUS_LABEL in v.Labels));
  let reclaimed = 0;
  for (const { v } of victims) reclaimed += treeSize(join(v.Mountpoint, '..'));
  await removeVolumeDirs(root, victims.map(({ v }) => v.Name));
  if (victims.length) process.stdout.write(`Deleted Volumes:\n${victims.map(({ v }) => `${v.Name}\n`).join('')}\n`);
  process.stdout.write(`Total reclaimed space: ${human(reclaimed)}\n`);
  return 0;
}
