import { mulberry32Open } from '../random.js';
/**
 * Seeded randomness for the bootstrap: a small PRNG, stable hashing (to derive one stream per data set), and
 * the normal / gamma / beta samplers the order-statistic bootstrap needs. Pure.
 */

/** A source of uniform numbers in the open interval (0, 1). */
export type Rng = () => number;
/** Makes an independent seeded stream. Injected through `CompareOptions.rng`; default {@link mulberry32}. */
export type RngFactory = (seed: number) => Rng;

/** mulberry32, shifted by half a step so it never returns exactly 0 or 1 (the samplers take logs). */
export const mulberry32: RngFactory = mulberry32Open;

/** FNV-1a over the numbers of an array (integers below 2^31 as one word, anything else as its two IEEE-754 halves). */
export function hashArray(xs: ArrayLike<number>, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    let w0: number;
    let w1: number;
    if ((x | 0) === x) {
      w0 = x;
      w1 = 0x5bd1e995;
    } else {
      f[0] = x;
      w0 = u[0]!;
      w1 = u[1]!;
    }
    h = Math.imul(h ^ w0, 0x01000193);
    h = Math.imul(h ^ w1, 0x01000193);
  }
  return h >>> 0;
}

/** FNV-1a over 32-bit words; strings are hashed by UTF-16 code unit. */
export function hashWords(parts: ReadonlyArray<number | string>): number {
  let h = 0x811c9dc5;
  const mix = (w: number) => {
    for (let s = 0; s < 32; s += 8) {
      h ^= (w >>> s) & 0xff;
      h = Math.imul(h, 0x01000193);
    }
  };
  for (const p of parts) {
    if (typeof p === 'string') {
      mix(p.length);
      for (let i = 0; i < p.length; i++) mix(p.charCodeAt(i));
    } else if (Number.isInteger(p) && Math.abs(p) < 2 ** 31) mix(p | 0);
    else {
      // Doubles and large integers: hash both halves of the IEEE-754 bits.
      const f = new Float64Array([p]);
      const u = new Uint32Array(f.buffer);
      mix(u[0]!);
      mix(u[1]!);
    }
  }
  return h >>> 0;
}

/** Standard normal (Box–Muller; one of the pair is discarded so the stream stays simple to reason about). */
export function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(rng())) * Math.cos(2 * Math.PI * rng());
}

/** Gamma(shape, 1) for shape ≥ 1 (Marsaglia & Tsang 2000). */
export function gamma(rng: Rng, shape: number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(a, b) for a, b ≥ 1, as G(a) / (G(a) + G(b)). */
export function beta(rng: Rng, a: number, b: number): number {
  const x = gamma(rng, a);
  const y = gamma(rng, b);
  return x / (x + y);
}
