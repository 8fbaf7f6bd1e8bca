/**
 * The closed-model engine on loadgate's own HTTP client (`engine: closed`): `connections` virtual users, each
 * with one keep-alive connection, each sending its next request as soon as its last one is answered (maximum
 * throughput), through the open engine's node:net client (./open/net-transport.ts). It records what the
 * autocannon engine records (µs HDR latency per endpoint and second, statuses, error classes from the body's
 * error code, correlation IDs) at less cost a request: autocannon's client and the hooks that correct it (its
 * reconnect timing, its per-request objects) are not in the path (issue 17: against nginx, the autocannon engine
 * kept 0.80–0.93× bare autocannon's rate).
 *
 * Latency is timed from the write of the request to its answer (a closed loop has no intended send time).
 * A lost connection fails only the request on it (a network error; the next request opens a new one, after a
 * back-off of 10 ms doubling to 200 ms while connections keep failing). One request per connection at a time:
 * `pipelining` above 1 needs `engine: autocannon`. `target.maxRatePerSec` paces the users to at most that many
 * requests a second, evenly spaced.
 */
import { EndpointRecorder } from '../result/recorder.js';
import { createHistogram, recordUs } from '../result/histogram.js';
import { InputError } from '../errors.js';
import type { Engine, EngineContext, EngineOutput, PrepareContext } from './types.js';
import { cancelRestingOrders, classifyTransportError, closedOrderPool, describeCleanup, prepareWorkload, RequestFactory, type PlannedRequest } from './exchange-requests.js';
import { createTransport, type Transport } from './open/transport.js';
import { releaseOnAbort, warmUp } from './open/runner.js';

export const CLOSED_ENGINE_VERSION = '1.0.0';
const MAX_BACKOFF_MS = 200;

/** Warm-up before the clock: every user's connection opened, and two rounds of health requests over them (the dry-run prints it). */
export function closedWarmUpPlan(connections: number): { connections: number; rounds: number } {
  return { connections, rounds: 2 };
}

interface Prepared {
  factory: RequestFactory;
  transport: Transport;
  notes: string[];
  started: boolean;
}

function closedLoadOf(ctx: PrepareContext) {
  const w = ctx.workload;
  if (w.load.model !== 'closed') throw new Error(`closed engine runs closed workloads; "${w.name}" is ${w.load.model}`);
  if (w.load.pipelining > 1) {
    throw new InputError('LG_ENGINE_PIPELINING', `workload "${w.name}": load.pipelining ${w.load.pipelining} — the closed engine sends one request per connection at a time`, {
      hint: 'set engine: autocannon for pipelined load, or pipelining: 1',
    });
  }
  return w.load;
}

export const closedEngine: Engine = {
  name: 'closed',
  async prepare(ctx: PrepareContext): Promise<Prepared> {
    const load = closedLoadOf(ctx);
    const w = ctx.workload;
    const factory = new RequestFactory({ workload: w, credentials: ctx.target.credentials, seed: ctx.seed, dialect: ctx.target.dialect, custom: ctx.target.endpoints });
    const notes = await prepareWorkload(ctx.target.baseUrl, factory, { orderPool: closedOrderPool(load.connections), timeoutMs: ctx.target.timeoutMs, signal: ctx.signal });
    const transport = createTransport('net', { baseUrl: ctx.target.baseUrl, maxConnections: load.connections, timeoutMs: ctx.target.timeoutMs });
    // Before the clock: every user's connection opened and the client's hot path run, so the first second looks like the rest.
    await warmUp(transport, factory.request('health'), closedWarmUpPlan(load.connections), ctx.target.timeoutMs, ctx.signal);
    const prepared: Prepared = { factory, transport, notes, started: false };
    // A stop, or another workload's failed set-up, before the run: the warmed connections are closed.
    releaseOnAbort(ctx.signal, () => !prepared.started, () => transport.close());
    return prepared;
  },
  async run(ctx: EngineContext, prepared?: unknown): Promise<EngineOutput> {
    const load = closedLoadOf(ctx);
    const w = ctx.workload;
    const state = ((prepared as Prepared | undefined) ?? (await closedEngine.prepare!(ctx))) as Prepared;
    state.started = true;
    const { factory, transport, notes } = state;
    const { now, originMs } = ctx;
    const recorders = new Map<string, EndpointRecorder>();
    for (const e of factory.endpoints) recorders.set(e, new EndpointRecorder(e, 'http', w.name));
    const recorderOf = (ep: string): EndpointRecorder => {
      let r = recorders.get(ep);
      if (!r) recorders.set(ep, (r = new EndpointRecorder(ep, 'http', w.name)));
      return r;
    };
    // Dialects that answer errors with HTTP 200 (OKX, Bybit) need every body read to classify it; loadgate only error bodies.
    const wantBodies = factory.needsSuccessBodies;
    const startedAt = now();
    const endAt = startedAt + load.durationSec * 1000;
    let requests = 0;
    let errors = 0;
    // Only for the live progress line (p99 so far): the recorders keep the real, per-endpoint histograms.
    const liveLatency = createHistogram();
    let stopping = false;
    let inFlight = 0;
    // createOrders a stop cut off before their answer: their orders may rest. (The planned end waits for answers.)
    const unknown: string[] = [];
    // target.maxRatePerSec's share (src/rate-cap.ts): sends evenly spaced, 1000/cap ms apart over all users.
    const gapMs = ctx.rateCapPerSec !== undefined && ctx.rateCapPerSec > 0 ? 1000 / ctx.rateCapPerSec : 0;
    let nextSlotMs = startedAt;
    let backoffMs = 0;
    let allDone!: () => void;
    const drained = new Promise<void>((r) => (allDone = r));

    const user = (): void => {
      if (gapMs > 0) {
        const t = now();
        const at = Math.max(t, nextSlotMs);
        nextSlotMs = at + gapMs;
        if (at - t >= 1) {
          setTimeout(send, at - t);
          return;
        }
      }
      send();
    };
    // The one place a user stops: a clock read per request, that also stamps its send.
    const send = (): void => {
      const sentAt = now();
      if (stopping || sentAt >= endAt) {
        if (inFlight === 0) allDone();
        return;
      }
      const p: PlannedRequest = factory.next();
      inFlight++;
      transport.send({ method: p.method, path: p.path, headers: p.headers, body: p.body, wantBody: wantBodies || p.endpoint === 'createOrder' }, (o) => {
        inFlight--;
        if ('error' in o) {
          const { errorClass, errorCode } = classifyTransportError(o.error);
          factory.noteResponse(p, 0, undefined);
          if (stopping && errorCode === 'ECONNABORTED') {
            // Cut off by a stop, not failed by the target: not counted; an order it placed may rest.
            if (p.endpoint === 'createOrder') unknown.push(p.correlationId);
            return user();
          }
          const t = now();
          requests++;
          errors++;
          recorderOf(p.endpoint).recordError(
            errorClass === 'timeout'
              ? { atMs: t - originMs, errorClass, errorCode, correlationId: p.correlationId, latencyUs: (t - sentAt) * 1000 }
              : { atMs: t - originMs, errorClass, errorCode, correlationId: p.correlationId },
          );
          if (errorClass === 'network') {
            // A target that refuses connections must not spin the generator: users wait before their next try
            // (one back-off for all, as they all meet the same target).
            backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs === 0 ? 10 : backoffMs * 2);
            setTimeout(user, backoffMs).unref();
            return;
          }
        } else {
          const t = now();
          const latencyUs = (t - sentAt) * 1000;
          requests++;
          backoffMs = 0;
          // The target's dialect classifies (loadgate: exactly today's classifyResponse, test/unit/dialect-errors.test.ts).
          const failure = factory.classify(o.status, o.body);
          if (failure !== undefined) errors++;
          recordUs(liveLatency, latencyUs);
          recorderOf(p.endpoint).recordResponse({ atMs: t - originMs, latencyUs, status: o.status, correlationId: p.correlationId, errorClass: failure?.errorClass, errorCode: failure?.errorCode });
          factory.noteResponse(p, o.status, o.body);
        }
        user();
      });
    };

    const progress = () =>
      ctx.progress({
        workload: w.name,
        elapsedSec: (now() - startedAt) / 1000,
        totalSec: load.durationSec,
        requests,
        errors,
        ...(liveLatency.totalCount > 0 ? { p99Ms: liveLatency.getValueAtPercentile(99) / 1000 } : {}),
      });
    const tick = setInterval(progress, 1000);
    tick.unref();
    // The planned end: users stop sending and the answers in flight drain for up to timeoutMs (the transport's
    // own timeout fails any that never come).
    const stop = () => {
      stopping = true;
      if (inFlight === 0) allDone();
    };
    const end = setTimeout(stop, load.durationSec * 1000);
    const onAbort = () => {
      stop();
      // A stop does not wait for answers: what is in flight is cut off.
      void transport.close();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    // Stopped between set-up and the clock: nothing is sent.
    if (ctx.signal.aborted) onAbort();
    for (let i = 0; i < load.connections; i++) user();
    try {
      await drained;
    } finally {
      clearInterval(tick);
      clearTimeout(end);
      ctx.signal.removeEventListener('abort', onAbort);
      await transport.close();
    }
    progress();
    // Orders the run created and left resting are cancelled, also on abort (then within a shorter bound).
    const cleanup = await cancelRestingOrders(ctx.target.baseUrl, factory, { timeoutMs: Math.min(ctx.target.timeoutMs, 5_000), budgetMs: ctx.signal.aborted ? 3_000 : 10_000 });
    notes.push(...describeCleanup(w.name, cleanup));
    if (unknown.length > 0) {
      notes.push(`${w.name}: ${unknown.length} createOrder requests were unanswered when the run stopped; their orders may rest (clientOrderIds: ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ', …' : ''})`);
    }
    const endpoints = Object.fromEntries([...recorders].map(([name, r]) => [name, r.toResult()]));
    const out: EngineOutput = { engine: { name: 'closed', version: `${CLOSED_ENGINE_VERSION} (net)` }, endpoints, notes };
    if (ctx.signal.aborted) out.incomplete = { reason: 'stopped by the user before the planned duration' };
    return out;
  },
};
