/**
 * The JSON loadgate generates for a k6 run (target, workload, SLA thresholds), read by every scenario from
 * `__ENV.LOADGATE_CONFIG` (a file path, read with k6's open()) or `__ENV.LOADGATE_CONFIG_JSON` (inline).
 * Nothing about the target or the load is hard-coded in the scenarios: the target's dialect (src/dialect) says
 * how requests look, are signed and classified. Credentials never go in here: they come from
 * `__ENV.LOADGATE_API_KEY` / `__ENV.LOADGATE_API_SECRET` (and `__ENV.LOADGATE_API_PASSPHRASE` for OKX).
 *
 * k6-loadable (loaded by k6 and by vitest): relative imports end in `.ts` (k6 ≥ 0.57 runs the sources as is).
 */
import { DEFAULT_DIALECT, isDialectName, type DialectName } from '../../dialect/registry.ts';
import type { CustomOperationSpec } from '../../dialect/custom.ts';

export type HttpEndpoint = 'fetchMarkets' | 'fetchOrderBook' | 'fetchTicker' | 'createOrder' | 'cancelOrder';

export interface MixEntry {
  endpoint: HttpEndpoint;
  weight: number;
  depth?: number;
}

/** A mix entry naming one of `customEndpoints` (the suite's `target.endpoints`, issue 10). */
export interface CustomMixEntry {
  endpoint: string;
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
  /** The exchange API the target speaks (src/dialect/registry.ts). Absent in configs written before it existed: loadgate. */
  dialect: DialectName;
  /** Base URL without trailing slash. */
  baseUrl: string;
  wsUrl: string;
  /** k6 scenario name: the loadgate workload name with any character k6 rejects (not `[0-9a-zA-Z_-]`) as `_` (k6 tags every sample with it). */
  workload: string;
  load: LoadSpec;
  mix: MixEntry[];
  /** The workload's mix entries that name custom endpoints; absent when it has none. */
  customMix?: CustomMixEntry[];
  /** The custom endpoints `customMix` names, by name: built, signed and classified like built-ins (src/dialect/custom.ts). */
  customEndpoints?: Record<string, CustomOperationSpec>;
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
  need(c.customMix === undefined || Array.isArray(c.customMix), 'customMix must be a list');
  for (const m of c.customMix ?? []) need(c.customEndpoints !== undefined && typeof c.customEndpoints[m.endpoint] === 'object', `customMix names "${m.endpoint}", which customEndpoints does not declare`);
  if (c.dialect === undefined) c.dialect = DEFAULT_DIALECT;
  need(typeof c.dialect === 'string' && isDialectName(c.dialect), `dialect "${String(c.dialect)}" is not one loadgate speaks`);
  return c as LoadgateK6Config;
}

/**
 * The metrics loadgate's scenarios write for loadgate's ingestion (src/engines/k6/aggregate.ts), besides k6's own.
 * - `errors` (Counter): one per response the target's dialect classifies as a failure (`classify(dialect.errors,
 *   status, body)`: k6 samples carry no body, so the scenario classifies and ingestion takes its word). Tags
 *   `name` (the operation), `lg_status`, `lg_class`, `lg_code` (the exchange's error code, when the body has one),
 *   `lg_reason` (trading errors).
 * - `orders` (Counter): one per order the run created (`lg_order: created`) and per order a cancel took
 *   (`lg_order: closed`: cancelled, or already gone). The order id and unified symbol travel as sample metadata
 *   (`exec.vu.metrics.metadata`: not indexed, so no k6 time series per order), so loadgate can cancel, after k6
 *   ends, the orders the run left resting (issue 16).
 */
export const LG_METRICS = { errors: 'loadgate_errors', orders: 'loadgate_orders' } as const;
export const LG_TAGS = { status: 'lg_status', errorClass: 'lg_class', errorCode: 'lg_code', reason: 'lg_reason', order: 'lg_order' } as const;
export const LG_METADATA = { orderId: 'lg_order_id', symbol: 'lg_symbol' } as const;
