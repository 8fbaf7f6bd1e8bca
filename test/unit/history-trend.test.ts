/** The history folder (index + result files, atomic, serialised) and the trend read from it. */
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32, normal } from '../../src/compare/random.js';
import { addToHistory, readHistoryIndex, type HistoryEntry } from '../../src/history/store.js';
import { buildTrend, OVERALL_SERIES } from '../../src/history/trend.js';
import { renderTrendHtml, renderTrendMarkdown, sparkline } from '../../src/history/render.js';
import type { RunResult } from '../../src/result/model.js';
import { endpoint, result } from '../helpers/results.js';

const DAY_MS = 86_400_000;

/** Night i: fetchTicker at `latencyMs[i]`, fetchOrderBook flat at 5 ms, 20 requests a second for 3 s. */
function night(i: number, latencyMs: number): RunResult {
  const sec = (ms: number) => Array.from({ length: 3 }, () => ({ n: 20, latencyMs: ms }));
  return result({ fetchTicker: endpoint('fetchTicker', sec(latencyMs)), fetchOrderBook: endpoint('fetchOrderBook', sec(5)) }, { durationSec: 3, startedAt: new Date(Date.UTC(2026, 0, 1) + i * DAY_MS).toISOString() });
}

function entry(i: number, r: RunResult, over: Partial<HistoryEntry> = {}): HistoryEntry {
  return { id: `n${i}`, file: `runs/n${i}.json`, suite: r.meta.suite, startedAt: r.meta.startedAt, status: 'pass', ...over };
}

describe('history folder', () => {
  it('adds runs as result files plus an index, oldest first, with unique ids and no temporary files left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loadgate-history-'));
    const a = night(1, 10);
    const b = night(0, 10);
    const e1 = await addToHistory(dir, a, 'pass');
    const e2 = await addToHistory(dir, b, 'fail');
    const e3 = await addToHistory(dir, a, 'pass');
    expect(e1.id).toBe('2026-01-02T00-00-00Z');
    expect(e3.id).toBe('2026-01-02T00-00-00Z-2');
    const index = await readHistoryIndex(dir);
    expect(index.runs.map((r) => r.id)).toEqual([e2.id, e1.id, e3.id]);
    expect(index.runs[0]!.status).toBe('fail');
    expect(JSON.parse(await readFile(join(dir, e1.file), 'utf8'))).toEqual(a);
    expect((await readdir(dir)).sort()).toEqual(['index.json', 'runs']);
    expect((await readdir(join(dir, 'runs'))).every((f) => /^[\w.-]+\.json$/.test(f))).toBe(true);
  });

  it('loses no run when several are added at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loadgate-history-'));
    await Promise.all(Array.from({ length: 6 }, (_, i) => addToHistory(dir, night(i, 10), 'pass', { sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 5))) })));
    expect((await readHistoryIndex(dir)).runs).toHaveLength(6);
  });

  it('marks interrupted and saturated runs as untrustworthy', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loadgate-history-'));
    const r = night(0, 10);
    r.meta.incomplete = { reason: 'interrupted (SIGINT)' };
    expect((await addToHistory(dir, r, 'fail')).untrustworthy).toBe('incomplete (interrupted (SIGINT))');
  });

  it('rejects an index that is not a loadgate history, naming the file and the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loadgate-history-'));
    await writeFile(join(dir, 'index.json'), JSON.stringify({ kind: 'loadgate.history', schemaVersion: 1, runs: [{ id: 'x', file: '../../etc/passwd', suite: 's', startedAt: 't', status: 'pass' }] }));
    await expect(readHistoryIndex(dir)).rejects.toMatchObject({ code: 'LG_HISTORY_INVALID', exitCode: 2, message: expect.stringContaining('index.json: runs.0.file') });
    await writeFile(join(dir, 'index.json'), '{');
    await expect(readHistoryIndex(dir)).rejects.toMatchObject({ code: 'LG_HISTORY_INVALID' });
  });
});

describe('trend', () => {
  const rng = mulberry32(5);
  const latency = Array.from({ length: 100 }, (_, i) => 10 * (i >= 60 ? 1.08 : 1) * (1 + 0.02 * normal(rng)));
  latency[30] = latency[30]! * 1.5;
  const history = latency.map((ms, i) => {
    const r = night(i, ms);
    return { entry: entry(i, r), result: r };
  });

  it('flags the step of one endpoint as a regression at the run it starts, and nothing elsewhere', () => {
    const t = buildTrend(history);
    expect(t.runs).toHaveLength(100);
    const ticker = t.series.filter((s) => s.endpoint === 'fetchTicker');
    expect(ticker.map((s) => s.metric)).toEqual(['p50Ms', 'p95Ms', 'p99Ms', 'throughputPerSec', 'errorRatePct']);
    const p50 = ticker.find((s) => s.metric === 'p50Ms')!;
    expect(p50.points).toHaveLength(100);
    expect(p50.changePoints.map((c) => [c.run, c.direction])).toEqual([[60, 'regression']]);
    for (const s of t.series.filter((x) => x.endpoint === 'fetchOrderBook')) expect(s.changePoints).toEqual([]);
    expect(t.series[0]!.endpoint).toBe(OVERALL_SERIES);
  });

  it('reads only the last N runs and skips untrustworthy runs for change points', () => {
    const t = buildTrend(history, { last: 30, metrics: ['p50Ms'] });
    expect(t.runs).toHaveLength(30);
    expect(t.runs[0]!.id).toBe('n70');
    expect(t.series.every((s) => s.changePoints.length === 0)).toBe(true);
    const marked = history.map((h, i) => (i >= 60 && i < 64 ? { ...h, entry: { ...h.entry, untrustworthy: 'the load generator was saturated' } } : h));
    const p50 = buildTrend(marked, { metrics: ['p50Ms'] }).series.find((s) => s.endpoint === 'fetchTicker')!;
    expect(p50.points).toHaveLength(100);
    expect(p50.changePoints.map((c) => c.run)).toEqual([64]);
  });

  it('renders Markdown with the change point and a sparkline, and HTML with one chart per series', () => {
    const t = buildTrend(history, { metrics: ['p50Ms', 'throughputPerSec'] });
    const md = renderTrendMarkdown(t);
    expect(md).toMatch(/^## loadgate trend: 100 runs, 1 change point \(1 regression\)/);
    expect(md).toMatch(/\| 🔴 regression \| fetchTicker \| p50 \| 2026-03-02 00:00/);
    expect(md).toMatch(/\| fetchTicker \| p50 \| 100 \| [▁-█]{100} ⚑1 \|/);
    expect(sparkline([1, 2, 3])).toBe('▁▅█');
    const html = renderTrendHtml(t);
    expect(html.match(/<svg class="trend-chart"/g)).toHaveLength(t.series.length);
    expect(html.match(/class="change-point"/g)).toHaveLength(1);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });
});
