/**
 * The server half shared by the exchange dialects (binance-spot, okx-v5, bybit-v5): signed requests are verified
 * with `verifyRequest` (src/dialect/request.ts) against the mock's receive window, refusals are the dialect's own
 * `server.errorReply(kind)` (rate limit, auth, insufficient balance, unknown order, invalid order / symbol, server
 * fault), and every order goes through the mock's one set of order rules (`validateOrder`) and one `OrderStore`.
 * What differs per exchange, parameter names and body shapes, is an `ExchangeBodies` in that exchange's own file.
 */
import { createHmac } from 'node:crypto';
import { SERVER_ERROR_KINDS, verifyFailureKind, verifyRequest, type HmacFn, type ServerErrorKind } from '../../src/dialect/index.js';
import type { MarketInfo, OrderBookSnapshot, Ticker } from '../orderbook.js';
import { validateOrder, type Order } from '../orders.js';
import type { MockRequest, MockServerContext, MockSpeaker, MockSpeakerFactory, Reply } from './types.js';

/** A request parameter by name (query first, then the form or JSON body), undefined when absent. */
export type Param = (name: string) => string | undefined;

/** One of the mock's markets as the exchange names it. */
export interface MarketListing {
  market: MarketInfo;
  /** The exchange's id (`BTCUSDT`, `BTC-USDT`): `dialect.symbols.toExchange`. */
  id: string;
}

/** An order request in the exchange's words, mapped to the mock's (side and type lower case). */
export interface OrderFields {
  symbolId: string | undefined;
  side: string | undefined;
  type: string | undefined;
  qty: string | undefined;
  price: string | undefined;
  clientOrderId: string | undefined;
  /** `qty` is a quote-currency amount (a market buy by value): converted at the mid price. */
  qtyInQuote?: boolean;
}

export interface ExchangeBodies {
  /** The parameter that names the market (`symbol`, `instId`). */
  symbolParam: string;
  /** The order-book depth parameter, its default when absent and the most the exchange accepts. */
  depth: { param: string; default: number; max: number };
  /** False when the request asks for another product than spot (Bybit `category`, OKX `instType`): the mock has only spot. */
  spot(p: Param): boolean;
  /** Renders the market list once; the returned function adds what changes per request (a server time). */
  markets(listings: readonly MarketListing[], ctx: MockServerContext): (nowMs: number) => string;
  /** The market list for a product the mock does not have (empty). */
  emptyMarkets(nowMs: number): string;
  ticker(t: Ticker, l: MarketListing, nowMs: number): string;
  orderBook(b: OrderBookSnapshot, l: MarketListing, nowMs: number): string;
  time(nowMs: number): string;
  health(nowMs: number): string;
  readOrder(p: Param): OrderFields;
  /** The order to cancel: its market and the exchange's order id. */
  readCancel(p: Param): { symbolId: string | undefined; orderId: string | undefined };
  created(o: Order, l: MarketListing, nowMs: number): string;
  canceled(o: Order, l: MarketListing, nowMs: number): string;
  notFound: Reply;
  /** A missing or malformed parameter (the exchange's generic parameter error). */
  badParameter(message: string): Reply;
  /**
   * A signed route beyond the dialect's operations that places several orders at once (OKX batch-orders, ccxt's
   * default createOrder there): counted and faulted as `createOrder`, each order placed as one.
   */
  batchCreate?: {
    path: string;
    /** The orders' parameters, or undefined for a body that is not a list of orders. */
    read(body: string): Param[] | undefined;
    /** The answer for the outcomes, in order: a placed order or the refusal of that one. */
    reply(outcomes: readonly PlaceOutcome[], nowMs: number): Reply;
  };
}

/** What placing one order came to. */
export type PlaceOutcome = { ok: true; order: Order; listing: MarketListing } | { ok: false; kind: ServerErrorKind; refusal: Reply };

/** The parameters of a JSON object (a batch element), as a `Param`. */
export function objectParams(o: Record<string, unknown>): Param {
  return (name) => {
    const v = o[name];
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  };
}

const hmac: HmacFn = (algorithm, secret, payload, encoding) => createHmac(algorithm, secret).update(payload).digest(encoding);

/** Reads query and body parameters lazily: most requests ask for one or two names. */
export function paramReader(query: string, body: string): Param {
  const q = query === '' ? undefined : new URLSearchParams(query);
  let form: URLSearchParams | undefined;
  let json: Record<string, unknown> | undefined;
  if (body !== '') {
    if (body.charCodeAt(0) === 123 /* { */) {
      try {
        const v = JSON.parse(body) as unknown;
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) json = v as Record<string, unknown>;
      } catch {
        // a malformed body has no parameters; the operation answers what is missing
      }
    } else form = new URLSearchParams(body);
  }
  return (name) => {
    const fromQuery = q?.get(name);
    if (fromQuery !== null && fromQuery !== undefined) return fromQuery;
    if (form !== undefined) return form.get(name) ?? undefined;
    const v = json?.[name];
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  };
}

/** `n` with exactly `decimals` decimals (exchanges send decimals as strings on the instrument's grid). */
export const fixed = (n: number, decimals: number): string => n.toFixed(decimals);

/** A JSON string literal of a client-chosen value. */
export const str = (s: string): string => JSON.stringify(s);

/** The speaker for an exchange dialect whose bodies are `bodies`. */
export function exchangeSpeaker(bodies: ExchangeBodies): MockSpeakerFactory {
  return (ctx: MockServerContext): MockSpeaker => {
    const { dialect, market, orders, publicLimiter, privateLimiter } = ctx;
    const refusal = {} as Record<ServerErrorKind, Reply>;
    for (const kind of SERVER_ERROR_KINDS) refusal[kind] = dialect.server.errorReply(kind);
    // A fault is a server error in the exchange's words, with the status the fault names.
    const injected = { internalError: { status: 500, body: refusal.server.body }, serviceUnavailable: { status: 503, body: refusal.server.body } };
    const rateLimited = (retryAfterSec: number): Reply => ({ ...refusal.rateLimit, retryAfterSec });

    const byId = new Map<string, MarketListing>();
    const bySymbol = new Map<string, MarketListing>();
    for (const m of market.markets) {
      const l: MarketListing = { market: m, id: dialect.symbols.toExchange(`${m.base}/${m.quote}`) };
      byId.set(l.id, l);
      bySymbol.set(m.symbol, l);
    }
    const listings = [...byId.values()];
    const marketsBody = bodies.markets(listings, ctx);
    const lookup = (apiKey: string) => ctx.credentials.get(apiKey);
    const notSpot = (what: string): Reply => bodies.badParameter(`the mock lists spot markets only (${what})`);

    /** The listing named by the symbol parameter, or the refusal. */
    const listingOf = (p: Param): MarketListing | Reply => {
      const id = p(bodies.symbolParam);
      if (id === undefined || id === '') return bodies.badParameter(`${bodies.symbolParam} is required`);
      return byId.get(id) ?? refusal.invalidSymbol;
    };

    const refused = (kind: ServerErrorKind, reply: Reply = refusal[kind]): PlaceOutcome => ({ ok: false, kind, refusal: reply });

    /** One order through the mock's rules and store; a missing market id is the exchange's parameter error. */
    const place = (apiKey: string, p: Param, nowMs: number): PlaceOutcome => {
      const f = bodies.readOrder(p);
      const l = f.symbolId === undefined ? undefined : byId.get(f.symbolId);
      if (l === undefined) return f.symbolId === undefined ? refused('invalidOrder', bodies.badParameter(`${bodies.symbolParam} is required`)) : refused('invalidSymbol');
      const symbol = l.market.symbol;
      let qty: number | string | undefined = f.qty;
      if (f.qtyInQuote === true && qty !== undefined) qty = Number(qty) / (market.midPrice(symbol) ?? Number.NaN);
      const checked = validateOrder({ symbol, side: f.side, type: f.type, qty, price: f.price, clientOrderId: f.clientOrderId ?? null }, (s) => market.market(s));
      if (!checked.ok) return refused('invalidOrder');
      const wanted = checked.value;
      const notional = wanted.qty * (wanted.price ?? market.midPrice(symbol) ?? 0);
      const order = orders.create(apiKey, wanted, notional, Math.floor(nowMs));
      ctx.ordersChanged();
      if (order === undefined) return refused('insufficientMargin');
      return { ok: true, order, listing: l };
    };

    const createOrder = (apiKey: string, p: Param, nowMs: number): Reply => {
      const out = place(apiKey, p, nowMs);
      return out.ok ? { status: 200, body: bodies.created(out.order, out.listing, nowMs) } : out.refusal;
    };

    /** At most this many orders in one batch (OKX: 20). */
    const MAX_BATCH = 20;
    const batchCreate = (apiKey: string, body: string, nowMs: number): Reply => {
      const batch = bodies.batchCreate!;
      const list = batch.read(body);
      if (list === undefined || list.length === 0 || list.length > MAX_BATCH) return bodies.badParameter(`the body must be a list of 1 to ${MAX_BATCH} orders`);
      return batch.reply(list.map((p) => place(apiKey, p, nowMs)), nowMs);
    };

    const cancelOrder = (apiKey: string, p: Param, nowMs: number): Reply => {
      const c = bodies.readCancel(p);
      if (c.symbolId !== undefined && !byId.has(c.symbolId)) return refusal.invalidSymbol;
      const order = c.orderId === undefined || c.orderId === '' ? undefined : orders.cancel(apiKey, c.orderId);
      ctx.ordersChanged();
      const l = order === undefined ? undefined : bySymbol.get(order.symbol);
      if (order === undefined || l === undefined) return refusal.orderNotFound;
      return { status: 200, body: bodies.canceled(order, l, nowMs) };
    };

    return {
      extraRoutes: bodies.batchCreate === undefined ? [] : [{ method: 'POST', path: bodies.batchCreate.path, op: 'createOrder', tag: 'batch' }],
      notFound: bodies.notFound,
      injected,
      publicReply(r: MockRequest, nowMs: number): Reply {
        if (publicLimiter) {
          const retryAfterSec = publicLimiter.take(r.req.socket.remoteAddress ?? '', nowMs);
          if (retryAfterSec > 0) return rateLimited(retryAfterSec);
        }
        switch (r.op) {
          case 'health':
            return { status: 200, body: bodies.health(nowMs) };
          case 'fetchTime':
            return { status: 200, body: bodies.time(nowMs) };
          case 'fetchMarkets': {
            const p = paramReader(r.query, '');
            return { status: 200, body: bodies.spot(p) ? marketsBody(nowMs) : bodies.emptyMarkets(nowMs) };
          }
          case 'fetchTicker': {
            const p = paramReader(r.query, '');
            if (!bodies.spot(p)) return notSpot('fetchTicker');
            const l = listingOf(p);
            if (!('id' in l)) return l;
            return { status: 200, body: bodies.ticker(market.ticker(l.market.symbol)!, l, nowMs) };
          }
          case 'fetchOrderBook': {
            const p = paramReader(r.query, '');
            if (!bodies.spot(p)) return notSpot('fetchOrderBook');
            const l = listingOf(p);
            if (!('id' in l)) return l;
            const raw = p(bodies.depth.param);
            let depth = bodies.depth.default;
            if (raw !== undefined) {
              depth = /^\d{1,5}$/.test(raw) ? Number(raw) : 0;
              if (depth < 1 || depth > bodies.depth.max) return bodies.badParameter(`${bodies.depth.param} must be an integer from 1 to ${bodies.depth.max}`);
            }
            return { status: 200, body: bodies.orderBook(market.orderBook(l.market.symbol, depth)!, l, nowMs) };
          }
          default:
            return bodies.notFound;
        }
      },
      privateReply(r: MockRequest, body: string | undefined, nowMs: number): Reply {
        if (body === undefined) return { ...bodies.badParameter('request body too large'), status: 413 };
        const verified = verifyRequest(
          dialect,
          { method: r.req.method ?? 'GET', url: r.rawUrl, headers: r.req.headers as Record<string, string | undefined>, body },
          lookup,
          nowMs,
          hmac,
          ctx.recvWindowMs,
        );
        if (!verified.ok) {
          ctx.countAuth(false);
          return refusal[verifyFailureKind(verified.reason)];
        }
        ctx.countAuth(true);
        if (privateLimiter) {
          const retryAfterSec = privateLimiter.take(verified.apiKey, nowMs);
          if (retryAfterSec > 0) return rateLimited(retryAfterSec);
        }
        if (r.tag === 'batch' && bodies.batchCreate !== undefined) return batchCreate(verified.apiKey, body, nowMs);
        const p = paramReader(r.query, body);
        if (r.op === 'createOrder') return createOrder(verified.apiKey, p, nowMs);
        if (r.op === 'cancelOrder') return cancelOrder(verified.apiKey, p, nowMs);
        return bodies.notFound;
      },
    };
  };
}
