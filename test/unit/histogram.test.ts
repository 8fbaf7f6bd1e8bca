import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inflateSync } from 'node:zlib';
import * as hdr from 'hdr-histogram-js';
import { createHistogram, createSecondHistogram, decodeHistogram, encodeHistogram, mergeEncoded, recordUs, summarizeHistogram, HIGHEST_US } from '../../src/result/histogram.js';

describe('HDR histograms', () => {
  it('round-trips through the compressed base64 encoding without changing any count', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 300 }), (values) => {
        const h = createHistogram();
        for (const v of values) recordUs(h, v);
        const back = decodeHistogram(encodeHistogram(h));
        expect(back.totalCount).toBe(values.length);
        for (const p of [50, 90, 99, 99.9, 100]) expect(back.getValueAtPercentile(p)).toBe(h.getValueAtPercentile(p));
      }),
      { numRuns: 50 },
    );
  });

  it("encodes to exactly the bytes hdr-histogram-js deflates (64- and 32-bit counts, empty, huge counts), in the standard compressed form", () => {
    const payload = (b64: string) => {
      const b = Buffer.from(b64, 'base64');
      expect(b.readInt32BE(0)).toBe(0x1c849314); // V2 compressed cookie
      expect(b.readInt32BE(4)).toBe(b.length - 8);
      return inflateSync(b.subarray(8));
    };
    const same = (h: ReturnType<typeof createHistogram>) => {
      const ours = payload(encodeHistogram(h));
      expect(ours.equals(payload(hdr.encodeIntoCompressedBase64(h)))).toBe(true);
      expect(payload(encodeHistogram(h, true)).equals(ours)).toBe(true);
    };
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: HIGHEST_US }), { maxLength: 300 }), fc.boolean(), (values, second) => {
        const h = second ? createSecondHistogram() : createHistogram();
        for (const v of values) recordUs(h, v);
        same(h);
        expect(decodeHistogram(encodeHistogram(h)).totalCount).toBe(values.length);
      }),
      { numRuns: 100 },
    );
    const big = createHistogram();
    big.recordValueWithCount(1234, 2 ** 40 + 7); // counts past 2^32 take more than 4 LEB128 bytes
    big.recordValueWithCount(HIGHEST_US, 3);
    same(big);
    expect(decodeHistogram(encodeHistogram(big)).totalCount).toBe(2 ** 40 + 10);
  });

  it('merges exactly: merging the parts gives the histogram of the whole', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5_000_000 }), { minLength: 2, maxLength: 400 }), fc.integer({ min: 1, max: 5 }), (values, parts) => {
        const whole = createHistogram();
        const pieces = Array.from({ length: parts }, () => createHistogram());
        values.forEach((v, i) => {
          recordUs(whole, v);
          recordUs(pieces[i % parts]!, v);
        });
        const merged = mergeEncoded(pieces.map((h) => encodeHistogram(h)));
        expect(merged.totalCount).toBe(whole.totalCount);
        expect(summarizeHistogram(merged)).toEqual(summarizeHistogram(whole));
      }),
      { numRuns: 50 },
    );
  });

  it('computes mean and standard deviation exactly as HdrHistogram defines them', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50_000_000 }), { minLength: 1, maxLength: 300 }), (values) => {
        const h = createHistogram();
        for (const v of values) recordUs(h, v);
        const s = summarizeHistogram(h)!;
        expect(s.meanMs).toBeCloseTo(h.mean / 1000, 9);
        expect(s.stdDevMs).toBeCloseTo(h.stdDeviation / 1000, 6);
      }),
      { numRuns: 30 },
    );
  });

  it('reads percentiles within 0.1% of the exact sample percentile', () => {
    const h = createHistogram();
    const values = Array.from({ length: 10_000 }, (_, i) => 1000 + i * 37);
    for (const v of values) recordUs(h, v);
    const exactP99 = values[Math.ceil(0.99 * values.length) - 1]!;
    expect(Math.abs(h.getValueAtPercentile(99) - exactP99) / exactP99).toBeLessThan(0.001);
  });

  it('clamps values beyond one hour instead of throwing, and rounds sub-microsecond values up to 1 µs', () => {
    const h = createHistogram();
    recordUs(h, HIGHEST_US * 10);
    recordUs(h, 0.2);
    expect(h.totalCount).toBe(2);
    expect(h.minNonZeroValue).toBe(1);
  });
});
