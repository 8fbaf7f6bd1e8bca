/** `loadgate prometheus rules` and `loadgate grafana dashboard` through the CLI's main(), with captured output. */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');

async function cli(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) => new Writable({ write: (c: Buffer, _e, cb) => (f(c.toString()), cb()) });
  const code = await main(args, { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), env: {}, cwd, signal: new AbortController().signal });
  return { code, out, err };
}

describe('loadgate prometheus rules / grafana dashboard', () => {
  it('writes the rules and their promtool test for the default suite, and says what is not a burn-rate alert', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loadgate-cli-'));
    const r = await cli(['prometheus', 'rules', join(ROOT, 'scenarios/default.suite.yaml'), '--out', 'p'], dir);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^not a burn-rate alert: fetchTicker\.droppedArrivals: dropped arrivals measure the load generator/m);
    expect(r.out).toMatch(/wrote p\/default\.rules\.yml \(19 SLOs, 1 threshold alerts\) and p\/default\.rules\.test\.yml/);
    const rules = parse(await readFile(join(dir, 'p/default.rules.yml'), 'utf8')) as { groups: Array<{ name: string }> };
    expect(rules.groups.map((g) => g.name)).toContain('sloth-slo-sli-recordings-default-overall-success-rate');
    const test = parse(await readFile(join(dir, 'p/default.rules.test.yml'), 'utf8')) as { rule_files: string[] };
    expect(test.rule_files).toEqual(['default.rules.yml']);
  });

  it('takes the SLO period from --period and refuses a malformed one (exit 2)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loadgate-cli-'));
    const ok = await cli(['prometheus', 'rules', join(ROOT, 'scenarios/default.suite.yaml'), '--out', '.', '--period', '28d'], dir);
    expect(ok.out).toContain('page 13.44× over 1h and 5m');
    const bad = await cli(['prometheus', 'rules', join(ROOT, 'scenarios/default.suite.yaml'), '--period', '4w'], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--period: expected a number of days/);
    expect((await cli(['prometheus', 'alerts'], dir)).code).toBe(2);
  });

  it('writes a dashboard JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loadgate-cli-'));
    const r = await cli(['grafana', 'dashboard', join(ROOT, 'scenarios/default.suite.yaml')], dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^wrote grafana\/default\.dashboard\.json: \d+ panels, \d+ queries/);
    const d = JSON.parse(await readFile(join(dir, 'grafana/default.dashboard.json'), 'utf8')) as { panels: unknown[] };
    expect(d.panels.length).toBeGreaterThan(8);
  });

  it('lists both commands in --help', async () => {
    const r = await cli(['--help'], ROOT);
    expect(r.out).toMatch(/^\s+prometheus\s+Prometheus: SLO alert rules/m);
    expect(r.out).toMatch(/^\s+grafana\s+Grafana: a dashboard JSON/m);
  });
});
