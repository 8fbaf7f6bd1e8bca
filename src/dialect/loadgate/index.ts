/**
 * `loadgate`: the built-in mock's own protocol, described exactly as it is spoken today (the default dialect).
 * Sources: src/engines/exchange-requests.ts (requests, classification), ./auth.ts (signing),
 * mocks/dialects/loadgate.ts (bodies, error replies), mocks/streams.ts (stream protocol), src/engines/ws/frame.ts (fast path).
 *
 * REST: JSON everywhere; errors are `{"error":{"code":"<name>","message":"…"}}` with a meaningful HTTP status.
 * Signing: hex(HMAC-SHA256(secret, timestampMs + METHOD + pathWithQuery + body)) in `x-lg-apikey`,
 * `x-lg-timestamp`, `x-lg-signature` (+ optional `x-lg-recv-window`, default 5000 ms).
 * Streams: `{op:subscribe|unsubscribe|ping}` frames, per-subscription `seq` from 1, server `ts` in epoch µs; the
 * unsubscribe ack carries `lastSeq` so trailing gaps count.
 */
import { parseDataFrame } from '../../engines/ws/frame.ts';
import { num, obj, parseJson, sanitizeId, separatedSymbols } from '../codec.ts';
import { rules } from '../errors.ts';
import { AUTH_HEADERS, DEFAULT_RECV_WINDOW_MS, signaturePayload } from './auth.ts';
import type { Channel, Dialect, MarketInfo, OperationInput, SigningScheme, StreamDialect, StreamEvent, UnsignedRequest, WireRequest } from '../types.ts';

const API = '/api/v1';
const ORDERS = `${API}/orders`;

export const LOADGATE_HEADERS = AUTH_HEADERS;

const symbols = separatedSymbols('-');

const need = <T>(v: T | undefined, what: string): T => {
  if (v === undefined) throw new Error(`loadgate dialect: ${what} is required`);
  return v;
};
const sym = (input: OperationInput): string => symbols.toExchange(need(input.symbol, 'symbol'));

const pathWithQuery = (req: UnsignedRequest): string => (req.query === '' ? req.path : `${req.path}?${req.query}`);

const signing: SigningScheme = {
  describe: 'hex(HMAC-SHA256(secret, timestampMs + METHOD + pathWithQuery + body)) in x-lg-apikey / x-lg-timestamp / x-lg-signature headers',
  algorithm: 'sha256',
  encoding: 'hex',
  placement: 'headers',
  needsPassphrase: false,
  defaultRecvWindowMs: DEFAULT_RECV_WINDOW_MS,
  payload(req, ctx) {
    return signaturePayload(ctx.timestamp, req.method, pathWithQuery(req), req.body);
  },
  sign(req, ctx): WireRequest {
    const timestamp = String(ctx.timestampMs);
    const headers: Record<string, string> = {};
    if (req.contentType !== undefined) headers['content-type'] = req.contentType;
    headers[LOADGATE_HEADERS.apiKey] = ctx.credentials.apiKey;
    headers[LOADGATE_HEADERS.timestamp] = timestamp;
    headers[LOADGATE_HEADERS.signature] = ctx.hmac('sha256', ctx.credentials.apiSecret, signing.payload(req, { apiKey: ctx.credentials.apiKey, timestamp, recvWindowMs: 0 }), 'hex');
    if (ctx.recvWindowMs !== undefined) headers[LOADGATE_HEADERS.recvWindow] = String(ctx.recvWindowMs);
    return { method: req.method, path: pathWithQuery(req), headers, body: req.body === '' ? undefined : req.body };
  },
  received(req) {
    const h = req.headers;
    const ts = h[LOADGATE_HEADERS.timestamp];
    const rw = h[LOADGATE_HEADERS.recvWindow];
    return {
      apiKey: h[LOADGATE_HEADERS.apiKey],
      timestampMs: ts === undefined || ts === '' ? Number.NaN : Number(ts),
      signature: h[LOADGATE_HEADERS.signature],
      recvWindowMs: rw === undefined ? undefined : Number(rw),
      // The mock signs the raw URL exactly as received.
      payload: signaturePayload(ts ?? '', req.method, req.url, req.body),
    };
  },
};

// ---- streams -------------------------------------------------------------------------------------------------

const CHANNEL_SET: ReadonlySet<string> = new Set<Channel>(['orderbook', 'ticker', 'trades']);

const idOf = (v: unknown): string | undefined => (typeof v === 'number' || typeof v === 'string' ? String(v) : undefined);

function decode(raw: string): StreamEvent {
  const fast = parseDataFrame(raw);
  if (fast !== undefined && CHANNEL_SET.has(fast.channel)) {
    return { kind: 'data', channel: fast.channel as Channel, symbolId: fast.symbol, serverTs: fast.ts, seq: { kind: 'range', first: fast.seq, last: fast.seq } };
  }
  const m = obj(parseJson(raw));
  if (m === undefined) return { kind: 'other' };
  switch (m.op) {
    case 'ack': {
      const lastSeq = num(m.lastSeq);
      // The unsubscribe ack is the one that carries lastSeq.
      return lastSeq === undefined ? { kind: 'ack', id: idOf(m.id), op: 'subscribe' } : { kind: 'ack', id: idOf(m.id), op: 'unsubscribe', lastSeq };
    }
    case 'error':
      return { kind: 'error', id: idOf(m.id), code: String(m.code ?? 'error'), message: String(m.message ?? '') };
    case 'pong': {
      const serverTs = num(m.serverTs);
      return serverTs === undefined ? { kind: 'pong', id: idOf(m.id) } : { kind: 'pong', id: idOf(m.id), serverTsMs: serverTs / 1000 };
    }
    case undefined:
      break;
    default:
      return { kind: 'other' };
  }
  const seq = num(m.seq);
  if (typeof m.channel === 'string' && CHANNEL_SET.has(m.channel) && seq !== undefined) {
    return { kind: 'data', channel: m.channel as Channel, symbolId: typeof m.symbol === 'string' ? m.symbol : '', serverTs: num(m.ts), seq: { kind: 'range', first: seq, last: seq } };
  }
  return { kind: 'other' };
}

const perSub = { type: 'perSubscription', startsAt: 1 } as const;

const stream: StreamDialect = {
  url: (wsUrl) => wsUrl,
  subscribe: (subs, id) => subs.map((s, i) => JSON.stringify({ op: 'subscribe', channel: s.channel, symbol: symbols.toExchange(s.symbol), id: id + i })),
  unsubscribe: (subs, id) => subs.map((s, i) => JSON.stringify({ op: 'unsubscribe', channel: s.channel, symbol: symbols.toExchange(s.symbol), id: id + i })),
  ping: (id, clientTsMs) => JSON.stringify({ op: 'ping', id, clientTs: clientTsMs }),
  decode,
  timestamp: { field: 'ts', unit: 'us' },
  sequence: { orderbook: perSub, ticker: perSub, trades: perSub },
  channelNames: { orderbook: 'orderbook', ticker: 'ticker', trades: 'trades' },
};

// ---- readers -------------------------------------------------------------------------------------------------

function markets(body: string): MarketInfo[] {
  const data = parseJson(body);
  const list = Array.isArray(data) ? data : (obj(data)?.markets as unknown[] | undefined) ?? [];
  const out: MarketInfo[] = [];
  for (const item of list) {
    const m = obj(item);
    const id = m?.symbol;
    const tickSize = num(m?.tickSize);
    const stepSize = num(m?.stepSize);
    if (typeof id !== 'string' || !tickSize || !stepSize) continue;
    const unified = symbols.fromExchange(id);
    if (unified === undefined) continue;
    const [base = '', quote = ''] = unified.split('/');
    const info: MarketInfo = { symbol: unified, id, base, quote, tickSize, stepSize, minQty: num(m?.minQty) ?? stepSize };
    const minNotional = num(m?.minNotional);
    if (minNotional !== undefined) info.minNotional = minNotional;
    out.push(info);
  }
  return out;
}


export const loadgate: Dialect = {
  name: 'loadgate',
  title: "loadgate's built-in mock exchange (the default)",
  docs: ['mocks/dialects/loadgate.ts', 'mocks/streams.ts', 'src/dialect/loadgate/auth.ts'],
  rest: {
    fetchMarkets: { method: 'GET', path: `${API}/markets`, encoding: 'query', signed: false, request: () => ({ path: `${API}/markets`, params: [] }) },
    fetchTicker: { method: 'GET', path: `${API}/ticker`, encoding: 'query', signed: false, request: (i) => ({ path: `${API}/ticker`, params: [['symbol', sym(i)]] }) },
    fetchOrderBook: {
      method: 'GET',
      path: `${API}/orderbook`,
      encoding: 'query',
      signed: false,
      request: (i) => ({ path: `${API}/orderbook`, params: [['symbol', sym(i)], ['depth', Math.min(500, Math.max(1, i.depth ?? 20))]] }),
    },
    createOrder: {
      method: 'POST',
      path: ORDERS,
      encoding: 'json',
      signed: true,
      request: (i) => {
        const o = need(i.order, 'order');
        // Field order as the engines send it today: symbol, side, type, qty, clientOrderId, then price.
        const params: Array<[string, string | number]> = [['symbol', symbols.toExchange(o.symbol)], ['side', o.side], ['type', o.type], ['qty', o.qty], ['clientOrderId', o.clientOrderId]];
        if (o.type === 'limit') params.push(['price', need(o.price, 'order.price')]);
        return { path: ORDERS, params };
      },
    },
    cancelOrder: {
      method: 'DELETE',
      path: `${ORDERS}/{orderId}`,
      encoding: 'query',
      signed: true,
      request: (i) => ({ path: `${ORDERS}/${encodeURIComponent(need(i.orderId, 'orderId'))}`, params: [] }),
    },
    fetchTime: { method: 'GET', path: `${API}/time`, encoding: 'query', signed: false, request: () => ({ path: `${API}/time`, params: [] }) },
    health: { method: 'GET', path: '/health', encoding: 'query', signed: false, request: () => ({ path: '/health', params: [] }) },
  },
  symbols,
  clientOrderId: (id) => sanitizeId(id, '-_.:', 64),
  signing,
  readers: {
    markets,
    lastPrice(body) {
      const m = /"last"\s*:\s*"?([0-9.eE+-]+)"?/.exec(body);
      const v = m ? Number(m[1]) : Number.NaN;
      return Number.isFinite(v) && v > 0 ? v : undefined;
    },
    orderId(body) {
      return /"orderId"\s*:\s*"([^"]+)"/.exec(body)?.[1];
    },
    serverTimeMs(body) {
      return num(obj(parseJson(body))?.serverTimeMs);
    },
  },
  errors: {
    doc: 'mocks/dialects/loadgate.ts',
    // Only error statuses carry a code: a 2xx/3xx is a success whatever its body holds.
    readCode: (body, status) => (status < 400 || body === undefined ? undefined : /"code"\s*:\s*"([^"]+)"/.exec(body)?.[1]),
    codes: {
      ...rules(['rateLimitExceeded'], 'rateLimit'),
      ...rules(['insufficientMargin', 'insufficientBalance'], 'trading', 'insufficientMargin'),
      ...rules(['invalidOrder', 'invalidSymbol', 'invalidParameter'], 'trading', 'invalidOrder'),
      ...rules(['orderNotFound'], 'trading', 'orderNotFound'),
    },
    unknownCode: 'client',
  },
  stream,
  server: {
    // mocks/dialects/loadgate.ts's own replies.
    errorReply(kind) {
      const e = (status: number, code: string, message: string) => ({ status, body: JSON.stringify({ error: { code, message } }) });
      switch (kind) {
        case 'rateLimit': return e(429, 'rateLimitExceeded', 'rate limit exceeded; retry in 1s');
        case 'invalidApiKey': return e(401, 'invalidApiKey', 'unknown API key');
        case 'invalidPassphrase': return e(401, 'invalidApiKey', 'this dialect has no passphrase');
        case 'invalidSignature': return e(401, 'invalidSignature', 'signature does not match the request');
        case 'timestampOutsideRecvWindow': return e(401, 'timestampOutsideRecvWindow', 'timestamp is outside the recv window');
        case 'insufficientMargin': return e(400, 'insufficientMargin', 'order needs more quote balance than is available');
        case 'orderNotFound': return e(404, 'orderNotFound', 'no open order');
        case 'invalidOrder': return e(400, 'invalidOrder', 'qty is below minQty');
        case 'invalidSymbol': return e(400, 'invalidSymbol', 'unknown symbol');
        case 'server': return e(500, 'internalError', 'internal error');
      }
    },
  },
  limits: {
    doc: 'mocks/options.ts (rateLimit: token bucket per IP for public and per API key for private routes)',
    rest: ['token bucket, default capacity 100 000 and refill 100 000 per second (effectively unlimited); 429 rateLimitExceeded with Retry-After when empty'],
    streams: ['no connection or subscription limit; server ping frames every 20 s (heartbeatIntervalMs)'],
  },
};
