/**
 * Block bootstrap over per-second windows (issue #13 item 5): the unit a run's noise comes in is not one
 * request but a stretch of time — a GC pause, a noisy neighbour, a stall at the target delays every request
 * and every stream message of that second together. Resampling requests as if independent (tens of thousands
 * of WebSocket messages) gives intervals a few percent wide while two identical runs differ by tens of
 * percent. Here a replicate draws whole seconds (moving blocks of ⌈n^⅓⌉ consecutive seconds), for every
 * endpoint of a run at once, so the correlation across requests, seconds and endpoints stays in.
 * Pure: no I/O; randomness comes in.
 */
import type { Buckets } from './data.js';
import type { Rng } from './random.js';
import { normalCdf } from './tests.js';

/** One endpoint's full seconds over one sorted table of the values it recorded, as cumulative counts per second. */
export interface SecondTable {
  valuesUs: Float64Array;
  /** Per second: its samples, and (in `cumulative`, second-major) how many are ≤ each value of the table. */
  seconds: Array<{ total: number }>;
  cumulative: Float64Array;
}

export function secondTable(seconds: readonly Buckets[]): SecondTable {
  const all = new Set<number>();
  for (const s of seconds) for (const v of s.valuesUs) all.add(v);
  const valuesUs = Float64Array.from(all).sort();
  const U = valuesUs.length;
  const at = new Map<number, number>();
  valuesUs.forEach((v, i) => at.set(v, i));
  const cumulative = new Float64Array(U * seconds.length);
  const rows = seconds.map((s, k) => {
    const row = cumulative.subarray(k * U, (k + 1) * U);
    let total = 0;
    for (let i = 0; i < s.valuesUs.length; i++) {
      row[at.get(s.valuesUs[i]!)!] = s.counts[i]!;
      total += s.counts[i]!;
    }
    for (let i = 1; i < U; i++) row[i]! += row[i - 1]!;
    return { total };
  });
  return { valuesUs, seconds: rows, cumulative };
}

/** The rank (1-based) HdrHistogram reads a percentile at: ⌈q·N⌉, at least 1 (as data.ts rankOf). */
function rank(total: number, percentile: number): number {
  const fp = (percentile / 100) * total;
  return Math.min(total, Math.max(1, Math.ceil(fp - Number.EPSILON * Math.max(1, fp))));
}

/**
 * log(value at each percentile, ms) of the seconds picked (`weights[s]` = how often second s was drawn), or
 * NaN when they hold no sample: a binary search over the table on the weighted sum of the seconds' cumulative
 * counts, so a replicate costs O(percentiles · log(values) · seconds drawn), not a pass over every value.
 */
export function logPercentilesOf(t: SecondTable, weights: ArrayLike<number>, percentiles: readonly number[], out: Float64Array, offset: number): void {
  const U = t.valuesUs.length;
  const active: number[] = [];
  const w: number[] = [];
  let total = 0;
  for (let s = 0; s < t.seconds.length; s++) {
    if (weights[s]! === 0 || t.seconds[s]!.total === 0) continue;
    active.push(s * U);
    w.push(weights[s]!);
    total += weights[s]! * t.seconds[s]!.total;
  }
  if (total === 0) {
    for (let k = 0; k < percentiles.length; k++) out[offset + k] = NaN;
    return;
  }
  const c = t.cumulative;
  let lo = 0;
  for (let k = 0; k < percentiles.length; k++) {
    const need = rank(total, percentiles[k]!);
    // percentiles ascend, so each search starts where the last one ended.
    let hi = U - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      let cum = 0;
      for (let a = 0; a < active.length; a++) cum += w[a]! * c[active[a]! + mid]!;
      if (cum >= need) hi = mid;
      else lo = mid + 1;
    }
    out[offset + k] = Math.log(t.valuesUs[lo]! / 1000);
  }
}

/** Block length for n seconds: ⌈n^⅓⌉ (the usual rate for a moving-block bootstrap of a mean), at least 2 when n ≥ 4. */
export function blockLength(n: number): number {
  return Math.max(n >= 4 ? 2 : 1, Math.min(n, Math.ceil(Math.cbrt(n))));
}

/**
 * Which seconds each replicate draws: `iterations` rows of n weights (how often second s was drawn), moving
 * blocks of blockLength(n) consecutive seconds until n seconds are drawn. One matrix per side, shared by
 * every endpoint and metric of the run, so their correlation stays in.
 */
export function drawWeights(n: number, iterations: number, rng: Rng, len = blockLength(n)): Float64Array {
  const w = new Float64Array(n * iterations);
  if (n === 0) return w;
  const starts = n - len + 1;
  for (let b = 0; b < iterations; b++) {
    for (let taken = 0; taken < n; ) {
      const s = Math.min(starts - 1, Math.floor(rng() * starts));
      for (let j = 0; j < len && taken < n; j++, taken++) w[b * n + s + j]!++;
    }
  }
  return w;
}

/** Replicates of one endpoint's log percentiles under the drawn weights: [replicate * percentiles.length + k]. */
export function blockReplicates(t: SecondTable, percentiles: readonly number[], weights: Float64Array, iterations: number): Float64Array {
  const n = t.seconds.length;
  const P = percentiles.length;
  const out = new Float64Array(iterations * P);
  for (let b = 0; b < iterations; b++) logPercentilesOf(t, weights.subarray(b * n, (b + 1) * n), percentiles, out, b * P);
  return out;
}

/** Replicates of log(Σ above / Σ total) over the drawn seconds (a mean per request, e.g. of rank scores); NaN when empty. */
export function ratioReplicates(above: ArrayLike<number>, total: ArrayLike<number>, weights: Float64Array, iterations: number): Float64Array {
  const n = total.length;
  const out = new Float64Array(iterations);
  for (let b = 0; b < iterations; b++) {
    let a = 0;
    let t = 0;
    for (let s = 0; s < n; s++) {
      const w = weights[b * n + s]!;
      a += w * above[s]!;
      t += w * total[s]!;
    }
    out[b] = t > 0 && a > 0 ? Math.log(a / t) : NaN;
  }
  return out;
}

/** The statistic on the data as recorded (every second once). */
export function observed(t: SecondTable, percentiles: readonly number[]): Float64Array {
  const out = new Float64Array(percentiles.length);
  logPercentilesOf(t, new Float64Array(t.seconds.length).fill(1), percentiles, out, 0);
  return out;
}

/** Median of a few numbers (NaN skipped); antisymmetric: median(−x) = −median(x). */
export function medianOf(xs: ArrayLike<number>): number {
  const s = Array.from(xs).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const m = s.length;
  if (m === 0) return NaN;
  return m % 2 === 1 ? s[(m - 1) / 2]! : (s[m / 2 - 1]! + s[m / 2]!) / 2;
}

/**
 * p-value of "the change is within ±floor", from the replicates' spread (bootstrap standard error) against
 * Student's t with `df` degrees of freedom (about the number of independent blocks, less 2): continuous, so it
 * survives the adjustment across a table of tests, and honest with the 15–20 seconds of one run, where a
 * normal approximation rejects twice as often as it should. An estimate inside the floor gets 1.
 */
export function beyondFloorPValue(replicates: ArrayLike<number>, estimate: number, floorLog: number, df = Infinity): number {
  const excess = Math.abs(estimate) - floorLog;
  if (!(excess > 0)) return 1;
  const se = sdOf(replicates);
  if (!(se > 0)) return 0;
  return Math.min(1, 2 * (1 - studentCdf(excess / se, df)));
}

/**
 * Student's t CDF through the normal one: z = t·(1 − 1/(4ν)) / √(1 + t²/(2ν)) (Abramowitz & Stegun 26.7.8;
 * within 0.005 in p for ν ≥ 3, conservative below).
 */
export function studentCdf(t: number, df: number): number {
  if (!Number.isFinite(df)) return normalCdf(t);
  const nu = Math.max(1, df);
  return normalCdf((t * (1 - 1 / (4 * nu))) / Math.sqrt(1 + (t * t) / (2 * nu)));
}

/** Degrees of freedom of a two-sided block-bootstrap comparison: independent blocks per side, less one each. */
export function blockDf(nBase: number, nCand: number, len?: number): number {
  return Math.max(1, Math.floor(nBase / (len ?? blockLength(nBase))) + Math.floor(nCand / (len ?? blockLength(nCand))) - 2);
}

/** Standard deviation of the finite values (two-pass). */
export function sdOf(xs: ArrayLike<number>): number {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < xs.length; i++) if (Number.isFinite(xs[i]!)) (sum += xs[i]!), n++;
  if (n < 2) return NaN;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < xs.length; i++) if (Number.isFinite(xs[i]!)) ss += (xs[i]! - mean) ** 2;
  return Math.sqrt(ss / (n - 1));
}
