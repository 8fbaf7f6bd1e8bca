/**
 * `binance-spot`: Binance spot REST /api/v3 and market streams.
 *
 * Docs followed:
 * - REST endpoints: https://developers.binance.com/docs/binance-spot-api-docs/rest-api
 * - Signing: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/request-security (SIGNED: hex
 *   HMAC-SHA256 of totalParams = query string + request body, `timestamp` and optional `recvWindow` among them,
 *   `signature` added as one more parameter; key in `X-MBX-APIKEY`)
 * - Error codes: https://developers.binance.com/docs/binance-spot-api-docs/errors (body `{"code":-1121,"msg":"…"}`)
 *   and HTTP return codes (429 rate limit, 418 IP banned, 403 WAF limit, 5xx server)
 * - Streams: https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams (SUBSCRIBE method,
 *   `{"result":null,"id":1}` acks, `{"code":2,"msg":"…","id":1}` errors, `timeUnit=MICROSECOND`, diff depth `U`/`u`)
 * - Limits: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits
 */
import { concatenatedSymbols, encodeParams, formatDecimal, num, obj, paramOf, parseJson, sanitizeId, splitUrl } from '../codec.ts';
import { rules } from '../errors.ts';
import type { Channel, Dialect, MarketInfo, OperationInput, SigningScheme, StreamDialect, StreamEvent, UnsignedRequest } from '../types.ts';

const symbols = concatenatedSymbols();

const need = <T>(v: T | undefined, what: string): T => {
  if (v === undefined) throw new Error(`binance-spot dialect: ${what} is required`);
  return v;
};
const sym = (input: OperationInput): string => symbols.toExchange(need(input.symbol, 'symbol'));

/** Depth limits the endpoint accepts (1…5000); its weight grows with the limit (5 / 25 / 50 / 250). */
const depthLimit = (depth: number | undefined): number => Math.min(5000, Math.max(1, depth ?? 100));

export const BINANCE_API_KEY_HEADER = 'X-MBX-APIKEY';

const signing: SigningScheme = {
  describe: 'hex(HMAC-SHA256(secret, query + body)) with timestamp and recvWindow among the parameters, sent as `signature` in the query (GET/DELETE) or the form body (POST); key in X-MBX-APIKEY',
  algorithm: 'sha256',
  encoding: 'hex',
  placement: 'query-or-body',
  needsPassphrase: false,
  defaultRecvWindowMs: 5000,
  payload(req, _ctx) {
    // totalParams: the query string concatenated with the body, as sent (timestamp and recvWindow already in).
    return `${req.query}${req.body}`;
  },
  sign(req, ctx) {
    const recvWindowMs = ctx.recvWindowMs ?? signing.defaultRecvWindowMs;
    // recvWindow then timestamp, the order of the documented example.
    const extra = encodeParams([['recvWindow', recvWindowMs], ['timestamp', ctx.timestampMs]]);
    const inBody = req.body !== '';
    // Object.assign, not spread: the k6 bundles (ES2017) then need no spread-with-override helper here.
    const withTime: UnsignedRequest = inBody
      ? Object.assign({}, req, { body: `${req.body}&${extra}` })
      : Object.assign({}, req, { query: req.query === '' ? extra : `${req.query}&${extra}` });
    const signature = ctx.hmac('sha256', ctx.credentials.apiSecret, signing.payload(withTime, { apiKey: ctx.credentials.apiKey, timestamp: String(ctx.timestampMs), recvWindowMs }), 'hex');
    const headers: Record<string, string> = { [BINANCE_API_KEY_HEADER]: ctx.credentials.apiKey };
    if (req.contentType !== undefined) headers['content-type'] = req.contentType;
    if (inBody) return { method: req.method, path: withTime.query === '' ? req.path : `${req.path}?${withTime.query}`, headers, body: `${withTime.body}&signature=${signature}` };
    return { method: req.method, path: `${req.path}?${withTime.query}&signature=${signature}`, headers, body: undefined };
  },
  received(req) {
    const { query } = splitUrl(req.url);
    const strip = (s: string): string => s.replace(/(^|&)signature=[^&]*/, '').replace(/^&/, '');
    const signature = paramOf(query, 'signature') ?? paramOf(req.body, 'signature');
    const all = `${query}&${req.body}`;
    const ts = paramOf(all, 'timestamp');
    const rw = paramOf(all, 'recvWindow');
    return {
      apiKey: req.headers[BINANCE_API_KEY_HEADER.toLowerCase()],
      timestampMs: ts === undefined || ts === '' ? Number.NaN : Number(ts),
      signature: signature?.toLowerCase(),
      recvWindowMs: rw === undefined ? undefined : Number(rw),
      payload: `${strip(query)}${strip(req.body)}`,
    };
  },
};

// ---- streams -------------------------------------------------------------------------------------------------

const CHANNEL_NAMES: Record<Channel, string> = { orderbook: 'depth@100ms', ticker: 'ticker', trades: 'trade' };
const streamName = (channel: Channel, symbol: string): string => `${symbols.toExchange(symbol).toLowerCase()}@${CHANNEL_NAMES[channel]}`;
const EVENT_CHANNEL: Record<string, Channel> = { depthUpdate: 'orderbook', '24hrTicker': 'ticker', trade: 'trades' };

function decode(raw: string): StreamEvent {
  let m = obj(parseJson(raw));
  if (m === undefined) return { kind: 'other' };
  const id = typeof m.id === 'number' || typeof m.id === 'string' ? String(m.id) : undefined;
  if ('result' in m && id !== undefined) return { kind: 'ack', id, op: 'unknown' };
  if (typeof m.code === 'number' && typeof m.msg === 'string') return { kind: 'error', id, code: String(m.code), message: m.msg };
  // A combined stream (/stream?streams=…) wraps each event: {"stream":"btcusdt@trade","data":{…}}.
  if (typeof m.stream === 'string' && obj(m.data) !== undefined) m = obj(m.data)!;
  const channel = typeof m.e === 'string' ? EVENT_CHANNEL[m.e] : undefined;
  if (channel === undefined) return { kind: 'other' };
  const symbolId = typeof m.s === 'string' ? m.s : '';
  const serverTs = num(m.E);
  if (channel === 'orderbook') {
    const first = num(m.U);
    const last = num(m.u);
    return { kind: 'data', channel, symbolId, serverTs, seq: first === undefined || last === undefined ? undefined : { kind: 'range', first, last } };
  }
  return { kind: 'data', channel, symbolId, serverTs, seq: undefined };
}

const stream: StreamDialect = {
  // Raw endpoint (/ws) with live SUBSCRIBE; event times in µs instead of the default ms.
  url: (wsUrl) => `${wsUrl}${wsUrl.includes('?') ? '&' : '?'}timeUnit=MICROSECOND`,
  subscribe: (subs, id) => [JSON.stringify({ method: 'SUBSCRIBE', params: subs.map((s) => streamName(s.channel, s.symbol)), id })],
  unsubscribe: (subs, id) => [JSON.stringify({ method: 'UNSUBSCRIBE', params: subs.map((s) => streamName(s.channel, s.symbol)), id })],
  // The server sends WebSocket ping frames every 20 s and expects pongs; there is no application-level ping.
  ping: () => undefined,
  decode,
  timestamp: { field: 'E', unit: 'us' },
  sequence: {
    // Diff depth: "each new event's U should be equal to the previous event's u+1".
    orderbook: { type: 'updateIdRange' },
    // The 24hr ticker and the trade stream carry no message sequence (trade ids are not documented as gap-free).
    ticker: { type: 'none' },
    trades: { type: 'none' },
  },
  channelNames: CHANNEL_NAMES,
};

// ---- readers -------------------------------------------------------------------------------------------------

function markets(body: string): MarketInfo[] {
  const list = obj(parseJson(body))?.symbols;
  if (!Array.isArray(list)) return [];
  const out: MarketInfo[] = [];
  for (const item of list) {
    const m = obj(item);
    if (m === undefined || typeof m.symbol !== 'string' || typeof m.baseAsset !== 'string' || typeof m.quoteAsset !== 'string') continue;
    if (m.status !== undefined && m.status !== 'TRADING') continue;
    const filters = Array.isArray(m.filters) ? m.filters.map(obj) : [];
    const f = (type: string) => filters.find((x) => x?.filterType === type);
    const tickSize = num(f('PRICE_FILTER')?.tickSize);
    const lot = f('LOT_SIZE');
    const stepSize = num(lot?.stepSize);
    if (!tickSize || !stepSize) continue;
    const info: MarketInfo = { symbol: `${m.baseAsset}/${m.quoteAsset}`, id: m.symbol, base: m.baseAsset, quote: m.quoteAsset, tickSize, stepSize, minQty: num(lot?.minQty) ?? stepSize };
    const minNotional = num(f('NOTIONAL')?.minNotional) ?? num(f('MIN_NOTIONAL')?.minNotional);
    if (minNotional !== undefined) info.minNotional = minNotional;
    out.push(info);
  }
  return out;
}

export const binanceSpot: Dialect = {
  name: 'binance-spot',
  title: 'Binance spot (REST /api/v3, HMAC-SHA256 query signing, market streams)',
  docs: ['https://developers.binance.com/docs/binance-spot-api-docs/rest-api', 'https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams'],
  rest: {
    fetchMarkets: { method: 'GET', path: '/api/v3/exchangeInfo', encoding: 'query', signed: false, rateLimit: 'weight 20', request: () => ({ path: '/api/v3/exchangeInfo', params: [] }) },
    fetchTicker: { method: 'GET', path: '/api/v3/ticker/24hr', encoding: 'query', signed: false, rateLimit: 'weight 2 (one symbol)', request: (i) => ({ path: '/api/v3/ticker/24hr', params: [['symbol', sym(i)]] }) },
    fetchOrderBook: {
      method: 'GET',
      path: '/api/v3/depth',
      encoding: 'query',
      signed: false,
      rateLimit: 'weight 5 (limit 1–100), 25 (101–500), 50 (501–1000), 250 (1001–5000)',
      request: (i) => ({ path: '/api/v3/depth', params: [['symbol', sym(i)], ['limit', depthLimit(i.depth)]] }),
    },
    createOrder: {
      method: 'POST',
      path: '/api/v3/order',
      encoding: 'form',
      signed: true,
      rateLimit: 'weight 1; counts against the ORDERS limits',
      request: (i) => {
        const o = need(i.order, 'order');
        const params: Array<[string, string]> = [['symbol', symbols.toExchange(o.symbol)], ['side', o.side.toUpperCase()], ['type', o.type.toUpperCase()]];
        if (o.type === 'limit') params.push(['timeInForce', 'GTC']);
        params.push(['quantity', formatDecimal(o.qty)]);
        if (o.type === 'limit') params.push(['price', formatDecimal(need(o.price, 'order.price'))]);
        params.push(['newClientOrderId', binanceClientOrderId(o.clientOrderId)]);
        return { path: '/api/v3/order', params };
      },
    },
    cancelOrder: {
      method: 'DELETE',
      path: '/api/v3/order',
      encoding: 'query',
      signed: true,
      rateLimit: 'weight 1',
      request: (i) => ({ path: '/api/v3/order', params: [['symbol', sym(i)], ['orderId', need(i.orderId, 'orderId')]] }),
    },
    fetchTime: { method: 'GET', path: '/api/v3/time', encoding: 'query', signed: false, rateLimit: 'weight 1', request: () => ({ path: '/api/v3/time', params: [] }) },
    health: { method: 'GET', path: '/api/v3/ping', encoding: 'query', signed: false, rateLimit: 'weight 1', request: () => ({ path: '/api/v3/ping', params: [] }) },
  },
  symbols,
  clientOrderId: (id) => binanceClientOrderId(id),
  signing,
  readers: {
    markets,
    lastPrice(body) {
      const m = /"(?:lastPrice|price)"\s*:\s*"?([0-9.eE+-]+)"?/.exec(body);
      const v = m ? Number(m[1]) : Number.NaN;
      return Number.isFinite(v) && v > 0 ? v : undefined;
    },
    orderId(body) {
      return /"orderId"\s*:\s*"?(\d+)"?/.exec(body)?.[1];
    },
    serverTimeMs(body) {
      return num(obj(parseJson(body))?.serverTime);
    },
  },
  errors: {
    doc: 'https://developers.binance.com/docs/binance-spot-api-docs/errors',
    // Errors come with a 4xx/5xx status and `{"code":<negative number>,"msg":"…"}`; success bodies have no `code`.
    readCode: (body, status) => (status < 400 || body === undefined ? undefined : /"code"\s*:\s*(-?\d+)/.exec(body)?.[1]),
    codes: {
      ...rules([-1003, -1015], 'rateLimit'), // TOO_MANY_REQUESTS, TOO_MANY_ORDERS
      ...rules([-1002, -1021, -1022, -2014, -2015], 'auth'), // UNAUTHORIZED, INVALID_TIMESTAMP, INVALID_SIGNATURE, BAD_API_KEY_FMT, REJECTED_MBX_KEY
      ...rules([-1000, -1001, -1006, -1008], 'server'), // UNKNOWN, DISCONNECTED, UNEXPECTED_RESP, SERVER_BUSY
      ...rules([-1016], 'client'), // SERVICE_SHUTTING_DOWN: "This service is no longer available" (a retired endpoint)
      ...rules([-1007], 'timeout'), // TIMEOUT: backend timeout, execution status unknown
      ...rules([-2010], 'trading', 'insufficientMargin'), // NEW_ORDER_REJECTED ("Account has insufficient balance for requested action.")
      ...rules([-2011, -2013], 'trading', 'orderNotFound'), // CANCEL_REJECTED ("Unknown order sent."), NO_SUCH_ORDER
      // INVALID_MESSAGE (filter failures), BAD_PRECISION, INVALID_TIF, INVALID_ORDER_TYPE, INVALID_SIDE, BAD_SYMBOL
      ...rules([-1013, -1111, -1115, -1116, -1117, -1121], 'trading', 'invalidOrder'),
    },
    // 418: IP auto-banned after repeated 429s; 403: the WAF limit was violated (both are "slow down", not bad keys).
    statuses: { 418: 'rateLimit', 403: 'rateLimit' },
    unknownCode: 'client',
  },
  stream,
  server: {
    // Codes and messages from https://developers.binance.com/docs/binance-spot-api-docs/errors
    errorReply(kind) {
      const e = (status: number, code: number, msg: string) => ({ status, body: JSON.stringify({ code, msg }) });
      switch (kind) {
        case 'rateLimit': return e(429, -1003, 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.');
        case 'invalidApiKey': return e(401, -2015, 'Invalid API-key, IP, or permissions for action.');
        case 'invalidPassphrase': return e(401, -2015, 'Invalid API-key, IP, or permissions for action.');
        case 'invalidSignature': return e(400, -1022, 'Signature for this request is not valid.');
        case 'timestampOutsideRecvWindow': return e(400, -1021, 'Timestamp for this request is outside of the recvWindow.');
        case 'insufficientMargin': return e(400, -2010, 'Account has insufficient balance for requested action.');
        case 'orderNotFound': return e(400, -2011, 'Unknown order sent.');
        case 'invalidOrder': return e(400, -1013, 'Filter failure: LOT_SIZE');
        case 'invalidSymbol': return e(400, -1121, 'Invalid symbol.');
        case 'server': return e(500, -1001, 'Internal error; unable to process your request. Please try again.');
      }
    },
  },
  limits: {
    doc: 'https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits (live values: GET /api/v3/exchangeInfo → rateLimits)',
    rest: [
      'REQUEST_WEIGHT 6000 per minute per IP (each endpoint has a weight: fetchTicker 2, fetchOrderBook 5–250, fetchMarkets 20)',
      'ORDERS 50 per 10 s and 160 000 per day per account',
      'RAW_REQUESTS 61 000 per 5 minutes per IP',
      '429 when exceeded (Retry-After), 418 IP ban (2 minutes up to 3 days) for clients that keep going',
    ],
    streams: ['5 incoming messages per second per connection', '1024 streams per connection', '300 connections per 5 minutes per IP', 'a connection lives at most 24 h'],
  },
};

/** `newClientOrderId` must match `^[\.A-Z\:/a-z0-9_-]{1,36}$`. */
function binanceClientOrderId(id: string): string {
  return sanitizeId(id, '.:/_-', 36);
}
