/**
 * The ws engine speaks every dialect (issue 10): a tiny `ws` server on port 0 answers each dialect's subscribe
 * frames with its documented acks (the sample frames of test/unit/dialect-stream.test.ts) and replays an order
 * book stream with holes put in it, plus a ticker stream that carries no sequence. The engine must count exactly
 * those holes by the dialect's rule, report resyncs apart from loss, give the ticker's lossPct no-data, and send
 * the dialect's heartbeat.
 */
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { DIALECT_NAMES, type DialectName } from '../../src/dialect/registry.js';
import type { EngineContext, EngineOutput, Progress } from '../../src/engines/types.js';
import { createWsEngine } from '../../src/engines/ws.js';
import { streamView } from '../../src/report/derive.js';
import { compileSla } from '../../src/sla/checks.js';
import { evaluate } from '../../src/sla/evaluate.js';
import { suiteSchema } from '../../src/suite/schema.js';
import { resultFromOutput } from '../helpers/results.js';

/** Order-book messages sent per subscription, and the ones never sent. Message 1 (the snapshot / first) always goes. */
const N = 20;
const DROPPED = new Set([5, 6, 12]);
/** Bybit: message 15 is a snapshot mid-stream (a resync, not loss). */
const BYBIT_SNAPSHOT_AT = 15;

/** The order-book frame `i` and a ticker frame, in the dialect's own shape, stamped with the server's clock now. */
function bookFrame(d: DialectName, i: number): string {
  const ms = Date.now();
  const us = Math.round((performance.timeOrigin + performance.now()) * 1000);
  switch (d) {
    case 'loadgate':
      return `{"channel":"orderbook","symbol":"BTC-USDT","seq":${i},"ts":${us},"data":{}}`;
    case 'binance-spot':
      // Each event covers 3 update ids; the URL asked for µs event times.
      return `{"e":"depthUpdate","E":${us},"s":"BTCUSDT","U":${1000 + 3 * (i - 1)},"u":${1002 + 3 * (i - 1)},"b":[],"a":[]}`;
    case 'okx-v5':
      // seqIds jump by 7: only the chain tells a gap.
      return `{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"${i === 1 ? 'snapshot' : 'update'}","data":[{"asks":[],"bids":[],"ts":"${ms}","checksum":0,"prevSeqId":${i === 1 ? -1 : 100 + 7 * (i - 2)},"seqId":${100 + 7 * (i - 1)}}]}`;
    case 'bybit-v5':
      return `{"topic":"orderbook.50.BTCUSDT","type":"${i === 1 || i === BYBIT_SNAPSHOT_AT ? 'snapshot' : 'delta'}","ts":${ms},"data":{"s":"BTCUSDT","b":[],"a":[],"u":${5000 + i},"seq":1},"cts":${ms}}`;
  }
}

function tickerFrame(d: DialectName, i: number): string {
  const ms = Date.now();
  const us = Math.round((performance.timeOrigin + performance.now()) * 1000);
  switch (d) {
    case 'loadgate':
      return `{"channel":"ticker","symbol":"BTC-USDT","seq":${i},"ts":${us},"data":{}}`;
    case 'binance-spot':
      return `{"e":"24hrTicker","E":${us},"s":"BTCUSDT","p":"0.0015","c":"0.0025"}`;
    case 'okx-v5':
      return `{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT","instId":"BTC-USDT","last":"9999.99","ts":"${ms}"}]}`;
    case 'bybit-v5':
      return `{"topic":"tickers.BTCUSDT","ts":${ms},"type":"snapshot","cs":1,"data":{"symbol":"BTCUSDT","lastPrice":"21109.77"}}`;
  }
}

/** What the server answers to one received text frame: acks, then (after every subscribe) the replayed streams. */
function answer(d: DialectName, raw: string, replay: () => string[], lastSeq: number): string[] {
  if (raw === 'ping') return ['pong']; // OKX
  const m = JSON.parse(raw) as Record<string, unknown>;
  switch (d) {
    case 'loadgate': {
      if (m.op === 'ping') return [JSON.stringify({ op: 'pong', id: m.id, clientTs: m.clientTs, serverTs: Date.now() * 1000 })];
      const sub = `${String(m.channel)}:${String(m.symbol)}`;
      if (m.op === 'subscribe') return [JSON.stringify({ op: 'ack', id: m.id, subscription: sub }), ...(m.channel === 'orderbook' ? replay() : [])];
      return [JSON.stringify({ op: 'ack', id: m.id, subscription: sub, lastSeq: m.channel === 'orderbook' ? lastSeq : 0 })];
    }
    case 'binance-spot':
      return [JSON.stringify({ result: null, id: m.id }), ...(m.method === 'SUBSCRIBE' ? replay() : [])];
    case 'okx-v5': {
      const args = m.args as Array<Record<string, string>>;
      const acks = args.map((arg) => JSON.stringify({ event: m.op, arg, connId: 'a4d3ae55' }));
      return m.op === 'subscribe' ? [...acks, ...replay()] : acks;
    }
    case 'bybit-v5':
      if (m.op === 'ping') return [JSON.stringify({ success: true, ret_msg: 'pong', conn_id: 'x', req_id: m.req_id, op: 'ping' })];
      return [JSON.stringify({ success: true, ret_msg: '', conn_id: 'x', req_id: m.req_id, op: m.op }), ...(m.op === 'subscribe' ? replay() : [])];
  }
}

interface Replayer {
  wsUrl: string;
  /** Every text frame received, and WebSocket-level pings received. */
  received: string[];
  wsPings: number;
  urls: string[];
  close(): Promise<void>;
}

async function replayer(d: DialectName): Promise<Replayer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const r: Replayer = {
    wsUrl: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/ws`,
    received: [],
    wsPings: 0,
    urls: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
  wss.on('connection', (ws: WebSocket, req) => {
    r.urls.push(req.url ?? '');
    ws.on('ping', () => r.wsPings++);
    const replay = (): string[] => {
      const out: string[] = [];
      for (let i = 1; i <= N; i++) {
        if (!DROPPED.has(i)) out.push(bookFrame(d, i));
        out.push(tickerFrame(d, i));
      }
      return out;
    };
    ws.on('message', (data) => {
      const raw = String(data);
      r.received.push(raw);
      for (const f of answer(d, raw, replay, N)) ws.send(f);
    });
  });
  return r;
}

function context(d: DialectName, wsUrl: string, progress: (p: Progress) => void = () => {}): EngineContext {
  const suite = suiteSchema.parse({
    target: { url: wsUrl.replace(/^ws/, 'http').replace(/\/ws$/, '') },
    workloads: [
      { name: 'stream', load: { model: 'stream', connections: 2, connectRatePerSec: 100, durationSec: 1.2 }, streams: [{ channel: 'orderbook' }, { channel: 'ticker' }], symbols: ['BTC-USDT'] },
    ],
  });
  const now = () => performance.now();
  return {
    suite,
    workload: suite.workloads[0]!,
    target: { baseUrl: 'http://127.0.0.1:1', wsUrl, credentials: undefined, timeoutMs: 5_000, dialect: d, mock: false },
    originMs: now(),
    now,
    signal: new AbortController().signal,
    progress,
    seed: 3,
  };
}

let server: Replayer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Loss the dialect's rule must count for the holes in DROPPED, per subscription. */
const EXPECTED: Record<DialectName, { lost: number; expected: number; resyncs: number; loss: 'exact' | 'lowerBound' }> = {
  loadgate: { lost: 3, expected: 20, resyncs: 0, loss: 'exact' },
  // 3 events × 3 update ids each, of 60 update ids.
  'binance-spot': { lost: 9, expected: 60, resyncs: 0, loss: 'exact' },
  // Two broken links (5-6 and 12): a lower bound of one message each.
  'okx-v5': { lost: 2, expected: 19, resyncs: 0, loss: 'lowerBound' },
  'bybit-v5': { lost: 3, expected: 20, resyncs: 1, loss: 'exact' },
};

describe('the ws engine in every dialect', () => {
  it('reads symbols as the exchange writes them, and refuses one the dialect cannot read with a path-qualified input error', async () => {
    server = await replayer('binance-spot');
    const ok = context('binance-spot', server.wsUrl);
    ok.workload.symbols = ['BTCUSDT'];
    const out = await createWsEngine().run(ok);
    expect(out.endpoints['ws:orderbook']!.stream!.lost).toBe(2 * EXPECTED['binance-spot'].lost);
    const bad = context('okx-v5', server.wsUrl);
    bad.workload.symbols = ['BTCUSDT'];
    await expect(createWsEngine().run(bad)).rejects.toMatchObject({ code: 'LG_WS_BAD_SYMBOL', message: expect.stringMatching(/^workloads\[0\]\.symbols\[0\]: "BTCUSDT"/) });
    const inStream = context('okx-v5', server.wsUrl);
    inStream.workload.streams = [{ channel: 'ticker' }, { channel: 'orderbook', symbols: ['BTC-USDT', 'ETH_USDT'] }];
    await expect(createWsEngine().run(inStream)).rejects.toMatchObject({ code: 'LG_WS_BAD_SYMBOL', message: expect.stringMatching(/^workloads\[0\]\.streams\[1\]\.symbols\[1\]: "ETH_USDT"/) });
  });

  it.each(DIALECT_NAMES)('%s: counts exactly the holes by the dialect’s sequence rule; a stream without one is no-data', async (d) => {
    server = await replayer(d);
    const progress: Progress[] = [];
    const out: EngineOutput = await createWsEngine({ pingIntervalMs: 100 }).run(context(d, server.wsUrl, (p) => progress.push(p)));
    const book = out.endpoints['ws:orderbook']!.stream!;
    const ticker = out.endpoints['ws:ticker']!.stream!;
    const want = EXPECTED[d];
    // Two connections, one order-book subscription each.
    expect(book.connectionsOpened).toBe(2);
    expect(book.messages).toBe(2 * (N - DROPPED.size));
    expect(book.lost).toBe(2 * want.lost);
    expect(book.expected).toBe(2 * want.expected);
    expect(book.resyncs ?? 0).toBe(2 * want.resyncs);
    expect(book.duplicates).toBe(0);
    expect(book.loss ?? 'exact').toBe(want.loss);
    expect(out.endpoints['ws:orderbook']!.requests).toBe(2 * (N - DROPPED.size));

    expect(ticker.messages).toBe(2 * N);
    if (d === 'loadgate') {
      expect(streamView(ticker).lossPct).toBe(0);
    } else {
      expect(ticker.loss).toBe('none');
      expect(ticker.expected).toBe(0);
      expect(streamView(ticker).lossPct).toBeUndefined();
      expect(out.notes?.join('\n')).toContain('ws:ticker: ');
    }
    if (want.resyncs > 0) expect(out.notes?.join('\n')).toMatch(/ws:orderbook: 2 resync\(s\)/);
    // Every message carried a server timestamp in the dialect's unit: latency recorded for each.
    expect(out.notes?.join('\n') ?? '').not.toContain('carried no server');

    // The SLA: the order book's loss is judged, the ticker's is no-data (never a pass on missing data).
    const result = resultFromOutput(out, { durationSec: 1.2, suite: 'dialects', url: server.wsUrl });
    const plan = compileSla({ endpoints: { 'ws:orderbook': { lossPct: 0.1 }, 'ws:ticker': { lossPct: 0.1 } } }, { drivenEndpoints: new Set(Object.keys(out.endpoints)) });
    const checks = evaluate(plan, result).checks;
    expect(checks.find((c) => c.id === 'ws:orderbook.lossPct')?.status).toBe('fail');
    expect(checks.find((c) => c.id === 'ws:ticker.lossPct')?.status).toBe(d === 'loadgate' ? 'pass' : 'no-data');

    // Heartbeats: the dialect's ping frame where the exchange asks for one, WebSocket pings otherwise.
    const pings = server.received.filter((f) => f === 'ping' || /"op":"ping"/.test(f)).length;
    if (d === 'okx-v5' || d === 'bybit-v5') {
      expect(pings).toBeGreaterThan(0);
    } else {
      expect(pings).toBe(0);
      expect(server.wsPings).toBeGreaterThan(0);
    }
    if (d === 'binance-spot') expect(server.urls.every((u) => u.includes('timeUnit=MICROSECOND'))).toBe(true);
    // The live progress line carries p99 once messages arrived.
    expect(progress.some((p) => p.p99Ms !== undefined && p.p99Ms >= 0)).toBe(true);
  });
});
