/**
 * Abort keeps the open-model books whole: every arrival that was due is either sent or dropped, even when the
 * loop was running behind at the moment of the abort, and in worker-thread mode too.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockExchange, type MockExchange } from '../../mocks/index.js';
import { ThreadHealthProbe } from '../../src/engines/generator-health.js';
import { openEngine } from '../../src/engines/open.js';
import { prepareRunner } from '../../src/engines/open/runner.js';
import { DEFAULT_TRANSPORT } from '../../src/engines/open/transport.js';
import { workloadSchema } from '../../src/suite/schema.js';

const workload = (load: Record<string, unknown>) =>
  workloadSchema.parse({ name: 'abort-test', load: { model: 'open', ...load }, mix: [{ endpoint: 'fetchTicker' }] });

describe('open-model engine on abort', () => {
  let mock: MockExchange;
  beforeAll(async () => {
    mock = await startMockExchange({});
  });
  afterAll(async () => {
    await mock?.close();
  });

  it('books the arrivals a starved loop had not reached yet as scheduled and dropped, so scheduled == sent + dropped', async () => {
    const ratePerSec = 2000;
    const ac = new AbortController();
    const prepared = await prepareRunner({
      workload: workload({ ratePerSec, durationSec: 30 }),
      baseUrl: mock.url,
      credentials: undefined,
      timeoutMs: 5_000,
      seed: 1,
      originMs: performance.now(),
      now: () => performance.now(),
      signal: ac.signal,
      transport: DEFAULT_TRANSPORT,
      probe: new ThreadHealthProbe(),
    });
    const startAtMs = performance.now() + 20;
    let cutoffMs = 0;
    // Starve the loop for 300 ms, then abort from that same callback: ~600 arrivals are due and unreached.
    const t = setTimeout(() => {
      const until = performance.now() + 300;
      while (performance.now() < until) {
        // busy
      }
      cutoffMs = performance.now();
      ac.abort();
    }, 100);
    const r = await prepared.run(startAtMs);
    clearTimeout(t);
    // Constant spacing: arrival k is due at k / rate seconds after the start. Arrivals due within the late
    // tolerance (10 ms) of the stop are not overdue: the stop kept them back, they are not dropped.
    const due = Math.floor(((cutoffMs - 10 - startAtMs) * ratePerSec) / 1000) + 1;
    expect(r.aborted).toBe(true);
    expect(r.counts.scheduled).toBeGreaterThanOrEqual(due);
    expect(r.counts.scheduled).toBeLessThan(due + ratePerSec / 10);
    expect(r.counts.sent + r.counts.dropped).toBe(r.counts.scheduled);
    expect(r.counts.droppedRunEnded).toBeGreaterThan(0);
    const a = r.endpoints.fetchTicker!.arrivals!;
    expect(a).toMatchObject({ scheduled: r.counts.scheduled, sent: r.counts.sent, dropped: r.counts.dropped });
  });

  it('does not book arrivals the stop itself kept back as dropped (a Ctrl-C is not a droppedArrivals breach)', async () => {
    const ac = new AbortController();
    // A generous late tolerance: nothing is overdue when the stop comes, even on a busy machine.
    const prepared = await prepareRunner({
      workload: workload({ ratePerSec: 1000, durationSec: 30, lateToleranceMs: 2000 }),
      baseUrl: mock.url,
      credentials: undefined,
      timeoutMs: 5_000,
      seed: 1,
      originMs: performance.now(),
      now: () => performance.now(),
      signal: ac.signal,
      transport: DEFAULT_TRANSPORT,
      probe: new ThreadHealthProbe(),
    });
    const startAtMs = performance.now() + 20;
    // Hold the loop for 100 ms (about 100 arrivals come due, none overdue), then stop from that same callback.
    const t = setTimeout(() => {
      const until = performance.now() + 100;
      while (performance.now() < until) {
        // busy
      }
      ac.abort();
    }, 200);
    const r = await prepared.run(startAtMs);
    clearTimeout(t);
    expect(r.aborted).toBe(true);
    expect(r.counts.sent).toBeGreaterThan(0);
    expect(r.counts.dropped).toBe(0);
    expect(r.counts.sent + r.counts.dropped).toBe(r.counts.scheduled);
    expect(r.endpoints.fetchTicker!.arrivals!.dropped).toBe(0);
  });

  it('an overloaded loop (ratePerSec far beyond the generator) stops at once on abort and keeps the books whole', async () => {
    const ac = new AbortController();
    const prepared = await prepareRunner({
      workload: workload({ ratePerSec: 1e9, durationSec: 60, maxConnections: 8 }),
      baseUrl: mock.url,
      credentials: undefined,
      timeoutMs: 5_000,
      seed: 1,
      originMs: performance.now(),
      now: () => performance.now(),
      signal: ac.signal,
      transport: DEFAULT_TRANSPORT,
      probe: new ThreadHealthProbe(),
    });
    const t = setTimeout(() => ac.abort(), 500);
    const r = await prepared.run(performance.now());
    clearTimeout(t);
    expect(r.aborted).toBe(true);
    // Far more arrivals were due than one loop can count one by one: the rest is counted from the rate.
    expect(r.counts.droppedEstimated).toBeGreaterThan(0);
    expect(r.counts.sent + r.counts.dropped).toBe(r.counts.scheduled);
  });

  it('stops worker threads when the signal was aborted before the run started', async () => {
    const ac = new AbortController();
    ac.abort();
    const out = await openEngine.run({
      suite: {} as never,
      workload: workload({ ratePerSec: 50, durationSec: 4, workers: 2 }),
      target: { baseUrl: mock.url, wsUrl: '', credentials: undefined, timeoutMs: 5_000, dialect: 'loadgate', mock: true },
      originMs: performance.now(),
      now: () => performance.now(),
      signal: ac.signal,
      progress: () => undefined,
      seed: 1,
    });
    expect(out.incomplete?.reason).toMatch(/aborted/);
    const a = out.endpoints.fetchTicker!.arrivals!;
    expect(a.scheduled).toBeLessThan(200);
    expect(a.sent + a.dropped).toBe(a.scheduled);
  }, 60_000);
});
