import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSuite } from '../../src/suite/load.js';
import { InputError } from '../../src/errors.js';
import { fairShares, planRateCap, sharesOverTime } from '../../src/rate-cap.js';
import { buildK6Config } from '../../src/engines/k6/config.js';
import { executorFor } from '../../src/engines/k6/executors.js';

const suite = (maxRatePerSec: number | undefined, workloads: Array<Record<string, unknown>>) =>
  parseSuite('s.yaml', { target: { mock: true, ...(maxRatePerSec !== undefined ? { maxRatePerSec } : {}) }, workloads }, {});
const openW = (name: string, ratePerSec: number, extra: Record<string, unknown> = {}) => ({ name, load: { model: 'open', ratePerSec, durationSec: 10, ...extra }, mix: [{ endpoint: 'fetchTicker' }] });
const closedW = (name: string, extra: Record<string, unknown> = {}) => ({ name, load: { model: 'closed', connections: 8, durationSec: 10 }, mix: [{ endpoint: 'fetchTicker' }], ...extra });
const target = { baseUrl: 'http://127.0.0.1:1', wsUrl: 'ws://127.0.0.1:1/ws', timeoutMs: 1000 };

describe('fair shares of the cap', () => {
  it('a workload asking less than an equal share keeps it; the rest is split among the others', () => {
    expect(fairShares(100, [10, Infinity, Infinity])).toEqual([10, 45, 45]);
    expect(fairShares(100, [30, 30])).toEqual([30, 30]);
    expect(fairShares(90, [100, 100, 100])).toEqual([30, 30, 30]);
  });

  it('property: at every moment the shares of the workloads running then add up to at most the cap, and none gets more than it asks', () => {
    const span = fc.record({ startSec: fc.integer({ min: 0, max: 20 }), lenSec: fc.integer({ min: 1, max: 20 }), asked: fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: 500 })) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.array(span, { minLength: 1, maxLength: 6 }), (cap, raw) => {
        const spans = raw.map((s) => ({ startSec: s.startSec, endSec: s.startSec + s.lenSec, askedPerSec: s.asked }));
        const shares = sharesOverTime(cap, spans);
        for (let t = 0; t < 40; t += 0.5) {
          const sum = spans.reduce((a, s, i) => a + (s.startSec <= t && t < s.endSec ? Math.min(shares[i]!, s.askedPerSec) : 0), 0);
          expect(sum).toBeLessThanOrEqual(cap + 1e-9);
        }
        shares.forEach((sh, i) => expect(Math.min(sh, spans[i]!.askedPerSec)).toBeGreaterThan(0));
      }),
      { numRuns: 300, seed: 10 },
    );
  });

  it('workloads that never run at the same time each get the whole cap', () => {
    expect(sharesOverTime(100, [{ startSec: 0, endSec: 10, askedPerSec: Infinity }, { startSec: 10, endSec: 20, askedPerSec: Infinity }])).toEqual([100, 100]);
  });
});

describe('planRateCap', () => {
  it('without maxRatePerSec the suite is unchanged', () => {
    const s = suite(undefined, [openW('a', 400)]);
    const p = planRateCap(s);
    expect(p.suite).toBe(s);
    expect(p.caps).toEqual([]);
  });

  it('clamps an open workload, its stages too, and says from what to what', () => {
    const s = suite(100, [openW('ramp', 50, { durationSec: undefined, stages: [{ durationSec: 5, targetRatePerSec: 80 }, { durationSec: 5, targetRatePerSec: 400 }] })]);
    const p = planRateCap(s);
    const l = p.suite.workloads[0]!.load as { ratePerSec: number; stages: Array<{ targetRatePerSec: number }> };
    expect(l.ratePerSec).toBe(50);
    expect(l.stages.map((st) => st.targetRatePerSec)).toEqual([80, 100]);
    expect(p.notes).toEqual(['target.maxRatePerSec 100: workload ramp asks up to 400 req/s, capped at 100 req/s (stages[1].targetRatePerSec 400 → 100)']);
    expect(s.workloads[0]!.load).not.toBe(l); // the input suite is not mutated
    expect((s.workloads[0]!.load as { stages: Array<{ targetRatePerSec: number }> }).stages[1]!.targetRatePerSec).toBe(400);
  });

  it('splits the cap between concurrent workloads: the small one keeps its rate, open and closed share the rest', () => {
    const p = planRateCap(suite(100, [openW('small', 10), openW('big', 400), closedW('closed'), { name: 'ws', load: { model: 'stream', connections: 5, durationSec: 10 }, streams: [{ channel: 'ticker' }] }]));
    expect(p.caps.map((c) => [c.workload, c.sharePerSec, c.capped])).toEqual([['small', 10, false], ['big', 45, true], ['closed', 45, true]]);
    expect((p.suite.workloads[0]!.load as { ratePerSec: number }).ratePerSec).toBe(10);
    expect((p.suite.workloads[1]!.load as { ratePerSec: number }).ratePerSec).toBe(45);
    expect(p.caps[2]!.rateCapPerSec).toBe(45);
    expect(p.notes[1]).toMatch(/workload closed is closed .*capped at 45 req\/s \(8 connections limited to 45 req\/s\)/);
  });

  it('a workload that starts after another ends gets the whole cap', () => {
    const p = planRateCap(suite(100, [openW('first', 400), openW('second', 400, { durationSec: 5 })].map((w, i) => ({ ...w, startAfterSec: i * 10 }))));
    expect(p.caps.map((c) => c.sharePerSec)).toEqual([100, 100]);
  });

  it('k6: the generated arrival-rate executor stays under the cap (spike scaled so the peak fits, order-lifecycle at 2 requests an iteration)', () => {
    const s = suite(100, [openW('spike-1', 60, { maxConnections: 50 }), openW('rest', 300)].map((w) => ({ ...w, engine: 'k6' })));
    const p = planRateCap(s);
    // spike-1 asks 300 (60 × 5), rest asks 300: 50 each; spike base 10 (peak 50)
    expect((p.suite.workloads[0]!.load as { ratePerSec: number }).ratePerSec).toBe(10);
    const rest = buildK6Config(p.suite, p.suite.workloads[1]!, target).config;
    expect(rest.load).toMatchObject({ model: 'open', ratePerSec: 50 });
    const life = planRateCap(suite(100, [{ ...openW('order-lifecycle', 300), engine: 'k6' }]));
    expect((life.suite.workloads[0]!.load as { ratePerSec: number }).ratePerSec).toBe(50);
    // fractional shares are whole rates per minute for k6
    const third = planRateCap(suite(100, [1, 2, 3].map((n) => ({ ...openW(`w${n}`, 300), engine: 'k6' }))));
    const ex = executorFor(buildK6Config(third.suite, third.suite.workloads[0]!, target).config.load);
    expect(ex).toMatchObject({ executor: 'constant-arrival-rate', rate: 2000, timeUnit: '1m' }); // 33.33/s, 3 × 2000/min = 100/s
  });

  it('refuses a closed workload on an engine that cannot be held to a rate (sdk), exit 2', () => {
    expect(() => planRateCap(suite(100, [{ name: 'ccxt', load: { model: 'closed', connections: 2, durationSec: 5 }, driver: { sdk: 'ccxt', exchange: 'binance', methods: [{ method: 'fetchTicker' }] } }]))).toThrow(/closed workload on the sdk engine/);
    // an open sdk workload is clamped like any open one
    const p = planRateCap(suite(100, [{ name: 'ccxt', load: { model: 'open', ratePerSec: 300, durationSec: 5 }, driver: { sdk: 'ccxt', exchange: 'binance', methods: [{ method: 'fetchTicker' }] } }]));
    expect((p.suite.workloads[0]!.load as { ratePerSec: number }).ratePerSec).toBe(100);
  });

  it('refuses a share a closed workload cannot be held to (under 1 req/s), exit 2', () => {
    try {
      planRateCap(suite(1, [closedW('a'), closedW('b')]));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).code).toBe('LG_RATE_CAP_TOO_LOW');
      expect((e as Error).message).toMatch(/workloads\[0\] \(a\) gets 0\.5 req\/s/);
    }
  });
});
