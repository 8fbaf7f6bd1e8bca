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
 */
import type { EndpointResult } from '../../result/model.js';
import { EndpointRecorder } from '../../result/recorder.js';
import { createHistogram, recordUs } from '../../result/histogram.js';
import type { Workload } from '../../suite/schema.js';
import type { DialectName } from '../../dialect/registry.js';
import type { CustomOperationSpec } from '../../dialect/custom.js';
import { cancelRestingOrders, classifyTransportError, prepareWorkload, RequestFactory, type OrderCleanup, type PlannedRequest } from '../exchange-requests.js';
import type { ThreadHealthProbe } from '../generator-health.js';
import type { Credentials } from '../types.js';
import { ArrivalSchedule, buildRateProfile, expectedArrivals, peakRatePerSec, type RateProfile } from './schedule.js';
import { createTransport, type Transport, type TransportName } from './transport.js';
import { setLongTimeout, type LongTimeout } from '../timers.js';

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

export interface ArrivalCounts {
  scheduled: number;
  sent: number;
  late: number;
  lateByPool: number;
  lateByGenerator: number;
  dropped: number;
  droppedRunEnded: number;
  droppedQueueTimeout: number;
  droppedQueueFull: number;
  /** Requests still in flight at the drain deadline, recorded as timeouts. */
  abandonedInFlight: number;
  /** Of the dropped: counted from the rate profile, not one by one (a generator far behind its schedule). */
  droppedEstimated: number;
}

export interface RunnerResult {
  endpoints: Record<string, EndpointResult>;
  counts: ArrivalCounts;
  aborted: boolean;
  /** What the end-of-run clean-up did with the orders this thread created and left resting. */
  cleanup: OrderCleanup;
}

/** One arrival: queued, then in flight. One object per arrival (no copy on send: this is the hot path). */
interface Pending {
  req: PlannedRequest;
  intendedMs: number;
  /** When the loop reached this arrival. */
  reachedMs: number;
  sentMs: number;
  done: boolean;
}

/** FIFO with O(1) shift (also the sdk engine's backlog). */
export class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(x: T): void {
    this.items.push(x);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
  drain(): T[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }
}

const BATCH = 512;
/** Arrivals a stopped or overrun loop books one by one (per endpoint); beyond, they are counted from the rate profile. */
const COUNT_ONE_BY_ONE = 100_000;

export function queueBound(profile: RateProfile, maxConnections: number, timeoutMs: number): number {
  return Math.min(200_000, Math.max(1_000, Math.ceil(peakRatePerSec(profile) * (timeoutMs / 1000)) + maxConnections));
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

/** Setup (reference prices, order pool), then a `run(startAtMs)` that all workers can start together. */
export async function prepareRunner(opts: RunnerOptions): Promise<{ notes: string[]; run: (startAtMs: number) => Promise<RunnerResult> }> {
  const workerIndex = opts.workerIndex ?? 0;
  const workerCount = opts.workerCount ?? 1;
  const factory = new RequestFactory({
    workload: opts.workload,
    credentials: opts.credentials,
    seed: (opts.seed + workerIndex * 7919) >>> 0,
    ...(opts.dialect !== undefined ? { dialect: opts.dialect } : {}),
    custom: opts.custom,
  });
  const setupNotes = await prepareWorkload(opts.baseUrl, factory, { orderPool: opts.orderPool ?? 200, timeoutMs: opts.timeoutMs, signal: opts.signal });
  return { notes: setupNotes, run: (startAtMs) => runLoop(opts, factory, startAtMs, workerIndex, workerCount) };
}

async function runLoop(opts: RunnerOptions, factory: RequestFactory, startAtMs: number, workerIndex: number, workerCount: number): Promise<RunnerResult> {
  const load = openLoadOf(opts.workload);
  const { now, originMs, probe } = opts;
  const profile = buildRateProfile(load);
  const schedule = new ArrivalSchedule(profile, load.arrival, opts.seed, workerIndex, workerCount);
  // Split the pool over workers (the shares add up to load.maxConnections); each gets at least one connection.
  const maxConnections = connectionShare(load.maxConnections, workerIndex, workerCount);
  const maxQueued = queueBound(profile, load.maxConnections, opts.timeoutMs) / workerCount;
  const tolMs = load.lateToleranceMs;
  const endMs = startAtMs + profile.durationSec * 1000;
  const overrunMs = Math.min(opts.timeoutMs, 5_000);
  const transport: Transport = createTransport(opts.transport, { baseUrl: opts.baseUrl, maxConnections, timeoutMs: opts.timeoutMs });
  // Dialects that answer errors with HTTP 200 (OKX, Bybit) need every body read to classify it; loadgate only error bodies.
  const wantBodies = factory.needsSuccessBodies;

  const recorders = new Map<string, EndpointRecorder>();
  const perEndpoint = new Map<string, { scheduled: number; sent: number; late: number; dropped: number }>();
  for (const ep of factory.endpoints) {
    recorders.set(ep, new EndpointRecorder(ep, 'http', opts.workload.name));
    perEndpoint.set(ep, { scheduled: 0, sent: 0, late: 0, dropped: 0 });
  }
  const c: ArrivalCounts = { scheduled: 0, sent: 0, late: 0, lateByPool: 0, lateByGenerator: 0, dropped: 0, droppedRunEnded: 0, droppedQueueTimeout: 0, droppedQueueFull: 0, abandonedInFlight: 0, droppedEstimated: 0 };
  let requests = 0;
  let errors = 0;
  // Only for the live progress line (p99 so far): the recorders keep the real, per-endpoint histograms.
  const liveLatency = createHistogram();
  const queue = new Fifo<Pending>();
  const inFlight = new Set<Pending>();
  let stopped = false;
  let aborted = false;
  let timer: NodeJS.Timeout | undefined;
  /** The start wait and the end of the schedule: durations from the suite, chained past Node's timer limit. */
  let endTimer: LongTimeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let nextT = schedule.next();

  const arrivalsOf = (ep: string): { scheduled: number; sent: number; late: number; dropped: number } => {
    let a = perEndpoint.get(ep);
    if (!a) perEndpoint.set(ep, (a = { scheduled: 0, sent: 0, late: 0, dropped: 0 }));
    return a;
  };
  const recorderOf = (ep: string): EndpointRecorder => {
    let r = recorders.get(ep);
    if (!r) recorders.set(ep, (r = new EndpointRecorder(ep, 'http', opts.workload.name)));
    return r;
  };

  const drop = (p: Pending, why: 'runEnded' | 'queueTimeout' | 'queueFull'): void => {
    c.dropped++;
    if (why === 'runEnded') c.droppedRunEnded++;
    else if (why === 'queueTimeout') c.droppedQueueTimeout++;
    else c.droppedQueueFull++;
    arrivalsOf(p.req.endpoint).dropped++;
  };

  const send = (p: Pending, sentMs: number): void => {
    const a = arrivalsOf(p.req.endpoint);
    c.sent++;
    a.sent++;
    if (sentMs - p.intendedMs > tolMs) {
      c.late++;
      a.late++;
      if (p.reachedMs - p.intendedMs > tolMs) c.lateByGenerator++;
      else c.lateByPool++;
    }
    const f = p;
    f.sentMs = sentMs;
    inFlight.add(f);
    const r = p.req;
    // Signed now, not when scheduled: an arrival that waited in the backlog carries a fresh timestamp.
    const wire = factory.signedNow(r);
    transport.send({ method: wire.method, path: wire.path, headers: wire.headers, body: wire.body, wantBody: wantBodies || r.endpoint === 'createOrder' }, (o) => {
      if (f.done) return;
      f.done = true;
      inFlight.delete(f);
      const t = now();
      const rec = recorderOf(r.endpoint);
      requests++;
      if ('error' in o) {
        const { errorClass, errorCode } = classifyTransportError(o.error);
        errors++;
        factory.noteResponse(r, 0, undefined);
        rec.recordError(
          errorClass === 'timeout'
            ? { atMs: t - originMs, errorClass, errorCode, correlationId: r.correlationId, latencyUs: (t - f.intendedMs) * 1000, latencyUncorrectedUs: (t - sentMs) * 1000 }
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
      pump();
      if (stopped && inFlight.size === 0) drained?.();
    });
  };

  /** Send queued arrivals while connections are free; drop those that waited past the request timeout. */
  const pump = (): void => {
    while (queue.length > 0 && inFlight.size < maxConnections && !stopped) {
      const p = queue.shift()!;
      const t = now();
      if (t - p.intendedMs > opts.timeoutMs) drop(p, 'queueTimeout');
      else send(p, t);
    }
  };

  const arrive = (intendedMs: number): void => {
    const t = now();
    probe.recordSlipMs(t - intendedMs);
    // Planned now, signed when sent (send → signedNow).
    const req = factory.next(false);
    c.scheduled++;
    arrivalsOf(req.endpoint).scheduled++;
    const p: Pending = { req, intendedMs, reachedMs: t, sentMs: 0, done: false };
    if (queue.length === 0 && inFlight.size < maxConnections) send(p, t);
    else if (queue.length >= maxQueued) drop(p, 'queueFull');
    else queue.push(p);
  };

  let finishScheduling: (byAbort: boolean) => void = () => undefined;
  let drained: (() => void) | undefined;

  const tick = (): void => {
    timer = undefined;
    immediate = undefined;
    if (stopped) return;
    let n = 0;
    while (nextT !== undefined && startAtMs + nextT <= now() && n < BATCH) {
      arrive(startAtMs + nextT);
      nextT = schedule.next();
      n++;
    }
    // Drop arrivals that have waited longer than the request timeout (checked at the head: FIFO).
    const t = now();
    while (queue.length > 0 && t - queue.peek()!.intendedMs > opts.timeoutMs) drop(queue.shift()!, 'queueTimeout');
    // A loop that cannot keep up (an overloaded generator) overruns the planned end by at most the request
    // timeout (at most 5 s): a loop a little behind still sends its last arrivals (late), but what is still
    // due then was never sent, and is dropped.
    if (nextT !== undefined && t >= endMs + overrunMs) return finishScheduling(false);
    if (nextT === undefined) {
      const rest = endMs - now();
      if (rest > 0) endTimer = setLongTimeout(() => finishScheduling(false), Math.ceil(rest));
      else finishScheduling(false);
      return;
    }
    const delay = startAtMs + nextT - now();
    if (n >= BATCH || delay <= 0) immediate = setImmediate(tick);
    else timer = setTimeout(tick, Math.max(1, Math.floor(delay)));
  };

  const progressTimer = setInterval(() => {
    const p99Ms = liveLatency.totalCount > 0 ? liveLatency.getValueAtPercentile(99) / 1000 : undefined;
    opts.onProgress?.({ elapsedSec: Math.max(0, (now() - startAtMs) / 1000), requests, errors, ...(p99Ms !== undefined ? { p99Ms } : {}) });
  }, 1000);
  progressTimer.unref();

  /** Books `p` as never scheduled: a stop, not the generator or the pool, kept it from being sent. */
  const unschedule = (p: Pending): void => {
    c.scheduled--;
    arrivalsOf(p.req.endpoint).scheduled--;
  };

  const done = new Promise<void>((resolve) => {
    finishScheduling = (byAbort: boolean) => {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      endTimer?.clear();
      if (immediate) clearImmediate(immediate);
      const cutoffMs = Math.min(now(), endMs + overrunMs);
      // On a stop (Ctrl-C, SIGTERM), an arrival is dropped only if it was already overdue (beyond the late
      // tolerance: the loop or the pool was behind); one not yet overdue was kept back by the stop itself, and a
      // stop is not a dropped arrival (issue 16 item 3). At the planned end, everything still waiting is dropped.
      const overdueBefore = byAbort ? cutoffMs - tolMs : cutoffMs;
      for (const p of queue.drain()) {
        if (p.intendedMs < overdueBefore || !byAbort) drop(p, 'runEnded');
        else unschedule(p);
      }
      // Arrivals already due that a loop running behind had not reached yet are still on the books: scheduled
      // and dropped (run ended), so scheduled == sent + dropped. Later arrivals were never due. Bounded: one by
      // one up to COUNT_ONE_BY_ONE, then counted from the rate profile, so even an overloaded generator
      // (ratePerSec far beyond what it can send) stops at once.
      const dropDue = (endpoint: string): void => {
        c.scheduled++;
        c.dropped++;
        c.droppedRunEnded++;
        const a = arrivalsOf(endpoint);
        a.scheduled++;
        a.dropped++;
      };
      let counted = 0;
      while (nextT !== undefined && startAtMs + nextT < overdueBefore && counted < COUNT_ONE_BY_ONE) {
        dropDue(factory.skip());
        counted++;
        nextT = schedule.next();
      }
      if (nextT !== undefined && startAtMs + nextT < overdueBefore) {
        const dueTotal = expectedArrivals(profile, (overdueBefore - startAtMs) / 1000);
        const rest = Math.max(0, Math.round((dueTotal - schedule.index) / workerCount));
        // Spread over the endpoints as the mix spread the ones counted one by one.
        const byEndpoint = [...perEndpoint.entries()].filter(([, a]) => a.dropped > 0);
        const totalDropped = byEndpoint.reduce((x, [, a]) => x + a.dropped, 0);
        let left = rest;
        byEndpoint.forEach(([ep, a], i) => {
          const k = i === byEndpoint.length - 1 ? left : Math.round((rest * a.dropped) / totalDropped);
          left -= k;
          c.scheduled += k;
          c.dropped += k;
          c.droppedRunEnded += k;
          a.scheduled += k;
          a.dropped += k;
        });
        c.droppedEstimated += rest;
      }
      resolve();
    };
  });
  const onAbort = (): void => {
    aborted = true;
    finishScheduling(true);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();

  const wait = startAtMs - now();
  if (!stopped) {
    if (wait > 0) endTimer = setLongTimeout(tick, Math.floor(wait));
    else tick();
  }
  await done;
  opts.signal?.removeEventListener('abort', onAbort);

  // Drain: responses to what was sent, bounded by the request timeout (shorter on abort).
  const drainMs = aborted ? Math.min(2_000, opts.timeoutMs) : opts.timeoutMs + 1_000;
  if (inFlight.size > 0) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, drainMs);
      drained = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
  clearInterval(progressTimer);
  for (const f of inFlight) {
    f.done = true;
    c.abandonedInFlight++;
    factory.noteResponse(f.req, 0, undefined);
    const t = now();
    recorderOf(f.req.endpoint).recordError({
      atMs: t - originMs,
      errorClass: 'timeout',
      errorCode: 'drainDeadline',
      correlationId: f.req.correlationId,
      latencyUs: (t - f.intendedMs) * 1000,
      ...(f.sentMs !== undefined ? { latencyUncorrectedUs: (t - f.sentMs) * 1000 } : {}),
    });
  }
  inFlight.clear();
  await transport.close();
  // Orders the run created and left resting are cancelled, also on abort (then within a shorter bound).
  const cleanup = await cancelRestingOrders(opts.baseUrl, factory, { timeoutMs: Math.min(opts.timeoutMs, 5_000), budgetMs: aborted ? 3_000 : 10_000 });

  const endpoints: Record<string, EndpointResult> = {};
  for (const [ep, rec] of recorders) {
    rec.arrivals = { ...arrivalsOf(ep) };
    endpoints[ep] = rec.toResult();
  }
  return { endpoints, counts: c, aborted, cleanup };
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
