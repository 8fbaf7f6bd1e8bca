/**
 * Reported percentiles match ground truth: the mock's latency is known, so what the autocannon engine reports
 * must match it within the stated tolerances.
 */
import { describe, expect, it } from 'vitest';
import { runSuite } from '../../src/run.js';
import { parseSuite } from '../../src/suite/load.js';
import { endpointStats } from '../../src/result/stats.js';

function suiteWithLatency(latency: Record<string, unknown>, connections: number, durationSec: number) {
  return parseSuite('accuracy.suite.yaml', {
    name: 'accuracy',
    target: { mock: { seed: 11, faults: { default: { latency } } } },
    workloads: [{ name: 'tickers', load: { model: 'closed', connections, durationSec }, mix: [{ endpoint: 'fetchTicker' }] }],
  });
}

describe('autocannon engine accuracy against the mock', () => {
  it('reports p50 and p99 within 1 ms + 2% of a fixed 20 ms delay', async () => {
    const result = await runSuite({ suite: suiteWithLatency({ type: 'fixed', ms: 20 }, 8, 4) });
    const s = endpointStats('fetchTicker', result.endpoints.fetchTicker!, result.meta.durationSec);
    expect(s.requests).toBeGreaterThan(500);
    const tol = 1 + 0.02 * 20;
    expect(s.latency!.p50Ms!).toBeGreaterThanOrEqual(20);
    expect(Math.abs(s.latency!.p50Ms! - 20)).toBeLessThanOrEqual(tol);
    expect(Math.abs(s.latency!.p99Ms! - 20)).toBeLessThanOrEqual(tol);
  });

  it('reports p50 and p99 within 10% of a lognormal delay with p50 = 10 ms and p99 = 80 ms', async () => {
    const result = await runSuite({ suite: suiteWithLatency({ type: 'lognormal', p50Ms: 10, p99Ms: 80 }, 24, 6) });
    const s = endpointStats('fetchTicker', result.endpoints.fetchTicker!, result.meta.durationSec);
    // p99 rests on ≥ 50 samples above it, so sampling noise stays well inside the tolerance.
    expect(s.requests).toBeGreaterThan(5000);
    expect(s.latency!.p50Ms!).toBeGreaterThan(9);
    expect(s.latency!.p50Ms!).toBeLessThan(11);
    expect(s.latency!.p99Ms!).toBeGreaterThan(72);
    expect(s.latency!.p99Ms!).toBeLessThan(88);
  });
});
