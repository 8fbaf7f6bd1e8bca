/** Otava's change point method on synthetic nightly series (seeded), and the statistics under it. */
import { describe, expect, it } from 'vitest';
import { bestSplit, changePoints, compareSides, mergeStep, regularizedBeta, splitStep, studentTTwoSidedP } from '../../src/history/changepoints.js';
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

  it("gives the same answers with Welch's t-test (the issue's wording) on the step, outlier and flat series", () => {
    const welch = { ttest: 'welch' } as const;
    expect(changePoints(nights(1, { stepAt: 60, outlierAt: 30 }), welch).map((c) => c.index)).toEqual([60]);
    for (const outlierFactor of [1.5, 0.6, 3]) expect(changePoints(nights(2, { outlierAt: 30, outlierFactor }), welch)).toEqual([]);
    expect(changePoints(nights(3), welch)).toEqual([]);
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

/** q̂ of every split straight from the definition, O(n⁴): the reference the O(n²) scan must match. */
function slowBestSplit(z: readonly number[]): { index: number; qhat: number } {
  let best = { index: -1, qhat: 0 };
  for (let tau = 1; tau < z.length; tau++) {
    for (let kappa = tau + 1; kappa <= z.length; kappa++) {
      const x = z.slice(0, tau);
      const y = z.slice(tau, kappa);
      const n = x.length;
      const m = y.length;
      let a = 0;
      for (const xi of x) for (const yj of y) a += Math.abs(xi - yj);
      let b = 0;
      for (let i = 0; i < n; i++) for (let k = i + 1; k < n; k++) b += Math.abs(x[i]! - x[k]!);
      let c = 0;
      for (let j = 0; j < m; j++) for (let k = j + 1; k < m; k++) c += Math.abs(y[j]! - y[k]!);
      const q = (2 / (m + n)) * a - (n > 1 ? ((2 * m) / (m + n) / (n - 1)) * b : 0) - (m > 1 ? ((2 * n) / (m + n) / (m - 1)) * c : 0);
      if (q > best.qhat) best = { index: tau, qhat: q };
    }
  }
  return best;
}

describe('cross-checks with Otava', () => {
  // The sequence and expected change points of Otava's tests/change_point_divisive_test.py.
  const SEQUENCE = [0.3, 2.4, 1.5, -0.9, -0.5, 99.7, 98.3, 99.1, 149.0, 149.7, 149.5, 149.1, 148.8, 150.0];

  it('scans q̂ as the definition gives it (the slow reference of Otava\'s calculator test)', () => {
    const rng = mulberry32(21);
    for (const z of [SEQUENCE, Array.from({ length: 30 }, () => normal(rng)), Array.from({ length: 17 }, (_, i) => (i > 9 ? 5 : 0) + normal(rng))]) {
      const fast = bestSplit(z, 0, z.length);
      const slow = slowBestSplit(z);
      expect(fast.index).toBe(slow.index);
      expect(fast.qhat).toBeCloseTo(slow.qhat, 9);
    }
  });

  it('splits Otava\'s test sequence at [5, 8] with the t-test at p 0.01, as its detector test asserts', () => {
    expect(splitStep(SEQUENCE, SEQUENCE.length, 0.01).map((c) => c.index)).toEqual([5, 8]);
  });

  it('finds [10] in the series of Otava\'s analysis test (window 10, p 0.0001)', () => {
    const series = [1.02, 0.95, 0.99, 1.0, 1.12, 1.0, 1.01, 0.98, 1.01, 0.96, 0.5, 0.51, 0.48, 0.48, 0.55, 0.5, 0.49, 0.51, 0.5, 0.49];
    expect(changePoints(series, { windowLen: 10, maxPValue: 0.0001 }).map((c) => c.index)).toEqual([10]);
  });

  it('agrees with Otava\'s significance tester test: p ≈ 1 for a repeated pattern, p < 0.001 for a drop', () => {
    const same = compareSides([1.0, 1.02, 1.05, 0.95, 0.98], [1.0, 1.02, 1.05, 0.95, 0.98]);
    expect(same.pValue).toBeGreaterThan(0.99);
    const drop = compareSides([1.0, 1.02, 1.05, 0.95, 0.98], [0.8, 0.82, 0.85, 0.79, 0.77]);
    expect(drop.pValue).toBeGreaterThan(0);
    expect(drop.pValue).toBeLessThan(0.001);
  });
});

