/** trend.md / trend.html / trend.json from a Trend. Pure strings; the HTML is self-contained (inline SVG, no scripts). */
import { htmlPage } from '../report/html.js';
import { escapeHtml as esc, escapeMd, fmtNum, fmtPlain } from '../report/format.js';
import { TREND_METRIC_INFO, type Trend, type TrendChangePoint, type TrendRun, type TrendSeries } from './trend.js';

const SPARK = '▁▂▃▄▅▆▇█';

/** A unicode sparkline of the values (min to max). */
export function sparkline(values: readonly number[]): string {
  if (values.length === 0) return '';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return values.map((v) => SPARK[hi === lo ? 3 : Math.min(7, Math.floor(((v - lo) / (hi - lo)) * 8))]).join('');
}

function fmtUnit(v: number, unit: string): string {
  return unit === '%' ? `${fmtNum(v)}%` : `${fmtNum(v)} ${unit === '/s' ? 'req/s' : unit}`;
}

function runName(r: TrendRun): string {
  return `${r.startedAt.slice(0, 16).replace('T', ' ')}${r.gitCommit ? ` (${r.gitCommit.slice(0, 8)})` : ''}${r.label ? ` ${r.label}` : ''}`;
}

function pctText(c: TrendChangePoint): string {
  return `${c.forwardChangePct >= 0 ? '+' : ''}${c.forwardChangePct.toFixed(1)}%`;
}

function pText(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : p.toPrecision(2);
}

function allChanges(t: Trend): Array<{ s: TrendSeries; c: TrendChangePoint }> {
  return t.series.flatMap((s) => s.changePoints.map((c) => ({ s, c }))).sort((a, b) => b.c.run - a.c.run || (a.s.endpoint < b.s.endpoint ? -1 : 1));
}

function methodLine(t: Trend): string {
  const o = t.options;
  return `Change points: e-divisive means, ${o.ttest === 'student' ? "Student's" : "Welch's"} t-test, window ${o.windowLen}, p < ${fmtPlain(o.maxPValue)} (Otava's method).`;
}

export function renderTrendMarkdown(t: Trend): string {
  const out: string[] = [];
  const changes = allChanges(t);
  const regressions = changes.filter((x) => x.c.direction === 'regression').length;
  out.push(`## loadgate trend: ${t.runs.length} run${t.runs.length === 1 ? '' : 's'}, ${changes.length === 0 ? 'no change points' : `${changes.length} change point${changes.length === 1 ? '' : 's'} (${regressions} regression${regressions === 1 ? '' : 's'})`}`, '');
  if (t.runs.length > 0) out.push(`From ${runName(t.runs[0]!)} to ${runName(t.runs[t.runs.length - 1]!)}. ${methodLine(t)}`, '');
  const skipped = t.runs.filter((r) => r.untrustworthy !== undefined);
  if (skipped.length > 0) out.push(`Not read for change points: ${skipped.map((r) => `${r.id} (${r.untrustworthy})`).join(', ')}.`, '');
  if (changes.length > 0) {
    out.push('### Change points', '', '| | Endpoint | Metric | From run | Before | After | Change | p |', '|---|---|---|---|---:|---:|---:|---:|');
    for (const { s, c } of changes) {
      const info = TREND_METRIC_INFO[s.metric];
      out.push(`| ${c.direction === 'regression' ? '🔴 regression' : '🟢 improvement'} | ${escapeMd(s.endpoint)} | ${info.label} | ${escapeMd(runName(t.runs[c.run]!))} | ${fmtUnit(c.meanBefore, info.unit)} | ${fmtUnit(c.meanAfter, info.unit)} | ${pctText(c)} | ${pText(c.pValue)} |`);
    }
    out.push('');
  }
  out.push('### Series', '', '| Endpoint | Metric | Runs | Trend (oldest → newest) | Last | Min | Max |', '|---|---|---:|---|---:|---:|---:|');
  for (const s of t.series) {
    const info = TREND_METRIC_INFO[s.metric];
    const v = s.points.map((p) => p.value);
    out.push(`| ${escapeMd(s.endpoint)} | ${info.label} | ${v.length} | ${sparkline(v)}${s.changePoints.length ? ` ⚑${s.changePoints.length}` : ''} | ${fmtUnit(v[v.length - 1]!, info.unit)} | ${fmtUnit(Math.min(...v), info.unit)} | ${fmtUnit(Math.max(...v), info.unit)} |`);
  }
  out.push('');
  return out.join('\n');
}

export function renderTrendJson(t: Trend): string {
  return `${JSON.stringify(t, null, 2)}\n`;
}

// ---- HTML ----

const W = 520;
const H = 160;
const PAD = { l: 56, r: 12, t: 22, b: 26 };

/** The y range: the values with 10% room, never below 0 for non-negative values (an error rate of 0 stays at the bottom). */
function niceRange(lo: number, hi: number): [number, number] {
  const pad = hi > lo ? (hi - lo) * 0.1 : Math.abs(hi) * 0.1 || 1;
  return [lo >= 0 ? Math.max(0, lo - pad) : lo - pad, hi + pad];
}

/** One series as an SVG line chart: a dot per run, change points as dashed lines with the change. */
export function trendChartSvg(t: Trend, s: TrendSeries): string {
  const info = TREND_METRIC_INFO[s.metric];
  const title = `${s.endpoint} ${info.label}`;
  const n = Math.max(2, t.runs.length);
  const vals = s.points.map((p) => p.value);
  const [lo, hi] = niceRange(Math.min(...vals), Math.max(...vals));
  const x = (run: number) => PAD.l + ((W - PAD.l - PAD.r) * run) / (n - 1);
  const y = (v: number) => H - PAD.b - ((H - PAD.b - PAD.t) * (v - lo)) / (hi - lo);
  const parts: string[] = [];
  parts.push(`<svg class="trend-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`);
  parts.push(`<title>${esc(title)}</title>`);
  for (const f of [0, 0.5, 1]) {
    const v = lo + (hi - lo) * f;
    const yy = y(v).toFixed(1);
    parts.push(`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${yy}" y2="${yy}" stroke="#eaeef2"/>`, `<text x="${PAD.l - 4}" y="${yy}" font-size="10" fill="#656d76" text-anchor="end" dominant-baseline="middle">${esc(fmtNum(Number(v.toPrecision(3))))}</text>`);
  }
  const first = t.runs[0];
  const lastRun = t.runs[t.runs.length - 1];
  if (first && lastRun) {
    parts.push(`<text x="${PAD.l}" y="${H - 8}" font-size="10" fill="#656d76">${esc(first.startedAt.slice(0, 10))}</text>`, `<text x="${W - PAD.r}" y="${H - 8}" font-size="10" fill="#656d76" text-anchor="end">${esc(lastRun.startedAt.slice(0, 10))}</text>`);
  }
  parts.push(`<text x="${PAD.l}" y="14" font-size="11" font-weight="600" fill="#1f2328">${esc(title)} (${esc(info.unit === '/s' ? 'req/s' : info.unit)})</text>`);
  for (const c of s.changePoints) {
    const xx = x(c.run - 0.5).toFixed(1);
    const colour = c.direction === 'regression' ? '#cf222e' : '#1a7f37';
    parts.push(
      `<line class="change-point" x1="${xx}" x2="${xx}" y1="${PAD.t}" y2="${H - PAD.b}" stroke="${colour}" stroke-width="1.5" stroke-dasharray="4 3"><title>${esc(`${c.direction} from ${runName(t.runs[c.run]!)}: ${pctText(c)} (p ${pText(c.pValue)})`)}</title></line>`,
      `<text x="${xx}" y="${PAD.t + 10}" font-size="10" font-weight="600" fill="${colour}" text-anchor="${c.run > n / 2 ? 'end' : 'start'}" dx="${c.run > n / 2 ? -3 : 3}">${esc(pctText(c))}</text>`,
    );
  }
  parts.push(`<polyline fill="none" stroke="#0969da" stroke-width="1.5" points="${s.points.map((p) => `${x(p.run).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')}"/>`);
  for (const p of s.points) {
    const r = t.runs[p.run]!;
    parts.push(`<circle cx="${x(p.run).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="2.2" fill="${r.untrustworthy ? '#9a6700' : '#0969da'}"><title>${esc(`${runName(r)}: ${fmtUnit(p.value, info.unit)}${r.untrustworthy ? ` (${r.untrustworthy})` : ''}`)}</title></circle>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

export function renderTrendHtml(t: Trend): string {
  const changes = allChanges(t);
  const body: string[] = [];
  body.push(`<h1>loadgate trend</h1>`);
  body.push(`<p>${esc(`${t.runs.length} runs${t.runs.length > 0 ? `, ${runName(t.runs[0]!)} to ${runName(t.runs[t.runs.length - 1]!)}` : ''}. ${methodLine(t)}`)}</p>`);
  body.push('<section id="changes"><h2>Change points</h2>');
  if (changes.length === 0) body.push('<p class="muted">No change points.</p>');
  else {
    body.push('<table><thead><tr><th></th><th>Endpoint</th><th>Metric</th><th>From run</th><th class="num">Before</th><th class="num">After</th><th class="num">Change</th><th class="num">p</th></tr></thead><tbody>');
    for (const { s, c } of changes) {
      const info = TREND_METRIC_INFO[s.metric];
      body.push(
        `<tr><td><span class="badge ${c.direction === 'regression' ? 'fail' : 'pass'}">${c.direction}</span></td><td>${esc(s.endpoint)}</td><td>${esc(info.label)}</td><td>${esc(runName(t.runs[c.run]!))}</td><td class="num">${esc(fmtUnit(c.meanBefore, info.unit))}</td><td class="num">${esc(fmtUnit(c.meanAfter, info.unit))}</td><td class="num">${esc(pctText(c))}</td><td class="num">${esc(pText(c.pValue))}</td></tr>`,
      );
    }
    body.push('</tbody></table>');
  }
  body.push('</section>');
  const endpoints = [...new Set(t.series.map((s) => s.endpoint))];
  body.push('<section id="series"><h2>Series</h2>');
  for (const ep of endpoints) {
    body.push(`<h3>${esc(ep)}</h3><div class="charts">`);
    for (const s of t.series.filter((x) => x.endpoint === ep)) body.push(trendChartSvg(t, s));
    body.push('</div>');
  }
  body.push('</section>');
  return htmlPage(`loadgate trend: ${changes.length} change point${changes.length === 1 ? '' : 's'}`, body);
}
