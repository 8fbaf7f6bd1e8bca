/**
 * The WebSocket stream engine (issue #4): opens N connections at a connect rate, subscribes each to every
 * stream × symbol of the workload, and measures connect and subscribe-ack time, message latency (receive time −
 * server timestamp, clock offset corrected), loss / duplicates / reordering / resyncs from the sequence, and
 * reconnects. It speaks the target's dialect (issue 10: `dialect.stream` for the URL, frames and decoding, and
 * `SequenceTracker` with the dialect's rule per channel); loadgate's data frames take a fast path (ws/frame.ts).
 * Results: one `ws:<channel>` endpoint per channel (see ws/collector.ts).
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { getDialect } from '../dialect/registry.js';
import type { Channel, StreamSubscription } from '../dialect/types.js';
import { InputError } from '../errors.js';
import { mulberry32 } from '../random.js';
import { assessGenerator, ProcessUsageMonitor, ThreadHealthProbe } from './generator-health.js';
import type { Engine, EngineContext, EngineOutput } from './types.js';
import { setLongTimeout, type LongTimeout } from './timers.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './ws/backoff.js';
import { estimateClockOffset, isLocalUrl, serverTimeRequest } from './ws/clock-offset.js';
import { WsCollector, type ClockOffset } from './ws/collector.js';
import { unifiedSymbol } from '../workload/plan.js';
import { StreamConnection, type ConnectionClock, type SocketFactory, type Subscription, type WsLike } from './ws/connection.js';
import { parseDataFrame, type DataFrame } from './ws/frame.js';

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
  /** How often subscriptions are checked for silence (and heartbeats for being due), ms. Default 100. */
  silenceCheckMs?: number;
  /** Heartbeat interval, ms. Default: the dialect's `stream.pingIntervalMs`, else 20 s of WebSocket pings. */
  pingIntervalMs?: number;
}

/** Data-frame readers that skip JSON.parse, by dialect (issue #4's floor: 50 000 msg/s on one core). */
const FAST_DATA: Partial<Record<string, (raw: string) => DataFrame | undefined>> = { loadgate: parseDataFrame };

/** Connections opened per turn of the event loop at most. */
const OPEN_PER_TICK = 200;

const WS_VERSION: string = (createRequire(import.meta.url)('ws/package.json') as { version: string }).version;

export const defaultSocketFactory: SocketFactory = (url) => new WebSocket(url, { perMessageDeflate: false }) as unknown as WsLike;

const defaultEpochMs = (): number => performance.timeOrigin + performance.now();

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
  const wi = ctx.suite.workloads.indexOf(w);
  const at = wi >= 0 ? `workloads[${wi}]` : `workload "${w.name}"`;
  // Where each symbol was written, for an input error that names it.
  const origin: string[] = [];
  const subscriptions: Subscription[] = (w.streams ?? []).flatMap((s, si) =>
    (s.symbols ?? w.symbols).map((symbol, k) => {
      origin.push(s.symbols !== undefined ? `${at}.streams[${si}].symbols[${k}]` : `${at}.symbols[${k}]`);
      return { channel: s.channel, symbol };
    }),
  );
  if (subscriptions.length === 0) {
    throw new InputError('LG_WS_NO_STREAMS', `workload "${w.name}" has no streams to subscribe to`, { hint: 'add `streams: [{channel: orderbook}]`' });
  }
  if (!/^wss?:\/\/[^/]/.test(ctx.target.wsUrl)) {
    throw new InputError('LG_WS_NO_URL', `workload "${w.name}": no WebSocket URL to connect to (got ${JSON.stringify(ctx.target.wsUrl)})`, {
      hint: 'set `target.wsUrl: wss://…` in the suite (the mock target sets it by itself)',
    });
  }
  const dialect = getDialect(ctx.target.dialect);
  const unified: StreamSubscription[] = subscriptions.map((s, i) => {
    const symbol = unifiedSymbol(dialect, s.symbol);
    if (symbol === undefined) {
      throw new InputError('LG_WS_BAD_SYMBOL', `${origin[i]}: "${s.symbol}" is not a symbol the ${dialect.name} dialect can read`, {
        hint: `write it BASE/QUOTE (e.g. BTC/USDT) or as the exchange writes it (${dialect.symbols.toExchange('BTC/USDT')})`,
      });
    }
    return { channel: s.channel as Channel, symbol };
  });
  const channels = [...new Set(subscriptions.map((s) => s.channel))];
  const wsUrl = dialect.stream.url(ctx.target.wsUrl, unified);
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
    clockOffset = await estimateClockOffset({ wsUrl: ctx.target.wsUrl, baseUrl: ctx.target.baseUrl }, { factory, epochMs }, { timeoutMs: Math.min(ctx.target.timeoutMs, 5_000), dialect });
    if (clockOffset === undefined) {
      notes.push(`message latency assumes the client and server clocks agree: the clock offset could not be estimated (no pong with the server's time, no answer to ${serverTimeRequest(dialect)})`);
    } else {
      notes.push(
        `message latency is corrected for an estimated clock offset (server − client) of ${clockOffset.offsetMs} ms ± ${clockOffset.uncertaintyMs} ms (${clockOffset.method === 'ping' ? 'ping/pong' : serverTimeRequest(dialect)})`,
      );
    }
  }

  const collector = new WsCollector(channels, w.name, dialect.stream.sequence);
  const clock: ConnectionClock = { now: ctx.now, epochMs, setTimeout: setT, clearTimeout: clearT };
  const random = mulberry32((ctx.seed ^ 0x5eed_0004) >>> 0);
  const fastData = FAST_DATA[dialect.name];
  const connOpts = {
    url: wsUrl,
    subscriptions,
    dialect,
    ...(fastData !== undefined ? { fastData } : {}),
    ...(deps.pingIntervalMs !== undefined ? { pingIntervalMs: deps.pingIntervalMs } : {}),
    timeoutMs: ctx.target.timeoutMs,
    backoff: deps.backoff ?? DEFAULT_BACKOFF,
    clockOffsetUs: (clockOffset?.offsetMs ?? 0) * 1000,
    originMs: ctx.originMs,
    seqWindow: deps.seqWindow,
    silenceFactor: load.silenceFactor,
    ...(load.maxSilenceMs !== undefined ? { maxSilenceMs: load.maxSilenceMs } : {}),
  };

  // ---- generator health: beyond its thresholds the client's own queuing shows up as message latency ----
  const probe = new ThreadHealthProbe();
  const usage = new ProcessUsageMonitor({ targetPid: ctx.target.pid, now: ctx.now });
  probe.start();
  usage.start();

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
    // At most OPEN_PER_TICK connections per turn of the event loop, so a huge connect rate never blocks it
    // (a stop, a signal, the sockets already open all get their turn).
    const limit = Math.min(due, conns.length + OPEN_PER_TICK);
    while (conns.length < limit) {
      const c = new StreamConnection(connOpts, factory, collector, clock, random);
      conns.push(c);
      c.start();
    }
    if (conns.length < load.connections) pacer = setT(openDue, conns.length < due ? 1 : Math.max(1, startMs + conns.length * connectIntervalMs - ctx.now()));
  };

  // One watchdog for every connection: a subscription that stops delivering is an outage (connection.ts).
  const silenceCheckMs = Math.max(20, Math.min(deps.silenceCheckMs ?? 100, load.maxSilenceMs ?? Number.POSITIVE_INFINITY));
  const watchdog = setInterval(() => {
    for (const c of conns) {
      c.checkSilence();
      c.heartbeat();
    }
  }, silenceCheckMs);
  watchdog.unref();

  const progress = setInterval(() => {
    const p99Ms = collector.p99Ms();
    ctx.progress({
      workload: w.name,
      elapsedSec: (ctx.now() - startMs) / 1000,
      totalSec: load.durationSec,
      requests: collector.messages,
      errors: collector.errors,
      unit: 'messages',
      ...(p99Ms !== undefined ? { p99Ms } : {}),
    });
  }, 1000);

  let endTimer: LongTimeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    openDue();
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      // Chained: a durationSec past ~24.8 days would overflow one timer and end the run at once (issue 16).
      endTimer = setLongTimeout(resolve, durationMs, setT, clearT);
      onAbort = resolve;
      ctx.signal.addEventListener('abort', onAbort, { once: true });
    });
  } finally {
    endTimer?.clear();
    if (pacer !== undefined) clearT(pacer);
    if (onAbort) ctx.signal.removeEventListener('abort', onAbort);
    clearInterval(watchdog);
    await Promise.all(conns.map((c) => c.stop(deps.stopGraceMs ?? 1000)));
    clearInterval(progress);
  }

  const thread = probe.stop();
  const used = usage.stop();
  const { health: generator, notes: healthNotes } = assessGenerator({ threads: [thread], process: used.process, target: used.target, threadCount: 1 });
  notes.push(...usage.notes, ...healthNotes);

  if (collector.connectionsOpened === 0) notes.push(`no stream connection opened to ${wsUrl} (${collector.connectFailures} failed attempts)`);
  if (collector.downAtEnd > 0) notes.push(`${collector.downAtEnd} stream connection(s) were down (never connected, or reconnecting) when the run ended`);
  if (collector.negativeLatency > 0) {
    notes.push(`${collector.negativeLatency} message(s) arrived "before" they were sent by the server's clock (recorded as 1 µs): the clocks disagree`);
  }
  for (const [channel, sil] of collector.silences) {
    notes.push(
      `ws:${channel}: ${sil.count} silence(s): a live subscription delivered nothing for longer than ${load.silenceFactor}× its usual interval${load.maxSilenceMs !== undefined ? ` or ${load.maxSilenceMs} ms` : ''}, ${(sil.totalMs / 1000).toFixed(1)} s in all${sil.atEnd ? ` (${sil.atEnd} still silent at the end)` : ''}; counted as downtime, and seqs skipped meanwhile as loss`,
    );
  }
  for (const channel of channels) {
    const rule = dialect.stream.sequence[channel as Channel];
    if (rule?.type === 'none') notes.push(`ws:${channel}: ${dialect.name}'s ${dialect.stream.channelNames[channel as Channel]} stream carries no sequence numbers: loss is not measurable (lossPct is no-data)`);
    if (rule?.type === 'prevSeqId') notes.push(`ws:${channel}: ${dialect.name} chains messages by prevSeqId with arbitrary id steps: each broken link counts as one lost message, a lower bound`);
  }
  for (const [channel, n] of collector.resyncsByChannel()) notes.push(`ws:${channel}: ${n} resync(s) (a snapshot mid-stream or a sequence reset), counted apart from loss`);
  if (collector.noTimestamp > 0) notes.push(`${collector.noTimestamp} message(s) carried no server \`${dialect.stream.timestamp.field}\`: counted in stream.messages, not in message latency`);

  const out: EngineOutput = { engine: { name: 'ws', version: WS_VERSION }, endpoints: collector.toEndpoints(clockOffset), generator, notes };
  if (ctx.signal.aborted) out.incomplete = { reason: 'stopped before the planned duration' };
  return out;
}
