/**
 * CI end to end: with GITHUB_STEP_SUMMARY set, `run` and `compare` append their Markdown to it and failed
 * checks print ::error annotations; `run --history` adds runs to a history folder that `trend` reads.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHistoryIndex } from '../../src/history/store.js';
import { endpoint, result } from '../helpers/results.js';
import { runCli, tempDir, writeTemp } from '../helpers/cli.js';

const quickSuite = (sla: string) => `
name: quick
target:
  mock: { seed: 7 }
workloads:
  - name: tickers
    load: { model: closed, connections: 2, durationSec: 2 }
    mix:
      - { endpoint: fetchTicker }
sla: ${sla}
`;

const noGithub = { GITHUB_STEP_SUMMARY: '', GITHUB_ACTIONS: '' };

describe('GitHub job summary and annotations', () => {
  it('run appends report.md to GITHUB_STEP_SUMMARY, prints ::error per failed check, and adds the run to --history', async () => {
    const dir = await tempDir();
    const summary = join(dir, 'summary.md');
    await writeFile(summary, '# earlier step\n');
    const suite = await writeTemp(dir, 'strict.suite.yaml', quickSuite('{ endpoints: { fetchTicker: { p99Ms: 0.001 } }, overall: { successRatePct: 50 } }'));
    const r = await runCli(['run', suite, '--out', join(dir, 'out'), '--history', join(dir, 'history')], { env: { GITHUB_STEP_SUMMARY: summary, GITHUB_ACTIONS: 'true' } });
    expect(r.code).toBe(1);
    const text = await readFile(summary, 'utf8');
    expect(text.startsWith('# earlier step\n')).toBe(true);
    expect(text).toContain(await readFile(join(dir, 'out', 'report.md'), 'utf8'));
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^::error title=SLA check failed::fetchTicker\.p99Ms actual [\d.]+ ms, limit < 0\.001 ms$/);
    const index = await readHistoryIndex(join(dir, 'history'));
    expect(index.runs).toHaveLength(1);
    expect(index.runs[0]!.status).toBe('fail');
    expect(JSON.parse(await readFile(join(dir, 'history', index.runs[0]!.file), 'utf8'))).toEqual(JSON.parse(await readFile(join(dir, 'out', 'result.json'), 'utf8')));
    expect(r.stderr).toMatch(/added to history .*history as \d{4}-\d\d-\d\dT/);
  });

  it('run --baseline --fail-on regression annotates each regressed metric', async () => {
    const dir = await tempDir();
    // A baseline far faster than any real run: every latency percentile regresses.
    const base = await writeTemp(dir, 'base.json', JSON.stringify(result({ fetchTicker: endpoint('fetchTicker', Array.from({ length: 10 }, () => ({ n: 200, latencyMs: 0.002 }))) }, { durationSec: 10 })));
    const suite = await writeTemp(dir, 'ok.suite.yaml', quickSuite('{ overall: { p99Ms: 5000 } }'));
    const r = await runCli(['run', suite, '--out', join(dir, 'out'), '--baseline', base, '--fail-on', 'regression'], { env: { GITHUB_STEP_SUMMARY: join(dir, 'summary.md') } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error title=Regression::fetchTicker p\d+(\.\d)? \+/m);
    expect(r.stdout).not.toContain('::error title=SLA check failed::');
    expect(await readFile(join(dir, 'summary.md'), 'utf8')).toContain('Compared with');
  });

  it('prints no annotations and writes no summary outside GitHub Actions', async () => {
    const dir = await tempDir();
    const suite = await writeTemp(dir, 'strict.suite.yaml', quickSuite('{ endpoints: { fetchTicker: { p99Ms: 0.001 } } }'));
    const r = await runCli(['run', suite, '--out', join(dir, 'out')], { env: noGithub });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('::error');
    expect((await readdir(dir)).sort()).toEqual(['out', 'strict.suite.yaml']);
  });

  it('compare appends its Markdown and, with --fail-on regression, annotates each regressed metric', async () => {
    const dir = await tempDir();
    const summary = join(dir, 'summary.md');
    const sec = (n: number, ms: number) => Array.from({ length: 10 }, (_, i) => ({ n, latencyMs: ms * (1 + (i % 3) * 0.01) }));
    const base = await writeTemp(dir, 'base.json', JSON.stringify(result({ fetchTicker: endpoint('fetchTicker', sec(50, 10)) }, { durationSec: 10 })));
    // 3×: one run per side, a change of the only endpoint counts beyond the shared floor (2×, see README compare).
    const cand = await writeTemp(dir, 'cand.json', JSON.stringify(result({ fetchTicker: endpoint('fetchTicker', sec(50, 30)) }, { durationSec: 10 })));
    const r = await runCli(['compare', base, cand, '--fail-on', 'regression'], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(r.code).toBe(1);
    const text = await readFile(summary, 'utf8');
    expect(text).toContain('regressed');
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error title=Regression::'));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((l) => /^::error title=Regression::fetchTicker p50 \+\d/.test(l))).toBe(true);
    // --format json keeps stdout JSON: the annotations go to stderr.
    const j = await runCli(['compare', base, cand, '--fail-on', 'regression', '--format', 'json'], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout).kind).toBe('loadgate.comparison');
    expect(j.stderr).toContain('::error title=Regression::');
  });
});

describe('loadgate trend', () => {
  it('renders a history written by run --history as Markdown, HTML and JSON', async () => {
    const dir = await tempDir();
    const history = join(dir, 'history');
    const suite = await writeTemp(dir, 'ok.suite.yaml', quickSuite('{ overall: { p99Ms: 5000 } }'));
    for (const n of [1, 2]) {
      const r = await runCli(['run', suite, '--out', join(dir, `out${n}`), '--history', history, '--label', `night-${n}`], { env: noGithub });
      expect(r.code).toBe(0);
    }
    const summary = join(dir, 'summary.md');
    const t = await runCli(['trend', history, '--out', join(dir, 'trend')], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(t.stderr).not.toMatch(/\n\s+at /);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^## loadgate trend: 2 runs, no change points/);
    expect(t.stdout).toMatch(/\| fetchTicker \| p95 \| 2 \|/);
    expect((await readdir(join(dir, 'trend'))).sort()).toEqual(['trend.html', 'trend.json', 'trend.md']);
    const json = JSON.parse(await readFile(join(dir, 'trend', 'trend.json'), 'utf8'));
    expect(json.runs.map((r: { label: string }) => r.label)).toEqual(['night-1', 'night-2']);
    expect(await readFile(summary, 'utf8')).toContain('## loadgate trend: 2 runs');
    const html = await readFile(join(dir, 'trend', 'trend.html'), 'utf8');
    expect(html.match(/<svg class="trend-chart"/g)!.length).toBe(json.series.length);
  });

  it('exits 2 with a path-qualified message on a missing history or bad options', async () => {
    const dir = await tempDir();
    const missing = await runCli(['trend', join(dir, 'nope')], { env: noGithub });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope: no runs in this history/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const bad = await runCli(['trend', dir, '--window', '1'], { env: noGithub });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--window: expected an integer ≥ 2/);
    await writeFile(join(dir, 'index.json'), '{"kind":"loadgate.history","schemaVersion":1,"runs":[{"id":"a","file":"runs/a.json","suite":"s","startedAt":"2026-01-01T00:00:00Z","status":"pass"}]}');
    const broken = await runCli(['trend', dir], { env: noGithub });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/runs\/a\.json/);
  });
});
