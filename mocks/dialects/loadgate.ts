/**
 * `loadgate`: the mock's own protocol (src/dialect/loadgate), answered exactly as the mock always has: JSON
 * bodies, errors as `{"error":{"code","message"}}` with messages that name the numbers involved (the offset of a
 * stale timestamp, the balance an order lacks), which is why its refusals are written here rather than taken
 * from the dialect's fixed `errorReply` texts. Checks run key, rate limit, timestamp, signature, in that order.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AUTH_HEADERS, signaturePayload } from '../../src/dialect/loadgate/auth.js';
import { parseOrderRequest } from '../orders.js';
import { MAX_BODY_BYTES, type MockRequest, type MockServerContext, type MockSpeaker, type Reply } from './types.js';

const DEFAULT_DEPTH = 20;
const MAX_DEPTH = 500;

const json = (status: number, value: unknown): Reply => ({ status, body: JSON.stringify(value) });
const fail = (status: number, code: string, message: string): Reply => json(status, { error: { code, message } });

const NOT_FOUND = fail(404, 'notFound', 'no such endpoint');
const INJECTED = {
  internalError: fail(500, 'internalError', 'injected fault: internal error'),
  serviceUnavailable: fail(503, 'serviceUnavailable', 'injected fault: service unavailable'),
};

function header(r: MockRequest, name: string): string | undefined {
  const v = r.req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const rateLimited = (retryAfterSec: number): Reply => ({
  ...fail(429, 'rateLimitExceeded', `rate limit exceeded; retry in ${retryAfterSec}s`),
  retryAfterSec,
});

export function loadgateSpeaker(ctx: MockServerContext): MockSpeaker {
  const { market, orders, publicLimiter, privateLimiter } = ctx;
  const marketsBody = JSON.stringify(market.markets);

  /** Checks key, rate limit, timestamp and signature, in that order; returns the API key or the rejection. */
  const authenticate = (r: MockRequest, body: string, nowMs: number): string | Reply => {
    const apiKey = header(r, AUTH_HEADERS.apiKey);
    if (apiKey === undefined || apiKey === '') return fail(401, 'missingApiKey', `missing ${AUTH_HEADERS.apiKey} header`);
    const secret = ctx.credentials.get(apiKey)?.apiSecret;
    if (secret === undefined) return fail(401, 'invalidApiKey', 'unknown API key');
    if (privateLimiter) {
      const retryAfterSec = privateLimiter.take(apiKey, nowMs);
      if (retryAfterSec > 0) return rateLimited(retryAfterSec);
    }
    let recvWindowMs = ctx.recvWindowMs;
    const windowHeader = header(r, AUTH_HEADERS.recvWindow);
    if (windowHeader !== undefined) {
      const requested = Number(windowHeader);
      if (!Number.isFinite(requested) || requested <= 0) {
        return fail(400, 'invalidParameter', `${AUTH_HEADERS.recvWindow} must be a positive number of ms`);
      }
      recvWindowMs = Math.min(recvWindowMs, requested);
    }
    const tsHeader = header(r, AUTH_HEADERS.timestamp);
    const ts = tsHeader === undefined || tsHeader === '' ? Number.NaN : Number(tsHeader);
    if (!Number.isFinite(ts)) return fail(401, 'timestampOutsideRecvWindow', `missing or malformed ${AUTH_HEADERS.timestamp} header (epoch ms)`);
    if (Math.abs(nowMs - ts) > recvWindowMs) {
      return fail(401, 'timestampOutsideRecvWindow', `timestamp is ${Math.round(nowMs - ts)} ms off server time; recv window is ${recvWindowMs} ms`);
    }
    const signature = header(r, AUTH_HEADERS.signature) ?? '';
    const expected = createHmac('sha256', secret).update(signaturePayload(tsHeader ?? '', r.req.method ?? '', r.rawUrl, body)).digest();
    const given = Buffer.from(signature, 'hex');
    // Buffer.from(…, 'hex') stops at the first non-hex character, so a malformed signature comes out short.
    if (signature.length !== 64 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return fail(401, 'invalidSignature', 'signature does not match the request');
    }
    return apiKey;
  };

  return {
    notFound: NOT_FOUND,
    injected: INJECTED,
    publicReply(r, nowMs) {
      if (publicLimiter) {
        const retryAfterSec = publicLimiter.take(r.req.socket.remoteAddress ?? '', nowMs);
        if (retryAfterSec > 0) return rateLimited(retryAfterSec);
      }
      switch (r.op) {
        case 'health':
          return json(200, { status: 'ok', serverTimeMs: Math.floor(nowMs) });
        case 'fetchTime':
          return json(200, { serverTimeMs: Math.floor(nowMs) });
        case 'fetchMarkets':
          return { status: 200, body: marketsBody };
        case 'fetchOrderBook': {
          const params = new URLSearchParams(r.query);
          const symbol = params.get('symbol');
          if (symbol === null || symbol === '') return fail(400, 'invalidParameter', 'symbol is required');
          if (!market.has(symbol)) return fail(400, 'invalidSymbol', `unknown symbol "${symbol}"`);
          const depthParam = params.get('depth');
          let depth = DEFAULT_DEPTH;
          if (depthParam !== null) {
            depth = /^\d{1,4}$/.test(depthParam) ? Number(depthParam) : 0;
            if (depth < 1 || depth > MAX_DEPTH) return fail(400, 'invalidParameter', `depth must be an integer from 1 to ${MAX_DEPTH}`);
          }
          return json(200, market.orderBook(symbol, depth));
        }
        case 'fetchTicker': {
          const symbol = new URLSearchParams(r.query).get('symbol');
          if (symbol === null || symbol === '') return fail(400, 'invalidParameter', 'symbol is required');
          const ticker = market.ticker(symbol);
          return ticker ? json(200, ticker) : fail(400, 'invalidSymbol', `unknown symbol "${symbol}"`);
        }
        default:
          return NOT_FOUND;
      }
    },
    privateReply(r, body, nowMs) {
      if (body === undefined) return fail(413, 'payloadTooLarge', `body exceeds ${MAX_BODY_BYTES} bytes`);
      const auth = authenticate(r, body, nowMs);
      if (typeof auth !== 'string') {
        if (auth.status === 401) ctx.countAuth(false);
        return auth;
      }
      ctx.countAuth(true);
      if (r.op === 'cancelOrder') {
        const orderId = r.pathParams.orderId ?? '';
        const order = orders.cancel(auth, orderId);
        ctx.ordersChanged();
        if (!order) return fail(404, 'orderNotFound', `no open order ${orderId}`);
        return json(200, { orderId: order.orderId, clientOrderId: order.clientOrderId, symbol: order.symbol, status: 'canceled', canceledAtMs: Math.floor(nowMs) });
      }
      if (r.op !== 'createOrder') return NOT_FOUND;
      const parsedOrder = parseOrderRequest(body, (s) => market.market(s));
      if (!parsedOrder.ok) return fail(400, 'invalidOrder', parsedOrder.message);
      const wanted = parsedOrder.value;
      const notional = wanted.qty * (wanted.price ?? market.midPrice(wanted.symbol) ?? 0);
      const order = orders.create(auth, wanted, notional, Math.floor(nowMs));
      ctx.ordersChanged();
      if (!order) {
        const quote = market.market(wanted.symbol)?.quote ?? '';
        return fail(400, 'insufficientMargin', `order needs ${notional.toFixed(2)} ${quote}; ${orders.remaining(auth).toFixed(2)} available`);
      }
      return json(201, {
        orderId: order.orderId,
        clientOrderId: order.clientOrderId,
        symbol: order.symbol,
        side: order.side,
        type: order.type,
        price: order.price,
        qty: order.qty,
        status: 'open',
        createdAtMs: order.createdAtMs,
      });
    },
  };
}
