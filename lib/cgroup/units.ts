// Sizes and CPU lists, written the way people write them and read the way the kernel wants them.
//
// Sizes are binary, like docker's: 64m is 64 MiB = 64 × 1024 × 1024 bytes (Kubernetes spells the same thing
// 64Mi). A bare number is bytes. The suffix may be followed by "b" or "ib" in either case, so 64m, 64M, 64mb
// and 64MiB all mean the same; a decimal point is allowed (1.5g). The kernel's cgroup files take plain bytes.
//
// CPU lists are the kernel's own format (cpuset(7) "List format"): numbers and inclusive ranges joined by
// commas, e.g. 0-2,4 for CPUs 0, 1, 2 and 4. /sys/devices/system/cpu/online is written the same way.

const UNIT: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const SIZE_RE = /^(-?\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i;

/** A parsed size in bytes, or why the text is not one. */
export type Parsed<T> = { value: T } | { error: string };

// Parses "64m" → 67108864; a number is taken as bytes. Negative values parse (the caller decides what they mean).
export function parseSize(input: string | number): Parsed<number> {
  if (typeof input === 'number') return Number.isFinite(input) ? { value: Math.trunc(input) } : { error: `invalid size "${input}"` };
  const m = SIZE_RE.exec(input.trim());
  if (!m || (m[3] && !m[2] && m[3].toLowerCase() === 'ib')) return { error: `invalid size "${input}"` };
  return { value: Math.trunc(Number(m[1]) * UNIT[m[2]!.toLowerCase()]!) };
}

// 67108864 → "64 MiB", 1610612736 → "1.5 GiB", 1000 → "1000 B"; at most two decimals, none when whole.
export function formatBytes(n: number, sep = ' '): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const text = Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, '');
  return `${text}${sep}${units[i]}`;
}

// Parses a kernel CPU list ("0-2,4") into sorted, distinct CPU numbers.
export function parseCpuList(input: string): Parsed<number[]> {
  const text = input.trim();
  if (text === '') return { error: 'empty CPU list' };
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return { error: `invalid CPU list "${input}"` };
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    // Linux numbers at most 8192 CPUs (NR_CPUS); a longer number would even round to Infinity, and loop forever.
    if (to >= 8192) return { error: `invalid CPU list "${input}": CPU ${m[2] ?? m[1]} is beyond the kernel's 8192` };
    if (to < from) return { error: `invalid CPU list "${input}": the range ${part} runs backwards` };
    if (to - from > 65536) return { error: `invalid CPU list "${input}": the range ${part} is too large` };
    for (let c = from; c <= to; c++) out.add(c);
  }
  return { value: [...out].sort((a, b) => a - b) };
}

// [0, 1, 2, 4] → "0-2,4": the shortest list the kernel reads back the same.
export function formatCpuList(cpus: number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
