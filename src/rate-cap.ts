/**
 * `target.maxRatePerSec`: a client-side cap on the requests per second all workloads send together, whatever
 * their loads ask (issue 10, "Safety"). Pure: the suite in, the capped suite and what was capped out.
 *
 * How the cap is shared: at every moment of the run the HTTP workloads running then (by `startAfterSec` and
 * duration) split it max-min fairly: a workload that asks less than an equal share keeps what it asks, the
 * rest is split equally among the others (a closed workload asks for unlimited). A workload's cap is its
 * smallest share over its whole run, so the sum of the caps of the workloads running at any moment never
 * exceeds `maxRatePerSec`. Then:
 * - open workloads (the `open` engine, and k6's arrival-rate executors generated from them): `ratePerSec` and
 *   every stage's `targetRatePerSec` are clamped to the cap (k6 `spike` scales the base rate so that
 *   base × 5 fits; k6 `order-lifecycle` sends 2 requests per iteration, so its iteration rate is half the cap);
 * - closed workloads: the engine limits them to `rateCapPerSec` whole requests per second (the closed engine
 *   spaces its sends evenly; autocannon's `overallRate`; k6's `rps` option through K6_RPS).
 * Not counted: stream workloads (subscriptions, not requests), the health probe (one per `healthIntervalSec`),
 * and set-up requests before the clock starts (markets, tickers, the order pool for cancelOrder).
 */
import { InputError } from './errors.js';
import { scenarioFor } from './engines/k6/config.js';
import { effectiveEngine } from './safety.js';
import { loadSeconds, type Suite, type Workload } from './suite/schema.js';

/** Engines that hold a closed workload to `rateCapPerSec` (autocannon's overallRate, the closed engine's pacing, k6's rps). */
const CLOSED_CAP_ENGINES: ReadonlySet<string> = new Set(['autocannon', 'closed', 'k6']);
/** k6 spike scenario: the peak is the base rate × this (scenarios/spike.ts, `spikeFactor` default). */
const K6_SPIKE_FACTOR = 5;
/** k6 order-lifecycle: a create and a cancel per iteration. */
const K6_LIFECYCLE_REQUESTS = 2;

export interface RateCapOptions {
  /** `--engine` of `loadgate run`. */
  engine?: string | undefined;
  /** LOADGATE_K6_SCENARIO. */
  k6Scenario?: string | undefined;
}

export interface WorkloadCap {
  workload: string;
  /** Requests per second its load asks at its peak (Infinity for closed workloads). */
  askedPerSec: number;
  /** Its share of `maxRatePerSec`, requests per second. */
  sharePerSec: number;
  /** The share is below what it asks: its load is limited. */
  capped: boolean;
  /** Closed workloads: the whole requests per second the engine is limited to (closed engine pacing, autocannon overallRate, k6 rps). */
  rateCapPerSec?: number;
  /** What changed, for the report: `ratePerSec 400 → 100`, … */
  changes: string[];
}

export interface RateCapPlan {
  maxRatePerSec: number | undefined;
  /** The suite to run: open workloads' rates clamped. The input when there is no cap. */
  suite: Suite;
  /** One per HTTP workload (empty without a cap). */
  caps: WorkloadCap[];
  /** A sentence per capped workload, for the console and the report's notes. */
  notes: string[];
}

/** Rates are kept to multiples of 1/60 per second: k6 turns a fractional rate into a whole rate per minute. */
const floorPerMinute = (perSec: number): number => Math.floor(perSec * 60 + 1e-9) / 60;
const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(3).replace(/0+$/, ''));

/** Requests one unit of the workload's arrival rate sends, and what its peak rate is multiplied by. */
function shape(w: Workload, opts: RateCapOptions): { perArrival: number; peakFactor: number; k6: string | undefined } {
  if (effectiveEngine(w, opts.engine) !== 'k6') return { perArrival: 1, peakFactor: 1, k6: undefined };
  const scenario = scenarioFor(w, opts.k6Scenario);
  if (scenario === 'order-lifecycle') return { perArrival: K6_LIFECYCLE_REQUESTS, peakFactor: 1, k6: scenario };
  if (scenario === 'spike') return { perArrival: 1, peakFactor: K6_SPIKE_FACTOR, k6: scenario };
  return { perArrival: 1, peakFactor: 1, k6: scenario };
}

/** Requests per second a workload asks at its peak; Infinity for closed ones. */
export function askedPerSec(w: Workload, opts: RateCapOptions = {}): number {
  const l = w.load;
  if (l.model !== 'open') return Number.POSITIVE_INFINITY;
  const s = shape(w, opts);
  // k6 spike and soak shape their own stages from ratePerSec alone.
  const peak = s.k6 === 'spike' || s.k6 === 'soak' ? l.ratePerSec : Math.max(l.ratePerSec, ...(l.stages ?? []).map((st) => st.targetRatePerSec));
  return peak * s.peakFactor * s.perArrival;
}

/** Max-min fair split of `cap` among demands: each gets min(demand, an equal share of what is left). */
export function fairShares(cap: number, demands: readonly number[]): number[] {
  const order = demands.map((d, i) => ({ d, i })).sort((a, b) => a.d - b.d);
  const out = new Array<number>(demands.length).fill(0);
  let left = cap;
  order.forEach(({ d, i }, k) => {
    const give = Math.min(d, left / (order.length - k));
    out[i] = give;
    left -= give;
  });
  return out;
}

/**
 * Each HTTP workload's share of `cap`: its smallest max-min fair share over the moments it runs (the sum over the
 * workloads running at any moment is at most `cap`).
 */
export function sharesOverTime(cap: number, spans: ReadonlyArray<{ startSec: number; endSec: number; askedPerSec: number }>): number[] {
  const points = [...new Set(spans.flatMap((s) => [s.startSec, s.endSec]))].sort((a, b) => a - b);
  const share = spans.map(() => Number.POSITIVE_INFINITY);
  for (const at of points) {
    const active = spans.flatMap((s, i) => (s.startSec <= at && at < s.endSec ? [i] : []));
    if (active.length === 0) continue;
    const got = fairShares(cap, active.map((i) => spans[i]!.askedPerSec));
    active.forEach((i, k) => (share[i] = Math.min(share[i]!, got[k]!)));
  }
  return share.map((s) => (Number.isFinite(s) ? s : cap));
}

/** The suite with `target.maxRatePerSec` applied. Throws (exit 2) when a workload's share is too small to send anything. */
export function planRateCap(suite: Suite, opts: RateCapOptions = {}): RateCapPlan {
  const max = suite.target.maxRatePerSec;
  if (max === undefined) return { maxRatePerSec: undefined, suite, caps: [], notes: [] };
  const http = suite.workloads.map((w, i) => ({ w, i })).filter(({ w }) => w.load.model !== 'stream');
  const spans = http.map(({ w }) => ({ startSec: w.startAfterSec, endSec: w.startAfterSec + loadSeconds(w.load), askedPerSec: askedPerSec(w, opts) }));
  const shares = sharesOverTime(max, spans);
  const workloads = [...suite.workloads];
  const caps: WorkloadCap[] = [];
  const notes: string[] = [];
  http.forEach(({ w, i }, k) => {
    const asked = spans[k]!.askedPerSec;
    const sharePerSec = shares[k]!;
    const cap: WorkloadCap = { workload: w.name, askedPerSec: asked, sharePerSec, capped: sharePerSec < asked, changes: [] };
    caps.push(cap);
    if (!cap.capped) return;
    const l = w.load;
    const where = `workloads[${i}] (${w.name})`;
    if (l.model === 'closed') {
      const engine = effectiveEngine(w, opts.engine);
      if (!CLOSED_CAP_ENGINES.has(engine)) {
        throw new InputError('LG_RATE_CAP_UNSUPPORTED', `target.maxRatePerSec: ${where} is a closed workload on the ${engine} engine, which cannot be held to a rate`, { hint: 'give it an open load (`model: open, ratePerSec: …`), whose rate the cap clamps' });
      }
      const whole = Math.floor(sharePerSec + 1e-9);
      if (whole < 1) throw new InputError('LG_RATE_CAP_TOO_LOW', `target.maxRatePerSec: ${where} gets ${fmt(sharePerSec)} req/s of the ${fmt(max)}, and a closed workload is limited in whole requests per second`, { hint: 'raise target.maxRatePerSec, or run fewer workloads at once' });
      cap.rateCapPerSec = whole;
      cap.changes.push(`${l.connections} connections limited to ${whole} req/s`);
    } else if (l.model === 'open') {
      const s = shape(w, opts);
      const arrivalCap = floorPerMinute(sharePerSec / (s.perArrival * s.peakFactor));
      if (!(arrivalCap > 0)) throw new InputError('LG_RATE_CAP_TOO_LOW', `target.maxRatePerSec: ${where} gets ${fmt(sharePerSec)} req/s of the ${fmt(max)}, below one request a minute`, { hint: 'raise target.maxRatePerSec, or run fewer workloads at once' });
      const clamp = (r: number) => Math.min(r, arrivalCap);
      const capped = { ...l, ratePerSec: clamp(l.ratePerSec), ...(l.stages ? { stages: l.stages.map((st) => ({ ...st, targetRatePerSec: clamp(st.targetRatePerSec) })) } : {}) };
      if (capped.ratePerSec !== l.ratePerSec) cap.changes.push(`ratePerSec ${fmt(l.ratePerSec)} → ${fmt(capped.ratePerSec)}`);
      l.stages?.forEach((st, j) => {
        const to = capped.stages![j]!.targetRatePerSec;
        if (to !== st.targetRatePerSec) cap.changes.push(`stages[${j}].targetRatePerSec ${fmt(st.targetRatePerSec)} → ${fmt(to)}`);
      });
      if (s.k6 === 'spike') cap.changes.push(`k6 spike peak ${fmt(l.ratePerSec * K6_SPIKE_FACTOR)} → ${fmt(capped.ratePerSec * K6_SPIKE_FACTOR)}`);
      if (s.k6 === 'order-lifecycle') cap.changes.push(`${K6_LIFECYCLE_REQUESTS} requests per k6 iteration`);
      workloads[i] = { ...w, load: capped };
    }
    const asking = Number.isFinite(asked) ? `asks up to ${fmt(asked)} req/s` : 'is closed (as fast as the target answers)';
    notes.push(`target.maxRatePerSec ${fmt(max)}: workload ${w.name} ${asking}, capped at ${fmt(sharePerSec)} req/s (${cap.changes.join('; ')})`);
  });
  return { maxRatePerSec: max, suite: { ...suite, workloads }, caps, notes };
}
