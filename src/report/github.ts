/**
 * GitHub Actions: the Markdown report appended to the job summary (`GITHUB_STEP_SUMMARY`) and one `::error`
 * annotation per failed check, so a red job says which check failed, by how much, without opening an artifact.
 * https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions
 * The formatting is pure; `publishToGithub` is the one fs edge, and reads the environment it is given.
 */
import { appendFile } from 'node:fs/promises';
import { RunError } from '../errors.js';
import type { Comparison } from '../compare/compare.js';
import type { CheckResult, Verdict } from '../sla/evaluate.js';
import { checkFails } from './derive.js';
import { fmtLimit, fmtValue } from './format.js';

/** GitHub caps one step's summary at 1 MiB; larger summaries are rejected whole. */
export const STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024;

/** Workflow-command data: `%`, CR and LF escaped (GitHub's `escapeData`). */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Workflow-command property values also escape `:` and `,` (GitHub's `escapeProperty`). */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** `::error title=SLA check failed::endpoints.ticker.p95Ms actual 312 ms, limit ≤ 300 ms` for each failing check. */
export function checkAnnotations(checks: readonly CheckResult[]): string[] {
  return checks.filter(checkFails).map((c) => {
    const actual = c.status === 'no-data' ? `no data${c.detail ? ` (${c.detail})` : ''}` : fmtValue(c.actual, c.unit);
    return `::error title=${escapeProperty('SLA check failed')}::${escapeData(`${c.id} actual ${actual}, limit ${fmtLimit(c)}`)}`;
  });
}

/** A summary that fits GitHub's limit: cut at a line break with a note when it does not. */
export function fitStepSummary(markdown: string, limitBytes = STEP_SUMMARY_LIMIT_BYTES): string {
  const text = markdown.endsWith('\n') ? markdown : `${markdown}\n`;
  if (Buffer.byteLength(text) <= limitBytes) return text;
  const note = '\n\n_… cut to fit GitHub’s 1 MiB step summary; the full report is in the report files._\n';
  const budget = limitBytes - Buffer.byteLength(note);
  let cut = Buffer.from(text).subarray(0, budget).toString('utf8');
  // A cut through a multi-byte character decodes to U+FFFD; drop to the last whole line.
  cut = cut.slice(0, Math.max(0, cut.lastIndexOf('\n')));
  return `${cut}${note}`;
}

export interface GithubTarget {
  /** Path of the job summary file, when set. */
  summaryFile: string | undefined;
  /** Annotations are printed in GitHub Actions (or whenever a summary file is given). */
  annotate: boolean;
}

/** Where to publish, from the injected environment. */
export function githubTarget(env: NodeJS.ProcessEnv): GithubTarget {
  const summaryFile = env.GITHUB_STEP_SUMMARY !== undefined && env.GITHUB_STEP_SUMMARY !== '' ? env.GITHUB_STEP_SUMMARY : undefined;
  return { summaryFile, annotate: summaryFile !== undefined || env.GITHUB_ACTIONS === 'true' };
}

/**
 * Append `markdown` to the job summary and print `annotations` (workflow commands, on stdout as
 * @actions/core writes them; `annotationsTo: 'stderr'` keeps a machine-readable stdout clean). An empty
 * `markdown` appends nothing. A no-op outside GitHub Actions.
 */
export async function publishToGithub(
  io: { env: NodeJS.ProcessEnv; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
  markdown: string | (() => string),
  annotations: readonly string[] = [],
  annotationsTo: 'stdout' | 'stderr' = 'stdout',
): Promise<void> {
  const t = githubTarget(io.env);
  if (t.summaryFile !== undefined && markdown !== '') {
    try {
      await appendFile(t.summaryFile, `${fitStepSummary(typeof markdown === 'string' ? markdown : markdown())}\n`, 'utf8');
    } catch (cause) {
      throw new RunError('LG_STEP_SUMMARY', `could not append to GITHUB_STEP_SUMMARY (${t.summaryFile}): ${(cause as Error).message}`, { hint: 'unset GITHUB_STEP_SUMMARY outside GitHub Actions', cause });
    }
  }
  if (t.annotate) for (const a of annotations) io[annotationsTo].write(`${a}\n`);
}

/** The verdict's annotations (re-exported for the commands). */
export function verdictAnnotations(v: Verdict): string[] {
  // An incomplete or untrustworthy run is never a pass: say why first (issue #13).
  const trust = v.status === 'incomplete' || v.status === 'untrustworthy' ? [`::error title=${escapeProperty(`Run ${v.status}`)}::${escapeData(v.reason ?? '')}`] : [];
  return [...trust, ...checkAnnotations(v.checks)];
}

/** `::error title=Regression::overall p99 +23.5% (12.1 ms → 14.9 ms), q 0.001` for each regressed metric. */
export function comparisonAnnotations(c: Comparison): string[] {
  const out: string[] = [];
  for (const e of c.endpoints) {
    for (const m of e.metrics) {
      if (m.verdict !== 'regressed') continue;
      const change = m.deltaPct === undefined ? '' : `${m.deltaPct >= 0 ? '+' : ''}${m.deltaPct.toFixed(1)}% `;
      const values = m.base !== undefined && m.cand !== undefined ? `(${fmtValue(m.base, m.unit)} → ${fmtValue(m.cand, m.unit)})` : '';
      out.push(`::error title=${escapeProperty('Regression')}::${escapeData(`${e.name} ${m.label} ${change}${values}${m.qValue !== undefined ? `, q ${m.qValue.toPrecision(2)}` : ''}: ${m.reason}`)}`);
    }
  }
  return out;
}
