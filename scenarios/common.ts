/**
 * What the k6 scenarios share: reading loadgate's generated config, base options (thresholds compiled from
 * the suite's SLA, summary stats), and speaking the target's dialect (src/dialect): requests built by
 * `buildRequest`, signed with k6/crypto's HMAC injected, answers classified with the dialect's error table and
 * reported to loadgate (script-config.ts LG_METRICS), set-up read with the dialect's readers.
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
import { buildRequest } from '../src/dialect/request.ts';
import { classify } from '../src/dialect/errors.ts';
import type { Classified, Credentials, Dialect, HmacFn, OperationInput, OperationName, RestOperation, WireRequest } from '../src/dialect/types.ts';
import { mulberry32 } from '../src/random.ts';
import { marketFilters, mixPlacesOrders, planOperation, readReferencePrice, unifiedSymbol, weightedPicker, type MarketFilter } from './lib/payloads.ts';

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

/** The request for an operation in the target's dialect, signed now (k6 sends at once) when it is private and keys are set. */
export function wireRequest(op: OperationName | RestOperation, input: OperationInput = {}): WireRequest {
  return buildRequest(DIALECT, op, input, CREDENTIALS === undefined ? undefined : { credentials: CREDENTIALS, timestampMs: Date.now(), hmac });
}

const responseErrors = new Counter(LG_METRICS.errors);
const orderEvents = new Counter(LG_METRICS.orders);

/**
 * Sends a request tagged `name` and reports a failure the dialect's table finds (status and body, so a 400
 * "insufficient balance" is `trading`, and OKX's HTTP 200 with an error code is an error) as a `loadgate_errors`
 * sample: k6's own samples carry no body. A request with no response (status 0) is k6's transport error, read
 * from its tags.
 */
export function send(name: string, w: WireRequest, c: LoadgateK6Config = CONFIG): { res: http.RefinedResponse<'text'>; failure: Classified | undefined } {
  const headers: Record<string, string> = { accept: 'application/json' };
  for (const k in w.headers) headers[k] = w.headers[k]!;
  const res = http.request(w.method, `${c.baseUrl}${w.path}`, w.body === undefined ? null : w.body, { headers, tags: { name }, timeout: `${c.timeoutMs}ms`, responseType: 'text' });
  const failure = res.status === 0 ? undefined : classify(DIALECT.errors, res.status, typeof res.body === 'string' ? res.body : undefined);
  if (failure !== undefined) {
    const tags: Record<string, string> = { name, [LG_TAGS.status]: String(res.status), [LG_TAGS.errorClass]: failure.errorClass };
    if (failure.errorCode !== undefined) tags[LG_TAGS.errorCode] = failure.errorCode;
    if (failure.reason !== undefined) tags[LG_TAGS.reason] = failure.reason;
    responseErrors.add(1, tags);
  }
  check(res, { [`${name} ok`]: () => res.status !== 0 && failure === undefined }, { name });
  return { res, failure };
}

/**
 * Tells loadgate an order was created or closed (cancelled, or found gone), so what the run leaves resting is
 * cancelled after k6 ends. The id rides as metadata: no k6 time series per order.
 */
export function noteOrder(event: 'created' | 'closed', orderId: string, symbol: string): void {
  const md = exec.vu.metrics.metadata;
  md[LG_METADATA.orderId] = orderId;
  md[LG_METADATA.symbol] = symbol;
  orderEvents.add(1, { [LG_TAGS.order]: event });
  delete md[LG_METADATA.orderId];
  delete md[LG_METADATA.symbol];
}

export interface SetupData {
  /** Reference prices and market filters by symbol as the suite writes it. */
  prices: Record<string, number>;
  filters: Record<string, MarketFilter>;
}

/**
 * setup(): market filters and reference prices, so limit orders rest away from the touch with valid sizes.
 * Its requests are tagged `setup:*` (group ::setup): loadgate leaves them out of the endpoints.
 * A scenario that places orders refuses to start without a reference price for every symbol (issue 16:
 * never invent a price); the thrown error ends k6 in setup, so loadgate exits 3 with this message.
 */
export function setup(): SetupData {
  return setupData(mixPlacesOrders(CONFIG.mix));
}

function get(name: string, op: OperationName, input: OperationInput = {}): http.RefinedResponse<'text'> {
  const w = wireRequest(op, input);
  return http.request(w.method, `${CONFIG.baseUrl}${w.path}`, w.body === undefined ? null : w.body, { headers: w.headers, tags: { name }, timeout: `${CONFIG.timeoutMs}ms`, responseType: 'text' });
}

export function setupData(placesOrders: boolean): SetupData {
  const markets = get('setup:fetchMarkets', 'fetchMarkets');
  const filters = marketFilters(DIALECT, CONFIG.symbols, markets.status >= 200 && markets.status < 300 && typeof markets.body === 'string' ? markets.body : '');
  const prices: Record<string, number> = {};
  const missing: string[] = [];
  for (const s of CONFIG.symbols) {
    const r = get('setup:fetchTicker', 'fetchTicker', { symbol: unified(s) });
    // status 0: the request itself failed (k6 puts the reason in r.error).
    const read = r.status === 0 ? { problem: `the ticker request failed (${r.error})` } : readReferencePrice(DIALECT, r.status, r.body as string | null);
    if ('price' in read) prices[s] = read.price;
    else missing.push(`${s}: ${read.problem}`);
  }
  if (placesOrders && missing.length > 0) throw new Error(`workload ${CONFIG.workload}: no reference price, so no order was placed; ${missing.join('; ')}`);
  return { prices, filters };
}

// Per-VU state (module scope is per VU in k6). Created on first use: stream workloads have no mix.
let pick: (() => LoadgateK6Config['mix'][number]) | undefined;
let rnd: (() => number) | undefined;
let symbolIdx = 0;
let seq = 0;
const openOrders: Array<{ id: string; symbol: string }> = [];

/** One request of the weighted mix. */
export function restIteration(data: SetupData): void {
  rnd ??= mulberry32(exec.vu.idInTest * 7919);
  pick ??= weightedPicker(CONFIG.mix);
  const entry = pick();
  const written = CONFIG.symbols[symbolIdx++ % CONFIG.symbols.length]!;
  const clientOrderId = DIALECT.clientOrderId(`lg-k6-${exec.vu.idInTest}-${++seq}`);
  const own = entry.endpoint === 'cancelOrder' ? openOrders.pop() : undefined;
  const plan = planOperation(entry, own?.symbol ?? unified(written), { order: CONFIG.order, refPrice: data.prices[written], filter: data.filters[written], rnd, clientOrderId, orderId: own?.id });
  const { res, failure } = send(plan.name, wireRequest(plan.op, plan.input));
  noteAnswer(plan.name, own, plan.input.symbol!, res.status, res.body, failure, openOrders);
}

/**
 * Reads an answer for the order bookkeeping: a created order's id is reported (and kept in `pool`, for the mix's
 * cancels); a cancel that took its order reports it closed, one that did not puts it back in `pool`.
 */
export function noteAnswer(
  name: string,
  own: { id: string; symbol: string } | undefined,
  symbol: string,
  status: number,
  body: string | null,
  failure: Classified | undefined,
  pool?: Array<{ id: string; symbol: string }>,
): string | undefined {
  if (name === 'createOrder') {
    if (failure !== undefined || !(status >= 200 && status < 300) || typeof body !== 'string') return undefined;
    const id = DIALECT.readers.orderId(body);
    if (id === undefined) return undefined;
    noteOrder('created', id, symbol);
    if (pool !== undefined && pool.length < 1000) pool.push({ id, symbol });
    return id;
  }
  if (name === 'cancelOrder' && own !== undefined) {
    const gone = status === 404 || (failure !== undefined && failure.reason === 'orderNotFound');
    if (status !== 0 && (failure === undefined || gone)) noteOrder('closed', own.id, own.symbol);
    else if (pool !== undefined && pool.length < 1000) pool.push(own);
  }
  return undefined;
}
