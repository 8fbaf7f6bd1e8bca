/** The streams served by the mock exchange itself (startMockExchange → /ws), driven by the ws engine. */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startMockExchange, type MockExchange } from '../../mocks/index.js';
import { InputError } from '../../src/errors.js';
import { createWsEngine } from '../../src/engines/ws.js';
import { streamContext } from './ws-helpers.js';

let mock: MockExchange | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

describe('mock exchange streams', () => {
  it('serves /ws with market data, and its counters agree with what the engine measured', async () => {
    mock = await startMockExchange({ ws: { ratePerSec: { orderbook: 40 }, faults: { dropSeqs: [2, 5] } } });
    const ctx = streamContext(
      { baseUrl: mock.url, wsUrl: mock.wsUrl },
      { load: { model: 'stream', connections: 3, connectRatePerSec: 100, durationSec: 1 }, streams: [{ channel: 'orderbook', symbols: ['BTC-USDT', 'ETH-USDT'] }] },
    );
    ctx.target.mock = true;
    const out = await createWsEngine().run(ctx);
    const s = out.endpoints['ws:orderbook']!.stream!;
    expect(s.clockOffset?.method).toBe('same-host');
    expect(s.lost).toBe(3 * 2 * 2);
    expect(mock.stats.ws?.dropsInjected).toBe(s.lost);
    expect(mock.stats.ws?.messagesSent).toBe(s.messages);
  });

  it('sends acks before data, with seq from 1 and ts in epoch µs', async () => {
    mock = await startMockExchange({ ws: { ratePerSec: { ticker: 50 } } });
    const ws = new WebSocket(mock.wsUrl);
    const msgs: Record<string, unknown>[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ op: 'subscribe', channel: 'ticker', symbol: 'BTC-USDT', id: 1 })));
      ws.on('message', (d) => {
        msgs.push(JSON.parse(String(d)) as Record<string, unknown>);
        if (msgs.length === 3) resolve();
      });
      ws.on('error', reject);
    });
    ws.close();
    expect(msgs[0]).toEqual({ op: 'ack', id: 1, subscription: 'ticker:BTC-USDT' });
    expect(msgs[1]).toMatchObject({ channel: 'ticker', symbol: 'BTC-USDT', seq: 1 });
    expect(msgs[2]).toMatchObject({ seq: 2 });
    const tsUs = msgs[1]!.ts as number;
    expect(Math.abs(tsUs / 1000 - Date.now())).toBeLessThan(5_000);
    expect(msgs[1]!.data).toHaveProperty('last');
  });

  it('refuses a symbol the exchange does not list, and the engine reports it', async () => {
    mock = await startMockExchange({ symbols: ['BTC-USDT'] });
    const ctx = streamContext(
      { baseUrl: mock.url, wsUrl: mock.wsUrl },
      { load: { model: 'stream', connections: 1, connectRatePerSec: 100, durationSec: 0.5 }, streams: [{ channel: 'trades', symbols: ['BTC-USDT', 'DOGE-USDT'] }] },
    );
    const out = await createWsEngine().run(ctx);
    expect(out.endpoints['ws:trades']!.errorCodes).toEqual({ invalidSymbol: 1 });
  });

  it('rejects invalid stream options with an InputError naming the field', async () => {
    const err = await startMockExchange({ ws: { faults: { dropRatePct: 150 } } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/dropRatePct/);
  });
});
