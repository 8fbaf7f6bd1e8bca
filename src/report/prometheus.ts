/**
 * metrics.prom: Prometheus text exposition format 0.0.4, for node_exporter's textfile collector or a
 * Pushgateway. Every sample carries `suite`; latency, rates and request counts cover the measured window
 * (the run minus warm-up, what the SLA checks read); stream and arrival counters cover the whole run. Pure.
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */
import { escapePromLabel, fmtPromValue } from './format.js';
import { buildView, streamView, type EndpointView, type ReportView } from './derive.js';
import type { EndpointStats } from '../result/stats.js';
import type { Report } from './model.js';

type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: Array<{ labels: Labels; value: number }>;
}

/** Metric families in output order; samples of one family stay together, as the format requires. */
class Registry {
  private readonly families = new Map<string, Family>();
  constructor(private readonly common: Labels) {}

  add(name: string, type: Family['type'], help: string, labels: Labels, value: number | undefined | null): void {
    if (value === undefined || value === null) return;
    let f = this.families.get(name);
    if (f === undefined) this.families.set(name, (f = { name, help, type, samples: [] }));
    f.samples.push({ labels: { ...this.common, ...labels }, value });
  }

  render(): string {
    const lines: string[] = [];
    for (const f of this.families.values()) {
      // HELP text escapes backslash and line feed only.
      lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${f.name} ${f.type}`);
      for (const s of f.samples) {
        const ls = Object.entries(s.labels).map(([k, v]) => `${k}="${escapePromLabel(v)}"`);
        lines.push(`${f.name}${ls.length > 0 ? `{${ls.join(',')}}` : ''} ${fmtPromValue(s.value)}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}

const QUANTILES: Array<[string, 'p50Ms' | 'p90Ms' | 'p95Ms' | 'p99Ms' | 'p999Ms' | 'maxMs']> = [
  ['0.5', 'p50Ms'],
  ['0.9', 'p90Ms'],
  ['0.95', 'p95Ms'],
  ['0.99', 'p99Ms'],
  ['0.999', 'p999Ms'],
  ['1', 'maxMs'],
];

function addStats(r: Registry, endpoint: string, kind: string, s: EndpointStats | undefined): void {
  if (s === undefined) return;
  const l = { endpoint, kind };
  r.add('loadgate_requests_total', 'counter', 'Requests sent (messages received for ws streams) in the measured window.', l, s.requests);
  for (const [cls, n] of Object.entries(s.errorsByClass)) r.add('loadgate_errors_total', 'counter', 'Failed requests in the measured window, by error class.', { ...l, class: cls }, n);
  r.add('loadgate_error_rate_pct', 'gauge', 'Failed requests in the measured window, percent of requests.', l, s.errorRatePct);
  r.add('loadgate_throughput_per_sec', 'gauge', 'Requests per second over the measured window.', l, s.throughputPerSec);
  for (const [q, k] of QUANTILES) {
    r.add('loadgate_latency_ms', 'gauge', 'Latency percentile in ms over the measured window (quantile 1 is the maximum), from HDR histograms.', { ...l, quantile: q }, s.latency?.[k]);
  }
  r.add('loadgate_latency_mean_ms', 'gauge', 'Mean latency in ms over the measured window.', l, s.latency?.meanMs);
}

function addEndpoint(r: Registry, e: EndpointView): void {
  addStats(r, e.name, e.ep.kind, e.measured);
  const a = e.ep.arrivals;
  if (a !== undefined) {
    for (const outcome of ['scheduled', 'sent', 'late', 'dropped'] as const) {
      r.add('loadgate_arrivals_total', 'counter', 'Open-model arrivals over the whole run: scheduled, sent, sent late, dropped.', { endpoint: e.name, outcome }, a[outcome]);
    }
  }
  const st = e.ep.stream;
  if (st !== undefined) {
    const v = streamView(st);
    const l = { endpoint: e.name };
    r.add('loadgate_stream_messages_total', 'counter', 'Stream messages received over the whole run.', l, st.messages);
    r.add('loadgate_stream_lost_total', 'counter', 'Stream messages lost (sequence gaps) over the whole run.', l, st.lost);
    r.add('loadgate_stream_loss_pct', 'gauge', 'Stream messages lost, percent of expected.', l, v.lossPct);
    r.add('loadgate_stream_duplicates_total', 'counter', 'Duplicate stream messages over the whole run.', l, st.duplicates);
    r.add('loadgate_stream_reordered_total', 'counter', 'Out-of-order stream messages over the whole run.', l, st.reordered);
    // Connection-level counters: every channel of a workload shares the same connections, so each
    // ws:<channel> endpoint repeats them. Do not sum them across endpoints.
    r.add('loadgate_stream_disconnects_total', 'counter', 'Disconnects of the connections carrying this stream, whole run (connection-level: the same for every channel of a workload; do not sum across endpoints).', l, st.disconnects);
    r.add('loadgate_stream_reconnect_success_pct', 'gauge', 'Reconnect attempts that succeeded, percent.', l, v.reconnectSuccessPct);
    r.add('loadgate_stream_recovery_ms', 'gauge', 'Time from disconnect to the first message after reconnecting, p95 in ms.', { ...l, quantile: '0.95' }, v.recovery?.p95Ms);
    r.add('loadgate_stream_uptime_pct', 'gauge', 'Connection uptime, percent of connection time.', l, v.uptimePct);
  }
}

export function renderPrometheus(report: Report): string {
  return prometheusFromView(report, buildView(report));
}

/** @internal renderAll builds the view once for every format. */
export function prometheusFromView(report: Report, view: ReportView): string {
  const { result, verdict } = report;
  const r = new Registry({ suite: report.suiteName, ...(result.meta.phase !== undefined ? { phase: result.meta.phase } : {}) });
  r.add('loadgate_run_pass', 'gauge', '1 when every SLA check passed, else 0.', {}, verdict.status === 'pass' ? 1 : 0);
  r.add('loadgate_run_duration_seconds', 'gauge', 'Wall-clock duration of the run.', {}, result.meta.durationSec);
  r.add('loadgate_run_warmup_seconds', 'gauge', 'Warm-up at the start of the run, excluded from checks and from the measured-window metrics.', {}, result.meta.warmupSec);
  const started = Date.parse(result.meta.startedAt);
  r.add('loadgate_run_start_timestamp_seconds', 'gauge', 'Start of the run, Unix time.', {}, Number.isFinite(started) ? started / 1000 : undefined);
  r.add('loadgate_run_incomplete', 'gauge', '1 when the run did not finish as planned.', {}, result.meta.incomplete ? 1 : 0);
  if (result.generator !== undefined) r.add('loadgate_generator_saturated', 'gauge', '1 when the load generator, not the target, limited the run.', {}, result.generator.saturated ? 1 : 0);
  for (const e of view.endpoints) addEndpoint(r, e);
  if (view.overall?.measured) addStats(r, 'overall', 'http', view.overall.measured);
  for (const c of verdict.checks) {
    const l = { check: c.id, scope: c.scope, metric: c.metric };
    r.add('loadgate_sla_check_pass', 'gauge', '1 when the SLA check passed, 0 when it failed or had no data.', l, c.status === 'pass' ? 1 : 0);
    r.add('loadgate_sla_check_no_data', 'gauge', '1 when the SLA check had no data (fails unless optional).', l, c.status === 'no-data' ? 1 : 0);
    r.add('loadgate_sla_check_actual', 'gauge', 'Measured value of the SLA check (worst window for windowed checks), in the check unit.', { ...l, unit: c.unit }, c.actual);
    r.add('loadgate_sla_check_limit', 'gauge', 'Limit of the SLA check, in the check unit.', { ...l, unit: c.unit, op: c.op }, c.limit);
  }
  return r.render();
}
