/**
 * The sdk engine's two load models (issue 11). Every call is timed in µs around the SDK method into the
 * method's EndpointRecorder (whole run and per second), so SLA checks, windows, compare and merge read it as any
 * other endpoint.
 *
 * - open: arrivals on the open engine's schedule (src/engines/open/schedule.ts: constant or Poisson, stages);
 *   each call is timed from its intended start (corrected) and from when it was made (as sent), at most
 *   `maxConnections` calls in flight, the rest wait in a FIFO; the one arrival loop of the open engine
 *   (src/engines/open/arrival-loop.ts: queueing, late / dropped accounting, schedule slip, drain).
 * - closed: `connections` callers, each making its next call when the last one returned.
 *
 * A call with no outcome after `timeoutMs` is a timeout (its slot is freed; a late outcome is ignored), so a hung
 * SDK cannot stall the run.
 */
import { createHistogram, recordUs } from '../../result/histogram.js';
import { EndpointRecorder } from '../../result/recorder.js';
import type { ThreadHealthProbe } from '../generator-health.js';
import { ArrivalSchedule, buildRateProfile } from '../open/schedule.js';
import { queueBound, runArrivalLoop, type ArrivalCounts, type KeyArrivals } from '../open/arrival-loop.js';
import type { OpenLoad } from '../open/runner.js';
import { setLongTimeout } from '../timers.js';
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
  perMethod?: Map<string, KeyArrivals>;
  aborted: boolean;
  /** Calls that never settled (SDK hung past the timeout, or still in flight at the drain deadline). */
  hung: number;
}

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

export async function runOpenLoop(o: LoopOptions, load: OpenLoad, startAtMs: number): Promise<LoopResult> {
  const profile = buildRateProfile(load);
  const out = new Outcomes(o);
  let hung = 0;
  const progress = out.progressTimer(startAtMs);
  const loop = await runArrivalLoop<PlannedCall>({
    profile,
    schedule: new ArrivalSchedule(profile, load.arrival, o.seed),
    startAtMs,
    now: o.now,
    probe: o.probe,
    signal: o.signal,
    timeoutMs: o.timeoutMs,
    lateToleranceMs: load.lateToleranceMs,
    maxInFlight: load.maxConnections,
    maxQueued: queueBound(profile, load.maxConnections, o.timeoutMs),
    keys: o.planner.methods,
    // One thread: the whole profile's estimate, booked on the first method.
    estimateDivisor: 1,
    estimateKey: o.planner.methods[0] ?? 'unknown',
    plan: () => o.planner.next(),
    keyOf: (call) => call.method,
    skip: () => o.planner.skip(),
    start: (p, release) => {
      p.abandon = callWithTimeout(o, p.item, (r) => {
        if ('value' in r) out.ok(p.item, r.value, p.intendedMs, p.sentMs);
        else if ('err' in r) out.fail(p.item, r.err, p.intendedMs, p.sentMs);
        else {
          hung++;
          out.fail(p.item, undefined, p.intendedMs, p.sentMs, { errorClass: 'timeout', errorCode: 'callTimeout' });
        }
        release(p);
      });
    },
    abandon: (p) => {
      p.abandon?.();
      hung++;
      out.fail(p.item, undefined, p.intendedMs, p.sentMs, { errorClass: 'timeout', errorCode: 'drainDeadline' });
    },
  });
  clearInterval(progress);
  for (const [m, rec] of out.recorders) rec.arrivals = { ...loop.arrivalsOf(m) };
  return { recorders: out.recorders, counts: loop.counts, perMethod: loop.perKey, aborted: loop.aborted, hung };
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
