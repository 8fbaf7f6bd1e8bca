/**
 * The suite's SLA compiled into k6 `options.thresholds`, so k6 enforces it too (exit 99) while loadgate's
 * own evaluate() gives the verdict. Pure.
 *
 * - endpoint latency → `http_req_duration{name:X}` (`med`, `p(N)`, `max`, `avg`), stream latency →
 *   `ws_msg_latency{channel:c}`; error/success rates → `http_req_failed{name:X}` `rate`; loss → `ws_msg_loss`;
 *   `overall` → the workload's `{scenario:<workload>}` sub-metrics (this leaves setup() requests out).
 * - Only metrics the workload's script defines: a threshold on a metric k6 does not know is exit 104
 *   (FORMATS.md §8), and only rest scenarios make HTTP requests / only orderbook-ws defines `ws_msg_*`. So an
 *   overall lossPct is left out of HTTP workloads, and overall HTTP targets out of stream workloads (where
 *   their `http_reqs{scenario:…}` guard could only fail).
 * - arrival-rate executors get `dropped_iterations: ['count==0']` (or the SLA's droppedArrivals limit).
 * - The empty-sub-metric guard: k6 passes `p(95)<300` on a sub-metric with no samples (a typo'd tag is green,
 *   FORMATS.md §0.2, grafana/k6#4283). Trends accept no `count` threshold (exit 104), so every tag filter used
 *   also gets a counter with the same filter and `count>0` (`http_reqs{name:X}`, `ws_updates{channel:c}`).
 * - Not expressible in k6 (left to evaluate(), listed in `skipped`): windowed checks, errorsPerMinute,
 *   availabilityPct, reconnectSuccessPct, and throughputPerSec (k6's rate divides by the whole run).
 */
import type { Check, SlaPlan } from '../../sla/checks.js';

export interface CompiledThresholds {
  thresholds: Record<string, string[]>;
  /** Checks k6 cannot express, with the reason. */
  skipped: Array<{ id: string; reason: string }>;
}

const LATENCY_AGG: Record<string, string> = {
  p50Ms: 'med',
  p90Ms: 'p(90)',
  p95Ms: 'p(95)',
  p99Ms: 'p(99)',
  p999Ms: 'p(99.9)',
  maxMs: 'max',
  meanMs: 'avg',
};

/** A number as k6's threshold parser reads it (no exponent form). */
function num(n: number): string {
  const v = Number(n.toPrecision(12));
  const s = String(v);
  return s.includes('e') ? v.toFixed(20).replace(/\.?0+$/, '') : s;
}

const INVERT: Record<Check['op'], Check['op']> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

export interface ThresholdOptions {
  /** k6 scenario name (= workload name), for `overall`. */
  scenario: string;
  /** The workload runs on an arrival-rate executor. */
  arrivalRate: boolean;
  /** Endpoints this workload drives: checks on other endpoints are left to other workloads. */
  endpoints?: ReadonlySet<string>;
  /** The workload is a stream workload (orderbook-ws: ws_* metrics, no HTTP). Default false (a rest scenario). */
  stream?: boolean;
}

export function compileThresholds(plan: SlaPlan, opts: ThresholdOptions): CompiledThresholds {
  const thresholds: Record<string, string[]> = {};
  const skipped: CompiledThresholds['skipped'] = [];
  const add = (key: string, expr: string) => {
    const list = (thresholds[key] ??= []);
    if (!list.includes(expr)) list.push(expr);
  };
  const guard = (counter: string, filter: string) => add(`${counter}{${filter}}`, 'count>0');

  for (const c of plan.checks) {
    if (c.windowSec !== undefined && c.metric !== 'droppedArrivals') {
      skipped.push({ id: c.id, reason: `windowed (${c.windowSec}s windows): k6 thresholds judge the whole run` });
      continue;
    }
    if (c.scope !== 'overall' && opts.endpoints && !opts.endpoints.has(c.scope)) continue;
    const ws = c.scope.startsWith('ws:');
    if (c.scope === 'overall' && c.metric !== 'droppedArrivals') {
      const wsMetric = c.metric === 'lossPct';
      if (wsMetric && !opts.stream) {
        skipped.push({ id: c.id, reason: 'this workload has no WebSocket streams (its k6 script defines no ws_msg_loss: a threshold on it is exit 104)' });
        continue;
      }
      if (!wsMetric && opts.stream && (LATENCY_AGG[c.metric] !== undefined || c.metric === 'errorRatePct' || c.metric === 'successRatePct')) {
        skipped.push({ id: c.id, reason: 'overall targets cover HTTP endpoints, and this stream workload sends no HTTP requests' });
        continue;
      }
    }
    const filter = c.scope === 'overall' ? `scenario:${opts.scenario}` : ws ? `channel:${c.scope.slice(3)}` : `name:${c.scope}`;
    const counter = ws ? 'ws_updates' : 'http_reqs';
    const agg = LATENCY_AGG[c.metric];
    if (agg !== undefined) {
      add(`${ws ? 'ws_msg_latency' : 'http_req_duration'}{${filter}}`, `${agg}${c.op}${num(c.limit)}`);
      guard(counter, filter);
      continue;
    }
    switch (c.metric) {
      case 'errorRatePct':
        if (ws) {
          skipped.push({ id: c.id, reason: 'error rate of a stream: use lossPct' });
          continue;
        }
        add(`http_req_failed{${filter}}`, `rate${c.op}${num(c.limit / 100)}`);
        guard(counter, filter);
        continue;
      case 'successRatePct':
        if (ws) {
          skipped.push({ id: c.id, reason: 'success rate of a stream: use lossPct' });
          continue;
        }
        // success ≥ L%  ⇔  failed ≤ 1 − L/100
        add(`http_req_failed{${filter}}`, `rate${INVERT[c.op]}${num(1 - c.limit / 100)}`);
        guard(counter, filter);
        continue;
      case 'lossPct':
        add(`ws_msg_loss{${c.scope === 'overall' ? `scenario:${opts.scenario}` : filter}}`, `rate${c.op}${num(c.limit / 100)}`);
        guard('ws_updates', c.scope === 'overall' ? `scenario:${opts.scenario}` : filter);
        continue;
      case 'droppedArrivals':
        if (opts.arrivalRate) add('dropped_iterations', `count${c.op}${num(c.limit)}`);
        continue;
      default:
        skipped.push({ id: c.id, reason: `${c.metric} has no k6 threshold equivalent` });
    }
  }
  if (opts.arrivalRate && thresholds.dropped_iterations === undefined) add('dropped_iterations', 'count==0');
  return { thresholds, skipped };
}
