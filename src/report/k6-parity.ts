/**
 * k6's own figures beside loadgate's, for results k6 produced (issue 15). Pure: a Report in, data or strings out.
 *
 * The two tools read percentiles differently, and a k6 user who holds loadgate's table beside k6's printed
 * summary must be able to tell why they differ:
 * - k6: every sample of the whole run (warm-up included), percentile by linear interpolation between the two
 *   nearest samples at rank q·(n−1) (FORMATS.md §9). Reproduced here from loadgate's data (`k6Values`,
 *   within one HDR bucket: ≤ 0.1%).
 * - loadgate: the measured window (after the warm-up), percentile = the nearest-rank sample, read from the
 *   HDR histogram.
 * And the SLA checks that were compiled into k6 thresholds: where k6's figure and loadgate's fall on different
 * sides of the limit, the check is named with both figures, so a green k6 run beside a red report (or the
 * other way round) is explained.
 */
import { decodeHistogram } from '../result/histogram.js';
import type { CustomMetric, EndpointResult, RunResult } from '../result/model.js';
import { endpointStats, measuredWindow } from '../result/stats.js';
import { k6Percentiles, k6Values } from '../engines/k6/k6-stats.js';
import type { CheckResult } from '../sla/evaluate.js';
import { fmtCount, fmtMs, fmtPlain } from './format.js';
import type { Report } from './model.js';

const PCTS = [
  ['p50Ms', 'med', 0.5],
  ['p90Ms', 'p(90)', 0.9],
  ['p95Ms', 'p(95)', 0.95],
  ['p99Ms', 'p(99)', 0.99],
] as const;
type PctKey = (typeof PCTS)[number][0];
type Figures = { count: number } & Partial<Record<PctKey, number>>;

export interface K6ParityRow {
  endpoint: string;
  /** k6's definition: whole run, linear interpolation. */
  k6: Figures;
  /** Where k6's figures come from: the k6 sub-metric k6 itself printed, or the endpoint's samples. */
  k6Source: string;
  /** loadgate's definition: measured window, nearest rank. */
  loadgate: Figures;
}

export interface K6Disagreement {
  checkId: string;
  /** The k6 threshold the check was compiled to, e.g. `http_req_duration{name:fetchTicker}: p(99)<400`. */
  threshold: string;
  k6Value: number;
  loadgateValue: number | undefined;
  k6Passes: boolean;
  loadgatePasses: boolean;
  why: string;
}

export interface K6Parity {
  rows: K6ParityRow[];
  /** Latency and error-rate checks compiled into k6 thresholds on which k6 and loadgate agree. */
  agreeing: number;
  disagreements: K6Disagreement[];
  warmupSec: number;
}

/** The two definitions, in two sentences (also in README's k6 section). */
export const PERCENTILE_DEFINITIONS =
  "k6 reads a percentile over every sample of the whole run, warm-up included, interpolating linearly between the two nearest samples (rank q·(n−1)); the k6 columns reproduce that from loadgate's data, within 0.1%. " +
  "loadgate reads the nearest-rank sample over the measured window (after the warm-up) from its HDR histogram, so its figures can differ from k6's printed summary on the same samples, most at the tail.";

/** The workloads k6 ran, from the custom-metric keys the engine writes (`k6.<workload>.<metric>`); undefined = all (an import). */
function k6Workloads(result: RunResult): Set<string> | undefined {
  if (!result.meta.engines.some((e) => e.name === 'k6')) return new Set();
  if (result.meta.engines.every((e) => e.name === 'k6')) return undefined;
  const out = new Set<string>();
  for (const k of Object.keys(result.custom ?? {})) {
    const m = /^k6\.([^.]+)\./.exec(k);
    if (m) out.add(m[1]!);
  }
  return out;
}

function customMetric(result: RunResult, name: string, workloads: readonly string[]): CustomMetric | undefined {
  const c = result.custom ?? {};
  for (const w of workloads) if (c[`k6.${w}.${name}`]) return c[`k6.${w}.${name}`];
  return c[name];
}

function k6Figures(result: RunResult, name: string, ep: EndpointResult): { figures: Figures; source: string } {
  const sub = `http_req_duration{name:${name}}`;
  const m = customMetric(result, sub, ep.workloads);
  if (m?.type === 'trend' && m.histogram !== undefined && (m.count ?? 0) > 0) {
    const v = k6Values(m, result.meta.durationSec, ['count', ...PCTS.map((p) => p[1])]);
    return { figures: { count: v.count ?? 0, ...Object.fromEntries(PCTS.map(([k, s]) => [k, v[s]])) }, source: sub };
  }
  const h = decodeHistogram(ep.latency);
  const vals = k6Percentiles(h, PCTS.map((p) => p[2]), 1000);
  return { figures: { count: h.totalCount, ...Object.fromEntries(PCTS.map(([k], i) => [k, vals[i]])) }, source: 'the endpoint\'s samples' };
}

const LATENCY_AGG: Partial<Record<string, { key: PctKey; agg: string }>> = {
  p50Ms: { key: 'p50Ms', agg: 'med' },
  p90Ms: { key: 'p90Ms', agg: 'p(90)' },
  p95Ms: { key: 'p95Ms', agg: 'p(95)' },
  p99Ms: { key: 'p99Ms', agg: 'p(99)' },
};

function passes(v: number, op: CheckResult['op'], limit: number): boolean {
  return op === '<' ? v < limit : op === '<=' ? v <= limit : op === '>' ? v > limit : v >= limit;
}

/** k6's figures beside loadgate's for a result k6 produced; undefined when k6 ran nothing in it. */
export function k6Parity(report: Report): K6Parity | undefined {
  const { result, verdict } = report;
  const wl = k6Workloads(result);
  if (wl !== undefined && wl.size === 0) return undefined;
  const win = measuredWindow(result);
  const rows: K6ParityRow[] = [];
  for (const [name, ep] of Object.entries(result.endpoints).sort(([a], [b]) => a.localeCompare(b))) {
    if (ep.kind !== 'http' || ep.requests === 0) continue;
    if (wl !== undefined && !ep.workloads.some((w) => wl.has(w))) continue;
    const { figures, source } = k6Figures(result, name, ep);
    const s = endpointStats(name, ep, result.meta.durationSec, win);
    const loadgate: Figures = { count: s.latency?.count ?? 0, ...Object.fromEntries(PCTS.map(([k]) => [k, s.latency?.[k]])) };
    rows.push({ endpoint: name, k6: figures, k6Source: source, loadgate });
  }
  if (rows.length === 0) return undefined;

  // Checks k6 also enforced (compiled thresholds, thresholds.ts): whole-run latency percentiles and error rates of an endpoint.
  const disagreements: K6Disagreement[] = [];
  let agreeing = 0;
  const byName = new Map(rows.map((r) => [r.endpoint, r]));
  for (const c of verdict.checks) {
    if (c.windowSec !== undefined || c.status === 'no-data') continue;
    const row = byName.get(c.scope);
    if (!row) continue;
    const lat = LATENCY_AGG[c.metric];
    let k6Value: number | undefined;
    let threshold: string;
    if (lat) {
      k6Value = row.k6[lat.key];
      threshold = `http_req_duration{name:${c.scope}}: ${lat.agg}${c.op}${fmtPlain(c.limit)}`;
    } else if (c.metric === 'errorRatePct' || c.metric === 'successRatePct') {
      const m = customMetric(result, `http_req_failed{name:${c.scope}}`, result.endpoints[c.scope]!.workloads);
      if (m?.type !== 'rate') continue;
      const failedPct = (k6Values(m, result.meta.durationSec).rate ?? 0) * 100;
      k6Value = c.metric === 'errorRatePct' ? failedPct : 100 - failedPct;
      threshold = `http_req_failed{name:${c.scope}}: rate (${c.metric} ${c.op} ${fmtPlain(c.limit)}%)`;
    } else continue;
    if (k6Value === undefined) continue;
    const k6Passes = passes(k6Value, c.op, c.limit);
    const loadgatePasses = c.status === 'pass';
    if (k6Passes === loadgatePasses) {
      agreeing++;
      continue;
    }
    const unit = lat ? ' ms' : '%';
    const lg = c.actual === undefined ? 'no value' : `${fmtMs(c.actual)}${unit}`;
    disagreements.push({
      checkId: c.id,
      threshold,
      k6Value,
      loadgateValue: c.actual,
      k6Passes,
      loadgatePasses,
      why:
        `k6 reads ${fmtMs(k6Value)}${unit} over the whole run${result.meta.warmupSec > 0 ? ` (the ${fmtPlain(result.meta.warmupSec)} s warm-up included)` : ''}${lat ? ', interpolating between samples' : ''}; ` +
        `loadgate reads ${lg} over the measured window${lat ? ' (nearest rank)' : ''}. ` +
        `So k6's threshold ${k6Passes ? 'passes' : 'fails'} and loadgate's check ${loadgatePasses ? 'passes' : 'fails'}; loadgate's verdict is the one that counts.`,
    });
  }
  return { rows, agreeing, disagreements, warmupSec: result.meta.warmupSec };
}

const HEADERS = ['endpoint', 'k6 n', 'k6 med', 'k6 p(90)', 'k6 p(95)', 'k6 p(99)', 'loadgate n', 'p50', 'p90', 'p95', 'p99'];

function cells(r: K6ParityRow): string[] {
  return [r.endpoint, fmtCount(r.k6.count), ...PCTS.map(([k]) => fmtMs(r.k6[k])), fmtCount(r.loadgate.count), ...PCTS.map(([k]) => fmtMs(r.loadgate[k]))];
}

function title(p: K6Parity): string {
  return `k6's own figures (whole run${p.warmupSec > 0 ? ', warm-up included' : ''}, linear interpolation) beside loadgate's (measured window, nearest rank) — latency in ms`;
}

function agreement(p: K6Parity): string {
  if (p.disagreements.length === 0) return p.agreeing > 0 ? `k6's thresholds and loadgate's checks agree on all ${p.agreeing} checks compiled for k6.` : '';
  return `k6's thresholds and loadgate's checks disagree on ${p.disagreements.length} of ${p.agreeing + p.disagreements.length} checks compiled for k6:`;
}

/** Markdown section (empty when k6 ran nothing). */
export function k6ParityMarkdown(report: Report): string[] {
  const p = k6Parity(report);
  if (!p) return [];
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out = [`## ${title(p)}`, '', `_${PERCENTILE_DEFINITIONS}_`, ''];
  out.push(`| ${HEADERS.join(' | ')} |`, `|---|${HEADERS.slice(1).map(() => '---:').join('|')}|`);
  for (const r of p.rows) out.push(`| ${cells(r).map(esc).join(' | ')} |`);
  out.push('');
  const a = agreement(p);
  if (a) out.push(a, '');
  for (const d of p.disagreements) out.push(`- ⚠️ **${esc(d.checkId)}** (\`${d.threshold}\`): ${esc(d.why)}`);
  if (p.disagreements.length) out.push('');
  return out;
}

/** Console lines (empty when k6 ran nothing). */
export function k6ParityText(report: Report, width = 100): string[] {
  const p = k6Parity(report);
  if (!p) return [];
  const rows = [HEADERS, ...p.rows.map(cells)];
  const widths = HEADERS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const wrap = (s: string, indent: string): string[] => {
    const out: string[] = [];
    let cur = '';
    for (const w of s.split(' ')) {
      if (cur && cur.length + 1 + w.length > width - indent.length) {
        out.push(indent + cur);
        cur = w;
      } else cur = cur ? `${cur} ${w}` : w;
    }
    if (cur) out.push(indent + cur);
    return out;
  };
  const out = [title(p), ...rows.map(line)];
  const a = agreement(p);
  if (a) out.push(...wrap(a, ''));
  for (const d of p.disagreements) out.push(...wrap(`! ${d.checkId} (${d.threshold}): ${d.why}`, '  '));
  out.push(...wrap(PERCENTILE_DEFINITIONS, '  '), '');
  return out;
}

/** HTML section (empty string when k6 ran nothing). */
export function k6ParityHtml(report: Report): string {
  const p = k6Parity(report);
  if (!p) return '';
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const head = `<tr>${HEADERS.map((h, i) => `<th${i ? ' class="num"' : ''}>${esc(h)}</th>`).join('')}</tr>`;
  const body = p.rows.map((r) => `<tr>${cells(r).map((c, i) => `<td${i ? ' class="num"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('');
  const a = agreement(p);
  const dis = p.disagreements.length ? `<ul class="notes">${p.disagreements.map((d) => `<li><strong>${esc(d.checkId)}</strong> (<code>${esc(d.threshold)}</code>): ${esc(d.why)}</li>`).join('')}</ul>` : '';
  return `<section id="k6-parity"><h2>${esc(title(p))}</h2><p class="muted">${esc(PERCENTILE_DEFINITIONS)}</p><table><thead>${head}</thead><tbody>${body}</tbody></table>${a ? `<p>${esc(a)}</p>` : ''}${dis}</section>`;
}
