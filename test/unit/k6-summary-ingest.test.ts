/** k6 summaries without raw samples (src/engines/k6/ingest-summary.ts): what a summary can and cannot say. */
import { describe, expect, it } from 'vitest';
import { ingestSummary } from '../../src/engines/k6/ingest-summary.js';
import { compileSla } from '../../src/sla/checks.js';
import { evaluate } from '../../src/sla/evaluate.js';
import { summaryToRunResult } from '../../src/engines/k6/result.js';

const host = { hostname: 'h', platform: 'linux', arch: 'x64', cpus: 1, node: 'v20' };

describe('a --summary-export written with the default summaryTrendStats (no count)', () => {
  // k6 lists a threshold's sub-metric even with no samples, all zeros (FORMATS.md §0.2, §4); without `count`
  // in summaryTrendStats nothing says it is empty.
  const data = {
    metrics: {
      'http_req_duration{name:fetchTickr}': { avg: 0, min: 0, med: 0, max: 0, 'p(90)': 0, 'p(95)': 0, thresholds: { 'p(95)<300': false } },
      'http_req_duration{name:fetchOrderBook}': { avg: 11.5, min: 0.9, med: 11.6, max: 36.3, 'p(90)': 19.1, 'p(95)': 20.3 },
      http_reqs: { count: 80, rate: 5 },
    },
  };

  it('makes no endpoint of an all-zero sub-metric, so a typo in a tag cannot pass an SLA', () => {
    const s = ingestSummary('x.json', data);
    expect(s.endpoints.fetchTickr).toBeUndefined();
    expect(s.notes.join('\n')).toMatch(/fetchTickr/);
    const result = summaryToRunResult(s, { suite: 's', host, fallbackEndedAtMs: 1_800_000_000_000 });
    const v = evaluate(compileSla({ endpoints: { fetchTickr: { p95Ms: 300 } } }), result);
    expect(v.status).toBe('fail');
    expect(v.checks[0]!.status).toBe('no-data');
  });

  it('still makes endpoints of sub-metrics with real values', () => {
    expect(ingestSummary('x.json', data).endpoints.fetchOrderBook!.latencySummaryMs!.p95Ms).toBe(20.3);
  });
});
