/**
 * Markets and a moving order book for the mock exchange. The mid price follows a seeded random walk,
 * one step per `BOOK_STEP_MS` of the injected clock, so the book at a given time is the same whoever
 * asked for it and how often. A snapshot is a pure function of (symbol, seq, mid, touches): the same `seq`
 * always shows the same levels until a stream publishes an update (`touch`).
 *
 * Update ids (issue 10): every change of a book has an id, `updateId`, one counter per symbol that only grows.
 * A walk step (the whole book moves) takes 1-3 ids; a `touch` (the stream publishing an update while the book has
 * not stepped: one level's size changes) takes one. It is what exchanges number their book updates with: Binance's
 * REST depth `lastUpdateId` is the snapshot's `updateId`, and a diff-depth event covers `U = previous u + 1 … u =
 * updateId` after it; OKX's `seqId` and Bybit's cross sequence `seq` are the same number. So a REST snapshot and the
 * stream's update ids come from one counter and always agree.
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
/** A touch changes the size of one of the top this-many levels of either side (so only the last 2× that many touches matter). */
const TOUCH_LEVELS = 10;

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
  /** Walk steps + 1: the book's price grid. */
  seq: number;
  /**
   * The id of the last change of this book (walk steps and touches): Binance's `lastUpdateId`; the stream's next
   * diff-depth event starts at `updateId + 1` or earlier. Grows only.
   */
  updateId: number;
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
  /** Id of the last change of the book (steps and touches). */
  updateId: number;
  /** Touches since the last step (each changes one level's size). */
  touches: number;
  /** Draws how many update ids a walk step takes (apart from `walk`, so the path does not depend on it). */
  ids: Rng;
  /** Highest best bid and lowest best ask (ticks) of any state since the last touch, that one included. */
  bidHiTicks: number;
  askLoTicks: number;
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
        // Large, distinct starting ids (real exchanges' ids are far from 0; Bybit reads u = 1 as a service restart).
        updateId: 1_000_000 * (index + 1) + Math.floor(createRng(seed, 4_000 + index).next() * 100_000),
        touches: 0,
        ids: createRng(seed, 3_000 + index),
        bidHiTicks: 0,
        askLoTicks: Number.MAX_SAFE_INTEGER,
        high: mid,
        low: mid,
        volume: 0,
        quoteVolume: 0,
        levelQtySteps: Math.max(1, Math.round((LEVEL_NOTIONAL / mid) * qtyPow)),
        spreadTicks: Math.max(1, Math.round(mid * 0.00002 * pricePow)),
        walk: createRng(seed, 1_000 + index),
      });
      this.resetExtremes(this.states.get(market.symbol)!);
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
    // Levels come from an RNG seeded by (symbol, seq): the same seq always shows the same book (until touched).
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
    // Touch t (1-based since the step) sets the size of level ((t - 1) >> 1) % TOUCH_LEVELS of side (t - 1) & 1;
    // a later touch of the same level wins, so only the last 2 × TOUCH_LEVELS touches are applied.
    const slots = 2 * TOUCH_LEVELS;
    for (let t = Math.max(1, s.touches - slots + 1); t <= s.touches; t++) {
      const level = ((t - 1) >> 1) % TOUCH_LEVELS;
      if (level >= depth) continue;
      const side = (t - 1) & 1 ? asks : bids;
      const row = side[level];
      if (row !== undefined) row[1] = levelQty(s, createRng(this.seed ^ Math.imul(s.index + 1, 0x165667b1), seq * 4099 + t));
    }
    // A far-away bid can't go to zero or below on a low-priced market: trim those levels.
    let validBids = depth;
    while (validBids > 0 && (bids[validBids - 1]?.[0] ?? 0) <= 0) validBids--;
    if (validBids < depth) bids.length = validBids;
    return { symbol: s.market.symbol, seq, updateId: s.updateId, tsMs, bids, asks };
  }

  /** The id of the book's last change (steps due by now applied), or undefined for an unknown symbol. */
  updateId(symbol: string): number | undefined {
    const s = this.states.get(symbol);
    if (!s) return undefined;
    this.advance(s);
    return s.updateId;
  }

  /**
   * A stream publishes an update of `symbol`'s book: the steps due by now are applied and, whether or not the book
   * stepped, one level's size changes (so every published update has at least one new update id, as an exchange
   * never sends an empty diff). Returns the new `updateId`, or undefined for an unknown symbol.
   */
  touch(symbol: string): number | undefined {
    const s = this.states.get(symbol);
    if (!s) return undefined;
    this.advance(s);
    s.touches++;
    this.resetExtremes(s);
    return ++s.updateId;
  }

  /**
   * The highest best bid and lowest best ask of any state of the book since the last touch (that one and the current
   * one included): where a client that took a REST snapshot in between can hold levels the next diff must clear.
   */
  extremesSinceTouch(symbol: string): { bidHi: number; askLo: number } | undefined {
    const s = this.states.get(symbol);
    if (!s) return undefined;
    this.advance(s);
    return { bidHi: s.bidHiTicks / s.pricePow, askLo: s.askLoTicks / s.pricePow };
  }

  private resetExtremes(s: SymbolState): void {
    const { bestBid, bestAsk } = bestTicks(s);
    s.bidHiTicks = bestBid;
    s.askLoTicks = bestAsk;
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
      // The whole book moved: several level changes, 1-3 update ids.
      s.updateId += 1 + Math.floor(s.ids.next() * 3);
      s.touches = 0;
      const { bestBid, bestAsk } = bestTicks(s);
      if (bestBid > s.bidHiTicks) s.bidHiTicks = bestBid;
      if (bestAsk < s.askLoTicks) s.askLoTicks = bestAsk;
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
