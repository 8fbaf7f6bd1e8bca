/** `loadgate report`: re-evaluate a saved result against the SLA it ran with, or another one. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeTemp } from '../helpers/cli.js';

let dir: string;

beforeAll(async () => {
  dir = await tempDir();
  const suite = await writeTemp(
    dir,
    'r.suite.yaml',
    `target: { mock: { seed: 2 } }
workloads:
  - name: t
    load: { model: open, ratePerSec: 100, durationSec: 2 }
    mix: [{ endpoint: fetchTicker }]
sla: { overall: { p99Ms: 5000 } }
`,
  );
  const r = await runCli(['run', suite, '--out', join(dir, 'run'), '--format', 'json']);
  expect(r.code).toBe(0);
}, 60_000);

describe('loadgate report', () => {
  it('re-evaluates a result against the SLA stored in it (exit 0) and writes the reports beside the run\'s own, in report-<n>', async () => {
    const before = await readFile(join(dir, 'run', 'report.json'), 'utf8');
    const r = await runCli(['report', join(dir, 'run', 'result.json'), '--format', 'json,md,prom']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await readFile(join(dir, 'run', 'report-1', 'metrics.prom'), 'utf8')).toMatch(/^loadgate_run_pass(\{[^}]*\})? 1$/m);
    // The run's own report is untouched; a second report goes to the next free folder.
    expect(await readFile(join(dir, 'run', 'report.json'), 'utf8')).toBe(before);
    const again = await runCli(['report', join(dir, 'run', 'result.json'), '--format', 'md']);
    expect(again.code).toBe(0);
    expect(await readFile(join(dir, 'run', 'report-2', 'report.md'), 'utf8')).toMatch(/PASS|pass/);
  });

  it('refuses to overwrite reports in --out without --force (exit 2), and overwrites with it', async () => {
    const before = await readFile(join(dir, 'run', 'report.json'), 'utf8');
    const r = await runCli(['report', join(dir, 'run', 'result.json'), '--out', join(dir, 'run'), '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already holds report\.json/);
    expect(r.stderr).toMatch(/--force/);
    expect(await readFile(join(dir, 'run', 'report.json'), 'utf8')).toBe(before);
    const forced = await runCli(['report', join(dir, 'run', 'result.json'), '--out', join(dir, 'run'), '--format', 'json', '--force']);
    expect(forced.code).toBe(0);
    expect(await readFile(join(dir, 'run', 'report.json'), 'utf8')).not.toBe(before);
  });

  it('exits 1 against a stricter SLA file, naming the failed check', async () => {
    const sla = await writeTemp(dir, 'strict.yaml', 'sla: { endpoints: { fetchTicker: { p50Ms: 0.001 } } }\n');
    const r = await runCli(['report', join(dir, 'run', 'result.json'), '--sla', sla, '--out', join(dir, 'strict')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/fetchTicker\.p50Ms/);
  });

  it('exits 2 when the file is not a result, or the SLA file is invalid', async () => {
    const notResult = await writeTemp(dir, 'x.json', '{"hello": 1}');
    const a = await runCli(['report', notResult]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/x\.json: /);
    const badSla = await writeTemp(dir, 'bad.yaml', 'sla: { overall: { p95: 3 } }\n');
    const b = await runCli(['report', join(dir, 'run', 'result.json'), '--sla', badSla]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/bad\.yaml: sla\.overall: unknown key "p95"/);
    expect(b.stderr).not.toMatch(/\n\s+at /);
  });
});
