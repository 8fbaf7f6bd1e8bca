/** The one request planner (src/workload/plan.ts): mix, sizing, symbols, every dialect, signing at send, custom endpoints, k6-loadability. */
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DIALECT_NAMES, getDialect, verifyRequest, type HmacFn, type ReceivedRequest } from '../../src/dialect/index.js';
import { loadAsK6 } from '../helpers/k6-loadable.js';
import { RequestPlanner, sizeOrder, snap, snapUp, unifiedSymbol, readsSuccessBodies, type PlannerOptions, type SendableRequest } from '../../src/workload/plan.js';
import type * as PlanModule from '../../src/workload/plan.js';

const hmac: HmacFn = (algo, secret, payload, enc) => createHmac(algo, secret).update(payload).digest(enc);
const creds = { apiKey: 'key-1', apiSecret: 'secret-1', passphrase: 'pass-1' };
const order = { side: 'both', type: 'limit', notionalMin: 20, notionalMax: 100, priceOffsetPct: 2 } as const;
const T = 1_700_000_000_000;

function planner(over: Partial<PlannerOptions> = {}): RequestPlanner {
  let n = 0;
  return new RequestPlanner({
    dialect: getDialect('loadgate'),
    mix: [{ endpoint: 'fetchTicker', weight: 1 }],
    symbols: ['BTC-USDT'],
    order,
    seed: 1,
    credentials: creds,
    hmac,
    wallClockMs: () => T,
    nextId: () => `lg-test-${++n}`,
    ...over,
  });
}

const received = (w: SendableRequest): ReceivedRequest => {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(w.headers)) headers[k.toLowerCase()] = v;
  return { method: w.method, url: w.path, headers, body: w.body ?? '' };
};

describe('order sizing', () => {
  it('prices away from the reference, snaps to tick and step, and lifts the quantity to min qty and min notional', () => {
    const always = (v: number) => () => v;
    const buy = sizeOrder({ ...order, side: 'buy' }, 'BTC/USDT', 100, { tickSize: 0.1, stepSize: 0.001, minQty: 0.001 }, always(0));
    expect(buy).toEqual({ side: 'buy', price: 98, qty: 0.204 });
    // 20 USDT at 98 is 0.204; a min notional of 50 lifts it to the first step at or above 50 / 98.
    const lifted = sizeOrder({ ...order, side: 'buy' }, 'BTC/USDT', 100, { tickSize: 0.1, stepSize: 0.001, minQty: 0.001, minNotional: 50 }, always(0));
    expect(lifted.qty).toBe(0.511);
    expect(lifted.qty * lifted.price).toBeGreaterThanOrEqual(50);
    expect(sizeOrder({ ...order, side: 'sell' }, 'X', 100, { tickSize: 1, stepSize: 1, minQty: 5 }, always(0)).qty).toBe(5);
    expect(() => sizeOrder(order, 'BTC/USDT', undefined, undefined, always(0))).toThrow(/no reference price for BTC\/USDT/);
    expect(snap(0.1 + 0.2, 0.1)).toBe(0.3);
    expect(snapUp(0.30001, 0.1)).toBe(0.4);
    expect(snapUp(0.3, 0.1)).toBe(0.3);
  });
});

describe('symbols', () => {
  it('reads a symbol as the suite writes it: unified, or the exchange id of the dialect', () => {
    expect(unifiedSymbol(getDialect('loadgate'), 'BTC-USDT')).toBe('BTC/USDT');
    expect(unifiedSymbol(getDialect('binance-spot'), 'BTCUSDT')).toBe('BTC/USDT');
    expect(unifiedSymbol(getDialect('okx-v5'), 'eth/usdt')).toBe('ETH/USDT');
    expect(unifiedSymbol(getDialect('loadgate'), 'BTCUSDT')).toBeUndefined();
    // BASE-QUOTE (the suite's default form) is the same pair on every exchange, not Binance's `BTC-` / `USDT`.
    for (const name of DIALECT_NAMES) expect(unifiedSymbol(getDialect(name), 'BTC-USDT')).toBe('BTC/USDT');
    expect(() => planner({ symbols: ['BTCUSDT'] })).toThrow(/symbol "BTCUSDT" is not one the loadgate dialect can read/);
  });
});

describe('every dialect', () => {
  it.each(DIALECT_NAMES)('%s: plans the five operations; what it signs at send, the dialect’s server half verifies', (name) => {
    const d = getDialect(name);
    let clock = T;
    const p = planner({
      dialect: d,
      mix: [{ endpoint: 'fetchMarkets', weight: 1 }, { endpoint: 'fetchTicker', weight: 1 }, { endpoint: 'fetchOrderBook', weight: 1, depth: 5 }, { endpoint: 'createOrder', weight: 1 }, { endpoint: 'cancelOrder', weight: 1 }],
      symbols: ['BTC/USDT', 'ETH/USDT'],
      wallClockMs: () => clock,
    });
    p.setReferencePrice('BTC/USDT', 65_000);
    p.setReferencePrice('ETH/USDT', 3_000);
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const req = p.next(false);
      seen.add(req.endpoint);
      const op = d.rest[req.endpoint as 'createOrder'];
      expect(req.method, req.endpoint).toBe(op.method);
      expect(req.path.startsWith(op.path.replace(/\{.*$/, '')), `${req.endpoint} ${req.path}`).toBe(true);
      expect(req.headers['x-correlation-id']).toBe(req.correlationId);
      if (!op.signed) {
        expect(req.unsigned).toBeUndefined();
        continue;
      }
      expect(req.unsigned, req.endpoint).toBeDefined();
      if (req.endpoint === 'cancelOrder') expect(req.symbol).toMatch(/^(BTC|ETH)\/USDT$/);
      // Signed at send: the timestamp is the clock's when signedNow runs, not when it was planned.
      clock = T + 60_000;
      const wire = p.signedNow(req);
      const ok = verifyRequest(d, received(wire), (k) => (k === creds.apiKey ? creds : undefined), T + 60_000, hmac);
      expect(ok, `${name} ${req.endpoint}`).toEqual({ ok: true, apiKey: creds.apiKey });
      expect(verifyRequest(d, received(wire), () => creds, T, hmac).ok, 'a minute before it was signed is outside the window').toBe(false);
      clock = T;
    }
    expect([...seen].sort()).toEqual(['cancelOrder', 'createOrder', 'fetchMarkets', 'fetchOrderBook', 'fetchTicker']);
  });

  it.each(DIALECT_NAMES)('%s: an error reply of its own server half is classified, and an unknown-order cancel is not put back', (name) => {
    const d = getDialect(name);
    const p = planner({ dialect: d, mix: [{ endpoint: 'cancelOrder', weight: 1 }], symbols: ['BTC/USDT'] });
    const r = d.server.errorReply('insufficientMargin');
    expect(p.classify(r.status, r.body)).toMatchObject({ errorClass: 'trading', reason: 'insufficientMargin' });
    const gone = d.server.errorReply('orderNotFound');
    p.noteResponse({ endpoint: 'cancelOrder', orderId: '77', symbol: 'BTC/USDT' }, gone.status, gone.body);
    expect(p.openOrders).toBe(0);
    const limited = d.server.errorReply('rateLimit');
    p.noteResponse({ endpoint: 'cancelOrder', orderId: '78', symbol: 'BTC/USDT' }, limited.status, limited.body);
    expect(p.takeRestingOrders()).toEqual([{ id: '78', symbol: 'BTC/USDT' }]);
    expect(readsSuccessBodies(d)).toBe(name === 'okx-v5' || name === 'bybit-v5');
  });
});

describe('custom endpoints', () => {
  it('join the mix, fill {symbol} with the exchange id and sign when declared signed', () => {
    const d = getDialect('binance-spot');
    const p = planner({
      dialect: d,
      mix: [{ endpoint: 'fetchOpenOrders', weight: 1 }, { endpoint: 'riskLimits', weight: 1 }],
      symbols: ['BTC/USDT'],
      custom: {
        fetchOpenOrders: { method: 'GET', path: '/api/v3/openOrders', params: { symbol: '{symbol}' }, signed: true },
        riskLimits: { method: 'GET', path: '/v1/risk/limits/{symbol}' },
      },
    });
    expect(p.endpoints).toEqual(['fetchOpenOrders', 'riskLimits']);
    const open = p.next();
    expect(open.path).toMatch(/^\/api\/v3\/openOrders\?symbol=BTCUSDT&.*timestamp=\d+.*&signature=[0-9a-f]{64}$/);
    expect(verifyRequest(d, received(open), () => creds, T, hmac)).toEqual({ ok: true, apiKey: creds.apiKey });
    const risk = p.next();
    expect(risk.path).toBe('/v1/risk/limits/BTCUSDT');
    expect(risk.unsigned).toBeUndefined();
    expect(() => planner({ mix: [{ endpoint: 'fetchBalanse', weight: 1 }] })).toThrow(/unknown endpoint "fetchBalanse"/);
  });
});

describe('the loadgate dialect plans what the engines sent before the dialects', () => {
  it('same paths, bodies and signatures as the hand-built requests', () => {
    const p = planner({ mix: [{ endpoint: 'fetchTicker', weight: 1 }, { endpoint: 'fetchOrderBook', weight: 1 }, { endpoint: 'createOrder', weight: 1 }, { endpoint: 'cancelOrder', weight: 1 }], symbols: ['BTC-USDT', 'ETH-USDT'] });
    p.setReferencePrice('BTC-USDT', 100);
    p.setReferencePrice('ETH-USDT', 100);
    expect(p.next().path).toBe('/api/v1/ticker?symbol=BTC-USDT');
    expect(p.next().path).toBe('/api/v1/orderbook?symbol=ETH-USDT&depth=20');
    const create = p.next();
    const body = JSON.parse(create.body!) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['symbol', 'side', 'type', 'qty', 'clientOrderId', 'price']);
    expect(body).toMatchObject({ symbol: 'BTC-USDT', type: 'limit', clientOrderId: create.correlationId, price: body.side === 'buy' ? 98 : 102 });
    expect(create.headers['content-type']).toBe('application/json');
    expect(create.headers['x-lg-signature']).toBe(hmac('sha256', creds.apiSecret, `${T}POST/api/v1/orders${create.body}`, 'hex'));
    p.noteResponse(create, 201, '{"orderId":"ord 1","status":"open"}');
    const cancel = p.next();
    expect(cancel).toMatchObject({ method: 'DELETE', path: '/api/v1/orders/ord%201', orderId: 'ord 1', symbol: 'BTC/USDT', body: undefined });
    const cleanup = p.cancelRequest({ id: 'ord 2', symbol: 'ETH/USDT' });
    expect(cleanup.headers['x-loadgate-phase']).toBe('cleanup');
    expect(p.signedNow(cleanup).headers['x-loadgate-phase']).toBe('cleanup');
  });
});

describe('k6-loadable', () => {
  it('bundles without Node built-ins (es2017) and plans and signs in a bare context', async () => {
    const entry = fileURLToPath(new URL('../../src/workload/plan.ts', import.meta.url));
    const registry = fileURLToPath(new URL('../../src/dialect/registry.ts', import.meta.url));
    const { exports } = await loadAsK6({ contents: `export * from ${JSON.stringify(entry)}; export { getDialect } from ${JSON.stringify(registry)};` }, 'plan');
    const m = exports as typeof PlanModule & { getDialect: typeof getDialect };
    const p = new m.RequestPlanner({ dialect: m.getDialect('okx-v5'), mix: [{ endpoint: 'createOrder', weight: 1 }], symbols: ['BTC-USDT'], order, seed: 3, credentials: creds, hmac, wallClockMs: () => T, nextId: () => 'lg-k6-1' });
    p.setReferencePrice('BTC-USDT', 65_000);
    const w = p.signedNow(p.next(false));
    expect(verifyRequest(getDialect('okx-v5'), received(w), () => creds, T, hmac)).toEqual({ ok: true, apiKey: creds.apiKey });
  });
});
