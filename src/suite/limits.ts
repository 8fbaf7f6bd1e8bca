/**
 * Capacity guards (issue 14 item 3): rates, connections and sizes beyond what one machine can generate are
 * refused when the suite is loaded, naming the limit, instead of producing a run that overruns, cannot be
 * stopped, or measures the generator instead of the target. Users with bigger machines raise a limit in the
 * suite (`limits: { ratePerSec: 500000 }`) or with an environment variable (`LOADGATE_LIMIT_RATE_PER_SEC`).
 */
import { z } from 'zod';

/** Defaults: well past what the 2-core reference VM does (about 1k req/s per core, 55k ws msg/s), below what breaks one machine. */
export const DEFAULT_LIMITS = {
  /** Open model: arrival rate of one workload, and of all of them together (req/s). */
  ratePerSec: 100_000,
  /** Closed-model connections, open-model maxConnections (one machine's ephemeral ports run out near 28k). */
  connections: 10_000,
  /** WebSocket connections, all stream workloads together. */
  streamConnections: 10_000,
  /** WebSocket connection attempts per second. */
  connectRatePerSec: 10_000,
  /** Open-model worker threads of one workload. */
  workers: 64,
  /** Suite and result files (JSON/YAML read whole into memory), MB. */
  fileMb: 512,
  /** `.gz` inputs: decompressed size, MB, and decompressed/compressed ratio (a gzip bomb is ~1000:1). */
  gunzipMb: 65_536,
  gunzipRatio: 200,
} as const;
export type Limits = { -readonly [K in keyof typeof DEFAULT_LIMITS]: number };
export type LimitName = keyof Limits;

export const limitsSchema = z
  .strictObject(Object.fromEntries(Object.keys(DEFAULT_LIMITS).map((k) => [k, z.number().positive().optional()])) as Record<LimitName, z.ZodOptional<z.ZodNumber>>)
  .describe('raise the capacity guards for a bigger machine (defaults in src/suite/limits.ts)');

/** `ratePerSec` → `LOADGATE_LIMIT_RATE_PER_SEC`. */
export function limitEnvName(name: LimitName): string {
  return `LOADGATE_LIMIT_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** Defaults, then the suite's `limits:`, then the environment (the machine's operator has the last word). */
export function resolveLimits(fromSuite: Partial<Limits> | undefined, env: NodeJS.ProcessEnv = process.env): Limits {
  const out = { ...DEFAULT_LIMITS } as Limits;
  for (const k of Object.keys(out) as LimitName[]) {
    const s = fromSuite?.[k];
    if (s !== undefined) out[k] = s;
    const e = env[limitEnvName(k)];
    if (e !== undefined && e !== '') {
      const v = Number(e);
      if (Number.isFinite(v) && v > 0) out[k] = v;
    }
  }
  return out;
}

/** How to raise a limit, for messages. */
export function raiseHint(name: LimitName): string {
  return `on a machine that can do more, raise it: \`limits: { ${name}: … }\` in the suite, or ${limitEnvName(name)}=…`;
}
