/**
 * Small pure helpers every dialect shares: parameter encoding, decimal formatting, symbol splitting and cheap body
 * readers. No URLSearchParams or Buffer (k6 has neither).
 */
import type { MarketInfo, Params, SymbolMapping, UnifiedSymbol } from './types.ts';

/** `a=1&b=x%20y`, in the given order (what Binance and Bybit sign). */
export function encodeParams(params: Params): string {
  let out = '';
  for (const [k, v] of params) {
    if (out !== '') out += '&';
    out += `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`;
  }
  return out;
}

/** A JSON object from parameters, in order; numbers stay numbers. */
export function jsonParams(params: Params): string {
  const o: Record<string, string | number | boolean> = {};
  for (const [k, v] of params) o[k] = v;
  return JSON.stringify(o);
}

/**
 * A decimal string without exponent: `1e-7` → `0.0000001`. Exchanges that take decimals as strings reject
 * exponent notation, which `String(n)` produces below 1e-6.
 */
export function formatDecimal(v: number): string {
  const s = String(v);
  const e = s.search(/e/i);
  if (e === -1) return s;
  // Move the decimal point of the shortest round-trip digits: exact, unlike toFixed (which stops at 20 decimals).
  const neg = s.startsWith('-');
  const mantissa = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot === -1 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const point = (dot === -1 ? mantissa.length : dot) + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return neg ? `-${out}` : out;
}

/** `BTC/USDT` → `['BTC', 'USDT']`; throws on anything else (a typo'd symbol must not reach the wire as garbage). */
export function splitUnified(symbol: UnifiedSymbol): [string, string] {
  const i = symbol.indexOf('/');
  const base = symbol.slice(0, i);
  const quote = symbol.slice(i + 1);
  if (i <= 0 || quote === '' || quote.includes('/')) throw new Error(`symbol "${symbol}" is not BASE/QUOTE (e.g. BTC/USDT)`);
  return [base.toUpperCase(), quote.toUpperCase()];
}

/** Ids written `BASE<sep>QUOTE` (`BTC-USDT`). */
export function separatedSymbols(sep: string): SymbolMapping {
  return {
    toExchange(symbol) {
      const [base, quote] = splitUnified(symbol);
      return `${base}${sep}${quote}`;
    },
    fromExchange(id) {
      const parts = id.split(sep);
      return parts.length === 2 && parts[0] !== '' && parts[1] !== '' ? `${parts[0]}/${parts[1]}` : undefined;
    },
  };
}

/** Quote assets tried (longest first) when an id like `BTCUSDT` has to be split without the exchange's market list. */
export const KNOWN_QUOTES = ['FDUSD', 'USDT', 'USDC', 'TUSD', 'BUSD', 'DAI', 'EUR', 'TRY', 'BRL', 'USD', 'BTC', 'ETH', 'BNB'] as const;

/** Ids written `BASEQUOTE` (`BTCUSDT`): split by the markets read in set-up, else by a known quote suffix. */
export function concatenatedSymbols(): SymbolMapping {
  return {
    toExchange(symbol) {
      const [base, quote] = splitUnified(symbol);
      return `${base}${quote}`;
    },
    fromExchange(id, markets?: readonly MarketInfo[]) {
      if (markets !== undefined) {
        for (const m of markets) if (m.id === id) return m.symbol;
      }
      for (const q of KNOWN_QUOTES) {
        if (id.length > q.length && id.endsWith(q)) return `${id.slice(0, id.length - q.length)}/${q}`;
      }
      return undefined;
    },
  };
}

/** JSON.parse that returns undefined instead of throwing. */
export function parseJson(body: string | undefined): unknown {
  if (body === undefined || body === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** A finite number from a JSON number or numeric string, else undefined. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Keeps `[A-Za-z0-9]` plus the characters in `extra`, cut to `maxLength` from the end (the counter part is the unique part). */
export function sanitizeId(id: string, extra: string, maxLength: number): string {
  let out = '';
  for (const ch of id) if (/[A-Za-z0-9]/.test(ch) || extra.includes(ch)) out += ch;
  return out.length > maxLength ? out.slice(out.length - maxLength) : out;
}

/** `?a=1` → `a=1`; the path and query of a raw URL. */
export function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q === -1 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

/** The value of `name` in a query or form string (first occurrence, decoded), or undefined. */
export function paramOf(encoded: string, name: string): string | undefined {
  for (const pair of encoded.split('&')) {
    const eq = pair.indexOf('=');
    const k = eq === -1 ? pair : pair.slice(0, eq);
    if (decodeURIComponent(k) === name) return eq === -1 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
  }
  return undefined;
}
