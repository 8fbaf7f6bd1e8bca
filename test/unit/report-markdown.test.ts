import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/report/markdown.js';
import { endpointStats, measuredWindow } from '../../src/result/stats.js';
import { buildFixture, HOSTILE_ENDPOINT } from '../helpers/fixture-result.js';

/** Cells of a GFM table row: split on pipes not escaped with a backslash. */
function cells(row: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < row.length; i++) {
    const ch = row[i]!;
    if (ch === '\\' && i + 1 < row.length) {
      cur += ch + row[i + 1];
      i++;
    } else if (ch === '|') {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.slice(1, -1).map((c) => c.trim());
}

/** Every table in the document, as arrays of rows of cells (header, separator, body). */
function tables(md: string): string[][][] {
  const out: string[][][] = [];
  let cur: string[][] | undefined;
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) (cur ??= (out.push([]), out[out.length - 1]!)).push(cells(line));
    else cur = undefined;
  }
  return out;
}

/** The table that follows a heading. */
function tableAfter(md: string, heading: string): string[][] {
  const rest = md.slice(md.indexOf(`${heading}\n`));
  return tables(rest)[0]!;
}

describe('renderMarkdown', () => {
  const f = buildFixture();
  const md = renderMarkdown(f.report);

  it('starts with a title and the verdict line', () => {
    const lines = md.split('\n');
    expect(lines[0]).toBe('# loadgate report: exchange-smoke');
    expect(lines[2]).toMatch(/^\*\*❌ FAIL\*\*: 6 of 15 SLA checks failed \(5 breached, 2 without data\)/);
  });

  it('keeps the column count of every table row equal to its header', () => {
    const ts = tables(md);
    expect(ts.length).toBeGreaterThan(8);
    for (const t of ts) {
      const n = t[0]!.length;
      expect(t[1]!.every((c) => /^:?-{3,}:?$/.test(c))).toBe(true);
      for (const row of t) expect(row).toHaveLength(n);
    }
  });

  it('keeps tables intact when names, codes and IDs hold pipes, HTML and line feeds', () => {
    const h = renderMarkdown(buildFixture({ hostile: true }).report);
    for (const t of tables(h)) for (const row of t) expect(row).toHaveLength(t[0]!.length);
    expect(h).not.toContain('<script>');
    expect(h).toContain('&lt;script&gt;');
    expect(h).toContain(`### evil"&lt;ep&gt;&amp;\\\\ \\|x (http)`);
    expect(h).not.toContain(HOSTILE_ENDPOINT);
  });

  it('has a run metadata table with suite, phase, commit, engines, times, duration, host and target', () => {
    const t = tableAfter(md, '## Run');
    const fields = Object.fromEntries(t.slice(2).map(([k, v]) => [k, v]));
    expect(fields.Suite).toBe('exchange-smoke');
    expect(fields.Phase).toBe('phase-2');
    expect(fields['Git commit']).toBe('3f9c2ab41d0e');
    expect(fields.Engines).toBe('autocannon 8.0.0, open 0.1.0, ws 8.23.0');
    expect(fields.Started).toBe(f.result.meta.startedAt);
    expect(fields.Ended).toBe(f.result.meta.endedAt);
    expect(fields.Duration).toMatch(/^30 s \(first 5 s warm-up/);
    expect(fields.Host).toContain('ci-runner-7');
    expect(fields.Target).toContain('http://127.0.0.1:43121');
  });

  it('gives each endpoint a metric/value/target/status table with the histogram values and check outcomes', () => {
    const t = tableAfter(md, '### fetchTicker (http)');
    expect(t[0]).toEqual(['Metric', 'Value', 'Target', 'Status']);
    const rows = Object.fromEntries(t.slice(2).map((r) => [r[0]!, r]));
    const s = endpointStats('fetchTicker', f.result.endpoints.fetchTicker!, f.result.meta.durationSec, measuredWindow(f.result));
    expect(Number(rows.p99![1]!.replace(' ms', ''))).toBeCloseTo(s.latency!.p99Ms!, 1);
    expect(Number(rows['p99.9']![1]!.replace(' ms', ''))).toBeCloseTo(s.latency!.p999Ms!, 1);
    expect(rows.Requests![1]).toBe(s.requests.toLocaleString('en-US'));
    expect(rows.p95![2]).toBe('&lt; 20 ms');
    expect(rows.p95![3]).toBe('❌');
    expect(rows.p99![3]).toBe('✅');
    expect(rows['rateLimit errors per minute']![1]).toMatch(/worst 10 s window/);
    const missing = tableAfter(md, '### fetchMarkets (not measured)');
    expect(missing.find((r) => r[0] === 'p95')![3]).toBe('⚠️ no-data');
    const optional = tableAfter(md, '### ws:trades (not measured)');
    expect(optional.find((r) => r[0] === 'Message loss')![3]).toBe('⚠️ no-data (optional)');
  });

  it('shows open-model latency as sent beside the corrected percentiles, over the same measured window', () => {
    const rows = Object.fromEntries(tableAfter(md, '### fetchOrderBook (http)').slice(2).map((r) => [r[0]!, r]));
    const ep = f.result.endpoints.fetchOrderBook!;
    const asSent = endpointStats('fetchOrderBook', ep, f.result.meta.durationSec, measuredWindow(f.result), { uncorrected: true });
    const [p50, p99] = rows['p50 / p99 as sent (uncorrected)']![1]!.replace(' ms', '').split(' / ').map(Number);
    expect(p50).toBeCloseTo(asSent.latency!.p50Ms!, 1);
    expect(p99).toBeCloseTo(asSent.latency!.p99Ms!, 1);
    expect(p99!).toBeLessThan(Number(rows.p99![1]!.replace(' ms', ''))); // the stall's queueing is only in the corrected one
    expect(tableAfter(md, '### fetchTicker (http)').some((r) => r[0]!.includes('as sent'))).toBe(false);
  });

  it("shows the built-in mock's own time beside what the client measured, and says what the difference is", () => {
    const serverTimeMs = { fetchTicker: { source: 'built-in mock', count: 100, p50Ms: 1.25, p99Ms: 9.5 } };
    const r = { ...f.report, result: { ...f.result, meta: { ...f.result.meta, target: { ...f.result.meta.target, serverTimeMs } } } };
    const withMock = renderMarkdown(r);
    const rows = Object.fromEntries(tableAfter(withMock, '### fetchTicker (http)').slice(2).map((row) => [row[0]!, row]));
    expect(rows["p50 / p99 at the target (mock's own time)"]![1]).toBe('1.25 / 9.50 ms');
    expect(withMock).toMatch(/The built-in mock timed each response itself.*fetchTicker 1\.25 of [\d.]+ ms/);
    expect(md).not.toContain("mock's own time");
  });

  it('has an overall section with availability from the probes', () => {
    const t = tableAfter(md, '## Overall');
    const avail = t.find((r) => r[0] === 'Availability')!;
    expect(avail[1]).toBe('96.00%');
    expect(avail[3]).toBe('❌');
  });

  it('lists error classes and body error codes per endpoint', () => {
    const errs = tableAfter(md, '## Errors');
    // Counted over the measured window, as the SLA checks count them; the whole run beside it.
    const s = endpointStats('fetchTicker', f.result.endpoints.fetchTicker!, f.result.meta.durationSec, measuredWindow(f.result));
    const n = s.errorsByClass.rateLimit!;
    expect(errs).toContainEqual(['fetchTicker', 'rateLimit', String(n), expect.stringMatching(/^[\d.]+%$/), String(f.result.endpoints.fetchTicker!.errors.rateLimit)]);
    const codes = tableAfter(md, 'Body error codes:');
    expect(codes).toContainEqual(['createOrder', 'insufficientMargin', String(f.result.endpoints.createOrder!.errorCodes.insufficientMargin)]);
  });

  it('has a stream section for ws endpoints only when there are some', () => {
    const t = tableAfter(md, '## Streams');
    const row = t.find((r) => r[0] === 'ws:orderbook')!;
    const st = f.result.endpoints['ws:orderbook']!.stream!;
    expect(row[1]).toBe(st.messages.toLocaleString('en-US'));
    expect(row[5]).toBe(`${((st.lost / st.expected) * 100).toFixed(3)}%`);
    expect(row[6]).toBe(String(st.duplicates));
    expect(row).toHaveLength(8);
    // Connection-level numbers once per workload, not once per channel.
    const conn = tableAfter(md, 'Connections (each carries every stream of its workload):');
    expect(conn[0]![0]).toBe('Workload');
    expect(conn.slice(2)).toHaveLength(1);
    expect(conn[2]![1]).toBe('ws:orderbook');
    expect(conn[2]![2]).toBe(String(st.connectionsOpened));
    expect(conn[2]![5]).toBe('66.67% (2/3)');
    expect(renderMarkdown(buildFixture({ ws: false }).report)).not.toContain('## Streams');
  });

  it('has an arrivals and generator-health section for open-model runs', () => {
    const t = tableAfter(md, '## Arrivals and generator health');
    const a = f.result.endpoints.fetchOrderBook!.arrivals!;
    expect(t[2]).toEqual(['fetchOrderBook', String(a.scheduled), String(a.sent), String(a.late), expect.stringMatching(/%$/), String(a.dropped)]);
    expect(md).toMatch(/\| Saturated \| no \|/);
  });

  it('lists sample correlation IDs', () => {
    const t = tableAfter(md, '## Sample requests');
    expect(t.filter((r) => r[0] === 'failed').length).toBeGreaterThan(0);
    expect(t.filter((r) => r[0] === 'slowest').length).toBeGreaterThan(0);
    const id = f.result.endpoints.createOrder!.samples.failed.find((x) => x.tSec >= f.result.meta.warmupSec)!.correlationId;
    expect(md).toContain(id);
  });
});
