import { describe, expect, it } from 'vitest';
import { compare, type Comparison } from '../../src/compare/index.js';
import { syntheticResult } from '../helpers/synthetic.js';

const runs = (from: number, count: number, p99Ms: number) =>
  Array.from({ length: count }, (_, i) =>
    syntheticResult({ seed: from + i, durationSec: 8, endpoints: { fetchTicker: { dist: 'lognormal', p50Ms: 20 * (p99Ms / 80), p99Ms, n: 4000, errorRatePct: 1 } } }),
  );
const latency = (c: Comparison) => c.endpoints[0]!.metrics.filter((m) => m.unit === 'ms');

describe('compare across repeated runs', () => {
  it('says inconclusive, not a verdict, with too few runs even for a large shift', () => {
    for (const n of [2, 3]) {
      const c = compare(runs(100, n, 80), runs(200, n, 120));
      expect(c.mode).toBe('runs');
      for (const m of c.endpoints[0]!.metrics) expect(m.verdict, `${n} runs: ${m.label}`).toBe('inconclusive');
      expect(c.verdict).toBe('inconclusive');
      expect(latency(c)[0]!.reason).toMatch(/too few runs/);
    }
  });

  it('finds a +50% latency shift with 5 runs per side', () => {
    const c = compare(runs(300, 5, 80), runs(400, 5, 120));
    expect(c.mode).toBe('runs');
    const p50 = latency(c).find((m) => m.metric === 'p50Ms')!;
    expect(p50.method).toBe('mann-whitney');
    expect(p50.verdict).toBe('regressed');
    expect(p50.ci!.lowPct).toBeLessThanOrEqual(50);
    expect(p50.ci!.highPct).toBeGreaterThanOrEqual(50);
    expect(c.verdict).toBe('regressed');
  });

  it('does not call 5 A/A runs per side regressed', () => {
    const c = compare(runs(500, 5, 80), runs(600, 5, 80));
    expect(c.counts.regressed).toBe(0);
  });

  it('pools the runs, with a note, when one side has a single run', () => {
    const c = compare(runs(700, 3, 80), runs(800, 1, 80));
    expect(c.mode).toBe('pooled');
    expect(c.notes.join('\n')).toMatch(/pooled/);
    expect(c.endpoints[0]!.metrics.find((m) => m.metric === 'p50Ms')!.n).toEqual({ base: 12_000, cand: 4000, of: 'samples' });
  });
});

describe('compare and phases', () => {
  it('evaluates each side against its phase preset and the candidate against the next phase', () => {
    const mk = (seed: number, phase: string, p50Ms: number) =>
      syntheticResult({
        seed,
        phase,
        durationSec: 10,
        endpoints: {
          fetchTicker: { dist: 'lognormal', p50Ms, p99Ms: p50Ms * 2, n: 2000 },
          health: { dist: 'fixed', p50Ms: 1, n: 20, kind: 'probe' },
        },
      });
    // phase-0: p95 < 500 ms, ≥ 100/s; phase-1: p95 < 200 ms, ≥ 500/s (200/s here fails it).
    const c = compare([mk(1, 'phase-0', 450)], [mk(2, 'phase-0', 40)]);
    expect(c.phases.base?.status).toBe('fail');
    expect(c.phases.base?.runs[0]!.failed.map((f) => f.id)).toContain('overall.p95Ms');
    expect(c.phases.cand?.status).toBe('pass');
    expect(c.phases.candNext?.phase).toBe('phase-1');
    expect(c.phases.candNext?.status).toBe('fail');
    expect(c.phases.candNext?.runs[0]!.failed.map((f) => f.id)).toContain('overall.throughputPerSec');
  });

  it('says so when a phase has no preset', () => {
    const r = syntheticResult({ seed: 1, phase: 'beta', durationSec: 5, endpoints: { fetchTicker: { dist: 'fixed', p50Ms: 5, n: 100 } } });
    const c = compare([r], [r]);
    expect(c.phases.base?.status).toBe('unknown');
    expect(c.phases.candNext).toBeUndefined();
  });
});
