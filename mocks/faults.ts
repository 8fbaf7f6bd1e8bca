/**
 * Fault injection for the mock exchange: latency, injected 5xx, connection resets and periodic
 * stalls (what a GC pause looks like from the client). The schemas are the spec; `FaultInjector`
 * turns a validated config into per-request decisions using an injected RNG and clock origin.
 */
import type { Rng } from './rng.js';

/** z such that P(Z < z) = 0.99 for a standard normal: links a lognormal's p50 and p99. */
export const NORMAL_Z99 = 2.3263478740408408;

export {
  latencySchema,
  stallSchema,
  faultSpecSchema,
  faultsSchema,
  MOCK_ENDPOINTS,
  type LatencySpec,
  type StallSpec,
  type FaultSpec,
  type MockEndpoint,
  type MockRouteName,
  type MockFaults,
  type MockFaultsConfig,
} from '../src/suite/mock-options.js';
import { MOCK_ENDPOINTS, type FaultSpec, type LatencySpec, type StallSpec, type MockFaultsConfig, type MockRouteName } from '../src/suite/mock-options.js';

/** mu and sigma of the lognormal whose median is `p50Ms` and 99th percentile is `p99Ms`. */
export function lognormalParams(p50Ms: number, p99Ms: number): { mu: number; sigma: number } {
  return { mu: Math.log(p50Ms), sigma: (Math.log(p99Ms) - Math.log(p50Ms)) / NORMAL_Z99 };
}

/** A latency sampler for `spec`, with the per-spec math done once. */
export function latencySampler(spec: LatencySpec): (rng: Rng) => number {
  switch (spec.type) {
    case 'fixed': {
      const ms = spec.ms;
      return () => ms;
    }
    case 'uniform': {
      const { minMs } = spec;
      const widthMs = spec.maxMs - spec.minMs;
      return (rng) => minMs + widthMs * rng.next();
    }
    case 'lognormal': {
      const { mu, sigma } = lognormalParams(spec.p50Ms, spec.p99Ms);
      return (rng) => Math.exp(mu + sigma * rng.normal());
    }
  }
}

/**
 * When a response that would complete at `completeAtMs` is released, given stalls
 * `[k·everySec·1000, k·everySec·1000 + holdMs)` (k = 0, 1, …) measured from `serverStartMs`.
 * Pure: all times are epoch ms from the same clock.
 */
export function stallReleaseAtMs(completeAtMs: number, serverStartMs: number, stall: StallSpec): number {
  const sinceStartMs = completeAtMs - serverStartMs;
  if (sinceStartMs < 0) return completeAtMs;
  const periodMs = stall.everySec * 1000;
  const stallEndMs = Math.floor(sinceStartMs / periodMs) * periodMs + stall.holdMs;
  return sinceStartMs < stallEndMs ? serverStartMs + stallEndMs : completeAtMs;
}

export type FaultOutcome = 'ok' | 'internalError' | 'serviceUnavailable' | 'reset';

/** What to do with one request: how long to delay it, then answer, fail it or reset it. */
export interface FaultPlan {
  outcome: FaultOutcome;
  delayMs: number;
}

interface ResolvedFaults {
  latency: ((rng: Rng) => number) | undefined;
  errorRate: number;
  resetRate: number;
  stall: StallSpec | undefined;
}

const OK_NO_DELAY: FaultPlan = Object.freeze({ outcome: 'ok', delayMs: 0 });

function resolve(spec: FaultSpec | undefined, fallback: FaultSpec | undefined): ResolvedFaults {
  const latency = spec?.latency ?? fallback?.latency;
  const stall = spec?.stall ?? fallback?.stall;
  return {
    latency: latency === undefined ? undefined : latencySampler(latency),
    errorRate: (spec?.errorRatePct ?? fallback?.errorRatePct ?? 0) / 100,
    resetRate: (spec?.resetRatePct ?? fallback?.resetRatePct ?? 0) / 100,
    stall,
  };
}

/**
 * Per-request fault decisions. The merge of `default` and per-endpoint specs happens once in
 * `setFaults`, so a request costs at most a few RNG draws. Draws happen only for configured faults,
 * in a fixed order (latency, reset, error, error kind), so a seed reproduces the same decisions.
 */
export class FaultInjector {
  private byRoute = new Map<MockRouteName, ResolvedFaults>();

  constructor(
    faults: MockFaultsConfig,
    private readonly rng: Rng,
    /** Epoch ms the stall schedule counts from. */
    private readonly serverStartMs: number,
  ) {
    this.setFaults(faults);
  }

  /** Replaces all faults; `faults` must already be validated by `faultsSchema`. */
  setFaults(faults: MockFaultsConfig): void {
    const byRoute = new Map<MockRouteName, ResolvedFaults>();
    for (const name of MOCK_ENDPOINTS) byRoute.set(name, resolve(faults[name], faults.default));
    byRoute.set('notFound', resolve(undefined, faults.default));
    this.byRoute = byRoute;
  }

  plan(route: MockRouteName): FaultPlan {
    const f = this.byRoute.get(route);
    if (f === undefined) return OK_NO_DELAY;
    const delayMs = f.latency === undefined ? 0 : f.latency(this.rng);
    let outcome: FaultOutcome = 'ok';
    if (f.resetRate > 0 && this.rng.next() < f.resetRate) outcome = 'reset';
    else if (f.errorRate > 0 && this.rng.next() < f.errorRate) outcome = this.rng.next() < 0.5 ? 'internalError' : 'serviceUnavailable';
    return outcome === 'ok' && delayMs === 0 ? OK_NO_DELAY : { outcome, delayMs };
  }

  /** When a response of `route` that would complete at `completeAtMs` may leave (stalls applied). */
  releaseAtMs(route: MockRouteName, completeAtMs: number): number {
    const stall = this.byRoute.get(route)?.stall;
    return stall === undefined ? completeAtMs : stallReleaseAtMs(completeAtMs, this.serverStartMs, stall);
  }
}
