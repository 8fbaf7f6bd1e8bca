import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../mocks/ratelimit.js';

describe('token bucket', () => {
  it('allows a burst of capacity, then asks to retry after whole seconds until refilled', () => {
    const rl = new RateLimiter(3, 0.5);
    expect([0, 1, 2].map(() => rl.take('a', 0))).toEqual([0, 0, 0]);
    expect(rl.take('a', 0)).toBe(2);
    expect(rl.take('a', 1_500)).toBe(1);
    expect(rl.take('a', 2_000)).toBe(0);
    expect(rl.take('b', 2_000)).toBe(0); // keys are independent
  });

  it('never asks to retry after less than one second', () => {
    const rl = new RateLimiter(1, 1_000);
    rl.take('a', 0);
    expect(rl.take('a', 0)).toBe(1);
  });
});
