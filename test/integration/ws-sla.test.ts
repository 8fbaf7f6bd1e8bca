/** ws results go through the SLA evaluator unchanged: the exchange-api stream targets get data and judge it. */
import { afterEach, describe, expect, it } from 'vitest';
import { resultFromOutput } from '../helpers/results.js';
import { compileSla } from '../../src/sla/checks.js';
import { evaluate } from '../../src/sla/evaluate.js';
import { runStreams, startStreamServer, type StreamServer } from './ws-helpers.js';

let server: StreamServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('ws results and the exchange-api preset', () => {
  it('fails lossPct on injected loss, passes reconnect success after disconnects, and measures message latency', async () => {
    server = await startStreamServer({ ratePerSec: { trades: 50 }, faults: { dropRatePct: 2, disconnectEverySec: 1 } });
    const out = await runStreams(server, { load: { model: 'stream', connections: 4, connectRatePerSec: 200, durationSec: 2.5 } });
    const result = resultFromOutput(out, { durationSec: 2.5, suite: 'ws-sla', url: server.baseUrl });
    const plan = compileSla({ preset: 'exchange-api' }, { drivenEndpoints: new Set(Object.keys(out.endpoints)) });
    const verdict = evaluate(plan, result);
    const check = (id: string) => verdict.checks.find((c) => c.id === id);
    const s = out.endpoints['ws:trades']!.stream!;
    expect(s.disconnects).toBeGreaterThan(0);
    expect(check('ws:trades.lossPct')).toMatchObject({ status: 'fail' });
    expect(check('ws:trades.lossPct')!.actual).toBeCloseTo((s.lost / s.expected) * 100, 6);
    expect(check('ws:trades.reconnectSuccessPct')).toMatchObject({ status: 'pass', actual: 100 });
    expect(check('ws:trades.p95Ms')?.status).not.toBe('no-data');
  });
});
