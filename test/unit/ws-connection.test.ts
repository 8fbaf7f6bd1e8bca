/**
 * The stream client's state machine against mock-socket (no real sockets): subscribe/ack, gap/duplicate/reorder
 * accounting through the wire protocol, reconnect with backoff after server closes, and stop.
 */
import { Server, WebSocket as MockWebSocket, type Client } from 'mock-socket';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../src/result/histogram.js';
import { WsCollector } from '../../src/engines/ws/collector.js';
import { StreamConnection, type ConnectionClock, type SocketFactory, type WsLike } from '../../src/engines/ws/connection.js';

let port = 40_000;
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.stop();
});

interface FakeExchange {
  server: Server;
  clients: Client[];
  /** Subscriptions by client, in the order acked. */
  subscribed: string[];
  send(client: Client, channel: string, symbol: string, seq: number, tsUs?: number): void;
}

/** A protocol-speaking server on mock-socket. `lastSeq` answers unsubscribes. */
function fakeExchange(url: string, lastSeq = 0): FakeExchange {
  const server = new Server(url);
  servers.push(server);
  const fx: FakeExchange = {
    server,
    clients: [],
    subscribed: [],
    send(client, channel, symbol, seq, tsUs = Date.now() * 1000) {
      client.send(JSON.stringify({ channel, symbol, seq, ts: tsUs, data: {} }));
    },
  };
  server.on('connection', (socket) => {
    fx.clients.push(socket);
    socket.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { op: string; id: number; channel: string; symbol: string };
      const subscription = `${msg.channel}:${msg.symbol}`;
      if (msg.op === 'subscribe') {
        if (msg.symbol === 'NOPE-USDT') return socket.send(JSON.stringify({ op: 'error', id: msg.id, code: 'invalidSymbol', message: 'unknown' }));
        fx.subscribed.push(subscription);
        socket.send(JSON.stringify({ op: 'ack', id: msg.id, subscription }));
      } else if (msg.op === 'unsubscribe') {
        socket.send(JSON.stringify({ op: 'ack', id: msg.id, subscription, lastSeq }));
      }
    });
  });
  return fx;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function setup(opts: { subscriptions?: { channel: string; symbol: string }[]; backoff?: { baseMs: number; capMs: number } } = {}) {
  const url = `ws://fake.test:${port++}/ws`;
  const delays: number[] = [];
  const clock: ConnectionClock = {
    now: () => performance.now(),
    epochMs: () => Date.now(),
    setTimeout: (fn, ms) => {
      delays.push(ms);
      return setTimeout(fn, ms);
    },
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  };
  const factory: SocketFactory = (u) => new MockWebSocket(u) as unknown as WsLike;
  const subscriptions = opts.subscriptions ?? [
    { channel: 'trades', symbol: 'BTC-USDT' },
    { channel: 'ticker', symbol: 'BTC-USDT' },
  ];
  const collector = new WsCollector([...new Set(subscriptions.map((s) => s.channel))], 'w');
  const conn = new StreamConnection(
    { url, subscriptions, timeoutMs: 1_000, backoff: opts.backoff ?? { baseMs: 20, capMs: 100 }, clockOffsetUs: 0, originMs: performance.now() },
    factory,
    collector,
    clock,
    () => 0.5,
  );
  return { url, conn, collector, delays };
}

describe('StreamConnection', () => {
  it('subscribes to every stream on connect and goes live once every subscription is acked', async () => {
    const { url, conn, collector } = setup();
    const fx = fakeExchange(url);
    conn.start();
    expect(conn.state).toBe('connecting');
    await until(() => conn.state === 'live', 'live');
    expect(fx.subscribed.sort()).toEqual(['ticker:BTC-USDT', 'trades:BTC-USDT']);
    expect(collector.connectionsOpened).toBe(1);
    const ep = collector.toEndpoints(undefined)['ws:trades']!;
    expect(decodeHistogram(ep.stream!.subscribeAckTime).totalCount).toBe(1);
    await conn.stop(500);
    expect(conn.state).toBe('closed');
  });

  it('counts seq gaps as loss and keeps duplicates and late arrivals apart, using the unsubscribe lastSeq', async () => {
    const { url, conn, collector } = setup({ subscriptions: [{ channel: 'trades', symbol: 'BTC-USDT' }] });
    const fx = fakeExchange(url, 9);
    conn.start();
    await until(() => conn.state === 'live', 'live');
    const client = fx.clients[0]!;
    for (const seq of [1, 2, 4, 4, 3, 6, 8, 8]) fx.send(client, 'trades', 'BTC-USDT', seq);
    await until(() => collector.messages === 6, 'six distinct messages');
    await conn.stop(500);
    const s = collector.toEndpoints(undefined)['ws:trades']!.stream!;
    // Received 1 2 3 4 6 8; lost 5, 7 and the trailing 9; 3 came late; 4 and 8 twice.
    expect(s).toMatchObject({ messages: 6, expected: 9, lost: 3, reordered: 1, duplicates: 2 });
  });

  it('records message latency as receive time minus the server ts', async () => {
    const { url, conn, collector } = setup({ subscriptions: [{ channel: 'trades', symbol: 'BTC-USDT' }] });
    const fx = fakeExchange(url);
    conn.start();
    await until(() => conn.state === 'live', 'live');
    fx.send(fx.clients[0]!, 'trades', 'BTC-USDT', 1, (Date.now() - 250) * 1000);
    await until(() => collector.messages === 1, 'a message');
    await conn.stop(200);
    const h = decodeHistogram(collector.toEndpoints(undefined)['ws:trades']!.latency);
    expect(h.totalCount).toBe(1);
    expect(h.maxValue / 1000).toBeGreaterThanOrEqual(249);
    expect(h.maxValue / 1000).toBeLessThan(1_000);
  });

  it('reconnects after a server-initiated close, resubscribes and reports the recovery', async () => {
    const { url, conn, collector, delays } = setup();
    const fx = fakeExchange(url);
    conn.start();
    await until(() => conn.state === 'live', 'live');
    fx.clients[0]!.close({ code: 1012, reason: 'restart', wasClean: true });
    await until(() => collector.disconnects === 1, 'the disconnect');
    await until(() => conn.state === 'live', 'live again');
    expect(fx.subscribed).toHaveLength(4);
    expect(collector).toMatchObject({ disconnects: 1, reconnectAttempts: 1, reconnectSuccesses: 1, connectionsOpened: 2 });
    const s = collector.toEndpoints(undefined)['ws:trades']!.stream!;
    expect(decodeHistogram(s.recoveryTime).totalCount).toBe(1);
    expect(s.downtimeSec).toBeGreaterThan(0);
    // The first backoff draw is 0.5 × base (full jitter with random() = 0.5).
    expect(delays).toContain(10);
    await conn.stop(200);
  });

  it('backs off exponentially while the server is down, counts the failed attempts, and recovers when it returns', async () => {
    const { url, conn, collector, delays } = setup({ backoff: { baseMs: 10, capMs: 40 } });
    const fx = fakeExchange(url);
    conn.start();
    await until(() => conn.state === 'live', 'live');
    fx.clients[0]!.close({ code: 1012, reason: 'going down', wasClean: true });
    fx.server.stop();
    servers.splice(servers.indexOf(fx.server), 1);
    await until(() => collector.reconnectAttempts >= 4, 'four failed reconnect attempts');
    expect(collector.reconnectSuccesses).toBe(0);
    expect(collector.connectFailures).toBeGreaterThanOrEqual(3);
    // Backoff ceilings 10, 20, 40, 40 … with random() = 0.5: 5, 10, 20, 20.
    const backoffs = delays.filter((d) => d < 1_000);
    expect(backoffs.slice(0, 4)).toEqual([5, 10, 20, 20]);
    fakeExchange(url);
    await until(() => conn.state === 'live', 'live after the server returns');
    expect(collector.reconnectSuccesses).toBe(1);
    expect(collector.disconnects).toBe(1);
    await conn.stop(200);
  });

  it('does not retry a subscription the server refused, and reports it as an error', async () => {
    const { url, conn, collector } = setup({
      subscriptions: [
        { channel: 'trades', symbol: 'BTC-USDT' },
        { channel: 'trades', symbol: 'NOPE-USDT' },
      ],
    });
    fakeExchange(url);
    conn.start();
    await until(() => conn.state === 'live', 'live');
    const ep = collector.toEndpoints(undefined)['ws:trades']!;
    expect(ep.errorCodes).toEqual({ invalidSymbol: 1 });
    await conn.stop(200);
  });

  it('stops during backoff without counting an unfinished reconnect attempt', async () => {
    const { url, conn, collector } = setup({ backoff: { baseMs: 5_000, capMs: 5_000 } });
    const fx = fakeExchange(url);
    conn.start();
    await until(() => conn.state === 'live', 'live');
    fx.clients[0]!.close({ code: 1012, reason: 'restart', wasClean: true });
    await until(() => conn.state === 'backoff', 'backoff');
    await conn.stop(200);
    expect(conn.state).toBe('closed');
    expect(collector).toMatchObject({ disconnects: 1, reconnectAttempts: 0, downAtEnd: 1 });
  });
});
