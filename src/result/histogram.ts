/**
 * HDR histograms of latency in microseconds. Encoded with HdrHistogram's standard compressed base64 form,
 * so results merge exactly and other HdrHistogram tools can read them.
 */
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;
/** HdrHistogram V2 compressed, base64 (the form HdrHistogram's Java/Go/JS libraries all read). */
export type EncodedHistogram = string;

/** Lowest discernible value: 1 µs. */
export const LOWEST_US = 1;
/** Highest trackable value: 1 hour in µs. Larger values are clamped and counted in `clampedCount`. */
export const HIGHEST_US = 3_600_000_000;
/** 3 significant digits: every recorded value is within 0.1% of the true value. */
export const SIGNIFICANT_DIGITS = 3;

export function createHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 64,
    lowestDiscernibleValue: LOWEST_US,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    autoResize: false,
    useWebAssembly: false,
  });
}

/** Record one value in µs. Sub-µs values round up to 1 µs; values beyond one hour are clamped. */
export function recordUs(h: Histogram, valueUs: number): void {
  const v = Math.round(valueUs);
  h.recordValue(v < LOWEST_US ? LOWEST_US : v > HIGHEST_US ? HIGHEST_US : v);
}

export function encodeHistogram(h: Histogram): EncodedHistogram {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: EncodedHistogram): Histogram {
  const decoded = hdr.decodeFromCompressedBase64(encoded, 64, false);
  // Re-home into our standard configuration so adds between histograms never lose range.
  const h = createHistogram();
  h.add(decoded);
  return h;
}

/** Exact merge: bucket counts add. Returns a new histogram. */
export function mergeHistograms(hs: Iterable<Histogram>): Histogram {
  const out = createHistogram();
  for (const h of hs) out.add(h);
  return out;
}

export function mergeEncoded(encoded: Iterable<EncodedHistogram>): Histogram {
  const out = createHistogram();
  for (const e of encoded) out.add(decodeHistogram(e));
  return out;
}

/** Percentile in ms read from the histogram (HdrHistogram's highest-equivalent value of the bucket). */
export function percentileMs(h: Histogram, percentile: number): number {
  return h.getValueAtPercentile(percentile) / 1000;
}

export interface LatencySummaryMs {
  count: number;
  minMs: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  stdDevMs: number;
}

/** The parts of hdr-histogram-js's JsHistogram that a direct scan of the buckets needs (not in its typings). */
interface BucketAccess {
  countsArrayLength: number;
  getCountAtIndex(i: number): number;
  valueFromIndex(i: number): number;
  medianEquivalentValue(v: number): number;
}

/**
 * Mean and standard deviation in one pass over the bucket counts, with HdrHistogram's definitions (each
 * bucket at its median-equivalent value). hdr-histogram-js's `mean`/`stdDeviation` getters walk an iterator
 * object per bucket and take ~10 ms per histogram; this takes well under 1 ms.
 */
function meanAndStdDev(h: Histogram): { mean: number; stdDev: number } {
  const b = h as unknown as BucketAccess;
  let n = 0;
  let sum = 0;
  for (let i = 0; i < b.countsArrayLength; i++) {
    const c = b.getCountAtIndex(i);
    if (c === 0) continue;
    n += c;
    sum += c * b.medianEquivalentValue(b.valueFromIndex(i));
  }
  if (n === 0) return { mean: 0, stdDev: 0 };
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < b.countsArrayLength; i++) {
    const c = b.getCountAtIndex(i);
    if (c === 0) continue;
    const d = b.medianEquivalentValue(b.valueFromIndex(i)) - mean;
    sq += c * d * d;
  }
  return { mean, stdDev: Math.sqrt(sq / n) };
}

export function summarizeHistogram(h: Histogram): LatencySummaryMs | undefined {
  if (h.totalCount === 0) return undefined;
  const { mean, stdDev } = meanAndStdDev(h);
  // min and max from the buckets (not the raw extremes the live histogram also tracks), so a histogram reads the
  // same before and after encoding and merging.
  return {
    count: h.totalCount,
    minMs: (h as Histogram & { lowestEquivalentValue(v: number): number }).lowestEquivalentValue(h.minNonZeroValue) / 1000,
    meanMs: mean / 1000,
    p50Ms: percentileMs(h, 50),
    p90Ms: percentileMs(h, 90),
    p95Ms: percentileMs(h, 95),
    p99Ms: percentileMs(h, 99),
    p999Ms: percentileMs(h, 99.9),
    maxMs: h.getValueAtPercentile(100) / 1000,
    stdDevMs: stdDev / 1000,
  };
}
