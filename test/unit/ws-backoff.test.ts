import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../src/engines/ws/backoff.js';

const opts = { baseMs: 100, capMs: 5_000 };

describe('backoffDelayMs', () => {
  it('stays within [0, min(cap, base · 2^attempt)) for any attempt and random draw (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const d = backoffDelayMs(attempt, opts, () => r);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(Math.min(opts.capMs, opts.baseMs * 2 ** attempt));
      }),
    );
  });

  it('doubles the ceiling with each attempt until the cap', () => {
    const top = (a: number) => backoffDelayMs(a, opts, () => 0.999999);
    expect(top(0)).toBeCloseTo(100, 0);
    expect(top(1)).toBeCloseTo(200, 0);
    expect(top(3)).toBeCloseTo(800, 0);
    expect(top(6)).toBeCloseTo(5_000, 0);
    expect(top(60)).toBeCloseTo(5_000, 0);
  });

  it('uses full jitter: the whole range down to zero is reachable', () => {
    expect(backoffDelayMs(4, opts, () => 0)).toBe(0);
    expect(backoffDelayMs(4, opts, () => 0.5)).toBe(800);
  });
});
