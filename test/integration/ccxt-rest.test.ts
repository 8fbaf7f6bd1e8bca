/**
 * ccxt against the mock (issue 10): for each exchange dialect, a real ccxt client with API keys, every URL of
 * `exchange.urls.api` pointed at the mock on 127.0.0.1, runs loadMarkets, fetchTicker, fetchOrderBook,
 * createOrder and cancelOrder. Every call must succeed, and the mock must have verified every signature.
 */
import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MOCK_CREDENTIALS, startMockExchange, type MockExchange } from '../../mocks/index.js';
import type { DialectName } from '../../src/dialect/index.js';

const started: MockExchange[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((m) => m.close()));
});

type Exchange = InstanceType<typeof ccxt.Exchange>;

/** Every string in `urls.api` (nested), with its path. */
function apiUrls(api: unknown, path = 'urls.api'): Array<[string, string]> {
  if (typeof api === 'string') return [[path, api]];
  if (api === null || typeof api !== 'object') return [];
  return Object.entries(api as Record<string, unknown>).flatMap(([k, v]) => apiUrls(v, `${path}.${k}`));
}

/** Replaces the origin of every URL in `urls.api` with the mock's, in place. */
function pointAt(api: Record<string, unknown>, origin: string): void {
  for (const [k, v] of Object.entries(api)) {
    if (typeof v === 'string') api[k] = v.replace(/^[a-z]+:\/\/[^/]+/i, origin);
    else if (v !== null && typeof v === 'object') pointAt(v as Record<string, unknown>, origin);
  }
}

/** The client, its URLs on the mock (asserted before any call), and every URL it fetched. */
function client(ex: Exchange, mock: MockExchange): { ex: Exchange; fetched: string[] } {
  pointAt(ex.urls.api as Record<string, unknown>, mock.url);
  const urls = apiUrls(ex.urls.api);
  expect(urls.length).toBeGreaterThan(0);
  for (const [path, url] of urls) expect(url.startsWith(`${mock.url}/`) || url === mock.url, `${path} = ${url}`).toBe(true);
  expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  // Belt and braces: a URL built from anywhere else (a hostname template, an option) never leaves the machine.
  const fetched: string[] = [];
  const fetch = ex.fetch.bind(ex);
  ex.fetch = ((url: string, ...rest: unknown[]) => {
    if (!url.startsWith(`${mock.url}/`)) throw new Error(`refusing to fetch ${url}: not the mock`);
    fetched.push(url);
    return (fetch as (...a: unknown[]) => unknown)(url, ...rest);
  }) as Exchange['fetch'];
  return { ex, fetched };
}

const keys = { apiKey: DEFAULT_MOCK_CREDENTIALS.apiKey, secret: DEFAULT_MOCK_CREDENTIALS.apiSecret };

const CASES: Array<{ dialect: DialectName; make: () => Exchange; minCost: boolean }> = [
  {
    dialect: 'binance-spot',
    // Spot markets only; no sapi calls for currencies or margin pairs (ccxt's binance.fetchMarkets / fetchCurrencies).
    make: () => new ccxt.binance({ ...keys, enableRateLimit: false, options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false } }),
    minCost: true,
  },
  {
    dialect: 'okx-v5',
    // Spot instruments only; place with trade/order (ccxt's default is batch-orders); ccxt's fetchCurrencies is a
    // private call when keys are set (asset/currencies), which the mock does not serve.
    make: () => {
      const ex = new ccxt.okx({ ...keys, password: DEFAULT_MOCK_CREDENTIALS.passphrase, enableRateLimit: false, options: { fetchMarkets: { types: ['spot'] }, createOrder: 'privatePostTradeOrder' } });
      ex.has.fetchCurrencies = false;
      return ex;
    },
    minCost: false,
  },
  {
    dialect: 'bybit-v5',
    // Spot only; a unified account said up front (else ccxt probes user/query-api and account/info first);
    // no private coin list (fetchCurrencies).
    make: () => {
      const ex = new ccxt.bybit({ ...keys, enableRateLimit: false, options: { fetchMarkets: { types: ['spot'] }, enableUnifiedAccount: true, enableUnifiedMargin: false } });
      ex.has.fetchCurrencies = false;
      return ex;
    },
    minCost: true,
  },
];

describe('ccxt against the mock, REST', () => {
  it.each(CASES)('$dialect: loadMarkets, fetchTicker, fetchOrderBook, createOrder and cancelOrder succeed, every signature verified', async ({ dialect, make, minCost }) => {
    const mock = await startMockExchange({ dialect });
    started.push(mock);
    const { ex, fetched } = client(make(), mock);

    const markets = await ex.loadMarkets();
    expect(Object.keys(markets).sort()).toEqual(['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'XRP/USDT']);
    const btc = markets['BTC/USDT']!;
    expect(btc).toMatchObject({ spot: true, active: true, base: 'BTC', quote: 'USDT', precision: { price: 0.1, amount: 0.00001 } });
    expect(btc.limits.amount?.min).toBe(0.00001);
    if (minCost) expect(btc.limits.cost?.min).toBe(5);

    const ticker = await ex.fetchTicker('BTC/USDT');
    expect(ticker.symbol).toBe('BTC/USDT');
    expect(ticker.last).toBeGreaterThan(0);
    expect(ticker.bid!).toBeLessThan(ticker.ask!);

    const book = await ex.fetchOrderBook('BTC/USDT', 5);
    expect(book.bids).toHaveLength(5);
    expect(book.asks).toHaveLength(5);
    expect(book.bids[0]![0]!).toBeLessThan(book.asks[0]![0]!);

    const order = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 60_000);
    expect(order.id).toMatch(/^\d+$/);
    expect(mock.stats.openOrders).toBe(1);
    const canceled = await ex.cancelOrder(order.id!, 'BTC/USDT');
    expect(canceled.id).toBe(order.id);
    expect(mock.stats.openOrders).toBe(0);

    expect(mock.stats.authRefusals).toBe(0);
    expect(mock.stats.signaturesVerified).toBe(2);
    expect(Object.keys(mock.stats.byStatus)).toEqual(['200']);
    expect(mock.stats.byEndpoint.notFound).toBe(0);
    expect(fetched.length).toBe(mock.stats.requestsTotal);
  });

  it.each(CASES)("$dialect: the mock's refusals reach ccxt as the exceptions they mean", async ({ dialect, make }) => {
    const mock = await startMockExchange({ dialect, balance: 10 });
    started.push(mock);
    const { ex } = client(make(), mock);
    await ex.loadMarkets();
    await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 60_000)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    await expect(ex.cancelOrder('987654', 'BTC/USDT')).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    const { ex: wrongKey } = client(make(), mock);
    wrongKey.secret = 'not-the-secret';
    wrongKey.markets = ex.markets;
    wrongKey.marketsById = ex.marketsById;
    wrongKey.symbols = ex.symbols;
    await expect(wrongKey.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 60_000)).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    expect(mock.stats.authRefusals).toBe(1);
    expect(mock.stats.openOrders).toBe(0);
  });

  it("okx-v5: ccxt's default createOrder (trade/batch-orders, one order in a list) is served too", async () => {
    const mock = await startMockExchange({ dialect: 'okx-v5' });
    started.push(mock);
    const okx = new ccxt.okx({ ...keys, password: DEFAULT_MOCK_CREDENTIALS.passphrase, enableRateLimit: false, options: { fetchMarkets: { types: ['spot'] } } });
    okx.has.fetchCurrencies = false;
    const { ex, fetched } = client(okx, mock);
    await ex.loadMarkets();
    const order = await ex.createOrder('ETH/USDT', 'limit', 'sell', 0.01, 3_500);
    expect(order.id).toMatch(/^\d+$/);
    expect(fetched.some((u) => u.includes('/api/v5/trade/batch-orders'))).toBe(true);
    await ex.cancelOrder(order.id!, 'ETH/USDT');
    expect(mock.stats.byEndpoint.createOrder).toBe(1);
    expect(mock.stats.signaturesVerified).toBe(2);
    expect(mock.stats.authRefusals).toBe(0);
    expect(mock.stats.openOrders).toBe(0);
  });
});
