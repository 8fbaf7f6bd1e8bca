/**
 * HDR histograms of latency in microseconds. Encoded with HdrHistogram's standard compressed base64 form,
 * so results merge exactly and other HdrHistogram tools can read them.
 */
import { deflateSync } from 'node:zlib';
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

/**
 * A latency histogram in µs. `bitBucketSize` 32 is for one second of one endpoint (a second never holds 2^32
 * samples): half the memory of the 64-bit default and half the reset time; it adds into, and encodes like,
 * the 64-bit ones.
 */
export function createHistogram(bitBucketSize: 32 | 64 = 64): Histogram {
  return hdr.build({
    bitBucketSize,
    lowestDiscernibleValue: LOWEST_US,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    autoResize: false,
    useWebAssembly: false,
  });
}

/** The histogram of one second (32-bit counts). */
export const createSecondHistogram = (): Histogram => createHistogram(32);

/** Record one value in µs. Sub-µs values round up to 1 µs; values beyond one hour are clamped. */
export function recordUs(h: Histogram, valueUs: number): void {
  const v = Math.round(valueUs);
  h.recordValue(v < LOWEST_US ? LOWEST_US : v > HIGHEST_US ? HIGHEST_US : v);
}

/**
 * HdrHistogram V2 compressed encoding, base64: the bytes hdr-histogram-js's `encodeIntoCompressedBase64` deflates,
 * written straight from the counts array into a reused buffer. hdr-histogram-js grows a 16-byte buffer by
 * doubling and calls a method per bucket, which made encoding the per-second histograms a sixth of the k6
 * ingest time. The uncompressed bytes are identical to the library's (tested); falls back to the library
 * if its internals ever change. `fast`: deflate level 1 (per-second histograms), else zlib's default.
 */
export function encodeHistogram(h: Histogram, fast = false): EncodedHistogram {
  const raw = h as unknown as EncodingInternals;
  if (raw._counts === undefined || typeof raw.countsArrayIndex !== 'function') {
    return fast ? hdr.encodeIntoCompressedBase64(h, 1) : hdr.encodeIntoCompressedBase64(h);
  }
  const payload = v2Uncompressed(raw);
  const compressed = deflateSync(payload, fast ? { level: 1 } : {});
  const out = Buffer.allocUnsafe(8 + compressed.length);
  out.writeInt32BE(V2_COMPRESSED_COOKIE, 0);
  out.writeInt32BE(compressed.length, 4);
  compressed.copy(out, 8);
  return out.toString('base64');
}

interface EncodingInternals {
  _counts: ArrayLike<number> | undefined;
  maxValue: number;
  numberOfSignificantValueDigits: number;
  lowestDiscernibleValue: number;
  highestTrackableValue: number;
  countsArrayIndex(value: number): number;
}

/** V2 encoding cookie with the word-size nibble hdr-histogram-js writes (TLZE, LEB128-64b9B). */
const V2_COOKIE = 0x1c849303 | 0x10;
const V2_COMPRESSED_COOKIE = 0x1c849304 | 0x10;
const V2_HEADER_BYTES = 40;
let scratch = new Uint8Array(V2_HEADER_BYTES + 9 * 4096);

/** The uncompressed V2 bytes (header + ZigZag LEB128 counts, runs of zeros as negative lengths). */
function v2Uncompressed(h: EncodingInternals): Uint8Array {
  const counts = h._counts!;
  const limit = h.countsArrayIndex(h.maxValue) + 1;
  const need = V2_HEADER_BYTES + 9 * limit;
  if (scratch.length < need) scratch = new Uint8Array(need);
  const out = scratch;
  let p = V2_HEADER_BYTES;
  let i = 0;
  while (i < limit) {
    const count = counts[i++]!;
    if (count < 0) throw new Error(`cannot encode a histogram with a negative count (${count}) at index ${i - 1}`);
    let zeros = 0;
    if (count === 0) {
      zeros = 1;
      while (i < limit && counts[i] === 0) {
        zeros++;
        i++;
      }
    }
    p = putZigZag(out, p, zeros > 1 ? -zeros : count);
  }
  const dv = new DataView(out.buffer, out.byteOffset, V2_HEADER_BYTES);
  dv.setInt32(0, V2_COOKIE);
  dv.setInt32(4, p - V2_HEADER_BYTES);
  dv.setInt32(8, 1); // normalizingIndexOffset as hdr-histogram-js writes it
  dv.setInt32(12, h.numberOfSignificantValueDigits);
  putInt64(dv, 16, h.lowestDiscernibleValue);
  putInt64(dv, 24, h.highestTrackableValue);
  putInt64(dv, 32, 1); // integer-to-double conversion ratio, as hdr-histogram-js writes it
  return out.subarray(0, p);
}

function putInt64(dv: DataView, at: number, value: number): void {
  dv.setInt32(at, Math.floor(value / 2 ** 32));
  dv.setInt32(at + 4, value | 0);
}

/** ZigZag then LEB128-64b9B (up to 8 bytes of 7 bits, a 9th of 8), as HdrHistogram's V2 format. */
function putZigZag(out: Uint8Array, p: number, value: number): number {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  for (let k = 0; k < 8; k++) {
    if (v < 128) {
      out[p++] = v;
      return p;
    }
    out[p++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  out[p++] = v;
  return p;
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

/**
 * Cumulative counts at or below each boundary (µs, ascending), for Prometheus `_bucket{le}` series. A sample
 * counts as ≤ a boundary when its HDR bucket's highest equivalent value is: the value `getValueAtPercentile`
 * reports, so "p99 ≤ 200 ms" and "99% of samples in le=0.2" agree. `sumUs` uses median-equivalent values,
 * as the mean does.
 */
export function cumulativeCounts(h: Histogram, boundariesUs: readonly number[]): { counts: number[]; total: number; sumUs: number } {
  const b = h as unknown as BucketAccess & { highestEquivalentValue(v: number): number };
  const counts = boundariesUs.map(() => 0);
  let total = 0;
  let sumUs = 0;
  for (let i = 0; i < b.countsArrayLength; i++) {
    const c = b.getCountAtIndex(i);
    if (c === 0) continue;
    const v = b.valueFromIndex(i);
    const top = b.highestEquivalentValue(v);
    total += c;
    sumUs += c * b.medianEquivalentValue(v);
    for (let k = boundariesUs.length - 1; k >= 0 && top <= boundariesUs[k]!; k--) counts[k] = counts[k]! + c;
  }
  return { counts, total, sumUs };
}
