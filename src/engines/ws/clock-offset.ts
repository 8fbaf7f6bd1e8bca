/**
 * Message latency is receive time − the server's `ts`, so both must be on one clock. On the same host they are;
 * for a remote target the engine estimates server − client offset the NTP way: offset = serverTs − midpoint of the
 * request, from the round trip with the smallest RTT (least queuing); uncertainty = that RTT / 2.
 * Ping/pong over the stream protocol first (µs server time), else GET /api/v1/time (ms server time).
 */
import type { ClockOffset } from './collector.js';
import type { SocketFactory } from './connection.js';

export interface OffsetSample {
  /** Client epoch ms when the request was sent and when the answer arrived. */
  sentMs: number;
  receivedMs: number;
  /** Server epoch ms in the answer. */
  serverMs: number;
}

/** Best estimate from samples: the one with the smallest round trip. Pure. */
export function offsetFromSamples(samples: readonly OffsetSample[], serverResolutionMs = 0): { offsetMs: number; uncertaintyMs: number } | undefined {
  let best: OffsetSample | undefined;
  for (const s of samples) if (best === undefined || s.receivedMs - s.sentMs < best.receivedMs - best.sentMs) best = s;
  if (best === undefined) return undefined;
  const rttMs = best.receivedMs - best.sentMs;
  // A server time truncated to `serverResolutionMs` is on average half a unit early.
  const serverMs = best.serverMs + serverResolutionMs / 2;
  return { offsetMs: serverMs - (best.sentMs + best.receivedMs) / 2, uncertaintyMs: rttMs / 2 + serverResolutionMs / 2 };
}

/** Is the WebSocket URL's host this machine? Then the clocks agree and no estimate is needed. */
export function isLocalUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}

export interface OffsetProbeDeps {
  factory: SocketFactory;
  epochMs: () => number;
  fetchJson?: (url: string, timeoutMs: number) => Promise<unknown>;
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** Ping/pong `samples` times over one connection. Resolves undefined if the server doesn't answer pings. */
export function pingSamples(wsUrl: string, samples: number, timeoutMs: number, deps: OffsetProbeDeps): Promise<OffsetSample[] | undefined> {
  return new Promise((resolve) => {
    const out: OffsetSample[] = [];
    let ws: ReturnType<SocketFactory>;
    let done = false;
    const finish = (r: OffsetSample[] | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        ws.close(1000, 'done');
      } catch {
        // closing anyway
      }
      resolve(r);
    };
    const timer = setTimeout(() => finish(out.length > 0 ? out : undefined), timeoutMs);
    let sentMs = 0;
    const ping = (): void => {
      sentMs = deps.epochMs();
      ws.send(JSON.stringify({ op: 'ping', id: out.length + 1, clientTs: Math.round(sentMs * 1000) }));
    };
    try {
      ws = deps.factory(wsUrl);
    } catch {
      finish(undefined);
      return;
    }
    ws.onerror = () => {};
    ws.onclose = () => finish(out.length > 0 ? out : undefined);
    ws.onopen = ping;
    ws.onmessage = (ev) => {
      const receivedMs = deps.epochMs();
      let msg: { op?: string; serverTs?: number };
      try {
        msg = JSON.parse(String(ev.data)) as typeof msg;
      } catch {
        return;
      }
      if (msg.op !== 'pong' || typeof msg.serverTs !== 'number') return;
      out.push({ sentMs, receivedMs, serverMs: msg.serverTs / 1000 });
      if (out.length >= samples) finish(out);
      else ping();
    };
  });
}

async function defaultFetchJson(url: string, timeoutMs: number): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

/** Estimates the clock offset: ping/pong, else the server-time endpoint. Undefined when neither answers. */
export async function estimateClockOffset(
  target: { wsUrl: string; baseUrl: string },
  deps: OffsetProbeDeps,
  opts: { samples?: number; timeoutMs?: number } = {},
): Promise<ClockOffset | undefined> {
  const n = opts.samples ?? 8;
  const timeoutMs = opts.timeoutMs ?? 3_000;
  const pings = await pingSamples(target.wsUrl, n, timeoutMs, deps);
  const fromPing = pings && offsetFromSamples(pings);
  if (fromPing) return { method: 'ping', offsetMs: round3(fromPing.offsetMs), uncertaintyMs: round3(fromPing.uncertaintyMs) };
  const fetchJson = deps.fetchJson ?? defaultFetchJson;
  const samples: OffsetSample[] = [];
  for (let i = 0; i < n; i++) {
    const sentMs = deps.epochMs();
    try {
      const body = (await fetchJson(`${target.baseUrl}/api/v1/time`, timeoutMs)) as { serverTimeMs?: unknown };
      const receivedMs = deps.epochMs();
      if (typeof body.serverTimeMs === 'number') samples.push({ sentMs, receivedMs, serverMs: body.serverTimeMs });
    } catch {
      break;
    }
  }
  const fromTime = offsetFromSamples(samples, 1);
  return fromTime && { method: 'server-time', offsetMs: round3(fromTime.offsetMs), uncertaintyMs: round3(fromTime.uncertaintyMs) };
}
