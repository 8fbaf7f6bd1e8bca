/** The sdk engine's pure parts (issue 11): ccxt pointing and error classes, the driver schema, the call planner. */
import { resolve } from 'node:path';
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { classifyCallError, classifyCcxtError, errorClassNames } from '../../src/engines/sdk/classify.js';
import { createCcxtDriver, repointUrls, strayUrls, urlLeaves } from '../../src/engines/sdk/ccxt.js';
import { CallPlanner, unifiedSymbol } from '../../src/engines/sdk/calls.js';
import type { DriverContext } from '../../src/engines/sdk/contract.js';
import { engineOf, workloadSchema } from '../../src/suite/schema.js';
import { parseSuite } from '../../src/suite/load.js';
import { isLoadgateError } from '../../src/errors.js';

const LOOPBACK = /^(https?|wss?):\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+(\/|$)/;
const ctx = (over: Partial<DriverContext> = {}): DriverContext => ({
  baseUrl: 'http://127.0.0.1:45678',
  wsUrl: 'ws://127.0.0.1:45678/ws',
  dialect: 'binance-spot',
  credentials: { apiKey: 'k', apiSecret: 's' },
  timeoutMs: 3000,
  options: {},
  exchange: 'binance',
  ...over,
});
const real = async () => ccxt as unknown as Record<string, unknown>;

describe('ccxt pointed at the target', () => {
  it.each(['binance', 'okx', 'bybit'])('%s: every URL in urls.api (REST and ws) and urls.test points at loopback, paths kept', async (exchange) => {
    const { client, notes } = await createCcxtDriver(ctx({ exchange }), { exchange, options: {}, keepSdkRateLimit: false }, 'workloads[0].driver', real);
    const urls = (client as unknown as { urls: { api: unknown; test?: unknown } }).urls;
    const leaves = [...urlLeaves(urls.api), ...urlLeaves(urls.test)].filter(([, u]) => /^[a-z]+:\/\//i.test(u));
    expect(leaves.length).toBeGreaterThan(2);
    // ccxt.pro's class: the stream URLs are pointed too.
    expect(leaves.some(([p, u]) => p.startsWith('ws') && u.startsWith('ws://127.0.0.1:45678'))).toBe(true);
    for (const [path, u] of leaves) expect(u, path).toMatch(LOOPBACK);
    expect(strayUrls(urls, ['http://127.0.0.1:45678', 'ws://127.0.0.1:45678'])).toEqual([]);
    expect((client as unknown as { enableRateLimit: boolean }).enableRateLimit).toBe(false);
    expect(notes[0]).toMatch(/rate limiter is off/);
  });

  it('keeps the rate limiter with keepSdkRateLimit, and the path of each URL', async () => {
    const { client } = await createCcxtDriver(ctx(), { exchange: 'binance', options: {}, keepSdkRateLimit: true }, 'w', real);
    const api = (client as unknown as { urls: { api: Record<string, unknown> } }).urls.api;
    expect((client as unknown as { enableRateLimit: boolean }).enableRateLimit).toBe(true);
    expect(api.public).toBe('http://127.0.0.1:45678/api/v3');
    expect((api.ws as Record<string, unknown>).spot).toBe('ws://127.0.0.1:45678/ws');
  });

  it('replaces templated hosts too ({hostname}), and finds a URL left off the target', () => {
    expect(repointUrls({ a: 'https://api.{hostname}/v5', b: ['wss://x.example.invalid:9443/ws'], c: 'not a url' }, 'http://127.0.0.1:1', 'ws://127.0.0.1:1')).toEqual({
      a: 'http://127.0.0.1:1/v5',
      b: ['ws://127.0.0.1:1/ws'],
      c: 'not a url',
    });
    expect(strayUrls({ api: { a: 'http://127.0.0.1:1/x', b: 'https://api.example.invalid/y' } }, ['http://127.0.0.1:1'])).toEqual(['api.b: https://api.example.invalid/y']);
    // A prefix that is not a whole origin does not count: http://127.0.0.1:10 is not http://127.0.0.1:1.
    expect(strayUrls({ api: { a: 'http://127.0.0.1:10/x' } }, ['http://127.0.0.1:1'])).toHaveLength(1);
  });

  it('exits 2 with an install hint when ccxt is not installed, and names an unknown exchange', async () => {
    const missing = async () => {
      throw Object.assign(new Error("Cannot find package 'ccxt'"), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    const e1 = await createCcxtDriver(ctx(), { exchange: 'binance', options: {}, keepSdkRateLimit: false }, 'workloads[2].driver', missing).catch((e: unknown) => e);
    expect(isLoadgateError(e1) && e1.code).toBe('LG_SDK_MISSING');
    expect(isLoadgateError(e1) && e1.exitCode).toBe(2);
    expect((e1 as Error).message).toMatch(/^workloads\[2\]\.driver\.sdk: ccxt is not installed/);
    expect((e1 as { hint?: string }).hint).toMatch(/npm install ccxt/);
    const e2 = await createCcxtDriver(ctx(), { exchange: 'binanse', options: {}, keepSdkRateLimit: false }, 'w', real).catch((e: unknown) => e);
    expect(isLoadgateError(e2) && e2.code).toBe('LG_SDK_EXCHANGE');
    expect((e2 as { hint?: string }).hint).toMatch(/binance/);
  });
});

describe('ccxt exceptions → error classes', () => {
  const C = ccxt as unknown as Record<string, new (m: string) => Error>;
  it.each([
    ['RequestTimeout', 'timeout', 'RequestTimeout'],
    ['RateLimitExceeded', 'rateLimit', 'RateLimitExceeded'],
    ['DDoSProtection', 'rateLimit', 'DDoSProtection'],
    ['AuthenticationError', 'auth', 'AuthenticationError'],
    ['PermissionDenied', 'auth', 'PermissionDenied'],
    ['InsufficientFunds', 'trading', 'insufficientMargin'],
    ['InvalidOrder', 'trading', 'invalidOrder'],
    ['OrderNotFound', 'trading', 'orderNotFound'],
    ['ExchangeNotAvailable', 'server', 'ExchangeNotAvailable'],
    ['OnMaintenance', 'server', 'OnMaintenance'],
    ['NetworkError', 'network', 'NetworkError'],
    ['BadSymbol', 'client', 'BadSymbol'],
  ])('%s → %s (%s)', (cls, errorClass, errorCode) => {
    const err = new C[cls]!('binance {"code":-1}');
    expect(classifyCcxtError(err)).toEqual({ errorClass, errorCode });
    expect(classifyCallError(err, undefined)).toEqual({ errorClass, errorCode });
  });

  it('reads the most specific class first, lets the driver decide before ccxt, and falls back to transport errors', () => {
    expect(errorClassNames(new ccxt.OrderNotFound('x')).slice(0, 3)).toEqual(['OrderNotFound', 'InvalidOrder', 'ExchangeError']);
    expect(classifyCallError(new ccxt.InsufficientFunds('x'), () => ({ errorClass: 'client', errorCode: 'mine' }))).toEqual({ errorClass: 'client', errorCode: 'mine' });
    expect(classifyCallError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), undefined)).toEqual({ errorClass: 'network', errorCode: 'ECONNREFUSED' });
    expect(classifyCallError(Object.assign(new Error('t'), { name: 'TimeoutError' }), undefined)).toEqual({ errorClass: 'timeout', errorCode: 'TimeoutError' });
    expect(classifyCallError(new RangeError('bad'), undefined)).toEqual({ errorClass: 'client', errorCode: 'RangeError' });
  });
});

describe('driver in the suite schema', () => {
  const base = { name: 'w', load: { model: 'open', ratePerSec: 10, durationSec: 1 }, mix: [{ endpoint: 'fetchTicker' }] };
  it('runs on the sdk engine, with ccxt defaults (rate limiter off) and extra methods', () => {
    const w = workloadSchema.parse({ ...base, driver: { sdk: 'ccxt', exchange: 'binance', methods: [{ method: 'fetchBalance', weight: 2 }] } });
    expect(engineOf(w)).toBe('sdk');
    expect(w.driver).toEqual({ sdk: 'ccxt', exchange: 'binance', keepSdkRateLimit: false, options: {}, methods: [{ method: 'fetchBalance', weight: 2, args: [] }] });
  });
  it.each([
    [{ ...base, driver: { module: './x.ts' }, engine: 'k6' }, 'engine'],
    [{ ...base, driver: { module: './x.ts' }, load: { model: 'open', ratePerSec: 10, durationSec: 1, workers: 2 } }, 'load'],
    [{ ...base, engine: 'sdk' }, 'driver'],
    [{ name: 'w', load: { model: 'stream', connections: 1, durationSec: 1 }, streams: [{ channel: 'ticker' }], driver: { module: './x.ts' } }, 'driver'],
  ])('refuses %j at %s', (w, path) => {
    const r = workloadSchema.safeParse(w);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => String(i.path[0]))).toContain(path);
  });
  it('resolves a module path from the suite file, and a missing module exits 2 naming the path', () => {
    const file = resolve(import.meta.dirname, '../../scenarios/x.suite.yaml');
    const s = parseSuite(file, { target: { mock: true }, workloads: [{ ...base, driver: { module: './drivers/example-sdk.ts' } }] });
    expect((s.workloads[0]!.driver as { module: string }).module).toBe(resolve(import.meta.dirname, '../../scenarios/drivers/example-sdk.ts'));
    let err: unknown;
    try {
      parseSuite(file, { target: { mock: true }, workloads: [{ ...base, driver: { module: './drivers/nope.ts' } }] });
    } catch (e) {
      err = e;
    }
    expect(isLoadgateError(err) && err.code).toBe('LG_DRIVER_MISSING');
    expect((err as Error).message).toMatch(/workloads\[0\]\.driver\.module: no such file: \.\/drivers\/nope\.ts/);
  });
  it('accepts an SLA key for a driver method', () => {
    const s = parseSuite('s.yaml', { target: { mock: true }, workloads: [{ ...base, driver: { sdk: 'ccxt', exchange: 'binance', methods: [{ method: 'fetchBalance' }] } }], sla: { endpoints: { fetchBalance: { p95Ms: 100 } } } });
    expect(s.sla?.endpoints?.fetchBalance).toEqual({ p95Ms: 100 });
  });
});

describe('call planner', () => {
  it('spreads the mix and driver methods by weight, with unified symbols, and cancels its own orders first', () => {
    const w = workloadSchema.parse({
      name: 'w',
      load: { model: 'closed', connections: 1, durationSec: 1 },
      mix: [{ endpoint: 'fetchOrderBook', weight: 2, depth: 5 }, { endpoint: 'cancelOrder' }],
      symbols: ['BTC-USDT', 'ETH/USDT'],
      driver: { module: '/x.ts', methods: [{ method: 'fetchBalance', args: [{ type: 'spot' }] }] },
    });
    const pl = new CallPlanner(w, 1);
    expect(pl.methods).toEqual(['fetchOrderBook', 'cancelOrder', 'fetchBalance']);
    expect(pl.symbols).toEqual(['BTC/USDT', 'ETH/USDT']);
    pl.noteResult({ method: 'createOrder', args: ['ETH/USDT'], correlationId: 'c' }, true, { id: 42 });
    const calls = Array.from({ length: 8 }, () => pl.next());
    expect(calls.filter((c) => c.method === 'fetchOrderBook')).toHaveLength(4);
    expect(calls.find((c) => c.method === 'fetchOrderBook')!.args).toEqual(['BTC/USDT', 5]);
    expect(calls.find((c) => c.method === 'fetchBalance')!.args).toEqual([{ type: 'spot' }]);
    const cancels = calls.filter((c) => c.method === 'cancelOrder');
    expect(cancels[0]).toMatchObject({ args: ['42', 'ETH/USDT'], orderId: '42' });
    expect(String(cancels[1]!.args[0])).toMatch(/^unknown-/);
    expect(pl.missingMethods({ fetchOrderBook: async () => 1 })).toEqual(['cancelOrder', 'fetchBalance']);
    expect(unifiedSymbol('SOL_USDT')).toBe('SOL/USDT');
  });
});

describe('ccxt never fetches off the target', () => {
  it('refuses a URL that is not the target, before any socket is opened', async () => {
    const { client } = await createCcxtDriver(ctx(), { exchange: 'binance', options: {}, keepSdkRateLimit: false }, 'w', real);
    const f = (client as unknown as { fetch: (u: string) => Promise<unknown> }).fetch;
    const err = await f('https://api.binance.com/api/v3/time').catch((e: unknown) => e);
    expect((err as Error).name).toBe('OffTargetUrl');
    expect(classifyCallError(err, classifyCcxtError)).toEqual({ errorClass: 'client', errorCode: 'OffTargetUrl' });
  });
});
