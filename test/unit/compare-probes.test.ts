/**
 * Health probes (kind 'probe') in compare: a probe measures availability, on a schedule the suite sets
 * (healthIntervalSec). Its request rate is that schedule, not the system's throughput, and its latency is a
 * trivial endpoint sampled a few times a minute, so only its failure rate is compared.
 */
import { describe, expect, it } from 'vitest';
import { compare } from '../../src/compare/index.js';
import { syntheticResult } from '../helpers/synthetic.js';

const api = { dist: 'lognormal' as const, p50Ms: 20, p99Ms: 80, n: 6000 };

describe('compare with health probes', () => {
  it('does not call a change of the probe interval a throughput regression', () => {
    const base = syntheticResult({ seed: 1, durationSec: 60, endpoints: { fetchTicker: api, health: { dist: 'fixed', p50Ms: 2, n: 600, kind: 'probe' } } });
    const cand = syntheticResult({ seed: 2, durationSec: 60, endpoints: { fetchTicker: api, health: { dist: 'fixed', p50Ms: 2, n: 60, kind: 'probe' } } });
    const c = compare([base], [cand]);
    const health = c.endpoints.find((e) => e.name === 'health')!;
    expect(health.kind).toBe('probe');
    expect(health.metrics.map((m) => m.metric)).toEqual(['errorRatePct']);
    expect(c.counts.regressed).toBe(0);
  });

  it('still calls failing probes (lost availability) a regression', () => {
    const base = syntheticResult({ seed: 3, durationSec: 60, endpoints: { fetchTicker: api, health: { dist: 'fixed', p50Ms: 2, n: 600, kind: 'probe' } } });
    const cand = syntheticResult({ seed: 4, durationSec: 60, endpoints: { fetchTicker: api, health: { dist: 'fixed', p50Ms: 2, n: 600, kind: 'probe', errorRatePct: 20 } } });
    const m = compare([base], [cand]).endpoints.find((e) => e.name === 'health')!.metrics[0]!;
    expect(m.metric).toBe('errorRatePct');
    expect(m.verdict).toBe('regressed');
  });
});
