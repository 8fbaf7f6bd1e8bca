import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ArrivalSchedule, buildRateProfile, expectedArrivals, peakRatePerSec } from '../../src/engines/open/schedule.js';
import { queueBound } from '../../src/engines/open/runner.js';

function all(s: ArrivalSchedule, cap = 1_000_000): number[] {
  const out: number[] = [];
  for (let t = s.next(); t !== undefined && out.length < cap; t = s.next()) out.push(t);
  return out;
}

describe('open-model arrival schedule', () => {
  it('spaces constant arrivals exactly 1/rate apart, starting at zero', () => {
    const times = all(new ArrivalSchedule(buildRateProfile({ ratePerSec: 1000, durationSec: 2, arrival: 'constant' }), 'constant', 1));
    expect(times).toHaveLength(2000);
    times.forEach((t, i) => expect(t).toBeCloseTo(i, 9));
  });

  it('sends as many arrivals as the integral of a ramping rate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.array(fc.record({ durationSec: fc.integer({ min: 1, max: 5 }), targetRatePerSec: fc.integer({ min: 0, max: 500 }) }), { minLength: 1, maxLength: 4 }),
        (ratePerSec, stages) => {
          const p = buildRateProfile({ ratePerSec, stages, arrival: 'constant' });
          const times = all(new ArrivalSchedule(p, 'constant', 1));
          const expected = expectedArrivals(p, p.durationSec);
          // Arrival n is due when N(t) reaches n (n = 0, 1, …): ceil(N(T)) arrivals, give or take float rounding at the end.
          expect(Math.abs(times.length - Math.ceil(expected))).toBeLessThanOrEqual(1);
          for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
          expect(times.every((t) => t >= 0 && t < p.durationSec * 1000)).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('solves a linear ramp analytically: arrival n of a 0→100/s ramp over 10 s is due at sqrt(n/5) s', () => {
    const p = buildRateProfile({ ratePerSec: 0.000001, stages: [{ durationSec: 10, targetRatePerSec: 100 }], arrival: 'constant' });
    const times = all(new ArrivalSchedule(p, 'constant', 1));
    // N(t) = 5 t² (rate 10 t per second), so t_n = sqrt(n / 5).
    for (const n of [1, 10, 100, 400]) expect(times[n]! / 1000).toBeCloseTo(Math.sqrt(n / 5), 3);
    expect(peakRatePerSec(p)).toBe(100);
  });

  it('holds the last stage rate when durationSec is longer than the stages, and cuts them when shorter', () => {
    const longer = buildRateProfile({ ratePerSec: 10, stages: [{ durationSec: 2, targetRatePerSec: 20 }], durationSec: 4, arrival: 'constant' });
    expect(expectedArrivals(longer, 4)).toBeCloseTo(30 + 40, 9);
    const shorter = buildRateProfile({ ratePerSec: 10, stages: [{ durationSec: 10, targetRatePerSec: 10 }], durationSec: 1, arrival: 'constant' });
    expect(all(new ArrivalSchedule(shorter, 'constant', 1))).toHaveLength(10);
  });

  it('draws Poisson arrivals reproducibly from the seed, with the expected count', () => {
    const p = buildRateProfile({ ratePerSec: 2000, durationSec: 5, arrival: 'poisson' });
    const a = all(new ArrivalSchedule(p, 'poisson', 42));
    const b = all(new ArrivalSchedule(p, 'poisson', 42));
    const c = all(new ArrivalSchedule(p, 'poisson', 43));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    // 10 000 expected; Poisson sd = 100, so ±5 sd.
    expect(Math.abs(a.length - 10_000)).toBeLessThan(500);
    // Exponential gaps: coefficient of variation ≈ 1 (constant spacing would be 0).
    const gaps = a.slice(1).map((t, i) => t - a[i]!);
    const mean = gaps.reduce((x, y) => x + y, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((x, y) => x + (y - mean) ** 2, 0) / gaps.length);
    expect(sd / mean).toBeGreaterThan(0.9);
    expect(sd / mean).toBeLessThan(1.1);
  });

  it('splits one schedule across workers without losing or repeating an arrival', () => {
    for (const arrival of ['constant', 'poisson'] as const) {
      const p = buildRateProfile({ ratePerSec: 300, stages: [{ durationSec: 3, targetRatePerSec: 900 }], arrival });
      const whole = all(new ArrivalSchedule(p, arrival, 7));
      const parts = [0, 1, 2].map((k) => all(new ArrivalSchedule(p, arrival, 7, k, 3)));
      expect(parts.flat().sort((x, y) => x - y)).toEqual(whole);
    }
  });

  it('bounds the wait queue by peak rate × request timeout, within [1 000, 200 000]', () => {
    expect(queueBound(buildRateProfile({ ratePerSec: 1000, durationSec: 1, arrival: 'constant' }), 10, 10_000)).toBe(10_010);
    expect(queueBound(buildRateProfile({ ratePerSec: 1, durationSec: 1, arrival: 'constant' }), 10, 1_000)).toBe(1_000);
    expect(queueBound(buildRateProfile({ ratePerSec: 1e6, durationSec: 1, arrival: 'constant' }), 10, 10_000)).toBe(200_000);
  });
});
