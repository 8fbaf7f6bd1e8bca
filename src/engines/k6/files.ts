/** The fs edge for k6 artifacts: tell NDJSON from summary JSON, and read either into a RunResult. */
import { open, readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { arch, cpus, hostname, platform } from 'node:os';
import { InputError } from '../../errors.js';
import { assertText } from '../../suite/load.js';
import { resolveLimits } from '../../suite/limits.js';
import type { RunResult } from '../../result/model.js';
import { ingestNdjsonFile } from './ingest-ndjson.js';
import { ingestSummary } from './ingest-summary.js';
import { ndjsonToRunResult, summaryToRunResult, type ImportMeta } from './result.js';

export type K6FileKind = 'ndjson' | 'summary' | 'loadgate-result';

/** Sniff a file: k6 NDJSON (first line a Metric/Point), a loadgate result, or a k6 summary JSON. */
export async function sniffK6File(path: string): Promise<K6FileKind> {
  if (path.endsWith('.gz')) return 'ndjson';
  let head: string;
  try {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(4096);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      if (bytesRead === 0) throw new InputError('LG_FILE_EMPTY', `${path}: the file is empty (0 bytes)`, { hint: 'expected k6 NDJSON (k6 run --out json=<file>), a k6 summary JSON or a loadgate result' });
      assertText(path, buf.subarray(0, bytesRead), 'k6 NDJSON, a k6 summary JSON or a loadgate result');
      head = buf.toString('utf8', 0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError('LG_FILE_UNREADABLE', `${path}: cannot read file (${code ?? String(e)})`, { cause: e });
  }
  const first = head.trimStart();
  if (/^\{\s*("type"\s*:\s*"(Metric|Point)"|"metric"\s*:)/.test(first)) return 'ndjson';
  // A loadgate report.json too: reading it as a result says what it is and what is expected instead.
  if (/"kind"\s*:\s*"loadgate\.(?:result|report)"/.test(head)) return 'loadgate-result';
  return 'summary';
}

export function hostInfo(): ImportMeta['host'] {
  return { hostname: hostname(), platform: platform(), arch: arch(), cpus: cpus().length, node: process.version };
}

export interface ReadK6Options {
  includeSetup?: boolean;
  suite?: string;
  /** The k6 version that wrote the file (k6's outputs do not record it). */
  k6Version?: string;
}

/** Read a k6 NDJSON or summary file into a RunResult. */
export async function readK6File(path: string, opts: ReadK6Options = {}): Promise<{ result: RunResult; kind: K6FileKind }> {
  const kind = await sniffK6File(path);
  const suite = opts.suite ?? basename(path).replace(/(\.summary|\.handle-summary)?\.(ndjson|json)(\.gz)?$/i, '');
  const mtimeMs = (await stat(path)).mtimeMs;
  const meta: ImportMeta = { suite, host: hostInfo(), fallbackEndedAtMs: Math.round(mtimeMs), ...(opts.k6Version ? { k6Version: opts.k6Version } : {}) };
  if (kind === 'ndjson') {
    const limits = resolveLimits(undefined);
    const ing = await ingestNdjsonFile(path, { includeSetup: opts.includeSetup ?? false, gunzip: { maxBytes: limits.gunzipMb * 2 ** 20, maxRatio: limits.gunzipRatio } });
    return { result: ndjsonToRunResult(ing, meta), kind };
  }
  if (kind === 'loadgate-result') throw new InputError('LG_K6_INPUT', `${path}: this is a loadgate result or report, not k6 output`, { hint: 'use `loadgate merge` or `loadgate report` on a result.json' });
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new InputError('LG_FILE_SYNTAX', `${path}: neither k6 NDJSON (first line a {"type":"Metric"…} or {"metric":…} object) nor valid JSON: ${(e as Error).message}`, {
      hint: 'pass the file of `k6 run --out json=<file>`, `--summary-export=<file>` or a handleSummary JSON',
      cause: e,
    });
  }
  return { result: summaryToRunResult(ingestSummary(path, data), meta), kind };
}
