/** Small hand-built results for unit tests of evaluate/merge (seeded, recorded through EndpointRecorder). */
import { EndpointRecorder } from '../../src/result/recorder.js';
import type { EngineOutput } from '../../src/engines/types.js';
import { RESULT_SCHEMA_VERSION, runResultSchema, type EndpointResult, type RunResult } from '../../src/result/model.js';

export function endpoint(name: string, perSec: Array<{ n: number; latencyMs: number; errors?: number; errorClass?: 'server' | 'rateLimit' | 'network' }>): EndpointResult {
  const r = new EndpointRecorder(name, 'http', 'w');
  perSec.forEach((s, sec) => {
    for (let i = 0; i < s.n; i++) {
      const atMs = sec * 1000 + (i * 1000) / Math.max(1, s.n);
      const isErr = i < (s.errors ?? 0);
      r.recordResponse({ atMs, latencyUs: s.latencyMs * 1000, status: isErr ? 500 : 200, ...(isErr ? { errorClass: s.errorClass ?? 'server' } : {}) });
    }
  });
  return r.toResult();
}

export function result(endpoints: Record<string, EndpointResult>, opts: { durationSec: number; warmupSec?: number; startedAt?: string; phase?: string }): RunResult {
  const start = Date.parse(opts.startedAt ?? '2026-11-22T00:00:00.000Z');
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    kind: 'loadgate.result',
    meta: {
      suite: 'unit',
      ...(opts.phase ? { phase: opts.phase } : {}),
      engines: [{ name: 'test', version: '0' }],
      startedAt: new Date(start).toISOString(),
      endedAt: new Date(start + opts.durationSec * 1000).toISOString(),
      durationSec: opts.durationSec,
      warmupSec: opts.warmupSec ?? 0,
      host: { hostname: 'h', platform: 'linux', arch: 'x64', cpus: 2, node: 'v20' },
      target: { url: 'http://127.0.0.1:1', mock: true },
      notes: [],
    },
    endpoints,
  };
}

/** One engine's output as a run result (what runSuite would wrap it in), validated against the result schema. */
export function resultFromOutput(out: EngineOutput, opts: { durationSec: number; suite?: string; url?: string }): RunResult {
  return runResultSchema.parse({
    schemaVersion: RESULT_SCHEMA_VERSION,
    kind: 'loadgate.result',
    meta: {
      suite: opts.suite ?? 'test',
      engines: [out.engine],
      startedAt: new Date(0).toISOString(),
      endedAt: new Date(opts.durationSec * 1000).toISOString(),
      durationSec: opts.durationSec,
      warmupSec: 0,
      host: { hostname: 'h', platform: 'linux', arch: 'x64', cpus: 2, node: process.version },
      target: { url: opts.url ?? 'http://127.0.0.1', mock: true },
      notes: out.notes ?? [],
    },
    endpoints: out.endpoints,
    ...(out.generator ? { generator: out.generator } : {}),
  });
}
