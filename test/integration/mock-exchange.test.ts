import { createHmac } from 'node:crypto';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH_HEADERS, signaturePayload } from '../../src/dialect/loadgate/auth.js';
import { DEFAULT_MOCK_CREDENTIALS, startMockExchange, type MockExchange, type MockExchangeOptions } from '../../mocks/index.js';
import type { MockExchangeDeps } from '../../mocks/exchange.js';
import { InputError } from '../../src/errors.js';

const started: MockExchange[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((m) => m.close()));
});

async function start(opts: MockExchangeOptions = {}, deps: MockExchangeDeps = {}): Promise<MockExchange> {
  const mock = await startMockExchange(opts, deps);
  started.push(mock);
  return mock;
}

interface SignOptions {
  tsMs?: number;
  apiKey?: string | undefined;
  apiSecret?: string;
  signature?: string;
  headers?: Record<string, string>;
}

/** A request signed the way clients must sign: HMAC over timestamp + METHOD + pathWithQuery + body. */
function signedFetch(mock: MockExchange, method: string, pathWithQuery: string, body = '', o: SignOptions = {}): Promise<Response> {
  const tsMs = o.tsMs ?? Date.now();
  const apiKey = 'apiKey' in o ? o.apiKey : DEFAULT_MOCK_CREDENTIALS.apiKey;
  const secret = o.apiSecret ?? DEFAULT_MOCK_CREDENTIALS.apiSecret;
  const signature = o.signature ?? createHmac('sha256', secret).update(signaturePayload(tsMs, method, pathWithQuery, body)).digest('hex');
  const headers: Record<string, string> = {
    [AUTH_HEADERS.timestamp]: String(tsMs),
    [AUTH_HEADERS.signature]: signature,
    'content-type': 'application/json',
    ...o.headers,
  };
  if (apiKey !== undefined) headers[AUTH_HEADERS.apiKey] = apiKey;
  return fetch(mock.url + pathWithQuery, { method, headers, ...(body === '' ? {} : { body }) });
}

const createOrder = (mock: MockExchange, order: Record<string, unknown>, o: SignOptions = {}): Promise<Response> =>
  signedFetch(mock, 'POST', '/api/v1/orders', JSON.stringify(order), o);

async function errorCode(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { error?: { code?: string; message?: string } };
  expect(typeof body.error?.message).toBe('string');
  return body.error?.code;
}

const aLimitBuy = { symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: 60_000, qty: 0.01 };

describe('mock exchange: public endpoints', () => {
  it('answers /health with status ok and the server time as JSON', async () => {
    const mock = await start();
    const res = await fetch(`${mock.url}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as { status: string; serverTimeMs: number };
    expect(body.status).toBe('ok');
    expect(Math.abs(body.serverTimeMs - Date.now())).toBeLessThan(60_000);
  });

  it('answers /api/v1/time with the injected clock', async () => {
    const mock = await start({}, { now: () => 1_700_000_000_123 });
    const res = await fetch(`${mock.url}/api/v1/time`);
    expect(await res.json()).toEqual({ serverTimeMs: 1_700_000_000_123 });
  });

  it('lists every configured market with its trading rules', async () => {
    const mock = await start({ symbols: ['BTC-USDT', 'DOGE-USDT'] });
    const markets = (await (await fetch(`${mock.url}/api/v1/markets`)).json()) as Record<string, unknown>[];
    expect(markets.map((m) => m.symbol)).toEqual(['BTC-USDT', 'DOGE-USDT']);
    for (const m of markets) {
      expect(m).toMatchObject({ status: 'trading', quote: 'USDT' });
      for (const field of ['tickSize', 'stepSize', 'minQty', 'maxQty', 'minNotional']) expect(m[field]).toBeGreaterThan(0);
    }
    expect(markets[0]).toMatchObject({ base: 'BTC', tickSize: 0.1, stepSize: 0.00001 });
  });

  it('returns an order book of the requested depth with sorted, uncrossed levels', async () => {
    const mock = await start();
    const res = await fetch(`${mock.url}/api/v1/orderbook?symbol=ETH-USDT&depth=50`);
    expect(res.status).toBe(200);
    const book = (await res.json()) as { symbol: string; seq: number; tsMs: number; bids: [number, number][]; asks: [number, number][] };
    expect(book.symbol).toBe('ETH-USDT');
    expect(book.seq).toBeGreaterThan(0);
    expect(book.bids).toHaveLength(50);
    expect(book.asks).toHaveLength(50);
    const bidPrices = book.bids.map(([p]) => p);
    const askPrices = book.asks.map(([p]) => p);
    expect([...bidPrices].sort((a, b) => b - a)).toEqual(bidPrices);
    expect([...askPrices].sort((a, b) => a - b)).toEqual(askPrices);
    expect(bidPrices[0]).toBeLessThan(askPrices[0] ?? 0);
    for (const [, qty] of [...book.bids, ...book.asks]) expect(qty).toBeGreaterThan(0);

    const byDefault = (await (await fetch(`${mock.url}/api/v1/orderbook?symbol=ETH-USDT`)).json()) as { bids: unknown[] };
    expect(byDefault.bids).toHaveLength(20);
  });

  it('rejects an unknown symbol with invalidSymbol and a bad depth with invalidParameter', async () => {
    const mock = await start();
    const unknown = await fetch(`${mock.url}/api/v1/orderbook?symbol=NOPE-USDT`);
    expect(unknown.status).toBe(400);
    expect(await errorCode(unknown)).toBe('invalidSymbol');
    for (const depth of ['0', '501', 'ten', '-1', '2.5']) {
      const res = await fetch(`${mock.url}/api/v1/orderbook?symbol=BTC-USDT&depth=${depth}`);
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe('invalidParameter');
    }
  });

  it('moves the book as the injected clock advances, reproducibly for a seed', async () => {
    let t = 1_700_000_000_000;
    const now = (): number => t;
    const a = await start({ seed: 7 }, { now });
    const b = await start({ seed: 7 }, { now });
    const read = async (m: MockExchange): Promise<string> => (await fetch(`${m.url}/api/v1/orderbook?symbol=BTC-USDT&depth=5`)).text();
    const first = await read(a);
    expect(await read(a)).toBe(first); // same seq, same book
    t += 60_000;
    const later = await read(a);
    expect(later).not.toBe(first);
    expect((JSON.parse(later) as { seq: number }).seq).toBe(601);
    expect(await read(b)).toBe(later); // a second mock with the same seed and clock agrees
  });

  it('answers /api/v1/ticker with last, bid, ask, high, low and volume', async () => {
    const mock = await start();
    const res = await fetch(`${mock.url}/api/v1/ticker?symbol=SOL-USDT`);
    expect(res.status).toBe(200);
    const t = (await res.json()) as Record<string, number>;
    for (const f of ['last', 'bid', 'ask', 'high', 'low', 'volume', 'tsMs']) expect(typeof t[f]).toBe('number');
    expect(t.bid).toBeLessThan(t.ask ?? 0);
    expect(t.low).toBeLessThanOrEqual(t.high ?? 0);
    const unknown = await fetch(`${mock.url}/api/v1/ticker?symbol=NOPE-USDT`);
    expect(await errorCode(unknown)).toBe('invalidSymbol');
  });

  it('answers anything else with 404 notFound', async () => {
    const mock = await start();
    for (const [method, path] of [['GET', '/nope'], ['POST', '/api/v1/markets'], ['GET', '/api/v1/orders'], ['DELETE', '/api/v1/orders/']] as const) {
      const res = await fetch(mock.url + path, { method });
      expect(res.status).toBe(404);
      expect(await errorCode(res)).toBe('notFound');
    }
  });

  it('echoes x-correlation-id on success and on errors', async () => {
    const mock = await start();
    const ok = await fetch(`${mock.url}/health`, { headers: { 'x-correlation-id': 'abc-123' } });
    expect(ok.headers.get('x-correlation-id')).toBe('abc-123');
    const bad = await createOrder(mock, {}, { headers: { 'x-correlation-id': 'def-456' } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-correlation-id')).toBe('def-456');
  });
});

describe('mock exchange: orders and auth', () => {
  it('creates a signed order and then cancels it', async () => {
    const mock = await start();
    const res = await createOrder(mock, { ...aLimitBuy, clientOrderId: 'c-1' });
    expect(res.status).toBe(201);
    const order = (await res.json()) as Record<string, unknown>;
    expect(order).toMatchObject({ status: 'open', symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: 60_000, qty: 0.01, clientOrderId: 'c-1' });
    expect(typeof order.orderId).toBe('string');

    const cancel = await signedFetch(mock, 'DELETE', `/api/v1/orders/${String(order.orderId)}`);
    expect(cancel.status).toBe(200);
    expect(await cancel.json()).toMatchObject({ orderId: order.orderId, status: 'canceled' });

    const again = await signedFetch(mock, 'DELETE', `/api/v1/orders/${String(order.orderId)}`);
    expect(again.status).toBe(404);
    expect(await errorCode(again)).toBe('orderNotFound');
  });

  it('accepts a market order and prices its notional at the mid', async () => {
    const mock = await start();
    const res = await createOrder(mock, { symbol: 'XRP-USDT', side: 'sell', type: 'market', qty: '25.5' });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ status: 'open', type: 'market', price: null, qty: 25.5 });
  });

  it('answers a cancel of an unknown order with 404 orderNotFound', async () => {
    const mock = await start();
    const res = await signedFetch(mock, 'DELETE', '/api/v1/orders/999999');
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe('orderNotFound');
  });

  it('rejects invalid orders with 400 invalidOrder', async () => {
    const mock = await start();
    const cases: string[] = [
      '{not json',
      '[]',
      JSON.stringify({ ...aLimitBuy, qty: undefined }),
      JSON.stringify({ ...aLimitBuy, qty: -1 }),
      JSON.stringify({ ...aLimitBuy, qty: 0 }),
      JSON.stringify({ ...aLimitBuy, price: undefined }),
      JSON.stringify({ ...aLimitBuy, side: 'long' }),
      JSON.stringify({ ...aLimitBuy, type: 'stop' }),
      JSON.stringify({ ...aLimitBuy, symbol: 'NOPE-USDT' }),
    ];
    for (const body of cases) {
      const res = await signedFetch(mock, 'POST', '/api/v1/orders', body);
      expect(res.status, body).toBe(400);
      expect(await errorCode(res), body).toBe('invalidOrder');
    }
  });

  it('rejects an order whose notional exceeds the remaining balance with insufficientMargin', async () => {
    const mock = await start({ balance: 1_000 });
    const big = await createOrder(mock, { ...aLimitBuy, price: 60_000, qty: 0.1 });
    expect(big.status).toBe(400);
    expect(await errorCode(big)).toBe('insufficientMargin');

    const first = (await (await createOrder(mock, { ...aLimitBuy, price: 600, qty: 1 })).json()) as { orderId: string };
    const second = await createOrder(mock, { ...aLimitBuy, price: 600, qty: 1 }); // 600 of 1000 already reserved
    expect(await errorCode(second)).toBe('insufficientMargin');
    await signedFetch(mock, 'DELETE', `/api/v1/orders/${first.orderId}`);
    expect((await createOrder(mock, { ...aLimitBuy, price: 600, qty: 1 })).status).toBe(201);
  });

  it('rejects missing or unknown API keys, bad signatures and stale timestamps with 401 codes', async () => {
    const mock = await start();
    const cases: [SignOptions, string][] = [
      [{ apiKey: undefined }, 'missingApiKey'],
      [{ apiKey: 'who-dis' }, 'invalidApiKey'],
      [{ apiSecret: 'wrong-secret' }, 'invalidSignature'],
      [{ signature: 'not-hex' }, 'invalidSignature'],
      [{ signature: '' }, 'invalidSignature'],
      [{ tsMs: Date.now() - 60_000 }, 'timestampOutsideRecvWindow'],
      [{ tsMs: Date.now() + 60_000 }, 'timestampOutsideRecvWindow'],
      [{ tsMs: Date.now() - 2_000, headers: { [AUTH_HEADERS.recvWindow]: '1000' } }, 'timestampOutsideRecvWindow'],
    ];
    for (const [o, code] of cases) {
      const res = await createOrder(mock, aLimitBuy, o);
      expect(res.status, code).toBe(401);
      expect(await errorCode(res)).toBe(code);
    }
  });

  it('checks the signature over the exact path and query that were sent', async () => {
    const mock = await start();
    const tsMs = Date.now();
    const signature = createHmac('sha256', DEFAULT_MOCK_CREDENTIALS.apiSecret).update(signaturePayload(tsMs, 'DELETE', '/api/v1/orders/1', '')).digest('hex');
    const res = await signedFetch(mock, 'DELETE', '/api/v1/orders/1?x=1', '', { tsMs, signature });
    expect(await errorCode(res)).toBe('invalidSignature');
  });

  it('accepts any configured credential pair', async () => {
    const mock = await start({ credentials: [{ apiKey: 'k1', apiSecret: 's1' }, { apiKey: 'k2', apiSecret: 's2' }] });
    expect((await createOrder(mock, aLimitBuy, { apiKey: 'k2', apiSecret: 's2' })).status).toBe(201);
    expect((await createOrder(mock, aLimitBuy, { apiKey: 'k1', apiSecret: 's2' })).status).toBe(401);
  });
});

describe('mock exchange: rate limits', () => {
  it('answers 429 rateLimitExceeded with an integer Retry-After once a key spends its bucket', async () => {
    const other = { apiKey: 'k2', apiSecret: 's2' };
    const mock = await start({ rateLimit: { capacity: 2, refillPerSec: 0.2 }, credentials: [DEFAULT_MOCK_CREDENTIALS, other] });
    expect((await createOrder(mock, aLimitBuy)).status).toBe(201);
    expect((await createOrder(mock, aLimitBuy)).status).toBe(201);
    const limited = await createOrder(mock, aLimitBuy);
    expect(limited.status).toBe(429);
    const retryAfter = limited.headers.get('retry-after');
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(await errorCode(limited)).toBe('rateLimitExceeded');
    expect((await createOrder(mock, aLimitBuy, other)).status).toBe(201); // each key has its own bucket
  });

  it('limits public endpoints per remote address and keys separately from private ones', async () => {
    const mock = await start({ rateLimit: { capacity: 3, refillPerSec: 0.5 } });
    for (let i = 0; i < 3; i++) expect((await fetch(`${mock.url}/api/v1/time`)).status).toBe(200);
    const limited = await fetch(`${mock.url}/api/v1/ticker?symbol=BTC-USDT`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await createOrder(mock, aLimitBuy)).status).toBe(201);
  });

  it('never limits when rateLimit is false', async () => {
    const mock = await start({ rateLimit: false });
    const statuses = await Promise.all(Array.from({ length: 50 }, () => fetch(`${mock.url}/health`).then((r) => r.status)));
    expect(new Set(statuses)).toEqual(new Set([200]));
  });
});

describe('mock exchange: faults', () => {
  it('delays responses by a fixed latency fault', async () => {
    const mock = await start({ faults: { fetchTicker: { latency: { type: 'fixed', ms: 150 } } } });
    const t0 = Date.now();
    const res = await fetch(`${mock.url}/api/v1/ticker?symbol=BTC-USDT`);
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
  });

  it('times each response server-side per route (the ground truth a client can never beat), and resets it', async () => {
    const mock = await start({ rateLimit: false, faults: { fetchTicker: { latency: { type: 'fixed', ms: 30 } } } });
    for (let i = 0; i < 5; i++) await (await fetch(`${mock.url}/api/v1/ticker?symbol=BTC-USDT`)).arrayBuffer();
    await (await fetch(`${mock.url}/health`)).arrayBuffer();
    const t = mock.serverTimeMs();
    expect(t.fetchTicker?.count).toBe(5);
    expect(t.fetchTicker?.minMs).toBeGreaterThanOrEqual(30);
    expect(t.health?.count).toBe(1);
    expect(t.health?.maxMs).toBeLessThan(30);
    expect(t.fetchMarkets).toBeUndefined();
    mock.resetStats();
    expect(mock.serverTimeMs()).toEqual({});
  });

  it('answers with 5xx when errorRatePct is 100', async () => {
    const mock = await start({ faults: { default: { errorRatePct: 100 } } });
    const codes = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${mock.url}/api/v1/markets`);
      expect([500, 503]).toContain(res.status);
      codes.add((await errorCode(res)) ?? '');
    }
    expect(codes).toEqual(new Set(['internalError', 'serviceUnavailable']));
    expect(mock.stats.errorsInjected).toBe(20);
  });

  it('resets the connection when resetRatePct is 100', async () => {
    const mock = await start({ faults: { health: { resetRatePct: 100 } } });
    await expect(fetch(`${mock.url}/health`)).rejects.toThrow();
    expect(mock.stats.resetsInjected).toBe(1);
    expect(mock.stats.byStatus.reset).toBe(1);
    expect((await fetch(`${mock.url}/api/v1/time`)).status).toBe(200); // other endpoints unaffected
  });

  it('applies faults changed at run time with setFaults', async () => {
    const mock = await start();
    expect((await fetch(`${mock.url}/health`)).status).toBe(200);
    mock.setFaults({ default: { errorRatePct: 100 } });
    expect((await fetch(`${mock.url}/health`)).status).toBeGreaterThanOrEqual(500);
    mock.setFaults({ default: { errorRatePct: 100 }, health: { errorRatePct: 0 } });
    expect((await fetch(`${mock.url}/health`)).status).toBe(200);
    expect((await fetch(`${mock.url}/api/v1/time`)).status).toBeGreaterThanOrEqual(500);
    mock.setFaults({});
    expect((await fetch(`${mock.url}/api/v1/time`)).status).toBe(200);
    expect(() => mock.setFaults({ health: { errorRatePct: 150 } })).toThrow(InputError);
  });

  it('holds responses that fall inside a stall until the stall ends', async () => {
    const mock = await start({ faults: { default: { stall: { holdMs: 1_000, everySec: 3_600 } } } });
    const res = await fetch(`${mock.url}/health`);
    expect(res.status).toBe(200);
    expect(Date.now()).toBeGreaterThanOrEqual(mock.startedAtMs + 1_000);
    expect(mock.stats.stallsHeld).toBe(1);
  });
});

describe('mock exchange: stats and lifecycle', () => {
  it('counts requests by endpoint and status, and resets the counters', async () => {
    const mock = await start({ rateLimit: false });
    await fetch(`${mock.url}/health`);
    mock.resetStats();
    for (let i = 0; i < 3; i++) await fetch(`${mock.url}/health`);
    await fetch(`${mock.url}/api/v1/ticker?symbol=BTC-USDT`);
    await fetch(`${mock.url}/api/v1/ticker?symbol=NOPE-USDT`);
    await fetch(`${mock.url}/missing`);
    await createOrder(mock, aLimitBuy);
    const s = mock.stats;
    expect(s.requestsTotal).toBe(7);
    expect(s.byEndpoint).toMatchObject({ health: 3, fetchTicker: 2, notFound: 1, createOrder: 1, fetchMarkets: 0 });
    expect(s.byStatus).toEqual({ '200': 4, '201': 1, '400': 1, '404': 1 });
    expect(s.byEndpointStatus.fetchTicker).toEqual({ '200': 1, '400': 1 });
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    mock.resetStats();
    expect(mock.stats.requestsTotal).toBe(0);
    expect(mock.stats.byStatus).toEqual({});
    expect(mock.stats.byEndpoint.health).toBe(0);
  });

  it('closes promptly with keep-alive sockets and held responses open, and closes only once', async () => {
    const mock = await start({ faults: { fetchTime: { latency: { type: 'fixed', ms: 60_000 } } } });
    const agent = new http.Agent({ keepAlive: true });
    try {
      await new Promise<void>((resolve, reject) => {
        http.get(`${mock.url}/health`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
      });
      const held = fetch(`${mock.url}/api/v1/time`).then(
        () => 'answered',
        () => 'failed',
      );
      await new Promise((r) => setTimeout(r, 50));
      expect(mock.stats.connections).toBeGreaterThanOrEqual(2);
      const closed = mock.close();
      expect(mock.close()).toBe(closed);
      const outcome = await Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('timeout'), 5_000))]);
      expect(outcome).toBe('closed');
      expect(await held).toBe('failed');
      expect(mock.server.listening).toBe(false);
    } finally {
      agent.destroy();
    }
  });

  it('rejects invalid options with an InputError naming the field', async () => {
    await expect(startMockExchange({ recvWindowMs: -1 })).rejects.toThrow(/recvWindowMs/);
    await expect(startMockExchange({ faults: { creatOrder: {} } } as MockExchangeOptions)).rejects.toBeInstanceOf(InputError);
  });

  it('exposes url, wsUrl and the port it listens on', async () => {
    const mock = await start();
    expect(mock.port).toBeGreaterThan(0);
    expect(mock.url).toBe(`http://127.0.0.1:${mock.port}`);
    expect(mock.wsUrl).toBe(`ws://127.0.0.1:${mock.port}/ws`);
  });
});
