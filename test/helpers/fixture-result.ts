/**
 * Realistic RunResults for reporter tests, built through EndpointRecorder (the way engines build them) from
 * a seeded PRNG, with a verdict from compileSla + evaluate. Deterministic for a given seed.
 */
import { createHistogram, encodeHistogram, recordUs } from '../../src/result/histogram.js';
import type { GeneratorHealth, RunResult, StreamStats } from '../../src/result/model.js';
import { EndpointRecorder } from '../../src/result/recorder.js';
import { compileSla, type SlaPlan } from '../../src/sla/checks.js';
import { evaluate, type Verdict } from '../../src/sla/evaluate.js';
import type { SlaSpec } from '../../src/suite/schema.js';
import type { Report } from '../../src/report/model.js';
import { mulberry32 } from '../../src/random.js';

/** Every character class that breaks HTML, XML, Markdown tables or Prometheus labels. */
export const HOSTILE = `<script>alert("x&y")</script>'|\`*_\\\n]]>`;
export const HOSTILE_ENDPOINT = `evil"<ep>&\\\n|x`;

export interface FixtureOptions {
  seed?: number;
  /** Include a `ws:orderbook` stream endpoint with stream stats. Default true. */
  ws?: boolean;
  /** Include an open-model `fetchOrderBook` with arrivals and uncorrected latency. Default true. */
  openModel?: boolean;
  /** Hostile strings in the suite name, an endpoint name, error codes and correlation IDs. Default false. */
  hostile?: boolean;
  /** A lenient SLA that passes. Default false (the default SLA fails several checks). */
  passing?: boolean;
  durationSec?: number;
  warmupSec?: number;
  incomplete?: boolean;
  saturated?: boolean;
  sla?: SlaSpec;
}

export interface Fixture {
  result: RunResult;
  plan: SlaPlan;
  verdict: Verdict;
  report: Report;
}


function lognormal(rand: () => number, medianMs: number, sigma: number): number {
  const u = Math.max(rand(), 1e-12);
  const n = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  return medianMs * Math.exp(sigma * n);
}

function histOf(valuesMs: number[]): string {
  const h = createHistogram();
  for (const v of valuesMs) recordUs(h, v * 1000);
  return encodeHistogram(h);
}

export function buildFixture(opts: FixtureOptions = {}): Fixture {
  const seed = opts.seed ?? 42;
  const rand = mulberry32(seed);
  const ws = opts.ws ?? true;
  const open = opts.openModel ?? true;
  const hostile = opts.hostile ?? false;
  const durationSec = opts.durationSec ?? 30;
  const warmupSec = opts.warmupSec ?? 5;
  let cid = 0;
  const nextId = (prefix: string) => `${hostile && cid % 7 === 0 ? `${HOSTILE}-` : ''}${prefix}-${(cid++).toString(16).padStart(6, '0')}`;

  const endpoints: RunResult['endpoints'] = {};

  // fetchTicker: fast, occasional rate limits, a latency spike at t=20.
  const ticker = new EndpointRecorder('fetchTicker', 'http', 'mixed');
  const order = new EndpointRecorder('createOrder', 'http', 'mixed');
  const health = new EndpointRecorder('health', 'probe', 'health');
  for (let t = 0; t < durationSec; t++) {
    for (let i = 0; i < 40; i++) {
      const atMs = t * 1000 + (i + rand()) * 25;
      const latencyMs = lognormal(rand, 18, 0.5) * (t === 20 ? 5 : 1);
      if (rand() < 0.01) ticker.recordResponse({ atMs, latencyUs: latencyMs * 1000, status: 429, errorClass: 'rateLimit', errorCode: 'rateLimitExceeded', correlationId: nextId('tk') });
      else ticker.recordResponse({ atMs, latencyUs: latencyMs * 1000, status: 200, correlationId: nextId('tk') });
    }
    for (let i = 0; i < 15; i++) {
      const atMs = t * 1000 + (i + rand()) * (1000 / 15);
      const latencyMs = lognormal(rand, 60, 0.6);
      const r = rand();
      const correlationId = nextId('co');
      if (r < 0.02) order.recordResponse({ atMs, latencyUs: latencyMs * 1000, status: 400, errorClass: 'trading', errorCode: hostile ? HOSTILE : 'insufficientMargin', correlationId });
      else if (r < 0.025) order.recordResponse({ atMs, latencyUs: latencyMs * 1000, status: 500, errorClass: 'server', errorCode: 'internal', correlationId });
      else if (r < 0.028) order.recordError({ atMs, errorClass: 'network', errorCode: 'ECONNRESET', correlationId });
      else order.recordResponse({ atMs, latencyUs: latencyMs * 1000, status: 201, correlationId });
    }
    const atMs = t * 1000 + 500;
    if (t === 12) health.recordError({ atMs, errorClass: 'timeout', correlationId: nextId('hp') });
    else health.recordResponse({ atMs, latencyUs: lognormal(rand, 2, 0.3) * 1000, status: 200, correlationId: nextId('hp') });
  }
  endpoints.fetchTicker = ticker.toResult();
  endpoints.createOrder = order.toResult();
  endpoints.health = health.toResult();

  if (open) {
    // Open model at 25/s with a stall at t=15: corrected latency includes the queueing, uncorrected does not.
    const ob = new EndpointRecorder('fetchOrderBook', 'http', 'open-rate');
    let sent = 0;
    let late = 0;
    for (let t = 0; t < durationSec; t++) {
      for (let i = 0; i < 25; i++) {
        const intendedMs = t * 1000 + i * 40;
        const serviceMs = lognormal(rand, 25, 0.4);
        const slipMs = t === 15 ? (25 - i) * 40 : rand() * 2;
        if (slipMs > 10) late++;
        sent++;
        ob.recordResponse({
          atMs: intendedMs + slipMs + serviceMs,
          latencyUs: (slipMs + serviceMs) * 1000,
          latencyUncorrectedUs: serviceMs * 1000,
          status: 200,
          correlationId: nextId('ob'),
        });
      }
    }
    ob.arrivals = { scheduled: sent + 3, sent, late, dropped: 3 };
    endpoints.fetchOrderBook = ob.toResult();
  }

  if (ws) {
    const st = new EndpointRecorder('ws:orderbook', 'ws', 'stream');
    let messages = 0;
    for (let t = 0; t < durationSec; t++) {
      for (let i = 0; i < 100; i++) {
        st.recordResponse({ atMs: t * 1000 + i * 10 + rand() * 5, latencyUs: lognormal(rand, 4, 0.5) * 1000 });
        messages++;
      }
    }
    const stream: StreamStats = {
      connectionsOpened: 10,
      connectFailures: 1,
      connectTime: histOf([3.1, 3.4, 2.9, 5.2, 3.3, 3.0, 4.1, 3.7, 3.2, 3.5]),
      subscribeAckTime: histOf([1.1, 1.3, 0.9, 1.2, 1.0, 1.4, 1.1, 1.2, 1.0, 1.3]),
      messages,
      messagesByChannel: { orderbook: messages },
      expected: messages + 6,
      lost: 6,
      duplicates: 2,
      reordered: 1,
      disconnects: 3,
      reconnectAttempts: 3,
      reconnectSuccesses: 2,
      recoveryTime: histOf([120, 340]),
      uptimeSec: durationSec * 10 - 1.5,
      downtimeSec: 1.5,
      clockOffset: { method: 'same-host', offsetMs: 0, uncertaintyMs: 0 },
    };
    st.stream = stream;
    endpoints['ws:orderbook'] = st.toResult();
  }

  if (hostile) {
    const ev = new EndpointRecorder(HOSTILE_ENDPOINT, 'http', 'mixed');
    for (let t = 0; t < durationSec; t++) {
      ev.recordResponse({ atMs: t * 1000 + 100, latencyUs: lognormal(rand, 40, 0.3) * 1000, status: 200, correlationId: `${HOSTILE}-${t}` });
      ev.recordResponse({ atMs: t * 1000 + 600, latencyUs: 30_000, status: 418, errorClass: 'client', errorCode: HOSTILE, correlationId: `${HOSTILE}-e${t}` });
    }
    endpoints[HOSTILE_ENDPOINT] = ev.toResult();
  }

  const generator: GeneratorHealth = {
    eventLoopLagMs: { p50: 0.4, p99: opts.saturated ? 180 : 3.2, max: opts.saturated ? 420 : 9.8 },
    cpuPct: opts.saturated ? 99 : 41,
    maxRssMb: 180,
    scheduleSlipMs: { p50: 0.2, p99: 4.1, max: 1000 },
    saturated: opts.saturated ?? false,
    reasons: opts.saturated ? ['event-loop lag p99 180 ms > 50 ms', 'CPU 99%'] : [],
  };

  const suiteName = hostile ? `smoke ${HOSTILE}` : 'exchange-smoke';
  const result: RunResult = {
    schemaVersion: 1,
    kind: 'loadgate.result',
    meta: {
      suite: suiteName,
      phase: 'phase-2',
      gitCommit: '3f9c2ab41d0e',
      engines: [
        { name: 'autocannon', version: '8.0.0' },
        ...(open ? [{ name: 'open', version: '0.1.0' }] : []),
        ...(ws ? [{ name: 'ws', version: '8.23.0' }] : []),
      ],
      startedAt: '2026-11-22T01:54:27.123Z',
      endedAt: new Date(Date.parse('2026-11-22T01:54:27.123Z') + durationSec * 1000).toISOString(),
      durationSec,
      warmupSec,
      host: { hostname: hostile ? `box-${HOSTILE}` : 'ci-runner-7', platform: 'linux', arch: 'x64', cpus: 2, node: 'v20.20.2' },
      target: { url: 'http://127.0.0.1:43121', mock: true },
      notes: hostile ? [`note ${HOSTILE}`] : [],
      ...(opts.incomplete ? { incomplete: { reason: 'target stopped answering at t=29s' } } : {}),
    },
    endpoints,
    generator,
  };

  const sla: SlaSpec =
    opts.sla ??
    (opts.passing
      ? {
          overall: { p95Ms: 5000, errorRatePct: 10, availabilityPct: 90 },
          endpoints: { fetchTicker: { p95Ms: 5000 }, ...(ws ? { 'ws:orderbook': { p95Ms: 1000, lossPct: 5 } } : {}) },
        }
      : {
          overall: { p95Ms: 500, errorRatePct: 5, availabilityPct: 99, throughputPerSec: 10 },
          endpoints: {
            fetchTicker: { p95Ms: 20, p99Ms: 500, errorsPerMinute: { rateLimit: { limit: 100, window: 10 } } },
            createOrder: { successRatePct: 99.9, p95Ms: 1000 },
            fetchMarkets: { p95Ms: 100 },
            ...(ws ? { 'ws:orderbook': { p95Ms: 50, lossPct: 0.5, reconnectSuccessPct: 90 } } : {}),
            'ws:trades': { lossPct: { limit: 1, optional: true } },
            ...(hostile ? { [HOSTILE_ENDPOINT]: { p95Ms: 1 } } : {}),
          },
        });
  const plan = compileSla(sla, open && !opts.passing ? { openModelEndpoints: new Set(['fetchOrderBook']) } : {});
  const verdict = evaluate(plan, result);
  const report: Report = { result, verdict, suiteName, generatedAt: '2026-11-22T01:55:10.000Z', reportDir: `reports/${hostile ? 'smoke' : suiteName}/2026-11-22T01-54-27Z` };
  return { result, plan, verdict, report };
}

/**
 * A small XML 1.0 well-formedness check (enough for JUnit files and inline SVG): one root, tags balanced,
 * attributes quoted, only the predefined or numeric entities, no raw `<` or `&` in text. Returns the problems.
 */
export function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const NAME = '[A-Za-z_:][A-Za-z0-9_.:-]*';
  const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);/g;
  const checkText = (s: string, where: string) => {
    const rest = s.replace(ENTITY, '');
    if (rest.includes('&')) problems.push(`bare & in ${where}: ${JSON.stringify(s.slice(0, 80))}`);
    if (rest.includes('<')) problems.push(`bare < in ${where}`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(s)) problems.push(`control character in ${where}`);
  };
  let s = xml.replace(/^\uFEFF?<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  let roots = 0;
  const tagRe = new RegExp(`^<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)>`);
  while (s.length > 0) {
    const lt = s.indexOf('<');
    if (lt === -1) {
      if (stack.length > 0) checkText(s, 'text');
      else if (s.trim() !== '') problems.push('text after the root element');
      break;
    }
    if (lt > 0) {
      const text = s.slice(0, lt);
      if (stack.length === 0 && text.trim() !== '') problems.push('text outside the root element');
      checkText(text, `text in <${stack[stack.length - 1] ?? ''}>`);
      s = s.slice(lt);
    }
    if (s.startsWith('<!--')) {
      const end = s.indexOf('-->');
      if (end === -1) return [...problems, 'unterminated comment'];
      s = s.slice(end + 3);
      continue;
    }
    if (s.startsWith('<![CDATA[')) {
      const end = s.indexOf(']]>');
      if (end === -1) return [...problems, 'unterminated CDATA'];
      s = s.slice(end + 3);
      continue;
    }
    const m = tagRe.exec(s);
    if (!m) return [...problems, `malformed tag at ${JSON.stringify(s.slice(0, 60))}`];
    const [all, close, name, attrs, selfClose] = m;
    const attrNames = [...(attrs ?? '').matchAll(new RegExp(`(${NAME})\\s*=\\s*("[^"<]*"|'[^'<]*')`, 'g'))];
    const seen = new Set<string>();
    for (const a of attrNames) {
      if (seen.has(a[1]!)) problems.push(`duplicate attribute ${a[1]} on <${name}>`);
      seen.add(a[1]!);
      checkText(a[2]!.slice(1, -1), `attribute ${a[1]} of <${name}>`);
    }
    if (close) {
      if (attrs || selfClose) problems.push(`bad closing tag </${name}>`);
      const open = stack.pop();
      if (open !== name) return [...problems, `</${name}> closes <${open ?? 'nothing'}>`];
    } else if (selfClose) {
      if (stack.length === 0) roots++;
    } else {
      if (stack.length === 0) roots++;
      stack.push(name!);
    }
    s = s.slice(all.length);
  }
  if (stack.length > 0) problems.push(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) problems.push(`expected one root element, found ${roots}`);
  return problems;
}
