/**
 * A Grafana dashboard (JSON model, schemaVersion 39) for the metrics a monitoring plan reads: per-endpoint
 * p50/p95/p99 from the histograms, error rate by class, throughput, the load test's SLA status, SLO burn rates and
 * remaining budget (Sloth's recording rules), WebSocket loss and reconnects. Pure.
 * https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/
 */
import { renderSelector, type MonitoringPlan, type Selector } from './slo.js';
import type { Suite } from '../suite/schema.js';

export interface DashboardTarget {
  refId: string;
  expr: string;
  legendFormat: string;
  /** Instant (table/stat) or range (time series). */
  instant?: boolean;
  range?: boolean;
}

export interface DashboardPanel {
  id: number;
  type: 'timeseries' | 'stat' | 'table';
  title: string;
  description: string;
  datasource: { type: 'prometheus'; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] };
  options: Record<string, unknown>;
  targets: DashboardTarget[];
}

export interface Dashboard {
  title: string;
  uid: string;
  tags: string[];
  schemaVersion: number;
  version: number;
  editable: boolean;
  time: { from: string; to: string };
  refresh: string;
  templating: { list: unknown[] };
  panels: DashboardPanel[];
}

const DS = { type: 'prometheus' as const, uid: '${datasource}' };
const RATE = '$__rate_interval';

function sel(plan: MonitoringPlan, s: Selector): string {
  return renderSelector({ name: s.name, eq: { ...s.eq, ...plan.metrics.common.eq }, raw: [...s.raw, ...plan.metrics.common.raw] });
}

function bare(plan: MonitoringPlan, name: string): string {
  return sel(plan, { name, eq: {}, raw: [] });
}

/** Build the dashboard for a suite's monitoring plan. */
export function buildDashboard(suite: Suite, plan: MonitoringPlan): Dashboard {
  const panels: DashboardPanel[] = [];
  const ep = plan.endpointLabel;
  const suiteName = suite.name ?? plan.service;
  let y = 0;
  let half = 0;
  const add = (p: Omit<DashboardPanel, 'id' | 'datasource' | 'gridPos' | 'fieldConfig' | 'options'> & { unit?: string; full?: boolean; options?: Record<string, unknown> }) => {
    const w = p.full ? 24 : 12;
    const x = p.full ? 0 : half * 12;
    const { unit, full, options, ...rest } = p;
    panels.push({
      ...rest,
      id: panels.length + 1,
      datasource: DS,
      gridPos: { h: 8, w, x, y },
      fieldConfig: { defaults: unit ? { unit } : {}, overrides: [] },
      options: options ?? {},
    });
    if (full || half === 1) {
      y += 8;
      half = 0;
    } else half = 1;
  };
  const letter = (i: number) => String.fromCharCode(65 + i);
  const hist = plan.metrics.requestDuration;
  const quantiles = [0.5, 0.95, 0.99];
  const qname = (q: number) => `p${q * 100}`;

  add({
    type: 'timeseries',
    title: 'Request latency p50 / p95 / p99 by endpoint',
    description: `histogram_quantile over the rate of ${hist}_bucket, per ${ep}.`,
    unit: 's',
    full: true,
    targets: quantiles.map((q, i) => ({
      refId: letter(i),
      expr: `histogram_quantile(${q}, sum by (le, ${ep}) (rate(${bare(plan, `${hist}_bucket`)}[${RATE}])))`,
      legendFormat: `{{${ep}}} ${qname(q)}`,
      range: true,
    })),
  });
  const classes = Object.entries(plan.metrics.errorClasses);
  const requests = sel(plan, plan.metrics.requests);
  if (classes.length > 0) {
    add({
      type: 'timeseries',
      title: 'Error rate by class',
      description: 'Failed requests of each class, as a share of all requests.',
      unit: 'percentunit',
      targets: classes.map(([cls, s], i) => ({
        refId: letter(i),
        expr: `sum(rate(${sel(plan, s!)}[${RATE}])) / sum(rate(${requests}[${RATE}]))`,
        legendFormat: cls,
        range: true,
      })),
    });
  }
  add({
    type: 'timeseries',
    title: 'Error ratio by endpoint',
    description: 'Failed requests as a share of requests, per endpoint.',
    unit: 'percentunit',
    targets: [{ refId: 'A', expr: `sum by (${ep}) (rate(${sel(plan, plan.metrics.errors)}[${RATE}])) / sum by (${ep}) (rate(${requests}[${RATE}]))`, legendFormat: `{{${ep}}}`, range: true }],
  });
  add({
    type: 'timeseries',
    title: 'Throughput by endpoint',
    description: 'Requests per second.',
    unit: 'reqps',
    targets: [{ refId: 'A', expr: `sum by (${ep}) (rate(${requests}[${RATE}]))`, legendFormat: `{{${ep}}}`, range: true }],
  });
  // The load test's own gate: always loadgate's pushed metrics for this suite.
  const own = `suite="${suiteName.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  add({
    type: 'table',
    title: 'SLA checks of the last run',
    description: 'loadgate_sla_check_status: the state (pass, fail, no-data) of each check in the last pushed run.',
    targets: [{ refId: 'A', expr: `max by (check, status) (loadgate_sla_check_status{${own}}) == 1`, legendFormat: '{{check}} {{status}}', instant: true }],
  });
  add({
    type: 'stat',
    title: 'Last run: verdict',
    description: 'loadgate_run_status: pass, fail, incomplete or untrustworthy; loadgate_run_pass is 1 only for a completed, passing run.',
    targets: [
      { refId: 'A', expr: `max by (status) (loadgate_run_status{${own}}) == 1`, legendFormat: '{{status}}', instant: true },
      { refId: 'B', expr: `max(loadgate_run_pass{${own}})`, legendFormat: 'pass', instant: true },
    ],
  });
  if (plan.slos.length > 0) {
    const svc = `sloth_service="${plan.service}"`;
    add({
      type: 'timeseries',
      title: 'SLO burn rate (5m)',
      description: 'slo:current_burn_rate:ratio: how fast each SLO spends its error budget (1 = exactly on budget over the period).',
      targets: [{ refId: 'A', expr: `slo:current_burn_rate:ratio{${svc}}`, legendFormat: '{{sloth_slo}}', range: true }],
    });
    add({
      type: 'timeseries',
      title: `Error budget remaining (${plan.periodDays}d)`,
      description: 'slo:period_error_budget_remaining:ratio, from the SLO recording rules.',
      unit: 'percentunit',
      targets: [{ refId: 'A', expr: `slo:period_error_budget_remaining:ratio{${svc}}`, legendFormat: '{{sloth_slo}}', range: true }],
    });
  }
  const hasStreams = suite.workloads.some((w) => w.streams !== undefined);
  if (hasStreams) {
    const sh = plan.metrics.streamLatency ?? 'loadgate_stream_message_latency_seconds';
    add({
      type: 'timeseries',
      title: 'Stream message latency p50 / p95 / p99',
      description: `histogram_quantile over the rate of ${sh}_bucket, per stream.`,
      unit: 's',
      targets: quantiles.map((q, i) => ({
        refId: letter(i),
        expr: `histogram_quantile(${q}, sum by (le, ${ep}) (rate(${bare(plan, `${sh}_bucket`)}[${RATE}])))`,
        legendFormat: `{{${ep}}} ${qname(q)}`,
        range: true,
      })),
    });
    add({
      type: 'timeseries',
      title: 'WebSocket message loss',
      description: 'Messages lost (sequence gaps) as a share of messages expected, per stream.',
      unit: 'percentunit',
      targets: [
        { refId: 'A', expr: `sum by (endpoint) (rate(loadgate_stream_lost_total{${own}}[${RATE}])) / sum by (endpoint) (rate(loadgate_stream_expected_messages_total{${own}}[${RATE}]))`, legendFormat: '{{endpoint}}', range: true },
        { refId: 'B', expr: `max by (endpoint) (loadgate_stream_loss_ratio{${own}})`, legendFormat: '{{endpoint}} (last run)', instant: true },
      ],
    });
    add({
      type: 'timeseries',
      title: 'WebSocket disconnects and reconnects',
      description: 'Per workload (every channel of a workload shares its connections).',
      targets: [
        { refId: 'A', expr: `sum by (workload) (increase(loadgate_stream_disconnects_total{${own}}[${RATE}]))`, legendFormat: '{{workload}} disconnects', range: true },
        { refId: 'B', expr: `sum by (workload) (increase(loadgate_stream_reconnect_attempts_total{${own}}[${RATE}]))`, legendFormat: '{{workload}} reconnect attempts', range: true },
        { refId: 'C', expr: `sum by (workload) (increase(loadgate_stream_reconnect_failures_total{${own}}[${RATE}]))`, legendFormat: '{{workload}} reconnects failed', range: true },
      ],
    });
  }
  const uid = `loadgate-${plan.service}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40);
  return {
    title: `loadgate · ${plan.service}`,
    uid,
    tags: ['loadgate', 'slo'],
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: { list: [{ name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {} }] },
    panels,
  };
}

export function renderDashboard(d: Dashboard): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}

/** Every panel query, for tests and `--check`: panel title, refId, PromQL. */
export function dashboardQueries(d: Dashboard): Array<{ panel: string; refId: string; expr: string }> {
  return d.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, refId: t.refId, expr: t.expr })));
}
