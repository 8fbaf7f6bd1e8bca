/**
 * Message latency is receive time − the server's `ts`, so both must be on one clock. On the same host they are;
 * for a remote target the engine estimates server − client offset the NTP way: offset = serverTs − midpoint of the
 * request, from the round trip with the smallest RTT (least queuing); uncertainty = that RTT / 2.
 * The dialect's ping/pong first where its pong carries the server time (loadgate: µs), else its `fetchTime` REST
 * operation (GET /api/v1/time, /api/v3/time, /api/v5/public/time, /v5/market/time: ms server time).
 */
import { DIALECTS } from '../../dialect/registry.js';
import { hostOf, isLoopbackHost } from '../../loopback.js';
import { buildRequest } from '../../dialect/request.js';
import type { Dialect } from '../../dialect/types.js';
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
  const host = hostOf(url);
  return host !== undefined && isLoopbackHost(host);
}

export interface OffsetProbeDeps {
  factory: SocketFactory;
  epochMs: () => number;
  /** GET `url`, the body as text; throws on a failure or a non-2xx status. Default: fetch. */
  fetchText?: (url: string, timeoutMs: number) => Promise<string>;
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * Ping/pong `samples` times over one connection, in the dialect's frames. Resolves undefined if the dialect has no
 * application-level ping, or the server doesn't answer, or its pong carries no server time (OKX, Bybit).
 */
export function pingSamples(wsUrl: string, samples: number, timeoutMs: number, deps: OffsetProbeDeps, dialect: Dialect = DIALECTS.loadgate): Promise<OffsetSample[] | undefined> {
  return new Promise((resolve) => {
    if (dialect.stream.ping(0, 0) === undefined) return resolve(undefined);
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
      const frame = dialect.stream.ping(out.length + 1, Math.round(sentMs));
      if (frame === undefined) return finish(undefined);
      ws.send(frame);
    };
    try {
      ws = deps.factory(dialect.stream.url(wsUrl, []));
    } catch {
      finish(undefined);
      return;
    }
    ws.onerror = () => {};
    ws.onclose = () => finish(out.length > 0 ? out : undefined);
    ws.onopen = ping;
    ws.onmessage = (ev) => {
      const receivedMs = deps.epochMs();
      const msg = dialect.stream.decode(String(ev.data));
      if (msg.kind !== 'pong') return;
      // A pong without the server's time can't place the clocks: no use waiting for more.
      if (msg.serverTsMs === undefined) return finish(undefined);
      out.push({ sentMs, receivedMs, serverMs: msg.serverTsMs });
      if (out.length >= samples) finish(out);
      else ping();
    };
  });
}

async function defaultFetchText(url: string, timeoutMs: number): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.text();
}

/** The server-time request of `dialect`, e.g. `GET /api/v1/time`, for notes. */
export function serverTimeRequest(dialect: Dialect): string {
  return `${dialect.rest.fetchTime.method} ${dialect.rest.fetchTime.path}`;
}

/** Estimates the clock offset: the dialect's ping/pong, else its server-time operation. Undefined when neither answers. */
export async function estimateClockOffset(
  target: { wsUrl: string; baseUrl: string },
  deps: OffsetProbeDeps,
  opts: { samples?: number; timeoutMs?: number; dialect?: Dialect } = {},
): Promise<ClockOffset | undefined> {
  const n = opts.samples ?? 8;
  const timeoutMs = opts.timeoutMs ?? 3_000;
  const dialect = opts.dialect ?? DIALECTS.loadgate;
  const pings = await pingSamples(target.wsUrl, n, timeoutMs, deps, dialect);
  const fromPing = pings && offsetFromSamples(pings);
  if (fromPing) return { method: 'ping', offsetMs: round3(fromPing.offsetMs), uncertaintyMs: round3(fromPing.uncertaintyMs) };
  const fetchText = deps.fetchText ?? defaultFetchText;
  const url = `${target.baseUrl}${buildRequest(dialect, 'fetchTime').path}`;
  const samples: OffsetSample[] = [];
  for (let i = 0; i < n; i++) {
    const sentMs = deps.epochMs();
    try {
      const body = await fetchText(url, timeoutMs);
      const receivedMs = deps.epochMs();
      const serverMs = dialect.readers.serverTimeMs(body);
      if (serverMs !== undefined) samples.push({ sentMs, receivedMs, serverMs });
    } catch {
      break;
    }
  }
  const fromTime = offsetFromSamples(samples, 1);
  return fromTime && { method: 'server-time', offsetMs: round3(fromTime.offsetMs), uncertaintyMs: round3(fromTime.uncertaintyMs) };
}
