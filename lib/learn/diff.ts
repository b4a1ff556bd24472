// What a step changed: each of its observe commands runs before and after it, and the two outputs are compared
// line by line (a longest-common-subsequence diff, small inputs only). A diff lists removed lines as "- " and added
// ones as "+ "; unchanged lines are kept for the full view and left out of the short one.

export interface DiffLine {
  op: ' ' | '+' | '-';
  line: string;
}

/** One observe command's output, as captured. */
export interface Observed {
  exitCode: number;
  text: string;
}

const MAX_CELLS = 4_000_000;

// Splits output into lines, without the empty line after a final newline.
export function lines(text: string): string[] {
  if (text === '') return [];
  const l = text.split('\n');
  if (l.at(-1) === '') l.pop();
  return l;
}

// Line diff of two texts; too large inputs fall back to "all removed, all added".
export function diffLines(before: string, after: string): DiffLine[] {
  const a = lines(before);
  const b = lines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const head = a.slice(0, start).map((line) => ({ op: ' ' as const, line }));
  const tail = a.slice(endA).map((line) => ({ op: ' ' as const, line }));
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  if (x.length * y.length > MAX_CELLS) {
    return [...head, ...x.map((line) => ({ op: '-' as const, line })), ...y.map((line) => ({ op: '+' as const, line })), ...tail];
  }
  // lcs[i][j]: length of the longest common subsequence of x[i..] and y[j..].
  const lcs: Uint32Array[] = Array.from({ length: x.length + 1 }, () => new Uint32Array(y.length + 1));
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) {
      lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const mid: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) {
      mid.push({ op: ' ', line: x[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) mid.push({ op: '-', line: x[i++]! });
    else mid.push({ op: '+', line: y[j++]! });
  }
  while (i < x.length) mid.push({ op: '-', line: x[i++]! });
  while (j < y.length) mid.push({ op: '+', line: y[j++]! });
  return [...head, ...mid, ...tail];
}

/** True when the diff holds any change. */
export const changed = (d: DiffLine[]): boolean => d.some((l) => l.op !== ' ');

// The text of an observation: output, and the exit status when it failed (a failing observe is information too:
// findmnt exits 1 when nothing is mounted there yet).
export function observedText(o: Observed): string {
  return o.exitCode === 0 ? o.text : `${o.text}${o.text && !o.text.endsWith('\n') ? '\n' : ''}[exit ${o.exitCode}]\n`;
}
