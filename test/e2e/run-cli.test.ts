/**
 * The exit-code contract, end to end through the real CLI: 0 pass, 1 SLA breached, 2 invalid input,
 * 3 the run could not complete. And a target that dies mid-run still yields a report of what was measured.
 */
import { readFile, readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startMockExchange } from '../../mocks/index.js';
import { runResultSchema } from '../../src/result/model.js';
import { runCli, tempDir, writeTemp } from '../helpers/cli.js';

const quickSuite = (extra: string, target = 'mock: { seed: 7 }') => `
name: quick
target:
  ${target}
workloads:
  - name: tickers
    load: { model: closed, connections: 4, durationSec: 2 }
    mix:
      - { endpoint: fetchTicker }
      - { endpoint: fetchOrderBook }
${extra}`;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('loadgate run exit codes', () => {
  it('exits 0 and writes result.json, report.json and report.md when every check passes', async () => {
    const dir = await tempDir();
    const suite = await writeTemp(dir, 'ok.suite.yaml', quickSuite('sla: { overall: { p99Ms: 5000, successRatePct: 99 } }'));
    const r = await runCli(['run', suite, '--out', join(dir, 'out')]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    const files = await readdir(join(dir, 'out'));
    expect(files).toEqual(expect.arrayContaining(['result.json', 'report.json', 'report.md']));
    const result = runResultSchema.parse(JSON.parse(await readFile(join(dir, 'out', 'result.json'), 'utf8')));
    expect(result.endpoints.fetchTicker!.requests).toBeGreaterThan(0);
    expect(result.endpoints.fetchOrderBook!.requests).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/PASS/);
  });

  it('exits 1 on an impossible target and names the failed check with its actual value and limit', async () => {
    const dir = await tempDir();
    const suite = await writeTemp(dir, 'strict.suite.yaml', quickSuite('sla: { endpoints: { fetchTicker: { p99Ms: 0.001 } } }'));
    const r = await runCli(['run', suite, '--out', join(dir, 'out')]);
    expect(r.code).toBe(1);
    const md = await readFile(join(dir, 'out', 'report.md'), 'utf8');
    expect(md).toMatch(/fetchTicker/);
    expect(md).toMatch(/0\.001/);
    const report = JSON.parse(await readFile(join(dir, 'out', 'report.json'), 'utf8')) as { verdict: { status: string; checks: Array<{ id: string; status: string; actual: number; limit: number }> } };
    const check = report.verdict.checks.find((c) => c.id === 'fetchTicker.p99Ms')!;
    expect(check.status).toBe('fail');
    expect(check.limit).toBe(0.001);
    expect(check.actual).toBeGreaterThan(0.001);
  });

  it.each([
    ['an unknown key', quickSuite('sla: { overall: { p95ms: 300 } }'), /sla\.overall: unknown key "p95ms"/],
    ['a wrong type', quickSuite('sla: { endpoints: { fetchTicker: { p95Ms: "300ms" } } }'), /sla\.endpoints\.fetchTicker\.p95Ms/],
    ['a bad URL', quickSuite('', 'url: "not a url"'), /target\.url: expected an http:\/\/ or https:\/\/ URL/],
    ['an empty file', '', /the file is empty/],
    ['a negative connection count', quickSuite('').replace('connections: 4', 'connections: -4'), /workloads\[0\]\.load\.connections/],
  ])('exits 2 with a path-qualified message and no stack trace on %s', async (_name, text, message) => {
    const dir = await tempDir();
    const suite = await writeTemp(dir, 'bad.suite.yaml', text);
    const r = await runCli(['run', suite]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('bad.suite.yaml');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 on an unknown option and on a missing file', async () => {
    const a = await runCli(['run', 'scenarios/default.suite.yaml', '--bogus']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--bogus/);
    const b = await runCli(['run', 'no/such.suite.yaml']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/no\/such\.suite\.yaml: cannot read file \(ENOENT\)/);
  });

  it('exits 3 with a clear message when nothing listens at the target', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const suite = await writeTemp(dir, 'down.suite.yaml', quickSuite('', `url: http://127.0.0.1:${port}`));
    const r = await runCli(['run', suite, '--out', join(dir, 'out')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`target unreachable: nothing answered at http://127.0.0.1:${port}/health \\(ECONNREFUSED\\)`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('completes the run, counts network errors and still writes the report when the target dies mid-run', async () => {
    const mock = await startMockExchange({ seed: 3 });
    const dir = await tempDir();
    const suite = await writeTemp(
      dir,
      'dies.suite.yaml',
      quickSuite('sla: { overall: { errorRatePct: 1 } }', `url: ${mock.url}`).replace('durationSec: 2', 'durationSec: 6'),
    );
    // Kill the target once the load has really started (bounded wait).
    const killer = (async () => {
      const deadline = Date.now() + 30_000;
      while ((mock.stats.byEndpoint.fetchTicker ?? 0) < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await mock.close();
    })();
    const r = await runCli(['run', suite, '--out', join(dir, 'out')]);
    await killer;
    await mock.close();
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // The target stopped answering: incomplete (target lost), exit 3, never read as a pass or a plain breach.
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/incomplete, not a pass: .*Target lost: nothing answered from t = \d+ s/);
    expect(r.stdout).toMatch(/^ INCOMPLETE /);
    const result = runResultSchema.parse(JSON.parse(await readFile(join(dir, 'out', 'result.json'), 'utf8')));
    const ticker = result.endpoints.fetchTicker!;
    expect(ticker.statusCodes['200']).toBeGreaterThan(0);
    expect(ticker.errors.network).toBeGreaterThan(0);
    const md = await readFile(join(dir, 'out', 'report.md'), 'utf8');
    expect(md).toMatch(/errorRatePct/);
  });
});

describe('loadgate run interrupted', () => {
  it('on SIGINT stops, writes the reports of what was measured, marks the result incomplete and exits 3', async () => {
    const dir = await tempDir();
    const suite = await writeTemp(
      dir,
      'long.suite.yaml',
      `target: { mock: { seed: 9 } }
workloads:
  - name: long
    load: { model: open, ratePerSec: 100, durationSec: 30 }
    mix: [{ endpoint: fetchTicker }]
`,
    );
    let pid = 0;
    const started = runCli(['run', suite, '--out', join(dir, 'out')], { onStart: (p) => (pid = p) });
    // Interrupt once the run is under way (bounded wait for the first progress line is not observable here,
    // so wait long enough for start-up on a slow machine).
    await new Promise((r) => setTimeout(r, 6000));
    process.kill(pid, 'SIGINT');
    const r = await started;
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/incomplete, not a pass: The run was interrupted/);
    expect(r.stdout).toMatch(/^ INCOMPLETE /);
    const result = runResultSchema.parse(JSON.parse(await readFile(join(dir, 'out', 'result.json'), 'utf8')));
    expect(result.meta.incomplete?.reason).toBeTruthy();
    expect(result.endpoints.fetchTicker!.requests).toBeGreaterThan(0);
    expect(result.meta.durationSec).toBeLessThan(25);
  });
});
