/** The end-of-run summary for a terminal. Pure: returns a string; colour only when asked. */
import { fmtCount, fmtDurationSec, fmtLimit, fmtMargin, fmtMs, fmtNum, fmtPlain, fmtValue, paint, visibleLength, type Paint } from './format.js';
import { buildView, verdictHeadline, type EndpointView, type ReportView, type SampleView } from './derive.js';
import type { EndpointStats } from '../result/stats.js';
import type { CheckResult } from '../sla/evaluate.js';
import type { Report } from './model.js';
import { k6ParityText } from './k6-parity.js';

export interface ConsoleOptions {
  /** ANSI colour. */
  color: boolean;
  /** Terminal width in columns: no line is longer (tables shrink their text columns, notes wrap). Default 80. */
  width?: number;
}

interface Cell {
  text: string;
  style?: (s: string) => string;
}
type Align = 'l' | 'r';

function truncate(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

/** A plain text table; styles are applied after padding so ANSI codes never break alignment. */
/** Control characters would move the cursor or break the layout. */
function clean(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '?');
}

/**
 * A table no wider than `width`: when the natural widths do not fit, the gap between columns narrows to one
 * space, then the `shrink` columns give up characters in that order, each down to `MIN_SHRUNK`; their cells
 * end in `…`.
 */
const MIN_SHRUNK = 8;

function table(headers: string[], rows: Cell[][], align: Align[], p: Paint, width: number, shrink: number[] = [0]): string[] {
  const hs0 = headers.map(clean);
  const rs0 = rows.map((r) => r.map((c) => ({ ...c, text: clean(c.text) })));
  // A loop, not Math.max(...rows): a spread of 100k+ rows (a k6 run with a name per URL) overflows the stack.
  const widths = hs0.map((h, i) => rs0.reduce((w, r) => Math.max(w, visibleLength(r[i]?.text ?? '')), visibleLength(h)));
  let gap = 2;
  const total = () => widths.reduce((a, b) => a + b, 0) + gap * (widths.length - 1);
  if (total() > width) gap = 1;
  while (total() > width) {
    const i = shrink.find((k) => (widths[k] ?? 0) > MIN_SHRUNK);
    if (i === undefined) break;
    widths[i]!--;
  }
  const hs = hs0.map((h, i) => truncate(h, widths[i]!));
  const rs = rs0.map((r) => r.map((c, i) => ({ ...c, text: truncate(c.text, widths[i]!) })));
  const sep = ' '.repeat(gap);
  const pad = (s: string, i: number) => {
    const w = widths[i] ?? 0;
    const fill = ' '.repeat(Math.max(0, w - visibleLength(s)));
    return align[i] === 'r' ? fill + s : s + fill;
  };
  const lines = [p.bold(hs.map((h, i) => pad(h, i)).join(sep).trimEnd())];
  for (const r of rs) lines.push(r.map((c, i) => (c.style ?? ((s: string) => s))(pad(c.text, i))).join(sep).trimEnd());
  return lines;
}

function wrap(text: string, width: number, indent: string): string[] {
  const words = text.replace(/\s+/g, ' ').split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line !== '' && visibleLength(line) + 1 + visibleLength(w) > width - indent.length) {
      lines.push(line);
      line = w;
    } else line = line === '' ? w : `${line} ${w}`;
  }
  if (line !== '') lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : indent + l));
}

function endpointCells(name: string, s: EndpointStats | undefined): Cell[] {
  const l = s?.latency;
  return [
    { text: name },
    { text: fmtCount(s?.requests) },
    { text: fmtNum(s?.throughputPerSec) },
    { text: fmtNum(s?.errorRatePct) },
    { text: fmtMs(l?.p50Ms) },
    { text: fmtMs(l?.p95Ms) },
    { text: fmtMs(l?.p99Ms) },
    { text: fmtMs(l?.p999Ms) },
    { text: fmtMs(l?.maxMs) },
  ];
}

/** Short status words, so the checks table fits 80 columns; an optional check without data is skipped (as in JUnit). */
function consoleStatus(c: CheckResult): string {
  return c.status === 'pass' ? 'PASS' : c.status === 'fail' ? 'FAIL' : c.optional ? 'SKIP' : 'NO DATA';
}

function checkCells(c: CheckResult, p: Paint): Cell[] {
  const style = c.status === 'pass' ? p.green : c.status === 'fail' ? p.red : c.optional ? p.yellow : p.red;
  const limit = fmtLimit(c).replace(/ in every (\S+) s window$/, ' each $1 s');
  return [{ text: consoleStatus(c), style }, { text: c.id }, { text: c.status === 'no-data' ? 'no data' : fmtValue(c.actual, c.unit) }, { text: limit }, { text: fmtMargin(c) }];
}

/** What a reader needs under a check that did not pass: why there is no data, which window was worst. */
function checkDetail(c: CheckResult): string | undefined {
  const parts: string[] = [];
  if (c.windows !== undefined && c.status !== 'pass') {
    parts.push(`${c.windows.failed} of ${c.windows.checked} windows failed; worst starts at ${fmtPlain(c.windows.worstFromSec)} s`);
  }
  // SKIP: an optional check without data does not fail the run; say why there is none, in one line.
  if (c.detail !== undefined && c.status !== 'pass') parts.push(c.status === 'no-data' && c.optional ? `optional: ${c.detail}` : c.detail);
  else if (c.status === 'no-data' && c.optional) parts.push('optional, so it does not fail the run');
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function sampleLine(s: SampleView, slow: boolean): string {
  const parts = [s.endpoint, s.correlationId, `t=${fmtNum(s.tSec)}s${s.outside !== undefined ? ` (${s.outside})` : ''}`];
  if (s.latencyMs !== undefined) parts.push(`${fmtMs(s.latencyMs)} ms`);
  if (s.status !== undefined) parts.push(String(s.status));
  if (!slow && s.errorClass !== undefined) parts.push(s.errorCode !== undefined ? `${s.errorClass}/${s.errorCode}` : s.errorClass);
  return clean(parts.join('  '));
}

export function renderConsole(report: Report, opts: ConsoleOptions): string {
  const p = paint(opts.color);
  const width = Math.max(40, opts.width ?? 80);
  const view: ReportView = buildView(report);
  const { result, verdict } = report;
  const m = result.meta;
  const out: string[] = [];

  // Headline: the banner line never wraps; what does not fit moves to the last line.
  const ov = view.overall?.measured;
  const h = verdictHeadline(verdict);
  const bannerText = ` ${h.label} `;
  const banner = h.tone === 'pass' ? p.passBanner(bannerText) : h.tone === 'fail' ? p.failBanner(bannerText) : p.warnBanner(bannerText);
  const engines = m.engines.map((e) => `${e.name} ${e.version}`).join(', ');
  // Each part with a shorter form to fall back on; a part that fits in neither moves to the last line.
  const parts: string[][] = [
    ...(m.phase ? [[m.phase]] : []),
    [fmtDurationSec(m.durationSec)],
    [`${fmtCount(ov?.requests)} requests`],
    [`${fmtNum(ov?.throughputPerSec)} req/s${m.warmupSec > 0 ? ' after warm-up' : ''}`, `${fmtNum(ov?.throughputPerSec)} req/s`],
    [engines],
  ].map((forms) => forms.map(clean));
  const room = width - visibleLength(bannerText) - 1;
  let head = truncate(clean(report.suiteName), Math.max(8, Math.floor(room / 3)));
  const left: string[] = [];
  for (const forms of parts) {
    const fit = forms.find((f) => visibleLength(head) + 3 + visibleLength(f) <= room);
    if (fit !== undefined) head += ` · ${fit}`;
    else left.push(forms[0]!);
  }
  out.push(`${banner} ${p.bold(head)}`);
  const tone = h.tone === 'pass' ? p.green : h.tone === 'fail' ? p.red : p.yellow;
  out.push(...wrap(h.summary, width, '  ').map((l) => tone(l)));
  for (const r of h.reasons) out.push(...wrap(`! ${clean(r)}`, width, '  ').map((l) => p.yellow(l)));
  out.push('');

  // Endpoints
  const rows: Cell[][] = view.endpoints.map((e: EndpointView) => endpointCells(e.ep.kind === 'http' ? e.name : `${e.name} (${e.ep.kind})`, e.measured));
  if (view.overall?.measured) rows.push(endpointCells('overall (http)', view.overall.measured).map((c) => ({ ...c, style: p.bold })));
  out.push(p.bold(`Endpoints${m.warmupSec > 0 ? ` (measured window, after ${fmtDurationSec(m.warmupSec)} warm-up)` : ''} — latency in ms`));
  out.push(...table(['endpoint', 'requests', 'req/s', 'err %', 'p50', 'p95', 'p99', 'p99.9', 'max'], rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'], p, width, [0]));
  out.push('');

  // Checks
  if (view.checks.length > 0) {
    out.push(p.bold('SLA checks'));
    const lines = table(['status', 'check', 'actual', 'limit', 'margin'], view.checks.map((c) => checkCells(c, p)), ['l', 'l', 'r', 'l', 'r'], p, width, [3, 1]);
    out.push(lines[0] ?? '');
    view.checks.forEach((c, i) => {
      out.push(lines[i + 1] ?? '');
      const d = checkDetail(c);
      if (d !== undefined) out.push(...wrap(`└ ${clean(d)}`, width - 4, '  ').map((l) => p.dim(`    ${l}`)));
    });
  } else out.push(p.yellow('No SLA checks were defined.'));
  out.push('');

  out.push(...k6ParityText(report, width));
  // Notes
  if (view.notes.length > 0) {
    out.push(p.bold('Notes'));
    for (const n of view.notes) {
      const mark = n.level === 'warn' ? p.yellow('!') : p.dim('·');
      const [first, ...rest] = wrap(clean(n.text), width, '    ');
      out.push(`  ${mark} ${first ?? ''}`, ...rest);
    }
    out.push('');
  }

  // Correlation IDs
  if (view.samples.failed.length > 0 || view.samples.slowest.length > 0) {
    out.push(p.bold('Requests to look up (correlation IDs)'));
    for (const smp of view.samples.failed) out.push(`  ${p.red('failed ')} ${truncate(sampleLine(smp, false), width - 11)}`);
    for (const smp of view.samples.slowest) out.push(`  ${p.yellow('slowest')} ${truncate(sampleLine(smp, true), width - 11)}`);
    out.push('');
  }
  if (left.length > 0) out.push(p.dim(truncate(left.join(' · '), width)));
  if (report.reportDir !== undefined) out.push(p.dim(`Reports: ${report.reportDir}`));
  return `${out.join('\n').trimEnd()}\n`;
}
