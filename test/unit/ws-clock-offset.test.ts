import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../../src/dialect/registry.js';
import { estimateClockOffset, isLocalUrl, offsetFromSamples } from '../../src/engines/ws/clock-offset.js';
import type { WsLike } from '../../src/engines/ws/connection.js';

/** A socket that opens at once and answers each frame with `reply(frame)` (undefined: no answer). */
function answeringSocket(reply: (frame: string) => string | undefined, sent: string[]): WsLike {
  const ws: WsLike = {
    readyState: 1,
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
    send(data) {
      sent.push(data);
      const r = reply(data);
      if (r !== undefined) queueMicrotask(() => ws.onmessage?.({ data: r }));
    },
    close() {},
  };
  queueMicrotask(() => ws.onopen?.({}));
  return ws;
}

describe('clock offset estimation', () => {
  it('takes the offset from the sample with the smallest round trip', () => {
    const est = offsetFromSamples([
      { sentMs: 0, receivedMs: 40, serverMs: 1_030 },
      { sentMs: 100, receivedMs: 102, serverMs: 1_101 },
      { sentMs: 200, receivedMs: 230, serverMs: 1_190 },
    ]);
    expect(est).toEqual({ offsetMs: 1_000, uncertaintyMs: 1 });
  });

  it('has no estimate without samples', () => {
    expect(offsetFromSamples([])).toBeUndefined();
  });

  it('treats loopback hosts as the same host and others as remote', () => {
    expect(isLocalUrl('ws://127.0.0.1:9000/ws')).toBe(true);
    expect(isLocalUrl('ws://localhost/ws')).toBe(true);
    expect(isLocalUrl('ws://[::1]:80/ws')).toBe(true);
    expect(isLocalUrl('wss://stream.example.com/ws')).toBe(false);
  });

  it('falls back to the server-time endpoint when the server does not answer pings', async () => {
    let now = 1_000_000;
    const offset = await estimateClockOffset(
      { wsUrl: 'ws://192.0.2.1/ws', baseUrl: 'http://192.0.2.1' },
      {
        factory: () => {
          throw new Error('refused');
        },
        epochMs: () => (now += 4),
        fetchText: async () => JSON.stringify({ serverTimeMs: now + 500 }),
      },
      { samples: 3 },
    );
    expect(offset?.method).toBe('server-time');
    // Each sample: sent at t, the server answers t + 500 (whole ms, so +0.5 centred), received at t + 4:
    // offset = t + 500.5 − (t + 2) = 498.5; uncertainty = RTT/2 + 0.5 = 2.5.
    expect(offset?.offsetMs).toBeCloseTo(498.5, 3);
    expect(offset?.uncertaintyMs).toBeCloseTo(2.5, 3);
  });

  it('uses the dialect’s server-time operation when its pong carries no server time (OKX: "ping" → "pong")', async () => {
    let now = 2_000_000;
    const sent: string[] = [];
    const urls: string[] = [];
    const offset = await estimateClockOffset(
      { wsUrl: 'ws://okx.invalid/ws/v5/public', baseUrl: 'http://okx.invalid' },
      {
        factory: () => answeringSocket((f) => (f === 'ping' ? 'pong' : undefined), sent),
        epochMs: () => (now += 4),
        fetchText: async (url) => {
          urls.push(url);
          return JSON.stringify({ code: '0', msg: '', data: [{ ts: String(now - 1000) }] });
        },
      },
      { samples: 3, timeoutMs: 10_000, dialect: DIALECTS['okx-v5'] },
    );
    // One ping, and no waiting for more once the pong said nothing about the server's clock.
    expect(sent).toEqual(['ping']);
    expect(urls).toHaveLength(3);
    expect(urls.every((u) => u === 'http://okx.invalid/api/v5/public/time')).toBe(true);
    expect(offset?.method).toBe('server-time');
    // Sent at t, the server answers t − 1000 (whole ms, so +0.5 centred), received at t + 4: offset = −1000 + 0.5 − 2.
    expect(offset?.offsetMs).toBeCloseTo(-1001.5, 3);
  });

  it('pings in the dialect’s own frames and reads its pong’s server time (loadgate: µs)', async () => {
    let now = 3_000_000;
    const sent: string[] = [];
    const offset = await estimateClockOffset(
      { wsUrl: 'ws://lg.invalid/ws', baseUrl: 'http://lg.invalid' },
      {
        factory: () =>
          answeringSocket((f) => {
            const m = JSON.parse(f) as { op: string; id: number };
            return JSON.stringify({ op: 'pong', id: m.id, serverTs: (now + 250) * 1000 });
          }, sent),
        epochMs: () => (now += 2),
        fetchText: async () => {
          throw new Error('not asked');
        },
      },
      { samples: 4, dialect: DIALECTS.loadgate },
    );
    expect(sent).toHaveLength(4);
    expect(JSON.parse(sent[0]!)).toMatchObject({ op: 'ping', id: 1 });
    expect(offset?.method).toBe('ping');
    // Sent at t, the server stamps t + 250 (its clock runs 250 ms ahead), received at t + 2: offset = 250 − 1.
    expect(offset?.offsetMs).toBeCloseTo(249, 3);
    expect(offset?.uncertaintyMs).toBeCloseTo(1, 3);
  });

  it('skips the ping for a dialect without application-level pings (Binance) and asks its time endpoint', async () => {
    let now = 1_000;
    let sockets = 0;
    const urls: string[] = [];
    const offset = await estimateClockOffset(
      { wsUrl: 'ws://binance.invalid/ws', baseUrl: 'http://binance.invalid' },
      {
        factory: () => {
          sockets++;
          throw new Error('not asked');
        },
        epochMs: () => (now += 2),
        fetchText: async (url) => {
          urls.push(url);
          return JSON.stringify({ serverTime: now });
        },
      },
      { samples: 2, dialect: DIALECTS['binance-spot'] },
    );
    expect(sockets).toBe(0);
    expect(urls[0]).toBe('http://binance.invalid/api/v3/time');
    expect(offset?.method).toBe('server-time');
  });
});
