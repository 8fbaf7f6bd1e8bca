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
import type { StreamSink } from './collector.js';
import { backoffDelayMs, type BackoffOptions } from './backoff.js';
import { parseDataFrame } from './frame.js';
import { SeqTracker } from './seq-tracker.js';

/** The part of the WebSocket API the client uses (browser-style: `ws` and mock-socket both provide it). */
export interface WsLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
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
  /** Silent after this many usual intervals without a message. Default 10. */
  silenceFactor?: number;
  /** Silent after this long without a message, ms, whatever the interval (also before one is known). */
  maxSilenceMs?: number;
}

/** Never silent sooner than this: a GC pause or a busy event loop is not an outage. */
export const MIN_SILENCE_MS = 250;

interface LiveSub {
  channel: string;
  symbol: string;
  tracker: SeqTracker;
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

interface Pending {
  key: string;
  sentMs: number;
  op: 'subscribe' | 'unsubscribe';
}

const CLOSE_NORMAL = 1000;
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

  constructor(
    private readonly opts: ConnectionOptions,
    private readonly factory: SocketFactory,
    private readonly sink: StreamSink,
    private readonly clock: ConnectionClock,
    private readonly random: () => number,
  ) {}

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
        const sub = this.subs.get(p.key);
        if (sub) this.sink.streamError(sub.channel, this.atMs(), 'timeout', 'subscribeTimeout');
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

  private send(msg: Record<string, unknown>): void {
    try {
      this.ws?.send(JSON.stringify(msg));
    } catch {
      // The close event handles a dead socket.
    }
  }

  private onOpen(): void {
    const t = this.clock.now();
    this.sink.connectOpened((t - this.connectStartMs) * 1000);
    this.state = 'subscribing';
    this.subs.clear();
    this.pending.clear();
    for (const s of this.opts.subscriptions) {
      const key = `${s.channel}:${s.symbol}`;
      if (this.refused.has(key)) continue;
      this.subs.set(key, { channel: s.channel, symbol: s.symbol, tracker: new SeqTracker(this.opts.seqWindow), acked: false, lastMs: t, intervalSumMs: 0, intervals: 0, messages: 0, silentSinceMs: undefined });
      const id = nextId++;
      this.pending.set(id, { key, sentMs: t, op: 'subscribe' });
      this.send({ op: 'subscribe', channel: s.channel, symbol: s.symbol, id });
    }
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
    const frame = parseDataFrame(raw);
    if (frame !== undefined) return this.onData(frame.channel, frame.symbol, frame.seq, frame.ts);
    let msg: { op?: string; id?: number; code?: string; lastSeq?: number; channel?: string; symbol?: string; seq?: number; ts?: number };
    try {
      msg = JSON.parse(raw) as typeof msg;
    } catch {
      return;
    }
    if (msg.op === undefined) {
      if (typeof msg.seq === 'number') this.onData(String(msg.channel), String(msg.symbol), msg.seq, msg.ts);
      return;
    }
    if (msg.op === 'ack' || msg.op === 'error') {
      const p = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
      if (p === undefined) return;
      this.pending.delete(msg.id!);
      const sub = this.subs.get(p.key);
      if (p.op === 'subscribe' && sub !== undefined) {
        if (msg.op === 'ack') {
          sub.acked = true;
          sub.lastMs = this.clock.now();
          this.sink.subscribeAcked(sub.channel, (this.clock.now() - p.sentMs) * 1000);
        } else {
          this.refused.add(p.key);
          this.subs.delete(p.key);
          this.sink.streamError(sub.channel, this.atMs(), 'client', msg.code ?? 'subscribeError');
        }
        if (this.state === 'subscribing' && this.pending.size === 0) this.onLive();
      } else if (p.op === 'unsubscribe' && sub !== undefined) {
        this.subs.delete(p.key);
        this.sink.subscriptionEnded(sub.channel, sub.tracker.finish(msg.op === 'ack' && typeof msg.lastSeq === 'number' ? msg.lastSeq : undefined));
        if (this.state === 'stopping' && this.pending.size === 0) this.closeNow();
      }
    }
  }

  private onData(channel: string, symbol: string, seq: number, tsUs: number | undefined): void {
    const sub = this.subs.get(`${channel}:${symbol}`);
    if (sub === undefined) return;
    this.delivered(sub);
    if (sub.tracker.observe(seq) === 'duplicate') {
      this.sink.duplicate(sub.channel);
      return;
    }
    const latencyUs = typeof tsUs === 'number' ? this.clock.epochMs() * 1000 + this.opts.clockOffsetUs - tsUs : undefined;
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
      const t = this.clock.now();
      for (const [key, sub] of this.subs) {
        const id = nextId++;
        this.pending.set(id, { key, sentMs: t, op: 'unsubscribe' });
        this.send({ op: 'unsubscribe', channel: sub.channel, symbol: sub.symbol, id });
      }
      this.setTimer(() => this.closeNow(), graceMs);
    } else {
      // connecting or subscribing: an in-flight attempt, not counted.
      this.inReconnect = false;
      this.closeNow();
    }
    return this.stopPromise;
  }
}
