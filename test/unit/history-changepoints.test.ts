/** Otava's change point method on synthetic nightly series (seeded), and the statistics under it. */
import { describe, expect, it } from 'vitest';
import { changePoints, compareSides, mergeStep, regularizedBeta, splitStep, studentTTwoSidedP } from '../../src/history/changepoints.js';
import { mulberry32, normal } from '../../src/compare/random.js';

/** 100 nights around 100 ms with `noise` relative standard deviation, ×1.08 from `stepAt`. */
function nights(seed: number, opts: { stepAt?: number; stepFactor?: number; noise?: number; outlierAt?: number; outlierFactor?: number } = {}): number[] {
  const rng = mulberry32(seed);
  const noise = opts.noise ?? 0.02;
  const s = Array.from({ length: 100 }, (_, i) => 100 * (opts.stepAt !== undefined && i >= opts.stepAt ? (opts.stepFactor ?? 1.08) : 1) * (1 + noise * normal(rng)));
  if (opts.outlierAt !== undefined) s[opts.outlierAt] = s[opts.outlierAt]! * (opts.outlierFactor ?? 1.5);
  return s;
}

describe('the t distribution', () => {
  it('gives the tabulated two-sided p-values', () => {
    // t tables: t = 2.228 at df 10 and t = 1.984 at df 100 are the 5% two-sided critical values.
    expect(studentTTwoSidedP(2.228, 10)).toBeCloseTo(0.05, 4);
    expect(studentTTwoSidedP(1.984, 100)).toBeCloseTo(0.05, 3);
    expect(studentTTwoSidedP(4.587, 10)).toBeCloseTo(0.001, 5);
    expect(studentTTwoSidedP(0, 5)).toBeCloseTo(1, 12);
    expect(studentTTwoSidedP(Infinity, 5)).toBe(0);
    // df 1 is the Cauchy distribution: P(|T| > 1) = 1/2.
    expect(studentTTwoSidedP(1, 1)).toBeCloseTo(0.5, 10);
  });

  it('has I_x(a, b) + I_(1−x)(b, a) = 1', () => {
    for (const [x, a, b] of [
      [0.3, 2, 5],
      [0.9, 0.5, 12],
      [0.01, 40, 0.5],
    ] as const) {
      expect(regularizedBeta(x, a, b) + regularizedBeta(1 - x, b, a)).toBeCloseTo(1, 12);
    }
  });

  it('compares two sides as scipy ttest_ind_from_stats does with population standard deviations', () => {
    const left = [1, 2, 3, 4];
    const right = [3, 4, 5, 6, 7];
    const s = compareSides(left, right);
    // mean 2.5 vs 5, np.std 1.118 vs 1.414; pooled (3·1.25 + 4·2) / 7, t = −2.5 / √(1.679·(1/4 + 1/5)) = −2.8762.
    expect(s.meanBefore).toBe(2.5);
    expect(s.meanAfter).toBe(5);
    expect(s.tStatistic).toBeCloseTo(-2.8762, 3);
    expect(s.pValue).toBeCloseTo(studentTTwoSidedP(2.8762, 7), 4);
    expect(s.forwardChangePct).toBeCloseTo(100, 10);
    expect(s.magnitude).toBeCloseTo(1, 10);
    // Welch: df from the Welch–Satterthwaite equation, a different (larger here) p-value.
    expect(compareSides(left, right, 'welch').pValue).not.toBeCloseTo(s.pValue, 4);
    // Fewer than three points: no evidence either way.
    expect(compareSides([1], [9]).pValue).toBe(1);
  });
});

describe('change points (Otava: e-divisive means, t-test, window 50, p < 0.001)', () => {
  it('finds exactly one change point in 100 nights with an 8% step at night 60 and an outlier night, at index 60', () => {
    const series = nights(1, { stepAt: 60, outlierAt: 30 });
    const cps = changePoints(series);
    expect(cps.map((c) => c.index)).toEqual([60]);
    const [cp] = cps;
    expect(cp!.pValue).toBeLessThan(0.001);
    expect(cp!.meanAfter).toBeGreaterThan(cp!.meanBefore);
    // The outlier inflates the "before" mean a little: the measured step stays near 8%.
    expect(cp!.forwardChangePct).toBeGreaterThan(5);
    expect(cp!.forwardChangePct).toBeLessThan(11);
  });

  it('flags no change point at a single outlier night, up or down', () => {
    for (const outlierFactor of [1.5, 0.6, 3]) {
      const cps = changePoints(nights(2, { outlierAt: 30, outlierFactor }));
      expect(cps).toEqual([]);
    }
  });

  it('flags nothing in a flat noisy series', () => {
    expect(changePoints(nights(3))).toEqual([]);
    expect(changePoints(nights(4, { noise: 0.1 }))).toEqual([]);
  });

  it('places the step within a night of 60 in at least 45 of 50 seeded series (2% noise)', () => {
    let near = 0;
    for (let seed = 100; seed < 150; seed++) {
      const cps = changePoints(nights(seed, { stepAt: 60, outlierAt: 30 }));
      if (cps.length === 1 && Math.abs(cps[0]!.index - 60) <= 1) near++;
    }
    expect(near).toBeGreaterThanOrEqual(45);
  });

  it('finds a regression and a later recovery as two change points', () => {
    const rng = mulberry32(9);
    const series = Array.from({ length: 120 }, (_, i) => (i >= 40 && i < 80 ? 112 : 100) * (1 + 0.01 * normal(rng)));
    const cps = changePoints(series);
    expect(cps.map((c) => c.index)).toEqual([40, 80]);
    expect(cps[0]!.forwardChangePct).toBeGreaterThan(0);
    expect(cps[1]!.forwardChangePct).toBeLessThan(0);
  });

  it('keeps weak points of the split step that the merge step then drops', () => {
    const series = nights(3);
    const weak = splitStep(series, 50, 0.01);
    const merged = mergeStep(weak, series, 0.001, 0);
    expect(merged.length).toBeLessThanOrEqual(weak.length);
    for (const c of merged) expect(c.pValue).toBeLessThan(0.001);
  });

  it('finds a step in a short series and nothing in constant or two-point series', () => {
    expect(changePoints([10, 10, 10, 10, 10, 20, 20, 20, 20, 20]).map((c) => c.index)).toEqual([5]);
    expect(changePoints([5, 5, 5, 5, 5, 5])).toEqual([]);
    expect(changePoints([1, 2])).toEqual([]);
    expect(changePoints([])).toEqual([]);
  });

  it('rejects a window below 2 points and non-finite values', () => {
    expect(() => changePoints([1, 2, 3], { windowLen: 1 })).toThrow(RangeError);
    expect(() => changePoints([1, Number.NaN, 3])).toThrow(RangeError);
  });

  it('is scale-free: the same change points for the series in ms and in µs', () => {
    const series = nights(11, { stepAt: 60, outlierAt: 30 });
    expect(changePoints(series.map((v) => v * 1000)).map((c) => c.index)).toEqual(changePoints(series).map((c) => c.index));
  });
});
