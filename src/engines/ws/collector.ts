/**
 * Collects what every stream connection measured into the common result model: one `ws:<channel>` endpoint per
 * channel, message latency in its HDR histogram (via EndpointRecorder) and the rest in `stream` stats.
 *
 * Connection-level numbers (connects, disconnects, reconnects, recovery, uptime) belong to connections, not
 * channels; every connection carries every channel of the workload, so each channel's `stream` repeats them.
 * Ratios (reconnect success) are unaffected; don't add them up across channels.
 */
import { EndpointRecorder } from '../../result/recorder.js';
import { createHistogram, encodeHistogram, recordUs, type Histogram } from '../../result/histogram.js';
import type { EndpointResult, ErrorClass, StreamStats } from '../../result/model.js';
import type { SequenceSummary } from '../../dialect/sequence.js';
import type { SequenceRule } from '../../dialect/types.js';

export type ClockOffset = NonNullable<StreamStats['clockOffset']>;

interface ChannelStats {
  recorder: EndpointRecorder;
  subscribeAck: Histogram;
  messages: number;
  expected: number;
  lost: number;
  duplicates: number;
  reordered: number;
  resyncs: number;
  /** What the channel's loss count is, from the dialect's sequence rule (StreamStats.loss). */
  loss: 'exact' | 'lowerBound' | 'none';
}

/** What a connection reports. All times: ms for `atMs` (since run origin), µs for durations. */
export interface StreamSink {
  connectOpened(connectUs: number): void;
  connectFailed(): void;
  subscribeAcked(channel: string, ackUs: number): void;
  streamError(channel: string, atMs: number, errorClass: ErrorClass, errorCode: string): void;
  /** `latencyUs` undefined: the message carried no server `ts`, so it has no latency to record. */
  message(channel: string, atMs: number, latencyUs: number | undefined): void;
  duplicate(channel: string): void;
  subscriptionEnded(channel: string, s: SequenceSummary): void;
  disconnected(): void;
  reconnectAttempted(success: boolean): void;
  recovered(recoveryUs: number): void;
  uptime(ms: number): void;
  downtime(ms: number): void;
  stillDownAtEnd(): void;
  /** A live subscription stopped delivering (see connection.ts). */
  silenceStarted(channel: string): void;
  /** It delivered again after `silentMs` (or the run ended first: `atEnd`). */
  silenceEnded(channel: string, silentMs: number, atEnd?: boolean): void;
}

/** `none`: the stream carries no sequence, loss is not measurable; `lowerBound`: OKX's chain proves a gap, not its size. */
function lossBasis(rule: SequenceRule | undefined): ChannelStats['loss'] {
  if (rule === undefined) return 'exact';
  return rule.type === 'none' ? 'none' : rule.type === 'prevSeqId' ? 'lowerBound' : 'exact';
}

export class WsCollector implements StreamSink {
  private readonly channels = new Map<string, ChannelStats>();
  private readonly connectTime = createHistogram();
  private readonly recoveryTime = createHistogram();
  connectionsOpened = 0;
  connectFailures = 0;
  disconnects = 0;
  reconnectAttempts = 0;
  reconnectSuccesses = 0;
  uptimeMs = 0;
  downtimeMs = 0;
  downAtEnd = 0;
  /** Messages whose latency came out negative (clock offset larger than the latency); recorded as 1 µs. */
  negativeLatency = 0;
  /** Messages without a server `ts`: counted, but not in the latency histogram (a made-up 0 would flatter it). */
  noTimestamp = 0;
  messages = 0;
  errors = 0;
  /** Silences (a live subscription that stopped delivering) by channel: how many, how long in all, still silent at the end. */
  readonly silences = new Map<string, { count: number; totalMs: number; atEnd: number }>();

  /** `rules`: the dialect's sequence rule per channel (default: every channel numbered, loadgate's). */
  constructor(channels: readonly string[], workload: string, rules?: Readonly<Record<string, SequenceRule | undefined>>) {
    for (const c of channels) {
      this.channels.set(c, {
        recorder: new EndpointRecorder(`ws:${c}`, 'ws', workload),
        subscribeAck: createHistogram(),
        messages: 0,
        expected: 0,
        lost: 0,
        duplicates: 0,
        reordered: 0,
        resyncs: 0,
        loss: lossBasis(rules?.[c]),
      });
    }
  }

  private ch(channel: string): ChannelStats | undefined {
    return this.channels.get(channel);
  }

  connectOpened(connectUs: number): void {
    this.connectionsOpened++;
    recordUs(this.connectTime, connectUs);
  }
  connectFailed(): void {
    this.connectFailures++;
  }
  subscribeAcked(channel: string, ackUs: number): void {
    const c = this.ch(channel);
    if (c) recordUs(c.subscribeAck, ackUs);
  }
  streamError(channel: string, atMs: number, errorClass: ErrorClass, errorCode: string): void {
    this.errors++;
    this.ch(channel)?.recorder.recordError({ atMs, errorClass, errorCode });
  }
  message(channel: string, atMs: number, latencyUs: number | undefined): void {
    const c = this.ch(channel);
    if (c === undefined) return;
    this.messages++;
    c.messages++;
    if (latencyUs === undefined) {
      this.noTimestamp++;
      return;
    }
    if (latencyUs < 0) this.negativeLatency++;
    c.recorder.recordResponse({ atMs, latencyUs });
  }
  duplicate(_channel: string): void {
    // Counted by the seq tracker; the message itself is not recorded again.
  }
  subscriptionEnded(channel: string, s: SequenceSummary): void {
    const c = this.ch(channel);
    if (c === undefined) return;
    c.expected += s.expected;
    c.lost += s.lost;
    c.duplicates += s.duplicates;
    c.reordered += s.reordered;
    c.resyncs += s.resyncs;
  }
  disconnected(): void {
    this.disconnects++;
  }
  reconnectAttempted(success: boolean): void {
    this.reconnectAttempts++;
    if (success) this.reconnectSuccesses++;
  }
  recovered(recoveryUs: number): void {
    recordUs(this.recoveryTime, recoveryUs);
  }
  uptime(ms: number): void {
    this.uptimeMs += ms;
  }
  downtime(ms: number): void {
    this.downtimeMs += ms;
  }
  stillDownAtEnd(): void {
    this.downAtEnd++;
  }
  silenceStarted(channel: string): void {
    let s = this.silences.get(channel);
    if (s === undefined) this.silences.set(channel, (s = { count: 0, totalMs: 0, atEnd: 0 }));
    s.count++;
  }
  silenceEnded(channel: string, silentMs: number, atEnd = false): void {
    const s = this.silences.get(channel);
    if (s === undefined) return;
    s.totalMs += silentMs;
    if (atEnd) s.atEnd++;
  }

  /** Totals over channels, for progress and tests. */
  totals(): { expected: number; lost: number; duplicates: number; reordered: number; resyncs: number } {
    const t = { expected: 0, lost: 0, duplicates: 0, reordered: 0, resyncs: 0 };
    for (const c of this.channels.values()) {
      t.expected += c.expected;
      t.lost += c.lost;
      t.duplicates += c.duplicates;
      t.reordered += c.reordered;
      t.resyncs += c.resyncs;
    }
    return t;
  }

  /** The worst channel's message latency p99 so far, ms (the live progress line); undefined before any. */
  p99Ms(): number | undefined {
    let worst: number | undefined;
    for (const c of this.channels.values()) {
      const v = c.recorder.latencyPercentileMs(99);
      if (v !== undefined && (worst === undefined || v > worst)) worst = v;
    }
    return worst;
  }

  /** Resyncs by channel (snapshots mid-stream, sequence resets), for the engine's notes. */
  resyncsByChannel(): Array<[string, number]> {
    return [...this.channels].filter(([, c]) => c.resyncs > 0).map(([name, c]) => [name, c.resyncs]);
  }

  toEndpoints(clockOffset: ClockOffset | undefined): Record<string, EndpointResult> {
    const out: Record<string, EndpointResult> = {};
    const connectTime = encodeHistogram(this.connectTime);
    const recoveryTime = encodeHistogram(this.recoveryTime);
    for (const [channel, c] of this.channels) {
      const stream: StreamStats = {
        connectionsOpened: this.connectionsOpened,
        connectFailures: this.connectFailures,
        connectTime,
        subscribeAckTime: encodeHistogram(c.subscribeAck),
        messages: c.messages,
        messagesByChannel: { [channel]: c.messages },
        expected: c.expected,
        lost: c.lost,
        duplicates: c.duplicates,
        reordered: c.reordered,
        resyncs: c.resyncs,
        disconnects: this.disconnects,
        reconnectAttempts: this.reconnectAttempts,
        reconnectSuccesses: this.reconnectSuccesses,
        recoveryTime,
        uptimeSec: this.uptimeMs / 1000,
        downtimeSec: this.downtimeMs / 1000,
      };
      if (clockOffset !== undefined) stream.clockOffset = clockOffset;
      if (c.loss !== 'exact') stream.loss = c.loss;
      c.recorder.stream = stream;
      out[c.recorder.name] = c.recorder.toResult();
    }
    return out;
  }
}
