/**
 * Issue 16 item 10: `report` of a 5-minute run took 10 s CPU, decoding every per-second histogram into a fresh
 * histogram (190 KB of counts, allocated, zeroed and scanned), several times over. Counted, not timed: evaluating and
 * rendering a long result builds a number of histograms that does not grow with its seconds.
 */
import { describe, expect, it, vi } from 'vitest';

const built = { count: 0 };
vi.mock('../../src/result/histogram.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/result/histogram.js')>();
  return {
    ...real,
    createHistogram: (...a: Parameters<typeof real.createHistogram>) => (built.count++, real.createHistogram(...a)),
    decodeHistogram: (e: string) => (built.count++, real.decodeHistogram(e)),
    mergeEncoded: (e: Iterable<string>) => (built.count++, real.mergeEncoded(e)),
  };
});

const { syntheticResult } = await import('../helpers/synthetic.js');
const { evaluate } = await import('../../src/sla/evaluate.js');
const { renderAll } = await import('../../src/report/index.js');
const { planForResult } = await import('../../src/commands/shared.js');
const { slaSchema } = await import('../../src/suite/schema.js');

function buildsFor(durationSec: number): { builds: number; points: number } {
  const endpoints = {
    fetchTicker: { dist: 'lognormal' as const, p50Ms: 4, p99Ms: 20, n: 20 * durationSec, queueMs: 0.2 },
    createOrder: { dist: 'lognormal' as const, p50Ms: 5, p99Ms: 25, n: 10 * durationSec, queueMs: 0.2 },
    'ws:trades': { dist: 'lognormal' as const, p50Ms: 3, p99Ms: 9, n: 20 * durationSec, kind: 'ws' as const },
  };
  const result = syntheticResult({ seed: 3, durationSec, endpoints, warmupSec: 2 });
  const sla = slaSchema.parse({ preset: 'exchange-api', endpoints: { fetchTicker: { p99Ms: { limit: 400, window: '60s' } } } });
  built.count = 0;
  const verdict = evaluate(planForResult(result, sla), result);
  renderAll({ result, verdict, suiteName: 's', generatedAt: '2026-01-01T00:00:00Z', reportDir: '.' }, ['json', 'md', 'html', 'junit', 'prom']);
  const points = Object.values(result.endpoints).reduce((a, e) => a + e.series.length, 0);
  return { builds: built.count, points };
}

describe('report cost on long results', () => {
  it('builds histograms per endpoint and check, not per second', () => {
    const short = buildsFor(120);
    const long = buildsFor(600);
    expect(long.points).toBeGreaterThan(1500);
    // Windowed checks build one histogram per window: at most a few more for 8 more minutes, never one per second.
    expect(long.builds - short.builds).toBeLessThan(60);
    expect(long.builds).toBeLessThan(long.points / 5);
  });
});
