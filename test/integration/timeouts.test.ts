/**
 * A target that stalls past the timeout must show in the latency percentiles, not only in the error count:
 * timed-out requests are recorded at the time they were given up (a lower bound), as k6 does.
 */
import { describe, expect, it } from 'vitest';
import { runSuite } from '../../src/run.js';
import { parseSuite } from '../../src/suite/load.js';
import { endpointStats } from '../../src/result/stats.js';

function suite(load: Record<string, unknown>, timeoutMs: number, delayMs: number) {
  return parseSuite('timeouts.suite.yaml', {
    target: { mock: { seed: 4, faults: { fetchTicker: { latency: { type: 'fixed', ms: delayMs } } } }, timeoutMs },
    workloads: [{ name: 'w', load, mix: [{ endpoint: 'fetchTicker' }] }],
  });
}

describe('timed-out requests', () => {
  it('count as timeouts and put their waiting time into the open engine latency histogram', async () => {
    const result = await runSuite({ suite: suite({ model: 'open', ratePerSec: 20, durationSec: 2 }, 300, 1500) });
    const ep = result.endpoints.fetchTicker!;
    const s = endpointStats('fetchTicker', ep, result.meta.durationSec);
    expect(ep.errors.timeout).toBeGreaterThan(10);
    expect(s.latency?.count).toBe(ep.requests);
    expect(s.latency!.p50Ms!).toBeGreaterThanOrEqual(300);
    expect(s.latency!.p50Ms!).toBeLessThan(1500);
  });

  it('count as timeouts and put their waiting time into the autocannon engine latency histogram', async () => {
    const result = await runSuite({ suite: suite({ model: 'closed', connections: 2, durationSec: 3 }, 1000, 2500) });
    const ep = result.endpoints.fetchTicker!;
    const s = endpointStats('fetchTicker', ep, result.meta.durationSec);
    expect(ep.errors.timeout).toBeGreaterThanOrEqual(2);
    expect(s.latency!.p50Ms!).toBeGreaterThanOrEqual(990);
  });
});
