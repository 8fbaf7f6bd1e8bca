/**
 * ccxt as an independent referee of the dialect descriptions, before any wiring: every REST operation is an
 * endpoint ccxt knows with the same HTTP method and access (public / private), and every error code in our
 * tables means the same thing to ccxt's exception map, except the deliberate, listed deviations.
 */
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { OPERATIONS, type Classified, type Dialect } from '../../src/dialect/index.js';
import { binanceSpot } from '../../src/dialect/binance-spot/index.js';
import { okxV5 } from '../../src/dialect/okx-v5/index.js';
import { bybitV5 } from '../../src/dialect/bybit-v5/index.js';

type Api = Record<string, Record<string, Record<string, unknown>>>;
const CASES: Array<{ dialect: Dialect; ccxtId: 'binance' | 'okx' | 'bybit'; prefix: string }> = [
  { dialect: binanceSpot, ccxtId: 'binance', prefix: '/api/v3/' },
  { dialect: okxV5, ccxtId: 'okx', prefix: '/api/v5/' },
  { dialect: bybitV5, ccxtId: 'bybit', prefix: '/' },
];

/** What a ccxt exception class means in loadgate's classes (by its ancestry). */
function fromCcxt(cls: unknown): Pick<Classified, 'errorClass' | 'reason'> | undefined {
  const names: string[] = [];
  for (let p = cls as { name?: string } | null; p && p.name; p = Object.getPrototypeOf(p) as { name?: string } | null) names.push(p.name);
  const has = (n: string) => names.includes(n);
  if (names.length === 0) return undefined;
  if (has('RateLimitExceeded') || has('DDoSProtection')) return { errorClass: 'rateLimit' };
  if (has('AuthenticationError') || has('InvalidNonce')) return { errorClass: 'auth' };
  if (has('RequestTimeout')) return { errorClass: 'timeout' };
  if (has('ExchangeNotAvailable') || names[0] === 'OperationFailed') return { errorClass: 'server' };
  if (has('InsufficientFunds')) return { errorClass: 'trading', reason: 'insufficientMargin' };
  if (has('OrderNotFound')) return { errorClass: 'trading', reason: 'orderNotFound' };
  if (has('InvalidOrder') || has('BadSymbol')) return { errorClass: 'trading', reason: 'invalidOrder' };
  if (has('BadRequest')) return { errorClass: 'client' };
  return undefined; // a bare ExchangeError says nothing more specific
}

/** Where we knowingly differ from ccxt, and why. */
const DEVIATIONS: Record<string, string> = {
  'binance -2010': 'NEW_ORDER_REJECTED: ccxt says InvalidOrder and refines by message; its most common message in a load test is "Account has insufficient balance" (issue 10 maps it to insufficientMargin)',
  'binance -1013': 'INVALID_MESSAGE is how filter failures (price/lot/notional) come back: an invalid order, not a malformed request',
  'binance -1111': 'BAD_PRECISION on price or quantity: an invalid order',
  'binance -1115': 'INVALID_TIF: an invalid order',
  'binance -1116': 'INVALID_ORDER_TYPE: an invalid order',
  'binance -1117': 'INVALID_SIDE: an invalid order',
  'okx 50061': '"You\'ve reached the maximum order rate limit for this account": a rate limit (ccxt: generic ExchangeError)',
  'okx 50100': '"API frozen": the key cannot be used, an auth failure (ccxt: generic ExchangeError)',
  'bybit 110008': '"Order has been finished or canceled": for a cancel, the order is not there to cancel (ccxt: InvalidOrder)',
  'bybit 170142': '"Order has been canceled": as above',
  'bybit 10016': '"System error / service restarting": a server error (ccxt: generic ExchangeError)',
};

describe('ccxt as referee', () => {
  it.each(CASES)('$ccxtId: every operation is an endpoint ccxt declares, with the same method and access', ({ dialect, ccxtId, prefix }) => {
    const api = new ccxt[ccxtId]().api as unknown as Api;
    for (const op of OPERATIONS) {
      const o = dialect.rest[op];
      expect(o.path.startsWith(prefix), `${op} ${o.path}`).toBe(true);
      const key = o.path.slice(prefix.length);
      const access = o.signed ? 'private' : 'public';
      expect(Object.keys(api[access]?.[o.method.toLowerCase()] ?? {}), `${ccxtId} ${access} ${o.method} ${key}`).toContain(key);
    }
  });

  it.each(CASES)('$ccxtId: error codes mean what ccxt says they mean (deviations listed with a reason)', ({ dialect, ccxtId }) => {
    const ex = new ccxt[ccxtId]() as unknown as { exceptions: { exact?: Record<string, unknown>; spot?: { exact?: Record<string, unknown> } } };
    const compared: string[] = [];
    for (const [code, rule] of Object.entries(dialect.errors.codes)) {
      const key = `${ccxtId} ${code}`;
      const theirs = fromCcxt(ex.exceptions.spot?.exact?.[code] ?? ex.exceptions.exact?.[code]);
      const ours = rule.reason === undefined ? { errorClass: rule.errorClass } : { errorClass: rule.errorClass, reason: rule.reason };
      if (theirs === undefined || DEVIATIONS[key] !== undefined) {
        if (theirs !== undefined) expect(ours, `${key} is listed as a deviation but agrees with ccxt: drop it from DEVIATIONS`).not.toEqual(theirs);
        continue;
      }
      expect(ours, key).toEqual(theirs);
      compared.push(code);
    }
    // Most of the table is checked, not skipped.
    expect(compared.length).toBeGreaterThan(Object.keys(dialect.errors.codes).length / 2);
  });
});
