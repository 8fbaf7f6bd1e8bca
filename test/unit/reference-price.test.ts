/** The reference price reader (issue 16 item 1); the k6 scenarios call this same one (src/workload/plan.ts). */
import { describe, expect, it } from 'vitest';
import { mixPlacesOrders, readReferencePrice } from '../../src/workload/plan.js';

const CASES: Array<[number, string | null | undefined]> = [
  [200, '{"symbol":"BTC-USDT","last":"65000.5"}'],
  [200, '{"last":3000.25}'],
  [200, '{"symbol":"BTC-USDT","lastPrice":"65000.5","volume":"1"}'],
  [200, '{"last":"abc"}'],
  [200, '{"last":0}'],
  [200, '{"last":-1}'],
  [200, '{"last":null}'],
  [200, '{"last":""}'],
  [200, '[1,2]'],
  [200, 'not json'],
  [200, ''],
  [200, null],
  [500, '{"error":{"code":"internalError"}}'],
  [404, undefined],
  [429, 'x'.repeat(500)],
  [204, '{}'],
];

describe('reference price', () => {
  it('reads only a positive `last`; anything else is a problem in words, never a price', () => {
    expect(readReferencePrice(200, CASES[0]![1])).toEqual({ price: 65000.5 });
    expect(readReferencePrice(200, CASES[1]![1])).toEqual({ price: 3000.25 });
    for (const [status, body] of CASES.slice(2)) expect(readReferencePrice(status, body), `${status} ${body}`).toHaveProperty('problem');
    expect(readReferencePrice(200, CASES[2]![1])).toEqual({ problem: 'the ticker body has no "last" field (keys: symbol, lastPrice, volume)' });
    expect(readReferencePrice(500, CASES[12]![1])).toEqual({ problem: 'the ticker answered HTTP 500: {"error":{"code":"internalError"}}' });
    expect((readReferencePrice(429, CASES[14]![1]) as { problem: string }).problem.length).toBeLessThan(200);
  });

  it('a mix places orders when it creates or cancels them', () => {
    expect(mixPlacesOrders([{ endpoint: 'fetchOrderBook' }])).toBe(false);
    expect(mixPlacesOrders([{ endpoint: 'cancelOrder' }])).toBe(true);
  });
});
