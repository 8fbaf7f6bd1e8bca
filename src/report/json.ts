/**
 * report.json: the derived numbers with stable, unit-suffixed names (schema in ./model.ts, `ReportJson`).
 * Missing numbers are `null`. The raw result is written separately (result.json). Pure.
 */
import type { LatencySummaryMs } from '../result/histogram.js';
import type { EndpointResult, StreamStats } from '../result/model.js';
import type { EndpointStats } from '../result/stats.js';
import type { CheckResult } from '../sla/evaluate.js';
import { buildView, streamView, summarizeEncoded, type ReportView } from './derive.js';
import { REPORT_SCHEMA_VERSION, type CheckJson, type EndpointJson, type ErrorsJson, type LatencyJson, type ReportJson, type StatsJson, type StreamJson, type Report } from './model.js';

const orNull = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

function latencyJson(l: Partial<LatencySummaryMs> | undefined): LatencyJson {
  return {
    count: orNull(l?.count),
    minMs: orNull(l?.minMs),
    meanMs: orNull(l?.meanMs),
    p50Ms: orNull(l?.p50Ms),
    p90Ms: orNull(l?.p90Ms),
    p95Ms: orNull(l?.p95Ms),
    p99Ms: orNull(l?.p99Ms),
    p999Ms: orNull(l?.p999Ms),
    maxMs: orNull(l?.maxMs),
    stdDevMs: orNull(l?.stdDevMs),
  };
}

function statsJson(s: EndpointStats): StatsJson {
  return {
    durationSec: s.durationSec,
    requests: s.requests,
    successes: s.successes,
    errors: s.errors,
    errorRatePct: orNull(s.errorRatePct),
    successRatePct: orNull(s.successRatePct),
    throughputPerSec: orNull(s.throughputPerSec),
    latencySource: s.latencySource,
    latency: latencyJson(s.latency),
  };
}

function errorsJson(ep: EndpointResult): ErrorsJson {
  return { byClass: { ...ep.errors }, byCode: { ...ep.errorCodes }, statusCodes: { ...ep.statusCodes } };
}

function streamJson(s: StreamStats): StreamJson {
  const v = streamView(s);
  return {
    connectionsOpened: s.connectionsOpened,
    connectFailures: s.connectFailures,
    messages: s.messages,
    messagesByChannel: { ...s.messagesByChannel },
    expected: s.expected,
    lost: s.lost,
    lossPct: orNull(v.lossPct),
    loss: s.loss ?? 'exact',
    resyncs: s.resyncs ?? 0,
    duplicates: s.duplicates,
    reordered: s.reordered,
    disconnects: s.disconnects,
    reconnectAttempts: s.reconnectAttempts,
    reconnectSuccesses: s.reconnectSuccesses,
    reconnectSuccessPct: orNull(v.reconnectSuccessPct),
    uptimeSec: s.uptimeSec,
    downtimeSec: s.downtimeSec,
    uptimePct: orNull(v.uptimePct),
    connectTimeMs: latencyJson(v.connectTime),
    subscribeAckTimeMs: latencyJson(v.subscribeAck),
    recoveryTimeMs: latencyJson(v.recovery),
    clockOffset: s.clockOffset === undefined ? null : { ...s.clockOffset },
  };
}

function checkJson(c: CheckResult): CheckJson {
  return {
    id: c.id,
    scope: c.scope,
    metric: c.metric,
    op: c.op,
    limit: c.limit,
    unit: c.unit,
    windowSec: orNull(c.windowSec),
    optional: c.optional,
    source: c.source,
    status: c.status,
    actual: orNull(c.actual),
    marginPct: orNull(c.marginPct),
    marginPp: orNull(c.marginPp),
    windows: orNull(c.windows),
    detail: orNull(c.detail),
  };
}

/** Build the report.json object (exported for callers that want the data, e.g. compare). */
export function reportJson(report: Report, view: ReportView = buildView(report)): ReportJson {
  const { result, verdict } = report;
  const endpoints: Record<string, EndpointJson> = {};
  for (const e of view.endpoints) {
    const a = e.ep.arrivals;
    endpoints[e.name] = {
      kind: e.ep.kind,
      workloads: [...e.ep.workloads],
      measured: statsJson(e.measured),
      wholeRun: statsJson(e.wholeRun),
      latencyUncorrected: e.ep.latencyUncorrected === undefined ? null : latencyJson(summarizeEncoded(e.ep.latencyUncorrected)),
      measuredLatencyUncorrected: e.measuredAsSent === undefined ? null : latencyJson(e.measuredAsSent.latency),
      targetServerTime: e.targetTime === undefined ? null : latencyJson(e.targetTime),
      errors: errorsJson(e.ep),
      samples: { failed: e.ep.samples.failed.map((x) => ({ ...x })), slowest: e.ep.samples.slowest.map((x) => ({ ...x })) },
      arrivals:
        a === undefined
          ? null
          : { ...a, latePct: a.sent > 0 ? (a.late / a.sent) * 100 : null, droppedPct: a.scheduled > 0 ? (a.dropped / a.scheduled) * 100 : null },
      stream: e.ep.stream === undefined ? null : streamJson(e.ep.stream),
    };
  }
  const o = view.overall;
  return {
    kind: 'loadgate.report',
    schemaVersion: REPORT_SCHEMA_VERSION,
    suiteName: report.suiteName,
    generatedAt: report.generatedAt,
    verdict: {
      status: verdict.status,
      slaStatus: verdict.slaStatus,
      reason: orNull(verdict.reason),
      trust: { issues: verdict.trust.issues.map((i) => ({ ...i })), accepted: verdict.trust.accepted },
      summary: { ...verdict.summary },
      checks: verdict.checks.map(checkJson),
      notes: [...verdict.notes],
    },
    endpoints,
    overall: o?.ep && o.measured && o.wholeRun ? { measured: statsJson(o.measured), wholeRun: statsJson(o.wholeRun), errors: errorsJson(o.ep) } : null,
    meta: { ...result.meta, measuredWindow: { fromSec: view.window.fromSec, toSec: Math.min(view.window.toSec, result.meta.durationSec) }, reportDir: orNull(report.reportDir) },
    generator: result.generator === undefined ? null : result.generator,
    notes: view.notes.map((n) => ({ ...n })),
  };
}

export function renderJson(report: Report): string {
  return jsonFromView(report, buildView(report));
}

/** @internal renderAll builds the view once for every format. */
export function jsonFromView(report: Report, view: ReportView): string {
  return `${JSON.stringify(reportJson(report, view), null, 2)}\n`;
}
