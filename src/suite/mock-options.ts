/**
 * The built-in mock exchange's options, faults and counters: part of the suite spec (`target.mock`) and of the
 * contract between `loadgate run` and the mock process (mocks/), which imports them from here. The library
 * validates a suite's mock options without loading the mock; the mock validates with the same schemas at start.
 */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_DIALECT, DIALECT_NAMES } from '../dialect/registry.js';


// ---- faults (applied by mocks/faults.ts) ----

const nonNegativeMs = z.number().min(0);
const pct = z.number().min(0, { error: 'expected a percentage between 0 and 100' }).max(100, { error: 'expected a percentage between 0 and 100' });

export const latencySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('fixed'), ms: nonNegativeMs }),
  z
    .strictObject({ type: z.literal('uniform'), minMs: nonNegativeMs, maxMs: nonNegativeMs })
    .refine((l) => l.minMs <= l.maxMs, { error: 'uniform latency needs minMs <= maxMs', path: ['maxMs'] }),
  z
    .strictObject({ type: z.literal('lognormal'), p50Ms: z.number().positive(), p99Ms: z.number().positive() })
    .refine((l) => l.p50Ms <= l.p99Ms, { error: 'lognormal latency needs p50Ms <= p99Ms', path: ['p99Ms'] }),
]);
export type LatencySpec = z.infer<typeof latencySchema>;

export const stallSchema = z
  .strictObject({
    /** How long each stall holds responses, in ms. */
    holdMs: z.number().positive(),
    /** A stall starts every `everySec` seconds, counted from server start (the first one at start). */
    everySec: z.number().positive(),
  })
  .refine((s) => s.holdMs < s.everySec * 1000, {
    error: 'stall.holdMs must be shorter than everySec * 1000, otherwise the server never answers',
    path: ['holdMs'],
  });
export type StallSpec = z.infer<typeof stallSchema>;

export const faultSpecSchema = z.strictObject({
  /** Added before the response is sent. */
  latency: latencySchema.optional(),
  /** Percent of requests answered 500 `internalError` or 503 `serviceUnavailable` (half each). */
  errorRatePct: pct.optional(),
  /** Periodic stall: responses that would complete inside a stall are released when it ends. */
  stall: stallSchema.optional(),
  /** Percent of requests whose connection is reset (TCP RST) instead of answered. */
  resetRatePct: pct.optional(),
});
export type FaultSpec = z.infer<typeof faultSpecSchema>;

/** Endpoints that faults (and stats) are keyed by. */
export const MOCK_ENDPOINTS = ['health', 'fetchTime', 'fetchMarkets', 'fetchOrderBook', 'fetchTicker', 'createOrder', 'cancelOrder'] as const;
export type MockEndpoint = (typeof MOCK_ENDPOINTS)[number];
/** A request that matched no route (404 `notFound`); gets the `default` faults. */
export type MockRouteName = MockEndpoint | 'notFound';

/**
 * Faults by endpoint. `default` applies to every endpoint; an endpoint's own spec overrides it
 * field by field (e.g. `default.latency` plus `createOrder.errorRatePct`).
 */
export const faultsSchema = z.strictObject({
  default: faultSpecSchema.optional(),
  health: faultSpecSchema.optional(),
  fetchTime: faultSpecSchema.optional(),
  fetchMarkets: faultSpecSchema.optional(),
  fetchOrderBook: faultSpecSchema.optional(),
  fetchTicker: faultSpecSchema.optional(),
  createOrder: faultSpecSchema.optional(),
  cancelOrder: faultSpecSchema.optional(),
});
export type MockFaults = z.input<typeof faultsSchema>;
export type MockFaultsConfig = z.output<typeof faultsSchema>;

// ---- streams (mocks/streams.ts) ----

export const MOCK_STREAM_CHANNELS = ['orderbook', 'ticker', 'trades'] as const;
export type MockStreamChannel = (typeof MOCK_STREAM_CHANNELS)[number];


const rate = z.number().positive().max(10_000);

export const streamFaultsSchema = z.strictObject({
  /** Exact seqs to drop, in every subscription (e.g. `[5, 17]`: each subscription never sends its 5th and 17th message). */
  dropSeqs: z.array(z.number().int().positive()).optional(),
  /** Percent of data messages dropped at random (seq consumed, never sent). */
  dropRatePct: pct.default(0),
  /** Percent of data messages sent twice. */
  duplicateRatePct: pct.default(0),
  /** Percent of data messages held back and sent right after the next one (a swap). */
  reorderRatePct: pct.default(0),
  /** Every this many seconds, close every open connection (code 1012), like a server restart. */
  disconnectEverySec: z.number().positive().optional(),
  /** Once a second, close each open connection with this probability (percent). */
  disconnectRatePct: pct.default(0),
  /** Hold every data message this long after stamping `ts` before sending it (adds exactly this much latency). */
  holdMs: z.number().min(0).max(60_000).default(0),
  /** Periodic stall: messages produced inside `[k·everySec, k·everySec + holdMs)` since start are sent when it ends. */
  stall: stallSchema.optional(),
  /** A client whose send buffer exceeds `maxBufferedBytes` gets messages dropped (`drop`) or is closed with 1008 (`disconnect`). */
  slowConsumer: z.strictObject({ maxBufferedBytes: z.number().int().positive(), policy: z.enum(['drop', 'disconnect']) }).optional(),
  /** WebSocket ping frame interval; a client that missed the previous pong is terminated. 0 turns heartbeats off. Default 20 000. */
  heartbeatIntervalMs: z.number().int().min(0).default(20_000),
  /**
   * Silence (issue 16): while set, the listed channels (default all) send no data on open connections, as a
   * feed that stops delivering without closing. `seq: advance` (default) consumes the unsent messages' seqs
   * (a gap, so loss once it resumes); `freeze` produces nothing (a silent publisher: no gap). Lift it with
   * `setFaults` without `pause`.
   */
  pause: z
    .strictObject({
      channels: z.array(z.enum(MOCK_STREAM_CHANNELS)).min(1).optional(),
      seq: z.enum(['advance', 'freeze']).default('advance'),
    })
    .optional(),
});
export type StreamFaults = z.input<typeof streamFaultsSchema>;

export const streamOptionsSchema = z.strictObject({
  /** Messages per second per subscription, by channel. Default orderbook 10, ticker 5, trades 10. */
  ratePerSec: z
    .strictObject({ orderbook: rate.default(10), ticker: rate.default(5), trades: rate.default(10) })
    .prefault({}),
  /** Injected faults; change them at run time with `setFaults`. Default none (heartbeats every 20 s). */
  faults: streamFaultsSchema.prefault({}),
  /** Seeds the fault and data randomness. Default 1. */
  seed: z.number().int().default(1),
});
export type StreamOptions = z.input<typeof streamOptionsSchema>;
export type StreamConfig = z.output<typeof streamOptionsSchema>;

/** What the streams sent and injected, so tests can compare it with what a client measured. */
export interface MockStreamStats {
  /** Connections open now. */
  connections: number;
  /** Connections accepted since start. */
  connectionsTotal: number;
  /** Subscriptions active now. */
  subscriptions: number;
  subscribes: number;
  unsubscribes: number;
  /** Data messages sent once (duplicates not counted again). */
  messagesSent: number;
  messagesByChannel: Record<MockStreamChannel, number>;
  /** Data messages dropped by `dropSeqs` / `dropRatePct`. */
  dropsInjected: number;
  /** Extra copies sent by `duplicateRatePct`. */
  duplicatesInjected: number;
  /** Messages sent after a later seq by `reorderRatePct`. */
  reorderedInjected: number;
  /** Connections closed by `disconnectEverySec` / `disconnectRatePct`. */
  disconnectsInjected: number;
  /** Data messages held back by a stall. */
  stallsHeld: number;
  /** Data messages dropped because the client was behind (`slowConsumer.policy: drop`). */
  slowConsumerDrops: number;
  slowConsumerDisconnects: number;
  /** Clients terminated for missing a heartbeat pong. */
  heartbeatTimeouts: number;
  /** `op: ping` requests answered. */
  pongs: number;
  /** Data messages not sent because their channel was paused (`pause`, `seq: advance`). */
  pauseDrops: number;
  /**
   * What the dialect's own sequence rule must count as lost for the data messages not sent (drops, pause, slow-consumer
   * drops): loadgate seqs, Binance diff-depth update ids (`U`..`u` of each), Bybit `u`s, OKX broken `prevSeqId` links
   * (a run of unsent messages is one link). Channels without a sequence add nothing. A client sees a gap only once a
   * later message arrives (loadgate's unsubscribe `lastSeq` shows trailing ones).
   */
  lossInjected: number;
}


// ---- the mock ----

export const DEFAULT_MOCK_SYMBOLS: readonly string[] = Object.freeze(['BTC-USDT', 'ETH-USDT', 'SOL-USDT', 'XRP-USDT']);

/** The API key pair the mock accepts when `credentials` is not set; the passphrase is used only by dialects that sign with one (okx-v5). */
export const DEFAULT_MOCK_CREDENTIALS: Readonly<{ apiKey: string; apiSecret: string; passphrase: string }> = Object.freeze({
  apiKey: 'lg-test-key',
  apiSecret: 'lg-test-secret',
  passphrase: 'lg-test-passphrase',
});

const symbolSchema = z.string().regex(/^[A-Z0-9]{2,15}-[A-Z0-9]{2,15}$/, { error: 'expected an upper-case "BASE-QUOTE" pair like "BTC-USDT"' });

/** An API key pair; `passphrase` for exchanges that require one (OKX). */
const credentialSchema = z.strictObject({ apiKey: z.string().min(1), apiSecret: z.string().min(1), passphrase: z.string().min(1).optional() });

export const rateLimitSchema = z.union([
  z.literal(false),
  z.strictObject({
    /** Burst size: requests allowed at once from a full bucket. */
    capacity: z.number().int().positive(),
    /** Tokens added per second. */
    refillPerSec: z.number().positive(),
  }),
]);

/** `faultSeed: per-run`: each run of the mock draws its own fault seed. */
export const PER_RUN = 'per-run';

/** The fault seed a mock started now uses: `per-run` draws one (31 bits, so it fits every seed field). */
export function resolveFaultSeed(faultSeed: number | typeof PER_RUN | undefined): number | undefined {
  return faultSeed === PER_RUN ? randomInt(2 ** 31) : faultSeed;
}

export const mockOptionsSchema = z.strictObject({
  /** The exchange API the mock speaks (src/dialect/registry.ts). Default `loadgate`, or the suite's `target.dialect`. */
  dialect: z.enum(DIALECT_NAMES).default(DEFAULT_DIALECT),
  /** TCP port; 0 (default) picks a free one. */
  port: z.number().int().min(0).max(65_535).default(0),
  /** Interface to listen on. Default `127.0.0.1`. */
  host: z.string().min(1).default('127.0.0.1'),
  /** Seeds every random choice (latency, errors, book movement). Default 1. */
  seed: z.number().int().default(1),
  /**
   * Seeds the fault draws alone (latency, errors, resets); default `seed`. With the same `seed` and another
   * `faultSeed`, a run meets the same markets and books but its own latency draws: the same target, noise that
   * does not replay (as a real target's never does). `per-run`: every run draws its own (recorded in the
   * result's `meta.target.faultSeed`, so a run can be replayed by setting it).
   */
  faultSeed: z.union([z.number().int(), z.literal(PER_RUN)]).optional(),
  /** Markets to list. Default BTC-, ETH-, SOL- and XRP-USDT. */
  symbols: z
    .array(symbolSchema)
    .min(1)
    .refine((s) => new Set(s).size === s.length, { error: 'symbols must not repeat' })
    .default(() => [...DEFAULT_MOCK_SYMBOLS]),
  /** API key pairs accepted on private endpoints. Default one pair, `DEFAULT_MOCK_CREDENTIALS`. */
  credentials: z
    .array(credentialSchema)
    .min(1)
    .refine((c) => new Set(c.map((k) => k.apiKey)).size === c.length, { error: 'each apiKey must appear once' })
    .default(() => [{ ...DEFAULT_MOCK_CREDENTIALS }]),
  /**
   * Largest accepted |server time - request timestamp|, in ms; a request's own receive window (x-lg-recv-window,
   * Binance recvWindow, X-BAPI-RECV-WINDOW) may narrow it. Default: the dialect's, 5000 (OKX 30 000).
   */
  recvWindowMs: z.number().int().positive().optional(),
  /**
   * Token bucket per API key (private endpoints) and per remote address (public ones), or `false`.
   * Default 100 000 burst, 100 000/s: generous enough that default load tests never hit it.
   */
  rateLimit: rateLimitSchema.default({ capacity: 100_000, refillPerSec: 100_000 }),
  /** Quote-currency balance of each API key; open orders reserve their notional. Default 1e12. */
  balance: z.number().positive().default(1e12),
  /** Injected faults by endpoint (or `default`); change them at run time with `setFaults`. Default none. */
  faults: faultsSchema.default({}),
  /** Options of the WebSocket part (mocks/streams.ts); passed through untouched. */
  ws: streamOptionsSchema.optional(),
});

export type MockExchangeOptions = z.input<typeof mockOptionsSchema>;
/** Options after validation, with defaults filled in. */
export type MockExchangeConfig = z.output<typeof mockOptionsSchema>;

/** Counters of what the mock received and sent. Plain objects: they JSON-serialize as they are. */
export interface MockStats {
  /** Requests received (counted on arrival, before faults). */
  requestsTotal: number;
  /** Requests received per route; `notFound` is any request that matched no route. */
  byEndpoint: Record<MockRouteName, number>;
  /** Responses sent by HTTP status (`"200"`, `"429"`, …); `"reset"` counts injected connection resets. */
  byStatus: Record<string, number>;
  /** `byStatus`, split by route. */
  byEndpointStatus: Record<MockRouteName, Record<string, number>>;
  /** Connections reset by the `resetRatePct` fault. */
  resetsInjected: number;
  /** 5xx responses sent by the `errorRatePct` fault. */
  errorsInjected: number;
  /** Responses held back by a stall. */
  stallsHeld: number;
  /** TCP connections accepted. */
  connections: number;
  /** Orders resting in the order store now (a gauge: not zeroed by `resetStats`). */
  openOrders: number;
  /**
   * Requests of a run's end-of-run order clean-up (header `x-loadgate-phase: cleanup`): answered as usual, but kept
   * out of the counters above and of `serverTimeMs`, which describe the measured run.
   */
  cleanupRequests: number;
  /** Signed requests whose key, passphrase, timestamp and signature verified (the dialect's signing scheme). */
  signaturesVerified: number;
  /** Signed requests refused for their key, passphrase, timestamp or signature (answered with the dialect's auth codes). */
  authRefusals: number;
  /** WebSocket stream counters (mocks/streams.ts); the same object as `streams.stats`. */
  ws?: MockStreamStats;
}

