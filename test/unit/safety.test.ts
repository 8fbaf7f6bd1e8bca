import { describe, expect, it } from 'vitest';
import { parseSuite } from '../../src/suite/load.js';
import { InputError } from '../../src/errors.js';
import { assertLiveOrdersAllowed, hostOf, isLoopbackHost, isOrderMethod, liveOrderDecision, orderReason } from '../../src/safety.js';

const closed = { model: 'closed', connections: 2, durationSec: 1 };
const open = { model: 'open', ratePerSec: 5, durationSec: 2 };

function suite(target: Record<string, unknown>, workloads: Array<Record<string, unknown>>) {
  return parseSuite('s.yaml', { target, workloads }, {});
}
const ordersAt = (url: string, extra: Record<string, unknown> = {}) =>
  suite({ url, ...extra }, [
    { name: 'reads', load: closed, mix: [{ endpoint: 'fetchTicker' }] },
    { name: 'orders', load: open, mix: [{ endpoint: 'createOrder' }, { endpoint: 'cancelOrder' }] },
  ]);

describe('loopback hosts', () => {
  it.each([
    ['http://localhost:8080', true],
    ['http://LOCALHOST.', true],
    ['http://127.0.0.1:1', true],
    ['http://127.200.3.4', true],
    ['http://127.1', true], // WHATWG URL: 127.0.0.1
    ['http://0x7f.0.0.1', true],
    ['http://[::1]:9', true],
    ['http://[0:0:0:0:0:0:0:1]', true],
    ['http://[::ffff:127.0.0.1]', true],
    ['http://128.0.0.1', false],
    ['http://10.0.0.1', false],
    ['http://[::2]', false],
    ['http://[::ffff:10.0.0.1]', false],
    ['https://api.binance.invalid', false],
    ['http://foo.localhost', false], // might resolve to loopback, but no lookup is made to find out
    ['http://localhost.example.invalid', false],
    ['http://127.0.0.1.nip.invalid', false],
  ])('%s → loopback %s', (url, expected) => {
    expect(isLoopbackHost(hostOf(url)!)).toBe(expected);
  });
});

describe('which workloads place orders', () => {
  const w = (name: string, mix: string[], extra: Record<string, unknown> = {}) =>
    suite({ mock: true }, [{ name, load: open, mix: mix.map((endpoint) => ({ endpoint })), ...extra }]).workloads[0]!;

  it('a mix with createOrder or cancelOrder does; reads do not', () => {
    expect(orderReason(w('a', ['createOrder']))).toMatch(/createOrder/);
    expect(orderReason(w('a', ['fetchTicker', 'cancelOrder']))).toMatch(/cancelOrder/);
    expect(orderReason(w('a', ['fetchTicker', 'fetchOrderBook', 'fetchMarkets']))).toBeUndefined();
  });

  it("an SDK driver's order methods do (create, edit, cancel), its reads do not", () => {
    const sdk = (methods: string[]) =>
      suite({ mock: true }, [{ name: 'sdk', load: open, driver: { sdk: 'ccxt', exchange: 'binance', methods: methods.map((method) => ({ method })) } }]).workloads[0]!;
    expect(orderReason(sdk(['fetchBalance', 'createLimitBuyOrder']))).toBe('its driver calls createLimitBuyOrder');
    expect(orderReason(sdk(['editOrder', 'cancelAllOrders']))).toBe('its driver calls editOrder, cancelAllOrders');
    expect(orderReason(sdk(['fetchOpenOrders', 'fetchOrder', 'watchOrders', 'fetchBalance']))).toBeUndefined();
    expect(isOrderMethod('createOrders')).toBe(true);
  });

  it('a custom endpoint in the mix that is not a GET does (it may change state); a GET one does not', () => {
    const s = suite({ url: 'https://api.exchange.invalid', endpoints: { placeIt: { method: 'POST', path: '/api/v3/order', signed: true }, balance: { method: 'GET', path: '/api/v3/account', signed: true } } }, [
      { name: 'writes', load: open, mix: [{ endpoint: 'fetchTicker' }, { endpoint: 'placeIt' }] },
      { name: 'reads', load: open, mix: [{ endpoint: 'balance' }] },
    ]);
    const d = liveOrderDecision(s);
    expect(d.orderWorkloads).toEqual([{ workload: 'writes', reason: 'its mix has custom endpoint placeIt (POST /api/v3/order), which may change state' }]);
    expect(d.refusal?.message).toMatch(/"writes"/);
  });

  it('the k6 order-lifecycle scenario does, by workload name or LOADGATE_K6_SCENARIO, only on k6', () => {
    const byName = w('order-lifecycle-1', ['fetchTicker'], { engine: 'k6' });
    expect(orderReason(byName)).toMatch(/order-lifecycle/);
    expect(orderReason(w('order-lifecycle-1', ['fetchTicker']))).toBeUndefined(); // runs on `open`, reads only
    expect(orderReason(w('reads', ['fetchTicker']), 'k6', 'order-lifecycle')).toMatch(/order-lifecycle/);
    expect(orderReason(w('reads', ['fetchTicker']), 'k6', 'rest-mix')).toBeUndefined();
  });
});

describe('the live-order policy', () => {
  it('refuses orders to a remote host without both opt-ins, naming the workload and the host', () => {
    for (const [extra, live, missing] of [
      [{}, false, /allowLiveOrders: true` in the suite and `--live`/],
      [{ allowLiveOrders: true }, false, /`--live` on the command line is missing/],
      [{}, true, /allowLiveOrders: true` in the suite is missing/],
      [{ allowLiveOrders: false }, true, /allowLiveOrders/],
    ] as const) {
      const d = liveOrderDecision(ordersAt('https://api.exchange.invalid', extra), { live });
      expect(d.refusal?.message).toMatch(/api\.exchange\.invalid/);
      expect(d.refusal?.message).toMatch(/"orders"/);
      expect(d.refusal?.message).not.toMatch(/"reads"/);
      expect(d.refusal?.hint).toMatch(missing);
      expect(d.live).toBe(false);
      expect(() => assertLiveOrdersAllowed(ordersAt('https://api.exchange.invalid', extra), { live })).toThrow(InputError);
    }
  });

  it('the error is exit 2 with a stable code', () => {
    try {
      assertLiveOrdersAllowed(ordersAt('https://api.exchange.invalid'));
      expect.unreachable();
    } catch (e) {
      expect((e as InputError).code).toBe('LG_LIVE_ORDERS_REFUSED');
      expect((e as InputError).exitCode).toBe(2);
    }
  });

  it('both opt-ins let it start, marked live', () => {
    const d = assertLiveOrdersAllowed(ordersAt('https://api.exchange.invalid', { allowLiveOrders: true }), { live: true });
    expect(d).toMatchObject({ host: 'api.exchange.invalid', loopback: false, live: true, refusal: undefined });
    expect(d.orderWorkloads.map((o) => o.workload)).toEqual(['orders']);
  });

  it('loopback targets and the mock need no opt-in; read-only workloads need none anywhere', () => {
    expect(liveOrderDecision(ordersAt('http://127.0.0.1:9')).refusal).toBeUndefined();
    expect(liveOrderDecision(ordersAt('http://[::1]:9')).refusal).toBeUndefined();
    expect(liveOrderDecision(suite({ mock: true }, [{ name: 'o', load: open, mix: [{ endpoint: 'createOrder' }] }])).refusal).toBeUndefined();
    const reads = suite({ url: 'https://api.exchange.invalid' }, [{ name: 'r', load: open, mix: [{ endpoint: 'fetchTicker' }] }]);
    expect(liveOrderDecision(reads)).toMatchObject({ loopback: false, orderWorkloads: [], live: false, refusal: undefined });
  });

  it('checks the URL requests really go to (loadgate k6 --target-url) and the engine they run on', () => {
    const mockSuite = suite({ mock: true }, [{ name: 'order-lifecycle', load: open, mix: [{ endpoint: 'fetchTicker' }] }]);
    expect(liveOrderDecision(mockSuite, { targetUrl: 'http://mock.invalid:8080', engine: 'k6' }).refusal?.message).toMatch(/mock\.invalid.*"order-lifecycle"/);
    expect(liveOrderDecision(mockSuite, { targetUrl: 'http://localhost:8080', engine: 'k6' }).refusal).toBeUndefined();
    const local = ordersAt('https://api.exchange.invalid');
    expect(liveOrderDecision(local, { targetUrl: 'http://127.0.0.1:1' }).refusal).toBeUndefined();
  });
});
