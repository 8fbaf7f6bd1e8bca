import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildRequest, classify, DIALECT_NAMES, getDialect, matchRoute, OPERATIONS, SERVER_ERROR_KINDS, verifyFailureKind, verifyRequest, type HmacFn, type ServerErrorKind, type TradingReason } from '../../src/dialect/index.js';
import type { ErrorClass } from '../../src/result/model.js';

const hmac: HmacFn = (a, s, p, e) => createHmac(a, s).update(p).digest(e);

const EXPECTED: Record<ServerErrorKind, { errorClass: ErrorClass; reason?: TradingReason }> = {
  rateLimit: { errorClass: 'rateLimit' },
  invalidApiKey: { errorClass: 'auth' },
  invalidPassphrase: { errorClass: 'auth' },
  invalidSignature: { errorClass: 'auth' },
  timestampOutsideRecvWindow: { errorClass: 'auth' },
  insufficientMargin: { errorClass: 'trading', reason: 'insufficientMargin' },
  orderNotFound: { errorClass: 'trading', reason: 'orderNotFound' },
  invalidOrder: { errorClass: 'trading', reason: 'invalidOrder' },
  invalidSymbol: { errorClass: 'trading', reason: 'invalidOrder' },
  server: { errorClass: 'server' },
};

describe('server half', () => {
  it.each(DIALECT_NAMES)('%s: every refusal the mock can send is classified back as what it means by the same dialect', (name) => {
    const d = getDialect(name);
    for (const kind of SERVER_ERROR_KINDS) {
      const r = d.server.errorReply(kind);
      const got = classify(d.errors, r.status, r.body);
      expect(got?.errorClass, `${name} ${kind}`).toBe(EXPECTED[kind].errorClass);
      expect(got?.reason, `${name} ${kind}`).toBe(EXPECTED[kind].reason);
      expect(got?.errorCode, `${name} ${kind}: a body code`).toMatch(/./);
    }
  });

  it.each(DIALECT_NAMES)('%s: routes every request a client builds back to its operation', (name) => {
    const d = getDialect(name);
    for (const op of OPERATIONS) {
      const w = buildRequest(d, op, { symbol: 'BTC/USDT', depth: 5, orderId: 'o/1', order: { symbol: 'BTC/USDT', side: 'buy', type: 'limit', qty: 1, price: 2, clientOrderId: 'c1' } });
      const m = matchRoute(d, w.method, w.path.split('?')[0]!);
      // OKX and Bybit probe health on the time endpoint: the route is fetchTime's.
      expect(m?.op, `${name} ${op}`).toBe(op === 'health' && d.rest.health.path === d.rest.fetchTime.path ? 'fetchTime' : op);
      if (d.rest[op].path.includes('{orderId}')) expect(m?.pathParams).toEqual({ orderId: 'o/1' });
    }
    expect(matchRoute(d, 'GET', '/nope')).toBeUndefined();
    expect(matchRoute(d, 'PUT', d.rest.fetchTicker.path)).toBeUndefined();
  });

  it.each(DIALECT_NAMES)('%s: a failed verification maps to the refusal the exchange would send', (name) => {
    const d = getDialect(name);
    const creds = { apiKey: 'k', apiSecret: 's', passphrase: 'p' };
    const w = buildRequest(d, 'cancelOrder', { symbol: 'BTC/USDT', orderId: '9' }, { credentials: creds, timestampMs: 1_700_000_000_000, hmac });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(w.headers)) headers[k.toLowerCase()] = v;
    const res = verifyRequest(d, { method: w.method, url: w.path, headers, body: w.body ?? '' }, () => ({ apiSecret: 'other', passphrase: 'p' }), 1_700_000_000_000, hmac);
    expect(res).toEqual({ ok: false, reason: 'invalidSignature' });
    if (!res.ok) {
      const reply = d.server.errorReply(verifyFailureKind(res.reason));
      expect(classify(d.errors, reply.status, reply.body)?.errorClass).toBe('auth');
    }
  });

  it('refuses a malformed receive window instead of skipping the timestamp check (recvWindow=abc is NaN)', () => {
    const d = getDialect('binance-spot');
    const creds = { apiKey: 'k', apiSecret: 's' };
    const signedAt = 1_700_000_000_000;
    // Signed with a junk recvWindow, checked an hour later: a NaN window compared false and let it through.
    const query = `symbol=BTCUSDT&orderId=9&recvWindow=abc&timestamp=${signedAt}`;
    const url = `/api/v3/order?${query}&signature=${hmac('sha256', creds.apiSecret, query, 'hex')}`;
    const res = verifyRequest(d, { method: 'DELETE', url, headers: { 'x-mbx-apikey': 'k' }, body: '' }, () => creds, signedAt + 3_600_000, hmac);
    expect(res).toEqual({ ok: false, reason: 'timestampOutsideRecvWindow' });
  });
});
