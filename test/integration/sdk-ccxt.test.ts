/**
 * The ccxt driver against the built-in mock speaking binance-spot (issue 11): ccxt's binance client, every URL
 * of its urls.api on the mock's 127.0.0.1 origin (checked by the driver before any call, and every fetch refused
 * off it), the five operations timed per method; an injected insufficient balance is classified from ccxt's
 * InsufficientFunds as trading/insufficientMargin.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseSuite } from '../../src/suite/load.js';
import { runSuite } from '../../src/run.js';

const FILE = resolve(import.meta.dirname, '../../scenarios/ccxt-binance.suite.yaml');
const shipped = parse(readFileSync(FILE, 'utf8')) as { target: { mock: Record<string, unknown> }; workloads: Array<Record<string, unknown>>; warmupSec: number };

function variant(mock: Record<string, unknown>, load: Record<string, unknown>, mix?: unknown[]) {
  const data = structuredClone(shipped);
  Object.assign(data.target.mock, mock);
  data.warmupSec = 0;
  data.workloads[0]!.load = load;
  if (mix) data.workloads[0]!.mix = mix;
  return parseSuite(FILE, data);
}

describe('ccxt binance against the mock speaking binance-spot', () => {
  it(
    'times the five operations per method on the mock, nothing off loopback, the mock\'s server time beside each',
    async () => {
      const r = await runSuite({ suite: variant({}, { model: 'open', ratePerSec: 60, durationSec: 3, maxConnections: 32 }) });
      expect(r.meta.incomplete).toBeUndefined();
      expect(r.meta.target.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(r.meta.engines[0]!.version).toMatch(/ccxt \S+ \(binance\)/);
      // 180 arrivals split 5:3:1:2:1.
      const want: Record<string, number> = { fetchTicker: 75, fetchOrderBook: 45, fetchMarkets: 15, createOrder: 30, cancelOrder: 15 };
      for (const [m, n] of Object.entries(want)) {
        expect(r.endpoints[m]!.requests, m).toBe(n);
        expect(r.endpoints[m]!.errors, m).toEqual({});
        expect(r.meta.target.serverTimeMs?.[m]?.count, m).toBe(n);
      }
      expect(r.meta.notes.some((n) => /ccxt binance: its own rate limiter is off/.test(n))).toBe(true);
      expect(r.meta.notes.some((n) => /markets loaded in set-up \(loadMarkets: 4 markets/.test(n))).toBe(true);
    },
    90_000,
  );

  it(
    'classifies an injected insufficient balance (ccxt InsufficientFunds) as trading/insufficientMargin',
    async () => {
      // Each order reserves 20–100 USDT of a 300 USDT balance: a few rest, then every create is refused.
      const r = await runSuite({ suite: variant({ balance: 300 }, { model: 'closed', connections: 2, durationSec: 2 }, [{ endpoint: 'createOrder' }]) });
      const ep = r.endpoints.createOrder!;
      expect(ep.requests).toBeGreaterThan(10);
      expect(ep.errors.trading).toBeGreaterThan(ep.requests / 2);
      expect(ep.errorCodes.insufficientMargin).toBe(ep.errors.trading);
      expect(ep.errors.client).toBeUndefined();
      expect(ep.samples.failed[0]).toMatchObject({ errorClass: 'trading', errorCode: 'insufficientMargin' });
    },
    90_000,
  );
});
