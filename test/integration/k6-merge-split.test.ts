/**
 * Merging an NDJSON split in three equals ingesting it whole: histograms add exactly, counts add, series
 * buckets line up, the duration is the union of the parts' time ranges. Each part is written the way a k6
 * runner writes its own file: the Metric lines it declared before its first sample come first.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestNdjsonFile } from '../../src/engines/k6/ingest-ndjson.js';
import { ndjsonToRunResult } from '../../src/engines/k6/result.js';
import { k6Values } from '../../src/engines/k6/k6-stats.js';
import { mergeResults } from '../../src/result/merge.js';
import { decodeHistogram, encodeHistogram } from '../../src/result/histogram.js';
import { mergeCommand } from '../../src/commands/merge.js';
import type { RunResult } from '../../src/result/model.js';
import { fakeIO } from './k6-helpers.js';

const RUNS = fileURLToPath(new URL('../../../shared/fixtures/k6/runs/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lg-k6-merge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const host = { hostname: 'h', platform: 'linux', arch: 'x64', cpus: 2, node: 'v20' };

function splitInThree(run: string): string[] {
  const lines = readFileSync(`${RUNS}${run}.ndjson`, 'utf8').split('\n').filter((l) => l !== '');
  const cut = [0, Math.floor(lines.length / 3), Math.floor((2 * lines.length) / 3), lines.length];
  const declared: string[] = [];
  const files: string[] = [];
  for (let p = 0; p < 3; p++) {
    const body = lines.slice(cut[p], cut[p + 1]);
    const header = [...declared];
    for (const l of body) if (l.startsWith('{"type":"Metric"')) declared.push(l);
    const f = join(dir, `${run}.part${p}.ndjson`);
    writeFileSync(f, `${[...header, ...body].join('\n')}\n`);
    files.push(f);
  }
  return files;
}

const canon = (h: string) => encodeHistogram(decodeHistogram(h));

function expectSameResult(merged: RunResult, whole: RunResult): void {
  expect(Object.keys(merged.endpoints).sort()).toEqual(Object.keys(whole.endpoints).sort());
  for (const [name, w] of Object.entries(whole.endpoints)) {
    const m = merged.endpoints[name]!;
    expect(m.requests, name).toBe(w.requests);
    expect(m.statusCodes, name).toEqual(w.statusCodes);
    expect(m.errors, name).toEqual(w.errors);
    expect(canon(m.latency), name).toBe(canon(w.latency));
    expect(m.series.map((p) => [p.tSec, p.requests, p.errors, canon(p.latency)]), name).toEqual(w.series.map((p) => [p.tSec, p.requests, p.errors, canon(p.latency)]));
  }
  expect(Object.keys(merged.custom ?? {}).sort()).toEqual(Object.keys(whole.custom ?? {}).sort());
  for (const [key, w] of Object.entries(whole.custom ?? {})) {
    const m = merged.custom![key]!;
    const mv = k6Values(m, 10);
    for (const [stat, v] of Object.entries(k6Values(w, 10))) expect(mv[stat], `${key} ${stat}`).toBeCloseTo(v, 6);
    if (w.histogram) expect(canon(m.histogram!), key).toBe(canon(w.histogram));
  }
  expect(merged.meta.durationSec).toBeCloseTo(whole.meta.durationSec, 1);
  expect(merged.meta.startedAt).toBe(whole.meta.startedAt);
}

describe('merging k6 NDJSON split in three', () => {
  for (const run of ['rest-pass', 'ws-stream']) {
    it(`equals ingesting ${run} whole`, async () => {
      const whole = ndjsonToRunResult(await ingestNdjsonFile(`${RUNS}${run}.ndjson`), { suite: run, host, fallbackEndedAtMs: 0 });
      const parts = await Promise.all(splitInThree(run).map(async (f) => ndjsonToRunResult(await ingestNdjsonFile(f), { suite: run, host, fallbackEndedAtMs: 0 })));
      expectSameResult(mergeResults(parts), whole);
    });
  }

  it('merges the parts from the command line, NDJSON in, one result out', async () => {
    const files = splitInThree('rest-fail');
    const out = join(dir, 'merged.json');
    const io = fakeIO(dir);
    expect(await mergeCommand.run([...files, '--out', out], io)).toBe(0);
    const merged = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    const whole = ndjsonToRunResult(await ingestNdjsonFile(`${RUNS}rest-fail.ndjson`), { suite: 'rest-fail', host, fallbackEndedAtMs: 0 });
    expectSameResult(merged, whole);
    expect(merged.meta.mergedFrom).toHaveLength(3);
  });

  it('gives one SLA verdict on the merged result: exit 1 when a target fails, 0 when all pass', async () => {
    const files = splitInThree('rest-pass');
    const strict = join(dir, 'strict.yaml');
    writeFileSync(strict, 'sla:\n  endpoints:\n    fetchTicker: { p95Ms: 5 }\n');
    const loose = join(dir, 'loose.yaml');
    writeFileSync(loose, 'sla:\n  endpoints:\n    fetchTicker: { p95Ms: 300, errorRatePct: 1 }\n    fetchOrderBook: { p99Ms: 500 }\n');
    const io1 = fakeIO(dir);
    expect(await mergeCommand.run([...files, '--sla', strict], io1)).toBe(1);
    expect(io1.out()).toMatch(/SLA FAIL/);
    // rest-pass dropped 38 iterations: the implicit droppedArrivals < 1 of a rate-driven run fails, as with `run` (issue 15)…
    const io2 = fakeIO(dir);
    expect(await mergeCommand.run([...files, '--sla', loose], io2)).toBe(1);
    expect(io2.out()).toMatch(/SLA FAIL: 3 pass, \d+ fail/);
    expect(io2.out().split('\n').filter((l) => /^\s+fail\s/.test(l)).every((l) => /droppedArrivals/.test(l))).toBe(true);
    // …and the same runners without their dropped iterations pass.
    const kept = files.map((f) => {
      const g = f.replace(/\.ndjson$/, '.kept.ndjson');
      writeFileSync(g, readFileSync(f, 'utf8').split('\n').filter((l) => !l.includes('"metric":"dropped_iterations","type":"Point"')).join('\n'));
      return g;
    });
    const io3 = fakeIO(dir);
    expect(await mergeCommand.run([...kept, '--sla', loose], io3)).toBe(0);
    expect(io3.out()).toMatch(/SLA PASS: \d+ pass, 0 fail, 0 no-data/);
    expect(io3.out()).toMatch(/pass\s+fetchTicker\.droppedArrivals < 1\s+actual 0/);
  });

  it('rejects a file that is not a result with a path-qualified message (exit 2)', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ schemaVersion: 1, kind: 'loadgate.result', meta: { suite: 3 }, endpoints: {} }));
    await expect(mergeCommand.run([bad], fakeIO(dir))).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/bad\.json: meta\.suite/) });
  });
});
