// Short names for long values. A container's 64-character ID appears in nearly every path of its plan (its run
// dir, its state dir, its cgroups), and a line that carries it twice wraps on any terminal. So plans, scripts,
// learn mode and --verbose name each long value once, at the top — ID=4eda…, RUN=/run/glassbox/"$ID" — and write
// "$RUN"/ns/net in every line. The text stays a command a shell runs as it stands: a name is a plain shell
// variable, its value is set before the first line that uses it, and each use is double-quoted, so it expands to
// exactly one word, with no splitting and no globbing (see quote.ts). Replacing text by a variable whose value is
// that very text changes nothing after expansion: a test runs the rendered lines through sh and compares the argv.

import type { Plan } from '../plan/types.ts';

/** A shell variable standing for one long value. */
export interface ShortName {
  name: string;
  value: string;
}

export type ShortNames = readonly ShortName[];

/** A piece of literal text after the names were found in it: plain text, or the name of a variable. */
export type NamedPiece = { text: string } | { name: string };

// The names a container's plan uses, in the order a script defines them (each may use the ones before it).
export function planNames(plan: Plan): ShortName[] {
  const { info } = plan;
  const out: ShortName[] = [];
  const add = (name: string, value: string | undefined) => {
    if (value && value.length >= 8 && !out.some((n) => n.value === value)) out.push({ name, value });
  };
  if (info.id.length >= 12) add('ID', info.id);
  add('RUN', info.paths.run);
  add('STATE', info.paths.state);
  add('CG', cgroupBase(plan));
  // The image's layers (64-character digests in every mount line), unless a name above covers them already.
  const layers = (info.layers ?? []).filter((l) => !out.some((n) => l.startsWith(n.value + '/')));
  layers.forEach((l, i) => add(layers.length === 1 ? 'LAYER' : `LAYER${i + 1}`, l));
  return out;
}

// The cgroup directory all of the container's groups share a spelling with: v2's one group, or for v1 the
// mount root above TREE/glassbox/ID (every tree is mounted side by side there).
function cgroupBase(plan: Plan): string | undefined {
  const cg = plan.info.cgroup;
  if (!cg) return undefined;
  const dirs = [...new Set(Object.values(cg.dirs))];
  if (dirs.length === 0) return undefined;
  if (cg.version === 'v2' || dirs.length === 1) return dirs[0];
  const roots = new Set(dirs.map((d) => d.split('/').slice(0, -3).join('/')));
  return roots.size === 1 ? [...roots][0] : undefined;
}

// Splits literal text at every occurrence of a name's value (the longest value wins where several start).
export function findNames(text: string, names: ShortNames | undefined): NamedPiece[] {
  if (!names?.length || text === '') return [{ text }];
  const byLength = [...names].sort((a, b) => b.value.length - a.value.length);
  const out: NamedPiece[] = [];
  let plain = '';
  for (let i = 0; i < text.length; ) {
    const hit = byLength.find((n) => text.startsWith(n.value, i));
    if (hit) {
      if (plain) out.push({ text: plain });
      plain = '';
      out.push({ name: hit.name });
      i += hit.value.length;
    } else plain += text[i++];
  }
  if (plain || out.length === 0) out.push({ text: plain });
  return out;
}
