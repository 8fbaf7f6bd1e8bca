/**
 * Issue 16 item 1, the k6 path: scenarios/common.ts's setup() reads the reference prices. A scenario that
 * places orders refuses to start (throws, which ends k6 in setup) when a symbol's ticker lacks `last` or
 * answers non-2xx; it never falls back to price 1. k6's modules are stood in for by what setup() calls.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const answers = new Map<string, { status: number; body: string; error?: string }>();
const gets: string[] = [];

vi.mock('k6/http', () => ({
  default: {
    request: (method: string, url: string) => {
      if (method !== 'GET') throw new Error('setup must not send orders');
      gets.push(url);
      const path = new URL(url).pathname + new URL(url).search;
      return answers.get(path) ?? { status: 404, body: '{}' };
    },
  },
}));
vi.mock('k6/crypto', () => ({ default: {} }));
vi.mock('k6/execution', () => ({ default: { vu: { idInTest: 1 } } }));
vi.mock('k6/metrics', () => ({ Trend: class { add() {} }, Counter: class { add() {} }, Rate: class { add() {} } }));
vi.mock('k6', () => ({ check: () => true, group: (_n: string, f: () => void) => f(), sleep: () => undefined }));

const config = (mix: Array<{ endpoint: string }>, dialect = 'loadgate', symbols = ['BTC-USDT', 'ETH-USDT']) => ({
  version: 1,
  dialect,
  baseUrl: 'http://127.0.0.1:1',
  wsUrl: 'ws://127.0.0.1:1/ws',
  workload: 'orders',
  load: { model: 'closed', connections: 1, durationSec: 1 },
  mix: mix.map((m) => ({ ...m, weight: 1 })),
  symbols,
  order: { side: 'both', type: 'limit', notionalMin: 20, notionalMax: 100, priceOffsetPct: 5 },
  streams: [],
  timeoutMs: 1000,
  thresholds: {},
});

interface SetupModule {
  setup(): { prices: Record<string, number> };
}
// Loaded by a computed path: the k6 scenarios import with literal `.ts` paths, which the Node tsconfig rejects.
const scenario = (name: string): Promise<SetupModule> => import(/* @vite-ignore */ `../../scenarios/${name}.ts`) as Promise<SetupModule>;

async function loadCommon(mix: Array<{ endpoint: string }>, dialect?: string, symbols?: string[]): Promise<SetupModule> {
  vi.resetModules();
  (globalThis as { __ENV?: Record<string, string> }).__ENV = { LOADGATE_CONFIG_JSON: JSON.stringify(config(mix, dialect, symbols)) };
  return scenario('common');
}

beforeEach(() => {
  answers.clear();
  gets.length = 0;
  answers.set('/api/v1/markets', { status: 200, body: '[]' });
  answers.set('/api/v1/ticker?symbol=BTC-USDT', { status: 200, body: '{"symbol":"BTC-USDT","last":"65000.5"}' });
});

describe('k6 setup() and reference prices', () => {
  it('refuses when a ticker says lastPrice instead of last, naming the symbol and the keys read', async () => {
    answers.set('/api/v1/ticker?symbol=ETH-USDT', { status: 200, body: '{"symbol":"ETH-USDT","lastPrice":"3000"}' });
    const common = await loadCommon([{ endpoint: 'createOrder' }]);
    expect(() => common.setup()).toThrow(/ETH-USDT: the ticker body has no "last" field \(keys: symbol, lastPrice\)/);
  });

  it('refuses when a ticker answers 500, or the request fails', async () => {
    answers.set('/api/v1/ticker?symbol=ETH-USDT', { status: 500, body: '{"error":{"code":"internalError"}}' });
    const common = await loadCommon([{ endpoint: 'cancelOrder' }]);
    expect(() => common.setup()).toThrow(/ETH-USDT: the ticker answered HTTP 500/);
    answers.set('/api/v1/ticker?symbol=ETH-USDT', { status: 0, body: '', error: 'dial tcp: connection refused' });
    expect(() => common.setup()).toThrow(/ETH-USDT: the ticker request failed \(dial tcp: connection refused\)/);
  });

  it('reads both prices when both tickers have last, and a read-only mix runs without them', async () => {
    answers.set('/api/v1/ticker?symbol=ETH-USDT', { status: 200, body: '{"last":3000.25}' });
    const common = await loadCommon([{ endpoint: 'createOrder' }]);
    expect(common.setup().prices).toEqual({ 'BTC-USDT': 65000.5, 'ETH-USDT': 3000.25 });
    answers.delete('/api/v1/ticker?symbol=ETH-USDT');
    const readOnly = await loadCommon([{ endpoint: 'fetchTicker' }]);
    expect(readOnly.setup().prices).toEqual({ 'BTC-USDT': 65000.5 });
  });

  it('reads the prices in the target dialect: Binance\'s 24hr ticker by exchange symbol, a suite symbol written BTCUSDT or BTC/USDT', async () => {
    answers.set('/api/v3/exchangeInfo', { status: 200, body: '{"symbols":[]}' });
    answers.set('/api/v3/ticker/24hr?symbol=BTCUSDT', { status: 200, body: '{"symbol":"BTCUSDT","lastPrice":"65000.10"}' });
    answers.set('/api/v3/ticker/24hr?symbol=ETHUSDT', { status: 400, body: '{"code":-1121,"msg":"Invalid symbol."}' });
    const common = await loadCommon([{ endpoint: 'fetchTicker' }], 'binance-spot', ['BTCUSDT', 'ETH/USDT']);
    expect(common.setup().prices).toEqual({ BTCUSDT: 65000.1 });
    expect(gets.map((u) => new URL(u).pathname)).toEqual(['/api/v3/exchangeInfo', '/api/v3/ticker/24hr', '/api/v3/ticker/24hr']);
    const orders = await loadCommon([{ endpoint: 'createOrder' }], 'binance-spot', ['BTCUSDT', 'ETH/USDT']);
    expect(() => orders.setup()).toThrow(/ETH\/USDT: the ticker answered HTTP 400: \{"code":-1121/);
  });

  it('the order-lifecycle scenario always places orders, so it refuses whatever the mix', async () => {
    answers.set('/api/v1/ticker?symbol=ETH-USDT', { status: 200, body: '{"price":"3000"}' });
    await loadCommon([]);
    const life = await scenario('order-lifecycle');
    expect(() => life.setup()).toThrow(/ETH-USDT/);
  });
});
