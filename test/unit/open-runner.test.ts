import { describe, expect, it } from 'vitest';
import { connectionShare, warmUpPlan } from '../../src/engines/open/runner.js';

describe('open-model connection pool split over worker threads', () => {
  it('gives the workers shares that add up to maxConnections, never more', () => {
    for (const [max, workers] of [
      [10, 4],
      [256, 3],
      [7, 7],
      [5, 2],
      [1, 1],
    ] as const) {
      const shares = Array.from({ length: workers }, (_, i) => connectionShare(max, i, workers));
      expect(shares.reduce((a, b) => a + b, 0)).toBe(max);
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
    }
  });

  it('still gives every worker one connection when there are more workers than connections', () => {
    expect(Array.from({ length: 4 }, (_, i) => connectionShare(2, i, 4))).toEqual([1, 1, 1, 1]);
  });
});

describe('warmUpPlan (issue 17)', () => {
  it.each([1, 10, 400, 1000, 4000, 100_000])('at %i/s never sends more than half a second of the peak rate, nor past the pool', (rate) => {
    for (const maxConnections of [1, 8, 64, 512]) {
      const p = warmUpPlan(rate, maxConnections);
      expect(p.connections).toBeGreaterThanOrEqual(1);
      expect(p.connections).toBeLessThanOrEqual(maxConnections);
      expect(p.rounds).toBeGreaterThanOrEqual(1);
      expect(p.rounds).toBeLessThanOrEqual(16);
      // One round at least; beyond it, half a second of the workload's own load.
      if (p.rounds > 1) expect(p.connections * p.rounds).toBeLessThanOrEqual(Math.max(p.connections, rate * 0.5));
    }
  });
  it('opens 40 ms of arrivals worth of connections', () => {
    expect(warmUpPlan(1000, 512)).toEqual({ connections: 40, rounds: 4 });
    expect(warmUpPlan(400, 64)).toEqual({ connections: 16, rounds: 4 });
    expect(warmUpPlan(100, 64)).toEqual({ connections: 4, rounds: 4 });
    // More rounds at high rates (the JIT needs them), within half a second of the rate.
    expect(warmUpPlan(7500, 512)).toEqual({ connections: 300, rounds: 11 });
    expect(warmUpPlan(10, 64)).toEqual({ connections: 2, rounds: 2 });
  });
});
