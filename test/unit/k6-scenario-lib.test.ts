/** The pure helpers the k6 scenarios run from src/: executors, the generated config, signing (the planner has its own tests, and test/integration/k6-build.test.ts runs the bundles per dialect). */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EXPECTED_P99_MS, executorFor, plannedSec, rateAndUnit, soakScenario, spikeScenario, vusFor } from '../../src/engines/k6/executors.js';
import { buildK6Config, expectedP99Ms } from '../../src/engines/k6/config.js';
import { compileSla } from '../../src/sla/checks.js';
import { loadSuite } from '../../src/suite/load.js';
import { loadgate } from '../../src/dialect/loadgate/index.js';
import { parseConfig } from '../../src/engines/k6/script-config.js';
import { signHeaders } from '../../src/engines/exchange-requests.js';

describe('executors', () => {
  it('uses constant-arrival-rate for an open workload, constant-vus for closed and stream', () => {
    expect(executorFor({ model: 'open', ratePerSec: 200, durationSec: 30, maxConnections: 64 })).toMatchObject({ executor: 'constant-arrival-rate', rate: 200, timeUnit: '1s', duration: '30s', maxVUs: 64 });
    expect(executorFor({ model: 'closed', connections: 8, durationSec: 5 })).toEqual({ executor: 'constant-vus', vus: 8, duration: '5s' });
    expect(executorFor({ model: 'stream', connections: 3, connectRatePerSec: 10, durationSec: 5 })).toMatchObject({ executor: 'constant-vus', vus: 3 });
  });

  it('ramps with ramping-arrival-rate when the open workload has stages', () => {
    const s = executorFor({ model: 'open', ratePerSec: 10, stages: [{ durationSec: 5, targetRatePerSec: 100 }, { durationSec: 10, targetRatePerSec: 100 }], maxConnections: 32 });
    expect(s).toMatchObject({ executor: 'ramping-arrival-rate', startRate: 10, stages: [{ target: 100, duration: '5s' }, { target: 100, duration: '10s' }] });
    expect(plannedSec(s)).toBe(15);
  });

  it('pre-allocates rate × expected p99 VUs plus headroom (k6 guidance), capped at maxConnections', () => {
    // 200/s × 0.25 s = 50 in flight → × 1.5 + 2 = 77
    expect(vusFor(200, 500, 250)).toEqual({ preAllocatedVUs: 77, maxVUs: 500 });
    expect(vusFor(200, 64, 250)).toEqual({ preAllocatedVUs: 64, maxVUs: 64 });
    expect(vusFor(1, 64, 10).preAllocatedVUs).toBe(3);
    expect(vusFor(400, 1000).preAllocatedVUs).toBe(Math.ceil(400 * (DEFAULT_EXPECTED_P99_MS / 1000) * 1.5) + 2);
    expect(executorFor({ model: 'open', ratePerSec: 200, durationSec: 30, maxConnections: 500, expectedP99Ms: 250 })).toMatchObject({ preAllocatedVUs: 77, maxVUs: 500 });
    expect(spikeScenario(20, 50, 1000, 5, 200).preAllocatedVUs).toBe(Math.ceil(100 * 0.2 * 1.5) + 2);
    expect(soakScenario(20, 3600, 1000, 200).preAllocatedVUs).toBe(Math.ceil(20 * 0.2 * 1.5) + 2);
  });

  it('takes the expected p99 from the SLA: the loosest p99 target, else 2 × p95, never above the timeout', () => {
    const plan = (sla: object) => compileSla(sla as never, {});
    expect(expectedP99Ms(plan({ endpoints: { fetchTicker: { p99Ms: 400 }, fetchMarkets: { p99Ms: 250 } } }), new Set(['fetchTicker', 'fetchMarkets']), 10_000)).toBe(400);
    expect(expectedP99Ms(plan({ endpoints: { fetchTicker: { p99Ms: 400 } } }), new Set(['fetchMarkets']), 10_000)).toBe(DEFAULT_EXPECTED_P99_MS);
    expect(expectedP99Ms(plan({ overall: { p95Ms: 300 } }), new Set(), 10_000)).toBe(600);
    expect(expectedP99Ms(plan({ overall: { p99Ms: 30_000 } }), new Set(), 5000)).toBe(5000);
  });

  it('gives the default suite on k6 every VU it may use up front (800/s against a 2 s p95 preset: 64 of 64)', async () => {
    const suite = await loadSuite(new URL('../../scenarios/default.suite.yaml', import.meta.url).pathname);
    const w = suite.workloads.find((x) => x.load.model === 'open')!;
    const { config } = buildK6Config(suite, w, { baseUrl: 'http://127.0.0.1:9', wsUrl: 'ws://127.0.0.1:9/ws', timeoutMs: suite.target.timeoutMs });
    expect(executorFor(config.load)).toMatchObject({ executor: 'constant-arrival-rate', preAllocatedVUs: 64, maxVUs: 64 });
  });

  it('expresses fractional rates per minute, since k6 rates are integers', () => {
    expect(rateAndUnit(0.5)).toEqual({ rate: 30, timeUnit: '1m' });
    expect(rateAndUnit(7)).toEqual({ rate: 7, timeUnit: '1s' });
  });

  it('shapes a spike to rate × factor and back, and a soak as a short ramp then a long hold', () => {
    const sp = spikeScenario(20, 50, 100, 5);
    expect(Math.max(...sp.stages.map((s) => s.target))).toBe(100);
    expect(sp.stages[sp.stages.length - 1]!.target).toBe(20);
    const so = soakScenario(20, 3600, 100);
    expect(so.stages[0]).toEqual({ target: 20, duration: '180s' });
    expect(plannedSec(so)).toBe(3600);
  });
});

describe('signing', () => {
  it('signs what the Node engines sign: the dialect scheme with k6/crypto-shaped hmac gives the Node engines\' headers', () => {
    const creds = { apiKey: 'k', apiSecret: 's3cret' };
    const node = signHeaders(creds, 'POST', '/api/v1/orders', '{"a":1}', 1700000000000);
    const k6Shaped = (algo: 'sha256', secret: string, payload: string, enc: 'hex' | 'base64') => createHmac(algo, secret).update(payload).digest(enc);
    const w = loadgate.signing.sign({ method: 'POST', path: '/api/v1/orders', query: '', body: '{"a":1}', contentType: 'application/json' }, { credentials: creds, timestampMs: 1700000000000, hmac: k6Shaped });
    for (const [k, v] of Object.entries(node)) expect(w.headers[k], k).toBe(v);
  });
});

describe('the generated config', () => {
  it('is checked when a scenario reads it, naming the bad field', () => {
    expect(() => parseConfig('{"version":1,"baseUrl":"ftp://x","workload":"w","load":{},"mix":[],"symbols":["A-B"]}')).toThrow(/baseUrl/);
  });

  it('carries the target dialect: a config without one is loadgate, an unknown one is refused', () => {
    const base = { version: 1, baseUrl: 'http://127.0.0.1:1', workload: 'w', load: {}, mix: [], symbols: ['A-B'] };
    expect(parseConfig(JSON.stringify(base)).dialect).toBe('loadgate');
    expect(parseConfig(JSON.stringify({ ...base, dialect: 'okx-v5' })).dialect).toBe('okx-v5');
    expect(() => parseConfig(JSON.stringify({ ...base, dialect: 'kraken' }))).toThrow(/dialect "kraken"/);
  });
});
