/**
 * HDR histograms of latency in microseconds. Encoded with HdrHistogram's standard compressed base64 form,
 * so results merge exactly and other HdrHistogram tools can read them.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { InputError } from '../errors.js';
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
  // Re-homed into our standard configuration so adds between histograms never lose range.
  const h = createHistogram();
  try {
    addEncoded(h, encoded);
  } catch (e) {
    // Result files are validated with checkEncodedHistogram when read; this is the backstop for any other path.
    throw new InputError('LG_HISTOGRAM_INVALID', `not a valid HdrHistogram (${checkEncodedHistogram(encoded) ?? (e as Error).message})`, { cause: e });
  }
  return h;
}

/** The parts of hdr-histogram-js's JsHistogram that adding decoded counts in place needs (not in its typings). */
interface CountsAccess {
  _counts: unknown;
  countsArrayLength: number;
  lowestDiscernibleValue: number;
  numberOfSignificantValueDigits: number;
  maxValue: number;
  minNonZeroValue: number;
  totalCount: number;
  addToCountAtIndex(i: number, n: number): void;
  setTotalCount(n: number): void;
  valueFromIndex(i: number): number;
  highestEquivalentValue(v: number): number;
  updatedMaxValue(v: number): void;
  updateMinNonZeroValue(v: number): void;
}

/**
 * Adds an encoded histogram into `target` exactly, as `target.add(decode(encoded))` would, but reading the V2 counts
 * straight into `target`'s buckets: no intermediate histogram (two 190 KB count arrays allocated, zeroed and scanned
 * per decode made a `report` of a 5-minute run spend 10 s CPU on per-second histograms, issue 16). Bucket indexes
 * depend only on the lowest discernible value and the significant digits, so this applies whenever they match
 * `target`'s; anything else goes through the library.
 */
export function addEncoded(target: Histogram, encoded: EncodedHistogram): void {
  const t = target as unknown as CountsAccess;
  const bytes = Buffer.from(encoded, 'base64');
  if (t._counts === undefined || typeof t.addToCountAtIndex !== 'function' || bytes.length < 8 || (bytes.readInt32BE(0) & ~0xf0) !== (V2_COMPRESSED_COOKIE & ~0xf0)) {
    target.add(hdr.decodeFromCompressedBase64(encoded, 64, false));
    return;
  }
  const payload = inflateSync(bytes.subarray(8, 8 + bytes.readInt32BE(4)));
  if (payload.length < V2_HEADER_BYTES || (payload.readInt32BE(0) & ~0xf0) !== (V2_COOKIE & ~0xf0)) throw new Error('not an HdrHistogram V2 encoding');
  const length = payload.readInt32BE(4);
  const digits = payload.readInt32BE(12);
  const lowest = payload.readInt32BE(16) * 2 ** 32 + payload.readUInt32BE(20);
  if (digits !== t.numberOfSignificantValueDigits || lowest !== t.lowestDiscernibleValue) {
    target.add(hdr.decodeFromCompressedBase64(encoded, 64, false));
    return;
  }
  const end = Math.min(payload.length, V2_HEADER_BYTES + length);
  // First pass: check every index fits before touching the target (a failed add must leave it unchanged).
  const counts: number[] = [];
  let p = V2_HEADER_BYTES;
  let index = 0;
  let total = 0;
  let minIndex = -1;
  let maxIndex = -1;
  while (p < end) {
    let v = payload[p++]!;
    let value = v & 0x7f;
    for (let k = 1, scale = 128; (v & 0x80) !== 0 && k < 9 && p < end; k++, scale *= 128) {
      v = payload[p++]!;
      value += (v & 0x7f) * scale;
    }
    value = value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    if (value < 0) {
      index += -value;
      continue;
    }
    if (value > 0) {
      counts.push(index, value);
      total += value;
      maxIndex = index;
      if (minIndex === -1 && index !== 0) minIndex = index;
    }
    index++;
  }
  if (maxIndex >= t.countsArrayLength) throw new Error("The other histogram includes values that do not fit in this histogram's range.");
  for (let i = 0; i < counts.length; i += 2) t.addToCountAtIndex(counts[i]!, counts[i + 1]!);
  if (total === 0) return;
  t.setTotalCount(t.totalCount + total);
  // As JsHistogram.add after a decode (establishInternalTackingValues, then max/min of both).
  const otherMax = t.highestEquivalentValue(t.valueFromIndex(maxIndex));
  if (otherMax > t.maxValue) t.updatedMaxValue(otherMax);
  if (minIndex !== -1) {
    const otherMin = t.valueFromIndex(minIndex);
    if (otherMin < t.minNonZeroValue) t.updateMinNonZeroValue(otherMin);
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** One empty histogram per layout seen (lowest/highest/digits), to map a bucket index to its value. */
const layouts = new Map<string, Histogram>();

/**
 * Why a string is not a histogram loadgate can read (undefined when it is): checks the V2 compressed base64
 * framing, inflates it, and walks the ZigZag LEB128 counts, without building the histogram (decoding every
 * per-second histogram of a long run would cost seconds). Values beyond loadgate's range (1 µs … 1 h) are
 * refused here, because adding them into a loadgate histogram would fail later.
 */
export function checkEncodedHistogram(encoded: unknown): string | undefined {
  if (typeof encoded !== 'string') return 'expected a base64 string';
  if (encoded.length === 0) return 'empty string';
  if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) return 'not base64';
  const buf = Buffer.from(encoded, 'base64');
  if (buf.length < 8) return 'too short';
  if ((buf.readInt32BE(0) & ~0xf0) !== (V2_COMPRESSED_COOKIE & ~0xf0)) return 'not HdrHistogram V2 compressed (wrong cookie)';
  const len = buf.readInt32BE(4);
  if (len < 0 || len > buf.length - 8) return 'truncated (the compressed length is larger than the data)';
  let payload: Buffer;
  try {
    payload = inflateSync(buf.subarray(8, 8 + len), { maxOutputLength: 64 << 20 });
  } catch (e) {
    return `corrupt compressed data (${(e as Error).message})`;
  }
  if (payload.length < V2_HEADER_BYTES || (payload.readInt32BE(0) & ~0xf0) !== (V2_COOKIE & ~0xf0)) return 'not HdrHistogram V2 (wrong inner cookie)';
  const countsLen = payload.readInt32BE(4);
  if (countsLen < 0 || countsLen > payload.length - V2_HEADER_BYTES) return 'truncated counts';
  const digits = payload.readInt32BE(12);
  const lowest = Number(payload.readBigInt64BE(16));
  const highest = Number(payload.readBigInt64BE(24));
  if (digits < 0 || digits > 5 || lowest < 1 || highest < 2 * lowest) return 'invalid header (significant digits or value range)';
  // Walk the counts: ZigZag LEB128, negative values are runs of zeros.
  let p = V2_HEADER_BYTES;
  const end = V2_HEADER_BYTES + countsLen;
  let index = 0;
  let maxIndex = -1;
  while (p < end) {
    let v = 0;
    let mul = 1;
    let k = 0;
    for (;;) {
      if (p >= end) return 'truncated counts';
      const b = payload[p++]!;
      if (k === 8) {
        v += b * mul;
        break;
      }
      v += (b & 0x7f) * mul;
      mul *= 128;
      k++;
      if ((b & 0x80) === 0) break;
    }
    const count = v % 2 === 0 ? v / 2 : -(v + 1) / 2;
    if (count < 0) index += -count;
    else {
      if (count > 0) maxIndex = index;
      index++;
    }
    if (index > 1 << 24) return 'counts beyond any histogram size';
  }
  if (maxIndex >= 0) {
    const key = `${lowest}/${highest}/${digits}`;
    let h = layouts.get(key);
    if (h === undefined) {
      if (layouts.size > 16) layouts.clear();
      layouts.set(key, (h = hdr.build({ lowestDiscernibleValue: lowest, highestTrackableValue: Math.min(highest, 2 ** 52), numberOfSignificantValueDigits: digits as 1 | 2 | 3 | 4 | 5, bitBucketSize: 'packed', useWebAssembly: false })));
    }
    const topValue = (h as unknown as { valueFromIndex(i: number): number }).valueFromIndex(maxIndex);
    if (!Number.isFinite(topValue) || topValue > HIGHEST_US * 1.01) return `a value beyond loadgate's range (${topValue} µs > ${HIGHEST_US} µs)`;
  }
  return undefined;
}

/** Exact merge: bucket counts add. Returns a new histogram. */
export function mergeHistograms(hs: Iterable<Histogram>): Histogram {
  const out = createHistogram();
  for (const h of hs) out.add(h);
  return out;
}

export function mergeEncoded(encoded: Iterable<EncodedHistogram>): Histogram {
  const out = createHistogram();
  for (const e of encoded) addEncoded(out, e);
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
