import { describe, expect, it } from 'vitest';
import { renderAll, renderConsole, REPORT_FORMATS } from '../../src/report/index.js';
import type { Report } from '../../src/report/model.js';
import { createHistogram, encodeHistogram } from '../../src/result/histogram.js';
import type { RunResult } from '../../src/result/model.js';
import { compileSla } from '../../src/sla/checks.js';
import { evaluate } from '../../src/sla/evaluate.js';
import { xmlProblems } from '../helpers/fixture-result.js';

function baseResult(endpoints: RunResult['endpoints']): RunResult {
  return {
    schemaVersion: 1,
    kind: 'loadgate.result',
    meta: {
      suite: 'edge',
      engines: [{ name: 'k6', version: '1.0.0' }],
      startedAt: '2026-11-22T01:54:27Z',
      endedAt: '2026-11-22T01:54:37Z',
      durationSec: 10,
      warmupSec: 0,
      host: { hostname: 'h', platform: 'linux', arch: 'x64', cpus: 1, node: 'v20' },
      target: { url: 'http://127.0.0.1:1', mock: false },
      notes: [],
    },
    endpoints,
  };
}

function reportOf(result: RunResult, sla = {}): Report {
  return { result, verdict: evaluate(compileSla(sla), result), suiteName: result.meta.suite, generatedAt: '2026-11-22T01:55:00Z' };
}

const empty = encodeHistogram(createHistogram());

describe('reporters on thin results', () => {
  const cases: Array<[string, Report]> = [
    ['a result with no endpoints and no checks', reportOf(baseResult({}))],
    [
      'a k6 summary with percentiles but no histogram or series',
      reportOf(
        baseResult({
          fetchTicker: {
            kind: 'http',
            workloads: ['k6'],
            requests: 1000,
            latency: empty,
            statusCodes: {},
            errors: { server: 5 },
            errorCodes: {},
            series: [],
            samples: { failed: [], slowest: [] },
            latencySummaryMs: { source: 'k6 --summary-export', p95Ms: 120.5, maxMs: 400 },
          },
        }),
        { endpoints: { fetchTicker: { p95Ms: 100, p99Ms: 200 } } },
      ),
    ],
    [
      'an endpoint that sent nothing',
      reportOf(
        baseResult({ fetchTicker: { kind: 'http', workloads: ['w'], requests: 0, latency: empty, statusCodes: {}, errors: {}, errorCodes: {}, series: [], samples: { failed: [], slowest: [] } } }),
        { overall: { p95Ms: 100 } },
      ),
    ],
  ];

  for (const [name, report] of cases) {
    it(`renders every format for ${name}`, () => {
      const files = renderAll(report, REPORT_FORMATS);
      expect(xmlProblems(files['junit.xml']!)).toEqual([]);
      expect(JSON.parse(files['report.json']!).kind).toBe('loadgate.report');
      expect(files['report.html']).toContain('</html>');
      expect(files['metrics.prom']).toContain('loadgate_run_pass');
      expect(renderConsole(report, { color: false })).toMatch(/^ (PASS|FAIL|INCOMPLETE) /);
    });
  }

  it('never passes a run that measured nothing: it is incomplete, in every format', () => {
    for (const report of [cases[0]![1], cases[2]![1]]) {
      expect(report.verdict.status).toBe('incomplete');
      const files = renderAll(report, REPORT_FORMATS);
      expect(renderConsole(report, { color: false })).toMatch(/^ INCOMPLETE [^]*\n! The run measured nothing/);
      expect(JSON.parse(files['report.json']!).verdict.status).toBe('incomplete');
      expect(files['report.md']).toContain('**⚠️ INCOMPLETE**');
      expect(files['report.html']).toContain('<div class="banner warn"><strong>INCOMPLETE</strong>');
      expect(files['junit.xml']).toMatch(/<error type="incomplete" message="run incomplete: The run measured nothing/);
    }
  });

  it('shows percentiles from a summary where the source had them and — where it did not', () => {
    const report = cases[1]![1];
    const j = JSON.parse(renderAll(report, ['json'])['report.json']!);
    expect(j.endpoints.fetchTicker.measured.latencySource).toBe('k6 --summary-export');
    expect(j.endpoints.fetchTicker.measured.latency.p95Ms).toBe(120.5);
    expect(j.endpoints.fetchTicker.measured.latency.p99Ms).toBeNull();
    const md = renderAll(report, ['md'])['report.md']!;
    expect(md).toMatch(/\| p99 \| — \| &lt; 200 ms \| ⚠️ no-data \|/);
    expect(md).toContain('latency percentiles come from k6 --summary-export');
  });
});

describe('late arrivals in the notes', () => {
  const withArrivals = (late: number, dropped: number): Report => {
    const h = createHistogram();
    h.recordValue(5_000);
    const ep = { kind: 'http' as const, workloads: ['w'], requests: 1000, latency: encodeHistogram(h), latencyUncorrected: encodeHistogram(h), statusCodes: { '200': 1000 }, errors: {}, errorCodes: {}, series: [], samples: { failed: [], slowest: [] } };
    return reportOf(baseResult({ fetchTicker: { ...ep, arrivals: { scheduled: 1000 + dropped, sent: 1000, late, dropped } } }));
  };
  const notesOf = (r: Report) => {
    const out = renderConsole(r, { color: false });
    return out.slice(out.indexOf('\nNotes\n')).replace(/\s+/g, ' ');
  };

  it('warns when 1% or more were sent late, or any was dropped, in one note for all endpoints', () => {
    expect(notesOf(withArrivals(10, 0))).toContain('! 10 of 1,000 arrivals were sent late and 0 of 1,000 dropped; corrected latency counts the wait. Late by endpoint: fetchTicker 10.');
    expect(notesOf(withArrivals(0, 1))).toContain('! 0 of 1,000 arrivals were sent late and 1 of 1,001 dropped; corrected latency counts the wait. Late by endpoint: fetchTicker 0 + 1 dropped.');
  });

  it('only notes a few late arrivals (under 1%, none dropped), without a warning', () => {
    const notes = notesOf(withArrivals(3, 0));
    expect(notes).toContain('· 3 of 1,000 arrivals were sent late and 0 of 1,000 dropped (under 1%)');
    expect(notes).not.toMatch(/! \d/);
  });

  it('writes one arrivals note, not one bullet per endpoint', () => {
    const h = createHistogram();
    h.recordValue(5_000);
    const ep = (late: number) => ({ kind: 'http' as const, workloads: ['w'], requests: 1000, latency: encodeHistogram(h), statusCodes: { '200': 1000 }, errors: {}, errorCodes: {}, series: [], samples: { failed: [], slowest: [] }, arrivals: { scheduled: 1000, sent: 1000, late, dropped: 0 } });
    const r = reportOf(baseResult({ a: ep(50), b: ep(40), c: ep(30), d: ep(20), e: ep(10) }));
    const notes = notesOf(r);
    expect(notes.match(/arrivals were sent late/g)).toHaveLength(1);
    expect(notes).toContain('150 of 5,000 arrivals were sent late');
    expect(notes).toContain('Late by endpoint: a 50, b 40, c 30, d 20, e 10.');
  });
});

describe('stream connections in reports', () => {
  const stream = (over: Partial<NonNullable<RunResult['endpoints'][string]['stream']>> = {}) => {
    const h = encodeHistogram(createHistogram());
    return { connectionsOpened: 10, connectFailures: 0, connectTime: h, subscribeAckTime: h, messages: 100, messagesByChannel: {}, expected: 100, lost: 0, duplicates: 0, reordered: 0, disconnects: 2, reconnectAttempts: 2, reconnectSuccesses: 2, recoveryTime: h, uptimeSec: 50, downtimeSec: 1, ...over };
  };
  const wsEndpoint = (workload: string, st: ReturnType<typeof stream>) => {
    const h = createHistogram();
    h.recordValue(2_000);
    return { kind: 'ws' as const, workloads: [workload], requests: 100, latency: encodeHistogram(h), statusCodes: {}, errors: {}, errorCodes: {}, series: [], samples: { failed: [], slowest: [] }, stream: st };
  };

  it('shows the connections of a workload once, whatever the number of its channels, and keeps differing counters apart', async () => {
    const { renderMarkdown } = await import('../../src/report/markdown.js');
    const md = renderMarkdown(
      reportOf(
        baseResult({
          'ws:orderbook': wsEndpoint('market-streams', stream()),
          'ws:ticker': wsEndpoint('market-streams', stream()),
          'ws:trades': wsEndpoint('other-streams', stream({ disconnects: 5, reconnectAttempts: 5, reconnectSuccesses: 4 })),
        }),
      ),
    );
    const section = md.slice(md.indexOf('Connections (each carries every stream of its workload):'));
    const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Workload'));
    expect(rows.slice(0, 2)).toEqual([
      expect.stringMatching(/^\| market-streams \| ws:orderbook, ws:ticker \| 10 \| 0 \| 2 \| 100\.0% \(2\/2\)/),
      expect.stringMatching(/^\| other-streams \| ws:trades \| 10 \| 0 \| 5 \| 80\.00% \(4\/5\)/),
    ]);
  });
});
