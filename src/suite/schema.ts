/**
 * The suite file: target, workloads and SLA targets. The zod schema is the spec: types come from it,
 * `.strict()` turns typos into errors, and `npm run schema` emits a JSON Schema for editor completion.
 */
import { z } from 'zod';
import { durationSec, MAX_DURATION_SEC, positiveDurationSec } from './duration.js';
import { limitsSchema } from './limits.js';
import { mockOptionsSchema } from './mock-options.js';
import { DEFAULT_DIALECT, DIALECT_NAMES, getDialect, type DialectName } from '../dialect/registry.js';
import { customOperationProblems } from '../dialect/custom.js';
import { MIX_OPERATIONS, unifiedSymbol } from '../workload/plan.js';
import { ERROR_CLASSES } from '../result/model.js';

/** The built-in operations a mix can name (one list: src/workload/plan.ts). */
export const HTTP_ENDPOINTS = MIX_OPERATIONS;
export type HttpEndpoint = (typeof HTTP_ENDPOINTS)[number];
export const STREAM_CHANNELS = ['orderbook', 'ticker', 'trades'] as const;
export type StreamChannel = (typeof STREAM_CHANNELS)[number];

const positiveInt = z.number().int().positive();

/** One SLA target: a bare number, or an object with options. */
const targetValue = z.union([
  z.number(),
  z.strictObject({
    limit: z.number(),
    /** Must hold in every window of this size (e.g. "60s"), not only on the whole-run aggregate. */
    window: positiveDurationSec.optional(),
    /** A check whose metric was never measured is `no-data` and fails, unless optional. */
    optional: z.boolean().optional(),
    /** Override the metric's default comparison. */
    op: z.enum(['<', '<=', '>', '>=']).optional(),
  }),
]);
export type TargetValue = z.infer<typeof targetValue>;

/** Latency metrics are upper bounds in ms; rates in percent; throughput and availability are lower bounds. */
export const slaTargetsSchema = z.strictObject({
  p50Ms: targetValue.optional(),
  p90Ms: targetValue.optional(),
  p95Ms: targetValue.optional(),
  p99Ms: targetValue.optional(),
  p999Ms: targetValue.optional(),
  maxMs: targetValue.optional(),
  meanMs: targetValue.optional(),
  errorRatePct: targetValue.optional(),
  successRatePct: targetValue.optional(),
  throughputPerSec: targetValue.optional(),
  /** Share of successful health probes sent during the run (overall only). */
  availabilityPct: targetValue.optional(),
  /** Open model: arrivals never sent. An implicit `droppedArrivals < 1` applies to rate-driven workloads. */
  droppedArrivals: targetValue.optional(),
  /** WebSocket: messages lost (seq gaps), percent of expected. */
  lossPct: targetValue.optional(),
  /** WebSocket: reconnect attempts that succeeded, percent. */
  reconnectSuccessPct: targetValue.optional(),
  /** Max errors of a class per minute, e.g. `{ rateLimit: 10 }`. Checked in every minute of the run. */
  errorsPerMinute: z.partialRecord(z.enum(ERROR_CLASSES), targetValue).optional(),
}).superRefine((t, ctx) => {
  // Limits that no measurement can meet or miss are typos (issue 14 item 6): checked before any traffic.
  for (const [key, v] of Object.entries(t)) {
    if (v === undefined) continue;
    if (key === 'errorsPerMinute') {
      for (const [cls, tv] of Object.entries(v as Record<string, TargetValue>)) {
        const limit = typeof tv === 'number' ? tv : tv.limit;
        if (limit < 0) ctx.addIssue({ code: 'custom', path: [key, cls, ...(typeof tv === 'number' ? [] : ['limit'])], message: `expected errors per minute of 0 or more, got ${limit}` });
      }
      continue;
    }
    const tv = v as TargetValue;
    const limit = typeof tv === 'number' ? tv : tv.limit;
    const path = typeof tv === 'number' ? [key] : [key, 'limit'];
    if (key.endsWith('Pct') && (limit < 0 || limit > 100)) ctx.addIssue({ code: 'custom', path, message: `expected a percentage from 0 to 100, got ${limit}` });
    else if (key.endsWith('Ms') && !(limit > 0)) ctx.addIssue({ code: 'custom', path, message: `expected a latency above 0 ms, got ${limit}` });
    else if (limit < 0) ctx.addIssue({ code: 'custom', path, message: `expected 0 or more, got ${limit}` });
  }
});
export type SlaTargets = z.infer<typeof slaTargetsSchema>;
export type SlaMetric = Exclude<keyof SlaTargets, 'errorsPerMinute'>;

export const slaSchema = z.strictObject({
  /** Built-in target sets: `exchange-api`, `phase-0` … `phase-7`. Explicit targets override preset ones. */
  preset: z.union([z.string(), z.array(z.string())]).optional(),
  /**
   * Open-model latency to check: `corrected` (from each request's intended send time: what users see) or
   * `uncorrected` (from the actual send, as closed-model tools report it). Applies to every latency check,
   * whole-run and windowed, with the warm-up excluded.
   */
  latencyBasis: z.enum(['corrected', 'uncorrected']).optional(),
  /**
   * Let the SLA checks decide even when the run is untrustworthy (saturated generator, arrivals sent late). Off by
   * default: such a run exits 3. Incomplete runs (interrupted, measured nothing, target lost) are never accepted.
   */
  acceptUntrustworthy: z.boolean().optional(),
  overall: slaTargetsSchema.optional(),
  /** Per endpoint or stream name (fetchTicker, createOrder, ws:orderbook …). */
  endpoints: z.record(z.string(), slaTargetsSchema).optional(),
});
export type SlaSpec = z.infer<typeof slaSchema>;

/** A PromQL series selector: a metric name with optional `{label matchers}`. */
const promSelector = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?$/, 'expected a PromQL series selector, e.g. http_requests_total{code=~"5.."}');

/**
 * Where production watches the service: `loadgate prometheus rules` and `loadgate grafana dashboard` read the
 * SLA targets against these metrics. Every field defaults to the metrics `loadgate run --prometheus-push` pushes.
 */
export const monitoringSchema = z.strictObject({
  /** `sloth_service` of the generated SLOs (default: the suite name). */
  service: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, _ . -').optional(),
  /** SLO period, e.g. "30d" (default) or "28d": error budgets and burn rates are relative to it. */
  sloPeriod: z.string().regex(/^[1-9][0-9]*d$/, 'expected a number of days, e.g. "30d"').optional(),
  /** Label matchers added to every query, e.g. `job="exchange-api",env="prod"` (default for loadgate's own metrics: the suite). */
  matchers: z.string().optional(),
  /** The label that names the endpoint in the metrics (default `endpoint`). */
  endpointLabel: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a label name').optional(),
  /** loadgate endpoint name → that label's value in production, e.g. `fetchTicker: /api/v3/ticker`. */
  endpoints: z.record(z.string(), z.string()).optional(),
  metrics: z
    .strictObject({
      /** Histogram (base name) of request latency in seconds, e.g. http_request_duration_seconds. */
      requestDuration: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'expected a metric name').optional(),
      /** Counter of requests, e.g. http_requests_total. */
      requests: promSelector.optional(),
      /** Counter of failed requests, e.g. http_requests_total{code=~"5..|429"}. */
      errors: promSelector.optional(),
      /** Per error class, a counter of that class, e.g. `rateLimit: http_requests_total{code="429"}`. */
      errorClasses: z.partialRecord(z.enum(ERROR_CLASSES), promSelector).optional(),
      /** Health probes and failed probes (availability), e.g. probe counters of a blackbox exporter. */
      probes: promSelector.optional(),
      probeErrors: promSelector.optional(),
      /** Histogram (base name) of stream message latency in seconds. */
      streamLatency: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'expected a metric name').optional(),
    })
    .optional(),
  /** Alert severity per check id, e.g. `overall.errorsPerMinute.auth: page` (default: page for auth and server errors, else ticket). */
  severity: z.record(z.string(), z.enum(['page', 'ticket'])).optional(),
});
export type MonitoringSpec = z.infer<typeof monitoringSchema>;

const authSchema = z.strictObject({
  /** Name of the environment variable that holds the API key (never the key itself). */
  apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'),
  apiSecretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'),
  /** The passphrase's environment variable, for dialects that sign with one (OKX). */
  passphraseEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name').optional(),
});

/**
 * A custom endpoint (issue 10): an operation of the target beyond the built-in ones (`fetchBalance`,
 * `fetchOpenOrders`, an internal `/v1/risk/limits`), built, signed and classified in the target's dialect
 * (src/dialect/custom.ts). Templates may use `{symbol}` (the exchange's id of the workload's symbol),
 * `{orderId}` (the newest order the run created) and `{depth}` (the mix entry's depth).
 */
export const customEndpointSchema = z
  .strictObject({
    method: z.enum(['GET', 'POST', 'DELETE']),
    /** Path template, e.g. `/api/v3/openOrders` or `/v1/orders/{orderId}`. */
    path: z.string().min(1),
    /** Query or body parameters in order; string values may hold placeholders, e.g. `{ symbol: '{symbol}' }`. */
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    /** Where the parameters go. Default `query` for GET and DELETE, `json` otherwise. */
    encoding: z.enum(['query', 'json', 'form']).optional(),
    /** Signed with the dialect's scheme (needs `target.auth` on a real target). Default false. */
    signed: z.boolean().optional(),
  })
  .superRefine((spec, ctx) => {
    for (const p of customOperationProblems(spec)) {
      const i = p.indexOf(': ');
      const where = p.slice(0, i);
      ctx.addIssue({ code: 'custom', path: where.startsWith('params.') ? ['params', where.slice('params.'.length)] : [where], message: p.slice(i + 2) });
    }
  });
export type CustomEndpointSpec = z.infer<typeof customEndpointSchema>;

const customEndpointName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'expected a name of letters, digits, _ . - (e.g. fetchBalance)')
  .refine((n) => n !== 'health' && !(HTTP_ENDPOINTS as readonly string[]).includes(n), { message: 'is a built-in operation; give the custom endpoint another name' });

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });
const wsUrl = z.url({ protocol: /^wss?$/, error: 'expected a ws:// or wss:// URL' });

export const targetSchema = z
  .strictObject({
    /** Base URL of a real endpoint, e.g. https://api.example.com. */
    url: httpUrl.optional(),
    /** WebSocket URL for stream workloads; defaults to the mock's /ws. */
    wsUrl: wsUrl.optional(),
    /** Start the built-in mock exchange on a free port (options, or `true` for defaults). */
    mock: z.union([z.literal(true), mockOptionsSchema]).optional(),
    /**
     * The exchange API the target speaks (src/dialect/registry.ts): `loadgate` (the default), `binance-spot`,
     * `okx-v5`, `bybit-v5`. With `mock`, the mock speaks it too (or set `mock.dialect`).
     */
    dialect: z.enum(DIALECT_NAMES).optional(),
    auth: authSchema.optional(),
    /**
     * Live-order safety (src/safety.ts): a workload that creates or cancels orders against a target that is not
     * loopback is refused unless this is `true` AND the CLI is given `--live`.
     */
    allowLiveOrders: z.boolean().optional(),
    /**
     * Client-side cap on the requests per second all workloads send together, whatever their loads ask
     * (src/rate-cap.ts): open arrival rates and k6 arrival-rate executors are clamped, closed workloads limited.
     */
    maxRatePerSec: z.number().positive().optional(),
    /** Custom endpoints by name (`fetchBalance: { method: GET, path: /api/v3/account, signed: true }`); a mix entry names one like a built-in. */
    endpoints: z.record(customEndpointName, customEndpointSchema).optional(),
    /** Path probed once a second during the run to measure availability. Default: the dialect's health operation (`/health` for loadgate, `/api/v3/ping` for Binance, …). */
    healthPath: z.string().startsWith('/').optional(),
    healthIntervalSec: z.number().positive().max(MAX_DURATION_SEC).default(1),
    /** A request with no response after this long counts as a timeout. */
    timeoutMs: positiveInt.max(2 ** 31 - 1, 'expected at most 2147483647 ms (the longest a timer can wait)').default(10_000),
  })
  .refine((t) => (t.url === undefined) !== (t.mock === undefined), {
    message: 'set exactly one of `url` (a real endpoint) or `mock` (the built-in mock exchange)',
  })
  .superRefine((t, ctx) => {
    const mockDialect = typeof t.mock === 'object' && t.mock.dialect !== DEFAULT_DIALECT ? t.mock.dialect : undefined;
    if (t.dialect !== undefined && mockDialect !== undefined && t.dialect !== mockDialect) {
      ctx.addIssue({ code: 'custom', path: ['dialect'], message: `target.dialect is ${t.dialect} but target.mock.dialect is ${mockDialect}: set one of them (the mock speaks the target's dialect)` });
    }
    // A password in the URL would be printed in every message and report (and fetch refuses such URLs).
    for (const key of ['url', 'wsUrl'] as const) {
      const u = t[key];
      if (u !== undefined && /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(u)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'credentials in the URL (user:password@…) are not allowed: they would end up in logs and reports; give the API key and secret through `target.auth: { apiKeyEnv, apiSecretEnv }` (names of environment variables)',
        });
      }
    }
  })
  // The availability probe asks what the target's dialect calls its health check, unless the suite says.
  .transform((t) => ({ ...t, healthPath: t.healthPath ?? getDialect(targetDialect(t)).rest.health.path }));
export type TargetSpec = z.infer<typeof targetSchema>;

const closedLoad = z.strictObject({
  /** Closed model: N connections, each sends its next request when the last one completes. Max throughput. */
  model: z.literal('closed'),
  connections: positiveInt,
  durationSec: positiveDurationSec,
  pipelining: positiveInt.default(1),
});
const stage = z.strictObject({ durationSec, targetRatePerSec: z.number().nonnegative() });
const openLoad = z.strictObject({
  /** Open model: requests arrive at a rate, whatever the target does; latency is measured from the intended time. */
  model: z.literal('open'),
  ratePerSec: z.number().positive(),
  durationSec: positiveDurationSec.optional(),
  /** Ramping arrival rate: linear ramps from the previous rate (starting at `ratePerSec`). */
  stages: z.array(stage).min(1).optional(),
  arrival: z.enum(['constant', 'poisson']).default('constant'),
  maxConnections: positiveInt.default(256),
  /** An arrival sent later than this after its intended time counts as late. */
  lateToleranceMs: z.number().nonnegative().default(10),
  /** Spread over this many worker threads (histograms merged exactly). */
  workers: positiveInt.default(1),
}).refine((l) => l.durationSec !== undefined || l.stages !== undefined, { message: 'set `durationSec` or `stages`' });
const streamLoad = z.strictObject({
  /** WebSocket: N connections opened at a connect rate, each subscribed to the workload's streams. */
  model: z.literal('stream'),
  connections: positiveInt,
  connectRatePerSec: z.number().positive().default(100),
  durationSec: positiveDurationSec,
  /**
   * A subscription that delivers nothing for longer than this many times its usual message interval is silent:
   * counted as an outage (downtime) until it delivers again, and as loss if the seq skipped. Default 10.
   */
  silenceFactor: z.number().min(2).max(10_000).default(10),
  /** ...or for longer than this many ms, whichever comes first (also for subscriptions too new to have an interval). */
  maxSilenceMs: z.number().positive().max(86_400_000).optional(),
});

const mixEntry = z.strictObject({
  /** A built-in operation, or the name of one of `target.endpoints` (checked against them below). */
  endpoint: z.union([z.enum(HTTP_ENDPOINTS), customEndpointName]),
  weight: z.number().positive().default(1),
  /** order book depth for fetchOrderBook */
  depth: positiveInt.max(500).optional(),
});

const streamEntry = z.strictObject({
  channel: z.enum(STREAM_CHANNELS),
  symbols: z.array(z.string()).min(1).optional(),
  /** Messages per second the mock should publish on this channel (mock targets only). */
  ratePerSec: z.number().positive().optional(),
});

/** A unified method beyond the five operations, timed like them (issue 11), e.g. `{ method: fetchBalance }`. */
const driverMethod = z.strictObject({
  method: z.string().regex(/^[a-z][A-Za-z0-9]*$/, 'expected a method name such as fetchBalance'),
  weight: z.number().positive().default(1),
  /** Arguments the method is called with. Default none. */
  args: z.array(z.unknown()).default([]),
});
const driverCommon = {
  /** Passed to the driver untouched (ccxt: the exchange's constructor config, e.g. `{ options: { defaultType: spot } }`). */
  options: z.record(z.string(), z.unknown()).default({}),
  /** More unified methods to call, each with its weight in the mix (e.g. fetchBalance). */
  methods: z.array(driverMethod).min(1).optional(),
};
/**
 * Time the client library users ship instead of raw HTTP (issue 11; src/engines/sdk.ts): ccxt by exchange id, or
 * a module (path relative to the suite file) exporting a factory `(ctx) => object with unified methods`.
 */
export const driverSchema = z.union([
  z.strictObject({
    sdk: z.literal('ccxt'),
    /** ccxt's exchange id, e.g. `binance`. */
    exchange: z.string().regex(/^[a-z][a-z0-9]*$/, 'expected a ccxt exchange id such as binance'),
    /** Keep ccxt's own rate limiter (off by default: it caps Binance near 45 calls/s, so the run would measure the limiter). */
    keepSdkRateLimit: z.boolean().default(false),
    ...driverCommon,
  }),
  z.strictObject({
    /** A module exporting the driver factory, e.g. `./drivers/my-sdk.ts` (relative to the suite file). */
    module: z.string().min(1),
    /** Handed to the factory as `ctx.exchange`, e.g. `hyperliquid`. */
    exchange: z.string().min(1).optional(),
    ...driverCommon,
  }),
]);
export type DriverSpec = z.infer<typeof driverSchema>;

const orderSchema = z.strictObject({
  side: z.enum(['buy', 'sell', 'both']).default('both'),
  type: z.enum(['limit', 'market']).default('limit'),
  /** Order size in quote currency (e.g. USDT); quantity = notional / price, snapped to the market's step size. */
  notionalMin: z.number().positive().default(20),
  notionalMax: z.number().positive().default(100),
  /** Limit price offset from mid, percent, away from the touch so orders rest. */
  priceOffsetPct: z.number().nonnegative().default(2),
});

export const workloadSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, _ . -'),
    /**
     * Engine: defaults to `closed` for closed workloads (loadgate's own HTTP client; `autocannon` when `pipelining`
     * is above 1), `open` for open, `ws` for stream workloads. `autocannon` runs a closed workload through
     * autocannon; `k6` runs it in k6.
     */
    engine: z.enum(['autocannon', 'closed', 'open', 'ws', 'k6', 'sdk']).optional(),
    startAfterSec: durationSec.default(0),
    load: z.discriminatedUnion('model', [closedLoad, openLoad, streamLoad]),
    mix: z.array(mixEntry).min(1).optional(),
    streams: z.array(streamEntry).min(1).optional(),
    symbols: z.array(z.string().min(1)).min(1).default(['BTC-USDT', 'ETH-USDT']),
    order: orderSchema.prefault({}),
    /** Drive the target through an SDK (ccxt, or a module) instead of raw HTTP; runs on the `sdk` engine. */
    driver: driverSchema.optional(),
  })
  .superRefine((w, ctx) => {
    if (w.load.model === 'stream' && w.streams === undefined) ctx.addIssue({ code: 'custom', path: ['streams'], message: 'a stream workload needs `streams`' });
    if (w.driver !== undefined) {
      if (w.load.model === 'stream') ctx.addIssue({ code: 'custom', path: ['driver'], message: 'a driver runs open or closed load, not streams' });
      if (w.engine !== undefined && w.engine !== 'sdk') ctx.addIssue({ code: 'custom', path: ['engine'], message: `a workload with a driver runs on the sdk engine, not ${w.engine}: drop \`engine\`` });
      if (w.load.model === 'open' && w.load.workers !== 1) ctx.addIssue({ code: 'custom', path: ['load', 'workers'], message: 'a driver workload runs in one thread (workers: 1): add a second workload to use another core' });
    } else if (w.engine === 'sdk') ctx.addIssue({ code: 'custom', path: ['driver'], message: 'the sdk engine needs a `driver` (`{ sdk: ccxt, exchange: … }` or `{ module: ./drivers/… }`)' });
    if (w.load.model !== 'stream' && w.mix === undefined && w.driver?.methods === undefined) ctx.addIssue({ code: 'custom', path: ['mix'], message: `a ${w.load.model} workload needs \`mix\` (the endpoint mix)` });
  })
  // Custom endpoints are named in `mix` like built-ins; parsed, they move to `customMix` (with their place in the
  // mix), so `mix` keeps the built-in operations' type that every engine and the k6 config rely on.
  .transform(({ mix, ...rest }) => {
    if (mix === undefined) return rest as typeof rest & { mix?: BuiltInMixEntry[]; customMix?: CustomMixEntry[] };
    const builtIn: BuiltInMixEntry[] = [];
    const custom: CustomMixEntry[] = [];
    mix.forEach((m, mixIndex) => {
      if (isBuiltInEndpoint(m.endpoint)) builtIn.push({ ...m, endpoint: m.endpoint });
      else custom.push({ ...m, mixIndex });
    });
    return custom.length === 0 ? { ...rest, mix: builtIn } : { ...rest, mix: builtIn, customMix: custom };
  });
export type Workload = z.infer<typeof workloadSchema>;

type MixEntryOut = z.infer<typeof mixEntry>;
export type BuiltInMixEntry = MixEntryOut & { endpoint: HttpEndpoint };
/** A mix entry naming one of `target.endpoints`; `mixIndex` is its place in the suite's `mix` (for messages). */
export type CustomMixEntry = MixEntryOut & { mixIndex: number };

export function isBuiltInEndpoint(name: string): name is HttpEndpoint {
  return (HTTP_ENDPOINTS as readonly string[]).includes(name);
}

/** Every entry of a workload's mix, built-in and custom (the engines that speak HTTP drive them all). */
export function workloadMix(w: Workload): Array<{ endpoint: string; weight: number; depth?: number }> {
  return [...(w.mix ?? []), ...(w.customMix ?? [])];
}

/** Engines that run custom endpoints (they plan with src/workload/plan.ts; k6's scenarios too). Not sdk: a driver calls SDK methods, not routes. */
export const CUSTOM_ENDPOINT_ENGINES: ReadonlySet<string> = new Set(['autocannon', 'closed', 'open', 'k6']);

export const suiteSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    /** Phase label carried into results, e.g. "phase-2"; compare uses it. */
    phase: z.string().optional(),
    target: targetSchema,
    /** Seconds at the start excluded from every SLA check. */
    warmupSec: durationSec.default(0),
    workloads: z.array(workloadSchema).min(1),
    sla: slaSchema.optional(),
    /** Production metrics the generated alert rules and dashboards watch (`loadgate prometheus rules`, `grafana dashboard`). */
    monitoring: monitoringSchema.optional(),
    /** Capacity guards (src/suite/limits.ts): raise them on a machine that can generate more. */
    limits: limitsSchema.optional(),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.workloads.forEach((w, i) => {
      if (seen.has(w.name)) ctx.addIssue({ code: 'custom', path: ['workloads', i, 'name'], message: `duplicate workload name "${w.name}"` });
      seen.add(w.name);
    });
    // Mistakes caught before any traffic (issue 14 item 6).
    const endSec = Math.max(...s.workloads.map((w) => w.startAfterSec + loadSeconds(w.load)));
    if (s.warmupSec > 0 && s.warmupSec >= endSec) {
      ctx.addIssue({ code: 'custom', path: ['warmupSec'], message: `the warm-up (${s.warmupSec} s) must end before the run does (${endSec} s): nothing would be measured` });
    }
    // Custom endpoints (target.endpoints): a mix names only declared ones, on an engine that runs them.
    const declared = Object.keys(s.target.endpoints ?? {});
    s.workloads.forEach((w, i) => {
      for (const m of w.customMix ?? []) {
        const path = ['workloads', i, 'mix', m.mixIndex, 'endpoint'];
        if (!declared.includes(m.endpoint)) {
          ctx.addIssue({ code: 'custom', path, message: `expected one of ${HTTP_ENDPOINTS.map((e) => `"${e}"`).join('|')} or a custom endpoint of target.endpoints (${declared.length ? declared.join(', ') : 'none declared'}), got "${m.endpoint}"` });
        } else if (!CUSTOM_ENDPOINT_ENGINES.has(engineOf(w))) {
          ctx.addIssue({ code: 'custom', path, message: `custom endpoint "${m.endpoint}": the ${engineOf(w)} engine does not run custom endpoints yet; use engine ${[...CUSTOM_ENDPOINT_ENGINES].join(' or ')}` });
        }
      }
    });
    // Symbols the HTTP engines cannot write in the target's dialect (`BTCUSDT` for loadgate, which writes BTC-USDT).
    const dialect = getDialect(targetDialect(s.target));
    s.workloads.forEach((w, i) => {
      if (!CUSTOM_ENDPOINT_ENGINES.has(engineOf(w))) return;
      w.symbols.forEach((sym, j) => {
        if (unifiedSymbol(dialect, sym) === undefined) {
          ctx.addIssue({ code: 'custom', path: ['workloads', i, 'symbols', j], message: `"${sym}" is not a symbol the ${dialect.name} dialect can read: write it BASE/QUOTE (e.g. BTC/USDT) or as the exchange writes it (${dialect.symbols.toExchange('BTC/USDT')})` });
        }
      });
    });
    const measured = new Set<string>(['health']);
    for (const w of s.workloads) {
      for (const m of workloadMix(w)) measured.add(m.endpoint);
      for (const m of w.driver?.methods ?? []) measured.add(m.method);
      for (const st of w.streams ?? []) measured.add(streamEndpointName(st.channel));
    }
    for (const [name, targets] of Object.entries(s.sla?.endpoints ?? {})) {
      if (measured.has(name)) continue;
      const values = Object.entries(targets).flatMap(([k, v]) => (k === 'errorsPerMinute' ? Object.values(v as object) : [v])) as TargetValue[];
      if (values.length > 0 && values.every((v) => typeof v === 'object' && v.optional === true)) continue;
      ctx.addIssue({
        code: 'custom',
        path: ['sla', 'endpoints', name],
        message: `no workload measures "${name}" (measured: ${[...measured].join(', ')}); fix the name, or mark its targets \`optional: true\``,
      });
    }
  });
export type Suite = z.infer<typeof suiteSchema>;
export type SuiteInput = z.input<typeof suiteSchema>;

/** Planned seconds of one workload's load (the longest of durationSec and its stages). */
export function loadSeconds(l: Workload['load']): number {
  if (l.model === 'open') return l.durationSec ?? (l.stages ?? []).reduce((a, st) => a + st.durationSec, 0);
  return l.durationSec;
}

/** The engine a workload runs on. */
export function engineOf(w: Workload): 'autocannon' | 'closed' | 'open' | 'ws' | 'k6' | 'sdk' {
  if (w.driver !== undefined) return 'sdk';
  if (w.engine) return w.engine;
  // The closed engine sends one request per connection at a time; pipelined load needs autocannon.
  if (w.load.model === 'closed') return w.load.pipelining > 1 ? 'autocannon' : 'closed';
  return w.load.model === 'open' ? 'open' : 'ws';
}

/** Name of a stream endpoint in results: `ws:<channel>`. */
export function streamEndpointName(channel: StreamChannel): string {
  return `ws:${channel}`;
}

export function suiteJsonSchema(): unknown {
  return z.toJSONSchema(suiteSchema, { io: 'input', unrepresentable: 'any' });
}

/** The dialect a suite's target speaks: `target.dialect`, else the mock's, else `loadgate`. */
export function targetDialect(target: { dialect?: DialectName | undefined; mock?: true | { dialect: DialectName } | undefined }): DialectName {
  if (target.dialect !== undefined) return target.dialect;
  if (typeof target.mock === 'object') return target.mock.dialect;
  return DEFAULT_DIALECT;
}
