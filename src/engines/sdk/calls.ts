/**
 * What the sdk engine calls next: the workload's mix (the five operations, with `depth`) plus `driver.methods`,
 * in the exact ratio of their weights (the same smooth weighted round-robin the HTTP engines use), with unified
 * symbols and orders sized from the reference price read in set-up. Remembers created order ids so cancels take
 * the run's own resting orders. No I/O.
 */
import { RunError } from '../../errors.js';
import { mulberry32 } from '../../random.js';
import type { Workload } from '../../suite/schema.js';
import type { Dialect } from '../../dialect/types.js';
import { mixPlacesOrders, sizeOrder, unifiedSymbol as dialectUnifiedSymbol, weightedRoundRobin } from '../../workload/plan.js';
import { nextCorrelationId } from '../exchange-requests.js';
import type { SdkClient } from './contract.js';

export interface PlannedCall {
  /** The SDK method, which is also the endpoint name in results (fetchTicker, createOrder, fetchBalance …). */
  method: string;
  args: unknown[];
  correlationId: string;
  /** cancelOrder: the order it cancels (one the run created), put back when the cancel fails. */
  orderId?: string;
}

type Pick = { method: string; depth?: number | undefined; args?: unknown[] | undefined };

/**
 * The unified symbol (`BTC/USDT`, what unified SDKs take) of a suite's symbol: the dialect's reading
 * (src/workload/plan.ts), else `BASE-QUOTE` / `BASE_QUOTE` split at the separator (a ccxt workload on a dialect
 * whose ids are concatenated, e.g. `BTC-USDT` against binance-spot), else as written.
 */
export function unifiedSymbol(s: string, dialect?: Dialect): string {
  const d = dialect === undefined ? undefined : dialectUnifiedSymbol(dialect, s);
  if (d !== undefined) return d;
  if (s.includes('/')) return s;
  const m = /^([A-Za-z0-9]+)[-_]([A-Za-z0-9]+)$/.exec(s);
  return m ? `${m[1]}/${m[2]}` : s;
}

export class CallPlanner {
  readonly symbols: string[];
  /** Last price per unified symbol, read in set-up. */
  readonly referencePrices = new Map<string, number>();
  private readonly pick: () => Pick;
  private readonly rng: () => number;
  private readonly orderIds: Array<{ id: string; symbol: string }> = [];
  private readonly w: Workload;
  private symbolIdx = 0;

  constructor(workload: Workload, seed: number, dialect?: Dialect) {
    this.w = workload;
    this.rng = mulberry32(seed);
    this.symbols = workload.symbols.map((s) => unifiedSymbol(s, dialect));
    const items: Array<{ item: Pick; weight: number }> = [
      ...(workload.mix ?? []).map((m) => ({ item: { method: m.endpoint, depth: m.depth }, weight: m.weight })),
      ...(workload.driver?.methods ?? []).map((m) => ({ item: { method: m.method, args: m.args }, weight: m.weight })),
    ];
    this.pick = weightedRoundRobin(items);
  }

  /** Methods this workload calls, in mix order. */
  get methods(): string[] {
    return [...new Set([...(this.w.mix ?? []).map((m) => m.endpoint as string), ...(this.w.driver?.methods ?? []).map((m) => m.method)])];
  }

  get placesOrders(): boolean {
    return mixPlacesOrders(this.w.mix ?? []);
  }

  get needsOrders(): boolean {
    return this.methods.includes('cancelOrder');
  }

  /** Methods the mix names that the client does not have (checked in set-up, before the clock starts). */
  missingMethods(client: SdkClient): string[] {
    return this.methods.filter((m) => typeof (client as Record<string, unknown>)[m] !== 'function');
  }

  private symbol(): string {
    return this.symbols[this.symbolIdx++ % this.symbols.length]!;
  }

  /** The method of the next arrival, without planning its call (arrivals a stopped run never made). */
  skip(): string {
    return this.pick().method;
  }

  next(): PlannedCall {
    const p = this.pick();
    return this.build(p.method, p.depth, p.args);
  }

  build(method: string, depth?: number, args?: unknown[]): PlannedCall {
    const correlationId = nextCorrelationId();
    switch (method) {
      case 'fetchMarkets':
        return { method, args: [], correlationId };
      case 'fetchTicker':
        return { method, args: [this.symbol()], correlationId };
      case 'fetchOrderBook':
        return { method, args: [this.symbol(), depth ?? 20], correlationId };
      case 'createOrder':
        return { method, args: this.order(), correlationId };
      case 'cancelOrder': {
        const own = this.orderIds.pop();
        // With none left the cancel is honest about it: an unknown id, which the SDK reports as orderNotFound.
        if (own === undefined) return { method, args: [`unknown-${correlationId}`, this.symbol()], correlationId };
        return { method, args: [own.id, own.symbol], correlationId, orderId: own.id };
      }
      default:
        return { method, args: args ?? [], correlationId };
    }
  }

  /** createOrder(symbol, type, side, amount, price): a resting limit order priced `priceOffsetPct` from the last price. */
  private order(): unknown[] {
    const o = this.w.order;
    const symbol = this.symbol();
    const ref = this.referencePrices.get(symbol);
    // Never invent a price: set-up refuses to run without one.
    if (ref === undefined) throw new RunError('LG_NO_REFERENCE_PRICE', `no reference price for ${symbol}: refusing to place an order`);
    // No market filter: the SDK rounds amount and price to the market's precision itself, as ccxt does.
    const { side, price, qty } = sizeOrder(o, symbol, ref, undefined, this.rng);
    return o.type === 'limit' ? [symbol, 'limit', side, qty, price] : [symbol, 'market', side, qty];
  }

  /** A call's outcome: a created order's id is kept for cancels; a cancel that failed (not "not found") puts its order back. */
  noteResult(call: PlannedCall, ok: boolean, value: unknown, errorCode?: string): void {
    if (call.method === 'cancelOrder') {
      if (!ok && call.orderId !== undefined && errorCode !== 'orderNotFound' && this.orderIds.length < 100_000) this.orderIds.push({ id: call.orderId, symbol: String(call.args[1]) });
      return;
    }
    if (call.method !== 'createOrder' || !ok) return;
    const id = (value as { id?: unknown } | null | undefined)?.id;
    if ((typeof id === 'string' || typeof id === 'number') && this.orderIds.length < 100_000) this.orderIds.push({ id: String(id), symbol: String(call.args[0]) });
  }

  get openOrders(): number {
    return this.orderIds.length;
  }

  /** The orders this run created that no cancel has taken, newest first; the planner forgets them. */
  takeRestingOrders(): Array<{ id: string; symbol: string }> {
    return this.orderIds.splice(0).reverse();
  }
}

/** Calls `call.method` on the client. */
export async function invoke(client: SdkClient, call: PlannedCall): Promise<unknown> {
  const fn = (client as Record<string, unknown>)[call.method] as (...a: unknown[]) => Promise<unknown>;
  return fn.apply(client, call.args);
}
