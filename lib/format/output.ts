// docker's --format for lists (ps, images, volume ls, …): `table` (the default columns), `json` (one object per
// line, `{{json .}}`), `table TEMPLATE` (a header made from the same template, columns aligned as Go's tabwriter
// with docker's settings: minimum width 10, padding 3) or a bare TEMPLATE (one line per item, no header). As in
// docker, the two characters `\t` and `\n` in a format given on the command line are a tab and a newline.

import { executeTemplate, parseTemplate, TemplateError } from './template.ts';
import { GlassboxError } from '../errors.ts';

/** Go's tabwriter as docker's formatter sets it up: tab-terminated cells padded to the widest of their column. */
export function tabwrite(text: string, minWidth = 10, padding = 3): string {
  const lines = text.split('\n');
  const cells = lines.map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const row of cells) row.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return cells.map((row) => row.map((c, i) => (i < row.length - 1 ? c.padEnd(Math.max(minWidth, widths[i]! + padding)) : c)).join('')).join('\n');
}

const unescape = (f: string) => f.replace(/\\t/g, '\t').replace(/\\n/g, '\n');

// A template from the command line, its errors as the flag's.
function compile(src: string, flag: string) {
  try {
    return parseTemplate(src);
  } catch (e) {
    if (e instanceof TemplateError) throw new GlassboxError(`template parsing error: ${e.message}`, { field: flag });
    throw e;
  }
}

function run(t: ReturnType<typeof parseTemplate>, data: unknown, flag: string): string {
  try {
    return executeTemplate(t, data);
  } catch (e) {
    if (e instanceof TemplateError) throw new GlassboxError(`template: executing: ${e.message}`, { field: flag });
    throw e;
  }
}

/**
 * Renders a list. `rows` are docker-shaped objects; `headers` gives each field's column title (`Names` → NAMES);
 * `defaultTable` is the template of the plain `table` form.
 */
export function formatList(format: string | undefined, rows: object[], headers: Record<string, string>, defaultTable: string, flag = '--format'): string {
  const f = format === undefined || format === '' || format === 'table' ? `table ${defaultTable}` : format === 'json' ? '{{json .}}' : unescape(format);
  if (f.startsWith('table')) {
    const t = compile(f.slice('table'.length).trim(), flag);
    const lines = [run(t, headers, flag), ...rows.map((r) => run(t, r, flag))];
    return tabwrite(lines.join('\n')).split('\n').map((l) => l.trimEnd()).join('\n') + '\n';
  }
  const t = compile(f, flag);
  return rows.map((r) => run(t, r, flag) + '\n').join('');
}

/** One value through a template (inspect -f): the result and a newline, as docker prints it. */
export function formatOne(format: string, value: unknown, flag = '--format'): string {
  if (format === 'json') return JSON.stringify(value) + '\n';
  return run(compile(format, flag), value, flag) + "\n";
}
