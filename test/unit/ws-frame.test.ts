import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDataFrame } from '../../src/engines/ws/frame.js';

describe('parseDataFrame', () => {
  it('reads channel, symbol, seq and ts from a protocol data frame', () => {
    expect(parseDataFrame('{"channel":"trades","symbol":"BTC-USDT","seq":42,"ts":1763776000123456,"data":{"seq":1}}')).toEqual({
      channel: 'trades',
      symbol: 'BTC-USDT',
      seq: 42,
      ts: 1763776000123456,
    });
  });

  it('leaves anything not in the exact shape to JSON.parse', () => {
    for (const raw of [
      '{"op":"ack","id":1,"subscription":"trades:BTC-USDT"}',
      '{"symbol":"BTC-USDT","channel":"trades","seq":1,"ts":2}',
      '{"channel":"trades","symbol":"BTC-USDT","seq":1.5,"ts":2}',
      '{"channel":"trades","symbol":"BTC-USDT","seq":1,"ts":2.5}',
      '{"channel":"trades","symbol":"BTC-USDT","seq":-1,"ts":2}',
      '{"channel":"trades","symbol":"BTC-USDT","seq":1}',
      '{"channel":"trades","symbol":"BTC-USDT","seq":1,"ts":',
    ]) {
      expect(parseDataFrame(raw), raw).toBeUndefined();
    }
  });

  it('agrees with JSON.parse on every frame the mock can produce (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('orderbook', 'ticker', 'trades'),
        fc.stringMatching(/^[A-Z0-9]{2,15}-[A-Z0-9]{2,15}$/),
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        (channel, symbol, seq, ts) => {
          const raw = JSON.stringify({ channel, symbol, seq, ts, data: { price: 1.5 } });
          const j = JSON.parse(raw) as Record<string, unknown>;
          expect(parseDataFrame(raw)).toEqual({ channel: j.channel, symbol: j.symbol, seq: j.seq, ts: j.ts });
        },
      ),
    );
  });
});
