/**
 * Derived numbers, computed on read from the raw result: percentiles, rates, counts, over the whole run or a
 * time window. Pure.
 */
import type { EndpointResult, RunResult } from './model.js';
import { addEncoded, createHistogram, decodeHistogram, encodeHistogram as encode, summarizeHistogram, type Histogram, type LatencySummaryMs } from './histogram.js';

export interface Window {
  /** Inclusive start, seconds since run start. */
  fromSec: number;
  /** Exclusive end, seconds since run start. */
  toSec: number;
}

export interface EndpointStats {
  name: string;
  kind: EndpointResult['kind'];
  requests: number;
  /** Requests that got a response and were not errors. */
  successes: number;
  errors: number;
  errorsByClass: Record<string, number>;
  errorRatePct: number | undefined;
  successRatePct: number | undefined;
  throughputPerSec: number | undefined;
  latency: Partial<LatencySummaryMs> | undefined;
  /** Where the latency numbers came from when not from a histogram (e.g. a k6 summary). */
  latencySource: 'histogram' | string;
  durationSec: number;
}

/**
 * The latency histogram of an endpoint or series point: as sent (`latencyUncorrected`, where an open-model engine
 * recorded both) when `asSent`, else `latency`. A part without `latencyUncorrected` was timed from the actual
 * send already (closed model, k6), so its `latency` is its as-sent latency.
 */
export function latencyOf(part: { latency: string; latencyUncorrected?: string | undefined }, asSent: boolean): string {
  return asSent ? (part.latencyUncorrected ?? part.latency) : part.latency;
}

/**
 * Whether the endpoint's latency as sent (uncorrected) can be read per second. Results written before series
 * carried it have it only as a whole-run histogram; reading their series "as sent" would give the corrected values.
 */
export function hasAsSentSeries(ep: EndpointResult): boolean {
  return ep.latencyUncorrected !== undefined && ep.series.some((p) => p.latencyUncorrected !== undefined);
}

/** Stats of one endpoint. With a window, only the series buckets inside it count. */
export function endpointStats(name: string, ep: EndpointResult, durationSec: number, window?: Window, opts: { uncorrected?: boolean } = {}): EndpointStats {
  let hist: Histogram;
  let requests: number;
  let errorsByClass: Record<string, number>;
  let dur = durationSec;
  if (window !== undefined && ep.series.length > 0) {
    hist = createHistogram();
    requests = 0;
    errorsByClass = {};
    for (const p of ep.series) {
      if (p.tSec < window.fromSec || p.tSec >= window.toSec) continue;
      requests += p.requests;
      for (const [k, v] of Object.entries(p.errors)) errorsByClass[k] = (errorsByClass[k] ?? 0) + v;
      addEncoded(hist, latencyOf(p, opts.uncorrected === true));
    }
    dur = Math.max(0, Math.min(window.toSec, durationSec) - window.fromSec);
  } else {
    hist = decodeHistogram(latencyOf(ep, opts.uncorrected === true));
    requests = ep.requests;
    errorsByClass = { ...ep.errors };
  }
  const errors = Object.values(errorsByClass).reduce((a, b) => a + b, 0);
  let latency: Partial<LatencySummaryMs> | undefined = summarizeHistogram(hist);
  let latencySource = 'histogram';
  if (latency === undefined && ep.latencySummaryMs !== undefined) {
    const { source, ...rest } = ep.latencySummaryMs;
    latency = rest;
    latencySource = source;
  }
  return {
    name,
    kind: ep.kind,
    requests,
    successes: requests - errors,
    errors,
    errorsByClass,
    errorRatePct: requests > 0 ? (errors / requests) * 100 : undefined,
    successRatePct: requests > 0 ? ((requests - errors) / requests) * 100 : undefined,
    throughputPerSec: dur > 0 ? requests / dur : undefined,
    latency,
    latencySource,
    durationSec: dur,
  };
}

/**
 * The endpoints that make up "overall": every http endpoint (not ws streams, not health probes), merged exactly.
 * When any of them has uncorrected latency, overall has it too, built from each endpoint's as-sent latency
 * (`latencyUncorrected`, or `latency` for endpoints measured from the actual send already).
 */
export function overallEndpoint(result: RunResult): EndpointResult | undefined {
  const eps = Object.values(result.endpoints).filter((e) => e.kind === 'http');
  if (eps.length === 0) return undefined;
  const withAsSent = eps.some((e) => e.latencyUncorrected !== undefined);
  // Per second only when every open endpoint has it per second (see hasAsSentSeries).
  const seriesAsSent = withAsSent && eps.every((e) => e.latencyUncorrected === undefined || hasAsSentSeries(e));
  const hist = createHistogram();
  const histAsSent = withAsSent ? createHistogram() : undefined;
  // Each second's encoded parts, added into one reused histogram when the second is encoded: a fresh 190 KB
  // histogram per second and side made `report` of a long run allocate hundreds of MB (issue 16).
  type Acc = { tSec: number; requests: number; errors: Record<string, number>; parts: string[]; asSent: string[] | undefined };
  const series = new Map<number, Acc>();
  const out: EndpointResult = {
    kind: 'http',
    workloads: [...new Set(eps.flatMap((e) => e.workloads))],
    requests: 0,
    latency: '',
    statusCodes: {},
    errors: {},
    errorCodes: {},
    series: [],
    samples: { failed: [], slowest: [] },
  };
  for (const e of eps) {
    out.requests += e.requests;
    addEncoded(hist, e.latency);
    if (histAsSent) addEncoded(histAsSent, latencyOf(e, true));
    for (const [k, v] of Object.entries(e.errors)) out.errors[k] = (out.errors[k] ?? 0) + v;
    for (const [k, v] of Object.entries(e.statusCodes)) out.statusCodes[k] = (out.statusCodes[k] ?? 0) + v;
    for (const [k, v] of Object.entries(e.errorCodes)) out.errorCodes[k] = (out.errorCodes[k] ?? 0) + v;
    for (const p of e.series) {
      let s = series.get(p.tSec);
      if (s === undefined) series.set(p.tSec, (s = { tSec: p.tSec, requests: 0, errors: {}, parts: [], asSent: seriesAsSent ? [] : undefined }));
      s.requests += p.requests;
      for (const [k, v] of Object.entries(p.errors)) s.errors[k] = (s.errors[k] ?? 0) + v;
      s.parts.push(p.latency);
      s.asSent?.push(latencyOf(p, true));
    }
  }
  out.latency = encode(hist);
  if (histAsSent !== undefined) out.latencyUncorrected = encode(histAsSent);
  const scratch = createHistogram();
  const encodeSum = (parts: string[]): string => {
    scratch.reset();
    for (const e of parts) addEncoded(scratch, e);
    return encode(scratch);
  };
  out.series = [...series.values()]
    .sort((a, b) => a.tSec - b.tSec)
    .map((s) => ({ tSec: s.tSec, requests: s.requests, errors: s.errors, latency: encodeSum(s.parts), ...(s.asSent ? { latencyUncorrected: encodeSum(s.asSent) } : {}) }));
  return out;
}

/** The analysis window: the run minus its warm-up. */
export function measuredWindow(result: RunResult): Window {
  const end = Math.min(Math.ceil(result.meta.durationSec), result.meta.measuredEndSec ?? Infinity);
  return { fromSec: result.meta.warmupSec, toSec: Math.max(result.meta.warmupSec, end) };
}
