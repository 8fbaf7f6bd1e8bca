/** The fast NDJSON scanner handles every quirk of FORMATS.md §6 and agrees with JSON.parse on every line. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyJsonLine, ingestNdjsonBuffers, parseK6Time } from '../../src/engines/k6/ingest-ndjson.js';
import { K6Aggregator } from '../../src/engines/k6/aggregate.js';
import { k6Values } from '../../src/engines/k6/k6-stats.js';
import { decodeHistogram } from '../../src/result/histogram.js';
import { ndjsonToRunResult } from '../../src/engines/k6/result.js';
import { runResultSchema } from '../../src/result/model.js';

const metricLine = (name: string, type: string, contains: string, subs: Array<[string, Record<string, string>]> = []) =>
  JSON.stringify({ type: 'Metric', data: { name, type, contains, thresholds: [], submetrics: subs.length ? subs.map(([n, tags]) => ({ name: n, suffix: '', tags })) : null }, metric: name });
const point = (metric: string, time: string, value: string, tags: Record<string, string>) =>
  `{"metric":"${metric}","type":"Point","data":{"time":"${time}","value":${value},"tags":${JSON.stringify(tags)}}}`;
const http = (name: string, status: string, extra: Record<string, string> = {}) => ({ expected_response: status === '200' ? 'true' : 'false', group: '', method: 'GET', name, proto: 'HTTP/1.1', scenario: 's', status, url: name, ...extra });

describe('the k6 NDJSON scanner', () => {
  it('reads exponent-form values exactly (1.795308008668e+12, 5e-05)', () => {
    const r = ingestNdjsonBuffers([
      `${metricLine('exchange_ts_ms', 'gauge', 'default')}\n`,
      `${point('exchange_ts_ms', '2026-11-22T00:40:08.683648317Z', '1.795308008668e+12', {})}\n`,
      `${metricLine('tiny', 'trend', 'default')}\n${point('tiny', '2026-11-22T00:40:08.7Z', '5e-05', {})}\n`,
    ]);
    expect(r.custom.exchange_ts_ms!.value).toBe(1.795308008668e12);
    expect(r.custom.tiny!.sum).toBe(5e-5);
  });

  it('parses times with 0 to 9 fractional digits to sub-millisecond epoch ms', () => {
    expect(parseK6Time('2026-11-22T00:40:08.654801262Z')).toBeCloseTo(Date.UTC(2026, 10, 22, 0, 40, 8) + 654.801262, 4);
    const r = ingestNdjsonBuffers([`${point('vus', '2026-11-22T00:40:08Z', '1', {})}\n${point('vus', '2026-11-22T00:40:09.5Z', '2', {})}\n`]);
    expect(r.firstSampleMs).toBe(Date.UTC(2026, 10, 22, 0, 40, 8));
    expect(r.lastSampleMs).toBe(Date.UTC(2026, 10, 22, 0, 40, 9, 500));
  });

  it('drops a truncated last line and says so, keeping every complete line', () => {
    const l1 = point('http_req_duration', '2026-11-22T00:40:08.1Z', '12.5', http('fetchTicker', '200'));
    const l2 = point('http_req_duration', '2026-11-22T00:40:08.2Z', '13.5', http('fetchTicker', '200'));
    const r = ingestNdjsonBuffers([`${l1}\n${l2.slice(0, 80)}`]);
    expect(r.truncatedLastLine).toBe(true);
    expect(r.endpoints.fetchTicker!.requests).toBe(1);
    expect(r.notes.join(' ')).toMatch(/middle of a line/);
    // a complete last line without a newline is kept
    expect(ingestNdjsonBuffers([`${l1}\n${l2}`]).endpoints.fetchTicker!.requests).toBe(2);
  });

  it('falls back to JSON.parse for escaped tag values and another key order', () => {
    const esc = point('http_req_duration', '2026-11-22T00:40:08.1Z', '0', http('refused', '0', { error: 'dial: \\"x\\" refused', error_code: '1212' }));
    const reordered = JSON.stringify({ type: 'Point', metric: 'http_req_duration', data: { value: 7, time: '2026-11-22T00:40:08.2Z', tags: http('fetchTicker', '200') } });
    const r = ingestNdjsonBuffers([`${esc}\n${reordered}\n`]);
    expect(r.endpoints.refused!.errors.network).toBe(1);
    expect(r.endpoints.refused!.errorCodes['k6:1212']).toBe(1);
    expect(r.endpoints.fetchTicker!.requests).toBe(1);
    expect(r.skippedLines).toBe(0);
  });

  it('classes status-0 transport errors by k6 error code, timeouts included, when the error tag is off', () => {
    const t = (code: string) => point('http_req_duration', '2026-11-22T00:40:08.1Z', '0', http('x', '0', { error_code: code }));
    const r = ingestNdjsonBuffers([`${['1050', '1211', '1212', '1220'].map(t).join('\n')}\n`]);
    expect(r.endpoints.x!.errors).toEqual({ timeout: 2, network: 2 });
    expect(r.endpoints.x!.requests).toBe(4);
  });

  it('records out-of-order samples into the right second (WebSocket sessions stamped at connection start)', () => {
    const lines = [
      point('http_req_duration', '2026-11-22T00:40:10.100Z', '5', http('a', '200')),
      point('http_req_duration', '2026-11-22T00:40:15.100Z', '5', http('a', '200')),
      point('http_req_duration', '2026-11-22T00:40:11.100Z', '6', http('a', '200')),
    ];
    const r = ingestNdjsonBuffers([`${lines.join('\n')}\n`]);
    expect(r.endpoints.a!.series.map((p) => [p.tSec, p.requests])).toEqual([
      [0, 1],
      [1, 1],
      [5, 1],
    ]);
  });

  it('starts the run at the earliest sample even when a later line holds it (WS sessions are written at their end)', () => {
    const lines = [
      point('http_req_duration', '2026-11-22T00:40:12.100Z', '5', http('a', '200')),
      point('http_req_duration', '2026-11-22T00:40:13.100Z', '5', http('a', '200')),
      // written after the first lines, stamped 2 s earlier
      point('http_req_duration', '2026-11-22T00:40:10.400Z', '6', http('a', '200')),
    ];
    const r = ingestNdjsonBuffers([`${lines.join('\n')}\n`]);
    expect(r.originEpochMs).toBe(Date.UTC(2026, 10, 22, 0, 40, 10));
    expect(r.firstSampleMs).toBeGreaterThanOrEqual(r.originEpochMs);
    expect(r.endpoints.a!.series.map((p) => [p.tSec, p.requests])).toEqual([
      [0, 1],
      [2, 1],
      [3, 1],
    ]);
  });

  it('leaves out, with a note, a metric of a type it does not know, and still gives a valid result', () => {
    const r = ingestNdjsonBuffers([
      `${metricLine('ext_hist', 'histogram', 'time')}\n${point('ext_hist', '2026-11-22T00:40:08.1Z', '3', {})}\n`,
      `${point('http_req_duration', '2026-11-22T00:40:08.2Z', '4', http('a', '200'))}\n`,
    ]);
    expect(r.custom.ext_hist).toBeUndefined();
    expect(r.notes.join('\n')).toMatch(/ext_hist/);
    const result = ndjsonToRunResult(r, { suite: 's', host: { hostname: 'h', platform: 'linux', arch: 'x64', cpus: 1, node: 'v20' }, fallbackEndedAtMs: 0 });
    expect(runResultSchema.safeParse(result).success).toBe(true);
    expect(result.endpoints.a!.requests).toBe(1);
  });

  it('gives the same result whatever the chunk boundaries', () => {
    const text = [metricLine('http_req_duration', 'trend', 'time', [['http_req_duration{name:a}', { name: 'a' }]])]
      .concat(Array.from({ length: 50 }, (_, i) => point('http_req_duration', `2026-11-22T00:40:${String(10 + (i % 40)).padStart(2, '0')}.${i}Z`, String(1 + i * 0.37), http(i % 2 ? 'a' : 'b', i % 7 ? '200' : '500'))))
      .join('\n');
    const whole = ingestNdjsonBuffers([text]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 8 }), (cuts) => {
        const sorted = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: string[] = [];
        let prev = 0;
        for (const c of sorted) {
          chunks.push(text.slice(prev, c));
          prev = c;
        }
        chunks.push(text.slice(prev));
        const r = ingestNdjsonBuffers(chunks);
        expect(r.endpoints).toEqual(whole.endpoints);
        expect(r.custom).toEqual(whole.custom);
      }),
      { numRuns: 40 },
    );
  });

  it('agrees with a JSON.parse of every line on values, counts and sub-metrics', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ v: fc.double({ min: 0, max: 1e7, noNaN: true }), name: fc.constantFrom('a', 'b'), status: fc.constantFrom('200', '429', '0') }), { minLength: 1, maxLength: 60 }),
        (samples) => {
          const lines = [metricLine('http_req_duration', 'trend', 'time', [['http_req_duration{name:a}', { name: 'a' }]])];
          samples.forEach((s, i) => lines.push(point('http_req_duration', `2026-11-22T00:40:${String(i % 60).padStart(2, '0')}.5Z`, JSON.stringify(s.v), http(s.name, s.status))));
          const fast = ingestNdjsonBuffers([`${lines.join('\n')}\n`]);
          const agg = new K6Aggregator();
          for (const l of lines) applyJsonLine(agg, JSON.parse(l));
          const slow = agg.finish();
          expect(fast.custom).toEqual(slow.custom);
          expect(fast.endpoints).toEqual(slow.endpoints);
          expect(fast.custom['http_req_duration{name:a}']!.count).toBe(samples.filter((s) => s.name === 'a').length);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('k6Values', () => {
  it('interpolates percentiles between sorted samples like k6 (rank q·(n−1))', () => {
    const values = [1, 2, 3, 4, 10];
    const lines = [metricLine('t', 'trend', 'time')].concat(values.map((v, i) => point('t', `2026-11-22T00:40:0${i}.0Z`, String(v), {})));
    const r = ingestNdjsonBuffers([`${lines.join('\n')}\n`]);
    const k = k6Values(r.custom.t!, 1);
    expect(k.med).toBeCloseTo(3, 2);
    expect(k['p(90)']).toBeCloseTo(4 + (10 - 4) * 0.6, 2);
    expect(k.avg).toBe(4);
    expect(k.min).toBe(1);
    expect(k.max).toBe(10);
    expect(decodeHistogram(r.custom.t!.histogram!).totalCount).toBe(5);
  });

  it('reports k6 zeros for an empty trend and a rate with no samples', () => {
    expect(k6Values({ type: 'trend', count: 0, sum: 0, unit: 'ms' }, 1)).toMatchObject({ avg: 0, med: 0, 'p(95)': 0, count: 0 });
    expect(k6Values({ type: 'rate', passes: 0, fails: 0 }, 1).rate).toBe(0);
  });
});
