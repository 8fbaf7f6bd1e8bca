import { describe, expect, it } from 'vitest';
import { EndpointRecorder } from '../../src/result/recorder.js';
import { decodeHistogram } from '../../src/result/histogram.js';

describe('EndpointRecorder', () => {
  it('buckets responses by the second they complete in and keeps whole-run totals', () => {
    const r = new EndpointRecorder('fetchTicker', 'http', 'w');
    for (let i = 0; i < 30; i++) r.recordResponse({ atMs: i * 100, latencyUs: 1000 + i, status: 200 });
    r.recordResponse({ atMs: 2500, latencyUs: 5000, status: 500, errorClass: 'server', correlationId: 'c-err' });
    const res = r.toResult();
    expect(res.requests).toBe(31);
    expect(res.series.map((p) => [p.tSec, p.requests])).toEqual([
      [0, 10],
      [1, 10],
      [2, 11],
    ]);
    expect(res.series[2]!.errors).toEqual({ server: 1 });
    expect(res.statusCodes).toEqual({ '200': 30, '500': 1 });
    expect(res.samples.failed[0]).toMatchObject({ correlationId: 'c-err', status: 500, errorClass: 'server' });
    expect(decodeHistogram(res.latency).totalCount).toBe(31);
  });

  it('keeps memory flat on long runs and still merges a late sample into its closed second exactly', () => {
    const r = new EndpointRecorder('x', 'http', 'w');
    for (let s = 0; s < 600; s++) r.recordResponse({ atMs: s * 1000 + 1, latencyUs: 100, status: 200 });
    r.recordResponse({ atMs: 5_500, latencyUs: 900, status: 200 }); // second 5 closed long ago
    const res = r.toResult();
    expect(res.series).toHaveLength(600);
    const five = res.series.find((p) => p.tSec === 5)!;
    expect(five.requests).toBe(2);
    expect(decodeHistogram(five.latency).totalCount).toBe(2);
    const total = res.series.reduce((a, p) => a + decodeHistogram(p.latency).totalCount, 0);
    expect(total).toBe(601);
  });

  it('counts a request with no response as a request and an error, without a latency sample', () => {
    const r = new EndpointRecorder('x', 'http', 'w');
    r.recordError({ atMs: 10, errorClass: 'network', errorCode: 'ECONNRESET', correlationId: 'c1' });
    const res = r.toResult();
    expect(res.requests).toBe(1);
    expect(res.errors).toEqual({ network: 1 });
    expect(res.errorCodes).toEqual({ ECONNRESET: 1 });
    expect(decodeHistogram(res.latency).totalCount).toBe(0);
  });

  it('keeps the IDs of the slowest requests, slowest first', () => {
    const r = new EndpointRecorder('x', 'http', 'w', { keepSamples: 3 });
    [5, 1, 9, 3, 7].forEach((ms, i) => r.recordResponse({ atMs: i, latencyUs: ms * 1000, status: 200, correlationId: `c${ms}` }));
    expect(r.toResult().samples.slowest.map((s) => s.correlationId)).toEqual(['c9', 'c7', 'c5']);
  });

  it('gives the same snapshot when toResult is called twice', () => {
    const r = new EndpointRecorder('x', 'http', 'w');
    r.recordResponse({ atMs: 100, latencyUs: 100, status: 200 });
    expect(r.toResult()).toEqual(r.toResult());
  });
});
