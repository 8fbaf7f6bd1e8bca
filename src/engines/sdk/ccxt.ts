/**
 * The ccxt driver (issue 11): one ccxt exchange instance pointed at the target. ccxt is an optional peer
 * dependency, imported when a suite names it; without it the run exits 2 saying how to install it.
 *
 * Pointing: the origin (scheme, host, port) of EVERY URL under `exchange.urls.api` (REST groups and `ws`) and
 * `urls.test` is replaced by the target's (the ws ones by the target's ws origin), paths kept, before any call;
 * then every URL is checked to start with the target's origin, so no call can leave for the real exchange.
 * ccxt's own rate limiter is off unless `keepSdkRateLimit: true`.
 */
import { InputError } from '../../errors.js';
import { classifyCcxtError } from './classify.js';
import type { DriverContext, SdkClient } from './contract.js';

export interface CcxtDriverSpec {
  exchange: string;
  options: Record<string, unknown>;
  keepSdkRateLimit: boolean;
}

/** What the driver needs of the ccxt module (injected in tests: a missing ccxt, a fake exchange). */
export type CcxtImporter = () => Promise<Record<string, unknown>>;

const importCcxt: CcxtImporter = async () => {
  // A variable specifier keeps TypeScript from resolving ccxt's huge types, and bundlers from inlining it.
  const name = 'ccxt';
  const mod = (await import(name)) as { default?: Record<string, unknown> } & Record<string, unknown>;
  return mod.default ?? mod;
};

/** ccxt's version, or undefined when it is not installed. */
export async function ccxtVersion(importer: CcxtImporter = importCcxt): Promise<string | undefined> {
  try {
    const v = (await importer()).version;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

/** Every string leaf under `node` with its path, e.g. `['api.public', 'https://api.binance.com/api/v3']`. */
export function urlLeaves(node: unknown, path = ''): Array<[string, string]> {
  if (typeof node === 'string') return [[path, node]];
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node as Record<string, unknown>).flatMap(([k, v]) => urlLeaves(v, path === '' ? k : `${path}.${k}`));
}

/**
 * A copy of `node` with the origin of every URL replaced: `ws(s)://` ones by `wsOrigin`, the rest by `httpOrigin`.
 * Strings that are not URLs are kept.
 */
export function repointUrls(node: unknown, httpOrigin: string, wsOrigin: string): unknown {
  if (typeof node === 'string') return ORIGIN.test(node) ? node.replace(ORIGIN, /^wss?:/i.test(node) ? wsOrigin : httpOrigin) : node;
  if (Array.isArray(node)) return node.map((v) => repointUrls(v, httpOrigin, wsOrigin));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, repointUrls(v, httpOrigin, wsOrigin)]));
}

/** `http://127.0.0.1:4312/x` → `http://127.0.0.1:4312`. */
export function originOf(url: string): string {
  const m = ORIGIN.exec(url);
  if (!m) throw new Error(`not a URL: ${url}`);
  return m[0];
}

/** URLs under `urls.api` / `urls.test` that do not start with one of `origins` (empty when all point at the target). */
export function strayUrls(urls: { api?: unknown; test?: unknown }, origins: readonly string[]): string[] {
  return [...urlLeaves(urls.api, 'api'), ...urlLeaves(urls.test, 'test')].filter(([, u]) => ORIGIN.test(u) && !origins.some((o) => u === o || u.startsWith(`${o}/`))).map(([p, u]) => `${p}: ${u}`);
}

interface CcxtExchange extends SdkClient {
  urls: { api?: unknown; test?: unknown; [k: string]: unknown };
  /** Sent with every request (ccxt's Exchange.fetch extends them). */
  headers: Record<string, string>;
  fetch(url: string, ...rest: unknown[]): Promise<unknown>;
  enableRateLimit?: boolean;
  close?(): Promise<void>;
}

export async function createCcxtDriver(ctx: DriverContext, spec: CcxtDriverSpec, where: string, importer: CcxtImporter = importCcxt): Promise<{ client: SdkClient; version: string; notes: string[] }> {
  let ccxt: Record<string, unknown>;
  try {
    ccxt = await importer();
  } catch (e) {
    throw new InputError('LG_SDK_MISSING', `${where}.sdk: ccxt is not installed, so the ccxt driver cannot run`, {
      hint: 'install it next to loadgate: npm install ccxt (an optional peer dependency), or use driver.module with your own SDK',
      cause: e,
    });
  }
  // ccxt.pro's class (REST plus watch methods, urls.api.ws) when there is one; it opens no socket until a watch.
  const Ctor = (ccxt.pro as Record<string, unknown> | undefined)?.[spec.exchange] ?? ccxt[spec.exchange];
  if (typeof Ctor !== 'function') {
    const known = Array.isArray(ccxt.exchanges) ? (ccxt.exchanges as string[]) : [];
    const near = known.filter((x) => x.startsWith(spec.exchange.slice(0, 3))).slice(0, 8);
    throw new InputError('LG_SDK_EXCHANGE', `${where}.exchange: ccxt has no exchange "${spec.exchange}"`, { hint: near.length ? `did you mean ${near.join(', ')}?` : 'see ccxt.exchanges for the ids' });
  }
  const creds = ctx.credentials;
  const config: Record<string, unknown> = {
    ...spec.options,
    timeout: ctx.timeoutMs,
    enableRateLimit: spec.keepSdkRateLimit,
    ...(creds ? { apiKey: creds.apiKey, secret: creds.apiSecret, ...(creds.passphrase ? { password: creds.passphrase } : {}) } : {}),
  };
  const ex = new (Ctor as new (c: Record<string, unknown>) => CcxtExchange)(config);
  const httpOrigin = originOf(ctx.baseUrl);
  const wsOrigin = originOf(ctx.wsUrl);
  ex.urls = { ...ex.urls, api: repointUrls(ex.urls.api, httpOrigin, wsOrigin), ...(ex.urls.test !== undefined ? { test: repointUrls(ex.urls.test, httpOrigin, wsOrigin) } : {}) };
  const stray = strayUrls(ex.urls, [httpOrigin, wsOrigin]);
  if (stray.length > 0) throw new InputError('LG_SDK_URLS', `${where}: ccxt ${spec.exchange} still has URLs off the target: ${stray.slice(0, 5).join('; ')}`, { hint: 'report this: every URL in exchange.urls.api must point at the target' });
  // Belt and braces: a URL built from anywhere else (a hostname template, an option) never leaves for the exchange.
  const fetch = ex.fetch.bind(ex);
  ex.fetch = (url: string, ...rest: unknown[]) => {
    if (!(url.startsWith(`${httpOrigin}/`) || url === httpOrigin)) return Promise.reject(Object.assign(new Error(`refusing to fetch ${url}: not the target (${httpOrigin})`), { name: 'OffTargetUrl' }));
    return fetch(url, ...rest);
  };
  const client = ex as SdkClient;
  client.classifyError = classifyCcxtError;
  client.phase = (_phase, headers) => void (ex.headers = { ...ex.headers, ...headers });
  const notes = [
    spec.keepSdkRateLimit
      ? `ccxt ${spec.exchange}: its own rate limiter is on (keepSdkRateLimit: true): latencies include the time calls waited in it`
      : `ccxt ${spec.exchange}: its own rate limiter is off (enableRateLimit: false), so the run measures the target, not the limiter; keepSdkRateLimit: true keeps it`,
  ];
  return { client, version: `ccxt ${typeof ccxt.version === 'string' ? ccxt.version : '?'} (${spec.exchange})`, notes };
}
