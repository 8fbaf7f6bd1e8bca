/**
 * The sequence rules against ccxt.pro's own order-book handlers, fed the same frames offline (no socket): where
 * ccxt gives up on a book (Binance `ChecksumError`, OKX `InvalidNonce`), our tracker has just seen its first gap,
 * and where ccxt is happy, we count no loss. (Against the mock over a real socket is the wiring's test.)
 */
import ccxt from 'ccxt';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binanceSpot } from '../../src/dialect/binance-spot/index.js';
import { okxV5 } from '../../src/dialect/okx-v5/index.js';
import { SequenceTracker } from '../../src/dialect/sequence.js';
import type { Dialect } from '../../src/dialect/types.js';

/** Enough of a ccxt.pro client for its handlers: subscriptions (every hash present until deleted), resolve, reject. */
function fakeClient(url: string) {
  const gone = new Set<string>();
  const errors: Error[] = [];
  const subscriptions = new Proxy({} as Record<string, unknown>, {
    has: (_t, k) => typeof k === 'string' && !gone.has(k),
    get: (_t, k) => (typeof k === 'string' && !gone.has(k) ? true : undefined),
    deleteProperty: (_t, k) => {
      if (typeof k === 'string') gone.add(k);
      return true;
    },
  });
  return { url, subscriptions, errors, resolve: () => undefined, reject: (e: Error) => errors.push(e) };
}

const drops = fc.array(fc.boolean(), { minLength: 3, maxLength: 80 }).map((bits) => bits.map((b, i) => b && i > 0 && i % 4 === 0));

/** Index of the first message after which `count()` went above 0, or -1. */
function firstIndex(n: number, step: (i: number) => void, count: () => number): number {
  for (let i = 0; i < n; i++) {
    step(i);
    if (count() > 0) return i;
  }
  return -1;
}

function track(d: Dialect, raw: string, t: SequenceTracker): void {
  const ev = d.stream.decode(raw);
  if (ev.kind === 'data') t.observe(ev.seq);
}

describe('ccxt.pro agrees on where the first gap is', () => {
  it('okx: InvalidNonce at the message where our prevSeqId chain first breaks', () => {
    let detected = 0;
    fc.assert(
      fc.property(drops, fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 80, maxLength: 80 }), (dropped, steps) => {
        const frames: string[] = [];
        let prev = -1;
        let id = 1000;
        dropped.forEach((drop, i) => {
          const f = `{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"${i === 0 ? 'snapshot' : 'update'}","data":[{"asks":[],"bids":[],"ts":"${1_700_000_000_000 + i}","checksum":0,"prevSeqId":${prev},"seqId":${id}}]}`;
          if (!drop) frames.push(f);
          prev = id;
          id += steps[i]!;
        });
        const ex = new ccxt.pro.okx() as unknown as { handleOrderBook(c: unknown, m: unknown): void };
        const client = fakeClient('wss://ws.okx.com:8443/ws/v5/public');
        const t = new SequenceTracker(okxV5.stream.sequence.orderbook);
        const theirs = firstIndex(frames.length, (i) => ex.handleOrderBook(client, JSON.parse(frames[i]!)), () => client.errors.length);
        const ours = firstIndex(frames.length, (i) => track(okxV5, frames[i]!, t), () => t.summary().gaps);
        expect(ours).toBe(theirs);
        if (theirs !== -1) detected++;
        if (theirs !== -1) expect(client.errors[0]).toBeInstanceOf(ccxt.InvalidNonce);
        // Neither sees a drop after the last message received (nothing follows to reveal it).
        else expect(dropped.slice(0, dropped.lastIndexOf(false)).some((x) => x)).toBe(false);
      }),
      { numRuns: 60, seed: 20261202 },
    );
    // The property is not vacuous: most runs have a gap that both detect.
    expect(detected).toBeGreaterThan(20);
  });

  it('binance: ChecksumError at the message where our update-id ranges first leave a gap', () => {
    let detected = 0;
    fc.assert(
      fc.property(drops, fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 80, maxLength: 80 }), (dropped, sizes) => {
        const frames: string[] = [];
        let U = 5000;
        dropped.forEach((drop, i) => {
          const u = U + sizes[i]! - 1;
          if (!drop) frames.push(`{"e":"depthUpdate","E":${1_700_000_000_000 + i},"s":"BTCUSDT","U":${U},"u":${u},"b":[],"a":[]}`);
          U = u + 1;
        });
        const ex = new ccxt.pro.binance() as unknown as {
          handleOrderBook(c: unknown, m: unknown): void;
          safeMarket(id: string, m: undefined, d: undefined, type: string): { symbol: string };
          orderBook(): Record<string, unknown>;
          orderbooks: Record<string, Record<string, unknown>>;
        };
        // Step 3 of Binance's local-book recipe, done by ccxt with a REST snapshot: here, a snapshot just before the first event.
        const symbol = ex.safeMarket('BTCUSDT', undefined, undefined, 'spot').symbol;
        const book = ex.orderBook();
        book.nonce = 4999;
        ex.orderbooks[symbol] = book;
        const client = fakeClient('wss://stream.binance.com:9443/ws');
        const t = new SequenceTracker(binanceSpot.stream.sequence.orderbook);
        const theirs = firstIndex(frames.length, (i) => ex.handleOrderBook(client, JSON.parse(frames[i]!)), () => client.errors.length);
        const ours = firstIndex(frames.length, (i) => track(binanceSpot, frames[i]!, t), () => t.summary().gaps);
        expect(ours).toBe(theirs);
        if (theirs !== -1) detected++;
        if (theirs !== -1) expect(client.errors[0]).toBeInstanceOf(ccxt.ChecksumError);
        // Neither sees a drop after the last message received (nothing follows to reveal it).
        else expect(dropped.slice(0, dropped.lastIndexOf(false)).some((x) => x)).toBe(false);
      }),
      { numRuns: 60, seed: 20261202 },
    );
    // The property is not vacuous: most runs have a gap that both detect.
    expect(detected).toBeGreaterThan(20);
  });
});
