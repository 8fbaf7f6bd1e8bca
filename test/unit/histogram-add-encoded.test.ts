/**
 * addEncoded (issue 16: `report` spent its time decoding per-second histograms into throwaway histograms) reads
 * encoded counts straight into a target. It must be exactly the library's decode + add: same counts, total,
 * min, max, and so the same encoding, for any content and for encodings of other configurations.
 */
import fc from 'fast-check';
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { addEncoded, createHistogram, createSecondHistogram, encodeHistogram, HIGHEST_US, recordUs, type Histogram } from '../../src/result/histogram.js';

function libraryAdd(target: Histogram, encoded: string): void {
  target.add(hdr.decodeFromCompressedBase64(encoded, 64, false));
}

const values = fc.array(fc.oneof(fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 1, max: HIGHEST_US }), fc.constant(1)), { maxLength: 300 });

describe('addEncoded', () => {
  it('equals decode + add for any contents, into empty or filled targets, 64- or 32-bit sources', () => {
    fc.assert(
      fc.property(values, values, fc.boolean(), fc.boolean(), (a, b, sourceIs32, fast) => {
        const src = sourceIs32 ? createSecondHistogram() : createHistogram();
        for (const v of a) recordUs(src, v);
        const encoded = encodeHistogram(src, fast);
        const mine = createHistogram();
        const theirs = createHistogram();
        for (const v of b) {
          recordUs(mine, v);
          recordUs(theirs, v);
        }
        addEncoded(mine, encoded);
        libraryAdd(theirs, encoded);
        expect(mine.totalCount).toBe(theirs.totalCount);
        expect(mine.maxValue).toBe(theirs.maxValue);
        expect(mine.minNonZeroValue).toBe(theirs.minNonZeroValue);
        expect(encodeHistogram(mine)).toBe(encodeHistogram(theirs));
        for (const q of [0, 50, 99, 99.9, 100]) expect(mine.getValueAtPercentile(q)).toBe(theirs.getValueAtPercentile(q));
      }),
      { numRuns: 150 },
    );
  });

  it('reads encodings of another configuration (other range, other precision) as the library does', () => {
    const other = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 2, bitBucketSize: 64 });
    const sameDigits = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 10_000, numberOfSignificantValueDigits: 3, bitBucketSize: 64 });
    for (const v of [1, 7, 950, 12_345, 59_000_000]) other.recordValue(v);
    for (const v of [1, 2, 3, 9_999]) sameDigits.recordValue(v);
    for (const h of [other, sameDigits]) {
      const e = hdr.encodeIntoCompressedBase64(h);
      const mine = createHistogram();
      const theirs = createHistogram();
      addEncoded(mine, e);
      libraryAdd(theirs, e);
      expect(encodeHistogram(mine)).toBe(encodeHistogram(theirs));
      expect(mine.totalCount).toBe(h.totalCount);
    }
  });

  it('adds repeatedly, the way windows and merges use it', () => {
    const src = createHistogram();
    for (let v = 1; v < 5_000; v += 7) recordUs(src, v);
    const e = encodeHistogram(src);
    const mine = createHistogram();
    const theirs = createHistogram();
    for (let i = 0; i < 5; i++) {
      addEncoded(mine, e);
      libraryAdd(theirs, e);
    }
    expect(mine.totalCount).toBe(5 * src.totalCount);
    expect(encodeHistogram(mine)).toBe(encodeHistogram(theirs));
  });
});
