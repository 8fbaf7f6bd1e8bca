import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildRequest, customOperation, customOperationProblems, verifyRequest, type HmacFn } from '../../src/dialect/index.js';
import { binanceSpot } from '../../src/dialect/binance-spot/index.js';
import { loadgate } from '../../src/dialect/loadgate/index.js';
import { okxV5 } from '../../src/dialect/okx-v5/index.js';

const hmac: HmacFn = (a, s, p, e) => createHmac(a, s).update(p).digest(e);
const creds = { apiKey: 'k1', apiSecret: 's1', passphrase: 'p1' };
const T = 1_700_000_000_000;

describe('custom operations', () => {
  it('a signed Binance fetchOpenOrders is built and signed like the built-in operations', () => {
    const op = customOperation(binanceSpot, { method: 'GET', path: '/api/v3/openOrders', params: { symbol: '{symbol}' }, signed: true });
    const w = buildRequest(binanceSpot, op, { symbol: 'ETH/USDT' }, { credentials: creds, timestampMs: T, hmac });
    expect(w.path).toMatch(/^\/api\/v3\/openOrders\?symbol=ETHUSDT&recvWindow=5000&timestamp=1700000000000&signature=[0-9a-f]{64}$/);
    expect(verifyRequest(binanceSpot, { method: w.method, url: w.path, headers: { 'x-mbx-apikey': 'k1' }, body: '' }, () => creds, T, hmac)).toEqual({ ok: true, apiKey: 'k1' });
  });

  it('an internal public endpoint with a path placeholder, and an OKX JSON body', () => {
    const risk = customOperation(loadgate, { method: 'GET', path: '/v1/risk/limits/{symbol}', params: { depth: '{depth}', view: 'full' } });
    expect(buildRequest(loadgate, risk, { symbol: 'BTC/USDT', depth: 5 })).toEqual({ method: 'GET', path: '/v1/risk/limits/BTC-USDT?depth=5&view=full', headers: {}, body: undefined });
    const amend = customOperation(okxV5, { method: 'POST', path: '/api/v5/trade/amend-order', params: { instId: '{symbol}', ordId: '{orderId}', newSz: '2' }, signed: true });
    const w = buildRequest(okxV5, amend, { symbol: 'BTC/USDT', orderId: '42' }, { credentials: creds, timestampMs: T, hmac });
    expect(JSON.parse(w.body!)).toEqual({ instId: 'BTC-USDT', ordId: '42', newSz: '2' });
    expect(w.headers['OK-ACCESS-SIGN']).toMatch(/=$/);
  });

  it('names each problem with its field, so a typo never reaches the wire', () => {
    expect(customOperationProblems({ method: 'GET', path: 'v1/x/{sybmol}', params: { a: '{orderid}', b: 1 } })).toEqual([
      'path: must start with "/", got "v1/x/{sybmol}"',
      'path: unknown placeholder {sybmol}; use {symbol}, {orderId}, {depth}',
      'params.a: unknown placeholder {orderid}; use {symbol}, {orderId}, {depth}',
    ]);
    expect(() => customOperation(loadgate, { method: 'GET', path: '/x/{nope}' })).toThrow(/unknown placeholder \{nope\}/);
    const op = customOperation(loadgate, { method: 'DELETE', path: '/x/{orderId}' });
    expect(() => buildRequest(loadgate, op, {})).toThrow(/\{orderId\} has no value/);
    expect(buildRequest(loadgate, op, { orderId: 'a/b' }).path).toBe('/x/a%2Fb');
  });
});
