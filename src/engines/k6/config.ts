/**
 * The generated JSON a k6 scenario reads (src/engines/k6/script-config.ts): target, workload and the SLA compiled to
 * thresholds, all from the suite; never hard-coded in a scenario. Pure.
 */
import type { LoadgateK6Config, LoadSpec } from './script-config.js';
import { DEFAULT_EXPECTED_P99_MS, executorFor, isArrivalRate } from './executors.js';
import { compileSla, type SlaPlan } from '../../sla/checks.js';
import { targetDialect, workloadMix, type Suite, type Workload } from '../../suite/schema.js';
import type { DialectName } from '../../dialect/registry.js';
import type { CustomOperationSpec } from '../../dialect/custom.js';
import { compileThresholds, type CompiledThresholds } from './thresholds.js';

export const K6_SCENARIOS = ['rest-mix', 'order-lifecycle', 'orderbook-ws', 'spike', 'soak'] as const;
export type K6ScenarioName = (typeof K6_SCENARIOS)[number];

export function loadSpecOf(w: Workload): LoadSpec {
  const l = w.load;
  switch (l.model) {
    case 'closed':
      return { model: 'closed', connections: l.connections, durationSec: l.durationSec };
    case 'stream':
      return { model: 'stream', connections: l.connections, connectRatePerSec: l.connectRatePerSec, durationSec: l.durationSec };
    case 'open':
      return {
        model: 'open',
        ratePerSec: l.ratePerSec,
        maxConnections: l.maxConnections,
        ...(l.durationSec !== undefined ? { durationSec: l.durationSec } : {}),
        ...(l.stages !== undefined ? { stages: l.stages.map((s) => ({ durationSec: s.durationSec, targetRatePerSec: s.targetRatePerSec })) } : {}),
      };
  }
}

/**
 * Which scenario runs a workload: `override` (LOADGATE_K6_SCENARIO), else a workload named after a scenario
 * (`spike…`, `soak…`, `order-lifecycle…`), else orderbook-ws for stream workloads and rest-mix otherwise.
 */
export function scenarioFor(w: Workload, override?: string): K6ScenarioName {
  if (override !== undefined && (K6_SCENARIOS as readonly string[]).includes(override)) return override as K6ScenarioName;
  for (const s of ['order-lifecycle', 'spike', 'soak'] as const) if (w.name.startsWith(s)) return s;
  return w.load.model === 'stream' ? 'orderbook-ws' : 'rest-mix';
}

/**
 * The k6 scenario name of a workload. k6 accepts only `[0-9a-zA-Z_-]` in scenario names and rejects anything
 * else with exit 104 (k6 `lib/executor/base_config.go` scenarioNameWhitelist); a workload name may also hold
 * `.`, so every other character becomes `_`. Samples carry it as their `scenario` tag.
 */
export function k6ScenarioName(workload: string): string {
  return workload.replace(/[^0-9A-Za-z_-]/g, '_');
}

export function endpointsOf(w: Workload): Set<string> {
  return new Set([...workloadMix(w).map((m) => m.endpoint), ...(w.streams ?? []).map((s) => `ws:${s.channel}`)]);
}

/** The workload's custom mix entries and the specs of the endpoints they name (none: neither field, as before issue 10). */
function customOf(suite: Suite, w: Workload): Pick<LoadgateK6Config, 'customMix' | 'customEndpoints'> {
  const entries = w.customMix ?? [];
  if (entries.length === 0) return {};
  const customEndpoints: Record<string, CustomOperationSpec> = {};
  for (const m of entries) {
    const spec = suite.target.endpoints?.[m.endpoint];
    // The schema refuses a mix entry naming an undeclared endpoint; a suite built by hand may still hold one.
    if (spec === undefined) throw new Error(`workload ${w.name}: mix names "${m.endpoint}", which target.endpoints does not declare`);
    customEndpoints[m.endpoint] = spec;
  }
  return { customMix: entries.map((m) => ({ endpoint: m.endpoint, weight: m.weight, ...(m.depth !== undefined ? { depth: m.depth } : {}) })), customEndpoints };
}

export interface BuiltConfig {
  config: LoadgateK6Config;
  skippedThresholds: CompiledThresholds['skipped'];
}

/**
 * The p99 latency to size pre-allocated VUs from: the loosest p99 (else p99.9, else 2 × p95) target on the
 * workload's endpoints or overall, so the VUs cover the tail the SLA still accepts; never above the timeout,
 * DEFAULT_EXPECTED_P99_MS when the SLA has no latency target.
 */
export function expectedP99Ms(plan: SlaPlan, endpoints: ReadonlySet<string>, timeoutMs: number): number {
  const relevant = plan.checks.filter((c) => (c.scope === 'overall' || endpoints.has(c.scope)) && (c.op === '<' || c.op === '<='));
  const limits = (metric: string, factor = 1) => relevant.filter((c) => c.metric === metric).map((c) => c.limit * factor);
  const candidates = [limits('p99Ms'), limits('p999Ms'), limits('p95Ms', 2)].find((l) => l.length > 0);
  return Math.min(timeoutMs, candidates ? Math.max(...candidates) : DEFAULT_EXPECTED_P99_MS);
}

/** `target.dialect` defaults to the suite's (`targetDialect`): the scenarios speak it (src/dialect). */
export function buildK6Config(suite: Suite, w: Workload, target: { baseUrl: string; wsUrl: string; timeoutMs: number; dialect?: DialectName }): BuiltConfig {
  const load = loadSpecOf(w);
  const endpoints = endpointsOf(w);
  const plan = compileSla(suite.sla, { drivenEndpoints: endpoints });
  const scenario = k6ScenarioName(w.name);
  if (load.model === 'open') load.expectedP99Ms = expectedP99Ms(plan, endpoints, target.timeoutMs);
  const { thresholds, skipped } = compileThresholds(plan, { scenario, arrivalRate: isArrivalRate(executorFor(load)), endpoints, stream: load.model === 'stream' });
  return {
    config: {
      version: 1,
      dialect: target.dialect ?? targetDialect(suite.target),
      baseUrl: target.baseUrl.replace(/\/+$/, ''),
      wsUrl: target.wsUrl,
      workload: scenario,
      load,
      mix: (w.mix ?? []).map((m) => ({ endpoint: m.endpoint, weight: m.weight, ...(m.depth !== undefined ? { depth: m.depth } : {}) })),
      ...customOf(suite, w),
      symbols: w.symbols,
      order: { ...w.order },
      streams: (w.streams ?? []).map((s) => ({ channel: s.channel, ...(s.symbols ? { symbols: s.symbols } : {}) })),
      timeoutMs: target.timeoutMs,
      thresholds,
    },
    skippedThresholds: skipped,
  };
}
