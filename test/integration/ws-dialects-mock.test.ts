/**
 * The ws engine against the mock streaming each exchange dialect (issue 10): the mock drops order-book updates
 * (dropSeqs), which breaks the dialect's own sequence rule; the engine, speaking the same dialect, must count as
 * loss exactly what the mock says it removed (`lossInjected`: update ids for Binance, u's for Bybit, broken links
 * for OKX, a lower bound there), and give the ticker and trade streams, which carry no sequence, no-data loss.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildMarkets, MarketSimulator } from '../../mocks/orderbook.js';
import type { DialectName } from '../../src/dialect/registry.js';
import { createWsEngine } from '../../src/engines/ws.js';
import { streamView } from '../../src/report/derive.js';
import { streamContext, startStreamServer, type StreamServer } from './ws-helpers.js';

const EXCHANGES: Array<Exclude<DialectName, 'loadgate'>> = ['binance-spot', 'okx-v5', 'bybit-v5'];
/** Book updates 5, 9, 10 and 17 of every subscription are never sent: three runs, four messages. */
const DROPS = [5, 9, 10, 17];
const CONNECTIONS = 2;

let server: StreamServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.each(EXCHANGES)('the ws engine against the mock speaking %s', (dialect) => {
  it('counts exactly the loss the mock injected, and no-data loss on the streams without a sequence', async () => {
    const market = new MarketSimulator(buildMarkets(['BTC-USDT'], 3), 3, () => Date.now(), Date.now());
    server = await startStreamServer({ ratePerSec: { orderbook: 100, ticker: 20, trades: 20 }, faults: { dropSeqs: DROPS }, seed: 9 }, { market, dialect });
    const wsUrl = `${server.baseUrl.replace('http', 'ws')}${server.streams.path}`;
    const ctx = streamContext(
      { baseUrl: server.baseUrl, wsUrl },
      {
        load: { model: 'stream', connections: CONNECTIONS, connectRatePerSec: 100, durationSec: 1.5 },
        streams: [{ channel: 'orderbook' }, { channel: 'ticker' }, { channel: 'trades' }],
        symbols: ['BTC-USDT'],
      },
    );
    ctx.target.dialect = dialect;
    const out = await createWsEngine().run(ctx);
    const stats = server.streams.stats;
    const book = out.endpoints['ws:orderbook']!.stream!;

    expect(book.connectionsOpened).toBe(CONNECTIONS);
    expect(book.disconnects).toBe(0);
    expect(out.endpoints['ws:orderbook']!.errors).toEqual({});
    // Every subscription got past update 17, so every drop is a gap the engine saw.
    expect(book.messages).toBeGreaterThan(CONNECTIONS * 20);
    // dropSeqs apply to every subscription; on the streams without a sequence a drop weighs nothing in lossInjected.
    expect(stats.dropsInjected).toBeGreaterThanOrEqual(CONNECTIONS * DROPS.length);
    expect(book.lost).toBe(stats.lossInjected);
    expect(book.lost).toBeGreaterThan(0);
    expect(book.duplicates + book.reordered).toBe(0);
    expect(book.resyncs ?? 0).toBe(0);
    if (dialect === 'okx-v5') {
      expect(book.loss).toBe('lowerBound');
      expect(book.lost).toBe(CONNECTIONS * 3); // one per broken link
    } else {
      expect(book.loss).toBeUndefined();
    }
    if (dialect === 'bybit-v5') expect(book.lost).toBe(CONNECTIONS * DROPS.length);
    // Latency from the exchange's own timestamps, for every message.
    expect(out.endpoints['ws:orderbook']!.requests).toBe(book.messages);
    expect(out.notes?.join('\n') ?? '').not.toContain('carried no server');

    for (const channel of ['ticker', 'trades']) {
      const st = out.endpoints[`ws:${channel}`]!.stream!;
      expect(st.messages).toBeGreaterThan(0);
      expect(st.loss).toBe('none');
      expect(st.expected).toBe(0);
      expect(streamView(st).lossPct).toBeUndefined();
    }
  });
});
