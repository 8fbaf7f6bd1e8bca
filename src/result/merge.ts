/**
 * Exact merge of results: histograms add bucket by bucket, counts add, per-second series are aligned on
 * wall-clock time where runs overlap (distributed runners) and laid end to end where they follow each other
 * (repeated runs), and the duration is the time load was actually applied, so rates are recomputed over it.
 */
import { InputError } from '../errors.js';
import type { EndpointResult, GeneratorHealth, RunResult, SeriesPoint, StreamStats, CustomMetric, SampleRef } from './model.js';
import { RESULT_SCHEMA_VERSION } from './model.js';
import { decodeHistogram, encodeHistogram, mergeEncoded } from './histogram.js';
import { latencyOf } from './stats.js';

function addCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

function mergeHist(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return encodeHistogram(mergeEncoded([a, b]));
}

/** The as-sent latency of two parts being merged (see `latencyOf`), or undefined when neither has one of its own. */
function mergeAsSent(a: Parameters<typeof latencyOf>[0], b: Parameters<typeof latencyOf>[0]): string | undefined {
  if (a.latencyUncorrected === undefined && b.latencyUncorrected === undefined) return undefined;
  return mergeHist(latencyOf(a, true), latencyOf(b, true));
}

function mergeSeries(a: SeriesPoint[], b: SeriesPoint[], shiftB: number): SeriesPoint[] {
  const byT = new Map<number, SeriesPoint>();
  for (const p of a) byT.set(p.tSec, p);
  for (const p0 of b) {
    const p = { ...p0, tSec: p0.tSec + shiftB };
    const prev = byT.get(p.tSec);
    if (prev === undefined) {
      byT.set(p.tSec, p);
      continue;
    }
    const merged: SeriesPoint = { tSec: p.tSec, requests: prev.requests + p.requests, errors: addCounts(prev.errors, p.errors), latency: mergeHist(prev.latency, p.latency)! };
    const asSent = mergeAsSent(prev, p);
    if (asSent !== undefined) merged.latencyUncorrected = asSent;
    byT.set(p.tSec, merged);
  }
  return [...byT.values()].sort((x, y) => x.tSec - y.tSec);
}

function mergeSamples(a: SampleRef[], b: SampleRef[], keep: number, bySlowest: boolean): SampleRef[] {
  const all = [...a, ...b];
  if (bySlowest) all.sort((x, y) => (y.latencyMs ?? 0) - (x.latencyMs ?? 0));
  return all.slice(0, keep);
}

function mergeStream(a: StreamStats | undefined, b: StreamStats | undefined): StreamStats | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return {
    connectionsOpened: a.connectionsOpened + b.connectionsOpened,
    connectFailures: a.connectFailures + b.connectFailures,
    connectTime: mergeHist(a.connectTime, b.connectTime)!,
    subscribeAckTime: mergeHist(a.subscribeAckTime, b.subscribeAckTime)!,
    messages: a.messages + b.messages,
    messagesByChannel: addCounts(a.messagesByChannel, b.messagesByChannel),
    expected: a.expected + b.expected,
    lost: a.lost + b.lost,
    duplicates: a.duplicates + b.duplicates,
    reordered: a.reordered + b.reordered,
    disconnects: a.disconnects + b.disconnects,
    reconnectAttempts: a.reconnectAttempts + b.reconnectAttempts,
    reconnectSuccesses: a.reconnectSuccesses + b.reconnectSuccesses,
    recoveryTime: mergeHist(a.recoveryTime, b.recoveryTime)!,
    uptimeSec: a.uptimeSec + b.uptimeSec,
    downtimeSec: a.downtimeSec + b.downtimeSec,
    ...(a.clockOffset ? { clockOffset: a.clockOffset } : b.clockOffset ? { clockOffset: b.clockOffset } : {}),
    ...(a.resyncs !== undefined || b.resyncs !== undefined ? { resyncs: (a.resyncs ?? 0) + (b.resyncs ?? 0) } : {}),
    ...mergedLoss(a.loss, b.loss),
  };
}

/** Unmeasurable only if both parts are; a lower bound if either part's count is one. */
function mergedLoss(a: StreamStats['loss'], b: StreamStats['loss']): Pick<StreamStats, 'loss'> {
  if (a === 'none' && b === 'none') return { loss: 'none' };
  return a === 'lowerBound' || b === 'lowerBound' ? { loss: 'lowerBound' } : {};
}

/** Merge two endpoint results. `shiftBSec` aligns b's series onto a's time origin. */
export function mergeEndpoint(a: EndpointResult, b: EndpointResult, shiftBSec = 0): EndpointResult {
  const out: EndpointResult = {
    kind: a.kind,
    workloads: [...new Set([...a.workloads, ...b.workloads])],
    requests: a.requests + b.requests,
    latency: mergeHist(a.latency, b.latency)!,
    statusCodes: addCounts(a.statusCodes, b.statusCodes),
    errors: addCounts(a.errors, b.errors),
    errorCodes: addCounts(a.errorCodes, b.errorCodes),
    series: mergeSeries(a.series, b.series, shiftBSec),
    samples: {
      failed: mergeSamples(a.samples.failed, b.samples.failed, Math.max(5, a.samples.failed.length), false),
      slowest: mergeSamples(a.samples.slowest, b.samples.slowest, Math.max(5, a.samples.slowest.length), true),
    },
  };
  const lu = mergeAsSent(a, b);
  if (lu !== undefined) out.latencyUncorrected = lu;
  if (a.arrivals || b.arrivals) {
    const z = { scheduled: 0, sent: 0, late: 0, dropped: 0 };
    const x = a.arrivals ?? z;
    const y = b.arrivals ?? z;
    out.arrivals = { scheduled: x.scheduled + y.scheduled, sent: x.sent + y.sent, late: x.late + y.late, dropped: x.dropped + y.dropped };
  }
  const st = mergeStream(a.stream, b.stream);
  if (st !== undefined) out.stream = st;
  if (a.latencySummaryMs || b.latencySummaryMs) {
    // Summaries without raw samples cannot be merged exactly: keep nothing rather than a wrong number.
    if (decodeHistogram(out.latency).totalCount === 0) out.latencySummaryMs = { source: 'merge of summaries (percentiles not mergeable)', count: (a.latencySummaryMs?.count ?? 0) + (b.latencySummaryMs?.count ?? 0) };
  }
  return out;
}

function mergeCustom(a: CustomMetric, b: CustomMetric): CustomMetric {
  const out: CustomMetric = { type: a.type };
  if (a.unit) out.unit = a.unit;
  const h = mergeHist(a.histogram, b.histogram);
  if (h !== undefined) out.histogram = h;
  if (a.count !== undefined || b.count !== undefined) out.count = (a.count ?? 0) + (b.count ?? 0);
  if (a.sum !== undefined || b.sum !== undefined) out.sum = (a.sum ?? 0) + (b.sum ?? 0);
  if (a.passes !== undefined || b.passes !== undefined) out.passes = (a.passes ?? 0) + (b.passes ?? 0);
  if (a.fails !== undefined || b.fails !== undefined) out.fails = (a.fails ?? 0) + (b.fails ?? 0);
  const mins = [a.min, b.min].filter((v): v is number => v !== undefined);
  const maxs = [a.max, b.max].filter((v): v is number => v !== undefined);
  if (mins.length) out.min = Math.min(...mins);
  if (maxs.length) out.max = Math.max(...maxs);
  const v = b.value ?? a.value;
  if (v !== undefined) out.value = v;
  return out;
}

/** Length of the union of [start, end) intervals, ms. */
export function unionLengthMs(ranges: Array<[number, number]>): number {
  const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
  let total = 0;
  let curS = -Infinity;
  let curE = -Infinity;
  for (const [s, e] of sorted) {
    if (s > curE) {
      if (curE > curS) total += curE - curS;
      curS = s;
      curE = e;
    } else if (e > curE) curE = e;
  }
  if (curE > curS) total += curE - curS;
  return total;
}

/** Identity of a run's data: two results with the same start, end and endpoints are the same run. */
function sameRun(a: RunResult, b: RunResult): boolean {
  return a.meta.startedAt === b.meta.startedAt && a.meta.endedAt === b.meta.endedAt && a.meta.suite === b.meta.suite && JSON.stringify(a.endpoints) === JSON.stringify(b.endpoints);
}

/** The worst generator health of the parts (saturated if any part was), or undefined when no part has one. */
function mergeGenerator(results: RunResult[], names: string[]): GeneratorHealth | undefined {
  const parts = results.map((r, i) => [r.generator, names[i]!] as const).filter((x): x is readonly [GeneratorHealth, string] => x[0] !== undefined);
  if (parts.length === 0) return undefined;
  const worst = <K extends 'eventLoopLagMs' | 'scheduleSlipMs'>(k: K) =>
    parts.map(([g]) => g[k]).reduce<GeneratorHealth[K]>((a, x) => (x !== undefined && (a === undefined || x.p99 > a.p99) ? x : a), undefined);
  const out: GeneratorHealth = {
    saturated: parts.some(([g]) => g.saturated),
    reasons: parts.flatMap(([g, n]) => g.reasons.map((r) => (results.length > 1 ? `${n}: ${r}` : r))),
  };
  const lag = worst('eventLoopLagMs');
  const slip = worst('scheduleSlipMs');
  if (lag) out.eventLoopLagMs = lag;
  if (slip) out.scheduleSlipMs = slip;
  const cpu = parts.map(([g]) => g.cpuPct).filter((x): x is number => x !== undefined);
  if (cpu.length) out.cpuPct = Math.max(...cpu);
  const rss = parts.map(([g]) => g.maxRssMb).filter((x): x is number => x !== undefined);
  if (rss.length) out.maxRssMb = Math.max(...rss);
  return out;
}

/**
 * Merge several results of the same suite (distributed runners, split files, repeated runs) into one, keeping
 * every sample. Parts that overlap in time (runners of one test) are aligned on the wall clock; groups of parts
 * that do not overlap (runs one after another, `run --repeat`) are laid end to end: the gaps between them are
 * left out, and so is each later group's warm-up from the measured window (its requests stay in the totals),
 * so the measured requests of the merge are those of its parts. The same run given twice is refused; parts
 * that do not overlap, or come from different suites, are said in `meta.notes`.
 */
export function mergeResults(results: RunResult[], sources?: string[]): RunResult {
  if (results.length === 0) throw new Error('mergeResults needs at least one result');
  const names = results.map((r, i) => sources?.[i] ?? `input ${i + 1} (${r.meta.suite}, ${r.meta.startedAt})`);
  for (let j = 1; j < results.length; j++) {
    for (let i = 0; i < j; i++) {
      if (sameRun(results[i]!, results[j]!)) {
        throw new InputError('LG_MERGE_DUPLICATE', `${names[j]}: the same run as ${names[i]} (same start, end and data): merging it twice would count its requests twice`, {
          hint: 'give each result once',
        });
      }
    }
  }
  const starts = results.map((r) => Date.parse(r.meta.startedAt));
  const ends = results.map((r) => Math.max(Date.parse(r.meta.endedAt), Date.parse(r.meta.startedAt) + r.meta.durationSec * 1000));
  const order = results.map((_, i) => i).sort((x, y) => starts[x]! - starts[y]! || x - y);
  // Groups of parts that overlap in time.
  const groups: Array<{ members: number[]; start: number; end: number }> = [];
  for (const i of order) {
    const g = groups.at(-1);
    if (g !== undefined && starts[i]! < g.end) {
      g.members.push(i);
      g.end = Math.max(g.end, ends[i]!);
    } else groups.push({ members: [i], start: starts[i]!, end: ends[i]! });
  }
  const endpoints: Record<string, EndpointResult> = {};
  const custom: Record<string, CustomMetric> = {};
  let timelineSec = 0;
  let durationSec = 0;
  const shiftOf = new Array<number>(results.length).fill(0);
  groups.forEach((g, k) => {
    const last = k === groups.length - 1;
    // A group followed by another ends where its measured window closed (meta.measuredEndSec: after it come
    // teardown seconds, not measurements), so the next group's measured seconds follow on directly.
    const ends = g.members.map((i) => (results[i]!.meta.measuredEndSec === undefined ? undefined : results[i]!.meta.measuredEndSec! + Math.round((starts[i]! - g.start) / 1000)));
    const measuredEnd = !last && ends.every((e) => e !== undefined) ? Math.max(...(ends as number[])) : undefined;
    const lengthSec = measuredEnd ?? (g.end - g.start) / 1000;
    // A later group's warm-up is left out of the merged series (whole seconds, as the measured window reads them).
    const skipSec = k === 0 ? 0 : Math.ceil(Math.max(...g.members.map((i) => results[i]!.meta.warmupSec)));
    const offset = Math.round(timelineSec) - skipSec;
    for (const i of g.members) {
      const r = results[i]!;
      const rel = Math.round((starts[i]! - g.start) / 1000);
      shiftOf[i] = offset + rel;
      const keep = (tSec: number) => tSec + rel >= skipSec && (measuredEnd === undefined || tSec + rel < measuredEnd);
      for (const [name, ep0] of Object.entries(r.endpoints)) {
        const ep = { ...ep0, series: ep0.series.filter((p) => keep(p.tSec)) };
        const prev = endpoints[name];
        endpoints[name] = prev === undefined ? shiftOnly(ep, offset + rel) : mergeEndpoint(prev, ep, offset + rel);
      }
      for (const [name, m] of Object.entries(r.custom ?? {})) custom[name] = custom[name] ? mergeCustom(custom[name], m) : m;
    }
    durationSec += lengthSec - skipSec;
    timelineSec += lengthSec - skipSec;
  });
  const first = results[order[0]!]!;
  const notes = [...new Set(results.flatMap((r) => r.meta.notes))];
  if (groups.length > 1) {
    const gaps = groups.slice(1).map((g, k) => (g.start - groups[k]!.end) / 1000);
    notes.push(
      `merged ${results.length} results in ${groups.length} parts that do not overlap in time (gaps of ${gaps.map((x) => `${x.toFixed(1)} s`).join(', ')}): laid end to end, ` +
        'rates over the time load was applied; the warm-up of each later part is left out of the measured window (its requests are in the totals)',
    );
  }
  const suites = [...new Set(results.map((r) => r.meta.suite))].sort();
  if (suites.length > 1) notes.push(`merged results of different suites (${suites.join(', ')}): their endpoints and SLAs may not be like for like`);
  const incomplete = results.map((r) => r.meta.incomplete?.reason).filter((x): x is string => x !== undefined);
  const merged: RunResult = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    kind: 'loadgate.result',
    meta: {
      ...first.meta,
      engines: dedupe(results.flatMap((r) => r.meta.engines)),
      startedAt: new Date(groups[0]!.start).toISOString(),
      endedAt: new Date(Math.max(...ends)).toISOString(),
      durationSec,
      warmupSec: Math.max(...groups[0]!.members.map((i) => results[i]!.meta.warmupSec)),
      // The mock's own time is a summary per run: it does not merge, so the merged result has none.
      target: results.length === 1 ? first.meta.target : { url: first.meta.target.url, mock: first.meta.target.mock },
      notes,
      mergedFrom: results.map((r, i) => ({ startedAt: r.meta.startedAt, endedAt: r.meta.endedAt, ...(sources?.[i] ? { source: sources[i] } : {}) })),
    },
    endpoints,
  };
  if (incomplete.length) merged.meta.incomplete = { reason: incomplete.join('; ') };
  else delete merged.meta.incomplete;
  // Each part's measured window closes at its own end, on the merged timeline: the latest one closes the merge.
  const measuredEnds = results.map((r, i) => (r.meta.measuredEndSec === undefined ? undefined : r.meta.measuredEndSec + shiftOf[i]!));
  if (measuredEnds.every((e) => e !== undefined)) merged.meta.measuredEndSec = Math.max(...(measuredEnds as number[]));
  else delete merged.meta.measuredEndSec;
  if (Object.keys(custom).length) merged.custom = custom;
  const generator = mergeGenerator(results, names);
  if (generator !== undefined) merged.generator = generator;
  return merged;
}

function shiftOnly(ep: EndpointResult, shift: number): EndpointResult {
  return shift === 0 ? ep : { ...ep, series: ep.series.map((p) => ({ ...p, tSec: p.tSec + shift })) };
}

function dedupe<T extends { name: string; version: string }>(xs: T[]): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => (seen.has(`${x.name}@${x.version}`) ? false : (seen.add(`${x.name}@${x.version}`), true)));
}
