/**
 * What compare reads from results: the latency distribution as a cumulative table (for the order-statistic
 * bootstrap), per-second request counts, event counts, and per-run metric values. All over the measured
 * window (the run minus its warm-up), like evaluate. Pure.
 */
import * as hdr from 'hdr-histogram-js';
import type { JsHistogram } from 'hdr-histogram-js';
import type { EndpointResult, RunResult } from '../result/model.js';
import type { Histogram } from '../result/histogram.js';
import { hasAsSentSeries, latencyOf, measuredWindow } from '../result/stats.js';
import { beta, hashArray, type Rng } from './random.js';

/** A latency distribution as recorded values (µs, HdrHistogram's highest equivalent value) and cumulative counts. */
export interface Cdf {
  valuesUs: Float64Array;
  cumulative: Float64Array;
  total: number;
  /** Hash of the contents: decides which random stream this data set gets, whichever side it is on. */
  fingerprint: number;
}

/** Latency buckets, ascending by value: value (µs, HdrHistogram's highest equivalent value) and count. */
export interface Buckets {
  valuesUs: Float64Array;
  counts: Float64Array;
}

/** Non-zero buckets of a histogram; index order is value order, so no sort is needed. */
function bucketsOf(h: JsHistogram): Buckets {
  const n = h.totalCount;
  const values: number[] = [];
  const counts: number[] = [];
  let seen = 0;
  for (let i = 0; i < h.countsArrayLength && seen < n; i++) {
    const c = h.getCountAtIndex(i);
    if (c === 0) continue;
    seen += c;
    values.push(h.highestEquivalentValue(h.valueFromIndex(i)));
    counts.push(c);
  }
  return { valuesUs: Float64Array.from(values), counts: Float64Array.from(counts) };
}

/** Exact merge: counts of equal values add. */
export function mergeBuckets(list: readonly Buckets[]): Buckets {
  if (list.length === 1) return list[0]!;
  const all = new Map<number, number>();
  for (const b of list) for (let i = 0; i < b.valuesUs.length; i++) all.set(b.valuesUs[i]!, (all.get(b.valuesUs[i]!) ?? 0) + b.counts[i]!);
  const valuesUs = Float64Array.from(all.keys()).sort();
  return { valuesUs, counts: valuesUs.map((v) => all.get(v)!) };
}

/** Decode without re-homing into a fresh histogram: compare only reads buckets, so this saves a copy per histogram. */
function decodeRaw(encoded: string): JsHistogram {
  return hdr.decodeFromCompressedBase64(encoded, 64, false) as JsHistogram;
}

/** The CDF of buckets (several are pooled exactly: counts add). */
export function cdfOf(list: readonly Buckets[]): Cdf {
  const b = mergeBuckets(list);
  const cumulative = new Float64Array(b.valuesUs.length);
  let total = 0;
  for (let i = 0; i < b.counts.length; i++) cumulative[i] = total += b.counts[i]!;
  return { valuesUs: b.valuesUs, cumulative, total, fingerprint: hashArray(cumulative, hashArray(b.valuesUs)) };
}

/** The CDF of a histogram. */
export function histogramCdf(h: Histogram): Cdf {
  return cdfOf([bucketsOf(h as JsHistogram)]);
}

/** The rank (1-based) HdrHistogram reads a percentile at: ⌈q·N⌉, at least 1. */
export function rankOf(total: number, percentile: number): number {
  const fp = (percentile / 100) * total;
  return Math.min(total, Math.max(1, Math.ceil(fp - Number.EPSILON * Math.max(1, fp))));
}

/** Smallest recorded value whose cumulative count reaches `count` (the inverse CDF at count / N). */
export function valueAtCount(cdf: Cdf, count: number): number {
  const c = cdf.cumulative;
  let lo = 0;
  let hi = c.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (c[mid]! >= count) hi = mid;
    else lo = mid + 1;
  }
  return cdf.valuesUs[lo]!;
}

/**
 * `iterations` bootstrap replicates of log(percentile), exactly as if N values were resampled with
 * replacement from the histogram and the percentile read from the resample — without drawing N values.
 * The k-th order statistic of N uniforms is Beta(k, N−k+1) and the empirical inverse CDF is monotone, so
 * the k-th smallest of a resample is F⁻¹(U₍ₖ₎): one Beta draw and one binary search per replicate.
 */
export function bootstrapLogPercentile(cdf: Cdf, percentile: number, iterations: number, rng: Rng): Float64Array {
  const n = cdf.total;
  const k = rankOf(n, percentile);
  const out = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const u = beta(rng, k, n - k + 1);
    out[i] = Math.log(valueAtCount(cdf, Math.max(1e-12, u * n)));
  }
  return out;
}

/**
 * Moving-block bootstrap of the mean of a series (per-second request counts). Blocks of ⌈n^⅓⌉ seconds keep
 * the short-range correlation of a load test's per-second rates that an i.i.d. resample would ignore.
 */
export function bootstrapLogMean(series: readonly number[], iterations: number, rng: Rng): Float64Array {
  const n = series.length;
  const len = Math.max(1, Math.min(n, Math.ceil(Math.cbrt(n))));
  const starts = n - len + 1;
  const out = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    let sum = 0;
    let taken = 0;
    while (taken < n) {
      const s = Math.min(starts - 1, Math.floor(rng() * starts));
      for (let j = 0; j < len && taken < n; j++, taken++) sum += series[s + j]!;
    }
    out[i] = Math.log(sum / n);
  }
  return out;
}

/** One endpoint of one run, reduced to what compare needs. */
export interface EndpointData {
  kind: EndpointResult['kind'];
  /** Latency over the measured window; empty when the source had no raw samples. */
  buckets: Buckets;
  /** Latency samples in `buckets`. */
  samples: number;
  /** Requests per full second of the measured window, zeros included. */
  perSecond: number[];
  /** Latency per full second of the measured window (same seconds as `perSecond`); empty without a series. */
  seconds: Buckets[];
  requests: number;
  errors: number;
  /** Whole-run stream counts (ws). */
  lost: number | undefined;
  expected: number | undefined;
  /** Per-run values (ms, %, /s) for the across-runs test; latency falls back to a summary when there is no histogram. */
  values: Partial<Record<MetricId, number>>;
  /** Percentiles came from a summary, not raw samples. */
  summarySource: string | undefined;
  /** CDF of `buckets` (undefined when there are no samples). */
  cdf?: Cdf;
}

export type MetricId = 'p50Ms' | 'p95Ms' | 'p99Ms' | 'p999Ms' | 'maxMs' | 'tailVsOthersPct' | 'errorRatePct' | 'throughputPerSec' | 'lossPct';

export const PERCENTILES: Partial<Record<MetricId, number>> = { p50Ms: 50, p95Ms: 95, p99Ms: 99, p999Ms: 99.9 };

/** Name of the merged-http pseudo endpoint. */
export const OVERALL = 'overall';

/**
 * Every endpoint of a run, reduced, plus `overall` (all http endpoints together, as evaluate reads it) when
 * there are two or more http endpoints. Overall is built from the reduced data — buckets and per-second counts
 * add exactly — rather than by re-encoding merged histograms.
 */
export function runData(result: RunResult, asSent: ReadonlySet<string> = new Set()): Map<string, EndpointData> {
  const out = new Map<string, EndpointData>();
  for (const [name, ep] of Object.entries(result.endpoints)) out.set(name, endpointData(result, ep, asSent.has(name)));
  const http = [...out.values()].filter((d) => d.kind === 'http');
  if (http.length >= 2 && !out.has(OVERALL)) {
    const buckets = mergeBuckets(http.map((d) => d.buckets));
    const len = Math.max(...http.map((d) => d.perSecond.length));
    const perSecond = Array.from({ length: len }, (_, i) => http.reduce((a, d) => a + (d.perSecond[i] ?? 0), 0));
    const seconds = Array.from({ length: len }, (_, i) => mergeBuckets(http.map((d) => d.seconds[i]).filter((x): x is Buckets => x !== undefined)));
    const requests = http.reduce((a, d) => a + d.requests, 0);
    const errors = http.reduce((a, d) => a + d.errors, 0);
    const dur = Math.min(measuredWindow(result).toSec, result.meta.durationSec) - measuredWindow(result).fromSec;
    out.set(OVERALL, withValues({ kind: 'http', buckets, samples: 0, perSecond, seconds, requests, errors, lost: undefined, expected: undefined, values: {}, summarySource: undefined }, dur, undefined));
  }
  return out;
}

/** Fill `samples` and the per-run values from the raw parts. */
function withValues(d: EndpointData, durationSec: number, summary: EndpointResult['latencySummaryMs']): EndpointData {
  const values: EndpointData['values'] = {};
  let samples = 0;
  for (const c of d.buckets.counts) samples += c;
  let cdf: Cdf | undefined;
  if (samples > 0) {
    cdf = cdfOf([d.buckets]);
    for (const [id, q] of Object.entries(PERCENTILES) as Array<[MetricId, number]>) values[id] = valueAtCount(cdf, rankOf(cdf.total, q)) / 1000;
    values.maxMs = cdf.valuesUs[cdf.valuesUs.length - 1]! / 1000;
  } else if (summary !== undefined) {
    if (summary.p50Ms !== undefined) values.p50Ms = summary.p50Ms;
    if (summary.p95Ms !== undefined) values.p95Ms = summary.p95Ms;
    if (summary.p99Ms !== undefined) values.p99Ms = summary.p99Ms;
    if (summary.p999Ms !== undefined) values.p999Ms = summary.p999Ms;
    if (summary.maxMs !== undefined) values.maxMs = summary.maxMs;
  }
  if (d.requests > 0) values.errorRatePct = (d.errors / d.requests) * 100;
  if (d.perSecond.length > 0) values.throughputPerSec = d.perSecond.reduce((a, b) => a + b, 0) / d.perSecond.length;
  else if (durationSec > 0 && d.requests > 0) values.throughputPerSec = d.requests / durationSec;
  if (d.lost !== undefined && d.expected !== undefined && d.expected > 0) values.lossPct = (d.lost / d.expected) * 100;
  const out: EndpointData = { ...d, samples, values, summarySource: samples === 0 && summary !== undefined ? summary.source : undefined };
  if (cdf !== undefined) out.cdf = cdf;
  return out;
}

/** `asSent`: read latency from the actual send (`latencyUncorrected` where the engine recorded both). */
export function endpointData(result: RunResult, ep: EndpointResult, asSent = false): EndpointData {
  const win = measuredWindow(result);
  let buckets: Buckets;
  let requests = 0;
  let errors = 0;
  // A result written before series carried latency as sent has it only for the whole run (warm-up included).
  const seriesLatency = !asSent || ep.latencyUncorrected === undefined || hasAsSentSeries(ep);
  if (ep.series.length > 0 && win.fromSec > 0 && seriesLatency) {
    const parts: Buckets[] = [];
    for (const p of ep.series) {
      if (p.tSec < win.fromSec || p.tSec >= win.toSec) continue;
      parts.push(bucketsOf(decodeRaw(latencyOf(p, asSent))));
      requests += p.requests;
      for (const v of Object.values(p.errors)) errors += v;
    }
    buckets = parts.length === 0 ? { valuesUs: new Float64Array(0), counts: new Float64Array(0) } : mergeBuckets(parts);
  } else {
    buckets = bucketsOf(decodeRaw(latencyOf(ep, asSent)));
    requests = ep.requests;
    for (const v of Object.values(ep.errors)) errors += v;
  }
  // Full seconds only: a partial last second would read as a drop in throughput.
  const lastFull = Math.floor(result.meta.durationSec);
  const perSecond: number[] = [];
  const seconds: Buckets[] = [];
  if (ep.series.length > 0) {
    const byT = new Map(ep.series.map((p) => [p.tSec, p]));
    const none: Buckets = { valuesUs: new Float64Array(0), counts: new Float64Array(0) };
    for (let t = Math.ceil(win.fromSec); t < lastFull; t++) {
      const p = byT.get(t);
      perSecond.push(p?.requests ?? 0);
      if (seriesLatency) seconds.push(p === undefined ? none : bucketsOf(decodeRaw(latencyOf(p, asSent))));
    }
  }
  const dur = Math.min(win.toSec, result.meta.durationSec) - win.fromSec;
  const d: EndpointData = { kind: ep.kind, buckets, samples: 0, perSecond, seconds, requests, errors, lost: ep.stream?.lost, expected: ep.stream?.expected, values: {}, summarySource: undefined };
  return withValues(d, dur, ep.latencySummaryMs);
}
