/** Built-in SLA presets, from the product's KPI sheet. */
import type { SlaSpec } from '../suite/schema.js';

const PHASES: Array<{ p95Ms: number; tps: number; errPct: number; availPct: number }> = [
  { p95Ms: 500, tps: 100, errPct: 1.0, availPct: 99.0 },
  { p95Ms: 200, tps: 500, errPct: 0.5, availPct: 99.5 },
  { p95Ms: 150, tps: 1000, errPct: 0.3, availPct: 99.7 },
  { p95Ms: 300, tps: 500, errPct: 0.5, availPct: 99.5 },
  { p95Ms: 100, tps: 5000, errPct: 0.1, availPct: 99.9 },
  { p95Ms: 50, tps: 10000, errPct: 0.01, availPct: 99.99 },
  { p95Ms: 50, tps: 10000, errPct: 0.01, availPct: 99.99 },
  { p95Ms: 50, tps: 10000, errPct: 0.01, availPct: 99.99 },
];

// reconnectSuccessPct is optional: a run in which no connection dropped has nothing to reconnect (no data, not 100%).
// Ticker and trade loss is optional too: Binance, OKX and Bybit number neither stream, so their loss cannot be
// measured (no data, never 0); the order book's loss always can, and stays required.
export const PRESETS: Record<string, SlaSpec> = {
  'exchange-api': {
    overall: { p95Ms: 2000, successRatePct: { limit: 99.5, op: '>' } },
    endpoints: {
      fetchMarkets: { p95Ms: 1000 },
      fetchOrderBook: { p95Ms: 500 },
      fetchTicker: { p95Ms: 300 },
      createOrder: { p95Ms: 2000, successRatePct: { limit: 99, op: '>' } },
      cancelOrder: { p95Ms: 1500, successRatePct: { limit: 99, op: '>' } },
      'ws:orderbook': { p95Ms: 100, lossPct: 0.1, reconnectSuccessPct: { limit: 99, op: '>', optional: true } },
      'ws:ticker': { p95Ms: 100, lossPct: { limit: 0.1, op: '<=', optional: true }, reconnectSuccessPct: { limit: 99, op: '>', optional: true } },
      'ws:trades': { p95Ms: 100, lossPct: { limit: 0.1, op: '<=', optional: true }, reconnectSuccessPct: { limit: 99, op: '>', optional: true } },
    },
  },
  ...Object.fromEntries(
    PHASES.map((p, i) => [
      `phase-${i}`,
      { overall: { p95Ms: p.p95Ms, throughputPerSec: p.tps, errorRatePct: p.errPct, availabilityPct: p.availPct } } satisfies SlaSpec,
    ]),
  ),
};

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}
