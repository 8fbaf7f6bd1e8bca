/**
 * Markets and a moving order book for the mock exchange. The mid price follows a seeded random walk,
 * one step per `BOOK_STEP_MS` of the injected clock, so the book at a given time is the same whoever
 * asked for it and how often. A snapshot is a pure function of (symbol, seq, mid): the same `seq`
 * always shows the same levels.
 */
import { createRng, type Rng } from './rng.js';

/** The book moves once per this many ms (10 updates per second). */
export const BOOK_STEP_MS = 100;
/** Relative standard deviation of the mid price per step. */
const STEP_SIGMA = 0.0001;
/** The mid stays within [initial / 20, initial * 20] however long the mock runs. */
const MAX_DRIFT = 20;
/** Each book level holds about this much quote currency on average. */
const LEVEL_NOTIONAL = 25_000;

export interface MarketInfo {
  symbol: string;
  base: string;
  quote: string;
  status: 'trading';
  /** Smallest price increment, e.g. 0.1. */
  tickSize: number;
  /** Smallest quantity increment. */
  stepSize: number;
  minQty: number;
  maxQty: number;
  /** Smallest order value in quote currency. */
  minNotional: number;
  /** Decimals of `tickSize`. */
  pricePrecision: number;
  /** Decimals of `stepSize`. */
  qtyPrecision: number;
  makerFeeRate: number;
  takerFeeRate: number;
}

export interface OrderBookSnapshot {
  symbol: string;
  seq: number;
  tsMs: number;
  /** [price, qty], best (highest) first. */
  bids: [number, number][];
  /** [price, qty], best (lowest) first. */
  asks: [number, number][];
}

export interface Ticker {
  symbol: string;
  last: number;
  bid: number;
  ask: number;
  /** Highest and lowest mid since the mock started. */
  high: number;
  low: number;
  /** Base-currency volume since the mock started. */
  volume: number;
  quoteVolume: number;
  tsMs: number;
}

interface Preset {
  priceUsd: number;
  pricePrecision: number;
  qtyPrecision: number;
}

const PRESETS: Record<string, Preset> = {
  BTC: { priceUsd: 65_000, pricePrecision: 1, qtyPrecision: 5 },
  ETH: { priceUsd: 3_200, pricePrecision: 2, qtyPrecision: 4 },
  SOL: { priceUsd: 150, pricePrecision: 3, qtyPrecision: 2 },
  XRP: { priceUsd: 0.6, pricePrecision: 4, qtyPrecision: 1 },
};
const USD_QUOTES = new Set(['USDT', 'USDC', 'USD', 'FDUSD']);

const clampInt = (n: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, Math.round(n)));

/** Market definitions for `symbols` ("BASE-QUOTE"). Unknown pairs get a seeded price and precision. */
export function buildMarkets(symbols: readonly string[], seed: number): MarketInfo[] {
  return symbols.map((symbol, i) => {
    const [base = symbol, quote = 'USDT'] = symbol.split('-');
    const preset = USD_QUOTES.has(quote) ? PRESETS[base] : undefined;
    let pricePrecision: number;
    let qtyPrecision: number;
    if (preset) {
      ({ pricePrecision, qtyPrecision } = preset);
    } else {
      const price = initialPrice(symbol, i, seed);
      pricePrecision = clampInt(5 - Math.ceil(Math.log10(price)), 0, 8);
      qtyPrecision = clampInt(Math.ceil(Math.log10(price)) + 1, 0, 8);
    }
    const tickSize = 1 / 10 ** pricePrecision;
    const stepSize = 1 / 10 ** qtyPrecision;
    return {
      symbol,
      base,
      quote,
      status: 'trading',
      tickSize,
      stepSize,
      minQty: stepSize,
      maxQty: 10 ** Math.max(2, 7 - qtyPrecision),
      minNotional: 5,
      pricePrecision,
      qtyPrecision,
      makerFeeRate: 0.0002,
      takerFeeRate: 0.0005,
    };
  });
}

function initialPrice(symbol: string, index: number, seed: number): number {
  const [base = symbol, quote = ''] = symbol.split('-');
  const preset = USD_QUOTES.has(quote) ? PRESETS[base] : undefined;
  if (preset) return preset.priceUsd;
  // 0.1 … 1000, log-uniform, reproducible from the seed.
  return 10 ** (createRng(seed, 2_000 + index).next() * 4 - 1);
}

interface SymbolState {
  market: MarketInfo;
  index: number;
  pricePow: number;
  qtyPow: number;
  initialMid: number;
  mid: number;
  /** Steps applied so far; the book's sequence number is `step + 1`. */
  step: number;
  high: number;
  low: number;
  volume: number;
  quoteVolume: number;
  /** Average level size, in qty steps. */
  levelQtySteps: number;
  spreadTicks: number;
  walk: Rng;
}

/** The moving books of all markets. Reads advance the walk to the injected clock's current time. */
export class MarketSimulator {
  readonly markets: readonly MarketInfo[];
  private readonly states = new Map<string, SymbolState>();

  constructor(
    markets: readonly MarketInfo[],
    private readonly seed: number,
    private readonly now: () => number,
    private readonly startMs: number,
  ) {
    this.markets = markets;
    markets.forEach((market, index) => {
      const mid = initialPrice(market.symbol, index, seed);
      const pricePow = 10 ** market.pricePrecision;
      const qtyPow = 10 ** market.qtyPrecision;
      this.states.set(market.symbol, {
        market,
        index,
        pricePow,
        qtyPow,
        initialMid: mid,
        mid,
        step: 0,
        high: mid,
        low: mid,
        volume: 0,
        quoteVolume: 0,
        levelQtySteps: Math.max(1, Math.round((LEVEL_NOTIONAL / mid) * qtyPow)),
        spreadTicks: Math.max(1, Math.round(mid * 0.00002 * pricePow)),
        walk: createRng(seed, 1_000 + index),
      });
    });
  }

  has(symbol: string): boolean {
    return this.states.has(symbol);
  }

  market(symbol: string): MarketInfo | undefined {
    return this.states.get(symbol)?.market;
  }

  /** Current mid price, or undefined for an unknown symbol. */
  midPrice(symbol: string): number | undefined {
    const s = this.states.get(symbol);
    if (!s) return undefined;
    this.advance(s);
    return s.mid;
  }

  /** The top `depth` levels each side, or undefined for an unknown symbol. */
  orderBook(symbol: string, depth: number): OrderBookSnapshot | undefined {
    const s = this.states.get(symbol);
    if (!s) return undefined;
    const tsMs = this.advance(s);
    const seq = s.step + 1;
    // Levels come from an RNG seeded by (symbol, seq): the same seq always shows the same book.
    const rng = createRng(this.seed ^ Math.imul(s.index + 1, 0x27d4eb2d), seq);
    const { bestBid, bestAsk } = bestTicks(s);
    const bids: [number, number][] = new Array(depth);
    const asks: [number, number][] = new Array(depth);
    let bidTicks = bestBid;
    let askTicks = bestAsk;
    for (let i = 0; i < depth; i++) {
      bids[i] = [bidTicks / s.pricePow, levelQty(s, rng)];
      asks[i] = [askTicks / s.pricePow, levelQty(s, rng)];
      bidTicks -= 1 + Math.floor(rng.next() * 3);
      askTicks += 1 + Math.floor(rng.next() * 3);
    }
    // A far-away bid can't go to zero or below on a low-priced market: trim those levels.
    let validBids = depth;
    while (validBids > 0 && (bids[validBids - 1]?.[0] ?? 0) <= 0) validBids--;
    if (validBids < depth) bids.length = validBids;
    return { symbol: s.market.symbol, seq, tsMs, bids, asks };
  }

  ticker(symbol: string): Ticker | undefined {
    const s = this.states.get(symbol);
    if (!s) return undefined;
    const tsMs = this.advance(s);
    const { bestBid, bestAsk } = bestTicks(s);
    const p = s.pricePow;
    return {
      symbol: s.market.symbol,
      last: Math.round(s.mid * p) / p,
      bid: bestBid / p,
      ask: bestAsk / p,
      high: Math.round(s.high * p) / p,
      low: Math.round(s.low * p) / p,
      volume: Math.round(s.volume * s.qtyPow) / s.qtyPow,
      quoteVolume: Math.round(s.quoteVolume * 100) / 100,
      tsMs,
    };
  }

  /** Applies the walk steps due by now; returns now (integer epoch ms). */
  private advance(s: SymbolState): number {
    const nowMs = Math.floor(this.now());
    const due = Math.floor((nowMs - this.startMs) / BOOK_STEP_MS);
    const avgTradeQty = s.levelQtySteps / s.qtyPow / 20;
    // One draw per step (not one scaled draw per read), so the walk doesn't depend on when reads happen.
    for (; s.step < due; s.step++) {
      let mid = s.mid * Math.exp(STEP_SIGMA * s.walk.normal());
      if (mid > s.initialMid * MAX_DRIFT || mid < s.initialMid / MAX_DRIFT) mid = s.mid;
      s.mid = mid;
      if (mid > s.high) s.high = mid;
      if (mid < s.low) s.low = mid;
      const traded = avgTradeQty * 2 * s.walk.next();
      s.volume += traded;
      s.quoteVolume += traded * mid;
    }
    return nowMs;
  }
}

function bestTicks(s: SymbolState): { bestBid: number; bestAsk: number } {
  const bestBid = Math.max(1, Math.floor(s.mid * s.pricePow - s.spreadTicks / 2));
  return { bestBid, bestAsk: bestBid + s.spreadTicks };
}

/** 0.2× … 2× the average level size, whole qty steps, at least one step. */
function levelQty(s: SymbolState, rng: Rng): number {
  return Math.max(1, Math.round(s.levelQtySteps * (0.2 + 1.8 * rng.next()))) / s.qtyPow;
}
