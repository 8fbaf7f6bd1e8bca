/**
 * Issue 16 item 8: a live subscription that stops delivering is an outage (downtime) from its last message until
 * it delivers again, and the seqs it skipped meanwhile are loss. Driven by hand: a scripted socket and a manual
 * clock, so no timing is involved.
 */
import { describe, expect, it } from 'vitest';
import { WsCollector } from '../../src/engines/ws/collector.js';
import { StreamConnection, type ConnectionClock, type WsLike } from '../../src/engines/ws/connection.js';
import { MAX_TIMER_MS, setLongTimeout } from '../../src/engines/timers.js';

class ScriptedSocket implements WsLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: Array<{ op: string; id: number; channel: string; symbol: string }> = [];
  send(data: string): void {
    this.sent.push(JSON.parse(data) as never);
  }
  close(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1000, reason: '' });
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  ackAll(lastSeq?: number): void {
    for (const m of this.sent.splice(0)) this.emit({ op: 'ack', id: m.id, ...(lastSeq !== undefined ? { lastSeq } : {}) });
  }
  emit(msg: unknown): void {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  data(channel: string, seq: number): void {
    this.emit({ channel, symbol: 'BTC-USDT', seq, data: {} });
  }
}

function setup(opts: { silenceFactor?: number; maxSilenceMs?: number } = {}) {
  let t = 1_000;
  const clock: ConnectionClock = { now: () => t, epochMs: () => t, setTimeout: () => ({}), clearTimeout: () => undefined };
  const sockets: ScriptedSocket[] = [];
  const collector = new WsCollector(['trades', 'ticker'], 'w');
  const conn = new StreamConnection(
    { url: 'ws://x.invalid/ws', subscriptions: [{ channel: 'trades', symbol: 'BTC-USDT' }, { channel: 'ticker', symbol: 'BTC-USDT' }], timeoutMs: 1000, backoff: { baseMs: 10, capMs: 10 }, clockOffsetUs: 0, originMs: 0, ...opts },
    () => {
      const s = new ScriptedSocket();
      sockets.push(s);
      return s;
    },
    collector,
    clock,
    () => 0.5,
  );
  conn.start();
  sockets[0]!.open();
  sockets[0]!.ackAll();
  return { conn, collector, socket: sockets[0]!, advance: (ms: number) => (t += ms) };
}

describe('stream silence', () => {
  it('a subscription that stops delivering is down from its last message until it delivers again; skipped seqs are lost', async () => {
    const { conn, collector, socket, advance } = setup({ silenceFactor: 10 });
    let seq = 0;
    // 100 ms apart for 2 s: the usual interval is 100 ms, so silent after 1 s without a message.
    for (let i = 0; i < 20; i++) {
      advance(100);
      socket.data('trades', ++seq);
      socket.data('ticker', seq);
      conn.checkSilence();
    }
    // trades goes quiet for 3 s (the ticker keeps going); the server's seq moves on meanwhile.
    for (let i = 0; i < 30; i++) {
      advance(100);
      socket.data('ticker', 20 + i + 1);
      conn.checkSilence();
    }
    expect(collector.silences.get('trades')).toEqual({ count: 1, totalMs: 0, atEnd: 0 });
    advance(100);
    socket.data('trades', seq + 31); // 30 seqs skipped
    conn.checkSilence();
    advance(1000);
    const stop = conn.stop(0);
    socket.ackAll();
    await stop;
    expect(collector.silences.get('trades')).toEqual({ count: 1, totalMs: 3100, atEnd: 0 });
    expect(collector.silences.has('ticker')).toBe(false);
    // Live for 2 s, silent 3.1 s (from the last trade at 2.0 s to its return at 5.1 s), live again for 1 s.
    expect(collector.uptimeMs).toBe(3000);
    expect(collector.downtimeMs).toBe(3100);
    expect(collector.totals().lost).toBe(30);
    expect(collector.disconnects).toBe(0);
  });

  it('a subscription still silent at the end counts as down until the stop, and says so', async () => {
    const { conn, collector, socket, advance } = setup({ silenceFactor: 5 });
    for (let i = 1; i <= 10; i++) {
      advance(100);
      socket.data('trades', i);
      socket.data('ticker', i);
    }
    advance(2000);
    conn.checkSilence();
    const stop = conn.stop(0);
    socket.ackAll();
    await stop;
    expect(collector.silences.get('trades')).toMatchObject({ count: 1, atEnd: 1, totalMs: 2000 });
    expect(collector.uptimeMs).toBe(1000);
    expect(collector.downtimeMs).toBe(2000);
  });

  it('maxSilenceMs bounds the wait, also for a subscription that never delivered', async () => {
    const { conn, collector, socket, advance } = setup({ maxSilenceMs: 500 });
    advance(400);
    socket.data('ticker', 1);
    conn.checkSilence();
    expect(collector.silences.size).toBe(0);
    advance(200); // trades: 600 ms since the ack with nothing
    conn.checkSilence();
    expect(collector.silences.get('trades')?.count).toBe(1);
    const stop = conn.stop(0);
    socket.ackAll();
    await stop;
    expect(collector.uptimeMs + collector.downtimeMs).toBe(600);
    expect(collector.downtimeMs).toBe(600);
  });

  it('a feed that keeps its usual pace is never silent', async () => {
    const { conn, collector, socket, advance } = setup({ silenceFactor: 3 });
    for (let i = 1; i <= 100; i++) {
      advance(i % 2 ? 50 : 150);
      socket.data('trades', i);
      socket.data('ticker', i);
      conn.checkSilence();
    }
    const stop = conn.stop(0);
    socket.ackAll();
    await stop;
    expect(collector.silences.size).toBe(0);
    expect(collector.downtimeMs).toBe(0);
  });
});

describe('long timers', () => {
  it('chain past the 2^31-1 ms limit of one timer and fire once, at the full delay', () => {
    const armed: number[] = [];
    let pending: (() => void) | undefined;
    const set = (fn: () => void, ms: number) => {
      armed.push(ms);
      pending = fn;
      return armed.length;
    };
    let fired = 0;
    const durationMs = 3_000_000 * 1000; // a stream durationSec of 3 million
    setLongTimeout(() => fired++, durationMs, set, () => undefined);
    for (let i = 0; i < 10 && fired === 0; i++) pending!();
    expect(fired).toBe(1);
    expect(armed.every((ms) => ms <= MAX_TIMER_MS)).toBe(true);
    expect(armed.reduce((a, b) => a + b, 0)).toBe(durationMs);
  });

  it('can be cleared between links of the chain', () => {
    let pending: (() => void) | undefined;
    let fired = 0;
    const t = setLongTimeout(() => fired++, 3 * MAX_TIMER_MS, (fn) => ((pending = fn), 1), () => undefined);
    pending!();
    t.clear();
    pending!();
    pending!();
    expect(fired).toBe(0);
  });
});
