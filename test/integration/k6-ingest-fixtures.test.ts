/**
 * Every real k6 v0.48 run in ../shared/fixtures/k6/runs, ingested from its NDJSON, reproduces k6's own
 * handleSummary values for every metric and sub-metric (count, rate, avg, min, med, max, p(90), p(95), p(99)):
 * within 1% or one HDR bucket (3 significant digits → 2^-10 relative, plus the 1 µs recording resolution).
 * k6 computes p(N) by linear interpolation between sorted samples; k6Values does the same over the histogram.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyJsonLine, ingestNdjsonFile } from '../../src/engines/k6/ingest-ndjson.js';
import { K6Aggregator } from '../../src/engines/k6/aggregate.js';
import { ingestSummary } from '../../src/engines/k6/ingest-summary.js';
import { bucketToleranceMs, k6Values } from '../../src/engines/k6/k6-stats.js';
import { decodeHistogram } from '../../src/result/histogram.js';

const RUNS = fileURLToPath(new URL('../../../shared/fixtures/k6/runs/', import.meta.url));
const runs = readdirSync(RUNS)
  .filter((f) => f.endsWith('.ndjson'))
  .map((f) => f.replace(/\.ndjson$/, ''));

interface HsMetric {
  type: string;
  contains: string;
  values: Record<string, number>;
}
interface Hs {
  metrics: Record<string, HsMetric>;
  options: { summaryTrendStats: string[] };
  state: { testRunDurationMs: number };
}

function tolerance(expected: number, m: HsMetric, stat: string): number {
  const rel = Math.abs(expected) * 0.01;
  if (m.type === 'trend' && stat !== 'count') return Math.max(rel, m.contains === 'time' ? bucketToleranceMs(expected) : Math.abs(expected) * 2 ** -10 + 1);
  return Math.max(rel, 1e-9);
}

describe('ingesting the k6 fixture NDJSON', () => {
  it('finds the fixture runs', () => {
    expect(runs.length).toBeGreaterThanOrEqual(9);
  });

  for (const run of runs.filter((r) => existsSync(`${RUNS}${r}.handle-summary.json`))) {
    const hsFile = `${RUNS}${run}.handle-summary.json`;
    it(`reproduces every k6 summary value of ${run} within 1% or one histogram bucket`, async () => {
      const hs = JSON.parse(readFileSync(hsFile, 'utf8')) as Hs;
      const ing = await ingestNdjsonFile(`${RUNS}${run}.ndjson`);
      const durSec = hs.state.testRunDurationMs / 1000;
      const mismatches: string[] = [];
      let compared = 0;
      for (const [key, m] of Object.entries(hs.metrics)) {
        const c = ing.custom[key];
        const empty = m.values.count === 0 || (m.type === 'rate' && (m.values.passes ?? 0) + (m.values.fails ?? 0) === 0);
        if (c === undefined) {
          // k6 lists threshold sub-metrics with no samples (a typo'd tag) with all-zero values; NDJSON has nothing.
          if (!empty && !key.includes('{')) mismatches.push(`${key}: missing`);
          continue;
        }
        const mine = k6Values(c, durSec, hs.options.summaryTrendStats);
        for (const [stat, expected] of Object.entries(m.values)) {
          // A gauge's `value` is the last sample k6 ingested, which depends on its internal order (FORMATS.md §9).
          if (m.type === 'gauge' && stat === 'value') continue;
          compared++;
          const got = mine[stat];
          if (got === undefined || Math.abs(got - expected) > tolerance(expected, m, stat)) mismatches.push(`${key} ${stat}: k6 ${expected}, loadgate ${got}`);
        }
      }
      expect(mismatches).toEqual([]);
      expect(compared).toBeGreaterThan(10);
    });
  }

  it('reproduces the counter rates within 1% from the sample time range alone when the run lasted over a second', async () => {
    for (const run of ['rest-pass', 'ws-stream', 'err-transport-errors']) {
      const hs = JSON.parse(readFileSync(`${RUNS}${run}.handle-summary.json`, 'utf8')) as Hs;
      const ing = await ingestNdjsonFile(`${RUNS}${run}.ndjson`);
      const spanSec = (ing.lastSampleMs - ing.firstSampleMs) / 1000;
      for (const [key, m] of Object.entries(hs.metrics)) {
        if (m.type !== 'counter' || ing.custom[key] === undefined) continue;
        expect(k6Values(ing.custom[key], spanSec).rate).toBeCloseTo(m.values.rate!, -Math.log10(m.values.rate! * 0.01));
      }
    }
  });

  it('keys rest-pass endpoints by the name tag and leaves the setup() request out unless asked', async () => {
    const hs = JSON.parse(readFileSync(`${RUNS}rest-pass.handle-summary.json`, 'utf8')) as Hs;
    const ing = await ingestNdjsonFile(`${RUNS}rest-pass.ndjson`);
    for (const name of ['fetchMarkets', 'fetchOrderBook', 'fetchTicker', 'createOrder', 'cancelOrder']) {
      const ep = ing.endpoints[name]!;
      const k6 = hs.metrics[`http_req_duration{name:${name}}`]!.values;
      expect(ep.requests).toBe(k6.count);
      const h = decodeHistogram(ep.latency);
      expect(h.totalCount).toBe(k6.count);
      expect(Math.abs(h.maxValue / 1000 - k6.max!)).toBeLessThanOrEqual(bucketToleranceMs(k6.max!));
    }
    expect(ing.endpoints['setup:fetchMarkets']).toBeUndefined();
    const withSetup = await ingestNdjsonFile(`${RUNS}rest-pass.ndjson`, { includeSetup: true });
    expect(withSetup.endpoints['setup:fetchMarkets']?.requests).toBe(1);
    // the injected 500s (orderbook) and the 429 (createOrder) are errors with their status codes
    expect(ing.endpoints.fetchOrderBook!.statusCodes['500']).toBe(3);
    expect(ing.endpoints.fetchOrderBook!.errors.server).toBe(3);
    expect(ing.endpoints.createOrder!.errors.rateLimit).toBe(1);
  });

  it('counts status-0 transport errors as network and timeout errors without a latency', async () => {
    const ing = await ingestNdjsonFile(`${RUNS}err-transport-errors.ndjson`);
    const refused = ing.endpoints.refused!;
    expect(refused.errors.network).toBe(refused.requests);
    expect(decodeHistogram(refused.latency).totalCount).toBe(0);
    const timeouts = ing.endpoints.fetchTickerTimeout!;
    expect(timeouts.errors.timeout).toBeGreaterThan(0);
  });

  it('turns the WebSocket latency and loss metrics of ws-stream into ws:<channel> stream endpoints', async () => {
    const hs = JSON.parse(readFileSync(`${RUNS}ws-stream.handle-summary.json`, 'utf8')) as Hs;
    const ing = await ingestNdjsonFile(`${RUNS}ws-stream.ndjson`);
    const ob = ing.endpoints['ws:orderbook']!;
    const tk = ing.endpoints['ws:ticker']!;
    expect(ob.kind).toBe('ws');
    expect(ob.requests + tk.requests).toBe(hs.metrics.ws_msg_latency!.values.count);
    const lost = ob.stream!.lost + tk.stream!.lost;
    const loss = hs.metrics.ws_msg_loss!.values;
    expect(lost).toBe(loss.passes);
    expect(ob.stream!.expected + tk.stream!.expected).toBe(loss.passes! + loss.fails!);
  });

  it('gives exactly what a JSON.parse of every line gives, on every fixture run (the fast path changes nothing)', async () => {
    for (const run of runs) {
      const fast = await ingestNdjsonFile(`${RUNS}${run}.ndjson`);
      const agg = new K6Aggregator();
      for (const line of readFileSync(`${RUNS}${run}.ndjson`, 'utf8').split('\n')) if (line.trim() !== '') applyJsonLine(agg, JSON.parse(line));
      const slow = agg.finish();
      expect(fast.custom, run).toEqual(slow.custom);
      expect(fast.endpoints, run).toEqual(slow.endpoints);
      expect(fast.skippedLines, run).toBe(0);
    }
  });

  it('reads a gzipped NDJSON (k6 --out json=<file>.gz) like the plain file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-k6-gz-'));
    try {
      const gz = join(dir, 'err-test-abort.ndjson.gz');
      writeFileSync(gz, gzipSync(readFileSync(`${RUNS}err-test-abort.ndjson`)));
      const plain = await ingestNdjsonFile(`${RUNS}err-test-abort.ndjson`);
      const zipped = await ingestNdjsonFile(gz);
      expect(zipped.custom).toEqual(plain.custom);
      expect(zipped.endpoints).toEqual(plain.endpoints);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the samples of a run k6 was killed in (exit 130, no summary)', async () => {
    const ing = await ingestNdjsonFile(`${RUNS}err-sigint-killed130.ndjson`);
    expect(ing.endpoints.fetchTicker!.requests).toBeGreaterThan(0);
    expect(ing.truncatedLastLine).toBe(false);
  });
});

describe('ingesting the k6 fixture summaries', () => {
  for (const run of runs.filter((r) => existsSync(`${RUNS}${r}.summary.json`))) {
    it(`reads ${run}'s --summary-export like its handleSummary, thresholds un-inverted`, () => {
      const exp = ingestSummary('x', JSON.parse(readFileSync(`${RUNS}${run}.summary.json`, 'utf8')));
      const hs = ingestSummary('y', JSON.parse(readFileSync(`${RUNS}${run}.handle-summary.json`, 'utf8')));
      expect(exp.format).toBe('summary-export');
      expect(hs.format).toBe('handle-summary');
      // The export has no `contains`, so a custom trend's unit is unknown there: compare the values.
      const noUnit = (c: Record<string, object>) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, { ...v, unit: undefined }]));
      expect(noUnit(exp.custom)).toEqual(noUnit(hs.custom));
      const key = (t: { metric: string; expression: string; ok: boolean }) => `${t.metric} ${t.expression} ${t.ok}`;
      expect(exp.thresholds.map(key).sort()).toEqual(hs.thresholds.map(key).sort());
      expect(Object.keys(exp.endpoints).sort()).toEqual(Object.keys(hs.endpoints).sort());
      // the export has no duration: derived from a counter's count/rate
      if (hs.testRunDurationMs !== undefined && exp.testRunDurationMs !== undefined) expect(exp.testRunDurationMs).toBeCloseTo(hs.testRunDurationMs, 3);
    });
  }

  it('reports the failed thresholds of rest-fail and takes the percentiles the summary has', () => {
    const s = ingestSummary('rest-fail.summary.json', JSON.parse(readFileSync(`${RUNS}rest-fail.summary.json`, 'utf8')));
    expect(s.thresholds.filter((t) => !t.ok).map((t) => `${t.metric} ${t.expression}`).sort()).toEqual([
      'http_req_duration{name:fetchOrderBook} p(99)<8',
      'http_req_duration{name:fetchTicker} p(95)<5',
      'http_req_failed{name:fetchOrderBook} rate<0.0001',
      'orders_created count>100000',
    ]);
    const t = s.endpoints.fetchTicker!.latencySummaryMs!;
    expect(t.p95Ms).toBeCloseTo(19.9656, 3);
    expect(t.p999Ms).toBeUndefined();
    expect(s.missing.fetchTicker).toContain('p999Ms');
    // the typo'd sub-metric with zero samples is not an endpoint
    expect(s.endpoints.fetchTickr).toBeUndefined();
    expect(s.notes.join('\n')).toMatch(/fetchTickr.*no samples/);
  });

  it('reads the text-summary run, whose only machine output is the export', () => {
    const s = ingestSummary('t', JSON.parse(readFileSync(`${RUNS}rest-pass-textsummary.summary.json`, 'utf8')));
    expect(s.endpoints.fetchTicker!.requests).toBeGreaterThan(0);
    expect(s.thresholds.every((t) => t.ok)).toBe(true);
  });
});
