import { describe, expect, it } from 'vitest';
import { parseSuite } from '../../src/suite/load.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialectLimitsTable, dryRunPlan, renderDryRun } from '../../src/plan-print.js';
import { binanceSpot } from '../../src/dialect/binance-spot/index.js';

const binance = parseSuite(
  's.yaml',
  {
    name: 'bn',
    target: { url: 'https://api.binance.invalid', dialect: 'binance-spot', maxRatePerSec: 20 },
    workloads: [
      { name: 'readers', load: { model: 'closed', connections: 4, durationSec: 30 }, mix: [{ endpoint: 'fetchTicker', weight: 3 }, { endpoint: 'fetchOrderBook' }], symbols: ['BTC/USDT'] },
      {
        name: 'orders',
        startAfterSec: 10,
        load: { model: 'open', ratePerSec: 2, durationSec: 10, stages: [{ durationSec: 5, targetRatePerSec: 30 }] },
        mix: [{ endpoint: 'createOrder' }, { endpoint: 'cancelOrder' }],
        symbols: ['BTC/USDT'],
        order: { notionalMin: 10, notionalMax: 12 },
      },
    ],
  },
  {},
);

describe('dry-run plan', () => {
  const p = dryRunPlan(binance);
  const [readers, orders] = p.workloads;

  it("names each operation's method and path from the target's dialect", () => {
    expect(readers!.operations.map((o) => [o.op, o.method, o.path, o.share])).toEqual([
      ['fetchTicker', binanceSpot.rest.fetchTicker.method, binanceSpot.rest.fetchTicker.path, 0.75],
      ['fetchOrderBook', 'GET', '/api/v3/depth', 0.25],
    ]);
    expect(orders!.operations.map((o) => `${o.method} ${o.path}`)).toEqual(['POST /api/v3/order', 'DELETE /api/v3/order']);
  });

  it('counts the requests of an open workload over its stages, with the cap applied (2→10/s over 5 s, then 10/s for 5 s)', () => {
    expect(orders!.requests).toBeCloseTo(80, 6);
    expect(orders!.load).toMatch(/stages\[0\]\.targetRatePerSec 30 → 10/);
    expect(orders!.orders).toMatchObject({ setupPool: 200, notionalMin: 10, notionalMax: 12, quote: 'USDT' });
    expect(orders!.orders!.expected).toBeCloseTo(40, 6);
    expect(orders!.orders!.price).toMatch(/unknown until then/);
    // The warm-up follows the capped peak (10/s): 2 connections × 2 rounds, half a second of the capped rate at most.
    expect(orders!.warmUp).toEqual({ requests: 4, connections: 2 });
  });

  it('a closed workload is not bounded by a rate: no request count, unless the cap bounds it', () => {
    expect(readers!.requests).toBeUndefined();
    expect(readers!.requestsAtMost).toBe(10 * 30);
    const uncapped = dryRunPlan(parseSuite('s.yaml', { target: { mock: true }, workloads: [{ name: 'c', load: { model: 'closed', connections: 3, durationSec: 5 }, mix: [{ endpoint: 'fetchTicker' }] }] }, {}));
    expect(uncapped.workloads[0]!.requestsAtMost).toBeUndefined();
    expect(renderDryRun(uncapped)).toMatch(/3 connections × 5 s, unbounded by rate/);
  });

  it('says live orders would be refused, or sent with both opt-ins', () => {
    expect(p.live.refusal).toBeDefined();
    expect(renderDryRun(p)).toMatch(/Live orders: a real run would be REFUSED \(exit 2\).*api\.binance\.invalid/);
    const allowed = parseSuite('s.yaml', { ...binance, target: { ...binance.target, allowLiveOrders: true } }, {});
    expect(renderDryRun(dryRunPlan(allowed, { live: true }))).toMatch(/Live orders: WOULD BE SENT to api\.binance\.invalid/);
  });

  it('renders the published limits of the dialect, every operation line and the order notional', () => {
    const text = renderDryRun(p);
    expect(text).toContain(binanceSpot.limits.doc);
    expect(text).toMatch(/createOrder +POST \/api\/v3\/order +~40 +signed/);
    expect(text).toMatch(/each 10–12 USDT notional .*total ~440 USDT \(400–480\)/);
    expect(text).toMatch(/plus up to 200 created at set-up/);
  });

  it('k6 order-lifecycle: a create and a cancel per iteration, whatever the mix', () => {
    const s = parseSuite('s.yaml', { target: { mock: true }, workloads: [{ name: 'order-lifecycle', engine: 'k6', load: { model: 'open', ratePerSec: 10, durationSec: 50 }, mix: [{ endpoint: 'fetchTicker' }] }] }, {});
    const w = dryRunPlan(s).workloads[0]!;
    expect(w.requests).toBe(1000);
    expect(w.operations.map((o) => [o.op, o.requests])).toEqual([['createOrder', 500], ['cancelOrder', 500]]);
    expect(w.orders!.expected).toBe(500);
  });
});

describe('dry-run plan of an SDK workload', () => {
  it("lists the driver's methods with the mix, and counts its order methods as orders", () => {
    const s = parseSuite(
      's.yaml',
      { target: { url: 'https://api.exchange.invalid' }, workloads: [{ name: 'ccxt', load: { model: 'open', ratePerSec: 10, durationSec: 10 }, mix: [{ endpoint: 'createOrder' }], driver: { sdk: 'ccxt', exchange: 'binance', methods: [{ method: 'fetchBalance' }] } }] },
      {},
    );
    const p = dryRunPlan(s);
    expect(p.workloads[0]!.operations.map((o) => [o.op, o.method, o.requests])).toEqual([['createOrder', 'POST', 50], ['fetchBalance', undefined, 50]]);
    const text = renderDryRun(p);
    expect(text).toMatch(/engine sdk \(driver ccxt binance/);
    expect(text).toMatch(/fetchBalance +\(SDK method\)/);
    expect(p.live.refusal?.message).toMatch(/"ccxt"/);
  });
});

describe('README', () => {
  it("shows every dialect's published limits with their source, as the dialects say them", () => {
    expect(readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8')).toContain(dialectLimitsTable());
  });
});

describe('dry-run plan with custom endpoints', () => {
  it('lists a custom endpoint of the mix with its method, path and signing, in mix share', () => {
    const suite = parseSuite('s.yaml', {
      target: { url: 'https://api.binance.invalid', dialect: 'binance-spot', endpoints: { fetchOpenOrders: { method: 'GET', path: '/api/v3/openOrders', params: { symbol: '{symbol}' }, signed: true } } },
      workloads: [{ name: 'account', load: { model: 'closed', connections: 1, durationSec: 5 }, mix: [{ endpoint: 'fetchTicker', weight: 3 }, { endpoint: 'fetchOpenOrders' }], symbols: ['BTC/USDT'] }],
    });
    const ops = dryRunPlan(suite).workloads[0]!.operations;
    expect(ops.map((o) => [o.op, o.method, o.path, o.signed, o.share])).toEqual([
      ['fetchTicker', 'GET', '/api/v3/ticker/24hr', false, 0.75],
      ['fetchOpenOrders', 'GET', '/api/v3/openOrders', true, 0.25],
    ]);
  });
});
