/**
 * SDK suites through the real CLI (issue 11): the shipped suite that times the five operations through the
 * example driver module runs against the built-in mock, checked against the exchange-api preset, exit 0, with
 * per-method p50/p95/p99 and errors, and says that market loading happened in set-up.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runResultSchema } from '../../src/result/model.js';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';

const METHODS = ['fetchMarkets', 'fetchOrderBook', 'fetchTicker', 'createOrder', 'cancelOrder'];

async function runShipped(suite: string) {
  const dir = await tempDir();
  const r = await runCli(['run', join(ROOT, 'scenarios', suite), '--out', join(dir, 'out')], { timeoutMs: 120_000 });
  const result = runResultSchema.parse(JSON.parse(await readFile(join(dir, 'out', 'result.json'), 'utf8')));
  const report = JSON.parse(await readFile(join(dir, 'out', 'report.json'), 'utf8')) as { verdict: { status: string; checks: Array<{ id: string; status: string }> } };
  return { r, result, report };
}

describe('shipped SDK suites', () => {
  it(
    'scenarios/sdk-example.suite.yaml: the five operations through the example driver, exchange-api preset, exit 0',
    async (ctx) => {
      const { r, result, report } = await runShipped('sdk-example.suite.yaml');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      // Saturation is accepted here (vitest.config.ts); a generator so starved by a busy machine that its own stalls
      // break the SLA measures itself, not the SDK: skip rather than judge those numbers.
      if (r.code !== 0 && result.generator?.saturated) ctx.skip(`generator saturated (box overloaded): ${result.generator.reasons.join('; ')}`);
      expect(r.code, r.stdout.slice(-3000)).toBe(0);
      expect(report.verdict.status).toBe('pass');
      expect(result.meta.engines.map((e) => e.name)).toEqual(['sdk']);
      for (const m of METHODS) {
        expect(result.endpoints[m]!.requests, m).toBeGreaterThan(0);
        expect(result.meta.target.serverTimeMs?.[m]?.count, m).toBeGreaterThan(0);
        expect(r.stdout).toMatch(new RegExp(`^${m}\\s+[\\d,]+\\s`, 'm'));
      }
      expect(r.stdout).toMatch(/endpoint\s+requests\s+req\/s\s+err %\s+p50\s+p95\s+p99/);
      expect(r.stdout).toMatch(/markets loaded in set-up \(loadMarkets: 4 markets/);
      expect(report.verdict.checks.some((c) => c.id === 'createOrder.successRatePct' && c.status === 'pass')).toBe(true);
    },
    180_000,
  );
});
