/** `loadgate grafana dashboard`: the panels and their queries (evaluated against a real Prometheus in test/integration/prometheus-stack). */
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSuite, parseSuite } from '../../src/suite/load.js';
import { planForSuite } from '../../src/commands/shared.js';
import { monitoringPlan } from '../../src/monitoring/slo.js';
import { buildDashboard, dashboardQueries, renderDashboard } from '../../src/monitoring/dashboard.js';
import { ERROR_CLASSES } from '../../src/result/model.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('buildDashboard', async () => {
  const suite = await loadSuite(join(ROOT, 'scenarios/default.suite.yaml'));
  const d = buildDashboard(suite, monitoringPlan(suite, planForSuite(suite).checks));
  const panel = (title: RegExp) => d.panels.find((p) => title.test(p.title))!;

  it('is a Grafana dashboard model: unique panel ids, a grid 24 wide, a Prometheus data-source variable', () => {
    const json = JSON.parse(renderDashboard(d)) as typeof d;
    expect(json.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(new Set(json.panels.map((p) => p.id)).size).toBe(json.panels.length);
    expect(json.panels.every((p) => p.gridPos.x + p.gridPos.w <= 24 && p.datasource.uid === '${datasource}')).toBe(true);
    expect(json.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    expect(json.uid.length).toBeLessThanOrEqual(40);
  });

  it('plots p50, p95 and p99 per endpoint from the histograms (histogram_quantile over the rate of _bucket)', () => {
    const p = panel(/^Request latency/);
    expect(p.targets.map((t) => t.expr)).toEqual(
      [0.5, 0.95, 0.99].map((q) => `histogram_quantile(${q}, sum by (le, endpoint) (rate(loadgate_request_duration_seconds_bucket{suite="default"}[$__rate_interval])))`),
    );
    expect(p.fieldConfig.defaults.unit).toBe('s');
  });

  it('has error rate by class, throughput, SLA status, burn rates, and WebSocket loss and reconnects', () => {
    expect(panel(/^Error rate by class/).targets.map((t) => t.legendFormat)).toEqual([...ERROR_CLASSES]);
    expect(panel(/^Throughput/).targets[0]!.expr).toBe('sum by (endpoint) (rate(loadgate_requests_total{suite="default"}[$__rate_interval]))');
    expect(panel(/^SLA checks/).targets[0]!.expr).toContain('loadgate_sla_check_status{suite="default"}');
    expect(panel(/^SLO burn rate/).targets[0]!.expr).toBe('slo:current_burn_rate:ratio{sloth_service="default"}');
    expect(panel(/^Error budget remaining/).targets[0]!.expr).toBe('slo:period_error_budget_remaining:ratio{sloth_service="default"}');
    expect(panel(/^WebSocket message loss/).targets[0]!.expr).toContain('loadgate_stream_lost_total');
    expect(panel(/^WebSocket disconnects and reconnects/).targets.map((t) => t.expr).join('\n')).toMatch(/reconnect_attempts_total[\s\S]*reconnect_failures_total/);
    expect(dashboardQueries(d).length).toBe(d.panels.reduce((n, p) => n + p.targets.length, 0));
  });

  it("reads the production metrics and endpoint label the suite's monitoring block names", () => {
    const s = parseSuite('p.suite.yaml', {
      name: 'api',
      target: { mock: true },
      workloads: [{ name: 'rest', load: { model: 'open', ratePerSec: 10, durationSec: 1 }, mix: [{ endpoint: 'fetchTicker' }] }],
      sla: { overall: { successRatePct: 99 } },
      monitoring: { matchers: 'job="api"', endpointLabel: 'handler', metrics: { requestDuration: 'http_request_duration_seconds', requests: 'http_requests_total', errors: 'http_requests_total{code=~"5.."}' } },
    });
    const pd = buildDashboard(s, monitoringPlan(s, planForSuite(s).checks));
    expect(pd.panels[0]!.targets[1]!.expr).toBe('histogram_quantile(0.95, sum by (le, handler) (rate(http_request_duration_seconds_bucket{job="api"}[$__rate_interval])))');
    expect(pd.panels.some((p) => /WebSocket/.test(p.title))).toBe(false);
  });
});
