/**
 * OKX v5 public market channels, server half (https://www.okx.com/docs-v5/en/#overview-websocket and
 * #order-book-trading-market-data-ws-order-book-channel).
 *
 * - Path `/ws/v5/public`.
 * - `{"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]}` → one `{"event":"subscribe","arg":{…},
 *   "connId":"…"}` per arg (an `id` in the request is echoed); unsubscribe likewise. Errors: `60012` for an
 *   illegal request, `60018` for a channel or instId that does not exist (`{"event":"error","code":"60018",…}`).
 *   A request with any bad arg subscribes nothing.
 * - Keep-alive: the text `ping` is answered `pong`.
 * - `books`: right after the ack, a `snapshot` (`prevSeqId: -1`), then `update`s whose `prevSeqId` is the previous
 *   message's `seqId`; `seqId` is the book's update id (it jumps: a walk step takes several). Levels are
 *   `[price, size, "0", orders]`, size "0" removes a level. Every message carries `checksum`: CRC32 (signed) of the
 *   top 25 levels after applying it, `bid1px:bid1sz:ask1px:ask1sz:bid2px:…` (the strings as sent; a side that runs
 *   out just stops contributing).
 * - `tickers`, `trades`: no sequence (as on OKX).
 */
import { okxV5 } from '../../src/dialect/okx-v5/index.js';
import { formatDecimal as dec, obj, parseJson } from '../../src/dialect/codec.js';
import type { MockStreamChannel } from '../../src/suite/mock-options.js';
import { crc32Signed, type BookState, type Level } from './feed.js';
import type { Answer, EncoderContext, EncoderFactory, Publication, Topic } from './types.js';

const CHANNEL_OF: Record<string, MockStreamChannel> = { books: 'orderbook', tickers: 'ticker', trades: 'trades' };
const CHECKSUM_LEVELS = 25;

/** OKX's book checksum of a whole book (best first). */
export function okxChecksum(bids: readonly Level[], asks: readonly Level[]): number {
  const parts: string[] = [];
  for (let i = 0; i < CHECKSUM_LEVELS; i++) {
    const b = bids[i];
    const a = asks[i];
    if (b !== undefined) parts.push(b[0], b[1]);
    if (a !== undefined) parts.push(a[0], a[1]);
  }
  return crc32Signed(parts.join(':'));
}

const row = (l: Level): [string, string, string, string] => [l[0], l[1], '0', l[1] === '0' ? '0' : '1'];

export const okxV5Streams: EncoderFactory = (ctx: EncoderContext) => {
  const arg = (t: Topic) => ({ channel: t.key.slice(0, t.key.indexOf(':')), instId: t.symbolId });

  const bookData = (t: Topic, bids: Level[], asks: Level[], state: BookState, prevSeqId: number, tsMs: number) => ({
    asks: asks.map(row),
    bids: bids.map(row),
    ts: String(Math.floor(tsMs)),
    checksum: okxChecksum(state.bids, state.asks),
    prevSeqId,
    seqId: state.lastId,
  });

  return {
    dialect: okxV5,
    path: '/ws/v5/public',
    bookDepth: 25,
    restSnapshotSync: false,
    connect: (path) => (path === '/ws/v5/public' ? { topics: [], flags: 0 } : undefined),
    request(raw, conn) {
      if (raw === 'ping') return { op: 'ping', topics: [], replies: ['pong'] };
      const m = obj(parseJson(raw));
      const illegal = (): Answer => ({ op: 'other', topics: [], replies: [JSON.stringify({ event: 'error', code: '60012', msg: `Invalid request: ${raw.slice(0, 200)}`, connId: conn.id })] });
      if (m === undefined || (m.op !== 'subscribe' && m.op !== 'unsubscribe') || !Array.isArray(m.args) || m.args.length === 0) return illegal();
      const op = m.op;
      const id = typeof m.id === 'string' ? m.id : undefined;
      const topics: Topic[] = [];
      const replies: string[] = [];
      for (const a of m.args) {
        const o = obj(a);
        if (o === undefined || typeof o.channel !== 'string' || typeof o.instId !== 'string') return illegal();
        const channel = CHANNEL_OF[o.channel];
        const symbol = ctx.symbolOf(o.instId);
        if (channel === undefined || symbol === undefined) {
          const msg = `Wrong URL or channel:${o.channel},instId:${o.instId} doesn't exist. Please use the correct URL, channel and parameters referring to API document.`;
          return { op: 'other', topics: [], replies: [JSON.stringify({ ...(id === undefined ? {} : { id }), event: 'error', code: '60018', msg, connId: conn.id })] };
        }
        const t: Topic = { channel, symbol, symbolId: o.instId, key: `${o.channel}:${o.instId}` };
        if (topics.some((x) => x.key === t.key)) continue;
        topics.push(t);
        replies.push(JSON.stringify({ ...(id === undefined ? {} : { id }), event: op, arg: arg(t), connId: conn.id }));
      }
      return { op, topics: op === 'subscribe' ? topics.filter((t) => !conn.has(t.key)) : topics, replies };
    },
    snapshot(t, book, tsMs) {
      if (t.channel !== 'orderbook') return undefined;
      return JSON.stringify({ arg: arg(t), action: 'snapshot', data: [bookData(t, book.bids, book.asks, book, -1, tsMs)] });
    },
    frame(t, pub: Publication) {
      if (pub.channel === 'orderbook') {
        const b = pub.book;
        return JSON.stringify({ arg: arg(t), action: 'update', data: [bookData(t, b.bids, b.asks, b.state, b.prevId, pub.tsMs)] });
      }
      const ts = String(Math.floor(pub.tsMs));
      if (pub.channel === 'trades') {
        const tr = pub.trade;
        return JSON.stringify({ arg: arg(t), data: [{ instId: t.symbolId, tradeId: String(tr.id), px: tr.price, sz: tr.qty, side: tr.side, ts, count: '1' }] });
      }
      const k = pub.ticker;
      return JSON.stringify({
        arg: arg(t),
        data: [
          {
            instType: 'SPOT',
            instId: t.symbolId,
            last: dec(k.last),
            lastSz: '0',
            askPx: dec(k.ask),
            askSz: '1',
            bidPx: dec(k.bid),
            bidSz: '1',
            open24h: dec(k.low),
            high24h: dec(k.high),
            low24h: dec(k.low),
            volCcy24h: dec(k.quoteVolume),
            vol24h: dec(k.volume),
            sodUtc0: dec(k.low),
            sodUtc8: dec(k.low),
            ts,
          },
        ],
      });
    },
  };
};
