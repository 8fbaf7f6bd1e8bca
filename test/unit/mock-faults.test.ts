import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FaultInjector, faultsSchema, latencySampler, lognormalParams, stallReleaseAtMs, type MockFaults } from '../../mocks/faults.js';
import { createRng } from '../../mocks/rng.js';
import { PER_RUN, resolveFaultSeed } from '../../src/suite/mock-options.js';

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const injector = (faults: MockFaults, startMs = 0, seed = 1): FaultInjector => new FaultInjector(faultsSchema.parse(faults), createRng(seed), startMs);

describe('latency samplers', () => {
  it('derives mu and sigma of the lognormal from p50 and p99', () => {
    const { mu, sigma } = lognormalParams(20, 200);
    expect(mu).toBeCloseTo(Math.log(20), 12);
    expect(sigma).toBeCloseTo(Math.log(10) / 2.3263478740408408, 12);
  });

  it.each([
    [5, 50],
    [20, 250],
    [1, 1.5],
  ])('samples a lognormal whose empirical p50 and p99 are within 5%% of %d ms and %d ms over 200k draws', (p50Ms, p99Ms) => {
    const sample = latencySampler({ type: 'lognormal', p50Ms, p99Ms });
    const rng = createRng(11);
    const xs = new Float64Array(200_000);
    for (let i = 0; i < xs.length; i++) xs[i] = sample(rng);
    xs.sort();
    expect(Math.abs(quantile(xs, 0.5) / p50Ms - 1)).toBeLessThan(0.05);
    expect(Math.abs(quantile(xs, 0.99) / p99Ms - 1)).toBeLessThan(0.05);
  });

  it('samples fixed and uniform latencies inside their bounds', () => {
    const rng = createRng(2);
    expect(latencySampler({ type: 'fixed', ms: 7 })(rng)).toBe(7);
    const uniform = latencySampler({ type: 'uniform', minMs: 10, maxMs: 30 });
    const xs = Array.from({ length: 10_000 }, () => uniform(rng));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...xs)).toBeLessThan(30);
  });

  it('rejects latency specs that cannot be sampled', () => {
    expect(faultsSchema.safeParse({ default: { latency: { type: 'uniform', minMs: 5, maxMs: 1 } } }).success).toBe(false);
    expect(faultsSchema.safeParse({ default: { latency: { type: 'lognormal', p50Ms: 50, p99Ms: 10 } } }).success).toBe(false);
    expect(faultsSchema.safeParse({ default: { latency: { type: 'fixed', ms: 5, jitter: 1 } } }).success).toBe(false);
    expect(faultsSchema.safeParse({ default: { stall: { holdMs: 2_000, everySec: 1 } } }).success).toBe(false);
  });
});

describe('stall window math', () => {
  const stall = { holdMs: 300, everySec: 10 };
  const start = 1_000_000;

  it.each([
    [0, 300], // the first stall starts at server start
    [299, 300],
    [300, 300], // the window is half-open: its end is not inside it
    [5_000, 5_000],
    [10_000, 10_300],
    [10_150, 10_300],
    [20_299.5, 20_300],
    [-50, -50], // before the server started: never held
  ])('releases a response completing %d ms after start at %d ms', (completeSinceStart, releaseSinceStart) => {
    expect(stallReleaseAtMs(start + completeSinceStart, start, stall) - start).toBe(releaseSinceStart);
  });

  it('never releases early and never releases inside a stall', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 6, max: 600 }),
        (sinceStartMs, holdMs, everySec) => {
          const s = { holdMs, everySec };
          const release = stallReleaseAtMs(start + sinceStartMs, start, s) - start;
          expect(release).toBeGreaterThanOrEqual(sinceStartMs);
          expect(release % (everySec * 1000)).not.toBeLessThan(holdMs);
          expect(release - sinceStartMs).toBeLessThanOrEqual(holdMs);
        },
      ),
    );
  });

  it('counts stall windows from the injected server start, for the configured endpoints only', () => {
    const f = injector({ fetchTicker: { stall } }, start);
    expect(f.releaseAtMs('fetchTicker', start + 10_100)).toBe(start + 10_300);
    expect(f.releaseAtMs('fetchTicker', start + 10_400)).toBe(start + 10_400);
    expect(f.releaseAtMs('health', start + 10_100)).toBe(start + 10_100);
  });
});

describe('fault injector', () => {
  it('plans ok with no delay when nothing is configured', () => {
    const f = injector({});
    for (let i = 0; i < 100; i++) expect(f.plan('createOrder')).toEqual({ outcome: 'ok', delayMs: 0 });
  });

  it('merges an endpoint spec over the default field by field', () => {
    const f = injector({ default: { latency: { type: 'fixed', ms: 40 }, errorRatePct: 100 }, createOrder: { errorRatePct: 0 } });
    expect(f.plan('createOrder')).toEqual({ outcome: 'ok', delayMs: 40 });
    expect(f.plan('health')).toMatchObject({ delayMs: 40, outcome: expect.stringMatching(/^(internalError|serviceUnavailable)$/) });
    expect(f.plan('notFound').delayMs).toBe(40);
  });

  it('injects errors and resets at the configured rates, reproducibly for a seed', () => {
    const run = (seed: number): string[] => {
      const f = injector({ default: { errorRatePct: 10, resetRatePct: 5 } }, 0, seed);
      return Array.from({ length: 20_000 }, () => f.plan('fetchOrderBook').outcome);
    };
    const outcomes = run(9);
    expect(run(9)).toEqual(outcomes);
    const share = (o: string): number => outcomes.filter((x) => x === o).length / outcomes.length;
    expect(share('reset')).toBeCloseTo(0.05, 2);
    expect(share('internalError') + share('serviceUnavailable')).toBeCloseTo(0.95 * 0.1, 2);
  });

  it('switches faults at run time with setFaults', () => {
    const f = injector({ health: { resetRatePct: 100 } });
    expect(f.plan('health').outcome).toBe('reset');
    f.setFaults(faultsSchema.parse({}));
    expect(f.plan('health').outcome).toBe('ok');
  });
});

describe('mock faultSeed', () => {
  /** The statuses of 60 sequential tickers from a mock that fails half its answers, and its market list. */
  async function draws(opts: { seed: number; faultSeed?: number | typeof PER_RUN }): Promise<{ statuses: number[]; markets: string }> {
    const { startMockExchange } = await import('../../mocks/index.js');
    const mock = await startMockExchange({ ...opts, faults: { fetchTicker: { errorRatePct: 50 } } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 60; i++) statuses.push((await fetch(`${mock.url}/api/v1/ticker?symbol=BTC-USDT`)).status);
      return { statuses, markets: await (await fetch(`${mock.url}/api/v1/markets`)).text() };
    } finally {
      await mock.close();
    }
  }

  it('draws the faults from faultSeed and leaves the markets to seed', async () => {
    const a = await draws({ seed: 7 });
    const same = await draws({ seed: 7, faultSeed: 7 });
    const other = await draws({ seed: 7, faultSeed: 8 });
    // Both answers occur: the draws are not all one way.
    expect(a.statuses).toContain(200);
    expect(a.statuses.some((s) => s >= 500)).toBe(true);
    expect(same.statuses).toEqual(a.statuses);
    expect(other.statuses).not.toEqual(a.statuses);
    expect(other.markets).toBe(a.markets);
  });

  it('per-run: each start draws its own faults over the same markets', async () => {
    const a = await draws({ seed: 7, faultSeed: PER_RUN });
    const b = await draws({ seed: 7, faultSeed: PER_RUN });
    // 60 answers that each fail half the time: two starts agree on all of them with probability 2⁻⁶⁰.
    expect(b.statuses).not.toEqual(a.statuses);
    expect(b.markets).toBe(a.markets);
  });

  it('resolveFaultSeed: a number or none as given, per-run a fresh 31-bit integer', () => {
    expect(resolveFaultSeed(5)).toBe(5);
    expect(resolveFaultSeed(undefined)).toBeUndefined();
    const drawn = Array.from({ length: 20 }, () => resolveFaultSeed(PER_RUN)!);
    for (const s of drawn) expect(Number.isInteger(s) && s >= 0 && s < 2 ** 31, String(s)).toBe(true);
    expect(new Set(drawn).size).toBeGreaterThan(1);
  });
});
