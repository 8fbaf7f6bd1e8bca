import { describe, expect, it } from 'vitest';
import { renderPrometheus } from '../../src/report/prometheus.js';
import { endpointStats, measuredWindow } from '../../src/result/stats.js';
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

function parse(text: string): { samples: Sample[]; problems: string[] } {
  const problems: string[] = [];
  const samples: Sample[] = [];
  const typed = new Set<string>();
  const done = new Set<string>();
  let current: string | undefined;
  const seen = new Set<string>();
  if (!text.endsWith('\n')) problems.push('no final line feed');
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = HELP.exec(line))) continue;
    if ((m = TYPE.exec(line))) {
      if (typed.has(m[1]!)) problems.push(`second TYPE for ${m[1]}`);
      typed.add(m[1]!);
      if (current !== undefined) done.add(current);
      current = m[1]!;
      continue;
    }
    if ((m = SAMPLE.exec(line))) {
      const name = m[1]!;
      if (!typed.has(name)) problems.push(`sample before TYPE: ${name}`);
      if (name !== current || done.has(name)) problems.push(`samples of ${name} are not contiguous`);
      const key = `${name}${m[2] ?? ''}`;
      if (seen.has(key)) problems.push(`duplicate series ${key}`);
      seen.add(key);
      samples.push({ name, labels: parseLabels(m[2] ?? ''), value: Number(m[3]!.replace('+Inf', 'Infinity').replace('-Inf', '-Infinity')) });
      continue;
    }
    problems.push(`not in the exposition grammar: ${JSON.stringify(line)}`);
  }
  return { samples, problems };
}

describe('renderPrometheus', () => {
  const f = buildFixture();
  const text = renderPrometheus(f.report);
  const { samples, problems } = parse(text);
  const get = (name: string, labels: Record<string, string>) => samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

  it('follows the text exposition grammar: HELP and TYPE first, families contiguous, no duplicate series', () => {
    expect(problems).toEqual([]);
    expect(samples.length).toBeGreaterThan(50);
  });

  it('exports the run verdict and each check as 0/1 gauges', () => {
    expect(get('loadgate_run_pass', {})!.value).toBe(0);
    expect(get('loadgate_sla_check_pass', { check: 'fetchTicker.p95Ms' })!.value).toBe(0);
    expect(get('loadgate_sla_check_pass', { check: 'fetchTicker.p99Ms' })!.value).toBe(1);
    expect(get('loadgate_sla_check_no_data', { check: 'fetchMarkets.p95Ms' })!.value).toBe(1);
    expect(get('loadgate_sla_check_limit', { check: 'fetchTicker.p95Ms' })!.value).toBe(20);
    expect(parse(renderPrometheus(buildFixture({ passing: true }).report)).samples.find((s) => s.name === 'loadgate_run_pass')!.value).toBe(1);
  });

  it('exports latency quantiles, requests, errors by class and throughput per endpoint from the measured window', () => {
    const s = endpointStats('fetchTicker', f.result.endpoints.fetchTicker!, f.result.meta.durationSec, measuredWindow(f.result));
    expect(get('loadgate_latency_ms', { endpoint: 'fetchTicker', quantile: '0.95' })!.value).toBe(s.latency!.p95Ms);
    expect(get('loadgate_latency_ms', { endpoint: 'fetchTicker', quantile: '0.999' })!.value).toBe(s.latency!.p999Ms);
    expect(get('loadgate_requests_total', { endpoint: 'fetchTicker' })!.value).toBe(s.requests);
    expect(get('loadgate_errors_total', { endpoint: 'fetchTicker', class: 'rateLimit' })!.value).toBe(s.errorsByClass.rateLimit);
    expect(get('loadgate_throughput_per_sec', { endpoint: 'fetchTicker' })!.value).toBe(s.throughputPerSec);
    expect(samples.every((x) => x.labels.suite === 'exchange-smoke')).toBe(true);
  });

  it('exports stream and arrival counters when the result has them', () => {
    const st = f.result.endpoints['ws:orderbook']!.stream!;
    expect(get('loadgate_stream_lost_total', { endpoint: 'ws:orderbook' })!.value).toBe(st.lost);
    expect(get('loadgate_arrivals_total', { endpoint: 'fetchOrderBook', outcome: 'dropped' })!.value).toBe(3);
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
