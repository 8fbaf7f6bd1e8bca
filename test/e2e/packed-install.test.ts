/**
 * The tier that runs what users run (issue 9): `npm pack`, install the tarball into a fresh project under the
 * temp folder, and drive the installed CLI from there (node_modules/.bin/loadgate, `npm exec --no`), with no
 * access to the repository's sources. Every exit code is asserted.
 */
import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'acorn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, installPacked, packedEnv, REPO_ROOT, type PackedInstall } from '../helpers/packed.js';

const RUNS = resolve(REPO_ROOT, '../shared/fixtures/k6/runs');
let pk: PackedInstall;

beforeAll(async () => {
  pk = await installPacked();
  writeFileSync(
    join(pk.projectDir, 'tiny.suite.yaml'),
    `name: tiny
target:
  mock: { seed: 7 }
workloads:
  - name: tickers
    load: { model: closed, connections: 2, durationSec: 2 }
    mix:
      - { endpoint: fetchTicker }
      - { endpoint: fetchOrderBook }
sla: { overall: { p99Ms: 5000, successRatePct: 99 } }
`,
  );
}, 240_000);
afterAll(async () => {
  await pk?.cleanup();
});

describe('the packed and installed loadgate', () => {
  it('contains the compiled CLI, the k6 scenario sources and no tests', () => {
    const files = (d: string): string[] => readdirSync(join(pk.packageDir, d));
    expect(files('dist/src')).toContain('cli.js');
    expect(files('scenarios')).toEqual(expect.arrayContaining(['rest-mix.ts', 'order-lifecycle.ts', 'orderbook-ws.ts', 'spike.ts', 'soak.ts', 'common.ts', 'default.suite.yaml']));
    // What the scenarios value-import from src/ ships as source (k6 >= 0.57 runs .ts; `loadgate k6 build` bundles it).
    expect(files('src/engines/k6')).toEqual(expect.arrayContaining(['executors.ts', 'script-config.ts']));
    expect(files('src/dialect')).toEqual(expect.arrayContaining(['index.ts', 'registry.ts', 'sequence.ts']));
    expect(existsSync(join(pk.packageDir, 'test'))).toBe(false);
  });

  it('--help exits 0 and lists the commands; --version prints the package version', async () => {
    const help = await pk.run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Commands:[\s\S]*\brun\b[\s\S]*\bk6\b/);
    const version = await pk.run(['--version']);
    expect(version.stderr).toBe('');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('answers through `npm exec --no -- loadgate` and `npx --no -- loadgate` (the local install, never the registry)', async () => {
    const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    // `--` matters: without it npx takes --version for its own and prints npm's version.
    const r = await exec('npm', ['exec', '--no', '--', 'loadgate', '--version'], { cwd: pk.projectDir, env: packedEnv() });
    expect(r.stdout.trim()).toBe(version);
    const npx = await exec('npx', ['--no', '--', 'loadgate', '--version'], { cwd: pk.projectDir, env: packedEnv() });
    expect(npx.stdout.trim()).toBe(version);
  });

  it('run: a 2 s suite against the built-in mock exits 0 and writes the reports; report and compare read them', async () => {
    const r = await pk.run(['run', 'tiny.suite.yaml', '--out', 'out/a']);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/PASS/);
    for (const f of ['result.json', 'report.json', 'report.md', 'report.html', 'junit.xml']) expect(existsSync(join(pk.projectDir, 'out/a', f)), f).toBe(true);

    const rep = await pk.run(['report', 'out/a/result.json', '--out', 'out/rep']);
    expect(rep.stderr).not.toMatch(/\n\s+at /);
    expect(rep.code).toBe(0);

    const cmp = await pk.run(['compare', 'out/a/result.json', 'out/a/result.json', '--fail-on', 'regression', '--out', 'out/cmp']);
    expect(cmp.stderr).not.toMatch(/\n\s+at /);
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toMatch(/unchanged/);

    const bad = await pk.run(['report', 'out/no-such/result.json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('k6 build bundles the shipped scenarios into ES2017 that imports only k6 modules', async () => {
    const r = await pk.run(['k6', 'build', 'node_modules/loadgate/scenarios/default.suite.yaml', '--target-url', 'http://127.0.0.1:9', '--out', 'k6']);
    expect(r.stderr).not.toMatch(/Could not resolve|\n\s+at /);
    expect(r.code).toBe(0);
    const bundles = readdirSync(join(pk.projectDir, 'k6')).filter((f) => f.endsWith('.js'));
    expect(bundles.sort()).toEqual(['order-lifecycle.js', 'orderbook-ws.js', 'rest-mix.js', 'soak.js', 'spike.js']);
    for (const b of bundles) {
      const code = readFileSync(join(pk.projectDir, 'k6', b), 'utf8');
      const ast = parse(code, { ecmaVersion: 2017, sourceType: 'module' });
      const sources = ast.body.flatMap((n) => ('source' in n && n.source && typeof n.source.value === 'string' ? [n.source.value] : []));
      expect(sources.filter((s) => s !== 'k6' && !s.startsWith('k6/')), b).toEqual([]);
    }
    expect(readdirSync(join(pk.projectDir, 'k6')).filter((f) => f.endsWith('.config.json')).length).toBeGreaterThan(0);
  });

  it('run --engine k6 bundles from the installed package and reports the version k6 printed', async () => {
    // A stand-in k6 (not k6): prints a k6 1.x version line, keeps the script it was given, replays a real run.
    const fake = join(pk.projectDir, 'fake-k6');
    writeFileSync(
      fake,
      `#!/bin/sh
if [ "$1" = "version" ]; then echo "k6 v1.3.0 (commit/5870e99ae8, go1.25.1, linux/amd64)"; exit 0; fi
prev=""; for a in "$@"; do
  case "$prev" in --out) cp "${RUNS}/rest-pass.ndjson" "\${a#json=}";; esac
  case "$a" in --summary-export=*) cp "${RUNS}/rest-pass.summary.json" "\${a#--summary-export=}";; esac
  prev="$a"; last="$a"
done
cp "$last" "${pk.projectDir}/k6-ran.js"
exit 0
`,
    );
    chmodSync(fake, 0o755);
    writeFileSync(
      join(pk.projectDir, 'k6.suite.yaml'),
      `name: k6-tiny
target: { mock: { seed: 7 } }
workloads:
  - name: market_data
    load: { model: open, ratePerSec: 10, durationSec: 1 }
    mix: [{ endpoint: fetchTicker }]
sla: { overall: { successRatePct: 50 } }
`,
    );
    const r = await pk.run(['run', 'k6.suite.yaml', '--engine', 'k6', '--out', 'out/k6'], { env: { K6_BIN: fake } });
    expect(r.stderr).not.toMatch(/Could not resolve|\n\s+at /);
    // rest-pass dropped 38 iterations: the implicit droppedArrivals < 1 check fails, the run completed (exit 1).
    expect(r.code, r.stderr + r.stdout).toBe(1);
    const result = JSON.parse(readFileSync(join(pk.projectDir, 'out/k6/result.json'), 'utf8')) as { meta: { engines: Array<{ name: string; version: string }> } };
    expect(result.meta.engines).toContainEqual({ name: 'k6', version: 'v1.3.0' });
    expect(readFileSync(join(pk.projectDir, 'out/k6/report.md'), 'utf8')).not.toMatch(/k6 unknown/);
    expect(() => parse(readFileSync(join(pk.projectDir, 'k6-ran.js'), 'utf8'), { ecmaVersion: 2017, sourceType: 'module' })).not.toThrow();
  }, 60_000);

  it('mock: starts, answers on the printed URL, and stops on SIGINT with exit 0', async () => {
    const child = pk.start(['mock', '--port', '0']);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      for (let i = 0; i < 200 && !/listening on (http:\/\/\S+)/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      expect(url, out).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${url}/health`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(out).toMatch(/stopped; served [1-9]\d* requests/);
    } finally {
      clearTimeout(kill);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
