import { describe, expect, it } from 'vitest';
import { compileRoutes } from '../../mocks/dialects/index.js';
import { buildRequest, DIALECT_NAMES, getDialect, matchRoute, OPERATIONS } from '../../src/dialect/index.js';

describe("the mock's compiled router", () => {
  it.each(DIALECT_NAMES)('%s: routes what matchRoute routes, for every request a client builds and for misses', (name) => {
    const d = getDialect(name);
    const router = compileRoutes(d);
    const paths: Array<[string, string]> = [['GET', '/nope'], ['PUT', d.rest.fetchTicker.path], ['DELETE', '/api/v1/orders/'], ['DELETE', '/api/v1/orders/a/b']];
    for (const op of OPERATIONS) {
      const w = buildRequest(d, op, { symbol: 'BTC/USDT', depth: 5, orderId: 'o/1', order: { symbol: 'BTC/USDT', side: 'buy', type: 'limit', qty: 1, price: 2, clientOrderId: 'c1' } });
      paths.push([w.method, w.path.split('?')[0]!]);
    }
    for (const [method, path] of paths) {
      const theirs = matchRoute(d, method, path);
      const ours = router.match(method, path);
      expect(ours === undefined ? undefined : { op: ours.op, pathParams: { ...ours.pathParams } }, `${method} ${path}`).toEqual(theirs);
    }
  });
});
