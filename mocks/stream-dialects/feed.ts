/**
 * What the mock's exchange dialects publish, computed once per symbol and tick whatever the number of subscribers
 * (the encoders in this folder only format it): order-book updates with their update ids, tickers and trades.
 *
 * Book updates. Each publication `touch`es the MarketSimulator's book (issue 10: every published update is a change
 * with at least one new update id, as an exchange never sends an empty diff), then diffs the new top `depth` levels
 * against the previously published ones: levels whose size changed or that are new, and removed levels with size
 * "0". The update ids come from the simulator's one counter (`updateId`), so a REST depth snapshot (Binance
 * `lastUpdateId`) and the stream agree: a publication covers `firstId = previous lastId + 1 … lastId = updateId`.
 * `count` numbers the publications of a symbol, +1 each (Bybit's `u`).
 *
 * A subscriber's snapshot (OKX, Bybit) is the last published state, so snapshot + the following diffs rebuild the
 * same book the server has: that is what OKX's checksum verifies.
 *
 * A client that starts from a REST snapshot instead (Binance) holds levels the stream never published: up to 5000 of
 * them, from a state between two publications. So with `sweep`, an update after the book stepped also clears (size
 * "0") every tick from the new band's far end to the farthest best price any state since the last publication had,
 * that the new band does not hold: the client's top `depth` levels are then exactly the server's, as with a real
 * exchange's full-depth diffs (levels further out may be stale; they never cross the band).
 */
import { formatDecimal } from '../../src/dialect/codec.js';
import type { MarketSimulator, Ticker } from '../orderbook.js';
import type { Rng } from '../rng.js';

/** [price, size] as sent: decimal strings without exponent. */
export type Level = [string, string];

export interface BookState {
  bids: Level[];
  asks: Level[];
  /** The same levels as numbers (what the next diff compares). */
  nbids: [number, number][];
  nasks: [number, number][];
  /** The update id of this state. */
  lastId: number;
  /** Publications so far, from the feed's start value (Bybit `u`). */
  count: number;
  /** The book's walk step + 1 (its price grid). */
  seq: number;
}

export interface BookUpdate {
  /** First and last update id this publication covers (Binance `U`, `u`). */
  firstId: number;
  lastId: number;
  /** The previous publication's last id (OKX `prevSeqId`). */
  prevId: number;
  count: number;
  /** Changed levels (size "0": removed). */
  bids: Level[];
  asks: Level[];
  /** The book after this update (for checksums). */
  state: BookState;
}

export interface Trade {
  /** Per-symbol trade id, +1 each. */
  id: number;
  price: string;
  qty: string;
  side: 'buy' | 'sell';
}

/** formatDecimal, without its exponent search for the usual case. */
const dec = (v: number): string => {
  const s = String(v);
  return s.indexOf('e') === -1 ? s : formatDecimal(v);
};
const levels = (rows: [number, number][]): Level[] => rows.map(([p, q]) => [dec(p), dec(q)]);

/**
 * Merges `prev` into `next` (both best first; `desc` for bids): returns the new side's strings (an unchanged level
 * keeps its strings, so only changes are formatted) and pushes to `changes` the new or resized levels and the
 * removed ones (size "0"), in price order.
 */
function diff(prevN: [number, number][], prevS: Level[], next: [number, number][], desc: boolean, changes: Level[]): Level[] {
  const out: Level[] = new Array(next.length);
  let i = 0;
  let j = 0;
  while (j < next.length) {
    const [p, q] = next[j]!;
    const pp = i < prevN.length ? prevN[i]![0] : undefined;
    if (pp === p) {
      if (prevN[i]![1] === q) out[j] = prevS[i]!;
      else changes.push((out[j] = [prevS[i]![0], dec(q)]));
      i++;
      j++;
    } else if (pp !== undefined && (desc ? pp > p : pp < p)) {
      changes.push([prevS[i]![0], '0']);
      i++;
    } else {
      changes.push((out[j] = [dec(p), dec(q)]));
      j++;
    }
  }
  for (; i < prevN.length; i++) changes.push([prevS[i]![0], '0']);
  return out;
}

/** Adds a size-"0" row to `out` for every tick in [loTicks, hiTicks] that is neither a level of `held` nor in `out`. */
function clearRange(out: Level[], held: [number, number][], loTicks: number, hiTicks: number, pow: number): void {
  if (hiTicks < loTicks) return;
  const skip = new Set<number>();
  for (const [p] of held) skip.add(Math.round(p * pow));
  for (const [p] of out) skip.add(Math.round(Number(p) * pow));
  for (let t = loTicks; t <= hiTicks; t++) if (!skip.has(t)) out.push([dec(t / pow), '0']);
}

export class MarketFeed {
  private readonly books = new Map<string, BookState>();
  private readonly tradeIds = new Map<string, number>();

  constructor(
    private readonly market: MarketSimulator,
    /** Levels per side in streamed books. */
    readonly depth: number,
    private readonly rng: Rng,
    /** Clear what a REST snapshot may hold (see the header). */
    private readonly sweep = false,
  ) {}

  has(symbol: string): boolean {
    return this.market.has(symbol);
  }

  /** The last published book of `symbol` (started from the current book the first time). Undefined: unknown symbol. */
  book(symbol: string): BookState | undefined {
    let s = this.books.get(symbol);
    if (s === undefined) {
      const b = this.market.orderBook(symbol, this.depth);
      if (b === undefined) return undefined;
      s = { bids: levels(b.bids), asks: levels(b.asks), nbids: b.bids, nasks: b.asks, lastId: b.updateId, count: b.updateId, seq: b.seq };
      this.books.set(symbol, s);
    }
    return s;
  }

  /** Publishes one update of `symbol`'s book (see the header). */
  publishBook(symbol: string): BookUpdate | undefined {
    const prev = this.book(symbol);
    if (prev === undefined) return undefined;
    const extremes = this.sweep ? this.market.extremesSinceTouch(symbol) : undefined;
    this.market.touch(symbol);
    const b = this.market.orderBook(symbol, this.depth)!;
    const bids: Level[] = [];
    const asks: Level[] = [];
    const state: BookState = {
      bids: diff(prev.nbids, prev.bids, b.bids, true, bids),
      asks: diff(prev.nasks, prev.asks, b.asks, false, asks),
      nbids: b.bids,
      nasks: b.asks,
      lastId: b.updateId,
      count: prev.count + 1,
      seq: b.seq,
    };
    this.books.set(symbol, state);
    if (extremes !== undefined && state.seq !== prev.seq && b.bids.length > 0 && b.asks.length > 0) {
      const pow = 10 ** this.market.market(symbol)!.pricePrecision;
      const ticks = (p: number): number => Math.round(p * pow);
      const prevBestBid = prev.nbids.length > 0 ? ticks(prev.nbids[0]![0]) : 0;
      const prevBestAsk = prev.nasks.length > 0 ? ticks(prev.nasks[0]![0]) : Number.MAX_SAFE_INTEGER;
      clearRange(bids, b.bids, ticks(b.bids[b.bids.length - 1]![0]), Math.max(ticks(extremes.bidHi), prevBestBid), pow);
      clearRange(asks, b.asks, Math.min(ticks(extremes.askLo), prevBestAsk), ticks(b.asks[b.asks.length - 1]![0]), pow);
    }
    return { firstId: prev.lastId + 1, lastId: state.lastId, prevId: prev.lastId, count: state.count, bids, asks, state };
  }

  ticker(symbol: string): Ticker | undefined {
    return this.market.ticker(symbol);
  }

  /** A trade near the mid price, on the tick and step grid. */
  trade(symbol: string): Trade | undefined {
    const m = this.market.market(symbol);
    const mid = this.market.midPrice(symbol);
    if (m === undefined || mid === undefined) return undefined;
    const id = (this.tradeIds.get(symbol) ?? 1_000_000) + 1;
    this.tradeIds.set(symbol, id);
    const r = this.rng.next();
    const side = r < 0.5 ? 'buy' : 'sell';
    const pricePow = 10 ** m.pricePrecision;
    const qtyPow = 10 ** m.qtyPrecision;
    const price = Math.max(1, Math.round(mid * pricePow) + (side === 'buy' ? 1 : -1)) / pricePow;
    const qty = Math.max(1, Math.round(((5 + 500 * this.rng.next()) / mid) * qtyPow)) / qtyPow;
    return { id, price: dec(price), qty: dec(qty), side };
  }
}

// ---- CRC32 (OKX's book checksum) ---------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 (ISO 3309, as zlib) of an ASCII string, as a signed 32-bit integer. */
export function crc32Signed(s: string): number {
  let c = -1;
  for (let i = 0; i < s.length; i++) c = CRC_TABLE[(c ^ s.charCodeAt(i)) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) | 0;
}
