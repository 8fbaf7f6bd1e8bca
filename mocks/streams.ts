/**
 * The mock exchange's WebSocket streams (issue #4), served on path `/ws` of the mock's HTTP server.
 *
 * Protocol (JSON text frames)
 * ---------------------------
 * Client → server
 *   {"op":"subscribe","channel":"orderbook","symbol":"BTC-USDT","id":1}      channel: orderbook | ticker | trades
 *   {"op":"unsubscribe","channel":"orderbook","symbol":"BTC-USDT","id":2}
 *   {"op":"ping","id":3,"clientTs":<any number, echoed back>}
 * Server → client
 *   {"op":"ack","id":1,"subscription":"orderbook:BTC-USDT"}                   subscribe ack, sent before the first data message
 *   {"op":"ack","id":2,"subscription":"orderbook:BTC-USDT","lastSeq":57}      unsubscribe ack: `lastSeq` is the last seq the server
 *                                                                             processed (sent or dropped), so trailing gaps are visible
 *   {"op":"error","id":1,"code":"invalidChannel","message":"…"}               codes: badRequest invalidChannel invalidSymbol
 *                                                                             alreadySubscribed notSubscribed
 *   {"channel":"orderbook","symbol":"BTC-USDT","seq":1,"ts":<epoch µs>,"data":{…}}
 *       `seq` counts per subscription from 1 (a resubscription starts again at 1); `ts` is the server's clock when the
 *       message was produced, stamped before any injected hold or stall.
 *       data: orderbook {bids:[[price,qty]…], asks:[…]} (top 5), ticker {last,bid,ask,volume}, trades {price,qty,side}
 *   {"op":"pong","id":3,"clientTs":…,"serverTs":<epoch µs>}
 * The server also sends WebSocket ping frames every `heartbeatIntervalMs` and terminates a client that has not
 * answered the previous one. Injected disconnects close with code 1012 (service restart); slow consumers with 1008.
 *
 * Loss, as a client should count it: seqs never received (gaps never filled). A missing seq that arrives later is
 * reordered, not lost; a seq received twice is a duplicate.
 *
 * Cost: one timer per channel (not per subscription) fans each tick out to every subscriber; the message body is
 * built once per symbol per tick and only the seq differs per subscriber. Faults are decided at delivery time, in
 * delivery order, so the injected-fault counters match what a client can observe.
 *
 * Exchange dialects (issue 10, `deps.dialect`): with `binance-spot`, `okx-v5` or `bybit-v5` the same channels, ticks
 * and faults are served in that exchange's protocol instead (its paths, subscribe frames, acks, errors, pings and
 * data shapes, with its own sequence fields): mocks/stream-dialects/<name>.ts formats them, feed.ts computes each
 * publication once per symbol (book diffs and update ids from the MarketSimulator), and every subscriber of a
 * symbol gets the same frame. A fault's `dropSeqs` still count each subscription's data updates from 1 (a
 * subscribe-time snapshot, OKX / Bybit, is part of the subscribe answer: never dropped, not numbered), and a dropped
 * update leaves the gap the dialect's own rule detects (`stats.lossInjected` says how much).
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { InputError } from '../src/errors.js';
import { stallReleaseAtMs } from './faults.js';
import type { DialectName } from '../src/dialect/registry.js';
import type { MarketSimulator } from './orderbook.js';
import { createRng, type Rng } from './rng.js';
import { MarketFeed } from './stream-dialects/feed.js';
import { STREAM_DIALECTS } from './stream-dialects/registry.js';
import type { Connect, ConnView, Publication, StreamServerDialect, Topic } from './stream-dialects/types.js';

export const STREAM_PATH = '/ws';
/** WebSocket close codes the mock uses. */
export const CLOSE_CODES = { goingAway: 1001, policyViolation: 1008, serviceRestart: 1012 } as const;

export {
  MOCK_STREAM_CHANNELS,
  streamFaultsSchema,
  streamOptionsSchema,
  type MockStreamChannel,
  type StreamFaults,
  type StreamOptions,
  type StreamConfig,
  type MockStreamStats,
} from '../src/suite/mock-options.js';
import { MOCK_STREAM_CHANNELS, streamFaultsSchema, streamOptionsSchema, type MockStreamChannel, type StreamFaults, type StreamOptions, type StreamConfig, type MockStreamStats } from '../src/suite/mock-options.js';
type StreamFaultsConfig = z.output<typeof streamFaultsSchema>;


export interface StreamDeps {
  /** Epoch ms, fractional for µs precision. Default `performance.timeOrigin + performance.now()`. */
  now?: () => number;
  rng?: Rng;
  /** The mock exchange's markets: data comes from them and unknown symbols are refused. Default: synthetic data, any symbol. */
  market?: MarketSimulator;
  /** The exchange protocol to speak (src/dialect/registry.ts). Default `loadgate`; the others need `market`. */
  dialect?: DialectName;
}

export interface StreamsHandle {
  stats: MockStreamStats;
  /** The dialect spoken. */
  dialect: DialectName;
  /** The connection path of its public market streams: `/ws` (loadgate, Binance), `/ws/v5/public` (OKX), `/v5/public/spot` (Bybit). */
  path: string;
  /** Validated options. */
  options: StreamConfig;
  /** Replaces the faults at run time. Throws `InputError` on an invalid spec. */
  setFaults(faults: StreamFaults): void;
  /** Zeroes the counters (the same object stays valid; `connections` and `subscriptions` keep their live values). */
  resetStats(): void;
  /** Closes every stream connection (1001) and detaches from the server. Idempotent. */
  close(): Promise<void>;
}

interface Conn {
  ws: WebSocket;
  subs: Map<string, Sub>;
  alive: boolean;
  /** Exchange dialects: the connection id some answers carry, and the encoder's frame variant. */
  id: string;
  flags: number;
}

interface Sub {
  conn: Conn;
  channel: MockStreamChannel;
  symbol: string;
  key: string;
  /** Last seq stamped. */
  seq: number;
  /** Last seq processed at delivery (sent or dropped): the unsubscribe ack's `lastSeq`. */
  processedSeq: number;
  active: boolean;
  held: string | undefined;
  /** Exchange dialects: the topic, and `flags|key` (which frame variant it gets). */
  topic: Topic | undefined;
  frameKey: string;
  /** The last data message was not sent (for counting OKX's broken links once per run). */
  inGap: boolean;
}

/** A message's `lossInjected` weight when not sent: ids it covers, or CHAIN_LINK (one per run of unsent messages). */
const CHAIN_LINK = -1;

interface Batch {
  dueMs: number;
  subs: Sub[];
  seqs: number[];
  frames: string[];
  weights: number[];
}

const SYMBOL_RE = /^[A-Z0-9]{2,15}-[A-Z0-9]{2,15}$/;
/** Shortest channel tick; faster rates send several messages per tick. */
const MIN_TICK_MS = 5;
/** A tick that fell further behind than this many messages skips them (the mock was starved, not the client slow). */
const MAX_CATCHUP = 50;

function isPaused(f: StreamFaultsConfig, channel: MockStreamChannel): boolean {
  return f.pause !== undefined && (f.pause.channels === undefined || f.pause.channels.includes(channel));
}

export function parseStreamOptions(opts: unknown): StreamConfig {
  const r = streamOptionsSchema.safeParse(opts ?? {});
  if (!r.success) {
    throw new InputError('LG_MOCK_WS_OPTIONS_INVALID', `mock stream options are invalid:\n${z.prettifyError(r.error)}`, {
      hint: 'see streamOptionsSchema in src/suite/mock-options.ts for the fields and their defaults',
      cause: r.error,
    });
  }
  return r.data;
}

function emptyStats(): MockStreamStats {
  return {
    connections: 0,
    connectionsTotal: 0,
    subscriptions: 0,
    subscribes: 0,
    unsubscribes: 0,
    messagesSent: 0,
    messagesByChannel: { orderbook: 0, ticker: 0, trades: 0 },
    dropsInjected: 0,
    duplicatesInjected: 0,
    reorderedInjected: 0,
    disconnectsInjected: 0,
    stallsHeld: 0,
    slowConsumerDrops: 0,
    slowConsumerDisconnects: 0,
    heartbeatTimeouts: 0,
    pongs: 0,
    pauseDrops: 0,
    lossInjected: 0,
  };
}

const defaultNow = (): number => performance.timeOrigin + performance.now();

/** Serves the streams on `server`'s `/ws` path. Validates `opts` (throws `InputError`). */
export function attachStreams(server: http.Server, opts: StreamOptions | StreamConfig = {}, deps: StreamDeps = {}): StreamsHandle {
  const options = parseStreamOptions(opts);
  const now = deps.now ?? defaultNow;
  const rng = deps.rng ?? createRng(options.seed, 77);
  const market = deps.market;
  const dialectName: DialectName = deps.dialect ?? 'loadgate';
  let enc: StreamServerDialect | undefined;
  let feed: MarketFeed | undefined;
  if (dialectName !== 'loadgate') {
    if (market === undefined) throw new Error(`attachStreams: dialect ${dialectName} needs deps.market`);
    const m = market;
    const factory = STREAM_DIALECTS[dialectName];
    const bySymbolId = new Map<string, string>();
    let e: StreamServerDialect | undefined;
    enc = e = factory({ symbolOf: (id) => bySymbolId.get(id) });
    for (const mk of m.markets) bySymbolId.set(e.dialect.symbols.toExchange(`${mk.base}/${mk.quote}`), mk.symbol);
    feed = new MarketFeed(m, e.bookDepth, createRng(options.seed, 79), e.restSnapshotSync);
  }
  let connIds = 0;
  const startedAtMs = now();
  const stats = emptyStats();
  let faults: StreamFaultsConfig = options.faults;
  let dropSet = new Set(faults.dropSeqs ?? []);
  const conns = new Set<Conn>();
  const subsByChannel = new Map<MockStreamChannel, Map<string, Set<Sub>>>(MOCK_STREAM_CHANNELS.map((c) => [c, new Map()]));
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
  const synthetic = new SyntheticMarket(createRng(options.seed, 78));
  let closed = false;

  // ---- delivery -------------------------------------------------------------------------------------------

  /** A data message of `sub` is not sent: what the dialect's rule will count as lost for it. */
  const unsent = (sub: Sub, weight: number): void => {
    if (weight === CHAIN_LINK) {
      if (!sub.inGap) stats.lossInjected++;
    } else {
      stats.lossInjected += weight;
    }
    sub.inGap = true;
  };

  const send = (sub: Sub, frame: string, weight = 0): boolean => {
    const ws = sub.conn.ws;
    if (ws.readyState !== WebSocket.OPEN) return false;
    const sc = faults.slowConsumer;
    if (sc !== undefined && ws.bufferedAmount > sc.maxBufferedBytes) {
      if (sc.policy === 'drop') {
        stats.slowConsumerDrops++;
        unsent(sub, weight);
      } else {
        stats.slowConsumerDisconnects++;
        ws.close(CLOSE_CODES.policyViolation, 'slow consumer');
      }
      return false;
    }
    ws.send(frame);
    return true;
  };

  const countSent = (sub: Sub): void => {
    stats.messagesSent++;
    stats.messagesByChannel[sub.channel]++;
  };

  /** Applies drop / reorder / duplicate to one message, in delivery order. `weight`: see `unsent`. */
  const deliver = (sub: Sub, seq: number, frame: string, weight: number): void => {
    if (!sub.active) return;
    sub.processedSeq = seq;
    const f = faults;
    if (f.pause !== undefined && isPaused(f, sub.channel)) {
      stats.pauseDrops++;
      unsent(sub, weight);
      return;
    }
    if (dropSet.has(seq) || (f.dropRatePct > 0 && rng.next() * 100 < f.dropRatePct)) {
      stats.dropsInjected++;
      unsent(sub, weight);
      return;
    }
    if (sub.held === undefined && f.reorderRatePct > 0 && rng.next() * 100 < f.reorderRatePct) {
      sub.held = frame;
      sub.inGap = false;
      return;
    }
    if (!send(sub, frame, weight)) return;
    sub.inGap = false;
    countSent(sub);
    if (f.duplicateRatePct > 0 && rng.next() * 100 < f.duplicateRatePct && send(sub, frame)) stats.duplicatesInjected++;
    if (sub.held !== undefined) {
      const held = sub.held;
      sub.held = undefined;
      if (send(sub, held)) {
        countSent(sub);
        stats.reorderedInjected++;
      }
    }
  };

  // Held batches (holdMs, stalls) in due order: one timer for the head of the queue.
  const queue: Batch[] = [];
  let queueTimer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  let queueTimerIsImmediate = false;

  const clearQueueTimer = (): void => {
    if (queueTimer === undefined) return;
    if (queueTimerIsImmediate) clearImmediate(queueTimer as NodeJS.Immediate);
    else clearTimeout(queueTimer as NodeJS.Timeout);
    queueTimer = undefined;
  };

  const drainQueue = (): void => {
    queueTimer = undefined;
    const t = now();
    while (queue.length > 0 && queue[0]!.dueMs <= t) {
      const b = queue.shift()!;
      for (let i = 0; i < b.subs.length; i++) deliver(b.subs[i]!, b.seqs[i]!, b.frames[i]!, b.weights[i]!);
    }
    armQueue();
  };

  const armQueue = (): void => {
    if (queueTimer !== undefined || queue.length === 0 || closed) return;
    const waitMs = queue[0]!.dueMs - now();
    // setTimeout alone fires up to ~1 ms late (ms-granular loop clock); the last millisecond polls with
    // setImmediate so an injected hold adds what it says, not hold + timer slack.
    if (waitMs > 1.5) {
      queueTimerIsImmediate = false;
      queueTimer = setTimeout(drainQueue, Math.floor(waitMs - 1));
    } else {
      queueTimerIsImmediate = true;
      queueTimer = setImmediate(drainQueue);
    }
  };

  // ---- production: one timer per channel ------------------------------------------------------------------

  const tickers = MOCK_STREAM_CHANNELS.map((channel) => {
    const ratePerSec = options.ratePerSec[channel];
    const intervalMs = 1000 / ratePerSec;
    let timer: NodeJS.Timeout | undefined;
    let t0 = 0;
    let ticks = 0;
    const tick = (): void => {
      timer = undefined;
      if (closed) return;
      const t = now();
      const due = Math.floor((t - t0) / intervalMs) + 1;
      let n = due - ticks;
      if (n > MAX_CATCHUP) {
        ticks = due - MAX_CATCHUP;
        n = MAX_CATCHUP;
      }
      if (n > 0) {
        produce(channel, n, t);
        ticks += n;
      }
      schedule();
    };
    const schedule = (): void => {
      if (closed) return;
      const nextAt = t0 + ticks * intervalMs;
      timer = setTimeout(tick, Math.max(MIN_TICK_MS, nextAt - now()));
    };
    return {
      channel,
      start(): void {
        if (timer !== undefined || closed) return;
        t0 = now();
        ticks = 0;
        tick();
      },
      stop(): void {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
      },
    };
  });

  /** The batch this tick's messages wait in (holdMs, a stall, or earlier ones still waiting), or undefined: send now. */
  const openBatch = (f: StreamFaultsConfig, stampMs: number): Batch | undefined => {
    let dueMs = f.holdMs > 0 ? stampMs + f.holdMs : 0;
    if (f.stall !== undefined) {
      const release = stallReleaseAtMs(stampMs, startedAtMs, f.stall);
      if (release > stampMs) dueMs = Math.max(dueMs, release);
    }
    const held = dueMs > 0 || queue.length > 0;
    return held ? { dueMs: Math.max(dueMs, stampMs), subs: [], seqs: [], frames: [], weights: [] } : undefined;
  };

  const produce = (channel: MockStreamChannel, count: number, stampMs: number): void => {
    const f = faults;
    if (f.pause?.seq === 'freeze' && isPaused(f, channel)) return;
    const batch = openBatch(f, stampMs);
    if (enc !== undefined) produceDialect(enc, channel, count, stampMs, batch);
    else produceLoadgate(channel, count, stampMs, batch);
    queueBatch(f, batch, stampMs);
  };

  const produceLoadgate = (channel: MockStreamChannel, count: number, stampMs: number, batch: Batch | undefined): void => {
    const bySymbol = subsByChannel.get(channel)!;
    const tsUs = Math.round(stampMs * 1000);
    for (const [symbol, subs] of bySymbol) {
      if (subs.size === 0) continue;
      const prefix = `{"channel":"${channel}","symbol":"${symbol}","seq":`;
      for (let k = 0; k < count; k++) {
        const suffix = `,"ts":${tsUs},"data":${dataJson(channel, symbol)}}`;
        for (const sub of subs) {
          const seq = ++sub.seq;
          const frame = prefix + seq + suffix;
          if (batch === undefined) {
            deliver(sub, seq, frame, 1);
          } else {
            batch.subs.push(sub);
            batch.seqs.push(seq);
            batch.frames.push(frame);
            batch.weights.push(1);
          }
        }
      }
    }
  };

  const publish = (channel: MockStreamChannel, symbol: string, tsMs: number): Publication | undefined => {
    if (channel === 'orderbook') {
      const book = feed!.publishBook(symbol);
      return book && { channel, book, tsMs };
    }
    if (channel === 'ticker') {
      const ticker = feed!.ticker(symbol);
      return ticker && { channel, ticker, tsMs };
    }
    const trade = feed!.trade(symbol);
    return trade && { channel, trade, tsMs };
  };

  /** The `unsent` weight of a publication under the dialect's rule for its channel. */
  const lossWeight = (e: StreamServerDialect, pub: Publication): number => {
    const rule = e.dialect.stream.sequence[pub.channel].type;
    if (rule === 'none') return 0;
    if (rule === 'prevSeqId') return CHAIN_LINK;
    if (rule === 'updateIdRange' && pub.channel === 'orderbook') return pub.book.lastId - pub.book.firstId + 1;
    return 1;
  };

  const produceDialect = (e: StreamServerDialect, channel: MockStreamChannel, count: number, stampMs: number, batch: Batch | undefined): void => {
    const bySymbol = subsByChannel.get(channel)!;
    for (const [symbol, subs] of bySymbol) {
      if (subs.size === 0) continue;
      for (let k = 0; k < count; k++) {
        const pub = publish(channel, symbol, stampMs);
        if (pub === undefined) continue;
        const weight = lossWeight(e, pub);
        // One frame per variant (Binance: time unit, combined wrapper and stream name), whatever the subscribers.
        let lastKey = '';
        let lastFrame = '';
        const frames = new Map<string, string>();
        for (const sub of subs) {
          let frame: string;
          if (sub.frameKey === lastKey) frame = lastFrame;
          else {
            frame = frames.get(sub.frameKey) ?? e.frame(sub.topic!, pub, sub.conn.flags);
            frames.set(sub.frameKey, frame);
            lastKey = sub.frameKey;
            lastFrame = frame;
          }
          const seq = ++sub.seq;
          if (batch === undefined) {
            deliver(sub, seq, frame, weight);
          } else {
            batch.subs.push(sub);
            batch.seqs.push(seq);
            batch.frames.push(frame);
            batch.weights.push(weight);
          }
        }
      }
    }
  };

  const queueBatch = (f: StreamFaultsConfig, batch: Batch | undefined, stampMs: number): void => {
    if (batch !== undefined && batch.subs.length > 0) {
      if (f.stall !== undefined && stallReleaseAtMs(stampMs, startedAtMs, f.stall) > stampMs) stats.stallsHeld += batch.subs.length;
      // Keep the queue in due order (a stall ending after a later hold): insert from the back.
      let i = queue.length;
      while (i > 0 && queue[i - 1]!.dueMs > batch.dueMs) i--;
      queue.splice(i, 0, batch);
      if (i === 0) clearQueueTimer();
      armQueue();
    }
  };

  const dataJson = (channel: MockStreamChannel, symbol: string): string => {
    if (market !== undefined) {
      if (channel === 'orderbook') {
        const b = market.orderBook(symbol, 5);
        if (b !== undefined) return JSON.stringify({ bids: b.bids, asks: b.asks });
      } else if (channel === 'ticker') {
        const t = market.ticker(symbol);
        if (t !== undefined) return JSON.stringify({ last: t.last, bid: t.bid, ask: t.ask, volume: t.volume });
      } else {
        const mid = market.midPrice(symbol);
        if (mid !== undefined) return synthetic.trade(mid);
      }
    }
    return synthetic.data(channel, symbol);
  };

  // ---- connections --------------------------------------------------------------------------------------------

  const reply = (conn: Conn, msg: Record<string, unknown>): void => {
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(JSON.stringify(msg));
  };

  const removeSub = (sub: Sub): void => {
    sub.active = false;
    sub.held = undefined;
    const set = subsByChannel.get(sub.channel)!.get(sub.symbol);
    set?.delete(sub);
    if (set !== undefined && set.size === 0) subsByChannel.get(sub.channel)!.delete(sub.symbol);
    sub.conn.subs.delete(sub.key);
    stats.subscriptions--;
  };

  const addSub = (conn: Conn, topic: Topic | undefined, channel: MockStreamChannel, symbol: string, key: string): Sub => {
    const sub: Sub = { conn, channel, symbol, key, seq: 0, processedSeq: 0, active: true, held: undefined, topic, frameKey: `${conn.flags}|${key}`, inGap: false };
    conn.subs.set(key, sub);
    const bySymbol = subsByChannel.get(channel)!;
    let set = bySymbol.get(symbol);
    if (set === undefined) bySymbol.set(symbol, (set = new Set()));
    set.add(sub);
    stats.subscribes++;
    stats.subscriptions++;
    tickers.find((t) => t.channel === channel)!.start();
    return sub;
  };

  /** Unsubscribes `sub`; a message held for reordering is the newest one: sending it first is in order. */
  const dropSub = (sub: Sub): void => {
    if (sub.held !== undefined && send(sub, sub.held)) countSent(sub);
    removeSub(sub);
    stats.unsubscribes++;
  };

  const viewOf = (conn: Conn): ConnView => ({ id: conn.id, has: (key) => conn.subs.has(key), keys: () => [...conn.subs.keys()] });

  /** Subscribes `topic` in an exchange dialect: the snapshot (OKX, Bybit books) goes out before any update. */
  const addTopic = (e: StreamServerDialect, conn: Conn, topic: Topic): void => {
    if (conn.subs.has(topic.key)) return;
    if (topic.channel === 'orderbook') {
      const snapshot = e.snapshot(topic, feed!.book(topic.symbol)!, now());
      if (snapshot !== undefined && conn.ws.readyState === WebSocket.OPEN) {
        conn.ws.send(snapshot);
        stats.messagesSent++;
        stats.messagesByChannel.orderbook++;
      }
    }
    addSub(conn, topic, topic.channel, topic.symbol, topic.key);
  };

  const onDialectMessage = (e: StreamServerDialect, conn: Conn, raw: string): void => {
    const answer = e.request(raw, viewOf(conn));
    if (answer.op === 'ping') stats.pongs++;
    if (answer.op === 'unsubscribe') {
      for (const t of answer.topics) {
        const sub = conn.subs.get(t.key);
        if (sub !== undefined) dropSub(sub);
      }
    }
    // Answers first: a client sees the ack before the snapshot and the first data message.
    if (conn.ws.readyState === WebSocket.OPEN) for (const r of answer.replies) conn.ws.send(r);
    if (answer.op === 'subscribe') for (const t of answer.topics) addTopic(e, conn, t);
  };

  const onMessage = (conn: Conn, raw: string): void => {
    if (enc !== undefined) {
      onDialectMessage(enc, conn, raw);
      return;
    }
    let msg: { op?: unknown; id?: unknown; channel?: unknown; symbol?: unknown; clientTs?: unknown };
    try {
      msg = JSON.parse(raw) as typeof msg;
    } catch {
      reply(conn, { op: 'error', code: 'badRequest', message: 'expected a JSON object' });
      return;
    }
    if (typeof msg !== 'object' || msg === null) {
      reply(conn, { op: 'error', code: 'badRequest', message: 'expected a JSON object' });
      return;
    }
    const id = typeof msg.id === 'number' || typeof msg.id === 'string' ? msg.id : null;
    if (msg.op === 'ping') {
      stats.pongs++;
      reply(conn, { op: 'pong', id, clientTs: msg.clientTs ?? null, serverTs: Math.round(now() * 1000) });
      return;
    }
    if (msg.op !== 'subscribe' && msg.op !== 'unsubscribe') {
      reply(conn, { op: 'error', id, code: 'badRequest', message: 'op must be subscribe, unsubscribe or ping' });
      return;
    }
    const channel = msg.channel;
    if (typeof channel !== 'string' || !(MOCK_STREAM_CHANNELS as readonly string[]).includes(channel)) {
      reply(conn, { op: 'error', id, code: 'invalidChannel', message: `channel must be one of ${MOCK_STREAM_CHANNELS.join(', ')}` });
      return;
    }
    const symbol = msg.symbol;
    if (typeof symbol !== 'string' || !SYMBOL_RE.test(symbol) || (market !== undefined && !market.has(symbol))) {
      reply(conn, { op: 'error', id, code: 'invalidSymbol', message: `unknown symbol ${JSON.stringify(symbol)}` });
      return;
    }
    const key = `${channel}:${symbol}`;
    const existing = conn.subs.get(key);
    if (msg.op === 'unsubscribe') {
      if (existing === undefined) {
        reply(conn, { op: 'error', id, code: 'notSubscribed', message: `not subscribed to ${key}` });
        return;
      }
      const lastSeq = existing.processedSeq;
      dropSub(existing);
      reply(conn, { op: 'ack', id, subscription: key, lastSeq });
      return;
    }
    if (existing !== undefined) {
      reply(conn, { op: 'error', id, code: 'alreadySubscribed', message: `already subscribed to ${key}` });
      return;
    }
    // Ack first: the client must see the ack before the first data message.
    reply(conn, { op: 'ack', id, subscription: key });
    addSub(conn, undefined, channel as MockStreamChannel, symbol, key);
  };

  wss.on('connection', (ws: WebSocket, _req: http.IncomingMessage, connect?: Connect) => {
    const conn: Conn = { ws, subs: new Map(), alive: true, id: (0x10000000 + ++connIds).toString(16), flags: connect?.flags ?? 0 };
    conns.add(conn);
    stats.connections++;
    stats.connectionsTotal++;
    ws.on('message', (data, isBinary) => {
      if (!isBinary) onMessage(conn, data.toString());
    });
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('error', () => {
      // 'close' follows; nothing else to do.
    });
    ws.on('close', () => {
      for (const sub of [...conn.subs.values()]) removeSub(sub);
      conns.delete(conn);
      stats.connections--;
    });
    // Streams named in the URL (Binance `/ws/<stream>`, `/stream?streams=`) start at once, without an ack.
    if (enc !== undefined && connect !== undefined) for (const t of connect.topics) addTopic(enc, conn, t);
  });

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const connect = enc === undefined ? (path === STREAM_PATH ? undefined : null) : (enc.connect(path, q === -1 ? '' : url.slice(q + 1)) ?? null);
    if (connect === null || closed) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req, connect));
  };
  server.on('upgrade', onUpgrade);

  // ---- injected disconnects and heartbeats ----------------------------------------------------------------------

  const timers: NodeJS.Timeout[] = [];
  const injectDisconnect = (conn: Conn): void => {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    stats.disconnectsInjected++;
    conn.ws.close(CLOSE_CODES.serviceRestart, 'injected disconnect');
  };
  const armFaultTimers = (): void => {
    for (const t of timers) clearInterval(t);
    timers.length = 0;
    if (closed) return;
    const f = faults;
    if (f.disconnectEverySec !== undefined) {
      timers.push(setInterval(() => [...conns].forEach(injectDisconnect), f.disconnectEverySec * 1000));
    }
    if (f.disconnectRatePct > 0) {
      timers.push(
        setInterval(() => {
          for (const conn of [...conns]) if (rng.next() * 100 < f.disconnectRatePct) injectDisconnect(conn);
        }, 1000),
      );
    }
    if (f.heartbeatIntervalMs > 0) {
      timers.push(
        setInterval(() => {
          for (const conn of [...conns]) {
            if (!conn.alive) {
              stats.heartbeatTimeouts++;
              conn.ws.terminate();
              continue;
            }
            conn.alive = false;
            if (conn.ws.readyState === WebSocket.OPEN) conn.ws.ping();
          }
        }, f.heartbeatIntervalMs),
      );
    }
    for (const t of timers) t.unref();
  };
  armFaultTimers();

  let closing: Promise<void> | undefined;
  return {
    stats,
    dialect: dialectName,
    path: enc?.path ?? STREAM_PATH,
    options,
    setFaults(next: StreamFaults): void {
      const r = streamFaultsSchema.safeParse(next);
      if (!r.success) {
        throw new InputError('LG_MOCK_WS_FAULTS_INVALID', `mock stream faults are invalid:\n${z.prettifyError(r.error)}`, { cause: r.error });
      }
      faults = r.data;
      dropSet = new Set(faults.dropSeqs ?? []);
      armFaultTimers();
    },
    resetStats(): void {
      const live = { connections: stats.connections, subscriptions: stats.subscriptions };
      Object.assign(stats, emptyStats(), live);
    },
    close(): Promise<void> {
      closing ??= (async () => {
        closed = true;
        server.off('upgrade', onUpgrade);
        for (const t of tickers) t.stop();
        for (const t of timers) clearInterval(t);
        clearQueueTimer();
        queue.length = 0;
        const all = [...conns];
        await Promise.all(
          all.map(
            (conn) =>
              new Promise<void>((resolve) => {
                if (conn.ws.readyState === WebSocket.CLOSED) return resolve();
                conn.ws.once('close', () => resolve());
                conn.ws.close(CLOSE_CODES.goingAway, 'server closing');
                // Don't wait for a closing handshake from a client that is gone.
                setTimeout(() => conn.ws.terminate(), 500).unref();
              }),
          ),
        );
        await new Promise<void>((resolve) => wss.close(() => resolve()));
      })();
      return closing;
    },
  };
}

/** Random-walk prices for symbols the mock exchange doesn't know (bare `attachStreams` in tests and benches). */
class SyntheticMarket {
  private readonly mids = new Map<string, number>();
  constructor(private readonly rng: Rng) {}

  private mid(symbol: string): number {
    const prev = this.mids.get(symbol) ?? 100 + Math.floor(this.rng.next() * 900);
    const next = Math.max(1, prev * (1 + (this.rng.next() - 0.5) * 0.0004));
    this.mids.set(symbol, next);
    return next;
  }

  trade(mid: number): string {
    const r = this.rng.next();
    return `{"price":${round(mid, 2)},"qty":${round(0.001 + r * 0.5, 4)},"side":"${r < 0.5 ? 'buy' : 'sell'}"}`;
  }

  data(channel: MockStreamChannel, symbol: string): string {
    const mid = this.mid(symbol);
    if (channel === 'trades') return this.trade(mid);
    const bid = round(mid - 0.01, 2);
    const ask = round(mid + 0.01, 2);
    if (channel === 'ticker') return `{"last":${round(mid, 2)},"bid":${bid},"ask":${ask},"volume":${round(this.rng.next() * 1000, 3)}}`;
    const bids: string[] = [];
    const asks: string[] = [];
    for (let i = 0; i < 5; i++) {
      bids.push(`[${round(bid - i * 0.01, 2)},${round(0.1 + this.rng.next(), 4)}]`);
      asks.push(`[${round(ask + i * 0.01, 2)},${round(0.1 + this.rng.next(), 4)}]`);
    }
    return `{"bids":[${bids.join(',')}],"asks":[${asks.join(',')}]}`;
  }
}

function round(v: number, digits: number): number {
  const p = 10 ** digits;
  return Math.round(v * p) / p;
}
