/**
 * evaluate(plan, result) → Verdict. Pure: data in, data out.
 *
 * Every check is read over the measured window (the run minus its warm-up). A windowed check must hold in
 * every window. A check whose metric was never measured is `no-data`, which fails unless the check is optional
 * (SLA tools that pass on missing data hide typos: ../shared/fixtures/k6/FORMATS.md).
 */
import type { EndpointResult, RunResult } from '../result/model.js';
import { endpointStats, hasAsSentSeries, measuredWindow, overallEndpoint, type Window } from '../result/stats.js';
import type { Check, Op, SlaPlan } from './checks.js';
import { assessTrust, type TrustIssue } from './trust.js';

export type CheckStatus = 'pass' | 'fail' | 'no-data';
/**
 * `incomplete`: interrupted, measured nothing, or the target stopped answering. `untrustworthy`: the generator
 * was saturated or sent too many arrivals late. Both exit 3 and never read as a pass (see ./trust.ts).
 */
export type VerdictStatus = 'pass' | 'fail' | 'incomplete' | 'untrustworthy';

export interface CheckResult extends Check {
  status: CheckStatus;
  /** The measured value (worst window for windowed checks). */
  actual?: number;
  /** Headroom relative to the limit, percent: positive passes, negative fails. */
  marginPct?: number;
  /** Percent metrics (error, success, loss rates): headroom in percentage points (limit − actual for an upper bound). */
  marginPp?: number;
  /** Windowed checks: how many windows were checked, how many failed, and the worst one. */
  windows?: { checked: number; failed: number; worstFromSec: number };
  /** Why there is no data, or what to know about the number. */
  detail?: string;
}

export interface Verdict {
  /** The run's outcome: trust first (incomplete > untrustworthy), then the SLA checks. */
  status: VerdictStatus;
  /** What the SLA checks alone say, whatever the trust. */
  slaStatus: 'pass' | 'fail';
  /** Why the numbers cannot be trusted (empty when they can); `accepted` when untrustworthy issues were accepted. */
  trust: { issues: TrustIssue[]; accepted: boolean };
  /** One short sentence per cause when the status is incomplete or untrustworthy (or accepted as such). */
  reason?: string;
  checks: CheckResult[];
  summary: { pass: number; fail: number; noData: number; total: number };
  notes: string[];
}

export function compareOp(actual: number, op: Op, limit: number): boolean {
  switch (op) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
  }
}

function marginPct(actual: number, op: Op, limit: number): number | undefined {
  if (limit === 0) return undefined;
  const upper = op === '<' || op === '<=';
  return ((upper ? limit - actual : actual - limit) / Math.abs(limit)) * 100;
}

type Measure = { value: number; detail?: string } | { missing: string };

const LATENCY_KEY: Record<string, 'p50Ms' | 'p90Ms' | 'p95Ms' | 'p99Ms' | 'p999Ms' | 'maxMs' | 'meanMs'> = {
  p50Ms: 'p50Ms',
  p90Ms: 'p90Ms',
  p95Ms: 'p95Ms',
  p99Ms: 'p99Ms',
  p999Ms: 'p999Ms',
  maxMs: 'maxMs',
  meanMs: 'meanMs',
};

function measure(metric: string, name: string, ep: EndpointResult | undefined, durationSec: number, w: Window | undefined, uncorrected = false): Measure {
  if (ep === undefined) return { missing: `nothing was measured for "${name}"` };
  const s = endpointStats(name, ep, durationSec, w, { uncorrected });
  const lk = LATENCY_KEY[metric];
  if (lk !== undefined) {
    const v = s.latency?.[lk];
    if (v === undefined) return { missing: s.latency === undefined ? `no latency samples for "${name}"` : `${metric} not in the source (${s.latencySource})` };
    return s.latencySource === 'histogram' ? { value: v } : { value: v, detail: `from ${s.latencySource}` };
  }
  switch (metric) {
    case 'errorRatePct':
    case 'successRatePct':
    case 'throughputPerSec': {
      const v = s[metric];
      return v === undefined ? { missing: `no requests for "${name}" in the measured window` } : { value: v };
    }
    case 'availabilityPct':
      return s.successRatePct === undefined ? { missing: 'no health probes were sent' } : { value: s.successRatePct };
    case 'droppedArrivals':
      return ep.arrivals === undefined ? { missing: `"${name}" was not driven at an arrival rate` } : { value: ep.arrivals.dropped };
    case 'lossPct':
      if (ep.stream === undefined) return { missing: `"${name}" is not a stream` };
      // Never pass on missing data: a stream without sequence numbers can't show loss (STYLE.md habit 6).
      if (ep.stream.loss === 'none') return { missing: `"${name}" carries no sequence numbers in this exchange's protocol: loss is not measurable` };
      if (ep.stream.expected === 0) return { missing: 'no stream messages were expected' };
      return ep.stream.loss === 'lowerBound'
        ? { value: (ep.stream.lost / ep.stream.expected) * 100, detail: 'a lower bound: each broken prevSeqId link counts as one lost message' }
        : { value: (ep.stream.lost / ep.stream.expected) * 100 };
    case 'reconnectSuccessPct':
      if (ep.stream === undefined) return { missing: `"${name}" is not a stream` };
      // A ratio over nothing is no data (0 of 0 reconnects is not 100%): issue #13.
      if (ep.stream.reconnectAttempts === 0)
        return { missing: ep.stream.disconnects === 0 ? 'no reconnect attempts (0 of 0): no connection dropped' : `${ep.stream.disconnects} disconnects without reconnect attempts` };
      return { value: (ep.stream.reconnectSuccesses / ep.stream.reconnectAttempts) * 100 };
  }
  if (metric.startsWith('errorsPerMinute.')) {
    const cls = metric.slice('errorsPerMinute.'.length);
    if (s.durationSec <= 0) return { missing: 'measured window is empty' };
    return { value: ((s.errorsByClass[cls] ?? 0) / s.durationSec) * 60 };
  }
  return { missing: `unknown metric ${metric}` };
}

/** Metrics whose value is a whole-run total that the per-second series cannot split. */
const WHOLE_RUN_ONLY = new Set(['droppedArrivals', 'lossPct', 'reconnectSuccessPct']);

function endpointFor(check: Check, result: RunResult, overall: () => EndpointResult | undefined): { ep: EndpointResult | undefined; name: string } {
  if (check.scope !== 'overall') return { ep: result.endpoints[check.scope], name: check.scope };
  if (check.metric === 'availabilityPct') {
    const probe = Object.entries(result.endpoints).find(([, e]) => e.kind === 'probe');
    return { ep: probe?.[1], name: probe?.[0] ?? 'health probes' };
  }
  if (check.metric === 'lossPct' || check.metric === 'reconnectSuccessPct') {
    const ws = Object.entries(result.endpoints).find(([, e]) => e.kind === 'ws');
    return { ep: ws?.[1], name: ws?.[0] ?? 'streams' };
  }
  return { ep: overall(), name: 'overall' };
}

export interface EvaluateOptions {
  /** Accept an untrustworthy run (saturated generator, late arrivals): the SLA checks decide. Overrides the plan's. */
  acceptUntrustworthy?: boolean;
}

/** Most windows a windowed check walks; past that the check reads the whole window once (with a detail). */
const MAX_WINDOWS = 100_000;

export function evaluate(plan: SlaPlan, result: RunResult, opts: EvaluateOptions = {}): Verdict {
  const notes = [...plan.notes];
  const win = measuredWindow(result);
  const dur = result.meta.durationSec;
  let overallCache: EndpointResult | undefined | null = null;
  const overall = () => (overallCache === null ? (overallCache = overallEndpoint(result)) : overallCache);
  const hasSeries = Object.values(result.endpoints).some((e) => e.series.length > 0);
  const uncorrected = plan.latencyBasis === 'uncorrected';
  if (uncorrected && Object.values(result.endpoints).some((e) => e.latencyUncorrected !== undefined))
    notes.push('latency checks read uncorrected latency (from the actual send): it hides the time requests waited to be sent');
  if (!hasSeries && result.meta.warmupSec > 0) notes.push('the result has no time series: the warm-up could not be excluded and windowed checks use the whole run');
  if (result.meta.incomplete) notes.push(`the run is incomplete (${result.meta.incomplete.reason}): checks read what was measured`);
  if (result.generator?.saturated) notes.push(`the load generator was saturated, so these numbers are not trustworthy: ${result.generator.reasons.join('; ')}`);

  const checks: CheckResult[] = plan.checks.map((c) => {
    const { ep, name } = endpointFor(c, result, overall);
    const windowed = c.windowSec !== undefined && ep !== undefined && ep.series.length > 0 && !WHOLE_RUN_ONLY.has(c.metric);
    // Results written before series carried uncorrected latency have it only as a whole-run histogram.
    const wholeRunUncorrectedOnly = uncorrected && ep?.latencyUncorrected !== undefined && !hasAsSentSeries(ep);
    let m: Measure;
    let windows: CheckResult['windows'];
    if (windowed && !(wholeRunUncorrectedOnly && c.unit === 'ms')) {
      const size = c.windowSec!;
      const measuredEnd = Math.min(win.toSec, dur);
      const ws: Window[] = [];
      // A zero or negative window would never advance (issue #16: `window: "0s"` looped forever); bound the count too.
      const count = size > 0 ? Math.floor((measuredEnd - win.fromSec + 1e-9) / size) : 0;
      if (count <= MAX_WINDOWS) for (let k = 0; k < count; k++) ws.push({ fromSec: win.fromSec + k * size, toSec: win.fromSec + (k + 1) * size });
      if (ws.length === 0) {
        m = measure(c.metric, name, ep, dur, win, uncorrected);
        const why = !(size > 0) ? `window ${size}s is not a positive length` : count > MAX_WINDOWS ? `${count} windows of ${size}s are more than ${MAX_WINDOWS}` : `the measured window is shorter than ${size}s`;
        if ('value' in m) m = { value: m.value, detail: `${why}, so it was checked once as a whole` };
      } else {
        let worst: { value: number; from: number } | undefined;
        let failed = 0;
        let checked = 0;
        let missing: string | undefined;
        for (const w of ws) {
          const wm = measure(c.metric, name, ep, dur, w, uncorrected);
          if (!('value' in wm)) {
            missing ??= wm.missing;
            continue;
          }
          checked++;
          if (!compareOp(wm.value, c.op, c.limit)) failed++;
          const isWorse = worst === undefined || (c.op === '<' || c.op === '<=' ? wm.value > worst.value : wm.value < worst.value);
          if (isWorse) worst = { value: wm.value, from: w.fromSec };
        }
        if (worst === undefined) m = { missing: missing ?? 'no data in any window' };
        else {
          m = { value: worst.value };
          windows = { checked, failed, worstFromSec: worst.from };
        }
      }
    } else if (wholeRunUncorrectedOnly && c.unit === 'ms') {
      m = measure(c.metric, name, ep, dur, undefined, true);
      if ('value' in m) m = { value: m.value, detail: 'uncorrected latency (from actual send), whole run including warm-up: this result has no per-second uncorrected latency' };
    } else m = measure(c.metric, name, ep, dur, win, uncorrected);

    if (!('value' in m)) return { ...c, status: 'no-data', detail: m.missing };
    const r: CheckResult = { ...c, status: compareOp(m.value, c.op, c.limit) ? 'pass' : 'fail', actual: m.value };
    const mp = marginPct(m.value, c.op, c.limit);
    if (mp !== undefined) r.marginPct = mp;
    if (c.unit === '%') r.marginPp = c.op === '<' || c.op === '<=' ? c.limit - m.value : m.value - c.limit;
    if (windows) {
      r.windows = windows;
      if (windows.failed > 0) r.status = 'fail';
    }
    if (m.detail) r.detail = m.detail;
    return r;
  });

  const failing = checks.filter((c) => c.status === 'fail' || (c.status === 'no-data' && !c.optional));
  const slaStatus = failing.length === 0 ? 'pass' : 'fail';
  const issues = assessTrust(result);
  const accept = opts.acceptUntrustworthy ?? plan.acceptUntrustworthy ?? false;
  const incomplete = issues.some((i) => i.level === 'incomplete');
  const untrustworthy = issues.some((i) => i.level === 'untrustworthy');
  const status: VerdictStatus = incomplete ? 'incomplete' : untrustworthy && !accept ? 'untrustworthy' : slaStatus;
  if (untrustworthy && accept && !incomplete) notes.push('an untrustworthy run was accepted (acceptUntrustworthy): the SLA checks decide the verdict');
  return {
    status,
    slaStatus,
    trust: { issues, accepted: untrustworthy && accept && !incomplete },
    ...(issues.length > 0 ? { reason: issues.map((i) => i.sentence).join(' ') } : {}),
    checks,
    summary: {
      pass: checks.filter((c) => c.status === 'pass').length,
      fail: checks.filter((c) => c.status === 'fail').length,
      noData: checks.filter((c) => c.status === 'no-data').length,
      total: checks.length,
    },
    notes,
  };
}
