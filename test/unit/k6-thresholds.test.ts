/** The suite's SLA compiled into k6 options.thresholds (src/engines/k6/thresholds.ts). */
import { describe, expect, it } from 'vitest';
import { compileSla } from '../../src/sla/checks.js';
import { compileThresholds } from '../../src/engines/k6/thresholds.js';
import { buildK6Config, scenarioFor } from '../../src/engines/k6/config.js';
import { parseSuite } from '../../src/suite/load.js';

const plan = (sla: Parameters<typeof compileSla>[0]) => compileSla(sla);

describe('compileThresholds', () => {
  it('turns endpoint latency targets into tag-filtered http_req_duration thresholds', () => {
    const { thresholds } = compileThresholds(plan({ endpoints: { fetchTicker: { p95Ms: 300, p50Ms: 20, maxMs: 2000, meanMs: 50, p999Ms: 900 } } }), { scenario: 'w', arrivalRate: false });
    expect(thresholds['http_req_duration{name:fetchTicker}']).toEqual(['p(95)<300', 'med<20', 'max<2000', 'avg<50', 'p(99.9)<900']);
  });

  it('guards every tag filter with a count>0 counter, because k6 passes thresholds on empty sub-metrics', () => {
    const { thresholds } = compileThresholds(plan({ endpoints: { fetchTickr: { p95Ms: 300 }, 'ws:orderbook': { p99Ms: 100 } } }), { scenario: 'w', arrivalRate: false });
    expect(thresholds['http_reqs{name:fetchTickr}']).toEqual(['count>0']);
    expect(thresholds['ws_msg_latency{channel:orderbook}']).toEqual(['p(99)<100']);
    expect(thresholds['ws_updates{channel:orderbook}']).toEqual(['count>0']);
    // never `count` on a Trend: k6 rejects it with exit 104 (FORMATS.md §8)
    for (const [k, list] of Object.entries(thresholds)) if (k.startsWith('http_req_duration') || k.startsWith('ws_msg_latency')) expect(list.some((e) => e.startsWith('count'))).toBe(false);
  });

  it('compiles error and success rates into http_req_failed rates (fractions, success inverted)', () => {
    const { thresholds } = compileThresholds(plan({ endpoints: { createOrder: { errorRatePct: 1 } }, overall: { successRatePct: 99.5 } }), { scenario: 'trading', arrivalRate: false });
    expect(thresholds['http_req_failed{name:createOrder}']).toEqual(['rate<0.01']);
    expect(thresholds['http_req_failed{scenario:trading}']).toEqual(['rate<=0.005']);
  });

  it('adds dropped_iterations count==0 for arrival-rate executors, or the SLA limit when given', () => {
    expect(compileThresholds(plan({}), { scenario: 'w', arrivalRate: true }).thresholds.dropped_iterations).toEqual(['count==0']);
    expect(compileThresholds(plan({}), { scenario: 'w', arrivalRate: false }).thresholds.dropped_iterations).toBeUndefined();
    expect(compileThresholds(plan({ endpoints: { fetchTicker: { droppedArrivals: 5 } } }), { scenario: 'w', arrivalRate: true }).thresholds.dropped_iterations).toEqual(['count<5']);
  });

  it('leaves windowed and k6-inexpressible checks to loadgate and says why', () => {
    const { thresholds, skipped } = compileThresholds(plan({ overall: { p99Ms: { limit: 100, window: 10 }, availabilityPct: 99, errorsPerMinute: { rateLimit: 3 } } }), { scenario: 'w', arrivalRate: false });
    expect(Object.keys(thresholds)).toEqual([]);
    expect(skipped.map((s) => s.id).sort()).toEqual(['overall.availabilityPct', 'overall.errorsPerMinute.rateLimit', 'overall.p99Ms']);
  });

  it('writes limits as plain decimals k6 parses (no exponent form)', () => {
    const { thresholds } = compileThresholds(plan({ endpoints: { fetchTicker: { errorRatePct: 0.00001 } } }), { scenario: 'w', arrivalRate: false });
    expect(thresholds['http_req_failed{name:fetchTicker}']).toEqual(['rate<0.0000001']);
  });
});

describe('buildK6Config', () => {
  const suite = parseSuite('s.yaml', {
    target: { url: 'http://127.0.0.1:9999/', timeoutMs: 2500 },
    workloads: [
      { name: 'md', load: { model: 'open', ratePerSec: 50, durationSec: 10 }, mix: [{ endpoint: 'fetchTicker', weight: 3 }, { endpoint: 'fetchOrderBook', depth: 50 }] },
      { name: 'spike-md', load: { model: 'open', ratePerSec: 10, durationSec: 30 }, mix: [{ endpoint: 'fetchTicker' }] },
      { name: 'book', load: { model: 'stream', connections: 4, durationSec: 10 }, streams: [{ channel: 'orderbook' }] },
      // Another workload measures createOrder (the suite may not name an endpoint nobody measures).
      { name: 'orders', load: { model: 'open', ratePerSec: 5, durationSec: 10 }, mix: [{ endpoint: 'createOrder' }] },
    ],
    sla: { endpoints: { fetchTicker: { p95Ms: 300 }, createOrder: { p95Ms: 400 } } },
  });

  it('takes target, workload and SLA from the suite, nothing hard-coded', () => {
    const { config } = buildK6Config(suite, suite.workloads[0]!, { baseUrl: 'http://127.0.0.1:9999/', wsUrl: 'ws://127.0.0.1:9999/ws', timeoutMs: 2500 });
    expect(config.baseUrl).toBe('http://127.0.0.1:9999');
    expect(config.timeoutMs).toBe(2500);
    expect(config.workload).toBe('md');
    expect(config.mix).toEqual([{ endpoint: 'fetchTicker', weight: 3 }, { endpoint: 'fetchOrderBook', weight: 1, depth: 50 }]);
    expect(config.thresholds['http_req_duration{name:fetchTicker}']).toEqual(['p(95)<300']);
    // createOrder is not driven by this workload: its target is not compiled here
    expect(config.thresholds['http_req_duration{name:createOrder}']).toBeUndefined();
    expect(config.thresholds.dropped_iterations).toEqual(['count==0']);
  });

  it('picks the scenario from the workload: rest-mix, spike by name, orderbook-ws for streams, or an override', () => {
    expect(scenarioFor(suite.workloads[0]!)).toBe('rest-mix');
    expect(scenarioFor(suite.workloads[1]!)).toBe('spike');
    expect(scenarioFor(suite.workloads[2]!)).toBe('orderbook-ws');
    expect(scenarioFor(suite.workloads[0]!, 'soak')).toBe('soak');
    expect(scenarioFor(suite.workloads[0]!, 'nonsense')).toBe('rest-mix');
  });
});

describe('thresholds k6 would reject (exit 104) or could never pass', () => {
  const suite = parseSuite('s.yaml', {
    target: { url: 'http://127.0.0.1:9999/' },
    workloads: [
      { name: 'phase2.rest', load: { model: 'closed', connections: 2, durationSec: 5 }, mix: [{ endpoint: 'fetchTicker' }] },
      { name: 'book', load: { model: 'stream', connections: 2, durationSec: 5 }, streams: [{ channel: 'orderbook' }] },
    ],
    sla: { preset: 'exchange-api', overall: { lossPct: 0.5, p99Ms: 900 } },
  });
  const tgt = { baseUrl: 'http://127.0.0.1:9999', wsUrl: 'ws://127.0.0.1:9999/ws', timeoutMs: 1000 };

  it('gives k6 a scenario name it accepts (letters, digits, _ and -) even when the workload name has a dot', () => {
    const { config } = buildK6Config(suite, suite.workloads[0]!, tgt);
    expect(config.workload).toMatch(/^[0-9a-zA-Z_-]+$/);
    // the overall sub-metrics filter on that same scenario name
    const scenarioKeys = Object.keys(config.thresholds).filter((k) => k.includes('{scenario:'));
    expect(scenarioKeys.length).toBeGreaterThan(0);
    for (const k of scenarioKeys) expect(k).toContain(`{scenario:${config.workload}}`);
  });

  it('puts no threshold on WebSocket metrics in an HTTP workload, whose script never defines them', () => {
    const { config, skippedThresholds } = buildK6Config(suite, suite.workloads[0]!, tgt);
    expect(Object.keys(config.thresholds).filter((k) => k.startsWith('ws_'))).toEqual([]);
    expect(skippedThresholds.map((s) => s.id)).toContain('overall.lossPct');
  });

  it('puts no overall HTTP threshold on a stream workload, where its count>0 guard could only fail', () => {
    const { config } = buildK6Config(suite, suite.workloads[1]!, tgt);
    expect(Object.keys(config.thresholds).filter((k) => k.startsWith('http_'))).toEqual([]);
    expect(config.thresholds['ws_msg_loss{scenario:book}']).toEqual(['rate<0.005']);
    expect(config.thresholds['ws_msg_latency{channel:orderbook}']).toEqual(['p(95)<100']);
  });
});
