/**
 * The JSON loadgate generates for a k6 run (target, workload, SLA thresholds), read by every scenario from
 * `__ENV.LOADGATE_CONFIG` (a file path, read with k6's open()) or `__ENV.LOADGATE_CONFIG_JSON` (inline).
 * Nothing about the target or the load is hard-coded in the scenarios. Credentials never go in here: they
 * come from `__ENV.LOADGATE_API_KEY` / `__ENV.LOADGATE_API_SECRET`.
 *
 * Pure, no imports: scenarios/lib files are loaded by k6 (≥ 0.57 runs .ts directly, so relative imports
 * between lib files would need `.ts` extensions that Node's tsconfig rejects) and by vitest.
 */

export type HttpEndpoint = 'fetchMarkets' | 'fetchOrderBook' | 'fetchTicker' | 'createOrder' | 'cancelOrder';

export interface MixEntry {
  endpoint: HttpEndpoint;
  weight: number;
  depth?: number;
}

export type LoadSpec =
  | { model: 'closed'; connections: number; durationSec: number }
  | {
      model: 'open';
      ratePerSec: number;
      durationSec?: number;
      stages?: Array<{ durationSec: number; targetRatePerSec: number }>;
      maxConnections: number;
      /** Expected p99 latency (ms) that pre-allocated VUs are sized from (lib/executors.ts vusFor). */
      expectedP99Ms?: number;
    }
  | { model: 'stream'; connections: number; connectRatePerSec: number; durationSec: number };

export interface OrderSpec {
  side: 'buy' | 'sell' | 'both';
  type: 'limit' | 'market';
  /** Order size in quote currency; quantity = notional / price, snapped to the market's step size. */
  notionalMin: number;
  notionalMax: number;
  priceOffsetPct: number;
}

export interface LoadgateK6Config {
  version: 1;
  /** Base URL without trailing slash. */
  baseUrl: string;
  wsUrl: string;
  /** k6 scenario name: the loadgate workload name with any character k6 rejects (not `[0-9a-zA-Z_-]`) as `_` (k6 tags every sample with it). */
  workload: string;
  load: LoadSpec;
  mix: MixEntry[];
  symbols: string[];
  order: OrderSpec;
  streams: Array<{ channel: string; symbols?: string[] }>;
  timeoutMs: number;
  /** options.thresholds, compiled from the suite's SLA by loadgate (src/engines/k6/thresholds.ts). */
  thresholds: Record<string, string[]>;
  /** Spike shape: peak = rate × factor. Default 5. */
  spikeFactor?: number;
}

export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)', 'count'];

/** Parse and sanity-check the config text; throws with a message naming the field. */
export function parseConfig(text: string): LoadgateK6Config {
  const c = JSON.parse(text) as Partial<LoadgateK6Config>;
  const need = (ok: boolean, what: string): void => {
    if (!ok) throw new Error(`loadgate k6 config: ${what}`);
  };
  need(c.version === 1, 'version must be 1');
  need(typeof c.baseUrl === 'string' && /^https?:\/\//.test(c.baseUrl), 'baseUrl must be an http(s) URL');
  need(typeof c.workload === 'string' && c.workload !== '', 'workload is required');
  need(c.load !== undefined && typeof c.load === 'object', 'load is required');
  need(Array.isArray(c.mix), 'mix must be a list');
  need(Array.isArray(c.symbols) && c.symbols.length > 0, 'symbols must be a non-empty list');
  return c as LoadgateK6Config;
}
