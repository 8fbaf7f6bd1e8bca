import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNELS, DIALECT_NAMES, getDialect, lossPct, SequenceTracker } from '../../src/dialect/index.js';
import { binanceSpot } from '../../src/dialect/binance-spot/index.js';
import { okxV5 } from '../../src/dialect/okx-v5/index.js';
import { bybitV5 } from '../../src/dialect/bybit-v5/index.js';
import { loadgate } from '../../src/dialect/loadgate/index.js';

const subs = [
  { channel: 'orderbook' as const, symbol: 'BTC/USDT' },
  { channel: 'ticker' as const, symbol: 'ETH/USDT' },
];

describe('subscribe frames', () => {
  it('loadgate: one {op:subscribe} per subscription, as mocks/streams.ts expects', () => {
    expect(loadgate.stream.subscribe(subs, 7)).toEqual(['{"op":"subscribe","channel":"orderbook","symbol":"BTC-USDT","id":7}', '{"op":"subscribe","channel":"ticker","symbol":"ETH-USDT","id":8}']);
    expect(loadgate.stream.unsubscribe(subs.slice(0, 1), 9)).toEqual(['{"op":"unsubscribe","channel":"orderbook","symbol":"BTC-USDT","id":9}']);
    expect(JSON.parse(loadgate.stream.ping(3, 123)!)).toEqual({ op: 'ping', id: 3, clientTs: 123 });
    expect(loadgate.stream.url('ws://127.0.0.1:1/ws', subs)).toBe('ws://127.0.0.1:1/ws');
  });

  it('binance-spot: one SUBSCRIBE with lower-case stream names; µs event times; WebSocket pings only', () => {
    expect(binanceSpot.stream.subscribe(subs, 1)).toEqual(['{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms","ethusdt@ticker"],"id":1}']);
    expect(binanceSpot.stream.unsubscribe(subs, 2)).toEqual(['{"method":"UNSUBSCRIBE","params":["btcusdt@depth@100ms","ethusdt@ticker"],"id":2}']);
    expect(binanceSpot.stream.url('ws://127.0.0.1:1/ws', subs)).toBe('ws://127.0.0.1:1/ws?timeUnit=MICROSECOND');
    expect(binanceSpot.stream.ping(1, 1)).toBeUndefined();
  });

  it('okx-v5: one subscribe op with channel + instId args; text ping', () => {
    expect(JSON.parse(okxV5.stream.subscribe(subs, 1)[0]!)).toEqual({ op: 'subscribe', args: [{ channel: 'books', instId: 'BTC-USDT' }, { channel: 'tickers', instId: 'ETH-USDT' }] });
    expect(okxV5.stream.ping(1, 1)).toBe('ping');
  });

  it('bybit-v5: one subscribe op with topics and a req_id; JSON ping', () => {
    expect(JSON.parse(bybitV5.stream.subscribe(subs, 5)[0]!)).toEqual({ req_id: '5', op: 'subscribe', args: ['orderbook.50.BTCUSDT', 'tickers.ETHUSDT'] });
    expect(JSON.parse(bybitV5.stream.ping(6, 1)!)).toEqual({ req_id: '6', op: 'ping' });
  });
});

describe('decoding sample frames from the docs', () => {
  it('loadgate (mocks/streams.ts protocol, fast path and JSON path)', () => {
    const data = '{"channel":"orderbook","symbol":"BTC-USDT","seq":41,"ts":1700000000123456,"data":{"bids":[[1,2]],"asks":[[3,4]]}}';
    expect(loadgate.stream.decode(data)).toEqual({ kind: 'data', channel: 'orderbook', symbolId: 'BTC-USDT', serverTs: 1700000000123456, seq: { kind: 'range', first: 41, last: 41 } });
    // Not the fast path's exact field order: JSON.parse handles it.
    expect(loadgate.stream.decode('{"symbol":"BTC-USDT","channel":"trades","ts":1.5e15,"seq":2,"data":{}}')).toMatchObject({ kind: 'data', channel: 'trades', seq: { first: 2 }, serverTs: 1.5e15 });
    expect(loadgate.stream.decode('{"op":"ack","id":1,"subscription":"orderbook:BTC-USDT"}')).toEqual({ kind: 'ack', id: '1', op: 'subscribe' });
    expect(loadgate.stream.decode('{"op":"ack","id":2,"subscription":"orderbook:BTC-USDT","lastSeq":57}')).toEqual({ kind: 'ack', id: '2', op: 'unsubscribe', lastSeq: 57 });
    expect(loadgate.stream.decode('{"op":"error","id":1,"code":"invalidChannel","message":"no"}')).toEqual({ kind: 'error', id: '1', code: 'invalidChannel', message: 'no' });
    expect(loadgate.stream.decode('{"op":"pong","id":3,"clientTs":5,"serverTs":1700000000123456}')).toEqual({ kind: 'pong', id: '3', serverTsMs: 1700000000123.456 });
    expect(loadgate.stream.decode('not json')).toEqual({ kind: 'other' });
  });

  it('binance-spot', () => {
    const depth = '{"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,"b":[["0.0024","10"]],"a":[["0.0026","100"]]}';
    expect(binanceSpot.stream.decode(depth)).toEqual({ kind: 'data', channel: 'orderbook', symbolId: 'BNBBTC', serverTs: 1672515782136, seq: { kind: 'range', first: 157, last: 160 } });
    expect(binanceSpot.stream.decode(`{"stream":"bnbbtc@depth@100ms","data":${depth}}`)).toMatchObject({ kind: 'data', channel: 'orderbook', seq: { first: 157, last: 160 } });
    expect(binanceSpot.stream.decode('{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":true,"M":true}')).toEqual({ kind: 'data', channel: 'trades', symbolId: 'BNBBTC', serverTs: 1672515782136, seq: undefined });
    expect(binanceSpot.stream.decode('{"e":"24hrTicker","E":1672515782136,"s":"BNBBTC","p":"0.0015","c":"0.0025"}')).toMatchObject({ kind: 'data', channel: 'ticker', seq: undefined });
    expect(binanceSpot.stream.decode('{"result":null,"id":1}')).toEqual({ kind: 'ack', id: '1', op: 'unknown' });
    expect(binanceSpot.stream.decode('{"code":2,"msg":"Invalid request: request ID must be an unsigned integer","id":3}')).toEqual({ kind: 'error', id: '3', code: '2', message: 'Invalid request: request ID must be an unsigned integer' });
  });

  it('okx-v5', () => {
    const snap = '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot","data":[{"asks":[["8476.98","415","0","13"]],"bids":[["8476.97","256","0","12"]],"ts":"1597026383085","checksum":-855196043,"prevSeqId":-1,"seqId":123456}]}';
    expect(okxV5.stream.decode(snap)).toEqual({ kind: 'data', channel: 'orderbook', symbolId: 'BTC-USDT', serverTs: 1597026383085, seq: { kind: 'chain', prev: -1, id: 123456 } });
    expect(okxV5.stream.decode('{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT","instId":"BTC-USDT","last":"9999.99","ts":"1597026383085"}]}')).toEqual({ kind: 'data', channel: 'ticker', symbolId: 'BTC-USDT', serverTs: 1597026383085, seq: undefined });
    expect(okxV5.stream.decode('{"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a4d3ae55"}')).toEqual({ kind: 'ack', id: undefined, op: 'subscribe', channel: 'orderbook', symbolId: 'BTC-USDT' });
    expect(okxV5.stream.decode('{"event":"error","code":"60012","msg":"Invalid request","connId":"a4d3ae55"}')).toEqual({ kind: 'error', id: undefined, code: '60012', message: 'Invalid request' });
    expect(okxV5.stream.decode('pong')).toEqual({ kind: 'pong', id: undefined });
  });

  it('bybit-v5', () => {
    const snap = '{"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1672304484978,"data":{"s":"BTCUSDT","b":[["16493.50","0.006"]],"a":[["16611.00","0.029"]],"u":18521288,"seq":7961638724},"cts":1672304484976}';
    expect(bybitV5.stream.decode(snap)).toEqual({ kind: 'data', channel: 'orderbook', symbolId: 'BTCUSDT', serverTs: 1672304484978, seq: { kind: 'range', first: 18521288, last: 18521288, snapshot: true } });
    expect(bybitV5.stream.decode(snap.replace('"snapshot"', '"delta"'))).toMatchObject({ seq: { snapshot: false } });
    expect(bybitV5.stream.decode('{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","i":"20f43950","BT":false}]}')).toEqual({ kind: 'data', channel: 'trades', symbolId: 'BTCUSDT', serverTs: 1672304486868, seq: undefined });
    expect(bybitV5.stream.decode('{"topic":"tickers.BTCUSDT","ts":1673853746003,"type":"snapshot","cs":2588407389,"data":{"symbol":"BTCUSDT","lastPrice":"21109.77"}}')).toMatchObject({ kind: 'data', channel: 'ticker', seq: undefined });
    expect(bybitV5.stream.decode('{"success":true,"ret_msg":"subscribe","conn_id":"2324d924","req_id":"10001","op":"subscribe"}')).toEqual({ kind: 'ack', id: '10001', op: 'subscribe' });
    expect(bybitV5.stream.decode('{"success":true,"ret_msg":"pong","conn_id":"0970e817","op":"ping"}')).toEqual({ kind: 'pong', id: undefined });
    expect(bybitV5.stream.decode('{"req_id":"test","op":"pong","args":["1675418560633"],"conn_id":"cfcb4ocsvfriu23r3er0"}')).toEqual({ kind: 'pong', id: 'test' });
    expect(bybitV5.stream.decode('{"success":false,"ret_msg":"error:handler not found","conn_id":"x","req_id":"7","op":"subscribe"}')).toEqual({ kind: 'error', id: '7', code: 'subscribeFailed', message: 'error:handler not found' });
  });
});

/** A stream in each dialect's own frames, with `drop` messages never delivered. */
function frames(name: string, n: number, drop: ReadonlySet<number>): string[] {
  const out: string[] = [];
  for (let i = 1; i <= n; i++) {
    if (drop.has(i)) continue;
    switch (name) {
      case 'loadgate':
        out.push(`{"channel":"orderbook","symbol":"BTC-USDT","seq":${i},"ts":${1.7e15 + i},"data":{}}`);
        break;
      case 'binance-spot':
        // Each event covers 3 update ids.
        out.push(`{"e":"depthUpdate","E":${1.7e15 + i},"s":"BTCUSDT","U":${1000 + 3 * (i - 1)},"u":${1002 + 3 * (i - 1)},"b":[],"a":[]}`);
        break;
      case 'okx-v5':
        // seqIds jump by 7: only the chain (prevSeqId) tells a gap.
        out.push(`{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"${i === 1 ? 'snapshot' : 'update'}","data":[{"asks":[],"bids":[],"ts":"${1.7e12 + i}","prevSeqId":${i === 1 ? -1 : 100 + 7 * (i - 2)},"seqId":${100 + 7 * (i - 1)}}]}`);
        break;
      case 'bybit-v5':
        out.push(`{"topic":"orderbook.50.BTCUSDT","type":"${i === 1 ? 'snapshot' : 'delta'}","ts":${1.7e12 + i},"data":{"s":"BTCUSDT","b":[],"a":[],"u":${5000 + i},"seq":1}}`);
        break;
    }
  }
  return out;
}

describe('decode + the dialect’s sequence rule: an injected gap is counted as loss', () => {
  it.each(DIALECT_NAMES)('%s', (name) => {
    const d = getDialect(name);
    const tracker = new SequenceTracker(d.stream.sequence.orderbook);
    // Messages 5 and 6 (one gap of two) and 12 (a gap of one) are dropped; 1 is the snapshot / first and always arrives.
    for (const raw of frames(name, 20, new Set([5, 6, 12]))) {
      const ev = d.stream.decode(raw);
      expect(ev.kind).toBe('data');
      if (ev.kind === 'data') tracker.observe(ev.seq);
    }
    const s = tracker.finish();
    expect(s.gaps).toBe(2);
    if (name === 'binance-spot') expect(s.lost).toBe(9); // 3 events × 3 update ids
    else if (name === 'okx-v5') {
      expect(s.lost).toBe(2); // one per broken link: a lower bound
      expect(s.lossExact).toBe(false);
    } else expect(s.lost).toBe(3);
    expect(lossPct(s)).toBeGreaterThan(0);
  });

  it.each(DIALECT_NAMES)('%s: ticker and trade streams without a sequence give no-data, never 0', (name) => {
    const d = getDialect(name);
    for (const ch of CHANNELS) {
      const rule = d.stream.sequence[ch];
      const t = new SequenceTracker(rule);
      if (rule.type === 'none') {
        expect(t.observe(undefined)).toBe('untracked');
        expect(lossPct(t.finish())).toBeNull();
      }
    }
  });
});

describe('loadgate decode is today’s two parsers in one', () => {
  it('reads the mock’s frames (mocks/streams.ts shape) like the engine’s fast path', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('orderbook', 'ticker', 'trades'),
        fc.stringMatching(/^[A-Z0-9]{2,6}-[A-Z0-9]{2,6}$/),
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.integer({ min: 1_600_000_000_000_000, max: 1_900_000_000_000_000 }),
        (channel, symbol, seq, tsUs) => {
          const raw = `{"channel":"${channel}","symbol":"${symbol}","seq":${seq},"ts":${tsUs},"data":{"last":1}}`;
          const ev = loadgate.stream.decode(raw);
          expect(ev).toEqual({ kind: 'data', channel, symbolId: symbol, serverTs: tsUs, seq: { kind: 'range', first: seq, last: seq } });
        },
      ),
      { numRuns: 300 },
    );
  });
});
