/**
 * `loadgate prometheus rules`: the SLA read as SLOs (Sloth's names and labels, SRE-workbook burn rates), threshold
 * alerts and the targets that cannot become burn-rate alerts; checked by promtool when it is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadSuite, parseSuite } from '../../src/suite/load.js';
import { planForSuite } from '../../src/commands/shared.js';
import { burnFactor, monitoringPlan, type MonitoringPlan } from '../../src/monitoring/slo.js';
import { renderRules, renderRulesTest, ruleGroups } from '../../src/monitoring/rules.js';
import { isLoadgateError } from '../../src/errors.js';

const ROOT = resolve(import.meta.dirname, '../..');
const hasPromtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasPromtool) console.warn('prometheus-rules: promtool checks skipped, promtool not installed (apt-get install -y prometheus)');

const base = {
  name: 'api',
  target: { mock: true },
  workloads: [
    { name: 'rest', load: { model: 'open', ratePerSec: 10, durationSec: 1 }, mix: [{ endpoint: 'fetchTicker' }, { endpoint: 'createOrder' }] },
    { name: 'streams', load: { model: 'stream', connections: 1, durationSec: 1 }, streams: [{ channel: 'orderbook' }] },
  ],
};

function planOf(extra: Record<string, unknown>, opts: { periodDays?: number } = {}): MonitoringPlan {
  const suite = parseSuite('test.suite.yaml', { ...base, ...extra });
  return monitoringPlan(suite, planForSuite(suite).checks, opts);
}

const SLA = {
  sla: {
    overall: { successRatePct: 99.5, availabilityPct: 99.9, errorsPerMinute: { rateLimit: 10, auth: 0 }, throughputPerSec: 100 },
    endpoints: { fetchTicker: { p99Ms: 200, p50Ms: 20, maxMs: 1000, meanMs: 50 }, createOrder: { errorRatePct: 1 }, 'ws:orderbook': { lossPct: 0.1 } },
  },
};

describe('monitoringPlan', () => {
  const plan = planOf(SLA);
  const slo = (check: string) => plan.slos.find((s) => s.checkId === check)!;

  it('burn factors follow the SRE workbook: 14.4, 6, 3, 1 for 30 days, scaled for another period', () => {
    expect([burnFactor(2, '1h', 30), burnFactor(5, '6h', 30), burnFactor(10, '1d', 30), burnFactor(10, '3d', 30)]).toEqual([14.4, 6, 3, 1]);
    expect(burnFactor(2, '1h', 28)).toBeCloseTo(13.44, 10);
  });

  it('turns availability, success-rate, error-rate and loss targets into SLOs with their objectives', () => {
    expect(slo('overall.successRatePct').objective).toBe(0.995);
    expect(slo('overall.availabilityPct').objective).toBe(0.999);
    expect(slo('createOrder.errorRatePct').objective).toBe(0.99);
    expect(slo('ws:orderbook.lossPct').objective).toBeCloseTo(0.999, 12);
  });

  it('reads p99Ms: 200 as "at least 99% of requests ≤ 200 ms" from the bucket le="0.2"', () => {
    const s = slo('fetchTicker.p99Ms');
    expect(s.objective).toBe(0.99);
    expect(s.sli.kind).toBe('latency');
    const rules = renderRules(plan);
    expect(rules).toContain('loadgate_request_duration_seconds_bucket{suite="api",endpoint="fetchTicker",le="0.2"}[5m]');
  });

  it('says which targets cannot become burn-rate alerts, and why', () => {
    const why = Object.fromEntries(plan.unconverted.map((u) => [u.checkId, u.reason]));
    expect(why['fetchTicker.p50Ms']).toMatch(/error budget of 50%.*threshold alert/);
    expect(why['fetchTicker.maxMs']).toMatch(/maximum/);
    expect(why['fetchTicker.meanMs']).toMatch(/mean is not a share/);
    expect(why['overall.throughputPerSec']).toMatch(/demand/);
    expect(why['fetchTicker.droppedArrivals']).toMatch(/load generator/);
    expect(plan.slos.map((s) => s.checkId)).not.toContain('fetchTicker.p50Ms');
    expect(renderRules(plan)).toMatch(/# not a burn-rate alert: fetchTicker\.maxMs: /);
  });

  it('makes errorsPerMinute targets threshold alerts with severities (auth pages at the first error, rate limits open a ticket past 10/min)', () => {
    const t = Object.fromEntries(plan.thresholds.map((x) => [x.checkId, x]));
    expect(t['overall.errorsPerMinute.rateLimit']).toMatchObject({ severity: 'ticket', expr: 'sum(increase(loadgate_errors_total{class="rateLimit",suite="api",kind="http"}[1m])) > 10' });
    expect(t['overall.errorsPerMinute.auth']).toMatchObject({ severity: 'page', expr: 'sum(increase(loadgate_errors_total{class="auth",suite="api",kind="http"}[1m])) > 0' });
    const overridden = planOf({ ...SLA, monitoring: { severity: { 'overall.errorsPerMinute.rateLimit': 'page' } } });
    expect(overridden.thresholds.find((x) => x.checkId === 'overall.errorsPerMinute.rateLimit')!.severity).toBe('page');
  });

  it("uses Sloth's recording-rule names and labels, and page/ticket alerts over Sloth's windows", () => {
    const groups = ruleGroups(plan);
    const s = slo('overall.successRatePct');
    const records = groups.flatMap((g) => g.rules).filter((r) => (r.labels as Record<string, string> | undefined)?.sloth_id === s.id).map((r) => r.record);
    expect(records).toEqual(expect.arrayContaining(['slo:sli_error:ratio_rate5m', 'slo:sli_error:ratio_rate30m', 'slo:sli_error:ratio_rate1h', 'slo:sli_error:ratio_rate2h', 'slo:sli_error:ratio_rate6h', 'slo:sli_error:ratio_rate1d', 'slo:sli_error:ratio_rate3d', 'slo:sli_error:ratio_rate30d', 'slo:objective:ratio', 'slo:error_budget:ratio', 'slo:current_burn_rate:ratio', 'slo:period_burn_rate:ratio', 'slo:period_error_budget_remaining:ratio', 'sloth_slo_info']));
    const r5m = groups.flatMap((g) => g.rules).find((r) => r.record === 'slo:sli_error:ratio_rate5m' && (r.labels as Record<string, string>).sloth_id === s.id)!;
    expect(r5m.labels).toEqual({ sloth_id: 'api-overall-success-rate', sloth_service: 'api', sloth_slo: 'overall-success-rate', sloth_window: '5m' });
    const alerts = groups.find((g) => g.name === `sloth-slo-alerts-${s.id}`)!.rules;
    expect(alerts.map((a) => (a.labels as Record<string, string>).sloth_severity)).toEqual(['page', 'ticket']);
    expect(alerts[0]!.expr).toContain('slo:sli_error:ratio_rate5m{sloth_id="api-overall-success-rate", sloth_service="api", sloth_slo="overall-success-rate"} > (14.4 * 0.005)');
    expect(alerts[0]!.expr).toContain('slo:sli_error:ratio_rate6h');
    expect(alerts[1]!.expr).toContain('ratio_rate3d{sloth_id="api-overall-success-rate", sloth_service="api", sloth_slo="overall-success-rate"} > (1 * 0.005)');
    expect(planOf(SLA, { periodDays: 28 }).slos.length).toBe(plan.slos.length);
    expect(renderRules(planOf(SLA, { periodDays: 28 }))).toContain('slo:sli_error:ratio_rate28d');
  });

  it('watches the production metrics the suite names in `monitoring`', () => {
    const prod = planOf({
      ...SLA,
      monitoring: {
        service: 'exchange-api',
        matchers: 'job="api",env="prod"',
        endpointLabel: 'handler',
        endpoints: { fetchTicker: '/api/v3/ticker' },
        metrics: { requestDuration: 'http_request_duration_seconds', requests: 'http_requests_total', errors: 'http_requests_total{code=~"5..|429"}', errorClasses: { rateLimit: 'http_requests_total{code="429"}' } },
      },
    });
    const rules = renderRules(prod);
    expect(rules).toContain('http_request_duration_seconds_bucket{job="api",env="prod",handler="/api/v3/ticker",le="0.2"}');
    expect(rules).toContain('sum(rate(http_requests_total{job="api",env="prod",code=~"5..|429"}[5m]))');
    expect(rules).not.toMatch(/loadgate_(requests|errors|request_duration|stream)/);
    expect(prod.service).toBe('exchange-api');
    const why = Object.fromEntries(prod.unconverted.map((u) => [u.checkId, u.reason]));
    expect(why['overall.errorsPerMinute.auth']).toMatch(/errorClasses\.auth is not set/);
    expect(why['ws:orderbook.lossPct']).toMatch(/no production metric/);
    expect(prod.notes.join('\n')).toMatch(/bucket boundary at exactly 0.2 s/);
  });

  it("accepts the README's monitoring block and watches the service it names", async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const block = [...readme.matchAll(/```yaml\n(monitoring:[\s\S]*?)```/g)].map((m) => m[1]!)[0]!;
    const p = planOf({ ...SLA, ...(parse(block) as Record<string, unknown>) });
    expect(p.service).toBe('exchange-api');
    expect(renderRules(p)).toContain('http_request_duration_seconds_bucket{job="exchange-api",env="prod",handler="/api/v3/ticker",le="0.2"}');
  });

  it('rejects a monitoring selector that is not one, naming the path (exit 2)', () => {
    let err: unknown;
    try {
      parseSuite('bad.suite.yaml', { ...base, monitoring: { metrics: { errors: 'rate(x[5m])' } } });
    } catch (e) {
      err = e;
    }
    expect(isLoadgateError(err) && err.exitCode).toBe(2);
    expect((err as Error).message).toContain('monitoring.metrics.errors');
  });
});

describe.skipIf(!hasPromtool)('promtool on the rules of scenarios/default.suite.yaml', () => {
  async function files(plan: MonitoringPlan, hotBurn?: number): Promise<{ dir: string; rules: string; test: string }> {
    const dir = await mkdtemp(join(tmpdir(), 'loadgate-rules-'));
    const rules = join(dir, 'x.rules.yml');
    const test = join(dir, 'x.rules.test.yml');
    await writeFile(rules, renderRules(plan));
    await writeFile(test, renderRulesTest(plan, rules, hotBurn === undefined ? {} : { hotBurn }).text);
    return { dir, rules, test };
  }

  it('`promtool check rules` passes and `promtool test rules` passes: a 15x burn pages, 0.5x fires nothing', async () => {
    const suite = await loadSuite(join(ROOT, 'scenarios/default.suite.yaml'));
    const plan = monitoringPlan(suite, planForSuite(suite).checks);
    const t = renderRulesTest(plan, 'x.rules.yml');
    expect(t.skipped).toEqual([]);
    const doc = parse(t.text) as { tests: Array<{ name: string }> };
    expect(doc.tests).toHaveLength(plan.slos.length * 2);
    const f = await files(plan);
    const check = spawnSync('promtool', ['check', 'rules', f.rules], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toMatch(/SUCCESS: \d+ rules found/);
    expect(check.stdout + check.stderr).not.toMatch(/duplicate|lint/i);
    expect(check.status).toBe(0);
    const test = spawnSync('promtool', ['test', 'rules', f.test], { encoding: 'utf8', cwd: f.dir, timeout: 170_000 });
    expect(test.stdout + test.stderr).toContain('SUCCESS');
    expect(test.status).toBe(0);
  }, 180_000);

  it('the same test fails when the burn is only 2x (the page expectation is not vacuous)', async () => {
    const plan = planOf({ sla: { overall: { successRatePct: 99.5 } } });
    expect(plan.slos).toHaveLength(1);
    const f = await files(plan, 2);
    const test = spawnSync('promtool', ['test', 'rules', f.test], { encoding: 'utf8', cwd: f.dir, timeout: 60_000 });
    expect(test.status).not.toBe(0);
    expect(test.stdout + test.stderr).toMatch(/FAILED/);
  }, 90_000);
});
