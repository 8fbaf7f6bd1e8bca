import { describe, expect, it } from 'vitest';
import { compare, fmtChange, renderCompareHtmlSection, renderCompareJson, renderCompareMarkdown } from '../../src/compare/index.js';
import type { RunResult } from '../../src/result/model.js';
import { syntheticResult } from '../helpers/synthetic.js';

/** Four endpoints; `<fetch|Ticker>` (a name that needs escaping) has its p99 set, the others stay at 80 ms. */
const result = (seed: number, p99Ms: number, n = 8000) =>
  syntheticResult({
    seed,
    durationSec: 10,
    phase: 'phase-1',
    endpoints: {
      '<fetch|Ticker>': { dist: 'lognormal', p50Ms: 20, p99Ms, n },
      fetchOrderBook: { dist: 'lognormal', p50Ms: 20, p99Ms: 80, n },
      createOrder: { dist: 'lognormal', p50Ms: 20, p99Ms: 80, n },
      cancelOrder: { dist: 'lognormal', p50Ms: 20, p99Ms: 80, n },
    },
  });

describe('compare renderers', () => {
  const c = compare([result(1, 80)], [result(2, 160)]);

  it('writes a PR-ready Markdown table with a headline verdict and icons, regressed rows in bold', () => {
    const md = renderCompareMarkdown(c);
    expect(md).toMatch(/^### loadgate compare: ❌ \*\*regressed\*\*/);
    expect(md).toContain('| metric | base | cand | Δ | Δ% | 95% CI | verdict |');
    expect(md).toMatch(/\| \*\*tail vs others\*\* \| \*\*[-+\d.]+%\*\* \| \*\*[-+\d.]+%\*\* \| \*\*\+[\d.]+ pp\*\* \| .+ \| ❌ \*\*regressed\*\* \|/);
    expect(md).toContain('➖ unchanged');
    expect(md).toContain('<fetch\\|Ticker>');
    expect(md).toContain('#### Phases');
  });

  it('flags a thin tail', () => {
    const thin = compare([result(3, 80, 3000)], [result(4, 80, 3000)]);
    const md = renderCompareMarkdown(thin);
    expect(md).toContain('p99.9 ⚠️');
    expect(md).toMatch(/thin tail/);
  });

  it('round-trips the comparison as JSON', () => {
    expect(JSON.parse(renderCompareJson(c))).toEqual(JSON.parse(JSON.stringify(c)));
  });

  it('renders an escaped HTML section with regressed rows marked and a chart', () => {
    const html = renderCompareHtmlSection(c);
    expect(html.startsWith('<section class="lg-cmp lg-cmp-regressed">')).toBe(true);
    expect(html.trimEnd().endsWith('</section>')).toBe(true);
    expect(html).toContain('&lt;fetch|Ticker&gt;');
    expect(html).not.toContain('<fetch|Ticker>');
    expect(html).toMatch(/<tr class="lg-cmp-regressed"><td>tail vs others<\/td>/);
    expect(html).toContain('tr.lg-cmp-regressed td{background');
    // One dot per endpoint and charted metric, the regressed one in the regressed colour, with its interval.
    expect(html).toMatch(/<svg class="lg-cmp-chart"/);
    expect(html).toMatch(/<circle class="dot-regressed"[^>]*><title>&lt;fetch\|Ticker&gt; tail vs others/);
    expect(html).toMatch(/<polyline class="ci" points="[\d.]+,[\d.]+ [\d.]+,[\d.]+"\/>/);
    expect(html).not.toMatch(/<script/i);
  });

  it('puts untrustworthy input and different suites in the headline, not only in the notes', () => {
    const sat: RunResult = { ...result(2, 160), generator: { saturated: true, reasons: ['schedule slip p99 25 ms > 10 ms'] } };
    const other: RunResult = { ...sat, meta: { ...sat.meta, suite: 'other' } };
    const x = compare([result(1, 80)], [other]);
    const md = renderCompareMarkdown(x);
    const head = md.split('\n')[0]!;
    expect(head).toMatch(/❌ \*\*regressed\*\*.*⚠️ \*\*untrustworthy input\*\*.*⚠️ suites differ \(synthetic vs other\)/);
    expect(md).toContain('> - candidate: the load generator was saturated (schedule slip p99 25 ms > 10 ms)');
    expect(renderCompareHtmlSection(x)).toContain('<div class="lg-cmp-warn"><b>⚠️ Untrustworthy input</b>');
  });

  it('states an SLA outcome change in the headline: base passed all checks, candidate failed one', () => {
    const sla = { overall: { p99Ms: 1000 }, endpoints: { createOrder: { p99Ms: 90 } } };
    const withSla = (r: RunResult): RunResult => ({ ...r, meta: { ...r.meta, sla } });
    const slowOrders = syntheticResult({
      seed: 7,
      durationSec: 10,
      endpoints: { fetchTicker: { dist: 'lognormal', p50Ms: 20, p99Ms: 80, n: 8000 }, createOrder: { dist: 'lognormal', p50Ms: 20, p99Ms: 160, n: 8000 }, cancelOrder: { dist: 'lognormal', p50Ms: 20, p99Ms: 80, n: 8000 } },
    });
    const fine = syntheticResult({
      seed: 8,
      durationSec: 10,
      endpoints: { fetchTicker: { dist: 'lognormal', p50Ms: 20, p99Ms: 80, n: 8000 }, createOrder: { dist: 'lognormal', p50Ms: 20, p99Ms: 60, n: 8000 }, cancelOrder: { dist: 'lognormal', p50Ms: 20, p99Ms: 80, n: 8000 } },
    });
    const x = compare([withSla(fine)], [withSla(slowOrders)]);
    expect(x.sla?.changed).toBe(true);
    expect(x.sla?.base).toMatchObject({ runs: 1, passed: 1 });
    expect(x.sla?.cand?.failed.map((f) => f.id)).toEqual(['createOrder.p99Ms']);
    const md = renderCompareMarkdown(x);
    expect(md.split('\n')[0]).toMatch(/SLA base passed all \d+ checks, candidate failed 1/);
    expect(md).toMatch(/\*\*SLA outcome changed:\*\* base: ✅ all \d+ checks passed · candidate: ❌ createOrder\.p99Ms [\d.]+ ms \(needs < 90 ms\)/);
    expect(compare([withSla(fine)], [withSla(fine)]).sla?.changed).toBe(false);
  });

  it('says ratios instead of huge percentages (a 0.001 ms limit)', () => {
    expect(fmtChange(15_526_200)).toBe('×155,300');
    expect(fmtChange(1200)).toBe('×13.0');
    expect(fmtChange(-99.9)).toBe('÷1,000');
    expect(fmtChange(12.34)).toBe('+12.3%');
    expect(fmtChange(-50)).toBe('-50.0%');
  });
});
