/** The latency percentile spectrum in report.html: p50 to p99.99 on HdrHistogram's log axis of 1 / (1 − q). */
import { describe, expect, it } from 'vitest';
import { createHistogram, percentileMs, recordUs } from '../../src/result/histogram.js';
import { latencySpectrum, spectrumPercentiles, spectrumSvg } from '../../src/report/spectrum.js';
import { renderHtml } from '../../src/report/html.js';
import { evaluate } from '../../src/sla/evaluate.js';
import { compileSla } from '../../src/sla/checks.js';
import { mulberry32 } from '../../src/compare/random.js';
import { endpoint, result } from '../helpers/results.js';

function points(svg: string): Array<[number, number]> {
  const m = /<polyline class="s1" points="([^"]+)"/.exec(svg)!;
  return m[1]!.split(' ').map((p) => p.split(',').map(Number) as [number, number]);
}

describe('latency spectrum', () => {
  it('spans p50 to p99.99, evenly spaced in log10(1 / (1 − q))', () => {
    const ps = spectrumPercentiles(4);
    expect(ps[0]).toBeCloseTo(50, 10);
    expect(ps[ps.length - 1]).toBeCloseTo(99.99, 10);
    const lx = ps.map((p) => Math.log10(1 / (1 - p / 100)));
    for (let i = 1; i < lx.length; i++) expect(lx[i]! - lx[i - 1]!).toBeCloseTo((4 - Math.log10(2)) / 4, 10);
  });

  it('draws a curve that rises left to right through the histogram percentiles, ticks at p50 … p99.99', () => {
    const rng = mulberry32(3);
    const h = createHistogram();
    // Exponential latencies around 2 ms: a tail the log axis spreads out.
    for (let i = 0; i < 50_000; i++) recordUs(h, Math.round(-Math.log(rng()) * 2000) + 100);
    const svg = spectrumSvg('fetchTicker', h);
    const pts = points(svg);
    expect(pts.length).toBe(97);
    for (let i = 1; i < pts.length; i++) {
      expect(pts[i]![0]).toBeGreaterThan(pts[i - 1]![0]);
      // SVG y grows downwards: higher latency, smaller y.
      expect(pts[i]![1]).toBeLessThanOrEqual(pts[i - 1]![1]);
    }
    for (const t of ['p50', 'p90', 'p99', 'p99.9', 'p99.99']) expect(svg).toContain(`>${t}</text>`);
    expect(svg).toContain(`p99.9: ${Number(percentileMs(h, 99.9).toPrecision(4))} ms`);
    expect(svg).toContain('50,000 samples');
    // p90 sits at (1 − log10 2) / (4 − log10 2) of the axis width.
    const circles = [...svg.matchAll(/<circle class="s1" cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(circles).toHaveLength(5);
    expect((circles[1]! - circles[0]!) / (circles[4]! - circles[0]!)).toBeCloseTo((1 - Math.log10(2)) / (4 - Math.log10(2)), 2);
  });

  it('draws nothing for an endpoint without latency samples', () => {
    expect(spectrumSvg('x', createHistogram())).toBe('');
  });

  it('reads the measured window only and appears once per endpoint in report.html', () => {
    const ep = endpoint('fetchTicker', [
      { n: 100, latencyMs: 500 },
      { n: 100, latencyMs: 5 },
      { n: 100, latencyMs: 6 },
    ]);
    const windowed = latencySpectrum('fetchTicker', ep, { fromSec: 1, toSec: 3 });
    expect(windowed).toContain('200 samples');
    expect(windowed).not.toMatch(/p99\.99: 5\d\d ms/);
    const r = result({ fetchTicker: ep, fetchOrderBook: endpoint('fetchOrderBook', [{ n: 10, latencyMs: 3 }]) }, { durationSec: 3, warmupSec: 1 });
    const html = renderHtml({ result: r, verdict: evaluate(compileSla(undefined, { drivenEndpoints: new Set(['fetchTicker']) }), r), suiteName: 'unit', generatedAt: '2026-01-01T00:00:00Z' });
    expect(html.match(/<svg class="spectrum"/g)).toHaveLength(1);
  });
});
