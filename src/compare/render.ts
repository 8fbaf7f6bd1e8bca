/** Renderers for a Comparison: Markdown for a PR comment, JSON, and an HTML section. Pure: they return strings. */
import type { Comparison, EndpointComparison, MetricComparison, MetricVerdict, PhaseCheck, SlaSide } from './compare.js';

export const VERDICT_ICON: Record<MetricVerdict, string> = { improved: '✅', regressed: '❌', unchanged: '➖', inconclusive: '❔' };

function num(x: number, unit: MetricComparison['unit']): string {
  const a = Math.abs(x);
  if (unit === '%') return a === 0 ? '0' : a >= 10 ? x.toFixed(1) : a >= 0.1 ? x.toFixed(2) : x.toPrecision(2);
  if (a > 0 && a < 0.1) return x.toPrecision(2);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function withUnit(x: number | undefined, unit: MetricComparison['unit']): string {
  if (x === undefined) return '—';
  return unit === '%' ? `${num(x, unit)}%` : `${num(x, unit)} ${unit === 'ms' ? 'ms' : '/s'}`;
}

function signed(x: number, digits = 1): string {
  const s = x.toFixed(digits);
  return x > 0 ? `+${s}` : s === `-${(0).toFixed(digits)}` ? (0).toFixed(digits) : s;
}

function deltaCell(m: MetricComparison): string {
  if (m.delta === undefined) return '—';
  const v = m.unit === '%' ? `${m.delta > 0 ? '+' : ''}${num(m.delta, m.unit)} pp` : `${m.delta > 0 ? '+' : ''}${num(m.delta, m.unit)} ${m.unit === 'ms' ? 'ms' : '/s'}`;
  return v;
}

/**
 * A relative change for a reader: a percentage up to ±1000% (and down to −90%), beyond that the ratio —
 * `×155,300` says what `+15530000.0%` does not (issue #13 item 6).
 */
export function fmtChange(pct: number): string {
  if (!Number.isFinite(pct)) return pct > 0 ? '×∞' : '—';
  const ratio = 1 + pct / 100;
  if (pct >= 1000) return `×${ratioText(ratio)}`;
  if (pct <= -90 && ratio > 0) return `÷${ratioText(1 / ratio)}`;
  return `${signed(pct)}%`;
}

function ratioText(r: number): string {
  if (r >= 1000) return Number(r.toPrecision(4)).toLocaleString('en-US');
  return r >= 100 ? r.toFixed(0) : r.toFixed(1);
}

function deltaPctCell(m: MetricComparison): string {
  if (m.unit === '%' && m.base === 0) return m.cand === 0 ? '0%' : 'new';
  return m.deltaPct === undefined ? '—' : fmtChange(m.deltaPct);
}

/** The interval; its level too when it is not the table's (the "tail vs others" rows, at `tailConfidence`). */
function ciCell(m: MetricComparison, tableLevel: number): string {
  if (m.ci === undefined) return '—';
  const level = Math.abs(m.ci.level - tableLevel) > 1e-9 ? ` (${Math.round(m.ci.level * 1000) / 10}%)` : '';
  return `${fmtChange(m.ci.lowPct)} … ${fmtChange(m.ci.highPct)}${level}`;
}

function metricLabel(m: MetricComparison): string {
  return m.thinTail ? `${m.label} ⚠️` : m.label;
}

function sideLine(c: Comparison, side: 'base' | 'cand'): string {
  const s = c[side];
  const parts = [`${s.runs} run${s.runs === 1 ? '' : 's'}`];
  if (s.labels.length) parts.push(s.labels.join(', '));
  if (s.phases.length) parts.push(s.phases.join(', '));
  if (s.engines.length) parts.push(s.engines.join(', '));
  return parts.join(' · ');
}

function headline(c: Comparison): string {
  const k = c.counts;
  const warn = [
    ...(c.untrustworthy.length ? ['⚠️ **untrustworthy input**'] : []),
    ...(c.sla?.changed ? [`SLA ${slaChange(c.sla)}`] : []),
    ...c.caveats.map((x) => `⚠️ ${x}`),
  ];
  return `${VERDICT_ICON[c.verdict]} **${c.verdict}** — ${k.regressed} regressed, ${k.improved} improved, ${k.unchanged} unchanged, ${k.inconclusive} inconclusive${warn.length ? ` · ${warn.join(' · ')}` : ''}`;
}

/** "base passed all 25 checks, candidate failed 1" (short, for the headline). */
function slaChange(sla: NonNullable<Comparison['sla']>): string {
  const one = (name: string, x: SlaSide | undefined) => {
    if (x === undefined) return `${name} had no SLA`;
    if (x.passed === x.runs) return `${name} passed all ${x.checks} checks${x.runs > 1 ? ` in ${x.runs} runs` : ''}`;
    return `${name} failed ${x.failed.length}${x.runs > 1 ? ` (${x.runs - x.passed} of ${x.runs} runs)` : ''}`;
  };
  return `${one('base', sla.base)}, ${one('candidate', sla.cand)}`;
}

/** The SLA outcome of each side, in full: which checks failed, actual against limit. */
function slaLines(c: Comparison): string[] {
  if (c.sla === undefined) return [];
  const side = (name: string, x: SlaSide | undefined) => {
    if (x === undefined) return `${name}: no SLA in the result`;
    if (x.passed === x.runs) return `${name}: ✅ all ${x.checks} checks passed${x.runs > 1 ? ` in ${x.runs} runs` : ''}`;
    return `${name}: ❌ ${x.failed.map(failedCheck).join('; ')}`;
  };
  return [side('base', c.sla.base), side('candidate', c.sla.cand)];
}

function failedCheck(f: SlaSide['failed'][number]): string {
  if (f.status === 'no-data' || f.actual === undefined) return `${f.id}: no data`;
  const unit = f.unit === 'count' ? '' : ` ${f.unit}`;
  const upper = f.op === '<' || f.op === '<=';
  // How far off, as the ratio of actual to limit when it is large (a 0.001 ms limit), else in the unit.
  const ratio = f.limit !== 0 ? f.actual / f.limit : Infinity;
  const off = upper && f.limit > 0 && ratio >= 10 ? ` (${fmtChange((ratio - 1) * 100)} the limit)` : '';
  return `${f.id} ${fmtCheck(f.actual)}${unit} (needs ${f.op} ${f.limit}${unit})${off}`;
}

function trustLines(c: Comparison): string[] {
  return c.untrustworthy.map((u) => `${u.side}${u.run !== undefined ? ` run ${u.run}` : ''}: ${u.reason}`);
}

function method(c: Comparison): string {
  const o = c.options;
  const how =
    c.mode === 'runs'
      ? 'Mann–Whitney U across runs, Hodges–Lehmann shift'
      : `block bootstrap over per-second windows (${o.bootstrapIterations} replicates, seed ${o.seed}); a shift every endpoint shares counts beyond ±${o.sharedNoiseFloorPct}% with generator health alike; "tail vs others" compares each endpoint with the run's other endpoints in the same seconds; binomial model for error rates`;
  return `${how}; noise floor ±${o.noiseFloorPct}% (p99 ×2, p99.9 ×4) or ${o.noiseFloorMs} ms; ${Math.round(o.confidence * 1000) / 10}% intervals${o.adjust === 'bh' ? '; verdicts adjusted across the table (Benjamini–Hochberg)' : ''}`;
}

function phaseResult(p: PhaseCheck): string {
  if (p.status === 'unknown') return `❔ ${p.note ?? 'unknown'}`;
  const passed = p.runs.filter((r) => r.status === 'pass').length;
  const head = p.status === 'pass' ? '✅ meets' : '❌ misses';
  const runs = p.runs.length > 1 ? ` (${passed}/${p.runs.length} runs pass)` : '';
  const failed = [...new Map(p.runs.flatMap((r) => r.failed).map((f) => [f.id, f])).values()]
    .slice(0, 4)
    .map((f) => (f.status === 'no-data' ? `${f.id}: no data` : `${f.id} ${fmtCheck(f.actual)} (needs ${f.op} ${f.limit}${f.unit === 'count' ? '' : ` ${f.unit}`})`));
  return `${head}${runs}${failed.length ? `: ${failed.join('; ')}` : ''}`;
}

function fmtCheck(x: number | undefined): string {
  if (x === undefined) return '—';
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(2);
}

function phaseRows(c: Comparison): Array<[string, PhaseCheck]> {
  const rows: Array<[string, PhaseCheck]> = [];
  if (c.phases.base) rows.push(['base', c.phases.base]);
  if (c.phases.cand) rows.push(['candidate', c.phases.cand]);
  if (c.phases.candNext) rows.push(['candidate, next phase', c.phases.candNext]);
  return rows;
}

const md = (s: string) => s.replaceAll('|', '\\|');

function endpointTitle(e: EndpointComparison): string {
  return `${e.name} (${e.kind})${e.onlyIn ? ` — only in the ${e.onlyIn === 'base' ? 'base' : 'candidate'}` : ''}`;
}

/** Markdown ready for a PR comment. */
export function renderCompareMarkdown(c: Comparison): string {
  const out: string[] = [];
  out.push(`### loadgate compare: ${headline(c)}`, '');
  const trust = trustLines(c);
  if (trust.length) out.push('> ⚠️ **Untrustworthy input** — a gate does not pass on these numbers:', ...trust.map((t) => `> - ${md(t)}`), '');
  if (c.caveats.length) out.push(...c.caveats.map((x) => `> ⚠️ ${md(x)}`), '');
  const sla = slaLines(c);
  if (sla.length) out.push(`**SLA${c.sla!.changed ? ' outcome changed' : ''}:** ${sla.map(md).join(' · ')}`, '');
  out.push(`**base:** ${md(sideLine(c, 'base'))}  `, `**candidate:** ${md(sideLine(c, 'cand'))}  `, `<sub>${md(method(c))}</sub>`, '');
  const level = `${Math.round(c.options.confidence * 1000) / 10}% CI`;
  for (const e of c.endpoints) {
    out.push(`#### ${md(endpointTitle(e))}`, '');
    out.push(`| metric | base | cand | Δ | Δ% | ${level} | verdict |`, '|---|---:|---:|---:|---:|:---:|---|');
    for (const m of e.metrics) {
      // Regressed rows in bold, so they stand out in a PR comment.
      const b = m.verdict === 'regressed' ? '**' : '';
      out.push(
        `| ${b}${md(metricLabel(m))}${b} | ${b}${withUnit(m.base, m.unit)}${b} | ${b}${withUnit(m.cand, m.unit)}${b} | ${b}${deltaCell(m)}${b} | ${b}${deltaPctCell(m)}${b} | ${ciCell(m, c.options.confidence)} | ${VERDICT_ICON[m.verdict]} ${b}${m.verdict}${b} |`,
      );
    }
    out.push('');
  }
  const thin = c.endpoints.flatMap((e) => e.metrics.filter((m) => m.thinTail).map((m) => `${e.name} ${m.label}: ${m.tail?.base ?? '?'} / ${m.tail?.cand ?? '?'} samples beyond it (base / candidate)`));
  if (thin.length) out.push(`⚠️ thin tail — a tail percentile resting on fewer than 10 samples: ${md(thin.join('; '))}`, '');
  const phases = phaseRows(c);
  if (phases.length) {
    out.push('#### Phases', '', '| side | phase | result |', '|---|---|---|');
    for (const [side, p] of phases) out.push(`| ${side} | ${md(p.phase)} | ${md(phaseResult(p))} |`);
    out.push('');
  }
  const why = c.endpoints.flatMap((e) => e.metrics.filter((m) => m.verdict !== 'unchanged').map((m) => `- **${md(e.name)} ${m.label}** ${VERDICT_ICON[m.verdict]} ${md(m.reason)}`));
  if (why.length) out.push('<details><summary>Why these verdicts</summary>', '', ...why, '', '</details>', '');
  if (c.notes.length) out.push('**Notes**', '', ...c.notes.map((n) => `- ${md(n)}`), '');
  return out.join('\n');
}

/** The Comparison as JSON (the full model, stable key order as built). */
export function renderCompareJson(c: Comparison): string {
  return `${JSON.stringify(c, null, 2)}\n`;
}

const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** Styles of the section: regressed rows stand out, the chart's bars take the verdict's colour. */
const SECTION_CSS = [
  '.lg-cmp-table tr.lg-cmp-regressed td{background:#fde2e1;font-weight:600}',
  '.lg-cmp-table tr.lg-cmp-improved td{background:#e3f5e6}',
  '.lg-cmp-warn{background:#fff4d6;border-left:4px solid #d89a00;padding:.4em .8em}',
  '.lg-cmp-chart{max-width:100%;height:auto}',
  '.lg-cmp-chart text{font:11px sans-serif;fill:#333}',
  '.lg-cmp-chart .dot-regressed{fill:#d93025}.lg-cmp-chart .dot-improved{fill:#1e8e3e}',
  '.lg-cmp-chart .dot-unchanged,.lg-cmp-chart .dot-inconclusive{fill:#9aa0a6}',
  '.lg-cmp-chart .ci{stroke:#333;stroke-width:1.5;fill:none}.lg-cmp-chart .axis{stroke:#666;stroke-width:1}',
].join('');

/** Metrics the chart shows: the latency percentiles a reader gates on, and the tail against the other endpoints. */
const CHART_METRICS = new Set(['p50Ms', 'p95Ms', 'p99Ms', 'tailVsOthersPct']);

/**
 * An inline SVG (no script, no external load): one row per endpoint and metric, the change in percent as a dot
 * in the verdict's colour with its interval as a whisker, clipped at ±100% (the label says the number).
 */
export function compareChartSvg(c: Comparison): string {
  const rows = c.endpoints.flatMap((e) => e.metrics.filter((m) => CHART_METRICS.has(m.metric) && m.deltaPct !== undefined).map((m) => ({ e, m })));
  if (rows.length === 0) return '';
  const rowH = 16;
  const labelW = 190;
  const plotW = 360;
  const valueW = 90;
  const top = 22;
  const height = top + rows.length * rowH + 8;
  const width = labelW + plotW + valueW;
  const LIM = 100;
  const x = (pct: number) => labelW + ((Math.max(-LIM, Math.min(LIM, pct)) + LIM) / (2 * LIM)) * plotW;
  const out: string[] = [];
  out.push(
    `<svg class="lg-cmp-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="change per endpoint and metric, percent, with intervals">`,
  );
  out.push(`<text x="${x(-LIM)}" y="12">−100%</text><text x="${x(0) - 4}" y="12">0</text><text x="${x(LIM) - 34}" y="12">+100%</text>`);
  out.push(`<line class="axis" x1="${x(0)}" y1="${top - 6}" x2="${x(0)}" y2="${height - 4}"/>`);
  rows.forEach(({ e, m }, i) => {
    const y = top + i * rowH;
    const d = m.deltaPct!;
    const cy = y + rowH / 2;
    out.push(`<text x="0" y="${y + 11}">${esc(`${e.name} ${m.label}`)}</text>`);
    if (m.ci !== undefined) out.push(`<polyline class="ci" points="${x(m.ci.lowPct).toFixed(1)},${cy} ${x(m.ci.highPct).toFixed(1)},${cy}"/>`);
    out.push(`<circle class="dot-${m.verdict}" cx="${x(d).toFixed(1)}" cy="${cy}" r="4"><title>${esc(`${e.name} ${m.label}: ${fmtChange(d)} (${m.verdict})`)}</title></circle>`);
    const clipped = Math.abs(d) > LIM ? (d > 0 ? ' ▶' : ' ◀') : '';
    out.push(`<text x="${labelW + plotW + 6}" y="${y + 11}">${esc(`${fmtChange(d)}${clipped}`)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}

/** An HTML `<section>` the HTML report can embed (classes prefixed `lg-cmp-`, no inline script). */
export function renderCompareHtmlSection(c: Comparison): string {
  const out: string[] = [];
  out.push(`<section class="lg-cmp lg-cmp-${c.verdict}">`, `<style>${SECTION_CSS}</style>`);
  const k = c.counts;
  out.push(`<h2>Comparison: <span class="lg-cmp-verdict">${VERDICT_ICON[c.verdict]} ${c.verdict}</span></h2>`);
  out.push(`<p class="lg-cmp-counts">${k.regressed} regressed, ${k.improved} improved, ${k.unchanged} unchanged, ${k.inconclusive} inconclusive</p>`);
  const trust = trustLines(c);
  if (trust.length) out.push(`<div class="lg-cmp-warn"><b>⚠️ Untrustworthy input</b> — a gate does not pass on these numbers:<ul>${trust.map((t) => `<li>${esc(t)}</li>`).join('')}</ul></div>`);
  for (const x of c.caveats) out.push(`<p class="lg-cmp-warn">⚠️ ${esc(x)}</p>`);
  const sla = slaLines(c);
  if (sla.length) out.push(`<p class="lg-cmp-sla${c.sla!.changed ? ' lg-cmp-warn' : ''}"><b>SLA${c.sla!.changed ? ' outcome changed' : ''}:</b> ${sla.map(esc).join('<br>')}</p>`);
  out.push(`<p class="lg-cmp-sides"><b>base:</b> ${esc(sideLine(c, 'base'))}<br><b>candidate:</b> ${esc(sideLine(c, 'cand'))}</p>`);
  out.push(`<p class="lg-cmp-method">${esc(method(c))}</p>`);
  const chart = compareChartSvg(c);
  if (chart) out.push('<h3>Change per endpoint</h3>', chart);
  const level = `${Math.round(c.options.confidence * 1000) / 10}% CI`;
  for (const e of c.endpoints) {
    out.push(`<h3>${esc(endpointTitle(e))}</h3>`, '<table class="lg-cmp-table">');
    out.push(`<thead><tr><th>metric</th><th>base</th><th>cand</th><th>Δ</th><th>Δ%</th><th>${level}</th><th>verdict</th></tr></thead><tbody>`);
    for (const m of e.metrics) {
      const title = m.thinTail ? ` title="${esc(`${m.tail?.base} / ${m.tail?.cand} samples beyond this percentile`)}"` : '';
      out.push(
        `<tr class="lg-cmp-${m.verdict}"><td${title}>${esc(metricLabel(m))}</td><td>${esc(withUnit(m.base, m.unit))}</td><td>${esc(withUnit(m.cand, m.unit))}</td><td>${esc(deltaCell(m))}</td><td>${esc(deltaPctCell(m))}</td><td>${esc(ciCell(m, c.options.confidence))}</td><td title="${esc(m.reason)}">${VERDICT_ICON[m.verdict]} ${m.verdict}</td></tr>`,
      );
    }
    out.push('</tbody></table>');
  }
  const phases = phaseRows(c);
  if (phases.length) {
    out.push('<h3>Phases</h3>', '<table class="lg-cmp-phases"><thead><tr><th>side</th><th>phase</th><th>result</th></tr></thead><tbody>');
    for (const [side, p] of phases) out.push(`<tr><td>${esc(side)}</td><td>${esc(p.phase)}</td><td>${esc(phaseResult(p))}</td></tr>`);
    out.push('</tbody></table>');
  }
  if (c.notes.length) out.push('<ul class="lg-cmp-notes">', ...c.notes.map((n) => `<li>${esc(n)}</li>`), '</ul>');
  out.push('</section>');
  return `${out.join('\n')}\n`;
}
