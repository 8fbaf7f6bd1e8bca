/** The only fs edge of reporting: write rendered files into a report directory. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, RunError } from '../errors.js';

/** Report file names are plain names inside the directory: no separators, no `..`. */
const SAFE_NAME = /^(?!\.\.?$)[A-Za-z0-9._-]+$/;

/**
 * Write `files` (file name → contents) into `dir`, creating it and its parents. Returns the paths written,
 * in the order given.
 */
export async function writeReportFiles(dir: string, files: Record<string, string>): Promise<string[]> {
  for (const name of Object.keys(files)) {
    if (!SAFE_NAME.test(name)) throw new InputError('LG_REPORT_FILE', `report file name ${JSON.stringify(name)} is not a plain file name`, { hint: 'use letters, digits, ".", "_" and "-" only' });
  }
  try {
    await mkdir(dir, { recursive: true });
    const paths: string[] = [];
    for (const [name, content] of Object.entries(files)) {
      const p = join(dir, name);
      await writeFile(p, content, 'utf8');
      paths.push(p);
    }
    return paths;
  } catch (cause) {
    throw new RunError('LG_REPORT_WRITE', `could not write reports to ${dir}: ${(cause as Error).message}`, { hint: 'check that the directory is writable, or pass --out <dir>', cause });
  }
}

/** A filesystem-safe form of an ISO time, in UTC to the second: `2026-11-22T01-54-27Z`. */
export function safeTimestamp(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isFinite(t)) return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
  return safeSegment(iso, 'unknown-time');
}

function safeSegment(s: string, fallback: string): string {
  const out = s
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 80);
  return out === '' ? fallback : out;
}

/**
 * `<root>/<suite>/<timestamp>`, e.g. `reportDirFor('reports', 'smoke', '2026-11-22T01:54:27.123Z')` →
 * `reports/smoke/2026-11-22T01-54-27Z`. The suite name is made filesystem-safe. Pure (no fs).
 */
export function reportDirFor(root: string, suiteName: string, startedAt: string): string {
  return join(root, safeSegment(suiteName, 'suite'), safeTimestamp(startedAt));
}
