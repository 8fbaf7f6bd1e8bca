/**
 * Histogram encoding, the fixed cost of every closed second of every endpoint: loadgate's encodeHistogram
 * (V2 bytes written straight from the counts array) against hdr-histogram-js's encodeIntoCompressedBase64 on
 * the same histograms, alternating rounds, best of each. Per-second histograms use 32-bit counts and the
 * `fast` (deflate level 1) path; whole-run ones 64-bit counts and zlib's default level.
 */
import * as hdr from 'hdr-histogram-js';
import { createHistogram, createSecondHistogram, encodeHistogram, recordUs, type Histogram } from '../src/result/histogram.js';
import { seededRng } from '../test/helpers/synthetic.js';

const ENCODES = 4000;
const ROUNDS = 3;

/** A second of a busy endpoint: `n` lognormal latencies around 5 ms with a tail to ~100 ms. */
function filled(h: Histogram, n: number, seed: number): Histogram {
  const rng = seededRng(seed);
  for (let i = 0; i < n; i++) recordUs(h, 5000 * Math.exp(1.2 * Math.sqrt(-2 * Math.log(rng())) * Math.cos(2 * Math.PI * rng())));
  return h;
}

function usPerEncode(f: () => unknown): number {
  const t = performance.now();
  for (let i = 0; i < ENCODES; i++) f();
  return ((performance.now() - t) * 1000) / ENCODES;
}

export async function run(): Promise<string> {
  const cases = [
    { label: 'per second (32-bit, 1,000 samples, level 1)', h: filled(createSecondHistogram(), 1000, 1), ours: (h: Histogram) => encodeHistogram(h, true), lib: (h: Histogram) => hdr.encodeIntoCompressedBase64(h, 1) },
    { label: 'whole run (64-bit, 100,000 samples)', h: filled(createHistogram(), 100_000, 2), ours: (h: Histogram) => encodeHistogram(h), lib: (h: Histogram) => hdr.encodeIntoCompressedBase64(h) },
  ];
  const lines = [`µs per encode, best of ${ROUNDS} alternating rounds of ${ENCODES.toLocaleString('en-US')}`, 'histogram                                      hdr-histogram-js   loadgate   speed-up'];
  for (const c of cases) {
    let lib = Infinity;
    let ours = Infinity;
    for (let r = 0; r < ROUNDS; r++) {
      lib = Math.min(lib, usPerEncode(() => c.lib(c.h)));
      ours = Math.min(ours, usPerEncode(() => c.ours(c.h)));
    }
    lines.push(`${c.label.padEnd(46)} ${lib.toFixed(1).padStart(16)} ${ours.toFixed(1).padStart(10)} ${(lib / ours).toFixed(2).padStart(9)}×`);
  }
  return lines.join('\n');
}
