/**
 * The k6 commands end to end in a spawned process: `import k6`, `merge`, `k6 build`, `k6 operator`, and
 * `run --engine k6` without k6 (exit 3 with the install hint), through the real CLI (src/cli.ts).
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runResultSchema, type RunResult } from '../../src/result/model.js';
import { runCli } from '../helpers/cli.js';
import { bundleImports, isK6Module } from '../../src/engines/k6/build.js';

const RUNS = fileURLToPath(new URL('../../../shared/fixtures/k6/runs/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lg-k6-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { env, timeoutMs: 90_000 });

const suiteFile = join(dir, 'k6.suite.yaml');
writeFileSync(
  suiteFile,
  `name: k6-e2e
target:
  mock: { seed: 3 }
workloads:
  - name: md
    engine: k6
    load: { model: open, ratePerSec: 20, durationSec: 2 }
    mix:
      - { endpoint: fetchTicker, weight: 2 }
      - { endpoint: fetchOrderBook }
sla:
  endpoints:
    fetchTicker: { p95Ms: 300 }
`,
);

describe('loadgate import k6', () => {
  it('writes a valid result from NDJSON, exact per name tag', async () => {
    const out = join(dir, 'rest-pass.result.json');
    const r = await cli(['import', 'k6', `${RUNS}rest-pass.ndjson`, '--out', out]);
    expect(r.stderr).toMatch(/ndjson .* → /);
    expect(r.code).toBe(0);
    const result = runResultSchema.parse(JSON.parse(readFileSync(out, 'utf8'))) as RunResult;
    expect(result.endpoints.fetchOrderBook!.requests).toBe(301);
    expect(result.endpoints['setup:fetchMarkets']).toBeUndefined();
  }, 90_000);

  it('writes a result from a --summary-export, naming the percentiles it lacks', async () => {
    const out = join(dir, 'summary.result.json');
    const r = await cli(['import', 'k6', `${RUNS}rest-fail.summary.json`, '--out', out]);
    expect(r.code).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    const k6 = JSON.parse(readFileSync(`${RUNS}rest-fail.summary.json`, 'utf8')) as { metrics: Record<string, Record<string, number>> };
    expect(result.endpoints.fetchTicker!.latencySummaryMs!.p99Ms).toBe(k6.metrics['http_req_duration{name:fetchTicker}']!['p(99)']);
    expect(result.meta.notes.join('\n')).toMatch(/p999Ms/);
  }, 90_000);

  it('exits 2 with a path-qualified message for a file that is not k6 output', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"hello": "world"}');
    const r = await cli(['import', 'k6', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.json: not a k6 summary/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 90_000);
});

describe('loadgate merge', () => {
  it('merges NDJSON from several runners and gives one SLA verdict', async () => {
    const sla = join(dir, 'sla.yaml');
    writeFileSync(sla, 'sla:\n  endpoints:\n    fetchTicker: { p95Ms: 5 }\n');
    const r = await cli(['merge', `${RUNS}rest-pass.ndjson`, `${RUNS}rest-fail.ndjson`, '--sla', sla, '--out', join(dir, 'merged.json')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/SLA FAIL/);
    const merged = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8')) as RunResult;
    expect(merged.endpoints.fetchTicker!.requests).toBe(602);
  }, 90_000);
});

describe('merge and import judge k6 output as run does for the same suite (issue 15)', () => {
  const runnerSuite = join(dir, 'runners.suite.yaml');
  writeFileSync(
    runnerSuite,
    `name: runners
target: { url: 'http://127.0.0.1:9' }
warmupSec: 2
workloads:
  - name: market_data
    engine: k6
    load: { model: open, ratePerSec: 100, durationSec: 10 }
    mix:
      - { endpoint: fetchTicker, weight: 5 }
      - { endpoint: fetchOrderBook, weight: 5 }
      - { endpoint: fetchMarkets, weight: 1 }
      - { endpoint: createOrder, weight: 2 }
      - { endpoint: cancelOrder, weight: 2 }
sla:
  overall: { successRatePct: 50 }
`,
  );
  // Two runners of the same k6 run: one kept up (its dropped_iterations samples removed), one dropped 38.
  const keptUp = join(dir, 'runner-0.ndjson');
  writeFileSync(keptUp, readFileSync(`${RUNS}rest-pass.ndjson`, 'utf8').split('\n').filter((l) => !l.includes('"metric":"dropped_iterations","type":"Point"')).join('\n'));

  it('merge --sla suite.yaml passes the runner that kept up, with the implicit droppedArrivals checks and the warm-up', async () => {
    const out = join(dir, 'runner-0.merged.json');
    const r = await cli(['merge', keptUp, '--sla', runnerSuite, '--out', out]);
    expect(r.stdout).toMatch(/pass\s+fetchTicker\.droppedArrivals < 1\s+actual 0/);
    expect(r.code, r.stdout).toBe(0);
    expect((JSON.parse(readFileSync(out, 'utf8')) as RunResult).meta.warmupSec).toBe(2);
  }, 90_000);

  it('merge --sla suite.yaml fails when one runner dropped iterations (k6-operator runners run --no-thresholds)', async () => {
    const r = await cli(['merge', keptUp, `${RUNS}rest-pass.ndjson`, '--sla', runnerSuite, '--out', join(dir, 'runners.merged.json')]);
    expect(r.stdout).toMatch(/SLA FAIL/);
    expect(r.stdout).toMatch(/fail\s+fetchTicker\.droppedArrivals < 1\s+actual (\d+)/);
    const merged = JSON.parse(readFileSync(join(dir, 'runners.merged.json'), 'utf8')) as RunResult;
    // 38 dropped iterations split by the mix weights 5:5:1:2:2, exactly
    expect(Object.values(merged.endpoints).reduce((a, e) => a + (e.arrivals?.dropped ?? 0), 0)).toBe(38);
    expect(merged.endpoints.fetchTicker!.arrivals!.dropped).toBe(13);
    expect(r.code).toBe(1);
  }, 90_000);

  it('merge with a plain SLA block still counts dropped iterations (split by request counts)', async () => {
    const sla = join(dir, 'loose.sla.yaml');
    writeFileSync(sla, 'sla:\n  overall: { successRatePct: 50 }\n');
    const r = await cli(['merge', keptUp, `${RUNS}rest-pass.ndjson`, '--sla', sla]);
    expect(r.stdout).toMatch(/fail\s+\w+\.droppedArrivals < 1/);
    expect(r.code).toBe(1);
  }, 90_000);

  it('import --suite gives the result the suite\'s warm-up and arrivals, so report fails it like run; --k6-version names k6', async () => {
    const out = join(dir, 'imported.json');
    const imp = await cli(['import', 'k6', `${RUNS}rest-pass.ndjson`, '--suite', runnerSuite, '--k6-version', 'v0.48.0', '--out', out]);
    expect(imp.code).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    expect(result.meta.warmupSec).toBe(2);
    expect(result.meta.engines).toEqual([{ name: 'k6', version: 'v0.48.0' }]);
    const rep = await cli(['report', out, '--out', join(dir, 'imported-report')]);
    expect(rep.code).toBe(1);
    const plain = join(dir, 'imported-plain.json');
    expect((await cli(['import', 'k6', keptUp, '--out', plain])).code).toBe(0);
    expect(JSON.stringify((JSON.parse(readFileSync(plain, 'utf8')) as RunResult).meta.engines)).not.toMatch(/unknown/);
  }, 90_000);
});

describe('loadgate k6', () => {
  it('build writes bundles and one config per workload', async () => {
    const out = join(dir, 'dist');
    const r = await cli(['k6', 'build', suiteFile, '--out', out, '--target-url', 'http://127.0.0.1:8080']);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['md.config.json', 'order-lifecycle.js', 'orderbook-ws.js', 'rest-mix.js', 'soak.js', 'spike.js']);
    expect(r.stdout).toMatch(/LOADGATE_CONFIG=\S+md\.config\.json k6 run \S+rest-mix\.js/);
  }, 90_000);

  it('operator writes a TestRun and a ConfigMap with the bundled script, each runner writing its own NDJSON', async () => {
    const out = join(dir, 'op');
    const r = await cli(['k6', 'operator', suiteFile, '--parallelism', '4', '--out', out, '--target-url', 'http://exchange.example:8080']);
    expect(r.code).toBe(0);
    const tr = parseYaml(readFileSync(join(out, 'testrun.yaml'), 'utf8')) as { kind: string; spec: { parallelism: number; arguments: string; script: { configMap: { name: string; file: string } }; runner: { env: Array<{ name: string }> } } };
    expect(tr.kind).toBe('TestRun');
    expect(tr.spec.parallelism).toBe(4);
    expect(tr.spec.arguments).toMatch(/--out json=\/results\/\$\(POD_NAME\)\.ndjson/);
    expect(tr.spec.runner.env.map((e) => e.name)).toContain('POD_NAME');
    const cm = parseYaml(readFileSync(join(out, 'configmap.yaml'), 'utf8')) as { metadata: { name: string }; data: Record<string, string> };
    expect(cm.metadata.name).toBe(tr.spec.script.configMap.name);
    expect(bundleImports(cm.data['scenario.js']!).every(isK6Module)).toBe(true);
    expect(JSON.parse(cm.data['config.json']!).baseUrl).toBe('http://exchange.example:8080');
    expect(r.stdout).toMatch(/loadgate merge results\/\*\.ndjson --sla/);
  }, 90_000);

  it('build says once which checks are not k6 thresholds, and operator names its default image and takes --image', async () => {
    const f = join(dir, 'skipped.suite.yaml');
    writeFileSync(f, readFileSync(suiteFile, 'utf8').replace('sla:\n', 'sla:\n  overall:\n    availabilityPct: 99\n    errorsPerMinute: { rateLimit: 10 }\n'));
    const b = await cli(['k6', 'build', f, '--out', join(dir, 'dist-skipped'), '--target-url', 'http://127.0.0.1:8080']);
    expect(b.code).toBe(0);
    expect(b.stderr).toMatch(/overall\.availabilityPct/);
    expect(b.stderr.match(/loadgate evaluates/g) ?? []).toHaveLength(0);
    expect(b.stderr.match(/not compiled into k6 thresholds/g)).toHaveLength(1);

    const def = await cli(['k6', 'operator', suiteFile, '--parallelism', '2', '--out', join(dir, 'op-img'), '--target-url', 'http://exchange.example:8080']);
    expect(def.code).toBe(0);
    expect(def.stdout).toMatch(/image grafana\/k6:1\.\d+\.\d+ \(the default; --image to choose\)/);
    const tr = parseYaml(readFileSync(join(dir, 'op-img', 'testrun.yaml'), 'utf8')) as { spec: { runner: { image: string } } };
    expect(tr.spec.runner.image).toMatch(/^grafana\/k6:1\./);
    const own = await cli(['k6', 'operator', suiteFile, '--parallelism', '2', '--out', join(dir, 'op-img2'), '--target-url', 'http://exchange.example:8080', '--image', 'grafana/k6:0.48.0']);
    expect(own.code).toBe(0);
    expect((parseYaml(readFileSync(join(dir, 'op-img2', 'testrun.yaml'), 'utf8')) as { spec: { runner: { image: string } } }).spec.runner.image).toBe('grafana/k6:0.48.0');
  }, 90_000);

  it('operator refuses a suite whose target is the in-process mock without --target-url (exit 2)', async () => {
    const r = await cli(['k6', 'operator', suiteFile, '--parallelism', '2', '--out', join(dir, 'op2')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--target-url/);
  }, 90_000);
});

describe('loadgate run --engine k6 with a fake k6 (a shell script replaying a fixture run; tests loadgate, not k6)', () => {
  it('runs the suite through the k6 engine, ingests the NDJSON and gives loadgate\'s verdict', async () => {
    const bin = mkdtempSync(join(dir, 'fakebin-'));
    const fake = join(bin, 'k6');
    writeFileSync(
      fake,
      `#!/bin/sh
if [ "$1" = "version" ]; then echo "k6 v0.48.0 (fake)"; exit 0; fi
prev=""; for a in "$@"; do case "$prev" in --out) cp "${RUNS}rest-fail.ndjson" "\${a#json=}";; esac; case "$a" in --summary-export=*) cp "${RUNS}rest-fail.summary.json" "\${a#--summary-export=}";; esac; prev="$a"; done
echo "running (0m01.0s), 1/1 VUs, 42 complete and 0 interrupted iterations"
exit 99
`,
    );
    chmodSync(fake, 0o755);
    const out = join(dir, 'run-out');
    const r = await cli(['run', suiteFile, '--engine', 'k6', '--out', out, '--format', 'json'], { K6_BIN: fake });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const result = runResultSchema.parse(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')));
    expect(result.meta.engines.map((e) => e.name)).toContain('k6');
    expect(result.endpoints.fetchTicker!.requests).toBe(301);
    expect(result.meta.notes.join('\n')).toMatch(/4 of 30 crossed/);
    // The suite's fetchTicker p95 < 300 ms passes on these samples although k6 exited 99; the run fails (exit 1)
    // only on the implicit droppedArrivals < 1 of a rate-driven run: k6 dropped 38 iterations.
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { verdict: { checks: Array<{ id: string; status: string }> } };
    expect(report.verdict.checks.filter((c) => c.status !== 'pass').map((c) => c.id).sort()).toEqual(['fetchOrderBook.droppedArrivals', 'fetchTicker.droppedArrivals']);
    expect(report.verdict.checks.find((c) => c.id === 'fetchTicker.p95Ms')!.status).toBe('pass');
    expect(r.code).toBe(1);
  }, 120_000);
});

describe('loadgate run --engine k6 without k6', () => {
  it('exits 3 and says how to install k6 (K6_BIN missing, PATH without k6)', async () => {
    const emptyBin = mkdtempSync(join(dir, 'bin-'));
    const r = await cli(['run', suiteFile, '--engine', 'k6', '--out', join(dir, 'rep')], { K6_BIN: join(dir, 'nope', 'k6'), PATH: `${emptyBin}:${resolve(process.execPath, '..')}` });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/k6 not found/);
    expect(r.stderr).toMatch(/hint: install k6/);
  }, 90_000);
});
