/**
 * The trend of a history: per endpoint and metric, one number per run (read over each run's measured window,
 * as the SLA reads it), and the change points Otava's method finds in it. Pure.
 */
import type { RunResult } from '../result/model.js';
import { endpointStats, measuredWindow, overallEndpoint, type EndpointStats } from '../result/stats.js';
import { changePoints, DEFAULT_CHANGE_POINT_OPTIONS, type ChangePoint, type ChangePointOptions } from './changepoints.js';
import type { HistoryEntry } from './store.js';

export const TREND_METRICS = ['p50Ms', 'p95Ms', 'p99Ms', 'throughputPerSec', 'errorRatePct'] as const;
export type TrendMetric = (typeof TREND_METRICS)[number];

export const TREND_METRIC_INFO: Record<TrendMetric, { label: string; unit: 'ms' | '/s' | '%'; better: 'lower' | 'higher' }> = {
  p50Ms: { label: 'p50', unit: 'ms', better: 'lower' },
  p95Ms: { label: 'p95', unit: 'ms', better: 'lower' },
  p99Ms: { label: 'p99', unit: 'ms', better: 'lower' },
  throughputPerSec: { label: 'throughput', unit: '/s', better: 'higher' },
  errorRatePct: { label: 'error rate', unit: '%', better: 'lower' },
};

export const OVERALL_SERIES = 'overall';

export interface TrendRun {
  id: string;
  startedAt: string;
  label?: string;
  gitCommit?: string;
  status: 'pass' | 'fail';
  /** Why the run's numbers are not read for change points. */
  untrustworthy?: string;
}

export interface TrendChangePoint extends ChangePoint {
  /** Index into `Trend.runs` of the first run of the new regime. */
  run: number;
  direction: 'regression' | 'improvement';
}

export interface TrendSeries {
  endpoint: string;
  metric: TrendMetric;
  /** One point per run that measured it, in run order; `run` indexes `Trend.runs`. */
  points: Array<{ run: number; value: number }>;
  changePoints: TrendChangePoint[];
}

export interface TrendOptions extends ChangePointOptions {
  /** Only the last this many runs. Default 100. */
  last?: number;
  metrics?: readonly TrendMetric[];
}

export interface Trend {
  kind: 'loadgate.trend';
  schemaVersion: 1;
  options: Required<Omit<TrendOptions, 'metrics'>> & { metrics: TrendMetric[] };
  runs: TrendRun[];
  series: TrendSeries[];
}

export const DEFAULT_TREND_LAST = 100;

/** Each endpoint's stats over the run's measured window, "overall" included (computed once per run). */
function runStats(result: RunResult): Map<string, EndpointStats> {
  const out = new Map<string, EndpointStats>();
  const w = measuredWindow(result);
  const overall = overallEndpoint(result);
  if (overall !== undefined) out.set(OVERALL_SERIES, endpointStats(OVERALL_SERIES, overall, result.meta.durationSec, w));
  for (const [name, ep] of Object.entries(result.endpoints)) out.set(name, endpointStats(name, ep, result.meta.durationSec, w));
  return out;
}

function metricValue(s: EndpointStats | undefined, metric: TrendMetric): number | undefined {
  if (s === undefined) return undefined;
  const v = metric === 'throughputPerSec' || metric === 'errorRatePct' ? s[metric] : s.latency?.[metric];
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

/** Runs oldest first, each with its result. Untrustworthy runs are shown but not read for change points. */
export function buildTrend(history: ReadonlyArray<{ entry: HistoryEntry; result: RunResult }>, options: TrendOptions = {}): Trend {
  const last = options.last ?? DEFAULT_TREND_LAST;
  const metrics = [...(options.metrics ?? TREND_METRICS)];
  const cpo = { ...DEFAULT_CHANGE_POINT_OPTIONS, ...options };
  const chosen = history.slice(Math.max(0, history.length - last));
  const runs: TrendRun[] = chosen.map(({ entry: e }) => ({
    id: e.id,
    startedAt: e.startedAt,
    ...(e.label !== undefined ? { label: e.label } : {}),
    ...(e.gitCommit !== undefined ? { gitCommit: e.gitCommit } : {}),
    status: e.status,
    ...(e.untrustworthy !== undefined ? { untrustworthy: e.untrustworthy } : {}),
  }));
  // Endpoints in first-seen order, http before ws before probes, "overall" first when any run has http.
  const kinds = new Map<string, number>();
  const order = { http: 0, ws: 1, probe: 2 } as const;
  for (const { result } of chosen) for (const [n, ep] of Object.entries(result.endpoints)) if (!kinds.has(n)) kinds.set(n, order[ep.kind]);
  const names = [...kinds.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).map(([n]) => n);
  if ([...kinds.values()].some((k) => k === 0)) names.unshift(OVERALL_SERIES);

  const stats = chosen.map(({ result }) => runStats(result));
  const series: TrendSeries[] = [];
  for (const endpoint of names) {
    for (const metric of metrics) {
      const points: TrendSeries['points'] = [];
      stats.forEach((byName, run) => {
        const value = metricValue(byName.get(endpoint), metric);
        if (value !== undefined) points.push({ run, value });
      });
      if (points.length === 0) continue;
      const trusted = points.filter((p) => runs[p.run]!.untrustworthy === undefined);
      const better = TREND_METRIC_INFO[metric].better;
      const cps: TrendChangePoint[] = changePoints(
        trusted.map((p) => p.value),
        cpo,
      ).map((c) => ({
        ...c,
        run: trusted[c.index]!.run,
        direction: (better === 'lower' ? c.meanAfter > c.meanBefore : c.meanAfter < c.meanBefore) ? 'regression' : 'improvement',
      }));
      series.push({ endpoint, metric, points, changePoints: cps });
    }
  }
  return {
    kind: 'loadgate.trend',
    schemaVersion: 1,
    options: { last, windowLen: cpo.windowLen, maxPValue: cpo.maxPValue, minMagnitude: cpo.minMagnitude, ttest: cpo.ttest, metrics },
    runs,
    series,
  };
}
