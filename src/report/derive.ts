/**
 * The derived view every renderer shares: per-endpoint stats (measured window and whole run), checks in
 * reading order, notes a reader needs to trust the numbers, sample request IDs. Pure; numbers come only from
 * `src/result/stats.ts` and `src/result/histogram.ts`.
 */
import type { EndpointResult, LatencySummary, SampleRef, StreamStats } from '../result/model.js';
import { decodeHistogram, summarizeHistogram, type LatencySummaryMs } from '../result/histogram.js';
import { endpointStats, hasAsSentSeries, measuredWindow, overallEndpoint, type EndpointStats, type Window } from '../result/stats.js';
import type { Check } from '../sla/checks.js';
import type { CheckResult, Verdict } from '../sla/evaluate.js';
import { fmtCount, fmtDurationSec, fmtLimit, fmtMs, fmtNum, fmtPct, fmtPlain, fmtValue } from './format.js';
import type { Report } from './model.js';

export interface EndpointView {
  name: string;
  ep: EndpointResult;
  /** The run minus its warm-up: what SLA checks read. */
  measured: EndpointStats;
  /** Open model: the measured window timed from the actual send (uncorrected), shown beside the corrected figures. */
  measuredAsSent: EndpointStats | undefined;
  /** Built-in mock only: the target's own time for this endpoint (meta.target.serverTimeMs). */
  targetTime: LatencySummary | undefined;
  wholeRun: EndpointStats;
  checks: CheckResult[];
}

export interface ReportNote {
  level: 'warn' | 'info';
  text: string;
}

export interface SampleView extends SampleRef {
  endpoint: string;
  /** Outside the measured window (warm-up, or after it closed): listed only when nothing inside it qualifies. */
  outside?: 'warm-up' | 'after the window';
}

/** How a renderer heads the report: the outcome, one summary line, and the trust causes (one sentence each). */
export interface VerdictHeadline {
  status: Verdict['status'];
  /** PASS, FAIL, INCOMPLETE, UNTRUSTWORTHY. */
  label: string;
  /** green, red, or amber (incomplete / untrustworthy, and a pass that accepted an untrustworthy run). */
  tone: 'pass' | 'fail' | 'warn';
  summary: string;
  /** Trust causes, one short sentence each (also when an untrustworthy run was accepted). */
  reasons: string[];
  accepted: boolean;
}

/** The run's target as one line: its URL, and for the built-in mock the seed of its fault draws (a replay sets `target.mock.faultSeed` to it). */
export function targetLabel(t: Report['result']['meta']['target']): string {
  if (!t.mock) return t.url;
  return `${t.url} (built-in mock${t.faultSeed === undefined ? '' : `, fault seed ${t.faultSeed}`})`;
}

export function verdictHeadline(verdict: Verdict): VerdictHeadline {
  const s = verdict.summary;
  const failing = verdict.checks.filter(checkFails).length;
  const checks =
    failing === 0
      ? `all ${s.total} SLA checks passed${s.noData > 0 ? ` (${s.noData} optional without data)` : ''}`
      : `${failing} of ${s.total} SLA checks failed (${s.fail} breached, ${s.noData} without data)`;
  const reasons = verdict.trust.issues.map((i) => i.sentence);
  const accepted = verdict.trust.accepted;
  switch (verdict.status) {
    case 'incomplete':
      return { status: verdict.status, label: 'INCOMPLETE', tone: 'warn', summary: `not a pass: the run is incomplete; on what was measured, ${checks}`, reasons, accepted };
    case 'untrustworthy':
      return { status: verdict.status, label: 'UNTRUSTWORTHY', tone: 'warn', summary: `not a pass: the numbers are untrustworthy; on them, ${checks}`, reasons, accepted };
    case 'pass':
      return { status: verdict.status, label: 'PASS', tone: accepted ? 'warn' : 'pass', summary: accepted ? `${checks}, on an untrustworthy run the suite accepts` : checks, reasons, accepted };
    case 'fail':
      return { status: verdict.status, label: 'FAIL', tone: 'fail', summary: accepted ? `${checks}, on an untrustworthy run the suite accepts` : checks, reasons, accepted };
  }
}

export interface ReportView {
  window: Window;
  /** http first, then ws, then probes; by name within a kind. */
  endpoints: EndpointView[];
  /** All http endpoints merged (stats undefined when there are none) and the `overall` checks; undefined when neither exists. */
  overall:
    | { ep: EndpointResult | undefined; measured: EndpointStats | undefined; measuredAsSent: EndpointStats | undefined; wholeRun: EndpointStats | undefined; checks: CheckResult[] }
    | undefined;
  /** Check scopes (other than `overall`) naming endpoints that were never measured. */
  missingScopes: Array<{ name: string; checks: CheckResult[] }>;
  /** Failing first, then no-data, then passing. */
  checks: CheckResult[];
  notes: ReportNote[];
  samples: { failed: SampleView[]; slowest: SampleView[] };
}

const KIND_ORDER: Record<EndpointResult['kind'], number> = { http: 0, ws: 1, probe: 2 };

/** 0 fail, 1 required no-data, 2 optional no-data, 3 pass. */
export function checkRank(c: CheckResult): number {
  if (c.status === 'fail') return 0;
  if (c.status === 'no-data') return c.optional ? 2 : 1;
  return 3;
}

/** true when this check makes the run fail. */
export function checkFails(c: CheckResult): boolean {
  return c.status === 'fail' || (c.status === 'no-data' && !c.optional);
}

export function sortChecks(checks: readonly CheckResult[]): CheckResult[] {
  return checks
    .map((c, i) => ({ c, i }))
    .sort((a, b) => checkRank(a.c) - checkRank(b.c) || a.i - b.i)
    .map((x) => x.c);
}

export function statusLabel(c: Pick<CheckResult, 'status' | 'optional'>): string {
  if (c.status === 'pass') return 'PASS';
  if (c.status === 'fail') return 'FAIL';
  return c.optional ? 'NO DATA (optional)' : 'NO DATA';
}

/** Latency summary of an encoded histogram, undefined when it holds no samples. */
export function summarizeEncoded(encoded: string): LatencySummaryMs | undefined {
  return summarizeHistogram(decodeHistogram(encoded));
}

/** How many failed / slowest sample IDs the renderers show. */
export const SAMPLE_COUNT = 5;

export function buildView(report: Report, sampleCount = SAMPLE_COUNT): ReportView {
  const { result, verdict } = report;
  const window = measuredWindow(result);
  const dur = result.meta.durationSec;
  const byScope = new Map<string, CheckResult[]>();
  for (const c of verdict.checks) {
    const list = byScope.get(c.scope) ?? [];
    list.push(c);
    byScope.set(c.scope, list);
  }
  const endpoints: EndpointView[] = Object.entries(result.endpoints)
    .map(([name, ep]) => ({
      name,
      ep,
      measured: endpointStats(name, ep, dur, window),
      measuredAsSent: hasAsSentSeries(ep) ? endpointStats(name, ep, dur, window, { uncorrected: true }) : undefined,
      targetTime: result.meta.target.serverTimeMs?.[name],
      wholeRun: endpointStats(name, ep, dur),
      checks: sortChecks(byScope.get(name) ?? []),
    }))
    .sort((a, b) => KIND_ORDER[a.ep.kind] - KIND_ORDER[b.ep.kind] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const ov = overallEndpoint(result);
  const overallChecks = sortChecks(byScope.get('overall') ?? []);
  const overall =
    ov === undefined && overallChecks.length === 0
      ? undefined
      : {
          ep: ov,
          measured: ov && endpointStats('overall', ov, dur, window),
          measuredAsSent: ov !== undefined && hasAsSentSeries(ov) ? endpointStats('overall', ov, dur, window, { uncorrected: true }) : undefined,
          wholeRun: ov && endpointStats('overall', ov, dur),
          checks: overallChecks,
        };
  const missingScopes = [...byScope.entries()]
    .filter(([scope]) => scope !== 'overall' && result.endpoints[scope] === undefined)
    .map(([name, checks]) => ({ name, checks: sortChecks(checks) }));
  return {
    window,
    endpoints,
    overall,
    missingScopes,
    checks: sortChecks(verdict.checks),
    notes: buildNotes(report, endpoints, window),
    samples: collectSamples(endpoints, sampleCount, { fromSec: window.fromSec, toSec: Math.min(window.toSec, dur) }),
  };
}

/** Late arrivals below this share of an endpoint's (and none dropped) are a note, not a warning. */
const LATE_WARN_SHARE = 0.01;

// Evaluate words these two itself; the report states them with more context, so its copies are left out.
const VERDICT_NOTES_RESTATED = ['the run is incomplete', 'the load generator was saturated'];

function buildNotes(report: Report, endpoints: EndpointView[], window: Window): ReportNote[] {
  const { result, verdict } = report;
  const notes: ReportNote[] = [];
  const m = result.meta;
  // Interruption, saturation and a lost target head every report (verdictHeadline): no second copy here.
  if (m.warmupSec > 0) {
    notes.push({
      level: 'info',
      text: `Warm-up: the first ${fmtDurationSec(m.warmupSec)} are excluded from SLA checks and the endpoint tables (measured window ${fmtPlain(window.fromSec)}–${fmtPlain(Math.min(window.toSec, m.durationSec))} s).`,
    });
  }
  const corrected = endpoints.filter((e) => e.measuredAsSent?.latency !== undefined && e.measured.latency !== undefined);
  if (corrected.length > 0) {
    const pairs = corrected.map((e) => `${e.name} ${fmtMs(e.measured.latency!.p99Ms)} vs ${fmtMs(e.measuredAsSent!.latency!.p99Ms)} ms`);
    notes.push({
      level: 'info',
      text: `Rate-driven latency is corrected for coordinated omission: timed from each request's intended send time, so time spent waiting to be sent counts. p99 corrected vs as sent (uncorrected): ${pairs.join('; ')}.`,
    });
  }
  const timed = endpoints.filter((e) => e.targetTime?.p50Ms !== undefined && e.measured.latency?.p50Ms !== undefined);
  if (timed.length > 0) {
    const pairs = timed.map((e) => `${e.name} ${fmtMs(e.targetTime!.p50Ms)} of ${fmtMs(e.measured.latency!.p50Ms)} ms`);
    notes.push({
      level: 'info',
      text: `The built-in mock timed each response itself (arrival to response sent); the rest of what the client measured is loopback, HTTP and the load generator. p50 at the mock of p50 measured: ${pairs.join('; ')}.`,
    });
  }
  // One note for all arrivals (the per-endpoint numbers are in the arrivals table), not one bullet per endpoint.
  const open = endpoints.filter((e) => e.ep.arrivals !== undefined);
  const late = open.reduce((n, e) => n + e.ep.arrivals!.late, 0);
  const dropped = open.reduce((n, e) => n + e.ep.arrivals!.dropped, 0);
  if (late > 0 || dropped > 0) {
    const sent = open.reduce((n, e) => n + e.ep.arrivals!.sent, 0);
    const scheduled = open.reduce((n, e) => n + e.ep.arrivals!.scheduled, 0);
    const warn = dropped > 0 || late >= LATE_WARN_SHARE * sent;
    const worst = open
      .filter((e) => e.ep.arrivals!.late + e.ep.arrivals!.dropped > 0)
      .sort((x, y) => y.ep.arrivals!.late + y.ep.arrivals!.dropped - (x.ep.arrivals!.late + x.ep.arrivals!.dropped))
      .map((e) => `${e.name} ${fmtCount(e.ep.arrivals!.late)}${e.ep.arrivals!.dropped > 0 ? ` + ${fmtCount(e.ep.arrivals!.dropped)} dropped` : ''}`);
    notes.push({
      level: warn ? 'warn' : 'info',
      text: `${fmtCount(late)} of ${fmtCount(sent)} arrivals were sent late and ${fmtCount(dropped)} of ${fmtCount(scheduled)} dropped${warn ? '' : ` (under ${LATE_WARN_SHARE * 100}%)`}; corrected latency counts the wait. Late by endpoint: ${worst.join(', ')}.`,
    });
  }
  for (const e of endpoints) {
    if (e.wholeRun.latencySource !== 'histogram') {
      notes.push({ level: 'info', text: `${e.name}: latency percentiles come from ${e.wholeRun.latencySource}, not raw samples; missing ones are shown as —.` });
    }
  }
  for (const n of m.notes) notes.push({ level: 'info', text: n });
  for (const n of verdict.notes) {
    if (VERDICT_NOTES_RESTATED.some((p) => n.startsWith(p))) continue;
    notes.push({ level: 'info', text: n });
  }
  const seen = new Set<string>();
  return notes.filter((n) => (seen.has(n.text) ? false : (seen.add(n.text), true)));
}

/**
 * Failed and slowest requests to look up, from the measured window (what the tables and checks read): a slow
 * request in the warm-up is not "the slowest" of a table whose max excludes it. Only when the window holds none
 * are the others listed, marked.
 */
function collectSamples(endpoints: EndpointView[], n: number, window: Window): ReportView['samples'] {
  const mark = (s: SampleView): SampleView => (s.tSec < window.fromSec ? { ...s, outside: 'warm-up' } : s.tSec >= window.toSec ? { ...s, outside: 'after the window' } : s);
  const pick = (all: SampleView[]) => {
    const inside = all.filter((s) => s.outside === undefined);
    return inside.length > 0 ? inside : all;
  };
  const failed = pick(endpoints.flatMap((e) => e.ep.samples.failed.map((s) => mark({ ...s, endpoint: e.name }))))
    .sort((a, b) => a.tSec - b.tSec)
    .slice(0, n);
  const slowest = pick(
    endpoints.filter((e) => e.ep.kind !== 'ws').flatMap((e) => e.ep.samples.slowest.map((s) => mark({ ...s, endpoint: e.name }))),
  )
    .sort((a, b) => (b.latencyMs ?? 0) - (a.latencyMs ?? 0))
    .slice(0, n);
  return { failed, slowest };
}

// ---- metric rows: one line per metric of an endpoint (or overall), with its check when there is one ----

export interface MetricRow {
  label: string;
  /** Formatted value: the check's actual when a check reads this metric, else the measured-window stat. */
  value: string;
  /** Formatted limit, empty when no check reads this metric. */
  target: string;
  check: CheckResult | undefined;
}

interface MetricDef {
  metric: string;
  label: string;
  always: boolean;
  unit: Check['unit'];
  get: (s: EndpointStats) => number | undefined;
}

const lat = (k: keyof LatencySummaryMs) => (s: EndpointStats) => s.latency?.[k];

const METRICS: MetricDef[] = [
  { metric: 'throughputPerSec', label: 'Throughput', always: true, unit: '/s', get: (s) => s.throughputPerSec },
  { metric: 'errorRatePct', label: 'Error rate', always: true, unit: '%', get: (s) => s.errorRatePct },
  { metric: 'successRatePct', label: 'Success rate', always: false, unit: '%', get: (s) => s.successRatePct },
  { metric: 'availabilityPct', label: 'Availability', always: false, unit: '%', get: () => undefined },
  { metric: 'p50Ms', label: 'p50', always: true, unit: 'ms', get: lat('p50Ms') },
  { metric: 'p90Ms', label: 'p90', always: false, unit: 'ms', get: lat('p90Ms') },
  { metric: 'p95Ms', label: 'p95', always: true, unit: 'ms', get: lat('p95Ms') },
  { metric: 'p99Ms', label: 'p99', always: true, unit: 'ms', get: lat('p99Ms') },
  { metric: 'p999Ms', label: 'p99.9', always: true, unit: 'ms', get: lat('p999Ms') },
  { metric: 'maxMs', label: 'Max', always: true, unit: 'ms', get: lat('maxMs') },
  { metric: 'meanMs', label: 'Mean', always: false, unit: 'ms', get: lat('meanMs') },
  { metric: 'droppedArrivals', label: 'Dropped arrivals', always: false, unit: 'count', get: () => undefined },
  { metric: 'lossPct', label: 'Message loss', always: false, unit: '%', get: () => undefined },
  { metric: 'reconnectSuccessPct', label: 'Reconnect success', always: false, unit: '%', get: () => undefined },
];

export function metricLabel(metric: string): string {
  if (metric.startsWith('errorsPerMinute.')) return `${metric.slice('errorsPerMinute.'.length)} errors per minute`;
  return METRICS.find((d) => d.metric === metric)?.label ?? metric;
}

function checkValue(c: CheckResult): string {
  if (c.actual === undefined) return '—';
  const v = fmtValue(c.actual, c.unit);
  return c.windows !== undefined ? `${v} (worst ${fmtPlain(c.windowSec ?? 0)} s window)` : v;
}

/** Latency rows shown after the percentiles when there is something to set beside them. */
export interface ExtraLatency {
  /** Open model: the same window timed from the actual send. */
  asSent?: EndpointStats | undefined;
  /** Built-in mock: the target's own time. */
  targetTime?: LatencySummary | undefined;
}

/** Rows for an endpoint's (or overall's) table: requests, the standard metrics, then every other check. */
export function metricRows(stats: EndpointStats | undefined, checks: readonly CheckResult[], kind: EndpointResult['kind'] | 'overall', extra: ExtraLatency = {}): MetricRow[] {
  const used = new Set<CheckResult>();
  const rows: MetricRow[] = [];
  rows.push({ label: kind === 'ws' ? 'Messages' : 'Requests', value: stats ? fmtCount(stats.requests) : '—', target: '', check: undefined });
  for (const d of METRICS) {
    const c = checks.find((x) => x.metric === d.metric);
    if (!c && (!d.always || stats === undefined)) continue;
    if (c) {
      used.add(c);
      rows.push({ label: d.label, value: checkValue(c), target: fmtLimit(c), check: c });
    } else rows.push({ label: d.label, value: stats ? fmtValue(d.get(stats), d.unit) : '—', target: '', check: undefined });
    if (d.metric !== 'maxMs') continue;
    const l = extra.asSent?.latency;
    if (l !== undefined) rows.push({ label: 'p50 / p99 as sent (uncorrected)', value: `${fmtMs(l.p50Ms)} / ${fmtMs(l.p99Ms)} ms`, target: '', check: undefined });
    const t = extra.targetTime;
    if (t !== undefined) rows.push({ label: "p50 / p99 at the target (mock's own time)", value: `${fmtMs(t.p50Ms)} / ${fmtMs(t.p99Ms)} ms`, target: '', check: undefined });
  }
  for (const c of checks) {
    if (used.has(c)) continue;
    rows.push({ label: metricLabel(c.metric), value: checkValue(c), target: fmtLimit(c), check: c });
  }
  return rows;
}

// ---- streams ----

export interface StreamView {
  lossPct: number | undefined;
  reconnectSuccessPct: number | undefined;
  uptimePct: number | undefined;
  recovery: LatencySummaryMs | undefined;
  connectTime: LatencySummaryMs | undefined;
  subscribeAck: LatencySummaryMs | undefined;
}

/** The connections of one stream workload: every channel of the workload rides on them. */
export interface ConnectionGroup {
  workload: string;
  /** The ws:<channel> endpoints carried by these connections. */
  streams: string[];
  stream: StreamStats;
}

/**
 * Connection-level stream numbers (connects, disconnects, reconnects, recovery, uptime, clock offset) are the
 * same in every ws:<channel> endpoint of a workload, since each connection carries every channel: one group per
 * workload, so reports show them once. Endpoints whose counters differ (e.g. merged from other runs) keep
 * their own group rather than hide the difference.
 */
export function connectionGroups(streams: readonly EndpointView[]): ConnectionGroup[] {
  const groups = new Map<string, ConnectionGroup>();
  for (const e of streams) {
    const st = e.ep.stream;
    if (st === undefined) continue;
    const workload = e.ep.workloads.join(', ');
    const key = JSON.stringify([workload, st.connectionsOpened, st.connectFailures, st.disconnects, st.reconnectAttempts, st.reconnectSuccesses, st.uptimeSec, st.downtimeSec]);
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { workload, streams: [e.name], stream: st });
    else g.streams.push(e.name);
  }
  return [...groups.values()];
}

export const STREAM_HEADERS = ['Stream', 'Messages', 'p50 ms', 'p95 ms', 'p99 ms', 'Loss', 'Duplicates', 'Reordered'];
export const STREAM_ALIGN = ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] as const;
export const CONNECTION_HEADERS = ['Workload', 'Streams', 'Opened', 'Connect failures', 'Disconnects', 'Reconnect success', 'Recovery p95 ms', 'Uptime', 'Clock offset'];
export const CONNECTION_ALIGN = ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'l'] as const;

/** One row of the streams table, as plain text (renderers escape): whole-run counts, measured-window latency. */
export function streamCells(e: EndpointView): string[] {
  const st = e.ep.stream!;
  const l = e.measured.latency;
  return [e.name, fmtCount(st.messages), fmtMs(l?.p50Ms), fmtMs(l?.p95Ms), fmtMs(l?.p99Ms), lossCell(st), fmtCount(st.duplicates), fmtCount(st.reordered)];
}

/** The loss column: `—` when the stream has no sequence, `≥ x%` when the count is a lower bound (OKX's chain). */
export function lossCell(st: StreamStats): string {
  const v = streamView(st).lossPct;
  const text = fmtPct(v);
  return st.loss === 'lowerBound' && v !== undefined ? `≥ ${text}` : text;
}

/** One row of the connections table, as plain text (renderers escape). */
export function connectionCells(g: ConnectionGroup): string[] {
  const st = g.stream;
  const sv = streamView(st);
  const o = st.clockOffset;
  return [
    g.workload,
    g.streams.join(', '),
    fmtCount(st.connectionsOpened),
    fmtCount(st.connectFailures),
    fmtCount(st.disconnects),
    `${fmtPct(sv.reconnectSuccessPct)} (${st.reconnectSuccesses}/${st.reconnectAttempts})`,
    fmtMs(sv.recovery?.p95Ms),
    fmtPct(sv.uptimePct),
    o === undefined ? '—' : `${fmtMs(o.offsetMs)} ± ${fmtMs(o.uncertaintyMs)} ms (${o.method})`,
  ];
}

export function streamView(s: StreamStats): StreamView {
  const up = s.uptimeSec + s.downtimeSec;
  return {
    // A stream without a sequence (the dialect's rule is `none`) has no loss to show: no-data, never 0.
    lossPct: s.loss !== 'none' && s.expected > 0 ? (s.lost / s.expected) * 100 : undefined,
    reconnectSuccessPct: s.reconnectAttempts > 0 ? (s.reconnectSuccesses / s.reconnectAttempts) * 100 : undefined,
    uptimePct: up > 0 ? (s.uptimeSec / up) * 100 : undefined,
    recovery: summarizeEncoded(s.recoveryTime),
    connectTime: summarizeEncoded(s.connectTime),
    subscribeAck: summarizeEncoded(s.subscribeAckTime),
  };
}


// ---- the all-endpoints summary (console, md, html show the same table) ----

export const SUMMARY_HEADERS = ['Endpoint', 'Requests', 'req/s', 'Err %', 'p50 ms', 'p95 ms', 'p99 ms', 'p99.9 ms', 'Max ms'];
export const SUMMARY_ALIGN = ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] as const;

function summaryCells(name: string, s: EndpointStats | undefined): string[] {
  const l = s?.latency;
  return [name, fmtCount(s?.requests), fmtNum(s?.throughputPerSec), fmtNum(s?.errorRatePct), fmtMs(l?.p50Ms), fmtMs(l?.p95Ms), fmtMs(l?.p99Ms), fmtMs(l?.p999Ms), fmtMs(l?.maxMs)];
}

/** One row per endpoint (measured window), then overall (http); plain text, renderers escape. */
export function summaryRows(view: ReportView): string[][] {
  const rows = view.endpoints.map((e) => summaryCells(e.ep.kind === 'http' ? e.name : `${e.name} (${e.ep.kind})`, e.measured));
  if (view.overall?.measured) rows.push(summaryCells('overall (http)', view.overall.measured));
  return rows;
}

// ---- errors: counted over the measured window, like the checks, with the whole run beside them ----

export const ERROR_HEADERS = ['Endpoint', 'Class', 'Measured', '% of measured requests', 'Whole run'];
export const ERROR_ALIGN = ['l', 'l', 'r', 'r', 'r'] as const;

/**
 * The same failures, counted the same way as the SLA checks (measured window), so 14 errors are not 19 in
 * another view; the whole-run count (warm-up included) is its own column.
 */
export function errorRows(view: ReportView): string[][] {
  const rows: string[][] = [];
  for (const e of view.endpoints) {
    const classes = new Set([...Object.keys(e.ep.errors), ...Object.keys(e.measured.errorsByClass)]);
    const sorted = [...classes].sort((a, b) => (e.measured.errorsByClass[b] ?? 0) - (e.measured.errorsByClass[a] ?? 0) || (e.ep.errors[b] ?? 0) - (e.ep.errors[a] ?? 0));
    for (const cls of sorted) {
      const n = e.measured.errorsByClass[cls] ?? 0;
      rows.push([e.name, cls, fmtCount(n), fmtPct(e.measured.requests > 0 ? (n / e.measured.requests) * 100 : undefined), fmtCount(e.ep.errors[cls] ?? 0)]);
    }
  }
  return rows;
}
