/**
 * The HTML reports in a real browser (Debian's chromium through playwright-core): report.html (with a
 * comparison), compare.html and the trend page load with no console errors, make no network request other
 * than the file itself, draw every chart, and are saved as screenshots.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32, normal } from '../../src/compare/random.js';
import { addToHistory } from '../../src/history/store.js';
import { endpoint, result } from '../helpers/results.js';
import { CHROMIUM, hasChromium, openBrowser, type Browser, type PageCheck } from '../helpers/browser.js';
import { runCli, tempDir, writeTemp } from '../helpers/cli.js';

const suite = `
name: browser
target:
  mock: { seed: 3 }
workloads:
  - name: tickers
    load: { model: closed, connections: 2, durationSec: 3 }
    mix:
      - { endpoint: fetchTicker }
      - { endpoint: fetchOrderBook }
sla: { overall: { p99Ms: 5000 } }
`;

const env = { GITHUB_STEP_SUMMARY: '', GITHUB_ACTIONS: '' };

function expectClean(c: PageCheck, minCharts: number): void {
  expect(c.consoleErrors).toEqual([]);
  expect(c.requests).toEqual([c.url]);
  expect(c.charts.length).toBeGreaterThanOrEqual(minCharts);
  for (const chart of c.charts) {
    expect(chart.widthPx, chart.label).toBeGreaterThan(0);
    expect(chart.heightPx, chart.label).toBeGreaterThan(0);
    expect(chart.marks, `${chart.label} draws nothing`).toBeGreaterThan(0);
  }
}

async function expectPng(file: string): Promise<void> {
  const head = (await readFile(file)).subarray(0, 8);
  expect(head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  expect((await stat(file)).size).toBeGreaterThan(10_000);
}

describe.skipIf(!hasChromium)(hasChromium ? 'HTML reports in headless Chromium' : `HTML reports in headless Chromium (skipped: ${CHROMIUM} not found; apt-get install chromium)`, () => {
  let dir = '';
  let browser: Browser;

  beforeAll(async () => {
    dir = await tempDir('loadgate-browser-');
    const file = await writeTemp(dir, 'browser.suite.yaml', suite);
    const history = join(dir, 'history');
    const a = await runCli(['run', file, '--out', join(dir, 'a'), '--history', history, '--label', 'night-1'], { env });
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli(['run', file, '--out', join(dir, 'b'), '--history', history, '--label', 'night-2', '--baseline', join(dir, 'a', 'result.json')], { env });
    expect(b.code, b.stderr).toBe(0);
    const c = await runCli(['compare', join(dir, 'a', 'result.json'), join(dir, 'b', 'result.json'), '--out', join(dir, 'compare')], { env });
    expect(c.code, c.stderr).toBe(0);
    const t = await runCli(['trend', history, '--out', join(dir, 'trend')], { env });
    expect(t.code, t.stderr).toBe(0);
    // 40 synthetic nights with a 10% latency step at night 25: a trend page with a change point drawn.
    const rng = mulberry32(8);
    for (let i = 0; i < 40; i++) {
      const ms = 10 * (i >= 25 ? 1.1 : 1) * (1 + 0.02 * normal(rng));
      const r = result({ fetchTicker: endpoint('fetchTicker', [{ n: 20, latencyMs: ms }, { n: 20, latencyMs: ms }]) }, { durationSec: 2, startedAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString() });
      await addToHistory(join(dir, 'synthetic'), r, 'pass');
    }
    const s = await runCli(['trend', join(dir, 'synthetic'), '--metrics', 'p50Ms,p99Ms', '--out', join(dir, 'trend-steps')], { env });
    expect(s.code, s.stderr).toBe(0);
    browser = await openBrowser();
    process.stdout.write(`browser-reports: screenshots in ${dir}\n`);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('report.html: no console errors, no requests, every chart and latency spectrum drawn', async () => {
    const c = await browser.check(join(dir, 'b', 'report.html'), join(dir, 'report.png'));
    const result = JSON.parse(await readFile(join(dir, 'b', 'result.json'), 'utf8')) as { endpoints: Record<string, unknown> };
    const endpoints = Object.keys(result.endpoints);
    expect(endpoints).toEqual(expect.arrayContaining(['fetchTicker', 'fetchOrderBook']));
    // throughput + latency per endpoint and overall, and a latency spectrum per endpoint
    expectClean(c, 2 * (endpoints.length + 1) + endpoints.length);
    expect(c.charts.filter((x) => /latency by percentile/.test(x.label)).map((x) => x.label.split(' ')[0]).sort()).toEqual([...endpoints].sort());
    await expectPng(c.screenshot);
  }, 120_000);

  it('compare.html: no console errors, no requests', async () => {
    const c = await browser.check(join(dir, 'compare', 'compare.html'), join(dir, 'compare.png'));
    expectClean(c, 0);
    await expectPng(c.screenshot);
  }, 120_000);

  it('trend.html: no console errors, no requests, one drawn chart per endpoint and metric', async () => {
    const c = await browser.check(join(dir, 'trend', 'trend.html'), join(dir, 'trend.png'));
    const trend = JSON.parse(await readFile(join(dir, 'trend', 'trend.json'), 'utf8')) as { series: unknown[] };
    expectClean(c, trend.series.length);
    expect(c.charts).toHaveLength(trend.series.length);
    await expectPng(c.screenshot);
  }, 120_000);

  it('trend.html with change points: each drawn on its chart', async () => {
    const c = await browser.check(join(dir, 'trend-steps', 'trend.html'), join(dir, 'trend-steps.png'));
    const trend = JSON.parse(await readFile(join(dir, 'trend-steps', 'trend.json'), 'utf8')) as { series: Array<{ endpoint: string; changePoints: Array<{ run: number }> }> };
    expectClean(c, trend.series.length);
    const ticker = trend.series.filter((x) => x.endpoint === 'fetchTicker');
    expect(ticker.map((x) => x.changePoints.map((cp) => cp.run))).toEqual([[25], [25]]);
    expect(c.changePointLines).toBe(trend.series.reduce((n, x) => n + x.changePoints.length, 0));
    await expectPng(c.screenshot);
  }, 120_000);
});
