/**
 * metrics.prom: Prometheus text exposition format 0.0.4, for node_exporter's textfile collector or a
 * Pushgateway, following Prometheus's naming conventions (base units, `_total` counters, real histograms, no
 * `quantile` label outside summaries; `promtool check metrics` prints nothing). Pure.
 *
 * - Every sample carries `suite` (and `phase` when set); `loadgate_run_info` adds label, git commit and engines.
 * - Latency is a histogram per endpoint (`_bucket{le}`, `_sum`, `_count`) over the measured window (the run minus
 *   warm-up, what the SLA checks read); the boundaries are a default ladder plus every latency limit of the SLA,
 *   so "share of requests ≤ the limit" is exact. Bucket counts come from the HDR histogram.
 * - There is no `endpoint="overall"`: every family holds endpoints only, so `sum` over them is the total.
 * - Connection-level stream numbers are per `workload` (every channel of a workload shares its connections).
 * https://prometheus.io/docs/instrumenting/exposition_formats/ · https://prometheus.io/docs/practices/naming/
 */
import { escapePromLabel, fmtPromValue } from './format.js';
import { buildView, connectionGroups, streamView, type EndpointView, type ReportView } from './derive.js';
import { addEncoded, createHistogram, cumulativeCounts, decodeHistogram, type Histogram } from '../result/histogram.js';
import { ERROR_CLASSES } from '../result/model.js';
import { latencyOf, type Window } from '../result/stats.js';
import { latencyBoundariesMs, leLabel } from '../monitoring/buckets.js';
import type { CheckResult } from '../sla/evaluate.js';
import type { Report } from './model.js';

type Labels = Record<string, string>;
type FamilyType = 'gauge' | 'counter' | 'histogram';

interface Family {
  name: string;
  help: string;
  type: FamilyType;
  /** `suffix` is `_bucket`, `_sum` or `_count` for histograms. */
  samples: Array<{ suffix: string; labels: Labels; value: number }>;
}

export interface PrometheusOptions {
  /**
   * Only counters and histograms, every value 0: what `run --prometheus-push` pushes when a run starts, so
   * `rate()` and `increase()` see each run's counts from zero even when the next run reuses the group.
   */
  zero?: boolean;
}

/** Metric families in output order; samples of one family stay together, as the format requires. */
class Registry {
  private readonly families = new Map<string, Family>();
  constructor(private readonly common: Labels) {}

  private family(name: string, type: FamilyType, help: string): Family {
    let f = this.families.get(name);
    if (f === undefined) this.families.set(name, (f = { name, help, type, samples: [] }));
    return f;
  }

  add(name: string, type: 'gauge' | 'counter', help: string, labels: Labels, value: number | undefined | null): void {
    if (value === undefined || value === null || !Number.isFinite(value)) return;
    this.family(name, type, help).samples.push({ suffix: '', labels: { ...this.common, ...labels }, value });
  }

  /** A histogram from an HDR histogram in µs, exported in seconds. */
  histogram(name: string, help: string, labels: Labels, h: Histogram, boundariesMs: readonly number[]): void {
    const f = this.family(name, 'histogram', help);
    const { counts, total, sumUs } = cumulativeCounts(h, boundariesMs.map((ms) => ms * 1000));
    const l = { ...this.common, ...labels };
    boundariesMs.forEach((ms, i) => f.samples.push({ suffix: '_bucket', labels: { ...l, le: leLabel(ms) }, value: counts[i]! }));
    f.samples.push({ suffix: '_bucket', labels: { ...l, le: '+Inf' }, value: total });
    f.samples.push({ suffix: '_sum', labels: l, value: sumUs / 1e6 });
    f.samples.push({ suffix: '_count', labels: l, value: total });
  }

  render(opts: PrometheusOptions = {}): string {
    const lines: string[] = [];
    for (const f of this.families.values()) {
      if (opts.zero && f.type === 'gauge') continue;
      if (f.samples.length === 0) continue;
      // HELP text escapes backslash and line feed only.
      lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${f.name} ${f.type}`);
      for (const s of f.samples) {
        const ls = Object.entries(s.labels).map(([k, v]) => `${k}="${escapePromLabel(v)}"`);
        lines.push(`${f.name}${s.suffix}${ls.length > 0 ? `{${ls.join(',')}}` : ''} ${fmtPromValue(opts.zero ? 0 : s.value)}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}

/** The endpoint's latency histogram over the measured window (as the SLA reads it: corrected unless `asSent`). */
function windowHistogram(e: EndpointView, w: Window, asSent: boolean): Histogram {
  const ep = e.ep;
  if (ep.series.length === 0) return decodeHistogram(latencyOf(ep, asSent));
  // Added straight into one histogram: a decode per second was the report's hot spot on long runs (issue 16).
  const h = createHistogram();
  for (const p of ep.series) if (p.tSec >= w.fromSec && p.tSec < w.toSec) addEncoded(h, latencyOf(p, asSent));
  return h;
}

const DURATION_HELP = 'Request latency in seconds over the measured window (rate-driven workloads: from the intended send time), from HDR histograms.';

function addEndpoint(r: Registry, e: EndpointView, view: ReportView, boundariesMs: readonly number[], asSent: boolean): void {
  const s = e.measured;
  const l = { endpoint: e.name, kind: e.ep.kind };
  const h = windowHistogram(e, view.window, asSent && e.measuredAsSent !== undefined);
  if (e.ep.kind === 'ws') {
    r.histogram('loadgate_stream_message_latency_seconds', 'Stream message latency in seconds (receive time minus the server timestamp) over the measured window.', { endpoint: e.name }, h, boundariesMs);
  } else {
    r.histogram('loadgate_request_duration_seconds', DURATION_HELP, l, h, boundariesMs);
    r.add('loadgate_requests_total', 'counter', 'Requests sent in the measured window.', l, s.requests);
    for (const cls of ERROR_CLASSES) r.add('loadgate_errors_total', 'counter', 'Failed requests in the measured window, by error class.', { ...l, class: cls }, s.errorsByClass[cls] ?? 0);
    r.add('loadgate_error_ratio', 'gauge', 'Failed requests in the measured window, as a ratio of requests (0-1).', l, s.errorRatePct === undefined ? undefined : s.errorRatePct / 100);
    r.add('loadgate_throughput_requests_per_second', 'gauge', 'Requests per second over the measured window.', l, s.throughputPerSec);
  }
  const a = e.ep.arrivals;
  if (a !== undefined) {
    const al = { endpoint: e.name };
    r.add('loadgate_arrivals_scheduled_total', 'counter', 'Open-model arrivals scheduled over the whole run.', al, a.scheduled);
    r.add('loadgate_arrivals_sent_total', 'counter', 'Open-model arrivals sent over the whole run (late ones included).', al, a.sent);
    r.add('loadgate_arrivals_late_total', 'counter', 'Open-model arrivals sent later than the schedule allowed, whole run.', al, a.late);
    r.add('loadgate_arrivals_dropped_total', 'counter', 'Open-model arrivals never sent (generator behind), whole run.', al, a.dropped);
  }
  const st = e.ep.stream;
  if (st !== undefined) {
    const sl = { endpoint: e.name };
    r.add('loadgate_stream_messages_total', 'counter', 'Stream messages received over the whole run.', sl, st.messages);
    r.add('loadgate_stream_expected_messages_total', 'counter', 'Stream messages expected from sequence numbers (received + lost), whole run.', sl, st.expected);
    r.add('loadgate_stream_lost_total', 'counter', 'Stream messages lost (sequence gaps) over the whole run.', sl, st.lost);
    r.add('loadgate_stream_duplicates_total', 'counter', 'Duplicate stream messages over the whole run.', sl, st.duplicates);
    r.add('loadgate_stream_reordered_total', 'counter', 'Out-of-order stream messages over the whole run.', sl, st.reordered);
    r.add('loadgate_stream_resyncs_total', 'counter', 'Stream sequence resyncs (snapshots mid-stream, sequence resets), counted apart from loss, whole run.', sl, st.resyncs ?? 0);
    r.add('loadgate_stream_loss_ratio', 'gauge', 'Stream messages lost, as a ratio of expected (0-1).', sl, ratio(streamView(st).lossPct));
  }
}

const ratio = (pct: number | undefined): number | undefined => (pct === undefined ? undefined : pct / 100);

/** Check values in base units: ms → seconds, % → ratio; counts and per-minute/second rates as they are. */
function baseUnit(c: CheckResult): { unit: string; scale: number } {
  switch (c.unit) {
    case 'ms':
      return { unit: 'seconds', scale: 1 / 1000 };
    case '%':
      return { unit: 'ratio', scale: 1 / 100 };
    case '/s':
      return { unit: 'per_second', scale: 1 };
    case '/min':
      return { unit: 'per_minute', scale: 1 };
    default:
      return { unit: 'count', scale: 1 };
  }
}

const CHECK_STATES = ['pass', 'fail', 'no-data'] as const;
const RUN_STATES = ['pass', 'fail', 'incomplete', 'untrustworthy'] as const;

export function renderPrometheus(report: Report, opts: PrometheusOptions = {}): string {
  return render(report, buildView(report), opts);
}

/** @internal renderAll builds the view once for every format. */
export function prometheusFromView(report: Report, view: ReportView): string {
  return render(report, view, {});
}

function render(report: Report, view: ReportView, opts: PrometheusOptions): string {
  const { result, verdict } = report;
  const m = result.meta;
  const r = new Registry({ suite: report.suiteName, ...(m.phase !== undefined ? { phase: m.phase } : {}) });
  // Run info: what a dashboard joins on. Never the target URL or anything from the environment (secrets).
  r.add('loadgate_run_info', 'gauge', 'Always 1; labels describe the run (label, git commit, engines).', {
    label: m.label ?? '',
    git_commit: m.gitCommit ?? '',
    engines: m.engines.map((e) => `${e.name} ${e.version}`).join(', '),
    target: m.target.mock ? 'mock' : 'url',
  }, 1);
  r.add('loadgate_run_pass', 'gauge', '1 when the verdict is pass (the run completed, its numbers can be trusted, every SLA check passed), else 0.', {}, verdict.status === 'pass' && !m.incomplete ? 1 : 0);
  // The verdict as a state set: a run that was interrupted or whose generator could not be trusted is neither pass nor fail.
  const status: string = m.incomplete ? 'incomplete' : verdict.status;
  for (const st of RUN_STATES) r.add('loadgate_run_status', 'gauge', 'One series per verdict state (pass, fail, incomplete, untrustworthy): 1 for the run\'s state, else 0.', { status: st }, status === st ? 1 : 0);
  r.add('loadgate_run_duration_seconds', 'gauge', 'Wall-clock duration of the run.', {}, m.durationSec);
  r.add('loadgate_run_warmup_seconds', 'gauge', 'Warm-up at the start of the run, excluded from checks and from the measured-window metrics.', {}, m.warmupSec);
  const started = Date.parse(m.startedAt);
  r.add('loadgate_run_start_timestamp_seconds', 'gauge', 'Start of the run, Unix time.', {}, Number.isFinite(started) ? started / 1000 : undefined);
  r.add('loadgate_run_incomplete', 'gauge', '1 when the run did not finish as planned.', {}, m.incomplete ? 1 : 0);
  if (result.generator !== undefined) r.add('loadgate_generator_saturated', 'gauge', '1 when the load generator, not the target, limited the run.', {}, result.generator.saturated ? 1 : 0);
  const boundariesMs = latencyBoundariesMs(verdict.checks);
  const asSent = (m.sla as { latencyBasis?: string } | undefined)?.latencyBasis === 'uncorrected';
  for (const e of view.endpoints) addEndpoint(r, e, view, boundariesMs, asSent);
  for (const g of connectionGroups(view.endpoints.filter((e) => e.ep.stream !== undefined))) {
    const st = g.stream;
    const l = { workload: g.workload };
    r.add('loadgate_stream_connections_opened_total', 'counter', 'WebSocket connections opened by the workload, whole run.', l, st.connectionsOpened);
    r.add('loadgate_stream_connect_failures_total', 'counter', 'WebSocket connection attempts that failed, whole run.', l, st.connectFailures);
    r.add('loadgate_stream_disconnects_total', 'counter', 'Disconnects of the workload\'s connections, whole run.', l, st.disconnects);
    r.add('loadgate_stream_reconnect_attempts_total', 'counter', 'Reconnect attempts, whole run.', l, st.reconnectAttempts);
    r.add('loadgate_stream_reconnect_failures_total', 'counter', 'Reconnect attempts that failed, whole run.', l, st.reconnectAttempts - st.reconnectSuccesses);
    r.add('loadgate_stream_uptime_ratio', 'gauge', 'Connection uptime, as a ratio of connection time (0-1).', l, ratio(streamView(st).uptimePct));
    r.histogram('loadgate_stream_recovery_seconds', 'Time from a disconnect to the first message after reconnecting, seconds.', l, decodeHistogram(st.recoveryTime), boundariesMs);
  }
  for (const c of verdict.checks) {
    const l = { check: c.id, scope: c.scope, metric: c.metric };
    for (const s of CHECK_STATES) r.add('loadgate_sla_check_status', 'gauge', 'One series per SLA check and state (pass, fail, no-data): 1 for the check\'s state, else 0.', { ...l, status: s }, c.status === s ? 1 : 0);
    const u = baseUnit(c);
    r.add('loadgate_sla_check_actual', 'gauge', 'Measured value of the SLA check (worst window for windowed checks), in base units (see the unit label).', { ...l, unit: u.unit }, c.actual === undefined ? undefined : c.actual * u.scale);
    r.add('loadgate_sla_check_limit', 'gauge', 'Limit of the SLA check, in base units (see the unit label).', { ...l, unit: u.unit, op: c.op }, c.limit * u.scale);
  }
  return r.render(opts);
}
