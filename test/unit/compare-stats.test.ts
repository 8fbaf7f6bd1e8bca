import { describe, expect, it } from 'vitest';
import { bootstrapLogPercentile, cdfOf, rankOf, valueAtCount, histogramCdf } from '../../src/compare/data.js';
import { mulberry32 } from '../../src/compare/random.js';
import { benjaminiHochberg, hodgesLehmann, logRiskRatio, mannWhitney, mannWhitneyMinP, percentileInterval, uNullCounts } from '../../src/compare/tests.js';
import { createHistogram, recordUs } from '../../src/result/histogram.js';

describe('the order-statistic bootstrap', () => {
  it('reads the same percentiles as HdrHistogram', () => {
    const h = createHistogram();
    const rng = mulberry32(7);
    for (let i = 0; i < 5000; i++) recordUs(h, Math.exp(9 + rng() * 3));
    const cdf = histogramCdf(h);
    expect(cdf.total).toBe(5000);
    for (const q of [1, 50, 90, 99, 99.9, 100]) expect(valueAtCount(cdf, rankOf(cdf.total, q))).toBe(h.getValueAtPercentile(q));
  });

  it('matches a brute-force resample of the samples in mean and spread', () => {
    const rng = mulberry32(11);
    const data = Array.from({ length: 400 }, () => Math.round(1000 + 9000 * rng() ** 3));
    const counts = new Map<number, number>();
    for (const v of data) counts.set(v, (counts.get(v) ?? 0) + 1);
    const valuesUs = Float64Array.from(counts.keys()).sort();
    const cdf = cdfOf([{ valuesUs, counts: valuesUs.map((v) => counts.get(v)!) }]);
    const B = 1500;
    const fast = bootstrapLogPercentile(cdf, 90, B, mulberry32(1));
    const brute = new Float64Array(B);
    const r2 = mulberry32(2);
    const k = rankOf(data.length, 90);
    for (let i = 0; i < B; i++) {
      const s = Array.from({ length: data.length }, () => data[Math.floor(r2() * data.length)]!).sort((a, b) => a - b);
      brute[i] = Math.log(s[k - 1]!);
    }
    const mean = (x: Float64Array) => x.reduce((a, b) => a + b, 0) / x.length;
    const sd = (x: Float64Array) => Math.sqrt(x.reduce((a, b) => a + (b - mean(x)) ** 2, 0) / x.length);
    expect(Math.abs(mean(fast) - mean(brute))).toBeLessThan(0.1 * sd(brute) + 1e-9);
    expect(sd(fast) / sd(brute)).toBeGreaterThan(0.9);
    expect(sd(fast) / sd(brute)).toBeLessThan(1.1);
  });
});

describe('the tests behind compare', () => {
  it('counts the Mann–Whitney null distribution exactly', () => {
    const c = uNullCounts(4, 5);
    expect(c.reduce((a, b) => a + b, 0)).toBe(126);
    expect([...c]).toEqual([...c].reverse());
    expect(mannWhitneyMinP(3, 3)).toBeCloseTo(0.1, 10);
    expect(mannWhitneyMinP(4, 4)).toBeCloseTo(2 / 70, 10);
  });

  it('gives the textbook exact p-value and is symmetric in its samples', () => {
    // Complete separation with 4 vs 4: p = 2/70.
    expect(mannWhitney([1, 2, 3, 4], [5, 6, 7, 8]).pValue).toBeCloseTo(2 / 70, 12);
    const x = [1.1, 2.5, 3.2, 4.8, 5.0];
    const y = [2.0, 4.1, 6.3, 7.7, 9.9];
    expect(mannWhitney(x, y).pValue).toBeCloseTo(mannWhitney(y, x).pValue, 12);
    // With ties the permutation distribution is enumerated.
    expect(mannWhitney([1, 1, 2, 3], [3, 4, 4, 5]).method).toBe('exact-ties');
  });

  it('estimates a shift with Hodges–Lehmann and a Moses interval that covers it', () => {
    const x = [10, 11, 12, 13, 14, 15];
    const y = x.map((v) => v + 5);
    const hl = hodgesLehmann(x, y, 0.95);
    expect(hl.estimate).toBe(5);
    expect(hl.interval!.lo).toBeLessThanOrEqual(5);
    expect(hl.interval!.hi).toBeGreaterThanOrEqual(5);
    expect(hodgesLehmann([1, 2], [3, 4], 0.95).interval).toBeUndefined();
  });

  it('adjusts p-values with Benjamini–Hochberg', () => {
    const q = benjaminiHochberg([0.01, 0.04, 0.03, 0.5]);
    [0.04, 0.16 / 3, 0.16 / 3, 0.5].forEach((v, i) => expect(q[i]).toBeCloseTo(v, 12));
  });

  it('reads a percentile interval symmetrically', () => {
    const d = Float64Array.from({ length: 1001 }, (_, i) => Math.sin(i) * i);
    const a = percentileInterval(d, 0.9);
    const b = percentileInterval(d.map((v) => -v), 0.9);
    expect(a.lo).toBe(-b.hi);
    expect(a.hi).toBe(-b.lo);
  });

  it('keeps the risk ratio finite when one side has no events', () => {
    const r = logRiskRatio(0, 10_000, 50, 10_000, 0.95);
    expect(Number.isFinite(r.estimate)).toBe(true);
    expect(r.interval.lo).toBeGreaterThan(0);
    expect(r.pValue).toBeLessThan(0.01);
  });
});
