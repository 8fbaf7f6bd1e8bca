/**
 * `okx-v5`: OKX API v5, spot (cash) trading and public market channels.
 *
 * Docs followed (https://www.okx.com/docs-v5/en/):
 * - REST: GET /api/v5/public/instruments, /market/ticker, /market/books, /public/time; POST /trade/order,
 *   /trade/cancel-order. Bodies are JSON with decimal strings; every answer is `{"code":"0","msg":"","data":[…]}`.
 * - Signing (#overview-rest-authentication): OK-ACCESS-SIGN = base64(HMAC-SHA256(secret, timestamp + METHOD +
 *   requestPath(with query) + body)); OK-ACCESS-TIMESTAMP is ISO 8601 with ms (`2020-12-08T09:08:57.715Z`);
 *   OK-ACCESS-KEY and OK-ACCESS-PASSPHRASE (the passphrase set when the key was created, sent as is).
 * - Error codes (#error-code): business errors arrive with HTTP 200 and a non-zero `code`; order endpoints answer
 *   `{"code":"1","msg":"All operations failed","data":[{"sCode":"51008","sMsg":"…"}]}`, so the per-order `sCode` is
 *   the code that counts. 50011 with HTTP 429 is the rate limit; 501xx with HTTP 401 are authentication errors.
 * - Streams (#overview-websocket): `{"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]}`,
 *   `{"event":"subscribe","arg":{…}}` acks, `{"event":"error","code":"60012","msg":"…"}`; text `ping` → `pong`
 *   (the server drops a connection silent for 30 s). The `books` channel: a snapshot with `prevSeqId = -1`, then
 *   updates whose `prevSeqId` equals the previous message's `seqId`; an update with `seqId < prevSeqId` is a
 *   sequence reset after maintenance; `seqId = prevSeqId` is a keep-alive when the book has not moved.
 * - Limits (#overview-rate-limits and each endpoint's "Rate Limit" line).
 */
import { formatDecimal, num, obj, parseJson, sanitizeId, separatedSymbols } from '../codec.ts';
import { rules } from '../errors.ts';
import type { Channel, Dialect, MarketInfo, OperationInput, SigningScheme, StreamDialect, StreamEvent, UnsignedRequest } from '../types.ts';

const symbols = separatedSymbols('-');

const need = <T>(v: T | undefined, what: string): T => {
  if (v === undefined) throw new Error(`okx-v5 dialect: ${what} is required`);
  return v;
};
const sym = (input: OperationInput): string => symbols.toExchange(need(input.symbol, 'symbol'));

export const OKX_HEADERS = {
  apiKey: 'OK-ACCESS-KEY',
  sign: 'OK-ACCESS-SIGN',
  timestamp: 'OK-ACCESS-TIMESTAMP',
  passphrase: 'OK-ACCESS-PASSPHRASE',
} as const;

const requestPath = (req: UnsignedRequest): string => (req.query === '' ? req.path : `${req.path}?${req.query}`);

const signing: SigningScheme = {
  describe: 'base64(HMAC-SHA256(secret, isoTimestamp + METHOD + requestPath + body)) in OK-ACCESS-SIGN, with OK-ACCESS-KEY / OK-ACCESS-TIMESTAMP / OK-ACCESS-PASSPHRASE',
  algorithm: 'sha256',
  encoding: 'base64',
  placement: 'headers',
  needsPassphrase: true,
  // OKX rejects a request whose timestamp is more than 30 s from its clock (50102 "Timestamp request expired").
  defaultRecvWindowMs: 30_000,
  payload(req, ctx) {
    return `${ctx.timestamp}${req.method.toUpperCase()}${requestPath(req)}${req.body}`;
  },
  sign(req, ctx) {
    const timestamp = new Date(ctx.timestampMs).toISOString();
    const headers: Record<string, string> = {
      [OKX_HEADERS.apiKey]: ctx.credentials.apiKey,
      [OKX_HEADERS.passphrase]: ctx.credentials.passphrase ?? '',
      [OKX_HEADERS.timestamp]: timestamp,
      'content-type': 'application/json',
    };
    headers[OKX_HEADERS.sign] = ctx.hmac('sha256', ctx.credentials.apiSecret, signing.payload(req, { apiKey: ctx.credentials.apiKey, timestamp, recvWindowMs: 0 }), 'base64');
    return { method: req.method, path: requestPath(req), headers, body: req.body === '' ? undefined : req.body };
  },
  received(req) {
    const h = req.headers;
    const ts = h[OKX_HEADERS.timestamp.toLowerCase()];
    return {
      apiKey: h[OKX_HEADERS.apiKey.toLowerCase()],
      timestampMs: ts === undefined || ts === '' ? Number.NaN : Date.parse(ts),
      signature: h[OKX_HEADERS.sign.toLowerCase()],
      passphrase: h[OKX_HEADERS.passphrase.toLowerCase()],
      payload: `${ts ?? ''}${req.method.toUpperCase()}${req.url}${req.body}`,
    };
  },
};

// ---- streams -------------------------------------------------------------------------------------------------

const CHANNEL_NAMES: Record<Channel, string> = { orderbook: 'books', ticker: 'tickers', trades: 'trades' };
const CHANNEL_OF: Record<string, Channel> = { books: 'orderbook', tickers: 'ticker', trades: 'trades' };
const arg = (channel: Channel, symbol: string) => ({ channel: CHANNEL_NAMES[channel], instId: symbols.toExchange(symbol) });

function decode(raw: string): StreamEvent {
  if (raw === 'pong') return { kind: 'pong', id: undefined };
  const m = obj(parseJson(raw));
  if (m === undefined) return { kind: 'other' };
  const a = obj(m.arg);
  const channel = typeof a?.channel === 'string' ? CHANNEL_OF[a.channel] : undefined;
  const symbolId = typeof a?.instId === 'string' ? a.instId : '';
  if (typeof m.event === 'string') {
    if (m.event === 'subscribe' || m.event === 'unsubscribe') {
      const ack: StreamEvent = { kind: 'ack', id: typeof m.id === 'string' ? m.id : undefined, op: m.event, symbolId };
      if (channel !== undefined) ack.channel = channel;
      return ack;
    }
    if (m.event === 'error') return { kind: 'error', id: typeof m.id === 'string' ? m.id : undefined, code: String(m.code ?? 'error'), message: String(m.msg ?? '') };
    return { kind: 'other' };
  }
  if (channel === undefined || !Array.isArray(m.data)) return { kind: 'other' };
  const d = obj(m.data[0]);
  const serverTs = num(d?.ts);
  if (channel === 'orderbook') {
    const prev = num(d?.prevSeqId);
    const id = num(d?.seqId);
    return { kind: 'data', channel, symbolId, serverTs, seq: prev === undefined || id === undefined ? undefined : { kind: 'chain', prev, id } };
  }
  return { kind: 'data', channel, symbolId, serverTs, seq: undefined };
}

const stream: StreamDialect = {
  url: (wsUrl) => wsUrl,
  subscribe: (subs) => [JSON.stringify({ op: 'subscribe', args: subs.map((s) => arg(s.channel, s.symbol)) })],
  unsubscribe: (subs) => [JSON.stringify({ op: 'unsubscribe', args: subs.map((s) => arg(s.channel, s.symbol)) })],
  ping: () => 'ping',
  decode,
  timestamp: { field: 'data[0].ts', unit: 'ms' },
  sequence: { orderbook: { type: 'prevSeqId' }, ticker: { type: 'none' }, trades: { type: 'none' } },
  channelNames: CHANNEL_NAMES,
  pingIntervalMs: 25_000,
};

// ---- readers -------------------------------------------------------------------------------------------------

const dataOf = (body: string): Array<Record<string, unknown>> => {
  const d = obj(parseJson(body))?.data;
  return Array.isArray(d) ? (d.map(obj).filter((x) => x !== undefined) as Array<Record<string, unknown>>) : [];
};

function markets(body: string): MarketInfo[] {
  const out: MarketInfo[] = [];
  for (const m of dataOf(body)) {
    if (typeof m.instId !== 'string' || typeof m.baseCcy !== 'string' || typeof m.quoteCcy !== 'string') continue;
    if (m.state !== undefined && m.state !== 'live') continue;
    const tickSize = num(m.tickSz);
    const stepSize = num(m.lotSz);
    if (!tickSize || !stepSize) continue;
    out.push({ symbol: `${m.baseCcy}/${m.quoteCcy}`, id: m.instId, base: m.baseCcy, quote: m.quoteCcy, tickSize, stepSize, minQty: num(m.minSz) ?? stepSize });
  }
  return out;
}

export const okxV5: Dialect = {
  name: 'okx-v5',
  title: 'OKX API v5 (spot cash orders, base64 HMAC-SHA256 headers with passphrase, books channel with seqId)',
  docs: ['https://www.okx.com/docs-v5/en/'],
  rest: {
    fetchMarkets: {
      method: 'GET',
      path: '/api/v5/public/instruments',
      encoding: 'query',
      signed: false,
      rateLimit: '20 requests / 2 s per IP and instType',
      request: () => ({ path: '/api/v5/public/instruments', params: [['instType', 'SPOT']] }),
    },
    fetchTicker: { method: 'GET', path: '/api/v5/market/ticker', encoding: 'query', signed: false, rateLimit: '20 requests / 2 s per IP', request: (i) => ({ path: '/api/v5/market/ticker', params: [['instId', sym(i)]] }) },
    fetchOrderBook: {
      method: 'GET',
      path: '/api/v5/market/books',
      encoding: 'query',
      signed: false,
      rateLimit: '40 requests / 2 s per IP',
      request: (i) => ({ path: '/api/v5/market/books', params: [['instId', sym(i)], ['sz', Math.min(400, Math.max(1, i.depth ?? 20))]] }),
    },
    createOrder: {
      method: 'POST',
      path: '/api/v5/trade/order',
      encoding: 'json',
      signed: true,
      rateLimit: '60 requests / 2 s per instrument per user; 1000 orders / 2 s per sub-account',
      request: (i) => {
        const o = need(i.order, 'order');
        const params: Array<[string, string]> = [['instId', symbols.toExchange(o.symbol)], ['tdMode', 'cash'], ['clOrdId', okxClientOrderId(o.clientOrderId)], ['side', o.side], ['ordType', o.type], ['sz', formatDecimal(o.qty)]];
        if (o.type === 'limit') params.push(['px', formatDecimal(need(o.price, 'order.price'))]);
        // A spot market buy's sz is in quote currency unless told otherwise; ours is always a base quantity.
        else params.push(['tgtCcy', 'base_ccy']);
        return { path: '/api/v5/trade/order', params };
      },
    },
    cancelOrder: {
      method: 'POST',
      path: '/api/v5/trade/cancel-order',
      encoding: 'json',
      signed: true,
      rateLimit: '60 requests / 2 s per instrument per user',
      request: (i) => ({ path: '/api/v5/trade/cancel-order', params: [['instId', sym(i)], ['ordId', need(i.orderId, 'orderId')]] }),
    },
    fetchTime: { method: 'GET', path: '/api/v5/public/time', encoding: 'query', signed: false, rateLimit: '10 requests / 2 s per IP', request: () => ({ path: '/api/v5/public/time', params: [] }) },
    // /api/v5/system/status is limited to 1 request / 5 s: too slow for a once-a-second probe. The time endpoint is the cheap public GET.
    health: { method: 'GET', path: '/api/v5/public/time', encoding: 'query', signed: false, rateLimit: '10 requests / 2 s per IP', request: () => ({ path: '/api/v5/public/time', params: [] }) },
  },
  symbols,
  clientOrderId: (id) => okxClientOrderId(id),
  signing,
  readers: {
    markets,
    lastPrice(body) {
      const v = num(dataOf(body)[0]?.last);
      return v !== undefined && v > 0 ? v : undefined;
    },
    orderId(body) {
      const d = dataOf(body)[0];
      return typeof d?.ordId === 'string' && d.ordId !== '' && (d.sCode === undefined || d.sCode === '0') ? d.ordId : undefined;
    },
    serverTimeMs(body) {
      return num(dataOf(body)[0]?.ts);
    },
  },
  errors: {
    doc: 'https://www.okx.com/docs-v5/en/#error-code',
    readCode(body) {
      if (body === undefined) return undefined;
      const code = /"code"\s*:\s*"(\d+)"/.exec(body)?.[1];
      if (code === undefined || code === '0') return undefined;
      // "1" (all failed) / "2" (partly failed): the per-order sCode says why.
      if (code === '1' || code === '2') {
        const re = /"sCode"\s*:\s*"(\d+)"/g;
        for (let m = re.exec(body); m !== null; m = re.exec(body)) if (m[1] !== '0') return m[1];
      }
      return code;
    },
    codes: {
      ...rules([50011, 50061], 'rateLimit'), // rate limit reached; sub-account order rate limit
      // timestamp expired, header missing/empty (key, passphrase, sign, timestamp), passphrase incorrect,
      // invalid key / timestamp / signature / authorization, broker id mismatch, API frozen
      ...rules([50100, 50101, 50102, 50103, 50104, 50105, 50106, 50107, 50111, 50112, 50113, 50114], 'auth'),
      ...rules([50001, 50013, 50026], 'server'), // service temporarily unavailable, system busy, system error
      ...rules([50004], 'timeout'), // endpoint request timeout (order status unknown)
      ...rules([51008, 51119, 51127, 51131], 'trading', 'insufficientMargin'), // insufficient balance / margin
      ...rules([51400, 51401, 51402, 51603], 'trading', 'orderNotFound'), // cancel: does not exist / already canceled / already filled
      // instrument does not exist, price out of limit, amount too small, duplicated clOrdId, price beyond limit,
      // quantity below minimum, not a multiple of the lot size
      ...rules([51001, 51006, 51020, 51016, 51116, 51120, 51121], 'trading', 'invalidOrder'),
    },
    unknownCode: 'client',
  },
  stream,
  server: {
    // https://www.okx.com/docs-v5/en/#error-code: order refusals come as HTTP 200, code "1", the reason in data[0].sCode.
    errorReply(kind) {
      const e = (status: number, code: string, msg: string) => ({ status, body: JSON.stringify({ code, msg, data: [] }) });
      const order = (sCode: string, sMsg: string) => ({ status: 200, body: JSON.stringify({ code: '1', msg: 'All operations failed', data: [{ clOrdId: '', ordId: '', sCode, sMsg, tag: '' }] }) });
      switch (kind) {
        case 'rateLimit': return e(429, '50011', 'Too Many Requests');
        case 'invalidApiKey': return e(401, '50111', 'Invalid OK-ACCESS-KEY');
        case 'invalidPassphrase': return e(401, '50105', 'Request header OK-ACCESS-PASSPHRASE incorrect.');
        case 'invalidSignature': return e(401, '50113', 'Invalid Sign');
        case 'timestampOutsideRecvWindow': return e(401, '50102', 'Timestamp request expired');
        case 'insufficientMargin': return order('51008', 'Order failed. Insufficient USDT balance in account.');
        case 'orderNotFound': return order('51400', 'Order cancellation failed as the order has been filled, canceled or does not exist.');
        case 'invalidOrder': return order('51121', 'Order quantity must be a multiple of the lot size.');
        case 'invalidSymbol': return e(200, '51001', "Instrument ID doesn't exist.");
        case 'server': return e(503, '50001', 'Service temporarily unavailable. Try again later');
      }
    },
  },
  limits: {
    doc: 'https://www.okx.com/docs-v5/en/#overview-rate-limits',
    rest: [
      'public endpoints by IP, private by user ID; per endpoint (see each operation): ticker 20 / 2 s, books 40 / 2 s, instruments 20 / 2 s, time 10 / 2 s',
      'place and cancel order 60 / 2 s per instrument; 1000 new and amended orders / 2 s per sub-account',
      '429 with code 50011 when exceeded',
    ],
    streams: ['3 connection requests per second per IP', '480 subscribe / unsubscribe / login requests per hour per connection', 'a connection silent for 30 s is closed: send `ping`'],
  },
};

/** `clOrdId`: letters and digits only, 1–32 characters. */
function okxClientOrderId(id: string): string {
  return sanitizeId(id, '', 32);
}
