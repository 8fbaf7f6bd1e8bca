/**
 * What every renderer reads (`Report`) and the documented shape of report.json (`ReportJson`).
 * Renderers are pure: a Report in, a string out. `generatedAt` is passed in, never read from a clock.
 */
import type { Arrivals, GeneratorHealth, RunMeta, RunResult, SampleRef } from '../result/model.js';
import type { CheckResult, Verdict } from '../sla/evaluate.js';

export interface Report {
  result: RunResult;
  verdict: Verdict;
  suiteName: string;
  /** ISO 8601 time the report was generated (injected by the caller). */
  generatedAt: string;
  /** Where the report files are written, shown in the report when set. */
  reportDir?: string;
}

export const REPORT_FORMATS = ['json', 'md', 'html', 'junit', 'prom'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** File name of each format inside the report directory. */
export const REPORT_FILE_NAMES: Record<ReportFormat, string> = {
  json: 'report.json',
  md: 'report.md',
  html: 'report.html',
  junit: 'junit.xml',
  prom: 'metrics.prom',
};

// ---- report.json (schemaVersion 1). Missing numbers are `null`, never absent, so the keys are stable. ----

export const REPORT_SCHEMA_VERSION = 1;

/** Latency percentiles in ms, read from the HDR histogram (or a source summary, see `latencySource`). */
export interface LatencyJson {
  /** Samples in the histogram. */
  count: number | null;
  minMs: number | null;
  meanMs: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  p999Ms: number | null;
  maxMs: number | null;
  stdDevMs: number | null;
}

/** Stats of one endpoint over one time range. */
export interface StatsJson {
  /** Seconds the rates are computed over. */
  durationSec: number;
  requests: number;
  successes: number;
  errors: number;
  errorRatePct: number | null;
  successRatePct: number | null;
  throughputPerSec: number | null;
  /** `histogram`, or where the percentiles came from (e.g. "k6 --summary-export"). */
  latencySource: string;
  latency: LatencyJson;
}

export interface ErrorsJson {
  /** Whole run, by ErrorClass (network, timeout, rateLimit, auth, trading, server, client, check). */
  byClass: Record<string, number>;
  /** Whole run, body error codes (e.g. insufficientMargin). */
  byCode: Record<string, number>;
  /** Whole run, HTTP status codes. */
  statusCodes: Record<string, number>;
}

export interface StreamJson {
  connectionsOpened: number;
  connectFailures: number;
  messages: number;
  messagesByChannel: Record<string, number>;
  expected: number;
  lost: number;
  /** null when not measurable (`loss: none`: the stream carries no sequence numbers), or nothing was expected. */
  lossPct: number | null;
  /** `exact`; `lowerBound`: each broken link counted once (OKX prevSeqId); `none`: no sequence, loss not measurable. */
  loss: 'exact' | 'lowerBound' | 'none';
  /** Sequence resyncs (snapshots mid-stream, sequence resets), counted apart from loss. */
  resyncs: number;
  duplicates: number;
  reordered: number;
  disconnects: number;
  reconnectAttempts: number;
  reconnectSuccesses: number;
  reconnectSuccessPct: number | null;
  uptimeSec: number;
  downtimeSec: number;
  uptimePct: number | null;
  connectTimeMs: LatencyJson;
  subscribeAckTimeMs: LatencyJson;
  recoveryTimeMs: LatencyJson;
  clockOffset: { method: string; offsetMs: number; uncertaintyMs: number } | null;
}

export interface ArrivalsJson extends Arrivals {
  latePct: number | null;
  droppedPct: number | null;
}

export interface EndpointJson {
  kind: 'http' | 'ws' | 'probe';
  workloads: string[];
  /** The run minus its warm-up: what the SLA checks read. */
  measured: StatsJson;
  wholeRun: StatsJson;
  /** Open-model only: whole-run latency from the actual send time (not corrected for coordinated omission). */
  latencyUncorrected: LatencyJson | null;
  /** Open-model only: the measured window (warm-up excluded) timed from the actual send. */
  measuredLatencyUncorrected: LatencyJson | null;
  /** Built-in mock only: the target's own time (request arrival to response sent), after the warm-up. */
  targetServerTime: LatencyJson | null;
  errors: ErrorsJson;
  samples: { failed: SampleRef[]; slowest: SampleRef[] };
  arrivals: ArrivalsJson | null;
  stream: StreamJson | null;
}

export type CheckJson = Omit<CheckResult, 'actual' | 'marginPct' | 'marginPp' | 'windowSec' | 'windows' | 'detail'> & {
  actual: number | null;
  marginPct: number | null;
  /** Percent metrics: headroom in percentage points (null for other units). */
  marginPp: number | null;
  windowSec: number | null;
  windows: CheckResult['windows'] | null;
  detail: string | null;
};

export interface ReportJson {
  kind: 'loadgate.report';
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  suiteName: string;
  generatedAt: string;
  verdict: {
    /** pass | fail | incomplete | untrustworthy: incomplete and untrustworthy exit 3 and are never a pass. */
    status: Verdict['status'];
    /** What the SLA checks alone say. */
    slaStatus: Verdict['slaStatus'];
    /** One short sentence per cause when the run is incomplete or untrustworthy; null otherwise. */
    reason: string | null;
    trust: Verdict['trust'];
    summary: Verdict['summary'];
    checks: CheckJson[];
    notes: string[];
  };
  endpoints: Record<string, EndpointJson>;
  /** All http endpoints merged (null when there were none). */
  overall: { measured: StatsJson; wholeRun: StatsJson; errors: ErrorsJson } | null;
  meta: RunMeta & { measuredWindow: { fromSec: number; toSec: number }; reportDir: string | null };
  generator: GeneratorHealth | null;
  /** What a reader must know to trust the numbers (warm-up, saturation, uncorrected latency, late arrivals …). */
  notes: Array<{ level: 'warn' | 'info'; text: string }>;
}
