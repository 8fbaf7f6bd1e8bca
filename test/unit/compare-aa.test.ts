import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compare } from '../../src/compare/index.js';
import type { MetricComparison } from '../../src/compare/index.js';
import { EndpointRecorder } from '../../src/result/recorder.js';
import type { EndpointResult, RunResult } from '../../src/result/model.js';
import { seededRng, syntheticResult, type SyntheticEndpoint } from '../helpers/synthetic.js';

const lognormal = (p50Ms: number, p99Ms: number, n: number, errorRatePct = 0): SyntheticEndpoint => ({ dist: 'lognormal', p50Ms, p99Ms, n, errorRatePct });

function metric(c: ReturnType<typeof compare>, endpoint: string, id: MetricComparison['metric']): MetricComparison {
  const m = c.endpoints.find((e) => e.name === endpoint)?.metrics.find((x) => x.metric === id);
  if (m === undefined) throw new Error(`no ${endpoint} ${id}`);
  return m;
}

const Z99 = 2.3263478740408408;

/**
 * A run on a shared machine: every request's latency is its endpoint's own lognormal times the machine's
 * slowdown at that moment — one factor for the whole run (a busier box), one per second shared by every
 * endpoint (an AR(1) series: a noisy neighbour comes and goes), and stalls that hit every endpoint in flight.
 * This is the noise an i.i.d. bootstrap of requests calls a regression.
 */
function sharedMachineRun(
  seed: number,
  opts: { durationSec: number; endpoints: Record<string, { p50Ms: number; p99Ms: number; ratePerSec: number }>; runFactor: number; secondSd: number; endpointFactorSd?: number },
): RunResult {
  const rng = seededRng(seed >>> 0);
  const normal = () => Math.sqrt(-2 * Math.log(rng())) * Math.cos(2 * Math.PI * rng());
  const slow: number[] = [];
  let ar = 0;
  for (let s = 0; s < opts.durationSec; s++) {
    ar = 0.7 * ar + Math.sqrt(1 - 0.49) * normal() * opts.secondSd;
    slow.push(Math.exp(ar));
  }
  // One stall per run of 50–150 ms at a random moment.
  const stallAtMs = rng() * opts.durationSec * 1000;
  const stallMs = 50 + 100 * rng();
  const endpoints: Record<string, EndpointResult> = {};
  for (const [name, ep] of Object.entries(opts.endpoints)) {
    const rec = new EndpointRecorder(name, 'http', 'aa');
    const sigma = Math.log(ep.p99Ms / ep.p50Ms) / Z99;
    // This endpoint's own slowdown for the whole run (a busier box slows a costly handler more than a light one).
    const own = Math.exp((opts.endpointFactorSd ?? 0) * normal());
    const n = ep.ratePerSec * opts.durationSec;
    for (let k = 0; k < n; k++) {
      const atMs = ((k + rng()) / n) * opts.durationSec * 1000;
      let ms = ep.p50Ms * Math.exp(sigma * normal()) * opts.runFactor * own * slow[Math.floor(atMs / 1000)]!;
      if (atMs >= stallAtMs && atMs < stallAtMs + stallMs) ms += stallAtMs + stallMs - atMs;
      rec.recordResponse({ atMs, latencyUs: ms * 1000, status: 200 });
    }
    endpoints[name] = rec.toResult();
  }
  const start = Date.UTC(2026, 0, 1) + seed * 60_000;
  return {
    schemaVersion: 1,
    kind: 'loadgate.result',
    meta: {
      suite: 'aa',
      engines: [{ name: 'synthetic', version: '0' }],
      startedAt: new Date(start).toISOString(),
      endedAt: new Date(start + opts.durationSec * 1000).toISOString(),
      durationSec: opts.durationSec,
      warmupSec: 0,
      host: { hostname: 'synthetic', platform: 'linux', arch: 'x64', cpus: 2, node: 'v20' },
      target: { url: 'http://127.0.0.1:0', mock: true },
      notes: [],
    },
    endpoints,
  };
}

const FIVE = {
  fetchTicker: { p50Ms: 3, p99Ms: 20, ratePerSec: 160 },
  fetchOrderBook: { p50Ms: 3, p99Ms: 20, ratePerSec: 100 },
  fetchMarkets: { p50Ms: 3, p99Ms: 20, ratePerSec: 40 },
  createOrder: { p50Ms: 3, p99Ms: 20, ratePerSec: 60 },
  cancelOrder: { p50Ms: 3, p99Ms: 20, ratePerSec: 40 },
};

describe('compare on A/A: the same distribution on both sides', () => {
  it('gives no "regressed" verdict in at least 95% of 60 seeded trials of independent samples', () => {
    const endpoints = { fetchTicker: lognormal(20, 80, 6000, 1), createOrder: lognormal(60, 400, 2000, 2), fetchMarkets: lognormal(20, 80, 2000) };
    const trials = 60;
    let withRegression = 0;
    let tested = 0;
    for (let i = 0; i < trials; i++) {
      const a = syntheticResult({ seed: 10_000 + 2 * i, durationSec: 10, endpoints });
      const b = syntheticResult({ seed: 10_001 + 2 * i, durationSec: 10, endpoints });
      const c = compare([a], [b], { seed: i, bootstrapIterations: 500 });
      if (c.counts.regressed > 0) withRegression++;
      tested += c.endpoints.flatMap((e) => e.metrics).filter((m) => m.qValue !== undefined).length;
    }
    // Each trial really tests several metrics, not one.
    expect(tested / trials).toBeGreaterThanOrEqual(5);
    expect(withRegression / trials).toBeLessThanOrEqual(0.05);
  }, 120_000);

  it('property: runs on a shared machine (run-level slowdown up to ±40%, correlated seconds, a stall) give no regression in most seeds', () => {
    // Deterministic: fast-check draws the cases from a fixed seed; the bootstrap is seeded too.
    const cases = fc.sample(
      fc.record({ seedA: fc.integer({ min: 1, max: 1e6 }), seedB: fc.integer({ min: 1, max: 1e6 }), factorA: fc.double({ min: 0.7, max: 1.4, noNaN: true }), factorB: fc.double({ min: 0.7, max: 1.4, noNaN: true }) }),
      { seed: 20261202, numRuns: 24 },
    );
    let regressed = 0;
    let iidWouldFlag = 0;
    for (const k of cases) {
      const a = sharedMachineRun(k.seedA, { durationSec: 12, endpoints: FIVE, runFactor: k.factorA, secondSd: 0.25 });
      const b = sharedMachineRun(k.seedB, { durationSec: 12, endpoints: FIVE, runFactor: k.factorB, secondSd: 0.25 });
      const c = compare([a], [b], { bootstrapIterations: 400 });
      if (c.counts.regressed > 0) regressed++;
      // What the shared slowdown does to the endpoints' own p95: mostly far beyond the 5% floor.
      if (Math.abs(metric(c, 'fetchTicker', 'p95Ms').deltaPct!) > 15) iidWouldFlag++;
    }
    expect(iidWouldFlag).toBeGreaterThanOrEqual(cases.length / 2);
    expect(regressed).toBeLessThanOrEqual(1);
  }, 120_000);

  it('property: when each endpoint also moves as a whole from run to run, "tail vs others" still calls no regression in most seeds', () => {
    // Every endpoint's latency × its own factor per run (sd 10% in log): noise that resampling one run's seconds
    // cannot see. compare reads its size off the other endpoints (withRunNoise in compare.ts).
    const cases = fc.sample(fc.record({ seedA: fc.integer({ min: 1, max: 1e6 }), seedB: fc.integer({ min: 1, max: 1e6 }) }), { seed: 20261203, numRuns: 24 });
    let regressed = 0;
    for (const k of cases) {
      const a = sharedMachineRun(k.seedA, { durationSec: 12, endpoints: FIVE, runFactor: 1, secondSd: 0.1, endpointFactorSd: 0.1 });
      const b = sharedMachineRun(k.seedB, { durationSec: 12, endpoints: FIVE, runFactor: 1, secondSd: 0.1, endpointFactorSd: 0.1 });
      const c = compare([a], [b], { bootstrapIterations: 400 });
      if (c.endpoints.some((e) => e.metrics.some((m) => m.metric === 'tailVsOthersPct' && m.verdict === 'regressed'))) regressed++;
    }
    expect(regressed).toBeLessThanOrEqual(2);
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

describe('compare with one endpoint changed through the same machine noise', () => {
  const changed = { ...FIVE, fetchTicker: { ...FIVE.fetchTicker, p99Ms: 40 } };

  it('calls the changed endpoint regressed against the run\'s other endpoints, and no other endpoint improved', () => {
    // The candidate ran on a 25% faster machine: its own p99 hardly moves, the change shows against the others.
    const a = sharedMachineRun(11, { durationSec: 12, endpoints: FIVE, runFactor: 1.25, secondSd: 0.25 });
    const b = sharedMachineRun(12, { durationSec: 12, endpoints: changed, runFactor: 1, secondSd: 0.25 });
    const c = compare([a], [b]);
    const t = metric(c, 'fetchTicker', 'tailVsOthersPct');
    expect(t.verdict).toBe('regressed');
    expect(t.reason).toMatch(/other http endpoints/);
    for (const e of c.endpoints) for (const m of e.metrics) if (e.name !== 'fetchTicker') expect(m.verdict, `${e.name} ${m.label}`).not.toBe('improved');
    expect(metric(c, 'fetchTicker', 'p50Ms').verdict).not.toBe('regressed');
    // Swapped sides: the same change reads as improved.
    expect(metric(compare([b], [a]), 'fetchTicker', 'tailVsOthersPct').verdict).toBe('improved');
  });

  it('finds it in at least 9 of 10 seeded pairs of 20 s runs', () => {
    let found = 0;
    for (let i = 0; i < 10; i++) {
      const a = sharedMachineRun(100 + 2 * i, { durationSec: 20, endpoints: FIVE, runFactor: 1, secondSd: 0.25 });
      const b = sharedMachineRun(101 + 2 * i, { durationSec: 20, endpoints: changed, runFactor: 1, secondSd: 0.25 });
      if (metric(compare([a], [b], { seed: i, bootstrapIterations: 500 }), 'fetchTicker', 'tailVsOthersPct').verdict === 'regressed') found++;
    }
    expect(found).toBeGreaterThanOrEqual(9);
  }, 60_000);
});

describe('compare, one run per side, a change every endpoint shares', () => {
  const one = (seed: number, p50Ms: number, p99Ms: number) =>
    syntheticResult({ seed, durationSec: 20, endpoints: { fetchTicker: lognormal(p50Ms, p99Ms, 20_000), createOrder: lognormal(p50Ms, p99Ms, 8000), fetchMarkets: lognormal(p50Ms, p99Ms, 4000) } });

  it('is not a regression at +20% (what a busier machine does), but inconclusive and says why', () => {
    const c = compare([one(1, 20, 80)], [one(2, 24, 96)]);
    const p99 = metric(c, 'fetchTicker', 'p99Ms');
    expect(p99.verdict).toBe('inconclusive');
    expect(p99.reason).toMatch(/moved with the run's other endpoints|repeat runs/);
    expect(p99.ci!.lowPct).toBeLessThanOrEqual(20);
    expect(p99.ci!.highPct).toBeGreaterThanOrEqual(20);
    expect(c.counts.regressed).toBe(0);
  });

  it('is a regression beyond the shared floor (3×) when the generators were alike', () => {
    const c = compare([one(1, 20, 80)], [one(2, 60, 240)]);
    expect(metric(c, 'fetchTicker', 'p50Ms').verdict).toBe('regressed');
    expect(metric(c, 'overall', 'p95Ms').verdict).toBe('regressed');
    expect(metric(c, 'fetchTicker', 'p50Ms').reason).toMatch(/every endpoint shares/);
  });

  it('is no regression when the generators were not alike (event-loop lag 5 vs 40 ms)', () => {
    const a = one(1, 20, 80);
    const b = one(2, 60, 240);
    a.generator = { saturated: false, reasons: [], eventLoopLagMs: { p50: 1, p99: 5, max: 9 } };
    b.generator = { saturated: false, reasons: [], eventLoopLagMs: { p50: 1, p99: 40, max: 90 } };
    const c = compare([a], [b]);
    expect(c.counts.regressed).toBe(0);
    expect(metric(c, 'fetchTicker', 'p50Ms').reason).toMatch(/generators' health differs: event-loop lag p99 5\.0 vs 40 ms/);
  });
});

describe('compare: the absolute noise floor (issue #16 item 7)', () => {
  it('calls +0.21 ms on a 2.66 ms p50 (+7.9%) unchanged with repeated runs, where the relative floor alone would not', () => {
    const side = (p50Ms: number, seed: number) =>
      Array.from({ length: 5 }, (_, r) => syntheticResult({ seed: seed + r, durationSec: 10, endpoints: { fetchTicker: lognormal(p50Ms, p50Ms * 3, 20_000) } }));
    const base = side(2.66, 100);
    const cand = side(2.87, 200);
    const p50 = metric(compare(base, cand), 'fetchTicker', 'p50Ms');
    expect(p50.deltaPct!).toBeGreaterThan(5);
    expect(p50.verdict).toBe('unchanged');
    expect(metric(compare(base, cand, { noiseFloorMs: 0 }), 'fetchTicker', 'p50Ms').verdict).toBe('regressed');
  });
});

describe('compare: untrustworthy input (issue #16 item 7)', () => {
  const ok = syntheticResult({ seed: 1, durationSec: 10, endpoints: { fetchTicker: lognormal(20, 80, 5000) } });

  it('lists a candidate with no endpoints, and one with zero duration, as untrustworthy', () => {
    const empty: RunResult = { ...ok, endpoints: {} };
    const zero: RunResult = { ...ok, meta: { ...ok.meta, durationSec: 0 } };
    expect(compare([ok], [empty]).untrustworthy).toEqual([{ side: 'candidate', reason: 'no endpoints: nothing was measured' }]);
    expect(compare([ok], [zero]).untrustworthy[0]!.reason).toMatch(/no measured time/);
    expect(compare([ok], [ok]).untrustworthy).toEqual([]);
  });

  it('bounds the bootstrap iterations', () => {
    expect(() => compare([ok], [ok], { bootstrapIterations: 1e9 })).toThrow(/100000/);
  });
});
