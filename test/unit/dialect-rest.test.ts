import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRequest, DIALECT_NAMES, formatDecimal, getDialect, OPERATIONS, splitUnified } from '../../src/dialect/index.js';
import { binanceSpot } from '../../src/dialect/binance-spot/index.js';
import { okxV5 } from '../../src/dialect/okx-v5/index.js';
import { bybitV5 } from '../../src/dialect/bybit-v5/index.js';
import { loadgate } from '../../src/dialect/loadgate/index.js';

const asset = fc.stringMatching(/^[A-Z][A-Z0-9]{1,7}$/);
const QUOTES = ['USDT', 'USDC', 'BTC', 'ETH', 'EUR', 'FDUSD'];

describe('symbol mapping', () => {
  it.each(DIALECT_NAMES)('%s: unified → exchange id → unified is the identity (given the market list)', (name) => {
    const d = getDialect(name);
    fc.assert(
      fc.property(asset, fc.constantFrom(...QUOTES), (base, quote) => {
        const unified = `${base}/${quote}`;
        const id = d.symbols.toExchange(unified);
        const market = { symbol: unified, id, base, quote, tickSize: 0.1, stepSize: 0.001, minQty: 0.001 };
        expect(d.symbols.fromExchange(id, [market])).toBe(unified);
      }),
      { numRuns: 200 },
    );
  });

  it('writes each exchange’s own format', () => {
    expect(loadgate.symbols.toExchange('BTC/USDT')).toBe('BTC-USDT');
    expect(okxV5.symbols.toExchange('eth/usdc')).toBe('ETH-USDC');
    expect(binanceSpot.symbols.toExchange('BTC/USDT')).toBe('BTCUSDT');
    expect(bybitV5.symbols.toExchange('SOL/USDT')).toBe('SOLUSDT');
  });

  it('splits concatenated ids without a market list by known quotes, longest first', () => {
    expect(binanceSpot.symbols.fromExchange('BTCUSDT')).toBe('BTC/USDT');
    expect(binanceSpot.symbols.fromExchange('BTCFDUSD')).toBe('BTC/FDUSD');
    expect(bybitV5.symbols.fromExchange('ETHBTC')).toBe('ETH/BTC');
    expect(binanceSpot.symbols.fromExchange('WEIRD')).toBeUndefined();
    expect(okxV5.symbols.fromExchange('BTC-USDT')).toBe('BTC/USDT');
    expect(okxV5.symbols.fromExchange('BTCUSDT')).toBeUndefined();
  });

  it('refuses a symbol that is not BASE/QUOTE instead of sending garbage', () => {
    for (const bad of ['BTC-USDT', 'BTCUSDT', '/USDT', 'BTC/', 'A/B/C']) expect(() => splitUnified(bad), bad).toThrow(/BASE\/QUOTE/);
  });
});

describe('requests per operation', () => {
  const order = { symbol: 'BTC/USDT', side: 'sell' as const, type: 'limit' as const, qty: 0.00000012, price: 70000.1, clientOrderId: 'lg-0a1b2c3d-zz' };
  const input = { symbol: 'BTC/USDT', depth: 50, orderId: '987', order };

  it('every dialect describes every operation, and builds it', () => {
    for (const name of DIALECT_NAMES) {
      const d = getDialect(name);
      for (const op of OPERATIONS) {
        const o = d.rest[op];
        expect(o.path, `${name}.${op}`).toMatch(/^\//);
        const w = buildRequest(d, op, input);
        expect(w.method).toBe(o.method);
        expect(w.path.split('?')[0], `${name}.${op}`).toBe(o.path.replace('{orderId}', '987'));
      }
      expect(d.rest.createOrder.signed && d.rest.cancelOrder.signed, name).toBe(true);
    }
  });

  it('loadgate: today’s paths and JSON order body', () => {
    expect(buildRequest(loadgate, 'fetchTicker', input).path).toBe('/api/v1/ticker?symbol=BTC-USDT');
    expect(buildRequest(loadgate, 'fetchOrderBook', input).path).toBe('/api/v1/orderbook?symbol=BTC-USDT&depth=50');
    expect(buildRequest(loadgate, 'fetchMarkets', input).path).toBe('/api/v1/markets');
    expect(buildRequest(loadgate, 'createOrder', input).body).toBe('{"symbol":"BTC-USDT","side":"sell","type":"limit","qty":1.2e-7,"clientOrderId":"lg-0a1b2c3d-zz","price":70000.1}');
    expect(buildRequest(loadgate, 'cancelOrder', input).path).toBe('/api/v1/orders/987');
    expect(buildRequest(loadgate, 'health', input).path).toBe('/health');
  });

  it('binance-spot: form body, upper-case enums, decimals without exponent, symbol + orderId on cancel', () => {
    expect(buildRequest(binanceSpot, 'createOrder', input).body).toBe('symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.00000012&price=70000.1&newClientOrderId=lg-0a1b2c3d-zz');
    expect(buildRequest(binanceSpot, 'cancelOrder', input).path).toBe('/api/v3/order?symbol=BTCUSDT&orderId=987');
    expect(buildRequest(binanceSpot, 'fetchOrderBook', { symbol: 'BTC/USDT', depth: 99999 }).path).toBe('/api/v3/depth?symbol=BTCUSDT&limit=5000');
    const market = buildRequest(binanceSpot, 'createOrder', { order: { ...order, type: 'market', price: undefined } }).body!;
    expect(market).not.toMatch(/price|timeInForce/);
  });

  it('okx-v5: JSON body with cash mode, base-currency market orders, a clOrdId of letters and digits', () => {
    expect(JSON.parse(buildRequest(okxV5, 'createOrder', input).body!)).toEqual({ instId: 'BTC-USDT', tdMode: 'cash', clOrdId: 'lg0a1b2c3dzz', side: 'sell', ordType: 'limit', sz: '0.00000012', px: '70000.1' });
    expect(JSON.parse(buildRequest(okxV5, 'createOrder', { order: { ...order, type: 'market' } }).body!)).toMatchObject({ ordType: 'market', tgtCcy: 'base_ccy' });
    expect(JSON.parse(buildRequest(okxV5, 'cancelOrder', input).body!)).toEqual({ instId: 'BTC-USDT', ordId: '987' });
    expect(buildRequest(okxV5, 'fetchOrderBook', input).path).toBe('/api/v5/market/books?instId=BTC-USDT&sz=50');
    expect(okxV5.clientOrderId('x'.repeat(50) + '-tail')).toHaveLength(32);
  });

  it('bybit-v5: JSON body with category spot, capitalised enums, symbol + orderId on cancel', () => {
    expect(JSON.parse(buildRequest(bybitV5, 'createOrder', input).body!)).toEqual({ category: 'spot', symbol: 'BTCUSDT', side: 'Sell', orderType: 'Limit', qty: '0.00000012', price: '70000.1', timeInForce: 'GTC', orderLinkId: 'lg-0a1b2c3d-zz' });
    expect(JSON.parse(buildRequest(bybitV5, 'createOrder', { order: { ...order, type: 'market', side: 'buy' } }).body!)).toMatchObject({ orderType: 'Market', side: 'Buy', marketUnit: 'baseCoin' });
    expect(JSON.parse(buildRequest(bybitV5, 'cancelOrder', input).body!)).toEqual({ category: 'spot', symbol: 'BTCUSDT', orderId: '987' });
    expect(buildRequest(bybitV5, 'fetchTicker', input).path).toBe('/v5/market/tickers?category=spot&symbol=BTCUSDT');
  });

  it('fails loudly when an operation is missing its input', () => {
    for (const name of DIALECT_NAMES) {
      const d = getDialect(name);
      expect(() => buildRequest(d, 'cancelOrder', { symbol: 'BTC/USDT' }), name).toThrow(/orderId/);
      expect(() => buildRequest(d, 'createOrder', {}), name).toThrow(/order/);
    }
  });

  it('formats decimals the way exchanges accept them', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e25, max: 1e25, noNaN: true }), (v) => {
        const s = formatDecimal(v);
        expect(s).toMatch(/^-?\d+(\.\d+)?$/);
        expect(Number(s)).toBe(v === 0 ? 0 : v);
      }),
      { numRuns: 2000 },
    );
    expect(formatDecimal(1.2e-7)).toBe('0.00000012');
    expect(formatDecimal(1e21)).toBe('1000000000000000000000');
  });
});

describe('readers, on response bodies from the exchanges’ docs', () => {
  it('binance-spot', () => {
    const info = JSON.stringify({
      timezone: 'UTC',
      serverTime: 1565246363776,
      symbols: [
        {
          symbol: 'ETHBTC',
          status: 'TRADING',
          baseAsset: 'ETH',
          quoteAsset: 'BTC',
          filters: [
            { filterType: 'PRICE_FILTER', minPrice: '0.00000100', maxPrice: '100000.00000000', tickSize: '0.00000100' },
            { filterType: 'LOT_SIZE', minQty: '0.00100000', maxQty: '100000.00000000', stepSize: '0.00100000' },
            { filterType: 'NOTIONAL', minNotional: '0.00010000' },
          ],
        },
        { symbol: 'OLDBTC', status: 'BREAK', baseAsset: 'OLD', quoteAsset: 'BTC', filters: [] },
      ],
    });
    expect(binanceSpot.readers.markets(info)).toEqual([{ symbol: 'ETH/BTC', id: 'ETHBTC', base: 'ETH', quote: 'BTC', tickSize: 0.000001, stepSize: 0.001, minQty: 0.001, minNotional: 0.0001 }]);
    expect(binanceSpot.readers.lastPrice('{"symbol":"BNBBTC","priceChange":"-94.99999800","lastPrice":"4.00000200","bidPrice":"4.00000000"}')).toBe(4.000002);
    expect(binanceSpot.readers.orderId('{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":"6gCrw2kRUAF9CvJDGP16IP","transactTime":1507725176595}')).toBe('28');
    expect(binanceSpot.readers.serverTimeMs('{"serverTime":1499827319559}')).toBe(1499827319559);
  });

  it('okx-v5', () => {
    const inst = '{"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","baseCcy":"BTC","quoteCcy":"USDT","tickSz":"0.1","lotSz":"0.00000001","minSz":"0.00001","state":"live"}]}';
    expect(okxV5.readers.markets(inst)).toEqual([{ symbol: 'BTC/USDT', id: 'BTC-USDT', base: 'BTC', quote: 'USDT', tickSize: 0.1, stepSize: 0.00000001, minQty: 0.00001 }]);
    expect(okxV5.readers.lastPrice('{"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","last":"9999.99","lastSz":"0.1","askPx":"9999.99","ts":"1597026383085"}]}')).toBe(9999.99);
    expect(okxV5.readers.serverTimeMs('{"code":"0","msg":"","data":[{"ts":"1597026383085"}]}')).toBe(1597026383085);
    expect(okxV5.readers.orderId('{"code":"1","msg":"","data":[{"ordId":"","sCode":"51008","sMsg":"x"}]}')).toBeUndefined();
  });

  it('bybit-v5', () => {
    const inst = JSON.stringify({
      retCode: 0,
      retMsg: 'OK',
      result: {
        category: 'spot',
        list: [{ symbol: 'BTCUSDT', baseCoin: 'BTC', quoteCoin: 'USDT', status: 'Trading', lotSizeFilter: { basePrecision: '0.000001', quotePrecision: '0.00000001', minOrderQty: '0.000048', maxOrderQty: '71.73956243', minOrderAmt: '1', maxOrderAmt: '2000000' }, priceFilter: { tickSize: '0.01' } }],
      },
    });
    expect(bybitV5.readers.markets(inst)).toEqual([{ symbol: 'BTC/USDT', id: 'BTCUSDT', base: 'BTC', quote: 'USDT', tickSize: 0.01, stepSize: 0.000001, minQty: 0.000048, minNotional: 1 }]);
    expect(bybitV5.readers.lastPrice('{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[{"symbol":"BTCUSDT","bid1Price":"20517.96","lastPrice":"20520.45"}]},"time":1673859087947}')).toBe(20520.45);
    expect(bybitV5.readers.orderId('{"retCode":0,"retMsg":"OK","result":{"orderId":"1321003749386327552","orderLinkId":"spot-test-postonly"},"retExtInfo":{},"time":1672211918471}')).toBe('1321003749386327552');
    expect(bybitV5.readers.serverTimeMs('{"retCode":0,"retMsg":"OK","result":{"timeSecond":"1688639403","timeNano":"1688639403423213947"},"retExtInfo":{},"time":1688639403423}')).toBe(1688639403423);
  });

  it('loadgate', () => {
    expect(loadgate.readers.markets('[{"symbol":"BTC-USDT","base":"BTC","quote":"USDT","tickSize":0.1,"stepSize":0.00001,"minQty":0.00001,"minNotional":5}]')).toEqual([{ symbol: 'BTC/USDT', id: 'BTC-USDT', base: 'BTC', quote: 'USDT', tickSize: 0.1, stepSize: 0.00001, minQty: 0.00001, minNotional: 5 }]);
    expect(loadgate.readers.lastPrice('{"symbol":"BTC-USDT","last":65000.1,"bid":65000}')).toBe(65000.1);
    expect(loadgate.readers.orderId('{"orderId":"o-1","status":"open"}')).toBe('o-1');
    expect(loadgate.readers.serverTimeMs('{"serverTimeMs":1700000000000}')).toBe(1700000000000);
  });
});

describe('published limits', () => {
  it.each(DIALECT_NAMES)('%s documents its exchange’s limits with a source', (name) => {
    const l = getDialect(name).limits;
    expect(l.doc).toMatch(/./);
    expect(l.rest.length).toBeGreaterThan(0);
    expect(l.streams.length).toBeGreaterThan(0);
  });
});
