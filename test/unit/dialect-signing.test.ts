import { createHmac } from 'node:crypto';
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { buildRequest, DIALECT_NAMES, getDialect, verifyRequest, type HmacFn, type ReceivedRequest, type WireRequest } from '../../src/dialect/index.js';
import { binanceSpot } from '../../src/dialect/binance-spot/index.js';
import { okxV5 } from '../../src/dialect/okx-v5/index.js';
import { bybitV5 } from '../../src/dialect/bybit-v5/index.js';
import { loadgate } from '../../src/dialect/loadgate/index.js';
import { FORM } from '../../src/dialect/request.js';
import { RequestFactory, signHeaders } from '../../src/engines/exchange-requests.js';
import { parseSuite } from '../../src/suite/load.js';

const hmac: HmacFn = (algorithm, secret, payload, encoding) => createHmac(algorithm, secret).update(payload).digest(encoding);
const T = 1_700_000_123_456;
const creds = { apiKey: 'test-key-1', apiSecret: 'test-secret-1', passphrase: 'test-pass-1' };

type CcxtSigned = { url: string; method: string; body?: string; headers?: Record<string, string> };
/** A ccxt exchange with a frozen clock (every timestamp it signs is T). */
type Signer = { sign(path: string, api: string, method: string, params: Record<string, unknown>): CcxtSigned };
function frozen(ex: object): Signer {
  const e = ex as unknown as { milliseconds: () => number; nonce: () => number; seconds: () => number };
  e.milliseconds = () => T;
  e.nonce = () => T;
  e.seconds = () => Math.floor(T / 1000);
  return ex as unknown as Signer;
}

/** What a server receives from a ccxt-signed request (header names lower-cased, origin stripped). */
function asReceived(r: CcxtSigned): ReceivedRequest {
  const u = new URL(r.url);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = v;
  return { method: r.method, url: u.pathname + u.search, headers, body: r.body ?? '' };
}

function wireAsReceived(w: WireRequest): ReceivedRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(w.headers)) headers[k.toLowerCase()] = v;
  return { method: w.method, url: w.path, headers, body: w.body ?? '' };
}

const order = { symbol: 'BTC/USDT', side: 'buy' as const, type: 'limit' as const, qty: 0.0015, price: 61234.5, clientOrderId: 'lg-ab12cd34-7f' };

describe('Binance spot signing', () => {
  it("reproduces Binance's documented HMAC-SHA256 example byte for byte", () => {
    // https://developers.binance.com/docs/binance-spot-api-docs/rest-api/request-security (example 2: parameters in the body)
    const secret = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
    const payload = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
    expect(hmac('sha256', secret, payload, 'hex')).toBe('c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71');
    const signed = binanceSpot.signing.sign(
      { method: 'POST', path: '/api/v3/order', query: '', body: 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1', contentType: FORM },
      { credentials: { apiKey: 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A', apiSecret: secret }, timestampMs: 1499827319559, hmac, recvWindowMs: 5000 },
    );
    expect(signed.body).toBe(`${payload}&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71`);
    expect(signed.headers['X-MBX-APIKEY']).toBe('vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A');
    expect(signed.path).toBe('/api/v3/order');
  });

  it('verifies requests that ccxt signs (POST form body and DELETE query) with the server half', () => {
    const ex = frozen(new ccxt.binance({ apiKey: creds.apiKey, secret: creds.apiSecret, enableRateLimit: false }));
    const post = ex.sign('order', 'private', 'POST', { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.0015', price: '61234.5', newClientOrderId: 'lgab12cd347f' });
    const del = ex.sign('order', 'private', 'DELETE', { symbol: 'BTCUSDT', orderId: '28' });
    for (const r of [post, del]) {
      const got = verifyRequest(binanceSpot, asReceived(r), (k) => (k === creds.apiKey ? creds : undefined), T, hmac, 60_000);
      expect(got).toEqual({ ok: true, apiKey: creds.apiKey });
      // A flipped parameter breaks it: the check is real.
      const tampered = asReceived(r);
      if (tampered.body !== '') tampered.body = tampered.body.replace('BTCUSDT', 'ETHUSDT');
      else tampered.url = tampered.url.replace('orderId=28', 'orderId=29');
      expect(verifyRequest(binanceSpot, tampered, () => creds, T, hmac, 60_000)).toEqual({ ok: false, reason: 'invalidSignature' });
    }
  });

  it('puts the signature last, in the form body for POST and in the query for DELETE', () => {
    const create = buildRequest(binanceSpot, 'createOrder', { order }, { credentials: creds, timestampMs: T, hmac });
    expect(create.method).toBe('POST');
    expect(create.path).toBe('/api/v3/order');
    expect(create.headers['content-type']).toBe(FORM);
    expect(create.body).toMatch(/^symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0\.0015&price=61234\.5&newClientOrderId=lg-ab12cd34-7f&recvWindow=5000&timestamp=1700000123456&signature=[0-9a-f]{64}$/);
    const cancel = buildRequest(binanceSpot, 'cancelOrder', { symbol: 'BTC/USDT', orderId: '28' }, { credentials: creds, timestampMs: T, hmac });
    expect(cancel.path).toMatch(/^\/api\/v3\/order\?symbol=BTCUSDT&orderId=28&recvWindow=5000&timestamp=1700000123456&signature=[0-9a-f]{64}$/);
    expect(cancel.body).toBeUndefined();
  });
});

describe('OKX v5 signing matches ccxt', () => {
  it('signs createOrder and cancelOrder exactly as ccxt does with the same inputs and clock', () => {
    const ex = frozen(new ccxt.okx({ apiKey: creds.apiKey, secret: creds.apiSecret, password: creds.passphrase, enableRateLimit: false }));
    const cases = [
      { op: 'createOrder' as const, input: { order }, ccxtPath: 'trade/order' },
      { op: 'cancelOrder' as const, input: { symbol: 'BTC/USDT', orderId: '312269865356374016' }, ccxtPath: 'trade/cancel-order' },
    ];
    for (const c of cases) {
      const mine = buildRequest(okxV5, c.op, c.input, { credentials: creds, timestampMs: T, hmac });
      const theirs = ex.sign(c.ccxtPath, 'private', 'POST', JSON.parse(mine.body!) as Record<string, unknown>);
      expect(new URL(theirs.url).pathname).toBe(mine.path);
      expect(theirs.body).toBe(mine.body);
      for (const h of ['OK-ACCESS-KEY', 'OK-ACCESS-PASSPHRASE', 'OK-ACCESS-TIMESTAMP', 'OK-ACCESS-SIGN']) {
        expect(theirs.headers![h], h).toMatch(/./);
        expect(mine.headers[h], h).toBe(theirs.headers![h]);
      }
      expect(mine.headers['OK-ACCESS-TIMESTAMP']).toBe('2023-11-14T22:15:23.456Z');
    }
  });

  it('refuses to sign without a passphrase', () => {
    expect(() => buildRequest(okxV5, 'cancelOrder', { symbol: 'BTC/USDT', orderId: '1' }, { credentials: { apiKey: 'k', apiSecret: 's' }, timestampMs: T, hmac })).toThrow(/passphrase/);
  });

  it('verifies a ccxt-signed request and rejects a wrong passphrase', () => {
    const ex = frozen(new ccxt.okx({ apiKey: creds.apiKey, secret: creds.apiSecret, password: creds.passphrase, enableRateLimit: false }));
    const r = asReceived(ex.sign('trade/order', 'private', 'POST', { instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'limit', sz: '1', px: '0.1' }));
    expect(verifyRequest(okxV5, r, () => creds, T + 1000, hmac)).toEqual({ ok: true, apiKey: creds.apiKey });
    expect(verifyRequest(okxV5, r, () => ({ ...creds, passphrase: 'other' }), T, hmac)).toEqual({ ok: false, reason: 'badPassphrase' });
    expect(verifyRequest(okxV5, r, () => creds, T + 31_000, hmac)).toEqual({ ok: false, reason: 'timestampOutsideRecvWindow' });
  });
});

describe('Bybit v5 signing matches ccxt', () => {
  it('signs createOrder and cancelOrder exactly as ccxt does with the same inputs and clock', () => {
    const ex = frozen(new ccxt.bybit({ apiKey: creds.apiKey, secret: creds.apiSecret, enableRateLimit: false }));
    const cases = [
      { op: 'createOrder' as const, input: { order }, ccxtPath: 'v5/order/create' },
      { op: 'cancelOrder' as const, input: { symbol: 'BTC/USDT', orderId: '1321003749386327552' }, ccxtPath: 'v5/order/cancel' },
    ];
    for (const c of cases) {
      const mine = buildRequest(bybitV5, c.op, c.input, { credentials: creds, timestampMs: T, hmac });
      const theirs = ex.sign(c.ccxtPath, 'private', 'POST', JSON.parse(mine.body!) as Record<string, unknown>);
      expect(new URL(theirs.url).pathname).toBe(mine.path);
      expect(theirs.body).toBe(mine.body);
      for (const h of ['X-BAPI-API-KEY', 'X-BAPI-TIMESTAMP', 'X-BAPI-RECV-WINDOW', 'X-BAPI-SIGN']) {
        expect(theirs.headers![h], h).toMatch(/./);
        expect(mine.headers[h], h).toBe(theirs.headers![h]);
      }
    }
  });

  it('verifies a ccxt-signed GET (the query string is what is signed)', () => {
    const ex = frozen(new ccxt.bybit({ apiKey: creds.apiKey, secret: creds.apiSecret, enableRateLimit: false }));
    const r = asReceived(ex.sign('v5/order/realtime', 'private', 'GET', { category: 'spot', symbol: 'BTCUSDT' }));
    expect(verifyRequest(bybitV5, r, () => creds, T, hmac)).toEqual({ ok: true, apiKey: creds.apiKey });
    expect(verifyRequest(bybitV5, { ...r, url: r.url.replace('BTCUSDT', 'ETHUSDT') }, () => creds, T, hmac)).toEqual({ ok: false, reason: 'invalidSignature' });
  });
});

describe('loadgate signing is today’s scheme', () => {
  it('signs exactly like src/engines/exchange-requests.ts and its RequestFactory', () => {
    const suite = parseSuite('s.yaml', { target: { mock: true }, workloads: [{ name: 'w', load: { model: 'closed', connections: 1, durationSec: 1 }, mix: [{ endpoint: 'createOrder' }], symbols: ['BTC-USDT'] }] });
    const f = new RequestFactory({ workload: suite.workloads[0]!, credentials: creds, seed: 7, wallClock: () => T });
    f.referencePrices.set('BTC-USDT', 65_000);
    const today = f.next();
    const body = JSON.parse(today.body!) as { symbol: string; side: 'buy' | 'sell'; type: 'limit'; qty: number; price: number; clientOrderId: string };
    const mine = buildRequest(loadgate, 'createOrder', { order: { ...body, symbol: 'BTC/USDT' } }, { credentials: creds, timestampMs: T, hmac });
    expect(mine.path).toBe(today.path);
    expect(mine.body).toBe(today.body);
    for (const [k, v] of Object.entries(signHeaders(creds, 'POST', today.path, today.body!, T))) expect(mine.headers[k], k).toBe(v);
    const cancel = buildRequest(loadgate, 'cancelOrder', { orderId: 'ord 42' }, { credentials: creds, timestampMs: T, hmac });
    expect(cancel.path).toBe('/api/v1/orders/ord%2042');
    expect(cancel.headers['x-lg-signature']).toBe(signHeaders(creds, 'DELETE', '/api/v1/orders/ord%2042', '', T)['x-lg-signature']);
  });
});

describe('every dialect', () => {
  it.each(DIALECT_NAMES)('%s: what it signs, its own server half verifies; a changed body or a stale clock does not pass', (name) => {
    const d = getDialect(name);
    for (const op of ['createOrder', 'cancelOrder'] as const) {
      const input = op === 'createOrder' ? { order } : { symbol: 'BTC/USDT', orderId: '12345' };
      const w = buildRequest(d, op, input, { credentials: creds, timestampMs: T, hmac });
      const r = wireAsReceived(w);
      expect(verifyRequest(d, r, (k) => (k === creds.apiKey ? creds : undefined), T + 100, hmac)).toEqual({ ok: true, apiKey: creds.apiKey });
      expect(verifyRequest(d, r, () => undefined, T, hmac)).toEqual({ ok: false, reason: 'unknownApiKey' });
      expect(verifyRequest(d, r, () => creds, T + 10 * 60_000, hmac)).toEqual({ ok: false, reason: 'timestampOutsideRecvWindow' });
      const changed = r.body !== '' ? { ...r, body: r.body.replace('12345', '12346').replace('BTC', 'ETH') } : { ...r, url: r.url.replace('12345', '12346') };
      expect(verifyRequest(d, changed, () => creds, T, hmac)).toEqual({ ok: false, reason: 'invalidSignature' });
    }
  });

  it.each(DIALECT_NAMES)('%s: public operations go unsigned', (name) => {
    const d = getDialect(name);
    for (const op of ['fetchMarkets', 'fetchTicker', 'fetchOrderBook', 'fetchTime', 'health'] as const) {
      expect(d.rest[op].signed).toBe(false);
      const w = buildRequest(d, op, { symbol: 'BTC/USDT', depth: 10 }, { credentials: creds, timestampMs: T, hmac });
      expect(Object.keys(w.headers)).toEqual([]);
      expect(w.body).toBeUndefined();
    }
  });
});
