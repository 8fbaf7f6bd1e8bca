/**
 * The built-in mock exchange: a real node:http server on port 0 that answers like a crypto exchange's
 * REST API (markets, moving order books, tickers, signed order entry) and injects faults on demand.
 * It speaks `options.dialect` (src/dialect): requests are routed by the dialect's description and answered by
 * that dialect's speaker (mocks/dialects/: bodies, signature checks, error codes), all of them over the same
 * markets, order store, rate limiters and faults.
 * It is the target of load tests on small boxes, so per-request work is kept small: options are
 * validated once, faults are pre-merged per endpoint, routes are compiled and markets JSON is pre-rendered,
 * and the only crypto is one HMAC on private endpoints.
 *
 * The WebSocket part (path /ws) lives in mocks/streams.ts: it attaches to `server` and reads
 * `options.ws`, `market` and `now` from the handle.
 */
import { performance } from 'node:perf_hooks';
import http from 'node:http';
import type { Socket } from 'node:net';
import { z } from 'zod';
import { getDialect, type DialectName } from '../src/dialect/index.js';
import { InputError, RunError } from '../src/errors.js';
import { createHistogram, recordUs, summarizeHistogram, type Histogram, type LatencySummaryMs } from '../src/result/histogram.js';
import { compileRoutes, MAX_BODY_BYTES, MOCK_SPEAKERS, type MockRequest, type MockServerContext, type Reply } from './dialects/index.js';
import { FaultInjector, MOCK_ENDPOINTS, faultsSchema, type MockFaults, type MockRouteName } from './faults.js';
import { MarketSimulator, buildMarkets } from './orderbook.js';
import { OrderStore } from './orders.js';
import { mockOptionsSchema, resolveFaultSeed, type MockExchangeConfig, type MockExchangeOptions, type MockStats } from '../src/suite/mock-options.js';
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
  /** The exchange API it speaks (src/dialect/registry.ts). */
  dialect: DialectName;
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
const CORRELATION_HEADER = 'x-correlation-id';
const PHASE_HEADER = 'x-loadgate-phase';

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
    signaturesVerified: 0,
    authRefusals: 0,
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
  stats.signaturesVerified = 0;
  stats.authRefusals = 0;
  for (const key of Object.keys(stats.byStatus)) delete stats.byStatus[key];
  for (const route of ROUTES) {
    stats.byEndpoint[route] = 0;
    stats.byEndpointStatus[route] = {};
  }
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
  const dialect = getDialect(options.dialect);
  if (dialect.signing.needsPassphrase) {
    const without = options.credentials.findIndex((c) => c.passphrase === undefined);
    if (without !== -1) {
      throw new InputError('LG_MOCK_OPTIONS_INVALID', `mock exchange options are invalid:\ncredentials[${without}].passphrase: ${options.dialect} signs with a passphrase; give each key pair one`);
    }
  }
  const wsOptions = parseStreamOptions(options.ws);
  // Sub-millisecond epoch clock: Date.now()'s whole milliseconds would make a fixed 20 ms delay anywhere in 19–20 ms.
  const now = deps.now ?? (() => performance.timeOrigin + performance.now());
  const startedAtMs = now();

  const market = new MarketSimulator(buildMarkets(options.symbols, options.seed), options.seed, now, startedAtMs);
  const orders = new OrderStore(options.balance);
  const faults = new FaultInjector(options.faults, createRng(resolveFaultSeed(options.faultSeed) ?? options.seed, 0), startedAtMs);
  const rl = options.rateLimit;
  const publicLimiter = rl === false ? undefined : new RateLimiter(rl.capacity, rl.refillPerSec);
  const privateLimiter = rl === false ? undefined : new RateLimiter(rl.capacity, rl.refillPerSec);
  const stats = createStats();
  const ctx: MockServerContext = {
    dialect,
    options,
    startedAtMs,
    market,
    orders,
    publicLimiter,
    privateLimiter,
    // An explicit recvWindowMs wins; otherwise the dialect's own window (OKX 30 s, the others 5 s).
    recvWindowMs: options.recvWindowMs ?? dialect.signing.defaultRecvWindowMs,
    credentials: new Map(options.credentials.map((c) => [c.apiKey, c.passphrase === undefined ? { apiSecret: c.apiSecret } : { apiSecret: c.apiSecret, passphrase: c.passphrase }])),
    countAuth(verified) {
      if (verified) stats.signaturesVerified++;
      else stats.authRefusals++;
    },
    ordersChanged() {
      stats.openOrders = orders.size;
    },
  };
  const speaker = MOCK_SPEAKERS[options.dialect](ctx);
  const routes = compileRoutes(dialect, speaker.extraRoutes);
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
    if (reply === speaker.injected.internalError || reply === speaker.injected.serviceUnavailable) stats.errorsInjected++;
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
    const route = routes.match(req.method ?? 'GET', path);
    const name: MockRouteName = route === undefined ? 'notFound' : route.op;
    if (req.headers[PHASE_HEADER] === 'cleanup') stats.cleanupRequests++;
    else {
      stats.requestsTotal++;
      stats.byEndpoint[name]++;
    }
    const plan = faults.plan(name);
    const targetMs = t0 + plan.delayMs;
    if (plan.outcome === 'reset') return respond(req, res, name, t0, targetMs, null);
    if (plan.outcome !== 'ok') return respond(req, res, name, t0, targetMs, speaker.injected[plan.outcome]);
    if (route === undefined) return respond(req, res, name, t0, targetMs, speaker.notFound);
    const r: MockRequest = { op: route.op, pathParams: route.pathParams, req, rawUrl, query: q === -1 ? '' : rawUrl.slice(q + 1) };
    if (route.tag !== undefined) r.tag = route.tag;
    if (dialect.rest[route.op].signed) {
      readBody(req).then(
        (body) => respond(req, res, name, t0, targetMs, speaker.privateReply(r, body, t0)),
        () => undefined, // the client aborted mid-body: there is no one to answer
      );
      return;
    }
    respond(req, res, name, t0, targetMs, speaker.publicReply(r, t0));
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
    dialect: options.dialect,
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
