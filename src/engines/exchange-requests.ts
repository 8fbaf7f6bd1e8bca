/**
 * The Node side of the one request planner (src/workload/plan.ts): HMAC from node:crypto, correlation ids, and
 * the HTTP set-up and clean-up around a run (market filters, reference prices, the order pool, cancelling what
 * the run left resting), all spoken in the target's dialect. Shared by the HTTP engines (closed, autocannon, open-model)
 * so they drive the same mix and classify errors the same way.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { ErrorClass } from '../result/model.js';
import { workloadMix, type Workload } from '../suite/schema.js';
import { AUTH_HEADERS, signaturePayload } from '../dialect/loadgate/auth.js';
import { DEFAULT_DIALECT, getDialect, type DialectName } from '../dialect/registry.js';
import type { CustomOperationSpec } from '../dialect/custom.js';
import type { HmacFn } from '../dialect/types.js';
import type { Credentials } from './types.js';
import { mulberry32 } from '../random.js';
import { referencePrice, RequestPlanner, type OrderRef, type SendableRequest } from '../workload/plan.js';
import { RunError } from '../errors.js';

export { weightedRoundRobin, type PlannedRequest, type SendableRequest } from '../workload/plan.js';

/** Seeded PRNG: reproducible mixes and order sizes. */
export { mulberry32 };

/**
 * Resting orders placed in set-up for a mix with cancelOrder (a cancel needs an order of the run's to cancel):
 * per closed connection (at most `closedMax`), per open-model worker, per sdk workload. The engines and the
 * dry-run read these.
 */
export const SETUP_ORDER_POOL = { closedPerConnection: 50, closedMax: 2000, openPerWorker: 200, sdk: 100 } as const;

export function closedOrderPool(connections: number): number {
  return Math.min(SETUP_ORDER_POOL.closedMax, connections * SETUP_ORDER_POOL.closedPerConnection);
}

/** node:crypto's HMAC in the dialects' injected shape. */
export const nodeHmac: HmacFn = (algorithm, secret, payload, encoding) => createHmac(algorithm, secret).update(payload).digest(encoding);

/** The loadgate scheme's headers (tests and the k6 side compare against it). */
export function signHeaders(creds: Credentials, method: string, path: string, body: string, timestampMs: number): Record<string, string> {
  const signature = nodeHmac('sha256', creds.apiSecret, signaturePayload(timestampMs, method, path, body), 'hex');
  return {
    [AUTH_HEADERS.apiKey]: creds.apiKey,
    [AUTH_HEADERS.timestamp]: String(timestampMs),
    [AUTH_HEADERS.signature]: signature,
  };
}

let idCounter = 0;
const idPrefix = randomUUID().slice(0, 8);
/** Unique, cheap correlation IDs: `lg-<run prefix>-<counter>`. */
export function nextCorrelationId(): string {
  return `lg-${idPrefix}-${(++idCounter).toString(36)}`;
}

export interface RequestFactoryOptions {
  workload: Workload;
  credentials: Credentials | undefined;
  seed: number;
  /** The target's dialect. Default loadgate. */
  dialect?: DialectName;
  /** The target's custom endpoints (`target.endpoints`). */
  custom?: Readonly<Record<string, CustomOperationSpec>> | undefined;
  /** Wall clock for signatures (ms since epoch). */
  wallClock?: () => number;
}

/** Plans requests for a workload's mix in the target's dialect; remembers created orders so cancels hit real ones. */
export class RequestFactory extends RequestPlanner {
  private readonly w: Workload;

  constructor(opts: RequestFactoryOptions) {
    super({
      dialect: getDialect(opts.dialect ?? DEFAULT_DIALECT),
      mix: workloadMix(opts.workload),
      symbols: opts.workload.symbols,
      order: opts.workload.order,
      ...(opts.custom !== undefined ? { custom: opts.custom } : {}),
      seed: opts.seed,
      credentials: opts.credentials,
      hmac: nodeHmac,
      wallClockMs: opts.wallClock ?? Date.now,
      nextId: nextCorrelationId,
    });
    this.w = opts.workload;
  }

  get workloadName(): string {
    return this.w.name;
  }
}

/** What the end-of-run clean-up did with the orders the run created and left resting. */
export interface OrderCleanup {
  /** Resting orders the run had created when it ended. */
  resting: number;
  cancelled: number;
  /** Already gone at the target (404): filled, expired or evicted. */
  gone: number;
  /** Still resting as far as loadgate knows: the cancel failed, or the time or count bound was reached first. */
  leftIds: string[];
}

export const EMPTY_CLEANUP: OrderCleanup = { resting: 0, cancelled: 0, gone: 0, leftIds: [] };

export function addCleanup(a: OrderCleanup, b: OrderCleanup): OrderCleanup {
  return { resting: a.resting + b.resting, cancelled: a.cancelled + b.cancelled, gone: a.gone + b.gone, leftIds: [...a.leftIds, ...b.leftIds].slice(0, MAX_LEFT_IDS) };
}

const MAX_LEFT_IDS = 1000;

/**
 * Cancels the orders the run created and left resting (issue 16 item 2), best effort and bounded: at most
 * `maxOrders` (default 10 000) cancels, 8 at a time, each within `timeoutMs`, all within `budgetMs` (default 10 s).
 * Each cancel carries the order's symbol and id, in the target's dialect. Not measured.
 */
export async function cancelRestingOrders(
  baseUrl: string,
  factory: RequestPlanner,
  opts: { timeoutMs: number; budgetMs?: number; maxOrders?: number },
): Promise<OrderCleanup> {
  const orders = factory.takeRestingOrders();
  const out: OrderCleanup = { resting: orders.length, cancelled: 0, gone: 0, leftIds: [] };
  if (orders.length === 0) return out;
  const budget = AbortSignal.timeout(opts.budgetMs ?? 10_000);
  const todo = orders.slice(0, opts.maxOrders ?? 10_000);
  const skipped = orders.slice(todo.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length && !budget.aborted) {
      const order = todo[next++]!;
      const req = factory.cancelRequest(order);
      try {
        const res = await fetch(baseUrl + req.path, { method: req.method, headers: req.headers, body: req.body ?? null, signal: AbortSignal.any([budget, AbortSignal.timeout(opts.timeoutMs)]) });
        const failure = factory.classify(res.status, await res.text());
        if (failure === undefined) out.cancelled++;
        else if (res.status === 404 || failure.reason === 'orderNotFound') out.gone++;
        else out.leftIds.push(order.id);
      } catch {
        out.leftIds.push(order.id);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, todo.length) }, worker));
  // Whatever the time bound left untried is still resting too.
  // A loop, not push(...): `skipped` can hold 100k orders, past what a spread call takes.
  const ids = (list: readonly OrderRef[]): string[] => list.map((o) => o.id);
  out.leftIds = out.leftIds.concat(ids(todo.slice(next)), ids(skipped)).slice(0, MAX_LEFT_IDS);
  return out;
}

/** The report note for a clean-up: how many cancelled, how many left, and their ids. */
export function describeCleanup(workload: string, c: OrderCleanup): string[] {
  if (c.resting === 0) return [];
  const left = c.resting - c.cancelled - c.gone;
  const shown = c.leftIds.slice(0, 20);
  const ids = left > 0 ? ` (ids: ${shown.join(', ')}${left > shown.length ? `, … ${left - shown.length} more` : ''})` : '';
  return [`${workload}: clean-up cancelled ${c.cancelled} of ${c.resting} resting orders the run created${c.gone ? `, ${c.gone} already gone` : ''}; ${left} left resting${ids}`];
}

/** Error code from an exchange error body `{"error":{"code":"..."}}`, without a full JSON parse on the hot path. */
export function extractErrorCode(body: string | undefined): string | undefined {
  if (body === undefined) return undefined;
  const m = /"code"\s*:\s*"([^"]+)"/.exec(body);
  return m?.[1];
}

const TRADING_CODES = new Set(['insufficientMargin', 'invalidOrder', 'orderNotFound', 'insufficientBalance', 'invalidSymbol', 'invalidParameter']);

/** Classify a response. Returns undefined for a success. */
export function classifyResponse(status: number, errorCode: string | undefined): ErrorClass | undefined {
  if (status >= 200 && status < 400) return undefined;
  if (status === 429 || errorCode === 'rateLimitExceeded') return 'rateLimit';
  if (status === 401 || status === 403) return 'auth';
  if (status >= 500) return 'server';
  if (errorCode !== undefined && TRADING_CODES.has(errorCode)) return 'trading';
  if (status === 408) return 'timeout';
  return 'client';
}

/** Classify a transport error (no response). */
export function classifyTransportError(err: unknown): { errorClass: ErrorClass; errorCode: string } {
  // A DOMException (AbortSignal.timeout's TimeoutError) has a numeric `code` (23): use its name, so the result stays valid.
  const raw = (err as { code?: unknown } | undefined)?.code;
  const code = typeof raw === 'string' ? raw : ((err as Error | undefined)?.name === 'TimeoutError' ? 'TimeoutError' : undefined) ?? (err as Error | undefined)?.message ?? 'unknown';
  if (/timeout|ETIMEDOUT|UND_ERR_.*TIMEOUT/i.test(code)) return { errorClass: 'timeout', errorCode: code };
  return { errorClass: 'network', errorCode: code };
}

/**
 * Setup before measuring (like k6's setup()): read market filters and reference prices, and when the mix cancels
 * orders, create a pool of resting orders so cancels hit real ones. Not measured. Returns notes for the report.
 */
export async function prepareWorkload(baseUrl: string, factory: RequestFactory, opts: { orderPool: number; timeoutMs: number; signal?: AbortSignal }): Promise<string[]> {
  const notes: string[] = [];
  const dialect = factory.dialect;
  // Each set-up request gives up at the timeout, or at once when the run is stopped.
  const signal = () => (opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]) : AbortSignal.timeout(opts.timeoutMs));
  const send = async (req: SendableRequest): Promise<{ status: number; body: string }> => {
    const res = await fetch(baseUrl + req.path, { method: req.method, headers: req.headers, body: req.body ?? null, signal: signal() });
    return { status: res.status, body: await res.text() };
  };
  try {
    const res = await send(factory.request('fetchMarkets'));
    if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
    factory.setMarkets(dialect.readers.markets(res.body));
  } catch {
    notes.push('setup: could not read market filters; order quantities are not snapped to step sizes');
  }
  // Orders are only ever placed at a price read from the target (issue 16: a missing `last` once became
  // price 1, a marketable order far from the book). Without one for every symbol, no order is placed.
  const missing: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < factory.symbols.length; i++) {
    const symbol = factory.symbols[i]!;
    if (seen.has(symbol)) continue;
    seen.add(symbol);
    if (opts.signal?.aborted) break;
    let read: { price: number } | { problem: string };
    try {
      const res = await send(factory.request('fetchTicker', { symbol: factory.unified[i]! }));
      read = referencePrice(dialect, res.status, res.body);
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      read = { problem: `the ticker request failed (${cause?.code ?? (e as Error).name ?? 'error'}: ${(e as Error).message})` };
    }
    if ('price' in read) factory.setReferencePrice(symbol, read.price);
    else missing.push(`${symbol}: ${read.problem}`);
  }
  if (factory.placesOrders && missing.length > 0 && !opts.signal?.aborted) {
    const ticker = dialect.rest.fetchTicker;
    throw new RunError('LG_NO_REFERENCE_PRICE', `workload ${factory.workloadName}: no reference price, so no order was placed; ${missing.join('; ')}`, {
      hint:
        dialect.name === DEFAULT_DIALECT
          ? 'loadgate prices limit orders from the ticker\'s "last" field (GET /api/v1/ticker?symbol=…); map your exchange\'s ticker to it, or drop createOrder/cancelOrder from the mix'
          : `loadgate prices limit orders from the ticker's last price (${ticker.method} ${ticker.path}, as the ${dialect.name} dialect reads it); check the target speaks ${dialect.name}, or drop createOrder/cancelOrder from the mix`,
    });
  }
  for (const m of missing) notes.push(`setup: no reference price for ${m}`);
  if (!factory.needsOrders) return notes;
  // 8 at a time: quick, without looking like a load test of its own.
  let remaining = opts.orderPool;
  let failed = false;
  const worker = async () => {
    while (remaining > 0 && !failed && !opts.signal?.aborted) {
      remaining--;
      const req = factory.build('createOrder');
      try {
        const res = await send(req);
        factory.noteResponse(req, res.status, res.body);
      } catch {
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  // Stopped during set-up (Ctrl-C, or another workload's set-up failed): the run will not start, so the
  // orders made for it are cancelled here.
  if (opts.signal?.aborted) {
    await cancelRestingOrders(baseUrl, factory, { timeoutMs: Math.min(opts.timeoutMs, 5_000), budgetMs: 3_000 });
    return notes;
  }
  if (factory.openOrders < opts.orderPool) notes.push(`setup: created ${factory.openOrders} of ${opts.orderPool} orders for cancelOrder to cancel`);
  return notes;
}
