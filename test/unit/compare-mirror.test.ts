import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compare, type Comparison, type MetricVerdict } from '../../src/compare/index.js';
import { syntheticResult } from '../helpers/synthetic.js';

const SWAP: Record<MetricVerdict, MetricVerdict> = { improved: 'regressed', regressed: 'improved', unchanged: 'unchanged', inconclusive: 'inconclusive' };
const close = (a: number | undefined, b: number | undefined) => {
  if (a === undefined || b === undefined) return expect(a).toBe(b);
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a)));
};

/** compare(a, b) must be compare(b, a) with the sides swapped, changes negated and improved ↔ regressed. */
function expectMirror(ab: Comparison, ba: Comparison): void {
  expect(ab.mode).toBe(ba.mode);
  expect(ab.endpoints.map((e) => e.name)).toEqual(ba.endpoints.map((e) => e.name));
  ab.endpoints.forEach((e, i) => {
    const f = ba.endpoints[i]!;
    expect(e.metrics.map((m) => m.metric)).toEqual(f.metrics.map((m) => m.metric));
    e.metrics.forEach((m, j) => {
      const n = f.metrics[j]!;
      expect(m.base).toBe(n.cand);
      expect(m.cand).toBe(n.base);
      if (m.delta !== undefined) close(m.delta, -n.delta!);
      if (m.logRatio !== undefined) close(m.logRatio, -n.logRatio!);
      expect(m.ci === undefined).toBe(n.ci === undefined);
      if (m.ci && n.ci) {
        close(Math.log1p(m.ci.lowPct / 100), -Math.log1p(n.ci.highPct / 100));
        close(Math.log1p(m.ci.highPct / 100), -Math.log1p(n.ci.lowPct / 100));
      }
      close(m.pValue, n.pValue);
      close(m.qValue, n.qValue);
      expect(m.verdict).toBe(SWAP[n.verdict]);
    });
  });
  expect(ab.counts.regressed).toBe(ba.counts.improved);
  expect(ab.counts.improved).toBe(ba.counts.regressed);
}

const side = (seed: number, runs: number, p50Ms: number, p99Ms: number, n: number, errorRatePct: number) =>
  Array.from({ length: runs }, (_, r) =>
    syntheticResult({
      seed: seed * 16 + r,
      durationSec: 6,
      endpoints: { fetchTicker: { dist: 'lognormal', p50Ms, p99Ms, n, errorRatePct }, createOrder: { dist: 'lognormal', p50Ms: p50Ms * 2, p99Ms: p99Ms * 2, n: Math.ceil(n / 3), errorRatePct } },
    }),
  );

describe('compare(a, b) mirrors compare(b, a)', () => {
  it('holds for random distributions, shifts, error rates and run counts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.double({ min: 2, max: 50, noNaN: true }),
        fc.double({ min: 1.5, max: 8, noNaN: true }),
        fc.double({ min: 0.7, max: 1.6, noNaN: true }),
        fc.integer({ min: 300, max: 3000 }),
        fc.constantFrom(0, 0.5, 3),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (seed, runsA, runsB, p50Ms, spread, shift, n, errPct, cmpSeed) => {
          const a = side(seed, runsA, p50Ms, p50Ms * spread, n, errPct);
          const b = side(seed + 7_777_777, runsB, p50Ms * shift, p50Ms * spread * shift, n, errPct * shift);
          const opts = { seed: cmpSeed, bootstrapIterations: 300 };
          expectMirror(compare(a, b, opts), compare(b, a, opts));
        },
      ),
      { numRuns: 25, seed: 20250105 },
    );
  }, 120_000);

  it('holds when both sides hold identical data (the symmetrised bootstrap)', () => {
    const a = side(42, 1, 20, 80, 5000, 1);
    const c = compare(a, a);
    expectMirror(c, compare(a, a));
    for (const m of c.endpoints.flatMap((e) => e.metrics)) if (m.ci) close(Math.log1p(m.ci.lowPct / 100), -Math.log1p(m.ci.highPct / 100));
  });
});
