import { describe, expect, it } from 'vitest';
import { mergeResults, unionLengthMs } from '../../src/result/merge.js';
import { endpointStats, measuredWindow } from '../../src/result/stats.js';
import { endpoint, result } from '../helpers/results.js';

describe('mergeResults', () => {
  it('adds histograms and counts exactly', () => {
    const a = result({ x: endpoint('x', [{ n: 100, latencyMs: 10 }]) }, { durationSec: 1 });
    const b = result({ x: endpoint('x', [{ n: 300, latencyMs: 30, errors: 3 }]) }, { durationSec: 1 });
    const m = mergeResults([a, b]);
    const s = endpointStats('x', m.endpoints.x!, m.meta.durationSec);
    expect(s.requests).toBe(400);
    expect(s.errors).toBe(3);
    expect(s.latency!.p50Ms!).toBeCloseTo(30, 1);
    expect(s.latency!.p90Ms! > 29 && s.latency!.p90Ms! < 31).toBe(true);
    expect(s.latency!.count).toBe(400);
  });

  it('merges as-sent latency from every part: uncorrected where recorded, plain latency where the part has none', async () => {
    const { EndpointRecorder } = await import('../../src/result/recorder.js');
    const rec = new EndpointRecorder('x', 'http', 'w');
    for (let i = 0; i < 100; i++) rec.recordResponse({ atMs: i * 10, latencyUs: 90_000, latencyUncorrectedUs: 10_000, status: 200 });
    const open = result({ x: rec.toResult() }, { durationSec: 1 });
    const closed = result({ x: endpoint('x', [{ n: 300, latencyMs: 30 }]) }, { durationSec: 1 });
    const m = mergeResults([open, closed]);
    const ep = m.endpoints.x!;
    const asSent = endpointStats('x', ep, m.meta.durationSec, undefined, { uncorrected: true });
    expect(asSent.latency!.count).toBe(400); // not only the 100 samples of the part that had the field
    expect(asSent.latency!.p50Ms!).toBeCloseTo(30, 1);
    expect(asSent.latency!.minMs!).toBeCloseTo(10, 1);
    const perSecond = endpointStats('x', ep, m.meta.durationSec, { fromSec: 0, toSec: 1 }, { uncorrected: true });
    expect(perSecond.latency!.count).toBe(400);
    expect(perSecond.latency!.minMs!).toBeCloseTo(10, 1);
  });

  it("keeps the mock's own time of a single result and drops it from a merge of several (summaries do not merge)", () => {
    const withServerTime = (r: ReturnType<typeof result>) => ({
      ...r,
      meta: { ...r.meta, target: { ...r.meta.target, serverTimeMs: { x: { source: 'built-in mock', count: 1, p50Ms: 1 } } } },
    });
    const a = withServerTime(result({ x: endpoint('x', [{ n: 10, latencyMs: 10 }]) }, { durationSec: 1 }));
    const b = withServerTime(result({ x: endpoint('x', [{ n: 11, latencyMs: 10 }]) }, { durationSec: 1 }));
    expect(mergeResults([a]).meta.target.serverTimeMs).toEqual(a.meta.target.serverTimeMs);
    expect(mergeResults([a, b]).meta.target).toEqual({ url: a.meta.target.url, mock: true });
  });

  it('recomputes rates over the union of the time ranges: overlapping runners count their shared time once', () => {
    const a = result({ x: endpoint('x', Array.from({ length: 10 }, () => ({ n: 100, latencyMs: 5 }))) }, { durationSec: 10, startedAt: '2026-11-22T00:00:00Z' });
    const b = result({ x: endpoint('x', Array.from({ length: 10 }, () => ({ n: 100, latencyMs: 5 }))) }, { durationSec: 10, startedAt: '2026-11-22T00:00:05Z' });
    const m = mergeResults([a, b]);
    expect(m.meta.durationSec).toBe(15);
    expect(endpointStats('x', m.endpoints.x!, m.meta.durationSec).throughputPerSec).toBeCloseTo(2000 / 15, 6);
    // b's series is shifted onto a's clock: second 5 holds both runners' requests.
    expect(m.endpoints.x!.series.find((p) => p.tSec === 5)!.requests).toBe(200);
    expect(m.endpoints.x!.series.at(-1)!.tSec).toBe(14);
  });

  it('keeps every measured sample of two back-to-back runs (issue #16 item 6): laid end to end, each warm-up left out', () => {
    // Two 5 s runs, 2 s apart, 1 s warm-up each, 50 requests a second: 200 measured requests each.
    const run = (startedAt: string, latencyMs: number) =>
      result({ x: endpoint('x', Array.from({ length: 5 }, () => ({ n: 50, latencyMs }))) }, { durationSec: 5, warmupSec: 1, startedAt });
    const a = run('2026-11-22T00:00:00Z', 10);
    const b = run('2026-11-22T00:00:07Z', 30);
    const m = mergeResults([a, b], ['a.json', 'b.json']);
    const measured = (r: typeof m) => endpointStats('x', r.endpoints.x!, r.meta.durationSec, measuredWindow(r));
    expect(measured(a).requests).toBe(200);
    expect(measured(m).requests).toBe(400);
    // Rates over the time load was applied after warm-up (4 s + 4 s), not over a window that cut b off.
    expect(measured(m).throughputPerSec).toBeCloseTo(50, 6);
    // b's latency (30 ms) is half of what was measured: its seconds are in the window.
    expect(measured(m).latency!.p50Ms!).toBeCloseTo(10, 0);
    expect(measured(m).latency!.maxMs!).toBeCloseTo(30, 0);
    expect(m.endpoints.x!.requests).toBe(500);
    expect(m.meta.notes.some((n) => /do not overlap in time/.test(n) && /2\.0 s/.test(n))).toBe(true);
    // Order of the arguments does not matter.
    expect(measured(mergeResults([b, a])).requests).toBe(400);
  });

  it('refuses the same result given twice (it would double the throughput)', () => {
    const a = result({ x: endpoint('x', [{ n: 100, latencyMs: 10 }]) }, { durationSec: 1 });
    expect(() => mergeResults([a, structuredClone(a)], ['a.json', 'a-copy.json'])).toThrow(expect.objectContaining({ code: 'LG_MERGE_DUPLICATE' }));
  });

  it('says when the parts come from different suites', () => {
    const a = result({ x: endpoint('x', [{ n: 100, latencyMs: 10 }]) }, { durationSec: 1 });
    const b = { ...result({ x: endpoint('x', [{ n: 90, latencyMs: 10 }]) }, { durationSec: 1 }), meta: { ...a.meta, suite: 'other' } };
    expect(mergeResults([a, b]).meta.notes.some((n) => n.includes('different suites (other, unit)'))).toBe(true);
    expect(mergeResults([a]).meta.notes).toEqual([]);
  });

  it('carries generator saturation of any part into the merge', () => {
    const a = result({ x: endpoint('x', [{ n: 100, latencyMs: 10 }]) }, { durationSec: 1 });
    const b = { ...result({ x: endpoint('x', [{ n: 90, latencyMs: 10 }]) }, { durationSec: 1 }), generator: { saturated: true, reasons: ['event loop stalled'] } };
    const m = mergeResults([a, b], ['a.json', 'b.json']);
    expect(m.generator).toEqual({ saturated: true, reasons: ['b.json: event loop stalled'] });
  });

  it('measures the union of intervals', () => {
    expect(unionLengthMs([[0, 10], [5, 15], [20, 30]])).toBe(25);
    expect(unionLengthMs([[0, 10], [2, 3]])).toBe(10);
  });
});
