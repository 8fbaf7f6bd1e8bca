import { describe, expect, it } from 'vitest';
import { createRng } from '../../mocks/rng.js';

const draw = (seed: number, n: number, stream = 0): number[] => {
  const rng = createRng(seed, stream);
  return Array.from({ length: n }, () => rng.next());
};

describe('seeded rng', () => {
  it('reproduces the same sequence for the same seed', () => {
    expect(draw(42, 1_000)).toEqual(draw(42, 1_000));
  });

  it('gives unrelated sequences for neighbouring seeds and for different streams of one seed', () => {
    expect(draw(1, 100)).not.toEqual(draw(2, 100));
    expect(draw(1, 100, 0)).not.toEqual(draw(1, 100, 1));
  });

  it('draws uniformly from [0, 1)', () => {
    const xs = draw(3, 100_000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeCloseTo(0.5, 2);
    const deciles = new Array<number>(10).fill(0);
    for (const x of xs) deciles[Math.floor(x * 10)]! += 1;
    for (const count of deciles) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('draws standard normals with mean 0 and variance 1, reproducibly', () => {
    const rng = createRng(5);
    const zs = Array.from({ length: 100_000 }, () => rng.normal());
    const mean = zs.reduce((a, b) => a + b, 0) / zs.length;
    const variance = zs.reduce((a, z) => a + (z - mean) ** 2, 0) / zs.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    const again = createRng(5);
    expect(Array.from({ length: 10 }, () => again.normal())).toEqual(zs.slice(0, 10));
  });
});
