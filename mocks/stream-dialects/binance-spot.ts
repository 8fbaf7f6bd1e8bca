/**
 * Binance spot market streams, server half
 * (https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams).
 *
 * - Paths: raw `/ws` and `/ws/<streamName>`, combined `/stream?streams=<a>/<b>` (events wrapped as
 *   `{"stream":"<name>","data":{…}}`); `timeUnit=MICROSECOND` makes `E` / `T` microseconds. A `/ws/<x>` that is not a
 *   stream name opens a connection with no stream: ccxt connects to `/ws/0` (a connection index) and SUBSCRIBEs.
 * - Requests: `{"method":"SUBSCRIBE","params":[…],"id":1}` → `{"result":null,"id":1}`; UNSUBSCRIBE likewise;
 *   LIST_SUBSCRIPTIONS → `{"result":[…],"id":3}`. Errors as documented (`{"code":2,"msg":"Invalid request: …","id":…}`,
 *   code 3 for invalid JSON). A stream the mock does not serve (unknown symbol or channel) is refused with code 2, so a
 *   typo shows instead of a silent stream. A request refused in part subscribes nothing.
 * - Keep-alive: WebSocket ping frames from the server only (mocks/streams.ts heartbeats); no text ping.
 * - Streams: `<symbol>@depth` / `@depth@100ms` / `@depth@1000ms` (diff depth: `U`..`u` update ids, `b`/`a` changed
 *   levels, size "0" removes a level), `<symbol>@ticker` (24hrTicker), `<symbol>@trade`. Diff-depth ids continue
 *   from the REST depth snapshot's `lastUpdateId` (the same counter, mocks/orderbook.ts `updateId`), as ccxt's
 *   watchOrderBook (Binance's "how to manage a local order book") needs.
 */
import { binanceSpot } from '../../src/dialect/binance-spot/index.js';
import { formatDecimal as dec, obj, parseJson } from '../../src/dialect/codec.js';
import type { MockStreamChannel } from '../../src/suite/mock-options.js';
import type { Answer, EncoderContext, EncoderFactory, Publication, Topic } from './types.js';

const US = 1;
const COMBINED = 2;
const CHANNEL_OF: Record<string, MockStreamChannel> = { depth: 'orderbook', 'depth@100ms': 'orderbook', 'depth@1000ms': 'orderbook', ticker: 'ticker', trade: 'trades' };

const answer = (op: Answer['op'], topics: Topic[], ...replies: string[]): Answer => ({ op, topics, replies });
const err = (code: number, msg: string, id: unknown): string => JSON.stringify({ code, msg, id: id ?? null });

export const binanceSpotStreams: EncoderFactory = (ctx: EncoderContext) => {
  const topicOf = (name: string): Topic | undefined => {
    const at = name.indexOf('@');
    if (at <= 0 || name !== name.toLowerCase()) return undefined;
    const channel = CHANNEL_OF[name.slice(at + 1)];
    const symbolId = name.slice(0, at).toUpperCase();
    const symbol = ctx.symbolOf(symbolId);
    return channel === undefined || symbol === undefined ? undefined : { channel, symbol, symbolId, key: name };
  };

  const time = (tsMs: number, flags: number): number => (flags & US ? Math.round(tsMs * 1000) : Math.floor(tsMs));

  const event = (topic: Topic, pub: Publication, flags: number): Record<string, unknown> => {
    const E = time(pub.tsMs, flags);
    if (pub.channel === 'orderbook') {
      const b = pub.book;
      return { e: 'depthUpdate', E, s: topic.symbolId, U: b.firstId, u: b.lastId, b: b.bids, a: b.asks };
    }
    if (pub.channel === 'trades') {
      const t = pub.trade;
      // m: the buyer is the maker, i.e. the taker sold.
      return { e: 'trade', E, s: topic.symbolId, t: t.id, p: t.price, q: t.qty, T: E, m: t.side === 'sell', M: true };
    }
    const t = pub.ticker;
    const open = t.low;
    const change = t.last - open;
    return {
      e: '24hrTicker',
      E,
      s: topic.symbolId,
      p: String(Math.round(change * 1e8) / 1e8),
      P: open > 0 ? ((change / open) * 100).toFixed(3) : '0',
      w: t.volume > 0 ? String(Math.round((t.quoteVolume / t.volume) * 1e8) / 1e8) : '0',
      x: dec(open),
      c: dec(t.last),
      Q: '0',
      b: dec(t.bid),
      B: '1',
      a: dec(t.ask),
      A: '1',
      o: dec(open),
      h: dec(t.high),
      l: dec(t.low),
      v: dec(t.volume),
      q: dec(t.quoteVolume),
      O: time(t.tsMs - 86_400_000, flags),
      C: time(t.tsMs, flags),
      F: 0,
      L: 0,
      n: 0,
    };
  };

  return {
    dialect: binanceSpot,
    path: '/ws',
    bookDepth: 20,
    restSnapshotSync: true,
    connect(path, query) {
      const q = new URLSearchParams(query);
      let flags = (q.get('timeUnit') ?? '').toUpperCase() === 'MICROSECOND' ? US : 0;
      if (path === '/ws' || path === '/ws/') return { topics: [], flags };
      if (path.startsWith('/ws/') && !path.slice(4).includes('/')) {
        const t = topicOf(path.slice(4));
        return { topics: t === undefined ? [] : [t], flags };
      }
      if (path === '/stream') {
        flags |= COMBINED;
        const topics: Topic[] = [];
        for (const name of (q.get('streams') ?? '').split('/')) {
          const t = topicOf(name);
          if (t !== undefined && !topics.some((x) => x.key === t.key)) topics.push(t);
        }
        return { topics, flags };
      }
      return undefined;
    },
    request(raw, conn) {
      const m = obj(parseJson(raw));
      if (m === undefined) return answer('other', [], err(3, 'Invalid JSON: expected a JSON object', null));
      const id = m.id;
      if (id !== undefined && id !== null && !(typeof id === 'number' && Number.isInteger(id)) && !(typeof id === 'string' && /^[A-Za-z0-9-]{1,36}$/.test(id))) {
        return answer('other', [], err(2, 'Invalid request: request ID must be an integer, an alphanumeric string (at most 36) or null', null));
      }
      const method = m.method;
      if (method === 'LIST_SUBSCRIPTIONS') return answer('other', [], JSON.stringify({ result: conn.keys(), id }));
      if (method !== 'SUBSCRIBE' && method !== 'UNSUBSCRIBE') {
        return answer('other', [], err(2, `Invalid request: unknown variant ${JSON.stringify(method)}, expected one of SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS`, id));
      }
      const params = m.params;
      if (!Array.isArray(params) || params.some((p) => typeof p !== 'string')) return answer('other', [], err(2, 'Invalid request: params must be an array of stream names', id));
      const topics: Topic[] = [];
      for (const name of params as string[]) {
        const t = topicOf(name);
        if (t === undefined) return answer('other', [], err(2, `Invalid request: no such stream ${JSON.stringify(name)}`, id));
        if (!topics.some((x) => x.key === t.key)) topics.push(t);
      }
      const op = method === 'SUBSCRIBE' ? 'subscribe' : 'unsubscribe';
      return answer(op, op === 'subscribe' ? topics.filter((t) => !conn.has(t.key)) : topics, JSON.stringify({ result: null, id }));
    },
    snapshot: () => undefined,
    frame(topic, pub, flags) {
      const body = JSON.stringify(event(topic, pub, flags));
      return flags & COMBINED ? `{"stream":${JSON.stringify(topic.key)},"data":${body}}` : body;
    },
  };
};
