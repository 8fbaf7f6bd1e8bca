/**
 * k6's summary numbers, computed from loadgate's raw data (HDR histograms + exact count/sum/min/max).
 *
 * k6 keeps every Trend value and reads `p(q)` by linear interpolation at rank q·(n−1) between sorted samples
 * (FORMATS.md §9). We do the same interpolation, but over the histogram: the k-th smallest sample is read
 * from its HDR bucket (3 significant digits, so within 0.1% of the true value, or 1 µs below 1 ms), and the
 * extremes are the exact min/max. So p(N)/med agree with k6's within one histogram bucket; avg, min, max,
 * count and rates are exact up to float summation order.
 */
import type { JsHistogram } from 'hdr-histogram-js';
import type { CustomMetric } from '../../result/model.js';
import { decodeHistogram, type Histogram } from '../../result/histogram.js';

export type K6Values = Record<string, number>;

/** The sorted-sample reader: value of the k-th smallest sample (0-based), from bucket midpoints. */
function sortedReader(h: Histogram): (k: number) => number {
  const jh = h as unknown as JsHistogram;
  const n = jh.countsArrayLength;
  // Cumulative counts per non-empty bucket, built once.
  const cum: number[] = [];
  const vals: number[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const c = jh.getCountAtIndex(i);
    if (c === 0) continue;
    total += c;
    cum.push(total);
    vals.push(jh.medianEquivalentValue(jh.valueFromIndex(i)));
  }
  return (k: number) => {
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! > k) hi = mid;
      else lo = mid + 1;
    }
    return vals[lo] ?? 0;
  };
}

/**
 * Percentiles the k6 way (linear interpolation at rank q·(n−1)) from a histogram of `scale`-unit values.
 * `min`/`max` are the exact extremes (ranks 0 and n−1). Returns 0 for an empty histogram, as k6 does.
 */
export function k6Percentiles(h: Histogram, qs: number[], scale: number, min?: number, max?: number): number[] {
  const n = h.totalCount;
  if (n === 0) return qs.map(() => 0);
  const read = sortedReader(h);
  const at = (k: number): number => {
    if (k <= 0 && min !== undefined) return min;
    if (k >= n - 1 && max !== undefined) return max;
    let v = read(k) / scale;
    if (min !== undefined && v < min) v = min;
    if (max !== undefined && v > max) v = max;
    return v;
  };
  return qs.map((q) => {
    const i = q * (n - 1);
    const f = Math.floor(i);
    const c = Math.ceil(i);
    const lo = at(f);
    return c === f ? lo : lo + (at(c) - lo) * (i - f);
  });
}

/** The trend stats k6 can report (`summaryTrendStats`), plus counter/rate/gauge values. */
export function k6Values(m: CustomMetric, testRunDurationSec: number, trendStats: string[] = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count']): K6Values {
  switch (m.type) {
    case 'counter': {
      const count = m.count ?? 0;
      return { count, rate: testRunDurationSec > 0 ? count / testRunDurationSec : 0 };
    }
    case 'rate': {
      const passes = m.passes ?? 0;
      const fails = m.fails ?? 0;
      return { rate: passes + fails > 0 ? passes / (passes + fails) : 0, passes, fails };
    }
    case 'gauge':
      // k6's GaugeSink starts max at 0 (FORMATS.md §1): reproduce it.
      return { value: m.value ?? 0, min: m.min ?? 0, max: Math.max(0, m.max ?? 0) };
    case 'trend': {
      const count = m.count ?? 0;
      const out: K6Values = {};
      const h = m.histogram === undefined ? undefined : decodeHistogram(m.histogram);
      const scale = m.unit === 'ms' ? 1000 : 1;
      const pct: Array<[string, number]> = [];
      for (const s of trendStats) {
        if (s === 'count') out.count = count;
        else if (s === 'avg') out.avg = count > 0 ? (m.sum ?? 0) / count : 0;
        else if (s === 'min') out.min = count > 0 ? (m.min ?? 0) : 0;
        else if (s === 'max') out.max = count > 0 ? (m.max ?? 0) : 0;
        else if (s === 'med') pct.push([s, 0.5]);
        else {
          const p = /^p\(([\d.]+)\)$/.exec(s);
          if (p) pct.push([s, Number(p[1]) / 100]);
        }
      }
      if (pct.length) {
        const vals = h && count > 0 ? k6Percentiles(h, pct.map((x) => x[1]), scale, m.min, m.max) : pct.map(() => 0);
        pct.forEach(([k], i) => (out[k] = vals[i]!));
      }
      return out;
    }
  }
}

/** Half the HDR bucket width around `valueMs` plus the 1 µs recording resolution, in ms: the tolerance of a percentile. */
export function bucketToleranceMs(valueMs: number): number {
  // 3 significant digits: sub-buckets of 2048 → relative width ≤ 2^-10 ≈ 0.098%.
  return Math.abs(valueMs) * 2 ** -10 + 0.001;
}
