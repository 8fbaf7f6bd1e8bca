/**
 * The HTTP engines classify in the target's dialect (issue 10). OKX and Bybit refuse with HTTP 200 and a non-zero
 * code in the body, so the open engine must read every body there (not only error statuses, as for loadgate):
 * a cancel of an order the target does not know is a trading error (orderNotFound), not a success.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { DEFAULT_MOCK_CREDENTIALS, startMockExchange, type MockExchange } from '../../mocks/index.js';
import { prepareRunner } from '../../src/engines/open/runner.js';
import { DEFAULT_TRANSPORT } from '../../src/engines/open/transport.js';
import { ThreadHealthProbe } from '../../src/engines/generator-health.js';
import { parseSuite } from '../../src/suite/load.js';
import type { DialectName } from '../../src/dialect/registry.js';

let mock: MockExchange | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

describe.each<DialectName>(['okx-v5', 'bybit-v5', 'binance-spot'])('%s', (dialect) => {
  it('the open engine counts cancels of unknown orders as trading errors (orderNotFound), read from the answer body', async () => {
    mock = await startMockExchange({ rateLimit: false, dialect });
    const suite = parseSuite('s.yaml', {
      target: { url: mock.url, dialect },
      workloads: [{ name: 'w', load: { model: 'open', ratePerSec: 20, durationSec: 1 }, mix: [{ endpoint: 'cancelOrder' }], symbols: ['BTC/USDT'] }],
    });
    const now = () => performance.now();
    // No order pool: every cancel names an order the target never saw.
    const runner = await prepareRunner({ workload: suite.workloads[0]!, baseUrl: mock.url, credentials: { ...DEFAULT_MOCK_CREDENTIALS }, dialect, timeoutMs: 5000, seed: 1, originMs: now(), now, transport: DEFAULT_TRANSPORT, probe: new ThreadHealthProbe(), orderPool: 0 });
    const result = await runner.run(now());
    const cancels = result.endpoints.cancelOrder!;
    expect(cancels.requests).toBeGreaterThan(0);
    expect(cancels.errors).toEqual({ trading: cancels.requests });
    expect(Object.keys(cancels.errorCodes ?? {}).length).toBeGreaterThan(0);
  });
});
