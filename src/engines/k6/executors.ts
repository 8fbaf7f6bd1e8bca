/**
 * k6 executors for a loadgate workload. Open model → constant- or ramping-arrival-rate (k6 starts
 * iterations at the rate whatever the target does; iterations it cannot start are `dropped_iterations`);
 * closed model → constant-vus; stream → constant-vus, one WebSocket session per VU. Plus the spike and soak
 * shapes built from the workload's rate. Pure, no imports (see config.ts).
 */
import type { LoadSpec } from './script-config.ts';

interface Common {
  exec?: string;
  tags?: Record<string, string>;
  gracefulStop?: string;
}
export interface ConstantVusScenario extends Common {
  executor: 'constant-vus';
  vus: number;
  duration: string;
}
export interface ConstantArrivalRateScenario extends Common {
  executor: 'constant-arrival-rate';
  rate: number;
  timeUnit: string;
  duration: string;
  preAllocatedVUs: number;
  maxVUs: number;
}
export interface RampingArrivalRateScenario extends Common {
  executor: 'ramping-arrival-rate';
  startRate: number;
  timeUnit: string;
  stages: Array<{ target: number; duration: string }>;
  preAllocatedVUs: number;
  maxVUs: number;
}
/** The subset of k6's scenario options loadgate generates (structurally k6's own types). */
export type K6Scenario = ConstantVusScenario | ConstantArrivalRateScenario | RampingArrivalRateScenario;

const sec = (s: number): string => `${Math.max(1, Math.round(s))}s`;

/** k6 rates are integers per timeUnit: a fractional rate per second becomes a rate per minute. */
export function rateAndUnit(ratePerSec: number): { rate: number; timeUnit: string } {
  return Number.isInteger(ratePerSec) ? { rate: ratePerSec, timeUnit: '1s' } : { rate: Math.round(ratePerSec * 60), timeUnit: '1m' };
}

/** Expected p99 iteration time (ms) when the suite gives no latency target to size VUs from. */
export const DEFAULT_EXPECTED_P99_MS = 100;

/**
 * k6's sizing guidance for arrival-rate executors: pre-allocate rate × expected p99 iteration time VUs (Little's
 * law: that many requests are in flight at the tail), plus headroom (× 1.5 + 2), capped at maxConnections.
 * Allocating VUs mid-test is slow, so too few drops iterations at the start (issue 15: 284 in the first 3 s
 * with the old "50 ms" guess at 400/s); k6 still adds more, up to maxVUs, when needed.
 */
export function vusFor(ratePerSec: number, maxConnections: number, expectedP99Ms: number = DEFAULT_EXPECTED_P99_MS): { preAllocatedVUs: number; maxVUs: number } {
  const inFlight = ratePerSec * (expectedP99Ms / 1000);
  const pre = Math.min(maxConnections, Math.max(2, Math.ceil(inFlight * 1.5) + 2));
  return { preAllocatedVUs: pre, maxVUs: Math.max(pre, maxConnections) };
}

export function isArrivalRate(s: K6Scenario): boolean {
  return s.executor === 'constant-arrival-rate' || s.executor === 'ramping-arrival-rate';
}

export function executorFor(load: LoadSpec): K6Scenario {
  switch (load.model) {
    case 'closed':
      return { executor: 'constant-vus', vus: load.connections, duration: sec(load.durationSec) };
    case 'stream':
      return { executor: 'constant-vus', vus: load.connections, duration: sec(load.durationSec), gracefulStop: '5s' };
    case 'open': {
      const peak = Math.max(load.ratePerSec, ...(load.stages ?? []).map((s) => s.targetRatePerSec));
      if (load.stages === undefined) {
        return Object.assign({ executor: 'constant-arrival-rate' as const, duration: sec(load.durationSec ?? 1) }, rateAndUnit(load.ratePerSec), vusFor(peak, load.maxConnections, load.expectedP99Ms));
      }
      const unit = load.stages.every((s) => Number.isInteger(s.targetRatePerSec)) && Number.isInteger(load.ratePerSec) ? 1 : 60;
      return Object.assign(
        {
          executor: 'ramping-arrival-rate' as const,
          startRate: Math.round(load.ratePerSec * unit),
          timeUnit: unit === 1 ? '1s' : '1m',
          stages: load.stages.map((s) => ({ target: Math.round(s.targetRatePerSec * unit), duration: sec(s.durationSec) })),
        },
        vusFor(peak, load.maxConnections, load.expectedP99Ms),
      );
    }
  }
}

/** Total planned seconds of a scenario (for progress). */
export function plannedSec(s: K6Scenario): number {
  const parse = (d: string): number => Number(d.replace(/s$/, ''));
  if (s.executor === 'ramping-arrival-rate') return s.stages.reduce((a, st) => a + parse(st.duration), 0);
  return parse(s.duration);
}

/**
 * Spike: 20% at the base rate, a fast ramp to base × factor held for 20%, back down, 20% at the base rate
 * again (recovery is what a spike test is about).
 */
export function spikeScenario(ratePerSec: number, durationSec: number, maxConnections: number, factor = 5, expectedP99Ms?: number): RampingArrivalRateScenario {
  const peak = ratePerSec * factor;
  const u = Number.isInteger(ratePerSec) && Number.isInteger(peak) ? 1 : 60;
  const part = durationSec / 5;
  const r = (x: number) => Math.round(x * u);
  return Object.assign(
    {
      executor: 'ramping-arrival-rate' as const,
      startRate: r(ratePerSec),
      timeUnit: u === 1 ? '1s' : '1m',
      stages: [
        { target: r(ratePerSec), duration: sec(part) },
        { target: r(peak), duration: sec(Math.max(1, part / 4)) },
        { target: r(peak), duration: sec(part) },
        { target: r(ratePerSec), duration: sec(Math.max(1, part / 4)) },
        { target: r(ratePerSec), duration: sec(part) },
      ],
    },
    vusFor(peak, maxConnections, expectedP99Ms),
  );
}

/** Soak: a ramp up over 5% of the time (at most 5 min), then the rate held for the rest. */
export function soakScenario(ratePerSec: number, durationSec: number, maxConnections: number, expectedP99Ms?: number): RampingArrivalRateScenario {
  const ramp = Math.min(300, Math.max(1, durationSec * 0.05));
  const u = Number.isInteger(ratePerSec) ? 1 : 60;
  return Object.assign(
    {
      executor: 'ramping-arrival-rate' as const,
      startRate: 0,
      timeUnit: u === 1 ? '1s' : '1m',
      stages: [
        { target: Math.round(ratePerSec * u), duration: sec(ramp) },
        { target: Math.round(ratePerSec * u), duration: sec(durationSec - ramp) },
      ],
    },
    vusFor(ratePerSec, maxConnections, expectedP99Ms),
  );
}
