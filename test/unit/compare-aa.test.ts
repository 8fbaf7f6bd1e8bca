import { describe, expect, it } from 'vitest';
import { compare } from '../../src/compare/index.js';
import type { MetricComparison } from '../../src/compare/index.js';
import { syntheticResult, type SyntheticEndpoint } from '../helpers/synthetic.js';

const lognormal = (p50Ms: number, p99Ms: number, n: number, errorRatePct = 0): SyntheticEndpoint => ({ dist: 'lognormal', p50Ms, p99Ms, n, errorRatePct });

function metric(c: ReturnType<typeof compare>, endpoint: string, id: MetricComparison['metric']): MetricComparison {
  const m = c.endpoints.find((e) => e.name === endpoint)?.metrics.find((x) => x.metric === id);
  if (m === undefined) throw new Error(`no ${endpoint} ${id}`);
  return m;
}

describe('compare on A/A: the same distribution on both sides', () => {
  it('gives no "regressed" verdict in at least 95% of 200 seeded trials', () => {
    const endpoints = { fetchTicker: lognormal(20, 80, 6000, 1), createOrder: lognormal(60, 400, 2000, 2) };
    const trials = 200;
    let withRegression = 0;
    let tested = 0;
    for (let i = 0; i < trials; i++) {
      const a = syntheticResult({ seed: 10_000 + 2 * i, durationSec: 10, endpoints });
      const b = syntheticResult({ seed: 10_001 + 2 * i, durationSec: 10, endpoints });
      const c = compare([a], [b], { seed: i, bootstrapIterations: 1000 });
      if (c.counts.regressed > 0) withRegression++;
      tested += c.endpoints.flatMap((e) => e.metrics).filter((m) => m.qValue !== undefined).length;
    }
    // Each trial really tests many metrics (three endpoints incl. overall), not one.
    expect(tested / trials).toBeGreaterThanOrEqual(12);
    expect(withRegression / trials).toBeLessThanOrEqual(0.05);
  }, 120_000);

  it('calls identical inputs unchanged or inconclusive with an interval around 0', () => {
    const a = syntheticResult({ seed: 3, durationSec: 10, endpoints: { fetchTicker: lognormal(20, 80, 20_000) } });
    const c = compare([a], [a]);
    for (const m of c.endpoints[0]!.metrics) {
      expect(['unchanged', 'inconclusive']).toContain(m.verdict);
      if (m.ci) {
        expect(m.ci.lowPct).toBeLessThanOrEqual(0);
        expect(m.ci.highPct).toBeGreaterThanOrEqual(0);
      }
    }
    expect(metric(c, 'fetchTicker', 'p50Ms').verdict).toBe('unchanged');
  });
});

describe('compare with the p99 shifted by +20%', () => {
  const base = (seed: number) => syntheticResult({ seed, durationSec: 20, endpoints: { fetchTicker: lognormal(20, 80, 20_000) } });
  const shifted = (seed: number) => syntheticResult({ seed, durationSec: 20, endpoints: { fetchTicker: lognormal(20, 96, 20_000) } });

  it('calls p99 regressed with an interval that contains +20%', () => {
    const c = compare([base(1)], [shifted(2)]);
    const p99 = metric(c, 'fetchTicker', 'p99Ms');
    expect(p99.verdict).toBe('regressed');
    expect(p99.ci!.lowPct).toBeLessThanOrEqual(20);
    expect(p99.ci!.highPct).toBeGreaterThanOrEqual(20);
    expect(p99.deltaPct!).toBeGreaterThan(5);
    expect(c.verdict).toBe('regressed');
    // The median did not move: p50 must not be called a regression.
    expect(metric(c, 'fetchTicker', 'p50Ms').verdict).toBe('unchanged');
  });

  it('finds the regression every time and covers +20% in about 95% of 30 seeded trials', () => {
    const trials = 30;
    let regressed = 0;
    let covered = 0;
    for (let i = 0; i < trials; i++) {
      const p99 = metric(compare([base(500 + 2 * i)], [shifted(501 + 2 * i)], { seed: i, bootstrapIterations: 1000 }), 'fetchTicker', 'p99Ms');
      if (p99.verdict === 'regressed') regressed++;
      if (p99.ci!.lowPct <= 20 && p99.ci!.highPct >= 20) covered++;
    }
    expect(regressed).toBe(trials);
    // Nominal 95%: allow binomial noise (P(covered < 25 | 95%) ≈ 2%).
    expect(covered).toBeGreaterThanOrEqual(25);
  }, 60_000);

  it('calls the same shift improved when the sides are swapped', () => {
    const c = compare([shifted(2)], [base(1)]);
    expect(metric(c, 'fetchTicker', 'p99Ms').verdict).toBe('improved');
    expect(c.verdict).toBe('improved');
  });
});
