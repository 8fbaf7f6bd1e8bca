/**
 * The latency percentile spectrum, read the way HdrHistogram's plots are: latency against percentile on a log
 * axis of 1 / (1 − q), so p50, p90, p99, p99.9 and p99.99 sit one decade apart and the tail gets the room.
 * Read from the histogram of the measured window (the SLA's), never from samples. Pure: returns an SVG string.
 */
import { addEncoded, createHistogram, decodeHistogram, percentileMs, type Histogram } from '../result/histogram.js';
import type { EndpointResult } from '../result/model.js';
import type { Window } from '../result/stats.js';
import { escapeHtml as esc, fmtCount, fmtPlain } from './format.js';

/** Percentiles marked on the axis (x = 1 / (1 − q) = 2 … 10 000). */
export const SPECTRUM_TICKS = [50, 90, 99, 99.9, 99.99] as const;
/** Points along the curve, evenly spaced in log10(1 / (1 − q)). */
const STEPS = 96;

const W = 460;
const H = 150;
const PAD = { l: 52, r: 12, t: 22, b: 24 };

/** The percentiles the curve is drawn through: p50 to p99.99, evenly spaced on the log axis. */
export function spectrumPercentiles(steps = STEPS): number[] {
  const lo = Math.log10(2);
  const hi = 4;
  return Array.from({ length: steps + 1 }, (_, i) => 100 * (1 - 1 / 10 ** (lo + ((hi - lo) * i) / steps)));
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * mag) return m * mag;
  return 10 * mag;
}

/** The measured window's latency histogram: series buckets inside the window (the whole run without a series). */
function windowHistogram(ep: EndpointResult, window: Window | undefined): Histogram {
  if (window === undefined || ep.series.length === 0) return decodeHistogram(ep.latency);
  const h = createHistogram();
  for (const p of ep.series) if (p.tSec >= window.fromSec && p.tSec < window.toSec) addEncoded(h, p.latency);
  return h;
}

/** SVG of latency (ms, linear) over percentile (log 1 / (1 − q)); '' when nothing was recorded. */
export function spectrumSvg(title: string, h: Histogram): string {
  const n = h.totalCount;
  if (n === 0) return '';
  const pts = spectrumPercentiles().map((p) => ({ p, ms: percentileMs(h, p) }));
  const vMax = niceMax(Math.max(...pts.map((x) => x.ms)));
  const x0 = PAD.l;
  const x1 = W - PAD.r;
  const y0 = H - PAD.b;
  const y1 = PAD.t;
  const lx = (p: number) => Math.log10(1 / (1 - p / 100));
  const x = (p: number) => x0 + ((x1 - x0) * (lx(p) - lx(50))) / (lx(99.99) - lx(50));
  const y = (v: number) => y0 - ((y0 - y1) * v) / vMax;
  const parts: string[] = [];
  parts.push(`<svg class="spectrum" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(`${title} latency by percentile`)}">`);
  parts.push(`<title>${esc(`${title}: latency by percentile, ${fmtCount(n)} samples`)}</title>`);
  for (const f of [0, 0.5, 1]) {
    const yy = y(vMax * f).toFixed(1);
    parts.push(`<line class="grid" x1="${x0}" x2="${x1}" y1="${yy}" y2="${yy}"/>`, `<text class="axis" x="${x0 - 4}" y="${yy}" text-anchor="end" dominant-baseline="middle">${esc(fmtPlain(Number((vMax * f).toPrecision(3))))}</text>`);
  }
  for (const t of SPECTRUM_TICKS) {
    const xx = x(t).toFixed(1);
    parts.push(`<line class="grid" x1="${xx}" x2="${xx}" y1="${y1}" y2="${y0}"/>`, `<text class="axis" x="${xx}" y="${H - 6}" text-anchor="${t === 50 ? 'start' : t === 99.99 ? 'end' : 'middle'}">p${t}</text>`);
  }
  parts.push(`<text class="ctitle" x="${x0}" y="14">Latency by percentile (ms), ${esc(fmtCount(n))} samples</text>`);
  parts.push(`<polyline class="s1" points="${pts.map((q) => `${x(q.p).toFixed(1)},${y(q.ms).toFixed(1)}`).join(' ')}"/>`);
  for (const t of SPECTRUM_TICKS) {
    const ms = percentileMs(h, t);
    parts.push(`<circle class="s1" cx="${x(t).toFixed(1)}" cy="${y(ms).toFixed(1)}" r="2.5" fill="#0969da"><title>${esc(`p${t}: ${fmtPlain(Number(ms.toPrecision(4)))} ms`)}</title></circle>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/** The spectrum of one endpoint over the measured window, for report.html. */
export function latencySpectrum(name: string, ep: EndpointResult, window?: Window): string {
  const svg = spectrumSvg(name, windowHistogram(ep, window));
  return svg === '' ? '' : `<div class="charts spectrum">${svg}</div>`;
}
