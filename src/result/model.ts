/**
 * The one result model every engine produces (autocannon, k6, ws, open-model) and every consumer reads
 * (evaluate, reporters, compare, merge). Raw and exact: histograms (HDR, µs, compressed base64) and counts.
 * Derived numbers (percentiles, rates) are computed on read by `src/result/stats.ts`, so merged results
 * stay consistent.
 */
import { z } from 'zod';

export const RESULT_SCHEMA_VERSION = 1;

/** Error classes, shared by all engines. */
export const ERROR_CLASSES = ['network', 'timeout', 'rateLimit', 'auth', 'trading', 'server', 'client', 'check'] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

const encodedHistogram = z.string().describe('HdrHistogram V2 compressed base64, values in microseconds');
const counts = z.record(z.string(), z.number().int().nonnegative());

/** One second (or one bucket) of one endpoint. `tSec` is seconds since the run's start. */
export const seriesPointSchema = z.object({
  tSec: z.number().int().nonnegative(),
  requests: z.number().int().nonnegative(),
  errors: counts.describe('errors by ErrorClass in this bucket'),
  latency: encodedHistogram,
  /** Open-model only: this second's latency from the actual send time (see the endpoint's `latencyUncorrected`). */
  latencyUncorrected: encodedHistogram.optional(),
});
export type SeriesPoint = z.infer<typeof seriesPointSchema>;

/**
 * WebSocket stream measurements (issue #4). Latencies are histograms in µs. Connection-level fields
 * (connectionsOpened, connectFailures, connectTime, disconnects, reconnect*, recoveryTime, uptime/downtime,
 * clockOffset) describe the workload's connections, which carry every channel: they are the same in each
 * ws:<channel> endpoint of a workload, so never add them up across channels (reports show them once).
 */
export const streamStatsSchema = z.object({
  connectionsOpened: z.number().int().nonnegative(),
  connectFailures: z.number().int().nonnegative(),
  connectTime: encodedHistogram,
  subscribeAckTime: encodedHistogram,
  messages: z.number().int().nonnegative(),
  messagesByChannel: counts,
  /** Messages expected from seq numbering (received + lost). */
  expected: z.number().int().nonnegative(),
  lost: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  reordered: z.number().int().nonnegative(),
  /** Sequence resyncs (a snapshot mid-stream, a sequence reset): counted apart from loss. Absent in older results. */
  resyncs: z.number().int().nonnegative().optional(),
  /**
   * What `lost` is: absent = exact; `lowerBound` = each broken link counted once (OKX's prevSeqId chain);
   * `none` = the stream carries no sequence, so loss is not measurable and lossPct is no-data (never 0).
   */
  loss: z.enum(['lowerBound', 'none']).optional(),
  disconnects: z.number().int().nonnegative(),
  reconnectAttempts: z.number().int().nonnegative(),
  reconnectSuccesses: z.number().int().nonnegative(),
  recoveryTime: encodedHistogram,
  uptimeSec: z.number().nonnegative(),
  downtimeSec: z.number().nonnegative(),
  clockOffset: z
    .object({ method: z.enum(['same-host', 'ping', 'server-time']), offsetMs: z.number(), uncertaintyMs: z.number() })
    .optional(),
});
export type StreamStats = z.infer<typeof streamStatsSchema>;

/** Arrival accounting for rate-driven (open-model) workloads (issue #6). */
export const arrivalsSchema = z.object({
  scheduled: z.number().int().nonnegative(),
  sent: z.number().int().nonnegative(),
  /** Sent, but later than the schedule allowed (slip beyond the tolerance). */
  late: z.number().int().nonnegative(),
  /** Never sent: no connection free, generator behind. */
  dropped: z.number().int().nonnegative(),
});
export type Arrivals = z.infer<typeof arrivalsSchema>;

export const sampleRefSchema = z.object({
  correlationId: z.string(),
  tSec: z.number().nonnegative(),
  latencyMs: z.number().nonnegative().optional(),
  status: z.number().int().optional(),
  errorClass: z.enum(ERROR_CLASSES).optional(),
  errorCode: z.string().optional(),
});
export type SampleRef = z.infer<typeof sampleRefSchema>;

export const latencySummarySchema = z.object({
  source: z.string().describe('where the numbers came from, e.g. "k6 --summary-export"'),
  count: z.number().nonnegative().optional(),
  minMs: z.number().optional(),
  meanMs: z.number().optional(),
  p50Ms: z.number().optional(),
  p90Ms: z.number().optional(),
  p95Ms: z.number().optional(),
  p99Ms: z.number().optional(),
  p999Ms: z.number().optional(),
  maxMs: z.number().optional(),
});
export type LatencySummary = z.infer<typeof latencySummarySchema>;

/** A metric that is not an endpoint (k6 custom Trend/Counter/Rate/Gauge, checks, iterations). */
export const customMetricSchema = z.object({
  type: z.enum(['trend', 'counter', 'rate', 'gauge']),
  /** trend: HDR histogram of the values (unit as `unit`, scaled to µs when unit is ms). */
  histogram: encodedHistogram.optional(),
  unit: z.enum(['ms', 'us', 'count', 'bytes', 'none']).optional(),
  count: z.number().nonnegative().optional(),
  sum: z.number().optional(),
  /** rate: passes / (passes + fails). */
  passes: z.number().int().nonnegative().optional(),
  fails: z.number().int().nonnegative().optional(),
  /** gauge: last value, min, max. */
  value: z.number().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});
export type CustomMetric = z.infer<typeof customMetricSchema>;

export const endpointResultSchema = z.object({
  /** `http` request/response, `ws` stream (latency = message latency), `probe` health probes (availability). */
  kind: z.enum(['http', 'ws', 'probe']),
  /** Workloads that drove this endpoint (results of the same endpoint from several workloads merge). */
  workloads: z.array(z.string()),
  /** Requests completed or failed (http/probe); messages received (ws). */
  requests: z.number().int().nonnegative(),
  /**
   * Latency of every request that got a response, and of every request that timed out (at the time it was
   * given up: a lower bound), µs. Refused and reset connections have none. For open-model runs: measured
   * from the intended send time.
   */
  latency: encodedHistogram,
  /** Open-model only: latency from the actual send time (what a coordinated-omission-prone tool reports). */
  latencyUncorrected: encodedHistogram.optional(),
  statusCodes: counts,
  errors: counts.describe('by ErrorClass'),
  /** Body error codes (e.g. insufficientMargin, rateLimitExceeded). */
  errorCodes: counts,
  series: z.array(seriesPointSchema),
  samples: z.object({ failed: z.array(sampleRefSchema), slowest: z.array(sampleRefSchema) }),
  arrivals: arrivalsSchema.optional(),
  stream: streamStatsSchema.optional(),
  /**
   * Only when raw samples were not available (e.g. a k6 --summary-export): the percentiles the source had,
   * in ms. Missing ones stay missing and evaluate to `no-data`, never to a guess.
   */
  latencySummaryMs: latencySummarySchema.optional(),
});
export type EndpointResult = z.infer<typeof endpointResultSchema>;

export const generatorHealthSchema = z.object({
  eventLoopLagMs: z.object({ p50: z.number(), p99: z.number(), max: z.number() }).optional(),
  cpuPct: z.number().optional(),
  maxRssMb: z.number().optional(),
  scheduleSlipMs: z.object({ p50: z.number(), p99: z.number(), max: z.number() }).optional(),
  target: z.object({ pid: z.number().int(), cpuPct: z.number(), maxRssMb: z.number() }).optional(),
  /** True when the load generator, not the target, limited the run: the numbers are not trustworthy. */
  saturated: z.boolean(),
  reasons: z.array(z.string()),
});
export type GeneratorHealth = z.infer<typeof generatorHealthSchema>;

export const runMetaSchema = z.object({
  suite: z.string(),
  phase: z.string().optional(),
  label: z.string().optional(),
  gitCommit: z.string().optional(),
  engines: z.array(z.object({ name: z.string(), version: z.string() })),
  startedAt: z.string().describe('ISO 8601'),
  endedAt: z.string().describe('ISO 8601'),
  /** Wall-clock duration of the run, seconds. */
  durationSec: z.number().nonnegative(),
  /** Seconds at the start excluded from every SLA check. */
  warmupSec: z.number().nonnegative(),
  /**
   * Where the measured window closes, whole seconds since the start: the end of the planned load (or the stop),
   * before the drain, connection teardown and shutdown whose stall would otherwise land in the last second
   * (issue #13). Absent in results that predate it: the window then runs to the end of the run.
   */
  measuredEndSec: z.number().int().nonnegative().optional(),
  host: z.object({ hostname: z.string(), platform: z.string(), arch: z.string(), cpus: z.number().int(), node: z.string() }),
  target: z.object({
    url: z.string(),
    mock: z.boolean(),
    /** Built-in mock only: the seed its fault draws (latency, errors) came from, when the suite set one; `target.mock.faultSeed` replays them. */
    faultSeed: z.number().int().optional(),
    /**
     * Built-in mock only: the target's own time per endpoint (request arrival to response sent), measured by
     * the mock over the run after the warm-up. What the client measures on top is loopback, HTTP and the generator.
     */
    serverTimeMs: z.record(z.string(), latencySummarySchema).optional(),
  }),
  /** Set when the run did not finish as planned (target died, engine killed): the data is what was measured. */
  incomplete: z.object({ reason: z.string() }).optional(),
  /** Things a reader must know to trust the numbers (e.g. "percentiles from a summary, not raw samples"). */
  notes: z.array(z.string()),
  /** The suite's SLA block as run (so `loadgate report` can re-evaluate without the suite file). */
  sla: z.record(z.string(), z.unknown()).optional(),
  /** Runs merged into this one (loadgate merge), with their own start/end. */
  mergedFrom: z.array(z.object({ startedAt: z.string(), endedAt: z.string(), source: z.string().optional() })).optional(),
});
export type RunMeta = z.infer<typeof runMetaSchema>;

export const runResultSchema = z.object({
  schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
  kind: z.literal('loadgate.result'),
  meta: runMetaSchema,
  endpoints: z.record(z.string(), endpointResultSchema),
  custom: z.record(z.string(), customMetricSchema).optional(),
  generator: generatorHealthSchema.optional(),
});
export type RunResult = z.infer<typeof runResultSchema>;
