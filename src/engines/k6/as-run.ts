/**
 * What makes a k6 result judge like `loadgate run` for the same suite, in one place for the engine, `import`
 * and `merge` (issue 15: a merged runner that dropped iterations passed 9/9, and `merge --sla suite.yaml`
 * ignored the suite's warm-up). Pure.
 *
 * - Dropped iterations: k6 counts them per scenario (`dropped_iterations`), and in loadgate's scenarios one
 *   iteration is one request of the mix, so they are split over the mix's endpoints by weight (largest
 *   remainder) into `arrivals`, which carries the implicit `droppedArrivals < 1` check of rate-driven runs.
 *   Without a suite (no weights) they are split by the requests each endpoint got.
 * - Warm-up: the suite's `warmupSec`; and the suite's SLA is stored with the result, as `run` does.
 */
import type { EndpointResult, RunResult } from '../../result/model.js';
import { workloadMix, type Suite, type Workload } from '../../suite/schema.js';
import { executorFor, isArrivalRate } from './executors.js';
import { loadSpecOf } from './config.js';

/** Split `total` over weights exactly (largest remainder). */
export function apportion(total: number, weights: Record<string, number>): Record<string, number> {
  const names = Object.keys(weights);
  const sum = names.reduce((a, n) => a + weights[n]!, 0);
  if (sum <= 0 || names.length === 0) return {};
  const raw = names.map((n) => ({ n, v: (total * weights[n]!) / sum }));
  const out: Record<string, number> = Object.fromEntries(raw.map((r) => [r.n, Math.floor(r.v)]));
  let left = total - raw.reduce((a, r) => a + Math.floor(r.v), 0);
  for (const r of [...raw].sort((a, b) => (b.v % 1) - (a.v % 1))) {
    if (left <= 0) break;
    out[r.n]!++;
    left--;
  }
  return out;
}

/** Set `arrivals` on the weighted endpoints (those that were measured): `dropped` split by weight. */
export function attributeDropped(endpoints: Record<string, EndpointResult>, dropped: number, weights: Record<string, number>): void {
  const share = apportion(Math.round(dropped), weights);
  for (const name of Object.keys(weights)) {
    const ep = endpoints[name];
    if (ep) ep.arrivals = { scheduled: ep.requests + (share[name] ?? 0), sent: ep.requests, late: 0, dropped: share[name] ?? 0 };
  }
}

/** One workload's mix weights by endpoint, built-in and custom, added into `into`. */
export function mixWeights(w: Workload, into: Record<string, number> = {}): Record<string, number> {
  for (const m of workloadMix(w)) into[m.endpoint] = (into[m.endpoint] ?? 0) + m.weight;
  return into;
}

/** Mix weights of the suite's arrival-rate HTTP workloads (the ones k6 runs on an arrival-rate executor). */
export function arrivalRateWeights(suite: Suite): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const w of suite.workloads) {
    if (w.load.model === 'stream' || !isArrivalRate(executorFor(loadSpecOf(w)))) continue;
    mixWeights(w, weights);
  }
  return weights;
}

/**
 * Judge an imported k6 result as `run` would: arrivals from `dropped_iterations` and, with a suite, its
 * warm-up. Changes `result` in place (it was just read from k6 output) and returns notes on what it did.
 */
export function applyRunSemantics(result: RunResult, suite: Suite | undefined): string[] {
  const notes: string[] = [];
  const dropped = result.custom?.dropped_iterations?.count;
  const http = Object.entries(result.endpoints).filter(([, e]) => e.kind === 'http' && e.arrivals === undefined);
  if (suite) {
    const weights = arrivalRateWeights(suite);
    const measured = Object.fromEntries(Object.entries(weights).filter(([n]) => result.endpoints[n]?.arrivals === undefined));
    if (Object.keys(measured).length) {
      attributeDropped(result.endpoints, dropped ?? 0, measured);
      if (dropped) notes.push(`k6 dropped ${dropped} iterations (not enough VUs at the arrival rate): split over the endpoints by the suite's mix weights`);
    }
    // The suite's SLA travels with the result, as with `run`, so `report` judges it without --sla.
    if (suite.sla && result.meta.sla === undefined) result.meta.sla = suite.sla as Record<string, unknown>;
    if (result.meta.warmupSec !== suite.warmupSec) {
      result.meta.warmupSec = suite.warmupSec;
      if (suite.warmupSec > 0) notes.push(`the suite's ${suite.warmupSec} s warm-up is excluded from the checks, as in \`loadgate run\``);
    }
  } else if (dropped !== undefined && http.length) {
    // dropped_iterations exists only for arrival-rate executors; without the suite, weigh by what was sent.
    attributeDropped(result.endpoints, dropped, Object.fromEntries(http.map(([n, e]) => [n, e.requests])));
    if (dropped > 0) notes.push(`k6 dropped ${dropped} iterations (not enough VUs at the arrival rate): split over the endpoints by their request counts (pass the suite for its mix weights)`);
  }
  result.meta.notes.push(...notes);
  return notes;
}
