/**
 * A run whose generator was saturated is untrustworthy in every output (issue #13): exit 3, an amber banner on
 * the console and in report.md / report.html, `verdict.status: "untrustworthy"` in report.json,
 * `loadgate_run_pass 0` in metrics.prom and a JUnit <error> naming why, even though every SLA check passed.
 * Saturation is forced, not hoped for: a CPU hog inside the generator process blocks its event loop 120 ms in
 * every 150 ms (test/helpers/cpu-hog.mjs).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir, writeTemp } from '../helpers/cli.js';

// The test config accepts untrustworthy runs for tests that are not about trust; this one is.
const HOG = { NODE_OPTIONS: `--import ${pathToFileURL(join(ROOT, 'test/helpers/cpu-hog.mjs')).href}`, LOADGATE_ACCEPT_UNTRUSTWORTHY: '' };

const suite = `
name: hogged
target: { mock: { seed: 5 } }
workloads:
  - name: rest
    load: { model: open, ratePerSec: 100, durationSec: 3, maxConnections: 16 }
    mix: [{ endpoint: fetchTicker }]
    symbols: [BTC-USDT]
sla:
  overall: { p95Ms: 60000, errorRatePct: 50 }
  # the hog also makes arrivals wait past the end of the schedule: this test is about trust, not drops
  endpoints: { fetchTicker: { droppedArrivals: 1000000 } }
`;

describe('loadgate run with a saturated generator', () => {
  it('ends untrustworthy in every output and exits 3, though every SLA check passed; --accept-untrustworthy lets the checks decide', async () => {
    const dir = await tempDir();
    const file = await writeTemp(dir, 'hogged.suite.yaml', suite);
    const out = join(dir, 'out');
    const r = await runCli(['run', file, '--out', out, '--format', 'json,md,html,junit,prom'], { env: HOG, timeoutMs: 90_000 });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/loadgate run: untrustworthy, not a pass: .*The load generator was saturated/);

    // Console: amber banner (no colour here), the checks on these numbers, one sentence per cause.
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^ UNTRUSTWORTHY  hogged/);
    expect(lines[0]!.length).toBeLessThanOrEqual(80);
    expect(r.stdout).toMatch(/not a pass: the numbers are untrustworthy; on them, all \d+ SLA checks passed/);
    expect(r.stdout).toMatch(/\n! The load generator was saturated \([^)]*event-loop lag p99 [\d.]+ ms > 50 ms/);
    expect(r.stdout).not.toMatch(/^ PASS /m);

    const json = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(json.verdict).toMatchObject({ status: 'untrustworthy', slaStatus: 'pass', trust: { accepted: false } });
    expect(json.verdict.reason).toMatch(/The load generator was saturated/);
    expect(json.verdict.trust.issues.map((i: { level: string }) => i.level)).toContain('untrustworthy');

    const md = await readFile(join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/\*\*⚠️ UNTRUSTWORTHY\*\*: not a pass/);
    expect(md).toMatch(/> \[!CAUTION\]\n(?:> .*\n)*> The load generator was saturated/);
    expect(md).not.toContain('✅ PASS**');

    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<div class="banner warn"><strong>UNTRUSTWORTHY</strong>');
    expect(html).toContain('<title>loadgate: hogged — UNTRUSTWORTHY</title>');

    const junit = await readFile(join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testsuite [^>]*errors="1"/);
    expect(junit).toMatch(/<error type="untrustworthy" message="run untrustworthy: [^"]*The load generator was saturated/);

    const prom = await readFile(join(out, 'metrics.prom'), 'utf8');
    expect(prom).toMatch(/^loadgate_run_pass(\{[^}]*\})? 0$/m);

    // Accepted explicitly: the checks decide (exit 0), and every output still says the run was untrustworthy.
    const out2 = join(dir, 'accepted');
    const a = await runCli(['run', file, '--out', out2, '--accept-untrustworthy'], { env: HOG, timeoutMs: 90_000 });
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^ PASS  hogged/);
    expect(a.stdout).toMatch(/on an untrustworthy run the suite accepts/);
    expect(a.stdout).toMatch(/\n! The load generator was saturated/);
    const j2 = JSON.parse(await readFile(join(out2, 'report.json'), 'utf8'));
    expect(j2.verdict).toMatchObject({ status: 'pass', trust: { accepted: true } });
  }, 180_000);
});

describe('loadgate run that measures nothing (issue #14)', () => {
  it('never ends PASS: a warm-up as long as the run is refused up front (exit 2) or incomplete (exit 3)', async () => {
    const dir = await tempDir();
    const file = await writeTemp(
      dir,
      'empty.suite.yaml',
      `name: empty
target: { mock: { seed: 5 } }
warmupSec: 100
workloads:
  - name: rest
    load: { model: open, ratePerSec: 20, durationSec: 1 }
    mix: [{ endpoint: fetchTicker }]
`,
    );
    const r = await runCli(['run', file, '--out', join(dir, 'out')], { env: { LOADGATE_ACCEPT_UNTRUSTWORTHY: '' }, timeoutMs: 60_000 });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect([2, 3]).toContain(r.code);
    expect(r.stdout).not.toMatch(/^ PASS /m);
    if (r.code === 3) {
      expect(r.stdout).toMatch(/^ INCOMPLETE /);
      expect(r.stdout).toContain('! The run measured nothing');
      const json = JSON.parse(await readFile(join(dir, 'out', 'report.json'), 'utf8'));
      expect(json.verdict.status).toBe('incomplete');
    }
  }, 60_000);
});
