/**
 * Compiles an SLA spec (presets + explicit targets) into a flat list of checks. Pure.
 */
import { InputError } from '../errors.js';
import type { SlaMetric, SlaSpec, SlaTargets, TargetValue } from '../suite/schema.js';
import { PRESETS, presetNames } from './presets.js';

export type Op = '<' | '<=' | '>' | '>=';

export interface Check {
  /** Stable id, e.g. `fetchTicker.p95Ms`, `overall.errorsPerMinute.rateLimit`. */
  id: string;
  /** `overall` or an endpoint/stream name. */
  scope: string;
  metric: SlaMetric | `errorsPerMinute.${string}`;
  op: Op;
  limit: number;
  unit: 'ms' | '%' | '/s' | '/min' | 'count';
  /** Window size in seconds: the check must hold in every window. */
  windowSec?: number;
  optional: boolean;
  /** Where the check came from: `suite`, `preset:<name>`, or `implicit`. */
  source: string;
}

export interface SlaPlan {
  checks: Check[];
  /** Which open-model latency to read (default corrected). */
  latencyBasis?: 'corrected' | 'uncorrected';
  /** The suite accepts an untrustworthy run (`sla.acceptUntrustworthy`): the SLA checks decide. */
  acceptUntrustworthy?: boolean;
  /** Things a reader should know about how checks were chosen. */
  notes: string[];
}

const UPPER: Record<SlaMetric, { op: Op; unit: Check['unit'] }> = {
  p50Ms: { op: '<', unit: 'ms' },
  p90Ms: { op: '<', unit: 'ms' },
  p95Ms: { op: '<', unit: 'ms' },
  p99Ms: { op: '<', unit: 'ms' },
  p999Ms: { op: '<', unit: 'ms' },
  maxMs: { op: '<', unit: 'ms' },
  meanMs: { op: '<', unit: 'ms' },
  errorRatePct: { op: '<', unit: '%' },
  successRatePct: { op: '>=', unit: '%' },
  throughputPerSec: { op: '>=', unit: '/s' },
  availabilityPct: { op: '>=', unit: '%' },
  droppedArrivals: { op: '<', unit: 'count' },
  lossPct: { op: '<', unit: '%' },
  reconnectSuccessPct: { op: '>=', unit: '%' },
};

export function metricDefaults(metric: string): { op: Op; unit: Check['unit'] } {
  if (metric.startsWith('errorsPerMinute.')) return { op: '<=', unit: '/min' };
  const d = UPPER[metric as SlaMetric];
  if (!d) throw new Error(`unknown SLA metric ${metric}`);
  return d;
}

/** true when a higher value of the metric is better. */
export function higherIsBetter(metric: string): boolean {
  const { op } = metricDefaults(metric);
  return op === '>' || op === '>=';
}

function toCheck(scope: string, metric: Check['metric'], v: TargetValue, source: string): Check {
  const d = metricDefaults(metric);
  const c: Check = { id: `${scope}.${metric}`, scope, metric, op: d.op, limit: 0, unit: d.unit, optional: false, source };
  if (typeof v === 'number') c.limit = v;
  else {
    c.limit = v.limit;
    if (v.op) c.op = v.op;
    if (v.window !== undefined) c.windowSec = v.window;
    if (v.optional) c.optional = true;
  }
  if (metric.startsWith('errorsPerMinute.') && c.windowSec === undefined) c.windowSec = 60;
  return c;
}

function targetsToChecks(scope: string, t: SlaTargets, source: string): Check[] {
  const out: Check[] = [];
  for (const [k, v] of Object.entries(t)) {
    if (v === undefined) continue;
    if (k === 'errorsPerMinute') {
      for (const [cls, lv] of Object.entries(v as Record<string, TargetValue>)) out.push(toCheck(scope, `errorsPerMinute.${cls}`, lv, source));
    } else out.push(toCheck(scope, k as SlaMetric, v as TargetValue, source));
  }
  return out;
}

export interface CompileOptions {
  /** Endpoints the suite drives; preset checks on other endpoints are left out (with a note). */
  drivenEndpoints?: ReadonlySet<string>;
  /** Workloads include rate-driven (open model) ones: add the implicit `droppedArrivals < 1`. */
  openModelEndpoints?: ReadonlySet<string>;
}

/** Presets first, explicit targets override the same check id. */
export function compileSla(sla: SlaSpec | undefined, opts: CompileOptions = {}): SlaPlan {
  const byId = new Map<string, Check>();
  const notes: string[] = [];
  const presets = sla?.preset === undefined ? [] : Array.isArray(sla.preset) ? sla.preset : [sla.preset];
  for (const name of presets) {
    const p = PRESETS[name];
    if (!p) throw new InputError('LG_SLA_PRESET', `sla.preset: unknown preset "${name}"`, { hint: `use one of: ${presetNames().join(', ')}` });
    const src = `preset:${name}`;
    for (const c of targetsToChecks('overall', p.overall ?? {}, src)) byId.set(c.id, c);
    const skipped: string[] = [];
    for (const [ep, t] of Object.entries(p.endpoints ?? {})) {
      if (opts.drivenEndpoints && !opts.drivenEndpoints.has(ep)) {
        skipped.push(ep);
        continue;
      }
      for (const c of targetsToChecks(ep, t, src)) byId.set(c.id, c);
    }
    if (skipped.length) notes.push(`preset ${name}: ${skipped.join(', ')} not driven by any workload, so their targets are not checked`);
  }
  for (const c of targetsToChecks('overall', sla?.overall ?? {}, 'suite')) byId.set(c.id, c);
  for (const [ep, t] of Object.entries(sla?.endpoints ?? {})) for (const c of targetsToChecks(ep, t, 'suite')) byId.set(c.id, c);
  for (const ep of opts.openModelEndpoints ?? []) {
    const id = `${ep}.droppedArrivals`;
    if (!byId.has(id)) byId.set(id, { id, scope: ep, metric: 'droppedArrivals', op: '<', limit: 1, unit: 'count', optional: false, source: 'implicit' });
  }
  return { checks: [...byId.values()], notes, latencyBasis: sla?.latencyBasis ?? 'corrected', ...(sla?.acceptUntrustworthy ? { acceptUntrustworthy: true } : {}) };
}
