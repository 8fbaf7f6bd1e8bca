/**
 * The one seeded PRNG (mulberry32) used everywhere: request mixes, order sizes, arrival jitter, compare's
 * bootstrap, test data. Pure and import-free, so k6 scenarios bundle it too.
 */

/** Uniform 32-bit integers from a seed. */
export function mulberry32u32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  const next = mulberry32u32(seed);
  return () => next() / 4294967296;
}

/** Uniform in the open interval (0, 1): never exactly 0 or 1, for samplers that take logs. */
export function mulberry32Open(seed: number): () => number {
  const next = mulberry32u32(seed);
  return () => (next() + 0.5) / 4294967296;
}
