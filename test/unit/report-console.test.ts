import { describe, expect, it } from 'vitest';
import { renderConsole } from '../../src/report/console.js';
import { endpointStats, measuredWindow, overallEndpoint } from '../../src/result/stats.js';
import { buildFixture, HOSTILE } from '../helpers/fixture-result.js';

const ESC = '\u001b';

/** Numbers in a table row after the name column, `—` as undefined. */
function rowNumbers(line: string): Array<number | undefined> {
  return line
    .trim()
    .split(/\s{2,}/)
    .slice(1)
    .map((c) => (c === '—' ? undefined : Number(c.replace(/,/g, ''))));
}

function close(actual: number | undefined, expected: number | undefined): boolean {
  if (expected === undefined) return actual === undefined;
  if (actual === undefined) return false;
  // Rendered with 1–3 decimals: within half of the last shown digit.
  return Math.abs(actual - expected) <= Math.max(0.0005, Math.abs(expected) * 0.0005 + 0.05);
}

describe('renderConsole', () => {
  const f = buildFixture({ saturated: true, incomplete: true });
  const out = renderConsole(f.report, { color: false, width: 120 });
  const lines = out.split('\n');

  it('puts INCOMPLETE (never PASS or FAIL) and one sentence per trust cause at the top of an interrupted, saturated run', () => {
    expect(lines[0]).toMatch(/^ INCOMPLETE /);
    expect(lines[1]).toMatch(/^not a pass: the run is incomplete; on what was measured, \d+ of \d+ SLA checks failed/);
    const top = lines.slice(0, lines.indexOf('')).join(' ');
    expect(top).toContain('! The run did not complete: target stopped answering at t=29s.');
    expect(top).toContain('! The load generator was saturated (event-loop lag p99 180 ms > 50 ms; CPU 99%), so latencies include its own stalls.');
  });

  it('puts FAIL, the suite, the phase, the engines and overall requests and throughput in the headline', () => {
    const text = renderConsole(buildFixture().report, { color: false, width: 160 });
    const head = text.split('\n')[0]!;
    expect(head).toMatch(/^ FAIL /);
    expect(head).toContain('exchange-smoke');
    expect(head).toContain('phase-2');
    expect(head).toContain('autocannon 8.0.0');
    // At 80 columns the banner line still fits; the engines move to the last lines.
    const narrow = renderConsole(buildFixture().report, { color: false, width: 80 }).split('\n');
    expect(narrow[0]!.length).toBeLessThanOrEqual(80);
    expect(narrow[0]).toMatch(/80(\.0+)? req\/s/);
    expect(narrow.slice(-3).join('\n')).toContain('autocannon 8.0.0');
    const ov = endpointStats('overall', overallEndpoint(f.result)!, f.result.meta.durationSec, measuredWindow(f.result));
    expect(head).toContain(`${ov.requests.toLocaleString('en-US')} requests`);
    expect(head).toMatch(/80(\.0+)? req\/s/);
    expect(ov.throughputPerSec).toBe(80);
  });

  it('shows every endpoint with requests, rate, error % and percentiles as read from its histogram over the measured window', () => {
    for (const [name, ep] of Object.entries(f.result.endpoints)) {
      const s = endpointStats(name, ep, f.result.meta.durationSec, measuredWindow(f.result));
      const line = lines.find((l) => l.startsWith(`${name} `) || l.startsWith(`${name} (`));
      expect(line, name).toBeDefined();
      const label = ep.kind === 'http' ? name : `${name} (${ep.kind})`;
      const nums = rowNumbers(line!.replace(label, 'x'));
      const l = s.latency!;
      const expected = [s.requests, s.throughputPerSec, s.errorRatePct, l.p50Ms, l.p95Ms, l.p99Ms, l.p999Ms, l.maxMs];
      expect(nums).toHaveLength(expected.length);
      nums.forEach((n, i) => expect(close(n, expected[i]), `${name} column ${i}: ${n} vs ${expected[i]}`).toBe(true));
    }
  });

  it('lists failing checks first, each with its actual value and limit', () => {
    const start = lines.findIndex((l) => l.startsWith('SLA checks'));
    const rows = lines.slice(start + 2).filter((l) => /^(FAIL|PASS|NO DATA|SKIP)/.test(l));
    expect(rows.length).toBe(f.verdict.checks.length);
    const firstPass = rows.findIndex((r) => r.startsWith('PASS'));
    expect(rows.slice(firstPass).every((r) => r.startsWith('PASS'))).toBe(true);
    const p95 = rows.find((r) => r.includes('fetchTicker.p95Ms'))!;
    const check = f.verdict.checks.find((c) => c.id === 'fetchTicker.p95Ms')!;
    expect(check.status).toBe('fail');
    expect(p95).toMatch(/^FAIL/);
    expect(p95).toContain('< 20 ms');
    const actual = Number(/([\d.]+) ms/.exec(p95)![1]);
    expect(close(actual, check.actual)).toBe(true);
  });

  it('marks a check without data as NO DATA and says why', () => {
    const i = lines.findIndex((l) => l.includes('fetchMarkets.p95Ms'));
    expect(lines[i]).toMatch(/^NO DATA\s/);
    expect(lines[i + 1]).toContain('nothing was measured for "fetchMarkets"');
    // An optional check without data is skipped (as in JUnit), and the detail line says so.
    const j = lines.findIndex((l) => /^SKIP\s+ws:trades\.lossPct/.test(l));
    expect(j).toBeGreaterThan(0);
    expect(lines[j + 1]).toContain('└ optional: nothing was measured for "ws:trades"');
  });

  it('notes the warm-up, corrected vs uncorrected latency and late arrivals, without restating the headline', () => {
    const notes = out.slice(out.indexOf('\nNotes\n')).replace(/\s+/g, ' ');
    expect(notes).not.toContain('target stopped answering');
    expect(notes).not.toContain('load generator was saturated');
    expect(notes).toContain('Warm-up: the first 5 s');
    expect(notes).toMatch(/Rate-driven latency is corrected for coordinated omission.*p99 corrected vs as sent \(uncorrected\): fetchOrderBook [\d.]+ vs [\d.]+ ms\./);
    expect(notes).toContain('25 of 750 arrivals were sent late and 3 of 753 dropped');
  });

  it('shows correlation IDs of failed requests and of the slowest requests', () => {
    const inWindow = (x: { tSec: number }) => x.tSec >= f.result.meta.warmupSec && x.tSec < f.result.meta.durationSec;
    const failed = f.result.endpoints.createOrder!.samples.failed.filter(inWindow)[0]!;
    expect(out).toContain(failed.correlationId);
    // Warm-up requests are not "requests to look up" when the measured window has its own.
    for (const x of f.result.endpoints.createOrder!.samples.failed.filter((y) => !inWindow(y))) expect(out).not.toContain(x.correlationId);
    const w = measuredWindow(f.result);
    const slowest = Object.values(f.result.endpoints)
      .filter((e) => e.kind !== 'ws')
      .flatMap((e) => e.samples.slowest)
      .filter((x) => x.tSec >= w.fromSec && x.tSec < Math.min(w.toSec, f.result.meta.durationSec))
      .sort((a, b) => b.latencyMs! - a.latencyMs!)[0]!;
    expect(lines.find((l) => l.includes(slowest.correlationId))).toMatch(/slowest/);
  });

  it('fits 80 columns: no line is longer, every table row stays on one line with its margin', () => {
    for (const fx of [f, buildFixture(), buildFixture({ passing: true }), buildFixture({ hostile: true })]) {
      const text = renderConsole(fx.report, { color: false, width: 80 });
      for (const l of text.split('\n')) expect([...l].length, l).toBeLessThanOrEqual(80);
      const rows = text.split('\n').filter((l) => /^(PASS|FAIL|NO DATA|SKIP) /.test(l));
      expect(rows).toHaveLength(fx.verdict.checks.length);
      for (const r of rows) expect(r, r).toMatch(/(%|pp|—|×[\d,.]+)$/);
    }
  });

  it('uses ANSI colour only when asked', () => {
    expect(out).not.toContain(ESC);
    const colored = renderConsole(f.report, { color: true });
    expect(colored).toContain(`${ESC}[`);
    expect(colored.replace(/\u001b\[[0-9;]*m/g, '')).toBe(renderConsole(f.report, { color: false }));
  });

  it('says PASS when every check passed', () => {
    const ok = renderConsole(buildFixture({ passing: true }).report, { color: false });
    expect(ok.split('\n')[0]).toMatch(/^ PASS /);
    expect(ok).toMatch(/all \d+ SLA checks passed/);
  });

  it('never passes control characters from hostile names to the terminal', () => {
    const h = renderConsole(buildFixture({ hostile: true }).report, { color: false, width: 80 });
    expect(h).not.toContain(ESC);
    expect(h).toContain('<script>alert("x&y")</script>');
    for (const l of h.split('\n')) expect(l).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(h.includes(HOSTILE)).toBe(false); // the raw line feed inside it is gone
  });
});
