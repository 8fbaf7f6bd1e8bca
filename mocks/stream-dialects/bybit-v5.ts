/**
 * Bybit v5 public spot streams, server half (https://bybit-exchange.github.io/docs/v5/ws/connect and
 * websocket/public/orderbook, ticker, trade).
 *
 * - Path `/v5/public/spot`.
 * - `{"req_id":"1","op":"subscribe","args":["orderbook.50.BTCUSDT"]}` → `{"success":true,"ret_msg":"subscribe",
 *   "conn_id":"…","req_id":"1","op":"subscribe"}`; a bad topic → `success: false` with `ret_msg`
 *   `error:handler not found,topic:…` (unknown channel) or `Invalid symbol :[…]`, and nothing subscribed.
 * - Keep-alive: `{"req_id":"…","op":"ping"}` → `{"success":true,"ret_msg":"pong","conn_id":"…","req_id":"…","op":"ping"}` (spot's answer).
 * - `orderbook.50.<symbol>`: right after the ack a `snapshot`, then `delta`s; `data.u` is +1 per message (a
 *   snapshot carries the current `u`), `data.seq` is the book's update id (the cross sequence: it jumps), `ts` and
 *   `cts` in ms. Levels `[price, size]`, size "0" removes a level.
 * - `tickers.<symbol>`, `publicTrade.<symbol>`: no sequence (as on Bybit).
 */
import { bybitV5 } from '../../src/dialect/bybit-v5/index.js';
import { formatDecimal, obj, parseJson } from '../../src/dialect/codec.js';
import type { MockStreamChannel } from '../../src/suite/mock-options.js';
import type { BookState, Level } from './feed.js';
import type { Answer, EncoderContext, EncoderFactory, Topic } from './types.js';

const CHANNEL_OF: Record<string, MockStreamChannel> = { 'orderbook.50': 'orderbook', tickers: 'ticker', publicTrade: 'trades' };

export const bybitV5Streams: EncoderFactory = (ctx: EncoderContext) => {
  const opReply = (conn: { id: string }, op: string, reqId: string | undefined, success: boolean, retMsg: string): string =>
    JSON.stringify({ success, ret_msg: retMsg, conn_id: conn.id, ...(reqId === undefined ? {} : { req_id: reqId }), op });

  const book = (t: Topic, type: 'snapshot' | 'delta', bids: Level[], asks: Level[], u: number, seq: number, tsMs: number): string => {
    const ts = Math.floor(tsMs);
    return JSON.stringify({ topic: t.key, type, ts, data: { s: t.symbolId, b: bids, a: asks, u, seq }, cts: ts });
  };

  return {
    dialect: bybitV5,
    path: '/v5/public/spot',
    bookDepth: 50,
    restSnapshotSync: false,
    connect: (path) => (path === '/v5/public/spot' ? { topics: [], flags: 0 } : undefined),
    request(raw, conn) {
      const m = obj(parseJson(raw));
      const reqId = m !== undefined && typeof m.req_id === 'string' ? m.req_id : undefined;
      if (m === undefined || typeof m.op !== 'string') return { op: 'other', topics: [], replies: [opReply(conn, '', undefined, false, 'Invalid request: expected {"op":…}')] };
      if (m.op === 'ping') return { op: 'ping', topics: [], replies: [opReply(conn, 'ping', reqId, true, 'pong')] };
      if (m.op !== 'subscribe' && m.op !== 'unsubscribe') return { op: 'other', topics: [], replies: [opReply(conn, m.op, reqId, false, `error:unknown op ${m.op}`)] };
      const op = m.op;
      if (!Array.isArray(m.args) || m.args.length === 0 || m.args.some((a) => typeof a !== 'string')) {
        return { op: 'other', topics: [], replies: [opReply(conn, op, reqId, false, 'error:args must be a non-empty array of topics')] };
      }
      const topics: Topic[] = [];
      for (const key of m.args as string[]) {
        const dot = key.lastIndexOf('.');
        const channel = dot > 0 ? CHANNEL_OF[key.slice(0, dot)] : undefined;
        if (channel === undefined) return { op: 'other', topics: [], replies: [opReply(conn, op, reqId, false, `error:handler not found,topic:${key}`)] };
        const symbolId = key.slice(dot + 1);
        const symbol = ctx.symbolOf(symbolId);
        if (symbol === undefined) return { op: 'other', topics: [], replies: [opReply(conn, op, reqId, false, `Invalid symbol :[${key}]`)] };
        if (op === 'subscribe' && conn.has(key)) return { op: 'other', topics: [], replies: [opReply(conn, op, reqId, false, `error:already subscribed,topic:${key}`)] };
        if (!topics.some((x) => x.key === key)) topics.push({ channel, symbol, symbolId, key });
      }
      return { op, topics, replies: [opReply(conn, op, reqId, true, op === 'subscribe' ? 'subscribe' : '')] };
    },
    snapshot(t, b: BookState, tsMs) {
      return t.channel === 'orderbook' ? book(t, 'snapshot', b.bids, b.asks, b.count, b.lastId, tsMs) : undefined;
    },
    frame(t, pub) {
      if (pub.channel === 'orderbook') return book(t, 'delta', pub.book.bids, pub.book.asks, pub.book.count, pub.book.lastId, pub.tsMs);
      const ts = Math.floor(pub.tsMs);
      if (pub.channel === 'trades') {
        const tr = pub.trade;
        const data = [{ T: ts, s: t.symbolId, S: tr.side === 'buy' ? 'Buy' : 'Sell', v: tr.qty, p: tr.price, L: 'ZeroPlusTick', i: String(tr.id), BT: false }];
        return JSON.stringify({ topic: t.key, type: 'snapshot', ts, data });
      }
      const k = pub.ticker;
      const dec = formatDecimal;
      const data = {
        symbol: t.symbolId,
        lastPrice: dec(k.last),
        highPrice24h: dec(k.high),
        lowPrice24h: dec(k.low),
        prevPrice24h: dec(k.low),
        volume24h: dec(k.volume),
        turnover24h: dec(k.quoteVolume),
        price24hPcnt: k.low > 0 ? ((k.last - k.low) / k.low).toFixed(4) : '0',
        usdIndexPrice: dec(k.last),
      };
      return JSON.stringify({ topic: t.key, ts, type: 'snapshot', cs: ts, data });
    },
  };
};
