import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify, classifyTransportError, DIALECT_NAMES, getDialect } from '../../src/dialect/index.js';
import { binanceSpot } from '../../src/dialect/binance-spot/index.js';
import { okxV5 } from '../../src/dialect/okx-v5/index.js';
import { bybitV5 } from '../../src/dialect/bybit-v5/index.js';
import { loadgate } from '../../src/dialect/loadgate/index.js';
import { classifyResponse, classifyTransportError as todayTransport, extractErrorCode } from '../../src/engines/exchange-requests.js';
import { ERROR_CLASSES } from '../../src/result/model.js';

const STATUSES = [200, 201, 204, 301, 304, 400, 401, 403, 404, 408, 409, 413, 418, 422, 429, 500, 502, 503, 504];

describe('loadgate error table', () => {
  it('classifies every (status, body code) exactly like src/engines/exchange-requests.ts does today', () => {
    const codes = [undefined, 'rateLimitExceeded', 'insufficientMargin', 'insufficientBalance', 'invalidOrder', 'invalidSymbol', 'invalidParameter', 'orderNotFound', 'invalidSignature', 'missingApiKey', 'notFound', 'internalError', 'payloadTooLarge'];
    fc.assert(
      fc.property(fc.constantFrom(...STATUSES), fc.constantFrom(...codes), (status, code) => {
        const body = code === undefined ? '{"status":"ok"}' : JSON.stringify({ error: { code, message: 'm' } });
        const got = classify(loadgate.errors, status, body);
        expect(got?.errorClass).toBe(classifyResponse(status, extractErrorCode(body)));
        // errorCode as the engines record it today: the body's code on an error status, else nothing.
        if (got !== undefined) expect(got.errorCode).toBe(status >= 400 ? extractErrorCode(body) : undefined);
      }),
      { numRuns: 400 },
    );
  });

  it('names the trading reason and keeps the mock’s own code for errorCodes', () => {
    const body = (code: string) => JSON.stringify({ error: { code, message: '' } });
    expect(classify(loadgate.errors, 400, body('insufficientMargin'))).toEqual({ errorClass: 'trading', errorCode: 'insufficientMargin', reason: 'insufficientMargin' });
    expect(classify(loadgate.errors, 404, body('orderNotFound'))).toEqual({ errorClass: 'trading', errorCode: 'orderNotFound', reason: 'orderNotFound' });
    expect(classify(loadgate.errors, 400, body('invalidSymbol'))).toEqual({ errorClass: 'trading', errorCode: 'invalidSymbol', reason: 'invalidOrder' });
    expect(classify(loadgate.errors, 503, '')).toEqual({ errorClass: 'server' });
    expect(classify(loadgate.errors, 201, '{"orderId":"o1"}')).toBeUndefined();
  });

  it('classifies transport errors like today', () => {
    for (const err of [Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), Object.assign(new Error('x'), { code: 'ECONNRESET' }), new Error('socket hang up'), new Error('The operation was aborted due to timeout'), undefined]) {
      expect(classifyTransportError(err)).toEqual(todayTransport(err));
    }
  });
});

describe('Binance spot error table', () => {
  const e = (code: number) => JSON.stringify({ code, msg: 'm' });
  it.each([
    [429, -1003, 'rateLimit', undefined],
    [418, -1003, 'rateLimit', undefined],
    [400, -1015, 'rateLimit', undefined],
    [400, -2010, 'trading', 'insufficientMargin'],
    [400, -2011, 'trading', 'orderNotFound'],
    [400, -2013, 'trading', 'orderNotFound'],
    [400, -1013, 'trading', 'invalidOrder'],
    [400, -1121, 'trading', 'invalidOrder'],
    [401, -2014, 'auth', undefined],
    [401, -2015, 'auth', undefined],
    [400, -1022, 'auth', undefined],
    [400, -1021, 'auth', undefined],
    [400, -1102, 'client', undefined],
    [503, -1008, 'server', undefined],
    [408, -1007, 'timeout', undefined],
  ] as const)('HTTP %i with code %i is %s %s', (status, code, errorClass, reason) => {
    const got = classify(binanceSpot.errors, status, e(code));
    expect(got?.errorClass).toBe(errorClass);
    expect(got?.errorCode).toBe(String(code));
    expect(got?.reason).toBe(reason);
  });

  it('reads an IP ban or a WAF block without a body as a rate limit, and a 200 as a success', () => {
    expect(classify(binanceSpot.errors, 418, '')?.errorClass).toBe('rateLimit');
    expect(classify(binanceSpot.errors, 403, '<html>')?.errorClass).toBe('rateLimit');
    expect(classify(binanceSpot.errors, 200, '{"symbol":"BTCUSDT","orderId":28}')).toBeUndefined();
  });
});

describe('OKX v5 error table', () => {
  const e = (code: string) => JSON.stringify({ code, msg: 'm', data: [] });
  it.each([
    [429, '50011', 'rateLimit', undefined],
    [200, '50061', 'rateLimit', undefined],
    [401, '50113', 'auth', undefined],
    [401, '50111', 'auth', undefined],
    [401, '50105', 'auth', undefined],
    [401, '50102', 'auth', undefined],
    [200, '51008', 'trading', 'insufficientMargin'],
    [200, '51603', 'trading', 'orderNotFound'],
    [200, '51400', 'trading', 'orderNotFound'],
    [200, '51121', 'trading', 'invalidOrder'],
    [503, '50001', 'server', undefined],
    [200, '50004', 'timeout', undefined],
    [400, '51000', 'client', undefined],
  ] as const)('HTTP %i with code %s is %s %s', (status, code, errorClass, reason) => {
    const got = classify(okxV5.errors, status, e(code));
    expect(got?.errorClass).toBe(errorClass);
    expect(got?.errorCode).toBe(code);
    expect(got?.reason).toBe(reason);
  });

  it('takes the per-order sCode when an order call fails as a whole ("code":"1")', () => {
    const body = '{"code":"1","msg":"All operations failed","data":[{"clOrdId":"a","ordId":"","sCode":"51008","sMsg":"Order failed. Insufficient USDT balance in account."}],"inTime":"1","outTime":"2"}';
    expect(classify(okxV5.errors, 200, body)).toEqual({ errorClass: 'trading', errorCode: '51008', reason: 'insufficientMargin' });
  });

  it('reads "code":"0" as a success and leaves the order id to the reader', () => {
    const body = '{"code":"0","msg":"","data":[{"clOrdId":"lgab","ordId":"312269865356374016","tag":"","sCode":"0","sMsg":""}]}';
    expect(classify(okxV5.errors, 200, body)).toBeUndefined();
    expect(okxV5.readers.orderId(body)).toBe('312269865356374016');
  });
});

describe('Bybit v5 error table', () => {
  const e = (retCode: number) => JSON.stringify({ retCode, retMsg: 'm', result: {}, retExtInfo: {}, time: 1 });
  it.each([
    [200, 10006, 'rateLimit', undefined],
    [200, 10018, 'rateLimit', undefined],
    [200, 10003, 'auth', undefined],
    [200, 10004, 'auth', undefined],
    [200, 10002, 'auth', undefined],
    [200, 170131, 'trading', 'insufficientMargin'],
    [200, 110007, 'trading', 'insufficientMargin'],
    [200, 170213, 'trading', 'orderNotFound'],
    [200, 110001, 'trading', 'orderNotFound'],
    [200, 170136, 'trading', 'invalidOrder'],
    [200, 10016, 'server', undefined],
    [200, 10001, 'client', undefined],
  ] as const)('HTTP %i with retCode %i is %s %s', (status, code, errorClass, reason) => {
    const got = classify(bybitV5.errors, status, e(code));
    expect(got?.errorClass).toBe(errorClass);
    expect(got?.errorCode).toBe(String(code));
    expect(got?.reason).toBe(reason);
  });

  it('reads HTTP 403 "access too frequent" as the IP rate limit and retCode 0 as a success', () => {
    expect(classify(bybitV5.errors, 403, 'access too frequent')?.errorClass).toBe('rateLimit');
    expect(classify(bybitV5.errors, 200, '{"retCode":0,"retMsg":"OK","result":{"orderId":"1321003749386327552","orderLinkId":"x"},"time":1}')).toBeUndefined();
  });
});

describe('every error table', () => {
  it.each(DIALECT_NAMES)('%s: only loadgate error classes, and a trading reason only on trading rules', (name) => {
    const t = getDialect(name).errors;
    expect(t.doc).toMatch(/./);
    for (const [code, rule] of Object.entries(t.codes)) {
      expect(ERROR_CLASSES, code).toContain(rule.errorClass);
      if (rule.reason !== undefined) expect(rule.errorClass, code).toBe('trading');
    }
    for (const cls of Object.values(t.statuses ?? {})) expect(ERROR_CLASSES).toContain(cls);
  });

  it.each(DIALECT_NAMES)('%s: a 429 is a rate limit and a 5xx a server error whatever the body says', (name) => {
    const t = getDialect(name).errors;
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(t.codes)), fc.constantFrom(500, 502, 503), (code, s5xx) => {
        const body = name === 'loadgate' ? JSON.stringify({ error: { code } }) : name === 'binance-spot' ? `{"code":${code},"msg":""}` : name === 'okx-v5' ? `{"code":"${code}","msg":""}` : `{"retCode":${code},"retMsg":""}`;
        expect(classify(t, 429, body)?.errorClass).toBe('rateLimit');
        const server = classify(t, s5xx, body)?.errorClass;
        expect(server === 'server' || server === 'rateLimit' || server === 'auth').toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
