import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderPrometheus } from '../../src/report/prometheus.js';
import { buildView } from '../../src/report/derive.js';
import { endpointStats, measuredWindow } from '../../src/result/stats.js';
import { EndpointRecorder } from '../../src/result/recorder.js';
import { compileSla } from '../../src/sla/checks.js';
import { evaluate } from '../../src/sla/evaluate.js';
import { buildFixture, HOSTILE, HOSTILE_ENDPOINT } from '../helpers/fixture-result.js';

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_VALUE = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const LABELS = `\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=${LABEL_VALUE})(?:,[a-zA-Z_][a-zA-Z0-9_]*=${LABEL_VALUE})*\\}`;
const VALUE = '(?:[+-]?(?:\\d+\\.?\\d*(?:[eE][+-]?\\d+)?|\\.\\d+(?:[eE][+-]?\\d+)?)|NaN|[+-]Inf)';
const SAMPLE = new RegExp(`^(${NAME})(${LABELS})? (${VALUE})$`);
const HELP = new RegExp(`^# HELP (${NAME}) .*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(new RegExp(`([a-zA-Z_][a-zA-Z0-9_]*)=(${LABEL_VALUE})`, 'g'))) {
    out[m[1]!] = m[2]!.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return out;
}

/** The text format's rules, checked without promtool: HELP/TYPE first, families contiguous, histogram suffixes only on histograms. */
function parse(text: string): { samples: Sample[]; problems: string[]; types: Map<string, string> } {
  const problems: string[] = [];
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const done = new Set<string>();
  let current: string | undefined;
  const seen = new Set<string>();
  if (!text.endsWith('\n')) problems.push('no final line feed');
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = HELP.exec(line))) continue;
    if ((m = TYPE.exec(line))) {
      if (types.has(m[1]!)) problems.push(`second TYPE for ${m[1]}`);
      types.set(m[1]!, m[2]!);
      if (current !== undefined) done.add(current);
      current = m[1]!;
      continue;
    }
    if ((m = SAMPLE.exec(line))) {
      const name = m[1]!;
      const family = types.get(name) === undefined && /_(bucket|sum|count)$/.test(name) ? name.replace(/_(bucket|sum|count)$/, '') : name;
      if (!types.has(family)) problems.push(`sample before TYPE: ${name}`);
      if (family !== name && types.get(family) !== 'histogram') problems.push(`${name}: suffix on a ${types.get(family)}`);
      if (family !== current || done.has(family)) problems.push(`samples of ${family} are not contiguous`);
      const key = `${name}${m[2] ?? ''}`;
      if (seen.has(key)) problems.push(`duplicate series ${key}`);
      seen.add(key);
      samples.push({ name, labels: parseLabels(m[2] ?? ''), value: Number(m[3]!.replace('+Inf', 'Infinity').replace('-Inf', '-Infinity')) });
      continue;
    }
    problems.push(`not in the exposition grammar: ${JSON.stringify(line)}`);
  }
  return { samples, problems, types };
}

const hasPromtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasPromtool) console.warn('report-prometheus: promtool checks skipped, promtool not installed (apt-get install -y prometheus)');

describe('renderPrometheus', () => {
  const f = buildFixture();
  const text = renderPrometheus(f.report);
  const { samples, problems, types } = parse(text);
  const all = (name: string, labels: Record<string, string>) => samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  const get = (name: string, labels: Record<string, string>) => all(name, labels)[0];

  it('follows the text exposition grammar: HELP and TYPE first, families contiguous, no duplicate series', () => {
    expect(problems).toEqual([]);
    expect(samples.length).toBeGreaterThan(100);
  });

  it.skipIf(!hasPromtool)('passes `promtool check metrics` without a word, hostile labels included', () => {
    for (const t of [text, renderPrometheus(buildFixture({ hostile: true }).report), renderPrometheus(buildFixture({ incomplete: true, saturated: true }).report)]) {
      const r = spawnSync('promtool', ['check', 'metrics'], { input: t, encoding: 'utf8' });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  });

  it('uses base units and keeps quantile labels out (no _ms, _pct or quantile anywhere)', () => {
    expect([...types.keys()].filter((n) => /_(ms|pct|sec)(_|$)/.test(n))).toEqual([]);
    expect(samples.filter((s) => 'quantile' in s.labels)).toEqual([]);
    expect(types.get('loadgate_request_duration_seconds')).toBe('histogram');
  });

  it('exports latency as a histogram per endpoint over the measured window: cumulative buckets, +Inf = _count, _sum in seconds', () => {
    const s = endpointStats('fetchTicker', f.result.endpoints.fetchTicker!, f.result.meta.durationSec, measuredWindow(f.result));
    const buckets = all('loadgate_request_duration_seconds_bucket', { endpoint: 'fetchTicker' });
    const counts = buckets.map((b) => b.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(buckets.at(-1)!.labels.le).toBe('+Inf');
    const count = get('loadgate_request_duration_seconds_count', { endpoint: 'fetchTicker' })!.value;
    expect(buckets.at(-1)!.value).toBe(count);
    expect(count).toBe(s.latency!.count);
    expect(get('loadgate_request_duration_seconds_sum', { endpoint: 'fetchTicker' })!.value / count).toBeCloseTo(s.latency!.meanMs! / 1000, 6);
    // The SLA's latency limits are bucket boundaries (fetchTicker.p95Ms < 20 ms → le="0.02").
    const limits = f.verdict.checks.filter((c) => c.unit === 'ms').map((c) => String(c.limit / 1000));
    const les = new Set(buckets.map((b) => b.labels.le));
    for (const l of limits) expect(les.has(l), `le="${l}"`).toBe(true);
    // HDR's p95 and the bucket at the limit agree on which side of 20 ms 95% of requests are.
    const at20 = buckets.find((b) => b.labels.le === '0.02')!.value / count;
    expect(at20 >= 0.95).toBe(s.latency!.p95Ms! <= 20);
  });

  // A sample within one HDR bucket (0.1%) of a boundary counts on the side its bucket's top lies, where the SLA's
  // percentiles also put it (200.000 ms sits in HDR's [199.936, 200.063] bucket: p99 reads 200.063 ms, above the limit).
  it('counts requests ≤ a limit exactly to HDR resolution, at 200 ms where HDR buckets are 128 µs wide', () => {
    const fx = buildFixture({ sla: { endpoints: { fetchTicker: { p99Ms: 200 } } } });
    const rec = new EndpointRecorder('fetchTicker', 'http', 'mixed');
    const at = (fx.result.meta.warmupSec + 1) * 1000;
    const values = [...Array(10).fill(1), ...Array(5).fill(199.9), ...Array(3).fill(200.2), ...Array(2).fill(249.8), 200];
    for (const ms of values) rec.recordResponse({ atMs: at, latencyUs: ms * 1000, status: 200 });
    const result = { ...fx.result, endpoints: { ...fx.result.endpoints, fetchTicker: rec.toResult() } };
    const verdict = evaluate(compileSla({ endpoints: { fetchTicker: { p99Ms: 200 } } }), result);
    const p = parse(renderPrometheus({ result, verdict, suiteName: 'x', generatedAt: '' })).samples;
    const le = (v: string) => p.find((s) => s.name === 'loadgate_request_duration_seconds_bucket' && s.labels.endpoint === 'fetchTicker' && s.labels.le === v)!.value;
    expect([le('0.001'), le('0.1'), le('0.2'), le('0.25'), le('+Inf')]).toEqual([10, 10, 15, 21, 21]);
    // Exactly 200 ms: the bucket and the SLA percentile agree it is above the limit.
    const edge = new EndpointRecorder('fetchTicker', 'http', 'mixed');
    for (let i = 0; i < 5; i++) edge.recordResponse({ atMs: at, latencyUs: 200_000, status: 200 });
    const r2 = { ...fx.result, endpoints: { ...fx.result.endpoints, fetchTicker: edge.toResult() } };
    const v2 = evaluate(compileSla({ endpoints: { fetchTicker: { p99Ms: 200 } } }), r2);
    const p2 = parse(renderPrometheus({ result: r2, verdict: v2, suiteName: 'x', generatedAt: '' })).samples;
    expect(p2.find((s) => s.name === 'loadgate_request_duration_seconds_bucket' && s.labels.endpoint === 'fetchTicker' && s.labels.le === '0.2')!.value).toBe(0);
    expect(v2.checks.find((c) => c.id === 'fetchTicker.p99Ms')!.actual).toBeGreaterThan(200);
  });

  it('keeps overall out of the per-endpoint families, so a sum over endpoints is the total', () => {
    expect(samples.filter((s) => s.labels.endpoint === 'overall')).toEqual([]);
    const view = buildView(f.report);
    const http = all('loadgate_requests_total', { kind: 'http' }).reduce((a, s) => a + s.value, 0);
    expect(http).toBe(view.overall!.measured!.requests);
  });

  it('exports requests, errors by class (every class, zeros included), error ratio and throughput per endpoint', () => {
    const s = endpointStats('fetchTicker', f.result.endpoints.fetchTicker!, f.result.meta.durationSec, measuredWindow(f.result));
    expect(get('loadgate_requests_total', { endpoint: 'fetchTicker' })!.value).toBe(s.requests);
    expect(get('loadgate_errors_total', { endpoint: 'fetchTicker', class: 'rateLimit' })!.value).toBe(s.errorsByClass.rateLimit);
    expect(get('loadgate_errors_total', { endpoint: 'fetchTicker', class: 'auth' })!.value).toBe(0);
    expect(get('loadgate_error_ratio', { endpoint: 'fetchTicker' })!.value).toBeCloseTo(s.errorRatePct! / 100, 12);
    expect(get('loadgate_throughput_requests_per_second', { endpoint: 'fetchTicker' })!.value).toBe(s.throughputPerSec);
    expect(samples.every((x) => x.labels.suite === 'exchange-smoke' && x.labels.phase === 'phase-2')).toBe(true);
  });

  it('exports one state series per SLA check (pass, fail, no-data), exactly one of them 1, and limits in base units', () => {
    expect(get('loadgate_run_pass', {})!.value).toBe(0);
    for (const c of f.verdict.checks) {
      const states = all('loadgate_sla_check_status', { check: c.id });
      expect(states.map((s) => s.labels.status).sort()).toEqual(['fail', 'no-data', 'pass']);
      expect(states.filter((s) => s.value === 1).map((s) => s.labels.status)).toEqual([c.status]);
    }
    expect(get('loadgate_sla_check_status', { check: 'fetchMarkets.p95Ms', status: 'no-data' })!.value).toBe(1);
    expect(get('loadgate_sla_check_limit', { check: 'fetchTicker.p95Ms' })).toMatchObject({ value: 0.02, labels: { unit: 'seconds' } });
    expect(parse(renderPrometheus(buildFixture({ passing: true }).report)).samples.find((s) => s.name === 'loadgate_run_pass')!.value).toBe(1);
    const state = (t: string) => parse(t).samples.filter((s) => s.name === 'loadgate_run_status' && s.value === 1).map((s) => s.labels.status);
    expect(state(text)).toEqual(['fail']);
    expect(state(renderPrometheus(buildFixture({ passing: true }).report))).toEqual(['pass']);
    expect(state(renderPrometheus(buildFixture({ passing: true, incomplete: true }).report))).toEqual(['incomplete']);
  });

  it('carries run info (label, git commit, engines) and never the target URL', () => {
    const info = get('loadgate_run_info', {})!;
    expect(info.value).toBe(1);
    expect(info.labels).toMatchObject({ git_commit: '3f9c2ab41d0e', target: 'mock' });
    expect(info.labels.engines).toContain('autocannon');
    expect(text).not.toContain('127.0.0.1');
  });

  it('exports stream counters per stream, connection counters once per workload, and arrivals per outcome family', () => {
    const st = f.result.endpoints['ws:orderbook']!.stream!;
    expect(get('loadgate_stream_lost_total', { endpoint: 'ws:orderbook' })!.value).toBe(st.lost);
    expect(get('loadgate_stream_expected_messages_total', { endpoint: 'ws:orderbook' })!.value).toBe(st.expected);
    expect(all('loadgate_stream_reconnect_attempts_total', {})).toHaveLength(1);
    expect(get('loadgate_stream_reconnect_failures_total', { workload: 'stream' })!.value).toBe(st.reconnectAttempts - st.reconnectSuccesses);
    expect(all('loadgate_stream_message_latency_seconds_count', { endpoint: 'ws:orderbook' })).toHaveLength(1);
    expect(get('loadgate_arrivals_dropped_total', { endpoint: 'fetchOrderBook' })!.value).toBe(3);
  });

  it('the zero snapshot has the same counter and histogram series, every value 0, and no gauges', () => {
    const z = parse(renderPrometheus(f.report, { zero: true }));
    expect(z.problems).toEqual([]);
    expect(z.samples.every((s) => s.value === 0)).toBe(true);
    expect([...z.types.values()].every((t) => t !== 'gauge')).toBe(true);
    const key = (s: Sample) => `${s.name}${JSON.stringify(s.labels)}`;
    const nonGauge = samples.filter((s) => types.get(s.name.replace(/_(bucket|sum|count)$/, '')) !== 'gauge' || types.get(s.name) === 'counter');
    expect(z.samples.map(key).sort()).toEqual(nonGauge.map(key).sort());
  });

  it('escapes backslashes, quotes and line feeds in label values', () => {
    const h = parse(renderPrometheus(buildFixture({ hostile: true }).report));
    expect(h.problems).toEqual([]);
    const ev = h.samples.find((s) => s.name === 'loadgate_requests_total' && s.labels.endpoint === HOSTILE_ENDPOINT);
    expect(ev).toBeDefined();
    expect(ev!.labels.suite).toBe(`smoke ${HOSTILE}`);
    expect(h.samples.some((s) => s.labels.check === `${HOSTILE_ENDPOINT}.p95Ms`)).toBe(true);
  });
});

