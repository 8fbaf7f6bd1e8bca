/** report.md: a daily-performance-report style summary in GitHub-flavoured Markdown (renders in PR comments). Pure. */
import { DASH, escapeMd, fmtCount, fmtDurationSec, fmtLimit, fmtMargin, fmtMs, fmtNum, fmtPct, fmtValue } from './format.js';
import { buildView, targetLabel, connectionCells, ERROR_ALIGN, ERROR_HEADERS, errorRows, SUMMARY_ALIGN, SUMMARY_HEADERS, summaryRows, verdictHeadline, connectionGroups, streamCells, CONNECTION_ALIGN, CONNECTION_HEADERS, metricRows, STREAM_ALIGN, STREAM_HEADERS, type MetricRow, type ReportView } from './derive.js';
import type { CheckResult } from '../sla/evaluate.js';
import type { Report } from './model.js';
import { k6ParityMarkdown } from './k6-parity.js';

type Align = 'l' | 'r' | 'c';

/** A GFM table. Cells are escaped here, so callers pass plain text. */
function mdTable(headers: readonly string[], rows: string[][], align: readonly Align[]): string[] {
  const sep = align.map((a) => (a === 'r' ? '---:' : a === 'c' ? ':---:' : '---'));
  const line = (cells: string[]) => `| ${cells.map((c) => (c === '' ? ' ' : c)).join(' | ')} |`;
  return [line(headers.map(escapeMd)), `|${sep.join('|')}|`, ...rows.map((r) => line(headers.map((_, i) => escapeMd(r[i] ?? ''))))];
}

export function statusIcon(c: Pick<CheckResult, 'status' | 'optional'> | undefined): string {
  if (c === undefined) return '';
  if (c.status === 'pass') return '✅';
  if (c.status === 'fail') return '❌';
  return c.optional ? '⚠️ no-data (optional)' : '⚠️ no-data';
}

function metricTable(rows: MetricRow[]): string[] {
  return mdTable(
    ['Metric', 'Value', 'Target', 'Status'],
    rows.map((r) => [r.label, r.value, r.target, statusIcon(r.check)]),
    ['l', 'r', 'l', 'c'],
  );
}

function metaRows(report: Report, view: ReportView): string[][] {
  const m = report.result.meta;
  const rows: string[][] = [['Suite', report.suiteName]];
  if (m.phase !== undefined) rows.push(['Phase', m.phase]);
  if (m.label !== undefined) rows.push(['Label', m.label]);
  rows.push(['Git commit', m.gitCommit ?? DASH]);
  rows.push(['Engines', m.engines.map((e) => `${e.name} ${e.version}`).join(', ') || DASH]);
  rows.push(['Started', m.startedAt], ['Ended', m.endedAt]);
  rows.push(['Duration', `${fmtDurationSec(m.durationSec)}${m.warmupSec > 0 ? ` (first ${fmtDurationSec(m.warmupSec)} warm-up, excluded from checks)` : ''}`]);
  rows.push(['Measured window', `${view.window.fromSec}–${Math.min(view.window.toSec, m.durationSec)} s`]);
  rows.push(['Host', `${m.host.hostname} (${m.host.platform}/${m.host.arch}, ${m.host.cpus} CPUs, node ${m.host.node})`]);
  rows.push(['Target', targetLabel(m.target)]);
  if (m.mergedFrom !== undefined) rows.push(['Merged from', m.mergedFrom.map((r) => r.source ?? `${r.startedAt}…${r.endedAt}`).join(', ')]);
  if (m.incomplete !== undefined) rows.push(['Incomplete', m.incomplete.reason]);
  rows.push(['Generated', report.generatedAt]);
  if (report.reportDir !== undefined) rows.push(['Report directory', report.reportDir]);
  return rows;
}

function checkRows(checks: CheckResult[]): string[][] {
  return checks.map((c) => [
    statusIcon(c) + (c.status === 'pass' ? ' pass' : c.status === 'fail' ? ' fail' : ''),
    c.id,
    c.status === 'no-data' ? DASH : fmtValue(c.actual, c.unit),
    fmtLimit(c),
    fmtMargin(c),
    [c.source === 'suite' ? '' : c.source, c.windows ? `${c.windows.failed}/${c.windows.checked} windows failed, worst at ${c.windows.worstFromSec} s` : '', c.detail ?? ''].filter((x) => x !== '').join('; '),
  ]);
}

export function renderMarkdown(report: Report): string {
  return markdownFromView(report, buildView(report));
}

/** @internal renderAll builds the view once for every format. */
export function markdownFromView(report: Report, view: ReportView): string {
  const { result, verdict } = report;
  const m = result.meta;
  const out: string[] = [];

  out.push(`# loadgate report: ${escapeMd(report.suiteName)}`, '');
  const h = verdictHeadline(verdict);
  const icon = h.tone === 'pass' ? '✅' : h.tone === 'fail' ? '❌' : '⚠️';
  const verdictLine = `**${icon} ${h.label}**: ${escapeMd(h.summary)}`;
  const ov = view.overall?.measured;
  out.push(
    `${verdictLine} · ${[m.phase, fmtDurationSec(m.durationSec), `${fmtCount(ov?.requests)} requests`, `${fmtNum(ov?.throughputPerSec)} req/s`]
      .filter((x): x is string => x !== undefined)
      .map(escapeMd)
      .join(' · ')}`,
    '',
  );

  // The trust causes first (one sentence each), then the other warnings.
  const warns = [...h.reasons, ...view.notes.filter((n) => n.level === 'warn').map((n) => n.text)];
  if (warns.length > 0) {
    out.push(h.reasons.length > 0 && !h.accepted ? '> [!CAUTION]' : '> [!WARNING]');
    for (const n of warns) out.push(`> ${escapeMd(n)}  `);
    out.push('');
  }

  // Every endpoint in one table and every check, before the per-endpoint detail.
  out.push('## Summary', '');
  if (m.warmupSec > 0) out.push(`_Measured window ${view.window.fromSec}–${Math.min(view.window.toSec, m.durationSec)} s (after the warm-up)._`, '');
  out.push(...mdTable(SUMMARY_HEADERS, summaryRows(view), SUMMARY_ALIGN), '');

  out.push('## SLA checks', '');
  if (view.checks.length === 0) out.push('_No SLA checks were defined._', '');
  else out.push(...mdTable(['Status', 'Check', 'Actual', 'Target', 'Margin', 'Detail'], checkRows(view.checks), ['l', 'l', 'r', 'l', 'r', 'l']), '');
  out.push(...k6ParityMarkdown(report));

  out.push('## Run', '');
  out.push(...mdTable(['Field', 'Value'], metaRows(report, view), ['l', 'l']), '');

  out.push('## Endpoints', '');
  if (m.warmupSec > 0) out.push(`_Measured window (${view.window.fromSec}–${Math.min(view.window.toSec, m.durationSec)} s): the warm-up is excluded._`, '');
  for (const e of view.endpoints) {
    out.push(`### ${escapeMd(e.name)} (${e.ep.kind})`, '');
    out.push(...metricTable(metricRows(e.measured, e.checks, e.ep.kind, { asSent: e.measuredAsSent, targetTime: e.targetTime })), '');
  }
  for (const e of view.missingScopes) {
    out.push(`### ${escapeMd(e.name)} (not measured)`, '');
    out.push(...metricTable(metricRows(undefined, e.checks, 'http')), '');
  }

  if (view.overall !== undefined) {
    out.push('## Overall', '', '_All HTTP endpoints together; availability from the health probes; stream checks from the first stream._', '');
    out.push(...metricTable(metricRows(view.overall.measured, view.overall.checks, 'overall', { asSent: view.overall.measuredAsSent })), '');
  }

  // Errors: classes, body codes, status codes (whole run).
  const errRows = errorRows(view);
  const codeRows: string[][] = [];
  for (const e of view.endpoints) {
    for (const [code, n] of Object.entries(e.ep.errorCodes).sort((a, b) => b[1] - a[1])) codeRows.push([e.name, code, fmtCount(n)]);
  }
  out.push('## Errors', '');
  if (errRows.length === 0) out.push('_No errors._', '');
  else {
    out.push('_By error class, counted over the measured window like the SLA checks; the whole run (warm-up included) beside it. Body error codes and status codes: whole run._', '');
    out.push(...mdTable(ERROR_HEADERS, errRows, ERROR_ALIGN), '');
    if (codeRows.length > 0) out.push('Body error codes:', '', ...mdTable(['Endpoint', 'Code', 'Count'], codeRows, ['l', 'l', 'r']), '');
  }
  const statusRows = view.endpoints
    .filter((e) => Object.keys(e.ep.statusCodes).length > 0)
    .map((e) => [e.name, Object.entries(e.ep.statusCodes).sort((a, b) => Number(a[0]) - Number(b[0])).map(([k, v]) => `${k}: ${fmtCount(v)}`).join(', ')]);
  if (statusRows.length > 0) out.push('HTTP status codes:', '', ...mdTable(['Endpoint', 'Status codes'], statusRows, ['l', 'l']), '');

  const streams = view.endpoints.filter((e) => e.ep.stream !== undefined);
  if (streams.length > 0) {
    out.push('## Streams', '', '_Stream counters cover the whole run; message latency percentiles the measured window._', '');
    const rows = streams.map(streamCells);
    out.push(...mdTable(STREAM_HEADERS, rows, STREAM_ALIGN), '');
    out.push('Connections (each carries every stream of its workload):', '');
    const conn = connectionGroups(streams).map((g) => connectionCells(g));
    out.push(...mdTable(CONNECTION_HEADERS, conn, CONNECTION_ALIGN), '');
  }

  const arrivals = view.endpoints.filter((e) => e.ep.arrivals !== undefined);
  const g = result.generator;
  if (arrivals.length > 0 || g !== undefined) {
    out.push('## Arrivals and generator health', '');
    if (arrivals.length > 0) {
      const rows = arrivals.map((e) => {
        const a = e.ep.arrivals!;
        return [e.name, fmtCount(a.scheduled), fmtCount(a.sent), fmtCount(a.late), fmtPct(a.sent > 0 ? (a.late / a.sent) * 100 : undefined), fmtCount(a.dropped)];
      });
      out.push(...mdTable(['Endpoint', 'Scheduled', 'Sent', 'Late', 'Late %', 'Dropped'], rows, ['l', 'r', 'r', 'r', 'r', 'r']), '');
    }
    if (g !== undefined) {
      const rows: string[][] = [['Saturated', g.saturated ? `yes: ${g.reasons.join('; ')}` : 'no']];
      if (g.eventLoopLagMs) rows.push(['Event-loop lag p50 / p99 / max', `${fmtMs(g.eventLoopLagMs.p50)} / ${fmtMs(g.eventLoopLagMs.p99)} / ${fmtMs(g.eventLoopLagMs.max)} ms`]);
      if (g.scheduleSlipMs) rows.push(['Schedule slip p50 / p99 / max', `${fmtMs(g.scheduleSlipMs.p50)} / ${fmtMs(g.scheduleSlipMs.p99)} / ${fmtMs(g.scheduleSlipMs.max)} ms`]);
      if (g.cpuPct !== undefined) rows.push(['Generator CPU', fmtPct(g.cpuPct)]);
      if (g.maxRssMb !== undefined) rows.push(['Generator max RSS', `${fmtNum(g.maxRssMb)} MB`]);
      if (g.target) rows.push(['Target process', `pid ${g.target.pid}: CPU ${fmtPct(g.target.cpuPct)}, max RSS ${fmtNum(g.target.maxRssMb)} MB`]);
      out.push(...mdTable(['Generator', 'Value'], rows, ['l', 'l']), '');
    }
  }

  const infos = view.notes.filter((n) => n.level === 'info');
  if (infos.length > 0) {
    out.push('## Notes', '');
    for (const n of infos) out.push(`- ${escapeMd(n.text)}`);
    out.push('');
  }

  if (view.samples.failed.length > 0 || view.samples.slowest.length > 0) {
    out.push('## Sample requests', '', '_Correlation IDs to look up in the target\'s logs._', '');
    const rows = [
      ...view.samples.failed.map((x) => ['failed', x.endpoint, x.correlationId, String(x.tSec), fmtMs(x.latencyMs), x.status === undefined ? DASH : String(x.status), [x.errorClass, x.errorCode].filter((y) => y !== undefined).join(': ')]),
      ...view.samples.slowest.map((x) => ['slowest', x.endpoint, x.correlationId, String(x.tSec), fmtMs(x.latencyMs), x.status === undefined ? DASH : String(x.status), '']),
    ];
    out.push(...mdTable(['Kind', 'Endpoint', 'Correlation ID', 't (s)', 'Latency ms', 'Status', 'Error'], rows, ['l', 'l', 'l', 'r', 'r', 'r', 'l']), '');
  }

  out.push(`<sub>Generated by loadgate at ${escapeMd(report.generatedAt)}. Percentiles from HDR histograms (3 significant digits).</sub>`);
  return `${out.join('\n')}\n`;
}
