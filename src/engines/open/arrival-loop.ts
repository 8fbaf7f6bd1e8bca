/**
 * The open-model arrival loop, shared by the open engine (HTTP requests, src/engines/open/runner.ts) and the sdk
 * engine (SDK calls, src/engines/sdk/loops.ts): one definition of when an arrival is sent, queued, late or dropped.
 *
 * Timing: a timer loop against `now()`. Each tick starts every arrival that is due (at most BATCH per tick, then
 * setImmediate); an arrival that finds `maxInFlight` busy waits in a FIFO queue of at most `maxQueued`.
 * Accounting (`ArrivalCounts`, and per key: endpoint or SDK method):
 * - `late`: started more than `lateToleranceMs` after its intended time, by the generator (its loop reached the
 *   arrival late) or by the pool (it waited for a free slot);
 * - `dropped`: never started: the run ended first, it waited longer than `timeoutMs`, or the queue was full.
 * A loop that cannot keep up overruns the planned end by at most min(timeoutMs, 5 s). On a stop (abort) only
 * arrivals already overdue are dropped; the others are unscheduled. Due arrivals the loop never reached are
 * booked one by one (up to COUNT_ONE_BY_ONE), then counted from the rate profile. After the schedule, in-flight
 * work drains for timeoutMs + 1 s (min(2 s, timeoutMs) after an abort); what is left is abandoned.
 *
 * What differs between the engines is in `ArrivalLoopSpec`: how an arrival is planned (`plan`, `keyOf`), started
 * (`start`, which calls `release` once its outcome is recorded), skipped (`skip`) and abandoned (`abandon`).
 */
import type { ThreadHealthProbe } from '../generator-health.js';
import { setLongTimeout, type LongTimeout } from '../timers.js';
import { expectedArrivals, peakRatePerSec, type ArrivalSchedule, type RateProfile } from './schedule.js';

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

/** One key's (endpoint's or method's) share of the arrivals. */
export interface KeyArrivals {
  scheduled: number;
  sent: number;
  late: number;
  dropped: number;
}

/** One arrival: queued, then in flight. One object per arrival (no copy on start: this is the hot path). */
export interface Arrival<I> {
  item: I;
  intendedMs: number;
  /** When the loop reached this arrival. */
  reachedMs: number;
  sentMs: number;
  /** For the engine: its outcome was recorded or it was abandoned (the open engine ignores a late response). */
  done: boolean;
  /** For the engine: stops a started call from recording an outcome (the sdk engine's callWithTimeout handle). */
  abandon: (() => void) | undefined;
}

export interface ArrivalLoopSpec<I> {
  profile: RateProfile;
  /** This thread's arrivals (its share of the profile). */
  schedule: ArrivalSchedule;
  startAtMs: number;
  now: () => number;
  probe: ThreadHealthProbe;
  signal: AbortSignal | undefined;
  /** A queued arrival older than this is dropped (queueTimeout); also bounds the overrun and the drain. */
  timeoutMs: number;
  lateToleranceMs: number;
  maxInFlight: number;
  maxQueued: number;
  /** Keys known up front (their tallies exist, in this order, even if no arrival lands on them). */
  keys: Iterable<string>;
  /** The estimated drops are the whole profile's, divided by this (the open engine's workerCount; 1 for the sdk). */
  estimateDivisor: number;
  /** Where estimated drops are booked: one key (the sdk engine: its first method), or undefined to spread them over
   *  the keys as the drops counted one by one were (the open engine). */
  estimateKey: string | undefined;
  /** Plans the next arrival's item (when the loop reaches it). */
  plan(): I;
  keyOf(item: I): string;
  /** Advances the plan past a due arrival that will never be started; returns its key. */
  skip(): string;
  /** Starts `a` (counted, in flight); calls `release(a)` once, after its outcome is recorded. */
  start(a: Arrival<I>, release: (a: Arrival<I>) => void): void;
  /** Records `a`, still in flight at the drain deadline, as abandoned (its late outcome must be ignored). */
  abandon(a: Arrival<I>): void;
}

export interface ArrivalLoopResult {
  counts: ArrivalCounts;
  /** Per key, in first-seen order. */
  perKey: Map<string, KeyArrivals>;
  /** The tally of `key` (created empty if missing). */
  arrivalsOf: (key: string) => KeyArrivals;
  aborted: boolean;
}

/** FIFO with O(1) shift. */
class Fifo<T> {
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
/** Arrivals a stopped or overrun loop books one by one; beyond, they are counted from the rate profile. */
const COUNT_ONE_BY_ONE = 100_000;

/** The queue holds at most `peak rate × timeoutSec + maxConnections` arrivals, clamped to [1 000, 200 000]. */
export function queueBound(profile: RateProfile, maxConnections: number, timeoutMs: number): number {
  return Math.min(200_000, Math.max(1_000, Math.ceil(peakRatePerSec(profile) * (timeoutMs / 1000)) + maxConnections));
}

export function emptyArrivalCounts(): ArrivalCounts {
  return { scheduled: 0, sent: 0, late: 0, lateByPool: 0, lateByGenerator: 0, dropped: 0, droppedRunEnded: 0, droppedQueueTimeout: 0, droppedQueueFull: 0, abandonedInFlight: 0, droppedEstimated: 0 };
}

/** Runs the schedule to its end (or a stop), drains, abandons what is left; resolves with the counts. */
export async function runArrivalLoop<I>(spec: ArrivalLoopSpec<I>): Promise<ArrivalLoopResult> {
  const { now, probe, profile, schedule, startAtMs, signal, timeoutMs, maxInFlight, maxQueued } = spec;
  const tolMs = spec.lateToleranceMs;
  const endMs = startAtMs + profile.durationSec * 1000;
  const overrunMs = Math.min(timeoutMs, 5_000);
  const perKey = new Map<string, KeyArrivals>();
  const arrivalsOf = (key: string): KeyArrivals => {
    let a = perKey.get(key);
    if (!a) perKey.set(key, (a = { scheduled: 0, sent: 0, late: 0, dropped: 0 }));
    return a;
  };
  for (const k of spec.keys) arrivalsOf(k);
  const c = emptyArrivalCounts();
  const queue = new Fifo<Arrival<I>>();
  const inFlight = new Set<Arrival<I>>();
  let stopped = false;
  let aborted = false;
  let timer: NodeJS.Timeout | undefined;
  /** The start wait and the end of the schedule: durations from the suite, chained past Node's timer limit. */
  let endTimer: LongTimeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let drained: (() => void) | undefined;
  let nextT = schedule.next();

  const drop = (a: Arrival<I>, why: 'runEnded' | 'queueTimeout' | 'queueFull'): void => {
    c.dropped++;
    if (why === 'runEnded') c.droppedRunEnded++;
    else if (why === 'queueTimeout') c.droppedQueueTimeout++;
    else c.droppedQueueFull++;
    arrivalsOf(spec.keyOf(a.item)).dropped++;
  };

  // One closure per loop, not per arrival: the engine calls it when an outcome is recorded.
  const release = (a: Arrival<I>): void => {
    inFlight.delete(a);
    pump();
    if (stopped && inFlight.size === 0) drained?.();
  };

  const send = (a: Arrival<I>, sentMs: number): void => {
    const k = arrivalsOf(spec.keyOf(a.item));
    c.sent++;
    k.sent++;
    if (sentMs - a.intendedMs > tolMs) {
      c.late++;
      k.late++;
      if (a.reachedMs - a.intendedMs > tolMs) c.lateByGenerator++;
      else c.lateByPool++;
    }
    a.sentMs = sentMs;
    inFlight.add(a);
    spec.start(a, release);
  };

  /** Starts queued arrivals while slots are free; drops those that waited past the timeout. */
  const pump = (): void => {
    while (queue.length > 0 && inFlight.size < maxInFlight && !stopped) {
      const a = queue.shift()!;
      const t = now();
      if (t - a.intendedMs > timeoutMs) drop(a, 'queueTimeout');
      else send(a, t);
    }
  };

  const arrive = (intendedMs: number): void => {
    const t = now();
    probe.recordSlipMs(t - intendedMs);
    const item = spec.plan();
    c.scheduled++;
    arrivalsOf(spec.keyOf(item)).scheduled++;
    const a: Arrival<I> = { item, intendedMs, reachedMs: t, sentMs: 0, done: false, abandon: undefined };
    if (queue.length === 0 && inFlight.size < maxInFlight) send(a, t);
    else if (queue.length >= maxQueued) drop(a, 'queueFull');
    else queue.push(a);
  };

  let finishScheduling: (byAbort: boolean) => void = () => undefined;

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
    // Drop arrivals that have waited longer than the timeout (checked at the head: FIFO).
    const t = now();
    while (queue.length > 0 && t - queue.peek()!.intendedMs > timeoutMs) drop(queue.shift()!, 'queueTimeout');
    // A loop that cannot keep up (an overloaded generator) overruns the planned end by at most the timeout (at
    // most 5 s): a loop a little behind still starts its last arrivals (late), but what is still due then was
    // never started, and is dropped.
    if (nextT !== undefined && t >= endMs + overrunMs) return finishScheduling(false);
    if (nextT === undefined) {
      const rest = endMs - now();
      if (rest > 0) endTimer = setLongTimeout(() => finishScheduling(false), Math.ceil(rest));
      else finishScheduling(false);
      return;
    }
    const delay = startAtMs + nextT - now();
    if (n >= BATCH || delay <= 0) immediate = setImmediate(tick);
    else timer = setTimeout(tick, Math.max(1, Math.round(delay)));
  };

  /** Books `a` as never scheduled: a stop, not the generator or the pool, kept it from being started. */
  const unschedule = (a: Arrival<I>): void => {
    c.scheduled--;
    arrivalsOf(spec.keyOf(a.item)).scheduled--;
  };

  /** Due arrivals counted from the rate profile, booked on `spec.estimateKey` or spread as the mix spread the rest. */
  const bookEstimated = (rest: number): void => {
    if (spec.estimateKey !== undefined) {
      const a = arrivalsOf(spec.estimateKey);
      c.scheduled += rest;
      c.dropped += rest;
      c.droppedRunEnded += rest;
      a.scheduled += rest;
      a.dropped += rest;
    } else {
      const byKey = [...perKey.entries()].filter(([, a]) => a.dropped > 0);
      const totalDropped = byKey.reduce((x, [, a]) => x + a.dropped, 0);
      let left = rest;
      byKey.forEach(([, a], i) => {
        const k = i === byKey.length - 1 ? left : Math.round((rest * a.dropped) / totalDropped);
        left -= k;
        c.scheduled += k;
        c.dropped += k;
        c.droppedRunEnded += k;
        a.scheduled += k;
        a.dropped += k;
      });
    }
    c.droppedEstimated += rest;
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
      for (const a of queue.drain()) {
        if (a.intendedMs < overdueBefore || !byAbort) drop(a, 'runEnded');
        else unschedule(a);
      }
      // Arrivals already due that a loop running behind had not reached yet are still on the books: scheduled
      // and dropped (run ended), so scheduled == sent + dropped. Later arrivals were never due. Bounded: one by
      // one up to COUNT_ONE_BY_ONE, then counted from the rate profile, so even an overloaded generator
      // (ratePerSec far beyond what it can send) stops at once.
      let counted = 0;
      while (nextT !== undefined && startAtMs + nextT < overdueBefore && counted < COUNT_ONE_BY_ONE) {
        const a = arrivalsOf(spec.skip());
        c.scheduled++;
        c.dropped++;
        c.droppedRunEnded++;
        a.scheduled++;
        a.dropped++;
        counted++;
        nextT = schedule.next();
      }
      if (nextT !== undefined && startAtMs + nextT < overdueBefore) {
        const dueTotal = expectedArrivals(profile, (overdueBefore - startAtMs) / 1000);
        bookEstimated(Math.max(0, Math.round((dueTotal - schedule.index) / spec.estimateDivisor)));
      }
      resolve();
    };
  });
  const onAbort = (): void => {
    aborted = true;
    finishScheduling(true);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();

  const wait = startAtMs - now();
  if (!stopped) {
    if (wait > 0) endTimer = setLongTimeout(tick, Math.floor(wait));
    else tick();
  }
  await done;
  signal?.removeEventListener('abort', onAbort);

  // Drain: outcomes of what was started, bounded by the timeout (shorter on abort).
  const drainMs = aborted ? Math.min(2_000, timeoutMs) : timeoutMs + 1_000;
  if (inFlight.size > 0) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, drainMs);
      drained = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
  for (const a of inFlight) {
    c.abandonedInFlight++;
    spec.abandon(a);
  }
  inFlight.clear();
  return { counts: c, perKey, arrivalsOf, aborted };
}
