/**
 * What each exchange operation sends, for the k6 scenarios: the weighted endpoint mix (smooth weighted
 * round-robin: the exact ratio over any run length, no randomness), request paths and order bodies.
 * Pure, no imports (types only), so vitest tests exactly what k6 runs.
 */
import type { HttpEndpoint, MixEntry, OrderSpec } from '../../src/engines/k6/script-config.ts';

export interface PlannedHttp {
  /** The k6 `name` tag: one per operation, so every sample is attributable. */
  name: HttpEndpoint;
  method: 'GET' | 'POST' | 'DELETE';
  /** Path with query, starting with `/` (what the signature covers). */
  path: string;
  body: string;
  signed: boolean;
}

/** Smooth weighted round-robin (nginx). */
export function weightedPicker(mix: ReadonlyArray<MixEntry>): () => MixEntry {
  if (mix.length === 0) throw new Error('the endpoint mix is empty');
  const current = mix.map(() => 0);
  const total = mix.reduce((a, m) => a + m.weight, 0);
  return () => {
    let best = 0;
    for (let i = 0; i < mix.length; i++) {
      current[i] = current[i]! + mix[i]!.weight;
      if (current[i]! > current[best]!) best = i;
    }
    current[best] = current[best]! - total;
    return mix[best]!;
  };
}

/**
 * Seeded PRNG (mulberry32), so a VU's order sizes are reproducible. The same generator as ./random.ts, written
 * out here because lib files may only import types from each other (k6 ≥ 0.57 runs them as .ts with literal
 * `.ts` paths, which Node's tsconfig rejects for value imports).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Market filters from GET /api/v1/markets. */
export interface MarketFilter {
  tickSize: number;
  stepSize: number;
  minQty: number;
}

/** Round to a multiple of `step`, to the step's decimals (no 0.1 + 0.2 noise on the wire). */
export function snap(v: number, step: number | undefined): number {
  if (step === undefined || !(step > 0)) return Number(v.toPrecision(8));
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  return Number((Math.round(v / step) * step).toFixed(decimals));
}

export const ORDERS_PATH = '/api/v1/orders';

/**
 * The JSON body of a new order. Limit orders are priced `priceOffsetPct` away from `refPrice` so they rest;
 * the size is a notional in quote currency, turned into a quantity snapped to the market's step size.
 */
export function orderBody(o: OrderSpec, symbol: string, refPrice: number | undefined, filter: MarketFilter | undefined, rnd: () => number, clientOrderId: string): string {
  // Never invent a price (issue 16): set-up refuses to start without one, this is the last line.
  if (refPrice === undefined || !(refPrice > 0)) throw new Error(`no reference price for ${symbol}: refusing to place an order`);
  const side = o.side === 'both' ? (rnd() < 0.5 ? 'buy' : 'sell') : o.side;
  const price = snap(refPrice * (side === 'buy' ? 1 - o.priceOffsetPct / 100 : 1 + o.priceOffsetPct / 100), filter?.tickSize);
  const notional = o.notionalMin + (o.notionalMax - o.notionalMin) * rnd();
  const qty = Math.max(filter?.minQty ?? 0, snap(notional / price, filter?.stepSize));
  const order: Record<string, unknown> = { symbol, side, type: o.type, qty, clientOrderId };
  if (o.type === 'limit') order.price = price;
  return JSON.stringify(order);
}

/** Market filters by symbol from a /api/v1/markets body (a list, or `{markets: [...]}`). */
export function marketFilters(body: string | null | undefined): Record<string, MarketFilter> {
  const out: Record<string, MarketFilter> = {};
  if (typeof body !== 'string') return out;
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return out;
  }
  const list = Array.isArray(data) ? data : ((data as { markets?: unknown[] } | null)?.markets ?? []);
  for (const m of list as Array<{ symbol?: string; tickSize?: number; stepSize?: number; minQty?: number }>) {
    if (m && m.symbol && m.tickSize && m.stepSize) out[m.symbol] = { tickSize: Number(m.tickSize), stepSize: Number(m.stepSize), minQty: Number(m.minQty ?? m.stepSize) };
  }
  return out;
}

export function cancelPath(orderId: string): string {
  return `${ORDERS_PATH}/${encodeURIComponent(orderId)}`;
}

/** Plan one request of the mix. `orderId` is the order to cancel (a created one, or a placeholder that 404s). */
export function planRequest(
  entry: MixEntry,
  symbol: string,
  ctx: { order: OrderSpec; refPrice: number | undefined; filter: MarketFilter | undefined; rnd: () => number; clientOrderId: string; orderId: string | undefined },
): PlannedHttp {
  const q = encodeURIComponent(symbol);
  switch (entry.endpoint) {
    case 'fetchMarkets':
      return { name: 'fetchMarkets', method: 'GET', path: '/api/v1/markets', body: '', signed: false };
    case 'fetchTicker':
      return { name: 'fetchTicker', method: 'GET', path: `/api/v1/ticker?symbol=${q}`, body: '', signed: false };
    case 'fetchOrderBook':
      return { name: 'fetchOrderBook', method: 'GET', path: `/api/v1/orderbook?symbol=${q}&depth=${entry.depth ?? 20}`, body: '', signed: false };
    case 'createOrder':
      return { name: 'createOrder', method: 'POST', path: ORDERS_PATH, body: orderBody(ctx.order, symbol, ctx.refPrice, ctx.filter, ctx.rnd, ctx.clientOrderId), signed: true };
    case 'cancelOrder':
      return { name: 'cancelOrder', method: 'DELETE', path: cancelPath(ctx.orderId ?? `unknown-${ctx.clientOrderId}`), body: '', signed: true };
  }
}

/** `{"orderId":"…"}` → the id, without a JSON.parse of arbitrary bodies. */
export function extractOrderId(body: string | null | undefined): string | undefined {
  if (typeof body !== 'string') return undefined;
  const m = /"orderId"\s*:\s*"([^"]+)"/.exec(body);
  return m ? m[1] : undefined;
}

/** A reference price from a ticker body (`last`), or undefined. */
export function tickerPrice(body: string | null | undefined): number | undefined {
  const r = readReferencePrice(200, body);
  return 'price' in r ? r.price : undefined;
}

/**
 * (k6's copy of src/engines/reference-price.ts; test/unit/reference-price.test.ts holds the two equal.)
 * The reference price of a ticker answer (`last`, a number or a decimal string), or what was read instead, in
 * words for the refusal (issue 16: a missing price must never become 1). Orders are only placed at a price
 * read from the target.
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

function bodyHint(body: string | null | undefined): string {
  if (typeof body !== 'string' || body === '') return '';
  const s = body.length > 120 ? `${body.slice(0, 120)}…` : body;
  return `: ${s}`;
}

/** Whether a mix places orders (createOrder, or cancelOrder, whose set-up creates orders to cancel). */
export function mixPlacesOrders(mix: ReadonlyArray<{ endpoint: string }>): boolean {
  return mix.some((m) => m.endpoint === 'createOrder' || m.endpoint === 'cancelOrder');
}
