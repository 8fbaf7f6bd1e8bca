/**
 * junit.xml for CI: one testsuite, one testcase per SLA check (classname = scope, name = check id).
 * A breached check is a <failure> with actual vs limit; a check without data is a <failure> too, unless it is
 * optional (then <skipped>). Pure.
 */
import { escapeXml, fmtLimit, fmtMargin, fmtValue } from './format.js';
import { buildView, type ReportView } from './derive.js';
import type { CheckResult } from '../sla/evaluate.js';
import type { Report } from './model.js';

const attrs = (a: Record<string, string | number>) =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');

function testcase(c: CheckResult, timeSec: string): string[] {
  const open = `    <testcase${attrs({ classname: c.scope, name: c.id, time: timeSec })}`;
  const limit = fmtLimit(c);
  if (c.status === 'pass') return [`${open}/>`];
  if (c.status === 'no-data') {
    const msg = `no data for ${c.id} (${limit})${c.detail ? `: ${c.detail}` : ''}`;
    if (c.optional) return [`${open}>`, `      <skipped${attrs({ message: `${msg}; optional, so it does not fail the run` })}/>`, '    </testcase>'];
    return [`${open}>`, `      <failure${attrs({ type: 'no-data', message: msg })}>${escapeXml(`${msg}\nA check whose metric was never measured fails unless it is marked optional.`)}</failure>`, '    </testcase>'];
  }
  const actual = fmtValue(c.actual, c.unit);
  const msg = `${c.id}: actual ${actual}, limit ${limit}`;
  const body = [
    msg,
    `margin: ${fmtMargin(c.marginPct)}`,
    ...(c.windows ? [`windows: ${c.windows.failed} of ${c.windows.checked} failed, worst starts at ${c.windows.worstFromSec} s`] : []),
    ...(c.detail ? [`detail: ${c.detail}`] : []),
    `source: ${c.source}`,
  ].join('\n');
  return [`${open}>`, `      <failure${attrs({ type: 'sla-breach', message: msg })}>${escapeXml(body)}</failure>`, '    </testcase>'];
}

export function renderJunit(report: Report): string {
  return junitFromView(report, buildView(report));
}

/** @internal renderAll builds the view once for every format. */
export function junitFromView(report: Report, view: ReportView): string {
  const { result, verdict } = report;
  const m = result.meta;
  const checks = verdict.checks;
  const failures = checks.filter((c) => c.status === 'fail' || (c.status === 'no-data' && !c.optional)).length;
  const skipped = checks.filter((c) => c.status === 'no-data' && c.optional).length;
  const time = m.durationSec.toFixed(3);
  const suite = { name: `loadgate: ${report.suiteName}`, tests: checks.length, failures, errors: 0, skipped, time, timestamp: m.startedAt, hostname: m.host.hostname };
  const props: Record<string, string> = {
    verdict: verdict.status,
    phase: m.phase ?? '',
    gitCommit: m.gitCommit ?? '',
    target: m.target.url,
    engines: m.engines.map((e) => `${e.name} ${e.version}`).join(', '),
    warmupSec: String(m.warmupSec),
    generatedAt: report.generatedAt,
  };
  if (report.reportDir !== undefined) props.reportDir = report.reportDir;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'loadgate', tests: checks.length, failures, errors: 0, skipped, time })}>`,
    `  <testsuite${attrs(suite)}>`,
    '    <properties>',
    ...Object.entries(props).map(([k, v]) => `      <property${attrs({ name: k, value: v })}/>`),
    '    </properties>',
    // Checks are evaluated at once, after the run: they take no time of their own.
    ...checks.flatMap((c) => testcase(c, '0')),
  ];
  if (view.notes.length > 0) lines.push(`    <system-out>${escapeXml(view.notes.map((n) => `${n.level === 'warn' ? 'WARNING: ' : ''}${n.text}`).join('\n'))}</system-out>`);
  lines.push('  </testsuite>', '</testsuites>');
  return `${lines.join('\n')}\n`;
}
