/**
 * Uptime and downtime of one stream connection, on a fake socket and a manual clock (deterministic): they must
 * not overlap, must cover a connection that never came up, and must end at stop.
 */
import { describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../src/result/histogram.js';
import { WsCollector } from '../../src/engines/ws/collector.js';
import { StreamConnection, type ConnectionClock, type WsLike } from '../../src/engines/ws/connection.js';

class FakeSocket implements WsLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: Array<{ op: string; id: number; channel: string; symbol: string }> = [];
  send(data: string): void {
    this.sent.push(JSON.parse(data) as FakeSocket['sent'][number]);
  }
  close(): void {
    this.readyState = 2;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  ackAll(): void {
    for (const m of this.sent.splice(0)) this.onmessage?.({ data: JSON.stringify({ op: 'ack', id: m.id, lastSeq: 0 }) });
  }
  serverClose(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1012, reason: 'restart' });
  }
}

function harness() {
  let nowMs = 0;
  const timers = new Map<object, { fn: () => void; atMs: number }>();
  const clock: ConnectionClock = {
    now: () => nowMs,
    epochMs: () => 1_700_000_000_000 + nowMs,
    setTimeout: (fn, ms) => {
      const h = {};
      timers.set(h, { fn, atMs: nowMs + ms });
      return h;
    },
    clearTimeout: (h) => void timers.delete(h as object),
  };
  const sockets: FakeSocket[] = [];
  const collector = new WsCollector(['trades'], 'w');
  const conn = new StreamConnection(
    { url: 'ws://fake/ws', subscriptions: [{ channel: 'trades', symbol: 'BTC-USDT' }], timeoutMs: 1_000, backoff: { baseMs: 100, capMs: 100 }, clockOffsetUs: 0, originMs: 0 },
    () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    collector,
    clock,
    () => 0.5,
  );
  /** Moves the clock to `t`, firing due timers in order (bounded). */
  const advance = (t: number): void => {
    for (let i = 0; i < 1_000; i++) {
      const due = [...timers.entries()].filter(([, v]) => v.atMs <= t).sort((a, b) => a[1].atMs - b[1].atMs)[0];
      if (due === undefined) break;
      timers.delete(due[0]);
      nowMs = due[1].atMs;
      due[1].fn();
    }
    nowMs = t;
  };
  const last = (): FakeSocket => sockets[sockets.length - 1]!;
  return { conn, collector, sockets, advance, last, stream: () => collector.toEndpoints(undefined)['ws:trades']!.stream! };
}

describe('stream connection uptime and downtime', () => {
  it('counts uptime only while live, so it never overlaps the downtime of a reconnect that failed while subscribing', async () => {
    const h = harness();
    h.conn.start();
    h.advance(10);
    h.last().open();
    h.advance(20);
    h.last().ackAll(); // live at 20
    h.advance(1_000);
    h.last().serverClose(); // down at 1000; backoff 50 ms
    h.advance(1_060);
    h.last().open(); // opened at 1060, but the subscribe ack never comes: gives up at 2060
    h.advance(2_060);
    h.advance(2_110);
    h.last().open();
    h.advance(2_120);
    h.last().ackAll(); // live again at 2120
    h.advance(3_000);
    const stopped = h.conn.stop(500);
    h.last().ackAll();
    h.advance(3_200);
    h.last().serverClose();
    await stopped;
    const s = h.stream();
    expect(s.uptimeSec).toBeCloseTo((1_000 - 20 + 3_000 - 2_120) / 1000, 6);
    expect(s.downtimeSec).toBeCloseTo((2_120 - 1_000) / 1000, 6);
    // Up + down is the time since the connection first went live, to the stop.
    expect(s.uptimeSec + s.downtimeSec).toBeCloseTo((3_000 - 20) / 1000, 6);
    expect(s).toMatchObject({ disconnects: 1, reconnectAttempts: 2, reconnectSuccesses: 1 });
  });

  it('counts a connection that never came up as down from its start, and says it was down at the end', async () => {
    const h = harness();
    h.conn.start();
    for (let t = 5; t < 1_000; t += 5) {
      h.advance(t);
      const s = h.last();
      if (s.readyState === 0 && s.onclose !== null) s.serverClose(); // refused before it opened
    }
    h.advance(1_000);
    await h.conn.stop(100);
    const s = h.stream();
    expect(s.uptimeSec).toBe(0);
    expect(s.downtimeSec).toBeCloseTo(1, 6);
    expect(h.collector.downAtEnd).toBe(1);
    // Never live: no disconnect, no recovery, no reconnect attempts.
    expect(s).toMatchObject({ disconnects: 0, reconnectAttempts: 0 });
  });

  it('is not down for the ordinary time its first connect takes', async () => {
    const h = harness();
    h.conn.start();
    h.advance(15);
    h.last().open();
    h.last().ackAll();
    h.advance(500);
    const stopped = h.conn.stop(100);
    h.last().ackAll();
    h.last().serverClose();
    await stopped;
    const s = h.stream();
    expect(s.downtimeSec).toBe(0);
    expect(s.uptimeSec).toBeCloseTo(0.485, 6);
    expect(h.collector.downAtEnd).toBe(0);
  });

  it('counts a message without a server ts but keeps it out of the latency histogram instead of recording 0', async () => {
    const h = harness();
    h.conn.start();
    h.last().open();
    h.last().ackAll();
    h.advance(100);
    const send = (m: Record<string, unknown>) => h.last().onmessage?.({ data: JSON.stringify(m) });
    send({ channel: 'trades', symbol: 'BTC-USDT', seq: 1, data: {} });
    send({ channel: 'trades', symbol: 'BTC-USDT', seq: 2, ts: (1_700_000_000_000 + 100 - 40) * 1000, data: {} });
    const stopped = h.conn.stop(100);
    h.last().ackAll();
    h.last().serverClose();
    await stopped;
    const ep = h.collector.toEndpoints(undefined)['ws:trades']!;
    expect(ep.stream!.messages).toBe(2);
    expect(h.collector.noTimestamp).toBe(1);
    const lat = decodeHistogram(ep.latency);
    expect(lat.totalCount).toBe(1);
    expect(lat.minNonZeroValue / 1000).toBeCloseTo(40, 0);
  });
});
