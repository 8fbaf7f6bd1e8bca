/**
 * Streaming ingest of k6 `--out json=<file>` NDJSON (FORMATS.md §6), fast and with flat memory.
 *
 * k6 writes every Point line the same way (easyjson, fixed key order):
 *   {"metric":"<name>","type":"Point","data":{"time":"<RFC3339 nano>","value":<float>,"tags":{...}[,"metadata":{...}]}}
 * so the hot path reads lines straight out of the read buffer (4 MiB, double-buffered): it checks that fixed
 * frame 4 bytes at a time, predicts the metric name (k6 writes a request's 9 metrics in the same order),
 * reuses the time of the previous line when the bytes match (else parses it with a per-minute cache), parses
 * the value with an exact fast path (≤ 15 digits, no exponent: one correctly rounded division; else
 * `Number()`), and touches tags only for metrics that need them (sub-metrics, endpoints), reusing the parsed
 * object of an identical recent tags segment. Anything that does not match the frame — escapes in tags,
 * another key order, Metric lines — goes through JSON.parse, so correctness never depends on the fast path
 * (tested: both give identical results on every fixture). A last line without its newline (k6 killed
 * mid-flush) is parsed strictly and dropped with a note when incomplete.
 */
import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { InputError } from '../../errors.js';
import { K6Aggregator, type AggregatorOptions, type AggregateSummary, type MetricState, type Tags } from './aggregate.js';
import type { K6Contains, K6MetricType } from './metrics.js';

export interface NdjsonIngest extends AggregateSummary {
  lines: number;
  /** Lines that were neither a Point nor a Metric (or not JSON), excluding a truncated last line. */
  skippedLines: number;
  /** The file ended in the middle of a line (k6 killed mid-flush); that line was dropped. */
  truncatedLastLine: boolean;
  bytes: number;
}

/** A literal compared 4 bytes at a time through a DataView (TurboFan turns getInt32 into one load). */
class Lit {
  readonly length: number;
  readonly words: Int32Array;
  readonly tail: Uint8Array;
  constructor(s: string) {
    const b = Buffer.from(s);
    this.length = b.length;
    const n = b.length >> 2;
    this.words = new Int32Array(n);
    for (let k = 0; k < n; k++) this.words[k] = b.readInt32LE(k * 4);
    this.tail = Uint8Array.from(b.subarray(n * 4));
  }
}

function matchLit(dv: DataView, buf: Buffer, at: number, end: number, lit: Lit): boolean {
  if (at + lit.length > end) return false;
  const w = lit.words;
  for (let k = 0; k < w.length; k++) if (dv.getInt32(at + 4 * k, true) !== w[k]) return false;
  const t = lit.tail;
  const base = at + 4 * w.length;
  for (let k = 0; k < t.length; k++) if (buf[base + k] !== t[k]) return false;
  return true;
}

const POINT_PREFIX = new Lit('{"metric":"');
const POINT_FRAME = new Lit('","type":"Point","data":{"time":"');
const VALUE_KEY = new Lit(',"value":');
const TAGS_KEY = new Lit(',"tags":{');
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

const NL = 10;
const QUOTE = 34;
const BACKSLASH = 92;

interface NameEntry {
  b: Buffer;
  m: MetricState;
  next: NameEntry | undefined;
}

function sameBytes(b: Buffer, buf: Buffer, s: number, len: number): boolean {
  if (b.length !== len) return false;
  for (let j = len - 1; j >= 0; j--) if (b[j] !== buf[s + j]) return false;
  return true;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}

/** Feeds lines to a K6Aggregator. Push chunks in order, then `end()`. */
export class NdjsonScanner {
  readonly agg: K6Aggregator;
  lines = 0;
  skipped = 0;
  truncated = false;
  bytes = 0;
  private carry: Buffer | undefined;
  // Per-minute cache of the time prefix "YYYY-MM-DDTHH:MM".
  private readonly minuteKey = Buffer.alloc(16);
  private minuteMs = Number.NaN;
  // Metrics by name bytes (a k6 run has a few dozen metric names), each with the name seen after it last time.
  private readonly names: NameEntry[] = [];
  private prevName: NameEntry | undefined;
  // Wanted tag keys (bytes) and, per key, a small cache of value bytes → string: tag values repeat a lot,
  // and creating strings from buffers is the dominant cost otherwise.
  private keysVersion = -1;
  private keys: Buffer[] = [];
  private keyNames: string[] = [];
  private keyTable = new Int16Array(64 * 128);
  private valueCache: Array<Array<{ b: Buffer; s: string }>> = [];
  private cacheNext: number[] = [];
  // DataView over the buffer being scanned.
  private dv = new DataView(new ArrayBuffer(8));
  private dvBuf: Buffer | undefined;
  // Recently seen tags segments (bytes through the closing brace, copied) and their parsed objects. Tags
  // objects are never mutated downstream, so the 9 Points of a k6 request, and every request of the same
  // operation/status/scenario, share one: most lines then cost one memcmp instead of a parse.
  private readonly tagCache: Array<{ b: Buffer; len: number; tags: Tags }> = [];
  private tagCacheNext = 0;
  private tagCacheHit = 0;
  // The last time string (bytes through the closing quote) and its value: a request's Points share it.
  private readonly lastTime = new Int32Array(12);
  private readonly lastTimeBytes = Buffer.alloc(48);
  private lastTimeLen = 0;
  private lastTimeMs = 0;
  // Values the fast parsers hand back: a Float64Array slot, not an object field, so V8 never boxes the double.
  private readonly out = new Float64Array(2);

  // Plausible Point times (issue 16 item 5): one 1970 or far-future timestamp would stretch the run over decades
  // and make every per-second loop downstream hang. From 2000 to a day past now, and within MAX_SPAN_MS of the
  // first Point once there is one.
  private loMs = MIN_TIME_MS;
  private hiMs: number;
  private readonly nowMs: number;
  private firstTimeMs: number | undefined;

  constructor(agg: K6Aggregator, nowMs: number = Date.now()) {
    this.agg = agg;
    this.nowMs = nowMs;
    this.hiMs = nowMs + DAY_MS;
  }

  /** Why a Point's time or value cannot be used (undefined when it can). Narrows the time window at the first Point. */
  private checkPoint(time: unknown, value: unknown): string | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value)) return `data.value: expected a finite number, got ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`;
    if (typeof time !== 'string') return `data.time: expected an RFC 3339 time string, got ${JSON.stringify(time)}`;
    const t = parseK6Time(time);
    if (!Number.isFinite(t)) return `data.time: not a time: ${JSON.stringify(time.slice(0, 40))}`;
    if (t < this.loMs || t > this.hiMs) {
      const why = this.firstTimeMs === undefined ? `outside 2000-01-01 … now + 1 day` : `more than ${MAX_SPAN_MS / DAY_MS} days from the first Point (${new Date(this.firstTimeMs).toISOString()})`;
      return `data.time: ${time} is ${why}: a damaged or foreign line`;
    }
    if (this.firstTimeMs === undefined) {
      this.firstTimeMs = t;
      this.loMs = Math.max(MIN_TIME_MS, t - MAX_SPAN_MS);
      this.hiMs = Math.min(this.nowMs + DAY_MS, t + MAX_SPAN_MS);
    }
    return undefined;
  }

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    let start = 0;
    const end = chunk.length;
    if (this.carry !== undefined) {
      const nl = chunk.indexOf(NL);
      if (nl === -1) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      const line = Buffer.concat([this.carry, chunk.subarray(0, nl)]);
      this.carry = undefined;
      this.line(line, 0, line.length);
      start = nl + 1;
    }
    start = this.scan(chunk, start);
    if (start < end) this.carry = Buffer.from(chunk.subarray(start, end));
  }

  /**
   * The complete lines of a chunk; returns where the unfinished tail starts. A function of its own, so the
   * optimized loop is not thrown away at every chunk (code after an on-stack-replaced loop has no type feedback).
   */
  private scan(chunk: Buffer, start: number): number {
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      if (nl === -1) return start;
      this.line(chunk, start, nl);
      start = nl + 1;
    }
  }

  end(): void {
    const rest = this.carry;
    this.carry = undefined;
    if (rest === undefined) return;
    let e = rest.length;
    while (e > 0 && (rest[e - 1] === 13 || rest[e - 1] === 32)) e--;
    if (e === 0) return;
    this.lines++;
    // The last line has no newline: maybe cut mid-write. Only a complete JSON object counts.
    if (!this.slow(rest, 0, e)) this.truncated = true;
  }

  private line(buf: Buffer, s: number, e: number): void {
    if (e > s && buf[e - 1] === 13) e--;
    if (e <= s) return;
    this.lines++;
    if (buf !== this.dvBuf) {
      this.dv = new DataView(buf.buffer as ArrayBuffer, buf.byteOffset, buf.byteLength);
      this.dvBuf = buf;
    }
    if (matchLit(this.dv, buf, s, e, POINT_PREFIX) && this.fastPoint(buf, s, e)) return;
    if (!this.slow(buf, s, e)) this.skipped++;
  }

  private metricFor(buf: Buffer, s: number, e: number): MetricState {
    const len = e - s;
    // k6 writes a request's metrics in the same order every time: try the metric that followed the last one.
    const guess = this.prevName?.next;
    if (guess !== undefined && sameBytes(guess.b, buf, s, len)) return this.hit(guess);
    const names = this.names;
    for (let c = 0; c < names.length; c++) {
      const ent = names[c]!;
      if (sameBytes(ent.b, buf, s, len)) return this.hit(ent);
    }
    const ent: NameEntry = { b: Buffer.from(buf.subarray(s, e)), m: this.agg.metric(buf.toString('latin1', s, e)), next: undefined };
    if (names.length < 256) names.push(ent);
    return this.hit(ent);
  }

  private hit(ent: NameEntry): MetricState {
    if (this.prevName !== undefined) this.prevName.next = ent;
    this.prevName = ent;
    return ent.m;
  }

  /** Returns false when the line does not have k6's exact Point frame (the caller then uses JSON.parse). */
  private fastPoint(buf: Buffer, s: number, e: number): boolean {
    const dv = this.dv;
    const nameStart = s + POINT_PREFIX.length;
    let i = nameStart;
    let m: MetricState;
    // Predicted name (the metric that followed the previous one last time) followed by its closing quote.
    const guess = this.prevName?.next;
    if (guess !== undefined && buf[nameStart + guess.b.length] === QUOTE && sameBytes(guess.b, buf, nameStart, guess.b.length)) {
      m = this.hit(guess);
      i = nameStart + guess.b.length;
    } else {
      while (i < e && buf[i] !== QUOTE) {
        if (buf[i] === BACKSLASH) return false;
        i++;
      }
      m = this.metricFor(buf, nameStart, i);
    }
    // Metadata is read on the slow path only (loadgate's order samples: a few per order, not per request).
    if (m.needsMetadata || !matchLit(dv, buf, i, e, POINT_FRAME)) return false;
    i += POINT_FRAME.length;
    i = this.time(dv, buf, i, e);
    if (i < 0) return false;
    const timeMs = this.out[0]!;
    // The first Point (which fixes the plausible window) and any outside it go through the checked slow path.
    if (this.firstTimeMs === undefined || !(timeMs >= this.loMs && timeMs <= this.hiMs)) return false;
    if (!matchLit(dv, buf, i, e, VALUE_KEY)) return false;
    i = this.parseNumber(buf, i + VALUE_KEY.length, e);
    if (i < 0) return false;
    const value = this.out[1]!;
    if (!m.needsTags) {
      this.agg.point(m, timeMs, value, null);
      return true;
    }
    let tags: Tags;
    if (matchLit(dv, buf, i, e, TAGS_KEY)) {
      const ts = i + TAGS_KEY.length;
      const t = this.cachedTags(buf, ts, e) ?? this.parseTags(buf, ts, e);
      if (t === undefined) return false;
      tags = t;
    } else if (buf[i] === 125 /* } */) tags = {};
    else return false;
    this.agg.point(m, timeMs, value, tags);
    return true;
  }

  /** The time at `i`: the cached value when the bytes equal the last time string, else parsed. */
  private time(dv: DataView, buf: Buffer, i: number, e: number): number {
    const len = this.lastTimeLen;
    if (len > 0 && i + len <= e) {
      const w = this.lastTime;
      const n = len >> 2;
      let same = true;
      for (let k = 0; k < n; k++) {
        if (dv.getInt32(i + 4 * k, true) !== w[k]) {
          same = false;
          break;
        }
      }
      if (same) {
        const lb = this.lastTimeBytes;
        for (let k = n * 4; k < len; k++) {
          if (buf[i + k] !== lb[k]) {
            same = false;
            break;
          }
        }
        if (same) {
          this.out[0] = this.lastTimeMs;
          return i + len;
        }
      }
    }
    const next = this.parseTime(buf, i, e);
    if (next < 0) return -1;
    const l = next - i;
    if (l <= this.lastTimeBytes.length) {
      // Byte loops, not Buffer#copy/readInt32LE: ~32 bytes, once per distinct timestamp.
      const lb = this.lastTimeBytes;
      for (let k = 0; k < l; k++) lb[k] = buf[i + k]!;
      const w = this.lastTime;
      for (let k = 0; k < l >> 2; k++) w[k] = dv.getInt32(i + 4 * k, true);
      this.lastTimeLen = l;
      this.lastTimeMs = this.out[0]!;
    } else this.lastTimeLen = 0;
    return next;
  }

  /** RFC 3339 UTC time with 0–9 fractional digits → epoch ms (fractional) in out[0]; returns the index after the closing quote, or -1. */
  private parseTime(buf: Buffer, i: number, e: number): number {
    if (i + 20 > e) return -1;
    let same = this.minuteMs === this.minuteMs;
    if (same) {
      for (let k = 0; k < 16; k++) {
        if (buf[i + k] !== this.minuteKey[k]) {
          same = false;
          break;
        }
      }
    }
    if (!same) {
      const d = (a: number, n: number): number => {
        let v = 0;
        for (let k = 0; k < n; k++) {
          const c = buf[i + a + k]!;
          if (c < 48 || c > 57) return Number.NaN;
          v = v * 10 + c - 48;
        }
        return v;
      };
      if (buf[i + 4] !== 45 || buf[i + 7] !== 45 || buf[i + 10] !== 84 || buf[i + 13] !== 58 || buf[i + 16] !== 58) return -1;
      const ms = utcMs(d(0, 4), d(5, 2), d(8, 2), d(11, 2), d(14, 2), 0);
      if (!Number.isFinite(ms)) return -1;
      buf.copy(this.minuteKey, 0, i, i + 16);
      this.minuteMs = ms;
    }
    const s1 = buf[i + 17]!;
    const s2 = buf[i + 18]!;
    if (!isDigit(s1) || !isDigit(s2) || s1 > 54 /* 6 */) return -1;
    let t = this.minuteMs + ((s1 - 48) * 10 + (s2 - 48)) * 1000;
    let p = i + 19;
    if (buf[p] === 46 /* . */) {
      p++;
      let frac = 0;
      let digits = 0;
      while (p < e && isDigit(buf[p])) {
        if (digits < 15) {
          frac = frac * 10 + buf[p]! - 48;
          digits++;
        }
        p++;
      }
      t += (frac / POW10[digits]!) * 1000;
    }
    if (buf[p] !== 90 /* Z */ || buf[p + 1] !== QUOTE) return -1;
    this.out[0] = t;
    return p + 2;
  }

  /** JSON number → out[1]; returns the index of the first byte after it, or -1. */
  private parseNumber(buf: Buffer, i: number, e: number): number {
    const start = i;
    let neg = false;
    if (buf[i] === 45) {
      neg = true;
      i++;
    }
    let mant = 0;
    let digits = 0;
    let scale = 0;
    while (i < e) {
      const c = buf[i]!;
      if (c < 48 || c > 57) break;
      mant = mant * 10 + c - 48;
      digits++;
      i++;
    }
    if (buf[i] === 46) {
      i++;
      while (i < e) {
        const c = buf[i]!;
        if (c < 48 || c > 57) break;
        mant = mant * 10 + c - 48;
        digits++;
        scale++;
        i++;
      }
    }
    if (digits === 0) return -1;
    const c = buf[i];
    if (c === 101 || c === 69 || digits > 15) {
      // Exponent form (k6 writes 1.795308008668e+12, 5e-05) or more digits than the exact fast path allows.
      while (i < e && buf[i] !== 44 && buf[i] !== 125) i++;
      const v = Number(buf.toString('latin1', start, i));
      // 1e400 is Infinity: not a measurement (the JSON.parse path reports the line).
      if (!Number.isFinite(v)) return -1;
      this.out[1] = v;
      return i;
    }
    // mant < 10^15 < 2^53 and 10^scale exact: one correctly rounded division, same double as JSON.parse.
    const v = scale === 0 ? mant : mant / POW10[scale]!;
    this.out[1] = neg ? -v : v;
    return i;
  }

  private refreshKeys(): void {
    this.keysVersion = this.agg.tagKeysVersion;
    this.keyNames = [...this.agg.tagKeys];
    this.keys = this.keyNames.map((k) => Buffer.from(k));
    // (length, first byte) → key index + 1; -1 when several keys share the slot (then scan them all).
    this.keyTable.fill(0);
    this.keys.forEach((kb, k) => {
      if (kb.length >= 64 || kb[0]! >= 128) return;
      const slot = kb.length * 128 + kb[0]!;
      this.keyTable[slot] = this.keyTable[slot] === 0 ? k + 1 : -1;
    });
    this.longKeys = this.keys.some((kb) => kb.length >= 64 || kb[0]! >= 128);
    this.valueCache = this.keyNames.map(() => []);
    this.cacheNext = this.keyNames.map(() => 0);
  }

  private longKeys = false;

  private keyIndex(buf: Buffer, s: number, e: number): number {
    const len = e - s;
    const keys = this.keys;
    const b0 = buf[s]!;
    if (len < 64 && b0 < 128) {
      const hit = this.keyTable[len * 128 + b0]!;
      if (hit === 0 && !this.longKeys) return -1;
      if (hit > 0) {
        const kb = keys[hit - 1]!;
        for (let j = 1; j < len; j++) if (kb[j] !== buf[s + j]) return -1;
        return hit - 1;
      }
    }
    outer: for (let k = 0; k < keys.length; k++) {
      const kb = keys[k]!;
      if (kb.length !== len) continue;
      for (let j = 0; j < len; j++) if (kb[j] !== buf[s + j]) continue outer;
      return k;
    }
    return -1;
  }

  private value(k: number, buf: Buffer, s: number, e: number): string {
    const cache = this.valueCache[k]!;
    const len = e - s;
    outer: for (let c = 0; c < cache.length; c++) {
      const ent = cache[c]!;
      const b = ent.b;
      if (b.length !== len) continue;
      for (let j = 0; j < len; j++) if (b[j] !== buf[s + j]) continue outer;
      return ent.s;
    }
    const str = buf.toString('utf8', s, e);
    if (len <= 64) {
      const ent = { b: Buffer.from(buf.subarray(s, e)), s: str };
      if (cache.length < 16) cache.push(ent);
      else {
        cache[this.cacheNext[k]!] = ent;
        this.cacheNext[k] = (this.cacheNext[k]! + 1) & 15;
      }
    }
    return str;
  }

  private cachedTags(buf: Buffer, ts: number, e: number): Tags | undefined {
    if (this.keysVersion !== this.agg.tagKeysVersion) {
      this.tagCache.length = 0;
      return undefined;
    }
    const cache = this.tagCache;
    const n = cache.length;
    // Start at the last hit: consecutive lines mostly repeat it.
    for (let c = 0, at = this.tagCacheHit; c < n; c++, at = at + 1 === n ? 0 : at + 1) {
      const ent = cache[at]!;
      const len = ent.len;
      // Equal bytes through the closing brace ⇒ the same tags object (a `}` inside a value cannot end it early,
      // because the cached bytes are a complete object).
      if (ts + len > e || buf[ts + len - 1] !== 125 || buf[ts] !== ent.b[0] || buf.compare(ent.b, 0, len, ts, ts + len) !== 0) continue;
      this.tagCacheHit = at;
      return ent.tags;
    }
    return undefined;
  }

  private rememberTags(buf: Buffer, ts: number, end: number, tags: Tags): void {
    const len = end - ts;
    if (len > 2048) return;
    const ent = { b: Buffer.from(buf.subarray(ts, end)), len, tags };
    if (this.tagCache.length < 16) {
      this.tagCache.push(ent);
      this.tagCacheHit = this.tagCache.length - 1;
    } else {
      this.tagCache[this.tagCacheNext] = ent;
      this.tagCacheHit = this.tagCacheNext;
      this.tagCacheNext = (this.tagCacheNext + 1) & 15;
    }
  }

  /** `"k":"v",…}` → object of the wanted keys, or undefined on anything unusual (escapes), so the caller falls back. */
  private parseTags(buf: Buffer, i: number, e: number): Tags | undefined {
    if (this.keysVersion !== this.agg.tagKeysVersion) this.refreshKeys();
    const tags: Tags = {};
    const start = i;
    if (buf[i] === 125) {
      return tags;
    }
    for (;;) {
      if (buf[i] !== QUOTE) return undefined;
      const ks = ++i;
      while (i < e && buf[i] !== QUOTE) {
        if (buf[i] === BACKSLASH) return undefined;
        i++;
      }
      const k = this.keyIndex(buf, ks, i);
      if (buf[i + 1] !== 58 || buf[i + 2] !== QUOTE) return undefined;
      i += 3;
      const vs = i;
      while (i < e && buf[i] !== QUOTE) {
        if (buf[i] === BACKSLASH) return undefined;
        i++;
      }
      if (i >= e) return undefined;
      if (k !== -1) tags[this.keyNames[k]!] = this.value(k, buf, vs, i);
      i++;
      if (buf[i] === 44) {
        i++;
        continue;
      }
      if (buf[i] === 125) {
        this.rememberTags(buf, start, i + 1, tags);
        return tags;
      }
      return undefined;
    }
  }

  /** JSON.parse path. Returns false when the line is not a usable Point/Metric; throws on a Point with an unusable time or value. */
  private slow(buf: Buffer, s: number, e: number): boolean {
    let o: unknown;
    try {
      o = JSON.parse(buf.toString('utf8', s, e));
    } catch {
      return false;
    }
    const line = o as Partial<PointJson> | null;
    if (line !== null && typeof line === 'object' && line.type === 'Point' && typeof line.metric === 'string' && line.data !== null && typeof line.data === 'object') {
      const why = this.checkPoint(line.data.time, line.data.value);
      if (why !== undefined) throw new NdjsonLineError(this.lines, why);
    }
    return applyJsonLine(this.agg, o);
  }
}

const DAY_MS = 86_400_000;
const MIN_TIME_MS = Date.UTC(2000, 0, 1);
/** Longest span of one k6 run's Points (a month: past any soak; the per-second series stay bounded). */
const MAX_SPAN_MS = 31 * DAY_MS;

/** A Point line that cannot be used; the file name is added by the caller. */
export class NdjsonLineError extends InputError {
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super('LG_NDJSON_INVALID', `line ${line}: ${detail}`, { hint: 'every Point needs a finite `data.value` and an RFC 3339 `data.time` (k6 run --out json=<file>)' });
  }
}

interface PointJson {
  type: 'Point';
  metric: string;
  data: { time: string; value: number; tags?: Tags | null; metadata?: Tags | null };
}
interface MetricJson {
  type: 'Metric';
  metric?: string;
  data: { name: string; type: K6MetricType; contains: K6Contains; submetrics?: Array<{ name: string; tags: Tags | null }> | null };
}

/**
 * Epoch ms of a UTC calendar time, NaN when a field is out of range (Date.UTC would roll hour 25 or
 * February 30 over into a valid, wrong time).
 */
function utcMs(y: number, mo: number, d: number, h: number, mi: number, sec: number): number {
  if (!(mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && sec >= 0 && sec <= 60)) return Number.NaN;
  const ms = Date.UTC(y, mo - 1, d, h, mi, sec);
  return new Date(ms).getUTCDate() === d ? ms : Number.NaN;
}

/** RFC 3339 with up to 9 fractional digits → epoch ms keeping sub-ms precision (Date.parse drops it). NaN when it is not one. */
export function parseK6Time(s: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?([Zz]|([+-])(\d\d):(\d\d))$/.exec(s);
  if (!m) return Number.NaN;
  let base = utcMs(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return Number.NaN;
    base -= (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const frac = m[7] ?? '';
  return base + (frac === '' ? 0 : Number(`0.${frac.slice(0, 15)}`) * 1000);
}

/** Apply one parsed NDJSON object. Exported for the naive baseline in bench/k6-ingest.ts. */
export function applyJsonLine(agg: K6Aggregator, o: unknown): boolean {
  if (o === null || typeof o !== 'object') return false;
  const line = o as PointJson | MetricJson;
  if (line.type === 'Point') {
    const d = line.data;
    if (typeof line.metric !== 'string' || d === undefined || typeof d.value !== 'number' || typeof d.time !== 'string') return false;
    const m = agg.metric(line.metric);
    agg.point(m, parseK6Time(d.time), d.value, m.needsTags ? (d.tags ?? {}) : null, m.needsMetadata ? (d.metadata ?? null) : null);
    return true;
  }
  if (line.type === 'Metric') {
    const d = line.data;
    if (d === undefined || typeof d.name !== 'string') return false;
    agg.declare(d.name, d.type, d.contains, d.submetrics ?? null);
    return true;
  }
  return false;
}

export interface NdjsonIngestOptions extends AggregatorOptions {
  /** Read size. Default 4 MiB. */
  chunkBytes?: number;
}

function summarize(sc: NdjsonScanner): NdjsonIngest {
  const s = sc.agg.finish();
  if (sc.truncated) s.notes.push('the NDJSON ended in the middle of a line (k6 stopped mid-write): that line was dropped');
  if (sc.skipped > 0) s.notes.push(`${sc.skipped} NDJSON line(s) were not k6 Points or Metrics and were skipped`);
  return { ...s, lines: sc.lines, skippedLines: sc.skipped, truncatedLastLine: sc.truncated, bytes: sc.bytes };
}

/** Bounds for `.gz` inputs (a gzip bomb must fail fast, exit 2). */
export interface GunzipLimits {
  /** Decompressed bytes at most. */
  maxBytes: number;
  /** Decompressed / compressed bytes at most (checked once past 64 MiB of output). */
  maxRatio: number;
}

/** Ingest an NDJSON file (`.gz` is gunzipped on the fly). Memory stays flat whatever the file size. */
export async function ingestNdjsonFile(path: string, opts: NdjsonIngestOptions & { gunzip?: GunzipLimits; nowMs?: number } = {}): Promise<NdjsonIngest> {
  const sc = new NdjsonScanner(new K6Aggregator(opts), opts.nowMs);
  try {
    if (path.endsWith('.gz')) await gunzipInto(path, sc, opts.gunzip ?? { maxBytes: 64 * 2 ** 30, maxRatio: 200 });
    else await readInto(path, sc, opts.chunkBytes ?? 4 << 20);
    sc.end();
  } catch (e) {
    if (e instanceof NdjsonLineError) throw new InputError(e.code, `${path}: ${e.message}`, { hint: e.hint, cause: e });
    throw e;
  }
  return summarize(sc);
}

async function gunzipInto(path: string, sc: NdjsonScanner, limits: GunzipLimits): Promise<void> {
  const src = createReadStream(path);
  let compressed = 0;
  src.on('data', (c) => (compressed += c.length));
  const gunzip = createGunzip();
  let out = 0;
  try {
    for await (const chunk of src.pipe(gunzip)) {
      out += (chunk as Buffer).length;
      if (out > limits.maxBytes || (out > 64 << 20 && out > limits.maxRatio * Math.max(1, compressed))) {
        throw new InputError(
          'LG_GZIP_BOMB',
          `${path}: decompresses to more than ${out > limits.maxBytes ? `${Math.round(limits.maxBytes / 2 ** 20)} MB` : `${limits.maxRatio} times its compressed size`} (${Math.round(out / 2 ** 20)} MB from ${Math.round(compressed / 2 ** 20)} MB read so far): not a k6 NDJSON export, or larger than allowed`,
          { hint: 'LOADGATE_LIMIT_GUNZIP_MB and LOADGATE_LIMIT_GUNZIP_RATIO raise the bounds for a genuine file' },
        );
      }
      sc.push(chunk as Buffer);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR') throw new InputError('LG_FILE_UNREADABLE', `${path}: cannot read file (${err.code})`, { cause: e });
    const truncated = err.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(err.message);
    throw new InputError(
      'LG_GZIP_INVALID',
      compressed === 0 ? `${path}: the file is empty (0 bytes), not gzip data` : truncated ? `${path}: the gzip data is truncated (${err.message}): the file was cut short` : `${path}: not valid gzip data (${err.message})`,
      { hint: 'pass the .gz written by `k6 run --out json=<file>.gz`, complete, or the uncompressed .ndjson', cause: e },
    );
  } finally {
    src.destroy();
    gunzip.destroy();
  }
}

async function readInto(path: string, sc: NdjsonScanner, size: number): Promise<void> {
  const fh = await open(path, 'r');
  try {
    // Two buffers: the next read runs in libuv's thread pool while this thread parses the current chunk.
    // push() copies the unfinished tail line, so a buffer can be refilled as soon as push() returns.
    const bufs = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
    let cur = 0;
    let pending: Promise<{ bytesRead: number }> | undefined = fh.read(bufs[0]!, 0, size, null);
    try {
      for (;;) {
        const { bytesRead } = await pending;
        pending = undefined;
        if (bytesRead === 0) break;
        const buf = bufs[cur]!;
        cur ^= 1;
        pending = fh.read(bufs[cur]!, 0, size, null);
        sc.push(bytesRead === size ? buf : buf.subarray(0, bytesRead));
      }
    } finally {
      // Never close the file under a read still in flight.
      if (pending !== undefined) await pending.catch(() => undefined);
    }
  } finally {
    await fh.close();
  }
}

/** Ingest NDJSON text or buffers already in memory (tests, concatenated runner outputs). */
export function ingestNdjsonBuffers(chunks: Iterable<Buffer | string>, opts: AggregatorOptions & { nowMs?: number } = {}): NdjsonIngest {
  const sc = new NdjsonScanner(new K6Aggregator(opts), opts.nowMs);
  for (const c of chunks) sc.push(typeof c === 'string' ? Buffer.from(c) : c);
  sc.end();
  return summarize(sc);
}
