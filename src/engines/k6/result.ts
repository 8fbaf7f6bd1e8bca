/** Wraps k6 ingests into a complete RunResult (for `loadgate import k6`). Pure: host and clock are passed in. */
import { RESULT_SCHEMA_VERSION, type RunMeta, type RunResult } from '../../result/model.js';
import type { NdjsonIngest } from './ingest-ndjson.js';
import type { SummaryIngest } from './ingest-summary.js';

/** The version shown for an import whose k6 version was not given. */
export const K6_VERSION_NOT_RECORDED = '(version not recorded in k6 output)';

export interface ImportMeta {
  /** Suite name stored in the result (default: the file's base name). */
  suite: string;
  host: RunMeta['host'];
  /** Used when the input has no timestamps (a summary, or an empty NDJSON): when the run ended, epoch ms. */
  fallbackEndedAtMs: number;
  k6Version?: string;
}

function baseMeta(m: ImportMeta, startMs: number, endMs: number, notes: string[]): RunMeta {
  return {
    suite: m.suite,
    // k6's outputs do not record its version: say so rather than "k6 unknown" (`import --k6-version` sets it).
    engines: [{ name: 'k6', version: m.k6Version ?? K6_VERSION_NOT_RECORDED }],
    startedAt: new Date(startMs).toISOString(),
    endedAt: new Date(endMs).toISOString(),
    durationSec: Math.max(0, endMs - startMs) / 1000,
    warmupSec: 0,
    host: m.host,
    target: { url: 'k6 import', mock: false },
    notes,
  };
}

export function ndjsonToRunResult(ing: NdjsonIngest, m: ImportMeta): RunResult {
  const notes = [...ing.notes];
  let start = ing.originEpochMs;
  let end = ing.lastSampleMs;
  if (!Number.isFinite(start) || !Number.isFinite(end)) {
    start = end = m.fallbackEndedAtMs;
    notes.push('the NDJSON holds no samples');
  } else if (ing.firstSampleMs - start > 0) {
    notes.push(`run start aligned down to the whole second (${Math.round(ing.firstSampleMs - start)} ms before the first sample) so that split files merge bucket-exactly`);
  }
  const r: RunResult = { schemaVersion: RESULT_SCHEMA_VERSION, kind: 'loadgate.result', meta: baseMeta(m, start, end, notes), endpoints: ing.endpoints };
  if (Object.keys(ing.custom).length) r.custom = ing.custom;
  if (ing.truncatedLastLine) r.meta.incomplete = { reason: 'the k6 NDJSON ends mid-line (k6 was stopped while writing)' };
  return r;
}

export function summaryToRunResult(s: SummaryIngest, m: ImportMeta): RunResult {
  const notes = [...s.notes];
  const end = m.fallbackEndedAtMs;
  let start = end;
  if (s.testRunDurationMs !== undefined) start = end - s.testRunDurationMs;
  else notes.push('the summary gives no test duration: rates cannot be computed');
  notes.push('start/end times are estimated from the file time and the test duration (a k6 summary has no timestamps)');
  const r: RunResult = { schemaVersion: RESULT_SCHEMA_VERSION, kind: 'loadgate.result', meta: baseMeta(m, start, end, notes), endpoints: s.endpoints };
  if (Object.keys(s.custom).length) r.custom = s.custom;
  return r;
}
