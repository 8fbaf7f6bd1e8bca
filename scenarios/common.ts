/**
 * What the k6 scenarios share: reading loadgate's generated config, base options (thresholds compiled from
 * the suite's SLA, summary stats), request signing with k6/crypto, and one iteration of the REST mix.
 * Not a scenario itself (src/engines/k6/build.ts bundles only the files listed in SCENARIOS).
 */
import http from 'k6/http';
import crypto from 'k6/crypto';
import exec from 'k6/execution';
import { check } from 'k6';
import type { Options } from 'k6/options';
import { parseConfig, SUMMARY_TREND_STATS, type LoadgateK6Config } from '../src/engines/k6/script-config.ts';
import { AUTH_HEADERS, signaturePayload } from '../src/dialect/loadgate/auth.ts';
import { extractOrderId, marketFilters, mixPlacesOrders, mulberry32, planRequest, readReferencePrice, weightedPicker, type MarketFilter, type PlannedHttp } from './lib/payloads.ts';

export function loadConfig(): LoadgateK6Config {
  const inline = __ENV.LOADGATE_CONFIG_JSON;
  if (inline) return parseConfig(inline);
  const path = __ENV.LOADGATE_CONFIG;
  if (!path) throw new Error('set LOADGATE_CONFIG to the config JSON that `loadgate k6 build <suite>` writes');
  return parseConfig(open(path));
}

export const CONFIG: LoadgateK6Config = loadConfig();

export function baseOptions(c: LoadgateK6Config): Options {
  return {
    thresholds: c.thresholds,
    summaryTrendStats: SUMMARY_TREND_STATS,
    setupTimeout: '60s',
    // The scenario's VUs should not pay a TLS/TCP handshake per request, like a trading client.
    noConnectionReuse: false,
  };
}

/** Auth headers of the mock's HMAC scheme (src/dialect/loadgate/auth.ts), keys from __ENV; none without keys. */
export function signedHeaders(method: string, path: string, body: string): Record<string, string> {
  const key = __ENV.LOADGATE_API_KEY;
  const secret = __ENV.LOADGATE_API_SECRET;
  if (!key || !secret) return {};
  const ts = Date.now();
  return {
    [AUTH_HEADERS.apiKey]: key,
    [AUTH_HEADERS.timestamp]: String(ts),
    [AUTH_HEADERS.signature]: crypto.hmac('sha256', secret, signaturePayload(ts, method, path, body), 'hex'),
  };
}

export function send(p: PlannedHttp, c: LoadgateK6Config): http.RefinedResponse<'text'> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (p.body !== '') headers['content-type'] = 'application/json';
  if (p.signed) Object.assign(headers, signedHeaders(p.method, p.path, p.body));
  return http.request(p.method, `${c.baseUrl}${p.path}`, p.body === '' ? null : p.body, {
    headers,
    tags: { name: p.name },
    timeout: `${c.timeoutMs}ms`,
    responseType: 'text',
  });
}

export interface SetupData {
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

export function setupData(placesOrders: boolean): SetupData {
  const markets = http.get(`${CONFIG.baseUrl}/api/v1/markets`, { tags: { name: 'setup:fetchMarkets' }, responseType: 'text' });
  const filters = marketFilters(markets.body as string | null);
  const prices: Record<string, number> = {};
  const missing: string[] = [];
  for (const s of CONFIG.symbols) {
    const r = http.get(`${CONFIG.baseUrl}/api/v1/ticker?symbol=${encodeURIComponent(s)}`, { tags: { name: 'setup:fetchTicker' }, responseType: 'text' });
    // status 0: the request itself failed (k6 puts the reason in r.error).
    const read = r.status === 0 ? { problem: `the ticker request failed (${r.error})` } : readReferencePrice(r.status, r.body as string | null);
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
const openOrders: string[] = [];

/** One request of the weighted mix. */
export function restIteration(data: SetupData): void {
  rnd ??= mulberry32(exec.vu.idInTest * 7919);
  pick ??= weightedPicker(CONFIG.mix);
  const entry = pick();
  const symbol = CONFIG.symbols[symbolIdx++ % CONFIG.symbols.length]!;
  const clientOrderId = `lg-k6-${exec.vu.idInTest}-${++seq}`;
  const plan = planRequest(entry, symbol, { order: CONFIG.order, refPrice: data.prices[symbol], filter: data.filters[symbol], rnd, clientOrderId, orderId: entry.endpoint === 'cancelOrder' ? openOrders.pop() : undefined });
  const res = send(plan, CONFIG);
  if (plan.name === 'createOrder' && res.status >= 200 && res.status < 300) {
    const id = extractOrderId(res.body);
    if (id !== undefined && openOrders.length < 1000) openOrders.push(id);
  }
  check(res, { [`${plan.name} ok`]: (r) => r.status >= 200 && r.status < 300 }, { name: plan.name });
}
