/**
 * Synthetic results drawn from known distributions, seeded, recorded through the real EndpointRecorder so
 * they are in the exact result format engines produce. Reusable by any test.
 *
 *   syntheticResult({ seed: 1, durationSec: 20, endpoints: { fetchTicker: { dist: 'lognormal', p50Ms: 20, p99Ms: 80, n: 20_000 } } })
 */
import type { EndpointResult, RunResult } from '../../src/result/model.js';
import { EndpointRecorder } from '../../src/result/recorder.js';
import { mulberry32Open } from '../../src/random.js';

export interface SyntheticEndpoint {
  /** Latency distribution. `lognormal`: set by its p50 and p99; `uniform`: between minMs and maxMs; `fixed`: p50Ms. */
  dist: 'lognormal' | 'uniform' | 'fixed';
  p50Ms?: number;
  p99Ms?: number;
  minMs?: number;
  maxMs?: number;
  /** Requests, spread over the run as a Poisson process conditioned on the count. */
  n: number;
  /** Share of requests that fail (HTTP 500, class `server`), percent. Default 0. */
  errorRatePct?: number;
  kind?: EndpointResult['kind'];
  /**
   * Open-model runs: every request also waited this long to be sent, so its corrected latency (from the
   * intended send time) is the drawn latency plus this, and the drawn latency is recorded as uncorrected.
   */
  queueMs?: number;
}

export interface SyntheticOptions {
  seed: number;
  endpoints: Record<string, SyntheticEndpoint>;
  durationSec: number;
  warmupSec?: number;
  phase?: string;
  label?: string;
  suite?: string;
  engine?: string;
}

/** Seeded uniform in (0, 1). */
export const seededRng = mulberry32Open;

const Z99 = 2.3263478740408408;

function sampler(ep: SyntheticEndpoint, rng: () => number): () => number {
  switch (ep.dist) {
    case 'fixed':
      return () => ep.p50Ms ?? 10;
    case 'uniform': {
      const lo = ep.minMs ?? 1;
      const hi = ep.maxMs ?? 100;
      return () => lo + (hi - lo) * rng();
    }
    case 'lognormal': {
      const p50 = ep.p50Ms ?? 20;
      const p99 = ep.p99Ms ?? p50 * 4;
      const mu = Math.log(p50);
      const sigma = Math.log(p99 / p50) / Z99;
      return () => Math.exp(mu + sigma * Math.sqrt(-2 * Math.log(rng())) * Math.cos(2 * Math.PI * rng()));
    }
  }
}

export function syntheticResult(opts: SyntheticOptions): RunResult {
  const durationMs = opts.durationSec * 1000;
  const endpoints: Record<string, EndpointResult> = {};
  let i = 0;
  for (const [name, ep] of Object.entries(opts.endpoints)) {
    const rng = seededRng((opts.seed * 0x9e3779b1 + ++i * 0x85ebca6b) >>> 0);
    const draw = sampler(ep, rng);
    const rec = new EndpointRecorder(name, ep.kind ?? 'http', 'synthetic');
    // Sorted arrival times: normalised exponential spacings (a Poisson process given its count).
    const gaps = new Float64Array(ep.n + 1);
    let total = 0;
    for (let k = 0; k <= ep.n; k++) total += gaps[k] = -Math.log(rng());
    const errP = (ep.errorRatePct ?? 0) / 100;
    let t = 0;
    for (let k = 0; k < ep.n; k++) {
      t += gaps[k]!;
      const atMs = (t / total) * durationMs;
      const drawnUs = draw() * 1000;
      const latency = ep.queueMs === undefined ? { latencyUs: drawnUs } : { latencyUs: drawnUs + ep.queueMs * 1000, latencyUncorrectedUs: drawnUs };
      if (errP > 0 && rng() < errP) rec.recordResponse({ atMs, ...latency, status: 500, errorClass: 'server' });
      else rec.recordResponse({ atMs, ...latency, status: 200 });
    }
    endpoints[name] = rec.toResult();
  }
  const start = Date.UTC(2025, 0, 1) + opts.seed * 1000;
  const meta: RunResult['meta'] = {
    suite: opts.suite ?? 'synthetic',
    engines: [{ name: opts.engine ?? 'synthetic', version: '0' }],
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(start + durationMs).toISOString(),
    durationSec: opts.durationSec,
    warmupSec: opts.warmupSec ?? 0,
    host: { hostname: 'synthetic', platform: 'linux', arch: 'x64', cpus: 1, node: 'v20' },
    target: { url: 'http://127.0.0.1:0', mock: true },
    notes: [],
  };
  if (opts.phase !== undefined) meta.phase = opts.phase;
  if (opts.label !== undefined) meta.label = opts.label;
  return { schemaVersion: 1, kind: 'loadgate.result', meta, endpoints };
}
