import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../src/report/junit.js';
import { buildFixture, HOSTILE, HOSTILE_ENDPOINT, xmlProblems } from '../helpers/fixture-result.js';

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');
}

/** testcase elements: attributes and inner XML. */
function testcases(xml: string): Array<{ classname: string; name: string; inner: string }> {
  return [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)" time="[^"]*"(?:\/>|>([\s\S]*?)<\/testcase>)/g)].map((m) => ({
    classname: unescapeXml(m[1]!),
    name: unescapeXml(m[2]!),
    inner: m[3] ?? '',
  }));
}

describe('renderJunit', () => {
  const f = buildFixture();
  const xml = renderJunit(f.report);

  it('is well-formed XML with one testsuite', () => {
    expect(xmlProblems(xml)).toEqual([]);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expect(xml.match(/<testsuite /g)).toHaveLength(1);
  });

  it('has one testcase per check, classname = scope, name = check id', () => {
    const tcs = testcases(xml);
    expect(tcs.map((t) => t.name)).toEqual(f.verdict.checks.map((c) => c.id));
    expect(tcs.map((t) => t.classname)).toEqual(f.verdict.checks.map((c) => c.scope));
    const fails = f.verdict.checks.filter((c) => c.status === 'fail' || (c.status === 'no-data' && !c.optional)).length;
    expect(xml).toContain(`tests="${f.verdict.checks.length}" failures="${fails}" errors="0" skipped="1"`);
  });

  it('reports a breached check as a failure with actual and limit', () => {
    const tc = testcases(xml).find((t) => t.name === 'fetchTicker.p95Ms')!;
    const actual = f.verdict.checks.find((c) => c.id === 'fetchTicker.p95Ms')!.actual!;
    expect(tc.inner).toContain('type="sla-breach"');
    const msg = unescapeXml(/message="([^"]*)"/.exec(tc.inner)![1]!);
    expect(msg).toMatch(/^fetchTicker\.p95Ms: actual [\d.]+ ms, limit < 20 ms$/);
    expect(Number(/actual ([\d.]+)/.exec(msg)![1])).toBeCloseTo(actual, 1);
  });

  it('fails a check without data, and skips it when it is optional', () => {
    const tcs = testcases(xml);
    expect(tcs.find((t) => t.name === 'fetchMarkets.p95Ms')!.inner).toMatch(/<failure type="no-data"/);
    const opt = tcs.find((t) => t.name === 'ws:trades.lossPct')!.inner;
    expect(opt).toMatch(/<skipped message="no data/);
    expect(opt).not.toContain('<failure');
    const pass = tcs.find((t) => t.name === 'fetchTicker.p99Ms')!.inner;
    expect(pass).not.toMatch(/<failure|<error|<skipped/);
  });

  it('puts the actual value and the limit on every case, passing ones too', () => {
    const checks = f.verdict.checks;
    for (const c of checks) {
      const tc = testcases(xml).find((t) => t.name === c.id)!;
      expect(tc.inner, c.id).toMatch(/<property name="actual" value="[^"]+"\/>/);
      expect(tc.inner, c.id).toMatch(/<property name="limit" value="[^"]+"\/>/);
    }
    const p99 = checks.find((c) => c.id === 'fetchTicker.p99Ms')!;
    expect(testcases(xml).find((t) => t.name === p99.id)!.inner).toContain(`<system-out>fetchTicker.p99Ms: actual ${p99.actual!.toFixed(1)} ms, limit &lt; 500 ms`);
  });

  it('adds an <error> naming why when the run is incomplete or untrustworthy, and none otherwise', () => {
    expect(xml).not.toContain('<error');
    const bad = renderJunit(buildFixture({ saturated: true }).report);
    expect(xmlProblems(bad)).toEqual([]);
    expect(bad).toMatch(/<testsuite [^>]*errors="1"/);
    expect(bad).toMatch(/<testcase classname="loadgate" name="loadgate.run" time="0">\s*<error type="untrustworthy" message="run untrustworthy: The load generator was saturated \(event-loop lag p99 180 ms &gt; 50 ms; CPU 99%\), so latencies include its own stalls."/);
    expect(renderJunit(buildFixture({ incomplete: true }).report)).toMatch(/<error type="incomplete" message="run incomplete: The run did not complete: target stopped answering at t=29s."/);
  });

  it('escapes hostile names and stays well-formed', () => {
    const h = renderJunit(buildFixture({ hostile: true }).report);
    expect(xmlProblems(h)).toEqual([]);
    const tc = testcases(h).find((t) => t.classname === HOSTILE_ENDPOINT);
    expect(tc?.name).toBe(`${HOSTILE_ENDPOINT}.p95Ms`);
    expect(h).not.toContain('<script>');
    expect(unescapeXml(/<testsuite name="([^"]*)"/.exec(h)![1]!)).toBe(`loadgate: smoke ${HOSTILE}`);
  });
});
