/**
 * The one request planner (issue 10): what each arrival of a workload's mix sends, in the target's dialect.
 * Weighted mix, symbol rotation, order sizing from the reference price and the market filters, cancels of the
 * run's own orders, custom endpoints, and classification of the answers. The Node engines (via
 * src/engines/exchange-requests.ts, HMAC from node:crypto) and the k6 scenarios (HMAC from k6/crypto) plan with
 * this module, so both send and count the same thing.
 *
 * k6-loadable, like src/dialect (see its README): no node:*, no Buffer / URLSearchParams / TextEncoder, no ES2019+
 * library methods; no clock and no randomness of its own (the wall clock, the id source and the HMAC are injected;
 * the PRNG is seeded).
 *
 * Usage (both sides):
 * ```ts
 * const planner = new RequestPlanner({ dialect: getDialect('binance-spot'), mix, symbols, order, seed,
 *   credentials, hmac, wallClockMs: Date.now, nextId });
 * // set-up: planner.setMarkets(dialect.readers.markets(body)); planner.setReferencePrice(symbol, price)
 * const req = planner.next();             // planned now, not yet signed
 * const wire = planner.signedNow(req);    // signed at send (a backlog never sends a stale timestamp)
 * // … send wire.method wire.path wire.headers wire.body, then:
 * planner.noteResponse(req, status, body); const failure = planner.classify(status, body);
 * ```
 */
import { classify } from '../dialect/errors.ts';
import { customOperation, customOperationProblems, type CustomOperationSpec } from '../dialect/custom.ts';
import { plainRequest, unsignedRequest } from '../dialect/request.ts';
import { mulberry32 } from '../random.ts';
import type { Classified, Credentials, Dialect, HmacFn, HttpMethod, MarketInfo, OperationInput, OperationName, OrderInput, RestOperation, SignContext, UnifiedSymbol, UnsignedRequest } from '../dialect/types.ts';

/** The built-in operations a mix can name (the suite's `mix[].endpoint`, besides the target's custom endpoints). */
export const MIX_OPERATIONS = ['fetchMarkets', 'fetchOrderBook', 'fetchTicker', 'createOrder', 'cancelOrder'] as const;
export type MixOperation = (typeof MIX_OPERATIONS)[number];

export interface MixItem {
  /** A built-in operation or the name of a custom endpoint. */
  endpoint: string;
  weight: number;
  /** Order-book depth (fetchOrderBook, or a custom endpoint's `{depth}`). */
  depth?: number;
}

export interface OrderSizing {
  side: 'buy' | 'sell' | 'both';
  type: 'limit' | 'market';
  /** Order value in quote currency, drawn uniformly from [notionalMin, notionalMax]. */
  notionalMin: number;
  notionalMax: number;
  /** Limit price this far from the reference price (below for buys, above for sells), percent, so orders rest. */
  priceOffsetPct: number;
}

/** A market's filters as order sizing needs them. */
export interface MarketFilter {
  tickSize: number;
  stepSize: number;
  minQty: number;
  minNotional?: number;
}

// ---- pure helpers ---------------------------------------------------------------------------------------------

/** Smooth weighted round-robin (nginx): the exact mix ratio over any run length, spread evenly, no randomness. */
export function weightedRoundRobin<T>(items: ReadonlyArray<{ item: T; weight: number }>): () => T {
  if (items.length === 0) throw new Error('the endpoint mix is empty');
  const current = items.map(() => 0);
  let total = 0;
  for (const it of items) total += it.weight;
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

/** Round to a multiple of `step` (and to the step's decimals, so 0.1 + 0.2 style noise never reaches the wire). */
export function snap(v: number, step: number | undefined): number {
  if (step === undefined || !(step > 0)) return Number(v.toPrecision(8));
  const decimals = stepDecimals(step);
  return Number((Math.round(v / step) * step).toFixed(decimals));
}

/** Like snap, rounding up: the smallest multiple of `step` at or above `v`. */
export function snapUp(v: number, step: number | undefined): number {
  if (step === undefined || !(step > 0)) return Number(v.toPrecision(8));
  const decimals = stepDecimals(step);
  const k = Math.ceil(v / step - 1e-9);
  return Number((k * step).toFixed(decimals));
}

function stepDecimals(step: number): number {
  return Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
}

/**
 * Side, limit price and quantity of one order. The price is `priceOffsetPct` away from `refPrice` (snapped to the
 * tick); the quantity is a notional drawn from the spec over that price, snapped to the step, and raised to the
 * market's min quantity and min notional. `rnd` is called for the side (when `both`), then for the notional.
 * Throws without a positive reference price: an order is never priced from an invented number (issue 16).
 */
export function sizeOrder(o: OrderSizing, symbol: string, refPrice: number | undefined, filter: MarketFilter | undefined, rnd: () => number): { side: 'buy' | 'sell'; price: number; qty: number } {
  if (refPrice === undefined || !(refPrice > 0)) throw new Error(`no reference price for ${symbol}: refusing to place an order`);
  const side = o.side === 'both' ? (rnd() < 0.5 ? 'buy' : 'sell') : o.side;
  const price = snap(refPrice * (side === 'buy' ? 1 - o.priceOffsetPct / 100 : 1 + o.priceOffsetPct / 100), filter?.tickSize);
  const notional = o.notionalMin + (o.notionalMax - o.notionalMin) * rnd();
  let qty = Math.max(filter?.minQty ?? 0, snap(notional / price, filter?.stepSize));
  const minNotional = filter?.minNotional;
  if (minNotional !== undefined && minNotional > 0 && qty * price < minNotional) qty = Math.max(qty, snapUp(minNotional / price, filter?.stepSize));
  return { side, price, qty };
}

/**
 * The unified symbol (`BTC/USDT`) of a symbol as a suite writes it: unified already, `BASE-QUOTE` (the suite's
 * default form, loadgate's and OKX's ids: the same pair on every exchange), or the exchange's own id (`BTCUSDT`
 * for Binance and Bybit). Undefined when the dialect cannot split it. The ws engine reads symbols the same way.
 */
export function unifiedSymbol(dialect: Dialect, symbol: string): UnifiedSymbol | undefined {
  if (symbol.indexOf('/') !== -1) {
    try {
      dialect.symbols.toExchange(symbol);
      return symbol.toUpperCase();
    } catch {
      return undefined;
    }
  }
  // Binance's and Bybit's id splitter would read `BTC-USDT` as `BTC-` / `USDT`.
  const dashed = /^([A-Za-z0-9]+)-([A-Za-z0-9]+)$/.exec(symbol);
  if (dashed !== null) return `${dashed[1]!.toUpperCase()}/${dashed[2]!.toUpperCase()}`;
  return dialect.symbols.fromExchange(symbol);
}

/** Whether a mix places orders (createOrder, or cancelOrder, whose set-up creates orders to cancel). */
export function mixPlacesOrders(mix: ReadonlyArray<{ endpoint: string }>): boolean {
  return mix.some((m) => m.endpoint === 'createOrder' || m.endpoint === 'cancelOrder');
}

/**
 * The reference price of a loadgate ticker answer (`last`, a number or a decimal string), or what was read
 * instead, in words for the refusal (issue 16: a missing price must never become 1).
 */
export function readReferencePrice(status: number, body: string | null | undefined): { price: number } | { problem: string } {
  if (!(status >= 200 && status < 300)) return { problem: `the ticker answered HTTP ${status}${bodyHint(body)}` };
  if (typeof body !== 'string' || body === '') return { problem: `the ticker answered HTTP ${status} with an empty body` };
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return { problem: `the ticker answered HTTP ${status} with a body that is not JSON${bodyHint(body)}` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { problem: `the ticker body is not a JSON object${bodyHint(body)}` };
  const o = data as Record<string, unknown>;
  if (!('last' in o)) {
    const keys = Object.keys(o).slice(0, 12);
    return { problem: `the ticker body has no "last" field (keys: ${keys.length ? keys.join(', ') : 'none'})` };
  }
  const v = typeof o.last === 'number' ? o.last : typeof o.last === 'string' && o.last.trim() !== '' ? Number(o.last) : Number.NaN;
  if (!Number.isFinite(v) || v <= 0) return { problem: `the ticker's "last" is not a positive number (${JSON.stringify(o.last)})` };
  return { price: v };
}

/**
 * The reference price of a ticker answer in `dialect` (its `readers.lastPrice`), or the problem in words. The
 * loadgate dialect keeps its detailed reader (`readReferencePrice`).
 */
export function referencePrice(dialect: Dialect, status: number, body: string | null | undefined): { price: number } | { problem: string } {
  if (dialect.name === 'loadgate') return readReferencePrice(status, body);
  if (!(status >= 200 && status < 300)) return { problem: `the ticker answered HTTP ${status}${bodyHint(body)}` };
  if (typeof body !== 'string' || body === '') return { problem: `the ticker answered HTTP ${status} with an empty body` };
  const failure = classify(dialect.errors, status, body);
  if (failure !== undefined) return { problem: `the ticker answered error ${failure.errorCode ?? failure.errorClass}${bodyHint(body)}` };
  const price = dialect.readers.lastPrice(body);
  return price === undefined ? { problem: `the ${dialect.name} ticker answer holds no positive last price${bodyHint(body)}` } : { price };
}

function bodyHint(body: string | null | undefined): string {
  if (typeof body !== 'string' || body === '') return '';
  const s = body.length > 120 ? `${body.slice(0, 120)}…` : body;
  return `: ${s}`;
}

/**
 * Whether the dialect's error table reads codes from bodies of 2xx answers (OKX and Bybit answer HTTP 200 with a
 * non-zero code): then every response body has to be read to classify it, not only error statuses.
 */
export function readsSuccessBodies(dialect: Dialect): boolean {
  return dialect.errors.readCode(dialect.server.errorReply('invalidOrder').body, 200) !== undefined;
}

/** Problems with custom endpoint specs, each path-qualified under `where` (e.g. `target.endpoints`). */
export function customEndpointProblems(specs: Readonly<Record<string, CustomOperationSpec>>, where: string): string[] {
  const out: string[] = [];
  for (const name of Object.keys(specs)) {
    if ((MIX_OPERATIONS as readonly string[]).indexOf(name) !== -1) out.push(`${where}.${name}: "${name}" is a built-in operation; give the custom endpoint another name`);
    for (const p of customOperationProblems(specs[name]!)) out.push(`${where}.${name}.${p}`);
  }
  return out;
}

// ---- the planner ----------------------------------------------------------------------------------------------

export interface PlannerOptions {
  dialect: Dialect;
  mix: readonly MixItem[];
  /** As the suite writes them: unified (`BTC/USDT`) or the exchange's ids. */
  symbols: readonly string[];
  order: OrderSizing;
  /** The target's custom endpoints by name (a mix entry names one). */
  custom?: Readonly<Record<string, CustomOperationSpec>>;
  /** Seeds the PRNG for sides and order sizes. */
  seed: number;
  /** Without credentials (or hmac), signed operations go unsigned: the target answers auth errors, which is what a run without keys measures. */
  credentials?: Credentials | undefined;
  hmac?: HmacFn | undefined;
  /** Epoch ms for signatures, read when a request is signed. */
  wallClockMs: () => number;
  /** A new correlation id (also the order's client id, made acceptable by `dialect.clientOrderId`). */
  nextId: () => string;
  /** Receive window sent with signatures, where the scheme sends one (default: the dialect's). */
  recvWindowMs?: number;
}

/** One request, planned. `path` includes the query; `unsigned` is kept when it must be signed at send. */
export interface PlannedRequest {
  endpoint: string;
  method: HttpMethod;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  correlationId: string;
  /** Unified symbol of an order (createOrder, cancelOrder): a cancel carries symbol + order id. */
  symbol?: UnifiedSymbol;
  /** cancelOrder: the order this cancels (one the run created), so a failed cancel puts it back. */
  orderId?: string;
  /** The request before signing, when it is a signed operation with credentials (`signedNow` signs it). */
  unsigned?: UnsignedRequest;
}

/** What goes on the wire now. */
export interface SendableRequest {
  method: HttpMethod;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** An order the run created: what a cancel needs. */
export interface OrderRef {
  id: string;
  symbol: UnifiedSymbol;
}

interface Entry {
  endpoint: string;
  depth: number | undefined;
  op: RestOperation;
  kind: 'create' | 'cancel' | 'other';
  usesSymbol: boolean;
  usesOrderId: boolean;
  /** Public requests that do not change between arrivals, per symbol index (built once). */
  fixed: Array<SendableRequest | undefined>;
}

const MAX_ORDERS = 100_000;

/** Tells a test target (the built-in mock) that a request is not part of the measured run (the end-of-run clean-up). */
export const PHASE_HEADER = 'x-loadgate-phase';
const CLEANUP_HEADERS: Readonly<Record<string, string>> = { [PHASE_HEADER]: 'cleanup' };

/** Correlation and accept headers first, then the request's own (content type, signature), then `extra`. */
function withIds(own: Readonly<Record<string, string>>, correlationId: string, extra?: Readonly<Record<string, string>>): Record<string, string> {
  const h: Record<string, string> = { 'x-correlation-id': correlationId, accept: 'application/json' };
  for (const k in own) h[k] = own[k]!;
  if (extra !== undefined) for (const k in extra) h[k] = extra[k]!;
  return h;
}

export class RequestPlanner {
  readonly dialect: Dialect;
  /** As the suite writes them. */
  readonly symbols: string[];
  /** Unified symbol of each `symbols` entry. */
  readonly unified: UnifiedSymbol[];
  /** Last price per symbol (as written), so limit orders are priced realistically. Filled in set-up. */
  readonly referencePrices = new Map<string, number>();
  /** Market filters per symbol (as written), read in set-up. */
  readonly filters = new Map<string, MarketFilter>();
  /** Whether every response body must be read to classify it (see `readsSuccessBodies`). */
  readonly needsSuccessBodies: boolean;
  private readonly o: PlannerOptions;
  private readonly pick: () => Entry;
  private readonly entries: Entry[];
  private readonly rng: () => number;
  private readonly orders: OrderRef[] = [];
  private readonly canSign: boolean;
  private symbolIdx = 0;

  constructor(opts: PlannerOptions) {
    this.o = opts;
    this.dialect = opts.dialect;
    this.symbols = opts.symbols.slice();
    if (this.symbols.length === 0) throw new Error('a workload needs at least one symbol');
    this.unified = this.symbols.map((s) => {
      const u = unifiedSymbol(opts.dialect, s);
      if (u === undefined) throw new Error(`symbol "${s}" is not one the ${opts.dialect.name} dialect can read; write it BASE/QUOTE (e.g. BTC/USDT)`);
      return u;
    });
    this.rng = mulberry32(opts.seed);
    this.canSign = opts.credentials !== undefined && opts.hmac !== undefined;
    this.needsSuccessBodies = readsSuccessBodies(opts.dialect);
    const byName = new Map<string, Entry>();
    this.entries = [];
    const items: Array<{ item: Entry; weight: number }> = [];
    for (const m of opts.mix) {
      const key = `${m.endpoint}|${m.depth ?? ''}`;
      let e = byName.get(key);
      if (e === undefined) {
        e = this.entry(m.endpoint, m.depth);
        byName.set(key, e);
        this.entries.push(e);
      }
      items.push({ item: e, weight: m.weight });
    }
    this.pick = weightedRoundRobin(items);
  }

  private entry(endpoint: string, depth: number | undefined): Entry {
    const builtIn = (MIX_OPERATIONS as readonly string[]).indexOf(endpoint) !== -1;
    if (builtIn) {
      const op = this.dialect.rest[endpoint as MixOperation];
      const kind = endpoint === 'createOrder' ? 'create' : endpoint === 'cancelOrder' ? 'cancel' : 'other';
      return { endpoint, depth, op, kind, usesSymbol: endpoint === 'fetchTicker' || endpoint === 'fetchOrderBook' || endpoint === 'createOrder', usesOrderId: false, fixed: [] };
    }
    const spec = this.o.custom?.[endpoint];
    if (spec === undefined) throw new Error(`mix: unknown endpoint "${endpoint}"; built-in: ${MIX_OPERATIONS.join(', ')}; custom: ${Object.keys(this.o.custom ?? {}).join(', ') || 'none declared'}`);
    const text = spec.path + JSON.stringify(spec.params ?? {});
    return { endpoint, depth, op: customOperation(this.dialect, spec), kind: 'other', usesSymbol: text.indexOf('{symbol}') !== -1, usesOrderId: text.indexOf('{orderId}') !== -1, fixed: [] };
  }

  /** Endpoints this workload drives, in mix order. */
  get endpoints(): string[] {
    const out: string[] = [];
    for (const e of this.entries) if (out.indexOf(e.endpoint) === -1) out.push(e.endpoint);
    return out;
  }

  /** Whether the mix cancels orders (so set-up creates a pool of them). */
  get needsOrders(): boolean {
    return this.endpoints.indexOf('cancelOrder') !== -1;
  }

  /** Whether this workload places orders (so needs a reference price for every symbol). */
  get placesOrders(): boolean {
    return mixPlacesOrders(this.o.mix);
  }

  /** Keeps the filters of the workload's symbols out of a market list (`dialect.readers.markets`); returns how many matched. */
  setMarkets(markets: readonly MarketInfo[]): number {
    let n = 0;
    for (let i = 0; i < this.symbols.length; i++) {
      for (const m of markets) {
        if (m.symbol !== this.unified[i]) continue;
        const f: MarketFilter = { tickSize: m.tickSize, stepSize: m.stepSize, minQty: m.minQty };
        if (m.minNotional !== undefined) f.minNotional = m.minNotional;
        this.filters.set(this.symbols[i]!, f);
        n++;
        break;
      }
    }
    return n;
  }

  setReferencePrice(symbol: string, price: number): void {
    this.referencePrices.set(symbol, price);
  }

  /** The endpoint of the next arrival, without building its request (counting arrivals a stopped run never sends). */
  skip(): string {
    return this.pick().endpoint;
  }

  /**
   * The next request of the mix. Signed operations are signed now when `signNow` (an engine that sends at once);
   * an engine that may queue it plans with `signNow = false` and signs with `signedNow` when it sends.
   */
  next(signNow = true): PlannedRequest {
    return this.plan(this.pick(), signNow);
  }

  /** A request for `endpoint` outside the mix's order (set-up's order pool). */
  build(endpoint: string, depth?: number, signNow = true): PlannedRequest {
    let e: Entry | undefined;
    for (const x of this.entries) if (x.endpoint === endpoint && (depth === undefined || x.depth === depth)) e = x;
    return this.plan(e ?? this.entry(endpoint, depth), signNow);
  }

  private nextSymbolIndex(): number {
    const i = this.symbolIdx % this.symbols.length;
    this.symbolIdx++;
    return i;
  }

  private plan(e: Entry, signNow: boolean): PlannedRequest {
    const correlationId = this.o.nextId();
    if (e.kind === 'create') return this.finish(e.op, this.orderInput(correlationId), correlationId, e.endpoint, signNow);
    if (e.kind === 'cancel') {
      // Cancel our own resting orders; with none left the cancel is honest about it (the target answers "unknown order").
      const own = this.orders.pop();
      const orderId = own?.id ?? `unknown-${correlationId}`;
      const symbol = own?.symbol ?? this.unified[this.symbolIdx % this.symbols.length]!;
      const req = this.finish(e.op, { symbol, orderId }, correlationId, e.endpoint, signNow);
      req.symbol = symbol;
      if (own !== undefined) req.orderId = own.id;
      return req;
    }
    const si = e.usesSymbol ? this.nextSymbolIndex() : 0;
    if (!e.op.signed && !e.usesOrderId) {
      // Public and the same every time for this symbol: built once (the hot path of ticker / book mixes).
      let f = e.fixed[si];
      if (f === undefined) {
        const input: OperationInput = { symbol: this.unified[si]! };
        if (e.depth !== undefined) input.depth = e.depth;
        f = e.fixed[si] = plainRequest(unsignedRequest(this.dialect, e.op, input));
      }
      return { endpoint: e.endpoint, method: f.method, path: f.path, headers: withIds(f.headers, correlationId), body: f.body, correlationId };
    }
    const input: OperationInput = { symbol: this.unified[si]! };
    if (e.depth !== undefined) input.depth = e.depth;
    if (e.usesOrderId) input.orderId = this.orders[this.orders.length - 1]?.id ?? `unknown-${correlationId}`;
    return this.finish(e.op, input, correlationId, e.endpoint, signNow);
  }

  private orderInput(correlationId: string): OperationInput {
    const i = this.nextSymbolIndex();
    const written = this.symbols[i]!;
    const symbol = this.unified[i]!;
    const o = this.o.order;
    const { side, price, qty } = sizeOrder(o, written, this.referencePrices.get(written), this.filters.get(written), this.rng);
    const order: OrderInput = { symbol, side, type: o.type, qty, clientOrderId: this.dialect.clientOrderId(correlationId) };
    if (o.type === 'limit') order.price = price;
    return { symbol, order };
  }

  private finish(op: RestOperation, input: OperationInput, correlationId: string, endpoint: string, signNow: boolean, extra?: Readonly<Record<string, string>>): PlannedRequest {
    const u = unsignedRequest(this.dialect, op, input);
    const req: PlannedRequest = { endpoint, method: u.method, path: '', headers: {}, body: undefined, correlationId };
    if (input.order !== undefined) req.symbol = input.order.symbol;
    if (op.signed && this.canSign) req.unsigned = u;
    const w = req.unsigned !== undefined && signNow ? this.sign(u) : plainRequest(u);
    req.path = w.path;
    req.body = w.body;
    req.headers = withIds(w.headers, correlationId, extra);
    return req;
  }

  private sign(u: UnsignedRequest): SendableRequest {
    if (this.dialect.signing.needsPassphrase && !this.o.credentials!.passphrase) {
      throw new Error(`the ${this.dialect.name} dialect signs with a passphrase: set target.auth.passphraseEnv`);
    }
    const ctx: SignContext = { credentials: this.o.credentials!, timestampMs: this.o.wallClockMs(), hmac: this.o.hmac! };
    if (this.o.recvWindowMs !== undefined) ctx.recvWindowMs = this.o.recvWindowMs;
    return this.dialect.signing.sign(u, ctx);
  }

  /**
   * The request as it goes on the wire now: signed with the current time when it is a signed operation. An
   * engine that queues requests (the open model's backlog) calls this when it sends, so a request that waited is
   * not sent with a stale timestamp and rejected outside the receive window: the generator's own lateness must
   * never read as the target's auth errors (issue #13).
   */
  signedNow(req: PlannedRequest): SendableRequest {
    if (req.unsigned === undefined) return req;
    const w = this.sign(req.unsigned);
    return { method: req.method, path: w.path, headers: withIds(w.headers, req.correlationId, req.headers[PHASE_HEADER] === undefined ? undefined : CLEANUP_HEADERS), body: w.body };
  }

  /** One request of a built-in operation outside the mix (set-up: markets, tickers), signed now when the operation is. */
  request(op: OperationName, input: OperationInput = {}): SendableRequest {
    const u = unsignedRequest(this.dialect, op, input);
    const w = this.dialect.rest[op].signed && this.canSign ? this.sign(u) : plainRequest(u);
    return { method: w.method, path: w.path, headers: withIds(w.headers, this.o.nextId()), body: w.body };
  }

  /** Classifies an answer with the dialect's table; undefined for a success. */
  classify(status: number, body: string | undefined): Classified | undefined {
    return classify(this.dialect.errors, status, body);
  }

  /**
   * Feed a response back: a created order's id (read by the dialect), so later cancels (and the clean-up at the
   * end) target real orders; a cancel that did not go through (`status` 0: no response) puts its order back. A
   * cancel answered "unknown order" means the order is gone already. `req` is the planned request, or just its
   * endpoint name (an order noted so has the workload's first symbol).
   */
  noteResponse(req: Pick<PlannedRequest, 'endpoint' | 'orderId' | 'symbol'> | string, status: number, body: string | undefined, orderId?: string): void {
    const endpoint = typeof req === 'string' ? req : req.endpoint;
    const symbol = (typeof req === 'string' ? undefined : req.symbol) ?? this.unified[0]!;
    if (endpoint === 'cancelOrder') {
      const id = typeof req === 'string' ? orderId : req.orderId;
      if (id === undefined || this.orders.length >= MAX_ORDERS) return;
      if (status === 0) {
        this.orders.push({ id, symbol });
        return;
      }
      if (status === 404) return;
      const failure = this.classify(status, body);
      if (failure === undefined || (failure.errorClass === 'trading' && failure.reason === 'orderNotFound')) return;
      this.orders.push({ id, symbol });
      return;
    }
    if (endpoint !== 'createOrder' || status < 200 || status >= 300 || body === undefined) return;
    if (this.needsSuccessBodies && this.classify(status, body) !== undefined) return;
    const id = this.dialect.readers.orderId(body);
    if (id !== undefined && this.orders.length < MAX_ORDERS) this.orders.push({ id, symbol });
  }

  get openOrders(): number {
    return this.orders.length;
  }

  /** The orders this run created that no cancel has taken, newest first; the planner forgets them. */
  takeRestingOrders(): OrderRef[] {
    return this.orders.splice(0).reverse();
  }

  /** Gives back orders (e.g. ones the clean-up could not try). */
  restoreOrders(orders: readonly OrderRef[]): void {
    for (const o of orders) if (this.orders.length < MAX_ORDERS) this.orders.push(o);
  }

  /** A signed cancel of one order (the clean-up's request). */
  cancelRequest(order: OrderRef | string): PlannedRequest {
    const ref = typeof order === 'string' ? { id: order, symbol: this.unified[0]! } : order;
    const correlationId = this.o.nextId();
    const req = this.finish(this.dialect.rest.cancelOrder, { symbol: ref.symbol, orderId: ref.id }, correlationId, 'cancelOrder', true, CLEANUP_HEADERS);
    req.symbol = ref.symbol;
    req.orderId = ref.id;
    return req;
  }
}
