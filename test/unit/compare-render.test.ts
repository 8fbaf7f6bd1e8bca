import { describe, expect, it } from 'vitest';
import { compare, renderCompareHtmlSection, renderCompareJson, renderCompareMarkdown } from '../../src/compare/index.js';
import { syntheticResult } from '../helpers/synthetic.js';

const result = (seed: number, p99Ms: number, n = 20_000) =>
  syntheticResult({ seed, durationSec: 10, phase: 'phase-1', endpoints: { '<fetch|Ticker>': { dist: 'lognormal', p50Ms: 20, p99Ms, n } } });

describe('compare renderers', () => {
  const c = compare([result(1, 80)], [result(2, 120)]);

  it('writes a PR-ready Markdown table with a headline verdict and icons', () => {
    const md = renderCompareMarkdown(c);
    expect(md).toMatch(/^### loadgate compare: ❌ \*\*regressed\*\*/);
    expect(md).toContain('| metric | base | cand | Δ | Δ% | 95% CI | verdict |');
    expect(md).toMatch(/\| p99 \| [\d.]+ ms \| [\d.]+ ms \| \+[\d.]+ ms \| \+[\d.]+% \| .+ \| ❌ regressed \|/);
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

  it('renders an escaped HTML section', () => {
    const html = renderCompareHtmlSection(c);
    expect(html.startsWith('<section class="lg-cmp lg-cmp-regressed">')).toBe(true);
    expect(html.trimEnd().endsWith('</section>')).toBe(true);
    expect(html).toContain('&lt;fetch|Ticker&gt;');
    expect(html).not.toContain('<fetch|Ticker>');
  });
});
