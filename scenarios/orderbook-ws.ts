/**
 * orderbook-ws: one WebSocket session per VU (k6/ws, available in every k6 version), subscribed to one of the
 * workload's streams in the target's dialect (src/dialect: `stream.url`, `subscribe` / `unsubscribe` / `ping`
 * frames, `decode`). Loss is counted by the one SequenceTracker (src/dialect/sequence.ts) under the dialect's
 * rule for the channel, exactly as the ws engine counts it. Records message latency (now − server timestamp,
 * same-host clock) as the Trend `ws_msg_latency`, lost updates as the Counter `ws_seq_gap` and the Rate
 * `ws_msg_loss` (one true per lost update, one false per received message), duplicates, reorders and resyncs as
 * Counters, all tagged `channel`/`symbol`; a channel whose rule is `none` (no sequence) writes no loss samples,
 * so its loss is no-data, never 0. The session is tagged `channel` so loadgate can attribute connection metrics.
 */
import ws from 'k6/ws';
import exec from 'k6/execution';
import { check, sleep } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { CONFIG, DIALECT, baseOptions, unified } from './common.ts';
import { executorFor } from '../src/engines/k6/executors.ts';
import { SequenceTracker } from '../src/dialect/sequence.ts';
import { CHANNELS, type Channel, type StreamSubscription } from '../src/dialect/types.ts';

// Object.assign, not object spread: the bundles stay free of esbuild's ES2017 spread helpers (k6 0.48, issue 9).
export const options: Options = Object.assign(baseOptions(CONFIG), { scenarios: { [CONFIG.workload]: executorFor(CONFIG.load) } });

const msgLatency = new Trend('ws_msg_latency', true);
const seqGap = new Counter('ws_seq_gap');
const msgLoss = new Rate('ws_msg_loss');
const updates = new Counter('ws_updates');
const duplicates = new Counter('ws_duplicates');
const reordered = new Counter('ws_reordered');
const resyncs = new Counter('ws_resyncs');
const streamErrors = new Counter('ws_stream_errors');

/** Time the session keeps after unsubscribing, for the ack (loadgate's carries `lastSeq`: trailing gaps count). */
const UNSUBSCRIBE_GRACE_MS = 500;

export default function (): void {
  const streams = CONFIG.streams.length ? CONFIG.streams : [{ channel: 'orderbook' }];
  const stream = streams[(exec.vu.idInTest - 1) % streams.length]!;
  if (CHANNELS.indexOf(stream.channel as Channel) === -1) throw new Error(`stream channel "${stream.channel}" is not one of ${CHANNELS.join(', ')}`);
  const channel = stream.channel as Channel;
  const symbols = stream.symbols ?? CONFIG.symbols;
  const symbol = symbols[(exec.vu.idInTest - 1) % symbols.length]!;
  const durationMs = CONFIG.load.model === 'stream' ? CONFIG.load.durationSec * 1000 : 10_000;
  const remainingMs = durationMs - (Date.now() - exec.scenario.startTime);
  if (remainingMs < 500) {
    sleep(Math.max(0, remainingMs) / 1000);
    return;
  }
  const s = DIALECT.stream;
  const subs: StreamSubscription[] = [{ channel, symbol: unified(symbol) }];
  const rule = s.sequence[channel];
  const tracked = rule.type !== 'none';
  const tracker = new SequenceTracker(rule);
  const tags = { channel, symbol };
  const toMs = s.timestamp.unit === 'us' ? 0.001 : 1;
  let lastSeq: number | undefined;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    // Gaps still open when the session ends were never filled: lost (up to the server's lastSeq when it said).
    const sum = tracker.finish(lastSeq);
    if (!tracked) return;
    if (sum.lost > 0) seqGap.add(sum.lost, tags);
    for (let i = 0; i < sum.lost; i++) msgLoss.add(true, tags);
  };
  const res = ws.connect(s.url(CONFIG.wsUrl, subs), { tags: { channel } }, (socket) => {
    let id = 1;
    socket.on('open', () => {
      for (const f of s.subscribe(subs, id)) socket.send(f);
      id += subs.length;
      if (s.pingIntervalMs !== undefined) {
        socket.setInterval(() => {
          const f = s.ping(id++, Date.now());
          if (f !== undefined) socket.send(f);
        }, s.pingIntervalMs);
      }
    });
    socket.on('message', (text: string) => {
      const ev = s.decode(text);
      if (ev.kind === 'ack') {
        if (ev.op === 'unsubscribe' && ev.lastSeq !== undefined) lastSeq = ev.lastSeq;
        return;
      }
      if (ev.kind === 'error') {
        streamErrors.add(1, { channel, code: ev.code });
        return;
      }
      if (ev.kind !== 'data') return;
      const outcome = tracker.observe(ev.seq);
      if (outcome === 'duplicate') {
        duplicates.add(1, tags);
        return;
      }
      if (ev.serverTs !== undefined) msgLatency.add(Date.now() - ev.serverTs * toMs, tags);
      if (outcome === 'reordered') reordered.add(1, tags);
      if (outcome === 'resync') resyncs.add(1, tags);
      updates.add(1, tags);
      if (tracked) msgLoss.add(false, tags);
    });
    socket.on('close', finish);
    const graceMs = Math.min(UNSUBSCRIBE_GRACE_MS, Math.floor(remainingMs / 4));
    socket.setTimeout(() => {
      for (const f of s.unsubscribe(subs, id)) socket.send(f);
      id += subs.length;
    }, remainingMs - graceMs);
    socket.setTimeout(() => socket.close(), remainingMs);
  });
  finish();
  check(res, { 'ws status 101': (r) => r !== undefined && r.status === 101 }, { channel });
}
