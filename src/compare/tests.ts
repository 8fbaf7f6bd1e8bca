/**
 * The statistical tests behind compare: percentile-bootstrap intervals, Mann–Whitney U with exact p-values,
 * Hodges–Lehmann shift with its Moses interval, the Katz log risk-ratio interval, and Benjamini–Hochberg.
 * Every function is antisymmetric where it must be (swap the samples → negated estimate, same p-value), which
 * is what makes compare(a, b) the mirror of compare(b, a). Pure.
 */

/** Two-sided interval [lo, hi]. */
export interface Interval {
  lo: number;
  hi: number;
}

/**
 * Percentile interval of a sample at two-sided level `level`. Both ends are read at the same distance from
 * their end of the sorted sample, so negating the sample negates and swaps the interval exactly.
 */
export function percentileInterval(values: Float64Array | number[], level: number): Interval {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  const h = ((1 - level) / 2) * (n - 1);
  const i = Math.floor(h);
  const f = h - i;
  const at = (k: number) => s[Math.min(n - 1, Math.max(0, k))]!;
  const lo = at(i) + f * (at(i + 1) - at(i));
  const hi = at(n - 1 - i) - f * (at(n - 1 - i) - at(n - 2 - i));
  return { lo, hi };
}

/** Two-sided bootstrap p-value for "the difference is 0": twice the smaller tail mass at 0, with the +1 rule. */
export function bootstrapPValue(diffs: Float64Array | number[]): number {
  let le = 0;
  let ge = 0;
  for (const d of diffs) {
    if (d <= 0) le++;
    if (d >= 0) ge++;
  }
  const b = diffs.length;
  return Math.min(1, (2 * (Math.min(le, ge) + 1)) / (b + 1));
}

/** Standard normal CDF (erfc from Numerical Recipes, |error| < 1.2e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lowTail = (q: number) => {
    const r = Math.sqrt(-2 * Math.log(q));
    return (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) / ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1);
  };
  if (p < 0.02425) return lowTail(p);
  if (p > 1 - 0.02425) return -lowTail(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * Counts of the Mann–Whitney U statistic under the null, no ties: the coefficients of the Gaussian binomial
 * [n1+n2 choose n1]_q. Index u = number of (x, y) pairs with y > x. Exact in doubles while C(n1+n2, n1) < 2^53.
 */
export function uNullCounts(n1: number, n2: number): Float64Array {
  const max = n1 * n2;
  const c = new Float64Array(max + 1);
  c[0] = 1;
  // prod_{i=1..n1} (1 - q^{n2+i}) / (1 - q^i)
  for (let i = 1; i <= n1; i++) {
    const k = n2 + i;
    for (let u = max; u >= k; u--) c[u]! -= c[u - k]!;
    for (let u = i; u <= max; u++) c[u]! += c[u - i]!;
  }
  return c;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/** The smallest two-sided p-value Mann–Whitney can reach with these sample sizes (every y above every x). */
export function mannWhitneyMinP(n1: number, n2: number): number {
  return Math.min(1, 2 / binomial(n1 + n2, n1));
}

export interface MannWhitney {
  /** Pairs (x, y) with y > x, ties counting one half. */
  u: number;
  pValue: number;
  method: 'exact' | 'exact-ties' | 'normal';
}

const EXACT_LIMIT = 200_000;

/** Two-sided Mann–Whitney U test of x against y. Symmetric: swapping x and y gives the same p-value. */
export function mannWhitney(x: readonly number[], y: readonly number[]): MannWhitney {
  const n1 = x.length;
  const n2 = y.length;
  let u = 0;
  for (const a of x) for (const b of y) u += b > a ? 1 : b === a ? 0.5 : 0;
  const mean = (n1 * n2) / 2;
  const dev = Math.abs(u - mean);
  const all = [...x, ...y];
  const hasTies = new Set(all).size < all.length;
  const combos = binomial(n1 + n2, n1);
  if (!hasTies && n1 + n2 <= 50) {
    const c = uNullCounts(n1, n2);
    let tail = 0;
    for (let k = 0; k < c.length; k++) if (Math.abs(k - mean) >= dev - 1e-9) tail += c[k]!;
    return { u, pValue: Math.min(1, tail / combos), method: 'exact' };
  }
  if (combos <= EXACT_LIMIT) {
    // Ties: enumerate every split of the pooled values (midrank statistic, exact permutation distribution).
    const ranks = midranks(all);
    const obs = Math.abs(sumRanks(ranks, n1) - (n1 * (n1 + n2 + 1)) / 2);
    let extreme = 0;
    let count = 0;
    const pick: number[] = [];
    const walk = (start: number, sum: number) => {
      if (pick.length === n1) {
        count++;
        if (Math.abs(sum - (n1 * (n1 + n2 + 1)) / 2) >= obs - 1e-9) extreme++;
        return;
      }
      for (let i = start; i <= all.length - (n1 - pick.length); i++) {
        pick.push(i);
        walk(i + 1, sum + ranks[i]!);
        pick.pop();
      }
    };
    walk(0, 0);
    return { u, pValue: Math.min(1, extreme / count), method: 'exact-ties' };
  }
  // Large samples: normal approximation with the tie correction.
  const n = n1 + n2;
  const counts = new Map<number, number>();
  for (const v of all) counts.set(v, (counts.get(v) ?? 0) + 1);
  let tieSum = 0;
  for (const t of counts.values()) tieSum += t * t * t - t;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieSum / (n * (n - 1)));
  if (variance <= 0) return { u, pValue: 1, method: 'normal' };
  const z = Math.max(0, dev - 0.5) / Math.sqrt(variance);
  return { u, pValue: Math.min(1, 2 * (1 - normalCdf(z))), method: 'normal' };
}

function midranks(values: readonly number[]): number[] {
  const idx = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(values.length);
  for (let s = 0; s < idx.length; ) {
    let e = s;
    while (e + 1 < idx.length && idx[e + 1]!.v === idx[s]!.v) e++;
    const r = (s + e) / 2 + 1;
    for (let k = s; k <= e; k++) ranks[idx[k]!.i] = r;
    s = e + 1;
  }
  return ranks;
}

function sumRanks(ranks: number[], n1: number): number {
  let s = 0;
  for (let i = 0; i < n1; i++) s += ranks[i]!;
  return s;
}

export interface ShiftEstimate {
  /** Hodges–Lehmann estimate of the shift y − x: the median of all pairwise differences. */
  estimate: number;
  /** Moses distribution-free interval at the level asked, or undefined when the samples are too small for it. */
  interval: Interval | undefined;
  /** Coverage actually achieved (the U distribution is discrete). */
  achievedLevel: number | undefined;
}

/** Hodges–Lehmann shift of y relative to x with its Moses confidence interval (exact null distribution of U). */
export function hodgesLehmann(x: readonly number[], y: readonly number[], level: number): ShiftEstimate {
  const diffs: number[] = [];
  for (const a of x) for (const b of y) diffs.push(b - a);
  diffs.sort((p, q) => p - q);
  const m = diffs.length;
  const estimate = m % 2 === 1 ? diffs[(m - 1) / 2]! : (diffs[m / 2 - 1]! + diffs[m / 2]!) / 2;
  const n1 = x.length;
  const n2 = y.length;
  const alpha = 1 - level;
  let k = 0;
  let achieved: number | undefined;
  if (n1 + n2 <= 50) {
    const c = uNullCounts(n1, n2);
    const total = binomial(n1 + n2, n1);
    // Largest k with P(U ≤ k−1) ≤ α/2; the interval [D(k), D(m+1−k)] then covers with 1 − 2·P(U ≤ k−1).
    let cum = 0;
    for (let j = 0; j < c.length; j++) {
      if ((cum + c[j]!) / total > alpha / 2) break;
      cum += c[j]!;
      k = j + 1;
    }
    achieved = 1 - (2 * cum) / total;
  } else {
    const z = normalQuantile(1 - alpha / 2);
    k = Math.max(0, Math.floor(m / 2 - z * Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12)));
    achieved = level;
  }
  if (k < 1) return { estimate, interval: undefined, achievedLevel: undefined };
  return { estimate, interval: { lo: diffs[k - 1]!, hi: diffs[m - k]! }, achievedLevel: achieved };
}

/** Benjamini–Hochberg adjusted p-values (q-values), in the input order. */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const q = new Array<number>(m);
  let running = 1;
  for (let r = m; r >= 1; r--) {
    const { p, i } = order[r - 1]!;
    running = Math.min(running, (p * m) / r);
    q[i] = running;
  }
  return q;
}

/**
 * Log risk ratio of two proportions with its Katz interval and a Wald p-value. The Haldane–Anscombe 0.5
 * correction keeps it finite when a side has no events; it is symmetric in the two sides.
 */
export function logRiskRatio(eventsA: number, nA: number, eventsB: number, nB: number, level: number): { estimate: number; interval: Interval; pValue: number } {
  const a = eventsA + 0.5;
  const na = nA + 0.5;
  const b = eventsB + 0.5;
  const nb = nB + 0.5;
  const estimate = Math.log(b / nb) - Math.log(a / na);
  // va + vb, not a running sum: addition of two terms commutes exactly, so swapping the sides gives the same se.
  const va = 1 / a - 1 / na;
  const vb = 1 / b - 1 / nb;
  const se = Math.sqrt(Math.max(0, va + vb));
  const z = normalQuantile(1 - (1 - level) / 2);
  const pValue = se === 0 ? (estimate === 0 ? 1 : 0) : Math.min(1, 2 * (1 - normalCdf(Math.abs(estimate) / se)));
  return { estimate, interval: { lo: estimate - z * se, hi: estimate + z * se }, pValue };
}
