/** Renderers for a Comparison: Markdown for a PR comment, JSON, and an HTML section. Pure: they return strings. */
import type { Comparison, EndpointComparison, MetricComparison, MetricVerdict, PhaseCheck } from './compare.js';

export const VERDICT_ICON: Record<MetricVerdict, string> = { improved: '✅', regressed: '❌', unchanged: '➖', inconclusive: '❔' };

function num(x: number, unit: MetricComparison['unit']): string {
  const a = Math.abs(x);
  if (unit === '%') return a === 0 ? '0' : a >= 10 ? x.toFixed(1) : a >= 0.1 ? x.toFixed(2) : x.toPrecision(2);
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

function deltaPctCell(m: MetricComparison): string {
  if (m.unit === '%' && m.base === 0) return m.cand === 0 ? '0%' : 'new';
  return m.deltaPct === undefined ? '—' : `${signed(m.deltaPct)}%`;
}

function ciCell(m: MetricComparison): string {
  return m.ci === undefined ? '—' : `${signed(m.ci.lowPct)}% … ${signed(m.ci.highPct)}%`;
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
  return `${VERDICT_ICON[c.verdict]} **${c.verdict}** — ${k.regressed} regressed, ${k.improved} improved, ${k.unchanged} unchanged, ${k.inconclusive} inconclusive`;
}

function method(c: Comparison): string {
  const o = c.options;
  const how =
    c.mode === 'runs'
      ? 'Mann–Whitney U across runs, Hodges–Lehmann shift'
      : `bootstrap of the histograms and per-second series (${o.bootstrapIterations} replicates, seed ${o.seed}), binomial model for error rates`;
  return `${how}; noise floor ±${o.noiseFloorPct}%; ${Math.round(o.confidence * 1000) / 10}% intervals${o.adjust === 'bh' ? '; verdicts adjusted across the table (Benjamini–Hochberg)' : ''}`;
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
  out.push(`**base:** ${md(sideLine(c, 'base'))}  `, `**candidate:** ${md(sideLine(c, 'cand'))}  `, `<sub>${md(method(c))}</sub>`, '');
  const level = `${Math.round(c.options.confidence * 1000) / 10}% CI`;
  for (const e of c.endpoints) {
    out.push(`#### ${md(endpointTitle(e))}`, '');
    out.push(`| metric | base | cand | Δ | Δ% | ${level} | verdict |`, '|---|---:|---:|---:|---:|:---:|---|');
    for (const m of e.metrics) {
      out.push(`| ${md(metricLabel(m))} | ${withUnit(m.base, m.unit)} | ${withUnit(m.cand, m.unit)} | ${deltaCell(m)} | ${deltaPctCell(m)} | ${ciCell(m)} | ${VERDICT_ICON[m.verdict]} ${m.verdict} |`);
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

/** An HTML `<section>` the HTML report can embed (classes prefixed `lg-cmp-`, no inline script). */
export function renderCompareHtmlSection(c: Comparison): string {
  const out: string[] = [];
  out.push(`<section class="lg-cmp lg-cmp-${c.verdict}">`);
  const k = c.counts;
  out.push(`<h2>Comparison: <span class="lg-cmp-verdict">${VERDICT_ICON[c.verdict]} ${c.verdict}</span></h2>`);
  out.push(`<p class="lg-cmp-counts">${k.regressed} regressed, ${k.improved} improved, ${k.unchanged} unchanged, ${k.inconclusive} inconclusive</p>`);
  out.push(`<p class="lg-cmp-sides"><b>base:</b> ${esc(sideLine(c, 'base'))}<br><b>candidate:</b> ${esc(sideLine(c, 'cand'))}</p>`);
  out.push(`<p class="lg-cmp-method">${esc(method(c))}</p>`);
  const level = `${Math.round(c.options.confidence * 1000) / 10}% CI`;
  for (const e of c.endpoints) {
    out.push(`<h3>${esc(endpointTitle(e))}</h3>`, '<table class="lg-cmp-table">');
    out.push(`<thead><tr><th>metric</th><th>base</th><th>cand</th><th>Δ</th><th>Δ%</th><th>${level}</th><th>verdict</th></tr></thead><tbody>`);
    for (const m of e.metrics) {
      const title = m.thinTail ? ` title="${esc(`${m.tail?.base} / ${m.tail?.cand} samples beyond this percentile`)}"` : '';
      out.push(
        `<tr class="lg-cmp-${m.verdict}"><td${title}>${esc(metricLabel(m))}</td><td>${esc(withUnit(m.base, m.unit))}</td><td>${esc(withUnit(m.cand, m.unit))}</td><td>${esc(deltaCell(m))}</td><td>${esc(deltaPctCell(m))}</td><td>${esc(ciCell(m))}</td><td title="${esc(m.reason)}">${VERDICT_ICON[m.verdict]} ${m.verdict}</td></tr>`,
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
