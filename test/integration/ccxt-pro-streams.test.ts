/**
 * ccxt.pro as the referee of the mock's exchange streams (issue 10): its own watchOrderBook, pointed at the mock
 * (every URL in `urls.api` repointed and checked before any call), builds a book from the mock's frames; after an
 * injected gap it raises its own error (Binance ChecksumError, OKX InvalidNonce: ccxt 4.5 checks OKX's prevSeqId, not
 * its checksum; Bybit's handler checks nothing, so there only our tracker notices), and loadgate's SequenceTracker,
 * fed the very frames ccxt received, counts the loss the mock injected. Bounded loops, no timing assertions.
 */
import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockExchange } from '../../mocks/exchange.js';
import type { StreamFaults, StreamsHandle } from '../../mocks/streams.js';
import { getDialect, type DialectName } from '../../src/dialect/registry.js';
import { SequenceTracker } from '../../src/dialect/sequence.js';
import { formatDecimal } from '../../src/dialect/codec.js';
import { repointUrls, strayUrls } from '../../src/engines/sdk/ccxt.js';
import type { Level } from '../../mocks/stream-dialects/feed.js';
import { okxChecksum } from '../../mocks/stream-dialects/okx-v5.js';

interface ProExchange {
  urls: { api?: unknown; test?: unknown; [k: string]: unknown };
  loadHttpProxyAgent(): Promise<unknown>;
  watchOrderBook(symbol: string, limit?: number): Promise<{ nonce?: number; bids: number[][]; asks: number[][] }>;
  handleMessage(client: unknown, message: unknown): unknown;
  has: Record<string, unknown>;
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The mock exchange in `dialect` (REST and streams on one loopback port 0), book updates at 100/s. */
async function mockFor(dialect: DialectName, faults: StreamFaults = {}) {
  const mock = await startMockExchange({ dialect, seed: 11, ws: { ratePerSec: { orderbook: 100 }, faults, seed: 3 } });
  cleanups.push(() => mock.close());
  return { mock, httpOrigin: mock.url, wsOrigin: new URL(mock.wsUrl).origin, streams: mock.streams };
}

/** Spot markets only, and no private calls in loadMarkets (as ccxt-rest.test.ts sets them up). */
const SPOT_ONLY: Record<'binance' | 'okx' | 'bybit', Record<string, unknown>> = {
  binance: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
  okx: { fetchMarkets: { types: ['spot'] } },
  bybit: { fetchMarkets: { types: ['spot'] }, enableUnifiedAccount: true, enableUnifiedMargin: false },
};

/** A ccxt.pro exchange with every URL on the mock, checked before any call, and a tap on the frames it handles. */
async function pointedExchange(id: 'okx' | 'bybit' | 'binance', httpOrigin: string, wsOrigin: string) {
  const Ctor = (ccxt.pro as unknown as Record<string, new (c: Record<string, unknown>) => ProExchange>)[id]!;
  const ex = new Ctor({ enableRateLimit: false, timeout: 5_000, options: SPOT_ONLY[id] });
  ex.has.fetchCurrencies = false;
  ex.urls = { ...ex.urls, api: repointUrls(ex.urls.api, httpOrigin, wsOrigin), test: repointUrls(ex.urls.test, httpOrigin, wsOrigin) };
  expect(strayUrls(ex.urls, [httpOrigin, wsOrigin])).toEqual([]);
  for (const origin of [httpOrigin, wsOrigin]) expect(new URL(origin).hostname).toBe('127.0.0.1');
  // ccxt refuses plain ws:// without an HTTP agent.
  await ex.loadHttpProxyAgent();
  const frames: string[] = [];
  const handle = ex.handleMessage.bind(ex);
  // ccxt hands its handler the parsed frame; the text it came as is the same JSON.
  ex.handleMessage = (client, message) => {
    frames.push(typeof message === 'string' ? message : JSON.stringify(message));
    return handle(client, message);
  };
  cleanups.push(() => ex.close().catch(() => undefined));
  return { ex, frames };
}

/** Calls watchOrderBook until it throws or `maxUpdates` calls returned (ccxt coalesces updates: a call is not a frame). */
async function watchUntilError(ex: ProExchange, maxUpdates: number, limit?: number): Promise<{ updates: number; error: unknown }> {
  let updates = 0;
  try {
    for (; updates < maxUpdates; updates++) await ex.watchOrderBook('BTC/USDT', limit);
  } catch (e) {
    return { updates, error: e };
  }
  return { updates, error: undefined };
}

/**
 * Drops one book update a little ahead of what ccxt has handled (after its book is in sync: a gap while ccxt still
 * buffers diffs for its REST snapshot would be skipped there, not raised). The subscription's seq numbers its
 * updates (the snapshot excluded); what ccxt has handled is at most a few frames behind the server.
 */
function dropAhead(streams: StreamsHandle, dialect: DialectName, frames: readonly string[]): number {
  const d = getDialect(dialect);
  const handled = frames.filter((f) => {
    const e = d.stream.decode(f);
    return e.kind === 'data' && e.channel === 'orderbook' && !(e.seq?.kind === 'chain' && e.seq.prev === -1);
  }).length;
  const seq = handled + 30;
  streams.setFaults({ dropSeqs: [seq] });
  return seq;
}

function track(dialect: DialectName, frames: readonly string[]) {
  const d = getDialect(dialect);
  const t = new SequenceTracker(d.stream.sequence.orderbook);
  let data = 0;
  for (const f of frames) {
    const e = d.stream.decode(f);
    if (e.kind === 'data' && e.channel === 'orderbook') {
      data++;
      t.observe(e.seq);
    }
  }
  return { data, summary: t.finish() };
}

describe('ccxt.pro watchOrderBook against the mock', () => {
  it('binance-spot: ccxt syncs the REST depth snapshot (lastUpdateId) with the diff stream; after a dropped diff it raises ChecksumError, and our tracker counts the update ids lost', async () => {
    const { mock, httpOrigin, wsOrigin } = await mockFor('binance-spot');
    const { ex, frames } = await pointedExchange('binance', httpOrigin, wsOrigin);
    let book = await ex.watchOrderBook('BTC/USDT');
    for (let i = 0; i < 5; i++) book = await ex.watchOrderBook('BTC/USDT');
    // The book's nonce is the last diff's u, past the REST snapshot it started from.
    expect(book.nonce).toBeGreaterThan(0);
    expect(book.bids[0]![0]!).toBeLessThan(book.asks[0]![0]!);
    expect(mock.stats.byEndpoint.fetchOrderBook).toBe(1);
    const dropAt = dropAhead(mock.streams, 'binance-spot', frames);
    const { error } = await watchUntilError(ex, 500);
    expect(error).toBeInstanceOf(ccxt.ChecksumError);
    expect(mock.streams.stats.dropsInjected).toBe(1);
    const { data, summary } = track('binance-spot', frames);
    expect(data).toBeGreaterThanOrEqual(dropAt); // one short of the seq after the gap: ccxt handled that one
    expect(summary.lost).toBeGreaterThanOrEqual(1);
    expect(summary.lost).toBe(mock.streams.stats.lossInjected);
  });

  it('okx-v5: ccxt builds the book from snapshot + updates; after a dropped update it raises InvalidNonce, and our tracker counts the one broken link', async () => {
    const { mock, httpOrigin, wsOrigin, streams } = await mockFor('okx-v5');
    const { ex, frames } = await pointedExchange('okx', httpOrigin, wsOrigin);
    let book = await ex.watchOrderBook('BTC/USDT');
    expect(mock.stats.byEndpoint.fetchMarkets).toBeGreaterThan(0); // ccxt loaded the mock's instruments over REST
    for (let i = 0; i < 10; i++) book = await ex.watchOrderBook('BTC/USDT');
    expect(book.bids[0]![0]!).toBeLessThan(book.asks[0]![0]!);
    // ccxt's book is the mock's: OKX's checksum of ccxt's top 25 levels matches the last frame's.
    const last = JSON.parse(frames.filter((f) => f.includes('"action"')).at(-1)!) as { data: Array<{ checksum: number }> };
    const levels = (rows: number[][]): Level[] => rows.map((r) => [formatDecimal(r[0]!), formatDecimal(r[1]!)]);
    expect(okxChecksum(levels(book.bids), levels(book.asks))).toBe(last.data[0]!.checksum);
    const dropAt = dropAhead(streams, 'okx-v5', frames);
    const { error } = await watchUntilError(ex, 500);
    expect(error).toBeInstanceOf(ccxt.InvalidNonce);
    expect(streams.stats.dropsInjected).toBe(1);
    const { data, summary } = track('okx-v5', frames);
    expect(data).toBeGreaterThanOrEqual(dropAt); // one short of the seq after the gap: ccxt handled that one
    expect(summary.lossExact).toBe(false);
    expect(summary.lost).toBe(1);
    expect(summary.lost).toBe(streams.stats.lossInjected);
  });

  it('bybit-v5: ccxt builds the book; it does not check u, so a dropped delta goes unnoticed by ccxt and is counted by our tracker', async () => {
    const { mock, httpOrigin, wsOrigin, streams } = await mockFor('bybit-v5', { dropSeqs: [10, 11, 25] });
    const { ex, frames } = await pointedExchange('bybit', httpOrigin, wsOrigin);
    const first = await ex.watchOrderBook('BTC/USDT');
    expect(mock.stats.byEndpoint.fetchMarkets).toBeGreaterThan(0);
    expect(first.bids.length).toBeGreaterThan(0);
    expect(first.bids[0]![0]!).toBeLessThan(first.asks[0]![0]!);
    // After the gap ccxt's book can be wrong (a missed removal leaves a stale level, even a crossed book), silently.
    const { updates, error } = await watchUntilError(ex, 40);
    expect(error).toBeUndefined();
    expect(updates).toBe(40);
    const { data, summary } = track('bybit-v5', frames);
    expect(data).toBeGreaterThan(26); // the frames ccxt handled reach past the last drop
    expect(streams.stats.dropsInjected).toBe(3);
    expect(summary.lost).toBe(3);
    expect(summary.lost).toBe(streams.stats.lossInjected);
  });
});
