import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, escapeMd, escapePromLabel, escapeXml, fmtCount, fmtLimit, fmtMargin, fmtNum, fmtPct } from '../../src/report/format.js';

describe('number formatting', () => {
  it('shows 1 to 3 decimals by magnitude and never rounds a non-zero value to zero', () => {
    expect(fmtNum(1234.567)).toBe('1234.6');
    expect(fmtNum(12.3456)).toBe('12.35');
    expect(fmtNum(0.1234)).toBe('0.123');
    expect(fmtNum(0)).toBe('0');
    expect(fmtNum(0.0001)).toBe('<0.001');
    expect(fmtNum(undefined)).toBe('—');
    expect(fmtPct(0.5)).toBe('0.500%');
    expect(fmtCount(1234567)).toBe('1,234,567');
  });

  it('shows limits as written, with the window', () => {
    expect(fmtLimit({ op: '<', limit: 300, unit: 'ms' })).toBe('< 300 ms');
    expect(fmtLimit({ op: '>=', limit: 99.95, unit: '%' })).toBe('>= 99.95%');
    expect(fmtLimit({ op: '<=', limit: 10, unit: '/min', windowSec: 60 })).toBe('<= 10 /min in every 60 s window');
  });
});

const unXml = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#39;/g, "'").replace(/&amp;/g, '&');

describe('escaping', () => {
  it('XML and HTML escaping leave no markup characters and round-trip valid text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        for (const esc of [escapeXml, escapeHtml]) {
          const e = esc(s);
          expect(e).not.toMatch(/[<>"']/);
          expect(e.replace(/&(?:amp|lt|gt|quot|apos|#39);/g, '')).not.toContain('&');
          expect(unXml(e)).toBe(s);
        }
      }),
    );
  });

  it('XML escaping replaces characters XML cannot carry', () => {
    expect(escapeXml('a\u0000b\u001bc\td')).toBe('a\uFFFDb\uFFFDc\td');
  });

  it('Prometheus label escaping round-trips and leaves no raw quote or line feed', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const e = escapePromLabel(s);
        expect(e).not.toContain('\n');
        expect(e.replace(/\\[\\"n]/g, '')).not.toMatch(/["\\]/);
        expect(e.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))).toBe(s);
      }),
    );
  });

  it('Markdown escaping leaves no unescaped pipe, line break or tag', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const e = escapeMd(s);
        expect(e).not.toMatch(/[\r\n<>]/);
        expect(e.replace(/\\./g, '')).not.toContain('|');
      }),
    );
  });
});

describe('fmtMargin', () => {
  it('says how many times over a tiny limit a value is, instead of a huge percentage', () => {
    // 155.3 ms against a 0.001 ms limit: -15,529,900% says nothing.
    expect(fmtMargin({ marginPct: ((0.001 - 155.3) / 0.001) * 100, actual: 155.3, limit: 0.001, unit: 'ms' })).toBe('×155,300');
    expect(fmtMargin({ marginPct: -163.5, actual: 52.7, limit: 20, unit: 'ms' })).toBe('-163.5%');
  });

  it('gives percent metrics their margin in percentage points, not relative to the limit', () => {
    expect(fmtMargin({ marginPct: -23, marginPp: -0.23, actual: 1.23, limit: 1, unit: '%' })).toBe('-0.23 pp');
    expect(fmtMargin({ marginPct: 0.503, marginPp: 0.5, actual: 100, limit: 99.5, unit: '%' })).toBe('+0.50 pp');
  });
});
