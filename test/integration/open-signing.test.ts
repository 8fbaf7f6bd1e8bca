/**
 * Requests are signed when sent, not when scheduled (issue #13): under a backlog an arrival waits for a
 * connection, and a timestamp taken at scheduling time ages past the target's receive window, so the target
 * answers 401 and the generator's own lateness reads as the target's auth errors.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MOCK_CREDENTIALS, startMockExchange, type MockExchange } from '../../mocks/index.js';
import { openEngine } from '../../src/engines/open.js';
import { decodeHistogram } from '../../src/result/histogram.js';
import { workloadSchema } from '../../src/suite/schema.js';

const RECV_WINDOW_MS = 500;

describe('open-model engine under a backlog', () => {
  let target: MockExchange;
  beforeAll(async () => {
    // One connection, 100 ms per order, 25 orders/s offered: the queue grows by ~15 arrivals a second, so later
    // arrivals wait well past the 500 ms receive window before a connection is free.
    target = await startMockExchange({ recvWindowMs: RECV_WINDOW_MS, faults: { createOrder: { latency: { type: 'fixed', ms: 100 } } } });
  });
  afterAll(() => target?.close());

  it('signs each request when it is sent: no auth errors although arrivals waited longer than the receive window', async () => {
    const w = workloadSchema.parse({
      name: 'backlog',
      load: { model: 'open', ratePerSec: 25, durationSec: 3, maxConnections: 1 },
      mix: [{ endpoint: 'createOrder' }],
      symbols: ['BTC-USDT'],
    });
    const out = await openEngine.run({
      suite: {} as never,
      workload: w,
      target: { baseUrl: target.url, wsUrl: '', credentials: { ...DEFAULT_MOCK_CREDENTIALS }, timeoutMs: 10_000, dialect: 'loadgate', mock: true },
      originMs: performance.now(),
      now: () => performance.now(),
      signal: new AbortController().signal,
      progress: () => undefined,
      seed: 1,
    });
    const ep = out.endpoints.createOrder!;
    // There was a backlog: arrivals were sent late, the longest wait (corrected − as sent) beyond the receive window.
    expect(ep.arrivals!.late).toBeGreaterThan(5);
    const waitedMs = (decodeHistogram(ep.latency).maxValue - decodeHistogram(ep.latencyUncorrected!).maxValue) / 1000;
    expect(waitedMs).toBeGreaterThan(RECV_WINDOW_MS);
    // And still every sent order was accepted: nothing was rejected for its timestamp.
    expect(ep.errors.auth ?? 0).toBe(0);
    expect(ep.errorCodes.timestampOutsideRecvWindow ?? 0).toBe(0);
    expect(ep.statusCodes['201'] ?? ep.statusCodes['200']).toBeGreaterThan(5);
  }, 30_000);
});
