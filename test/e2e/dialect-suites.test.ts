/**
 * The HTTP engines speak every dialect the mock speaks (issue 10): scenarios/<exchange>.suite.yaml runs the five
 * REST operations (open model and autocannon) and three streams (ws engine) against the mock in that exchange's API, through the CLI, and
 * exits 0. The generator may saturate on a busy box; that is judged elsewhere (default-suite.test.ts), so these
 * runs accept an untrustworthy generator and are judged on their SLA and what the mock answered.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runResultSchema } from '../../src/result/model.js';
import { bundleImports } from '../../src/engines/k6/build.js';
import { runCli, tempDir } from '../helpers/cli.js';

const OPERATIONS = ['fetchMarkets', 'fetchOrderBook', 'fetchTicker', 'createOrder', 'cancelOrder'];

describe.each(['binance', 'okx', 'bybit'])('scenarios/%s.suite.yaml', (name) => {
  it('runs the five operations on both HTTP engines and the book, ticker and trade streams on the ws engine against the mock in its dialect, and exits 0', async () => {
    const out = join(await tempDir(), name);
    const r = await runCli(['run', `scenarios/${name}.suite.yaml`, '--out', out, '--accept-untrustworthy'], { timeoutMs: 90_000 });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const result = runResultSchema.parse(JSON.parse(await readFile(join(out, 'result.json'), 'utf8')));
    for (const ep of OPERATIONS) {
      const e = result.endpoints[ep]!;
      expect(e.requests, ep).toBeGreaterThan(0);
      expect(e.workloads.sort(), ep).toEqual(['rest-closed', 'rest-open']);
      // Signed in the dialect and answered in it: no auth errors, nothing the dialect's table calls a failure
      // beyond a cancel racing the clean-up.
      expect(e.errors.auth ?? 0, ep).toBe(0);
      if (ep !== 'cancelOrder') expect(e.errors, ep).toEqual({});
    }
    expect(result.endpoints.health!.errors, 'the probe asks the dialect health path').toEqual({});
    // The streams, in the exchange's protocol: the book carries its sequence (loss measured), tickers and trades
    // carry none (loss is no-data, never 0).
    const book = result.endpoints['ws:orderbook']!;
    expect(book.requests, 'order-book messages').toBeGreaterThan(0);
    expect(book.stream?.expected, 'the book is sequenced').toBeGreaterThan(0);
    expect(book.stream?.loss).not.toBe('none');
    for (const ch of ['ws:ticker', 'ws:trades']) {
      expect(result.endpoints[ch]!.requests, ch).toBeGreaterThan(0);
      expect(result.endpoints[ch]!.stream?.loss, ch).toBe('none');
    }
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as { verdict: { checks: Array<{ id: string; status: string; actual: number | null }> } };
    const bookLoss = report.verdict.checks.find((c) => c.id === 'ws:orderbook.lossPct');
    expect(bookLoss).toMatchObject({ status: 'pass', actual: 0 });
    // The clean-up cancels by symbol and order id in the dialect: the open workload (which waits for every
    // answer) leaves nothing resting.
    expect((result.meta.notes ?? []).join('\n')).toMatch(/rest-open: clean-up cancelled [1-9]\d* of \d+ resting orders the run created(, \d+ already gone)?; 0 left resting/);
  });

  it('`loadgate k6 build` writes bundles that import only k6 modules and a config per workload in the dialect', async () => {
    const out = join(await tempDir(), `k6-${name}`);
    const r = await runCli(['k6', 'build', `scenarios/${name}.suite.yaml`, '--out', out, '--target-url', 'http://127.0.0.1:9'], { timeoutMs: 60_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const dialect = { binance: 'binance-spot', okx: 'okx-v5', bybit: 'bybit-v5' }[name];
    for (const w of ['rest-open', 'rest-closed', 'market-streams']) {
      const config = JSON.parse(await readFile(join(out, `${w}.config.json`), 'utf8')) as { dialect: string };
      expect(config.dialect, w).toBe(dialect);
    }
    for (const bundle of ['rest-mix.js', 'orderbook-ws.js']) {
      const imports = bundleImports(await readFile(join(out, bundle), 'utf8'));
      expect(imports.length, bundle).toBeGreaterThan(0);
      expect(imports.filter((i) => i !== 'k6' && !i.startsWith('k6/')), bundle).toEqual([]);
    }
  });
});
