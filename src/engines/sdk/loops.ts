/**
 * The sdk engine's two load models (issue 11). Every call is timed in µs around the SDK method into the
 * method's EndpointRecorder (whole run and per second), so SLA checks, windows, compare and merge read it as any
 * other endpoint.
 *
 * - open: arrivals on the open engine's schedule (src/engines/open/schedule.ts: constant or Poisson, stages);
 *   each call is timed from its intended start (corrected) and from when it was made (as sent), at most
 *   `maxConnections` calls in flight, the rest wait in a FIFO; late / dropped accounting and schedule slip as in
 *   src/engines/open/runner.ts (its `ArrivalCounts`, `queueBound`, `describeArrivals`).
 * - closed: `connections` callers, each making its next call when the last one returned.
 *
 * A call with no outcome after `timeoutMs` is a timeout (its slot is freed; a late outcome is ignored), so a hung
 * SDK cannot stall the run.
 */
import { createHistogram, recordUs } from '../../result/histogram.js';
import { EndpointRecorder } from '../../result/recorder.js';
import type { ThreadHealthProbe } from '../generator-health.js';
import { ArrivalSchedule, buildRateProfile, expectedArrivals } from '../open/schedule.js';
import { Fifo, queueBound, type ArrivalCounts, type OpenLoad } from '../open/runner.js';
import { setLongTimeout, type LongTimeout } from '../timers.js';
import { classifyCallError } from './classify.js';
import type { ClassifyError, SdkClient } from './contract.js';
import { invoke, type CallPlanner, type PlannedCall } from './calls.js';

export interface LoopOptions {
  workloadName: string;
  client: SdkClient;
  classifyError: ClassifyError | undefined;
  planner: CallPlanner;
  timeoutMs: number;
  seed: number;
  originMs: number;
  now: () => number;
  signal: AbortSignal;
  probe: ThreadHealthProbe;
  onProgress?: (p: { elapsedSec: number; requests: number; errors: number; p99Ms?: number }) => void;
}

export interface LoopResult {
  recorders: Map<string, EndpointRecorder>;
  /** Open model only. */
  counts?: ArrivalCounts;
  perMethod?: Map<string, { scheduled: number; sent: number; late: number; dropped: number }>;
  aborted: boolean;
  /** Calls that never settled (SDK hung past the timeout, or still in flight at the drain deadline). */
  hung: number;
}

const BATCH = 512;
const COUNT_ONE_BY_ONE = 100_000;

/** Records outcomes; shared by both models. */
class Outcomes {
  readonly recorders = new Map<string, EndpointRecorder>();
  readonly live = createHistogram();
  requests = 0;
  errors = 0;
  constructor(private readonly o: LoopOptions) {
    for (const m of o.planner.methods) this.recorderOf(m);
  }
  recorderOf(method: string): EndpointRecorder {
    let r = this.recorders.get(method);
    if (!r) this.recorders.set(method, (r = new EndpointRecorder(method, 'http', this.o.workloadName)));
    return r;
  }
  ok(call: PlannedCall, value: unknown, startMs: number, sentMs: number | undefined): void {
    const t = this.o.now();
    this.requests++;
    recordUs(this.live, (t - startMs) * 1000);
    this.recorderOf(call.method).recordResponse({
      atMs: t - this.o.originMs,
      latencyUs: (t - startMs) * 1000,
      ...(sentMs !== undefined ? { latencyUncorrectedUs: (t - sentMs) * 1000 } : {}),
      correlationId: call.correlationId,
    });
    this.o.planner.noteResult(call, true, value);
  }
  fail(call: PlannedCall, err: unknown, startMs: number, sentMs: number | undefined, forced?: { errorClass: 'timeout'; errorCode: string }): void {
    const t = this.o.now();
    const c = forced ?? classifyCallError(err, this.o.classifyError);
    this.requests++;
    this.errors++;
    const rec = this.recorderOf(call.method);
    const base = { atMs: t - this.o.originMs, errorClass: c.errorClass, ...(c.errorCode !== undefined ? { errorCode: c.errorCode } : {}), correlationId: call.correlationId };
    const latency = { latencyUs: (t - startMs) * 1000, ...(sentMs !== undefined ? { latencyUncorrectedUs: (t - sentMs) * 1000 } : {}) };
    // No answer at all (refused, reset): no latency, as the HTTP engines count it. A timeout waited its time; any
    // other error is an answer the SDK understood (a rejected order, a rate limit), timed like a success.
    if (c.errorClass === 'network') rec.recordError(base);
    else if (c.errorClass === 'timeout') rec.recordError({ ...base, ...latency });
    else {
      recordUs(this.live, latency.latencyUs);
      rec.recordResponse({ ...base, ...latency });
    }
    this.o.planner.noteResult(call, false, undefined, c.errorCode);
  }
  progressTimer(startMs: number): NodeJS.Timeout {
    const t = setInterval(() => {
      const p99Ms = this.live.totalCount > 0 ? this.live.getValueAtPercentile(99) / 1000 : undefined;
      this.o.onProgress?.({ elapsedSec: Math.max(0, (this.o.now() - startMs) / 1000), requests: this.requests, errors: this.errors, ...(p99Ms !== undefined ? { p99Ms } : {}) });
    }, 1000);
    t.unref();
    return t;
  }
}

/** Makes one call; `settle` runs once, with the outcome or a timeout after `timeoutMs`. */
function callWithTimeout(o: LoopOptions, call: PlannedCall, settle: (r: { value: unknown } | { err: unknown } | { timeout: true }) => void): () => void {
  let done = false;
  const timer = setTimeout(() => {
    if (done) return;
    done = true;
    settle({ timeout: true });
  }, o.timeoutMs);
  invoke(o.client, call).then(
    (value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      settle({ value });
    },
    (err: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      settle({ err });
    },
  );
  // Abandon (drain deadline): no outcome will be recorded any more.
  return () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
  };
}

interface Pending {
  call: PlannedCall;
  intendedMs: number;
  reachedMs: number;
  sentMs: number;
  abandon?: () => void;
}

export async function runOpenLoop(o: LoopOptions, load: OpenLoad, startAtMs: number): Promise<LoopResult> {
  const { now, probe } = o;
  const profile = buildRateProfile(load);
  const schedule = new ArrivalSchedule(profile, load.arrival, o.seed);
  const maxInFlight = load.maxConnections;
  const maxQueued = queueBound(profile, load.maxConnections, o.timeoutMs);
  const tolMs = load.lateToleranceMs;
  const endMs = startAtMs + profile.durationSec * 1000;
  const overrunMs = Math.min(o.timeoutMs, 5_000);
  const out = new Outcomes(o);
  const perMethod = new Map<string, { scheduled: number; sent: number; late: number; dropped: number }>();
  const arrivalsOf = (m: string) => {
    let a = perMethod.get(m);
    if (!a) perMethod.set(m, (a = { scheduled: 0, sent: 0, late: 0, dropped: 0 }));
    return a;
  };
  for (const m of o.planner.methods) arrivalsOf(m);
  const c: ArrivalCounts = { scheduled: 0, sent: 0, late: 0, lateByPool: 0, lateByGenerator: 0, dropped: 0, droppedRunEnded: 0, droppedQueueTimeout: 0, droppedQueueFull: 0, abandonedInFlight: 0, droppedEstimated: 0 };
  const queue = new Fifo<Pending>();
  const inFlight = new Set<Pending>();
  let stopped = false;
  let aborted = false;
  let hung = 0;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let endTimer: LongTimeout | undefined;
  let drained: (() => void) | undefined;
  let nextT = schedule.next();

  const drop = (p: Pending, why: 'runEnded' | 'queueTimeout' | 'queueFull'): void => {
    c.dropped++;
    if (why === 'runEnded') c.droppedRunEnded++;
    else if (why === 'queueTimeout') c.droppedQueueTimeout++;
    else c.droppedQueueFull++;
    arrivalsOf(p.call.method).dropped++;
  };

  const send = (p: Pending, sentMs: number): void => {
    const a = arrivalsOf(p.call.method);
    c.sent++;
    a.sent++;
    if (sentMs - p.intendedMs > tolMs) {
      c.late++;
      a.late++;
      if (p.reachedMs - p.intendedMs > tolMs) c.lateByGenerator++;
      else c.lateByPool++;
    }
    p.sentMs = sentMs;
    inFlight.add(p);
    p.abandon = callWithTimeout(o, p.call, (r) => {
      inFlight.delete(p);
      if ('value' in r) out.ok(p.call, r.value, p.intendedMs, p.sentMs);
      else if ('err' in r) out.fail(p.call, r.err, p.intendedMs, p.sentMs);
      else {
        hung++;
        out.fail(p.call, undefined, p.intendedMs, p.sentMs, { errorClass: 'timeout', errorCode: 'callTimeout' });
      }
      pump();
      if (stopped && inFlight.size === 0) drained?.();
    });
  };

  const pump = (): void => {
    while (queue.length > 0 && inFlight.size < maxInFlight && !stopped) {
      const p = queue.shift()!;
      const t = now();
      if (t - p.intendedMs > o.timeoutMs) drop(p, 'queueTimeout');
      else send(p, t);
    }
  };

  const arrive = (intendedMs: number): void => {
    const t = now();
    probe.recordSlipMs(t - intendedMs);
    const call = o.planner.next();
    c.scheduled++;
    arrivalsOf(call.method).scheduled++;
    const p: Pending = { call, intendedMs, reachedMs: t, sentMs: 0 };
    if (queue.length === 0 && inFlight.size < maxInFlight) send(p, t);
    else if (queue.length >= maxQueued) drop(p, 'queueFull');
    else queue.push(p);
  };

  let finish: (byAbort: boolean) => void = () => undefined;
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
    const t = now();
    while (queue.length > 0 && t - queue.peek()!.intendedMs > o.timeoutMs) drop(queue.shift()!, 'queueTimeout');
    if (nextT !== undefined && t >= endMs + overrunMs) return finish(false);
    if (nextT === undefined) {
      const rest = endMs - now();
      if (rest > 0) endTimer = setLongTimeout(() => finish(false), Math.ceil(rest));
      else finish(false);
      return;
    }
    const delay = startAtMs + nextT - now();
    if (n >= BATCH || delay <= 0) immediate = setImmediate(tick);
    else timer = setTimeout(tick, Math.max(1, Math.floor(delay)));
  };

  const progress = out.progressTimer(startAtMs);
  const done = new Promise<void>((resolve) => {
    finish = (byAbort) => {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      endTimer?.clear();
      const cutoffMs = Math.min(now(), endMs + overrunMs);
      // As the open engine: on a stop, only arrivals already overdue count as dropped; at the planned end, all due.
      const overdueBefore = byAbort ? cutoffMs - tolMs : cutoffMs;
      for (const p of queue.drain()) {
        if (p.intendedMs < overdueBefore || !byAbort) drop(p, 'runEnded');
        else {
          c.scheduled--;
          arrivalsOf(p.call.method).scheduled--;
        }
      }
      let counted = 0;
      while (nextT !== undefined && startAtMs + nextT < overdueBefore && counted < COUNT_ONE_BY_ONE) {
        const a = arrivalsOf(o.planner.skip());
        c.scheduled++;
        c.dropped++;
        c.droppedRunEnded++;
        a.scheduled++;
        a.dropped++;
        counted++;
        nextT = schedule.next();
      }
      if (nextT !== undefined && startAtMs + nextT < overdueBefore) {
        // Far behind: the rest is counted from the rate profile (booked on the first method, as an estimate).
        const rest = Math.max(0, Math.round(expectedArrivals(profile, (overdueBefore - startAtMs) / 1000) - schedule.index));
        const a = arrivalsOf(o.planner.methods[0] ?? 'unknown');
        c.scheduled += rest;
        c.dropped += rest;
        c.droppedRunEnded += rest;
        c.droppedEstimated += rest;
        a.scheduled += rest;
        a.dropped += rest;
      }
      resolve();
    };
  });
  const onAbort = (): void => {
    aborted = true;
    finish(true);
  };
  o.signal.addEventListener('abort', onAbort, { once: true });
  if (o.signal.aborted) onAbort();
  const wait = startAtMs - now();
  if (!stopped) {
    if (wait > 0) endTimer = setLongTimeout(tick, Math.floor(wait));
    else tick();
  }
  await done;
  o.signal.removeEventListener('abort', onAbort);

  const drainMs = aborted ? Math.min(2_000, o.timeoutMs) : o.timeoutMs + 1_000;
  if (inFlight.size > 0) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, drainMs);
      drained = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
  clearInterval(progress);
  for (const p of inFlight) {
    p.abandon?.();
    c.abandonedInFlight++;
    hung++;
    out.fail(p.call, undefined, p.intendedMs, p.sentMs, { errorClass: 'timeout', errorCode: 'drainDeadline' });
  }
  inFlight.clear();
  for (const [m, rec] of out.recorders) rec.arrivals = { ...arrivalsOf(m) };
  return { recorders: out.recorders, counts: c, perMethod, aborted, hung };
}

export async function runClosedLoop(o: LoopOptions, connections: number, durationSec: number, startAtMs: number): Promise<LoopResult> {
  const { now } = o;
  const out = new Outcomes(o);
  const endMs = startAtMs + durationSec * 1000;
  let hung = 0;
  let wake: (() => void) | undefined;
  const stop = new Promise<void>((resolve) => (wake = resolve));
  const endTimer = setLongTimeout(() => wake?.(), Math.max(0, endMs - now()));
  const onAbort = (): void => wake?.();
  o.signal.addEventListener('abort', onAbort, { once: true });
  if (o.signal.aborted) onAbort();
  let stopped = false;
  void stop.then(() => (stopped = true));
  const wait = startAtMs - now();
  if (wait > 0) await Promise.race([new Promise((r) => setTimeout(r, wait)), stop]);
  const progress = out.progressTimer(startAtMs);
  const caller = async (): Promise<void> => {
    while (!stopped && now() < endMs) {
      const call = o.planner.next();
      const t0 = now();
      await new Promise<void>((resolve) => {
        callWithTimeout(o, call, (r) => {
          if ('value' in r) out.ok(call, r.value, t0, undefined);
          else if ('err' in r) out.fail(call, r.err, t0, undefined);
          else {
            hung++;
            out.fail(call, undefined, t0, undefined, { errorClass: 'timeout', errorCode: 'callTimeout' });
          }
          resolve();
        });
      });
      // An SDK that answers synchronously (a cache) must not starve timers and I/O.
      if (out.requests % 64 === 0) await new Promise((r) => setImmediate(r));
    }
  };
  await Promise.all(Array.from({ length: connections }, caller));
  endTimer.clear();
  clearInterval(progress);
  o.signal.removeEventListener('abort', onAbort);
  return { recorders: out.recorders, aborted: o.signal.aborted, hung };
}
