/** Server-initiated disconnects: every connection comes back, resubscribes, and the recovery is reported. */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../src/result/histogram.js';
import { runStreams, startStreamServer, type StreamServer } from './ws-helpers.js';

let server: StreamServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('ws engine reconnects', () => {
  it('brings every connection back and resubscribes after server-initiated disconnects every second', async () => {
    server = await startStreamServer({ ratePerSec: { trades: 20, ticker: 20 }, faults: { disconnectEverySec: 1 } });
    const connections = 10;
    const out = await runStreams(server, {
      load: { model: 'stream', connections, connectRatePerSec: 500, durationSec: 3.5 },
      streams: [{ channel: 'trades' }, { channel: 'ticker' }],
      symbols: ['BTC-USDT'],
    });
    const st = server.streams.stats;
    const s = out.endpoints['ws:trades']!.stream!;
    expect(st.disconnectsInjected).toBeGreaterThanOrEqual(2 * connections);
    expect(s.disconnects).toBe(st.disconnectsInjected);
    expect(s.reconnectAttempts).toBe(s.disconnects);
    expect(s.reconnectSuccesses).toBe(s.reconnectAttempts);
    expect(decodeHistogram(s.recoveryTime).totalCount).toBe(s.disconnects);
    expect(s.connectionsOpened).toBe(connections + s.disconnects);
    // Every (re)connection subscribed to both streams again.
    expect(st.subscribes).toBe(2 * (connections + s.disconnects));
    expect(out.notes?.join('\n') ?? '').not.toMatch(/were down .* when the run ended/);
    expect(s.downtimeSec).toBeGreaterThan(0);
    expect(s.uptimeSec).toBeGreaterThan(connections * 3);
    // Messages keep flowing after the last disconnect.
    const series = out.endpoints['ws:trades']!.series;
    expect(series[series.length - 1]!.requests).toBeGreaterThan(0);
    // Disconnects are not loss: seqs restart with each subscription.
    expect(s.lost).toBe(0);
  });

  it('counts failed attempts against reconnect success while the server refuses, then recovers', async () => {
    server = await startStreamServer({ ratePerSec: { trades: 20 } });
    const target = server;
    // Refuse upgrades for a while after the first disconnect by closing the listener, then listen again on the same port.
    const port = Number(new URL(target.wsUrl).port);
    const { default: http } = await import('node:http');
    const { attachStreams } = await import('../../mocks/streams.js');
    setTimeout(() => void target.close(), 400);
    let second: { close(): Promise<void> } | undefined;
    setTimeout(() => {
      const srv = http.createServer();
      const streams = attachStreams(srv, { ratePerSec: { trades: 20 } });
      srv.listen(port, '127.0.0.1');
      second = {
        async close() {
          await streams.close();
          srv.closeAllConnections();
          await new Promise<void>((r) => srv.close(() => r()));
        },
      };
    }, 1_200);
    const out = await runStreams(target, { load: { model: 'stream', connections: 3, connectRatePerSec: 100, durationSec: 3 } }, { backoff: { baseMs: 50, capMs: 200 } });
    await second?.close();
    server = undefined;
    const s = out.endpoints['ws:trades']!.stream!;
    expect(s.disconnects).toBe(3);
    expect(s.reconnectAttempts).toBeGreaterThan(s.reconnectSuccesses);
    expect(s.reconnectSuccesses).toBe(3);
    expect(s.connectFailures).toBe(s.reconnectAttempts - s.reconnectSuccesses);
    const recovery = decodeHistogram(s.recoveryTime);
    expect(recovery.totalCount).toBe(3);
    // Down from ~0.4 s to at least 1.2 s.
    expect(recovery.minNonZeroValue / 1000).toBeGreaterThan(700);
  });
});
