import { describe, expect, it } from 'vitest';
import { DEFAULT_MOCK_CREDENTIALS, mockOptionsSchema } from '../../mocks/index.js';

describe('mock options schema', () => {
  it('fills in defaults that load tests never trip over', () => {
    const o = mockOptionsSchema.parse({});
    expect(o).toMatchObject({
      port: 0,
      host: '127.0.0.1',
      seed: 1,
      symbols: ['BTC-USDT', 'ETH-USDT', 'SOL-USDT', 'XRP-USDT'],
      credentials: [DEFAULT_MOCK_CREDENTIALS],
      rateLimit: { capacity: 100_000, refillPerSec: 100_000 },
      faults: {},
    });
    expect(o.balance).toBeGreaterThanOrEqual(1e9);
    // No default here: the mock takes its dialect's receive window (5000 ms, OKX 30 000) unless one is given.
    expect(o.recvWindowMs).toBeUndefined();
  });

  it('validates the WebSocket stream options too, so a typo in a suite fails at load time', () => {
    expect(mockOptionsSchema.parse({ ws: { ratePerSec: { orderbook: 20 } } }).ws?.ratePerSec.orderbook).toBe(20);
    const r = mockOptionsSchema.safeParse({ ws: { channels: { orderbook: { ratePerSec: 10 } } } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/channels/);
  });

  it.each([
    [{ sede: 1 }, 'sede'],
    [{ symbols: ['btc-usdt'] }, 'symbols'],
    [{ symbols: ['BTC-USDT', 'BTC-USDT'] }, 'symbols'],
    [{ credentials: [{ apiKey: 'a' }] }, 'apiSecret'],
    [{ rateLimit: { capacity: 0, refillPerSec: 1 } }, 'capacity'],
    [{ faults: { createOrder: { errorRatePct: 101 } } }, 'errorRatePct'],
    [{ faults: { fetchOrderbook: {} } }, 'fetchOrderbook'],
  ])('rejects %j, naming %s', (input, name) => {
    const r = mockOptionsSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain(name);
  });
});
