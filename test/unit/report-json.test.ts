import { describe, expect, it } from 'vitest';
import { renderJson } from '../../src/report/json.js';
import type { ReportJson } from '../../src/report/model.js';
import { decodeHistogram, summarizeHistogram } from '../../src/result/histogram.js';
import { endpointStats, measuredWindow, overallEndpoint } from '../../src/result/stats.js';
import { buildFixture } from '../helpers/fixture-result.js';

/** Every key path to a number in the object. */
function numericPaths(v: unknown, path: string[] = []): string[][] {
  if (typeof v === 'number') return [path];
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => numericPaths(x, [...path, k]));
}

describe('renderJson', () => {
  const f = buildFixture();
  const text = renderJson(f.report);
  const j = JSON.parse(text) as ReportJson;
  const dur = f.result.meta.durationSec;

  it('identifies itself as a loadgate report, schema version 1', () => {
    expect(j.kind).toBe('loadgate.report');
    expect(j.schemaVersion).toBe(1);
    expect(j.suiteName).toBe('exchange-smoke');
    expect(j.generatedAt).toBe(f.report.generatedAt);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('holds each endpoint’s stats over the measured window and the whole run, exactly as endpointStats computes them', () => {
    expect(Object.keys(j.endpoints).sort()).toEqual(Object.keys(f.result.endpoints).sort());
    for (const [name, ep] of Object.entries(f.result.endpoints)) {
      const m = endpointStats(name, ep, dur, measuredWindow(f.result));
      const w = endpointStats(name, ep, dur);
      const e = j.endpoints[name]!;
      expect(e.measured.requests).toBe(m.requests);
      expect(e.measured.throughputPerSec).toBe(m.throughputPerSec);
      expect(e.measured.errorRatePct).toBe(m.errorRatePct);
      expect(e.measured.latency.p95Ms).toBe(m.latency!.p95Ms);
      expect(e.measured.latency.p999Ms).toBe(m.latency!.p999Ms);
      expect(e.wholeRun.requests).toBe(ep.requests);
      expect(e.wholeRun.latency.p99Ms).toBe(w.latency!.p99Ms);
      expect(e.wholeRun.latency.maxMs).toBe(summarizeHistogram(decodeHistogram(ep.latency))!.maxMs);
      expect(e.errors.byClass).toEqual(ep.errors);
      expect(e.errors.byCode).toEqual(ep.errorCodes);
      expect(e.samples).toEqual(ep.samples);
    }
    const ov = endpointStats('overall', overallEndpoint(f.result)!, dur, measuredWindow(f.result));
    expect(j.overall!.measured.latency.p95Ms).toBe(ov.latency!.p95Ms);
    expect(j.overall!.measured.requests).toBe(ov.requests);
  });

  it('keeps the same keys on every endpoint, with null for what was not measured', () => {
    const shapes = Object.values(j.endpoints).map((e) => Object.keys(e).sort().join(','));
    expect(new Set(shapes).size).toBe(1);
    expect(j.endpoints.fetchTicker!.stream).toBeNull();
    expect(j.endpoints.fetchTicker!.arrivals).toBeNull();
    expect(j.endpoints.fetchTicker!.latencyUncorrected).toBeNull();
    const missing = j.verdict.checks.find((c) => c.id === 'fetchMarkets.p95Ms')!;
    expect(missing.status).toBe('no-data');
    expect(missing.actual).toBeNull();
    expect(missing.detail).toContain('fetchMarkets');
  });

  it('reports uncorrected latency, arrivals and stream stats where the result has them', () => {
    const ob = j.endpoints.fetchOrderBook!;
    const unc = summarizeHistogram(decodeHistogram(f.result.endpoints.fetchOrderBook!.latencyUncorrected!))!;
    expect(ob.latencyUncorrected!.p99Ms).toBe(unc.p99Ms);
    expect(ob.latencyUncorrected!.p99Ms!).toBeLessThan(ob.wholeRun.latency.p99Ms!);
    const measured = endpointStats('fetchOrderBook', f.result.endpoints.fetchOrderBook!, f.result.meta.durationSec, measuredWindow(f.result), { uncorrected: true });
    expect(ob.measuredLatencyUncorrected!.p99Ms).toBe(measured.latency!.p99Ms);
    expect(j.endpoints.fetchTicker!.measuredLatencyUncorrected).toBeNull();
    expect(ob.arrivals).toMatchObject({ ...f.result.endpoints.fetchOrderBook!.arrivals, droppedPct: (3 / 753) * 100 });
    const st = j.endpoints['ws:orderbook']!.stream!;
    const raw = f.result.endpoints['ws:orderbook']!.stream!;
    expect(st.lossPct).toBe((raw.lost / raw.expected) * 100);
    expect(st.reconnectSuccessPct).toBe((raw.reconnectSuccesses / raw.reconnectAttempts) * 100);
    expect(st.recoveryTimeMs.maxMs).toBe(summarizeHistogram(decodeHistogram(raw.recoveryTime))!.maxMs);
  });

  it('carries the verdict, the meta with the measured window, the generator and the notes', () => {
    expect(j.verdict.status).toBe('fail');
    expect(j.verdict.summary).toEqual(f.verdict.summary);
    expect(j.verdict.checks.map((c) => c.id)).toEqual(f.verdict.checks.map((c) => c.id));
    expect(j.meta.measuredWindow).toEqual({ fromSec: 5, toSec: 30 });
    expect(j.meta.gitCommit).toBe('3f9c2ab41d0e');
    expect(j.meta.reportDir).toBe(f.report.reportDir);
    expect(j.generator).toEqual(f.result.generator);
    expect(j.notes.some((n) => n.text.startsWith('Warm-up'))).toBe(true);
  });

  it('names every latency number with its unit', () => {
    for (const e of Object.values(j.endpoints)) {
      for (const p of numericPaths(e)) {
        const leaf = p[p.length - 1]!;
        if (p.includes('latency') || p.includes('latencyUncorrected') || /TimeMs$/.test(p[p.length - 2] ?? '')) expect(leaf === 'count' || leaf.endsWith('Ms'), p.join('.')).toBe(true);
      }
    }
  });

  it('renders the same input to the same bytes', () => {
    expect(renderJson(f.report)).toBe(text);
  });
});
