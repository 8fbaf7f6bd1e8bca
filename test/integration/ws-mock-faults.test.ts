/** The stream mock's other faults, seen from a raw client: stalls, slow consumers, heartbeats. */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SequenceTracker } from '../../src/dialect/sequence.js';
import { decodeHistogram, percentileMs } from '../../src/result/histogram.js';
import { runStreams, startStreamServer, type StreamServer } from './ws-helpers.js';

let server: StreamServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 20 ms for up to 10 s; throws if it never holds. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await sleep(20);
  }
  throw new Error('condition not reached in 10 s');
}

function open(url: string, opts: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('stream mock faults', () => {
  it('holds messages during a stall and releases them after it, without loss', async () => {
    server = await startStreamServer({ ratePerSec: { trades: 40 }, faults: { stall: { holdMs: 300, everySec: 1 } } });
    const out = await runStreams(server, { load: { model: 'stream', connections: 3, connectRatePerSec: 100, durationSec: 2.2 } });
    const ep = out.endpoints['ws:trades']!;
    const h = decodeHistogram(ep.latency);
    expect(server.streams.stats.stallsHeld).toBeGreaterThan(0);
    expect(ep.stream!.lost).toBe(0);
    // Messages produced at the start of a stall wait out most of it; most messages are not stalled at all.
    expect(h.maxValue / 1000).toBeGreaterThan(250);
    expect(percentileMs(h, 50)).toBeLessThan(150);
  });

  it('drops messages for a client that falls behind, and the client can count exactly those as loss', async () => {
    server = await startStreamServer({ ratePerSec: { orderbook: 10_000 }, faults: { slowConsumer: { maxBufferedBytes: 2_048, policy: 'drop' } } });
    const ws = await open(server.wsUrl);
    const tracker = new SequenceTracker({ type: 'perSubscription', startsAt: 1 });
    let lastSeq: number | undefined;
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { op?: string; seq?: number; lastSeq?: number };
      if (m.op === 'ack' && m.lastSeq !== undefined) lastSeq = m.lastSeq;
      else if (m.seq !== undefined) tracker.observe({ kind: 'range', first: m.seq, last: m.seq });
    });
    ws.send(JSON.stringify({ op: 'subscribe', channel: 'orderbook', symbol: 'BTC-USDT', id: 1 }));
    await sleep(100);
    ws.pause(); // stop reading: the kernel buffers fill, then the server's send buffer
    await until(() => server!.streams.stats.slowConsumerDrops > 0);
    ws.resume();
    ws.send(JSON.stringify({ op: 'unsubscribe', channel: 'orderbook', symbol: 'BTC-USDT', id: 2 }));
    await until(() => lastSeq !== undefined);
    ws.close();
    expect(tracker.finish(lastSeq).lost).toBe(server.streams.stats.slowConsumerDrops);
  });

  it('disconnects a slow consumer with 1008 when the policy says so', async () => {
    server = await startStreamServer({ ratePerSec: { orderbook: 10_000 }, faults: { slowConsumer: { maxBufferedBytes: 2_048, policy: 'disconnect' } } });
    const ws = await open(server.wsUrl);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ op: 'subscribe', channel: 'orderbook', symbol: 'BTC-USDT', id: 1 }));
    await sleep(100);
    ws.pause();
    await until(() => server!.streams.stats.slowConsumerDisconnects > 0);
    ws.resume();
    expect(server.streams.stats.slowConsumerDisconnects).toBe(1);
    // The close frame sits behind the backlog, or the server gives up on the handshake: either way the socket goes.
    expect([1008, 1006]).toContain(await closed);
  });

  it('terminates a client that stops answering heartbeat pings, and keeps one that answers', async () => {
    server = await startStreamServer({ faults: { heartbeatIntervalMs: 100 } });
    const silent = await open(server.wsUrl, { autoPong: false });
    const polite = await open(server.wsUrl);
    const silentClosed = new Promise<void>((resolve) => silent.once('close', () => resolve()));
    await silentClosed;
    expect(server.streams.stats.heartbeatTimeouts).toBe(1);
    expect(polite.readyState).toBe(WebSocket.OPEN);
    polite.close();
  });

  it('answers an op ping with the server time in µs', async () => {
    server = await startStreamServer({});
    const ws = await open(server.wsUrl);
    const pong = new Promise<Record<string, unknown>>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)) as Record<string, unknown>)));
    ws.send(JSON.stringify({ op: 'ping', id: 9, clientTs: 123 }));
    const msg = await pong;
    ws.close();
    expect(msg).toMatchObject({ op: 'pong', id: 9, clientTs: 123 });
    expect(Math.abs((msg.serverTs as number) / 1000 - Date.now())).toBeLessThan(5_000);
  });
});
