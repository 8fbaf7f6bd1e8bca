/**
 * What the k6 scenarios share: reading loadgate's generated config, base options (thresholds compiled from
 * the suite's SLA, summary stats), and speaking the target's dialect through the one request planner the Node
 * engines use (src/workload/plan.ts: weighted mix, symbol rotation, order sizing, cancels of the run's own orders),
 * signed with k6/crypto's HMAC injected; answers are classified with the dialect's error table and reported to
 * loadgate (script-config.ts LG_METRICS), set-up is read with the dialect's readers.
 * Not a scenario itself (src/engines/k6/build.ts bundles only the files listed in SCENARIOS).
 */
import http from 'k6/http';
import crypto from 'k6/crypto';
import exec from 'k6/execution';
import { check } from 'k6';
import { Counter } from 'k6/metrics';
import type { Options } from 'k6/options';
import { LG_METADATA, LG_METRICS, LG_TAGS, parseConfig, SUMMARY_TREND_STATS, type LoadgateK6Config } from '../src/engines/k6/script-config.ts';
import { getDialect } from '../src/dialect/registry.ts';
import type { Classified, Credentials, Dialect, HmacFn, MarketInfo } from '../src/dialect/types.ts';
import { mixPlacesOrders, referencePrice, RequestPlanner, unifiedSymbol, type MixItem, type OrderRef, type PlannedRequest, type SendableRequest } from '../src/workload/plan.ts';

export function loadConfig(): LoadgateK6Config {
  const inline = __ENV.LOADGATE_CONFIG_JSON;
  if (inline) return parseConfig(inline);
  const path = __ENV.LOADGATE_CONFIG;
  if (!path) throw new Error('set LOADGATE_CONFIG to the config JSON that `loadgate k6 build <suite>` writes');
  return parseConfig(open(path));
}

export const CONFIG: LoadgateK6Config = loadConfig();
/** The exchange API the target speaks. */
export const DIALECT: Dialect = getDialect(CONFIG.dialect);

export function baseOptions(c: LoadgateK6Config): Options {
  return {
    thresholds: c.thresholds,
    summaryTrendStats: SUMMARY_TREND_STATS,
    setupTimeout: '60s',
    // The scenario's VUs should not pay a TLS/TCP handshake per request, like a trading client.
    noConnectionReuse: false,
  };
}

/** A symbol as the suite writes it (`BTC-USDT`, `BTCUSDT` or `BTC/USDT`) → unified; throws naming the dialect. */
export function unified(symbol: string): string {
  const u = unifiedSymbol(DIALECT, symbol);
  if (u === undefined) throw new Error(`symbol "${symbol}" is not one the ${DIALECT.name} dialect can read; write it BASE/QUOTE (e.g. BTC/USDT)`);
  return u;
}

/** k6/crypto's HMAC in the dialects' injected shape (same argument order). */
const hmac: HmacFn = (algorithm, secret, payload, encoding) => crypto.hmac(algorithm, secret, payload, encoding);

/** Keys from __ENV (loadgate sets them from the suite's target.auth); none: signed operations go unsigned. */
function credentials(): Credentials | undefined {
  const apiKey = __ENV.LOADGATE_API_KEY;
  const apiSecret = __ENV.LOADGATE_API_SECRET;
  if (!apiKey || !apiSecret) return undefined;
  const passphrase = __ENV.LOADGATE_API_PASSPHRASE;
  return passphrase ? { apiKey, apiSecret, passphrase } : { apiKey, apiSecret };
}
const CREDENTIALS = credentials();

/** The workload's whole mix: built-in operations, then the suite's own endpoints (issue 10), as the Node engines order it. */
export const WORKLOAD_MIX: readonly MixItem[] = [...CONFIG.mix, ...(CONFIG.customMix ?? [])];

/**
 * A planner for this VU (module scope is per VU in k6): the workload's mix, or `mix` (order-lifecycle builds its
 * requests by name). Correlation ids are `lg-k6-<vu>-<n>`; the seed differs per VU so sizes differ, reproducibly.
 * Custom endpoints are the config's `customEndpoints`: the planner builds, signs and classifies them like built-ins,
 * and `send` tags them with their name, so loadgate files them under it.
 */
export function vuPlanner(data: SetupData, mix: readonly MixItem[] = WORKLOAD_MIX, seedFactor = 7919): RequestPlanner {
  const vu = exec.vu.idInTest;
  let n = 0;
  const p = new RequestPlanner({
    dialect: DIALECT,
    mix,
    ...(CONFIG.customEndpoints !== undefined ? { custom: CONFIG.customEndpoints } : {}),
    symbols: CONFIG.symbols,
    order: CONFIG.order,
    seed: vu * seedFactor,
    credentials: CREDENTIALS,
    hmac,
    wallClockMs: () => Date.now(),
    nextId: () => `lg-k6-${vu}-${++n}`,
  });
  p.setMarkets(data.markets);
  for (const s in data.prices) p.setReferencePrice(s, data.prices[s]!);
  return p;
}

const responseErrors = new Counter(LG_METRICS.errors);
const orderEvents = new Counter(LG_METRICS.orders);

/**
 * Sends a request tagged `name` and reports a failure the dialect's table finds (status and body, so a 400
 * "insufficient balance" is `trading`, and OKX's HTTP 200 with an error code is an error) as a `loadgate_errors`
 * sample: k6's own samples carry no body. A request with no response (status 0) is k6's transport error, read
 * from its tags.
 */
export function send(name: string, w: SendableRequest, c: LoadgateK6Config = CONFIG): { res: http.RefinedResponse<'text'>; failure: Classified | undefined } {
  const res = http.request(w.method, `${c.baseUrl}${w.path}`, w.body === undefined ? null : w.body, { headers: w.headers, tags: { name }, timeout: `${c.timeoutMs}ms`, responseType: 'text' });
  const failure = res.status === 0 ? undefined : classify(res.status, res.body);
  if (failure !== undefined) {
    const tags: Record<string, string> = { name, [LG_TAGS.status]: String(res.status), [LG_TAGS.errorClass]: failure.errorClass };
    if (failure.errorCode !== undefined) tags[LG_TAGS.errorCode] = failure.errorCode;
    if (failure.reason !== undefined) tags[LG_TAGS.reason] = failure.reason;
    responseErrors.add(1, tags);
  }
  check(res, { [`${name} ok`]: () => res.status !== 0 && failure === undefined }, { name });
  return { res, failure };
}

function classify(status: number, body: string | null): Classified | undefined {
  return SETUP_PLANNER.classify(status, typeof body === 'string' ? body : undefined);
}

/**
 * Tells loadgate an order was created or closed (cancelled, or found gone), so what the run leaves resting is
 * cancelled after k6 ends. The id rides as metadata: no k6 time series per order.
 */
export function noteOrder(event: 'created' | 'closed', order: OrderRef): void {
  const md = exec.vu.metrics.metadata;
  md[LG_METADATA.orderId] = order.id;
  md[LG_METADATA.symbol] = order.symbol;
  orderEvents.add(1, { [LG_TAGS.order]: event });
  delete md[LG_METADATA.orderId];
  delete md[LG_METADATA.symbol];
}

/**
 * Feeds an answer back to the planner (it keeps created orders for later cancels) and reports the order
 * bookkeeping to loadgate the way the planner keeps it: a created order (a success the dialect reads an id
 * from), an order a cancel took (a success, or "unknown order": gone already). Returns a created order.
 */
export function noteAnswer(planner: RequestPlanner, req: PlannedRequest, status: number, body: string | null, failure: Classified | undefined): OrderRef | undefined {
  const text = typeof body === 'string' ? body : undefined;
  planner.noteResponse(req, status, text);
  if (req.endpoint === 'createOrder') {
    if (failure !== undefined || !(status >= 200 && status < 300) || text === undefined) return undefined;
    const id = DIALECT.readers.orderId(text);
    if (id === undefined) return undefined;
    const order = { id, symbol: req.symbol ?? planner.unified[0]! };
    noteOrder('created', order);
    return order;
  }
  if (req.endpoint === 'cancelOrder' && req.orderId !== undefined && status !== 0) {
    if (failure === undefined || status === 404 || failure.reason === 'orderNotFound') noteOrder('closed', { id: req.orderId, symbol: req.symbol ?? planner.unified[0]! });
  }
  return undefined;
}

export interface SetupData {
  /** Reference prices by symbol as the suite writes it. */
  prices: Record<string, number>;
  /** The target's markets as the dialect read them (each VU's planner keeps the filters of its symbols). */
  markets: MarketInfo[];
}

/**
 * setup(): market filters and reference prices, so limit orders rest away from the touch with valid sizes.
 * Its requests are tagged `setup:*` (group ::setup): loadgate leaves them out of the endpoints.
 * A scenario that places orders refuses to start without a reference price for every symbol (issue 16:
 * never invent a price); the thrown error ends k6 in setup, so loadgate exits 3 with this message.
 */
export function setup(): SetupData {
  return setupData(mixPlacesOrders(WORKLOAD_MIX));
}

/** Set-up's own planner (no mix of its own: it only builds set-up requests and classifies). */
const SETUP_PLANNER = new RequestPlanner({
  dialect: DIALECT,
  mix: [{ endpoint: 'fetchTicker', weight: 1 }],
  symbols: CONFIG.symbols,
  order: CONFIG.order,
  seed: 1,
  credentials: CREDENTIALS,
  hmac,
  wallClockMs: () => Date.now(),
  nextId: () => 'lg-k6-setup',
});

function get(name: string, w: SendableRequest): http.RefinedResponse<'text'> {
  return http.request(w.method, `${CONFIG.baseUrl}${w.path}`, w.body === undefined ? null : w.body, { headers: w.headers, tags: { name }, timeout: `${CONFIG.timeoutMs}ms`, responseType: 'text' });
}

export function setupData(placesOrders: boolean): SetupData {
  const p = SETUP_PLANNER;
  const m = get('setup:fetchMarkets', p.request('fetchMarkets'));
  const markets = m.status >= 200 && m.status < 300 && typeof m.body === 'string' ? DIALECT.readers.markets(m.body) : [];
  const prices: Record<string, number> = {};
  const missing: string[] = [];
  for (let i = 0; i < p.symbols.length; i++) {
    const s = p.symbols[i]!;
    const r = get('setup:fetchTicker', p.request('fetchTicker', { symbol: p.unified[i]! }));
    // status 0: the request itself failed (k6 puts the reason in r.error).
    const read = r.status === 0 ? { problem: `the ticker request failed (${r.error})` } : referencePrice(DIALECT, r.status, r.body as string | null);
    if ('price' in read) prices[s] = read.price;
    else missing.push(`${s}: ${read.problem}`);
  }
  if (placesOrders && missing.length > 0) throw new Error(`workload ${CONFIG.workload}: no reference price, so no order was placed; ${missing.join('; ')}`);
  return { prices, markets };
}

let planner: RequestPlanner | undefined;

/** One request of the weighted mix. */
export function restIteration(data: SetupData): void {
  planner ??= vuPlanner(data);
  const req = planner.next();
  const { res, failure } = send(req.endpoint, req);
  noteAnswer(planner, req, res.status, res.body, failure);
}
