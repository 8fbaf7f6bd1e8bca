/**
 * `bybit-v5` bodies (src/dialect/bybit-v5), spot category, as https://bybit-exchange.github.io/docs/v5/ documents
 * them and ccxt's bybit.fetchSpotMarkets / parseTicker / fetchOrderBook / parseOrder read them: every answer
 * `{"retCode":0,"retMsg":"OK","result":{…},"retExtInfo":{},"time":…}`, decimals as strings on the instrument's grid.
 * Spot instruments state the quantity step as `lotSizeFilter.basePrecision` and the minimum order value as
 * `minOrderAmt`; the order book carries `u` (the book's update id, the number the stream continues from) and `seq`.
 * Fields the simulator has no value for (24 h open, best bid / ask sizes) are left out rather than made up.
 */
import { exchangeSpeaker, fixed, str, type ExchangeBodies, type MarketListing } from './common.js';
import type { Order } from '../orders.js';
import { formatDecimal } from '../../src/dialect/index.js';

const ok = (result: string, nowMs: number): string => `{"retCode":0,"retMsg":"OK","result":${result},"retExtInfo":{},"time":${Math.floor(nowMs)}}`;
const price = (n: number, l: MarketListing): string => fixed(n, l.market.pricePrecision);
const size = (n: number, l: MarketListing): string => fixed(n, l.market.qtyPrecision);

const levels = (side: readonly [number, number][], l: MarketListing): string => {
  let out = '[';
  for (let i = 0; i < side.length; i++) {
    const [p, q] = side[i]!;
    out += `${i === 0 ? '' : ','}["${price(p, l)}","${size(q, l)}"]`;
  }
  return `${out}]`;
};

const orderResult = (o: Order): string => `{"orderId":"${o.orderId}","orderLinkId":${str(o.clientOrderId ?? '')}}`;

function instrument(l: MarketListing): unknown {
  const m = l.market;
  return {
    symbol: l.id,
    baseCoin: m.base,
    quoteCoin: m.quote,
    innovation: '0',
    status: 'Trading',
    marginTrading: 'none',
    stTag: '0',
    lotSizeFilter: {
      basePrecision: formatDecimal(m.stepSize),
      quotePrecision: '0.00000001',
      minOrderQty: formatDecimal(m.minQty),
      maxOrderQty: formatDecimal(m.maxQty),
      minOrderAmt: formatDecimal(m.minNotional),
      maxOrderAmt: '2000000',
    },
    priceFilter: { tickSize: formatDecimal(m.tickSize) },
    riskParameters: { priceLimitRatioX: '0.05', priceLimitRatioY: '0.05' },
  };
}

export const bybitV5Bodies: ExchangeBodies = {
  symbolParam: 'symbol',
  // GET /v5/market/orderbook, spot: limit 1-200, default 1.
  depth: { param: 'limit', default: 1, max: 200 },
  // The mock has spot only: another category lists nothing (instruments) or is refused (ticker, book).
  spot: (p) => p('category') === 'spot',
  markets(listings) {
    const result = `{"category":"spot","list":${JSON.stringify(listings.map(instrument))},"nextPageCursor":""}`;
    return (nowMs) => ok(result, nowMs);
  },
  emptyMarkets: (nowMs) => ok('{"category":"","list":[],"nextPageCursor":""}', nowMs),
  ticker(t, l, nowMs) {
    return ok(
      `{"category":"spot","list":[{"symbol":"${l.id}","bid1Price":"${price(t.bid, l)}","ask1Price":"${price(t.ask, l)}","lastPrice":"${price(t.last, l)}",` +
        `"highPrice24h":"${price(t.high, l)}","lowPrice24h":"${price(t.low, l)}","turnover24h":"${fixed(t.quoteVolume, 2)}","volume24h":"${size(t.volume, l)}"}]}`,
      nowMs,
    );
  },
  orderBook: (b, l, nowMs) => ok(`{"s":"${l.id}","a":${levels(b.asks, l)},"b":${levels(b.bids, l)},"ts":${b.tsMs},"u":${b.updateId},"seq":${b.updateId},"cts":${b.tsMs}}`, nowMs),
  time(nowMs) {
    const us = Math.floor(nowMs * 1000);
    return ok(`{"timeSecond":"${Math.floor(nowMs / 1000)}","timeNano":"${us}000"}`, nowMs);
  },
  health(nowMs) {
    return bybitV5Bodies.time(nowMs);
  },
  readOrder(p) {
    const side = p('side')?.toLowerCase();
    const type = p('orderType')?.toLowerCase();
    // A spot market buy's qty is quote coin unless marketUnit says baseCoin (a sell's is base unless quoteCoin).
    const unit = p('marketUnit');
    const qtyInQuote = type === 'market' && (unit === 'quoteCoin' || (side === 'buy' && unit !== 'baseCoin'));
    return { symbolId: p('symbol'), side, type, qty: p('qty'), price: p('price'), clientOrderId: p('orderLinkId'), qtyInQuote };
  },
  readCancel: (p) => ({ symbolId: p('symbol'), orderId: p('orderId') }),
  created: (o, _l, nowMs) => ok(orderResult(o), nowMs),
  canceled: (o, _l, nowMs) => ok(orderResult(o), nowMs),
  notFound: { status: 404, body: '{"retCode":10001,"retMsg":"Not Found","result":{},"retExtInfo":{},"time":0}' },
  // 10001: request parameter error
  badParameter: (message) => ({ status: 200, body: JSON.stringify({ retCode: 10001, retMsg: message, result: {}, retExtInfo: {}, time: 0 }) }),
};

export const bybitV5Speaker = exchangeSpeaker(bybitV5Bodies);
