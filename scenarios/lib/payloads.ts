/**
 * What each operation of the mix sends, for the k6 scenarios, in the target's dialect: the weighted endpoint
 * mix (smooth weighted round-robin: the exact ratio over any run length, no randomness), the operation input
 * (symbol, depth, order sized from the reference price and the market filters, the order to cancel), and
 * set-up's readers. Requests are built and signed by src/dialect (`buildRequest`); nothing here knows a path.
 * k6-loadable (no node:*), so vitest tests exactly what k6 runs.
 */
import { readReferencePrice as readLoadgateReferencePrice, mixPlacesOrders } from '../../src/engines/reference-price.ts';
import { classify } from '../../src/dialect/errors.ts';
import type { Dialect, OperationInput, OperationName, OrderInput } from '../../src/dialect/types.ts';
import type { MixEntry, OrderSpec } from '../../src/engines/k6/script-config.ts';

export { mixPlacesOrders };

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

/** A market's filters, as order sizing needs them. */
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

/**
 * The unified symbol (`BTC/USDT`) of a symbol as a suite writes it: unified already, or the exchange's own id
 * (`BTC-USDT` for loadgate and OKX, `BTCUSDT` for Binance and Bybit). Undefined when the dialect cannot split it.
 */
export function unifiedSymbol(dialect: Dialect, symbol: string): string | undefined {
  if (symbol.indexOf('/') !== -1) {
    try {
      dialect.symbols.toExchange(symbol);
      return symbol.toUpperCase();
    } catch {
      return undefined;
    }
  }
  return dialect.symbols.fromExchange(symbol);
}

/**
 * A new order: priced `priceOffsetPct` away from `refPrice` so a limit order rests; the size is a notional in
 * quote currency, turned into a quantity snapped to the market's step size.
 */
export function orderInput(o: OrderSpec, symbol: string, refPrice: number | undefined, filter: MarketFilter | undefined, rnd: () => number, clientOrderId: string): OrderInput {
  // Never invent a price (issue 16): set-up refuses to start without one, this is the last line.
  if (refPrice === undefined || !(refPrice > 0)) throw new Error(`no reference price for ${symbol}: refusing to place an order`);
  const side = o.side === 'both' ? (rnd() < 0.5 ? 'buy' : 'sell') : o.side;
  const price = snap(refPrice * (side === 'buy' ? 1 - o.priceOffsetPct / 100 : 1 + o.priceOffsetPct / 100), filter?.tickSize);
  const notional = o.notionalMin + (o.notionalMax - o.notionalMin) * rnd();
  const qty = Math.max(filter?.minQty ?? 0, snap(notional / price, filter?.stepSize));
  const order: OrderInput = { symbol, side, type: o.type, qty, clientOrderId };
  if (o.type === 'limit') order.price = price;
  return order;
}

export interface PlannedOperation {
  /** The k6 `name` tag: one per operation, so every sample is attributable. */
  name: MixEntry['endpoint'];
  op: OperationName;
  input: OperationInput;
}

/**
 * One operation of the mix. `symbol` is unified; `orderId` is the order to cancel (a created one, or a
 * placeholder the exchange answers "unknown order" to).
 */
export function planOperation(
  entry: MixEntry,
  symbol: string,
  ctx: { order: OrderSpec; refPrice: number | undefined; filter: MarketFilter | undefined; rnd: () => number; clientOrderId: string; orderId: string | undefined },
): PlannedOperation {
  switch (entry.endpoint) {
    case 'fetchMarkets':
      return { name: 'fetchMarkets', op: 'fetchMarkets', input: { symbol } };
    case 'fetchTicker':
      return { name: 'fetchTicker', op: 'fetchTicker', input: { symbol } };
    case 'fetchOrderBook':
      return { name: 'fetchOrderBook', op: 'fetchOrderBook', input: { symbol, depth: entry.depth ?? 20 } };
    case 'createOrder':
      return { name: 'createOrder', op: 'createOrder', input: { symbol, order: orderInput(ctx.order, symbol, ctx.refPrice, ctx.filter, ctx.rnd, ctx.clientOrderId) } };
    case 'cancelOrder':
      return { name: 'cancelOrder', op: 'cancelOrder', input: { symbol, orderId: ctx.orderId ?? `unknown-${ctx.clientOrderId}` } };
  }
}

/** Market filters by symbol as the suite writes it, from a markets answer read by the dialect. */
export function marketFilters(dialect: Dialect, symbols: readonly string[], body: string): Record<string, MarketFilter> {
  const out: Record<string, MarketFilter> = {};
  if (body === '') return out;
  const markets = dialect.readers.markets(body);
  for (const s of symbols) {
    const u = unifiedSymbol(dialect, s);
    for (const m of markets) if (m.symbol === u) out[s] = { tickSize: m.tickSize, stepSize: m.stepSize, minQty: m.minQty };
  }
  return out;
}

/**
 * The reference price of a ticker answer in `dialect`, or the problem in words (issue 16: a missing price must
 * never become 1). The loadgate dialect keeps its detailed reader (src/engines/reference-price.ts).
 */
export function readReferencePrice(dialect: Dialect, status: number, body: string | null | undefined): { price: number } | { problem: string } {
  if (dialect.name === 'loadgate') return readLoadgateReferencePrice(status, body);
  const hint = typeof body === 'string' && body !== '' ? `: ${body.length > 120 ? `${body.slice(0, 120)}…` : body}` : '';
  if (!(status >= 200 && status < 300)) return { problem: `the ticker answered HTTP ${status}${hint}` };
  if (typeof body !== 'string' || body === '') return { problem: `the ticker answered HTTP ${status} with an empty body` };
  const failure = classify(dialect.errors, status, body);
  if (failure !== undefined) return { problem: `the ticker answered error ${failure.errorCode ?? failure.errorClass}${hint}` };
  const price = dialect.readers.lastPrice(body);
  return price === undefined ? { problem: `the ${dialect.name} ticker answer holds no positive last price${hint}` } : { price };
}
