import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { classifyResponse, classifyTransportError, RequestFactory, weightedRoundRobin } from '../../src/engines/exchange-requests.js';
import { parseSuite } from '../../src/suite/load.js';
import { AUTH_HEADERS, signaturePayload } from '../../src/dialect/loadgate/auth.js';

describe('request planning', () => {
  it('drives the exact weighted mix, spread evenly', () => {
    const next = weightedRoundRobin([
      { item: 'a', weight: 5 },
      { item: 'b', weight: 3 },
      { item: 'c', weight: 1 },
    ]);
    const seq = Array.from({ length: 900 }, next);
    expect(seq.filter((x) => x === 'a')).toHaveLength(500);
    expect(seq.filter((x) => x === 'b')).toHaveLength(300);
    expect(seq.filter((x) => x === 'c')).toHaveLength(100);
    // Evenly spread: every window of 9 holds exactly the ratio.
    expect(seq.slice(0, 9).filter((x) => x === 'c')).toHaveLength(1);
  });

  it('signs private requests with the mock exchange scheme and cancels orders it created', () => {
    const suite = parseSuite('s.yaml', { target: { mock: true }, workloads: [{ name: 'w', load: { model: 'closed', connections: 1, durationSec: 1 }, mix: [{ endpoint: 'createOrder' }, { endpoint: 'cancelOrder' }] }] });
    const f = new RequestFactory({ workload: suite.workloads[0]!, credentials: { apiKey: 'k', apiSecret: 's' }, seed: 1, wallClock: () => 1_700_000_000_000 });
    f.referencePrices.set('BTC-USDT', 65_000);
    const create = f.next();
    expect(create.endpoint).toBe('createOrder');
    const expected = createHmac('sha256', 's').update(signaturePayload(1_700_000_000_000, 'POST', '/api/v1/orders', create.body!)).digest('hex');
    expect(create.headers[AUTH_HEADERS.signature]).toBe(expected);
    expect(create.headers['x-correlation-id']).toBe(create.correlationId);
    f.noteResponse('createOrder', 201, '{"orderId":"ord-42","status":"open"}');
    const cancel = f.next();
    expect(cancel.path).toBe('/api/v1/orders/ord-42');
  });

  it('never invents a price: an order for a symbol without a reference price is refused, not sent at 1', () => {
    const suite = parseSuite('s.yaml', { target: { mock: true }, workloads: [{ name: 'w', load: { model: 'closed', connections: 1, durationSec: 1 }, mix: [{ endpoint: 'createOrder' }], symbols: ['BTC-USDT'], order: { side: 'both', type: 'limit', notionalMin: 20, notionalMax: 100, priceOffsetPct: 5 } }] });
    const f = new RequestFactory({ workload: suite.workloads[0]!, credentials: undefined, seed: 1 });
    expect(() => f.next()).toThrow(/no reference price for BTC-USDT/);
    f.referencePrices.set('BTC-USDT', 100);
    const body = JSON.parse(f.next().body!) as { price: number; side: string };
    expect(body.price).toBe(body.side === 'buy' ? 95 : 105);
  });

  it('classifies responses into error classes', () => {
    expect(classifyResponse(200, undefined)).toBeUndefined();
    expect(classifyResponse(429, 'rateLimitExceeded')).toBe('rateLimit');
    expect(classifyResponse(401, 'invalidSignature')).toBe('auth');
    expect(classifyResponse(400, 'insufficientMargin')).toBe('trading');
    expect(classifyResponse(404, 'orderNotFound')).toBe('trading');
    expect(classifyResponse(503, 'serviceUnavailable')).toBe('server');
    expect(classifyResponse(404, 'notFound')).toBe('client');
  });
});

describe('classifyTransportError', () => {
  it("gives a string code for AbortSignal.timeout's DOMException (numeric code 23), so result.json stays valid", () => {
    const c = classifyTransportError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    expect(c).toEqual({ errorClass: 'timeout', errorCode: 'TimeoutError' });
    expect(classifyTransportError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toEqual({ errorClass: 'network', errorCode: 'ECONNRESET' });
  });
});
