/**
 * orderbook-ws: one WebSocket session per VU (k6/ws, available in every k6 version), subscribed to one of the
 * workload's streams (mocks/streams.ts protocol). Records message latency (now − server `ts`, same-host
 * clock) as the Trend `ws_msg_latency`, lost messages (gaps never filled, scenarios/lib/gaps.ts) as the Counter
 * `ws_seq_gap` and the Rate `ws_msg_loss` (one true per lost message, one false per received), duplicates and
 * reorders as Counters, all tagged `channel`/`symbol`; the session itself is tagged `channel` so loadgate can
 * attribute connection metrics.
 */
import ws from 'k6/ws';
import exec from 'k6/execution';
import { check, sleep } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { CONFIG, baseOptions } from './common.ts';
import { executorFor } from '../src/engines/k6/executors.ts';
import { parseUpdate, SeqTracker, subscribeMessage } from './lib/gaps.ts';

// Object.assign, not object spread: the bundles stay free of esbuild's ES2017 spread helpers (k6 0.48, issue 9).
export const options: Options = Object.assign(baseOptions(CONFIG), { scenarios: { [CONFIG.workload]: executorFor(CONFIG.load) } });

const msgLatency = new Trend('ws_msg_latency', true);
const seqGap = new Counter('ws_seq_gap');
const msgLoss = new Rate('ws_msg_loss');
const updates = new Counter('ws_updates');
const duplicates = new Counter('ws_duplicates');
const reordered = new Counter('ws_reordered');

function addLost(n: number, tags: Record<string, string>): void {
  seqGap.add(n, tags);
  for (let i = 0; i < n; i++) msgLoss.add(true, tags);
}

export default function (): void {
  const streams = CONFIG.streams.length ? CONFIG.streams : [{ channel: 'orderbook' }];
  const stream = streams[(exec.vu.idInTest - 1) % streams.length]!;
  const symbols = stream.symbols ?? CONFIG.symbols;
  const symbol = symbols[(exec.vu.idInTest - 1) % symbols.length]!;
  const durationMs = CONFIG.load.model === 'stream' ? CONFIG.load.durationSec * 1000 : 10_000;
  const remainingMs = durationMs - (Date.now() - exec.scenario.startTime);
  if (remainingMs < 500) {
    sleep(Math.max(0, remainingMs) / 1000);
    return;
  }
  const tracker = new SeqTracker();
  const res = ws.connect(CONFIG.wsUrl, { tags: { channel: stream.channel } }, (socket) => {
    socket.on('open', () => socket.send(subscribeMessage(stream.channel, symbol)));
    socket.on('message', (text: string) => {
      const u = parseUpdate(text);
      if (u === undefined) return;
      const tags = { channel: u.channel, symbol: u.symbol };
      const o = tracker.observe(`${u.channel}:${u.symbol}`, u.seq);
      if (o.duplicate) {
        duplicates.add(1, tags);
        return;
      }
      msgLatency.add(Date.now() - u.tsMs, tags);
      if (o.reordered) reordered.add(1, tags);
      updates.add(1, tags);
      msgLoss.add(false, tags);
      if (o.lost > 0) addLost(o.lost, tags);
    });
    socket.on('close', () => {
      // Gaps still open when the session ends were never filled: lost.
      for (const [stream, n] of Object.entries(tracker.flush())) {
        const i = stream.indexOf(':');
        addLost(n, { channel: stream.slice(0, i), symbol: stream.slice(i + 1) });
      }
    });
    socket.setTimeout(() => socket.close(), remainingMs);
  });
  check(res, { 'ws status 101': (r) => r !== undefined && r.status === 101 }, { channel: stream.channel });
}
