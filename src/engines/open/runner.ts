/**
 * The open-model load loop of one thread (issue #6): sends each arrival at its intended time and measures
 * latency from that time, as wrk2 does, so a stalled target shows up in the percentiles instead of
 * quietly slowing the generator down (coordinated omission).
 *
 * Timing: a timer loop against `now()` (performance.now). Each tick sends every arrival that is due; when
 * the loop is behind it catches up in batches, and every request is still measured from its own intended
 * time. Timers have ~1 ms granularity, so a healthy run slips by about a millisecond.
 *
 * Arrival accounting, per endpoint (`EndpointResult.arrivals`):
 * - an arrival that finds all `maxConnections` busy waits in a FIFO queue;
 * - `late`: sent more than `lateToleranceMs` after its intended time (still sent; latency from intended);
 * - `dropped`: never sent, because the run ended first (it waited for a connection, or on abort the loop had
 *   not reached it yet), it waited longer than the request timeout
 *   (`target.timeoutMs`: it would have timed out anyway), or the queue was full. The queue holds at most
 *   `peak rate × timeoutSec + maxConnections` arrivals, clamped to [1 000, 200 000] (memory bound).
 * Late arrivals are attributed to the pool (they waited for a connection) or to the generator (its loop
 * reached them late); only the latter make the generator "saturated".
 *
 * The loop itself (queue, late / dropped accounting, stop, drain) is src/engines/open/arrival-loop.ts, shared with
 * the sdk engine; this file plans, signs and sends HTTP requests through it and records their responses.
 */
import type { EndpointResult } from '../../result/model.js';
import { EndpointRecorder } from '../../result/recorder.js';
import { createHistogram, recordUs } from '../../result/histogram.js';
import type { Workload } from '../../suite/schema.js';
import type { DialectName } from '../../dialect/registry.js';
import type { CustomOperationSpec } from '../../dialect/custom.js';
import { cancelRestingOrders, classifyTransportError, prepareWorkload, RequestFactory, SETUP_ORDER_POOL, type OrderCleanup, type PlannedRequest, type SendableRequest } from '../exchange-requests.js';
import type { ThreadHealthProbe } from '../generator-health.js';
import type { Credentials } from '../types.js';
import { ArrivalSchedule, buildRateProfile, peakRatePerSec } from './schedule.js';
import { createTransport, type Transport, type TransportName } from './transport.js';
import { queueBound, runArrivalLoop, type ArrivalCounts } from './arrival-loop.js';

export type OpenLoad = Extract<Workload['load'], { model: 'open' }>;

export interface RunnerOptions {
  workload: Workload;
  baseUrl: string;
  credentials: Credentials | undefined;
  /** The target's dialect. Default loadgate. */
  dialect?: DialectName;
  /** The target's custom endpoints (`target.endpoints`). */
  custom?: Readonly<Record<string, CustomOperationSpec>> | undefined;
  timeoutMs: number;
  seed: number;
  workerIndex?: number;
  workerCount?: number;
  /** The run's origin in the `now()` timebase; series buckets are seconds since it. */
  originMs: number;
  now: () => number;
  signal?: AbortSignal | undefined;
  transport: TransportName;
  probe: ThreadHealthProbe;
  /** Called about once a second; `p99Ms` is the corrected latency p99 so far (all endpoints). */
  onProgress?: (p: { elapsedSec: number; requests: number; errors: number; p99Ms?: number }) => void;
  /** Resting orders created in setup for cancelOrder. Default 200. */
  orderPool?: number;
}

export type { ArrivalCounts };
export { queueBound };

export interface RunnerResult {
  endpoints: Record<string, EndpointResult>;
  counts: ArrivalCounts;
  aborted: boolean;
  /** What the end-of-run clean-up did with the orders this thread created and left resting. */
  cleanup: OrderCleanup;
}

/**
 * Worker `workerIndex`'s share of the connection pool: the shares add up to `maxConnections` (the remainder goes
 * to the first workers), and every worker gets at least one, so the total only exceeds `maxConnections` when
 * there are more workers than connections.
 */
export function connectionShare(maxConnections: number, workerIndex: number, workerCount: number): number {
  const base = Math.floor(maxConnections / workerCount);
  return Math.max(1, base + (workerIndex < maxConnections % workerCount ? 1 : 0));
}

export function openLoadOf(w: Workload): OpenLoad {
  if (w.load.model !== 'open') throw new Error(`workload "${w.name}" is not an open-model workload`);
  return w.load;
}

/**
 * Setup (reference prices, order pool) and warm-up, then a `run(startAtMs)` that all workers can start together,
 * and a `close` that releases the warmed connections of a runner that will never run.
 */
export async function prepareRunner(opts: RunnerOptions): Promise<{ notes: string[]; run: (startAtMs: number) => Promise<RunnerResult>; close: () => Promise<void> }> {
  const workerIndex = opts.workerIndex ?? 0;
  const workerCount = opts.workerCount ?? 1;
  const factory = new RequestFactory({
    workload: opts.workload,
    credentials: opts.credentials,
    seed: (opts.seed + workerIndex * 7919) >>> 0,
    ...(opts.dialect !== undefined ? { dialect: opts.dialect } : {}),
    custom: opts.custom,
  });
  const setupNotes = await prepareWorkload(opts.baseUrl, factory, { orderPool: opts.orderPool ?? SETUP_ORDER_POOL.openPerWorker, timeoutMs: opts.timeoutMs, signal: opts.signal });
  const load = openLoadOf(opts.workload);
  // Split the pool over workers (the shares add up to load.maxConnections); each gets at least one connection.
  const maxConnections = connectionShare(load.maxConnections, workerIndex, workerCount);
  const transport: Transport = createTransport(opts.transport, { baseUrl: opts.baseUrl, maxConnections, timeoutMs: opts.timeoutMs });
  // Before the clock starts: open the connections the rate needs and run the client's hot path once (undici
  // compiles its HTTP parser on the first connection), so the first measured second looks like the rest (issue 17).
  await warmUp(transport, factory.request('health'), workerWarmUp(load, workerIndex, workerCount), opts.timeoutMs, opts.signal);
  return { notes: setupNotes, run: (startAtMs) => runLoop(opts, factory, transport, maxConnections, startAtMs, workerIndex, workerCount), close: () => transport.close() };
}

/** Once `signal` aborts while `waiting()` (the run has not started), `release` what set-up opened. */
export function releaseOnAbort(signal: AbortSignal, waiting: () => boolean, release: () => Promise<void>): void {
  const onAbort = (): void => {
    if (waiting()) void release();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
}

/**
 * Warm-up before the clock: as many connections as 40 ms of arrivals at the peak rate need (at least 2), and 4 rounds
 * over them (one per 700 req/s at higher rates, up to 16), but never more requests in all than half a second of the
 * workload's own peak rate (under a `maxRatePerSec` cap, of the capped rate). Measured with bench/generator.ts against
 * nginx: with 10 ms of arrivals' worth of connections the pool still grew during the first measured second, and
 * every new connection stalled the loop (2 workers at 15k req/s: first-second p99 85–173 ms; with 40 ms: 5–9 ms);
 * with 12 rounds at 1000 req/s the first second's p99 was 2.2–2.6× the steady p99, with 4 rounds 1.4–1.9×.
 */
export function warmUpPlan(peakRatePerSec: number, maxConnections: number): { connections: number; rounds: number } {
  const connections = Math.min(maxConnections, Math.max(2, Math.ceil(peakRatePerSec / 25)));
  const rounds = Math.max(1, Math.min(16, Math.max(4, Math.ceil(peakRatePerSec / 700)), Math.floor((peakRatePerSec * 0.5) / connections)));
  return { connections, rounds };
}

/** Worker `workerIndex`'s warm-up: its share of the peak rate over its share of the pool (the runner and the dry-run). */
export function workerWarmUp(load: OpenLoad, workerIndex: number, workerCount: number): { connections: number; rounds: number } {
  return warmUpPlan(peakRatePerSec(buildRateProfile(load)) / workerCount, connectionShare(load.maxConnections, workerIndex, workerCount));
}

/**
 * Sends `rounds` × `connections` copies of an unsigned probe request (the dialect's health request), `connections`
 * at a time, and ignores the answers: warm-up is not measured, and a target that refuses it fails the run's own
 * requests just as clearly. Bounded by the timeout per round and by a stop.
 */
export async function warmUp(transport: Transport, req: SendableRequest, plan: { connections: number; rounds: number }, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  for (let r = 0; r < plan.rounds && !signal?.aborted; r++) {
    const round: Array<Promise<boolean>> = [];
    for (let i = 0; i < plan.connections; i++) {
      round.push(new Promise((resolve) => transport.send({ method: req.method, path: req.path, headers: req.headers, body: req.body, wantBody: false }, (o) => resolve(!('error' in o)))));
    }
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<boolean[]>((resolve) => (timer = setTimeout(() => resolve([]), timeoutMs)));
    const answered = await Promise.race([Promise.all(round), t]);
    clearTimeout(timer);
    // A target that does not answer the warm-up is not waited for again: the run will say what is wrong.
    if (!answered.some(Boolean)) return;
  }
}

async function runLoop(
  opts: RunnerOptions,
  factory: RequestFactory,
  transport: Transport,
  maxConnections: number,
  startAtMs: number,
  workerIndex: number,
  workerCount: number,
): Promise<RunnerResult> {
  const load = openLoadOf(opts.workload);
  const { now, originMs } = opts;
  const profile = buildRateProfile(load);
  // Dialects that answer errors with HTTP 200 (OKX, Bybit) need every body read to classify it; loadgate only error bodies.
  const wantBodies = factory.needsSuccessBodies;

  const recorders = new Map<string, EndpointRecorder>();
  for (const ep of factory.endpoints) recorders.set(ep, new EndpointRecorder(ep, 'http', opts.workload.name));
  let requests = 0;
  let errors = 0;
  // Only for the live progress line (p99 so far): the recorders keep the real, per-endpoint histograms.
  const liveLatency = createHistogram();
  const recorderOf = (ep: string): EndpointRecorder => {
    let r = recorders.get(ep);
    if (!r) recorders.set(ep, (r = new EndpointRecorder(ep, 'http', opts.workload.name)));
    return r;
  };

  const progressTimer = setInterval(() => {
    const p99Ms = liveLatency.totalCount > 0 ? liveLatency.getValueAtPercentile(99) / 1000 : undefined;
    opts.onProgress?.({ elapsedSec: Math.max(0, (now() - startAtMs) / 1000), requests, errors, ...(p99Ms !== undefined ? { p99Ms } : {}) });
  }, 1000);
  progressTimer.unref();

  const loop = await runArrivalLoop<PlannedRequest>({
    profile,
    schedule: new ArrivalSchedule(profile, load.arrival, opts.seed, workerIndex, workerCount),
    startAtMs,
    now,
    probe: opts.probe,
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
    lateToleranceMs: load.lateToleranceMs,
    maxInFlight: maxConnections,
    maxQueued: queueBound(profile, load.maxConnections, opts.timeoutMs) / workerCount,
    keys: factory.endpoints,
    // Each worker estimates its share of the whole profile's arrivals, spread over the endpoints as the mix did.
    estimateDivisor: workerCount,
    estimateKey: undefined,
    // Planned now, signed when sent (start → signedNow).
    plan: () => factory.next(false),
    keyOf: (r) => r.endpoint,
    skip: () => factory.skip(),
    start: (f, release) => {
      const r = f.item;
      // Signed now, not when scheduled: an arrival that waited in the backlog carries a fresh timestamp.
      const wire = factory.signedNow(r);
      transport.send({ method: wire.method, path: wire.path, headers: wire.headers, body: wire.body, wantBody: wantBodies || r.endpoint === 'createOrder' }, (o) => {
        if (f.done) return;
        f.done = true;
        const t = now();
        const rec = recorderOf(r.endpoint);
        requests++;
        if ('error' in o) {
          const { errorClass, errorCode } = classifyTransportError(o.error);
          errors++;
          factory.noteResponse(r, 0, undefined);
          rec.recordError(
            errorClass === 'timeout'
              ? { atMs: t - originMs, errorClass, errorCode, correlationId: r.correlationId, latencyUs: (t - f.intendedMs) * 1000, latencyUncorrectedUs: (t - f.sentMs) * 1000 }
              : { atMs: t - originMs, errorClass, errorCode, correlationId: r.correlationId },
          );
        } else {
          // The target's dialect classifies (loadgate: exactly today's classifyResponse, test/unit/dialect-errors.test.ts).
          const failure = factory.classify(o.status, o.body);
          const errorClass = failure?.errorClass;
          const code = failure?.errorCode;
          if (errorClass !== undefined) errors++;
          recordUs(liveLatency, (t - f.intendedMs) * 1000);
          rec.recordResponse({
            atMs: t - originMs,
            latencyUs: (t - f.intendedMs) * 1000,
            latencyUncorrectedUs: (t - f.sentMs) * 1000,
            status: o.status,
            errorClass,
            errorCode: code,
            correlationId: r.correlationId,
          });
          factory.noteResponse(r, o.status, o.body);
        }
        release(f);
      });
    },
    abandon: (f) => {
      f.done = true;
      factory.noteResponse(f.item, 0, undefined);
      const t = now();
      recorderOf(f.item.endpoint).recordError({
        atMs: t - originMs,
        errorClass: 'timeout',
        errorCode: 'drainDeadline',
        correlationId: f.item.correlationId,
        latencyUs: (t - f.intendedMs) * 1000,
        latencyUncorrectedUs: (t - f.sentMs) * 1000,
      });
    },
  });
  clearInterval(progressTimer);
  const { aborted } = loop;
  await transport.close();
  // Orders the run created and left resting are cancelled, also on abort (then within a shorter bound).
  const cleanup = await cancelRestingOrders(opts.baseUrl, factory, { timeoutMs: Math.min(opts.timeoutMs, 5_000), budgetMs: aborted ? 3_000 : 10_000 });

  const endpoints: Record<string, EndpointResult> = {};
  for (const [ep, rec] of recorders) {
    rec.arrivals = { ...loop.arrivalsOf(ep) };
    endpoints[ep] = rec.toResult();
  }
  return { endpoints, counts: loop.counts, aborted, cleanup };
}

export function addCounts(a: ArrivalCounts, b: ArrivalCounts): ArrivalCounts {
  const out = { ...a };
  for (const k of Object.keys(b) as Array<keyof ArrivalCounts>) out[k] += b[k];
  return out;
}

/** What a reader must know about arrivals that were not sent on time. */
export function describeArrivals(workload: string, c: ArrivalCounts, load: OpenLoad, timeoutMs: number): string[] {
  const notes: string[] = [];
  if (c.dropped > 0) {
    notes.push(
      `${workload}: ${c.dropped} of ${c.scheduled} arrivals dropped (run ended before they were sent: ${c.droppedRunEnded}, waited > timeoutMs ${timeoutMs}: ${c.droppedQueueTimeout}, queue full: ${c.droppedQueueFull}); raise maxConnections (${load.maxConnections}) or lower the rate`,
    );
  }
  if (c.late > 0) notes.push(`${workload}: ${c.late} of ${c.sent} arrivals sent > ${load.lateToleranceMs} ms late (waiting for a connection: ${c.lateByPool}, generator behind: ${c.lateByGenerator})`);
  if (c.droppedEstimated > 0) notes.push(`${workload}: the generator fell so far behind its schedule that ${c.droppedEstimated} of the dropped arrivals were counted from the rate profile, not one by one`);
  if (c.abandonedInFlight > 0) notes.push(`${workload}: ${c.abandonedInFlight} requests still in flight at the drain deadline, counted as timeouts`);
  return notes;
}
