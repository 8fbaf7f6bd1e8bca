/**
 * The suite's SLA read as production monitoring: which targets become SLOs (event ratios with an error budget,
 * alerted on by burn rate), which become threshold alerts, and which cannot become either, and why. Pure: the
 * rules and the dashboard are rendered from this plan (src/monitoring/rules.ts, dashboard.ts).
 *
 * Every query reads `monitoring.metrics` (production) or, by default, the metrics `loadgate run
 * --prometheus-push` pushes (src/report/prometheus.ts).
 */
import { InputError } from '../errors.js';
import type { Check } from '../sla/checks.js';
import type { ErrorClass } from '../result/model.js';
import { ERROR_CLASSES } from '../result/model.js';
import type { MonitoringSpec, Suite } from '../suite/schema.js';
import { leLabel, leMatcher } from './buckets.js';

/** A series selector: equality matchers kept apart, so tests can build input series from them. */
export interface Selector {
  name: string;
  eq: Record<string, string>;
  /** Matchers that are not plain equality (regex, negation), as written. */
  raw: string[];
}

export function renderSelector(s: Selector): string {
  const ms = [...Object.entries(s.eq).map(([k, v]) => `${k}="${escapeValue(v)}"`), ...s.raw];
  return ms.length > 0 ? `${s.name}{${ms.join(',')}}` : s.name;
}

function escapeValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const MATCHER = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

/** Parse `name{a="b",c=~"d"}` or a bare matcher list `a="b",c=~"d"`; `where` names it in errors. */
export function parseSelector(text: string, where: string): Selector {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/s.exec(text.trim());
  if (!m) throw new InputError('LG_MONITORING', `${where}: expected a PromQL series selector, got ${JSON.stringify(text)}`);
  return { name: m[1]!, ...parseMatchers(m[2] ?? '', where) };
}

export function parseMatchers(text: string, where: string): { eq: Record<string, string>; raw: string[] } {
  const eq: Record<string, string> = {};
  const raw: string[] = [];
  const t = text.trim();
  MATCHER.lastIndex = 0;
  while (MATCHER.lastIndex < t.length) {
    const start = MATCHER.lastIndex;
    const m = MATCHER.exec(t);
    if (!m) throw new InputError('LG_MONITORING', `${where}: cannot read the label matchers ${JSON.stringify(text)}`, { hint: 'write matchers as name="value" (or =~, !=, !~), comma-separated' });
    if (m[2] === '=') eq[m[1]!] = m[3]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    else raw.push(t.slice(start, MATCHER.lastIndex).replace(/,\s*$/, '').trim());
  }
  return { eq, raw };
}

function withMatchers(s: Selector, eq: Record<string, string>, raw: string[] = []): Selector {
  return { name: s.name, eq: { ...s.eq, ...eq }, raw: [...s.raw, ...raw] };
}

/** An SLO: bad events / all events over a window, with an objective (the share of good events). */
export interface Slo {
  /** sloth_id: `<service>-<slo>`. */
  id: string;
  /** sloth_slo. */
  name: string;
  checkId: string;
  /** Share of good events, 0-1. */
  objective: number;
  description: string;
  /** Alert name (one name, page and ticket told apart by `sloth_severity`, as Sloth does). */
  alert: string;
  sli: { kind: 'ratio'; errors: Selector; total: Selector } | { kind: 'latency'; good: Selector; total: Selector; le: string };
}

export interface ThresholdAlert {
  alert: string;
  checkId: string;
  /** PromQL that returns a series while the target is breached. */
  expr: string;
  forDuration: string;
  severity: 'page' | 'ticket';
  summary: string;
}

export interface Unconverted {
  checkId: string;
  reason: string;
}

export interface MonitoringPlan {
  service: string;
  periodDays: number;
  slos: Slo[];
  thresholds: ThresholdAlert[];
  /** Targets that become no alert at all, with the reason. */
  unconverted: Unconverted[];
  /** Targets converted with a caveat. */
  notes: string[];
  /** The selectors the dashboard reads. */
  metrics: MetricSelectors;
  endpointLabel: string;
  /** Endpoint name → label value. */
  endpointValue(name: string): string;
}

/** Multi-window, multi-burn-rate alerts (SRE workbook, table 5-8; Sloth's google-30d windows). */
export const ALERT_WINDOWS = [
  { severity: 'page', budgetPct: 2, short: '5m', long: '1h' },
  { severity: 'page', budgetPct: 5, short: '30m', long: '6h' },
  { severity: 'ticket', budgetPct: 10, short: '2h', long: '1d' },
  { severity: 'ticket', budgetPct: 10, short: '6h', long: '3d' },
] as const;

/** The windows an SLI is recorded over (Sloth's set), before the SLO period itself. */
export const SLI_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

const HOURS: Record<string, number> = { '5m': 5 / 60, '30m': 0.5, '1h': 1, '2h': 2, '6h': 6, '1d': 24, '3d': 72 };

/** Burn-rate factor: the share of the period's budget spent in the long window, × period / window (30d: 14.4, 6, 3, 1). */
export function burnFactor(budgetPct: number, longWindow: string, periodDays: number): number {
  return Number(((budgetPct / 100) * ((periodDays * 24) / HOURS[longWindow]!)).toPrecision(10));
}

export interface MetricSelectors {
  requestDuration: string;
  requests: Selector;
  errors: Selector;
  errorClasses: Partial<Record<ErrorClass, Selector>>;
  /** Undefined when production metrics are named without these. */
  probes: Selector | undefined;
  probeErrors: Selector | undefined;
  streamLatency: string | undefined;
  /** Defaults apply only with loadgate's own metrics (undefined with production metrics). */
  streamLost: Selector | undefined;
  streamExpected: Selector | undefined;
  reconnectFailures: Selector | undefined;
  reconnectAttempts: Selector | undefined;
  /** Matchers added to every selector. */
  common: { eq: Record<string, string>; raw: string[] };
  /** loadgate's own metrics, where `kind="http"` tells requests from probes. */
  loadgateMetrics: boolean;
}

function metricSelectors(suite: Suite, mon: MonitoringSpec): MetricSelectors {
  const m = mon.metrics;
  const own = m === undefined;
  const where = (k: string) => `monitoring.metrics.${k}`;
  const common = mon.matchers !== undefined ? parseMatchers(mon.matchers, 'monitoring.matchers') : own ? { eq: { suite: suite.name ?? '' }, raw: [] } : { eq: {}, raw: [] };
  const sel = (text: string | undefined, fallback: string, key: string) => parseSelector(text ?? fallback, where(key));
  const errors = sel(m?.errors, 'loadgate_errors_total', 'errors');
  const classes: Partial<Record<ErrorClass, Selector>> = {};
  for (const c of ERROR_CLASSES) {
    const t = m?.errorClasses?.[c];
    if (t !== undefined) classes[c] = parseSelector(t, `monitoring.metrics.errorClasses.${c}`);
    else if (own) classes[c] = withMatchers(errors, { class: c });
  }
  return {
    requestDuration: m?.requestDuration ?? 'loadgate_request_duration_seconds',
    requests: sel(m?.requests, 'loadgate_requests_total', 'requests'),
    errors,
    errorClasses: classes,
    probes: own || m?.probes !== undefined ? sel(m?.probes, 'loadgate_requests_total{kind="probe"}', 'probes') : undefined,
    probeErrors: own || m?.probeErrors !== undefined ? sel(m?.probeErrors, 'loadgate_errors_total{kind="probe"}', 'probeErrors') : undefined,
    streamLatency: own ? 'loadgate_stream_message_latency_seconds' : m?.streamLatency,
    streamLost: own ? parseSelector('loadgate_stream_lost_total', '') : undefined,
    streamExpected: own ? parseSelector('loadgate_stream_expected_messages_total', '') : undefined,
    reconnectFailures: own ? parseSelector('loadgate_stream_reconnect_failures_total', '') : undefined,
    reconnectAttempts: own ? parseSelector('loadgate_stream_reconnect_attempts_total', '') : undefined,
    common,
    loadgateMetrics: own,
  };
}

const QUANTILE: Record<string, number> = { p50Ms: 0.5, p90Ms: 0.9, p95Ms: 0.95, p99Ms: 0.99, p999Ms: 0.999 };

/** Largest error budget a page alert can still fire on: 14.4× of it must stay a possible error ratio (≤ 100%). */
function maxBurnableBudget(periodDays: number): number {
  return 1 / burnFactor(ALERT_WINDOWS[0].budgetPct, ALERT_WINDOWS[0].long, periodDays);
}

function pascal(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

function kebab(s: string): string {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .join('-')
    .toLowerCase();
}

function fmtNum(n: number): string {
  return String(Number(n.toPrecision(12)));
}

const DEFAULT_PAGE_CLASSES = new Set<string>(['auth', 'server']);

/** Build the monitoring plan from a suite and its compiled checks (planForSuite). */
export function monitoringPlan(suite: Suite, checks: readonly Check[], opts: { periodDays?: number } = {}): MonitoringPlan {
  const mon = suite.monitoring ?? {};
  const service = mon.service ?? suite.name ?? 'loadgate';
  const periodDays = opts.periodDays ?? (mon.sloPeriod !== undefined ? Number(mon.sloPeriod.slice(0, -1)) : 30);
  const ms = metricSelectors(suite, mon);
  const endpointLabel = mon.endpointLabel ?? 'endpoint';
  const endpointValue = (name: string) => mon.endpoints?.[name] ?? name;
  const slos: Slo[] = [];
  const thresholds: ThresholdAlert[] = [];
  const unconverted: Unconverted[] = [];
  const notes: string[] = [];
  const maxBudget = maxBurnableBudget(periodDays);

  /** Scope matchers: the endpoint, or for overall (loadgate's metrics) requests only, not probes. */
  const scoped = (s: Selector, scope: string): Selector => {
    const base = withMatchers(s, ms.common.eq, ms.common.raw);
    if (scope === 'overall') return ms.loadgateMetrics && s.eq.kind === undefined ? withMatchers(base, { kind: 'http' }) : base;
    return withMatchers(base, { [endpointLabel]: endpointValue(scope) });
  };
  const streamWorkloads = (scope: string): string[] =>
    suite.workloads.filter((w) => (w.streams ?? []).some((s) => `ws:${s.channel}` === scope)).map((w) => w.name);

  for (const c of checks) {
    const metric = c.metric as string;
    const name = kebab(`${c.scope}-${metric.replace(/Pct$|Ms$/, '')}`);
    const id = `${service}-${name}`;
    const alert = `${pascal(service)}${pascal(c.scope)}${pascal(metric.replace(/Pct$|Ms$/, ''))}`;
    const isStream = c.scope.startsWith('ws:');
    const upper = c.op === '<' || c.op === '<=';
    const windowNote = () => {
      if (c.windowSec !== undefined && !metric.startsWith('errorsPerMinute.')) notes.push(`${c.id}: the load test checks it in every ${c.windowSec} s window; the SLO reads it over rolling windows (5m … ${periodDays}d)`);
    };
    const addRatio = (rawObjective: number, errors: Selector, total: Selector, description: string) => {
      const objective = Number(rawObjective.toPrecision(12));
      if (!(objective > 0 && objective < 1)) {
        unconverted.push({ checkId: c.id, reason: `an objective of ${fmtNum(objective * 100)}% leaves ${objective >= 1 ? 'no' : 'all of the'} error budget: nothing to burn` });
        return;
      }
      windowNote();
      slos.push({ id, name, checkId: c.id, objective, description, alert: `${alert}BurnRate`, sli: { kind: 'ratio', errors, total } });
    };
    if (metric === 'successRatePct' || metric === 'errorRatePct') {
      if (isStream) {
        unconverted.push({ checkId: c.id, reason: 'a stream has no request success ratio (use lossPct)' });
        continue;
      }
      if ((metric === 'successRatePct') === upper) {
        unconverted.push({ checkId: c.id, reason: `op ${c.op} inverts the target: not an objective` });
        continue;
      }
      const objective = metric === 'successRatePct' ? c.limit / 100 : 1 - c.limit / 100;
      addRatio(objective, scoped(ms.errors, c.scope), scoped(ms.requests, c.scope), `${c.scope}: at least ${fmtNum(objective * 100)}% of requests succeed`);
    } else if (metric === 'availabilityPct') {
      if (upper) {
        unconverted.push({ checkId: c.id, reason: `op ${c.op} inverts the target: not an objective` });
        continue;
      }
      if (ms.probes === undefined || ms.probeErrors === undefined) {
        unconverted.push({ checkId: c.id, reason: 'monitoring.metrics.probes and probeErrors are not set: no production counter of health probes' });
        continue;
      }
      const base = (s: Selector) => withMatchers(s, ms.common.eq, ms.common.raw);
      addRatio(c.limit / 100, base(ms.probeErrors), base(ms.probes), `at least ${fmtNum(c.limit)}% of health probes succeed`);
    } else if (metric === 'lossPct' || metric === 'reconnectSuccessPct') {
      const lossy = metric === 'lossPct';
      if (ms.streamLost === undefined) {
        unconverted.push({ checkId: c.id, reason: 'monitoring.metrics names no production metric for stream loss or reconnects; only loadgate\'s own stream counters carry them' });
        continue;
      }
      if (lossy !== upper) {
        unconverted.push({ checkId: c.id, reason: `op ${c.op} inverts the target: not an objective` });
        continue;
      }
      if (lossy) {
        addRatio(1 - c.limit / 100, scoped(ms.streamLost, c.scope), scoped(ms.streamExpected!, c.scope), `${c.scope}: at most ${fmtNum(c.limit)}% of stream messages lost`);
      } else {
        const wl = streamWorkloads(c.scope);
        if (wl.length === 0) {
          unconverted.push({ checkId: c.id, reason: `no workload of the suite carries ${c.scope}` });
          continue;
        }
        // Reconnects are per connection, and every channel of a workload rides the same connections.
        const byWorkload = (s: Selector) =>
          wl.length === 1
            ? withMatchers(s, { ...ms.common.eq, workload: wl[0]! }, ms.common.raw)
            : withMatchers(s, ms.common.eq, [...ms.common.raw, `workload=~"${wl.map((w) => w.replace(/[.\\^$|?*+()[\]{}]/g, '\\\\$&')).join('|')}"`]);
        addRatio(c.limit / 100, byWorkload(ms.reconnectFailures!), byWorkload(ms.reconnectAttempts!), `${c.scope}: at least ${fmtNum(c.limit)}% of reconnects succeed (connections of ${wl.join(', ')})`);
      }
    } else if (QUANTILE[metric] !== undefined) {
      const q = QUANTILE[metric]!;
      const hist = isStream ? ms.streamLatency : ms.requestDuration;
      if (hist === undefined) {
        unconverted.push({ checkId: c.id, reason: 'monitoring.metrics.streamLatency is not set: no production histogram of stream latency' });
        continue;
      }
      if (!upper) {
        unconverted.push({ checkId: c.id, reason: `op ${c.op}: a latency floor is not an objective` });
        continue;
      }
      const bucket = scoped(parseSelector(`${hist}_bucket`, ''), c.scope);
      const count = scoped(parseSelector(`${hist}_count`, ''), c.scope);
      const le = leLabel(c.limit);
      const good = Number.isInteger(c.limit / 1000) ? withMatchers(bucket, {}, [leMatcher(c.limit)]) : withMatchers(bucket, { le });
      if (1 - q > maxBudget) {
        // A 50% or 10% budget cannot burn 14.4× (that would need more than every request to be slow).
        const expr = `histogram_quantile(${q}, sum by (le) (rate(${renderSelector(bucket)}[5m]))) > ${fmtNum(c.limit / 1000)}`;
        thresholds.push({ alert: `${alert}High`, checkId: c.id, expr, forDuration: '10m', severity: 'ticket', summary: `${c.scope} p${fmtNum(q * 100)} above ${fmtNum(c.limit)} ms for 10 minutes` });
        unconverted.push({ checkId: c.id, reason: `p${fmtNum(q * 100)} leaves an error budget of ${fmtNum((1 - q) * 100)}%: a ${burnFactor(2, '1h', periodDays)}× burn would need more than all requests slow, so it is a threshold alert (${alert}High), not a burn-rate SLO` });
        continue;
      }
      if (!ms.loadgateMetrics) notes.push(`${c.id}: reads the bucket le="${le}" of ${hist}; the production histogram must have a bucket boundary at exactly ${fmtNum(c.limit / 1000)} s`);
      windowNote();
      slos.push({
        id,
        name,
        checkId: c.id,
        objective: q,
        description: `${c.scope}: at least ${fmtNum(q * 100)}% of ${isStream ? 'messages' : 'requests'} within ${fmtNum(c.limit)} ms`,
        alert: `${alert}LatencyBurnRate`,
        sli: { kind: 'latency', good, total: count, le },
      });
    } else if (metric === 'meanMs') {
      const hist = isStream ? ms.streamLatency : ms.requestDuration;
      if (hist === undefined) {
        unconverted.push({ checkId: c.id, reason: 'monitoring.metrics.streamLatency is not set: no production histogram of stream latency' });
        continue;
      }
      const sum = renderSelector(scoped(parseSelector(`${hist}_sum`, ''), c.scope));
      const count = renderSelector(scoped(parseSelector(`${hist}_count`, ''), c.scope));
      thresholds.push({ alert: `${alert}High`, checkId: c.id, expr: `sum(rate(${sum}[5m])) / sum(rate(${count}[5m])) > ${fmtNum(c.limit / 1000)}`, forDuration: '10m', severity: 'ticket', summary: `${c.scope} mean latency above ${fmtNum(c.limit)} ms for 10 minutes` });
      unconverted.push({ checkId: c.id, reason: `a mean is not a share of good requests: a threshold alert (${alert}High), not a burn-rate SLO` });
    } else if (metric === 'maxMs') {
      unconverted.push({ checkId: c.id, reason: 'a maximum is one request, not a share of requests, and histograms do not hold it: no alert (use p999Ms for the tail)' });
    } else if (metric === 'throughputPerSec') {
      unconverted.push({ checkId: c.id, reason: 'throughput is the load the test offers; in production it is the users\' demand, not a quality of the service: no alert' });
    } else if (metric === 'droppedArrivals') {
      unconverted.push({ checkId: c.id, reason: 'dropped arrivals measure the load generator, not the service: no alert' });
    } else if (metric.startsWith('errorsPerMinute.')) {
      const cls = metric.slice('errorsPerMinute.'.length) as ErrorClass;
      const s = ms.errorClasses[cls];
      if (s === undefined) {
        unconverted.push({ checkId: c.id, reason: `monitoring.metrics.errorClasses.${cls} is not set: no production counter for ${cls} errors` });
        continue;
      }
      const breach = c.op === '<' ? '>=' : c.op === '<=' ? '>' : undefined;
      if (breach === undefined) {
        unconverted.push({ checkId: c.id, reason: `op ${c.op}: a floor on errors is not an alert` });
        continue;
      }
      const severity = mon.severity?.[c.id] ?? (DEFAULT_PAGE_CLASSES.has(cls) ? 'page' : 'ticket');
      const windowSec = c.windowSec ?? 60;
      const win = windowSec % 60 === 0 ? `${windowSec / 60}m` : `${windowSec}s`;
      const perWindow = (c.limit * windowSec) / 60;
      thresholds.push({
        alert: `${alert}ErrorsPerMinute`,
        checkId: c.id,
        expr: `sum(increase(${renderSelector(scoped(s, c.scope))}[${win}])) ${breach} ${fmtNum(perWindow)}`,
        forDuration: '0m',
        severity,
        summary: `${c.scope}: ${cls} errors ${breach} ${fmtNum(c.limit)} per minute`,
      });
    } else {
      unconverted.push({ checkId: c.id, reason: `${metric} has no monitoring equivalent` });
    }
  }
  return { service, periodDays, slos, thresholds, unconverted, notes, metrics: ms, endpointLabel, endpointValue };
}

/**
 * The SLI error ratio over a window, as Sloth records it, except that a window without traffic records nothing
 * (`> 0` on the denominator) instead of NaN: one NaN would poison the period's `sum_over_time` for the whole
 * period, and pushed load-test runs leave most windows empty.
 */
export function errorRatioExpr(slo: Slo, window: string): string {
  if (slo.sli.kind === 'ratio') return `(sum(rate(${renderSelector(slo.sli.errors)}[${window}])))\n/\n(sum(rate(${renderSelector(slo.sli.total)}[${window}])) > 0)`;
  return `1 - (\n  (sum(rate(${renderSelector(slo.sli.good)}[${window}])))\n  /\n  (sum(rate(${renderSelector(slo.sli.total)}[${window}])) > 0)\n)`;
}
