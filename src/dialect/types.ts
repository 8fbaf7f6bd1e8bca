/**
 * What a dialect is: a pure description of how one exchange is spoken (issue 10). REST operations, request
 * signing, error codes and the stream protocol, in data plus small pure functions, so the Node engines, the k6
 * scenarios (bundled by esbuild or run as .ts by k6) and the mock's server half can all read the same one.
 *
 * Rules for every file under src/dialect/: no imports but `import type` from outside the folder, no node:*, no
 * Buffer, no URLSearchParams, no TextEncoder (k6's runtime has none of them), no clock and no randomness (the
 * caller passes the timestamp, and the HMAC function is injected).
 */
import type { ErrorClass } from '../result/model.ts';

/** The unified operations. `health` is the availability probe (a cheap public GET). */
export const OPERATIONS = ['fetchMarkets', 'fetchOrderBook', 'fetchTicker', 'createOrder', 'cancelOrder', 'fetchTime', 'health'] as const;
export type OperationName = (typeof OPERATIONS)[number];

/** The unified stream channels (the suite's `streams[].channel`). */
export const CHANNELS = ['orderbook', 'ticker', 'trades'] as const;
export type Channel = (typeof CHANNELS)[number];

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/**
 * Where an operation's parameters go: `query` (the URL, every GET), `json` (a JSON object body) or `form`
 * (an `application/x-www-form-urlencoded` body, Binance's choice for POST).
 */
export type ParamEncoding = 'query' | 'json' | 'form';

/** Parameters in wire order (order matters: it is what gets signed). Numbers stay numbers in JSON bodies. */
export type Params = ReadonlyArray<readonly [string, string | number | boolean]>;

/** A unified symbol: `BASE/QUOTE`, e.g. `BTC/USDT` (ccxt's notation). */
export type UnifiedSymbol = string;

export interface OrderInput {
  symbol: UnifiedSymbol;
  side: 'buy' | 'sell';
  type: 'limit' | 'market';
  /** Base-currency quantity, already snapped to the market's step size. */
  qty: number;
  /** Limit price, already snapped to the tick size. Absent for market orders. */
  price?: number;
  /** Our id for the order (a correlation id); the dialect makes it acceptable to the exchange (`clientOrderId()`). */
  clientOrderId: string;
}

/** What an operation needs; each operation reads the fields it uses. */
export interface OperationInput {
  symbol?: UnifiedSymbol;
  /** Order-book levels wanted (fetchOrderBook); the dialect clamps it to what the exchange accepts. */
  depth?: number;
  order?: OrderInput;
  /** The exchange's order id to cancel (cancelOrder), as the createOrder reader returned it. */
  orderId?: string;
}

/** One REST operation: the data a dry-run prints, plus the function that fills in a request. */
export interface RestOperation {
  method: HttpMethod;
  /** Path template for docs and dry-runs, e.g. `/api/v3/order` or `/api/v1/orders/{orderId}`. */
  path: string;
  encoding: ParamEncoding;
  signed: boolean;
  /** The concrete path (without query) and the parameters, in wire order. Throws when a required input is missing. */
  request(input: OperationInput): { path: string; params: Params };
  /** The exchange's published cost of one call (e.g. `weight 2`, `20 req / 2 s per IP`), for `maxRatePerSec` docs. */
  rateLimit?: string;
}

/** A request before signing. `query` has no leading `?`; `body` is '' when there is none. */
export interface UnsignedRequest {
  method: HttpMethod;
  path: string;
  query: string;
  body: string;
  /** `application/json` or `application/x-www-form-urlencoded` when there is a body. */
  contentType?: string;
}

/** What goes on the wire. `path` includes `?query` when there is one. */
export interface WireRequest {
  method: HttpMethod;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * HMAC, injected: `createHmac(algo, secret).update(payload).digest(encoding)` in Node,
 * `crypto.hmac(algo, secret, payload, encoding)` in k6 (same argument order).
 */
export type HmacFn = (algorithm: 'sha256', secret: string, payload: string, encoding: 'hex' | 'base64') => string;

export interface Credentials {
  apiKey: string;
  apiSecret: string;
  /** OKX's API passphrase (required there, ignored elsewhere). */
  passphrase?: string;
}

export interface SignContext {
  credentials: Credentials;
  /** Client wall clock, epoch ms (the caller's clock: dialects never read one). */
  timestampMs: number;
  hmac: HmacFn;
  /** Overrides the scheme's default receive window, where the scheme sends one. */
  recvWindowMs?: number;
}

/** A request as a server received it, for the mock's verification (server half). Header names lower-case. */
export interface ReceivedRequest {
  method: string;
  /** Raw path with `?query`, exactly as received. */
  url: string;
  headers: Record<string, string | undefined>;
  body: string;
}

/** What a server needs to verify a signature: who, when, the signature, and the exact string that was signed. */
export interface SignedParts {
  apiKey: string | undefined;
  /** Epoch ms, NaN when missing or malformed. */
  timestampMs: number;
  signature: string | undefined;
  passphrase?: string | undefined;
  recvWindowMs?: number | undefined;
  /** The string the client must have signed, rebuilt from the request. */
  payload: string;
}

export interface SigningScheme {
  /** One-line description, e.g. `hex(HMAC-SHA256(secret, timestamp + METHOD + path + body)) in x-lg-* headers`. */
  describe: string;
  algorithm: 'sha256';
  encoding: 'hex' | 'base64';
  /** Where the signature travels. */
  placement: 'headers' | 'query' | 'query-or-body';
  needsPassphrase: boolean;
  /** The receive window the client sends (or the server assumes) when the caller gives none, ms. */
  defaultRecvWindowMs: number;
  /** The exact string that is signed, for a request about to be sent (exposed for tests against published vectors). */
  payload(req: UnsignedRequest, ctx: { apiKey: string; timestamp: string; recvWindowMs: number }): string;
  /** Adds timestamp, key and signature to a request. */
  sign(req: UnsignedRequest, ctx: SignContext): WireRequest;
  /** Server half: pull the signed parts out of a received request. */
  received(req: ReceivedRequest): SignedParts;
}

/** A market's filters, as set-up needs them to size and price orders. */
export interface MarketInfo {
  symbol: UnifiedSymbol;
  /** The exchange's id, e.g. `BTCUSDT`. */
  id: string;
  base: string;
  quote: string;
  tickSize: number;
  stepSize: number;
  minQty: number;
  /** Smallest order value in quote currency, when the exchange publishes one. */
  minNotional?: number;
}

/** Readers for what set-up needs from responses. Bodies are raw text; a reader returns undefined (or []) when it cannot tell. */
export interface ResponseReaders {
  markets(body: string): MarketInfo[];
  lastPrice(body: string): number | undefined;
  /** The exchange's id of a created order. */
  orderId(body: string): string | undefined;
  serverTimeMs(body: string): number | undefined;
}

export interface SymbolMapping {
  /** `BTC/USDT` → `BTCUSDT`. Throws on something that is not `BASE/QUOTE`. */
  toExchange(symbol: UnifiedSymbol): string;
  /** `BTCUSDT` → `BTC/USDT`; undefined when the id can't be split (give `markets` to split by the exchange's own list). */
  fromExchange(id: string, markets?: readonly MarketInfo[]): UnifiedSymbol | undefined;
}

/** Why a trading request was refused, the same words in every dialect. */
export type TradingReason = 'insufficientMargin' | 'invalidOrder' | 'orderNotFound';

export interface ErrorRule {
  errorClass: ErrorClass;
  reason?: TradingReason;
}

export interface ErrorTable {
  /** Where the codes come from (a doc URL). */
  doc: string;
  /** The error code in a response body; undefined for a success or a body without one. Cheap: runs on every response. */
  readCode(body: string | undefined, status: number): string | undefined;
  /** Body error code → class. Numeric codes are keyed by their decimal text (`'-2010'`, `'51008'`). */
  codes: Readonly<Record<string, ErrorRule>>;
  /** HTTP statuses whose class differs from the generic one (429 rateLimit, 401/403 auth, 408 timeout, 5xx server, 4xx client). */
  statuses?: Readonly<Record<number, ErrorClass>>;
  /** Class of a body code that is not in `codes`. */
  unknownCode: ErrorClass;
}

/**
 * A classified failure. `errorCode` is the exchange's own code (what a result's `errorCodes` counts); absent when
 * the body carries none (the status is counted in `statusCodes` already), as the engines record it today.
 */
export interface Classified {
  errorClass: ErrorClass;
  errorCode?: string;
  reason?: TradingReason;
}

// ---- streams -------------------------------------------------------------------------------------------------

export interface StreamSubscription {
  channel: Channel;
  symbol: UnifiedSymbol;
}

/**
 * How loss is defined for a stream (see src/dialect/sequence.ts):
 * - `none`: the stream carries no sequence; loss is not measurable (lossPct is no-data, never 0);
 * - `perSubscription`: a seq per subscription, +1 per message, from `startsAt` (loadgate);
 * - `updateIdRange`: each message covers update ids `[first, last]`; the next must start at `last + 1` (Binance depth `U`/`u`);
 * - `prevSeqId`: each message names the id of the one before it (OKX books `prevSeqId` → `seqId`); a snapshot has
 *   `prevSeqId = -1`. Ids jump by arbitrary steps, so a broken chain proves loss but not how much: each gap counts as
 *   one lost message, a lower bound (`lossExact: false`);
 * - `updateId`: one update id per message, +1 each (Bybit orderbook `u`); a snapshot, or `u = 1` after a service
 *   restart, is a resync.
 */
export type SequenceRule =
  | { type: 'none' }
  | { type: 'perSubscription'; startsAt: number }
  | { type: 'updateIdRange' }
  | { type: 'prevSeqId' }
  | { type: 'updateId' };

/** The sequence fields of one data message, as its rule reads them. */
export type SequencePoint =
  | { kind: 'range'; first: number; last: number; snapshot?: boolean }
  | { kind: 'chain'; prev: number; id: number };

export type StreamEvent =
  | {
      kind: 'data';
      channel: Channel;
      /** The exchange's symbol id as sent (map with `symbols.fromExchange`). */
      symbolId: string;
      /** Server timestamp in the unit of `stream.timestamp.unit`; undefined when the frame has none. */
      serverTs: number | undefined;
      /** undefined for a channel whose rule is `none`. */
      seq: SequencePoint | undefined;
    }
  /**
   * A subscribe/unsubscribe answer. `id` echoes the request id where the protocol has one; otherwise `channel` and
   * `symbolId` say which subscription it answers (OKX). `lastSeq`: loadgate's unsubscribe ack (trailing gaps count).
   */
  | { kind: 'ack'; id: string | undefined; op: 'subscribe' | 'unsubscribe' | 'unknown'; lastSeq?: number; channel?: Channel; symbolId?: string }
  | { kind: 'error'; id: string | undefined; code: string; message: string }
  | { kind: 'pong'; id: string | undefined; serverTsMs?: number }
  /** Anything else (info events, heartbeats the protocol doesn't ask us to answer). */
  | { kind: 'other' };

export interface StreamDialect {
  /**
   * The URL to connect to, from the target's `wsUrl` (the stream origin + path, e.g. `wss://stream.binance.com:9443/ws`)
   * and the subscriptions (some exchanges take them in the URL).
   */
  url(wsUrl: string, subs: readonly StreamSubscription[]): string;
  /** Text frames that subscribe (may be several: one per subscription for loadgate, one for all for the others). */
  subscribe(subs: readonly StreamSubscription[], id: number): string[];
  unsubscribe(subs: readonly StreamSubscription[], id: number): string[];
  /** An application-level ping, or undefined when the protocol only uses WebSocket ping frames (Binance). */
  ping(id: number, clientTsMs: number): string | undefined;
  decode(raw: string): StreamEvent;
  /** The server timestamp of data frames: the field and its unit. */
  timestamp: { field: string; unit: 'ms' | 'us' };
  /** How loss is counted, per channel. */
  sequence: Readonly<Record<Channel, SequenceRule>>;
  /** The exchange's name of each channel (e.g. `depth@100ms`, `books`, `orderbook.50`). */
  channelNames: Readonly<Record<Channel, string>>;
  /** The server closes a connection that is silent for this long unless pinged, ms (undefined: WebSocket pings only). */
  pingIntervalMs?: number;
}

// ---- server half ----------------------------------------------------------------------------------------------

/** The refusals a server (the mock) must be able to answer in the dialect's own words. */
export const SERVER_ERROR_KINDS = [
  'rateLimit',
  'invalidApiKey',
  'invalidPassphrase',
  'invalidSignature',
  'timestampOutsideRecvWindow',
  'insufficientMargin',
  'orderNotFound',
  'invalidOrder',
  'invalidSymbol',
  'server',
] as const;
export type ServerErrorKind = (typeof SERVER_ERROR_KINDS)[number];

export interface ServerHalf {
  /** The HTTP status and body the exchange answers for `kind` (its documented code and message). */
  errorReply(kind: ServerErrorKind): { status: number; body: string };
}

// ---- the dialect --------------------------------------------------------------------------------------------

/** An exchange's published rate limits, as text with the doc they come from (for `maxRatePerSec` docs). */
export interface PublishedLimits {
  doc: string;
  rest: string[];
  streams: string[];
}

export interface Dialect {
  name: string;
  /** One line for `--help` and docs. */
  title: string;
  /** The exchange's API docs this description follows. */
  docs: string[];
  rest: Readonly<Record<OperationName, RestOperation>>;
  symbols: SymbolMapping;
  /** Turns our correlation id into a client order id the exchange accepts (charset and length). */
  clientOrderId(id: string): string;
  signing: SigningScheme;
  readers: ResponseReaders;
  errors: ErrorTable;
  stream: StreamDialect;
  /** What a server speaking this dialect answers (the mock's half; routing and verification are in request.ts / server.ts). */
  server: ServerHalf;
  limits: PublishedLimits;
}
