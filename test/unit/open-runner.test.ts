import { describe, expect, it } from 'vitest';
import { connectionShare } from '../../src/engines/open/runner.js';

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
