/**
 * Reports of k6 results show k6's own figures (whole run, linear interpolation) beside loadgate's (measured
 * window, nearest rank), and name a check where k6's threshold and loadgate's check fall on different sides
 * of the limit (issue 15). Real k6 v0.48 output: ../shared/fixtures/k6/runs/rest-pass.{ndjson,summary.json}.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readK6File } from '../../src/engines/k6/files.js';
import { applyRunSemantics } from '../../src/engines/k6/as-run.js';
import { bucketToleranceMs } from '../../src/engines/k6/k6-stats.js';
import type { RunResult } from '../../src/result/model.js';
import { endpointStats, measuredWindow } from '../../src/result/stats.js';
import { evaluate } from '../../src/sla/evaluate.js';
import { planForResult } from '../../src/commands/shared.js';
import { parseSuite } from '../../src/suite/load.js';
import type { SlaSpec } from '../../src/suite/schema.js';
import { k6Parity, k6ParityHtml, k6ParityMarkdown, k6ParityText, PERCENTILE_DEFINITIONS } from '../../src/report/k6-parity.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { Report } from '../../src/report/model.js';

const RUNS = fileURLToPath(new URL('../../../shared/fixtures/k6/runs/', import.meta.url));
const summary = JSON.parse(readFileSync(`${RUNS}rest-pass.summary.json`, 'utf8')) as { metrics: Record<string, Record<string, number>> };
let base: RunResult;

beforeAll(async () => {
  base = (await readK6File(`${RUNS}rest-pass.ndjson`)).result;
}, 30_000);

function reportFor(sla: SlaSpec, warmupSec: number): Report {
  const result = structuredClone(base);
  const suite = parseSuite('s.yaml', {
    target: { url: 'http://127.0.0.1:9' },
    warmupSec,
    workloads: [{ name: 'market_data', load: { model: 'open', ratePerSec: 30, durationSec: 10 }, mix: [{ endpoint: 'fetchTicker' }, { endpoint: 'fetchOrderBook' }, { endpoint: 'createOrder' }, { endpoint: 'cancelOrder' }, { endpoint: 'fetchMarkets' }] }],
    sla,
  });
  applyRunSemantics(result, suite);
  return { result, verdict: evaluate(planForResult(result, sla), result), suiteName: 's', generatedAt: '2026-12-02T00:00:00Z' };
}

describe('k6 parity in reports', () => {
  it("shows k6's figures as k6 printed them (within one HDR bucket), for every endpoint", () => {
    const p = k6Parity(reportFor({}, 0))!;
    expect(p.rows.map((r) => r.endpoint)).toEqual(expect.arrayContaining(['cancelOrder', 'createOrder', 'fetchMarkets', 'fetchOrderBook', 'fetchTicker']));
    for (const r of p.rows.filter((x) => summary.metrics[`http_req_duration{name:${x.endpoint}}`])) {
      const k6 = summary.metrics[`http_req_duration{name:${r.endpoint}}`]!;
      expect(r.k6.count, r.endpoint).toBe(k6.count);
      for (const [key, stat] of [['p50Ms', 'med'], ['p90Ms', 'p(90)'], ['p95Ms', 'p(95)'], ['p99Ms', 'p(99)']] as const) {
        expect(Math.abs(r.k6[key]! - k6[stat]!), `${r.endpoint} ${stat}`).toBeLessThanOrEqual(bucketToleranceMs(k6[stat]!));
      }
    }
  });

  it("shows loadgate's figures over the measured window (nearest rank), which differ from k6's after a warm-up", () => {
    const rep = reportFor({}, 3);
    const p = k6Parity(rep)!;
    const win = measuredWindow(rep.result);
    for (const r of p.rows) {
      const s = endpointStats(r.endpoint, rep.result.endpoints[r.endpoint]!, rep.result.meta.durationSec, win);
      expect(r.loadgate.count).toBe(s.latency?.count ?? 0);
      expect(r.loadgate.p99Ms).toBe(s.latency?.p99Ms);
      expect(r.loadgate.count).toBeLessThanOrEqual(r.k6.count);
    }
    expect(p.rows.filter((r) => r.loadgate.count < r.k6.count).length).toBeGreaterThan(0);
  });

  it('names the check where k6 and loadgate fall on different sides of the limit, and counts the others as agreeing', () => {
    const probe = k6Parity(reportFor({}, 3))!;
    // A percentile where the two definitions differ by more than a bucket: put the limit between them.
    let pick: { endpoint: string; key: 'p90Ms' | 'p95Ms' | 'p99Ms'; k6: number; lg: number } | undefined;
    for (const r of probe.rows)
      for (const key of ['p99Ms', 'p95Ms', 'p90Ms'] as const) {
        const k6 = r.k6[key];
        const lg = r.loadgate[key];
        if (!pick && k6 !== undefined && lg !== undefined && Math.abs(k6 - lg) > 0.2) pick = { endpoint: r.endpoint, key, k6, lg };
      }
    expect(pick, 'the fixture has a percentile where the definitions differ').toBeDefined();
    const limit = Number(((pick!.k6 + pick!.lg) / 2).toFixed(3));
    const rep = reportFor({ endpoints: { [pick!.endpoint]: { [pick!.key]: limit, p50Ms: 1000 } } }, 3);
    const p = k6Parity(rep)!;
    expect(p.disagreements.map((d) => d.checkId)).toEqual([`${pick!.endpoint}.${pick!.key}`]);
    const d = p.disagreements[0]!;
    expect(d.k6Passes).toBe(pick!.k6 < limit);
    expect(d.loadgatePasses).toBe(pick!.lg < limit);
    expect(d.why).toMatch(/whole run \(the 3 s warm-up included\)/);
    expect(p.agreeing).toBe(1); // the p50Ms < 1000 both pass
    expect(k6ParityMarkdown(rep).join('\n')).toContain(`**${pick!.endpoint}.${pick!.key}**`);
    expect(k6ParityText(rep).join('\n')).toContain(`! ${pick!.endpoint}.${pick!.key}`);
    expect(k6ParityHtml(rep)).toContain('<section id="k6-parity">');
  });

  it('says which definition each figure uses, in the markdown report itself', () => {
    const md = renderMarkdown(reportFor({ endpoints: { fetchTicker: { p95Ms: 300 } } }, 3));
    expect(md).toContain("## k6's own figures (whole run, warm-up included, linear interpolation) beside loadgate's (measured window, nearest rank)");
    expect(md).toContain(PERCENTILE_DEFINITIONS);
  });

  it('adds nothing to reports of runs k6 took no part in', () => {
    const rep = reportFor({}, 0);
    rep.result.meta.engines = [{ name: 'open', version: '1.0.0' }];
    expect(k6Parity(rep)).toBeUndefined();
    expect(k6ParityMarkdown(rep)).toEqual([]);
    expect(k6ParityHtml(rep)).toBe('');
    expect(renderMarkdown(rep)).not.toContain("k6's own figures");
  });
});
