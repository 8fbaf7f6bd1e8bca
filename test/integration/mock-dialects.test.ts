/**
 * The mock speaks every dialect (issue 10): requests built and signed from the dialect's own description
 * (`buildRequest`), answers read by the dialect's readers, and every refusal (bad signature, stale timestamp,
 * missing key, rate limit, insufficient balance, unknown order, injected fault) answered with the exchange's
 * documented code and classified back by the same dialect's table (`classify`).
 */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MOCK_CREDENTIALS, startMockExchange, type MockExchange, type MockExchangeOptions } from '../../mocks/index.js';
import { buildRequest, classify, getDialect, type Classified, type DialectName, type HmacFn, type OperationInput, type OperationName, type WireRequest } from '../../src/dialect/index.js';

const hmac: HmacFn = (a, s, p, e) => createHmac(a, s).update(p).digest(e);
const T = 1_760_000_000_000;
const creds = { ...DEFAULT_MOCK_CREDENTIALS };

const started: MockExchange[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((m) => m.close()));
});

async function start(dialect: DialectName, opts: MockExchangeOptions = {}): Promise<MockExchange> {
  const mock = await startMockExchange({ ...opts, dialect }, { now: () => T });
  started.push(mock);
  return mock;
}

interface Case {
  dialect: DialectName;
  /** The header that carries the API key. */
  keyHeader: string;
  /** The documented code of each refusal. */
  codes: { invalidSignature: string; stale: string; missingKey: string; rateLimit: string; insufficientMargin: string; orderNotFound: string; server?: string };
  /** Whether the market list publishes a minimum order value. */
  minNotional: boolean;
  /** Whether the REST book carries the book's update id (Binance lastUpdateId, Bybit u; OKX's REST books has none). */
  bookUpdateId: boolean;
}

const CASES: Case[] = [
  {
    dialect: 'loadgate',
    keyHeader: 'x-lg-apikey',
    codes: { invalidSignature: 'invalidSignature', stale: 'timestampOutsideRecvWindow', missingKey: 'missingApiKey', rateLimit: 'rateLimitExceeded', insufficientMargin: 'insufficientMargin', orderNotFound: 'orderNotFound' },
    minNotional: true,
    bookUpdateId: true,
  },
  {
    dialect: 'binance-spot',
    keyHeader: 'X-MBX-APIKEY',
    codes: { invalidSignature: '-1022', stale: '-1021', missingKey: '-2015', rateLimit: '-1003', insufficientMargin: '-2010', orderNotFound: '-2011', server: '-1001' },
    minNotional: true,
    bookUpdateId: true,
  },
  {
    dialect: 'okx-v5',
    keyHeader: 'OK-ACCESS-KEY',
    codes: { invalidSignature: '50113', stale: '50102', missingKey: '50111', rateLimit: '50011', insufficientMargin: '51008', orderNotFound: '51400', server: '50001' },
    // OKX publishes no minimum order value for spot instruments.
    minNotional: false,
    bookUpdateId: false,
  },
  {
    dialect: 'bybit-v5',
    keyHeader: 'X-BAPI-API-KEY',
    codes: { invalidSignature: '10004', stale: '10002', missingKey: '10003', rateLimit: '10006', insufficientMargin: '170131', orderNotFound: '170213', server: '10016' },
    minNotional: true,
    bookUpdateId: true,
  },
];

const ORDER = { symbol: 'BTC/USDT', side: 'buy' as const, type: 'limit' as const, qty: 0.001, price: 60_000, clientOrderId: 'lg-1' };

interface Answer {
  status: number;
  body: string;
  classified: Classified | undefined;
}

async function send(mock: MockExchange, w: WireRequest): Promise<Answer> {
  const res = await fetch(mock.url + w.path, { method: w.method, headers: w.headers, ...(w.body === undefined ? {} : { body: w.body }) });
  const body = await res.text();
  return { status: res.status, body, classified: classify(getDialect(mock.dialect).errors, res.status, body) };
}

/** `op` built and (when signed) signed from the dialect's description, at the mock's clock unless told otherwise. */
function call(mock: MockExchange, op: OperationName, input: OperationInput = {}, o: { secret?: string; timestampMs?: number; drop?: string } = {}): Promise<Answer> {
  const d = getDialect(mock.dialect);
  const w = buildRequest(d, op, input, { credentials: { ...creds, ...(o.secret ? { apiSecret: o.secret } : {}) }, timestampMs: o.timestampMs ?? T, hmac });
  if (o.drop !== undefined) for (const k of Object.keys(w.headers)) if (k.toLowerCase() === o.drop.toLowerCase()) delete w.headers[k];
  return send(mock, w);
}

const createOrder = (mock: MockExchange, o?: Parameters<typeof call>[3]) => call(mock, 'createOrder', { order: ORDER }, o);

describe.each(CASES)('the mock speaking $dialect', (c) => {
  const d = getDialect(c.dialect);

  it('answers every operation, in bodies the dialect readers parse', async () => {
    const mock = await start(c.dialect);
    for (const op of ['health', 'fetchTime'] as const) {
      const a = await call(mock, op);
      expect(a.status, op).toBe(200);
      expect(a.classified, op).toBeUndefined();
    }
    expect(d.readers.serverTimeMs((await call(mock, 'fetchTime')).body)).toBe(T);

    const markets = d.readers.markets((await call(mock, 'fetchMarkets')).body);
    expect(markets.map((m) => m.symbol)).toEqual(['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'XRP/USDT']);
    expect(markets[0]).toMatchObject({ id: d.symbols.toExchange('BTC/USDT'), base: 'BTC', quote: 'USDT', tickSize: 0.1, stepSize: 0.00001, minQty: 0.00001 });
    if (c.minNotional) expect(markets[0]!.minNotional).toBe(5);

    const ticker = await call(mock, 'fetchTicker', { symbol: 'BTC/USDT' });
    expect(ticker.status).toBe(200);
    const last = d.readers.lastPrice(ticker.body);
    expect(last).toBeGreaterThan(60_000);
    expect(last).toBeLessThan(70_000);

    const book = await call(mock, 'fetchOrderBook', { symbol: 'BTC/USDT', depth: 5 });
    expect(book.status).toBe(200);
    expect(book.classified).toBeUndefined();
    if (c.bookUpdateId) expect(book.body).toContain(String(mock.market.updateId('BTC-USDT') ?? 'no update id'));

    const created = await createOrder(mock);
    expect(created.classified).toBeUndefined();
    const orderId = d.readers.orderId(created.body);
    expect(orderId).toMatch(/^\d+$/);
    expect(mock.stats.openOrders).toBe(1);
    const canceled = await call(mock, 'cancelOrder', { symbol: 'BTC/USDT', orderId });
    expect(canceled.classified).toBeUndefined();
    expect(canceled.status).toBe(200);
    expect(mock.stats.openOrders).toBe(0);
    expect(mock.stats.signaturesVerified).toBe(2);
    expect(mock.stats.authRefusals).toBe(0);
  });

  it('refuses a bad signature, a stale timestamp and a missing key with its auth codes', async () => {
    const mock = await start(c.dialect);
    const bad = await createOrder(mock, { secret: 'not-the-secret' });
    expect(bad.classified).toEqual({ errorClass: 'auth', errorCode: c.codes.invalidSignature });
    const stale = await createOrder(mock, { timestampMs: T - 60_000 });
    expect(stale.classified).toEqual({ errorClass: 'auth', errorCode: c.codes.stale });
    const keyless = await createOrder(mock, { drop: c.keyHeader });
    expect(keyless.classified).toEqual({ errorClass: 'auth', errorCode: c.codes.missingKey });
    expect(mock.stats.authRefusals).toBe(3);
    expect(mock.stats.signaturesVerified).toBe(0);
    expect(mock.stats.openOrders).toBe(0);
  });

  it("checks timestamps against the dialect's own receive window unless recvWindowMs says otherwise", async () => {
    const windowMs = d.signing.defaultRecvWindowMs;
    const mock = await start(c.dialect);
    expect((await createOrder(mock, { timestampMs: T - windowMs + 1000 })).classified).toBeUndefined();
    expect((await createOrder(mock, { timestampMs: T - windowMs - 1000 })).classified).toEqual({ errorClass: 'auth', errorCode: c.codes.stale });
    const narrow = await start(c.dialect, { recvWindowMs: 1000 });
    expect((await createOrder(narrow, { timestampMs: T - 2000 })).classified).toEqual({ errorClass: 'auth', errorCode: c.codes.stale });
  });

  it('answers a spent rate limit with its rate-limit code and a Retry-After', async () => {
    const mock = await start(c.dialect, { rateLimit: { capacity: 1, refillPerSec: 0.01 } });
    expect((await createOrder(mock)).classified).toBeUndefined();
    const limited = await createOrder(mock);
    expect(limited.classified).toEqual({ errorClass: 'rateLimit', errorCode: c.codes.rateLimit });
    expect((await call(mock, 'fetchTicker', { symbol: 'BTC/USDT' })).classified).toBeUndefined();
    expect((await call(mock, 'fetchTicker', { symbol: 'BTC/USDT' })).classified).toEqual({ errorClass: 'rateLimit', errorCode: c.codes.rateLimit });
  });

  it('refuses an order the balance cannot cover, and a cancel of an unknown order, with its trading codes', async () => {
    const mock = await start(c.dialect, { balance: 10 });
    expect((await createOrder(mock)).classified).toEqual({ errorClass: 'trading', errorCode: c.codes.insufficientMargin, reason: 'insufficientMargin' });
    expect((await call(mock, 'cancelOrder', { symbol: 'BTC/USDT', orderId: '987654' })).classified).toEqual({ errorClass: 'trading', errorCode: c.codes.orderNotFound, reason: 'orderNotFound' });
    expect(mock.stats.openOrders).toBe(0);
  });

  it('answers injected faults as server errors in its own words', async () => {
    const mock = await start(c.dialect, { faults: { fetchTicker: { errorRatePct: 100 } } });
    for (let i = 0; i < 4; i++) {
      const a = await call(mock, 'fetchTicker', { symbol: 'BTC/USDT' });
      expect([500, 503]).toContain(a.status);
      expect(a.classified?.errorClass).toBe('server');
      if (c.codes.server !== undefined) expect(a.classified?.errorCode).toBe(c.codes.server);
    }
    expect(mock.stats.errorsInjected).toBe(4);
  });

  it('answers a path it does not serve as not found, without a code of another class', async () => {
    const mock = await start(c.dialect);
    const res = await fetch(`${mock.url}/no/such/path`);
    expect(res.status).toBe(404);
    expect(classify(d.errors, res.status, await res.text())?.errorClass).toBe('client');
    expect(mock.stats.byEndpoint.notFound).toBe(1);
  });
});

describe('the mock speaking okx-v5: the passphrase, and batch orders', () => {
  it('refuses a wrong passphrase with 50105, classified auth', async () => {
    const mock = await start('okx-v5');
    const d = getDialect('okx-v5');
    const w = buildRequest(d, 'createOrder', { order: ORDER }, { credentials: { ...creds, passphrase: 'not-it' }, timestampMs: T, hmac });
    expect((await send(mock, w)).classified).toEqual({ errorClass: 'auth', errorCode: '50105' });
    expect(mock.stats.authRefusals).toBe(1);
  });

  it('will not start with a key pair that has no passphrase', async () => {
    await expect(startMockExchange({ dialect: 'okx-v5', credentials: [{ apiKey: 'k', apiSecret: 's' }] })).rejects.toMatchObject({ code: 'LG_MOCK_OPTIONS_INVALID' });
  });

  it('places a batch (trade/batch-orders): code 0 when all are placed, 2 with the refused one\'s sCode when some are not', async () => {
    const mock = await start('okx-v5', { balance: 1_000 });
    const d = getDialect('okx-v5');
    const item = (sz: string) => ({ instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'limit', px: '60000', sz });
    const batch = async (items: unknown[]) => {
      const req = { method: 'POST' as const, path: '/api/v5/trade/batch-orders', query: '', body: JSON.stringify(items), contentType: 'application/json' };
      return send(mock, d.signing.sign(req, { credentials: creds, timestampMs: T, hmac }));
    };
    const all = await batch([item('0.001'), item('0.002')]);
    expect(all.classified).toBeUndefined();
    expect((JSON.parse(all.body) as { data: Array<{ ordId: string }> }).data.map((x) => x.ordId)).toEqual(['1', '2']);
    // 60 + 120 placed; 0.02 BTC = 1200 USDT is more than the 820 left.
    const some = await batch([item('0.001'), item('0.02')]);
    expect(JSON.parse(some.body)).toMatchObject({ code: '2', data: [{ sCode: '0' }, { sCode: '51008' }] });
    expect(some.classified).toEqual({ errorClass: 'trading', errorCode: '51008', reason: 'insufficientMargin' });
    expect(mock.stats.openOrders).toBe(3);
    expect(mock.stats.byEndpoint.createOrder).toBe(2);
  });
});
