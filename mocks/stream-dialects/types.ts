/**
 * The server half of an exchange's stream protocol, for mocks/streams.ts: which connection paths it serves, how it
 * reads a client's frames (subscribe, unsubscribe, ping) and answers them, and how it formats the data that
 * mocks/stream-dialects/feed.ts computes once per symbol and tick. One file per dialect, one registry line each.
 * The client half is the same exchange's `stream` in src/dialect/<name>/index.ts: the tests decode every frame
 * sent here with it.
 *
 * loadgate's own protocol is not here: mocks/streams.ts speaks it natively (per-subscription seqs, byte-for-byte
 * what the ws engine's fast path reads).
 */
import type { Dialect } from '../../src/dialect/types.js';
import type { MockStreamChannel } from '../../src/suite/mock-options.js';
import type { Ticker } from '../orderbook.js';
import type { BookState, BookUpdate, Trade } from './feed.js';

/** One subscribable stream: a channel of a mock market, by the exchange's own name for it. */
export interface Topic {
  channel: MockStreamChannel;
  /** The mock's symbol, `BTC-USDT`. */
  symbol: string;
  /** The exchange's id of the symbol, `BTCUSDT`. */
  symbolId: string;
  /** The exchange's name of the subscription: `btcusdt@depth@100ms`, `books:BTC-USDT`, `orderbook.50.BTCUSDT`. */
  key: string;
}

/** A connection the dialect accepts: its initial subscriptions (Binance's URL streams) and its frame variant. */
export interface Connect {
  topics: Topic[];
  /** Encoder-specific frame options of this connection (Binance: µs time unit, combined-stream wrapper). */
  flags: number;
}

export interface Answer {
  op: 'subscribe' | 'unsubscribe' | 'ping' | 'other';
  /** Topics to add (subscribe) or remove (unsubscribe); refused ones are answered in `replies` and left out. */
  topics: Topic[];
  /** Frames to send back now, in order (acks, errors, pongs), before any snapshot or data. */
  replies: string[];
}

export type Publication =
  | { channel: 'orderbook'; book: BookUpdate; tsMs: number }
  | { channel: 'ticker'; ticker: Ticker; tsMs: number }
  | { channel: 'trades'; trade: Trade; tsMs: number };

export interface StreamServerDialect {
  /** The client half (the same description the engines read). */
  dialect: Dialect;
  /** The connection path a client of this exchange's public market streams uses (`/ws`, `/ws/v5/public`, `/v5/public/spot`). */
  path: string;
  /** Levels per side of a streamed book. */
  bookDepth: number;
  /** Clients start from a REST depth snapshot (Binance): updates after a step also clear what such a snapshot may hold (feed.ts). */
  restSnapshotSync: boolean;
  /** An upgrade request's path and query → the connection, or undefined (404). */
  connect(path: string, query: string): Connect | undefined;
  /** A client text frame → what it asked and the replies. */
  request(raw: string, conn: ConnView): Answer;
  /** The frame a new subscriber gets right after the ack, before any data (OKX's and Bybit's book snapshot), if any. */
  snapshot(topic: Topic, book: BookState, tsMs: number): string | undefined;
  /** One data frame. Called once per publication and `flags` value, whatever the number of subscribers. */
  frame(topic: Topic, pub: Publication, flags: number): string;
}

/** The connection a request came on. */
export interface ConnView {
  /** Its id, for answers that carry one (OKX `connId`, Bybit `conn_id`). */
  id: string;
  /** Whether it has the topic `key` already. */
  has(key: string): boolean;
  /** Its topics' keys, in subscription order. */
  keys(): string[];
}

/** What an encoder is made from: the mock's markets, to resolve the exchange's symbol ids. */
export interface EncoderContext {
  /** Exchange symbol id (`BTCUSDT`, `BTC-USDT`; case as the exchange writes it) → the mock's symbol; absent: unknown. */
  symbolOf(symbolId: string): string | undefined;
}

export type EncoderFactory = (ctx: EncoderContext) => StreamServerDialect;
