import { describe, expect, it } from 'vitest';
import { best, median, percentile, rate, ratio } from '../../bench/harness/stats.js';

describe('bench stats', () => {
  it('percentile is nearest-rank and always a measured value', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, unsorted
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile(samples, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([3, 1, 2], 50)).toBe(2);
  });

  it('median takes the lower middle of an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(median([])).toBeNaN();
  });

  it('rate and ratio', () => {
    expect(rate(20_000, 200)).toBe(100_000);
    expect(rate(1, 0)).toBeNaN();
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeNull();
    expect(ratio(null, 2)).toBeNull();
    expect(ratio(NaN, 2)).toBeNull();
  });

  it('best picks the highest rate or the lowest latency, skipping missing values', () => {
    const rows = [{ v: 3 }, { v: null }, { v: 9 }, { v: 1 }];
    expect(best(rows, (r) => r.v, true)?.value).toBe(9);
    expect(best(rows, (r) => r.v, false)?.value).toBe(1);
    expect(best([{ v: null }], (r) => r.v, true)).toBeNull();
  });
});
