import { describe, expect, it } from 'vitest';
import { estimateClockOffset, isLocalUrl, offsetFromSamples } from '../../src/engines/ws/clock-offset.js';

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
        fetchJson: async () => ({ serverTimeMs: now + 500 }),
      },
      { samples: 3 },
    );
    expect(offset?.method).toBe('server-time');
    // Each sample: sent at t, the server answers t + 500 (whole ms, so +0.5 centred), received at t + 4:
    // offset = t + 500.5 − (t + 2) = 498.5; uncertainty = RTT/2 + 0.5 = 2.5.
    expect(offset?.offsetMs).toBeCloseTo(498.5, 3);
    expect(offset?.uncertaintyMs).toBeCloseTo(2.5, 3);
  });
});
