/**
 * `okx-v5` bodies (src/dialect/okx-v5), as https://www.okx.com/docs-v5/en/ documents them and ccxt's
 * okx.parseMarket / parseTicker / fetchOrderBook / parseOrder read them: every answer `{"code":"0","msg":"","data":[…]}`,
 * decimals as strings on the instrument's grid, timestamps as strings of ms. Orders answer `ordId` / `clOrdId` /
 * `sCode: "0"`; refusals of an order are HTTP 200 with code "1" and the reason in `data[0].sCode` (errorReply).
 * Orders are placed with `POST /api/v5/trade/order` (the dialect's createOrder) or `POST /api/v5/trade/batch-orders`
 * (ccxt's default createOrder: a list of up to 20; code "0" all placed, "1" none, "2" some, each item's sCode says).
 * Fields the simulator has no value for (24 h open, best bid / ask sizes) are left out rather than made up.
 */
import { exchangeSpeaker, fixed, objectParams, str, type ExchangeBodies, type MarketListing, type OrderFields, type Param, type PlaceOutcome } from './common.js';
import type { Order } from '../orders.js';
import { formatDecimal, getDialect, type ServerErrorKind } from '../../src/dialect/index.js';

const ok = (data: string): string => `{"code":"0","msg":"","data":[${data}]}`;
const price = (n: number, l: MarketListing): string => fixed(n, l.market.pricePrecision);
const size = (n: number, l: MarketListing): string => fixed(n, l.market.qtyPrecision);
/** OKX stamps order answers with µs in/out times. */
const stamped = (data: string, nowMs: number): string => {
  const us = String(Math.floor(nowMs * 1000));
  return `{"code":"0","msg":"","data":[${data}],"inTime":"${us}","outTime":"${us}"}`;
};

const levels = (side: readonly [number, number][], l: MarketListing): string => {
  let out = '[';
  for (let i = 0; i < side.length; i++) {
    const [p, q] = side[i]!;
    // [price, size, "0" (deprecated liquidated orders), number of orders]
    out += `${i === 0 ? '' : ','}["${price(p, l)}","${size(q, l)}","0","1"]`;
  }
  return `${out}]`;
};

const clientId = (o: Order): string => o.clientOrderId ?? '';

const placedItem = (o: Order): string => `{"clOrdId":${str(clientId(o))},"ordId":"${o.orderId}","tag":"","ts":"${o.createdAtMs}","sCode":"0","sMsg":"Order placed"}`;

/** A batch item's refusal: the sCode / sMsg of the dialect's own reply for that refusal. */
const refusedItems = new Map<ServerErrorKind, string>();
function refusedItem(kind: ServerErrorKind, nowMs: number): string {
  let fields = refusedItems.get(kind);
  if (fields === undefined) {
    const b = JSON.parse(getDialect('okx-v5').server.errorReply(kind).body) as { code: string; msg: string; data?: Array<{ sCode?: string; sMsg?: string }> };
    const d = b.data?.[0];
    fields = `"sCode":${str(d?.sCode ?? b.code)},"sMsg":${str(d?.sMsg ?? b.msg)}`;
    refusedItems.set(kind, fields);
  }
  return `{"clOrdId":"","ordId":"","tag":"","ts":"${Math.floor(nowMs)}",${fields}}`;
}

function batchReply(outcomes: readonly PlaceOutcome[], nowMs: number): { status: number; body: string } {
  let placed = 0;
  let items = '';
  for (const o of outcomes) {
    if (o.ok) placed++;
    items += `${items === '' ? '' : ','}${o.ok ? placedItem(o.order) : refusedItem(o.kind, nowMs)}`;
  }
  const us = String(Math.floor(nowMs * 1000));
  const [code, msg] = placed === outcomes.length ? ['0', ''] : placed === 0 ? ['1', 'All operations failed'] : ['2', 'Bulk operation partially succeeded'];
  return { status: 200, body: `{"code":"${code}","msg":"${msg}","data":[${items}],"inTime":"${us}","outTime":"${us}"}` };
}

function readBatch(body: string): Param[] | undefined {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!Array.isArray(v)) return undefined;
  const out: Param[] = [];
  for (const o of v) {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return undefined;
    out.push(objectParams(o as Record<string, unknown>));
  }
  return out;
}

function instrument(l: MarketListing, listTimeMs: number): unknown {
  const m = l.market;
  return {
    instType: 'SPOT',
    instId: l.id,
    uly: '',
    instFamily: '',
    category: '1',
    baseCcy: m.base,
    quoteCcy: m.quote,
    settleCcy: '',
    ctVal: '',
    ctMult: '',
    ctValCcy: '',
    optType: '',
    stk: '',
    listTime: String(listTimeMs),
    expTime: '',
    lever: '',
    tickSz: formatDecimal(m.tickSize),
    lotSz: formatDecimal(m.stepSize),
    minSz: formatDecimal(m.minQty),
    ctType: '',
    alias: '',
    state: 'live',
    ruleType: 'normal',
    maxLmtSz: formatDecimal(m.maxQty),
    maxMktSz: formatDecimal(m.maxQty),
    maxLmtAmt: '20000000',
    maxMktAmt: '1000000',
    maxTwapSz: formatDecimal(m.maxQty),
    maxIcebergSz: formatDecimal(m.maxQty),
    maxTriggerSz: formatDecimal(m.maxQty),
    maxStopSz: formatDecimal(m.maxQty),
  };
}

/** `ordType` → the mock's order type: post_only / fok / ioc are limit orders with a time-in-force. */
const ORDER_TYPES: Readonly<Record<string, 'limit' | 'market'>> = { limit: 'limit', post_only: 'limit', fok: 'limit', ioc: 'limit', market: 'market' };

function readOrder(p: Param): OrderFields {
  const side = p('side');
  const ordType = p('ordType');
  const type = ordType === undefined ? undefined : (ORDER_TYPES[ordType] ?? ordType);
  // A spot market buy's sz is quote currency unless tgtCcy says base_ccy (and a sell's is base unless quote_ccy).
  const tgtCcy = p('tgtCcy');
  const qtyInQuote = type === 'market' && (tgtCcy === 'quote_ccy' || (side === 'buy' && tgtCcy !== 'base_ccy'));
  return { symbolId: p('instId'), side, type, qty: p('sz'), price: p('px'), clientOrderId: p('clOrdId'), qtyInQuote };
}

export const okxV5Bodies: ExchangeBodies = {
  symbolParam: 'instId',
  // GET /api/v5/market/books: sz default 1, at most 400.
  depth: { param: 'sz', default: 1, max: 400 },
  spot: (p) => {
    const t = p('instType');
    return t === undefined || t === 'SPOT';
  },
  markets(listings, ctx) {
    const body = ok(listings.map((l) => JSON.stringify(instrument(l, Math.floor(ctx.startedAtMs)))).join(','));
    return () => body;
  },
  emptyMarkets: () => ok(''),
  ticker(t, l) {
    return ok(
      `{"instType":"SPOT","instId":"${l.id}","last":"${price(t.last, l)}","askPx":"${price(t.ask, l)}","bidPx":"${price(t.bid, l)}",` +
        `"high24h":"${price(t.high, l)}","low24h":"${price(t.low, l)}","volCcy24h":"${fixed(t.quoteVolume, 2)}","vol24h":"${size(t.volume, l)}","ts":"${t.tsMs}"}`,
    );
  },
  orderBook: (b, l) => ok(`{"asks":${levels(b.asks, l)},"bids":${levels(b.bids, l)},"ts":"${b.tsMs}"}`),
  time: (nowMs) => ok(`{"ts":"${Math.floor(nowMs)}"}`),
  health: (nowMs) => ok(`{"ts":"${Math.floor(nowMs)}"}`),
  readOrder,
  readCancel: (p) => ({ symbolId: p('instId'), orderId: p('ordId') }),
  created: (o, _l, nowMs) => stamped(placedItem(o), nowMs),
  canceled: (o, _l, nowMs) => stamped(`{"clOrdId":${str(clientId(o))},"ordId":"${o.orderId}","ts":"${Math.floor(nowMs)}","sCode":"0","sMsg":""}`, nowMs),
  notFound: { status: 404, body: '{"code":"404","msg":"Not Found","data":[]}' },
  // 51000: "Parameter {param} error"
  badParameter: (message) => ({ status: 400, body: JSON.stringify({ code: '51000', msg: message, data: [] }) }),
  batchCreate: { path: '/api/v5/trade/batch-orders', read: readBatch, reply: batchReply },
};

export const okxV5Speaker = exchangeSpeaker(okxV5Bodies);
