/**
 * What the mock exchange needs from a dialect's server side (issue 10): a `MockSpeaker` answers the requests that
 * mocks/exchange.ts has routed (by the dialect's own description, ./routes.ts) and planned faults for. Each
 * dialect's speaker is one file here plus one line in ./index.ts; all of them are driven by the same
 * MarketSimulator, OrderStore and RateLimiters, so what a run measures does not depend on the protocol spoken.
 */
import type http from 'node:http';
import type { Dialect, OperationName } from '../../src/dialect/index.js';
import type { MockExchangeConfig } from '../../src/suite/mock-options.js';
import type { MarketSimulator } from '../orderbook.js';
import type { OrderStore } from '../orders.js';
import type { RateLimiter } from '../ratelimit.js';

export interface Reply {
  status: number;
  body: string;
  retryAfterSec?: number;
}

/** A routed request: the operation, the path placeholders' values and the raw parts a speaker reads. */
export interface MockRequest {
  op: OperationName;
  /** Values of path placeholders (loadgate's `DELETE /api/v1/orders/{orderId}`). */
  pathParams: Readonly<Record<string, string>>;
  /** Set for a speaker's extra route (`extraRoutes`): which one. */
  tag?: string;
  req: http.IncomingMessage;
  /** Path with `?query`, exactly as received (what is signed). */
  rawUrl: string;
  /** The query without `?` ('' when none). */
  query: string;
}

/** The mock's shared state a speaker works on. */
export interface MockServerContext {
  dialect: Dialect;
  options: MockExchangeConfig;
  /** Epoch ms (the mock's clock) at start. */
  startedAtMs: number;
  market: MarketSimulator;
  orders: OrderStore;
  /** Per remote address, public operations; undefined when `rateLimit: false`. */
  publicLimiter: RateLimiter | undefined;
  /** Per API key, signed operations. */
  privateLimiter: RateLimiter | undefined;
  /** Largest accepted |server time − request timestamp|, ms: `options.recvWindowMs`, else the dialect's (`signing.defaultRecvWindowMs`). */
  recvWindowMs: number;
  /** API key → its secret and passphrase. */
  credentials: ReadonlyMap<string, { apiSecret: string; passphrase?: string }>;
  /** Counts a signed request's verification: accepted, or refused for key / passphrase / timestamp / signature. */
  countAuth(verified: boolean): void;
  /** Called after the order store changed (the open-orders gauge). */
  ordersChanged(): void;
}

/** A fixed route a speaker serves beyond the dialect's operations, counted, faulted and signed as `op`. */
export interface ExtraRoute {
  method: string;
  path: string;
  op: OperationName;
  tag: string;
}

export interface MockSpeaker {
  /** Routes beyond the dialect's operations (OKX batch-orders), matched after them. */
  extraRoutes?: readonly ExtraRoute[];
  /** A request that matched no route. */
  notFound: Reply;
  /** What the `errorRatePct` fault answers (the same objects every time: the mock counts them by identity). */
  injected: { internalError: Reply; serviceUnavailable: Reply };
  /** An unsigned operation. */
  publicReply(r: MockRequest, nowMs: number): Reply;
  /** A signed operation; `body` is undefined when it exceeded the mock's body limit. */
  privateReply(r: MockRequest, body: string | undefined, nowMs: number): Reply;
}

export type MockSpeakerFactory = (ctx: MockServerContext) => MockSpeaker;

/** Largest accepted request body, bytes. */
export const MAX_BODY_BYTES = 64 * 1024;
