/**
 * Latency bucket boundaries for the Prometheus histograms: a default ladder plus every latency limit of the
 * SLA, so "share of requests ≤ the limit" is read from a bucket of its own, never interpolated. Pure.
 */
import type { Check } from '../sla/checks.js';

/** 0.5 ms … 60 s, 1-2.5-5 steps: loopback mocks to slow real endpoints. */
export const DEFAULT_LATENCY_LADDER_MS: readonly number[] = [0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000];

const LATENCY_METRICS = new Set(['p50Ms', 'p90Ms', 'p95Ms', 'p99Ms', 'p999Ms', 'maxMs', 'meanMs']);

/** The latency checks' limits in ms (those a bucket must sit exactly on). */
export function slaLatencyLimitsMs(checks: readonly Pick<Check, 'metric' | 'limit'>[]): number[] {
  return checks.filter((c) => LATENCY_METRICS.has(c.metric) && c.limit > 0 && Number.isFinite(c.limit)).map((c) => c.limit);
}

/** Ascending, unique boundaries in ms: the ladder plus the limits (and any extra boundaries). */
export function latencyBoundariesMs(checks: readonly Pick<Check, 'metric' | 'limit'>[], extraMs: readonly number[] = []): number[] {
  return [...new Set([...DEFAULT_LATENCY_LADDER_MS, ...slaLatencyLimitsMs(checks), ...extraMs])].sort((a, b) => a - b);
}

/** A boundary as its `le` label value in seconds, the way the exporter writes it (shortest round-trip form). */
export function leLabel(ms: number): string {
  return String(ms / 1000);
}

/**
 * A matcher for the bucket at `ms` that also holds after Prometheus 3 normalises `le` ("1" becomes "1.0"):
 * `le=~"1|1\\.0"` for whole seconds, `le="0.2"` otherwise.
 */
export function leMatcher(ms: number): string {
  const v = leLabel(ms);
  return Number.isInteger(ms / 1000) ? `le=~"${v}|${v}\\\\.0"` : `le="${v}"`;
}
