/**
 * report.html: one self-contained file (inline CSS and SVG, no scripts, no external assets). Every string from
 * the result is escaped; only `extraSections` (trusted HTML from loadgate's own compare) is embedded as-is. Pure.
 */
import { addEncoded, createHistogram, percentileMs } from '../result/histogram.js';
import type { EndpointResult } from '../result/model.js';
import type { CheckResult } from '../sla/evaluate.js';
import { buildView, targetLabel, connectionCells, ERROR_ALIGN, ERROR_HEADERS, errorRows, SUMMARY_ALIGN, SUMMARY_HEADERS, summaryRows, verdictHeadline, connectionGroups, streamCells, CONNECTION_ALIGN, CONNECTION_HEADERS, metricRows, statusLabel, STREAM_ALIGN, STREAM_HEADERS, type MetricRow, type ReportView } from './derive.js';
import { DASH, escapeHtml as esc, fmtCount, fmtDurationSec, fmtLimit, fmtMargin, fmtMs, fmtNum, fmtPct, fmtPlain, fmtValue } from './format.js';
import type { Report } from './model.js';
import { latencySpectrum } from './spectrum.js';
import { k6ParityHtml } from './k6-parity.js';

export interface HtmlOptions {
  /** Complete `<section>` elements appended after the report (e.g. a comparison). Trusted HTML, not escaped. */
  extraSections?: string[];
}

type Cell = string | { html: string; cls?: string };
type Align = 'l' | 'r' | 'c';

function table(headers: readonly string[], rows: Cell[][], align: readonly Align[], cls = ''): string {
  const a = (i: number) => (align[i] === 'r' ? ' class="num"' : align[i] === 'c' ? ' class="ctr"' : '');
  const cell = (c: Cell, i: number) => {
    if (typeof c === 'string') return `<td${a(i)}>${esc(c)}</td>`;
    const classes = [align[i] === 'r' ? 'num' : align[i] === 'c' ? 'ctr' : '', c.cls ?? ''].filter((x) => x !== '').join(' ');
    return `<td${classes ? ` class="${classes}"` : ''}>${c.html}</td>`;
  };
  // Wrapped so a wide table scrolls inside its box, never the page (a phone is 390 px wide).
  return [
    `<div class="tw"><table${cls ? ` class="${cls}"` : ''}>`,
    `<thead><tr>${headers.map((h, i) => `<th${a(i)}>${esc(h)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`),
    '</tbody></table></div>',
  ].join('\n');
}

function badge(c: Pick<CheckResult, 'status' | 'optional'> | undefined): Cell {
  if (c === undefined) return '';
  const cls = c.status === 'pass' ? 'pass' : c.status === 'fail' ? 'fail' : c.optional ? 'warn' : 'fail';
  const icon = c.status === 'pass' ? '✅' : c.status === 'fail' ? '❌' : '⚠️';
  return { html: `<span class="badge ${cls}">${icon} ${esc(statusLabel(c).toLowerCase())}</span>` };
}

function metricTable(rows: MetricRow[]): string {
  return table(['Metric', 'Value', 'Target', 'Status'], rows.map((r) => [r.label, r.value, r.target, badge(r.check)]), ['l', 'r', 'l', 'c'], 'metrics');
}

function checksTable(checks: CheckResult[]): string {
  return table(
    ['Status', 'Check', 'Actual', 'Target', 'Margin', 'Detail'],
    checks.map((c) => [
      badge(c),
      { html: `<code>${esc(c.id)}</code>` },
      c.status === 'no-data' ? DASH : fmtValue(c.actual, c.unit),
      fmtLimit(c),
      fmtMargin(c),
      [c.source === 'suite' ? '' : c.source, c.windows ? `${c.windows.failed}/${c.windows.checked} windows failed, worst at ${c.windows.worstFromSec} s` : '', c.detail ?? ''].filter((x) => x !== '').join('; '),
    ]),
    ['l', 'l', 'r', 'l', 'r', 'l'],
  );
}

// ---- charts ----

interface Point {
  tSec: number;
  perSec: number | undefined;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
}

/** Most points per chart; longer runs merge adjacent seconds (histograms merge exactly). */
const MAX_POINTS = 240;

/**
 * Chart points, one per second (or per merged bucket). A bucket the run covers only in part (the last, partial
 * second: 1–2 requests, or the stall of the run's end) is left out of every chart, throughput and latency alike:
 * its rate would read as a drop and its percentiles as a spike.
 */
export function chartPoints(ep: EndpointResult, durationSec = Infinity): Point[] {
  if (ep.series.length === 0) return [];
  const last = ep.series[ep.series.length - 1]!.tSec;
  const step = Math.max(1, Math.ceil((last + 1) / MAX_POINTS));
  const buckets = new Map<number, { requests: number; latency: string[] }>();
  for (const p of ep.series) {
    const k = Math.floor(p.tSec / step) * step;
    const b = buckets.get(k) ?? { requests: 0, latency: [] };
    b.requests += p.requests;
    b.latency.push(p.latency);
    buckets.set(k, b);
  }
  // One histogram reused for every point: a fresh one per second was most of the chart's cost (issue 16).
  const h = createHistogram();
  return [...buckets.entries()]
    .filter(([tSec]) => tSec + step <= durationSec + 1e-9)
    .sort((x, y) => x[0] - y[0])
    .map(([tSec, b]) => {
      // Two percentiles per point, read from the histogram (a full summary would also walk it for mean and stddev).
      h.reset();
      for (const e of b.latency) addEncoded(h, e);
      const empty = h.totalCount === 0;
      return { tSec, perSec: b.requests / step, p50Ms: empty ? undefined : percentileMs(h, 50), p99Ms: empty ? undefined : percentileMs(h, 99) };
    });
}

const W = 460;
const H = 150;
const PAD = { l: 52, r: 10, t: 22, b: 24 };

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * mag) return m * mag;
  return 10 * mag;
}

function svgChart(title: string, points: Point[], lines: Array<{ get: (p: Point) => number | undefined; cls: string; label: string }>, durationSec: number, warmupSec: number, unit: string): string {
  const x0 = PAD.l;
  const x1 = W - PAD.r;
  const y0 = H - PAD.b;
  const y1 = PAD.t;
  const tMax = Math.max(1, durationSec, ...points.map((p) => p.tSec + 1));
  const vMax = niceMax(Math.max(0, ...points.flatMap((p) => lines.map((l) => l.get(p) ?? 0))));
  const x = (t: number) => x0 + ((x1 - x0) * t) / tMax;
  const y = (v: number) => y0 - ((y0 - y1) * v) / vMax;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`);
  parts.push(`<title>${esc(title)}</title>`);
  if (warmupSec > 0) parts.push(`<rect class="warmup" x="${x(0).toFixed(1)}" y="${y1}" width="${(x(Math.min(warmupSec, tMax)) - x(0)).toFixed(1)}" height="${y0 - y1}"><title>warm-up (excluded from checks)</title></rect>`);
  for (const f of [0, 0.5, 1]) {
    const yy = y(vMax * f).toFixed(1);
    parts.push(`<line class="grid" x1="${x0}" x2="${x1}" y1="${yy}" y2="${yy}"/>`, `<text class="axis" x="${x0 - 4}" y="${yy}" text-anchor="end" dominant-baseline="middle">${esc(fmtPlain(Number((vMax * f).toPrecision(3))))}</text>`);
  }
  parts.push(`<text class="axis" x="${x0}" y="${H - 6}">0 s</text>`, `<text class="axis" x="${x1}" y="${H - 6}" text-anchor="end">${esc(fmtPlain(Math.round(tMax)))} s</text>`);
  parts.push(`<text class="ctitle" x="${x0}" y="14">${esc(title)} (${esc(unit)})</text>`);
  let legendX = x1;
  for (const l of [...lines].reverse()) {
    parts.push(`<text class="legend ${l.cls}" x="${legendX}" y="14" text-anchor="end">${esc(l.label)}</text>`);
    legendX -= 8 + 7 * l.label.length;
  }
  for (const l of lines) {
    // Gaps (seconds without samples) break the line instead of being drawn as zero.
    const segs: string[][] = [[]];
    for (const p of points) {
      const v = l.get(p);
      if (v === undefined) {
        if (segs[segs.length - 1]!.length > 0) segs.push([]);
        continue;
      }
      segs[segs.length - 1]!.push(`${x(p.tSec + 0.5).toFixed(1)},${y(v).toFixed(1)}`);
    }
    for (const s of segs) if (s.length > 0) parts.push(`<polyline class="${l.cls}" points="${s.join(' ')}"/>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/** `endSec`: where the measured window closes (meta.measuredEndSec; a workload shorter than the run ends there too). */
function charts(ep: EndpointResult, durationSec: number, warmupSec: number, endSec: number): string {
  const pts = chartPoints(ep, endSec);
  if (pts.length === 0) return '<p class="muted">No per-second series in this result.</p>';
  const rateLabel = ep.kind === 'ws' ? 'messages/s' : 'req/s';
  return `<div class="charts">${svgChart('Throughput', pts, [{ get: (p) => p.perSec, cls: 's1', label: rateLabel }], durationSec, warmupSec, rateLabel)}${svgChart(
    'Latency',
    pts,
    [
      { get: (p) => p.p50Ms, cls: 's1', label: 'p50' },
      { get: (p) => p.p99Ms, cls: 's2', label: 'p99' },
    ],
    durationSec,
    warmupSec,
    'ms',
  )}</div>`;
}

const CSS = `
:root{--fg:#1f2328;--muted:#656d76;--border:#d0d7de;--bg:#fff;--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;--s1:#0969da;--s2:#bf3989}
*{box-sizing:border-box}body{font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1100px;padding:16px 24px}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;border-bottom:1px solid var(--border);padding-bottom:4px;margin-top:28px}h3{font-size:15px;margin:18px 0 6px}
.banner{border-radius:6px;padding:12px 16px;color:#fff;font-size:16px;margin:12px 0;overflow-wrap:anywhere}.banner.pass{background:var(--pass)}.banner.fail{background:var(--fail)}.banner.warn{background:#bf8700;color:#1f2328}.banner strong{font-size:20px;margin-right:8px}
.tw{overflow-x:auto;max-width:100%;margin:6px 0 12px}table{border-collapse:collapse;font-size:13px}h1,li,p{overflow-wrap:anywhere}th,td{border:1px solid var(--border);padding:4px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.ctr,th.ctr{text-align:center}code{font-size:12px;word-break:break-all}
.badge{white-space:nowrap;font-weight:600}.badge.pass{color:var(--pass)}.badge.fail{color:var(--fail)}.badge.warn{color:var(--warn)}
.notes li.warn{color:var(--warn);font-weight:600}.muted{color:var(--muted)}
.charts{display:flex;flex-wrap:wrap;gap:12px}svg{border:1px solid var(--border);border-radius:4px;background:#fff;max-width:100%;height:auto}
svg .grid{stroke:#eaeef2;stroke-width:1}svg .axis{font-size:10px;fill:var(--muted)}svg .ctitle{font-size:11px;font-weight:600;fill:var(--fg)}
svg polyline{fill:none;stroke-width:1.5}svg polyline.s1{stroke:var(--s1)}svg polyline.s2{stroke:var(--s2)}svg .legend{font-size:11px;font-weight:600}svg .legend.s1{fill:var(--s1)}svg .legend.s2{fill:var(--s2)}
svg .warmup{fill:#f6f8fa}footer{margin-top:32px;color:var(--muted);font-size:12px;overflow-wrap:anywhere}
@media (max-width:600px){body{padding:8px 10px}}
`;

function metaTable(report: Report, view: ReportView): string {
  const m = report.result.meta;
  const rows: Cell[][] = [['Suite', report.suiteName]];
  if (m.phase !== undefined) rows.push(['Phase', m.phase]);
  if (m.label !== undefined) rows.push(['Label', m.label]);
  rows.push(['Git commit', m.gitCommit ?? DASH], ['Engines', m.engines.map((e) => `${e.name} ${e.version}`).join(', ') || DASH]);
  rows.push(['Started', m.startedAt], ['Ended', m.endedAt]);
  rows.push(['Duration', `${fmtDurationSec(m.durationSec)}${m.warmupSec > 0 ? ` (first ${fmtDurationSec(m.warmupSec)} warm-up, excluded from checks)` : ''}`]);
  rows.push(['Measured window', `${view.window.fromSec}–${Math.min(view.window.toSec, m.durationSec)} s`]);
  rows.push(['Host', `${m.host.hostname} (${m.host.platform}/${m.host.arch}, ${m.host.cpus} CPUs, node ${m.host.node})`]);
  rows.push(['Target', targetLabel(m.target)]);
  if (m.incomplete !== undefined) rows.push(['Incomplete', m.incomplete.reason]);
  if (report.reportDir !== undefined) rows.push(['Report directory', report.reportDir]);
  return table(['Field', 'Value'], rows, ['l', 'l'], 'meta');
}

export function renderHtml(report: Report, opts: HtmlOptions = {}): string {
  return htmlFromView(report, buildView(report), opts);
}

/** @internal renderAll builds the view once for every format. */
export function htmlFromView(report: Report, view: ReportView, opts: HtmlOptions = {}): string {
  const { result, verdict } = report;
  const m = result.meta;
  const h = verdictHeadline(verdict);
  const ov = view.overall?.measured;
  const body: string[] = [];

  body.push(`<h1>loadgate report: ${esc(report.suiteName)}</h1>`);
  body.push(
    `<div class="banner ${h.tone}"><strong>${esc(h.label)}</strong>${esc(h.summary)} · ${esc(
      [m.phase, fmtDurationSec(m.durationSec), `${fmtCount(ov?.requests)} requests`, `${fmtNum(ov?.throughputPerSec)} req/s`].filter((x) => x !== undefined).join(' · '),
    )}</div>`,
  );
  // Trust causes first, one sentence each, then the other warnings.
  const warns = [...h.reasons, ...view.notes.filter((n) => n.level === 'warn').map((n) => n.text)];
  if (warns.length > 0) body.push(`<ul class="notes">${warns.map((n) => `<li class="warn">${esc(n)}</li>`).join('')}</ul>`);

  // What an SRE reads first: every endpoint in one table, then the checks; the per-endpoint detail follows.
  body.push(
    `<section id="summary"><h2>Summary</h2>${m.warmupSec > 0 ? `<p class="muted">Measured window ${view.window.fromSec}–${fmtPlain(Math.min(view.window.toSec, m.durationSec))} s (after the warm-up).</p>` : ''}`,
    table(SUMMARY_HEADERS, summaryRows(view), SUMMARY_ALIGN, 'summary'),
    '</section>',
  );
  body.push('<section id="checks"><h2>SLA checks</h2>', view.checks.length > 0 ? checksTable(view.checks) : '<p class="muted">No SLA checks were defined.</p>', '</section>');
  body.push(k6ParityHtml(report));

  body.push('<section id="run"><h2>Run</h2>', metaTable(report, view), '</section>');

  body.push('<section id="endpoints"><h2>Endpoints</h2>');
  // Charts end where the measured window does: past it only stragglers of a workload that already ended.
  const chartEndSec = Math.min(m.durationSec, view.window.toSec);
  if (m.warmupSec > 0) body.push(`<p class="muted">Tables read the measured window (${view.window.fromSec}–${Math.min(view.window.toSec, m.durationSec)} s); the shaded area in the charts is the warm-up.</p>`);
  for (const e of view.endpoints) {
    body.push(`<h3>${esc(e.name)} <span class="muted">(${esc(e.ep.kind)})</span></h3>`, metricTable(metricRows(e.measured, e.checks, e.ep.kind, { asSent: e.measuredAsSent, targetTime: e.targetTime })), charts(e.ep, m.durationSec, m.warmupSec, chartEndSec));
    body.push(latencySpectrum(e.name, e.ep, view.window));
  }
  for (const e of view.missingScopes) body.push(`<h3>${esc(e.name)} <span class="muted">(not measured)</span></h3>`, metricTable(metricRows(undefined, e.checks, 'http')));
  body.push('</section>');

  if (view.overall !== undefined) {
    body.push('<section id="overall"><h2>Overall</h2><p class="muted">All HTTP endpoints together; availability from the health probes; stream checks from the first stream.</p>');
    body.push(metricTable(metricRows(view.overall.measured, view.overall.checks, 'overall', { asSent: view.overall.measuredAsSent })));
    if (view.overall.ep) body.push(charts(view.overall.ep, m.durationSec, m.warmupSec, chartEndSec));
    body.push('</section>');
  }

  const errRows: Cell[][] = errorRows(view);
  const codeRows: Cell[][] = [];
  for (const e of view.endpoints) {
    for (const [code, n] of Object.entries(e.ep.errorCodes).sort((a, b) => b[1] - a[1])) codeRows.push([e.name, code, fmtCount(n)]);
  }
  body.push('<section id="errors"><h2>Errors</h2>');
  if (errRows.length === 0) body.push('<p class="muted">No errors.</p>');
  else {
    body.push('<p class="muted">By error class, counted over the measured window like the SLA checks; the whole run (warm-up included) beside it. Body error codes: whole run.</p>', table(ERROR_HEADERS, errRows, ERROR_ALIGN));
    if (codeRows.length > 0) body.push('<h3>Body error codes</h3>', table(['Endpoint', 'Code', 'Count'], codeRows, ['l', 'l', 'r']));
  }
  body.push('</section>');

  const streams = view.endpoints.filter((e) => e.ep.stream !== undefined);
  if (streams.length > 0) {
    const rows = streams.map(streamCells);
    body.push(
      '<section id="streams"><h2>Streams</h2><p class="muted">Stream counters cover the whole run; message latency percentiles the measured window.</p>',
      table(STREAM_HEADERS, rows, STREAM_ALIGN),
      '<h3>Connections</h3><p class="muted">Each connection carries every stream of its workload.</p>',
      table(CONNECTION_HEADERS, connectionGroups(streams).map(connectionCells), CONNECTION_ALIGN),
      '</section>',
    );
  }

  const arrivals = view.endpoints.filter((e) => e.ep.arrivals !== undefined);
  const g = result.generator;
  if (arrivals.length > 0 || g !== undefined) {
    body.push('<section id="generator"><h2>Arrivals and generator health</h2>');
    if (arrivals.length > 0) {
      const rows = arrivals.map((e) => {
        const a = e.ep.arrivals!;
        return [e.name, fmtCount(a.scheduled), fmtCount(a.sent), fmtCount(a.late), fmtPct(a.sent > 0 ? (a.late / a.sent) * 100 : undefined), fmtCount(a.dropped)];
      });
      body.push(table(['Endpoint', 'Scheduled', 'Sent', 'Late', 'Late %', 'Dropped'], rows, ['l', 'r', 'r', 'r', 'r', 'r']));
    }
    if (g !== undefined) {
      const rows: Cell[][] = [['Saturated', g.saturated ? `yes: ${g.reasons.join('; ')}` : 'no']];
      if (g.eventLoopLagMs) rows.push(['Event-loop lag p50 / p99 / max', `${fmtMs(g.eventLoopLagMs.p50)} / ${fmtMs(g.eventLoopLagMs.p99)} / ${fmtMs(g.eventLoopLagMs.max)} ms`]);
      if (g.scheduleSlipMs) rows.push(['Schedule slip p50 / p99 / max', `${fmtMs(g.scheduleSlipMs.p50)} / ${fmtMs(g.scheduleSlipMs.p99)} / ${fmtMs(g.scheduleSlipMs.max)} ms`]);
      if (g.cpuPct !== undefined) rows.push(['Generator CPU', fmtPct(g.cpuPct)]);
      if (g.maxRssMb !== undefined) rows.push(['Generator max RSS', `${fmtNum(g.maxRssMb)} MB`]);
      if (g.target) rows.push(['Target process', `pid ${g.target.pid}: CPU ${fmtPct(g.target.cpuPct)}, max RSS ${fmtNum(g.target.maxRssMb)} MB`]);
      body.push(table(['Generator', 'Value'], rows, ['l', 'l']));
    }
    body.push('</section>');
  }

  const infos = view.notes.filter((n) => n.level === 'info');
  if (infos.length > 0) body.push('<section id="notes"><h2>Notes</h2><ul class="notes">', ...infos.map((n) => `<li>${esc(n.text)}</li>`), '</ul></section>');

  if (view.samples.failed.length > 0 || view.samples.slowest.length > 0) {
    const rows: Cell[][] = [
      ...view.samples.failed.map((x) => ['failed', x.endpoint, { html: `<code>${esc(x.correlationId)}</code>` }, String(x.tSec), fmtMs(x.latencyMs), x.status === undefined ? DASH : String(x.status), [x.errorClass, x.errorCode].filter((y) => y !== undefined).join(': ')]),
      ...view.samples.slowest.map((x) => ['slowest', x.endpoint, { html: `<code>${esc(x.correlationId)}</code>` }, String(x.tSec), fmtMs(x.latencyMs), x.status === undefined ? DASH : String(x.status), '']),
    ];
    body.push('<section id="samples"><h2>Sample requests</h2><p class="muted">Correlation IDs to look up in the target\'s logs.</p>', table(['Kind', 'Endpoint', 'Correlation ID', 't (s)', 'Latency ms', 'Status', 'Error'], rows, ['l', 'l', 'l', 'r', 'r', 'r', 'l']), '</section>');
  }

  for (const sec of opts.extraSections ?? []) body.push(sec);
  body.push(`<footer>Generated by loadgate at ${esc(report.generatedAt)}. Percentiles from HDR histograms (3 significant digits).</footer>`);

  return htmlPage(`loadgate: ${report.suiteName} — ${h.label}`, body);
}

/** A self-contained page in the report's style around already-escaped HTML sections (e.g. compare's). */
export function htmlPage(title: string, sections: string[]): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No scripts and no external loads, even if a string slipped through unescaped.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    ...sections,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
