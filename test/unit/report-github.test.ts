/** GitHub Actions output: ::error annotations per failed check, a job summary that fits GitHub's limit. */
import { describe, expect, it } from 'vitest';
import { checkAnnotations, escapeData, escapeProperty, fitStepSummary, githubTarget, publishToGithub } from '../../src/report/github.js';
import type { CheckResult } from '../../src/sla/evaluate.js';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

const check = (over: Partial<CheckResult>): CheckResult =>
  ({ id: 'fetchTicker.p95Ms', scope: 'fetchTicker', metric: 'p95Ms', op: '<', limit: 300, unit: 'ms', source: 'suite', optional: false, status: 'fail', actual: 312.5, marginPct: -4.2, ...over }) as CheckResult;

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk, _enc, cb) {
      w.text += String(chunk);
      cb();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

describe('GitHub annotations', () => {
  it('prints one ::error per failing check naming the check, the actual value and the limit', () => {
    const lines = checkAnnotations([check({}), check({ id: 'overall.successRatePct', status: 'pass', actual: 100, op: '>=', limit: 99, unit: '%' })]);
    expect(lines).toEqual(['::error title=SLA check failed::fetchTicker.p95Ms actual 312.5 ms, limit < 300 ms']);
  });

  it('annotates a required no-data check, not an optional one', () => {
    const lines = checkAnnotations([check({ status: 'no-data', actual: undefined, detail: 'nothing was measured for "fetchTicker"' }), check({ id: 'x.p99Ms', status: 'no-data', optional: true, actual: undefined })]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^::error title=SLA check failed::fetchTicker\.p95Ms actual no data \(nothing was measured for "fetchTicker"\), limit < 300 ms$/);
  });

  it('escapes workflow-command data and properties as @actions/core does', () => {
    expect(escapeData('50% of\r\nrequests')).toBe('50%25 of%0D%0Arequests');
    expect(escapeProperty('a: b, c')).toBe('a%3A b%2C c');
    const [line] = checkAnnotations([check({ id: 'ep\nforged::warning::x' })]);
    expect(line).not.toContain('\n');
  });
});

describe('GitHub job summary', () => {
  it('keeps a summary under the limit as it is, and cuts a larger one at a line with a note', () => {
    expect(fitStepSummary('# ok')).toBe('# ok\n');
    const big = Array.from({ length: 2000 }, (_, i) => `| row ${i} | ${'é'.repeat(40)} |`).join('\n');
    const cut = fitStepSummary(big, 10_000);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(10_000);
    expect(cut).toMatch(/cut to fit GitHub’s 1 MiB step summary/);
    expect(cut).not.toContain('\uFFFD');
    expect(cut.split('\n')[0]).toBe('| row 0 | ' + 'é'.repeat(40) + ' |');
  });

  it('reads GITHUB_STEP_SUMMARY and GITHUB_ACTIONS from the environment it is given', () => {
    expect(githubTarget({})).toEqual({ summaryFile: undefined, annotate: false });
    expect(githubTarget({ GITHUB_ACTIONS: 'true' })).toEqual({ summaryFile: undefined, annotate: true });
    expect(githubTarget({ GITHUB_STEP_SUMMARY: '/tmp/s.md' })).toEqual({ summaryFile: '/tmp/s.md', annotate: true });
  });

  it('appends (never overwrites) and prints annotations only in GitHub Actions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loadgate-gh-'));
    const file = join(dir, 'summary.md');
    const stdout = sink();
    const stderr = sink();
    await publishToGithub({ env: { GITHUB_STEP_SUMMARY: file }, stdout, stderr }, '# first', ['::error::a']);
    await publishToGithub({ env: { GITHUB_STEP_SUMMARY: file }, stdout, stderr }, () => '# second', ['::error::b'], 'stderr');
    expect(await readFile(file, 'utf8')).toBe('# first\n\n# second\n\n');
    expect(stdout.text).toBe('::error::a\n');
    expect(stderr.text).toBe('::error::b\n');
    const quiet = sink();
    let rendered = false;
    await publishToGithub({ env: {}, stdout: quiet, stderr: quiet }, () => ((rendered = true), 'x'), ['::error::c']);
    expect(quiet.text).toBe('');
    expect(rendered).toBe(false);
    // Annotations alone: nothing appended to the summary.
    await publishToGithub({ env: { GITHUB_STEP_SUMMARY: file }, stdout, stderr }, '', ['::error::d']);
    expect(await readFile(file, 'utf8')).toBe('# first\n\n# second\n\n');
    expect(stdout.text).toBe('::error::a\n::error::d\n');
  });
});

describe('verdictAnnotations on a run that cannot be trusted', () => {
  it('starts with an error naming why the run is not a pass', async () => {
    const { verdictAnnotations } = await import('../../src/report/github.js');
    const { buildFixture } = await import('../helpers/fixture-result.js');
    const v = buildFixture({ saturated: true }).report.verdict;
    expect(v.status).toBe('untrustworthy');
    const a = verdictAnnotations(v);
    expect(a[0]).toMatch(/^::error title=Run untrustworthy::The load generator was saturated/);
    expect(verdictAnnotations(buildFixture({ passing: true }).report.verdict).some((x) => x.includes('Run '))).toBe(false);
  });
});
