/**
 * Ingest of k6's end-of-test summaries: `--summary-export` (legacy format), the `handleSummary(data)` object,
 * and the opt-in v1.5 machine-readable summary (FORMATS.md §4, §5, §13). Pure: takes parsed JSON.
 *
 * Summaries hold no raw samples, so endpoints carry `latencySummaryMs` (whatever percentiles the summary had)
 * and an empty histogram; percentiles the summary lacks are listed in `missing` and in the notes, and evaluate
 * to `no-data`, never to a guess. Quirks handled: inverted threshold booleans in the export (`true` = FAILED,
 * grafana/k6#1498), Rate `rate` renamed `value` in the export, no test duration in the export (derived as
 * count/rate of a counter), sub-metrics with zero samples (reported with all-zero values by k6: skipped here).
 */
import { InputError } from '../../errors.js';
import type { CustomMetric, EndpointResult, LatencySummary } from '../../result/model.js';
import { createHistogram, encodeHistogram } from '../../result/histogram.js';
import type { K6MetricType } from './metrics.js';
import { BUILTIN_METRICS } from './metrics.js';

export type SummaryFormat = 'summary-export' | 'handle-summary' | 'machine-readable';

export interface K6ThresholdResult {
  metric: string;
  expression: string;
  ok: boolean;
}

export interface SummaryIngest {
  format: SummaryFormat;
  endpoints: Record<string, EndpointResult>;
  custom: Record<string, CustomMetric>;
  thresholds: K6ThresholdResult[];
  /** k6's testRunDurationMs (handleSummary), or derived from a counter's count/rate (export). */
  testRunDurationMs: number | undefined;
  /** Per endpoint, the latency stats the summary did not have. */
  missing: Record<string, string[]>;
  notes: string[];
}

type Values = Record<string, number>;
interface NormMetric {
  name: string;
  type: K6MetricType | undefined;
  contains: string | undefined;
  values: Values;
  thresholds: K6ThresholdResult[];
}

const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

export function detectSummaryFormat(data: unknown): SummaryFormat | undefined {
  if (!isObj(data)) return undefined;
  if (typeof data.version === 'string' && isObj(data.results)) return 'machine-readable';
  if (!isObj(data.metrics)) return undefined;
  if (isObj(data.state) || Object.values(data.metrics).some((m) => isObj(m) && isObj(m.values))) return 'handle-summary';
  return 'summary-export';
}

function numbers(o: Record<string, unknown>): Values {
  const v: Values = {};
  for (const [k, x] of Object.entries(o)) if (typeof x === 'number') v[k] = x;
  return v;
}

/** Guess a metric's type from its value keys (the export has no `type`). */
function inferType(name: string, v: Values): K6MetricType | undefined {
  const base = BUILTIN_METRICS[name.replace(/\{.*$/, '')];
  if (base) return base.type;
  if ('passes' in v && 'fails' in v) return 'rate';
  if ('avg' in v || 'med' in v || Object.keys(v).some((k) => k.startsWith('p('))) return 'trend';
  if ('count' in v && 'rate' in v) return 'counter';
  if ('value' in v && 'min' in v && 'max' in v) return 'gauge';
  return undefined;
}

function normalize(file: string, data: unknown, format: SummaryFormat): { metrics: NormMetric[]; durationMs: number | undefined } {
  const out: NormMetric[] = [];
  let durationMs: number | undefined;
  if (format === 'machine-readable') {
    const d = data as { config?: { duration?: number }; results: { metrics?: unknown } };
    if (typeof d.config?.duration === 'number') durationMs = d.config.duration * 1000;
    const list = Array.isArray(d.results.metrics) ? d.results.metrics : [];
    for (const m of list) {
      if (!isObj(m) || typeof m.name !== 'string' || !isObj(m.values)) continue;
      const values = numbers(m.values);
      if ('matches' in values && 'total' in values) {
        values.passes = values.matches!;
        values.fails = values.total! - values.matches!;
      }
      out.push({ name: m.name, type: m.type as K6MetricType, contains: typeof m.contains === 'string' ? m.contains : undefined, values, thresholds: [] });
    }
    return { metrics: out, durationMs };
  }
  const d = data as { metrics: Record<string, unknown>; state?: { testRunDurationMs?: number } };
  if (typeof d.state?.testRunDurationMs === 'number') durationMs = d.state.testRunDurationMs;
  for (const [name, m] of Object.entries(d.metrics)) {
    if (!isObj(m)) throw new InputError('LG_K6_SUMMARY_INVALID', `${file}: metrics.${name}: expected an object`);
    const thresholds: K6ThresholdResult[] = [];
    let values: Values;
    let type: K6MetricType | undefined;
    let contains: string | undefined;
    if (format === 'handle-summary') {
      values = isObj(m.values) ? numbers(m.values) : {};
      type = typeof m.type === 'string' ? (m.type as K6MetricType) : inferType(name, values);
      contains = typeof m.contains === 'string' ? m.contains : undefined;
      if (isObj(m.thresholds)) for (const [expr, r] of Object.entries(m.thresholds)) thresholds.push({ metric: name, expression: expr, ok: isObj(r) && r.ok === true });
    } else {
      values = numbers(m);
      type = inferType(name, values);
      // --summary-export renames a Rate's `rate` to `value` (FORMATS.md §0.1).
      if (type === 'rate' && 'value' in values && !('rate' in values)) {
        values.rate = values.value!;
        delete values.value;
      }
      // --summary-export booleans are inverted: `true` means the threshold FAILED (grafana/k6#1498).
      if (isObj(m.thresholds)) for (const [expr, failed] of Object.entries(m.thresholds)) thresholds.push({ metric: name, expression: expr, ok: failed === false });
    }
    out.push({ name, type, contains, values, thresholds });
  }
  if (durationMs === undefined) {
    // The export has no duration: every counter's rate = count / testRunDuration (FORMATS.md §9).
    const c = out.find((m) => m.type === 'counter' && (m.values.count ?? 0) > 0 && (m.values.rate ?? 0) > 0);
    if (c) durationMs = (c.values.count! / c.values.rate!) * 1000;
  }
  return { metrics: out, durationMs };
}

function emptyEndpoint(kind: EndpointResult['kind'], workload: string): EndpointResult {
  return { kind, workloads: [workload], requests: 0, latency: encodeHistogram(createHistogram()), statusCodes: {}, errors: {}, errorCodes: {}, series: [], samples: { failed: [], slowest: [] } };
}

const LATENCY_KEYS: Array<[string, keyof LatencySummary]> = [
  ['min', 'minMs'],
  ['avg', 'meanMs'],
  ['med', 'p50Ms'],
  ['p(50)', 'p50Ms'],
  ['p(90)', 'p90Ms'],
  ['p(95)', 'p95Ms'],
  ['p(99)', 'p99Ms'],
  ['p(99.9)', 'p999Ms'],
  ['max', 'maxMs'],
];

/** `metric{name:fetchTicker}` → `fetchTicker`; only single-tag `name` (or `channel`) filters map to endpoints. */
function subTag(key: string, metric: string, tag: string): string | undefined {
  const m = new RegExp(`^${metric}\\{\\s*${tag}\\s*:\\s*["']?([^,{}"']+?)["']?\\s*\\}$`).exec(key);
  return m?.[1];
}

export interface SummaryIngestOptions {
  /** Source label for `latencySummaryMs.source`. */
  sourceLabel?: string;
  workload?: string;
}

/** Parse a k6 summary (any of the three formats) into endpoints with summary latencies and custom metrics. */
export function ingestSummary(file: string, data: unknown, opts: SummaryIngestOptions = {}): SummaryIngest {
  const format = detectSummaryFormat(data);
  if (format === undefined) {
    throw new InputError('LG_K6_SUMMARY_INVALID', `${file}: not a k6 summary (expected a "metrics" object from --summary-export or handleSummary)`, {
      hint: 'pass the file written by `k6 run --summary-export=<file>`, by handleSummary, or the --out json NDJSON',
    });
  }
  const { metrics, durationMs } = normalize(file, data, format);
  const source = opts.sourceLabel ?? `k6 ${format === 'summary-export' ? '--summary-export' : format === 'handle-summary' ? 'handleSummary' : 'machine-readable summary'}`;
  const workload = opts.workload ?? 'k6';
  const notes: string[] = [`latency percentiles come from a k6 summary (${source}), not raw samples: they cannot be merged or windowed`];
  const custom: Record<string, CustomMetric> = {};
  const endpoints: Record<string, EndpointResult> = {};
  const missing: Record<string, string[]> = {};
  const thresholds = metrics.flatMap((m) => m.thresholds);

  for (const m of metrics) {
    const v = m.values;
    switch (m.type) {
      case 'trend': {
        const count = v.count;
        const c: CustomMetric = { type: 'trend', unit: m.contains === 'time' || (m.contains === undefined && BUILTIN_METRICS[m.name.replace(/\{.*$/, '')]?.contains === 'time') ? 'ms' : 'none' };
        if (count !== undefined) {
          c.count = count;
          if (v.avg !== undefined) c.sum = v.avg * count;
        }
        if (v.min !== undefined && count !== 0) c.min = v.min;
        if (v.max !== undefined && count !== 0) c.max = v.max;
        custom[m.name] = c;
        break;
      }
      case 'counter':
        custom[m.name] = { type: 'counter', count: v.count ?? 0, sum: v.count ?? 0 };
        break;
      case 'rate':
        custom[m.name] = { type: 'rate', passes: v.passes ?? 0, fails: v.fails ?? 0 };
        break;
      case 'gauge': {
        const g: CustomMetric = { type: 'gauge' };
        if (v.value !== undefined) g.value = v.value;
        if (v.min !== undefined) g.min = v.min;
        if (v.max !== undefined) g.max = v.max;
        custom[m.name] = g;
        break;
      }
      default:
        notes.push(`k6 metric "${m.name}": unknown type, left out`);
    }
  }

  // Endpoints from tag-filtered sub-metrics: http_req_duration{name:X} (+ http_reqs / http_req_failed{name:X}).
  const byKey = new Map(metrics.map((m) => [m.name, m]));
  for (const m of metrics) {
    const name = subTag(m.name, 'http_req_duration', 'name');
    const channel = subTag(m.name, 'ws_msg_latency', 'channel');
    const epName = name ?? (channel !== undefined ? `ws:${channel}` : undefined);
    if (epName === undefined) continue;
    const v = m.values;
    const filter = name !== undefined ? `{name:${name}}` : '';
    const failed = name !== undefined ? byKey.get(`http_req_failed${filter}`)?.values : undefined;
    const reqs = name !== undefined ? byKey.get(`http_reqs${filter}`)?.values : undefined;
    const count = v.count ?? reqs?.count ?? (failed ? (failed.passes ?? 0) + (failed.fails ?? 0) : undefined);
    // k6 reports a threshold's sub-metric even with zero samples (all zeros): that is a typo'd tag, not data.
    // Without `count` (not in k6's default summaryTrendStats) an empty sink still shows as all zeros: a real
    // endpoint's latency is never 0 at every stat (only status-0 transport errors take 0 ms, and then
    // http_req_failed{name:X} above gives the count).
    const allZero = LATENCY_KEYS.some(([k]) => v[k] !== undefined) && LATENCY_KEYS.every(([k]) => v[k] === undefined || v[k] === 0);
    if (count === 0 || (count === undefined && allZero)) {
      notes.push(`k6 sub-metric ${m.name} has no samples${count === undefined ? ' (all its values are 0 and the summary has no count)' : ''} (a typo in a threshold tag?); no endpoint "${epName}" was made`);
      continue;
    }
    const ep = emptyEndpoint(name !== undefined ? 'http' : 'ws', workload);
    const ls: LatencySummary = { source };
    if (count !== undefined) ls.count = count;
    const have = new Set<string>();
    for (const [k, key] of LATENCY_KEYS) {
      if (v[k] !== undefined && ls[key] === undefined) {
        (ls as Record<string, unknown>)[key] = v[k];
        have.add(key);
      }
    }
    const lacks = ['p50Ms', 'p90Ms', 'p95Ms', 'p99Ms', 'p999Ms', 'meanMs', 'minMs', 'maxMs'].filter((k) => !have.has(k));
    if (lacks.length) missing[epName] = lacks;
    ep.latencySummaryMs = ls;
    ep.requests = count === undefined ? 0 : Math.round(count);
    if (count === undefined) notes.push(`${epName}: the summary has no request count (add "count" to summaryTrendStats)`);
    if (failed && (failed.passes ?? 0) > 0) ep.errors = { [name !== undefined ? 'client' : 'network']: failed.passes! };
    endpoints[epName] = ep;
  }
  const missingAll = [...new Set(Object.values(missing).flat())];
  if (missingAll.length) notes.push(`not in the summary, so checks on them are no-data: ${Object.entries(missing).map(([e, l]) => `${e}: ${l.join(', ')}`).join('; ')}`);
  if (Object.values(endpoints).some((e) => Object.keys(e.errors).length)) notes.push('summary error counts are http_req_failed passes, classed "client" (a summary has no status codes)');
  const failedThresholds = thresholds.filter((t) => !t.ok);
  if (thresholds.length) notes.push(`k6 thresholds: ${failedThresholds.length} of ${thresholds.length} failed${failedThresholds.length ? `: ${failedThresholds.map((t) => `${t.metric} ${t.expression}`).join(', ')}` : ''} (loadgate's SLA verdict is separate)`);
  return { format, endpoints, custom, thresholds, testRunDurationMs: durationMs, missing, notes };
}
