/**
 * junit.xml for CI: one testsuite, one testcase per SLA check (classname = scope, name = check id), each with its
 * actual value and limit (properties and system-out, passing ones too). A breached check is a <failure> with actual
 * vs limit; a check without data is a <failure> too, unless it is optional (then <skipped>). A run that is
 * incomplete or untrustworthy adds a `loadgate.run` testcase with an <error> naming why (one sentence per
 * cause), so CI never shows it green. Pure.
 */
import { escapeXml, fmtLimit, fmtMargin, fmtValue } from './format.js';
import { buildView, type ReportView } from './derive.js';
import type { CheckResult } from '../sla/evaluate.js';
import type { Report } from './model.js';

const attrs = (a: Record<string, string | number>) =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');

function caseProps(c: CheckResult): string[] {
  const actual = c.status === 'no-data' ? 'no data' : fmtValue(c.actual, c.unit);
  return [
    '      <properties>',
    `        <property${attrs({ name: 'actual', value: actual })}/>`,
    `        <property${attrs({ name: 'limit', value: fmtLimit(c) })}/>`,
    `        <property${attrs({ name: 'margin', value: fmtMargin(c) })}/>`,
    '      </properties>',
  ];
}

function testcase(c: CheckResult, timeSec: string): string[] {
  const open = `    <testcase${attrs({ classname: c.scope, name: c.id, time: timeSec })}`;
  const limit = fmtLimit(c);
  const props = caseProps(c);
  if (c.status === 'pass') return [`${open}>`, ...props, `      <system-out>${escapeXml(`${c.id}: actual ${fmtValue(c.actual, c.unit)}, limit ${limit}, margin ${fmtMargin(c)}`)}</system-out>`, '    </testcase>'];
  if (c.status === 'no-data') {
    const msg = `no data for ${c.id} (${limit})${c.detail ? `: ${c.detail}` : ''}`;
    if (c.optional) return [`${open}>`, ...props, `      <skipped${attrs({ message: `${msg}; optional, so it does not fail the run` })}/>`, '    </testcase>'];
    return [`${open}>`, ...props, `      <failure${attrs({ type: 'no-data', message: msg })}>${escapeXml(`${msg}\nA check whose metric was never measured fails unless it is marked optional.`)}</failure>`, '    </testcase>'];
  }
  const actual = fmtValue(c.actual, c.unit);
  const msg = `${c.id}: actual ${actual}, limit ${limit}`;
  const body = [
    msg,
    `margin: ${fmtMargin(c)}`,
    ...(c.windows ? [`windows: ${c.windows.failed} of ${c.windows.checked} failed, worst starts at ${c.windows.worstFromSec} s`] : []),
    ...(c.detail ? [`detail: ${c.detail}`] : []),
    `source: ${c.source}`,
  ].join('\n');
  return [`${open}>`, ...props, `      <failure${attrs({ type: 'sla-breach', message: msg })}>${escapeXml(body)}</failure>`, '    </testcase>'];
}

/** The run itself as a testcase: an <error> when it is incomplete or untrustworthy (not accepted). */
function trustCase(report: Report): string[] | undefined {
  const v = report.verdict;
  const reasons = v.trust.issues.map((i) => i.sentence);
  if (reasons.length === 0) return undefined;
  const open = `    <testcase${attrs({ classname: 'loadgate', name: 'loadgate.run', time: '0' })}`;
  if (v.status !== 'incomplete' && v.status !== 'untrustworthy') {
    return [`${open}>`, `      <system-out>${escapeXml(`accepted as untrustworthy (acceptUntrustworthy): ${reasons.join(' ')}`)}</system-out>`, '    </testcase>'];
  }
  const message = `run ${v.status}: ${reasons.join(' ')}`;
  const body = [message, `SLA checks on these numbers: ${v.slaStatus}. Not a pass: exit 3.`].join('\n');
  return [`${open}>`, `      <error${attrs({ type: v.status, message })}>${escapeXml(body)}</error>`, '    </testcase>'];
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
  const trust = trustCase(report);
  const errors = verdict.status === 'incomplete' || verdict.status === 'untrustworthy' ? 1 : 0;
  const tests = checks.length + (trust ? 1 : 0);
  const suite = { name: `loadgate: ${report.suiteName}`, tests, failures, errors, skipped, time, timestamp: m.startedAt, hostname: m.host.hostname };
  const props: Record<string, string> = {
    verdict: verdict.status,
    ...(verdict.reason !== undefined ? { verdictReason: verdict.reason } : {}),
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
    `<testsuites${attrs({ name: 'loadgate', tests, failures, errors, skipped, time })}>`,
    `  <testsuite${attrs(suite)}>`,
    '    <properties>',
    ...Object.entries(props).map(([k, v]) => `      <property${attrs({ name: k, value: v })}/>`),
    '    </properties>',
    // Checks are evaluated at once, after the run: they take no time of their own.
    ...(trust ?? []),
    ...checks.flatMap((c) => testcase(c, '0')),
  ];
  if (view.notes.length > 0) lines.push(`    <system-out>${escapeXml(view.notes.map((n) => `${n.level === 'warn' ? 'WARNING: ' : ''}${n.text}`).join('\n'))}</system-out>`);
  lines.push('  </testsuite>', '</testsuites>');
  return `${lines.join('\n')}\n`;
}
