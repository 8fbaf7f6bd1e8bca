/**
 * k6's stderr is cut to the first meaningful line of each error (issue 15: a script error put about 40 lines
 * of k6's stack into the report notes). Real k6 v0.48 stderr from ../shared/fixtures/k6/runs, plus a long one.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { k6ErrorLines } from '../../src/engines/k6/stderr.js';

const RUNS = fileURLToPath(new URL('../../../shared/fixtures/k6/runs/', import.meta.url));
const stderrOf = (run: string) => readFileSync(`${RUNS}${run}.stderr.txt`, 'utf8');

describe('k6ErrorLines', () => {
  it('keeps the message, the script frame and the hint of an init-context exception (k6 exit 107)', () => {
    expect(k6ErrorLines(stderrOf('err-init-throw'))).toEqual(['Error: fixture: deliberate exception in init context (at file:///k6fix/scripts/error-cases.js:20:8(74)) [script exception]']);
  });

  it('gives at most two distinct errors for a run that logged 35 (err-iter-throw)', () => {
    const lines = k6ErrorLines(stderrOf('err-iter-throw'));
    expect(stderrOf('err-iter-throw').split('\n').filter(Boolean).length).toBeGreaterThan(30);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Error: fixture: deliberate exception in iteration 1 \(at file:\/\/\/k6fix\/scripts\/error-cases\.js:63:10\(96\)\)$/);
  });

  it('drops k6 internal frames: a 40-frame SyntaxError becomes one line', () => {
    const frames = Array.from({ length: 40 }, (_, i) => `\\tat github.com/grafana/k6/js.(*Bundle).frame${i} (native)`).join('\\n');
    const line = `time="2026-11-22T00:41:26Z" level=error msg="SyntaxError: file:///tmp/rest-mix.js: Unexpected token (215:52)\\n${frames}\\n" hint="script exception"`;
    const out = k6ErrorLines(`${line}\n`);
    expect(out).toEqual(['SyntaxError: file:///tmp/rest-mix.js: Unexpected token (215:52) [script exception]']);
  });

  it('drops multi-line stack frames of plain (non-logfmt) output, and says nothing about warnings', () => {
    const plain = `ERRO[0000] TypeError: x is undefined\n\tat file:///s.js:3:1(4)\n\tat native\n\tat reflect.methodValueCall (native)\n`;
    expect(k6ErrorLines(plain)).toEqual(['ERRO[0000] TypeError: x is undefined']);
    expect(k6ErrorLines('time="t" level=warning msg="Request Failed" error="dial tcp: connection refused"\n')).toEqual([]);
  });
});
