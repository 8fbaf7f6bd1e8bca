/**
 * A history folder of nightly runs (the only fs edge of src/history/):
 *
 *   <dir>/index.json          { kind: "loadgate.history", schemaVersion: 1, runs: [HistoryEntry…] } oldest first
 *   <dir>/runs/<id>.json      each run's result.json, as `loadgate run` wrote it
 *
 * Every file is written to a temporary name in the same folder and renamed into place, so a reader (or a CI
 * job killed mid-write) never sees half a file; a lock file serialises two runs adding at once.
 */
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError, RunError } from '../errors.js';
import type { RunResult } from '../result/model.js';
import { safeTimestamp } from '../report/write.js';

export const HISTORY_SCHEMA_VERSION = 1;
export const HISTORY_INDEX = 'index.json';

export const historyEntrySchema = z.object({
  /** File-safe id: the run's start time to the second, with a suffix when two runs share it. */
  id: z.string().regex(/^[A-Za-z0-9._-]+$/),
  /** Path of the result, relative to the history folder (always inside runs/). */
  file: z.string().regex(/^runs\/[A-Za-z0-9._-]+\.json$/, 'expected runs/<id>.json'),
  suite: z.string(),
  startedAt: z.string(),
  phase: z.string().optional(),
  label: z.string().optional(),
  gitCommit: z.string().optional(),
  /** SLA verdict of the run when it was added. */
  status: z.enum(['pass', 'fail']),
  /** Interrupted, or its generator saturated: kept, but not read for change points. */
  untrustworthy: z.string().optional(),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const historyIndexSchema = z.object({
  kind: z.literal('loadgate.history'),
  schemaVersion: z.literal(HISTORY_SCHEMA_VERSION),
  runs: z.array(historyEntrySchema),
});
export type HistoryIndex = z.infer<typeof historyIndexSchema>;

/** Write `text` to `file` atomically: a temporary file in the same folder, then rename. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Read the index; a folder without one is an empty history. */
export async function readHistoryIndex(dir: string): Promise<HistoryIndex> {
  const file = join(dir, HISTORY_INDEX);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'loadgate.history', schemaVersion: HISTORY_SCHEMA_VERSION, runs: [] };
    throw new InputError('LG_HISTORY_UNREADABLE', `${file}: cannot read the history index (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError('LG_HISTORY_INVALID', `${file}: not JSON (${(e as Error).message})`, { hint: 'the index is written by `loadgate run --history <dir>`', cause: e });
  }
  const r = historyIndexSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InputError('LG_HISTORY_INVALID', `${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`, { hint: 'the index is written by `loadgate run --history <dir>`' });
  }
  return r.data;
}

const LOCK = '.lock';
/** A lock older than this is left over from a killed process. */
const STALE_LOCK_MS = 60_000;

async function withLock<T>(dir: string, fn: () => Promise<T>, sleep: (ms: number) => Promise<void>): Promise<T> {
  const lock = join(dir, LOCK);
  for (let attempt = 0; ; attempt++) {
    try {
      const h = await open(lock, 'wx');
      await h.writeFile(`${process.pid}\n`);
      await h.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_LOCK_MS) await rm(lock, { force: true });
      else if (attempt >= 100) throw new RunError('LG_HISTORY_LOCKED', `${lock}: another loadgate is adding to this history`, { hint: `remove ${lock} if no other run is in progress` });
      else await sleep(100);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

/** The entry a result gets in the index (pure). */
export function historyEntry(id: string, result: RunResult, status: 'pass' | 'fail'): HistoryEntry {
  const m = result.meta;
  const untrustworthy = m.incomplete ? `incomplete (${m.incomplete.reason})` : result.generator?.saturated ? 'the load generator was saturated' : undefined;
  return {
    id,
    file: `runs/${id}.json`,
    suite: m.suite,
    startedAt: m.startedAt,
    ...(m.phase !== undefined ? { phase: m.phase } : {}),
    ...(m.label !== undefined ? { label: m.label } : {}),
    ...(m.gitCommit !== undefined ? { gitCommit: m.gitCommit } : {}),
    status,
    ...(untrustworthy ? { untrustworthy } : {}),
  };
}

/**
 * Add a run to the history folder (created when missing): its result under runs/, then the index, each
 * written atomically. Returns the new entry.
 */
export async function addToHistory(dir: string, result: RunResult, status: 'pass' | 'fail', opts: { sleep?: (ms: number) => Promise<void> } = {}): Promise<HistoryEntry> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  try {
    await mkdir(join(dir, 'runs'), { recursive: true });
  } catch (cause) {
    throw new RunError('LG_HISTORY_WRITE', `could not create the history folder ${dir}: ${(cause as Error).message}`, { hint: 'check that the folder is writable', cause });
  }
  return withLock(
    dir,
    async () => {
      const index = await readHistoryIndex(dir);
      const base = safeTimestamp(result.meta.startedAt);
      const taken = new Set(index.runs.map((r) => r.id));
      let id = base;
      for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
      const entry = historyEntry(id, result, status);
      try {
        await writeFileAtomic(join(dir, entry.file), `${JSON.stringify(result)}\n`);
        const runs = [...index.runs, entry].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        await writeFileAtomic(join(dir, HISTORY_INDEX), `${JSON.stringify({ kind: 'loadgate.history', schemaVersion: HISTORY_SCHEMA_VERSION, runs } satisfies HistoryIndex, null, 2)}\n`);
      } catch (cause) {
        throw new RunError('LG_HISTORY_WRITE', `could not add the run to ${dir}: ${(cause as Error).message}`, { hint: 'check that the folder is writable', cause });
      }
      return entry;
    },
    sleep,
  );
}
