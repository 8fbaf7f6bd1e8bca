/**
 * The mock's streams in each exchange dialect (issue 10), read back with the same dialect's client half
 * (`dialect.stream`: url, subscribe frames, decode) and the one SequenceTracker: a dropped update breaks the
 * dialect's own sequence rule, and the tracker counts what the mock says it removed.
 */
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { buildMarkets, MarketSimulator } from '../../mocks/orderbook.js';
import type { StreamFaults } from '../../mocks/streams.js';
import { getDialect, type DialectName } from '../../src/dialect/registry.js';
import { SequenceTracker } from '../../src/dialect/sequence.js';
import type { Dialect, StreamEvent, StreamSubscription } from '../../src/dialect/types.js';
import { startStreamServer, type StreamServer } from './ws-helpers.js';

const EXCHANGES: Array<Exclude<DialectName, 'loadgate'>> = ['binance-spot', 'okx-v5', 'bybit-v5'];
const SUBS: StreamSubscription[] = [
  { channel: 'orderbook', symbol: 'BTC/USDT' },
  { channel: 'ticker', symbol: 'BTC/USDT' },
  { channel: 'trades', symbol: 'BTC/USDT' },
];
const WAIT_MS = 15_000;

const servers: StreamServer[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(dialect: DialectName, faults: StreamFaults = {}): Promise<StreamServer & { url: string }> {
  const market = new MarketSimulator(buildMarkets(['BTC-USDT', 'ETH-USDT'], 3), 3, () => Date.now(), Date.now());
  const s = await startStreamServer({ ratePerSec: { orderbook: 200, ticker: 50, trades: 50 }, faults, seed: 5 }, { market, dialect });
  servers.push(s);
  return { ...s, url: `${s.baseUrl.replace('http', 'ws')}${s.streams.path}` };
}

interface Client {
  ws: WebSocket;
  raw: string[];
  events: StreamEvent[];
  /** Resolves when `pred` holds over what has arrived (checked on each message), rejects after WAIT_MS. */
  until(pred: () => boolean, what: string): Promise<void>;
}

async function connect(url: string, d: Dialect): Promise<Client> {
  const ws = new WebSocket(url);
  sockets.push(ws);
  const raw: string[] = [];
  const events: StreamEvent[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    const text = data.toString();
    raw.push(text);
    events.push(d.stream.decode(text));
    for (const w of [...waiters]) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    raw,
    events,
    until(pred, what) {
      return new Promise<void>((resolve, reject) => {
        if (pred()) return resolve();
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}; got ${raw.length} frames, last: ${raw.at(-1)?.slice(0, 300)}`));
        }, WAIT_MS);
        const check = (): void => {
          if (!pred()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
  };
}

const data = (c: Client, channel: string) => c.events.filter((e): e is Extract<StreamEvent, { kind: 'data' }> => e.kind === 'data' && e.channel === channel);

async function subscribed(name: DialectName, faults: StreamFaults = {}, subs = SUBS) {
  const d = getDialect(name);
  const s = await start(name, faults);
  const c = await connect(d.stream.url(s.url, subs), d);
  for (const f of d.stream.subscribe(subs, 1)) c.ws.send(f);
  return { d, s, c };
}

describe.each(EXCHANGES)('the mock streams in %s', (name) => {
  it('acks a subscribe, then sends every channel in frames its own decoder reads, with server timestamps and sequence only where the exchange has one', async () => {
    const { d, c } = await subscribed(name);
    await c.until(() => SUBS.every((s) => data(c, s.channel).length >= 3), 'data on every channel');
    const firstAck = c.events.findIndex((e) => e.kind === 'ack');
    const firstData = c.events.findIndex((e) => e.kind === 'data');
    expect(firstAck).toBeGreaterThanOrEqual(0);
    expect(firstAck).toBeLessThan(firstData);
    expect(c.events.filter((e) => e.kind === 'error')).toEqual([]);
    const unit = d.stream.timestamp.unit === 'us' ? 1000 : 1;
    for (const s of SUBS) {
      for (const e of data(c, s.channel)) {
        expect(e.symbolId).toBe(d.symbols.toExchange('BTC/USDT'));
        expect(e.serverTs).toBeGreaterThan(1_600_000_000_000 * unit);
        expect(e.serverTs).toBeLessThan(4_000_000_000_000 * unit);
        if (d.stream.sequence[s.channel].type === 'none') expect(e.seq).toBeUndefined();
        else expect(e.seq).toBeDefined();
      }
    }
    const t = new SequenceTracker(d.stream.sequence.orderbook);
    for (const e of data(c, 'orderbook')) t.observe(e.seq);
    const sum = t.summary();
    expect(sum.lost).toBe(0);
    expect(sum.gaps).toBe(0);
    expect(sum.duplicates + sum.reordered + sum.resyncs).toBe(0);
    expect(sum.received).toBeGreaterThanOrEqual(3);
  });

  it('refuses a subscription to a market or channel it does not have, and subscribes nothing', async () => {
    const { d, s, c } = await subscribed(name, {}, [{ channel: 'orderbook', symbol: 'NOPE/USDT' }]);
    await c.until(() => c.events.some((e) => e.kind === 'error'), 'an error');
    expect(s.streams.stats.subscriptions).toBe(0);
    expect(c.events.filter((e) => e.kind === 'ack')).toEqual([]);
    c.ws.send('{not json');
    await c.until(() => c.events.filter((e) => e.kind === 'error').length >= 2, 'a second error');
    expect(d.stream.decode(c.raw.at(-1)!).kind).toBe('error');
  });

  it('answers pings the way the exchange does', async () => {
    const d = getDialect(name);
    const s = await start(name, { heartbeatIntervalMs: 50 });
    const c = await connect(d.stream.url(s.url, SUBS), d);
    const ping = d.stream.ping(7, Date.now());
    if (ping === undefined) {
      // Binance: WebSocket ping frames from the server only.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no ping frame')), WAIT_MS);
        c.ws.once('ping', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    } else {
      c.ws.send(ping);
      await c.until(() => c.events.some((e) => e.kind === 'pong'), 'a pong');
      expect(s.streams.stats.pongs).toBe(1);
    }
  });

  it('a dropped update breaks the dialect’s own sequence rule; the tracker counts exactly what the mock removed (OKX: one per broken link)', async () => {
    // Orderbook updates 5, 9, 10 and 17 of the subscription are dropped: three runs, four messages.
    const { d, s, c } = await subscribed(name, { dropSeqs: [5, 9, 10, 17] }, [SUBS[0]!]);
    await c.until(() => data(c, 'orderbook').length >= 30, '30 book messages');
    const t = new SequenceTracker(d.stream.sequence.orderbook);
    for (const e of data(c, 'orderbook')) t.observe(e.seq);
    const sum = t.finish();
    expect(s.streams.stats.dropsInjected).toBe(4);
    expect(sum.gaps).toBe(3);
    expect(sum.lost).toBe(s.streams.stats.lossInjected);
    const rule = d.stream.sequence.orderbook.type;
    if (rule === 'updateId') expect(sum.lost).toBe(4); // Bybit: one u per message
    if (rule === 'prevSeqId') {
      expect(sum.lossExact).toBe(false);
      expect(sum.lost).toBe(3); // a lower bound: one per broken link
    }
    if (rule === 'updateIdRange') expect(sum.lost).toBeGreaterThanOrEqual(4); // Binance: update ids, at least one per event
    expect(sum.duplicates + sum.reordered).toBe(0);
  });

  it('a pause that advances the sequence leaves the same kind of gap once the stream resumes', async () => {
    const { d, s, c } = await subscribed(name, {}, [SUBS[0]!]);
    await c.until(() => data(c, 'orderbook').length >= 5, '5 book messages');
    s.streams.setFaults({ pause: { channels: ['orderbook'], seq: 'advance' } });
    const before = data(c, 'orderbook').length;
    // Nothing arrives while paused: poll the mock's counter (bounded).
    for (let i = 0; i < WAIT_MS / 10 && s.streams.stats.pauseDrops < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(s.streams.stats.pauseDrops).toBeGreaterThanOrEqual(3);
    s.streams.setFaults({});
    await c.until(() => data(c, 'orderbook').length >= before + 5, 'the stream resumed');
    const t = new SequenceTracker(d.stream.sequence.orderbook);
    for (const e of data(c, 'orderbook')) t.observe(e.seq);
    const sum = t.finish();
    expect(sum.gaps).toBe(1);
    expect(sum.lost).toBe(s.streams.stats.lossInjected);
    if (d.stream.sequence.orderbook.type === 'updateId') expect(sum.lost).toBe(s.streams.stats.pauseDrops);
    if (d.stream.sequence.orderbook.type === 'prevSeqId') expect(sum.lost).toBe(1);
  });

  it('duplicates and reordering are not loss, for the mock or the tracker', async () => {
    const { d, s, c } = await subscribed(name, { duplicateRatePct: 20, reorderRatePct: 20 }, [SUBS[0]!]);
    await c.until(() => data(c, 'orderbook').length >= 60, '60 book messages');
    const t = new SequenceTracker(d.stream.sequence.orderbook);
    for (const e of data(c, 'orderbook')) t.observe(e.seq);
    // summary(), not finish(): the last message received may be the successor of one still held for reordering.
    const sum = t.summary();
    expect(s.streams.stats.duplicatesInjected).toBeGreaterThan(0);
    expect(s.streams.stats.reorderedInjected).toBeGreaterThan(0);
    expect(s.streams.stats.lossInjected).toBe(0);
    expect(sum.lost).toBe(0);
    expect(sum.duplicates).toBeGreaterThan(0);
    expect(sum.reordered).toBeGreaterThan(0);
  });

  it('unsubscribes on request', async () => {
    const { d, s, c } = await subscribed(name, {}, [SUBS[1]!]);
    await c.until(() => data(c, 'ticker').length >= 1, 'a ticker');
    expect(s.streams.stats.subscriptions).toBe(1);
    for (const f of d.stream.unsubscribe([SUBS[1]!], 2)) c.ws.send(f);
    await c.until(() => s.streams.stats.subscriptions === 0 && c.events.filter((e) => e.kind === 'ack').length >= 2, 'the unsubscribe ack');
    expect(s.streams.stats.unsubscribes).toBe(1);
  });
});

describe('book contents', () => {
  /** A local book from snapshot + updates, levels keyed by the price string. */
  function apply(side: Map<string, string>, rows: unknown[][]): void {
    for (const r of rows) {
      if (r[1] === '0') side.delete(String(r[0]));
      else side.set(String(r[0]), String(r[1]));
    }
  }
  const top = (side: Map<string, string>, desc: boolean) => [...side].sort((a, b) => (desc ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0]))).slice(0, 25);

  it('okx-v5: every books message carries the CRC32 checksum of the book it leaves (zlib crc32 of bid:size:ask:size…, signed)', async () => {
    const { c } = await subscribed('okx-v5', {}, [SUBS[0]!]);
    await c.until(() => c.raw.filter((r) => r.includes('"books"') && r.includes('"action"')).length >= 40, '40 book messages');
    const bids = new Map<string, string>();
    const asks = new Map<string, string>();
    let checked = 0;
    for (const r of c.raw) {
      const m = JSON.parse(r) as { action?: string; data?: Array<{ bids: unknown[][]; asks: unknown[][]; checksum: number; prevSeqId: number }> };
      if (m.action === undefined) continue;
      const b = m.data![0]!;
      if (m.action === 'snapshot') {
        expect(checked).toBe(0);
        expect(b.prevSeqId).toBe(-1);
        bids.clear();
        asks.clear();
      }
      apply(bids, b.bids);
      apply(asks, b.asks);
      const tb = top(bids, true);
      const ta = top(asks, false);
      const parts: string[] = [];
      for (let i = 0; i < 25; i++) {
        if (tb[i]) parts.push(tb[i]![0], tb[i]![1]);
        if (ta[i]) parts.push(ta[i]![0], ta[i]![1]);
      }
      expect(b.checksum, `message ${checked}`).toBe(crc32(parts.join(':')) | 0);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(40);
  });

  it('binance-spot: diff-depth ids are contiguous and continue from the REST snapshot id (MarketSimulator.updateId)', async () => {
    const market = new MarketSimulator(buildMarkets(['BTC-USDT'], 3), 3, () => Date.now(), Date.now());
    const s = await startStreamServer({ ratePerSec: { orderbook: 200 } }, { market, dialect: 'binance-spot' });
    servers.push(s);
    const d = getDialect('binance-spot');
    // The combined endpoint, stream named in the URL: no SUBSCRIBE needed; events come wrapped.
    const c = await connect(`${s.baseUrl.replace('http', 'ws')}/stream?streams=btcusdt@depth@100ms/btcusdt@trade`, d);
    await c.until(() => data(c, 'orderbook').length >= 5 && data(c, 'trades').length >= 1, 'book and trade events');
    const lastUpdateId = market.orderBook('BTC-USDT', 100)!.updateId;
    const seen = data(c, 'orderbook').length;
    await c.until(() => data(c, 'orderbook').length >= seen + 5, 'more book events');
    expect(c.raw.every((r) => r.startsWith('{"stream":"btcusdt@'))).toBe(true);
    const ranges = data(c, 'orderbook').map((e) => e.seq as { first: number; last: number });
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.first).toBe(ranges[i - 1]!.last + 1);
    // ccxt's sync rule: the first event after the snapshot has U <= lastUpdateId + 1 <= u.
    const next = ranges.find((r) => r.last > lastUpdateId)!;
    expect(next.first).toBeLessThanOrEqual(lastUpdateId + 1);
    expect(next.last).toBeGreaterThanOrEqual(lastUpdateId + 1);
  });
});
