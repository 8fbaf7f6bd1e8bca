/**
 * compare(base, candidate) → Comparison: for every endpoint and metric, the change, an interval for it, and a
 * verdict (improved / regressed / unchanged / inconclusive) that tells a real regression from noise. Pure:
 * no fs, console or clock; randomness is seeded and injectable (issue #5).
 *
 * Statistics (see README of the issue for why):
 * - Every change is measured as a log ratio log(cand / base), so swapping the sides negates it exactly and the
 *   noise floor means the same thing in both directions (cand/base beyond 1.05 or below 1/1.05 by default).
 * - One run per side (or one side with a single run: runs are pooled): latency percentiles are bootstrapped
 *   from the HDR histograms with an exact order-statistic shortcut (see data.ts), throughput with a
 *   moving-block bootstrap of per-second counts, error rate and stream loss with a binomial model (Katz log
 *   risk ratio). The maximum gets no verdict: the bootstrap is not valid for extremes.
 * - Repeated runs (≥ 2 per side): Mann–Whitney U across the runs' values with exact p-values, the
 *   Hodges–Lehmann shift and its Moses interval. Too few runs to reach significance → inconclusive.
 * - p-values are adjusted with Benjamini–Hochberg in two families ("tail vs others" and the rest), each at
 *   1 − confidence: under "nothing changed" that keeps the chance of a false regression in the whole table at
 *   about 1 − confidence (each test is two-sided; see the families below).
 * - Health probes (kind 'probe') are compared on their failure rate only (availability), see below.
 */
import { InputError } from '../errors.js';
import type { RunResult } from '../result/model.js';
import { compileSla } from '../sla/checks.js';
import { measuredWindow } from '../result/stats.js';
import { slaSchema } from '../suite/schema.js';
import { evaluate } from '../sla/evaluate.js';
import { PRESETS } from '../sla/presets.js';
import {
  OVERALL,
  PERCENTILES,
  bootstrapLogMean,
  bootstrapLogPercentile,
  runData,
  cdfOf,
  rankOf,
  valueAtCount,
  mergeBuckets,
  type Buckets,
  type Cdf,
  type EndpointData,
  type MetricId,
} from './data.js';
import { hashArray, hashWords, mulberry32, type RngFactory } from './random.js';
import { beyondFloorPValue, blockDf, blockReplicates, drawWeights, medianOf, observed, ratioReplicates, sdOf, secondTable, type SecondTable } from './blocks.js';
import { benjaminiHochberg, bootstrapPValue, hodgesLehmann, logRiskRatio, mannWhitney, mannWhitneyMinP, percentileInterval, type Interval } from './tests.js';

export type { MetricId } from './data.js';

export type MetricVerdict = 'improved' | 'regressed' | 'unchanged' | 'inconclusive';

export interface CompareOptions {
  /**
   * Relative changes smaller than this are "unchanged" even when significant. Percent, default 5; p99 uses
   * twice and p99.9 four times this (tails move more between identical runs).
   */
  noiseFloorPct?: number;
  /** Latency changes smaller than this many ms are "unchanged" whatever their percentage (near-zero latencies). Default 0.5. */
  noiseFloorMs?: number;
  /**
   * One run per side: a latency change that every endpoint of the kind (http, ws) shares — the signature of a
   * busier machine — counts only beyond this, and only when both runs' generator health is alike. Percent, default 100.
   */
  sharedNoiseFloorPct?: number;
  /** Confidence level of intervals and of the family of verdicts. Default 0.95. */
  confidence?: number;
  /**
   * Level of the "tail vs others" family (its verdicts and intervals). Default 0.99: this is the test that
   * decides a compare of one run per side, the comparison a nightly gate makes every night, and its run-to-run
   * noise is estimated from a handful of other endpoints. At 0.95, three sets of the compare-aa bench went red on
   * 1, 2 and 1 of 15 unchanged pairs; at 0.99 three sets went red on none and still found its change in 5 of 5.
   */
  tailConfidence?: number;
  /** Bootstrap replicates per metric. Default 2000 (enough for p-values down to 0.001 after adjustment). */
  bootstrapIterations?: number;
  /** Seed of every random stream. Default 1: the same inputs give the same output. */
  seed?: number;
  /** Multiple-comparison adjustment across the table. Default `bh` (Benjamini–Hochberg); `none` for per-metric tests. */
  adjust?: 'bh' | 'none';
  /**
   * Which latency to compare for open-model endpoints. `auto` (default): corrected (from the intended send time)
   * when every run has it for the endpoint, else as sent on every run, so the two sides are like for like (a
   * k6 or closed-model run has only latency as sent). `uncorrected`: as sent everywhere.
   */
  latencyBasis?: 'auto' | 'uncorrected';
  /** Makes a seeded uniform stream; default mulberry32. */
  rng?: RngFactory;
}

export type ResolvedCompareOptions = Required<Omit<CompareOptions, 'rng'>>;

export interface MetricComparison {
  metric: MetricId;
  /** Short display name: p50, p99.9, error rate… */
  label: string;
  unit: 'ms' | '%' | '/s';
  better: 'lower' | 'higher';
  /** Pooled value (one run per side) or median across runs. */
  base?: number;
  cand?: number;
  /** cand − base, in `unit`. */
  delta?: number;
  /** Estimated relative change, percent (exp(logRatio) − 1). */
  deltaPct?: number;
  /** Estimated log(cand / base): the scale every test works on. */
  logRatio?: number;
  /** Interval of the relative change, percent, at `level` (marginal, not adjusted). */
  ci?: { lowPct: number; highPct: number; level: number };
  pValue?: number;
  /** p-value adjusted across the comparison (Benjamini–Hochberg), what the verdict uses. */
  qValue?: number;
  method: 'bootstrap-blocks' | 'bootstrap-histogram' | 'bootstrap-series' | 'binomial' | 'mann-whitney' | 'none';
  /** What the numbers rest on per side: samples (latency), seconds (throughput), requests or messages, or runs. */
  n: { base: number; cand: number; of: 'samples' | 'seconds' | 'requests' | 'messages' | 'runs' };
  /** Tail percentiles: samples beyond the percentile on each side (the fewest of any run with repeated runs). */
  tail?: { base: number; cand: number };
  /** A tail percentile resting on fewer than 10 samples beyond it. */
  thinTail: boolean;
  verdict: MetricVerdict;
  /** Why this verdict, in one sentence. */
  reason: string;
}

export interface EndpointComparison {
  name: string;
  kind: 'http' | 'ws' | 'probe';
  /** Present on one side only. */
  onlyIn?: 'base' | 'cand';
  metrics: MetricComparison[];
}

export interface PhaseCheck {
  phase: string;
  /** The SLA preset evaluated (undefined when no preset has the phase's name). */
  preset: string | undefined;
  status: 'pass' | 'fail' | 'unknown';
  /** Per run: status and the checks that did not pass. */
  runs: Array<{ status: 'pass' | 'fail'; failed: Array<{ id: string; status: 'fail' | 'no-data'; actual?: number; limit: number; op: string; unit: string }> }>;
  note?: string;
}

/** The SLA each run carried (its suite's `sla` block), evaluated on each side. */
export interface SlaSide {
  /** Runs of the side that carried an SLA. */
  runs: number;
  /** Of those, runs where every check passed. */
  passed: number;
  /** Checks per run (of the first run with an SLA). */
  checks: number;
  /** Checks that failed or had no data in any run (one entry per check id). */
  failed: Array<{ id: string; status: 'fail' | 'no-data'; actual?: number; limit: number; op: string; unit: string }>;
}

/** One reason an input cannot be trusted for a gate. */
export interface TrustProblem {
  side: 'base' | 'candidate';
  /** 1-based run of the side, when it has several. */
  run?: number;
  reason: string;
}

export interface SideSummary {
  runs: number;
  labels: string[];
  phases: string[];
  engines: string[];
  suites: string[];
}

export interface Comparison {
  kind: 'loadgate.comparison';
  schemaVersion: 1;
  /** `pooled`: a single run on at least one side, tests read the samples; `runs`: across repeated runs. */
  mode: 'pooled' | 'runs';
  options: ResolvedCompareOptions;
  base: SideSummary;
  cand: SideSummary;
  /** regressed if any metric regressed, else improved if any improved, else unchanged if any unchanged, else inconclusive. */
  verdict: MetricVerdict;
  counts: Record<MetricVerdict, number>;
  endpoints: EndpointComparison[];
  phases: { base?: PhaseCheck; cand?: PhaseCheck; candNext?: PhaseCheck };
  /** Each side's own SLA outcome, when the runs carried one; `changed` when the sides' outcomes differ. */
  sla?: { base?: SlaSide; cand?: SlaSide; changed: boolean };
  /**
   * Inputs a gate must not pass on: interrupted, generator saturated, no endpoints, or no measured time.
   * With `--fail-on regression` and no regression, compare exits 3 on any of these.
   */
  untrustworthy: TrustProblem[];
  /** Differences of the inputs a reader must see with the verdict (e.g. different suites). */
  caveats: string[];
  notes: string[];
}

export const DEFAULT_COMPARE_OPTIONS: ResolvedCompareOptions = {
  noiseFloorPct: 5,
  noiseFloorMs: 0.5,
  sharedNoiseFloorPct: 100,
  confidence: 0.95,
  tailConfidence: 0.99,
  bootstrapIterations: 2000,
  seed: 1,
  adjust: 'bh',
  latencyBasis: 'auto',
};

const METRICS: Array<{ id: MetricId; label: string; unit: MetricComparison['unit']; better: MetricComparison['better'] }> = [
  { id: 'p50Ms', label: 'p50', unit: 'ms', better: 'lower' },
  { id: 'p95Ms', label: 'p95', unit: 'ms', better: 'lower' },
  { id: 'p99Ms', label: 'p99', unit: 'ms', better: 'lower' },
  { id: 'p999Ms', label: 'p99.9', unit: 'ms', better: 'lower' },
  { id: 'maxMs', label: 'max', unit: 'ms', better: 'lower' },
  { id: 'tailVsOthersPct', label: 'tail vs others', unit: '%', better: 'lower' },
  { id: 'errorRatePct', label: 'error rate', unit: '%', better: 'lower' },
  { id: 'throughputPerSec', label: 'throughput', unit: '/s', better: 'higher' },
  { id: 'lossPct', label: 'ws loss', unit: '%', better: 'lower' },
];

/** Most bootstrap replicates accepted (issue #16 item 5: `--iterations 1e9` never returned). */
export const MAX_ITERATIONS = 100_000;

/** A tail percentile with fewer samples than this beyond it is flagged. */
export const THIN_TAIL_SAMPLES = 10;
/** Fewest full seconds per side for a throughput interval. */
export const MIN_SECONDS = 5;

/** What a metric's test produced before the family-wide adjustment. */
interface Tested {
  m: MetricComparison;
  /** log of this metric's noise floor (relative and absolute, see floorLogFor). */
  floorLog?: number;
  /** Block bootstrap (one run per side): which path gave the p-value, and the change relative to the kind's median endpoint. */
  block?: { path: 'relative' | 'shared' | 'none'; relative?: number; shared?: number; sharedFloorLog: number; parity: Parity };
  /** log-ratio estimate and interval; absent when there is no test. */
  est?: number;
  interval?: Interval;
  /** Fixed verdict (no test possible, or nothing to test). */
  fixed?: { verdict: MetricVerdict; reason: string };
}

function resolve(opts: CompareOptions): ResolvedCompareOptions {
  const o = { ...DEFAULT_COMPARE_OPTIONS };
  for (const k of Object.keys(o) as Array<keyof ResolvedCompareOptions>) if (opts[k] !== undefined) (o as Record<string, unknown>)[k] = opts[k];
  if (!(o.noiseFloorPct >= 0)) throw new InputError('LG_COMPARE_OPTION', `noise floor must be ≥ 0 %, got ${o.noiseFloorPct}`);
  if (!(o.noiseFloorMs >= 0)) throw new InputError('LG_COMPARE_OPTION', `absolute noise floor must be ≥ 0 ms, got ${o.noiseFloorMs}`);
  if (!(o.sharedNoiseFloorPct >= 0)) throw new InputError('LG_COMPARE_OPTION', `shared noise floor must be ≥ 0 %, got ${o.sharedNoiseFloorPct}`);
  if (!(o.confidence > 0 && o.confidence < 1)) throw new InputError('LG_COMPARE_OPTION', `confidence must be between 0 and 1, got ${o.confidence}`, { hint: 'e.g. 0.95' });
  if (!(o.tailConfidence > 0 && o.tailConfidence < 1)) throw new InputError('LG_COMPARE_OPTION', `tail confidence must be between 0 and 1, got ${o.tailConfidence}`, { hint: 'e.g. 0.99' });
  if (!(Number.isInteger(o.bootstrapIterations) && o.bootstrapIterations >= 100 && o.bootstrapIterations <= MAX_ITERATIONS)) {
    throw new InputError('LG_COMPARE_OPTION', `bootstrap iterations must be an integer from 100 to ${MAX_ITERATIONS}, got ${o.bootstrapIterations}`, {
      hint: `the default 2000 resolves p-values to 0.001; more than ${MAX_ITERATIONS} only costs time`,
    });
  }
  if (o.latencyBasis !== 'auto' && o.latencyBasis !== 'uncorrected') {
    throw new InputError('LG_COMPARE_OPTION', `latency basis must be auto or uncorrected, got ${String(o.latencyBasis)}`);
  }
  return o;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length;
  return m % 2 === 1 ? s[(m - 1) / 2]! : (s[m / 2 - 1]! + s[m / 2]!) / 2;
};

const uniq = (xs: Array<string | undefined>) => [...new Set(xs.filter((x): x is string => x !== undefined))].sort();

function sideSummary(runs: RunResult[]): SideSummary {
  return {
    runs: runs.length,
    labels: uniq(runs.map((r) => r.meta.label)),
    phases: uniq(runs.map((r) => r.meta.phase)),
    engines: uniq(runs.flatMap((r) => r.meta.engines.map((e) => e.name))),
    suites: uniq(runs.map((r) => r.meta.suite)),
  };
}

const KIND_ORDER = { http: 0, ws: 1, probe: 2 } as const;

/**
 * Endpoints whose latency is compared as sent: all of them with `uncorrected`; with `auto`, those that have
 * corrected latency in some runs but not in others (an open-model run against a k6 or closed-model one).
 */
function asSentEndpoints(base: RunResult[], cand: RunResult[], basis: ResolvedCompareOptions['latencyBasis'], notes: string[]): Set<string> {
  const withCorrected = new Set<string>();
  const without = new Map<string, string>();
  for (const [side, runs] of [['base', base], ['candidate', cand]] as const) {
    runs.forEach((r, i) => {
      for (const [name, ep] of Object.entries(r.endpoints)) {
        if (ep.kind !== 'http') continue;
        if (ep.latencyUncorrected !== undefined) withCorrected.add(name);
        else if (!without.has(name)) without.set(name, `${runs.length > 1 ? `${side} run ${i + 1}` : side} (${r.meta.engines.map((e) => e.name).join(', ') || '?'})`);
      }
    });
  }
  if (basis === 'uncorrected') {
    if (withCorrected.size > 0) notes.push('latency is compared as sent (uncorrected) on every endpoint, as asked: it hides the time requests waited to be sent');
    return withCorrected;
  }
  const mixed = [...withCorrected].filter((n) => without.has(n)).sort();
  for (const name of mixed) {
    notes.push(
      `${name}: latency compared as sent (uncorrected) on every run, because ${without.get(name)} has no corrected latency for it; ` +
        'corrected (intended-time) latency against latency as sent would not be like for like',
    );
  }
  return new Set(mixed);
}

/** Compare a baseline (one or more runs) with a candidate (one or more runs). */
export function compare(base: RunResult[], cand: RunResult[], options: CompareOptions = {}): Comparison {
  if (base.length === 0 || cand.length === 0) {
    throw new InputError('LG_COMPARE_EMPTY', `compare needs at least one result per side (got ${base.length} base, ${cand.length} candidate)`);
  }
  const opts = resolve(options);
  const makeRng = options.rng ?? mulberry32;
  const mode: Comparison['mode'] = base.length >= 2 && cand.length >= 2 ? 'runs' : 'pooled';
  const notes: string[] = [];
  if (mode === 'pooled' && (base.length > 1 || cand.length > 1)) {
    notes.push(
      `${base.length} base run(s) against ${cand.length} candidate run(s): the runs of each side are pooled, so run-to-run variation is not in the intervals; repeat both sides for a test across runs`,
    );
  }

  const asSent = asSentEndpoints(base, cand, opts.latencyBasis, notes);
  // Per side: endpoint name → per-run data.
  const bRuns = base.map((r) => runData(r, asSent));
  const cRuns = cand.map((r) => runData(r, asSent));
  const collect = (runs: Array<Map<string, EndpointData>>) => {
    const out = new Map<string, EndpointData[]>();
    for (const r of runs) for (const [name, d] of r) out.set(name, [...(out.get(name) ?? []), d]);
    return out;
  };
  const b = collect(bRuns);
  const c = collect(cRuns);
  const names = [...new Set([...b.keys(), ...c.keys()])];
  const kindOf = (n: string) => (b.get(n) ?? c.get(n))![0]!.kind;
  names.sort((x, y) => (x === OVERALL ? -1 : y === OVERALL ? 1 : KIND_ORDER[kindOf(x)] - KIND_ORDER[kindOf(y)] || (x < y ? -1 : x > y ? 1 : 0)));

  const parity = healthParity(base, cand);
  const blocks = mode === 'pooled' ? blockPlan(bRuns, cRuns, names, kindOf, opts, makeRng) : new Map<string, EndpointBlocks>();
  const tested: Tested[] = [];
  const endpoints: EndpointComparison[] = [];
  for (const name of names) {
    const bd = b.get(name);
    const cd = c.get(name);
    const ec: EndpointComparison = { name, kind: kindOf(name), metrics: [] };
    if (bd === undefined || cd === undefined) ec.onlyIn = bd === undefined ? 'cand' : 'base';
    for (const def of METRICS) {
      if (def.id === 'lossPct' && ec.kind !== 'ws') continue;
      // A health probe measures availability on a schedule the suite sets (healthIntervalSec): its request rate
      // is that schedule, not throughput, and its latency is a trivial endpoint sampled once per interval (thin
      // tails, not what users call). Only its failure rate says something about the system under test.
      if (ec.kind === 'probe' && def.id !== 'errorRatePct') continue;
      const t =
        bd === undefined || cd === undefined
          ? onlyOneSide(def, bd, cd)
          : mode === 'runs'
            ? testRuns(def, bd, cd, opts)
            : testPooled(def, name, bd, cd, opts, makeRng, blocks.get(name), parity);
      if (t === undefined) continue;
      tested.push(t);
      ec.metrics.push(t.m);
    }
    endpoints.push(ec);
  }

  // Family-wide adjustment, then verdicts.
  const alpha = 1 - opts.confidence;
  const tailAlpha = 1 - opts.tailConfidence;
  const withP = tested.filter((t) => t.fixed === undefined && t.m.pValue !== undefined);
  // Two families, Benjamini–Hochberg within each: "tail vs others" (one endpoint against the rest of its run: the
  // question one run per side can answer through machine noise) at 1 − tailConfidence, and everything else at
  // 1 − confidence. Mixed into one family, the dozens of latency rows that a busier machine keeps from a verdict
  // would dilute the few tests that can see a change. What a level holds is a false *regression* (what
  // `--fail-on regression` gates on): one direction of two-sided tests, half the level a family when nothing
  // changed. The tail family is the stricter one because it is what decides a nightly one-run-per-side gate.
  const families = [withP.filter((t) => t.m.metric === 'tailVsOthersPct'), withP.filter((t) => t.m.metric !== 'tailVsOthersPct')].filter((f) => f.length > 0);
  for (const f of families) {
    const q = opts.adjust === 'bh' ? benjaminiHochberg(f.map((t) => t.m.pValue!)) : f.map((t) => t.m.pValue!);
    f.forEach((t, i) => (t.m.qValue = Math.min(1, q[i]!)));
  }
  for (const t of tested) {
    if (t.fixed !== undefined) {
      t.m.verdict = t.fixed.verdict;
      t.m.reason = t.fixed.reason;
      continue;
    }
    const v = decide(t, t.m.metric === 'tailVsOthersPct' ? tailAlpha : alpha, opts, withP.length);
    t.m.verdict = v.verdict;
    t.m.reason = v.reason;
  }

  const counts: Record<MetricVerdict, number> = { improved: 0, regressed: 0, unchanged: 0, inconclusive: 0 };
  for (const t of tested) counts[t.m.verdict]++;
  const verdict: MetricVerdict = counts.regressed > 0 ? 'regressed' : counts.improved > 0 ? 'improved' : counts.unchanged > 0 ? 'unchanged' : 'inconclusive';

  const baseSide = sideSummary(base);
  const candSide = sideSummary(cand);
  if (baseSide.engines.join() !== candSide.engines.join()) {
    notes.push(`engines differ (${baseSide.engines.join(', ') || '?'} vs ${candSide.engines.join(', ') || '?'}): compared on the shared result model`);
  }
  const caveats: string[] = [];
  if (baseSide.suites.join() !== candSide.suites.join()) caveats.push(`suites differ (${baseSide.suites.join(', ')} vs ${candSide.suites.join(', ')})`);
  const untrustworthy: TrustProblem[] = [];
  for (const [side, runs] of [['base', base], ['candidate', cand]] as const) {
    runs.forEach((r, i) => {
      const at = runs.length > 1 ? { run: i + 1 } : {};
      if (r.meta.incomplete) untrustworthy.push({ side, ...at, reason: `incomplete run (${r.meta.incomplete.reason})` });
      if (r.generator?.saturated) untrustworthy.push({ side, ...at, reason: `the load generator was saturated (${r.generator.reasons.join('; ')})` });
      if (Object.keys(r.endpoints).length === 0) untrustworthy.push({ side, ...at, reason: 'no endpoints: nothing was measured' });
      else if (!(r.meta.durationSec > 0) || measuredWindow(r).toSec <= measuredWindow(r).fromSec) {
        untrustworthy.push({ side, ...at, reason: `no measured time (duration ${r.meta.durationSec} s, warm-up ${r.meta.warmupSec} s)` });
      }
    });
  }
  if (opts.adjust === 'bh' && withP.length > 1) {
    // A false regression is one direction of two-sided tests: half of each family's level present.
    const falseRegression = families.reduce((a, f) => a + (f[0]!.m.metric === 'tailVsOthersPct' ? tailAlpha : alpha) / 2, 0);
    notes.push(
      `verdicts use p-values adjusted across ${withP.length} tests (Benjamini–Hochberg${families.length > 1 ? `, in two families — "tail vs others" at ${fmtP(tailAlpha)} and the rest at ${fmtP(alpha)}` : ''}), which keeps the chance of a false regression in this table at about ${fmtP(falseRegression)} when nothing changed`,
    );
  }

  return {
    kind: 'loadgate.comparison',
    schemaVersion: 1,
    mode,
    options: opts,
    base: baseSide,
    cand: candSide,
    verdict,
    counts,
    endpoints,
    phases: phaseChecks(base, cand, notes),
    ...slaOutcome(base, cand, notes),
    untrustworthy,
    caveats,
    notes,
  };
}

/** Each side's own SLA (from the runs' `meta.sla`), evaluated as `loadgate report` would. */
function slaOutcome(base: RunResult[], cand: RunResult[], notes: string[]): { sla?: NonNullable<Comparison['sla']> } {
  const side = (runs: RunResult[], name: string): SlaSide | undefined => {
    const out: SlaSide = { runs: 0, passed: 0, checks: 0, failed: [] };
    const failed = new Map<string, SlaSide['failed'][number]>();
    runs.forEach((r, i) => {
      if (r.meta.sla === undefined) return;
      const parsed = slaSchema.safeParse(r.meta.sla);
      if (!parsed.success) {
        notes.push(`${name}${runs.length > 1 ? ` run ${i + 1}` : ''}: its SLA block does not validate, so it is not evaluated here`);
        return;
      }
      const driven = new Set(Object.keys(r.endpoints));
      const open = new Set(Object.entries(r.endpoints).filter(([, e]) => e.arrivals !== undefined).map(([n]) => n));
      const v = evaluate(compileSla(parsed.data, { drivenEndpoints: driven, openModelEndpoints: open }), r);
      out.runs++;
      if (v.status === 'pass') out.passed++;
      if (out.checks === 0) out.checks = v.summary.total;
      for (const c of v.checks) {
        if (c.status === 'pass' || (c.status === 'no-data' && c.optional) || failed.has(c.id)) continue;
        failed.set(c.id, { id: c.id, status: c.status === 'fail' ? 'fail' : 'no-data', ...(c.actual !== undefined ? { actual: c.actual } : {}), limit: c.limit, op: c.op, unit: c.unit });
      }
    });
    out.failed = [...failed.values()];
    return out.runs > 0 ? out : undefined;
  };
  const b = side(base, 'base');
  const c = side(cand, 'candidate');
  if (b === undefined && c === undefined) return {};
  const state = (x: SlaSide | undefined) => (x === undefined ? 'none' : x.passed === x.runs ? 'pass' : `fail:${x.failed.map((f) => f.id).join(',')}`);
  return { sla: { ...(b ? { base: b } : {}), ...(c ? { cand: c } : {}), changed: state(b) !== state(c) } };
}

function fmtP(p: number): string {
  return p >= 0.01 ? p.toFixed(2) : p.toPrecision(1);
}

function fmtPct(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
}

function decide(t: Tested, alpha: number, opts: ResolvedCompareOptions, family: number): { verdict: MetricVerdict; reason: string } {
  const { m } = t;
  const est = t.est!;
  const iv = t.interval!;
  const q = m.qValue!;
  const sig = q <= alpha;
  const floorLog = t.floorLog ?? Math.log1p(opts.noiseFloorPct / 100);
  const floorPct = Math.expm1(floorLog) * 100;
  // Say the absolute floor in ms where it is the one that applies (near-zero latencies).
  const relLog = Math.log1p(((TAIL_FLOOR[m.metric] ?? 1) * opts.noiseFloorPct) / 100);
  const floor = m.unit === 'ms' && floorLog > relLog + 1e-12 ? `±${opts.noiseFloorMs} ms` : `±${fmtFloor(floorPct)}%`;
  const ci = `${fmtPct(Math.expm1(iv.lo) * 100)} … ${fmtPct(Math.expm1(iv.hi) * 100)}`;
  const pq = opts.adjust === 'bh' && family > 1 ? `q=${fmtP(q)}` : `p=${fmtP(q)}`;
  const worse = m.better === 'lower' ? est > 0 : est < 0;
  const bl = t.block;
  if (bl !== undefined) {
    if (sig && bl.path !== 'none') {
      const how =
        bl.path === 'relative'
          ? `beyond the ${floor} noise floor against the run's other ${t.m.unit === 'ms' ? 'endpoints of its kind' : 'endpoints'} (${fmtPct(Math.expm1(bl.relative!) * 100)} relative to their median change of ${fmtPct(Math.expm1(bl.shared!) * 100)})`
          : `beyond the ±${fmtFloor(Math.expm1(bl.sharedFloorLog) * 100)}% floor for a change every endpoint shares, with generator health alike on both sides`;
      return { verdict: worse ? 'regressed' : 'improved', reason: `significant (${pq}, block bootstrap over seconds) and ${how}` };
    }
    if (iv.lo >= -floorLog && iv.hi <= floorLog) return { verdict: 'unchanged', reason: `the interval (${ci}) lies within the noise floor (${floor})` };
    if (Math.abs(est) <= floorLog) return { verdict: 'inconclusive', reason: `the change is within the noise floor (${floor}), but the interval (${ci}) reaches beyond it: repeat runs would tell` };
    if (bl.relative !== undefined && Math.abs(bl.relative) <= floorLog) {
      return {
        verdict: 'inconclusive',
        reason:
          `moved with the run's other endpoints (their median ${fmtPct(Math.expm1(bl.shared!) * 100)}, this one ${fmtPct(Math.expm1(est) * 100)}): a shift every endpoint shares is what a busier machine looks like` +
          `${bl.parity.ok ? '' : ` (${bl.parity.why})`}; repeat runs (loadgate run --repeat 5) to tell it from a change of the whole target`,
      };
    }
    if (m.thinTail) return { verdict: 'inconclusive', reason: `rests on fewer than ${THIN_TAIL_SAMPLES} samples beyond the percentile on a side: no verdict on a tail that thin` };
    return { verdict: 'inconclusive', reason: `no significant change beyond the noise floor (${pq}); the interval (${ci}) reaches beyond ${floor}: repeat runs would tell` };
  }
  if (sig && Math.abs(est) > floorLog) {
    const against =
      m.metric === 'tailVsOthersPct'
        ? `: its requests rank ${worse ? 'higher' : 'lower'} among the other http endpoints' requests of the same seconds than in the base (upper-half Savage scores), so what slowed or sped up the whole machine cancels`
        : '';
    return { verdict: worse ? 'regressed' : 'improved', reason: `significant (${pq}) and beyond the ${floor} noise floor${against}` };
  }
  if (iv.lo >= -floorLog && iv.hi <= floorLog) return { verdict: 'unchanged', reason: `the interval (${ci}) lies within the noise floor (${floor})` };
  if (sig) return { verdict: 'unchanged', reason: `significant (${pq}) but smaller than the ${floor} noise floor` };
  const adj = m.pValue! <= alpha && opts.adjust === 'bh' && family > 1 ? ` after adjusting for ${family} tests (p=${fmtP(m.pValue!)}, q=${fmtP(q)})` : ` (${pq})`;
  return { verdict: 'inconclusive', reason: `no significant change${adj}, but the interval (${ci}) reaches beyond ${floor}: more samples or runs would tell` };
}

function fmtFloor(pct: number): string {
  return pct >= 10 ? pct.toFixed(0) : pct.toFixed(1).replace(/\.0$/, '');
}

/** Tails move more than the middle between identical runs: p99 gets twice the relative floor, p99.9 four times. */
const TAIL_FLOOR: Partial<Record<MetricId, number>> = { p99Ms: 2, p999Ms: 4, maxMs: 4 };

/**
 * The noise floor of one metric, as a log ratio: the relative floor (wider for tails), or the absolute one
 * (`noiseFloorMs`) when that is larger — +0.2 ms on a 2.7 ms p50 is +8% and still nothing. The absolute floor
 * is taken against the geometric mean of both sides, so it is the same whichever side is the base.
 */
function floorLogFor(id: MetricId, unit: MetricComparison['unit'], base: number | undefined, cand: number | undefined, opts: ResolvedCompareOptions): number {
  const rel = Math.log1p(((TAIL_FLOOR[id] ?? 1) * opts.noiseFloorPct) / 100);
  if (unit !== 'ms' || base === undefined || cand === undefined || !(base > 0 && cand > 0)) return rel;
  return Math.max(rel, Math.log1p(opts.noiseFloorMs / Math.sqrt(base * cand)));
}

// ---- block bootstrap over seconds (one run per side) ----

const BLOCK_METRICS: MetricId[] = ['p50Ms', 'p95Ms', 'p99Ms', 'p999Ms'];
const BLOCK_PERCENTILES = BLOCK_METRICS.map((id) => PERCENTILES[id]!);

/** One endpoint and percentile, from the block bootstrap. */
interface BlockEstimate {
  /** Observed values over the full seconds, ms. */
  base: number;
  cand: number;
  /** Observed log(cand / base). */
  d: number;
  /** Replicates of d. */
  D: Float64Array;
  /** Degrees of freedom of the test (see blockDf). */
  df: number;
  /** Change relative to the median change of the endpoints of the same kind, with replicates (≥ 3 endpoints of the kind). */
  r?: number;
  shared?: number;
  samples: { base: number; cand: number };
}

/** Whether the two sides' load generators were in comparable health (event-loop lag and schedule slip p99 within 2×). */
interface Parity {
  ok: boolean;
  why?: string;
}

function healthParity(base: RunResult[], cand: RunResult[]): Parity {
  const worst = (runs: RunResult[], f: (r: RunResult) => number | undefined) => {
    const xs = runs.map(f);
    return xs.some((x) => x === undefined) ? undefined : Math.max(...(xs as number[]));
  };
  for (const [what, f] of [
    ['event-loop lag p99', (r: RunResult) => r.generator?.eventLoopLagMs?.p99],
    ['schedule slip p99', (r: RunResult) => r.generator?.scheduleSlipMs?.p99],
  ] as const) {
    const a = worst(base, f);
    const b = worst(cand, f);
    if (a === undefined || b === undefined) continue;
    // +1 ms: a lag of 0.2 against 0.5 ms is no difference in health.
    if (Math.max(a + 1, b + 1) / Math.min(a + 1, b + 1) > 2) return { ok: false, why: `the generators' health differs: ${what} ${fmtMs(a)} vs ${fmtMs(b)} ms` };
  }
  return { ok: true };
}

function fmtMs(x: number): string {
  return x >= 10 ? x.toFixed(0) : x.toFixed(1);
}

/**
 * One endpoint against the other http endpoints of its run, second by second: the mean upper-half Savage
 * score of its requests' ranks among the others' requests of the same second. 1 when it is like them; above 1
 * when its tail is slower. Whatever slows the whole machine in a second slows all endpoints in that second,
 * so it cancels here: this is what can see one endpoint's change through run-to-run noise.
 */
interface ScoreEstimate {
  base: number;
  cand: number;
  /** Observed log(cand / base), replicates, and the requests each side rests on. */
  d: number;
  D: Float64Array;
  df: number;
  requests: { base: number; cand: number };
}

interface EndpointBlocks {
  latency: BlockEstimate[];
  /** http endpoints with at least two other http endpoints in the run. */
  vsOthers?: ScoreEstimate;
}

/**
 * The score of a request at mid-rank u among the others' requests of its second: the Savage (exponential) score of
 * its rank within their upper half, doubled, 2·max(0, −ln(2(1 − u))); its mean is 1 when the endpoint is like
 * them. Requests in the lower half score 0: a change that fattens an endpoint's tail (its p99 up, its median
 * not) also moves its fast half down, and plain Savage scores over all ranks let that cancel part of the
 * signal. On the compare-aa bench's real runs (p99 15 → 22.5 ms on one endpoint) plain Savage scores detected
 * 1 of 5 changed pairs at p 0.005–0.016, these 5 of 5 at p 0.0014–0.0036, with no A/A pair regressed either way.
 */
function upperSavage(u: number): number {
  return u > 0.5 ? -2 * Math.log(2 * (1 - u)) : 0;
}

/**
 * Per second: the sum of upper-half Savage scores (upperSavage) of the endpoint's requests, u its mid-rank among the other
 * endpoints' requests of that second (clamped below 1 − 1/2N), and its request count. Seconds where the
 * others recorded nothing are left out.
 */
function tailScores(rows: Buckets[], otherRows: Buckets[]): { score: Float64Array; tot: Float64Array; S: number; T: number } {
  const score = new Float64Array(rows.length);
  const tot = new Float64Array(rows.length);
  rows.forEach((row, s) => {
    if (row.valuesUs.length === 0) return;
    const o = cdfOf([otherRows[s]!]);
    const N = o.total;
    if (N === 0) return;
    let j = 0;
    for (let i = 0; i < row.valuesUs.length; i++) {
      const v = row.valuesUs[i]!;
      while (j < o.valuesUs.length && o.valuesUs[j]! < v) j++;
      const below = j === 0 ? 0 : o.cumulative[j - 1]!;
      const equal = j < o.valuesUs.length && o.valuesUs[j] === v ? o.cumulative[j]! - below : 0;
      const u = Math.min(1 - 0.5 / N, (below + 0.5 * equal) / N);
      score[s]! += row.counts[i]! * upperSavage(u);
      tot[s]! += row.counts[i]!;
    }
  });
  let S = 0;
  let T = 0;
  for (let s = 0; s < rows.length; s++) (S += score[s]!), (T += tot[s]!);
  return { score, tot, S, T };
}

/**
 * Joint block-bootstrap replicates for every endpoint with per-second latency on both sides. A side's runs
 * are laid end to end (pooled); each endpoint has one row per second of the side, empty where it recorded nothing.
 */
function blockPlan(
  bRuns: Array<Map<string, EndpointData>>,
  cRuns: Array<Map<string, EndpointData>>,
  names: string[],
  kindOf: (n: string) => EndpointData['kind'],
  opts: ResolvedCompareOptions,
  makeRng: RngFactory,
): Map<string, EndpointBlocks> {
  const out = new Map<string, EndpointBlocks>();
  const none: Buckets = { valuesUs: new Float64Array(0), counts: new Float64Array(0) };
  const rowsOf = (runs: Array<Map<string, EndpointData>>, name: string): Buckets[] =>
    runs.flatMap((r) => {
      const n = Math.max(0, ...[...r.values()].map((d) => d.seconds.length));
      const d = r.get(name);
      return d !== undefined && d.seconds.length === n ? d.seconds : Array.from({ length: n }, () => none);
    });
  const eligible: Array<{ name: string; rb: Buckets[]; rc: Buckets[]; tb: SecondTable; tc: SecondTable }> = [];
  for (const name of names) {
    if (kindOf(name) === 'probe') continue;
    const rb = rowsOf(bRuns, name);
    const rc = rowsOf(cRuns, name);
    const tb = secondTable(rb);
    const tc = secondTable(rc);
    const total = (t: SecondTable) => t.seconds.reduce((a, x) => a + x.total, 0);
    if (tb.seconds.length < MIN_SECONDS || tc.seconds.length < MIN_SECONDS || total(tb) === 0 || total(tc) === 0) continue;
    eligible.push({ name, rb, rc, tb, tc });
  }
  if (eligible.length === 0) return out;
  const fp = (tables: SecondTable[]) =>
    hashWords(tables.flatMap((t, i) => [eligible[i]!.name, hashArray(t.valuesUs), hashArray(t.seconds.map((x) => x.total)), hashArray(t.cumulative)]));
  const fb = fp(eligible.map((e) => e.tb));
  const fc = fp(eligible.map((e) => e.tc));
  const lo = Math.min(fb, fc);
  const hi = Math.max(fb, fc);
  const B = opts.bootstrapIterations;
  const P = BLOCK_PERCENTILES.length;
  const nb = eligible[0]!.tb.seconds.length;
  const nc = eligible[0]!.tc.seconds.length;
  const wb = drawWeights(nb, B, makeRng(hashWords([opts.seed, 'blocks', lo, hi, fb === lo ? 0 : 1])));
  const wc = drawWeights(nc, B, makeRng(hashWords([opts.seed, 'blocks', lo, hi, fb === fc ? 1 : fc === lo ? 0 : 1])));
  // Identical sides: symmetrise the replicates (D ∪ −D) so the mirror stays exact.
  const sym = fb === fc;
  const diff = (xb: Float64Array, xc: Float64Array, stride: number, k: number) => {
    const d = new Float64Array(sym ? 2 * B : B);
    for (let i = 0; i < B; i++) d[i] = xc[i * stride + k]! - xb[i * stride + k]!;
    if (sym) for (let i = 0; i < B; i++) d[B + i] = -d[i]!;
    return d;
  };
  const est = eligible.map((e) => ({ ob: observed(e.tb, BLOCK_PERCENTILES), oc: observed(e.tc, BLOCK_PERCENTILES) }));
  const httpPeers = eligible.filter((e) => e.name !== OVERALL && kindOf(e.name) === 'http');
  eligible.forEach((e, i) => {
    const xb = blockReplicates(e.tb, BLOCK_PERCENTILES, wb, B);
    const xc = blockReplicates(e.tc, BLOCK_PERCENTILES, wc, B);
    const total = (t: SecondTable) => t.seconds.reduce((a, x) => a + x.total, 0);
    // The median change of the endpoints of this kind: only to say "moved with the rest of the run".
    const peers = e.name === OVERALL ? [] : eligible.map((x, j) => (x.name !== OVERALL && kindOf(x.name) === kindOf(e.name) ? j : -1)).filter((j) => j >= 0);
    const latency = BLOCK_PERCENTILES.map((_p, k) => {
      const be: BlockEstimate = {
        base: Math.exp(est[i]!.ob[k]!),
        cand: Math.exp(est[i]!.oc[k]!),
        d: est[i]!.oc[k]! - est[i]!.ob[k]!,
        D: diff(xb, xc, P, k),
        df: blockDf(nb, nc),
        samples: { base: total(e.tb), cand: total(e.tc) },
      };
      if (peers.length >= 3) {
        be.shared = medianOf(peers.map((j) => est[j]!.oc[k]! - est[j]!.ob[k]!));
        be.r = be.d - be.shared;
      }
      return be;
    });
    out.set(e.name, { latency });
  });
  // "tail vs others" is a difference within the same seconds, so what the machine did in a second cancels and
  // the seconds are close to independent: they are resampled one by one (VS_OTHERS_BLOCK), with that many df.
  const vb = drawWeights(nb, B, makeRng(hashWords([opts.seed, 'seconds', lo, hi, fb === lo ? 0 : 1])), VS_OTHERS_BLOCK);
  const vc = drawWeights(nc, B, makeRng(hashWords([opts.seed, 'seconds', lo, hi, fb === fc ? 1 : fc === lo ? 0 : 1])), VS_OTHERS_BLOCK);
  for (const [name, se] of vsOthersPlan(httpPeers, vb, vc, B, diff, 1 - opts.confidence, blockDf(nb, nc, VS_OTHERS_BLOCK))) out.get(name)!.vsOthers = se;
  return out;
}

/**
 * "tail vs others" for every http endpoint. Stage 1, robust: the endpoint against each other endpoint on its
 * own, the median of those changes — one changed endpoint cannot make the rest look faster. Those that stand
 * out at the marginal level (p < alpha) leave the reference. Stage 2, powerful: the endpoint against the
 * pooled remaining others (at least two), or the stage-1 estimate when too few remain.
 */
function vsOthersPlan(
  http: Array<{ name: string; rb: Buckets[]; rc: Buckets[] }>,
  wb: Float64Array,
  wc: Float64Array,
  B: number,
  diff: (xb: Float64Array, xc: Float64Array, stride: number, k: number) => Float64Array,
  alpha: number,
  df: number,
): Map<string, ScoreEstimate> {
  type Side = { rb: Buckets[]; rc: Buckets[] };
  const pooled = (rows: Buckets[][]): Buckets[] => rows[0]!.map((_, s) => mergeBuckets(rows.map((r) => r[s]!)));
  const against = (e: Side, ref: Side): ScoreEstimate | undefined => {
    const sb = tailScores(e.rb, ref.rb);
    const sc = tailScores(e.rc, ref.rc);
    if (sb.S === 0 || sc.S === 0) return undefined;
    return {
      base: sb.S / sb.T,
      cand: sc.S / sc.T,
      d: Math.log(sc.S / sc.T) - Math.log(sb.S / sb.T),
      D: diff(ratioReplicates(sb.score, sb.tot, wb, B), ratioReplicates(sc.score, sc.tot, wc, B), 1, 0),
      df,
      requests: { base: sb.T, cand: sc.T },
    };
  };
  const stage1 = new Map<string, ScoreEstimate>();
  for (const e of http) {
    const per = http.filter((o) => o.name !== e.name).map((o) => against(e, o)).filter((x): x is ScoreEstimate => x !== undefined);
    if (per.length < 2) continue;
    const D = new Float64Array(per[0]!.D.length);
    const row = new Float64Array(per.length);
    for (let b = 0; b < D.length; b++) {
      per.forEach((x, j) => (row[j] = x.D[b]!));
      D[b] = medianOf(row);
    }
    stage1.set(e.name, {
      base: Math.exp(medianOf(per.map((x) => Math.log(x.base)))),
      cand: Math.exp(medianOf(per.map((x) => Math.log(x.cand)))),
      d: medianOf(per.map((x) => x.d)),
      D,
      df,
      requests: per[0]!.requests,
    });
  }
  const outliers = new Set([...stage1].filter(([, se]) => beyondFloorPValue(se.D, se.d, 0, df) < alpha).map(([n]) => n));
  const pool = (names: (o: (typeof http)[number]) => boolean): Side | undefined => {
    const ref = http.filter(names);
    return ref.length >= 2 ? { rb: pooled(ref.map((o) => o.rb)), rc: pooled(ref.map((o) => o.rc)) } : undefined;
  };
  const out = new Map<string, ScoreEstimate>();
  for (const [name, se] of stage1) {
    const e = http.find((x) => x.name === name)!;
    const ref = pool((o) => o.name !== name && !outliers.has(o.name));
    const est = (ref && against(e, ref)) ?? se;
    // The run-to-run noise of the others, each against the rest with this endpoint left out of its reference:
    // this endpoint's own change (it may carry half the run's requests) must not move the others' standing.
    const noise = http
      .filter((o) => o.name !== name)
      .map((o) => {
        const r = pool((x) => x.name !== name && x.name !== o.name);
        return r && against(o, r);
      })
      .filter((x): x is ScoreEstimate => x !== undefined);
    out.set(name, withRunNoise(est, noise));
  }
  return out;
}

/**
 * Run-to-run noise that resampling seconds cannot see. Resampling a run's seconds measures how much "tail vs
 * others" would vary within that run; between two runs an endpoint's standing among the others also moves as a
 * whole (a busier machine slows an endpoint whose handler costs more CPU more than a light one; JIT and GC land
 * differently), the same for all of the run's seconds. Its size is read off the other endpoints (`others`, each
 * against the rest without the tested endpoint), which under "no change" show only noise: tau² from their
 * changes d and standard errors se, weighted by precision (the method of moments with weights 1/se²: an
 * endpoint with few requests says little about tau), tau² = max(0, Σ(d²/se² − 1) / Σ(1/se²)). The tested
 * endpoint's replicates are widened so their spread is √(se² + tau²). Another endpoint that really changed
 * inflates tau²: conservative, never the other way.
 */
function withRunNoise(e: ScoreEstimate, others: ScoreEstimate[]): ScoreEstimate {
  const s = sdOf(e.D);
  const noise = others.map((o) => ({ d: o.d, se: sdOf(o.D) })).filter((o) => o.se > 0);
  if (noise.length === 0 || !(s > 0)) return e;
  const tau2 = Math.max(0, noise.reduce((a, o) => a + (o.d * o.d) / (o.se * o.se) - 1, 0) / noise.reduce((a, o) => a + 1 / (o.se * o.se), 0));
  const k = Math.sqrt(1 + tau2 / (s * s));
  let mean = 0;
  for (let i = 0; i < e.D.length; i++) mean += e.D[i]!;
  mean /= e.D.length;
  const D = new Float64Array(e.D.length);
  for (let i = 0; i < D.length; i++) D[i] = mean + k * (e.D[i]! - mean);
  return { ...e, D };
}

function blank(def: (typeof METRICS)[number], of: MetricComparison['n']['of']): MetricComparison {
  return { metric: def.id, label: def.label, unit: def.unit, better: def.better, method: 'none', n: { base: 0, cand: 0, of }, thinTail: false, verdict: 'inconclusive', reason: '' };
}

function setValues(m: MetricComparison, bv: number | undefined, cv: number | undefined): void {
  if (bv !== undefined) m.base = bv;
  if (cv !== undefined) m.cand = cv;
  if (bv !== undefined && cv !== undefined) m.delta = cv - bv;
}

function setEstimate(t: Tested, est: number, iv: Interval, p: number, level: number): void {
  t.est = est;
  t.interval = iv;
  t.m.logRatio = est;
  t.m.deltaPct = Math.expm1(est) * 100;
  t.m.ci = { lowPct: Math.expm1(iv.lo) * 100, highPct: Math.expm1(iv.hi) * 100, level };
  t.m.pValue = p;
}

function onlyOneSide(def: (typeof METRICS)[number], bd: EndpointData[] | undefined, cd: EndpointData[] | undefined): Tested | undefined {
  const m = blank(def, 'runs');
  const pick = (d: EndpointData[] | undefined) => (d === undefined ? undefined : median(d.map((x) => x.values[def.id]).filter((v): v is number => v !== undefined)));
  const bv = bd && bd.some((x) => x.values[def.id] !== undefined) ? pick(bd) : undefined;
  const cv = cd && cd.some((x) => x.values[def.id] !== undefined) ? pick(cd) : undefined;
  if (bv === undefined && cv === undefined) return undefined;
  setValues(m, bv, cv);
  m.n = { base: bd?.length ?? 0, cand: cd?.length ?? 0, of: 'runs' };
  return { m, fixed: { verdict: 'inconclusive', reason: `measured only in the ${bd === undefined ? 'candidate' : 'base'}` } };
}

/** One run per side (or pooled runs): bootstrap and binomial tests on the samples. */
function testPooled(
  def: (typeof METRICS)[number],
  endpoint: string,
  bd: EndpointData[],
  cd: EndpointData[],
  opts: ResolvedCompareOptions,
  makeRng: RngFactory,
  block: EndpointBlocks | undefined,
  parity: Parity,
): Tested | undefined {
  const B = opts.bootstrapIterations;
  const percentile = PERCENTILES[def.id];
  const k = BLOCK_METRICS.indexOf(def.id);
  if (block !== undefined && k >= 0) return testBlock(def, block.latency[k]!, opts, parity);
  if (def.id === 'tailVsOthersPct') return testVsOthers(def, block?.vsOthers, opts);
  if (percentile !== undefined || def.id === 'maxMs') {
    const m = blank(def, 'samples');
    const bc = cdfs(bd);
    const cc = cdfs(cd);
    m.n = { base: bc.total, cand: cc.total, of: 'samples' };
    if (bc.total === 0 || cc.total === 0) {
      // No raw samples (e.g. a k6 summary export): show the summary's numbers, no test.
      const bv = bd.length === 1 ? bd[0]!.values[def.id] : undefined;
      const cv = cd.length === 1 ? cd[0]!.values[def.id] : undefined;
      if (bv === undefined && cv === undefined && bc.total === 0 && cc.total === 0) return undefined;
      setValues(m, bc.total > 0 ? valueOf(bc, def.id) : bv, cc.total > 0 ? valueOf(cc, def.id) : cv);
      const src = [...bd, ...cd].map((d) => d.summarySource).find((s) => s !== undefined);
      return { m, fixed: { verdict: 'inconclusive', reason: `no raw samples on ${bc.total === 0 && cc.total === 0 ? 'either side' : bc.total === 0 ? 'the base side' : 'the candidate side'}${src ? ` (percentiles from ${src})` : ''}: repeat runs for a test across runs` } };
    }
    setValues(m, valueOf(bc, def.id), valueOf(cc, def.id));
    if (def.id === 'maxMs') {
      m.deltaPct = (m.cand! / m.base! - 1) * 100;
      m.logRatio = Math.log(m.cand!) - Math.log(m.base!);
      return { m, fixed: { verdict: 'inconclusive', reason: 'the maximum is a single sample: the bootstrap is not valid for it; compare repeated runs for a verdict' } };
    }
    const tb = bc.total - rankOf(bc.total, percentile!);
    const tc = cc.total - rankOf(cc.total, percentile!);
    m.tail = { base: tb, cand: tc };
    m.thinTail = Math.min(tb, tc) < THIN_TAIL_SAMPLES;
    if ((percentile! / 100) * Math.min(bc.total, cc.total) > Math.min(bc.total, cc.total) - 1) {
      // Fewer than 1/(1−q) samples (p99.9 from < 1000): the percentile is the maximum.
      const need = Math.ceil(1 / (1 - percentile! / 100));
      return { m, fixed: { verdict: 'inconclusive', reason: `${def.label} needs ≥ ${need} samples per side to be more than the maximum (have ${Math.min(bc.total, cc.total)})` } };
    }
    const diffs = pairedBootstrap(bc.fingerprint, cc.fingerprint, `${endpoint}/${def.id}`, opts.seed, makeRng, (rng) => bootstrapLogPercentile(bc, percentile!, B, rng), (rng) => bootstrapLogPercentile(cc, percentile!, B, rng));
    m.method = 'bootstrap-histogram';
    const t: Tested = { m, floorLog: floorLogFor(def.id, def.unit, m.base, m.cand, opts) };
    setEstimate(t, Math.log(m.cand!) - Math.log(m.base!), percentileInterval(diffs, opts.confidence), bootstrapPValue(diffs), opts.confidence);
    return t;
  }
  if (def.id === 'throughputPerSec') {
    const m = blank(def, 'seconds');
    const bs = bd.flatMap((d) => d.perSecond);
    const cs = cd.flatMap((d) => d.perSecond);
    m.n = { base: bs.length, cand: cs.length, of: 'seconds' };
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    if (bs.length === 0 || cs.length === 0) {
      const bv = bd.length === 1 ? bd[0]!.values.throughputPerSec : undefined;
      const cv = cd.length === 1 ? cd[0]!.values.throughputPerSec : undefined;
      if (bv === undefined && cv === undefined) return undefined;
      setValues(m, bv, cv);
      return { m, fixed: { verdict: 'inconclusive', reason: 'no per-second series on one side: throughput has no interval' } };
    }
    setValues(m, mean(bs), mean(cs));
    if (Math.min(bs.length, cs.length) < MIN_SECONDS) {
      return { m, fixed: { verdict: 'inconclusive', reason: `fewer than ${MIN_SECONDS} full seconds after warm-up on one side (${bs.length} vs ${cs.length})` } };
    }
    if (m.base === 0 || m.cand === 0) return { m, fixed: { verdict: 'inconclusive', reason: 'no requests in the measured window on one side' } };
    const diffs = pairedBootstrap(hashArray(bs), hashArray(cs), `${endpoint}/${def.id}`, opts.seed, makeRng, (rng) => bootstrapLogMean(bs, B, rng), (rng) => bootstrapLogMean(cs, B, rng));
    m.method = 'bootstrap-series';
    const t: Tested = { m };
    setEstimate(t, Math.log(m.cand!) - Math.log(m.base!), percentileInterval(diffs, opts.confidence), bootstrapPValue(diffs), opts.confidence);
    return t;
  }
  // Proportions: error rate over requests, stream loss over expected messages.
  const isLoss = def.id === 'lossPct';
  const m = blank(def, isLoss ? 'messages' : 'requests');
  const sum = (d: EndpointData[], f: (x: EndpointData) => number | undefined) => d.reduce((a, x) => a + (f(x) ?? 0), 0);
  const eb = isLoss ? sum(bd, (x) => x.lost) : sum(bd, (x) => x.errors);
  const nb = isLoss ? sum(bd, (x) => x.expected) : sum(bd, (x) => x.requests);
  const ecnt = isLoss ? sum(cd, (x) => x.lost) : sum(cd, (x) => x.errors);
  const nc = isLoss ? sum(cd, (x) => x.expected) : sum(cd, (x) => x.requests);
  if (nb === 0 && nc === 0) return undefined;
  m.n = { base: nb, cand: nc, of: m.n.of };
  setValues(m, nb > 0 ? (eb / nb) * 100 : undefined, nc > 0 ? (ecnt / nc) * 100 : undefined);
  const what = isLoss ? 'expected messages' : 'requests';
  if (nb === 0 || nc === 0) return { m, fixed: { verdict: 'inconclusive', reason: `no ${what} on one side` } };
  if (eb === 0 && ecnt === 0) {
    m.deltaPct = 0;
    m.logRatio = 0;
    return { m, fixed: { verdict: 'unchanged', reason: `no ${isLoss ? 'lost messages' : 'errors'} on either side` } };
  }
  const rr = logRiskRatio(eb, nb, ecnt, nc, opts.confidence);
  m.method = 'binomial';
  const t: Tested = { m };
  setEstimate(t, rr.estimate, rr.interval, rr.pValue, opts.confidence);
  return t;
}

/** A latency percentile from the block bootstrap over seconds (see blocks.ts and the README's compare section). */
function testBlock(def: (typeof METRICS)[number], be: BlockEstimate, opts: ResolvedCompareOptions, parity: Parity): Tested {
  const m = blank(def, 'samples');
  m.n = { base: be.samples.base, cand: be.samples.cand, of: 'samples' };
  setValues(m, be.base, be.cand);
  const percentile = PERCENTILES[def.id]!;
  const tb = be.samples.base - rankOf(be.samples.base, percentile);
  const tc = be.samples.cand - rankOf(be.samples.cand, percentile);
  m.tail = { base: tb, cand: tc };
  m.thinTail = Math.min(tb, tc) < THIN_TAIL_SAMPLES;
  if ((percentile / 100) * Math.min(be.samples.base, be.samples.cand) > Math.min(be.samples.base, be.samples.cand) - 1) {
    const need = Math.ceil(1 / (1 - percentile / 100));
    return { m, fixed: { verdict: 'inconclusive', reason: `${def.label} needs ≥ ${need} samples per side to be more than the maximum (have ${Math.min(be.samples.base, be.samples.cand)})` } };
  }
  const floorLog = floorLogFor(def.id, def.unit, be.base, be.cand, opts);
  const sharedFloorLog = Math.max(floorLog, Math.log1p(opts.sharedNoiseFloorPct / 100));
  m.method = 'bootstrap-blocks';
  const t: Tested = { m, floorLog, block: { path: 'none', sharedFloorLog, parity } };
  if (be.r !== undefined) {
    t.block!.relative = be.r;
    t.block!.shared = be.shared!;
  }
  // One run per side cannot tell a busier machine from a slower target when the whole run moved: an endpoint's
  // own percentile counts only beyond the wide shared floor, with both generators in similar health, and never
  // on a thin tail. What one endpoint does against the others of its run is the "> others' p95/p99" rows.
  const iv = percentileInterval(be.D, opts.confidence);
  if (m.thinTail || !parity.ok) {
    // Untestable whatever the data: kept out of the family-wide adjustment.
    setEstimate(t, be.d, iv, 1, opts.confidence);
    delete m.pValue;
    const v = decide({ ...t, m: { ...m, qValue: 1 } }, 1 - opts.confidence, opts, 1);
    t.fixed = v;
    return t;
  }
  t.block!.path = 'shared';
  setEstimate(t, be.d, iv, beyondFloorPValue(be.D, be.d, sharedFloorLog, be.df), opts.confidence);
  return t;
}

/** Block length (seconds) of the "tail vs others" bootstrap. */
const VS_OTHERS_BLOCK = 1;

/** "tail vs others": the endpoint's tail against the run's other http endpoints in the same seconds (upper-half Savage scores). */
function testVsOthers(def: (typeof METRICS)[number], se: ScoreEstimate | undefined, opts: ResolvedCompareOptions): Tested | undefined {
  if (se === undefined) return undefined;
  const m = blank(def, 'requests');
  m.n = { base: se.requests.base, cand: se.requests.cand, of: 'requests' };
  // Shown as percent: 0 when the endpoint ranks like the others, +10% when its scores are 10% higher.
  setValues(m, (se.base - 1) * 100, (se.cand - 1) * 100);
  m.method = 'bootstrap-blocks';
  // Tested against no change; the verdict then needs the change beyond the noise floor, like any other metric.
  const t: Tested = { m, floorLog: Math.log1p(opts.noiseFloorPct / 100) };
  setEstimate(t, se.d, percentileInterval(se.D, opts.tailConfidence), beyondFloorPValue(se.D, se.d, 0, se.df), opts.tailConfidence);
  return t;
}

/** Pooled CDF of a side's runs, computed once per endpoint and side. */
const cdfCache = new WeakMap<EndpointData[], Cdf>();
function cdfs(d: EndpointData[]): Cdf {
  let c = cdfCache.get(d);
  if (c === undefined) cdfCache.set(d, (c = d.length === 1 && d[0]!.cdf !== undefined ? d[0]!.cdf : cdfOf(d.map((x) => x.buckets))));
  return c;
}

function valueOf(cdf: Cdf, id: MetricId): number {
  if (id === 'maxMs') return cdf.valuesUs[cdf.valuesUs.length - 1]! / 1000;
  return valueAtCount(cdf, rankOf(cdf.total, PERCENTILES[id]!)) / 1000;
}

/**
 * Bootstrap replicates of log(cand) − log(base). Each data set draws from a stream chosen by the content of
 * both sides, not by which side it is on, so compare(b, a) sees the same replicates negated: the mirror is
 * exact. When both sides hold identical data the replicate set is symmetrised (D ∪ −D), which is exact too.
 */
function pairedBootstrap(
  fpBase: number,
  fpCand: number,
  key: string,
  seed: number,
  makeRng: RngFactory,
  drawBase: (rng: () => number) => Float64Array,
  drawCand: (rng: () => number) => Float64Array,
): Float64Array {
  const lo = Math.min(fpBase, fpCand);
  const hi = Math.max(fpBase, fpCand);
  const streamBase = hashWords([seed, key, lo, hi, fpBase === lo ? 0 : 1]);
  const streamCand = hashWords([seed, key, lo, hi, fpBase === fpCand ? 1 : fpCand === lo ? 0 : 1]);
  const rb = drawBase(makeRng(streamBase));
  const rc = drawCand(makeRng(streamCand));
  const n = rb.length;
  const out = new Float64Array(fpBase === fpCand ? 2 * n : n);
  for (let i = 0; i < n; i++) out[i] = rc[i]! - rb[i]!;
  if (fpBase === fpCand) for (let i = 0; i < n; i++) out[n + i] = -out[i]!;
  return out;
}

/** Repeated runs: Mann–Whitney U across runs, Hodges–Lehmann shift with the Moses interval, on the log scale. */
function testRuns(def: (typeof METRICS)[number], bd: EndpointData[], cd: EndpointData[], opts: ResolvedCompareOptions): Tested | undefined {
  const m = blank(def, 'runs');
  const isProportion = def.id === 'errorRatePct' || def.id === 'lossPct';
  const vals = (d: EndpointData[]) => d.map((x) => x.values[def.id]).filter((v): v is number => v !== undefined);
  const bv = vals(bd);
  const cv = vals(cd);
  if (bv.length === 0 && cv.length === 0) return undefined;
  setValues(m, bv.length ? median(bv) : undefined, cv.length ? median(cv) : undefined);
  m.n = { base: bv.length, cand: cv.length, of: 'runs' };
  const percentile = PERCENTILES[def.id];
  if (percentile !== undefined) {
    const tails = (d: EndpointData[]) => d.filter((x) => x.samples > 0).map((x) => x.samples - rankOf(x.samples, percentile));
    const tb = tails(bd);
    const tc = tails(cd);
    if (tb.length && tc.length) {
      m.tail = { base: Math.min(...tb), cand: Math.min(...tc) };
      m.thinTail = Math.min(m.tail.base, m.tail.cand) < THIN_TAIL_SAMPLES;
    }
  }
  if (bv.length < 2 || cv.length < 2) return { m, fixed: { verdict: 'inconclusive', reason: `too few runs with this metric (${bv.length} vs ${cv.length})` } };
  const alpha = 1 - opts.confidence;
  const minP = mannWhitneyMinP(bv.length, cv.length);
  if (minP > alpha) {
    return {
      m,
      fixed: {
        verdict: 'inconclusive',
        reason: `too few runs (${bv.length} vs ${cv.length}): the smallest p-value Mann–Whitney U can reach is ${fmtP(minP)}, above ${fmtP(alpha)}; run at least 4 per side`,
      },
    };
  }
  if (isProportion) {
    const counts = (d: EndpointData[]) =>
      d.map((x) => (def.id === 'lossPct' ? [x.lost ?? 0, x.expected ?? 0] : [x.errors, x.requests]) as [number, number]).filter(([, n]) => n > 0);
    const bc = counts(bd);
    const cc = counts(cd);
    if (bc.every(([e]) => e === 0) && cc.every(([e]) => e === 0)) {
      m.deltaPct = 0;
      m.logRatio = 0;
      return { m, fixed: { verdict: 'unchanged', reason: `no ${def.id === 'lossPct' ? 'lost messages' : 'errors'} in any run` } };
    }
  }
  // Proportions can be 0: their log uses the same 0.5 correction as the binomial model.
  const toLog = (d: EndpointData[]) =>
    d
      .map((x) => {
        if (def.id === 'errorRatePct') return x.requests > 0 ? Math.log((x.errors + 0.5) / (x.requests + 0.5)) : undefined;
        if (def.id === 'lossPct') return x.expected ? Math.log(((x.lost ?? 0) + 0.5) / (x.expected + 0.5)) : undefined;
        const v = x.values[def.id];
        return v !== undefined && v > 0 ? Math.log(v) : undefined;
      })
      .filter((v): v is number => v !== undefined);
  const lb = toLog(bd);
  const lc = toLog(cd);
  if (lb.length < 2 || lc.length < 2) return { m, fixed: { verdict: 'inconclusive', reason: 'too few runs with a positive value' } };
  const mw = mannWhitney(lb, lc);
  const hl = hodgesLehmann(lb, lc, opts.confidence);
  m.method = 'mann-whitney';
  if (hl.interval === undefined) {
    m.logRatio = hl.estimate;
    m.deltaPct = Math.expm1(hl.estimate) * 100;
    m.pValue = mw.pValue;
    return { m, fixed: { verdict: 'inconclusive', reason: `too few runs (${lb.length} vs ${lc.length}) for a ${opts.confidence * 100}% interval of the shift` } };
  }
  const t: Tested = { m, floorLog: floorLogFor(def.id, def.unit, m.base, m.cand, opts) };
  setEstimate(t, hl.estimate, hl.interval, mw.pValue, hl.achievedLevel ?? opts.confidence);
  return t;
}

// ---- phases ----

function phaseChecks(base: RunResult[], cand: RunResult[], notes: string[]): Comparison['phases'] {
  const out: Comparison['phases'] = {};
  const phaseOf = (runs: RunResult[], side: string): string | undefined => {
    const ps = uniq(runs.map((r) => r.meta.phase));
    if (ps.length > 1) notes.push(`${side} runs carry different phases (${ps.join(', ')}): evaluated against ${ps[0]}`);
    return ps[0];
  };
  const bp = phaseOf(base, 'base');
  const cp = phaseOf(cand, 'candidate');
  if (bp !== undefined) out.base = phaseCheck(bp, base);
  if (cp !== undefined) out.cand = phaseCheck(cp, cand);
  const from = cp ?? bp;
  const n = from === undefined ? undefined : /^phase-(\d+)$/.exec(from);
  if (n) {
    const next = `phase-${Number(n[1]) + 1}`;
    if (PRESETS[next] !== undefined) out.candNext = phaseCheck(next, cand);
  }
  return out;
}

function phaseCheck(phase: string, runs: RunResult[]): PhaseCheck {
  if (PRESETS[phase] === undefined) return { phase, preset: undefined, status: 'unknown', runs: [], note: `no SLA preset named "${phase}"` };
  const plan = compileSla({ preset: phase });
  const rs = runs.map((r) => {
    const v = evaluate(plan, r);
    return {
      status: v.slaStatus,
      failed: v.checks
        .filter((c) => c.status === 'fail' || (c.status === 'no-data' && !c.optional))
        .map((c) => ({ id: c.id, status: c.status as 'fail' | 'no-data', ...(c.actual !== undefined ? { actual: c.actual } : {}), limit: c.limit, op: c.op, unit: c.unit })),
    };
  });
  return { phase, preset: phase, status: rs.every((r) => r.status === 'pass') ? 'pass' : 'fail', runs: rs };
}
