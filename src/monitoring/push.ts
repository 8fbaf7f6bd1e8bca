/**
 * Pushing a run to a Prometheus Pushgateway: `PUT /metrics/job/<job>/suite/<suite>[/label/<label>]` with the
 * grouping values base64url-encoded (so any suite name is a valid path), body in the text exposition format.
 * https://github.com/prometheus/pushgateway#url
 *
 * `run --prometheus-push` pushes twice: every counter and histogram at 0 when the run starts, then the run's
 * metrics when its reports are written. Prometheus then sees each run's counts rise from zero, so `rate()` and
 * `increase()` read the run exactly, even when the next run reuses the same group.
 */
import { InputError } from '../errors.js';
import { createHistogram, encodeHistogram } from '../result/histogram.js';
import type { EndpointResult, RunResult, StreamStats } from '../result/model.js';
import { renderPrometheus } from '../report/prometheus.js';
import type { Report } from '../report/model.js';
import { evaluate } from '../sla/evaluate.js';
import type { SlaPlan } from '../sla/checks.js';
import { engineOf, workloadMix, type Suite } from '../suite/schema.js';

export interface PushTarget {
  /** The Pushgateway's base URL, e.g. http://pushgateway:9091. */
  baseUrl: string;
  job: string;
  grouping: Record<string, string>;
}

/** Validate `--prometheus-push` (exit 2 on anything but an http(s) URL). */
export function parsePushUrl(value: string, flag = '--prometheus-push'): URL {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InputError('LG_ARGS', `${flag}: expected the Pushgateway's URL (http://host:9091), got ${JSON.stringify(value)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InputError('LG_ARGS', `${flag}: expected an http:// or https:// URL, got ${JSON.stringify(value)}`);
  if (u.username || u.password) throw new InputError('LG_ARGS', `${flag}: put no credentials in the URL (it is printed in messages)`, { hint: 'use a Pushgateway reachable without credentials, or a local proxy that adds them' });
  return u;
}

const b64 = (v: string) => Buffer.from(v, 'utf8').toString('base64url') || '=';

/** The group's URL: every grouping value base64url-encoded (`name@base64/value`), so slashes and empty values are fine. */
export function pushUrl(t: PushTarget): string {
  const base = t.baseUrl.replace(/\/+$/, '');
  const parts = [`job@base64/${b64(t.job)}`, ...Object.entries(t.grouping).map(([k, v]) => `${k}@base64/${b64(v)}`)];
  return `${base}/metrics/${parts.join('/')}`;
}

export class PushError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PushError';
  }
}

/** PUT replaces the whole group (metrics of an earlier run that this one lacks disappear). */
export async function pushMetrics(t: PushTarget, body: string, opts: { timeoutMs?: number; fetch?: typeof fetch } = {}): Promise<void> {
  const url = pushUrl(t);
  const f = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await f(url, { method: 'PUT', body, headers: { 'content-type': 'text/plain; version=0.0.4' }, signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new PushError(`cannot reach the Pushgateway at ${t.baseUrl} (${cause?.code ?? cause?.message ?? (e as Error).message})`, { cause: e });
  }
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).trim().slice(0, 300);
    throw new PushError(`the Pushgateway at ${t.baseUrl} answered ${res.status} ${res.statusText}${text ? `: ${text}` : ''}`);
  }
  await res.body?.cancel().catch(() => {});
}

/** The grouping of a run: job, suite, and the run's label when it has one. */
export function runPushTarget(baseUrl: string, job: string, suite: string, label: string | undefined): PushTarget {
  return { baseUrl, job, grouping: { suite, ...(label ? { label } : {}) } };
}

function emptyStream(): StreamStats {
  const h = encodeHistogram(createHistogram());
  return {
    connectionsOpened: 0,
    connectFailures: 0,
    connectTime: h,
    subscribeAckTime: h,
    messages: 0,
    messagesByChannel: {},
    expected: 0,
    lost: 0,
    duplicates: 0,
    reordered: 0,
    disconnects: 0,
    reconnectAttempts: 0,
    reconnectSuccesses: 0,
    recoveryTime: h,
    uptimeSec: 0,
    downtimeSec: 0,
  };
}

/** A result with every endpoint the suite will produce and nothing measured: the shape of the run, at zero. */
export function emptyResultFor(suite: Suite, startedAt: string): RunResult {
  const empty = encodeHistogram(createHistogram());
  const endpoints: Record<string, EndpointResult> = {};
  const ep = (kind: EndpointResult['kind'], workload: string): EndpointResult => ({
    kind,
    workloads: [workload],
    requests: 0,
    latency: empty,
    statusCodes: {},
    errors: {},
    errorCodes: {},
    series: [],
    samples: { failed: [], slowest: [] },
  });
  for (const w of suite.workloads) {
    for (const m of workloadMix(w)) {
      const e = (endpoints[m.endpoint] ??= ep('http', w.name));
      if (!e.workloads.includes(w.name)) e.workloads.push(w.name);
      if (w.load.model === 'open' && engineOf(w) !== 'k6') e.arrivals = { scheduled: 0, sent: 0, late: 0, dropped: 0 };
    }
    for (const s of w.streams ?? []) endpoints[`ws:${s.channel}`] = { ...ep('ws', w.name), stream: emptyStream() };
  }
  endpoints.health = ep('probe', '(health probes)');
  return {
    schemaVersion: 1,
    kind: 'loadgate.result',
    meta: {
      suite: suite.name ?? 'suite',
      ...(suite.phase !== undefined ? { phase: suite.phase } : {}),
      engines: [],
      startedAt,
      endedAt: startedAt,
      durationSec: 0,
      warmupSec: suite.warmupSec,
      host: { hostname: '', platform: '', arch: '', cpus: 0, node: '' },
      target: { url: '', mock: suite.target.mock !== undefined },
      notes: [],
      ...(suite.sla !== undefined ? { sla: suite.sla as Record<string, unknown> } : {}),
    },
    endpoints,
  };
}

/** The zero snapshot pushed when a run starts: same series as the final push, every value 0. */
export function zeroSnapshot(suite: Suite, plan: SlaPlan, startedAt: string): string {
  const result = emptyResultFor(suite, startedAt);
  const report: Report = { result, verdict: evaluate(plan, result), suiteName: result.meta.suite, generatedAt: startedAt };
  return renderPrometheus(report, { zero: true });
}
