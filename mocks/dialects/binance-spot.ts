/**
 * `binance-spot` bodies (src/dialect/binance-spot), as https://developers.binance.com/docs/binance-spot-api-docs/rest-api
 * documents them and ccxt's binance.parseMarket / parseTicker / parseOrderBook / parseOrder read them: decimals as
 * strings with 8 decimals, `exchangeInfo` filters PRICE_FILTER / LOT_SIZE / NOTIONAL, depth `lastUpdateId` (the
 * book's update id, the number the diff-depth stream continues from), orders in the FULL response type.
 * Fields the simulator has no value for (24 h open, best bid / ask sizes) are left out rather than made up.
 */
import { exchangeSpeaker, fixed, str, type ExchangeBodies, type MarketListing } from './common.js';
import type { Order } from '../orders.js';

const f8 = (n: number): string => fixed(n, 8);
const e = (status: number, code: number, msg: string) => ({ status, body: JSON.stringify({ code, msg }) });

const levels = (side: readonly [number, number][]): string => {
  let out = '[';
  for (let i = 0; i < side.length; i++) {
    const [p, q] = side[i]!;
    out += `${i === 0 ? '' : ','}["${f8(p)}","${f8(q)}"]`;
  }
  return `${out}]`;
};

const clientId = (o: Order): string => o.clientOrderId ?? `lgmock${o.orderId}`;

/** The fields a created and a canceled order share (price and quantities on the 8-decimal grid). */
const orderFields = (o: Order): string =>
  `"price":"${f8(o.price ?? 0)}","origQty":"${f8(o.qty)}","executedQty":"0.00000000","origQuoteOrderQty":"0.00000000","cummulativeQuoteQty":"0.00000000"`;

const typeAndSide = (o: Order): string => `"timeInForce":"GTC","type":"${o.type.toUpperCase()}","side":"${o.side.toUpperCase()}"`;

function symbolInfo(l: MarketListing): unknown {
  const m = l.market;
  return {
    symbol: l.id,
    status: 'TRADING',
    baseAsset: m.base,
    baseAssetPrecision: 8,
    quoteAsset: m.quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'MARKET'],
    icebergAllowed: false,
    ocoAllowed: false,
    otoAllowed: false,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: f8(m.tickSize), maxPrice: f8(1_000_000), tickSize: f8(m.tickSize) },
      { filterType: 'LOT_SIZE', minQty: f8(m.minQty), maxQty: f8(m.maxQty), stepSize: f8(m.stepSize) },
      { filterType: 'NOTIONAL', minNotional: f8(m.minNotional), applyMinToMarket: true, maxNotional: f8(9_000_000), applyMaxToMarket: false, avgPriceMins: 5 },
      { filterType: 'MARKET_LOT_SIZE', minQty: f8(0), maxQty: f8(m.maxQty), stepSize: f8(0) },
    ],
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

export const binanceSpotBodies: ExchangeBodies = {
  symbolParam: 'symbol',
  // GET /api/v3/depth: limit default 100, at most 5000.
  depth: { param: 'limit', default: 100, max: 5000 },
  spot: () => true,
  markets(listings, ctx) {
    const rl = ctx.options.rateLimit;
    // The mock's own limit (a token bucket per IP / key refilled each second), in Binance's rateLimits words.
    const rateLimits = rl === false ? [] : [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'SECOND', intervalNum: 1, limit: rl.refillPerSec }];
    const tail = `,"rateLimits":${JSON.stringify(rateLimits)},"exchangeFilters":[],"symbols":${JSON.stringify(listings.map(symbolInfo))}}`;
    return (nowMs) => `{"timezone":"UTC","serverTime":${Math.floor(nowMs)}${tail}`;
  },
  emptyMarkets: (nowMs) => `{"timezone":"UTC","serverTime":${Math.floor(nowMs)},"rateLimits":[],"exchangeFilters":[],"symbols":[]}`,
  ticker(t, l) {
    return (
      `{"symbol":"${l.id}","lastPrice":"${f8(t.last)}","bidPrice":"${f8(t.bid)}","askPrice":"${f8(t.ask)}",` +
      `"highPrice":"${f8(t.high)}","lowPrice":"${f8(t.low)}","volume":"${f8(t.volume)}","quoteVolume":"${f8(t.quoteVolume)}",` +
      `"openTime":${t.tsMs - 86_400_000},"closeTime":${t.tsMs}}`
    );
  },
  orderBook: (b) => `{"lastUpdateId":${b.updateId},"bids":${levels(b.bids)},"asks":${levels(b.asks)}}`,
  time: (nowMs) => `{"serverTime":${Math.floor(nowMs)}}`,
  health: () => '{}',
  readOrder(p) {
    const quoteQty = p('quoteOrderQty');
    return {
      symbolId: p('symbol'),
      side: p('side')?.toLowerCase(),
      type: p('type')?.toLowerCase(),
      qty: quoteQty ?? p('quantity'),
      price: p('price'),
      clientOrderId: p('newClientOrderId'),
      qtyInQuote: quoteQty !== undefined,
    };
  },
  readCancel: (p) => ({ symbolId: p('symbol'), orderId: p('orderId') }),
  created(o, l) {
    const cid = clientId(o);
    return (
      `{"symbol":"${l.id}","orderId":${o.orderId},"orderListId":-1,"clientOrderId":${str(cid)},"transactTime":${o.createdAtMs},` +
      `${orderFields(o)},"status":"NEW",${typeAndSide(o)},"workingTime":${o.createdAtMs},"selfTradePreventionMode":"EXPIRE_MAKER","fills":[]}`
    );
  },
  canceled(o, l, nowMs) {
    return (
      `{"symbol":"${l.id}","origClientOrderId":${str(clientId(o))},"orderId":${o.orderId},"orderListId":-1,"clientOrderId":"lgcancel${o.orderId}",` +
      `"transactTime":${Math.floor(nowMs)},${orderFields(o)},"status":"CANCELED",${typeAndSide(o)},"selfTradePreventionMode":"EXPIRE_MAKER"}`
    );
  },
  notFound: { status: 404, body: '{}' },
  // -1102 MANDATORY_PARAM_EMPTY_OR_MALFORMED
  badParameter: (message) => e(400, -1102, message),
};

export const binanceSpotSpeaker = exchangeSpeaker(binanceSpotBodies);
