/**
 * Records one endpoint's measurements into the result model: a whole-run HDR histogram, per-second HDR
 * histograms (so windowed SLA checks are exact), status codes, error classes and a few sample request IDs.
 * Shared by every engine so they all produce the same shape.
 *
 * Memory stays flat for long runs: only a few per-second histograms are live at once; older seconds are
 * encoded and their histogram reused. A sample that arrives for a second already closed (out-of-order input,
 * e.g. k6 NDJSON) is merged into it exactly on the slow path.
 */
import type { Arrivals, EndpointResult, ErrorClass, SampleRef, SeriesPoint, StreamStats } from './model.js';
import { createHistogram, createSecondHistogram, decodeHistogram, encodeHistogram, recordUs, type Histogram } from './histogram.js';

export interface ResponseSample {
  /** Completion time, ms since the run's origin. Decides the per-second bucket. */
  atMs: number;
  /** Latency in µs. For open-model runs: from the intended send time. */
  latencyUs: number;
  /** Open-model only: latency from the actual send time, µs. */
  latencyUncorrectedUs?: number;
  status?: number;
  /** Set when this response counts as an error. */
  errorClass?: ErrorClass;
  errorCode?: string;
  correlationId?: string;
}

export interface ErrorSample {
  atMs: number;
  errorClass: ErrorClass;
  errorCode?: string;
  correlationId?: string;
  /**
   * For a timeout: how long the request had been waiting when it was given up, µs. It goes into the latency
   * histograms (a lower bound of the true latency), so a target that stalls past the timeout shows in the
   * percentiles instead of leaving only the survivors there (k6 records timed-out requests' durations too).
   */
  latencyUs?: number;
  latencyUncorrectedUs?: number;
}

interface Bucket {
  tSec: number;
  requests: number;
  errors: Record<string, number>;
  hist: Histogram;
  /** Open-model only: latency from the actual send, created on the first such sample. */
  histUncorrected?: Histogram;
  /** A bucket for a second already closed: folded back into the closed series right after the sample. */
  late?: boolean;
}

const OPEN_BUCKETS = 4;

export interface RecorderOptions {
  /** How many failed and how many slowest request IDs to keep. Default 5 each. */
  keepSamples?: number;
}

export class EndpointRecorder {
  readonly name: string;
  readonly kind: EndpointResult['kind'];
  readonly workloads: string[];
  private readonly total = createHistogram();
  private totalUncorrected: Histogram | undefined;
  private requests = 0;
  private readonly statusCodes: Record<string, number> = {};
  private readonly errors: Record<string, number> = {};
  private readonly errorCodes: Record<string, number> = {};
  private readonly open: Bucket[] = [];
  private readonly closed = new Map<number, SeriesPoint>();
  private readonly spare: Histogram[] = [];
  private readonly failed: SampleRef[] = [];
  private readonly slowest: SampleRef[] = [];
  private slowestFloorUs = 0;
  private readonly keep: number;
  arrivals: Arrivals | undefined;
  stream: StreamStats | undefined;

  constructor(name: string, kind: EndpointResult['kind'], workload: string, opts: RecorderOptions = {}) {
    this.name = name;
    this.kind = kind;
    this.workloads = [workload];
    this.keep = opts.keepSamples ?? 5;
  }

  get count(): number {
    return this.requests;
  }

  /** A percentile of the latency recorded so far, ms (live progress); undefined before any sample. */
  latencyPercentileMs(p: number): number | undefined {
    return this.total.totalCount > 0 ? this.total.getValueAtPercentile(p) / 1000 : undefined;
  }

  /** A request that got a response (successful or not). */
  recordResponse(s: ResponseSample): void {
    this.requests++;
    recordUs(this.total, s.latencyUs);
    if (s.latencyUncorrectedUs !== undefined) {
      this.totalUncorrected ??= createHistogram();
      recordUs(this.totalUncorrected, s.latencyUncorrectedUs);
    }
    if (s.status !== undefined) this.statusCodes[s.status] = (this.statusCodes[s.status] ?? 0) + 1;
    const b = this.bucket(s.atMs);
    b.requests++;
    recordUs(b.hist, s.latencyUs);
    if (s.latencyUncorrectedUs !== undefined) recordUs((b.histUncorrected ??= this.spare.pop() ?? createSecondHistogram()), s.latencyUncorrectedUs);
    if (s.errorClass !== undefined) this.countError(b, s.errorClass, s.errorCode, s, s.latencyUs);
    if (b.late) this.closeBucket(b);
    if (s.latencyUs > this.slowestFloorUs || this.slowest.length < this.keep) this.keepSlowest(s);
  }

  /**
   * A request that got no response (refused, reset, timed out). It counts as a request and an error; a
   * timeout with `latencyUs` also counts in the latency histograms.
   */
  recordError(s: ErrorSample): void {
    this.requests++;
    const b = this.bucket(s.atMs);
    b.requests++;
    if (s.latencyUs !== undefined) {
      recordUs(this.total, s.latencyUs);
      recordUs(b.hist, s.latencyUs);
      if (s.latencyUncorrectedUs !== undefined) {
        this.totalUncorrected ??= createHistogram();
        recordUs(this.totalUncorrected, s.latencyUncorrectedUs);
        recordUs((b.histUncorrected ??= this.spare.pop() ?? createSecondHistogram()), s.latencyUncorrectedUs);
      }
    }
    this.countError(b, s.errorClass, s.errorCode, s, s.latencyUs);
    if (b.late) this.closeBucket(b);
    if (s.latencyUs !== undefined && (s.latencyUs > this.slowestFloorUs || this.slowest.length < this.keep)) this.keepSlowest({ ...s, latencyUs: s.latencyUs });
  }

  /**
   * An error found in a response already recorded as a success (its latency and status counted): k6 writes a
   * request's sample before the scenario has read the body, so an error a body reveals under a 2xx status (OKX,
   * Bybit) reaches ingestion as a separate sample. Counts the error only, not another request.
   */
  recordErrorOfRecordedResponse(atMs: number, errorClass: ErrorClass, errorCode?: string): void {
    const b = this.bucket(atMs);
    this.countError(b, errorClass, errorCode, { atMs, errorClass }, undefined);
    if (b.late) this.closeBucket(b);
  }

  private countError(b: Bucket, cls: ErrorClass, code: string | undefined, s: ErrorSample | ResponseSample, latencyUs: number | undefined): void {
    this.errors[cls] = (this.errors[cls] ?? 0) + 1;
    b.errors[cls] = (b.errors[cls] ?? 0) + 1;
    if (code !== undefined) this.errorCodes[code] = (this.errorCodes[code] ?? 0) + 1;
    if (this.failed.length < this.keep && s.correlationId !== undefined) {
      const ref: SampleRef = { correlationId: s.correlationId, tSec: round3(s.atMs / 1000), errorClass: cls };
      if ('status' in s && s.status !== undefined) ref.status = s.status;
      if (code !== undefined) ref.errorCode = code;
      if (latencyUs !== undefined) ref.latencyMs = round3(latencyUs / 1000);
      this.failed.push(ref);
    }
  }

  private keepSlowest(s: ResponseSample): void {
    if (s.correlationId === undefined) return;
    const ref: SampleRef = { correlationId: s.correlationId, tSec: round3(s.atMs / 1000), latencyMs: round3(s.latencyUs / 1000) };
    if (s.status !== undefined) ref.status = s.status;
    this.slowest.push(ref);
    this.slowest.sort((a, b) => (b.latencyMs ?? 0) - (a.latencyMs ?? 0));
    if (this.slowest.length > this.keep) this.slowest.length = this.keep;
    this.slowestFloorUs = this.slowest.length < this.keep ? 0 : (this.slowest[this.slowest.length - 1]?.latencyMs ?? 0) * 1000;
  }

  private bucket(atMs: number): Bucket {
    const tSec = atMs <= 0 ? 0 : Math.floor(atMs / 1000);
    // Hot path: the newest open bucket.
    const last = this.open[this.open.length - 1];
    if (last !== undefined && last.tSec === tSec) return last;
    for (const b of this.open) if (b.tSec === tSec) return b;
    if (last !== undefined && tSec < this.open[0]!.tSec) {
      // Slow path: a late sample for a second older than every open bucket. closeBucket merges it into the
      // closed copy of that second (if any) exactly.
      return { tSec, requests: 0, errors: {}, hist: this.spare.pop() ?? createSecondHistogram(), late: true };
    }
    const b: Bucket = { tSec, requests: 0, errors: {}, hist: this.spare.pop() ?? createSecondHistogram() };
    this.insertOpen(b);
    return b;
  }

  private insertOpen(b: Bucket): void {
    this.open.push(b);
    this.open.sort((x, y) => x.tSec - y.tSec);
    while (this.open.length > OPEN_BUCKETS) this.closeBucket(this.open.shift()!);
  }

  private closeBucket(b: Bucket): void {
    const prev = this.closed.get(b.tSec);
    if (prev !== undefined) {
      // Merge with an earlier closed copy of the same second.
      b.hist.add(decodeHistogram(prev.latency));
      if (prev.latencyUncorrected !== undefined) (b.histUncorrected ??= this.spare.pop() ?? createSecondHistogram()).add(decodeHistogram(prev.latencyUncorrected));
      b.requests += prev.requests;
      for (const [k, v] of Object.entries(prev.errors)) b.errors[k] = (b.errors[k] ?? 0) + v;
    }
    this.closed.set(b.tSec, seriesPoint(b));
    for (const h of [b.hist, b.histUncorrected]) {
      if (h === undefined) continue;
      h.reset();
      this.spare.push(h);
    }
  }

  /** Snapshot into the result model. Safe to call more than once (e.g. on abort, then at the end). */
  toResult(): EndpointResult {
    // Closed seconds are all older than the open ones (late samples fold into closed seconds directly).
    const series = [
      ...this.closed.values(),
      ...this.open.map(seriesPoint),
    ].sort((a, b) => a.tSec - b.tSec);
    const r: EndpointResult = {
      kind: this.kind,
      workloads: [...this.workloads],
      requests: this.requests,
      latency: encodeHistogram(this.total),
      statusCodes: { ...this.statusCodes },
      errors: { ...this.errors },
      errorCodes: { ...this.errorCodes },
      series,
      samples: { failed: [...this.failed], slowest: [...this.slowest] },
    };
    if (this.totalUncorrected !== undefined) r.latencyUncorrected = encodeHistogram(this.totalUncorrected);
    if (this.arrivals !== undefined) r.arrivals = { ...this.arrivals };
    if (this.stream !== undefined) r.stream = { ...this.stream };
    return r;
  }
}

function seriesPoint(b: Bucket): SeriesPoint {
  const p: SeriesPoint = { tSec: b.tSec, requests: b.requests, errors: { ...b.errors }, latency: encodeHistogram(b.hist, true) };
  if (b.histUncorrected !== undefined) p.latencyUncorrected = encodeHistogram(b.histUncorrected, true);
  return p;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
