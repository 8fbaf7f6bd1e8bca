/**
 * Custom endpoints on the k6 engine (issue 10): the generated config carries the specs and the workload's custom
 * mix entries, their SLA keys compile to k6 thresholds on their `name` tag, and ingestion (NDJSON and summary)
 * files a custom endpoint's samples under its own name. The NDJSON is a real k6 run's
 * (../shared/fixtures/k6/runs/rest-pass.ndjson) with one endpoint's samples renamed to a custom endpoint's.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildK6Config, endpointsOf } from '../../src/engines/k6/config.js';
import { parseConfig } from '../../src/engines/k6/script-config.js';
import { arrivalRateWeights, attributeDropped, mixWeights } from '../../src/engines/k6/as-run.js';
import { ingestNdjsonBuffers } from '../../src/engines/k6/ingest-ndjson.js';
import { ingestSummary } from '../../src/engines/k6/ingest-summary.js';
import { parseSuite } from '../../src/suite/load.js';

const RUNS = fileURLToPath(new URL('../../../shared/fixtures/k6/runs/', import.meta.url));
const FIXTURE = readFileSync(`${RUNS}rest-pass.ndjson`, 'utf8').split('\n').filter((l) => l !== '');

const endpoints = {
  fetchOpenOrders: { method: 'GET', path: '/api/v3/openOrders', params: { symbol: '{symbol}' }, signed: true },
  riskLimits: { method: 'GET', path: '/v1/risk/limits/{symbol}' },
  unused: { method: 'POST', path: '/v1/unused' },
};

function suite() {
  return parseSuite('k6-custom.yaml', {
    name: 'k6-custom',
    target: { url: 'http://127.0.0.1:9', dialect: 'binance-spot', endpoints },
    workloads: [
      { name: 'account', engine: 'k6', load: { model: 'open', ratePerSec: 20, durationSec: 10 }, mix: [{ endpoint: 'fetchTicker', weight: 3 }, { endpoint: 'fetchOpenOrders', weight: 2 }, { endpoint: 'riskLimits', depth: 5 }], symbols: ['BTC/USDT'] },
      { name: 'plain', engine: 'k6', load: { model: 'closed', connections: 1, durationSec: 10 }, mix: [{ endpoint: 'fetchTicker' }], symbols: ['BTC/USDT'] },
    ],
    sla: { endpoints: { fetchOpenOrders: { p99Ms: 300, errorRatePct: 1 }, riskLimits: { errorsPerMinute: { server: 0 } } } },
  });
}

const target = { baseUrl: 'http://127.0.0.1:9/', wsUrl: 'ws://127.0.0.1:9/ws', timeoutMs: 2000 };

describe('the k6 config of a workload with custom endpoints', () => {
  it('carries the custom mix entries and the specs of just the endpoints they name, and survives parseConfig', () => {
    const s = suite();
    const { config } = buildK6Config(s, s.workloads[0]!, target);
    expect(config.mix).toEqual([{ endpoint: 'fetchTicker', weight: 3 }]);
    expect(config.customMix).toEqual([{ endpoint: 'fetchOpenOrders', weight: 2 }, { endpoint: 'riskLimits', weight: 1, depth: 5 }]);
    expect(Object.keys(config.customEndpoints ?? {}).sort()).toEqual(['fetchOpenOrders', 'riskLimits']);
    expect(config.customEndpoints!.fetchOpenOrders).toEqual(endpoints.fetchOpenOrders);
    const back = parseConfig(JSON.stringify(config));
    expect(back.customMix).toEqual(config.customMix);
    expect(back.customEndpoints).toEqual(config.customEndpoints);
  });

  it('a workload without custom endpoints has neither field (configs read as before)', () => {
    const s = suite();
    const { config } = buildK6Config(s, s.workloads[1]!, target);
    expect('customMix' in config).toBe(false);
    expect('customEndpoints' in config).toBe(false);
  });

  it('compiles a custom endpoint\'s SLA keys to thresholds on its name tag (with the empty-sub-metric guard) and skips what k6 cannot express, saying so', () => {
    const s = suite();
    expect([...endpointsOf(s.workloads[0]!)].sort()).toEqual(['fetchOpenOrders', 'fetchTicker', 'riskLimits']);
    const { config, skippedThresholds } = buildK6Config(s, s.workloads[0]!, target);
    expect(config.thresholds['http_req_duration{name:fetchOpenOrders}']).toEqual(['p(99)<300']);
    expect(config.thresholds['http_req_failed{name:fetchOpenOrders}']).toEqual(['rate<0.01']);
    expect(config.thresholds['http_reqs{name:fetchOpenOrders}']).toEqual(['count>0']);
    expect(skippedThresholds.map((x) => x.id)).toContain('riskLimits.errorsPerMinute.server');
    expect(Object.keys(config.thresholds).filter((k) => k.includes('riskLimits'))).toEqual([]);
    // The other workload drives none of them: their thresholds are not its.
    const plain = buildK6Config(s, s.workloads[1]!, target).config;
    expect(Object.keys(plain.thresholds).filter((k) => k.includes('fetchOpenOrders'))).toEqual([]);
  });

  it('splits dropped iterations over the custom endpoints too (the whole mix\'s weights)', () => {
    expect(arrivalRateWeights(suite())).toEqual({ fetchTicker: 3, fetchOpenOrders: 2, riskLimits: 1 });
    // The k6 engine's own split after a run (src/engines/k6.ts) uses the same weights.
    const weights = mixWeights(suite().workloads[0]!);
    expect(weights).toEqual({ fetchTicker: 3, fetchOpenOrders: 2, riskLimits: 1 });
    const eps = Object.fromEntries(Object.keys(weights).map((n) => [n, { requests: 10 } as never]));
    attributeDropped(eps, 12, weights);
    expect(Object.fromEntries(Object.entries(eps).map(([n, e]) => [n, (e as { arrivals: { dropped: number } }).arrivals.dropped]))).toEqual({ fetchTicker: 6, fetchOpenOrders: 4, riskLimits: 2 });
  });
});

describe('k6 ingestion of a custom endpoint', () => {
  /** The fixture with every sample of the measured fetchMarkets requests tagged as the custom endpoint (setup's stay). */
  const renamed = FIXTURE.map((l) => (l.startsWith('{"metric":') ? l.replace('"name":"fetchMarkets"', '"name":"fetchOpenOrders"').replace('"url":"fetchMarkets"', '"url":"fetchOpenOrders"') : l));

  it('NDJSON: a custom endpoint tag lands in its own endpoint result, with the samples the built-in had', () => {
    const before = ingestNdjsonBuffers([`${FIXTURE.join('\n')}\n`], { workload: 'market_data' });
    const after = ingestNdjsonBuffers([`${renamed.join('\n')}\n`], { workload: 'market_data' });
    const was = before.endpoints.fetchMarkets!;
    const ep = after.endpoints.fetchOpenOrders!;
    expect(was.requests).toBeGreaterThan(0);
    expect(after.endpoints.fetchMarkets).toBeUndefined();
    expect(ep.kind).toBe('http');
    expect(ep.requests).toBe(was.requests);
    expect(ep.errors).toEqual(was.errors);
    expect(ep.latency).toBe(was.latency);
    expect(ep.latency.length).toBeGreaterThan(0);
    expect(ep.statusCodes).toEqual(was.statusCodes);
    // The other endpoints are untouched.
    expect(after.endpoints.fetchTicker!.requests).toBe(before.endpoints.fetchTicker!.requests);
  });

  it('summary: a custom endpoint\'s sub-metric is an endpoint of its own', () => {
    const s = ingestSummary('x.json', {
      metrics: {
        'http_req_duration{name:fetchOpenOrders}': { avg: 12, min: 2, med: 11, max: 40, 'p(90)': 20, 'p(95)': 25, count: 30 },
        http_reqs: { count: 30, rate: 3 },
      },
    });
    expect(s.endpoints.fetchOpenOrders!.latencySummaryMs!.p95Ms).toBe(25);
  });
});
