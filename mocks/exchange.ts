/**
 * The built-in mock exchange: a real node:http server on port 0 that answers like a crypto exchange's
 * REST API (markets, moving order books, tickers, signed order entry) and injects faults on demand.
 * It is the target of load tests on small boxes, so per-request work is kept small: options are
 * validated once, faults are pre-merged per endpoint, markets JSON is pre-rendered, and the only
 * crypto is one HMAC on private endpoints.
 *
 * The WebSocket part (path /ws) lives in mocks/streams.ts: it attaches to `server` and reads
 * `options.ws`, `market` and `now` from the handle.
 */
import { performance } from 'node:perf_hooks';
import http from 'node:http';
import type { Socket } from 'node:net';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AUTH_HEADERS, signaturePayload } from '../src/dialect/loadgate/auth.js';
import { InputError, RunError } from '../src/errors.js';
import { createHistogram, recordUs, summarizeHistogram, type Histogram, type LatencySummaryMs } from '../src/result/histogram.js';
import { FaultInjector, MOCK_ENDPOINTS, faultsSchema, type FaultOutcome, type MockFaults, type MockRouteName } from './faults.js';
import { MarketSimulator, buildMarkets } from './orderbook.js';
import { OrderStore, parseOrderRequest } from './orders.js';
import { mockOptionsSchema, type MockExchangeConfig, type MockExchangeOptions, type MockStats } from '../src/suite/mock-options.js';
export type { MockStats } from '../src/suite/mock-options.js';
import { RateLimiter } from './ratelimit.js';
import { createRng } from './rng.js';
import { attachStreams, parseStreamOptions, type MockStreamStats, type StreamsHandle } from './streams.js';

/** Dependencies that tests may replace; the defaults are the real ones. */
export interface MockExchangeDeps {
  /** Epoch ms. Default: a sub-millisecond epoch clock (performance.timeOrigin + performance.now()). Drives timestamps, recv-window checks, rate limits, stalls and book movement. */
  now?: () => number;
}

export interface MockExchange {
  /** `http://HOST:PORT`, no trailing slash. */
  url: string;
  /** `ws://HOST:PORT/ws` (served by mocks/streams.ts). */
  wsUrl: string;
  port: number;
  server: http.Server;
  stats: MockStats;
  /** Validated options with defaults, including the untouched `ws` key. */
  options: MockExchangeConfig;
  /** The moving markets behind the REST answers (shared with the WebSocket part). */
  market: MarketSimulator;
  /** The clock the mock runs on (injected or `Date.now`), epoch ms. */
  now: () => number;
  /** Epoch ms (injected clock) at start; the stall schedule and book walk count from here. */
  startedAtMs: number;
  /** The WebSocket streams on /ws (options from `options.ws`): their own faults and counters. */
  streams: StreamsHandle;
  /** Replaces all faults at run time. Throws `InputError` on an invalid spec. */
  setFaults(faults: MockFaults): void;
  /**
   * Server-side time per route, from the request's arrival (headers parsed) to the response being handed to
   * the socket: the applied delay plus the mock's own handling and timer lateness. Ground truth for accuracy
   * checks: a client can never see less than this. Responses only (resets are not timed).
   */
  serverTimeMs(): Partial<Record<MockRouteName, LatencySummaryMs>>;
  /** Zeroes every counter in `stats` and the server-time histograms (the same object stays valid). */
  resetStats(): void;
  /** Stops listening and destroys open sockets (keep-alive included). Idempotent. */
  close(): Promise<void>;
}

const ROUTES: readonly MockRouteName[] = [...MOCK_ENDPOINTS, 'notFound'];
const MAX_BODY_BYTES = 64 * 1024;
const DEFAULT_DEPTH = 20;
const MAX_DEPTH = 500;
const CORRELATION_HEADER = 'x-correlation-id';
const PHASE_HEADER = 'x-loadgate-phase';
const API = '/api/v1';
const ORDERS_PATH = `${API}/orders`;

interface Reply {
  status: number;
  body: string;
  retryAfterSec?: number;
}

const json = (status: number, value: unknown): Reply => ({ status, body: JSON.stringify(value) });
const fail = (status: number, code: string, message: string): Reply => json(status, { error: { code, message } });

const NOT_FOUND = fail(404, 'notFound', 'no such endpoint');
const INJECTED: Record<Exclude<FaultOutcome, 'ok' | 'reset'>, Reply> = {
  internalError: fail(500, 'internalError', 'injected fault: internal error'),
  serviceUnavailable: fail(503, 'serviceUnavailable', 'injected fault: service unavailable'),
};

function createStats(): MockStats {
  const stats: MockStats = {
    requestsTotal: 0,
    byEndpoint: {} as Record<MockRouteName, number>,
    byStatus: {},
    byEndpointStatus: {} as Record<MockRouteName, Record<string, number>>,
    resetsInjected: 0,
    errorsInjected: 0,
    stallsHeld: 0,
    connections: 0,
    openOrders: 0,
    cleanupRequests: 0,
  };
  clearStats(stats);
  return stats;
}

function clearStats(stats: MockStats): void {
  stats.requestsTotal = 0;
  stats.resetsInjected = 0;
  stats.errorsInjected = 0;
  stats.stallsHeld = 0;
  stats.connections = 0;
  stats.cleanupRequests = 0;
  for (const key of Object.keys(stats.byStatus)) delete stats.byStatus[key];
  for (const route of ROUTES) {
    stats.byEndpoint[route] = 0;
    stats.byEndpointStatus[route] = {};
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

interface Route {
  name: MockRouteName;
  /** `cancelOrder` only. */
  orderId?: string;
}

function matchRoute(method: string, path: string): Route {
  if (method === 'GET') {
    switch (path) {
      case '/health':
        return { name: 'health' };
      case `${API}/time`:
        return { name: 'fetchTime' };
      case `${API}/markets`:
        return { name: 'fetchMarkets' };
      case `${API}/orderbook`:
        return { name: 'fetchOrderBook' };
      case `${API}/ticker`:
        return { name: 'fetchTicker' };
    }
  } else if (method === 'POST' && path === ORDERS_PATH) {
    return { name: 'createOrder' };
  } else if (method === 'DELETE' && path.startsWith(`${ORDERS_PATH}/`)) {
    const orderId = path.slice(ORDERS_PATH.length + 1);
    if (orderId !== '' && !orderId.includes('/')) return { name: 'cancelOrder', orderId };
  }
  return { name: 'notFound' };
}

/** Reads the body as UTF-8; undefined when it exceeds `MAX_BODY_BYTES` (the rest is drained, not kept). */
function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function formatHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Validates `opts` (throws `InputError` naming the bad fields), starts listening, and returns the handle. */
export async function startMockExchange(opts: MockExchangeOptions = {}, deps: MockExchangeDeps = {}): Promise<MockExchange> {
  const parsed = mockOptionsSchema.safeParse(opts);
  if (!parsed.success) {
    throw new InputError('LG_MOCK_OPTIONS_INVALID', `mock exchange options are invalid:\n${z.prettifyError(parsed.error)}`, {
      hint: 'see mockOptionsSchema in src/suite/mock-options.ts for the fields and their defaults',
      cause: parsed.error,
    });
  }
  const options = parsed.data;
  if (options.dialect !== 'loadgate') {
    // Until the server half of each dialect is written (issue 10), refuse rather than answer in the wrong protocol.
    throw new InputError('LG_MOCK_DIALECT_UNSUPPORTED', `mock exchange: dialect ${options.dialect} is not spoken by the mock yet`, { hint: 'use dialect loadgate' });
  }
  const wsOptions = parseStreamOptions(options.ws);
  // Sub-millisecond epoch clock: Date.now()'s whole milliseconds would make a fixed 20 ms delay anywhere in 19–20 ms.
  const now = deps.now ?? (() => performance.timeOrigin + performance.now());
  const startedAtMs = now();

  const secrets = new Map(options.credentials.map((c) => [c.apiKey, c.apiSecret]));
  const market = new MarketSimulator(buildMarkets(options.symbols, options.seed), options.seed, now, startedAtMs);
  const marketsBody = JSON.stringify(market.markets);
  const orders = new OrderStore(options.balance);
  const faults = new FaultInjector(options.faults, createRng(options.seed, 0), startedAtMs);
  const rl = options.rateLimit;
  const publicLimiter = rl === false ? undefined : new RateLimiter(rl.capacity, rl.refillPerSec);
  const privateLimiter = rl === false ? undefined : new RateLimiter(rl.capacity, rl.refillPerSec);
  const stats = createStats();
  const sockets = new Set<Socket>();
  /** Cancels for held responses' timers, so close() stops them. */
  const pending = new Set<() => void>();
  const serverTimes = new Map<MockRouteName, Histogram>();
  const recordServerTime = (route: MockRouteName, receivedAtMs: number): void => {
    let h = serverTimes.get(route);
    if (h === undefined) serverTimes.set(route, (h = createHistogram()));
    recordUs(h, (now() - receivedAtMs) * 1000);
  };

  const countStatus = (route: MockRouteName, key: string): void => {
    stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1;
    const m = stats.byEndpointStatus[route];
    m[key] = (m[key] ?? 0) + 1;
  };

  const rateLimited = (retryAfterSec: number): Reply => ({
    ...fail(429, 'rateLimitExceeded', `rate limit exceeded; retry in ${retryAfterSec}s`),
    retryAfterSec,
  });

  const handlePublic = (route: MockRouteName, query: string, req: http.IncomingMessage, nowMs: number): Reply => {
    if (route === 'notFound') return NOT_FOUND;
    if (publicLimiter) {
      const retryAfterSec = publicLimiter.take(req.socket.remoteAddress ?? '', nowMs);
      if (retryAfterSec > 0) return rateLimited(retryAfterSec);
    }
    switch (route) {
      case 'health':
        return json(200, { status: 'ok', serverTimeMs: Math.floor(nowMs) });
      case 'fetchTime':
        return json(200, { serverTimeMs: Math.floor(nowMs) });
      case 'fetchMarkets':
        return { status: 200, body: marketsBody };
      case 'fetchOrderBook': {
        const params = new URLSearchParams(query);
        const symbol = params.get('symbol');
        if (symbol === null || symbol === '') return fail(400, 'invalidParameter', 'symbol is required');
        if (!market.has(symbol)) return fail(400, 'invalidSymbol', `unknown symbol "${symbol}"`);
        const depthParam = params.get('depth');
        let depth = DEFAULT_DEPTH;
        if (depthParam !== null) {
          depth = /^\d{1,4}$/.test(depthParam) ? Number(depthParam) : 0;
          if (depth < 1 || depth > MAX_DEPTH) return fail(400, 'invalidParameter', `depth must be an integer from 1 to ${MAX_DEPTH}`);
        }
        return json(200, market.orderBook(symbol, depth));
      }
      case 'fetchTicker': {
        const symbol = new URLSearchParams(query).get('symbol');
        if (symbol === null || symbol === '') return fail(400, 'invalidParameter', 'symbol is required');
        const ticker = market.ticker(symbol);
        return ticker ? json(200, ticker) : fail(400, 'invalidSymbol', `unknown symbol "${symbol}"`);
      }
      default:
        return NOT_FOUND;
    }
  };

  /** Checks key, rate limit, timestamp and signature, in that order; returns the API key or the rejection. */
  const authenticate = (req: http.IncomingMessage, rawUrl: string, body: string, nowMs: number): string | Reply => {
    const apiKey = header(req, AUTH_HEADERS.apiKey);
    if (apiKey === undefined || apiKey === '') return fail(401, 'missingApiKey', `missing ${AUTH_HEADERS.apiKey} header`);
    const secret = secrets.get(apiKey);
    if (secret === undefined) return fail(401, 'invalidApiKey', 'unknown API key');
    if (privateLimiter) {
      const retryAfterSec = privateLimiter.take(apiKey, nowMs);
      if (retryAfterSec > 0) return rateLimited(retryAfterSec);
    }
    let recvWindowMs = options.recvWindowMs;
    const windowHeader = header(req, AUTH_HEADERS.recvWindow);
    if (windowHeader !== undefined) {
      const requested = Number(windowHeader);
      if (!Number.isFinite(requested) || requested <= 0) {
        return fail(400, 'invalidParameter', `${AUTH_HEADERS.recvWindow} must be a positive number of ms`);
      }
      recvWindowMs = Math.min(recvWindowMs, requested);
    }
    const tsHeader = header(req, AUTH_HEADERS.timestamp);
    const ts = tsHeader === undefined || tsHeader === '' ? Number.NaN : Number(tsHeader);
    if (!Number.isFinite(ts)) return fail(401, 'timestampOutsideRecvWindow', `missing or malformed ${AUTH_HEADERS.timestamp} header (epoch ms)`);
    if (Math.abs(nowMs - ts) > recvWindowMs) {
      return fail(401, 'timestampOutsideRecvWindow', `timestamp is ${Math.round(nowMs - ts)} ms off server time; recv window is ${recvWindowMs} ms`);
    }
    const signature = header(req, AUTH_HEADERS.signature) ?? '';
    const expected = createHmac('sha256', secret).update(signaturePayload(tsHeader ?? '', req.method ?? '', rawUrl, body)).digest();
    const given = Buffer.from(signature, 'hex');
    // Buffer.from(…, 'hex') stops at the first non-hex character, so a malformed signature comes out short.
    if (signature.length !== 64 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return fail(401, 'invalidSignature', 'signature does not match the request');
    }
    return apiKey;
  };

  const handlePrivate = (route: Route, req: http.IncomingMessage, rawUrl: string, body: string | undefined, nowMs: number): Reply => {
    if (body === undefined) return fail(413, 'payloadTooLarge', `body exceeds ${MAX_BODY_BYTES} bytes`);
    const auth = authenticate(req, rawUrl, body, nowMs);
    if (typeof auth !== 'string') return auth;
    if (route.name === 'cancelOrder') {
      const order = orders.cancel(auth, route.orderId ?? '');
      stats.openOrders = orders.size;
      if (!order) return fail(404, 'orderNotFound', `no open order ${route.orderId ?? ''}`);
      return json(200, { orderId: order.orderId, clientOrderId: order.clientOrderId, symbol: order.symbol, status: 'canceled', canceledAtMs: Math.floor(nowMs) });
    }
    const parsedOrder = parseOrderRequest(body, (s) => market.market(s));
    if (!parsedOrder.ok) return fail(400, 'invalidOrder', parsedOrder.message);
    const wanted = parsedOrder.value;
    const notional = wanted.qty * (wanted.price ?? market.midPrice(wanted.symbol) ?? 0);
    const order = orders.create(auth, wanted, notional, Math.floor(nowMs));
    stats.openOrders = orders.size;
    if (!order) {
      const quote = market.market(wanted.symbol)?.quote ?? '';
      return fail(400, 'insufficientMargin', `order needs ${notional.toFixed(2)} ${quote}; ${orders.remaining(auth).toFixed(2)} available`);
    }
    return json(201, {
      orderId: order.orderId,
      clientOrderId: order.clientOrderId,
      symbol: order.symbol,
      side: order.side,
      type: order.type,
      price: order.price,
      qty: order.qty,
      status: 'open',
      createdAtMs: order.createdAtMs,
    });
  };

  const send = (req: http.IncomingMessage, res: http.ServerResponse, route: MockRouteName, receivedAtMs: number, reply: Reply | null): void => {
    if (res.writableEnded || req.socket.destroyed) return; // the client left while the response was held
    if (reply === null) {
      stats.resetsInjected++;
      countStatus(route, 'reset');
      // resetAndDestroy sends a TCP RST (what a crashed peer or a load balancer does), not a FIN.
      req.socket.resetAndDestroy();
      return;
    }
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply.body) };
    const correlationId = req.headers[CORRELATION_HEADER];
    if (correlationId !== undefined) headers[CORRELATION_HEADER] = correlationId;
    if (reply.retryAfterSec !== undefined) headers['retry-after'] = String(reply.retryAfterSec);
    if (reply === INJECTED.internalError || reply === INJECTED.serviceUnavailable) stats.errorsInjected++;
    if (req.headers[PHASE_HEADER] !== 'cleanup') {
      countStatus(route, String(reply.status));
      recordServerTime(route, receivedAtMs);
    }
    res.writeHead(reply.status, headers);
    res.end(reply.body);
  };

  /** Calls `fn` at `atMs` (injected clock), precisely: cancelled by close(). */
  const sleepUntil = (atMs: number, fn: () => void): void => {
    // Timers have whole-millisecond granularity and fire up to ~1 ms early or late; a delay fault is ground
    // truth for accuracy tests, so sleep until ~2 ms before the release time and poll the last stretch.
    const wait = (fromMs: number): void => {
      const remainingMs = atMs - fromMs;
      if (remainingMs <= 2.5 && now() !== fromMs) {
        const poll = setImmediate(() => {
          pending.delete(cancel);
          const t = now();
          if (t < atMs) wait(t);
          else fn();
        });
        const cancel = () => clearImmediate(poll);
        pending.add(cancel);
        return;
      }
      const timer = setTimeout(() => {
        pending.delete(cancel);
        const t = now();
        // A clock that has not moved at all is a test's manual clock: release rather than spin.
        if (t < atMs && t !== fromMs) wait(t);
        else fn();
      }, Math.max(1, Math.floor(remainingMs - 2)));
      const cancel = () => clearTimeout(timer);
      pending.add(cancel);
    };
    wait(now());
  };

  /**
   * Responses held by a stall, per release time, in arrival order. A stall ends with one release that sends
   * them first-come first-served, as a server resuming from a pause works through its queue. (One timer per
   * response would release them in timer-heap order, which is not arrival order: the longest-waiting requests
   * could go out last in a burst of hundreds, and the stall's tail would be the mock's artefact, not the schedule.)
   */
  const stallQueues = new Map<number, Array<() => void>>();
  const holdForStall = (releaseAtMs: number, fn: () => void): void => {
    let queue = stallQueues.get(releaseAtMs);
    if (queue === undefined) {
      const q: Array<() => void> = [];
      stallQueues.set(releaseAtMs, (queue = q));
      sleepUntil(releaseAtMs, () => {
        stallQueues.delete(releaseAtMs);
        for (const release of q) release();
      });
    }
    queue.push(fn);
  };

  /** Sends `reply` (null = reset) no earlier than `targetMs`, and after any stall that covers that moment. */
  const respond = (req: http.IncomingMessage, res: http.ServerResponse, route: MockRouteName, receivedAtMs: number, targetMs: number, reply: Reply | null): void => {
    const nowMs = now();
    const completeAtMs = Math.max(targetMs, nowMs);
    const releaseAtMs = faults.releaseAtMs(route, completeAtMs);
    if (releaseAtMs <= nowMs) {
      send(req, res, route, receivedAtMs, reply);
      return;
    }
    const release = () => send(req, res, route, receivedAtMs, reply);
    if (releaseAtMs > completeAtMs) {
      stats.stallsHeld++;
      holdForStall(releaseAtMs, release);
    } else {
      sleepUntil(releaseAtMs, release);
    }
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const t0 = now();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const route = matchRoute(req.method ?? 'GET', path);
    if (req.headers[PHASE_HEADER] === 'cleanup') stats.cleanupRequests++;
    else {
      stats.requestsTotal++;
      stats.byEndpoint[route.name]++;
    }
    const plan = faults.plan(route.name);
    const targetMs = t0 + plan.delayMs;
    if (plan.outcome === 'reset') return respond(req, res, route.name, t0, targetMs, null);
    if (plan.outcome !== 'ok') return respond(req, res, route.name, t0, targetMs, INJECTED[plan.outcome]);
    if (route.name === 'createOrder' || route.name === 'cancelOrder') {
      readBody(req).then(
        (body) => respond(req, res, route.name, t0, targetMs, handlePrivate(route, req, rawUrl, body, t0)),
        () => undefined, // the client aborted mid-body: there is no one to answer
      );
      return;
    }
    respond(req, res, route.name, t0, targetMs, handlePublic(route.name, q === -1 ? '' : rawUrl.slice(q + 1), req, t0));
  };

  const server = http.createServer({ noDelay: true }, onRequest);
  const streams = attachStreams(server, wsOptions, { now, market, dialect: options.dialect });
  stats.ws = streams.stats;
  server.on('connection', (socket: Socket) => {
    stats.connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        new RunError('LG_MOCK_LISTEN', `mock exchange: cannot listen on ${options.host}:${options.port} (${err.code ?? err.message})`, {
          hint: err.code === 'EADDRINUSE' ? 'use port 0 to pick a free port, or stop whatever holds this one' : undefined,
          cause: err,
        }),
      );
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });

  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = formatHost(options.host);

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    wsUrl: `ws://${host}:${port}${streams.path}`,
    port,
    server,
    stats,
    options,
    market,
    now,
    startedAtMs,
    streams,
    setFaults(next: MockFaults): void {
      const r = faultsSchema.safeParse(next);
      if (!r.success) {
        throw new InputError('LG_MOCK_FAULTS_INVALID', `mock exchange faults are invalid:\n${z.prettifyError(r.error)}`, { cause: r.error });
      }
      faults.setFaults(r.data);
    },
    serverTimeMs() {
      const out: Partial<Record<MockRouteName, LatencySummaryMs>> = {};
      for (const [route, h] of serverTimes) {
        const summary = summarizeHistogram(h);
        if (summary !== undefined) out[route] = summary;
      }
      return out;
    },
    resetStats(): void {
      clearStats(stats);
      stats.openOrders = orders.size;
      serverTimes.clear();
      streams.resetStats();
    },
    close(): Promise<void> {
      closing ??= streams.close().then(() => new Promise<void>((resolve) => {
        for (const cancel of pending) cancel();
        pending.clear();
        stallQueues.clear();
        server.close(() => resolve());
        // server.close() waits for keep-alive sockets; destroying them makes close prompt.
        for (const socket of sockets) socket.destroy();
      }));
      return closing;
    },
  };
}
