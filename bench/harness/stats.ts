/** Pure helpers of the benchmark: percentiles, medians, rates and ratios. Unit-tested in test/bench. */

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN for none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** The middle value (the lower of the two middles for an even count, so it is always a measured value). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Jobs per second for `jobs` in `ms`. */
export function rate(jobs: number, ms: number): number {
  return ms > 0 ? (jobs * 1000) / ms : NaN;
}

/** a ÷ b, or null when either is missing or b is zero (nothing to compare with). */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

/**
 * The best value of a metric among rows: the highest for a rate, the lowest for a latency or a size.
 * Rows with no value are skipped; null when none has one.
 */
export function best<T>(rows: readonly T[], value: (row: T) => number | null | undefined, higherIsBetter: boolean): { row: T; value: number } | null {
  let found: { row: T; value: number } | null = null;
  for (const row of rows) {
    const v = value(row);
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (!found || (higherIsBetter ? v > found.value : v < found.value)) found = { row, value: v };
  }
  return found;
}
