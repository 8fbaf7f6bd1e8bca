/**
 * `bybit-v5`: Bybit API v5, spot category, and the public spot streams.
 *
 * Docs followed (https://bybit-exchange.github.io/docs/v5/):
 * - REST: GET /v5/market/instruments-info, /market/tickers, /market/orderbook, /market/time; POST /v5/order/create,
 *   /v5/order/cancel (JSON bodies, decimal strings, `category: spot`). Every answer is HTTP 200 with
 *   `{"retCode":0,"retMsg":"OK","result":{…},"time":…}`; a non-zero retCode is the error.
 * - Signing (guide#authentication): X-BAPI-SIGN = hex(HMAC-SHA256(secret, timestamp + apiKey + recvWindow +
 *   (queryString | jsonBody))); X-BAPI-API-KEY, X-BAPI-TIMESTAMP (ms), X-BAPI-RECV-WINDOW (default 5000).
 * - Error codes (error): retCode table; HTTP 403 "access too frequent" is the IP rate limit (rate-limit).
 * - Streams (ws/connect, websocket/public/orderbook): `{"req_id":"1","op":"subscribe","args":["orderbook.50.BTCUSDT"]}`,
 *   `{"success":true,"ret_msg":"subscribe","req_id":"1","op":"subscribe"}` acks, `{"op":"ping"}` every 20 s.
 *   Orderbook: a snapshot, then deltas; `u` is the update id, consecutive; a new snapshot resets the book, and
 *   "occasionally you'll receive u = 1, which is a snapshot due to the restart of the service".
 */
import { concatenatedSymbols, formatDecimal, num, obj, parseJson, sanitizeId } from '../codec.ts';
import { rules } from '../errors.ts';
import type { Channel, Dialect, MarketInfo, OperationInput, SigningScheme, StreamDialect, StreamEvent, UnsignedRequest } from '../types.ts';

const symbols = concatenatedSymbols();

const need = <T>(v: T | undefined, what: string): T => {
  if (v === undefined) throw new Error(`bybit-v5 dialect: ${what} is required`);
  return v;
};
const sym = (input: OperationInput): string => symbols.toExchange(need(input.symbol, 'symbol'));

export const BYBIT_HEADERS = {
  apiKey: 'X-BAPI-API-KEY',
  sign: 'X-BAPI-SIGN',
  timestamp: 'X-BAPI-TIMESTAMP',
  recvWindow: 'X-BAPI-RECV-WINDOW',
} as const;

const pathWithQuery = (req: UnsignedRequest): string => (req.query === '' ? req.path : `${req.path}?${req.query}`);

const signing: SigningScheme = {
  describe: 'hex(HMAC-SHA256(secret, timestamp + apiKey + recvWindow + (queryString | body))) in X-BAPI-SIGN, with X-BAPI-API-KEY / X-BAPI-TIMESTAMP / X-BAPI-RECV-WINDOW',
  algorithm: 'sha256',
  encoding: 'hex',
  placement: 'headers',
  needsPassphrase: false,
  defaultRecvWindowMs: 5000,
  payload(req, ctx) {
    return `${ctx.timestamp}${ctx.apiKey}${ctx.recvWindowMs}${req.method === 'GET' ? req.query : req.body}`;
  },
  sign(req, ctx) {
    const timestamp = String(ctx.timestampMs);
    const recvWindowMs = ctx.recvWindowMs ?? signing.defaultRecvWindowMs;
    const headers: Record<string, string> = {};
    if (req.contentType !== undefined) headers['content-type'] = req.contentType;
    headers[BYBIT_HEADERS.apiKey] = ctx.credentials.apiKey;
    headers[BYBIT_HEADERS.timestamp] = timestamp;
    headers[BYBIT_HEADERS.recvWindow] = String(recvWindowMs);
    headers[BYBIT_HEADERS.sign] = ctx.hmac('sha256', ctx.credentials.apiSecret, signing.payload(req, { apiKey: ctx.credentials.apiKey, timestamp, recvWindowMs }), 'hex');
    return { method: req.method, path: pathWithQuery(req), headers, body: req.body === '' ? undefined : req.body };
  },
  received(req) {
    const h = req.headers;
    const ts = h[BYBIT_HEADERS.timestamp.toLowerCase()];
    const rw = h[BYBIT_HEADERS.recvWindow.toLowerCase()];
    const key = h[BYBIT_HEADERS.apiKey.toLowerCase()];
    const q = req.url.indexOf('?');
    const query = q === -1 ? '' : req.url.slice(q + 1);
    return {
      apiKey: key,
      timestampMs: ts === undefined || ts === '' ? Number.NaN : Number(ts),
      signature: h[BYBIT_HEADERS.sign.toLowerCase()],
      recvWindowMs: rw === undefined ? undefined : Number(rw),
      // recv_window is signed only when sent ("timestamp + API key + [recv_window] + …").
      payload: `${ts ?? ''}${key ?? ''}${rw ?? ''}${req.method.toUpperCase() === 'GET' ? query : req.body}`,
    };
  },
};

// ---- streams -------------------------------------------------------------------------------------------------

const CHANNEL_NAMES: Record<Channel, string> = { orderbook: 'orderbook.50', ticker: 'tickers', trades: 'publicTrade' };
const topic = (channel: Channel, symbol: string): string => `${CHANNEL_NAMES[channel]}.${symbols.toExchange(symbol)}`;

function decode(raw: string): StreamEvent {
  const m = obj(parseJson(raw));
  if (m === undefined) return { kind: 'other' };
  const id = typeof m.req_id === 'string' ? m.req_id : undefined;
  if (typeof m.op === 'string') {
    // Spot answers a ping with {"op":"ping","ret_msg":"pong"}, linear with {"op":"pong"}.
    if (m.op === 'pong' || m.ret_msg === 'pong') return { kind: 'pong', id };
    if (m.success === false) return { kind: 'error', id, code: 'subscribeFailed', message: String(m.ret_msg ?? '') };
    if (m.op === 'subscribe' || m.op === 'unsubscribe') return { kind: 'ack', id, op: m.op };
    return { kind: 'other' };
  }
  if (typeof m.topic !== 'string') return { kind: 'other' };
  const dot = m.topic.lastIndexOf('.');
  const name = m.topic.slice(0, dot);
  const symbolId = m.topic.slice(dot + 1);
  const serverTs = num(m.ts);
  if (name.startsWith('orderbook.')) {
    const u = num(obj(m.data)?.u);
    return { kind: 'data', channel: 'orderbook', symbolId, serverTs, seq: u === undefined ? undefined : { kind: 'range', first: u, last: u, snapshot: m.type === 'snapshot' } };
  }
  if (name === 'tickers') return { kind: 'data', channel: 'ticker', symbolId, serverTs, seq: undefined };
  if (name === 'publicTrade') return { kind: 'data', channel: 'trades', symbolId, serverTs, seq: undefined };
  return { kind: 'other' };
}

const stream: StreamDialect = {
  url: (wsUrl) => wsUrl,
  subscribe: (subs, id) => [JSON.stringify({ req_id: String(id), op: 'subscribe', args: subs.map((s) => topic(s.channel, s.symbol)) })],
  unsubscribe: (subs, id) => [JSON.stringify({ req_id: String(id), op: 'unsubscribe', args: subs.map((s) => topic(s.channel, s.symbol)) })],
  ping: (id) => JSON.stringify({ req_id: String(id), op: 'ping' }),
  decode,
  timestamp: { field: 'ts', unit: 'ms' },
  sequence: { orderbook: { type: 'updateId' }, ticker: { type: 'none' }, trades: { type: 'none' } },
  channelNames: CHANNEL_NAMES,
  pingIntervalMs: 20_000,
};

// ---- readers -------------------------------------------------------------------------------------------------

const listOf = (body: string): Array<Record<string, unknown>> => {
  const list = obj(obj(parseJson(body))?.result)?.list;
  return Array.isArray(list) ? (list.map(obj).filter((x) => x !== undefined) as Array<Record<string, unknown>>) : [];
};

function markets(body: string): MarketInfo[] {
  const out: MarketInfo[] = [];
  for (const m of listOf(body)) {
    if (typeof m.symbol !== 'string' || typeof m.baseCoin !== 'string' || typeof m.quoteCoin !== 'string') continue;
    if (m.status !== undefined && m.status !== 'Trading') continue;
    const lot = obj(m.lotSizeFilter);
    const tickSize = num(obj(m.priceFilter)?.tickSize);
    // Spot states the step as basePrecision; derivatives as qtyStep.
    const stepSize = num(lot?.basePrecision) ?? num(lot?.qtyStep);
    if (!tickSize || !stepSize) continue;
    const info: MarketInfo = { symbol: `${m.baseCoin}/${m.quoteCoin}`, id: m.symbol, base: m.baseCoin, quote: m.quoteCoin, tickSize, stepSize, minQty: num(lot?.minOrderQty) ?? stepSize };
    const minNotional = num(lot?.minOrderAmt);
    if (minNotional !== undefined) info.minNotional = minNotional;
    out.push(info);
  }
  return out;
}

export const bybitV5: Dialect = {
  name: 'bybit-v5',
  title: 'Bybit API v5 (spot, X-BAPI-* hex HMAC-SHA256 headers, orderbook stream with u / snapshot)',
  docs: ['https://bybit-exchange.github.io/docs/v5/intro'],
  rest: {
    fetchMarkets: {
      method: 'GET',
      path: '/v5/market/instruments-info',
      encoding: 'query',
      signed: false,
      rateLimit: 'IP limit only (600 requests / 5 s)',
      request: () => ({ path: '/v5/market/instruments-info', params: [['category', 'spot']] }),
    },
    fetchTicker: {
      method: 'GET',
      path: '/v5/market/tickers',
      encoding: 'query',
      signed: false,
      rateLimit: 'IP limit only (600 requests / 5 s)',
      request: (i) => ({ path: '/v5/market/tickers', params: [['category', 'spot'], ['symbol', sym(i)]] }),
    },
    fetchOrderBook: {
      method: 'GET',
      path: '/v5/market/orderbook',
      encoding: 'query',
      signed: false,
      rateLimit: 'IP limit only (600 requests / 5 s)',
      request: (i) => ({ path: '/v5/market/orderbook', params: [['category', 'spot'], ['symbol', sym(i)], ['limit', Math.min(200, Math.max(1, i.depth ?? 20))]] }),
    },
    createOrder: {
      method: 'POST',
      path: '/v5/order/create',
      encoding: 'json',
      signed: true,
      rateLimit: 'spot 20 / s per UID',
      request: (i) => {
        const o = need(i.order, 'order');
        const params: Array<[string, string]> = [['category', 'spot'], ['symbol', symbols.toExchange(o.symbol)], ['side', o.side === 'buy' ? 'Buy' : 'Sell'], ['orderType', o.type === 'limit' ? 'Limit' : 'Market'], ['qty', formatDecimal(o.qty)]];
        if (o.type === 'limit') params.push(['price', formatDecimal(need(o.price, 'order.price'))], ['timeInForce', 'GTC']);
        // A spot market buy's qty is in quote coin by default; ours is always a base quantity.
        else params.push(['marketUnit', 'baseCoin']);
        params.push(['orderLinkId', bybitClientOrderId(o.clientOrderId)]);
        return { path: '/v5/order/create', params };
      },
    },
    cancelOrder: {
      method: 'POST',
      path: '/v5/order/cancel',
      encoding: 'json',
      signed: true,
      rateLimit: 'spot 20 / s per UID',
      request: (i) => ({ path: '/v5/order/cancel', params: [['category', 'spot'], ['symbol', sym(i)], ['orderId', need(i.orderId, 'orderId')]] }),
    },
    fetchTime: { method: 'GET', path: '/v5/market/time', encoding: 'query', signed: false, rateLimit: 'IP limit only', request: () => ({ path: '/v5/market/time', params: [] }) },
    health: { method: 'GET', path: '/v5/market/time', encoding: 'query', signed: false, rateLimit: 'IP limit only', request: () => ({ path: '/v5/market/time', params: [] }) },
  },
  symbols,
  clientOrderId: (id) => bybitClientOrderId(id),
  signing,
  readers: {
    markets,
    lastPrice(body) {
      const v = num(listOf(body)[0]?.lastPrice);
      return v !== undefined && v > 0 ? v : undefined;
    },
    orderId(body) {
      const id = obj(obj(parseJson(body))?.result)?.orderId;
      return typeof id === 'string' && id !== '' ? id : undefined;
    },
    serverTimeMs(body) {
      const o = obj(parseJson(body));
      const nano = obj(o?.result)?.timeNano;
      // timeNano is a 19-digit string: more than a double holds exactly, so take its ms part.
      if (typeof nano === 'string' && /^\d{13,}$/.test(nano)) return Number(nano.slice(0, nano.length - 6));
      return num(o?.time);
    },
  },
  errors: {
    doc: 'https://bybit-exchange.github.io/docs/v5/error',
    readCode(body) {
      if (body === undefined) return undefined;
      const code = /"retCode"\s*:\s*(\d+)/.exec(body)?.[1];
      return code === undefined || code === '0' ? undefined : code;
    },
    codes: {
      ...rules([10006, 10018], 'rateLimit'), // too many visits (per UID); exceeded the IP rate limit
      // request expired (timestamp / recv_window), invalid key, invalid sign, permission denied, key missing, IP mismatch
      ...rules([10002, 10003, 10004, 10005, 10007, 10010], 'auth'),
      ...rules([10016], 'server'), // system error / service restarting
      ...rules([170131, 110004, 110007, 110012], 'trading', 'insufficientMargin'), // spot: balance insufficient; derivatives: wallet / available balance
      // order does not exist (spot, derivatives); already finished or canceled: for a cancel that is the same answer
      ...rules([170213, 110001, 110008, 170142], 'trading', 'orderNotFound'),
      // invalid symbol, qty below min, qty decimals, amount below min, amount too large, duplicate orderLinkId,
      // buy price too high / sell price too low, new order rejected
      ...rules([170121, 170136, 170137, 170140, 170124, 170141, 170193, 170194, 170210], 'trading', 'invalidOrder'),
    },
    // "403, access too frequent": the IP limit (600 requests per 5 s); the ban lifts after 10 minutes.
    statuses: { 403: 'rateLimit' },
    unknownCode: 'client',
  },
  stream,
  server: {
    // https://bybit-exchange.github.io/docs/v5/error: HTTP 200 with a non-zero retCode.
    errorReply(kind) {
      const e = (retCode: number, retMsg: string) => ({ status: 200, body: JSON.stringify({ retCode, retMsg, result: {}, retExtInfo: {}, time: 0 }) });
      switch (kind) {
        case 'rateLimit': return e(10006, 'Too many visits!');
        case 'invalidApiKey': return e(10003, 'API key is invalid.');
        case 'invalidPassphrase': return e(10003, 'API key is invalid.');
        case 'invalidSignature': return e(10004, 'error sign! origin_string[...]');
        case 'timestampOutsideRecvWindow': return e(10002, 'invalid request, please check your server timestamp or recv_window param');
        case 'insufficientMargin': return e(170131, 'Insufficient balance.');
        case 'orderNotFound': return e(170213, 'Order does not exist.');
        case 'invalidOrder': return e(170136, 'Order quantity exceeded lower limit.');
        case 'invalidSymbol': return e(170121, 'Invalid symbol.');
        case 'server': return e(10016, 'Internal server error.');
      }
    },
  },
  limits: {
    doc: 'https://bybit-exchange.github.io/docs/v5/rate-limit',
    rest: [
      '600 requests per 5 s per IP across all endpoints (HTTP 403 "access too frequent", then a 10-minute ban)',
      'per UID per second per endpoint: spot create order 20 / s, cancel 20 / s (retCode 10006 when exceeded; X-Bapi-Limit-* headers)',
    ],
    streams: ['500 connections per 5 minutes per IP', '1000 market-data connections per IP per market', 'send a ping every 20 s'],
  },
};

/** `orderLinkId`: up to 36 characters, letters, digits, `-` and `_`. */
function bybitClientOrderId(id: string): string {
  return sanitizeId(id, '-_', 36);
}
