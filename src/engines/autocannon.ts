/**
 * The closed-model engine: N keep-alive connections, each sending its next request as soon as the last one
 * completes (maximum throughput). Drives autocannon's programmatic API, but records every response itself:
 * latency in µs into HDR histograms per endpoint (autocannon's own result has no p95 and whole-ms
 * resolution), status codes, error classes from the body's error code, and correlation IDs.
 *
 * Two autocannon behaviours we correct for (autocannon 8, lib/httpClient.js):
 * - after a connection error or a server close, autocannon reconnects but keeps the lost request in its
 *   pipelined-request queue, so the next response's latency is measured from the *lost* request's start.
 *   We clear that queue on reconnect and count the lost requests as network errors (or timeouts).
 * - a refused connection is retried in a tight loop; we back off (10 ms doubling to 200 ms) so a dead target
 *   does not starve the generator, and count one network error per attempt.
 */
import { createRequire } from 'node:module';
import autocannon from 'autocannon';
import { EndpointRecorder } from '../result/recorder.js';
import { InputError } from '../errors.js';
import { MAX_TIMER_MS } from './timers.js';
import type { Engine, EngineContext, EngineOutput, PrepareContext } from './types.js';
import { cancelRestingOrders, closedOrderPool, describeCleanup, prepareWorkload, RequestFactory, type PlannedRequest } from './exchange-requests.js';

const require = createRequire(import.meta.url);
const AUTOCANNON_VERSION: string = (require('autocannon/package.json') as { version: string }).version;

/** The parts of autocannon's (untyped) Client we hook into. */
interface AcClient {
  on(event: 'response', fn: (status: number, bytes: number, durationMs: number) => void): void;
  on(event: 'connError', fn: (err: Error) => void): void;
  requestIterator: {
    setRequests(reqs: unknown[]): void;
    nextRequest(): unknown;
    recordBody(req: unknown, status: number, body: string, headers: unknown): void;
    currentRequest: unknown;
    resetted: boolean;
  };
  pipelinedRequests: { clear(): void };
  _connect: () => void;
  getRequestBuffer: () => Buffer;
  destroyed: boolean;
}

interface Prepared {
  factory: RequestFactory;
  notes: string[];
}

export const autocannonEngine: Engine = {
  name: 'autocannon',
  async prepare(ctx: PrepareContext): Promise<Prepared> {
    const w = ctx.workload;
    if (w.load.model !== 'closed') throw new Error(`autocannon engine runs closed workloads; "${w.name}" is ${w.load.model}`);
    // autocannon ends a run with one setTimeout(durationSec * 1000): past Node's timer limit it would end at once.
    if (w.load.durationSec * 1000 > MAX_TIMER_MS) {
      throw new InputError('LG_DURATION_TOO_LONG', `workload "${w.name}": load.durationSec ${w.load.durationSec} is longer than autocannon can time (${Math.floor(MAX_TIMER_MS / 1000)} s, about 24.8 days)`, {
        hint: 'split the soak into shorter runs, or use the open model (model: open)',
      });
    }
    const factory = new RequestFactory({ workload: w, credentials: ctx.target.credentials, seed: ctx.seed, dialect: ctx.target.dialect, custom: ctx.target.endpoints });
    const notes = await prepareWorkload(ctx.target.baseUrl, factory, { orderPool: closedOrderPool(w.load.connections), timeoutMs: ctx.target.timeoutMs, signal: ctx.signal });
    return { factory, notes };
  },
  async run(ctx: EngineContext, prepared?: unknown): Promise<EngineOutput> {
    const w = ctx.workload;
    if (w.load.model !== 'closed') throw new Error(`autocannon engine runs closed workloads; "${w.name}" is ${w.load.model}`);
    const load = w.load;
    const { factory, notes } = ((prepared as Prepared | undefined) ?? (await autocannonEngine.prepare!(ctx))) as Prepared;

    const recorders = new Map<string, EndpointRecorder>();
    for (const e of factory.endpoints) recorders.set(e, new EndpointRecorder(e, 'http', w.name));
    const rec = (e: string) => recorders.get(e)!;
    let requests = 0;
    let errors = 0;
    const timeoutUs = ctx.target.timeoutMs * 1000;
    const host = new URL(ctx.target.baseUrl).host;

    // Every connection's unanswered requests, for the clean-up's count of orders of unknown fate.
    const allInFlight: Array<Array<{ p: PlannedRequest; sentAt: number }>> = [];
    const setupClient = (client: AcClient) => {
      // Requests written on this connection and not yet answered, oldest first (pipelining keeps order).
      const inFlight: Array<{ p: PlannedRequest; sentAt: number }> = [];
      allInFlight.push(inFlight);
      let last: { p: PlannedRequest; status: number; body: string } | undefined;
      let lastConnError: Error | undefined;
      let connectedOnce = false;
      let backoffMs = 0;

      // One static request definition (so autocannon never rebuilds it) and our own request bytes per write:
      // autocannon calls getRequestBuffer() once per request it sends.
      client.requestIterator.setRequests([{ method: 'GET', path: '/' }]);
      // The hot path without autocannon's per-request work we do not use: it deep-clones the (empty) context each
      // time its one-request list wraps, and turns the raw headers into an object for every response (issue 17).
      const it = client.requestIterator;
      it.nextRequest = () => {
        it.resetted = false;
        return it.currentRequest;
      };
      it.recordBody = (_req, status, body) => {
        const f = inFlight.shift();
        if (f !== undefined) last = { p: f.p, status, body };
      };
      client.getRequestBuffer = () => {
        const p = factory.next();
        inFlight.push({ p, sentAt: ctx.now() });
        return serializeRequest(p, host);
      };
      client.on('response', (status, _bytes, durationMs) => {
        const l = last;
        last = undefined;
        backoffMs = 0;
        if (l === undefined) return;
        // The target's dialect classifies (loadgate: exactly today's classifyResponse, test/unit/dialect-errors.test.ts).
        const failure = factory.classify(status, l.body);
        factory.noteResponse(l.p, status, l.body);
        requests++;
        if (failure !== undefined) errors++;
        rec(l.p.endpoint).recordResponse({
          atMs: ctx.now() - ctx.originMs,
          latencyUs: durationMs * 1000,
          status,
          correlationId: l.p.correlationId,
          errorClass: failure?.errorClass,
          errorCode: failure?.errorCode,
        });
      });
      client.on('connError', (err) => {
        lastConnError = err;
      });
      const connect = client._connect.bind(client);
      client._connect = () => {
        if (connectedOnce) {
          // Everything in flight on the old connection is lost; autocannon would otherwise time the next
          // response from a lost request's start.
          client.pipelinedRequests.clear();
          const now = ctx.now();
          const code = (lastConnError as NodeJS.ErrnoException | undefined)?.code ?? 'ECONNCLOSED';
          for (const f of inFlight.splice(0)) {
            factory.noteResponse(f.p, 0, undefined);
            const timedOut = (now - f.sentAt) * 1000 >= timeoutUs * 0.99;
            requests++;
            errors++;
            rec(f.p.endpoint).recordError(
              timedOut
                ? { atMs: now - ctx.originMs, errorClass: 'timeout', errorCode: 'ETIMEDOUT', correlationId: f.p.correlationId, latencyUs: (now - f.sentAt) * 1000 }
                : { atMs: now - ctx.originMs, errorClass: 'network', errorCode: code, correlationId: f.p.correlationId },
            );
          }
          if (lastConnError !== undefined) backoffMs = Math.min(200, backoffMs === 0 ? 10 : backoffMs * 2);
          lastConnError = undefined;
        }
        connectedOnce = true;
        if (backoffMs > 0) {
          setTimeout(() => {
            if (!client.destroyed) connect();
          }, backoffMs).unref();
        } else connect();
      };
    };

    let finish!: (err: Error | null) => void;
    const finished = new Promise<void>((resolve, reject) => {
      finish = (err) => (err ? reject(err) : resolve());
    });
    const instance = autocannon(
      {
      url: ctx.target.baseUrl,
      connections: load.connections,
      pipelining: load.pipelining,
      duration: load.durationSec,
      timeout: Math.max(1, Math.ceil(ctx.target.timeoutMs / 1000)),
      // target.maxRatePerSec's share (src/rate-cap.ts): a budget of requests per second, split over the connections.
      ...(ctx.rateCapPerSec !== undefined ? { overallRate: ctx.rateCapPerSec } : {}),
      requests: [{ method: 'GET', path: '/health' }],
        setupClient: setupClient as unknown as autocannon.Options['setupClient'],
      },
      (err) => finish(err ?? null),
    );

    const startedAt = ctx.now();
    const tick = setInterval(() => {
      ctx.progress({ workload: w.name, elapsedSec: (ctx.now() - startedAt) / 1000, totalSec: load.durationSec, requests, errors });
    }, 1000);
    tick.unref();
    const onAbort = () => instance.stop();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await finished;
    } finally {
      clearInterval(tick);
      ctx.signal.removeEventListener('abort', onAbort);
    }
    ctx.progress({ workload: w.name, elapsedSec: (ctx.now() - startedAt) / 1000, totalSec: load.durationSec, requests, errors });
    // Orders the run created and left resting are cancelled, also on abort (then within a shorter bound).
    const cleanup = await cancelRestingOrders(ctx.target.baseUrl, factory, { timeoutMs: Math.min(ctx.target.timeoutMs, 5_000), budgetMs: ctx.signal.aborted ? 3_000 : 10_000 });
    notes.push(...describeCleanup(w.name, cleanup));
    // autocannon closes its connections at the end without waiting for answers: an order sent then may rest.
    const unknown = allInFlight.flatMap((q) => q.filter((f) => f.p.endpoint === 'createOrder').map((f) => f.p.correlationId));
    if (unknown.length > 0) {
      notes.push(`${w.name}: ${unknown.length} createOrder requests were unanswered when autocannon closed its connections; their orders may rest (clientOrderIds: ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ', …' : ''})`);
    }

    const endpoints = Object.fromEntries([...recorders].map(([name, r]) => [name, r.toResult()]));
    const out: EngineOutput = { engine: { name: 'autocannon', version: AUTOCANNON_VERSION }, endpoints, notes };
    if (ctx.signal.aborted) out.incomplete = { reason: 'stopped by the user before the planned duration' };
    return out;
  },
};

/** HTTP/1.1 request bytes for a planned request (what autocannon's request builder makes, without its per-request object copies). */
export function serializeRequest(p: PlannedRequest, host: string): Buffer {
  let head = `${p.method} ${p.path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n`;
  for (const k in p.headers) head += `${k}: ${p.headers[k]}\r\n`;
  if (p.body === undefined) return Buffer.from(`${head}\r\n`, 'latin1');
  const body = Buffer.from(p.body, 'utf8');
  return Buffer.concat([Buffer.from(`${head}content-length: ${body.length}\r\n\r\n`, 'latin1'), body]);
}
