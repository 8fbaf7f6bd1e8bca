/**
 * The closed engine (`engine: closed`, src/engines/closed.ts): closed-model load on loadgate's own HTTP client,
 * against the built-in mock (every endpoint, the order clean-up, the rate cap) and raw servers on port 0 (a
 * refused port, a server that closes every connection, a stop mid-run). Its latency accuracy is checked beside
 * the autocannon engine's in autocannon-accuracy.test.ts.
 */
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { healthConnections, loopbackServers } from '../helpers/servers.js';
import { closedEngine } from '../../src/engines/closed.js';
import type { EngineContext, EngineOutput } from '../../src/engines/types.js';
import { InputError } from '../../src/errors.js';
import { runSuite } from '../../src/run.js';
import { parseSuite } from '../../src/suite/load.js';
import { decodeHistogram } from '../../src/result/histogram.js';

const { listen, closeLast } = loopbackServers();

function ctxFor(url: string, load: Record<string, unknown>, signal = new AbortController().signal): EngineContext {
  const suite = parseSuite('closed.suite.yaml', {
    target: { url },
    workloads: [{ name: 'w', engine: 'closed', load: { model: 'closed', ...load }, mix: [{ endpoint: 'fetchTicker' }], symbols: ['BTC-USDT'] }],
  });
  const now = () => performance.now();
  return {
    suite,
    workload: suite.workloads[0]!,
    target: { baseUrl: url, wsUrl: '', credentials: undefined, timeoutMs: 2_000, dialect: 'loadgate', mock: false },
    originMs: now(),
    now,
    signal,
    progress: () => undefined,
    seed: 1,
  };
}

const total = (o: EngineOutput) => Object.values(o.endpoints).reduce((a, e) => a + e.requests, 0);
const errorCount = (e: EngineOutput['endpoints'][string]) => Object.values(e.errors).reduce((a, n) => a + n, 0);
const errorsOf = (o: EngineOutput) => Object.values(o.endpoints).reduce((a, e) => a + errorCount(e), 0);

/** Answers the set-up's and the run's GETs with a ticker; `onRequest` may take over. */
function tickerServer(onRequest?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean): http.Server {
  return http.createServer((req, res) => {
    if (onRequest?.(req, res)) return;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"symbol":"BTC-USDT","bid":"100","ask":"101","last":"100.5"}');
  });
}

describe('closed engine', () => {
  it('drives every endpoint against the mock, records each request once, cleans up its orders, and keeps the rate cap', async () => {
    const result = await runSuite({
      suite: parseSuite('closed-mock.suite.yaml', {
        name: 'closed-mock',
        target: { mock: true, maxRatePerSec: 300 },
        workloads: [
          {
            name: 'mix',
            engine: 'closed',
            load: { model: 'closed', connections: 8, durationSec: 2 },
            mix: [
              { endpoint: 'fetchTicker', weight: 3 },
              { endpoint: 'fetchOrderBook', weight: 2 },
              { endpoint: 'fetchMarkets', weight: 1 },
              { endpoint: 'createOrder', weight: 2 },
              { endpoint: 'cancelOrder', weight: 1 },
            ],
          },
        ],
      }),
    });
    expect(result.meta.engines.map((e) => e.name)).toContain('closed');
    let requests = 0;
    for (const name of ['fetchTicker', 'fetchOrderBook', 'fetchMarkets', 'createOrder', 'cancelOrder']) {
      const ep = result.endpoints[name]!;
      expect(ep.requests, name).toBeGreaterThan(0);
      expect(ep.errors, name).toEqual({});
      // Every answer is in the latency histogram and in the per-second series, once.
      expect(decodeHistogram(ep.latency!).totalCount, name).toBe(ep.requests);
      expect(ep.series.reduce((a, p) => a + p.requests, 0), name).toBe(ep.requests);
      requests += ep.requests;
    }
    // 300 a second over 2 s, evenly paced: at most one slot's rounding per user beyond it.
    expect(requests).toBeLessThanOrEqual(300 * 2 + 8);
    expect(result.meta.notes.some((n) => /clean-up cancelled (\d+) of \1 resting orders/.test(n))).toBe(true);
  }, 60_000);

  it.each(['okx-v5', 'bybit-v5', 'binance-spot'])('speaks %s: its signed orders are accepted and cancelled, its books read, with no error', async (dialect) => {
    const result = await runSuite({
      suite: parseSuite('closed-dialect.suite.yaml', {
        name: 'closed-dialect',
        target: { mock: true, dialect },
        workloads: [{ name: 'orders', engine: 'closed', load: { model: 'closed', connections: 2, durationSec: 1 }, mix: [{ endpoint: 'createOrder', weight: 2 }, { endpoint: 'cancelOrder' }, { endpoint: 'fetchOrderBook' }], symbols: ['BTC/USDT'] }],
      }),
    });
    for (const name of ['createOrder', 'cancelOrder', 'fetchOrderBook']) {
      expect(result.endpoints[name]!.requests, name).toBeGreaterThan(0);
      expect(result.endpoints[name]!.errors, name).toEqual({});
    }
  }, 60_000);

  it('counts a refused connection as a network error and backs off instead of spinning', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = net.createServer();
    const url = await listen(probe);
    await closeLast();
    const out = await closedEngine.run(ctxFor(url, { connections: 4, durationSec: 1 }));
    const ticker = out.endpoints.fetchTicker!;
    expect(ticker.requests).toBeGreaterThan(0);
    expect(errorsOf(out)).toBe(total(out));
    expect(ticker.errors).toEqual({ network: ticker.requests });
    expect(Object.keys(ticker.errorCodes)).toEqual(['ECONNREFUSED']);
    // Back-off from 10 ms doubling to 200 ms: within 1 s a handful of tries, not a tight loop's thousands.
    expect(ticker.requests).toBeLessThanOrEqual((4 * 1000) / 10);
  }, 30_000);

  it('sends every request on a new connection when the server closes each one, without a failure', async () => {
    let connections = 0;
    const server = tickerServer((_req, res) => {
      res.setHeader('connection', 'close');
      return false;
    });
    server.on('connection', () => connections++);
    const ctx = ctxFor(await listen(server), { connections: 2, durationSec: 1 });
    const out = await closedEngine.run(ctx);
    expect(total(out)).toBeGreaterThan(0);
    expect(errorsOf(out)).toBe(0);
    expect(connections).toBeGreaterThanOrEqual(total(out));
  }, 30_000);

  it('a stop mid-run returns what was measured, marked incomplete, with nothing cut off counted against the target', async () => {
    const ac = new AbortController();
    let served = 0;
    let stallAfter = Infinity;
    const server = tickerServer((req) => {
      // After the run's 50th, answers stall: the stop finds a request in flight on every connection.
      return req.url?.startsWith('/api/v1/ticker') === true && ++served > stallAfter;
    });
    const ctx = ctxFor(await listen(server), { connections: 4, durationSec: 30 }, ac.signal);
    const prepared = await closedEngine.prepare!(ctx);
    // The set-up read the ticker's price too.
    stallAfter = served + 50;
    const t0 = performance.now();
    const run = closedEngine.run({ ...ctx, originMs: t0 }, prepared);
    const deadline = t0 + 10_000;
    // 50 answered, then one stalled request per user (4): every user is waiting for an answer.
    while (served < stallAfter + 4 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    const out = await run;
    expect(out.incomplete?.reason).toMatch(/stopped/);
    expect(total(out)).toBeGreaterThan(0);
    expect(errorsOf(out)).toBe(0);
    expect(total(out)).toBe(50);
    // The stop did not wait for the stalled answers: they would have timed out (2 s) as errors.
    expect(served).toBe(stallAfter + 4);
  }, 40_000);

  it('a stop before the clock starts sends nothing and ends at once', async () => {
    let served = 0;
    const server = tickerServer(() => {
      served++;
      return false;
    });
    const ac = new AbortController();
    const ctx = ctxFor(await listen(server), { connections: 4, durationSec: 30 }, ac.signal);
    const prepared = await closedEngine.prepare!(ctx);
    const setUp = served;
    ac.abort();
    const out = await closedEngine.run({ ...ctx, originMs: performance.now() }, prepared);
    expect(out.incomplete?.reason).toMatch(/stopped/);
    expect(total(out)).toBe(0);
    expect(served).toBe(setUp);
  }, 20_000);

  it('a stop, or another workload\'s failed set-up, after its set-up closes the connections it warmed', async () => {
    const warm = healthConnections();
    const server = tickerServer((req) => {
      warm.see(req);
      return false;
    });
    // A long keep-alive (the hint says 600 s), so only the release closes them, not the client's idle limit.
    server.keepAliveTimeout = 600_000;
    const ac = new AbortController();
    const ctx = ctxFor(await listen(server), { connections: 4, durationSec: 30 }, ac.signal);
    await closedEngine.prepare!(ctx);
    expect(warm.open()).toBeGreaterThanOrEqual(4);
    ac.abort();
    for (let i = 0; i < 200 && warm.open() > 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(warm.open()).toBe(0);
  }, 20_000);

  it('refuses pipelining with a hint to use the autocannon engine', async () => {
    const ctx = ctxFor('http://127.0.0.1:9', { connections: 2, durationSec: 1, pipelining: 4 });
    const err = await closedEngine.prepare!(ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('LG_ENGINE_PIPELINING');
    expect(String((err as InputError).hint)).toMatch(/engine: autocannon/);
  });
});
