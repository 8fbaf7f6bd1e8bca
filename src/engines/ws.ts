/**
 * The WebSocket stream engine (issue #4): opens N connections at a connect rate, subscribes each to every
 * stream × symbol of the workload, and measures connect and subscribe-ack time, message latency (receive time −
 * server `ts`, clock offset corrected), loss / duplicates / reordering from `seq`, and reconnects.
 * Results: one `ws:<channel>` endpoint per channel (see ws/collector.ts).
 */
import { createRequire } from 'node:module';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { InputError } from '../errors.js';
import type { GeneratorHealth } from '../result/model.js';
import { mulberry32 } from './exchange-requests.js';
import type { Engine, EngineContext, EngineOutput } from './types.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './ws/backoff.js';
import { estimateClockOffset, isLocalUrl } from './ws/clock-offset.js';
import { WsCollector, type ClockOffset } from './ws/collector.js';
import { StreamConnection, type ConnectionClock, type SocketFactory, type Subscription, type WsLike } from './ws/connection.js';

export interface WsEngineDeps {
  /** Default: `ws`'s WebSocket, no compression. */
  socketFactory?: SocketFactory;
  /** Epoch ms, fractional. Default `performance.timeOrigin + performance.now()`. */
  epochMs?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  /** Reconnect backoff. Default 100 ms base, 5 s cap, full jitter. */
  backoff?: BackoffOptions;
  /** `auto` (default): same host for the mock and loopback URLs, else estimated; `estimate` always estimates. */
  clockOffset?: 'auto' | 'estimate' | 'same-host';
  /** How long stopping connections wait for unsubscribe acks, ms. Default 1000. */
  stopGraceMs?: number;
  /** Seq reorder window per subscription. Default 4096. */
  seqWindow?: number;
}

const WS_VERSION: string = (createRequire(import.meta.url)('ws/package.json') as { version: string }).version;

export const defaultSocketFactory: SocketFactory = (url) => new WebSocket(url, { perMessageDeflate: false }) as unknown as WsLike;

const defaultEpochMs = (): number => performance.timeOrigin + performance.now();

/** Generator saturation thresholds: beyond these the client's own queuing shows up as message latency. */
const LAG_P99_LIMIT_MS = 50;
const CPU_LIMIT_PCT = 95;
const LAG_RESOLUTION_MS = 10;

export function createWsEngine(deps: WsEngineDeps = {}): Engine {
  return {
    name: 'ws',
    run: (ctx) => runWs(ctx, deps),
  };
}

export const wsEngine: Engine = createWsEngine();

async function runWs(ctx: EngineContext, deps: WsEngineDeps): Promise<EngineOutput> {
  const w = ctx.workload;
  const load = w.load;
  if (load.model !== 'stream') {
    throw new InputError('LG_WS_NOT_STREAM', `workload "${w.name}": the ws engine needs load.model "stream", got "${load.model}"`, {
      hint: 'use `load: {model: stream, connections, connectRatePerSec, durationSec}` with `streams`, or another engine',
    });
  }
  const subscriptions: Subscription[] = (w.streams ?? []).flatMap((s) => (s.symbols ?? w.symbols).map((symbol) => ({ channel: s.channel, symbol })));
  if (subscriptions.length === 0) {
    throw new InputError('LG_WS_NO_STREAMS', `workload "${w.name}" has no streams to subscribe to`, { hint: 'add `streams: [{channel: orderbook}]`' });
  }
  if (!/^wss?:\/\/[^/]/.test(ctx.target.wsUrl)) {
    throw new InputError('LG_WS_NO_URL', `workload "${w.name}": no WebSocket URL to connect to (got ${JSON.stringify(ctx.target.wsUrl)})`, {
      hint: 'set `target.wsUrl: wss://…` in the suite (the mock target sets it by itself)',
    });
  }
  const channels = [...new Set(subscriptions.map((s) => s.channel))];
  const factory = deps.socketFactory ?? defaultSocketFactory;
  const epochMs = deps.epochMs ?? defaultEpochMs;
  const setT = deps.setTimeout ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const clearT = deps.clearTimeout ?? ((h: unknown) => clearTimeout(h as NodeJS.Timeout));
  const notes: string[] = [];

  // ---- clock offset ----
  const mode = deps.clockOffset ?? 'auto';
  let clockOffset: ClockOffset | undefined;
  if (mode === 'same-host' || (mode === 'auto' && (ctx.target.mock || isLocalUrl(ctx.target.wsUrl)))) {
    clockOffset = { method: 'same-host', offsetMs: 0, uncertaintyMs: 0 };
  } else {
    clockOffset = await estimateClockOffset({ wsUrl: ctx.target.wsUrl, baseUrl: ctx.target.baseUrl }, { factory, epochMs }, { timeoutMs: Math.min(ctx.target.timeoutMs, 5_000) });
    if (clockOffset === undefined) {
      notes.push('message latency assumes the client and server clocks agree: the clock offset could not be estimated (no pong, no /api/v1/time)');
    } else {
      notes.push(
        `message latency is corrected for an estimated clock offset (server − client) of ${clockOffset.offsetMs} ms ± ${clockOffset.uncertaintyMs} ms (${clockOffset.method === 'ping' ? 'ping/pong' : 'GET /api/v1/time'})`,
      );
    }
  }

  const collector = new WsCollector(channels, w.name);
  const clock: ConnectionClock = { now: ctx.now, epochMs, setTimeout: setT, clearTimeout: clearT };
  const random = mulberry32((ctx.seed ^ 0x5eed_0004) >>> 0);
  const connOpts = {
    url: ctx.target.wsUrl,
    subscriptions,
    timeoutMs: ctx.target.timeoutMs,
    backoff: deps.backoff ?? DEFAULT_BACKOFF,
    clockOffsetUs: (clockOffset?.offsetMs ?? 0) * 1000,
    originMs: ctx.originMs,
    seqWindow: deps.seqWindow,
  };

  // ---- generator health ----
  const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  lag.enable();
  const cpuStart = process.cpuUsage();
  let maxRss = process.memoryUsage.rss();

  const conns: StreamConnection[] = [];
  const startMs = ctx.now();
  const durationMs = load.durationSec * 1000;
  const connectIntervalMs = 1000 / load.connectRatePerSec;
  let pacer: unknown;
  const openDue = (): void => {
    pacer = undefined;
    if (ctx.signal.aborted) return;
    const elapsed = ctx.now() - startMs;
    const due = Math.min(load.connections, Math.floor(elapsed / connectIntervalMs) + 1);
    while (conns.length < due) {
      const c = new StreamConnection(connOpts, factory, collector, clock, random);
      conns.push(c);
      c.start();
    }
    if (conns.length < load.connections) pacer = setT(openDue, Math.max(1, startMs + conns.length * connectIntervalMs - ctx.now()));
  };

  const progress = setInterval(() => {
    maxRss = Math.max(maxRss, process.memoryUsage.rss());
    ctx.progress({ workload: w.name, elapsedSec: (ctx.now() - startMs) / 1000, totalSec: load.durationSec, requests: collector.messages, errors: collector.errors });
  }, 1000);

  let endTimer: unknown;
  let onAbort: (() => void) | undefined;
  try {
    openDue();
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      endTimer = setT(resolve, durationMs);
      onAbort = resolve;
      ctx.signal.addEventListener('abort', onAbort, { once: true });
    });
  } finally {
    if (endTimer !== undefined) clearT(endTimer);
    if (pacer !== undefined) clearT(pacer);
    if (onAbort) ctx.signal.removeEventListener('abort', onAbort);
    await Promise.all(conns.map((c) => c.stop(deps.stopGraceMs ?? 1000)));
    clearInterval(progress);
    lag.disable();
  }

  const wallMs = Math.max(1, ctx.now() - startMs);
  const cpu = process.cpuUsage(cpuStart);
  const generator = generatorHealth(lag, ((cpu.user + cpu.system) / 1000 / wallMs) * 100, maxRss);

  if (collector.connectionsOpened === 0) notes.push(`no stream connection opened to ${ctx.target.wsUrl} (${collector.connectFailures} failed attempts)`);
  if (collector.downAtEnd > 0) notes.push(`${collector.downAtEnd} stream connection(s) were still reconnecting when the run ended`);
  if (collector.negativeLatency > 0) {
    notes.push(`${collector.negativeLatency} message(s) arrived "before" they were sent by the server's clock (recorded as 1 µs): the clocks disagree`);
  }
  if (channels.length > 1) notes.push('ws: connection counters (connects, disconnects, reconnects, uptime) are per connection and repeat in each ws:<channel>');

  const out: EngineOutput = { engine: { name: 'ws', version: WS_VERSION }, endpoints: collector.toEndpoints(clockOffset), generator, notes };
  if (ctx.signal.aborted) out.incomplete = { reason: 'stopped before the planned duration' };
  return out;
}

function generatorHealth(lag: ReturnType<typeof monitorEventLoopDelay>, cpuPct: number, maxRssBytes: number): GeneratorHealth {
  // The histogram holds whole timer intervals: lag is what exceeds the sampling resolution.
  const ms = (ns: number): number => Math.max(0, Math.round((ns - LAG_RESOLUTION_MS * 1e6) / 1e4) / 100);
  const eventLoopLagMs = { p50: ms(lag.percentile(50)), p99: ms(lag.percentile(99)), max: ms(lag.max) };
  const reasons: string[] = [];
  if (eventLoopLagMs.p99 > LAG_P99_LIMIT_MS) reasons.push(`event loop lag p99 ${eventLoopLagMs.p99} ms > ${LAG_P99_LIMIT_MS} ms: message latency includes the client's own queuing`);
  if (cpuPct > CPU_LIMIT_PCT) reasons.push(`client CPU ${Math.round(cpuPct)}% of one core > ${CPU_LIMIT_PCT}%`);
  return { eventLoopLagMs, cpuPct: Math.round(cpuPct * 10) / 10, maxRssMb: Math.round(maxRssBytes / 1048576), saturated: reasons.length > 0, reasons };
}
