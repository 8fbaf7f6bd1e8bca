/** `loadgate run --baseline`: the nightly before/after, in the run's own reports. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, writeTemp } from '../helpers/cli.js';

const suite = (p99Ms: number) => `target: { mock: { seed: 6, faults: { default: { latency: { type: lognormal, p50Ms: 4, p99Ms: ${p99Ms} } } } } }
workloads:
  - name: t
    load: { model: open, ratePerSec: 400, durationSec: 4 }
    mix: [{ endpoint: fetchTicker }]
sla: { overall: { p99Ms: 5000 } }
`;

describe('loadgate run --baseline', () => {
  it('adds the comparison to report.html and report.md, and gates on a regression with --fail-on regression', async () => {
    const dir = await tempDir();
    // This test is about the comparison gate, not trust: a generator saturated by a busy box must not turn it into exit 3.
    const base = await runCli(['run', await writeTemp(dir, 'base.suite.yaml', suite(15)), '--out', join(dir, 'base'), '--accept-untrustworthy']);
    expect(base.code).toBe(0);
    const slow = await writeTemp(dir, 'slow.suite.yaml', suite(60));
    const r = await runCli(['run', slow, '--out', join(dir, 'cand'), '--baseline', join(dir, 'base', 'result.json'), '--fail-on', 'regression', '--accept-untrustworthy']);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Compared with the baseline: regressed/);
    expect(await readFile(join(dir, 'cand', 'report.html'), 'utf8')).toMatch(/<section class="lg-cmp/);
    expect(await readFile(join(dir, 'cand', 'report.md'), 'utf8')).toMatch(/## Compared with .*base[\\/]result\.json/);
    expect(await readFile(join(dir, 'cand', 'compare.md'), 'utf8')).toMatch(/regressed/);
  }, 90_000);

  it('fails fast with exit 2 when the baseline cannot be read, before running anything', async () => {
    const dir = await tempDir();
    const r = await runCli(['run', await writeTemp(dir, 's.suite.yaml', suite(15)), '--baseline', join(dir, 'missing.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing\.json: cannot read baseline result/);
    expect(r.stdout).not.toMatch(/PASS|FAIL/);
  });
});
