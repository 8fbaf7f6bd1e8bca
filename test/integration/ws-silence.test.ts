/**
 * Issue 16 items 5 and 8 against the stream mock on port 0: a channel that stops delivering (the mock's `pause`
 * fault) is counted as downtime, and, when the server's seq moved on meanwhile, as loss once it resumes; a
 * stream `durationSec` past Node's timer limit runs until stopped instead of ending at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createWsEngine } from '../../src/engines/ws.js';
import { runStreams, startStreamServer, streamContext, type StreamServer } from './ws-helpers.js';

let server: StreamServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pauses the mock's trades for `pauseMs` once `beforeMs` of the run has passed (bounded: runs once). */
async function pauseOnce(s: StreamServer, seq: 'advance' | 'freeze', beforeMs: number, pauseMs: number): Promise<void> {
  await sleep(beforeMs);
  s.streams.setFaults({ pause: { channels: ['trades'], seq } });
  await sleep(pauseMs);
  s.streams.setFaults({});
}

describe('stream silence against the mock', () => {
  it('a paused channel whose seq moves on: downtime while silent, and exactly the skipped messages as loss', async () => {
    server = await startStreamServer({ ratePerSec: { trades: 50, ticker: 50 } });
    const [out] = await Promise.all([
      runStreams(server, { load: { model: 'stream', connections: 2, connectRatePerSec: 100, durationSec: 4 }, streams: [{ channel: 'trades' }, { channel: 'ticker' }] }),
      pauseOnce(server, 'advance', 1200, 1500),
    ]);
    const trades = out.endpoints['ws:trades']!.stream!;
    expect(server.streams.stats.pauseDrops).toBeGreaterThan(0);
    expect(trades.lost).toBe(server.streams.stats.pauseDrops);
    expect(out.endpoints['ws:ticker']!.stream!.lost).toBe(0);
    // The silence is an outage: the connections were down for part of it (detection waits 10 intervals, 200 ms).
    expect(trades.downtimeSec).toBeGreaterThan(0);
    expect(trades.disconnects).toBe(0);
    expect(out.notes?.join('\n')).toMatch(/ws:trades: \d+ silence\(s\)/);
  });

  it('a silent publisher (no seq advance): downtime, and no loss is made up', async () => {
    server = await startStreamServer({ ratePerSec: { trades: 50 } });
    const [out] = await Promise.all([
      runStreams(server, { load: { model: 'stream', connections: 2, connectRatePerSec: 100, durationSec: 4, maxSilenceMs: 500 } }),
      pauseOnce(server, 'freeze', 1200, 1500),
    ]);
    const trades = out.endpoints['ws:trades']!.stream!;
    expect(trades.lost).toBe(0);
    expect(trades.downtimeSec).toBeGreaterThan(0);
    expect(trades.uptimeSec).toBeGreaterThan(0);
  });

  it('a durationSec past 2^31-1 ms runs until stopped, not for a millisecond', async () => {
    server = await startStreamServer({ ratePerSec: { trades: 50 } });
    const ac = new AbortController();
    const ctx = streamContext(server, { load: { model: 'stream', connections: 1, connectRatePerSec: 100, durationSec: 1 } }, ac.signal);
    // 2.2 million seconds (25.5 days), set past any suite-file bound: this is the engine's own timer.
    (ctx.workload.load as { durationSec: number }).durationSec = 2_200_000;
    const stopper = setTimeout(() => ac.abort(), 1500);
    try {
      const out = await createWsEngine().run(ctx);
      expect(out.incomplete).toBeDefined();
      expect(out.endpoints['ws:trades']!.stream!.messages).toBeGreaterThan(0);
    } finally {
      clearTimeout(stopper);
    }
  });
});
