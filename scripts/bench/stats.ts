// Small statistics for the benchmark: quantiles by linear interpolation between closest ranks (the method
// spreadsheets and numpy use by default), so a median of an even count is the mean of the middle two.

export interface Summary {
  runs: number;
  median: number;
  p90: number;
  min: number;
  max: number;
  mean: number;
}

// The q-quantile (0 ≤ q ≤ 1) of a sample; sorts a copy.
export function quantile(sample: readonly number[], q: number): number {
  if (sample.length === 0) return Number.NaN;
  const s = [...sample].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

// Median, p90, extremes and mean of a sample of durations.
export function summarize(sample: readonly number[]): Summary {
  return {
    runs: sample.length,
    median: quantile(sample, 0.5),
    p90: quantile(sample, 0.9),
    min: Math.min(...sample),
    max: Math.max(...sample),
    mean: sample.reduce((a, b) => a + b, 0) / sample.length,
  };
}
