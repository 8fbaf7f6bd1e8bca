/** The ws engine against real stream servers on port 0: loss, duplicates, reordering, latency and clock offset. */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeHistogram, percentileMs } from '../../src/result/histogram.js';
import type { EndpointResult } from '../../src/result/model.js';
import { createWsEngine } from '../../src/engines/ws.js';
import { runStreams, startStreamServer, streamContext, type StreamServer } from './ws-helpers.js';

let server: StreamServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function stream(ep: EndpointResult | undefined) {
  expect(ep?.stream).toBeDefined();
  return ep!.stream!;
}

describe('ws engine against the mock streams', () => {
  it('reports exactly the seqs the mock dropped as loss', async () => {
    const dropSeqs = [3, 10, 11, 40];
    server = await startStreamServer({ ratePerSec: { trades: 50 }, faults: { dropSeqs } });
    const out = await runStreams(server, { load: { model: 'stream', connections: 5, connectRatePerSec: 200, durationSec: 1.8 }, symbols: ['BTC-USDT', 'ETH-USDT'] });
    const s = stream(out.endpoints['ws:trades']);
    const subscriptions = 5 * 2;
    // Every subscription got past seq 40, so each lost exactly the four.
    expect(s.expected).toBeGreaterThan(subscriptions * 40);
    expect(s.lost).toBe(subscriptions * dropSeqs.length);
    expect(s.lost).toBe(server.streams.stats.dropsInjected);
    expect(s).toMatchObject({ duplicates: 0, reordered: 0 });
    expect(s.expected).toBe(s.messages + s.lost);
    expect(s.messages).toBe(server.streams.stats.messagesSent);
  });

  it('counts duplicates and reordering separately and never as loss', async () => {
    server = await startStreamServer({ ratePerSec: { ticker: 40, trades: 40 }, faults: { duplicateRatePct: 5, reorderRatePct: 5 } });
    const out = await runStreams(server, {
      load: { model: 'stream', connections: 4, connectRatePerSec: 200, durationSec: 1.5 },
      streams: [{ channel: 'ticker' }, { channel: 'trades' }],
    });
    const st = server.streams.stats;
    const t = stream(out.endpoints['ws:ticker']);
    const tr = stream(out.endpoints['ws:trades']);
    expect(st.duplicatesInjected).toBeGreaterThan(0);
    expect(st.reorderedInjected).toBeGreaterThan(0);
    expect(t.lost + tr.lost).toBe(0);
    expect(t.duplicates + tr.duplicates).toBe(st.duplicatesInjected);
    expect(t.reordered + tr.reordered).toBe(st.reorderedInjected);
    expect(t.messages + tr.messages).toBe(st.messagesSent);
    expect(out.endpoints['ws:ticker']!.requests).toBe(t.messages);
  });

  it('matches random drops exactly even when mixed with duplicates and reordering', async () => {
    server = await startStreamServer({ ratePerSec: { orderbook: 50 }, faults: { dropRatePct: 3, duplicateRatePct: 3, reorderRatePct: 3 }, seed: 11 });
    const out = await runStreams(server, { load: { model: 'stream', connections: 6, connectRatePerSec: 200, durationSec: 1.5 }, streams: [{ channel: 'orderbook' }] });
    const st = server.streams.stats;
    const s = stream(out.endpoints['ws:orderbook']);
    expect(st.dropsInjected).toBeGreaterThan(0);
    expect(s.lost).toBe(st.dropsInjected);
    expect(s.duplicates).toBe(st.duplicatesInjected);
    expect(s.reordered).toBe(st.reorderedInjected);
  });

  it('moves message latency p50 by the mock hold of 20 ms (± 2 ms) against a baseline in the same test', async () => {
    server = await startStreamServer({ ratePerSec: { trades: 25 } });
    const workload = { load: { model: 'stream' as const, connections: 10, connectRatePerSec: 500, durationSec: 1.5 } };
    const p50 = async (): Promise<number> => {
      const out = await runStreams(server!, workload);
      const h = decodeHistogram(out.endpoints['ws:trades']!.latency);
      expect(h.totalCount).toBeGreaterThan(200);
      return percentileMs(h, 50);
    };
    const baseline = await p50();
    server.streams.setFaults({ holdMs: 20 });
    const held = await p50();
    expect(held - baseline).toBeGreaterThan(18);
    expect(held - baseline).toBeLessThan(22);
  });

  it('estimates a remote clock offset by ping/pong, corrects message latency with it, and says so', async () => {
    const skewMs = 3_000;
    server = await startStreamServer({ ratePerSec: { trades: 20 } }, { now: () => performance.timeOrigin + performance.now() - skewMs });
    const workload = { load: { model: 'stream' as const, connections: 3, connectRatePerSec: 100, durationSec: 1 } };
    const corrected = await runStreams(server, workload, { clockOffset: 'estimate' });
    const s = stream(corrected.endpoints['ws:trades']);
    expect(s.clockOffset?.method).toBe('ping');
    // Server behind the client: offset (server − client) is −skew.
    expect(Math.abs(s.clockOffset!.offsetMs + skewMs)).toBeLessThan(Math.max(5, s.clockOffset!.uncertaintyMs));
    expect(corrected.notes?.join('\n')).toMatch(/estimated clock offset/);
    const naive = await runStreams(server, workload, { clockOffset: 'same-host' });
    const p50 = (ep: EndpointResult | undefined) => percentileMs(decodeHistogram(ep!.latency), 50);
    // Uncorrected, the skew is the latency; corrected, it is gone.
    expect(p50(naive.endpoints['ws:trades'])).toBeGreaterThan(skewMs - 50);
    expect(p50(corrected.endpoints['ws:trades'])).toBeLessThan(skewMs / 10);
  });
});

describe('ws engine stopping', () => {
  it('stops on the abort signal, marks the run incomplete and returns what it measured', async () => {
    server = await startStreamServer({ ratePerSec: { trades: 50 } });
    const abort = new AbortController();
    const ctx = streamContext(server, { load: { model: 'stream', connections: 3, connectRatePerSec: 100, durationSec: 60 } }, abort.signal);
    setTimeout(() => abort.abort(), 500);
    const out = await createWsEngine().run(ctx);
    expect(out.incomplete?.reason).toBeDefined();
    expect(out.endpoints['ws:trades']!.requests).toBeGreaterThan(0);
  });
});

describe('ws engine input checks', () => {
  it('refuses a target without a WebSocket URL with an InputError that says what to set', async () => {
    const { InputError } = await import('../../src/errors.js');
    const err = await runStreams({ baseUrl: 'http://127.0.0.1:1', wsUrl: '' }, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InstanceType<typeof InputError>).hint).toMatch(/wsUrl/);
  });
});
