/**
 * Turns k6 samples (from NDJSON Points) into loadgate's result model. Pure: no fs, no clock.
 *
 * Two views of the same samples are kept:
 * - `custom`: every k6 metric and every sub-metric declared in a Metric line (`submetrics`), aggregated the way
 *   k6's sinks do (FORMATS.md §1, §9), so k6's own summary can be reproduced from it (`k6Values`).
 *   Trends keep an HDR histogram (time trends in µs), exact count/sum/min/max.
 * - `endpoints`: loadgate's view. `http_req_duration` Points keyed by the `name` tag (setup()/teardown()
 *   requests excluded unless `includeSetup`), status-0 transport errors counted as errors without latency;
 *   the WebSocket convention metrics (`ws_msg_latency`, `ws_msg_loss`, `ws_seq_gap`, tagged `channel`) as
 *   stream endpoints `ws:<channel>`.
 *
 * Failed responses are classified with the target's dialect table (src/dialect/errors.ts `classify`), the one
 * the Node engines use. A k6 sample has no body, so loadgate's scenarios classify each answer themselves and
 * write a `loadgate_errors` sample right after the request's own (script-config.ts LG_METRICS): a failed
 * request waits for it (per operation and status, in order) and takes its class and exchange error code. A
 * failure the scenario found under a success status (OKX and Bybit answer HTTP 200 with an error code) adds the
 * error to the request already counted. Without such samples (the fixtures, a foreign script) a failed request
 * is classified by its status through the same table. `loadgate_orders` samples say which orders the run
 * created and which a cancel took: `restingOrders` are the ones left (cancelled by loadgate after k6 ends).
 */
import { ERROR_CLASSES, type CustomMetric, type EndpointResult, type ErrorClass, type StreamStats } from '../../result/model.js';
import { HIGHEST_US, LOWEST_US, createHistogram, encodeHistogram, recordUs, type Histogram } from '../../result/histogram.js';
import { EndpointRecorder } from '../../result/recorder.js';
import { classify } from '../../dialect/errors.js';
import { DEFAULT_DIALECT, getDialect, type DialectName } from '../../dialect/registry.js';
import { CHANNELS, type Channel, type ErrorTable, type StreamDialect, type UnifiedSymbol } from '../../dialect/types.js';
import { LG_METADATA, LG_METRICS, LG_TAGS } from './script-config.js';
import { BUILTIN_METRICS, type K6Contains, type K6MetricDecl, type K6MetricType } from './metrics.js';

export type Tags = Record<string, string>;

export interface AggregatorOptions {
  /** Count setup()/teardown() requests (group `::setup`/`::teardown`) in endpoints. Default false. */
  includeSetup?: boolean;
  /** Run origin, epoch ms: series buckets are seconds since it. Default: the first sample's second, floored. */
  originEpochMs?: number;
  /** Workload name stored on endpoints. Default `k6`. */
  workload?: string;
  /** The target's dialect, whose table classifies a failed response the scenario did not classify. Default loadgate. */
  dialect?: DialectName;
}

/** An order a k6 run created, as its `loadgate_orders` sample reported it. */
export interface K6OrderRef {
  id: string;
  /** Unified symbol (`BTC/USDT`); a cancel needs it on most exchanges. */
  symbol: UnifiedSymbol;
}

/** Orders tracked at most (created and not yet closed); more are counted, not kept. */
const MAX_TRACKED_ORDERS = 100_000;
/** Failed requests waiting for their scenario's classification, per operation and status, at most. */
const MAX_PENDING = 10_000;

interface PendingFailure {
  rec: EndpointRecorder;
  atMs: number;
  latencyUs: number;
  status: number;
  /** The class by status alone, if no classification comes. */
  statusClass: ErrorClass;
  k6Code: string | undefined;
}

const ERROR_CLASS_SET: ReadonlySet<string> = new Set(ERROR_CLASSES);

/** Metric names of the WebSocket convention shared by scenarios/orderbook-ws.ts and the fixtures. */
export const WS_METRICS = {
  latency: 'ws_msg_latency',
  loss: 'ws_msg_loss',
  gap: 'ws_seq_gap',
  duplicates: 'ws_duplicates',
  reordered: 'ws_reordered',
  resyncs: 'ws_resyncs',
} as const;

/** Tags the endpoint mapping reads. */
const ENDPOINT_TAG_KEYS = ['name', 'url', 'status', 'group', 'expected_response', 'error_code', 'error', 'channel', ...Object.values(LG_TAGS)];

const ENDPOINT_METRICS = new Set<string>(['http_req_duration', WS_METRICS.latency, WS_METRICS.loss, WS_METRICS.gap, WS_METRICS.duplicates, WS_METRICS.reordered, WS_METRICS.resyncs, 'ws_sessions', 'ws_connecting', 'ws_session_duration', LG_METRICS.errors, LG_METRICS.orders]);

/**
 * Without a given origin, samples are placed against a provisional origin this long before the first line's
 * second, and the series are shifted onto the earliest sample's second at the end: k6 writes lines out of time
 * order (WS session metrics are stamped at connection start but written at its end; FORMATS.md §6), so the
 * first line is not always the earliest sample.
 */
const PROVISIONAL_SLACK_MS = 86_400_000;

/**
 * k6 error codes (https://grafana.com/docs/k6/latest/javascript-api/error-codes/): 1050 request timeout and
 * 1211 dial i/o timeout are timeouts; 1400–1599 are HTTP 4xx/5xx responses (1000 + status); every other code
 * from 1000 up is a transport error (DNS, dial, TCP, TLS, HTTP/2): no response.
 */
const K6_TIMEOUT_CODES = new Set(['1050', '1211']);
function isTransportErrorCode(code: string | undefined): boolean {
  if (code === undefined || !/^\d+$/.test(code)) return false;
  const n = Number(code);
  return n >= 1000 && !(n >= 1400 && n < 1600);
}

/** Move an endpoint's series and sample references `sec` whole seconds earlier. */
function shiftEarlier(ep: EndpointResult, sec: number): void {
  for (const p of ep.series) p.tSec = Math.max(0, p.tSec - sec);
  for (const r of [...ep.samples.failed, ...ep.samples.slowest]) r.tSec = Math.max(0, Math.round((r.tSec - sec) * 1000) / 1000);
}

const K6_TYPES = new Set<string>(['counter', 'gauge', 'rate', 'trend']);
const K6_CONTAINS = new Set<string>(['time', 'data', 'default']);

interface SubSink {
  key: string;
  filter: Array<[string, string]>;
  sink: ValueSink;
}

/** One k6 sink: enough to reproduce counter/gauge/rate/trend summaries exactly. */
class ValueSink {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  nonZero = 0;
  last = Number.NaN;
  hist: Histogram | undefined;
  scaleToUs: boolean;
  constructor(readonly decl: K6MetricDecl | undefined) {
    this.scaleToUs = decl?.contains === 'time';
    // Undeclared metrics keep a histogram too, in case a later Metric line says they are trends.
    if (decl === undefined || decl.type === 'trend') this.hist = createHistogram();
  }
  add(v: number): void {
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (v !== 0) this.nonZero++;
    if (this.hist !== undefined) {
      // Runs of one value (http_req_tls_handshaking and _connecting are mostly 0) go in with one call.
      if (v === this.last && this.run > 0) this.run++;
      else {
        this.flush();
        this.run = 1;
      }
    }
    this.last = v;
  }
  /** Pending run of `last` into the histogram. */
  private run = 0;
  flush(): void {
    if (this.run === 0 || this.hist === undefined) return;
    const v = this.scaleToUs ? this.last * 1000 : this.last;
    if (this.run === 1) recordUs(this.hist, v);
    else recordUsTimes(this.hist, v, this.run);
    this.run = 0;
  }
  toCustom(decl: K6MetricDecl): CustomMetric {
    switch (decl.type) {
      case 'counter':
        return { type: 'counter', unit: unitOf(decl.contains, 'count'), count: this.sum, sum: this.sum };
      case 'rate':
        return { type: 'rate', passes: this.nonZero, fails: this.count - this.nonZero };
      case 'gauge': {
        const g: CustomMetric = { type: 'gauge', unit: unitOf(decl.contains, 'none') };
        if (this.count > 0) Object.assign(g, { value: this.last, min: this.min, max: this.max, count: this.count });
        else g.count = 0;
        return g;
      }
      case 'trend': {
        this.flush();
        const tr: CustomMetric = { type: 'trend', unit: unitOf(decl.contains, 'none'), count: this.count, sum: this.sum, histogram: encodeHistogram(this.hist ?? createHistogram()) };
        if (this.count > 0) Object.assign(tr, { min: this.min, max: this.max });
        return tr;
      }
    }
  }
}

/** recordUs for `n` equal values (same clamping as recordUs). */
function recordUsTimes(h: Histogram, valueUs: number, n: number): void {
  const v = Math.round(valueUs);
  h.recordValueWithCount(v < LOWEST_US ? LOWEST_US : v > HIGHEST_US ? HIGHEST_US : v, n);
}

function unitOf(contains: K6Contains, dflt: 'count' | 'none'): NonNullable<CustomMetric['unit']> {
  return contains === 'time' ? 'ms' : contains === 'data' ? 'bytes' : dflt;
}

/** A metric as seen in the file: its declaration (when a Metric line or the built-in table gave one) and sinks. */
export class MetricState {
  decl: K6MetricDecl | undefined;
  sink: ValueSink;
  subs: SubSink[] = [];
  /** Tags must be parsed for this metric's Points (sub-metrics, or loadgate endpoints read them). */
  needsTags: boolean;
  /** The Points' `metadata` is read too (the fast parser leaves such lines to JSON.parse: they are rare). */
  readonly needsMetadata: boolean;
  constructor(readonly name: string, decl: K6MetricDecl | undefined) {
    this.decl = decl;
    this.sink = new ValueSink(decl);
    this.needsTags = ENDPOINT_METRICS.has(name);
    this.needsMetadata = name === LG_METRICS.orders;
  }
}

interface StreamAcc {
  rec: EndpointRecorder;
  lost: number;
  lossTrues: number;
  lossTotal: number;
  /** ws_seq_gap / ws_msg_loss samples seen: none means the stream's loss was not measured (no sequence). */
  lossSamples: number;
  duplicates: number;
  reordered: number;
  resyncs: number;
  sessions: number;
  connect: Histogram;
  sessionMs: number;
}

export interface AggregateSummary {
  endpoints: Record<string, EndpointResult>;
  custom: Record<string, CustomMetric>;
  /** Earliest and latest sample time, epoch ms (NaN when there were no samples). */
  firstSampleMs: number;
  lastSampleMs: number;
  originEpochMs: number;
  points: number;
  notes: string[];
  /** Orders the run created that no cancel took (from `loadgate_orders` samples), in creation order. */
  restingOrders: K6OrderRef[];
  orders: { created: number; closed: number; untracked: number };
}

export class K6Aggregator {
  private readonly metrics = new Map<string, MetricState>();
  private readonly http = new Map<string, EndpointRecorder>();
  private readonly streams = new Map<string, StreamAcc>();
  private readonly includeSetup: boolean;
  private readonly workload: string;
  private origin: number | undefined;
  private readonly fixedOrigin: boolean;
  private first = Infinity;
  private last = -Infinity;
  private nPoints = 0;
  private setupRequests = 0;
  private readonly undeclared = new Map<string, number>();
  /** Every tag key anything reads; a parser may leave other tags out. Grows as sub-metrics are declared. */
  readonly tagKeys = new Set<string>(ENDPOINT_TAG_KEYS);
  /** Bumped when `tagKeys` changes. */
  tagKeysVersion = 0;
  private readonly errorTable: ErrorTable;
  private readonly sequence: StreamDialect['sequence'];
  private readonly pending = new Map<string, PendingFailure[]>();
  /** Failed requests classified by the scenario, and failures it found under a success status. */
  private classifiedByScenario = 0;
  private errorsOnSuccess = 0;
  private badErrorSamples = 0;
  private readonly openOrders = new Map<string, UnifiedSymbol>();
  private ordersCreated = 0;
  private ordersClosed = 0;
  private ordersUntracked = 0;

  constructor(opts: AggregatorOptions = {}) {
    const dialect = getDialect(opts.dialect ?? DEFAULT_DIALECT);
    this.errorTable = dialect.errors;
    this.sequence = dialect.stream.sequence;
    this.includeSetup = opts.includeSetup ?? false;
    this.workload = opts.workload ?? 'k6';
    this.origin = opts.originEpochMs;
    this.fixedOrigin = opts.originEpochMs !== undefined;
  }

  get points(): number {
    return this.nPoints;
  }

  /** A Metric line: declares type/contains and the sub-metrics (tag filters) to aggregate. */
  declare(name: string, type: K6MetricType, contains: K6Contains, submetrics: ReadonlyArray<{ name: string; tags: Tags | null }> | null): void {
    // A type k6 v0.48–v2.2 does not have (an extension, a future k6): its samples stay untyped and are left
    // out with a note at the end, rather than producing a custom metric the result schema rejects.
    if (!K6_TYPES.has(type)) return;
    if (!K6_CONTAINS.has(contains)) contains = 'default';
    let m = this.metrics.get(name);
    if (m === undefined) {
      m = new MetricState(name, { type, contains });
      this.metrics.set(name, m);
    } else if (m.decl === undefined) {
      // Points came first (a file split by lines): keep them, they were recorded generically.
      m.decl = { type, contains };
      if (contains === 'time' && m.sink.count > 0 && !m.sink.scaleToUs) {
        // Re-record is impossible; histogram values were raw. Note it rather than guess.
        this.undeclared.set(name, (this.undeclared.get(name) ?? 0) + m.sink.count);
      }
      m.sink.flush();
      m.sink.scaleToUs = contains === 'time';
    }
    for (const s of submetrics ?? []) {
      if (m.subs.some((x) => x.key === s.name)) continue;
      const filter = Object.entries(s.tags ?? {});
      m.subs.push({ key: s.name, filter, sink: new ValueSink(m.decl) });
      m.needsTags = true;
      for (const [k] of filter) {
        if (!this.tagKeys.has(k)) {
          this.tagKeys.add(k);
          this.tagKeysVersion++;
        }
      }
    }
  }

  /** The state for a metric name (created on first sight, typed from the built-in table when possible). */
  metric(name: string): MetricState {
    let m = this.metrics.get(name);
    if (m === undefined) {
      m = new MetricState(name, BUILTIN_METRICS[name]);
      this.metrics.set(name, m);
    }
    return m;
  }

  /**
   * One Point. `tags` may be null when `m.needsTags` is false (the fast parser skips them then), and may hold
   * only the keys in `tagKeys`.
   * `timeMs` is epoch ms (fractional).
   */
  point(m: MetricState, timeMs: number, value: number, tags: Tags | null, metadata?: Tags | null): void {
    this.nPoints++;
    if (timeMs < this.first) this.first = timeMs;
    if (timeMs > this.last) this.last = timeMs;
    this.origin ??= Math.floor(timeMs / 1000) * 1000 - PROVISIONAL_SLACK_MS;
    m.sink.add(value);
    if (tags === null) return;
    for (const s of m.subs) {
      let ok = true;
      for (const [k, v] of s.filter) {
        if (tags[k] !== v) {
          ok = false;
          break;
        }
      }
      if (ok) s.sink.add(value);
    }
    switch (m.name) {
      case 'http_req_duration':
        return this.httpPoint(timeMs, value, tags);
      case LG_METRICS.errors:
        return this.errorPoint(timeMs, tags);
      case LG_METRICS.orders:
        return this.orderPoint(tags, metadata ?? undefined);
      case WS_METRICS.latency:
        this.stream(tags).rec.recordResponse({ atMs: timeMs - this.origin, latencyUs: value * 1000 });
        return;
      case WS_METRICS.gap: {
        const s = this.stream(tags);
        s.lost += value;
        s.lossSamples++;
        return;
      }
      case WS_METRICS.duplicates:
        this.stream(tags).duplicates += value;
        return;
      case WS_METRICS.reordered:
        this.stream(tags).reordered += value;
        return;
      case WS_METRICS.resyncs:
        this.stream(tags).resyncs += value;
        return;
      case WS_METRICS.loss: {
        const s = this.stream(tags);
        s.lossSamples++;
        s.lossTotal++;
        if (value !== 0) s.lossTrues++;
        return;
      }
      case 'ws_sessions':
        if (tags.channel !== undefined) this.stream(tags).sessions += value;
        return;
      case 'ws_connecting':
        if (tags.channel !== undefined) recordUs(this.stream(tags).connect, value * 1000);
        return;
      case 'ws_session_duration':
        if (tags.channel !== undefined) this.stream(tags).sessionMs += value;
        return;
    }
  }

  private isSetup(tags: Tags): boolean {
    const group = tags.group;
    return group !== undefined && (group.startsWith('::setup') || group.startsWith('::teardown'));
  }

  private recorder(name: string): EndpointRecorder {
    let rec = this.http.get(name);
    if (rec === undefined) {
      rec = new EndpointRecorder(name, 'http', this.workload);
      this.http.set(name, rec);
    }
    return rec;
  }

  /** The class of a failed response by its status alone, through the dialect's table. */
  private statusClass(status: number): ErrorClass | undefined {
    return classify(this.errorTable, status, undefined)?.errorClass;
  }

  private httpPoint(timeMs: number, valueMs: number, tags: Tags): void {
    if (this.isSetup(tags)) {
      this.setupRequests++;
      if (!this.includeSetup) return;
    }
    const name = tags.name ?? tags.url ?? 'unnamed';
    const rec = this.recorder(name);
    const atMs = timeMs - this.origin!;
    const status = tags.status === undefined ? undefined : Number(tags.status);
    const errorCode = tags.error_code;
    if (status === 0 || (status === undefined && isTransportErrorCode(errorCode))) {
      // Transport error: no response (FORMATS.md §2). The `error` tag may be disabled (--system-tags), so the code decides first.
      const errorClass: ErrorClass = K6_TIMEOUT_CODES.has(errorCode ?? '') || /timeout/i.test(tags.error ?? '') ? 'timeout' : 'network';
      rec.recordError({ atMs, errorClass, ...(errorCode !== undefined ? { errorCode: `k6:${errorCode}` } : {}) });
      return;
    }
    let errorClass: ErrorClass | undefined;
    if (tags.expected_response === 'false') errorClass = this.statusClass(status ?? 0) ?? 'client';
    else if (tags.expected_response === undefined && status !== undefined) errorClass = this.statusClass(status);
    if (errorClass !== undefined && status !== undefined && Number.isFinite(status)) {
      // Wait for the scenario's classification of the body (the next loadgate_errors sample for this operation and status).
      const key = `${name}\u0000${status}`;
      let q = this.pending.get(key);
      if (q === undefined) this.pending.set(key, (q = []));
      q.push({ rec, atMs, latencyUs: valueMs * 1000, status, statusClass: errorClass, k6Code: errorCode });
      if (q.length > MAX_PENDING) this.settle(q.shift()!, undefined);
      return;
    }
    rec.recordResponse({
      atMs,
      latencyUs: valueMs * 1000,
      ...(status !== undefined && Number.isFinite(status) ? { status } : {}),
      ...(errorClass !== undefined ? { errorClass } : {}),
      ...(errorClass !== undefined && errorCode !== undefined ? { errorCode: `k6:${errorCode}` } : {}),
    });
  }

  /** A failed request recorded with the scenario's classification, or by its status when none came. */
  private settle(p: PendingFailure, by: { errorClass: ErrorClass; errorCode: string | undefined } | undefined): void {
    const errorClass = by?.errorClass ?? p.statusClass;
    const errorCode = by?.errorCode ?? (p.k6Code !== undefined ? `k6:${p.k6Code}` : undefined);
    p.rec.recordResponse({ atMs: p.atMs, latencyUs: p.latencyUs, status: p.status, errorClass, ...(errorCode !== undefined ? { errorCode } : {}) });
  }

  private errorPoint(timeMs: number, tags: Tags): void {
    if (this.isSetup(tags) && !this.includeSetup) return;
    const errorClass = tags[LG_TAGS.errorClass];
    const status = Number(tags[LG_TAGS.status]);
    if (errorClass === undefined || !ERROR_CLASS_SET.has(errorClass) || !Number.isFinite(status)) {
      this.badErrorSamples++;
      return;
    }
    const name = tags.name ?? 'unnamed';
    const code = tags[LG_TAGS.errorCode];
    const p = this.pending.get(`${name}\u0000${status}`)?.shift();
    if (p !== undefined) {
      this.classifiedByScenario++;
      this.settle(p, { errorClass: errorClass as ErrorClass, errorCode: code });
      return;
    }
    // A failure under a success status (HTTP 200 with an error code): the request is counted already, add the error.
    this.errorsOnSuccess++;
    this.recorder(name).recordErrorOfRecordedResponse(timeMs - this.origin!, errorClass as ErrorClass, code);
  }

  private orderPoint(tags: Tags, metadata: Tags | undefined): void {
    const id = metadata?.[LG_METADATA.orderId];
    if (id === undefined || id === '') return;
    if (tags[LG_TAGS.order] === 'created') {
      this.ordersCreated++;
      if (this.openOrders.size < MAX_TRACKED_ORDERS) this.openOrders.set(id, metadata?.[LG_METADATA.symbol] ?? '');
      else this.ordersUntracked++;
    } else if (tags[LG_TAGS.order] === 'closed') {
      this.ordersClosed++;
      this.openOrders.delete(id);
    }
  }

  private stream(tags: Tags): StreamAcc {
    const channel = tags.channel ?? 'unknown';
    let s = this.streams.get(channel);
    if (s === undefined) {
      s = { rec: new EndpointRecorder(`ws:${channel}`, 'ws', this.workload), lost: 0, lossTrues: 0, lossTotal: 0, lossSamples: 0, duplicates: 0, reordered: 0, resyncs: 0, sessions: 0, connect: createHistogram(), sessionMs: 0 };
      this.streams.set(channel, s);
    }
    return s;
  }

  finish(): AggregateSummary {
    const notes: string[] = [];
    let byStatus = 0;
    for (const q of this.pending.values()) {
      byStatus += q.length;
      for (const p of q) this.settle(p, undefined);
    }
    this.pending.clear();
    if (this.classifiedByScenario > 0 && byStatus > 0) notes.push(`${byStatus} failed request(s) had no classification from the scenario and were classified by HTTP status alone`);
    if (this.errorsOnSuccess > 0) notes.push(`${this.errorsOnSuccess} response(s) with a success status carried an error code (classified by the dialect's table)`);
    if (this.badErrorSamples > 0) notes.push(`${this.badErrorSamples} ${LG_METRICS.errors} sample(s) without a valid class or status were ignored`);
    if (this.ordersUntracked > 0) notes.push(`${this.ordersUntracked} created order(s) past the first ${MAX_TRACKED_ORDERS} were not tracked for the clean-up`);
    const custom: Record<string, CustomMetric> = {};
    for (const m of this.metrics.values()) {
      if (m.decl === undefined) {
        notes.push(`k6 metric "${m.name}": ${m.sink.count} samples without a Metric line (type unknown), left out`);
        continue;
      }
      custom[m.name] = m.sink.toCustom(m.decl);
      for (const s of m.subs) custom[s.key] = s.sink.toCustom(m.decl);
    }
    for (const [name, n] of this.undeclared) notes.push(`k6 metric "${name}": ${n} samples came before its Metric line and were recorded unscaled`);
    const endpoints: Record<string, EndpointResult> = {};
    for (const [name, rec] of this.http) endpoints[name] = rec.toResult();
    const empty = encodeHistogram(createHistogram());
    for (const [channel, s] of this.streams) {
      const ep = s.rec.toResult();
      const messages = ep.requests;
      // Lost: the Counter of missing seq numbers when present, else the Rate's `true` samples.
      const lost = s.lost > 0 || s.lossTotal === 0 ? Math.round(s.lost) : s.lossTrues;
      const stream: StreamStats = {
        connectionsOpened: Math.round(s.sessions),
        connectFailures: 0,
        connectTime: encodeHistogram(s.connect),
        subscribeAckTime: empty,
        messages,
        messagesByChannel: { [channel]: messages },
        expected: messages + lost,
        lost,
        duplicates: Math.round(s.duplicates),
        reordered: Math.round(s.reordered),
        disconnects: 0,
        reconnectAttempts: 0,
        reconnectSuccesses: 0,
        recoveryTime: empty,
        uptimeSec: s.sessionMs / 1000,
        downtimeSec: 0,
        clockOffset: { method: 'same-host', offsetMs: 0, uncertaintyMs: 1 },
      };
      if (s.resyncs > 0) stream.resyncs = Math.round(s.resyncs);
      // What the loss figure is (as the ws engine says it): not measured without loss samples (a stream with no
      // sequence writes none), a lower bound under OKX's chain rule (one per broken link).
      const rule = (CHANNELS as readonly string[]).indexOf(channel) === -1 ? undefined : this.sequence[channel as Channel];
      if (s.lossSamples === 0) stream.loss = 'none';
      else if (rule?.type === 'prevSeqId') stream.loss = 'lowerBound';
      ep.stream = stream;
      endpoints[`ws:${channel}`] = ep;
    }
    if (this.setupRequests > 0) {
      notes.push(`${this.setupRequests} setup()/teardown() request(s) ${this.includeSetup ? 'included in' : 'excluded from'} the endpoints (k6 counts them in http_req_duration)`);
    }
    let origin = this.origin;
    if (!this.fixedOrigin && origin !== undefined) {
      // The run starts at the earliest sample's whole second, wherever that line was in the file.
      if (this.first < origin) notes.push(`samples more than ${PROVISIONAL_SLACK_MS / 3_600_000} h before the file's first line were counted in its first second`);
      const final = Math.max(origin, Math.floor(this.first / 1000) * 1000);
      const shiftSec = (final - origin) / 1000;
      if (shiftSec > 0) for (const ep of Object.values(endpoints)) shiftEarlier(ep, shiftSec);
      origin = final;
    }
    const restingOrders: K6OrderRef[] = [];
    for (const [id, symbol] of this.openOrders) restingOrders.push({ id, symbol });
    return {
      endpoints,
      custom,
      restingOrders,
      orders: { created: this.ordersCreated, closed: this.ordersClosed, untracked: this.ordersUntracked },
      firstSampleMs: this.nPoints ? this.first : Number.NaN,
      lastSampleMs: this.nPoints ? this.last : Number.NaN,
      originEpochMs: origin ?? Number.NaN,
      points: this.nPoints,
      notes,
    };
  }
}
