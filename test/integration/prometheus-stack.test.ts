/**
 * Against the real thing: Debian's prometheus and prometheus-pushgateway on free loopback ports, Prometheus
 * scraping the Pushgateway every second with the generated rules loaded. `loadgate run --prometheus-push` runs a
 * short suite against the built-in mock and pushes it; then histogram_quantile(0.95, …) over the pushed buckets
 * must agree with loadgate's own p95 within the bucket's width, and every Grafana panel query must return data.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { loadSuite } from '../../src/suite/load.js';
import { planForSuite } from '../../src/commands/shared.js';
import { monitoringPlan } from '../../src/monitoring/slo.js';
import { renderRules } from '../../src/monitoring/rules.js';
import { buildDashboard, dashboardQueries } from '../../src/monitoring/dashboard.js';
import { latencyBoundariesMs } from '../../src/monitoring/buckets.js';
import { runResultSchema } from '../../src/result/model.js';
import { endpointStats, measuredWindow } from '../../src/result/stats.js';

const PROMETHEUS = '/usr/bin/prometheus';
const PUSHGATEWAY = '/usr/bin/prometheus-pushgateway';
const missing = [PROMETHEUS, PUSHGATEWAY, '/usr/bin/promtool'].filter((p) => !existsSync(p));
if (missing.length > 0) console.warn(`prometheus-stack: skipped, ${missing.join(' and ')} not installed (apt-get install -y prometheus prometheus-pushgateway)`);

const SUITE = `
name: prom-it
phase: phase-0
target:
  mock:
    seed: 5
    faults:
      default:
        latency: { type: lognormal, p50Ms: 3, p99Ms: 20 }
workloads:
  - name: rest
    load: { model: open, ratePerSec: 150, durationSec: 3, maxConnections: 32 }
    mix:
      - { endpoint: fetchTicker, weight: 3 }
      - { endpoint: createOrder, weight: 1 }
  - name: streams
    load: { model: stream, connections: 5, connectRatePerSec: 50, durationSec: 3 }
    streams:
      - { channel: orderbook, ratePerSec: 10 }
sla:
  overall: { successRatePct: 99, availabilityPct: 90, errorsPerMinute: { rateLimit: 10 } }
  endpoints:
    fetchTicker: { p99Ms: 200, p95Ms: 150 }
    ws:orderbook: { lossPct: 1, p95Ms: 100 }
`;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; i < 300 && Date.now() < deadline; i++) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (${String(last)})` : ''}`);
}

interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

describe.skipIf(missing.length > 0)('Prometheus and Pushgateway, for real', () => {
  const procs: ChildProcess[] = [];
  let promUrl = '';
  let pushUrl = '';
  let dir = '';
  let run: Awaited<ReturnType<typeof runCli>>;

  async function query(q: string): Promise<PromSample[]> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: PromSample[] } };
    if (body.status !== 'success') throw new Error(`${q}: ${body.error}`);
    return body.data.result;
  }

  function start(bin: string, args: string[], name: string): void {
    const p = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    p.on('exit', (code) => {
      if (code !== null && code !== 0) console.warn(`${name} exited ${code}: ${err}`);
    });
    procs.push(p);
  }

  beforeAll(async () => {
    dir = await tempDir('loadgate-prom-');
    const suiteFile = join(dir, 'prom-it.suite.yaml');
    await writeFile(suiteFile, SUITE);
    const suite = await loadSuite(suiteFile);
    await writeFile(join(dir, 'rules.yml'), renderRules(monitoringPlan(suite, planForSuite(suite).checks)));
    const [pp, gp] = [await freePort(), await freePort()];
    promUrl = `http://127.0.0.1:${pp}`;
    pushUrl = `http://127.0.0.1:${gp}`;
    await writeFile(
      join(dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [rules.yml]
scrape_configs:
  - job_name: pushgateway
    honor_labels: true
    static_configs: [{ targets: ['127.0.0.1:${gp}'] }]
`,
    );
    await mkdir(join(dir, 'data'));
    start(PUSHGATEWAY, [`--web.listen-address=127.0.0.1:${gp}`], 'pushgateway');
    start(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${pp}`], 'prometheus');
    await waitFor('the Pushgateway', async () => ((await fetch(`${pushUrl}/-/ready`)).ok ? true : undefined));
    await waitFor('Prometheus', async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined));
    // Scraping the Pushgateway before the run starts: its own metrics arrive.
    await waitFor('the first scrape', async () => ((await query('up{job="pushgateway"} == 1')).length > 0 ? true : undefined));
    run = await runCli(['run', suiteFile, '--out', join(dir, 'out'), '--format', 'json,prom', '--prometheus-push', pushUrl], { timeoutMs: 90_000 });
  }, 150_000);

  afterAll(async () => {
    const exited = (p: ChildProcess) => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => p.once('exit', () => r())));
    for (const p of procs) p.kill('SIGTERM');
    // Both stop within a second on SIGTERM; a server that does not is killed rather than left running.
    const timer = setTimeout(() => procs.forEach((p) => p.kill('SIGKILL')), 10_000);
    await Promise.all(procs.map(exited));
    clearTimeout(timer);
  });

  it('pushes the run after writing its reports, and Prometheus scrapes it', async () => {
    expect(run.stderr).toContain("pushed the run's metrics");
    // 0 or 1: whether the SLA held on a busy box is not what this test is about; 2 or 3 would be.
    expect([0, 1], run.stdout + run.stderr).toContain(run.code);
    const prom = await readFile(join(dir, 'out', 'metrics.prom'), 'utf8');
    // The textfile of a real run passes promtool's lint without a word.
    const lint = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: prom, encoding: 'utf8' });
    expect(lint.stdout + lint.stderr).toBe('');
    const own = Number(/^loadgate_requests_total\{[^}]*endpoint="fetchTicker"[^}]*\} (\d+)$/m.exec(prom)![1]);
    expect(own).toBeGreaterThan(100);
    const seen = await waitFor('the pushed run in Prometheus', async () => {
      const r = await query('loadgate_requests_total{suite="prom-it",endpoint="fetchTicker"}');
      return r.length === 1 && Number(r[0]!.value[1]) === own ? r : undefined;
    });
    expect(seen[0]!.metric.job).toBe('loadgate');
    // The start-of-run push (all zeros) was scraped too, so rate() sees the run's counts from zero.
    expect((await query('min_over_time(loadgate_requests_total{suite="prom-it",endpoint="fetchTicker"}[10m]) == 0')).length).toBe(1);
  });

  it("histogram_quantile(0.95) over the pushed buckets agrees with loadgate's p95 within the bucket's width", async () => {
    const result = runResultSchema.parse(JSON.parse(await readFile(join(dir, 'out', 'result.json'), 'utf8')));
    for (const name of ['fetchTicker', 'createOrder']) {
      const own = endpointStats(name, result.endpoints[name]!, result.meta.durationSec, measuredWindow(result)).latency!.p95Ms! / 1000;
      const r = await waitFor(`p95 of ${name}`, async () => {
        const s = await query(`histogram_quantile(0.95, sum by (le) (rate(loadgate_request_duration_seconds_bucket{suite="prom-it",endpoint="${name}"}[5m])))`);
        return s.length === 1 && Number.isFinite(Number(s[0]!.value[1])) ? Number(s[0]!.value[1]) : undefined;
      });
      const b = latencyBoundariesMs([{ metric: 'p99Ms', limit: 200 }, { metric: 'p95Ms', limit: 150 }, { metric: 'p95Ms', limit: 100 }]).map((ms) => ms / 1000);
      const upper = b.find((x) => x >= own)!;
      const lower = [...b].reverse().find((x) => x < own) ?? 0;
      expect(Math.abs(r - own), `${name}: Prometheus ${r} s vs loadgate ${own} s, bucket (${lower}, ${upper}]`).toBeLessThanOrEqual(upper - lower);
    }
  });

  it('the bucket at the p99 limit (le="0.2") reads the share of requests within 200 ms', async () => {
    const r = await query('sum(loadgate_request_duration_seconds_bucket{suite="prom-it",endpoint="fetchTicker",le="0.2"}) / sum(loadgate_request_duration_seconds_count{suite="prom-it",endpoint="fetchTicker"})');
    expect(r).toHaveLength(1);
    expect(Number(r[0]!.value[1])).toBeGreaterThan(0.9);
    expect(Number(r[0]!.value[1])).toBeLessThanOrEqual(1);
  });

  it('every Grafana panel query returns data', async () => {
    const suite = await loadSuite(join(dir, 'prom-it.suite.yaml'));
    const d = buildDashboard(suite, monitoringPlan(suite, planForSuite(suite).checks));
    const queries = dashboardQueries(d);
    expect(queries.length).toBeGreaterThanOrEqual(10);
    // Recording rules evaluate every second: wait until the burn rates exist.
    await waitFor('the SLO recording rules', async () => ((await query('slo:period_error_budget_remaining:ratio{sloth_service="prom-it"} <= 1')).length > 0 ? true : undefined));
    const empty: string[] = [];
    for (const q of queries) {
      const expr = q.expr.replaceAll('$__rate_interval', '5m');
      // Bounded wait: the recording rules a panel reads may be a rule-evaluation interval behind the scrape.
      const ok = await waitFor(expr, async () => ((await query(expr)).some((s) => Number.isFinite(Number(s.value[1]))) ? true : undefined), 15_000).catch(() => false);
      if (!ok) empty.push(`${q.panel} ${q.refId}: ${expr}`);
    }
    expect(empty).toEqual([]);
    // What Sloth's dashboard (Grafana 14348) reads besides: every SLO's info, objective, period and budget series.
    const slos = monitoringPlan(suite, planForSuite(suite).checks).slos.length;
    // Rule groups evaluate on their own schedules: wait (bounded) until each series exists for every SLO.
    for (const m of ['sloth_slo_info', 'slo:objective:ratio', 'slo:error_budget:ratio', 'slo:time_period:days', 'slo:sli_error:ratio_rate30d', 'slo:period_burn_rate:ratio']) {
      const n = await waitFor(`${m} for all ${slos} SLOs`, async () => {
        const got = (await query(`${m}{sloth_service="prom-it"}`)).length;
        return got === slos ? got : undefined;
      });
      expect(n, m).toBe(slos);
    }
  });
});
