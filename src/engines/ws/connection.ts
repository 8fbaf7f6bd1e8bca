/**
 * One stream connection with a reconnect state machine (issue #4):
 *
 *   idle ──start──► connecting ──open──► subscribing ──all acked──► live
 *                      ▲   │ fail/timeout      │ close/ack timeout    │ close (unplanned: a disconnect)
 *                      │   ▼                   ▼                      ▼
 *                      └─ backoff ◄────────────┴──────────────────────┘
 *   any ──stop──► stopping (live: unsubscribe, wait for the acks' lastSeq, close 1000) ──► closed
 *
 * Backoff is capped exponential with full jitter, reset once a connection is live again. A reconnect attempt counts
 * once it resolves: success = socket open and every subscription acked; attempts still in flight at stop don't count.
 * Recovery time runs from the disconnect to the last resubscribe ack.
 *
 * Uptime is time live (every subscription acked); downtime is time the connection should have been live and was
 * not: from a disconnect until live again, and for a connection that has never been live, from its start once its
 * first attempt failed. Both end when `stop` is called, so up + down is the connection's time since it first went
 * live (or first failed), never more.
 *
 * Silence (issue 16): a live subscription that delivers nothing for longer than `silenceFactor` × its usual
 * message interval (or `maxSilenceMs`, whichever is first) is an outage from its last message until it delivers
 * again: the connection counts as down meanwhile (downtime, not uptime), and a seq that skipped while it was
 * silent is loss like any gap. `checkSilence()` is called by the engine on a short interval.
 *
 * The socket is anything browser-shaped (`ws`'s WebSocket, mock-socket's), so tests drive it without sockets; the
 * clock and randomness are injected.
 */
import { DIALECTS } from '../../dialect/registry.js';
import { SequenceTracker } from '../../dialect/sequence.js';
import type { Channel, Dialect, SequencePoint, SequenceRule, StreamEvent, StreamSubscription } from '../../dialect/types.js';
import { unifiedSymbol } from '../../workload/plan.js';
import type { StreamSink } from './collector.js';
import { backoffDelayMs, type BackoffOptions } from './backoff.js';
import type { DataFrame } from './frame.js';

/** The part of the WebSocket API the client uses (browser-style: `ws` and mock-socket both provide it). */
export interface WsLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** A WebSocket-level ping frame (`ws` has it; browser-style sockets don't). */
  ping?(): void;
}
export type SocketFactory = (url: string) => WsLike;

export type ConnState = 'idle' | 'connecting' | 'subscribing' | 'live' | 'backoff' | 'stopping' | 'closed';

export interface ConnectionClock {
  /** Monotonic ms. */
  now(): number;
  /** Epoch ms (fractional), in the same timebase as the server's `ts` after adding the clock offset. */
  epochMs(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface Subscription {
  channel: string;
  /** As the suite writes it: `BTC/USDT`, `BTC-USDT` or the exchange's id (src/workload/plan.ts `unifiedSymbol`). */
  symbol: string;
}


export interface ConnectionOptions {
  url: string;
  subscriptions: readonly Subscription[];
  /** Connect and subscribe-ack timeout, ms. */
  timeoutMs: number;
  backoff: BackoffOptions;
  /** Server clock minus client clock, µs: added to the receive time before subtracting `ts`. */
  clockOffsetUs: number;
  /** The run's origin in `clock.now()` ms (atMs = now − origin). */
  originMs: number;
  seqWindow?: number;
  /** The exchange protocol spoken (frames, decoding, sequence rules). Default: loadgate. */
  dialect?: Dialect;
  /**
   * Reads a data frame without JSON.parse (src/engines/ws/frame.ts for loadgate: issue #4's 50 000 msg/s floor);
   * anything it returns undefined for goes through `dialect.stream.decode`.
   */
  fastData?: (raw: string) => DataFrame | undefined;
  /**
   * How often a live connection sends a heartbeat, ms: the dialect's ping frame where the exchange requires
   * application-level pings (`stream.pingIntervalMs`: OKX "ping", Bybit {"op":"ping"}), a WebSocket ping frame
   * otherwise. Default: the dialect's interval, else WS_PING_INTERVAL_MS.
   */
  pingIntervalMs?: number;
  /** Silent after this many usual intervals without a message. Default 10. */
  silenceFactor?: number;
  /** Silent after this long without a message, ms, whatever the interval (also before one is known). */
  maxSilenceMs?: number;
}

/** Never silent sooner than this: a GC pause or a busy event loop is not an outage. */
export const MIN_SILENCE_MS = 250;

/** WebSocket-level ping interval for dialects without application-level pings (Binance's server pings every 20 s). */
export const WS_PING_INTERVAL_MS = 20_000;

const NO_SEQUENCE: SequenceRule = { type: 'none' };

interface LiveSub {
  channel: string;
  symbol: string;
  /** The subscription in the dialect's terms (unified symbol). */
  sub: StreamSubscription;
  tracker: SequenceTracker;
  acked: boolean;
  /** When the subscription was acked, then when its last message arrived (clock.now ms). */
  lastMs: number;
  /** Sum and count of the intervals between messages delivered while not silent: the usual interval. */
  intervalSumMs: number;
  intervals: number;
  messages: number;
  /** Set while silent: when the silence began (its last message). */
  silentSinceMs: number | undefined;
}

/** One subscribe / unsubscribe request in flight: the subscriptions it covers (one for loadgate, all for the others). */
interface Pending {
  keys: string[];
  sentMs: number;
  op: 'subscribe' | 'unsubscribe';
}

const CLOSE_NORMAL = 1000;
/** Subscriptions per subscribe request at most (Bybit spot: 10 args; loadgate sends one frame per subscription anyway). */
const SUBSCRIBE_BATCH = 10;
const CLOSE_ACK_TIMEOUT = 4000;

let nextId = 1;
const noop = (): void => {};

export class StreamConnection {
  state: ConnState = 'idle';
  private ws: WsLike | undefined;
  private attempt = 0;
  private everLive = false;
  private inReconnect = false;
  private connectStartMs = 0;
  private startedMs: number | undefined;
  private liveSinceMs: number | undefined;
  private downSinceMs: number | undefined;
  private timer: unknown;
  private readonly subs = new Map<string, LiveSub>();
  private readonly pending = new Map<number, Pending>();
  /** Subscriptions the server refused (bad symbol…): not retried on reconnect. */
  private readonly refused = new Set<string>();
  /** Live subscriptions now silent; the connection is down while there is one. */
  private silentSubs = 0;
  private stopResolve: (() => void) | undefined;
  private stopPromise: Promise<void> | undefined;
  private readonly dialect: Dialect;
  /** Each subscription in the dialect's terms, with its key (`channel:exchange symbol id`, as data frames name it). */
  private readonly wanted: Array<{ key: string; channel: string; symbol: string; sub: StreamSubscription }>;
  private readonly appPing: boolean;
  /** Server timestamp unit → µs. */
  private readonly tsScale: number;
  private readonly pingIntervalMs: number;
  private lastPingMs = 0;
  /** Reused for every fast-path frame: the tracker reads it synchronously and keeps nothing. */
  private readonly point: { kind: 'range'; first: number; last: number } = { kind: 'range', first: 0, last: 0 };

  constructor(
    private readonly opts: ConnectionOptions,
    private readonly factory: SocketFactory,
    private readonly sink: StreamSink,
    private readonly clock: ConnectionClock,
    private readonly random: () => number,
  ) {
    this.dialect = opts.dialect ?? DIALECTS.loadgate;
    this.wanted = opts.subscriptions.map((s) => {
      const symbol = unifiedSymbol(this.dialect, s.symbol);
      if (symbol === undefined) throw new Error(`symbol "${s.symbol}" is not one the ${this.dialect.name} dialect can read`);
      const sub: StreamSubscription = { channel: s.channel as Channel, symbol };
      return { key: `${s.channel}:${this.dialect.symbols.toExchange(symbol)}`, channel: s.channel, symbol: s.symbol, sub };
    });
    const stream = this.dialect.stream;
    this.tsScale = stream.timestamp.unit === 'ms' ? 1000 : 1;
    this.appPing = stream.pingIntervalMs !== undefined && stream.ping(0, 0) !== undefined;
    this.pingIntervalMs = opts.pingIntervalMs ?? stream.pingIntervalMs ?? WS_PING_INTERVAL_MS;
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.startedMs = this.clock.now();
    this.connect();
  }

  private atMs(): number {
    return this.clock.now() - this.opts.originMs;
  }

  private setTimer(fn: () => void, ms: number): void {
    this.clearTimer();
    this.timer = this.clock.setTimeout(fn, ms);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private connect(): void {
    this.state = 'connecting';
    this.connectStartMs = this.clock.now();
    let ws: WsLike;
    try {
      ws = this.factory(this.opts.url);
    } catch {
      this.onClose(true);
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (ws === this.ws) this.onOpen();
    };
    ws.onmessage = (ev) => {
      if (ws === this.ws) this.onMessage(typeof ev.data === 'string' ? ev.data : String(ev.data));
    };
    ws.onclose = () => {
      if (ws === this.ws) this.onClose();
    };
    ws.onerror = () => {
      // A close event always follows an error.
    };
    this.setTimer(() => this.abort(), this.opts.timeoutMs);
  }

  /** Gives up on the current socket (connect or ack timeout); its close event drives the state machine. */
  private abort(code = CLOSE_ACK_TIMEOUT): void {
    const ws = this.ws;
    if (ws === undefined) return;
    if (this.state === 'subscribing') {
      for (const p of this.pending.values()) {
        for (const key of p.keys) {
          const sub = this.subs.get(key);
          if (sub) this.sink.streamError(sub.channel, this.atMs(), 'timeout', 'subscribeTimeout');
        }
      }
    }
    try {
      ws.close(code, 'timeout');
    } catch {
      // ws throws on close codes it doesn't allow in some states; the socket is dead either way.
    }
    // Don't wait for a closing handshake from a server that doesn't answer.
    this.detach();
    this.onClose(true);
  }

  private detach(): void {
    const ws = this.ws;
    if (ws === undefined) return;
    // No-ops, not null: `ws` throws an unhandled 'error' event when no error listener is left.
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = noop;
  }

  private send(frame: string): void {
    try {
      this.ws?.send(frame);
    } catch {
      // The close event handles a dead socket.
    }
  }

  /**
   * Sends the dialect's (un)subscribe frames for `subs` and books them as pending. A dialect that answers one frame
   * per subscription (loadgate: ids id, id + 1, …) gets one pending entry each; the others one for the batch.
   */
  private request(op: 'subscribe' | 'unsubscribe', batch: ReadonlyArray<{ key: string; sub: StreamSubscription }>, sentMs: number): void {
    const id = nextId;
    nextId += batch.length;
    const subs = batch.map((b) => b.sub);
    const frames = op === 'subscribe' ? this.dialect.stream.subscribe(subs, id) : this.dialect.stream.unsubscribe(subs, id);
    if (frames.length === batch.length) batch.forEach((b, i) => this.pending.set(id + i, { keys: [b.key], sentMs, op }));
    else this.pending.set(id, { keys: batch.map((b) => b.key), sentMs, op });
    for (const f of frames) this.send(f);
  }

  /** Sends `op` for every subscription, SUBSCRIBE_BATCH at a time (Bybit spot takes at most 10 args per request). */
  private requestAll(op: 'subscribe' | 'unsubscribe', all: ReadonlyArray<{ key: string; sub: StreamSubscription }>, sentMs: number): void {
    for (let i = 0; i < all.length; i += SUBSCRIBE_BATCH) this.request(op, all.slice(i, i + SUBSCRIBE_BATCH), sentMs);
  }

  /**
   * The pending request an ack or error answers, and which of its subscriptions: by id where the protocol echoes
   * one, else by channel and symbol (OKX acks name the subscription, not the request).
   */
  private answered(ev: { id: string | undefined; channel?: Channel; symbolId?: string; op?: string }): { id: number; p: Pending; keys: string[] } | undefined {
    if (ev.id !== undefined) {
      const id = Number(ev.id);
      const p = this.pending.get(id);
      return p === undefined ? undefined : { id, p, keys: [...p.keys] };
    }
    if (ev.channel !== undefined && ev.symbolId !== undefined) {
      const key = `${ev.channel}:${ev.symbolId}`;
      for (const [id, p] of this.pending) if (p.keys.includes(key) && (ev.op === undefined || ev.op === 'unknown' || ev.op === p.op)) return { id, p, keys: [key] };
    }
    return undefined;
  }

  private settle(a: { id: number; p: Pending; keys: string[] }): void {
    a.p.keys = a.p.keys.filter((k) => !a.keys.includes(k));
    if (a.p.keys.length === 0) this.pending.delete(a.id);
  }

  /**
   * Heartbeat, called on the engine's watchdog interval: every `pingIntervalMs` a live connection sends the
   * dialect's ping frame (exchanges that close a connection without one: OKX, Bybit) or a WebSocket ping.
   */
  heartbeat(): void {
    if (this.state !== 'live' && this.state !== 'subscribing') return;
    const t = this.clock.now();
    if (t - this.lastPingMs < this.pingIntervalMs) return;
    this.lastPingMs = t;
    if (this.appPing) {
      const frame = this.dialect.stream.ping(nextId++, Math.round(this.clock.epochMs()));
      if (frame !== undefined) return this.send(frame);
    }
    try {
      this.ws?.ping?.();
    } catch {
      // not open any more: the close event handles it
    }
  }

  private onOpen(): void {
    const t = this.clock.now();
    this.sink.connectOpened((t - this.connectStartMs) * 1000);
    this.state = 'subscribing';
    this.subs.clear();
    this.pending.clear();
    this.lastPingMs = t;
    const todo = this.wanted.filter((w) => !this.refused.has(w.key));
    const rules = this.dialect.stream.sequence as Readonly<Record<string, SequenceRule | undefined>>;
    for (const w of todo) {
      const tracker = new SequenceTracker(rules[w.channel] ?? NO_SEQUENCE, this.opts.seqWindow !== undefined ? { window: this.opts.seqWindow } : {});
      this.subs.set(w.key, { channel: w.channel, symbol: w.symbol, sub: w.sub, tracker, acked: false, lastMs: t, intervalSumMs: 0, intervals: 0, messages: 0, silentSinceMs: undefined });
    }
    this.requestAll('subscribe', todo, t);
    if (this.pending.size === 0) this.onLive();
    else this.setTimer(() => this.abort(), this.opts.timeoutMs);
  }

  private onLive(): void {
    this.clearTimer();
    this.state = 'live';
    this.attempt = 0;
    if (this.inReconnect) {
      this.inReconnect = false;
      this.sink.reconnectAttempted(true);
    }
    const t = this.clock.now();
    if (this.downSinceMs !== undefined) {
      // Recovery is from a disconnect; a first connection that took several attempts was only down.
      if (this.everLive) this.sink.recovered((t - this.downSinceMs) * 1000);
      this.sink.downtime(t - this.downSinceMs);
      this.downSinceMs = undefined;
    }
    this.liveSinceMs = t;
    this.everLive = true;
  }

  private onMessage(raw: string): void {
    const fast = this.opts.fastData?.(raw);
    if (fast !== undefined) {
      this.point.first = this.point.last = fast.seq;
      return this.onData(fast.channel, fast.symbol, this.point, fast.ts);
    }
    const ev = this.dialect.stream.decode(raw);
    switch (ev.kind) {
      case 'data':
        return this.onData(ev.channel, ev.symbolId, ev.seq, ev.serverTs);
      case 'ack':
        return this.onAck(ev);
      case 'error':
        return this.onRefused(ev);
      default:
        // pongs answer our heartbeats; `other` is info the protocol doesn't ask us to act on.
        return;
    }
  }

  private onAck(ev: Extract<StreamEvent, { kind: 'ack' }>): void {
    const a = this.answered(ev);
    if (a === undefined) return;
    this.settle(a);
    const t = this.clock.now();
    for (const key of a.keys) {
      const sub = this.subs.get(key);
      if (sub === undefined) continue;
      if (a.p.op === 'subscribe') {
        sub.acked = true;
        sub.lastMs = t;
        this.sink.subscribeAcked(sub.channel, (t - a.p.sentMs) * 1000);
      } else {
        this.subs.delete(key);
        this.sink.subscriptionEnded(sub.channel, sub.tracker.finish(ev.lastSeq));
      }
    }
    this.afterAnswer(a.p.op);
  }

  /**
   * A refusal. Without an id or a subscription to match (OKX's error event names neither), it answers the oldest
   * pending subscribe request: the dialects send one subscribe request at a time per batch.
   */
  private onRefused(ev: Extract<StreamEvent, { kind: 'error' }>): void {
    let a = this.answered(ev);
    if (a === undefined && ev.id === undefined) {
      for (const [id, p] of this.pending) {
        if (p.op !== 'subscribe') continue;
        a = { id, p, keys: [...p.keys] };
        break;
      }
    }
    if (a === undefined) return;
    this.settle(a);
    for (const key of a.keys) {
      const sub = this.subs.get(key);
      if (sub === undefined) continue;
      this.subs.delete(key);
      if (a.p.op === 'subscribe') {
        this.refused.add(key);
        this.sink.streamError(sub.channel, this.atMs(), 'client', ev.code === '' ? 'subscribeError' : ev.code);
      } else {
        this.sink.subscriptionEnded(sub.channel, sub.tracker.finish());
      }
    }
    this.afterAnswer(a.p.op);
  }

  private afterAnswer(op: 'subscribe' | 'unsubscribe'): void {
    if (op === 'subscribe' && this.state === 'subscribing' && this.pending.size === 0) this.onLive();
    else if (op === 'unsubscribe' && this.state === 'stopping' && this.pending.size === 0) this.closeNow();
  }

  /** `ts`: the server's timestamp in the dialect's unit (`stream.timestamp.unit`). */
  private onData(channel: string, symbolId: string, seq: SequencePoint | undefined, ts: number | undefined): void {
    const sub = this.subs.get(`${channel}:${symbolId}`);
    if (sub === undefined) return;
    this.delivered(sub);
    if (sub.tracker.observe(seq) === 'duplicate') {
      this.sink.duplicate(sub.channel);
      return;
    }
    const tsUs = ts === undefined ? undefined : this.tsScale === 1 ? ts : ts * this.tsScale;
    const latencyUs = tsUs !== undefined ? this.clock.epochMs() * 1000 + this.opts.clockOffsetUs - tsUs : undefined;
    this.sink.message(sub.channel, this.atMs(), latencyUs);
  }

  /** Socket closed (by the server, the network, or `abort`). */
  private onClose(aborted = false): void {
    this.clearTimer();
    const t = this.clock.now();
    const wasState = this.state;
    if (!aborted) this.detach();
    this.ws = undefined;
    if (this.liveSinceMs !== undefined) {
      this.sink.uptime(t - this.liveSinceMs);
      this.liveSinceMs = undefined;
    }
    for (const sub of this.subs.values()) this.sink.subscriptionEnded(sub.channel, sub.tracker.finish());
    this.subs.clear();
    this.pending.clear();

    if (wasState === 'stopping' || wasState === 'closed') {
      this.finishStop();
      return;
    }
    if (wasState === 'connecting') this.sink.connectFailed();
    this.silentSubs = 0;
    if (wasState === 'live') {
      this.sink.disconnected();
      // A silence that ends in a close: the outage began when the feed went quiet.
      this.downSinceMs ??= t;
    } else if (!this.everLive && this.downSinceMs === undefined) {
      // The first attempt failed: the connection has been down since it started.
      this.downSinceMs = this.startedMs ?? this.connectStartMs;
    } else if (this.inReconnect) {
      // A reconnect attempt that never got live.
      this.inReconnect = false;
      this.sink.reconnectAttempted(false);
    }
    this.scheduleReconnect();
  }

  /** A message on `sub`: learn its usual interval, and end its silence. */
  private delivered(sub: LiveSub): void {
    const t = this.clock.now();
    if (sub.silentSinceMs !== undefined) {
      this.sink.silenceEnded(sub.channel, t - sub.silentSinceMs);
      sub.silentSinceMs = undefined;
      if (--this.silentSubs === 0 && this.state === 'live' && this.downSinceMs !== undefined) {
        this.sink.downtime(t - this.downSinceMs);
        this.downSinceMs = undefined;
        this.liveSinceMs = t;
      }
    } else if (sub.messages > 0) {
      sub.intervalSumMs += t - sub.lastMs;
      sub.intervals++;
    }
    sub.messages++;
    sub.lastMs = t;
  }

  /** How long `sub` may go without a message before it is silent, ms; undefined while that is unknown. */
  private silenceLimitMs(sub: LiveSub): number | undefined {
    const factor = this.opts.silenceFactor ?? 10;
    // Two intervals at least: one is no "usual".
    const byInterval = sub.intervals >= 2 ? Math.max(MIN_SILENCE_MS, factor * (sub.intervalSumMs / sub.intervals)) : undefined;
    const max = this.opts.maxSilenceMs;
    if (byInterval === undefined) return max;
    return max === undefined ? byInterval : Math.min(byInterval, max);
  }

  /** Marks subscriptions that stopped delivering as silent; the first one takes the connection down. */
  checkSilence(): void {
    if (this.state !== 'live') return;
    const t = this.clock.now();
    for (const sub of this.subs.values()) {
      if (!sub.acked || sub.silentSinceMs !== undefined) continue;
      const limit = this.silenceLimitMs(sub);
      if (limit === undefined || t - sub.lastMs <= limit) continue;
      sub.silentSinceMs = sub.lastMs;
      this.sink.silenceStarted(sub.channel);
      if (this.silentSubs++ === 0 && this.liveSinceMs !== undefined) {
        // Up until the silence began (not before the connection went live), down from there.
        const from = Math.max(sub.lastMs, this.liveSinceMs);
        this.sink.uptime(from - this.liveSinceMs);
        this.liveSinceMs = undefined;
        this.downSinceMs = from;
      }
    }
  }

  private scheduleReconnect(): void {
    this.state = 'backoff';
    const delayMs = backoffDelayMs(this.attempt++, this.opts.backoff, this.random);
    this.setTimer(() => {
      this.inReconnect = this.everLive;
      this.connect();
    }, delayMs);
  }

  private closeNow(): void {
    this.clearTimer();
    const ws = this.ws;
    if (ws === undefined) return this.finishStop();
    try {
      ws.close(CLOSE_NORMAL, 'done');
    } catch {
      // already closing
    }
    // The close event finishes; if it never comes (server gone), don't wait long.
    this.setTimer(() => {
      this.detach();
      this.onClose(true);
    }, 1000);
  }

  /** Closes the uptime / downtime books at `t` (the stop), so the unsubscribe grace and close handshake count as neither. */
  private endAccounting(t: number): void {
    if (this.silentSubs > 0) {
      for (const sub of this.subs.values()) {
        if (sub.silentSinceMs === undefined) continue;
        this.sink.silenceEnded(sub.channel, t - sub.silentSinceMs, true);
        sub.silentSinceMs = undefined;
      }
      this.silentSubs = 0;
      // Down at the end because a feed was silent, not because the connection was: counted as downtime only.
      if (this.downSinceMs !== undefined) {
        this.sink.downtime(t - this.downSinceMs);
        this.downSinceMs = undefined;
      }
    }
    if (this.liveSinceMs !== undefined) {
      this.sink.uptime(t - this.liveSinceMs);
      this.liveSinceMs = undefined;
    }
    if (this.downSinceMs !== undefined) {
      this.sink.downtime(t - this.downSinceMs);
      this.sink.stillDownAtEnd();
      this.downSinceMs = undefined;
    }
  }

  private finishStop(): void {
    this.clearTimer();
    this.endAccounting(this.clock.now());
    this.state = 'closed';
    this.stopResolve?.();
  }

  /**
   * Stops: a live connection unsubscribes first (the acks' `lastSeq` makes trailing gaps count) and waits up to
   * `graceMs` for the acks; anything else closes at once. Resolves when the connection is closed.
   */
  stop(graceMs: number): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    this.stopPromise = new Promise<void>((resolve) => {
      this.stopResolve = resolve;
    });
    const wasState = this.state;
    this.state = 'stopping';
    this.endAccounting(this.clock.now());
    if (wasState === 'idle' || wasState === 'backoff' || wasState === 'closed') {
      this.finishStop();
    } else if (wasState === 'live' && this.subs.size > 0) {
      this.pending.clear();
      this.requestAll('unsubscribe', [...this.subs].map(([key, sub]) => ({ key, sub: sub.sub })), this.clock.now());
      this.setTimer(() => this.closeNow(), graceMs);
    } else {
      // connecting or subscribing: an in-flight attempt, not counted.
      this.inReconnect = false;
      this.closeNow();
    }
    return this.stopPromise;
  }
}
