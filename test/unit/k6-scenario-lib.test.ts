/** The pure helpers the k6 scenarios run (scenarios/lib and what they import from src/): executors, payloads in the dialect, signing. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EXPECTED_P99_MS, executorFor, plannedSec, rateAndUnit, soakScenario, spikeScenario, vusFor } from '../../src/engines/k6/executors.js';
import { buildK6Config, expectedP99Ms } from '../../src/engines/k6/config.js';
import { compileSla } from '../../src/sla/checks.js';
import { loadSuite } from '../../src/suite/load.js';
import { marketFilters, orderInput, planOperation, snap, unifiedSymbol, weightedPicker } from '../../scenarios/lib/payloads.js';
import { mulberry32 } from '../../src/random.js';
import { buildRequest } from '../../src/dialect/request.js';
import { getDialect } from '../../src/dialect/registry.js';
import { loadgate } from '../../src/dialect/loadgate/index.js';
import { parseConfig } from '../../src/engines/k6/script-config.js';
import { signHeaders } from '../../src/engines/exchange-requests.js';

describe('executors', () => {
  it('uses constant-arrival-rate for an open workload, constant-vus for closed and stream', () => {
    expect(executorFor({ model: 'open', ratePerSec: 200, durationSec: 30, maxConnections: 64 })).toMatchObject({ executor: 'constant-arrival-rate', rate: 200, timeUnit: '1s', duration: '30s', maxVUs: 64 });
    expect(executorFor({ model: 'closed', connections: 8, durationSec: 5 })).toEqual({ executor: 'constant-vus', vus: 8, duration: '5s' });
    expect(executorFor({ model: 'stream', connections: 3, connectRatePerSec: 10, durationSec: 5 })).toMatchObject({ executor: 'constant-vus', vus: 3 });
  });

  it('ramps with ramping-arrival-rate when the open workload has stages', () => {
    const s = executorFor({ model: 'open', ratePerSec: 10, stages: [{ durationSec: 5, targetRatePerSec: 100 }, { durationSec: 10, targetRatePerSec: 100 }], maxConnections: 32 });
    expect(s).toMatchObject({ executor: 'ramping-arrival-rate', startRate: 10, stages: [{ target: 100, duration: '5s' }, { target: 100, duration: '10s' }] });
    expect(plannedSec(s)).toBe(15);
  });

  it('pre-allocates rate × expected p99 VUs plus headroom (k6 guidance), capped at maxConnections', () => {
    // 200/s × 0.25 s = 50 in flight → × 1.5 + 2 = 77
    expect(vusFor(200, 500, 250)).toEqual({ preAllocatedVUs: 77, maxVUs: 500 });
    expect(vusFor(200, 64, 250)).toEqual({ preAllocatedVUs: 64, maxVUs: 64 });
    expect(vusFor(1, 64, 10).preAllocatedVUs).toBe(3);
    expect(vusFor(400, 1000).preAllocatedVUs).toBe(Math.ceil(400 * (DEFAULT_EXPECTED_P99_MS / 1000) * 1.5) + 2);
    expect(executorFor({ model: 'open', ratePerSec: 200, durationSec: 30, maxConnections: 500, expectedP99Ms: 250 })).toMatchObject({ preAllocatedVUs: 77, maxVUs: 500 });
    expect(spikeScenario(20, 50, 1000, 5, 200).preAllocatedVUs).toBe(Math.ceil(100 * 0.2 * 1.5) + 2);
    expect(soakScenario(20, 3600, 1000, 200).preAllocatedVUs).toBe(Math.ceil(20 * 0.2 * 1.5) + 2);
  });

  it('takes the expected p99 from the SLA: the loosest p99 target, else 2 × p95, never above the timeout', () => {
    const plan = (sla: object) => compileSla(sla as never, {});
    expect(expectedP99Ms(plan({ endpoints: { fetchTicker: { p99Ms: 400 }, fetchMarkets: { p99Ms: 250 } } }), new Set(['fetchTicker', 'fetchMarkets']), 10_000)).toBe(400);
    expect(expectedP99Ms(plan({ endpoints: { fetchTicker: { p99Ms: 400 } } }), new Set(['fetchMarkets']), 10_000)).toBe(DEFAULT_EXPECTED_P99_MS);
    expect(expectedP99Ms(plan({ overall: { p95Ms: 300 } }), new Set(), 10_000)).toBe(600);
    expect(expectedP99Ms(plan({ overall: { p99Ms: 30_000 } }), new Set(), 5000)).toBe(5000);
  });

  it('gives the default suite on k6 every VU it may use up front (400/s against a 2 s p95 preset: 64 of 64)', async () => {
    const suite = await loadSuite(new URL('../../scenarios/default.suite.yaml', import.meta.url).pathname);
    const w = suite.workloads.find((x) => x.load.model === 'open')!;
    const { config } = buildK6Config(suite, w, { baseUrl: 'http://127.0.0.1:9', wsUrl: 'ws://127.0.0.1:9/ws', timeoutMs: suite.target.timeoutMs });
    expect(executorFor(config.load)).toMatchObject({ executor: 'constant-arrival-rate', preAllocatedVUs: 64, maxVUs: 64 });
  });

  it('expresses fractional rates per minute, since k6 rates are integers', () => {
    expect(rateAndUnit(0.5)).toEqual({ rate: 30, timeUnit: '1m' });
    expect(rateAndUnit(7)).toEqual({ rate: 7, timeUnit: '1s' });
  });

  it('shapes a spike to rate × factor and back, and a soak as a short ramp then a long hold', () => {
    const sp = spikeScenario(20, 50, 100, 5);
    expect(Math.max(...sp.stages.map((s) => s.target))).toBe(100);
    expect(sp.stages[sp.stages.length - 1]!.target).toBe(20);
    const so = soakScenario(20, 3600, 100);
    expect(so.stages[0]).toEqual({ target: 20, duration: '180s' });
    expect(plannedSec(so)).toBe(3600);
  });
});

describe('payloads', () => {
  it('keeps the exact mix ratio with a smooth weighted round-robin', () => {
    const c2: Record<string, number> = {};
    const pick2 = weightedPicker([
      { endpoint: 'fetchTicker', weight: 5 },
      { endpoint: 'createOrder', weight: 2 },
      { endpoint: 'cancelOrder', weight: 1 },
    ]);
    for (let i = 0; i < 800; i++) {
      const e = pick2().endpoint;
      c2[e] = (c2[e] ?? 0) + 1;
    }
    expect(c2).toEqual({ fetchTicker: 500, createOrder: 200, cancelOrder: 100 });
  });

  it('plans each operation of the mix in the dialect: the requests buildRequest makes are the paths the target serves', () => {
    const ctx = { order: { side: 'buy' as const, type: 'limit' as const, notionalMin: 50, notionalMax: 50, priceOffsetPct: 2 }, refPrice: 100, filter: { tickSize: 0.01, stepSize: 0.001, minQty: 0.001 }, rnd: mulberry32(1), clientOrderId: 'c1', orderId: 'o-9' };
    const book = planOperation({ endpoint: 'fetchOrderBook', weight: 1, depth: 50 }, 'BTC/USDT', ctx);
    expect(buildRequest(loadgate, book.op, book.input)).toMatchObject({ method: 'GET', path: '/api/v1/orderbook?symbol=BTC-USDT&depth=50' });
    expect(buildRequest(getDialect('binance-spot'), book.op, book.input)).toMatchObject({ method: 'GET', path: '/api/v3/depth?symbol=BTCUSDT&limit=50' });
    const cancel = planOperation({ endpoint: 'cancelOrder', weight: 1 }, 'BTC/USDT', ctx);
    expect(cancel).toMatchObject({ name: 'cancelOrder', input: { symbol: 'BTC/USDT', orderId: 'o-9' } });
    expect(buildRequest(loadgate, cancel.op, cancel.input)).toMatchObject({ method: 'DELETE', path: '/api/v1/orders/o-9' });
    const create = planOperation({ endpoint: 'createOrder', weight: 1 }, 'BTC/USDT', ctx);
    const w = buildRequest(loadgate, create.op, create.input);
    expect(w).toMatchObject({ method: 'POST', path: '/api/v1/orders' });
    expect(JSON.parse(w.body!)).toEqual({ symbol: 'BTC-USDT', side: 'buy', type: 'limit', qty: 0.51, price: 98, clientOrderId: 'c1' });
  });

  it('snaps order sizes to the step size and never below minQty', () => {
    expect(snap(0.123456, 0.001)).toBe(0.123);
    const o = orderInput({ side: 'sell', type: 'market', notionalMin: 1, notionalMax: 1, priceOffsetPct: 0 }, 'X/Y', 1e6, { tickSize: 1, stepSize: 0.01, minQty: 0.01 }, mulberry32(2), 'c');
    expect(o.qty).toBe(0.01);
    expect(o.price).toBeUndefined();
    expect(() => orderInput({ side: 'sell', type: 'limit', notionalMin: 1, notionalMax: 1, priceOffsetPct: 0 }, 'X/Y', undefined, undefined, mulberry32(2), 'c')).toThrow(/no reference price/);
  });

  it('reads market filters and symbols the way each dialect writes them', () => {
    expect(marketFilters(loadgate, ['BTC-USDT', 'ETH-USDT'], '[{"symbol":"BTC-USDT","tickSize":0.1,"stepSize":0.0001}]')).toEqual({ 'BTC-USDT': { tickSize: 0.1, stepSize: 0.0001, minQty: 0.0001 } });
    expect(unifiedSymbol(loadgate, 'BTC-USDT')).toBe('BTC/USDT');
    expect(unifiedSymbol(getDialect('binance-spot'), 'BTCUSDT')).toBe('BTC/USDT');
    expect(unifiedSymbol(getDialect('okx-v5'), 'eth/usdt')).toBe('ETH/USDT');
    expect(unifiedSymbol(loadgate, 'BTCUSDT')).toBeUndefined();
  });

  it('signs what the Node engines sign: the dialect scheme with k6/crypto-shaped hmac gives the Node engines\' headers', () => {
    const creds = { apiKey: 'k', apiSecret: 's3cret' };
    const node = signHeaders(creds, 'POST', '/api/v1/orders', '{"a":1}', 1700000000000);
    const k6Shaped = (algo: 'sha256', secret: string, payload: string, enc: 'hex' | 'base64') => createHmac(algo, secret).update(payload).digest(enc);
    const w = loadgate.signing.sign({ method: 'POST', path: '/api/v1/orders', query: '', body: '{"a":1}', contentType: 'application/json' }, { credentials: creds, timestampMs: 1700000000000, hmac: k6Shaped });
    for (const [k, v] of Object.entries(node)) expect(w.headers[k], k).toBe(v);
  });
});

describe('the generated config', () => {
  it('is checked when a scenario reads it, naming the bad field', () => {
    expect(() => parseConfig('{"version":1,"baseUrl":"ftp://x","workload":"w","load":{},"mix":[],"symbols":["A-B"]}')).toThrow(/baseUrl/);
  });

  it('carries the target dialect: a config without one is loadgate, an unknown one is refused', () => {
    const base = { version: 1, baseUrl: 'http://127.0.0.1:1', workload: 'w', load: {}, mix: [], symbols: ['A-B'] };
    expect(parseConfig(JSON.stringify(base)).dialect).toBe('loadgate');
    expect(parseConfig(JSON.stringify({ ...base, dialect: 'okx-v5' })).dialect).toBe('okx-v5');
    expect(() => parseConfig(JSON.stringify({ ...base, dialect: 'kraken' }))).toThrow(/dialect "kraken"/);
  });
});
