/**
 * Custom endpoints (issue 10): operations a suite declares in `target.endpoints` join the mix, are built and
 * signed in the target's dialect, get their own per-endpoint results and SLA keys. Against the loadgate mock, so
 * the declared endpoints map onto routes it has (the ticker, and the signed cancel).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MOCK_CREDENTIALS, startMockExchange, type MockExchange } from '../../mocks/index.js';
import { runSuite } from '../../src/run.js';
import { parseSuite } from '../../src/suite/load.js';
import { evaluate } from '../../src/sla/evaluate.js';
import { planForSuite } from '../../src/commands/shared.js';
import { InputError } from '../../src/errors.js';

const env = { LG_KEY: DEFAULT_MOCK_CREDENTIALS.apiKey, LG_SECRET: DEFAULT_MOCK_CREDENTIALS.apiSecret };

const endpoints = {
  // A public GET with a query template: the mock's ticker.
  lastTrade: { method: 'GET', path: '/api/v1/ticker', params: { symbol: '{symbol}' } },
  // A signed DELETE with a path template: the mock's cancel, of the newest order the run created.
  dropNewest: { method: 'DELETE', path: '/api/v1/orders/{orderId}', signed: true },
};

function suiteFor(url: string, load: Record<string, unknown>, engine?: string) {
  return parseSuite('custom.yaml', {
    name: 'custom',
    target: { url, auth: { apiKeyEnv: 'LG_KEY', apiSecretEnv: 'LG_SECRET' }, timeoutMs: 5000, endpoints },
    workloads: [{ name: 'w', ...(engine ? { engine } : {}), load, mix: [{ endpoint: 'createOrder', weight: 2 }, { endpoint: 'lastTrade', weight: 2 }, { endpoint: 'dropNewest', weight: 1 }], symbols: ['BTC-USDT', 'ETH-USDT'] }],
    sla: { endpoints: { lastTrade: { p99Ms: 5000, errorRatePct: 1 }, dropNewest: { errorsPerMinute: { auth: 0 } } } },
  });
}

let mock: MockExchange | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

describe('custom endpoints', () => {
  it.each([
    ['open', { model: 'open', ratePerSec: 40, durationSec: 2 }, undefined],
    ['closed (autocannon)', { model: 'closed', connections: 2, durationSec: 1 }, 'autocannon'],
    ['closed (closed engine, the default)', { model: 'closed', connections: 2, durationSec: 1 }, undefined],
  ])('%s: are driven, signed and measured per endpoint, and their SLA keys are checked', async (_name, load, engine) => {
    mock = await startMockExchange({ rateLimit: false });
    const suite = suiteFor(mock.url, load, engine);
    const result = await runSuite({ suite, env });
    const last = result.endpoints.lastTrade!;
    const drop = result.endpoints.dropNewest!;
    expect(last.requests).toBeGreaterThan(0);
    expect(last.errors).toEqual({});
    expect(drop.requests).toBeGreaterThan(0);
    // Signed in the dialect: the mock verified every signature (no auth refusals).
    expect(drop.errors.auth ?? 0).toBe(0);
    expect(mock.stats.byEndpoint.fetchTicker).toBeGreaterThanOrEqual(last.requests);
    const verdict = evaluate(planForSuite(suite), result);
    const ids = verdict.checks.map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['lastTrade.p99Ms', 'lastTrade.errorRatePct', 'dropNewest.errorsPerMinute.auth']));
    for (const c of verdict.checks.filter((x) => x.id.startsWith('lastTrade.'))) expect(c.status, c.id).toBe('pass');
  });

  it('a mix naming an undeclared endpoint, or a template with an unknown placeholder, is invalid input with its path', () => {
    const base = { target: { mock: true, endpoints }, workloads: [{ name: 'w', load: { model: 'closed', connections: 1, durationSec: 1 }, mix: [{ endpoint: 'fetchTicker' }, { endpoint: 'lastTrde' }] }] };
    expect(() => parseSuite('s.yaml', base)).toThrow(InputError);
    expect(() => parseSuite('s.yaml', base)).toThrow(/workloads\[0\]\.mix\[1\]\.endpoint: expected one of "fetchMarkets".* or a custom endpoint of target\.endpoints \(lastTrade, dropNewest\), got "lastTrde"/);
    const bad = { ...base, target: { mock: true, endpoints: { risk: { method: 'GET', path: '/v1/risk/{accont}' } } }, workloads: [{ ...base.workloads[0]!, mix: [{ endpoint: 'risk' }] }] };
    expect(() => parseSuite('s.yaml', bad)).toThrow(/target\.endpoints\.risk\.path: unknown placeholder \{accont\}/);
    const k6 = { ...base, workloads: [{ ...base.workloads[0]!, engine: 'k6', mix: [{ endpoint: 'lastTrade' }] }] };
    // k6 runs them (its scenarios plan with the same RequestPlanner); the sdk engine calls SDK methods, not routes.
    expect(parseSuite('s.yaml', k6).workloads[0]!.customMix?.map((m) => m.endpoint)).toEqual(['lastTrade']);
    const sdk = { ...base, workloads: [{ ...base.workloads[0]!, driver: { sdk: 'ccxt', exchange: 'binance' }, mix: [{ endpoint: 'fetchTicker' }, { endpoint: 'lastTrade' }] }] };
    const err = (() => {
      try {
        parseSuite('s.yaml', sdk);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/workloads\[0\]\.mix\[1\]\.endpoint: custom endpoint "lastTrade": the sdk engine does not run custom endpoints yet; use engine autocannon or closed or open or k6/);
    const builtInName = { ...base, target: { mock: true, endpoints: { fetchTicker: endpoints.lastTrade } } };
    expect(() => parseSuite('s.yaml', builtInName)).toThrow(/target\.endpoints\.fetchTicker/);
  });
});
