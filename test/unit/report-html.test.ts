import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chartPoints, renderHtml } from '../../src/report/html.js';
import { endpointStats, measuredWindow } from '../../src/result/stats.js';
import { buildFixture, HOSTILE, HOSTILE_ENDPOINT, xmlProblems } from '../helpers/fixture-result.js';
import { documentWidthPx } from '../helpers/chromium-layout.js';

function which(cmd: string): string | undefined {
  try {
    return execFileSync('which', [cmd], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const chromium = which('chromium') ?? which('chromium-browser');

describe('renderHtml', () => {
  const f = buildFixture();
  const html = renderHtml(f.report);

  it('is one self-contained document: inline CSS, no scripts, no external assets', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(?:src|href)\s*=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).toContain("default-src 'none'");
  });

  it('shows a FAIL banner, then the all-endpoints summary and the SLA checks (failing first) before the per-endpoint detail', () => {
    expect(html).toMatch(/<div class="banner fail"><strong>FAIL<\/strong>6 of 15 SLA checks failed/);
    const at = (id: string) => html.indexOf(`<section id="${id}">`);
    expect(at('summary')).toBeGreaterThan(0);
    expect(at('summary')).toBeLessThan(at('checks'));
    expect(at('checks')).toBeLessThan(at('endpoints'));
    const summary = html.slice(at('summary'), html.indexOf('</section>', at('summary')));
    for (const name of Object.keys(f.result.endpoints)) expect(summary).toContain(`<td>${name}`);
    expect(summary).toContain('<td>overall (http)</td>');
    const checks = html.slice(at('checks'), html.indexOf('</section>', at('checks')));
    expect(checks).toContain('<code>fetchTicker.p95Ms</code>');
    expect(checks).toContain('&lt; 20 ms');
    expect(checks.indexOf('fetchTicker.p95Ms')).toBeLessThan(checks.indexOf('fetchTicker.p99Ms'));
    expect(renderHtml(buildFixture({ passing: true }).report)).toContain('<div class="banner pass"><strong>PASS</strong>');
  });

  it('has the same sections as the Markdown report', () => {
    for (const id of ['run', 'endpoints', 'overall', 'checks', 'errors', 'streams', 'generator', 'notes', 'samples']) expect(html).toContain(`<section id="${id}">`);
    const s = endpointStats('createOrder', f.result.endpoints.createOrder!, f.result.meta.durationSec, measuredWindow(f.result));
    expect(html).toContain(`<td class="num">${s.latency!.p99Ms!.toFixed(1)} ms</td>`);
  });

  it('draws throughput and p50/p99 charts per endpoint from the per-second series as well-formed SVG', () => {
    const svgs = html.match(/<svg(?! class="spectrum")[\s\S]*?<\/svg>/g) ?? [];
    // two charts for each endpoint with a series, plus overall (the latency spectra: test/unit/report-spectrum.test.ts)
    expect(svgs.length).toBe(2 * (Object.keys(f.result.endpoints).length + 1));
    for (const svg of svgs) expect(xmlProblems(svg)).toEqual([]);
    const pts = chartPoints(f.result.endpoints.fetchTicker!);
    expect(pts.map((p) => p.tSec)).toEqual(f.result.endpoints.fetchTicker!.series.map((p) => p.tSec));
    expect(pts.map((p) => p.perSec)).toEqual(f.result.endpoints.fetchTicker!.series.map((p) => p.requests));
    // the latency spike at t=20 shows in p99
    const p99 = pts.map((p) => p.p99Ms!);
    expect(p99[20]).toBe(Math.max(...p99));
    for (const svg of svgs) {
      for (const m of svg.matchAll(/points="([^"]*)"/g)) {
        for (const xy of m[1]!.split(' ')) {
          const [x, y] = xy.split(',').map(Number);
          expect(x! >= 52 && x! <= 450 && y! >= 22 && y! <= 126, `point ${xy} inside the plot area`).toBe(true);
        }
      }
    }
    const tickerThroughput = svgs.find((s) => s.includes('aria-label="Throughput"'))!;
    expect(tickerThroughput.match(/<polyline/g)).toHaveLength(1);
  });

  it('merges seconds into fewer chart points for long runs, keeping the rate per second', () => {
    const ep = f.result.endpoints.fetchTicker!;
    const stretched = { ...ep, series: ep.series.map((p, i) => ({ ...p, tSec: i * 40 })) };
    const pts = chartPoints(stretched);
    expect(pts.length).toBeLessThanOrEqual(240);
    const total = pts.reduce((a, p) => a + p.perSec!, 0) * Math.ceil((29 * 40 + 1) / 240);
    expect(total).toBe(ep.series.reduce((a, p) => a + p.requests, 0));
  });

  it('leaves a partial last second out of every chart, throughput and latency alike', () => {
    const ep = f.result.endpoints.fetchTicker!;
    const last = ep.series[ep.series.length - 1]!;
    const pointAt = (durationSec: number) => chartPoints(ep, durationSec).find((p) => p.tSec === last.tSec);
    expect(pointAt(last.tSec + 1)!.perSec).toBe(last.requests);
    expect(pointAt(last.tSec + 1)!.p99Ms).toBeDefined();
    expect(pointAt(last.tSec + 0.9)).toBeUndefined();
    expect(pointAt(last.tSec + 0.1)).toBeUndefined();
    // The rendered charts have no point right of the last full second.
    const short = renderHtml({ ...f.report, result: { ...f.result, meta: { ...f.result.meta, durationSec: last.tSec + 0.2 } } });
    const x = (t: number) => 52 + ((460 - 10 - 52) * t) / (last.tSec + 0.2);
    const timeCharts = (short.match(/<svg[\s\S]*?<\/svg>/g) ?? []).filter((svg) => /aria-label="(Throughput|Latency)"/.test(svg));
    expect(timeCharts.length).toBeGreaterThan(0);
    for (const svg of timeCharts) for (const m of svg.matchAll(/points="([^"]*)"/g)) for (const xy of m[1]!.split(' ')) expect(Number(xy.split(',')[0])).toBeLessThanOrEqual(x(last.tSec - 0.5) + 0.1);
  });

  it('ends the charts where the measured window closes, not where a longer workload of the run ends', () => {
    // An HTTP workload planned for last.tSec s beside streams that ran 1.6 s longer: its stragglers in the
    // second after its window would read as a drop to nearly zero.
    const ep = f.result.endpoints.fetchTicker!;
    const last = ep.series[ep.series.length - 1]!;
    const durationSec = last.tSec + 1.6;
    const xs = (doc: string) => {
      const svg = (doc.match(/<svg[\s\S]*?<\/svg>/g) ?? []).find((x) => x.includes('aria-label="Throughput"'))!;
      return [...svg.matchAll(/points="([^"]*)"/g)].flatMap((m) => m[1]!.split(' ').map((xy) => Number(xy.split(',')[0])));
    };
    const x = (t: number) => 52 + ((460 - 10 - 52) * t) / durationSec;
    const whole = renderHtml({ ...f.report, result: { ...f.result, meta: { ...f.result.meta, durationSec, measuredEndSec: undefined } } });
    expect(Math.max(...xs(whole))).toBeCloseTo(x(last.tSec + 0.5), 1);
    const windowed = renderHtml({ ...f.report, result: { ...f.result, meta: { ...f.result.meta, durationSec, measuredEndSec: last.tSec } } });
    expect(Math.max(...xs(windowed))).toBeCloseTo(x(last.tSec - 0.5), 1);
  });

  it('fits a 390 px screen: every table scrolls in its own box, charts shrink, long words wrap', () => {
    const tables = html.match(/<table/g)!.length;
    expect(html.match(/<div class="tw"><table/g)).toHaveLength(tables);
    expect(html).toMatch(/\.tw\{overflow-x:auto;max-width:100%/);
    expect(html).toMatch(/svg\{[^}]*max-width:100%;height:auto/);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  });

  it('escapes every hostile string', () => {
    const h = renderHtml(buildFixture({ hostile: true }).report);
    expect(h).not.toMatch(/<script/i);
    expect(h).not.toContain(HOSTILE);
    expect(h).not.toContain(HOSTILE_ENDPOINT);
    expect(h).toContain('&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;');
    for (const svg of h.match(/<svg[\s\S]*?<\/svg>/g) ?? []) expect(xmlProblems(svg)).toEqual([]);
  });

  it('embeds extra sections verbatim before the footer', () => {
    const extra = '<section id="compare"><h2>Compare</h2><p>p95 +12%</p></section>';
    const h = renderHtml(f.report, { extraSections: [extra] });
    expect(h).toContain(extra);
    expect(h.indexOf(extra)).toBeLessThan(h.indexOf('<footer>'));
  });

  it.skipIf(chromium === undefined)('fits 390 px wide in headless chromium without sideways scrolling', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loadgate-html-'));
    try {
      const file = join(dir, 'report.html');
      writeFileSync(file, renderHtml(buildFixture({ saturated: true, incomplete: true }).report));
      const { scrollWidth, clientWidth } = await documentWidthPx(chromium!, pathToFileURL(file).href, 390);
      expect(clientWidth).toBe(390);
      expect(scrollWidth, `document ${scrollWidth} px wide in a 390 px viewport`).toBeLessThanOrEqual(390);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it.skipIf(chromium === undefined)('renders to a PNG in headless chromium', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loadgate-html-'));
    try {
      const file = join(dir, 'report.html');
      const png = join(dir, 'report.png');
      writeFileSync(file, html);
      execFileSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', `--screenshot=${png}`, '--window-size=1200,2400', `file://${file}`], { timeout: 60_000, stdio: 'ignore' });
      expect(existsSync(png)).toBe(true);
      expect(statSync(png).size).toBeGreaterThan(10_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
