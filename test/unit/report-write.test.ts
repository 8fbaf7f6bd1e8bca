import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderAll, REPORT_FORMATS } from '../../src/report/index.js';
import { reportDirFor, safeTimestamp, writeReportFiles } from '../../src/report/write.js';
import { InputError } from '../../src/errors.js';
import { buildFixture, HOSTILE } from '../helpers/fixture-result.js';

const root = mkdtempSync(join(tmpdir(), 'loadgate-report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('writeReportFiles', () => {
  it('creates the directory with its parents and writes every file', async () => {
    const dir = join(root, 'a', 'b', 'c');
    const paths = await writeReportFiles(dir, { 'report.md': '# hi\n', 'junit.xml': '<x/>\n' });
    expect(paths).toEqual([join(dir, 'report.md'), join(dir, 'junit.xml')]);
    expect(readFileSync(paths[0]!, 'utf8')).toBe('# hi\n');
    expect(readFileSync(paths[1]!, 'utf8')).toBe('<x/>\n');
  });

  it('refuses file names that would leave the directory', async () => {
    await expect(writeReportFiles(root, { '../escape.txt': 'x' })).rejects.toBeInstanceOf(InputError);
    await expect(writeReportFiles(root, { '..': 'x' })).rejects.toBeInstanceOf(InputError);
  });
});

describe('reportDirFor', () => {
  it('puts reports under <root>/<suite>/<UTC timestamp to the second>', () => {
    expect(reportDirFor('reports', 'smoke', '2026-11-22T01:54:27.123Z')).toBe(join('reports', 'smoke', '2026-11-22T01-54-27Z'));
    expect(safeTimestamp('2026-11-22T03:54:27+02:00')).toBe('2026-11-22T01-54-27Z');
  });

  it('makes hostile suite names filesystem-safe', () => {
    const dir = reportDirFor('/r', `../../${HOSTILE}`, 'not a date');
    const [, , suite, ts] = dir.split('/');
    expect(dir.startsWith('/r/')).toBe(true);
    expect(dir.split('/')).toHaveLength(4);
    expect(suite).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(suite).not.toMatch(/^\./);
    expect(ts).toBe('not-a-date');
  });
});

describe('renderAll', () => {
  it('renders each requested format to its file name', () => {
    const files = renderAll(buildFixture({ ws: false, openModel: false }).report, REPORT_FORMATS);
    expect(Object.keys(files).sort()).toEqual(['junit.xml', 'metrics.prom', 'report.html', 'report.json', 'report.md']);
    expect(JSON.parse(files['report.json']!).kind).toBe('loadgate.report');
    expect(Object.keys(renderAll(buildFixture({ ws: false, openModel: false }).report, ['md']))).toEqual(['report.md']);
  });
});
