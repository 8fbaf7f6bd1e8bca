/**
 * The sdk engine (issue 11) with the example driver module (scenarios/drivers/example-sdk.ts) against the built-in
 * mock in its own process: both load models, counts per method, errors classified from the SDK's exceptions,
 * injected faults visible, market loading outside the measured window, the mock's server time beside the SDK's.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSuite } from '../../src/suite/load.js';
import { runSuite } from '../../src/run.js';
import { decodeHistogram, summarizeHistogram } from '../../src/result/histogram.js';
import type { RunResult } from '../../src/result/model.js';

const SUITE_FILE = resolve(import.meta.dirname, '../../scenarios/sdk-test.suite.yaml');
const DRIVER = './drivers/example-sdk.ts';

function suite(workload: Record<string, unknown>, mock: Record<string, unknown> = {}) {
  // The file name only anchors the driver path (scenarios/drivers/…); nothing is read from it.
  return parseSuite(SUITE_FILE, { target: { mock: { seed: 7, ...mock } }, workloads: [{ name: 'sdk', driver: { module: DRIVER }, symbols: ['BTC-USDT', 'ETH-USDT'], ...workload }] }, { LOADGATE_ACCEPT_UNTRUSTWORTHY: '1' });
}

const p = (encoded: string | undefined) => summarizeHistogram(decodeHistogram(encoded!))!;
const mix = [
  { endpoint: 'fetchTicker', weight: 3 },
  { endpoint: 'fetchOrderBook', weight: 2, depth: 10 },
  { endpoint: 'fetchMarkets', weight: 1 },
  { endpoint: 'createOrder', weight: 1 },
  { endpoint: 'cancelOrder', weight: 1 },
];

describe('sdk engine, open model, example driver', () => {
  let result: RunResult;
  it(
    'times every call of the schedule per method, corrected and as sent, with the mock\'s server time beside it',
    async () => {
      result = await runSuite({ suite: suite({ load: { model: 'open', ratePerSec: 80, durationSec: 4, maxConnections: 32 }, mix }) });
      expect(result.meta.incomplete).toBeUndefined();
      expect(result.meta.engines.map((e) => e.name)).toEqual(['sdk']);
      // 320 arrivals split 3:2:1:1:1 exactly (weighted round-robin).
      const want: Record<string, number> = { fetchTicker: 120, fetchOrderBook: 80, fetchMarkets: 40, createOrder: 40, cancelOrder: 40 };
      for (const [method, n] of Object.entries(want)) {
        const ep = result.endpoints[method]!;
        expect(ep.arrivals, method).toMatchObject({ scheduled: n, sent: n, dropped: 0 });
        expect(ep.requests, method).toBe(n);
        expect(ep.errors, method).toEqual({});
        expect(p(ep.latency).count).toBe(n);
        expect(p(ep.latencyUncorrected).count).toBe(n);
        // Timed from the intended start: never less than from the actual call.
        expect(p(ep.latencyUncorrected).p50Ms).toBeLessThanOrEqual(p(ep.latency).p50Ms * 1.001);
        expect(ep.series.reduce((a, s) => a + s.requests, 0)).toBe(n);
      }
      // The mock saw exactly the measured fetchMarkets calls: loadMarkets ran in set-up, before the clock (and the reset).
      const server = result.meta.target.serverTimeMs!;
      expect(server.fetchMarkets?.count).toBe(40);
      expect(server.fetchTicker?.count).toBe(120);
      expect(result.meta.notes.some((n) => /markets loaded in set-up \(loadMarkets: 4 markets, \d+ ms\), not in the measured window/.test(n))).toBe(true);
      expect(result.meta.notes.some((n) => /µs of generator CPU per call/.test(n))).toBe(true);
      expect(result.generator?.scheduleSlipMs).toBeDefined();
      expect(result.generator?.eventLoopLagMs).toBeDefined();
    },
    60_000,
  );
});

describe('sdk engine, closed model, example driver', () => {
  it(
    'keeps N callers busy for the duration, every call in its method\'s histogram',
    async () => {
      const r = await runSuite({ suite: suite({ load: { model: 'closed', connections: 4, durationSec: 2 }, mix: mix.slice(0, 3) }) });
      expect(r.meta.incomplete).toBeUndefined();
      const counts = ['fetchTicker', 'fetchOrderBook', 'fetchMarkets'].map((m) => r.endpoints[m]!.requests);
      const total = counts.reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThan(12);
      // The round-robin splits 3:2:1 up to the calls still open when the time ran out (at most one per caller).
      expect(Math.abs(counts[0]! - (total * 3) / 6)).toBeLessThanOrEqual(4);
      expect(Math.abs(counts[2]! - total / 6)).toBeLessThanOrEqual(4);
      for (const m of ['fetchTicker', 'fetchOrderBook', 'fetchMarkets']) {
        expect(r.endpoints[m]!.latencyUncorrected).toBeUndefined();
        expect(p(r.endpoints[m]!.latency).count).toBe(r.endpoints[m]!.requests);
      }
    },
    60_000,
  );
});

describe('sdk engine: errors from the SDK', () => {
  it(
    'classifies the SDK\'s refusals (a small balance: trading/insufficientMargin) and shows injected faults (latency, 5xx)',
    async () => {
      const r = await runSuite({
        suite: suite(
          { load: { model: 'open', ratePerSec: 60, durationSec: 3, maxConnections: 16 }, mix: [{ endpoint: 'createOrder' }, { endpoint: 'fetchOrderBook' }] },
          // Each order reserves 20–100 USDT: a 300 USDT balance takes a few, then every create is refused.
          { balance: 300, faults: { fetchOrderBook: { latency: { type: 'fixed', ms: 25 }, errorRatePct: 30 } } },
        ),
      });
      const create = r.endpoints.createOrder!;
      expect(create.requests).toBe(90);
      expect(create.errors.trading).toBeGreaterThan(80);
      expect(create.errorCodes.insufficientMargin).toBe(create.errors.trading);
      const book = r.endpoints.fetchOrderBook!;
      expect(book.requests).toBe(90);
      expect(book.errors.server).toBeGreaterThan(5);
      expect(book.errors.server).toBeLessThan(60);
      // Every answer waited the injected 25 ms at the mock at least.
      expect(p(book.latency).minMs).toBeGreaterThanOrEqual(25);
      expect(r.endpoints.fetchOrderBook!.samples.failed[0]).toMatchObject({ errorClass: 'server' });
    },
    60_000,
  );

  it(
    'counts a target that refuses connections as network errors, not as a crash',
    async () => {
      const { startMockProcess } = await import('../../src/mock-process.js');
      const s = suite({ load: { model: 'open', ratePerSec: 40, durationSec: 2, maxConnections: 8 }, mix: [{ endpoint: 'fetchTicker' }] });
      // Start the run against the mock, then kill it mid-run: the SDK's fetch fails, the engine classifies it.
      const mock = await startMockProcess({});
      const { sdkEngine } = await import('../../src/engines/sdk.js');
      const { performance } = await import('node:perf_hooks');
      const ctx = {
        suite: s,
        workload: s.workloads[0]!,
        target: { baseUrl: mock.url, wsUrl: mock.wsUrl, credentials: { apiKey: 'lg-test-key', apiSecret: 'lg-test-secret' }, dialect: 'loadgate' as const, timeoutMs: 2000, mock: true },
        now: () => performance.now(),
        signal: new AbortController().signal,
        seed: 1,
      };
      const prepared = await sdkEngine.prepare!(ctx);
      const killer = setTimeout(() => void mock.close(), 800);
      const out = await sdkEngine.run({ ...ctx, originMs: performance.now(), progress: () => undefined }, prepared);
      clearTimeout(killer);
      await mock.close();
      const ep = out.endpoints.fetchTicker!;
      expect(ep.requests).toBe(80);
      expect(ep.errors.network).toBeGreaterThan(0);
      expect((ep.errors.network ?? 0) + (ep.errors.timeout ?? 0)).toBeLessThan(80);
    },
    60_000,
  );
});
