/**
 * The set-up promise: `npm start` runs scenarios/default.suite.yaml against the built-in mock, passes every
 * SLA check (exit 0) and writes the reports. This runs exactly what `npm start` runs, into a temp folder.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runResultSchema } from '../../src/result/model.js';
import { endpointStats, measuredWindow } from '../../src/result/stats.js';
import { runCli, tempDir } from '../helpers/cli.js';

describe('the default suite (npm start)', () => {
  it('passes against the built-in mock and writes result.json, report.json and report.md', async (ctx) => {
    const out = join(await tempDir(), 'default');
    const r = await runCli(['run', 'scenarios/default.suite.yaml', '--out', out], { timeoutMs: 90_000, env: { LOADGATE_ACCEPT_UNTRUSTWORTHY: '' } });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // On an overloaded box the generator itself can saturate: then the run must say so everywhere and exit 3,
    // never PASS (issue #13); the set-up promise is only judged on a run whose numbers can be trusted.
    const verdict = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')).verdict as { status: string; reason: string | null };
    if (verdict.status === 'untrustworthy') {
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(/^ UNTRUSTWORTHY /);
      ctx.skip(`generator saturated on this box: ${verdict.reason}`);
    }
    expect(r.stdout).toMatch(/PASS/);
    expect(r.code).toBe(0);
    expect(await readdir(out)).toEqual(expect.arrayContaining(['result.json', 'report.json', 'report.md', 'report.html', 'junit.xml']));
    const result = runResultSchema.parse(JSON.parse(await readFile(join(out, 'result.json'), 'utf8')));
    for (const ep of ['fetchMarkets', 'fetchOrderBook', 'fetchTicker', 'createOrder', 'cancelOrder', 'ws:orderbook', 'ws:ticker', 'ws:trades']) {
      expect(result.endpoints[ep]?.requests, ep).toBeGreaterThan(0);
    }
    // The mock's own time, from the end of the warm-up: about the measured requests, never slower than the client saw.
    const window = measuredWindow(result);
    for (const ep of ['fetchMarkets', 'fetchOrderBook', 'fetchTicker', 'createOrder', 'cancelOrder']) {
      const server = result.meta.target.serverTimeMs?.[ep];
      const client = endpointStats(ep, result.endpoints[ep]!, result.meta.durationSec, window);
      expect(server?.count, ep).toBeGreaterThan(0);
      expect(Math.abs(server!.count! - client.requests) / client.requests, ep).toBeLessThan(0.05);
      expect(server!.p50Ms!, ep).toBeLessThanOrEqual(client.latency!.p50Ms! * 1.001);
      expect(server!.p99Ms!, ep).toBeLessThanOrEqual(client.latency!.p99Ms! * 1.001);
    }
    // The suite's `faultSeed: per-run`: the mock drew its own latency draws, and the result says which (a replay sets it).
    expect(Number.isInteger(result.meta.target.faultSeed), 'meta.target.faultSeed').toBe(true);
    const report = await readFile(join(out, 'report.md'), 'utf8');
    expect(report).toContain("p50 / p99 at the target (mock's own time)");
  }, 120_000);
});
