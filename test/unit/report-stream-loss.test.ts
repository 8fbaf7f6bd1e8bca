/**
 * Stream loss in every report (issue 10): a stream whose dialect has no sequence (`loss: none`) shows no-data
 * (`—`, JSON null, no Prometheus ratio, an SLA check NO DATA), never 0; OKX's chain count (`lowerBound`) is shown
 * as `≥`; resyncs are reported apart from loss.
 */
import { describe, expect, it } from 'vitest';
import { renderAll, renderConsole, REPORT_FORMATS, type Report } from '../../src/report/index.js';
import type { ReportJson } from '../../src/report/model.js';
import { EndpointRecorder } from '../../src/result/recorder.js';
import { compileSla } from '../../src/sla/checks.js';
import { evaluate } from '../../src/sla/evaluate.js';
import { buildFixture } from '../helpers/fixture-result.js';

function streamsReport(): Report {
  const { result } = buildFixture({ ws: true, openModel: false });
  const book = result.endpoints['ws:orderbook']!;
  book.stream = { ...book.stream!, loss: 'lowerBound', resyncs: 2 };
  const ticker = new EndpointRecorder('ws:ticker', 'ws', 'stream');
  for (let t = 0; t < 10; t++) ticker.recordResponse({ atMs: t * 1000 + 5, latencyUs: 3_000 });
  const tr = ticker.toResult();
  // The ticker carries no sequence (Binance / OKX / Bybit): nothing expected, nothing lost, and not measurable.
  tr.stream = { ...book.stream, messages: 10, messagesByChannel: { ticker: 10 }, expected: 0, lost: 0, duplicates: 0, reordered: 0, resyncs: 0, loss: 'none' };
  result.endpoints['ws:ticker'] = tr;
  const plan = compileSla({ endpoints: { 'ws:orderbook': { lossPct: 5 }, 'ws:ticker': { lossPct: 5 } } });
  return { result, verdict: evaluate(plan, result), suiteName: 'streams', generatedAt: '2026-12-02T05:00:00Z' };
}

describe('stream loss without a sequence, as a lower bound, and resyncs in the reports', () => {
  const report = streamsReport();
  const files = renderAll(report, REPORT_FORMATS);

  it('the SLA gives a stream without a sequence NO DATA (never a pass), and judges the lower bound with a note', () => {
    const ticker = report.verdict.checks.find((c) => c.id === 'ws:ticker.lossPct')!;
    expect(ticker.status).toBe('no-data');
    expect(ticker.detail).toContain('no sequence numbers');
    const book = report.verdict.checks.find((c) => c.id === 'ws:orderbook.lossPct')!;
    expect(book.status).toBe('pass');
    expect(book.detail).toContain('lower bound');
  });

  it('JSON: lossPct null with loss "none"; the lower bound and resyncs are fields of their own', () => {
    const j = JSON.parse(files['report.json']!) as ReportJson;
    const ticker = j.endpoints['ws:ticker']!.stream!;
    const book = j.endpoints['ws:orderbook']!.stream!;
    expect(ticker.lossPct).toBeNull();
    expect(ticker.loss).toBe('none');
    expect(book.loss).toBe('lowerBound');
    expect(book.resyncs).toBe(2);
    expect(book.lossPct).toBeGreaterThan(0);
  });

  it('Markdown: the ticker’s loss is —, the order book’s ≥ x%', () => {
    const md = files['report.md']!;
    const tickerRow = md.split('\n').find((l) => /^\|\s*ws:ticker\s*\|/.test(l));
    expect(tickerRow, md).toBeDefined();
    // Stream | Messages | p50 | p95 | p99 | Loss | …
    expect(tickerRow!.split('|').map((c) => c.trim())[6]).toBe('—');
    const bookRow = md.split('\n').find((l) => /^\|\s*ws:orderbook\s*\|/.test(l))!;
    expect(bookRow.split('|').map((c) => c.trim())[6]).toMatch(/^≥ [\d.]+%$/);
  });

  it('console: the ticker’s loss check says NO DATA and why', () => {
    const lines = renderConsole(report, { color: false, width: 160 }).split('\n');
    const i = lines.findIndex((l) => /^NO DATA\s+ws:ticker\.lossPct/.test(l));
    expect(i).toBeGreaterThanOrEqual(0);
    expect(lines[i + 1]).toContain('no sequence numbers');
  });

  it('HTML shows the same cells', () => {
    const html = files['report.html']!;
    expect(html).toMatch(/ws:ticker<\/td>(<td[^>]*>[^<]*<\/td>){4}<td[^>]*>—<\/td>/);
    expect(html).toMatch(/≥ [\d.]+%/);
  });

  it('Prometheus: no loss ratio for the ticker, resyncs counted for the order book', () => {
    const prom = files['metrics.prom'] ?? Object.entries(files).find(([k]) => k.endsWith('.prom'))![1];
    expect(prom).toMatch(/loadgate_stream_loss_ratio\{[^}]*endpoint="ws:orderbook"[^}]*\} /);
    expect(prom).not.toMatch(/loadgate_stream_loss_ratio\{[^}]*endpoint="ws:ticker"/);
    expect(prom).toMatch(/loadgate_stream_resyncs_total\{[^}]*endpoint="ws:orderbook"[^}]*\} 2\b/);
  });
});
