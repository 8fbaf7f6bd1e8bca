/**
 * Change points in a series of nightly numbers, the way Apache Otava (formerly DataStax's Hunter) finds them
 * (Fleming et al., "Hunter: Using Change Point Detection to Hunt for Performance Regressions", ICPE 2023,
 * https://doi.org/10.1145/3578244.3583719; Otava's `otava/analysis.py` and `otava/change_point_divisive/`):
 *
 * 1. split: e-divisive means (Matteson & James 2014, energy distance, power 1) on sliding windows of
 *    `windowLen` points that overlap by half. In each window the best split (largest q̂) is kept while a
 *    two-sided t-test of the two sides is significant at the first-pass level (10 × `maxPValue` below 0.05),
 *    then the next best split inside the pieces, until one is not. The union over windows: "weak" change points.
 * 2. merge: bottom-up, the weakest point (largest p-value, recomputed between its neighbours on the whole
 *    series) is dropped while any p-value is ≥ `maxPValue` (or its magnitude ≤ `minMagnitude`).
 *
 * Otava's t-test is scipy's `ttest_ind_from_stats` with population standard deviations and, by default,
 * equal variances (Student's pooled test): `ttest: 'student'` reproduces it; `'welch'` uses Welch's unequal
 * variance test instead. Pure: numbers in, change points out.
 */

export interface ChangePointOptions {
  /** Points per sliding window of the split step (Otava's `window_len`). Default 50. */
  windowLen?: number;
  /** Final significance level (Otava's `max_pvalue`). Default 0.001. */
  maxPValue?: number;
  /** Change points whose relative change is at most this are merged away (Otava's `min_magnitude`). Default 0. */
  minMagnitude?: number;
  /** The two-sample t-test: Otava's default `student` (pooled variance) or `welch`. */
  ttest?: 'student' | 'welch';
}

export interface ChangePointStats {
  meanBefore: number;
  meanAfter: number;
  /** Population standard deviations (ddof 0), as Otava computes them. */
  stdDevBefore: number;
  stdDevAfter: number;
  pValue: number;
  tStatistic: number;
  /** (after / before − 1) × 100. */
  forwardChangePct: number;
  /** max(|after/before − 1|, |before/after − 1|). */
  magnitude: number;
}

export interface ChangePoint extends ChangePointStats {
  /** Index of the first point of the new regime (Otava's `index`). */
  index: number;
  /** e-divisive q̂ of the split that found it. */
  qhat: number;
}

export const DEFAULT_CHANGE_POINT_OPTIONS: Required<ChangePointOptions> = { windowLen: 50, maxPValue: 0.001, minMagnitude: 0, ttest: 'student' };

// ---- statistics ----

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9). */
function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const xx = x - 1;
  let a = c[0]!;
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (xx + i);
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Two-sided p-value of Student's t distribution with `df` degrees of freedom. */
export function studentTTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return 1;
  if (!Number.isFinite(t)) return 0;
  return regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Population standard deviation (numpy's default ddof 0), 0 below two points, as Otava does. */
function stdDev(xs: readonly number[], m: number): number {
  if (xs.length < 2) return 0;
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / xs.length);
}

/**
 * scipy.stats.ttest_ind_from_stats(mean1, std1, n1, mean2, std2, n2, equal_var, 'two-sided'), fed with
 * population standard deviations as Otava feeds it. Fewer than three points in all: p = 1.
 */
export function compareSides(left: readonly number[], right: readonly number[], ttest: 'student' | 'welch' = 'student'): ChangePointStats {
  if (left.length === 0 || right.length === 0) throw new RangeError('compareSides: both sides need at least one point');
  const m1 = mean(left);
  const m2 = mean(right);
  const s1 = stdDev(left, m1);
  const s2 = stdDev(right, m2);
  const n1 = left.length;
  const n2 = right.length;
  let t = 0;
  let p = 1;
  if (n1 + n2 - 2 > 0) {
    let denom: number;
    let df: number;
    if (ttest === 'student') {
      df = n1 + n2 - 2;
      const pooled = ((n1 - 1) * s1 * s1 + (n2 - 1) * s2 * s2) / df;
      denom = Math.sqrt(pooled * (1 / n1 + 1 / n2));
    } else {
      const v1 = (s1 * s1) / n1;
      const v2 = (s2 * s2) / n2;
      denom = Math.sqrt(v1 + v2);
      df = (v1 + v2) ** 2 / ((n1 > 1 ? (v1 * v1) / (n1 - 1) : Infinity) + (n2 > 1 ? (v2 * v2) / (n2 - 1) : Infinity));
    }
    // Identical constant sides: no evidence of a change (scipy's NaN); different constant sides: certain.
    if (denom === 0) {
      t = m1 === m2 ? 0 : m1 < m2 ? -Infinity : Infinity;
      p = m1 === m2 ? 1 : 0;
    } else {
      t = (m1 - m2) / denom;
      p = studentTTwoSidedP(t, df);
    }
  }
  const fwd = m1 === 0 ? 0 : m2 / m1 - 1;
  const bwd = m2 === 0 ? 0 : m1 / m2 - 1;
  return { meanBefore: m1, meanAfter: m2, stdDevBefore: s1, stdDevAfter: s2, pValue: p, tStatistic: t, forwardChangePct: fwd * 100, magnitude: Math.max(Math.abs(fwd), Math.abs(bwd)) };
}

// ---- e-divisive ----

/** Half-open [start, stop) pieces of a series between sorted change point indexes. */
function intervalsOf(indexes: readonly number[], length: number): Array<[number, number]> {
  const bounds = [0, ...indexes, length];
  const out: Array<[number, number]> = [];
  for (let i = 0; i + 1 < bounds.length; i++) if (bounds[i] !== bounds[i + 1]) out.push([bounds[i]!, bounds[i + 1]!]);
  return out;
}

/**
 * The two sides of a candidate: a new split of the piece that holds it, or, for an existing change point (the
 * end of a piece), the pieces either side of it (Otava's `get_sides`).
 */
function sides(series: readonly number[], index: number, intervals: ReadonlyArray<[number, number]>): [number[], number[]] {
  for (let i = 0; i < intervals.length; i++) {
    const [start, stop] = intervals[i]!;
    if (stop === index && i + 1 < intervals.length) return [series.slice(start, stop), series.slice(intervals[i + 1]![0], intervals[i + 1]![1])];
    if (start < index && index < stop) return [series.slice(start, index), series.slice(index, stop)];
  }
  throw new RangeError(`change point ${index} is in no interval`);
}

/**
 * The split of series[start, stop) with the largest q̂ = QQ(series[start, τ), series[τ, κ)) over
 * start < τ < κ ≤ stop, with
 *   QQ(X, Y) = 2/(m+n) Σ|Xi−Yj| − 2m/((m+n)(n−1)) Σi<k |Xi−Xk| − 2n/((m+n)(m−1)) Σj<k |Yj−Yk|
 * (a within-side term is 0 for a side of one point). The scan follows Otava's matrix (rows τ, columns κ, the
 * cells below the diagonal 0, first maximum wins), so ties and an all-negative window pick what Otava picks.
 */
/** @internal Exported for the brute-force test. */
export function bestSplit(series: readonly number[], start: number, stop: number): { index: number; qhat: number } {
  const len = stop - start;
  // colSum[k][r]: Σ_{r' < r} |z_r' − z_k| over the piece, local indexes.
  const colSum: Float64Array[] = [];
  for (let k = 0; k < len; k++) {
    const row = new Float64Array(len + 1);
    const zk = series[start + k]!;
    for (let r = 0; r < len; r++) row[r + 1] = row[r]! + Math.abs(series[start + r]! - zk);
    colSum.push(row);
  }
  let best = { index: -1, qhat: -Infinity };
  let withinX = 0;
  const size = len - 1;
  for (let i = 0; i < size; i++) {
    const tau = i + 1;
    // X = [0, tau): add point tau−1 to the within-X sum.
    withinX += colSum[tau - 1]![tau - 1]!;
    const n = tau;
    let cross = 0;
    let withinY = 0;
    for (let j = 0; j < size; j++) {
      if (j < i) {
        if (0 > best.qhat) best = { index: start + tau, qhat: 0 };
        continue;
      }
      const kappa = j + 2;
      const y = kappa - 1;
      // Y = [tau, kappa): add point kappa−1.
      cross += colSum[y]![tau]!;
      withinY += colSum[y]![y]! - colSum[y]![tau]!;
      const m = kappa - tau;
      const q = (2 / (m + n)) * cross - (n > 1 ? ((2 * m) / ((m + n) * (n - 1))) * withinX : 0) - (m > 1 ? ((2 * n) / ((m + n) * (m - 1))) * withinY : 0);
      if (q > best.qhat) best = { index: start + tau, qhat: q };
    }
  }
  return best;
}

/** One window: splits while the best next split is significant at `pValue` (Otava's ChangePointDetector, stop_at 0). */
function detectInWindow(window: readonly number[], pValue: number, ttest: 'student' | 'welch'): Array<{ index: number; qhat: number }> {
  const found: Array<{ index: number; qhat: number }> = [];
  for (;;) {
    const intervals = intervalsOf(
      found.map((c) => c.index),
      window.length,
    );
    let candidate: { index: number; qhat: number } | undefined;
    for (const [a, b] of intervals) {
      if (b - a < 2) continue;
      const c = bestSplit(window, a, b);
      if (candidate === undefined || c.qhat > candidate.qhat) candidate = c;
    }
    if (candidate === undefined) break;
    const [left, right] = sides(window, candidate.index, intervals);
    if (!(compareSides(left, right, ttest).pValue <= pValue)) break;
    found.push(candidate);
    found.sort((x, y) => x.index - y.index);
  }
  return found;
}

function withStats(series: readonly number[], cp: { index: number; qhat: number }, intervals: ReadonlyArray<[number, number]>, ttest: 'student' | 'welch'): ChangePoint {
  const [left, right] = sides(series, cp.index, intervals);
  return { index: cp.index, qhat: cp.qhat, ...compareSides(left, right, ttest) };
}

/** The split step: weak change points over sliding windows, with stats on the whole series. */
export function splitStep(series: readonly number[], windowLen: number, pValue: number, ttest: 'student' | 'welch' = 'student'): ChangePoint[] {
  if (!(Number.isInteger(windowLen) && windowLen >= 2)) throw new RangeError('windowLen must be an integer ≥ 2');
  const step = Math.floor(windowLen / 2);
  const found: Array<{ index: number; qhat: number }> = [];
  let start = 0;
  while (start < series.length) {
    const end = Math.min(start + windowLen, series.length);
    const local = detectInWindow(series.slice(start, end), pValue, ttest).map((c) => ({ index: c.index + start, qhat: c.qhat }));
    const last = local.length > 0 ? local[local.length - 1]!.index : 0;
    start = Math.max(last, start + step);
    for (const c of local) if (!found.some((f) => f.index === c.index)) found.push(c);
  }
  found.sort((a, b) => a.index - b.index);
  const intervals = intervalsOf(
    found.map((c) => c.index),
    series.length,
  );
  return found.map((c) => withStats(series, c, intervals, ttest));
}

/** The merge step: drops the weakest point until every p-value is below `maxPValue` and every magnitude above `minMagnitude`. */
export function mergeStep(weak: readonly ChangePoint[], series: readonly number[], maxPValue: number, minMagnitude: number, ttest: 'student' | 'welch' = 'student'): ChangePoint[] {
  const cps = [...weak];
  while (cps.length > 0) {
    let weakest = cps.reduce((w, c) => (c.pValue > w.pValue ? c : w));
    if (weakest.pValue < maxPValue) {
      weakest = cps.reduce((w, c) => (c.magnitude < w.magnitude ? c : w));
      if (weakest.magnitude > minMagnitude) return cps;
    }
    const at = cps.indexOf(weakest);
    cps.splice(at, 1);
    const intervals = intervalsOf(
      cps.map((c) => c.index),
      series.length,
    );
    // Otava recomputes the two points from the removed one's position on (its `recompute(i)` and
    // `recompute(i + 1)`); kept as is so the same series gives the same change points.
    for (const k of [at, at + 1]) if (k < cps.length) cps[k] = withStats(series, cps[k]!, intervals, ttest);
  }
  return cps;
}

/**
 * Otava's compute_change_points: split at 10 × maxPValue (2 × from 0.05, as is from 0.5), then merge at
 * maxPValue. Returns the change points sorted by index.
 */
export function changePoints(series: readonly number[], options: ChangePointOptions = {}): ChangePoint[] {
  const o = { ...DEFAULT_CHANGE_POINT_OPTIONS, ...options };
  if (!(o.maxPValue > 0 && o.maxPValue <= 1)) throw new RangeError('maxPValue must be in (0, 1]');
  if (series.some((v) => !Number.isFinite(v))) throw new RangeError('the series must hold finite numbers only');
  const firstPass = o.maxPValue < 0.05 ? o.maxPValue * 10 : o.maxPValue < 0.5 ? o.maxPValue * 2 : o.maxPValue;
  return mergeStep(splitStep(series, o.windowLen, firstPass, o.ttest), series, o.maxPValue, o.minMagnitude, o.ttest);
}
