/**
 * What to send for each exchange operation, and how to read the answer. Shared by the HTTP engines
 * (autocannon, open-model) so they drive the same mix and classify errors the same way.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { ErrorClass } from '../result/model.js';
import type { HttpEndpoint, Workload } from '../suite/schema.js';
import { AUTH_HEADERS, signaturePayload } from '../dialect/loadgate/auth.js';
import type { Credentials } from './types.js';
import { mulberry32 } from '../random.js';
import { mixPlacesOrders, readReferencePrice } from './reference-price.js';
import { RunError } from '../errors.js';

export interface PlannedRequest {
  endpoint: HttpEndpoint;
  method: 'GET' | 'POST' | 'DELETE';
  /** Path with query, e.g. /api/v1/ticker?symbol=BTC-USDT */
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  correlationId: string;
  /** cancelOrder: the order this cancels (one the run created), so a failed cancel puts it back. */
  orderId?: string;
}

/** Seeded PRNG: reproducible mixes and order sizes. */
export { mulberry32 };

/**
 * Smooth weighted round-robin (nginx): the exact mix ratio over any run length, spread evenly, no randomness.
 */
export function weightedRoundRobin<T>(items: ReadonlyArray<{ item: T; weight: number }>): () => T {
  const current = items.map(() => 0);
  const total = items.reduce((a, b) => a + b.weight, 0);
  return () => {
    let best = 0;
    for (let i = 0; i < items.length; i++) {
      current[i]! += items[i]!.weight;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    return items[best]!.item;
  };
}

export function signHeaders(creds: Credentials, method: string, path: string, body: string, timestampMs: number): Record<string, string> {
  const signature = createHmac('sha256', creds.apiSecret).update(signaturePayload(timestampMs, method, path, body)).digest('hex');
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
  /** Wall clock for signatures (ms since epoch). */
  wallClock?: () => number;
}

/** Plans requests for a workload's mix; remembers created order IDs so cancels hit real orders. */
export class RequestFactory {
  private readonly pick: () => { endpoint: HttpEndpoint; depth?: number };
  private readonly rng: () => number;
  readonly symbols: string[];
  private readonly orderIds: string[] = [];
  private readonly w: Workload;
  private readonly creds: Credentials | undefined;
  private readonly wallClock: () => number;
  private symbolIdx = 0;
  /** Last price per symbol, so limit orders are priced realistically. Filled by `prepareWorkload`. */
  readonly referencePrices = new Map<string, number>();
  /** Market filters per symbol (tick size, step size, min quantity), read in setup. */
  readonly filters = new Map<string, { tickSize: number; stepSize: number; minQty: number }>();

  constructor(opts: RequestFactoryOptions) {
    this.w = opts.workload;
    this.creds = opts.credentials;
    this.rng = mulberry32(opts.seed);
    this.symbols = opts.workload.symbols;
    this.wallClock = opts.wallClock ?? Date.now;
    const mix = opts.workload.mix ?? [];
    this.pick = weightedRoundRobin(mix.map((m) => ({ item: m.depth === undefined ? { endpoint: m.endpoint } : { endpoint: m.endpoint, depth: m.depth }, weight: m.weight })));
  }

  /** Endpoints this workload drives. */
  get endpoints(): HttpEndpoint[] {
    return [...new Set((this.w.mix ?? []).map((m) => m.endpoint))];
  }

  get needsOrders(): boolean {
    return this.endpoints.includes('cancelOrder');
  }

  /** Whether this workload places orders (so needs a reference price for every symbol). */
  get placesOrders(): boolean {
    return mixPlacesOrders(this.w.mix ?? []);
  }

  get workloadName(): string {
    return this.w.name;
  }

  private symbol(): string {
    const s = this.symbols[this.symbolIdx % this.symbols.length]!;
    this.symbolIdx++;
    return s;
  }

  /** The endpoint of the next arrival, without building its request (counting arrivals a stopped run never sends). */
  skip(): HttpEndpoint {
    return this.pick().endpoint;
  }

  next(): PlannedRequest {
    const p = this.pick();
    return this.build(p.endpoint, p.depth);
  }

  build(endpoint: HttpEndpoint, depth?: number): PlannedRequest {
    const correlationId = nextCorrelationId();
    const headers: Record<string, string> = { 'x-correlation-id': correlationId, accept: 'application/json' };
    switch (endpoint) {
      case 'fetchMarkets':
        return { endpoint, method: 'GET', path: '/api/v1/markets', headers, body: undefined, correlationId };
      case 'fetchTicker':
        return { endpoint, method: 'GET', path: `/api/v1/ticker?symbol=${encodeURIComponent(this.symbol())}`, headers, body: undefined, correlationId };
      case 'fetchOrderBook':
        return { endpoint, method: 'GET', path: `/api/v1/orderbook?symbol=${encodeURIComponent(this.symbol())}&depth=${depth ?? 20}`, headers, body: undefined, correlationId };
      case 'createOrder': {
        const o = this.w.order;
        const side = o.side === 'both' ? (this.rng() < 0.5 ? 'buy' : 'sell') : o.side;
        const symbol = this.symbol();
        const ref = this.referencePrices.get(symbol);
        // Never invent a price: set-up refuses to run without one (prepareWorkload).
        if (ref === undefined) throw new RunError('LG_NO_REFERENCE_PRICE', `no reference price for ${symbol}: refusing to place an order`);
        const f = this.filters.get(symbol);
        // Resting limit orders: priced away from the reference (last price, read in setup) so they rest.
        const price = snap(ref * (side === 'buy' ? 1 - o.priceOffsetPct / 100 : 1 + o.priceOffsetPct / 100), f?.tickSize);
        const notional = o.notionalMin + (o.notionalMax - o.notionalMin) * this.rng();
        const qty = Math.max(f?.minQty ?? 0, snap(notional / price, f?.stepSize));
        const order: Record<string, unknown> = { symbol, side, type: o.type, qty, clientOrderId: correlationId };
        if (o.type === 'limit') order.price = price;
        const body = JSON.stringify(order);
        headers['content-type'] = 'application/json';
        return { endpoint, method: 'POST', path: '/api/v1/orders', headers: { ...headers, ...this.sign('POST', '/api/v1/orders', body) }, body, correlationId };
      }
      case 'cancelOrder': {
        // Cancel our own resting orders; with none left the cancel is honest about it (404 orderNotFound).
        const own = this.orderIds.pop();
        const id = own ?? `unknown-${correlationId}`;
        const path = `/api/v1/orders/${encodeURIComponent(id)}`;
        const req: PlannedRequest = { endpoint, method: 'DELETE', path, headers: { ...headers, ...this.sign('DELETE', path, '') }, body: undefined, correlationId };
        if (own !== undefined) req.orderId = own;
        return req;
      }
    }
  }

  /**
   * The request's headers, signed now. An engine that queues requests (the open model's backlog) calls this when
   * it sends, so a request that waited is not sent with a stale timestamp and rejected outside the receive
   * window: the generator's own lateness must never read as the target's auth errors (issue #13).
   */
  signedNow(req: PlannedRequest): Record<string, string> {
    if (!this.creds || req.headers[AUTH_HEADERS.signature] === undefined) return req.headers;
    return { ...req.headers, ...signHeaders(this.creds, req.method, req.path, req.body ?? '', this.wallClock()) };
  }

  private sign(method: string, path: string, body: string): Record<string, string> {
    return this.creds ? signHeaders(this.creds, method, path, body, this.wallClock()) : {};
  }

  /**
   * Feed a response back: a created order's id, so later cancels (and the clean-up at the end) target real
   * orders; a cancel that did not go through (`status` 0: no response) puts its order back. 404 means the
   * order is gone already.
   */
  noteResponse(endpoint: HttpEndpoint, status: number, body: string | undefined, orderId?: string): void {
    if (endpoint === 'cancelOrder') {
      if (orderId !== undefined && !(status >= 200 && status < 300) && status !== 404 && this.orderIds.length < 100_000) this.orderIds.push(orderId);
      return;
    }
    if (endpoint !== 'createOrder' || status < 200 || status >= 300 || body === undefined) return;
    const id = extractOrderId(body);
    if (id !== undefined && this.orderIds.length < 100_000) this.orderIds.push(id);
  }

  get openOrders(): number {
    return this.orderIds.length;
  }

  /** The orders this run created that no cancel has taken, newest first; the factory forgets them. */
  takeRestingOrders(): string[] {
    return this.orderIds.splice(0).reverse();
  }

  /** A signed cancel of `orderId` (the clean-up's request). */
  cancelRequest(orderId: string): PlannedRequest {
    const correlationId = nextCorrelationId();
    const path = `/api/v1/orders/${encodeURIComponent(orderId)}`;
    // The phase header tells a test target (the built-in mock) that this request is not part of the measured run.
    const headers = { 'x-correlation-id': correlationId, accept: 'application/json', 'x-loadgate-phase': 'cleanup', ...this.sign('DELETE', path, '') };
    return { endpoint: 'cancelOrder', method: 'DELETE', path, headers, body: undefined, correlationId, orderId };
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
 * Not measured.
 */
export async function cancelRestingOrders(
  baseUrl: string,
  factory: RequestFactory,
  opts: { timeoutMs: number; budgetMs?: number; maxOrders?: number },
): Promise<OrderCleanup> {
  const ids = factory.takeRestingOrders();
  const out: OrderCleanup = { resting: ids.length, cancelled: 0, gone: 0, leftIds: [] };
  if (ids.length === 0) return out;
  const budget = AbortSignal.timeout(opts.budgetMs ?? 10_000);
  const todo = ids.slice(0, opts.maxOrders ?? 10_000);
  const skipped = ids.slice(todo.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length && !budget.aborted) {
      const id = todo[next++]!;
      const req = factory.cancelRequest(id);
      try {
        const res = await fetch(baseUrl + req.path, { method: 'DELETE', headers: req.headers, signal: AbortSignal.any([budget, AbortSignal.timeout(opts.timeoutMs)]) });
        await res.arrayBuffer();
        if (res.status >= 200 && res.status < 300) out.cancelled++;
        else if (res.status === 404) out.gone++;
        else out.leftIds.push(id);
      } catch {
        out.leftIds.push(id);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, todo.length) }, worker));
  // Whatever the time bound left untried is still resting too.
  // concat, not push(...): `skipped` can hold 100k ids, past what a spread call takes.
  out.leftIds = out.leftIds.concat(todo.slice(next), skipped).slice(0, MAX_LEFT_IDS);
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

/** Round to a multiple of `step` (and to the step's decimals, so 0.1 + 0.2 style noise never reaches the wire). */
function snap(v: number, step: number | undefined): number {
  if (step === undefined || !(step > 0)) return Number(v.toPrecision(8));
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  return Number((Math.round(v / step) * step).toFixed(decimals));
}

function extractOrderId(body: string): string | undefined {
  const m = /"orderId"\s*:\s*"([^"]+)"/.exec(body);
  return m?.[1];
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
 * Setup before measuring (like k6's setup()): read reference prices, and when the mix cancels orders,
 * create a pool of resting orders so cancels hit real ones. Not measured. Returns notes for the report.
 */
export async function prepareWorkload(baseUrl: string, factory: RequestFactory, opts: { orderPool: number; timeoutMs: number; signal?: AbortSignal }): Promise<string[]> {
  const notes: string[] = [];
  // Each set-up request gives up at the timeout, or at once when the run is stopped.
  const signal = () => (opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]) : AbortSignal.timeout(opts.timeoutMs));
  const symbols = [...new Set(factory.symbols)];
  try {
    const res = await fetch(`${baseUrl}/api/v1/markets`, { signal: signal() });
    const body = (await res.json()) as unknown;
    const list = Array.isArray(body) ? body : ((body as { markets?: unknown[] }).markets ?? []);
    for (const m of list as Array<{ symbol?: string; tickSize?: number; stepSize?: number; minQty?: number }>) {
      if (m.symbol && m.tickSize && m.stepSize) factory.filters.set(m.symbol, { tickSize: Number(m.tickSize), stepSize: Number(m.stepSize), minQty: Number(m.minQty ?? m.stepSize) });
    }
  } catch {
    notes.push('setup: could not read market filters; order quantities are not snapped to step sizes');
  }
  // Orders are only ever placed at a price read from the target (issue 16: a missing `last` once became
  // price 1, a marketable order far from the book). Without one for every symbol, no order is placed.
  const missing: string[] = [];
  for (const symbol of symbols) {
    if (opts.signal?.aborted) break;
    let read: { price: number } | { problem: string };
    try {
      const res = await fetch(`${baseUrl}/api/v1/ticker?symbol=${encodeURIComponent(symbol)}`, { signal: signal() });
      read = readReferencePrice(res.status, await res.text());
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      read = { problem: `the ticker request failed (${cause?.code ?? (e as Error).name ?? 'error'}: ${(e as Error).message})` };
    }
    if ('price' in read) factory.referencePrices.set(symbol, read.price);
    else missing.push(`${symbol}: ${read.problem}`);
  }
  if (factory.placesOrders && missing.length > 0 && !opts.signal?.aborted) {
    throw new RunError('LG_NO_REFERENCE_PRICE', `workload ${factory.workloadName}: no reference price, so no order was placed; ${missing.join('; ')}`, {
      hint: 'loadgate prices limit orders from the ticker\'s "last" field (GET /api/v1/ticker?symbol=…); map your exchange\'s ticker to it, or drop createOrder/cancelOrder from the mix',
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
        const res = await fetch(baseUrl + req.path, { method: req.method, headers: req.headers, body: req.body ?? null, signal: signal() });
        factory.noteResponse('createOrder', res.status, await res.text());
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
