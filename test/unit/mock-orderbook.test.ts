import { describe, expect, it } from 'vitest';
import { BOOK_STEP_MS, MarketSimulator, buildMarkets } from '../../mocks/orderbook.js';

const START = 1_700_000_000_000;

function simulator(symbols: string[], seed = 1): { sim: MarketSimulator; setNow: (ms: number) => void } {
  let t = START;
  const sim = new MarketSimulator(buildMarkets(symbols, seed), seed, () => t, START);
  return { sim, setNow: (ms) => (t = START + ms) };
}

const decimals = (x: number): number => (String(x).split('.')[1] ?? '').length;

describe('markets', () => {
  it('uses realistic trading rules for known pairs and seeded ones for unknown pairs', () => {
    const [btc, doge] = buildMarkets(['BTC-USDT', 'DOGE-EUR'], 3);
    expect(btc).toMatchObject({ symbol: 'BTC-USDT', base: 'BTC', quote: 'USDT', tickSize: 0.1, stepSize: 0.00001, pricePrecision: 1 });
    expect(doge).toMatchObject({ base: 'DOGE', quote: 'EUR', status: 'trading' });
    expect(buildMarkets(['DOGE-EUR'], 3)).toEqual([doge]);
  });
});

describe('moving order book', () => {
  it('shows the same book for the same seq and moves one seq per step', () => {
    const { sim, setNow } = simulator(['BTC-USDT']);
    const a = sim.orderBook('BTC-USDT', 10);
    expect(sim.orderBook('BTC-USDT', 10)).toEqual(a);
    setNow(BOOK_STEP_MS * 25 + 1);
    const b = sim.orderBook('BTC-USDT', 10);
    expect(b?.seq).toBe((a?.seq ?? 0) + 25);
    expect(b).not.toEqual(a);
  });

  it('walks the same path however often it is read', () => {
    const often = simulator(['ETH-USDT'], 4);
    const rarely = simulator(['ETH-USDT'], 4);
    for (let ms = 0; ms <= 30_000; ms += 250) {
      often.setNow(ms);
      often.sim.midPrice('ETH-USDT');
    }
    rarely.setNow(30_000);
    expect(rarely.sim.midPrice('ETH-USDT')).toBe(often.sim.midPrice('ETH-USDT'));
  });

  it('keeps levels on the tick grid, sorted, uncrossed and with positive sizes', () => {
    const { sim, setNow } = simulator(['BTC-USDT', 'ETH-USDT', 'SOL-USDT', 'XRP-USDT', 'PEPE-USDT']);
    setNow(3_600_000);
    for (const market of sim.markets) {
      const book = sim.orderBook(market.symbol, 500);
      if (!book) throw new Error(`no book for ${market.symbol}`);
      expect(book.asks).toHaveLength(500);
      expect(book.bids.length).toBeGreaterThan(0);
      const levels = [...book.bids, ...book.asks];
      for (const [price, qty] of levels) {
        expect(price).toBeGreaterThan(0);
        expect(qty).toBeGreaterThanOrEqual(market.minQty);
        expect(decimals(price)).toBeLessThanOrEqual(market.pricePrecision);
        expect(decimals(qty)).toBeLessThanOrEqual(market.qtyPrecision);
      }
      for (let i = 1; i < book.bids.length; i++) expect(book.bids[i]![0]).toBeLessThan(book.bids[i - 1]![0]);
      for (let i = 1; i < book.asks.length; i++) expect(book.asks[i]![0]).toBeGreaterThan(book.asks[i - 1]![0]);
      expect(book.bids[0]![0]).toBeLessThan(book.asks[0]![0]);
    }
  });

  it('reports a ticker consistent with the book', () => {
    const { sim, setNow } = simulator(['SOL-USDT']);
    setNow(600_000);
    const t = sim.ticker('SOL-USDT');
    const book = sim.orderBook('SOL-USDT', 1);
    expect(t?.bid).toBe(book?.bids[0]?.[0]);
    expect(t?.ask).toBe(book?.asks[0]?.[0]);
    expect(t?.low).toBeLessThanOrEqual(t?.last ?? 0);
    expect(t?.high).toBeGreaterThanOrEqual(t?.last ?? 0);
    expect(t?.volume).toBeGreaterThan(0);
    expect(sim.ticker('NOPE-USDT')).toBeUndefined();
  });
});

describe('update ids (issue 10)', () => {
  it('numbers every change of the book: 1-3 ids per walk step, one per touch, and a snapshot carries the current id', () => {
    const { sim, setNow } = simulator(['BTC-USDT', 'ETH-USDT']);
    const first = sim.orderBook('BTC-USDT', 10)!;
    expect(first.updateId).toBeGreaterThan(1);
    expect(sim.updateId('BTC-USDT')).toBe(first.updateId);
    // Distinct symbols are numbered apart.
    expect(sim.updateId('ETH-USDT')).not.toBe(first.updateId);
    setNow(BOOK_STEP_MS * 40 + 1);
    const later = sim.orderBook('BTC-USDT', 10)!;
    expect(later.updateId - first.updateId).toBeGreaterThanOrEqual(40);
    expect(later.updateId - first.updateId).toBeLessThanOrEqual(120);
    expect(sim.updateId('NOPE-USDT')).toBeUndefined();
    expect(sim.touch('NOPE-USDT')).toBeUndefined();
  });

  it('a touch takes one id and changes at most one level size, keeping every price', () => {
    const { sim } = simulator(['ETH-USDT'], 5);
    let before = sim.orderBook('ETH-USDT', 20)!;
    let changed = 0;
    for (let i = 0; i < 60; i++) {
      expect(sim.touch('ETH-USDT')).toBe(before.updateId + 1);
      const after = sim.orderBook('ETH-USDT', 20)!;
      expect(after.bids.map((l) => l[0])).toEqual(before.bids.map((l) => l[0]));
      expect(after.asks.map((l) => l[0])).toEqual(before.asks.map((l) => l[0]));
      const diffs = [...after.bids, ...after.asks].filter((l, j) => l[1] !== [...before.bids, ...before.asks][j]![1]).length;
      expect(diffs).toBeLessThanOrEqual(1);
      changed += diffs;
      before = after;
    }
    expect(changed).toBeGreaterThan(50);
  });

  it('walks the same ids however often it is read', () => {
    const often = simulator(['SOL-USDT'], 9);
    const rarely = simulator(['SOL-USDT'], 9);
    for (let ms = 0; ms <= 20_000; ms += 170) {
      often.setNow(ms);
      often.sim.updateId('SOL-USDT');
    }
    often.setNow(20_000);
    rarely.setNow(20_000);
    expect(rarely.sim.updateId('SOL-USDT')).toBe(often.sim.updateId('SOL-USDT'));
  });

  it('remembers the farthest best prices since the last touch (what a REST snapshot in between may hold)', () => {
    const { sim, setNow } = simulator(['BTC-USDT'], 2);
    sim.touch('BTC-USDT');
    const at = sim.orderBook('BTC-USDT', 1)!;
    expect(sim.extremesSinceTouch('BTC-USDT')).toEqual({ bidHi: at.bids[0]![0], askLo: at.asks[0]![0] });
    let bidHi = at.bids[0]![0];
    let askLo = at.asks[0]![0];
    for (let step = 1; step <= 50; step++) {
      setNow(BOOK_STEP_MS * step + 1);
      const b = sim.orderBook('BTC-USDT', 1)!;
      bidHi = Math.max(bidHi, b.bids[0]![0]);
      askLo = Math.min(askLo, b.asks[0]![0]);
    }
    expect(sim.extremesSinceTouch('BTC-USDT')).toEqual({ bidHi, askLo });
    sim.touch('BTC-USDT');
    const now = sim.orderBook('BTC-USDT', 1)!;
    expect(sim.extremesSinceTouch('BTC-USDT')).toEqual({ bidHi: now.bids[0]![0], askLo: now.asks[0]![0] });
  });
});
