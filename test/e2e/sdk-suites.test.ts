/**
 * SDK suites through the real CLI (issue 11): the shipped suites that time the five operations through ccxt's
 * binance (the mock speaking binance-spot) and through the example driver module (the mock's own dialect) run
 * against the built-in mock, checked against the exchange-api preset, exit 0, with per-method p50/p95/p99 and
 * errors, the mock's server time per method, and say that market loading happened in set-up.
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
  it.for([
    ['ccxt-binance.suite.yaml', /^ccxt \S+ \(binance\)$/],
    ['sdk-example.suite.yaml', /^module example-sdk\.ts$/],
  ] as Array<[string, RegExp]>)(
    'scenarios/%s: the five operations through the SDK, exchange-api preset, exit 0',
    { timeout: 180_000 },
    async ([file, sdk], ctx) => {
      const { r, result, report } = await runShipped(file);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      // What the SDK measured holds however busy the machine is.
      expect(result.meta.engines.map((e) => e.name)).toEqual(['sdk']);
      expect(result.meta.engines[0]!.version.replace(/^\S+ \((.*)\)$/, '$1')).toMatch(sdk);
      expect(result.meta.target.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      for (const m of METHODS) {
        expect(result.endpoints[m]!.requests, m).toBeGreaterThan(0);
        expect(result.meta.target.serverTimeMs?.[m]?.count, m).toBeGreaterThan(0);
        expect(r.stdout).toMatch(new RegExp(`^${m}\\s+[\\d,]+\\s`, 'm'));
      }
      expect(r.stdout).toMatch(/endpoint\s+requests\s+req\/s\s+err %\s+p50\s+p95\s+p99/);
      expect(r.stdout).toMatch(/markets loaded in set-up \(loadMarkets: 4 markets/);
      // The verdict: saturation is accepted here (vitest.config.ts), but a generator so starved by a busy machine
      // that its own stalls break the SLA measures itself, not the SDK: then the pass is not judged.
      if (r.code !== 0 && result.generator?.saturated) ctx.skip(`verdict not judged: generator saturated (box overloaded): ${result.generator.reasons.join('; ')}`);
      expect(r.code, r.stdout.slice(-3000)).toBe(0);
      expect(report.verdict.status).toBe('pass');
      expect(report.verdict.checks.some((c) => c.id === 'createOrder.successRatePct' && c.status === 'pass')).toBe(true);
    },
  );
});
