/**
 * Issue 10: k6 ingestion classifies errors with the same dialect table as the Node engines. k6's samples carry
 * no body, so the scenario (scenarios/common.ts `send`) classifies each answer with `classify(dialect.errors, …)`
 * and writes a `loadgate_errors` sample after the request's own; ingestion gives the failed request that class
 * and the exchange's error code. Checked on a real k6 v0.48 run (../shared/fixtures/k6/runs/rest-pass.ndjson):
 * one of its failed createOrder requests is turned into the 400 "insufficientMargin" the mock answers, and the
 * sample the real scenario code writes for that answer (k6 modules stood in for) is put after it, in k6's format.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ingestNdjsonBuffers } from '../../src/engines/k6/ingest-ndjson.js';
import { classify } from '../../src/dialect/errors.js';
import { getDialect } from '../../src/dialect/registry.js';
import { classifyResponse } from '../../src/engines/exchange-requests.js';

const RUNS = fileURLToPath(new URL('../../../shared/fixtures/k6/runs/', import.meta.url));
const FIXTURE = readFileSync(`${RUNS}rest-pass.ndjson`, 'utf8').split('\n').filter((l) => l !== '');

// ---- the scenario side, with k6's modules stood in for ----------------------------------------------------
const samples: Array<{ metric: string; value: number; tags: Record<string, string>; metadata: Record<string, string> }> = [];
let answer: { status: number; body: string } = { status: 200, body: '{}' };
const vuMetadata: Record<string, string> = {};
vi.mock('k6/http', () => ({ default: { request: () => answer } }));
vi.mock('k6/crypto', () => ({ default: { hmac: () => 'sig' } }));
vi.mock('k6/execution', () => ({ default: { vu: { idInTest: 1, metrics: { metadata: vuMetadata } } } }));
vi.mock('k6/metrics', () => {
  class Metric {
    constructor(readonly name: string) {}
    add(value: number, tags: Record<string, string> = {}) {
      samples.push({ metric: this.name, value, tags, metadata: { ...vuMetadata } });
    }
  }
  return { Counter: Metric, Trend: Metric, Rate: Metric };
});
vi.mock('k6', () => ({ check: () => true, group: (_n: string, f: () => void) => f(), sleep: () => undefined }));

type Common = typeof import('../../scenarios/common.ts');
async function scenarioCommon(dialect: string): Promise<Common> {
  vi.resetModules();
  const config = { version: 1, dialect, baseUrl: 'http://127.0.0.1:1', wsUrl: 'ws://127.0.0.1:1/ws', workload: 'trading', load: { model: 'closed', connections: 1, durationSec: 1 }, mix: [], symbols: ['BTC-USDT'], order: { side: 'buy', type: 'limit', notionalMin: 100, notionalMax: 100, priceOffsetPct: 5 }, streams: [], timeoutMs: 1000, thresholds: {} };
  (globalThis as { __ENV?: Record<string, string> }).__ENV = { LOADGATE_CONFIG_JSON: JSON.stringify(config) };
  return (await import(/* @vite-ignore */ '../../scenarios/common.ts')) as Common;
}

// ---- k6's NDJSON ---------------------------------------------------------------------------------------------
/** The 9 lines k6 wrote for the first failed createOrder request of the fixture (HTTP 429), with another status. */
function failedRequestLines(status: number): string[] {
  const first = FIXTURE.findIndex((l) => l.includes('"name":"createOrder"') && l.includes('"status":"429"') && l.startsWith('{"metric":"http_reqs"'));
  expect(first).toBeGreaterThan(0);
  const time = (JSON.parse(FIXTURE[first]!) as { data: { time: string } }).data.time;
  return FIXTURE.slice(first).filter((l) => l.includes(time) && l.includes('"status":"429"')).map((l) => l.replace('"status":"429"', `"status":"${status}"`).replace('"error_code":"1429"', `"error_code":"${1000 + status}"`));
}

/** A sample the scenario wrote, as k6 writes a Point (tags sorted, the VU's group and scenario tags added). */
function pointLine(s: (typeof samples)[number], time: string): string {
  const tags: Record<string, string> = { group: '::order lifecycle', scenario: 'trading', ...s.tags };
  const sorted = Object.fromEntries(Object.keys(tags).sort().map((k) => [k, tags[k]!]));
  const data: Record<string, unknown> = { time, value: s.value, tags: sorted };
  if (Object.keys(s.metadata).length > 0) data.metadata = s.metadata;
  return JSON.stringify({ metric: s.metric, type: 'Point', data });
}
const metricLine = (name: string) => JSON.stringify({ type: 'Metric', data: { name, type: 'counter', contains: 'default', thresholds: [], submetrics: null }, metric: name });

function ingest(lines: string[], dialect = 'loadgate' as const) {
  return ingestNdjsonBuffers([`${lines.join('\n')}\n`], { workload: 'trading', dialect });
}

beforeEach(() => {
  samples.length = 0;
});

describe('k6 ingestion classifies with the dialect table, like the Node engines', () => {
  it('a 400 insufficientMargin is trading (as autocannon says), not client, once the scenario has classified its body', async () => {
    const body = getDialect('loadgate').server.errorReply('insufficientMargin').body;
    answer = { status: 400, body };
    const common = await scenarioCommon('loadgate');
    common.send('createOrder', { method: 'POST', path: '/api/v1/orders', headers: {}, body: '{}' });
    const errorSamples = samples.filter((s) => s.metric === 'loadgate_errors');
    expect(errorSamples).toEqual([{ metric: 'loadgate_errors', value: 1, tags: { name: 'createOrder', lg_status: '400', lg_class: 'trading', lg_code: 'insufficientMargin', lg_reason: 'insufficientMargin' }, metadata: {} }]);

    const req = failedRequestLines(400);
    const time = (JSON.parse(req[0]!) as { data: { time: string } }).data.time;
    const before = ingest(FIXTURE).endpoints.createOrder!;
    const after = ingest([...FIXTURE.slice(0, 3), metricLine('loadgate_errors'), ...FIXTURE.slice(3), ...req, pointLine(errorSamples[0]!, time)]).endpoints.createOrder!;
    expect(after.requests).toBe(before.requests + 1);
    expect(after.errors).toEqual({ ...before.errors, trading: 1 });
    expect(after.errorCodes.insufficientMargin).toBe(1);
    expect(after.statusCodes['400']).toBe(1);
    // The same answer through the Node engines' classification.
    expect(classifyResponse(400, 'insufficientMargin')).toBe('trading');
    expect(classify(getDialect('loadgate').errors, 400, body)).toMatchObject({ errorClass: 'trading', reason: 'insufficientMargin' });
  });

  it('without the scenario\'s sample (a foreign script, the fixtures) a failure is classified by its status through the same table', () => {
    const ep = ingest([...FIXTURE, ...failedRequestLines(400)]).endpoints.createOrder!;
    const plain = ingest(FIXTURE).endpoints.createOrder!;
    // The fixture's own injected 429 stays a rate limit; the bare 400 is a client error (no body to tell more).
    expect(plain.errors.rateLimit).toBe(1);
    expect(ep.errors).toEqual({ ...plain.errors, client: (plain.errors.client ?? 0) + 1 });
    expect(ep.errorCodes['k6:1400']).toBe(1);
    // Bybit calls HTTP 403 a rate limit (its table's status override), loadgate an auth error.
    expect(ingest([...FIXTURE, ...failedRequestLines(403)], 'bybit-v5' as never).endpoints.createOrder!.errors.rateLimit).toBe(2);
    expect(ingest([...FIXTURE, ...failedRequestLines(403)]).endpoints.createOrder!.errors.auth).toBe(1);
  });

  it('an error under HTTP 200 (OKX order refusals) counts as an error of the request already counted', async () => {
    answer = getDialect('okx-v5').server.errorReply('insufficientMargin');
    expect(answer.status).toBe(200);
    const common = await scenarioCommon('okx-v5');
    common.send('createOrder', { method: 'POST', path: '/api/v5/trade/order', headers: {}, body: '{}' });
    const sample = samples.find((s) => s.metric === 'loadgate_errors')!;
    expect(sample.tags).toMatchObject({ lg_status: '200', lg_class: 'trading', lg_code: '51008', lg_reason: 'insufficientMargin' });
    const ok = FIXTURE.find((l) => l.startsWith('{"metric":"http_req_duration"') && l.includes('"name":"createOrder"') && l.includes('"status":"201"'))!;
    const time = (JSON.parse(ok) as { data: { time: string } }).data.time;
    const plain = ingest(FIXTURE, 'okx-v5' as never).endpoints.createOrder!;
    const ep = ingest([...FIXTURE, metricLine('loadgate_errors'), pointLine(sample, time)], 'okx-v5' as never).endpoints.createOrder!;
    expect(ep.requests).toBe(plain.requests);
    expect(ep.errors).toEqual({ ...plain.errors, trading: 1 });
    expect(ep.errorCodes['51008']).toBe(1);
  });

  it('reports the orders the run created and no cancel took (order ids as sample metadata, not tags)', async () => {
    const common = await scenarioCommon('loadgate');
    const planner = common.vuPlanner({ prices: { 'BTC-USDT': 100 }, markets: [] }, [{ endpoint: 'createOrder', weight: 1 }]);
    for (const id of ['o-1', 'o-2', 'o-3']) common.noteAnswer(planner, planner.build('createOrder'), 201, `{"orderId":"${id}","status":"open"}`, undefined);
    const cancel = planner.build('cancelOrder'); // the planner cancels its newest order
    expect(cancel.orderId).toBe('o-3');
    common.noteAnswer(planner, cancel, 200, '{"orderId":"o-3","status":"canceled"}', undefined);
    common.noteAnswer(planner, planner.build('cancelOrder'), 0, null, undefined); // o-2: no answer, still resting
    const orderSamples = samples.filter((s) => s.metric === 'loadgate_orders');
    expect(orderSamples.map((s) => [s.tags.lg_order, s.metadata.lg_order_id])).toEqual([['created', 'o-1'], ['created', 'o-2'], ['created', 'o-3'], ['closed', 'o-3']]);
    expect(Object.keys(vuMetadata)).toEqual([]); // the id is on that one sample only
    const time = (JSON.parse(FIXTURE.find((l) => l.startsWith('{"metric":"http_reqs"'))!) as { data: { time: string } }).data.time;
    const ing = ingest([...FIXTURE, metricLine('loadgate_orders'), ...orderSamples.map((s) => pointLine(s, time))]);
    expect(ing.restingOrders).toEqual([{ id: 'o-1', symbol: 'BTC/USDT' }, { id: 'o-2', symbol: 'BTC/USDT' }]);
    expect(planner.openOrders).toBe(2); // the planner agrees: o-2 went back into its pool
    expect(ing.orders).toEqual({ created: 3, closed: 1, untracked: 0 });
  });
});
